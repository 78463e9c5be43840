-- The account and the catalog: models, endpoints, providers, a generation's
-- stats and content, the key and the credits; client:request for the rest.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/catalog.lua [search]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/catalog.lua
--
-- Each call returns the decoded JSON as OpenRouter sends it (most wrap it in
-- `data`), or nil, err.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local search = arg[1] or "llama"

local function check(v, err)
  if v == nil then
    io.stderr:write(tostring(err), "\n")
    os.exit(1)
  end
  return v
end

-- 1. models: the documented filters go as query parameters (lists comma-separated)
local count = check(client:models_count())
local tools = check(client:models{ supported_parameters = { "tools" } })
print(("models: %d, of which %d take tools"):format(count.data.count, #tools.data))
local all = check(client:models())
for _, m in ipairs(all.data) do
  if m.id:find(search, 1, true) then
    print(("  %-40s %7d tokens, $%.2f / 1M prompt tokens"):format(m.id, m.context_length,
      tonumber(m.pricing.prompt) * 1e6))
  end
end

-- 2. one model's endpoints: who serves it, at what price, how quantized
local eps = check(client:endpoints("meta-llama/llama-3.3-70b-instruct"))
for _, e in ipairs(eps.data.endpoints) do
  print(("  %s via %-10s %s"):format(eps.data.id, e.provider_name, e.quantization))
end

-- 3. providers and embedding models
local providers = check(client:providers())
local embedders = check(client:embedding_models())
local names = {}
for _, m in ipairs(embedders.data) do names[#names + 1] = m.id end
print(("providers: %d; embedding models: %s"):format(#providers.data, table.concat(names, ", ")))

-- 4. a generation: ask, then look it up by the response's id.  (On the
--    real API its stats take a moment to appear; retry on a 404.)
local res = check(client:chat{ model = base and "mock/echo" or "openai/gpt-4o-mini",
  messages = { { role = "user", content = "Remember this sentence." } } })
local gen = check(client:generation(res.id))
print(("generation %s: %s via %s, %d + %d tokens"):format(gen.data.id, gen.data.model, gen.data.provider_name,
  gen.data.tokens_prompt, gen.data.tokens_completion))
local content, cerr = client:generation_content(res.id)      -- only if the account stores prompts
if content then
  print("stored completion: " .. tostring(content.data.output and content.data.output.completion))
else
  print("no stored content: " .. tostring(cerr))
end

-- 5. the key (its label, never the key itself) and the credits
local k = check(client:key())
local credits = check(client:credits())
print(("key %s: rate limit %d requests / %s; credits %g, used %g"):format(k.data.label,
  k.data.rate_limit.requests, k.data.rate_limit.interval, credits.data.total_credits, credits.data.total_usage))

-- 6. any endpoint: client:request(method, path, { query =, body = })
local r = check(client:request("GET", "/models/count", { query = { output_modalities = "embeddings" } }))
print(("client:request GET /models/count?output_modalities=embeddings -> %d"):format(r.data.count))
