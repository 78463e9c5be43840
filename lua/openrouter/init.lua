--- openrouter: a client for the OpenRouter API.
--
--   local openrouter = require("openrouter")
--   local client = openrouter.new{ api_key = ... }
--   local res, err = client:chat{ model = "openai/gpt-4o", messages = { ... } }
--   for text in client:stream(req):text() do io.write(text) end

local core = require("openrouter.core")
local json = require("openrouter.json")

local M = {}

M.version = core.version
M.null = json.null            -- the NULL light userdata: equal to cjson.null
M.array = json.array          -- mark a table as a JSON array ([] when empty)
M.object = json.object        -- ... or as a JSON object ({} when empty)
M.errors = require("openrouter.errors")

local client = require("openrouter.client")

--- Declare a tool the model may call; `run(args, ctx)` answers it (README: Tool runs).
M.tool = require("openrouter.tool").new                                   -- hook: tool runs

--- Make a client. See the README for every option.
---@param opts table|nil
---@return openrouter.Client
function M.new(opts)
  return client.new(opts)
end

--- Run fn(...) in a coroutine whose waiting calls (chat, stream iteration,
--- result(), retry pauses) yield to the host loop instead of blocking it.
--- Runs fn at once up to its first wait, then returns the task.  See
--- docs/hosts.md.
---@param fn function
---@return openrouter.Task
function M.async(fn, ...)
  return require("openrouter.async").spawn(fn, ...)
end

-- The SSE parser, the schema engine, the request schemas and the content
-- parts load on first use.
local lazy = {
  sse = function() return require("openrouter.sse") end,
  schema = function() return require("openrouter.schema") end,
  validate_provider = function() return require("openrouter.validate").validate_provider end,
  validate_request = function() return require("openrouter.validate").validate_request end,
  validate_responses = function() return require("openrouter.validate").validate_responses end,
  -- content parts: openrouter.image/file/audio(path_or_url [, opts]); limits in openrouter.parts.limits
  parts = function() return require("openrouter.parts") end,
  image = function() return require("openrouter.parts").image end,
  file = function() return require("openrouter.parts").file end,
  audio = function() return require("openrouter.parts").audio end,
}

return setmetatable(M, {
  __index = function(t, k)
    local load = lazy[k]
    if load then
      local v = load()
      rawset(t, k, v)
      return v
    end
    return nil
  end,
})
