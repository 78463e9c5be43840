--- The simulated catalog: models, and the provider endpoints serving them.
--
-- Prices are in USD per million tokens here (the unit of `max_price`);
-- the wire shows them per token, as strings, as OpenRouter does.
-- Every endpoint has: provider (display name), tag (slug; "deepinfra/turbo"
-- is a variant of "deepinfra"), prices, quantization, data_collection
-- ("allow": may store or train on prompts; "deny": does not), zdr,
-- supported parameters, throughput (tokens/s) and latency (s) percentiles,
-- and recent_outages (deprioritised by the default load balancer).
local json = require("openrouter.mock.json")

local M = {}

local A, O, null = json.array, json.object, json.null

-- Parameter sets -------------------------------------------------------------

local function set(...)
  local s = {}
  for _, list in ipairs({ ... }) do
    for _, p in ipairs(list) do s[#s + 1] = p end
  end
  return s
end

local BASE = { "max_tokens", "temperature", "top_p", "stop", "frequency_penalty",
  "presence_penalty", "seed" }
local OPEN = { "top_k", "repetition_penalty", "min_p", "logit_bias" }
local TOOLS = { "tools", "tool_choice", "parallel_tool_calls" }
local FORMAT = { "response_format", "structured_outputs" }
local LOGPROBS = { "logprobs", "top_logprobs" }
local REASONING = { "reasoning", "include_reasoning" }
local ALL = set(BASE, OPEN, TOOLS, FORMAT, LOGPROBS, REASONING, { "max_completion_tokens" })

--- Parameters OpenRouter routes on: with `require_parameters`, each one
-- present in a request must be supported by the endpoint.
M.routing_parameters = {
  "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "stop",
  "frequency_penalty", "presence_penalty", "repetition_penalty", "min_p", "top_a",
  "seed", "logit_bias", "logprobs", "top_logprobs", "response_format",
  "structured_outputs", "tools", "tool_choice", "parallel_tool_calls",
  "reasoning", "include_reasoning", "web_search_options", "verbosity",
}

local function perc(p50)
  -- a plausible spread around the median
  return { p50 = p50, p75 = p50 * 1.25, p90 = p50 * 1.6, p99 = p50 * 2.5 }
end

local function ep(t)
  t.data_collection = t.data_collection or "deny"
  t.zdr = t.zdr or false
  t.quantization = t.quantization or "unknown"
  t.params = t.params or ALL
  t.throughput = t.throughput or 60
  t.latency = t.latency or 0.6
  t.recent_outages = t.recent_outages or false
  t.request = t.request or 0
  t.image = t.image or 0
  return t
end

-- Models ---------------------------------------------------------------------

local mock_ep = function() return { ep{ provider = "Mock", tag = "mock", prompt = 1, completion = 2,
  quantization = "fp16", zdr = true, throughput = 5000, latency = 0.01,
  context_length = 1000000, max_completion_tokens = 1000000 } } end

local catalog = {
  {
    id = "mock/echo", name = "Mock: Echo", created = 1735689600,
    description = "Streams the last user message back in small chunks.",
    context_length = 1000000, tokenizer = "Other", distillable = true,
    endpoints = mock_ep(),
  },
  {
    id = "mock/lorem", name = "Mock: Lorem", created = 1735689600,
    description = "Deterministic lorem-ipsum words: max_tokens chunks (16 by default).",
    context_length = 1000000, tokenizer = "Other", distillable = true,
    endpoints = mock_ep(),
  },
  {
    id = "mock/tools", name = "Mock: Tools", created = 1735689600, categories = { "programming" },
    description = "Answers a request that has tools with two parallel tool calls, then the tool results as text.",
    context_length = 1000000, tokenizer = "Other", distillable = true,
    endpoints = mock_ep(),
  },
  {
    id = "mock/balanced", name = "Mock: Balanced", created = 1735689600,
    description = "OpenRouter's load-balancing example: Provider A at $1/M, "
      .. "Provider B at $2/M with recent outages, Provider C at $3/M.",
    context_length = 131072, tokenizer = "Other", distillable = true,
    endpoints = {
      ep{ provider = "Provider A", tag = "provider-a", prompt = 1, completion = 1, throughput = 50, latency = 0.8 },
      ep{ provider = "Provider B", tag = "provider-b", prompt = 2, completion = 2, throughput = 90, latency = 0.5,
          recent_outages = true },
      ep{ provider = "Provider C", tag = "provider-c", prompt = 3, completion = 3, throughput = 140, latency = 0.3 },
    },
  },
  {
    id = "openai/gpt-4o", name = "OpenAI: GPT-4o", created = 1715558400,
    categories = { "programming", "technology", "marketing", "translation" },
    description = "GPT-4o (simulated).", context_length = 128000, tokenizer = "GPT",
    input_modalities = { "text", "image", "file" }, distillable = false,
    endpoints = {
      ep{ provider = "OpenAI", tag = "openai", prompt = 2.5, completion = 10, throughput = 85, latency = 0.45,
          context_length = 128000, max_completion_tokens = 16384, is_moderated = true,
          params = set(BASE, TOOLS, FORMAT, LOGPROBS, { "logit_bias", "max_completion_tokens" }) },
      ep{ provider = "Azure", tag = "azure", prompt = 2.5, completion = 10, throughput = 120, latency = 0.7,
          zdr = true, context_length = 128000, max_completion_tokens = 16384, is_moderated = true,
          params = set(BASE, TOOLS, FORMAT, { "logit_bias", "max_completion_tokens" }) },
    },
  },
  {
    id = "openai/gpt-4o-mini", name = "OpenAI: GPT-4o-mini", created = 1721260800,
    description = "GPT-4o mini (simulated).", context_length = 128000, tokenizer = "GPT",
    input_modalities = { "text", "image", "file" }, distillable = false,
    endpoints = {
      ep{ provider = "OpenAI", tag = "openai", prompt = 0.15, completion = 0.6, throughput = 90, latency = 0.4,
          context_length = 128000, max_completion_tokens = 16384, is_moderated = true,
          params = set(BASE, TOOLS, FORMAT, LOGPROBS, { "logit_bias", "max_completion_tokens" }) },
      ep{ provider = "Azure", tag = "azure", prompt = 0.15, completion = 0.6, throughput = 130, latency = 0.6,
          zdr = true, context_length = 128000, max_completion_tokens = 16384, is_moderated = true,
          params = set(BASE, TOOLS, FORMAT, { "logit_bias", "max_completion_tokens" }) },
    },
  },
  {
    id = "anthropic/claude-sonnet-4", name = "Anthropic: Claude Sonnet 4", created = 1747930371,
    description = "Claude Sonnet 4 (simulated).", context_length = 200000, tokenizer = "Claude",
    input_modalities = { "text", "image", "file" }, distillable = false,
    endpoints = {
      ep{ provider = "Anthropic", tag = "anthropic", prompt = 3, completion = 15, throughput = 60, latency = 1.2,
          context_length = 200000, max_completion_tokens = 64000, is_moderated = true,
          params = set(BASE, TOOLS, REASONING, { "top_k", "structured_outputs" }) },
      ep{ provider = "Google", tag = "google-vertex", prompt = 3, completion = 15, throughput = 55,
          latency = 1.5, zdr = true, context_length = 200000, max_completion_tokens = 64000,
          params = set(BASE, TOOLS, REASONING, { "top_k" }) },
      ep{ provider = "Amazon Bedrock", tag = "amazon-bedrock", prompt = 3, completion = 15, throughput = 45,
          latency = 1.8, zdr = true, context_length = 200000, max_completion_tokens = 64000,
          params = set(BASE, TOOLS, REASONING, { "top_k" }) },
    },
  },
  {
    id = "google/gemini-2.5-flash", name = "Google: Gemini 2.5 Flash", created = 1750172488,
    description = "Gemini 2.5 Flash (simulated).", context_length = 1048576, tokenizer = "Gemini",
    input_modalities = { "text", "image", "file", "audio", "video" }, distillable = false,
    endpoints = {
      ep{ provider = "Google", tag = "google-vertex", prompt = 0.3, completion = 2.5, throughput = 110,
          latency = 0.5, zdr = true, context_length = 1048576, max_completion_tokens = 65535,
          params = set(BASE, TOOLS, FORMAT, REASONING, { "max_completion_tokens" }) },
      ep{ provider = "Google AI Studio", tag = "google-ai-studio", prompt = 0.3, completion = 2.5,
          throughput = 140, latency = 0.4, data_collection = "allow", context_length = 1048576,
          max_completion_tokens = 65535, params = set(BASE, TOOLS, FORMAT, REASONING, { "max_completion_tokens" }) },
    },
  },
  {
    id = "mistralai/mixtral-8x7b-instruct", name = "Mistral: Mixtral 8x7B Instruct", created = 1702166400,
    categories = { "roleplay", "translation" },
    description = "Mixtral 8x7B Instruct (simulated).", context_length = 32768, tokenizer = "Mistral",
    distillable = true,
    endpoints = {
      ep{ provider = "Together", tag = "together", prompt = 0.6, completion = 0.6, quantization = "fp16",
          throughput = 95, latency = 0.4, context_length = 32768, max_completion_tokens = 16384,
          params = set(BASE, OPEN, TOOLS, FORMAT) },
      ep{ provider = "DeepInfra", tag = "deepinfra", prompt = 0.54, completion = 0.54, quantization = "bf16",
          zdr = true, throughput = 60, latency = 0.5, context_length = 32768, max_completion_tokens = 16384,
          params = set(BASE, OPEN) },
      ep{ provider = "Fireworks", tag = "fireworks", prompt = 0.5, completion = 0.5, quantization = "fp8",
          data_collection = "allow", throughput = 150, latency = 0.3, context_length = 32768,
          max_completion_tokens = 32768, params = set(BASE, OPEN, TOOLS, FORMAT, LOGPROBS) },
    },
  },
  {
    id = "meta-llama/llama-3.1-8b-instruct", name = "Meta: Llama 3.1 8B Instruct", created = 1721692800,
    description = "Llama 3.1 8B Instruct (simulated).", context_length = 131072, tokenizer = "Llama3",
    distillable = true,
    endpoints = {
      ep{ provider = "DeepInfra", tag = "deepinfra", prompt = 0.03, completion = 0.05, quantization = "bf16",
          throughput = 110, latency = 0.3, context_length = 131072, max_completion_tokens = 16384,
          params = set(BASE, OPEN, TOOLS, FORMAT) },
      ep{ provider = "Novita", tag = "novita", prompt = 0.02, completion = 0.05, quantization = "fp8",
          data_collection = "allow", throughput = 70, latency = 0.9, context_length = 16384,
          max_completion_tokens = 16384, params = set(BASE, OPEN) },
      ep{ provider = "Lambda", tag = "lambda", prompt = 0.025, completion = 0.04, quantization = "bf16",
          zdr = true, throughput = 160, latency = 0.35, context_length = 131072,
          max_completion_tokens = 131072, params = set(BASE, OPEN, FORMAT) },
      ep{ provider = "Fireworks", tag = "fireworks", prompt = 0.1, completion = 0.1, quantization = "fp8",
          throughput = 250, latency = 0.2, context_length = 131072, max_completion_tokens = 16384,
          params = set(BASE, OPEN, TOOLS, FORMAT, LOGPROBS) },
    },
  },
  {
    id = "meta-llama/llama-3.3-70b-instruct", name = "Meta: Llama 3.3 70B Instruct", created = 1733356800,
    categories = { "roleplay", "trivia", "marketing" },
    description = "Llama 3.3 70B Instruct (simulated).", context_length = 131072, tokenizer = "Llama3",
    distillable = true,
    endpoints = {
      ep{ provider = "DeepInfra", tag = "deepinfra", prompt = 0.23, completion = 0.4, quantization = "fp8",
          throughput = 40, latency = 0.5, context_length = 131072, max_completion_tokens = 16384,
          params = set(BASE, OPEN, TOOLS, FORMAT) },
      ep{ provider = "Lambda", tag = "lambda", prompt = 0.12, completion = 0.3, quantization = "bf16",
          zdr = true, throughput = 55, latency = 0.6, context_length = 131072, max_completion_tokens = 131072,
          params = set(BASE, OPEN, FORMAT) },
      ep{ provider = "Together", tag = "together", prompt = 0.88, completion = 0.88, quantization = "fp8",
          throughput = 130, latency = 0.35, context_length = 131072, max_completion_tokens = 16384,
          params = set(BASE, OPEN, TOOLS, FORMAT) },
      ep{ provider = "Groq", tag = "groq", prompt = 0.59, completion = 0.79, quantization = "unknown",
          throughput = 300, latency = 0.2, context_length = 131072, max_completion_tokens = 32768,
          params = set(BASE, TOOLS, FORMAT) },
      ep{ provider = "Fireworks", tag = "fireworks", prompt = 0.9, completion = 0.9, quantization = "fp16",
          data_collection = "allow", throughput = 90, latency = 0.15, context_length = 131072,
          max_completion_tokens = 16384, params = set(BASE, OPEN, TOOLS, FORMAT, LOGPROBS) },
      ep{ provider = "Chutes", tag = "chutes", prompt = 0, completion = 0, quantization = "fp8",
          data_collection = "allow", throughput = 30, latency = 1.5, context_length = 131072,
          max_completion_tokens = 8192, free = true, params = set(BASE) },
    },
  },
  {
    id = "deepseek/deepseek-r1", name = "DeepSeek: R1", created = 1737331200,
    categories = { "programming", "science", "academia", "finance" },
    description = "DeepSeek R1 (simulated): always reasons before answering.", context_length = 163840,
    tokenizer = "DeepSeek", distillable = true, reasoning = true,
    endpoints = {
      ep{ provider = "DeepInfra", tag = "deepinfra", prompt = 0.45, completion = 2.15, quantization = "fp8",
          throughput = 30, latency = 1.2, context_length = 163840, max_completion_tokens = 32768,
          params = set(BASE, OPEN, REASONING, FORMAT) },
      ep{ provider = "DeepInfra", tag = "deepinfra/turbo", prompt = 2, completion = 6, quantization = "fp4",
          throughput = 120, latency = 0.6, context_length = 32768, max_completion_tokens = 16384,
          params = set(BASE, OPEN, REASONING, FORMAT) },
      ep{ provider = "DeepSeek", tag = "deepseek", prompt = 0.55, completion = 2.19, quantization = "fp8",
          data_collection = "allow", throughput = 25, latency = 2.5, context_length = 65536,
          max_completion_tokens = 8192, params = set(BASE, REASONING, TOOLS, FORMAT) },
      ep{ provider = "Together", tag = "together", prompt = 3, completion = 7, quantization = "fp8",
          throughput = 80, latency = 0.9, context_length = 163840, max_completion_tokens = 32768,
          params = set(BASE, OPEN, REASONING, TOOLS) },
      ep{ provider = "Fireworks", tag = "fireworks", prompt = 3, completion = 8, quantization = "fp8",
          throughput = 95, latency = 0.8, context_length = 163840, max_completion_tokens = 163840,
          recent_outages = true, params = set(BASE, OPEN, REASONING, TOOLS, FORMAT) },
    },
  },
}

-- Embeddings models: listed by GET /embeddings/models (and by /models with
-- output_modalities=embeddings or all), never routed to by chat.
local embedding_catalog = {
  {
    id = "mock/embed", name = "Mock: Embed", created = 1735689600,
    description = "Deterministic embeddings (simulated).", context_length = 8192, tokenizer = "Other",
    distillable = true, output_modalities = { "embeddings" },
    endpoints = { ep{ provider = "Mock", tag = "mock", prompt = 0.01, completion = 0, quantization = "fp16",
      zdr = true, max_completion_tokens = null, params = { "dimensions", "encoding_format" } } },
  },
  {
    id = "openai/text-embedding-3-small", name = "OpenAI: Text Embedding 3 Small", created = 1706140800,
    description = "Text Embedding 3 Small (simulated).", context_length = 8192, tokenizer = "GPT",
    distillable = false, output_modalities = { "embeddings" },
    endpoints = { ep{ provider = "OpenAI", tag = "openai", prompt = 0.02, completion = 0,
      max_completion_tokens = null, params = { "dimensions", "encoding_format" } } },
  },
}

M.list = catalog
M.embedding_list = embedding_catalog
M.by_id = {}
M.embedding_by_id = {}
for _, m in ipairs(embedding_catalog) do M.embedding_by_id[m.id] = m end
local every_model = {}
for _, m in ipairs(catalog) do every_model[#every_model + 1] = m end
for _, m in ipairs(embedding_catalog) do every_model[#every_model + 1] = m end
for _, m in ipairs(catalog) do M.by_id[m.id] = m end
for _, m in ipairs(every_model) do
  m.input_modalities = m.input_modalities or { "text" }
  m.output_modalities = m.output_modalities or { "text" }
  for k, e in ipairs(m.endpoints) do
    e.index = k
    e.model = m
    e.context_length = e.context_length or m.context_length
    e.max_completion_tokens = e.max_completion_tokens or m.context_length
    e.price = e.prompt + e.completion  -- the price the load balancer weighs
    e.params_set = {}
    for _, p in ipairs(e.params) do e.params_set[p] = true end
  end
end

--- Model-level ids with a :free variant in the catalog.
M.free_ids = { ["meta-llama/llama-3.3-70b-instruct:free"] = "meta-llama/llama-3.3-70b-instruct" }

--- The id OpenRouter's auto router is called by.
M.auto_id = "openrouter/auto"

-- Wire shapes ----------------------------------------------------------------

--- Per-token price string from a per-million price: 2.5 -> "0.0000025".
function M.per_token(per_million)
  if per_million == 0 then return "0" end
  local s = string.format("%.12f", per_million / 1e6)
  s = s:gsub("0+$", ""):gsub("%.$", "")
  return s
end

local function paid_endpoints(m)
  local out = {}
  for _, e in ipairs(m.endpoints) do
    if not e.free then out[#out + 1] = e end
  end
  return out
end

local function free_endpoints(m)
  local out = {}
  for _, e in ipairs(m.endpoints) do
    if e.free then out[#out + 1] = e end
  end
  return out
end

local function union_params(eps)
  local seen, out = {}, {}
  for _, e in ipairs(eps) do
    for _, p in ipairs(e.params) do
      if not seen[p] then seen[p] = true; out[#out + 1] = p end
    end
  end
  table.sort(out)
  return out
end

local function pricing(e)
  return O("prompt", M.per_token(e.prompt), "completion", M.per_token(e.completion),
    "request", M.per_token(e.request * 1e6), "image", M.per_token(e.image * 1e6),
    "web_search", "0", "internal_reasoning", "0")
end

local function architecture(m)
  local modality = table.concat(m.input_modalities, "+") .. "->" .. table.concat(m.output_modalities, "+")
  return O("modality", modality, "input_modalities", A(m.input_modalities),
    "output_modalities", A(m.output_modalities), "tokenizer", m.tokenizer, "instruct_type", null)
end

local function model_entry(m, id, eps)
  -- the "top provider" is the cheapest endpoint, as listed first on a model page
  local top = eps[1]
  for _, e in ipairs(eps) do
    if e.price < top.price then top = e end
  end
  return O(
    "id", id,
    "canonical_slug", id,
    "hugging_face_id", "",
    "name", m.name .. (id:find(":free$") and " (free)" or ""),
    "created", m.created,
    "description", m.description,
    "context_length", m.context_length,
    "architecture", architecture(m),
    "pricing", pricing(top),
    "top_provider", O("context_length", top.context_length,
      "max_completion_tokens", top.max_completion_tokens,
      "is_moderated", top.is_moderated and true or false),
    "per_request_limits", null,
    "supported_parameters", A(union_params(eps)),
    "default_parameters", O("temperature", null, "top_p", null, "frequency_penalty", null)
  )
end

-- Listing and filtering (GET /models, /models/count, /embeddings/models) -------------

--- The categories GET /models?category= takes (OpenAPI enum).
M.categories = { "programming", "roleplay", "marketing", "marketing/seo", "technology", "science",
  "translation", "legal", "finance", "health", "trivia", "academia" }
local CATEGORY = {}
for _, c in ipairs(M.categories) do CATEGORY[c] = true end

local function cheapest(eps)
  local top = eps[1]
  for _, e in ipairs(eps) do
    if e.price < top.price then top = e end
  end
  return top
end

local function avg_price(x) return (x.top.prompt + x.top.completion) / 2 end
local SORTS = {
  ["pricing-low-to-high"] = function(a, b) return avg_price(a) < avg_price(b) end,
  ["pricing-high-to-low"] = function(a, b) return avg_price(a) > avg_price(b) end,
  ["context-high-to-low"] = function(a, b) return a.m.context_length > b.m.context_length end,
  ["throughput-high-to-low"] = function(a, b) return a.top.throughput > b.top.throughput end,
  ["latency-low-to-high"] = function(a, b) return a.top.latency < b.top.latency end,
  ["newest"] = function(a, b) return a.m.created > b.m.created end,
}
-- documented sorts the simulator has no data for keep the default order
for _, k in ipairs({ "most-popular", "top-weekly", "intelligence-high-to-low", "coding-high-to-low",
  "agentic-high-to-low", "design-arena-elo-high-to-low" }) do SORTS[k] = false end

local function csv(v)
  if v == nil or v == "" then return nil end
  local out = {}
  for item in v:gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$"):lower()
    if item ~= "" then out[#out + 1] = item end
  end
  return #out > 0 and out or nil
end

local function has(list, x)
  for _, v in ipairs(list or {}) do
    if v == x or (type(v) == "string" and v:lower() == x) then return true end
  end
  return false
end

-- The query parameters that filter (others: output_modalities, sort,
-- offset, limit).  openrouter/auto (no price, no context of its own) is
-- listed only when none is given and the list is not sorted.
local FILTERS = { "category", "supported_parameters", "input_modalities", "q", "context", "min_price",
  "max_price", "min_output_price", "max_output_price", "model_authors", "providers", "distillable", "zdr" }

local function number_param(q, name, min, max, integer)
  local v = q[name]
  if v == nil or v == "" then return nil end
  local n = tonumber(v)
  if not n or n < min or (max and n > max) or (integer and n ~= math.floor(n)) then
    return nil, "Invalid query parameter " .. name .. ": " .. v
  end
  return n
end

--- The models GET /models lists for the query `q` (decoded query
-- parameters, strings): a list of { m =, id =, eps =, top = } (`auto` =
-- true for openrouter/auto), or nil and a message (an HTTP 400).
function M.select(q)
  q = q or {}
  local outs = csv(q.output_modalities) or { "text" }
  local all_out = has(outs, "all")
  if q.category and q.category ~= "" and not CATEGORY[q.category] then
    return nil, "Invalid category: " .. q.category .. " (one of " .. table.concat(M.categories, ", ") .. ")"
  end
  if q.sort and q.sort ~= "" and SORTS[q.sort] == nil then return nil, "Invalid sort: " .. q.sort end
  if q.distillable and q.distillable ~= "" and q.distillable ~= "true" and q.distillable ~= "false" then
    return nil, "Invalid query parameter distillable: " .. q.distillable
  end
  local nums = {}
  for _, spec in ipairs({ { "context", 1, nil, true }, { "min_price", 0 }, { "max_price", 0 },
    { "min_output_price", 0 }, { "max_output_price", 0 }, { "offset", 0, nil, true },
    { "limit", 1, 1000, true } }) do
    local n, err = number_param(q, spec[1], spec[2], spec[3], spec[4])
    if err then return nil, err end
    nums[spec[1]] = n
  end
  local params, ins = csv(q.supported_parameters), csv(q.input_modalities)
  local authors, providers = csv(q.model_authors), csv(q.providers)
  local text = q.q and q.q ~= "" and q.q:lower() or nil
  local filtered = false
  for _, k in ipairs(FILTERS) do
    if q[k] ~= nil and q[k] ~= "" then filtered = true end
  end

  local function keep(m, id, eps)
    local top = cheapest(eps)
    if not all_out then
      local ok = false
      for _, o in ipairs(m.output_modalities) do if has(outs, o) then ok = true end end
      if not ok then return nil end
    end
    if q.category and q.category ~= "" and not has(m.categories, q.category) then return nil end
    if params then
      local p = {}
      for _, e in ipairs(eps) do for _, x in ipairs(e.params) do p[x] = true end end
      for _, x in ipairs(params) do if not p[x] then return nil end end
    end
    for _, x in ipairs(ins or {}) do if not has(m.input_modalities, x) then return nil end end
    if text and not (id:lower():find(text, 1, true) or m.name:lower():find(text, 1, true)) then return nil end
    if nums.context and m.context_length < nums.context then return nil end
    if nums.min_price and top.prompt < nums.min_price then return nil end
    if nums.max_price and top.prompt > nums.max_price then return nil end
    if nums.min_output_price and top.completion < nums.min_output_price then return nil end
    if nums.max_output_price and top.completion > nums.max_output_price then return nil end
    if authors and not has(authors, id:match("^[^/]+"):lower()) then return nil end
    if providers then
      local ok = false
      for _, e in ipairs(eps) do
        if has(providers, e.provider:lower()) or has(providers, e.tag:match("^[^/]+")) then ok = true end
      end
      if not ok then return nil end
    end
    if q.distillable == "true" and not m.distillable then return nil end
    if q.distillable == "false" and m.distillable then return nil end
    if q.zdr == "true" then
      local ok = false
      for _, e in ipairs(eps) do if e.zdr then ok = true end end
      if not ok then return nil end
    end
    return { m = m, id = id, eps = eps, top = top }
  end

  local list = {}
  for _, m in ipairs(every_model) do
    list[#list + 1] = keep(m, m.id, paid_endpoints(m))
    local free = free_endpoints(m)
    if #free > 0 then list[#list + 1] = keep(m, m.id .. ":free", free) end
  end
  local sort = q.sort and SORTS[q.sort]
  if sort then
    for k, x in ipairs(list) do x.pos = k end
    table.sort(list, function(a, b)
      if sort(a, b) then return true end
      if sort(b, a) then return false end
      return a.pos < b.pos
    end)
  end
  if not filtered and not sort and (all_out or has(outs, "text")) then
    list[#list + 1] = { auto = true, id = M.auto_id }
  end
  if nums.offset or nums.limit then
    local from, n, page = (nums.offset or 0) + 1, nums.limit or 500, {}
    for k = from, math.min(#list, from + n - 1) do page[#page + 1] = list[k] end
    list = page
  end
  return list
end

local function auto_entry()
  return O(
    "id", M.auto_id, "canonical_slug", M.auto_id, "hugging_face_id", "",
    "name", "Auto Router", "created", 1699401600,
    "description", "Picks a model from the prompt (simulated: keyword rules, then a hash).",
    "context_length", 2000000,
    "architecture", O("modality", "text->text", "input_modalities", A{ "text" },
      "output_modalities", A{ "text" }, "tokenizer", "Router", "instruct_type", null),
    "pricing", O("prompt", "-1", "completion", "-1"),
    "top_provider", O("context_length", null, "max_completion_tokens", null, "is_moderated", false),
    "per_request_limits", null,
    "supported_parameters", A(union_params(M.by_id["openai/gpt-4o"].endpoints)),
    "default_parameters", O("temperature", null, "top_p", null, "frequency_penalty", null))
end

--- The body of GET /models for the query `q` (a table; nil: no filter),
-- or nil and a message (an HTTP 400).
function M.models_json(q)
  local list, err = M.select(q)
  if not list then return nil, err end
  local data = A()
  for _, x in ipairs(list) do
    data[#data + 1] = x.auto and auto_entry() or model_entry(x.m, x.id, x.eps)
  end
  return json.encode(O("data", data))
end

--- The body of GET /models/count (only output_modalities counts), or nil
-- and a message.
function M.count_json(q)
  local list, err = M.select{ output_modalities = q and q.output_modalities }
  if not list then return nil, err end
  return json.encode(O("data", O("count", #list)))
end

--- The body of GET /embeddings/models (offset, limit), or nil and a message.
function M.embedding_models_json(q)
  q = q or {}
  return M.models_json{ output_modalities = "embeddings", offset = q.offset, limit = q.limit }
end

-- Providers ----------------------------------------------------------------------

-- Where each simulated provider is (headquarters, datacenters); the
-- rest of GET /providers' fields are made up from the slug.
local provider_places = {
  mock = { "US", { "US" } }, openai = { "US", { "US", "IE" } }, azure = { "US", { "US", "NL", "SE" } },
  together = { "US", { "US" } }, deepinfra = { "US", { "US" } }, fireworks = { "US", { "US" } },
  novita = { "US", { "US", "SG" } }, lambda = { "US", { "US" } }, groq = { "US", { "US", "FI" } },
  chutes = { nil, nil }, deepseek = { "CN", { "CN" } },
  ["provider-a"] = { "DE", { "DE" } }, ["provider-b"] = { "FR", { "FR" } }, ["provider-c"] = { "US", { "US" } },
}

--- The body of GET /providers: every provider of the catalog, by name.
function M.providers_json()
  local seen, list = {}, {}
  for _, m in ipairs(every_model) do
    for _, e in ipairs(m.endpoints) do
      local slug = e.tag:match("^[^/]+")
      if not seen[slug] then
        seen[slug] = true
        list[#list + 1] = { name = e.provider, slug = slug }
      end
    end
  end
  table.sort(list, function(a, b) return a.name < b.name end)
  local data = A()
  for _, p in ipairs(list) do
    local place = provider_places[p.slug] or {}
    local site = "https://" .. p.slug .. ".provider.invalid"
    data[#data + 1] = O("name", p.name, "slug", p.slug,
      "privacy_policy_url", site .. "/privacy", "terms_of_service_url", site .. "/terms",
      "status_page_url", p.slug == "mock" and null or (site .. "/status"),
      "headquarters", place[1] or null, "datacenters", place[2] and A(place[2]) or null)
  end
  return json.encode(O("data", data))
end

local function endpoint_entry(m, e, id)
  return O(
    "name", e.provider .. " | " .. id,
    "model_id", id,
    "model_name", m.name,
    "context_length", e.context_length,
    "pricing", pricing(e),
    "provider_name", e.provider,
    "tag", e.tag,
    "quantization", e.quantization,
    "max_completion_tokens", e.max_completion_tokens,
    "max_prompt_tokens", e.context_length,
    "supported_parameters", A(e.params),
    "status", e.recent_outages and -1 or 0,
    "uptime_last_30m", e.recent_outages and 91.5 or 99.9,
    "uptime_last_5m", e.recent_outages and 80 or 100,
    "uptime_last_1d", e.recent_outages and 95.2 or 99.9,
    "supports_implicit_caching", false,
    "latency_last_30m", O("p50", e.latency, "p75", e.latency * 1.25, "p90", e.latency * 1.6, "p99", e.latency * 2.5),
    "throughput_last_30m", O("p50", e.throughput, "p75", e.throughput / 1.25, "p90", e.throughput / 1.6,
      "p99", e.throughput / 2.5),
    -- not in OpenRouter's public shape: the simulator's routing inputs
    "data_collection", e.data_collection,
    "zdr", e.zdr
  )
end

--- The body of GET /models/{author}/{slug}/endpoints, or nil when unknown.
function M.endpoints_json(id)
  local m = M.by_id[id] or M.embedding_by_id[id]
  local eps
  if m then
    eps = paid_endpoints(m)
  elseif M.free_ids[id] then
    m = M.by_id[M.free_ids[id]]
    eps = free_endpoints(m)
  else
    return nil
  end
  local list = A()
  for _, e in ipairs(eps) do list[#list + 1] = endpoint_entry(m, e, id) end
  return json.encode(O("data", O(
    "id", id, "name", m.name, "created", m.created, "description", m.description,
    "architecture", architecture(m), "endpoints", list)))
end

--- Percentile stats of an endpoint (for the preferred_* thresholds):
-- throughput falls and latency rises towards the higher percentiles.
function M.throughput(e)
  local t = e.throughput
  return { p50 = t, p75 = t / 1.25, p90 = t / 1.6, p99 = t / 2.5 }
end

function M.latency(e)
  return perc(e.latency)
end

return M
