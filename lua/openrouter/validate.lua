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
--
-- The request bodies the client sends come from here too:
--
--   validate.prepare(req [, check])            -> body | nil, err  (chat completions)
--   validate.prepare_provider(t [, check])     -> json | nil, err
--   validate.prepare_embeddings(req [, check]) -> body | nil, err
--
-- validate and encode as JSON in one walk over the request (the schema
-- engine's encoding pass, src/schema_encode.c): what was validated is what
-- is sent, and where the schema wants an array an empty table is sent as []
-- (tools = {}, stop = {}, provider.ignore = {}).  check = false validates
-- nothing and still lets the schema shape the empty tables.  err is a
-- "validation" error: what does not match the schema, or what cannot be
-- JSON (invalid UTF-8, NaN, a function, a cycle ...), with its path.
local schema = require("openrouter.schema")
local errors = require("openrouter.errors")

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

-- The prepare function of one request schema; root prefixes error paths.
-- The validator's encoder has the root bound: nothing to parse per call.
local function preparer(name, root)
  local encode
  return function(req, check)
    if not encode then encode = validator(name):encoder(root) end
    local body, list = encode(req, check)
    if body then return body end
    return nil, errors.validation(list)
  end
end

--- The body of a chat-completions request: validated (unless check is
--- false) and encoded as JSON in one walk, empty tables shaped by the schema.
---@param req table
---@param check? boolean  false: validate nothing
---@return string|nil body
---@return openrouter.Error|nil err  kind "validation", errors = { {path=, message=} }
M.prepare = preparer("chat_request")

--- A provider-preferences object as JSON, as prepare does it (error paths
--- under "provider").
---@param t table
---@param check? boolean  false: validate nothing
---@return string|nil json
---@return openrouter.Error|nil err
M.prepare_provider = preparer("provider", "provider")

--- The body of an embeddings request, as prepare does it.
---@param req table
---@param check? boolean  false: validate nothing
---@return string|nil body
---@return openrouter.Error|nil err
M.prepare_embeddings = preparer("embeddings_request")

--- The model variants OpenRouter documents (":nitro", ...), in documentation
--- order.  Descriptive: a model id with any other suffix is valid too.
M.model_variants = require("openrouter.schemas.model_variants")

return M
