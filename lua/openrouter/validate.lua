--- openrouter.validate -- check a request before it is sent.
--
--   validate.validate_provider(t)   -> true | false, errors
--   validate.validate_request(req)  -> true | false, errors
--
-- errors is a list of { path = "provider.order[2]", message = "..." }.  Paths
-- start at the request root ("messages[1].role", "provider.sort"); a provider
-- object checked alone is reported under "provider" too.  Array indexes are
-- 1-based, as Lua counts.  Both schemas are compiled once, on first use.
local schema = require("openrouter.schema")

local M = {}

local provider_v, request_v

local function validators()
  if not request_v then
    local provider = require("openrouter.schemas.provider")
    provider_v = schema.compile(provider)
    request_v = schema.compile(require("openrouter.schemas.chat_request"), {
      documents = { [provider["$id"]] = provider },
    })
  end
  return provider_v, request_v
end

local VARIANTS = require("openrouter.schemas.model_variants")
local KNOWN = {}
for _, v in ipairs(VARIANTS) do KNOWN[v] = true end

-- A model slug that failed the schema: say what is wrong with it.
local function model_message(slug)
  if type(slug) ~= "string" then return nil end
  local base, variant = slug:match("^(.-):([^:]*)$")
  if variant and base:find("/", 1, true) and not KNOWN[variant] then
    local list = {}
    for i, v in ipairs(VARIANTS) do list[i] = ":" .. v end
    return ("unknown model variant ':%s' in '%s'; known variants: %s")
      :format(variant, slug, table.concat(list, ", "))
  end
  if slug ~= "" and not slug:find("/", 1, true) then
    return ("expected a model slug 'author/slug' (e.g. 'openai/gpt-4o') or "
      .. "'openrouter/auto', got '%s'"):format(slug)
  end
  return nil
end

-- Clearer messages for the model fields, which only a pattern describes.
local function refine(req, errors)
  if type(req) ~= "table" then return errors end
  for _, e in ipairs(errors) do
    local slug
    if e.path == "model" then
      slug = req.model
    else
      local i = e.path:match("^models%[(%d+)%]$")
      if i and type(req.models) == "table" then slug = req.models[tonumber(i)] end
    end
    if slug ~= nil and e.message:find("^expected a string matching") then
      e.message = model_message(slug) or e.message
    end
  end
  return errors
end

--- Validate a provider-preferences object (the `provider` field).
---@param t table
---@return boolean ok
---@return openrouter.SchemaError[]? errors paths under "provider"
function M.validate_provider(t)
  local pv = validators()
  return pv:validate(t, "provider")
end

--- Validate a whole chat request.  Unknown top-level keys pass.
---@param req table
---@return boolean ok
---@return openrouter.SchemaError[]? errors paths from the request root
function M.validate_request(req)
  local _, rv = validators()
  local ok, errors = rv:validate(req)
  if ok then return true end
  return false, refine(req, errors)
end

--- The known model variants, in documentation order.
M.model_variants = VARIANTS

return M
