--- The values request preparation is measured on (bench/prepare/client.lua
-- on Lua; bench/node/prepare.mjs reads the same values as JSON): a typical
-- chat request, and a provider-preferences object with every field.
return {
  request = {
    model = "openai/gpt-4o:nitro",
    messages = {
      { role = "system", content = "You are terse." },
      { role = "user", content = "What is the capital of France?" },
    },
    temperature = 0.7,
    max_tokens = 256,
    provider = { sort = "price", allow_fallbacks = true },
  },
  provider = {
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
  },
}
