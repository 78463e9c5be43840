-- Embeddings (POST /embeddings) and legacy text completions (POST /completions).
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/embeddings.lua [model]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/embeddings.lua
--
-- Both return the decoded JSON, or nil, err; opts (headers, timeout,
-- max_retries, ...) as for every call.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local model = arg[1] or "openai/text-embedding-3-small"

local function fail(err)
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end

-- 1. several inputs in one request: one vector each, in data[i].embedding
--    (`dimensions` shortens them, where the model allows it)
local texts = { "The cat sat on the mat.", "A cat was sitting on a mat.", "Stock prices fell sharply." }
local res, err = client:embeddings{ model = model, input = texts, dimensions = 256 }
if not res then fail(err) end

local function cosine(a, b)
  local dot, na, nb = 0, 0, 0
  for i = 1, #a do
    dot, na, nb = dot + a[i] * b[i], na + a[i] ^ 2, nb + b[i] ^ 2
  end
  return dot / math.sqrt(na * nb)
end
local v = {}
for _, d in ipairs(res.data) do v[d.index + 1] = d.embedding end    -- index is 0-based
print(("%d vectors of %d numbers from %s, %d tokens"):format(#res.data, #v[1], res.model,
  res.usage and res.usage.prompt_tokens or 0))
for i = 2, #texts do
  print(("  similarity of 1 and %d: %.3f"):format(i, cosine(v[1], v[i])))
end
-- (the simulator's vectors depend only on the text, so the same text gives 1.000)
local again = assert(client:embeddings{ model = model, input = texts[1], dimensions = 256 })
print(("  the same text again: %.3f"):format(cosine(v[1], again.data[1].embedding)))

-- 2. a legacy completion: a prompt in, text_completion choices out
local comp
comp, err = client:completions{
  model = base and "mock/echo" or "openai/gpt-4o-mini",
  prompt = "Once upon a time",
  max_tokens = 16,
}
if not comp then fail(err) end
print(("completion (%s): %s [finish: %s]"):format(comp.object, comp.choices[1].text,
  tostring(comp.choices[1].finish_reason)))
