--- Provider routing, as OpenRouter documents it (docs: "Provider Routing").
--
-- For each model of the request (`model`, then the `models` fallbacks):
--  1. filters: tools/tool_choice need a tool-capable endpoint; `only`,
--     `ignore`; `quantizations`; `data_collection: "deny"`; `zdr`;
--     `enforce_distillable_text`; `max_price` (USD per million tokens);
--     `require_parameters` (every routing parameter of the request must be
--     supported); `max_tokens` beyond an endpoint's max completion tokens.
--  2. order: `order` puts the listed providers first, in the order given
--     (a base slug also matches its variants: "deepinfra" matches
--     "deepinfra/turbo"); the rest follow by price unless
--     `allow_fallbacks` is false.  `sort` (or the `:nitro` / `:floor`
--     suffixes) orders by throughput, price or latency, without load
--     balancing.  Otherwise the default load balancer: among providers
--     without recent outages, the first is drawn with weight 1/price^2;
--     the others follow by price; providers with recent outages come last.
--     `allow_fallbacks: false` keeps only the first choice (or only the
--     `order` list).  `preferred_min_throughput` / `preferred_max_latency`
--     move endpoints that miss them to the end.
--  3. `sort.partition = "none"` sorts the endpoints of all models together.
-- The price of an endpoint, for weights and sorting, is prompt + completion.
local models = require("openrouter.mock.models")
local json = require("openrouter.mock.json")

local M = {}

local lower, floor = string.lower, math.floor
local null = json.null

M.variants = { nitro = true, floor = true, free = true, exacto = true, thinking = true,
  extended = true, online = true }

-- Deterministic PRNG -----------------------------------------------------------
-- Park-Miller (multiplier 48271, modulus 2^31-1): exact in doubles and in
-- integers, so every Lua version draws the same sequence for a seed.

local MOD = 2147483647

local function rng(seed)
  local x = floor(tonumber(seed) or 1) % MOD
  if x <= 0 then x = x + MOD - 1 end
  local r = {}
  function r.next()
    x = (x * 48271) % MOD
    return x / MOD
  end
  -- decorrelate neighbouring seeds
  for _ = 1, 8 do r.next() end
  return r
end
M.rng = rng

local auto_counter = 0
function M.fresh_seed()
  auto_counter = auto_counter + 1
  return (floor(os.time() % 100000) * 7919 + auto_counter * 104729) % MOD
end

-- Matching ---------------------------------------------------------------------

