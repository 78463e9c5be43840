-- Tool runs: the model calls Lua functions until it can answer.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/tools.lua [model] [prompt]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/tools.lua
--
-- openrouter.tool declares a tool: a JSON Schema for its arguments and a
-- `run` function.  client:chat (and client:stream) then loop: send, check
-- each call's arguments against the schema, run the tools, send the
-- results back, until the model answers without calling a tool.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
-- the simulator's mock/tools calls both tools at once, then answers with their results
local model = arg[1] or (base and "mock/tools" or "openai/gpt-4o-mini")
-- (the simulator passes the prompt as the first string argument)
local prompt = arg[2] or (base and "Oslo" or "What is the weather in Oslo, in Fahrenheit?")

local FORECAST = { oslo = 4, lima = 19, cairo = 31 }

local weather = openrouter.tool{
  name = "get_weather",
  description = "Current temperature of a city, in degrees Celsius",
  parameters = {
    type = "object",
    properties = { city = { type = "string", description = "City name" } },
    required = { "city" },
  },
  run = function(args)
    local city = args.city:match("%a+"):lower()
    local c = FORECAST[city]
    if not c then return nil, "no data for " .. args.city end   -- the model is told
    return { city = args.city, celsius = c }
  end,
}

local convert = openrouter.tool{
  name = "convert_temperature",
  description = "Convert degrees Celsius to Fahrenheit (F) or Kelvin (K)",
  parameters = {
    type = "object",
    properties = { celsius = { type = "number" }, to = { type = "string", enum = { "F", "K" } } },
    required = { "celsius", "to" },
  },
  run = function(args)
    if args.to == "F" then return { fahrenheit = args.celsius * 9 / 5 + 32 } end
    return { kelvin = args.celsius + 273.15 }
  end,
}

local function show(v)
  local ok, s = pcall(require("cjson").encode, v)
  return ok and s or tostring(v)
end

-- 1. client:chat: the whole run, then what happened in each step
local res, err = client:chat({
  model = model,
  messages = { { role = "user", content = prompt } },
  tools = { weather, convert },
}, { max_steps = 5 })
if not res then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
for _, step in ipairs(res.steps) do
  for _, call in ipairs(step.tool_calls) do
    print(("step %d: %s(%s) -> %s%s"):format(step.index, call.name, call.arguments_json,
      call.error and ("error: " .. call.error.message) or call.content,
      (" [%.1f ms]"):format(call.time * 1000)))
  end
end
print("answer: " .. tostring(res.choices[1].message.content))
print(("%d steps, %d messages in the history"):format(#res.steps, #res.messages))

-- 2. client:stream: the chunks of every step, the tools running in between
local stream
stream, err = client:stream({
  model = model,
  messages = { { role = "user", content = prompt } },
  tools = { weather, convert },
}, {
  on_tool_call = function(call) io.write("\n[calling ", call.name, " ", show(call.arguments), "]") end,
})
if not stream then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
io.write("streamed:")
for text in stream:text() do io.write(text) end
local final
final, err = stream:result()
if not final then
  io.stderr:write("\n", tostring(err), "\n")
  os.exit(1)
end
print(("\n[%d steps, finish: %s]"):format(#final.steps, tostring(final.choices[1].finish_reason)))
