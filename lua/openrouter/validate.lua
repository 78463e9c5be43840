--- openrouter.validate -- check a request before it is sent.
--
--   validate.validate_provider(t)     -> true | false, errors
--   validate.validate_request(req)    -> true | false, errors   (chat completions)
--   validate.validate_responses(req)  -> true | false, errors   (the Responses API)
--   validate.validate_embeddings(req) -> true | false, errors
--
-- errors is a list of { path = "provider.order[2]", message = "..." }.  Paths
-- start at the request root ("messages[1].role", "provider.sort"); a provider
-- object checked alone is reported under "provider" too.  Array indexes are
-- 1-based, as Lua counts.
--
-- The schemas (openrouter.schemas.*) are generated from OpenRouter's OpenAPI
-- document by tools/gen-schemas.lua (`make schemas`), with the few facts the
-- docs add (tools/schemas/overlay.lua).  A request the API accepts is never
-- rejected; unknown top-level keys pass through.  Each schema is compiled on
-- first use.
local schema = require("openrouter.schema")

local M = {}

local compiled = {}

local function validator(name)
  local v = compiled[name]
  if not v then
    local provider = require("openrouter.schemas.provider")
    if name == "provider" then
      v = schema.compile(provider)
    else
      v = schema.compile(require("openrouter.schemas." .. name), {
        documents = { [provider["$id"]] = provider },
      })
    end
    compiled[name] = v
  end
  return v
end

--- Validate a provider-preferences object (the `provider` field).
---@param t table
---@return boolean ok
---@return openrouter.SchemaError[]? errors paths under "provider"
function M.validate_provider(t)
  return validator("provider"):validate(t, "provider")
end

--- Validate a whole chat-completions request.  Unknown top-level keys pass.
---@param req table
---@return boolean ok
---@return openrouter.SchemaError[]? errors paths from the request root
function M.validate_request(req)
  return validator("chat_request"):validate(req)
end

--- Validate a Responses API request (POST /responses).  Unknown top-level keys pass.
---@param req table
---@return boolean ok
---@return openrouter.SchemaError[]? errors paths from the request root
function M.validate_responses(req)
  return validator("responses_request"):validate(req)
end

--- Validate an embeddings request (POST /embeddings).  Unknown top-level keys pass.
---@param req table
---@return boolean ok
---@return openrouter.SchemaError[]? errors paths from the request root
function M.validate_embeddings(req)
  return validator("embeddings_request"):validate(req)
end

--- The model variants OpenRouter documents (":nitro", ...), in documentation
--- order.  Descriptive: a model id with any other suffix is valid too.
M.model_variants = require("openrouter.schemas.model_variants")

return M