--- Does the name or slug `s` designate endpoint e?  Case-insensitive; the
-- display name, the slug, or a base slug of a variant slug all match.
function M.matches(s, e)
  if type(s) ~= "string" then return false end
  s = lower(s)
  local tag = e.tag
  if s == tag or s == lower(e.provider) then return true end
  if tag:sub(1, #s + 1) == s .. "/" then return true end
  local compact = lower(e.provider):gsub("[%s%-_]", "")
  return s:gsub("[%s%-_]", "") == compact and not tag:find("/")
end

local function nonempty(list)
  return type(list) == "table" and #list > 0
end

local function matches_any(list, e)
  if type(list) ~= "table" then return false end
  for _, s in ipairs(list) do
    if M.matches(s, e) then return true end
  end
  return false
end

local function num(v)
  if type(v) == "number" then return v end
  if type(v) == "string" then return tonumber(v) end
  return nil
end

local function present(v)
  return v ~= nil and v ~= null
end

-- Request inspection -----------------------------------------------------------

--- Parameters of the request that OpenRouter routes on.
function M.request_parameters(req)
  local out = {}
  for _, p in ipairs(models.routing_parameters) do
    if present(req[p]) then out[#out + 1] = p end
  end
  return out
end

local function wants_tools(req)
  return (type(req.tools) == "table" and #req.tools > 0) or present(req.tool_choice)
end

-- Filters ------------------------------------------------------------------------

local function filter(list, keep)
  local out = {}
  for _, e in ipairs(list) do
    if keep(e) then out[#out + 1] = e end
  end
  return out
end

local function slugs(list)
  local out = json.array()
  for _, e in ipairs(list) do out[#out + 1] = e.tag end
  return out
end

-- Each filter: a test, and the error OpenRouter gives when nothing is left.
local function apply_filters(m, eps, req, prefs)
  local max_tokens = num(req.max_tokens) or num(req.max_completion_tokens)
  local params = M.request_parameters(req)
  local all = eps
  local steps = {
    { wants_tools(req), function(e) return e.params_set.tools end,
      "No endpoints found that support tool use." },
    { nonempty(prefs.only), function(e) return matches_any(prefs.only, e) end,
      "No allowed providers are available for the selected model.", "only" },
    { nonempty(prefs.ignore), function(e) return not matches_any(prefs.ignore, e) end,
      "No allowed providers are available for the selected model.", "ignore" },
    { nonempty(prefs.quantizations), function(e)
        for _, q in ipairs(prefs.quantizations) do
          if type(q) == "string" and lower(q) == e.quantization then return true end
        end
        return false
      end, "No endpoints found matching your quantization preferences." },
    { prefs.data_collection == "deny", function(e) return e.data_collection == "deny" end,
      "No endpoints found matching your data policy (data_collection: deny)." },
    { prefs.zdr == true, function(e) return e.zdr end,
      "No endpoints found matching your data policy (zdr: true)." },
    { prefs.enforce_distillable_text == true, function() return m.distillable end,
      "No endpoints found for a model that allows text distillation." },
    { type(prefs.max_price) == "table", function(e)
        local mp = prefs.max_price
        local p, c, r, i = num(mp.prompt), num(mp.completion), num(mp.request), num(mp.image)
        return (not p or e.prompt <= p) and (not c or e.completion <= c)
          and (not r or e.request <= r) and (not i or e.image <= i)
      end, "No endpoints found matching your price limits (max_price)." },
    { prefs.require_parameters == true, function(e)
        for _, p in ipairs(params) do
          if not e.params_set[p] then return false end
        end
        return true
      end, "No endpoints found that can handle the requested parameters." },
    { max_tokens ~= nil, function(e) return e.max_completion_tokens >= max_tokens end,
      "No endpoints found that support the requested max_tokens." },
  }
  for _, st in ipairs(steps) do
    if st[1] then
      eps = filter(eps, st[2])
      if #eps == 0 then
        local meta = json.object("available_providers", slugs(all))
        if st[4] then meta.vals.requested_providers = prefs[st[4]]; meta.keys[2] = "requested_providers" end
        return nil, st[3], meta
      end
    end
  end
  return eps
end

-- Ordering -----------------------------------------------------------------------

local function stable_sort(list, less)
  for k, e in ipairs(list) do e._pos = k end
  table.sort(list, function(a, b)
    if less(a, b) then return true end
    if less(b, a) then return false end
    return a._pos < b._pos
  end)
  return list
end

local sorters = {
  price = function(a, b) return a.price < b.price end,
  throughput = function(a, b) return a.throughput > b.throughput end,
  latency = function(a, b) return a.latency < b.latency end,
}
sorters.exacto = sorters.price  -- simulated: quality-first is price order here
M.sorters = sorters

local function by_price_outages_last(list)
  return stable_sort(list, function(a, b)
    if a.recent_outages ~= b.recent_outages then return b.recent_outages end
    return a.price < b.price
  end)
end

-- The default strategy: weighted first choice among stable providers.
local function load_balance(eps, r)
  local stable, shaky = {}, {}
  for _, e in ipairs(eps) do
    if e.recent_outages then shaky[#shaky + 1] = e else stable[#stable + 1] = e end
  end
  local out = {}
  if #stable > 0 then
    local total = 0
    for _, e in ipairs(stable) do
      e._w = 1 / ((e.price > 0 and e.price or 1e-6) ^ 2)
      total = total + e._w
    end
    local u = r.next() * total
    local pick = stable[#stable]
    for _, e in ipairs(stable) do
      if u < e._w then pick = e; break end
      u = u - e._w
    end
    out[1] = pick
    local rest = {}
    for _, e in ipairs(stable) do
      if e ~= pick then rest[#rest + 1] = e end
    end
    by_price_outages_last(rest)
    for _, e in ipairs(rest) do out[#out + 1] = e end
  end
  by_price_outages_last(shaky)
  for _, e in ipairs(shaky) do out[#out + 1] = e end
  return out
end

local function meets(pref, stats, higher_is_better)
  if pref == nil or pref == null then return true end
  if type(pref) == "number" then pref = { p50 = pref } end
  if type(pref) ~= "table" then return true end
  for _, k in ipairs({ "p50", "p75", "p90", "p99" }) do
    local cut = num(pref[k])
    if cut then
      if higher_is_better and stats[k] < cut then return false end
      if not higher_is_better and stats[k] > cut then return false end
    end
  end
  return true
end

local function deprioritise(list, prefs)
  if prefs.preferred_min_throughput == nil and prefs.preferred_max_latency == nil then return list end
  local good, slow = {}, {}
  for _, e in ipairs(list) do
    if meets(prefs.preferred_min_throughput, models.throughput(e), true)
      and meets(prefs.preferred_max_latency, models.latency(e), false) then
      good[#good + 1] = e
    else
      slow[#slow + 1] = e
    end
  end
  for _, e in ipairs(slow) do good[#good + 1] = e end
  return good
end

local function sort_key(prefs, variant)
  local s = prefs.sort
  if type(s) == "table" then s = s.by end
  if type(s) == "string" and sorters[s] then return s end
  if variant == "nitro" then return "throughput" end
  if variant == "floor" then return "price" end
  if variant == "exacto" then return "exacto" end
  return nil
end

local function order_endpoints(eps, prefs, variant, r)
  local key = sort_key(prefs, variant)
  local fallbacks = prefs.allow_fallbacks ~= false
  local list
  if type(prefs.order) == "table" and #prefs.order > 0 then
    local taken, first = {}, {}
    for _, o in ipairs(prefs.order) do
      local group = {}
      for _, e in ipairs(eps) do
        if not taken[e] and M.matches(o, e) then
          taken[e] = true
          group[#group + 1] = e
        end
      end
      stable_sort(group, sorters.price)
      for _, e in ipairs(group) do first[#first + 1] = e end
    end
    list = first
    if fallbacks then
      local rest = {}
      for _, e in ipairs(eps) do
        if not taken[e] then rest[#rest + 1] = e end
      end
      if key then stable_sort(rest, sorters[key]) else by_price_outages_last(rest) end
      for _, e in ipairs(rest) do list[#list + 1] = e end
    end
  elseif key then
    list = stable_sort(filter(eps, function() return true end), sorters[key])
    if not fallbacks then list = { list[1] } end
  else
    list = load_balance(eps, r)
    if not fallbacks then list = { list[1] } end
  end
  return deprioritise(list, prefs)
end

-- Models -------------------------------------------------------------------------

--- Splits "author/slug:variant" into the catalog model and the variant.
-- Returns model, variant, response_id; or nil when the id is unknown.
function M.resolve(id)
  if type(id) ~= "string" or id == "" then return nil end
  if models.by_id[id] then return models.by_id[id], nil, id end
  if models.free_ids[id] then return models.by_id[models.free_ids[id]], "free", id end
  local base, variant = id:match("^(.+):([%w%-]+)$")
  if base and M.variants[variant] and models.by_id[base] then
    return models.by_id[base], variant, base
  end
  return nil
end

-- openrouter/auto: deterministic choice from the prompt text.
--   "think", "reason", "prove", "why"            -> deepseek/deepseek-r1
--   "code", "function", "program", "bug", "lua"  -> openai/gpt-4o
--   otherwise: the byte sum of the prompt picks one of the three Llama/Mixtral
--   models.  plugins[{id="auto-router", allowed_models={...}}] restricts the
--   choice to the listed ids (the first listed one wins when no rule does).
M.auto_general = { "meta-llama/llama-3.3-70b-instruct", "mistralai/mixtral-8x7b-instruct",
  "meta-llama/llama-3.1-8b-instruct" }

function M.auto_pick(prompt, req)
  local p = lower(prompt or "")
  local allowed
  if type(req.plugins) == "table" then
    for _, pl in ipairs(req.plugins) do
      if type(pl) == "table" and pl.id == "auto-router" and type(pl.allowed_models) == "table" then
        allowed = {}
        for _, id in ipairs(pl.allowed_models) do
          if type(id) == "string" and models.by_id[id] then allowed[#allowed + 1] = id end
        end
      end
    end
  end
  local function ok(id)
    if not allowed then return true end
    for _, a in ipairs(allowed) do if a == id then return true end end
    return false
  end
  local pick
  for w in p:gmatch("%a+") do
    if (w == "think" or w == "reason" or w == "prove" or w == "why") and ok("deepseek/deepseek-r1") then
      pick = "deepseek/deepseek-r1"; break
    elseif (w == "code" or w == "function" or w == "program" or w == "bug" or w == "lua")
      and ok("openai/gpt-4o") then
      pick = "openai/gpt-4o"; break
    end
  end
  if not pick then
    if allowed and #allowed > 0 then
      pick = allowed[1]
    else
      local sum = 0
      for k = 1, #p do sum = sum + p:byte(k) end
      pick = M.auto_general[sum % #M.auto_general + 1]
    end
  end
  return pick
end

--- Plans a request.  Returns a list of candidates
-- { model=, endpoint=, response_model=, variant= } in the order they are to
-- be tried; or nil, status, message, metadata.
function M.plan(req, opts)
  opts = opts or {}
  local prefs = type(req.provider) == "table" and req.provider or {}
  local r = rng(opts.seed or M.fresh_seed())
  local ids = {}
  if type(req.model) == "string" and req.model ~= "" then ids[1] = req.model end
  if type(req.models) == "table" then
    for _, id in ipairs(req.models) do
      local dup = false
      for _, x in ipairs(ids) do if x == id then dup = true end end
      if not dup then ids[#ids + 1] = id end
    end
  end
  if #ids == 0 then ids[1] = opts.default_model or "mock/echo" end

  local per_model = {}
  local last_err
  for _, id in ipairs(ids) do
    local rid = id
    if id == models.auto_id then rid = M.auto_pick(opts.prompt, req) end
    local m, variant, response_id = M.resolve(rid)
    if not m then
      return nil, 400, (type(id) == "string" and id or tostring(id)) .. " is not a valid model ID"
    end
    local eps = {}
    for _, e in ipairs(m.endpoints) do
      if (variant == "free") == (e.free == true) then eps[#eps + 1] = e end
    end
    local kept, msg, meta = apply_filters(m, eps, req, prefs)
    if kept then
      local list = order_endpoints(kept, prefs, variant, r)
      if #list == 0 then
        msg, meta = "No allowed providers are available for the selected model.",
          json.object("available_providers", slugs(kept), "requested_providers", prefs.order)
      else
        per_model[#per_model + 1] = { model = m, variant = variant, response_id = response_id,
          requested = id, list = list }
      end
    end
    if msg then last_err = { msg, meta } end
  end

  if #per_model == 0 then
    return nil, 503, last_err and last_err[1] or "No endpoints found.", last_err and last_err[2]
  end

  local cands = {}
  for _, pm in ipairs(per_model) do
    for _, e in ipairs(pm.list) do
      cands[#cands + 1] = { model = pm.model, endpoint = e, response_model = pm.response_id,
        variant = pm.variant, requested = pm.requested }
    end
  end
  local s = prefs.sort
  if type(s) == "table" and s.partition == "none" and #per_model > 1 and sorters[s.by] then
    local less = sorters[s.by]
    for k, c in ipairs(cands) do c._pos = k end
    table.sort(cands, function(a, b)
      if less(a.endpoint, b.endpoint) then return true end
      if less(b.endpoint, a.endpoint) then return false end
      return a._pos < b._pos
    end)
  end
  return cands
end

--- Is candidate c forced down by the X-Mock-Down list?  Entries are
-- provider names/slugs (as in `only`) or whole model ids.
function M.is_down(down, c)
  if not down then return false end
  for _, d in ipairs(down) do
    local dl = lower(d)
    if dl == c.model.id or dl == c.response_model then return true end
    if M.matches(d, c.endpoint) then return true end
  end
  return false
end

return M
