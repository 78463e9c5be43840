-- The Responses API: one answer, then a stream of typed events, then a
-- look at the catalog through the endpoint helpers.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/responses.lua [model]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/responses.lua
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{
  api_key = key or "sk-or-simulator",       -- the simulator wants a key, any key
  app_title = "openrouter-lua examples",
}
local model = arg[1] or (base and "mock/echo" or "openai/gpt-4o-mini")

local function fail(err)
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end

-- 1. one call: the response object; output_text joins its output messages
local res, err = client:responses{
  model = model,
  instructions = "Answer in one short sentence.",
  input = "Say hello to the Responses API.",
}
if not res then fail(err) end
print("answer: " .. tostring(res.output_text))
print(string.format("status: %s, %d input + %d output tokens", res.status,
  res.usage and res.usage.input_tokens or 0, res.usage and res.usage.output_tokens or 0))

-- 2. a stream: every typed event, the text as it comes, the final response
local stream
stream, err = client:responses_stream{
  model = model,
  input = { { type = "message", role = "user",
              content = { { type = "input_text", text = "Stream this sentence back, please." } } } },
}
if not stream then fail(err) end
local counts = {}
io.write("stream: ")
for ev in stream do
  counts[ev.type] = (counts[ev.type] or 0) + 1
  if ev.type == "response.output_text.delta" then
    io.write(ev.delta)
    io.flush()
  end
end
local final, ferr = stream:result()
if not final then fail(ferr) end
print()
print(string.format("events: %d text deltas, completed: %s, generation %s",
  counts["response.output_text.delta"] or 0, tostring(counts["response.completed"] == 1),
  tostring(stream.request_id)))

-- 3. the endpoint helpers
local count = assert(client:models_count())
local eps = assert(client:endpoints(base and "openai/gpt-4o" or model))
local names = {}
for _, e in ipairs(eps.data.endpoints) do names[#names + 1] = e.provider_name end
print(string.format("%d models; %s is served by %s", count.data.count, eps.data.id, table.concat(names, ", ")))
