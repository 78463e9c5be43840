-- ns per validation: a provider object with every field set, and a typical
-- chat request.  Run from the repository root, e.g.
--   LUA_PATH="lua/?.lua;;" LUA_CPATH="build/5.4/?.so;;" lua5.4 bench/schema_bench.lua
local validate = require("openrouter.validate")
local schema = require("openrouter.schema")

local provider = {
  order = { "openai", "deepinfra/turbo", "Together" },
  only = { "openai", "azure" },
  ignore = { "fireworks" },
  allow_fallbacks = false,
  require_parameters = true,
  data_collection = "deny",
  zdr = true,
  enforce_distillable_text = false,
  quantizations = { "fp8", "bf16" },
  sort = { by = "throughput", partition = "none" },
  preferred_min_throughput = { p50 = 100, p90 = 50 },
  preferred_max_latency = { p50 = 2, p99 = 10 },
  max_price = { prompt = 1, completion = 2, request = 0, image = "0.5", audio = 0 },
  experimental = {},
}

local request = {
  model = "openai/gpt-4o:nitro",
  messages = {
    { role = "system", content = "You are terse." },
    { role = "user", content = "What is the capital of France?" },
  },
  temperature = 0.7,
  max_tokens = 256,
  provider = { sort = "price", allow_fallbacks = true },
}

local function bench(name, f, arg, iters)
  assert(f(arg), name .. " must be valid")
  for _ = 1, math.floor(iters / 10) do f(arg) end                       -- warm up
  local best = math.huge
  for _ = 1, 5 do
    local t0 = os.clock()
    for _ = 1, iters do f(arg) end
    local ns = (os.clock() - t0) * 1e9 / iters
    if ns < best then best = ns end
  end
  print(("%-44s %9.0f ns"):format(name, best))
  return best
end

local pv = schema.compile(require("openrouter.schemas.provider"))
local n = tonumber(arg and arg[1]) or 200000
print(("%s: best of 5 runs of %d validations"):format(jit and jit.version or _VERSION, n))
print(("%-44s %12s"):format("case", "per call"))
bench("provider, every field (validator:validate)", function(p) return pv:validate(p) end, provider, n)
bench("provider, every field (validate_provider)", validate.validate_provider, provider, n)
bench("typical chat request (validate_request)", validate.validate_request, request, n)
-- Machine calibration: the same loop doing only a pairs() walk over the
-- provider's top-level keys (no validation at all).
bench("reference: pairs() over the 14 top-level keys", function(p)
  for _ in pairs(p) do end
  return true
end, provider, n)
