--- Request validation for the simulator: the library's own validator
-- (openrouter.validate, schemas generated from OpenRouter's OpenAPI
-- document), so the simulator and the client never disagree about what is a
-- valid request.  A request the real API would reject is answered 400 in
-- OpenRouter's error shape, with every problem listed in the metadata:
--
--   {"error":{"code":400,"message":"Invalid request: messages[1].role: ...",
--             "metadata":{"errors":[{"path":"messages[1].role","message":"..."}]}}}
--
-- Paths are the library's: from the request root, array indexes 1-based.
-- Unknown top-level keys pass (the real API ignores them).
--
-- Loading this module raises when the library cannot be loaded: the
-- simulator refuses to start rather than skip validation.
local json = require("openrouter.mock.json")

local ok_lib, lib = pcall(require, "openrouter.validate")
if not ok_lib then
  error("needs the openrouter library (requests are validated with openrouter.validate): "
    .. "install the openrouter rock, or `make build` in the checkout.  " .. tostring(lib), 0)
end
local schema = require("openrouter.schema")

local M = {}

local O, A = json.object, json.array

M.library = lib

-- Fallbacks for the request kinds the library does not validate (yet).

-- POST /embeddings, after the OpenAPI document's request body (the
-- `provider` member is checked by the library's provider validator).
local function non_empty_strings()
  return { type = "array", items = { type = "string", minLength = 1 } }
end
local EMBEDDINGS = {
  type = "object",
  required = { "input", "model" },
  properties = {
    model = { type = "string" },
    input = { anyOf = {
      { type = "string", minLength = 1 },
      non_empty_strings(),
      { type = "array", items = { type = "number" } },
      { type = "array", items = { type = "array", items = { type = "number" } } },
      { type = "array", items = {
        type = "object", required = { "content" },
        properties = { content = { type = "array", minItems = 1, items = {
          type = "object", required = { "type" },
          properties = { type = { type = "string" } },
        } } },
      } },
    } },
    dimensions = { type = "integer", minimum = 1 },
    encoding_format = { type = "string", enum = { "float", "base64" } },
    input_type = { type = "string" },
    user = { type = "string" },
  },
}

-- POST /completions (legacy; not in the OpenAPI document): what it adds to
-- a chat request is `prompt` in place of `messages`, and `logprobs` may be
-- a count there.
local PROMPT = {
  type = "object",
  required = { "prompt" },
  properties = {
    logprobs = { type = { "integer", "boolean", "null" }, minimum = 0 },
    prompt = { anyOf = {
      { type = "string" },
      { type = "array", items = { type = "string" } },
      { type = "array", items = { type = "integer" } },
      { type = "array", items = { type = "array", items = { type = "integer" } } },
    } },
  },
}

local compiled = {}
local function validator(name, s)
  local v = compiled[name]
  if not v then
    v = schema.compile(s)
    compiled[name] = v
  end
  return v
end

-- Runs the validators now: a broken library fails the start, not a request.
function M.check_library()
  assert(lib.validate_request({ model = "mock/echo", messages = { { role = "user", content = "x" } } }))
  assert(validator("embeddings", EMBEDDINGS):validate({ model = "m/e", input = "x" }))
  assert(validator("prompt", PROMPT):validate({ prompt = "x" }))
  if lib.validate_embeddings then
    assert(lib.validate_embeddings({ model = "m/e", input = "x" }))
  end
end

local function append(into, list)
  for _, e in ipairs(list or {}) do into[#into + 1] = e end
  return into
end

--- A chat-completions request: nil when valid, else the error list.
function M.chat(body)
  local ok, errors = lib.validate_request(body)
  if ok then return nil end
  return errors
end

--- A Responses API request: nil when valid, else the error list.
function M.responses(body)
  local ok, errors = lib.validate_responses(body)
  if ok then return nil end
  return errors
end

--- An embeddings request: nil when valid, else the error list.
function M.embeddings(body)
  if lib.validate_embeddings then
    local ok, errors = lib.validate_embeddings(body)
    if ok then return nil end
    return errors
  end
  local errors = {}
  local ok, list = validator("embeddings", EMBEDDINGS):validate(body)
  if not ok then append(errors, list) end
  if type(body) == "table" and body.provider ~= nil then
    ok, list = lib.validate_provider(body.provider)
    if not ok then append(errors, list) end
  end
  if #errors == 0 then return nil end
  return errors
end

--- A legacy completions request: nil when valid, else the error list.
-- Everything but `prompt` is what a chat request has, checked by the
-- library on the request with `prompt` as its one user message.
function M.completions(body)
  if lib.validate_completions then
    local ok, errors = lib.validate_completions(body)
    if ok then return nil end
    return errors
  end
  local errors = {}
  local ok, list = validator("prompt", PROMPT):validate(body)
  if not ok then append(errors, list) end
  if type(body) == "table" then
    local as_chat = {}
    for k, v in pairs(body) do as_chat[k] = v end
    as_chat.prompt, as_chat.logprobs = nil, nil
    as_chat.messages = { { role = "user", content = "prompt" } }
    ok, list = lib.validate_request(as_chat)
    if not ok then append(errors, list) end
  end
  if #errors == 0 then return nil end
  return errors
end

--- The error message and metadata of a 400 for these errors.
function M.error_parts(errors)
  local first = errors[1]
  local where = first.path ~= "" and (first.path .. ": ") or ""
  local message = "Invalid request: " .. where .. first.message
  if #errors > 1 then
    message = message .. (" (and %d more)"):format(#errors - 1)
  end
  local list = A()
  for k, e in ipairs(errors) do list[k] = O("path", e.path, "message", e.message) end
  return message, O("errors", list)
end

return M
