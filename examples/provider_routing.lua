-- OpenRouter's routing, option by option: each request prints the model
-- and the provider that served it.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/provider_routing.lua
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/provider_routing.lua
--
-- Against the simulator, X-Mock-Down takes providers down for one request
-- (so fallbacks show) and X-Mock-Seed makes the load-balancing draw
-- repeatable.  The real API ignores those headers.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples",
                               max_retries = 0 }

local function ask(label, req, headers)
  req.messages = req.messages or { { role = "user", content = "Say hi." } }
  req.max_tokens = req.max_tokens or 8
  local res, err = client:chat(req, { headers = headers })
  if res then
    print(("%-44s -> %s via %s"):format(label, tostring(res.model), tostring(res.provider)))
  else
    print(("%-44s -> %s"):format(label, tostring(err):gsub("\n.*", "")))
  end
  return res, err
end

local mixtral = "mistralai/mixtral-8x7b-instruct"
local llama8 = "meta-llama/llama-3.1-8b-instruct"
local llama70 = "meta-llama/llama-3.3-70b-instruct"

print("-- ordering")
ask("order Together, DeepInfra", { model = mixtral, provider = { order = { "together", "deepinfra" } } })
ask("order ..., Together down: falls back", { model = mixtral, provider = { order = { "together", "deepinfra" } } },
  { ["X-Mock-Down"] = "together" })
ask("order ..., allow_fallbacks = false", { model = mixtral,
  provider = { order = { "together" }, allow_fallbacks = false } }, { ["X-Mock-Down"] = "together" })

print("-- filtering")
ask("ignore DeepInfra", { model = llama70, provider = { ignore = { "deepinfra" } } }, { ["X-Mock-Seed"] = "1" })
ask("only Azure", { model = "openai/gpt-4o", provider = { only = { "azure" } } })
ask("quantizations fp8", { model = llama8, provider = { quantizations = { "fp8" } } }, { ["X-Mock-Seed"] = "2" })
ask("data_collection deny", { model = mixtral, provider = { data_collection = "deny" } }, { ["X-Mock-Seed"] = "3" })
ask("zdr", { model = llama70, provider = { zdr = true } })
ask("max_price prompt <= $0.2/M", { model = llama70, provider = { max_price = { prompt = 0.2, completion = 1 } } })
ask("require_parameters + response_format", { model = llama70,
  response_format = { type = "json_object" }, provider = { require_parameters = true } }, { ["X-Mock-Seed"] = "4" })

print("-- sorting and variants")
ask("sort by throughput", { model = llama70, provider = { sort = "throughput" } })
ask("sort by price", { model = llama70, provider = { sort = "price" } })
ask("sort by latency", { model = llama70, provider = { sort = "latency" } })
ask(":nitro (throughput)", { model = llama70 .. ":nitro" })
ask(":floor (price)", { model = llama70 .. ":floor" })
ask("deepinfra/turbo endpoint of R1", { model = "deepseek/deepseek-r1", provider = { only = { "deepinfra/turbo" } } })

print("-- load balancing (mock/balanced: A $1, B $2 with outages, C $3)")
if base then
  local count = {}
  for seed = 1, 50 do
    local res = client:chat({ model = "mock/balanced", messages = { { role = "user", content = "hi" } },
                              max_tokens = 1 }, { headers = { ["X-Mock-Seed"] = tostring(seed) } })
    if res then count[res.provider] = (count[res.provider] or 0) + 1 end
  end
  local names = {}
  for name, n in pairs(count) do names[#names + 1] = name .. " " .. n end
  table.sort(names)
  print("50 seeded draws: " .. table.concat(names, ", "))
end

print("-- model fallbacks")
ask("models: first model down -> next", { model = mixtral, models = { llama8 } },
  { ["X-Mock-Down"] = mixtral })
ask("openrouter/auto", { model = "openrouter/auto",
  messages = { { role = "user", content = "Write a Lua function that reverses a string." } } })

print("-- caught before sending")
local _, err = client:chat{ model = mixtral, messages = { { role = "user", content = "hi" } },
                            provider = { allowFallbacks = false } }
print(tostring(err))
