--- POST /embeddings: deterministic embedding vectors.
--
-- Each input (a string, a token list, or a multimodal item's text parts)
-- gets a unit-length vector that depends only on the input, the model and
-- the dimensions: the same text always embeds the same way, different texts
-- differently.  encoding_format "base64" sends the vector as little-endian
-- float32 bytes in base64, as OpenAI does.  The response is the OpenAPI
-- document's: { id, object = "list", data = [{ object = "embedding",
-- embedding, index }], model, provider, usage = { prompt_tokens,
-- total_tokens, cost } }.
local json = require("openrouter.mock.json")

local M = {}

local O, A = json.object, json.array
local floor, sqrt = math.floor, math.sqrt
local concat, char, byte = table.concat, string.char, string.byte

M.MAX_DIMENSIONS = 8192
M.MAX_INPUTS = 2048

--- The embedding models: id, provider, dimensions (the default and the
-- most a request may ask for), price in USD per million input tokens.
M.models = {
  { id = "openai/text-embedding-3-small", name = "OpenAI: Text Embedding 3 Small",
    provider = "OpenAI", dimensions = 1536, price = 0.02, context_length = 8192 },
  { id = "openai/text-embedding-3-large", name = "OpenAI: Text Embedding 3 Large",
    provider = "OpenAI", dimensions = 3072, price = 0.13, context_length = 8192 },
  { id = "mock/embed", name = "Mock: Embed",
    provider = "Mock", dimensions = 8, price = 1, context_length = 1000000 },
}
M.by_id = {}
for _, m in ipairs(M.models) do M.by_id[m.id] = m end

-- The same 31-bit string hash as gen.hash.
local function hash(s, h)
  h = h or 5381
  for k = 1, #s do h = (h * 33 + byte(s, k)) % 2147483647 end
  return h
end

-- The inputs as texts, one per embedding.
local function texts(input)
  if type(input) == "string" then return { input } end
  local out = {}
  if type(input) ~= "table" then return out end
  if type(input[1]) == "number" then return { json.encode(json.array(input)) } end
  for _, item in ipairs(input) do
    if type(item) == "string" then
      out[#out + 1] = item
    elseif type(item) == "table" and type(item[1]) == "number" then
      out[#out + 1] = json.encode(json.array(item))
    elseif type(item) == "table" and type(item.content) == "table" then
      local parts = {}
      for _, p in ipairs(item.content) do
        if type(p) == "table" then
          parts[#parts + 1] = type(p.text) == "string" and p.text
            or (type(p.image_url) == "table" and tostring(p.image_url.url)) or tostring(p.type)
        end
      end
      out[#out + 1] = concat(parts, "\n")
    end
  end
  return out
end

--- A unit vector for a text.
function M.vector(text, model_id, dims)
  local v, sum = {}, 0
  local h = hash(text, hash(model_id))
  for i = 1, dims do
    h = (h * 48271 + i) % 2147483647
    local x = (h % 20001 - 10000) / 10000
    v[i] = x
    sum = sum + x * x
  end
  local norm = sqrt(sum)
  if norm == 0 then norm = 1 end
  for i = 1, dims do
    -- 8 significant digits, as a float32 holds
    v[i] = tonumber(("%.8g"):format(v[i] / norm))
  end
  return v
end

-- float32, little-endian (normal numbers and zero: all a unit vector holds)
local function float32(x)
  if x == 0 then return "\0\0\0\0" end
  local sign = 0
  if x < 0 then sign, x = 1, -x end
  local e = floor(math.log(x) / math.log(2))
  local m = x / 2 ^ e
  if m >= 2 then m, e = m / 2, e + 1 elseif m < 1 then m, e = m * 2, e - 1 end
  local be = e + 127
  if be <= 0 then return "\0\0\0\0" end
  local frac = floor((m - 1) * 2 ^ 23 + 0.5)
  if frac >= 2 ^ 23 then frac, be = 0, be + 1 end
  local bits = sign * 2 ^ 31 + be * 2 ^ 23 + frac
  return char(bits % 256, floor(bits / 256) % 256, floor(bits / 65536) % 256, floor(bits / 16777216) % 256)
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local q = { floor(n / 262144) % 64, floor(n / 4096) % 64, floor(n / 64) % 64, n % 64 }
    out[#out + 1] = B64:sub(q[1] + 1, q[1] + 1) .. B64:sub(q[2] + 1, q[2] + 1)
      .. (b and B64:sub(q[3] + 1, q[3] + 1) or "=") .. (c and B64:sub(q[4] + 1, q[4] + 1) or "=")
  end
  return concat(out)
end
M.base64 = base64

--- The response to a valid request: JSON text and its cost, or nil,
-- status, message.
function M.respond(body, id)
  local model = M.by_id[body.model]
  if not model then
    return nil, 400, tostring(body.model) .. " is not a valid model ID"
  end
  local dims = body.dimensions and floor(body.dimensions) or model.dimensions
  if dims > M.MAX_DIMENSIONS then
    return nil, 400, ("dimensions must be at most %d"):format(M.MAX_DIMENSIONS)
  end
  local list = texts(body.input)
  if #list == 0 then return nil, 400, "input must not be empty" end
  if #list > M.MAX_INPUTS then
    return nil, 400, ("at most %d inputs per request"):format(M.MAX_INPUTS)
  end
  local data, tokens = A(), 0
  for i, text in ipairs(list) do
    tokens = tokens + floor((#text + 3) / 4)
    local v = M.vector(text, model.id, dims)
    local embedding
    if body.encoding_format == "base64" then
      local bytes = {}
      for k = 1, dims do bytes[k] = float32(v[k]) end
      embedding = base64(concat(bytes))
    else
      embedding = json.array(v)
    end
    data[i] = O("object", "embedding", "embedding", embedding, "index", i - 1)
  end
  local cost = tokens * model.price / 1e6
  return json.encode(O("id", id, "object", "list", "data", data, "model", model.id,
    "provider", model.provider,
    "usage", O("prompt_tokens", tokens, "total_tokens", tokens, "cost", cost, "is_byok", false))), cost
end

return M
