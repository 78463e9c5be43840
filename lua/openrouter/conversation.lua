--- Conversations: a history kept right across turns.
--
--   local conv = client:conversation{ model = "openai/gpt-4o", system = "Be brief.",
--                                     tools = { weather }, temperature = 0.2 }
--   local text, res = conv:say("What is the weather in Oslo?")
--   for piece in conv:stream("And tomorrow?"):text() do io.write(piece) end
--   conv.messages   -- the history: system, user, assistant (tool calls and results too)
--   conv.usage      -- tokens and cost summed over every request of every turn
--   local other = conv:fork()   -- an independent copy
--
-- A turn appends the user message and the reply (with reasoning_details,
-- and for a tool run every assistant message and tool result) only when it
-- succeeds; a failed or cancelled turn leaves the history as it was.
-- Turns are sequential: start the next one when the previous has ended.

local errors = require("openrouter.errors")
local async = require("openrouter.async")
local core = require("openrouter.core")
local callbacks = require("openrouter.callbacks")
local tool = require("openrouter.tool")

local M = {}

-- Options of a call (client:chat / client:stream); any other key given to
-- say/stream is a request field for that turn.
local CALL = {
  headers = true, timeout = true, limits = true, validate = true, max_retries = true,
  max_steps = true, on_tool_call = true, on_tool_result = true,
  on_chunk = true, on_text = true, on_done = true, on_error = true, coalesce_ms = true,
}

---@class openrouter.Conversation
---@field messages table[]          the history, ready to send
---@field usage table               prompt_tokens, completion_tokens, total_tokens, cost, requests (summed)
---@field defaults table            request fields of every turn
---@field client openrouter.Client
local Conversation = {}
Conversation.__index = Conversation
Conversation.__name = "openrouter.Conversation"

function Conversation:__tostring()
  return ("openrouter.Conversation(%d messages)"):format(#self.messages)
end

local function new_usage()
  return { prompt_tokens = 0, completion_tokens = 0, total_tokens = 0, cost = 0, requests = 0 }
end

local function deep_copy(v, seen)
  if type(v) ~= "table" then return v end
  seen = seen or {}
  if seen[v] then return seen[v] end
  local t = {}
  seen[v] = t
  for k, x in pairs(v) do t[deep_copy(k, seen)] = deep_copy(x, seen) end
  return setmetatable(t, getmetatable(v))
end

--- Start a conversation (client:conversation).  `spec.system`: a system
--- message first; `spec.messages`: an earlier history to go on from
--- (copied); every other field (model, tools, temperature, provider,
--- response_format, ...) is a request default of every turn.
---@param client openrouter.Client
---@param spec table
---@return openrouter.Conversation
function M.new(client, spec)
  if spec == nil then spec = {} end
  if type(spec) ~= "table" then error("client:conversation: expected a table { model =, system =, ... }", 2) end
  if spec.system ~= nil and type(spec.system) ~= "string" then
    error("client:conversation: 'system' must be a string", 2)
  end
  if spec.messages ~= nil and type(spec.messages) ~= "table" then
    error("client:conversation: 'messages' must be a list of messages", 2)
  end
  if spec.tools ~= nil and type(spec.tools) ~= "table" then
    error("client:conversation: 'tools' must be a list", 2)
  end
  local defaults, messages = {}, {}
  for k, v in pairs(spec) do
    if k ~= "system" and k ~= "messages" then defaults[k] = v end
  end
  if spec.system then messages[1] = { role = "system", content = spec.system } end
  for _, m in ipairs(spec.messages or {}) do messages[#messages + 1] = deep_copy(m) end
  return setmetatable({ client = client, defaults = defaults, messages = messages, usage = new_usage() }, Conversation)
end

-- Add a response's usage to the sum (every numeric field, nested ones too).
local function add_usage(sum, u)
  if type(u) ~= "table" then return end
  for k, v in pairs(u) do
    if type(v) == "number" then
      sum[k] = (type(sum[k]) == "number" and sum[k] or 0) + v
    elseif type(v) == "table" then
      if type(sum[k]) ~= "table" then sum[k] = {} end
      add_usage(sum[k], v)
    end
  end
end

-- The turn's request and call options.
function Conversation:_turn(content, opts, fname)
  if type(content) ~= "string" and type(content) ~= "table" then
    error(fname .. ": expected a string or a list of content parts", 3)
  end
  if opts ~= nil and type(opts) ~= "table" then error(fname .. ": options must be a table", 3) end
  local req, call = {}, {}
  for k, v in pairs(self.defaults) do req[k] = v end
  for k, v in pairs(opts or {}) do
    if CALL[k] then call[k] = v else req[k] = v end
  end
  if req.messages ~= nil then error(fname .. ": 'messages' belongs to the conversation", 3) end
  local user = { role = "user", content = content }
  local msgs = {}
  for i, m in ipairs(self.messages) do msgs[i] = m end
  msgs[#msgs + 1] = user
  req.messages = msgs
  return req, call, user
end

-- A turn succeeded: keep its messages and usage.
function Conversation:_commit(req, res)
  if type(res.messages) == "table" then
    -- a tool run: its history starts with this turn's request messages
    local msgs = {}
    for i, m in ipairs(res.messages) do msgs[i] = m end
    self.messages = msgs
    for _, step in ipairs(res.steps or {}) do add_usage(self.usage, step.response.usage) end
    self.usage.requests = self.usage.requests + #(res.steps or {})
  else
    local msgs = req.messages
    local choice = type(res.choices) == "table" and res.choices[1]
    local msg = type(choice) == "table" and type(choice.message) == "table" and choice.message or {}
    msgs[#msgs + 1] = tool.assistant_message(msg)
    self.messages = msgs
    add_usage(self.usage, res.usage)
    self.usage.requests = self.usage.requests + 1
  end
end

local function reply_text(res)
  local choice = type(res.choices) == "table" and res.choices[1]
  local msg = type(choice) == "table" and choice.message
  local text = type(msg) == "table" and msg.content
  return type(text) == "string" and text or ""
end

--- One turn: send `text_or_parts` as the user's message; returns the
--- reply's text and the response (with steps/messages for a tool run), or
--- nil and the error (the history is unchanged).  `opts`: call options
--- (headers, timeout, max_steps, on_tool_call, ...; callbacks make it
--- return a handle, on_done(res, handle) fires after the history was
--- updated); any other key is a request field for this turn only.
---@param content string|table
---@param opts table|nil
---@return string|openrouter.Handle|nil
---@return table|openrouter.Error|nil
function Conversation:say(content, opts)
  local req, call = self:_turn(content, opts, "conv:say")
  if callbacks.wanted(call) then
    local on_done = call.on_done
    call.on_done = function(res, h)
      self:_commit(req, res)
      if on_done then return on_done(res, h) end
    end
    return self.client:chat(req, call)
  end
  local res, err = self.client:chat(req, call)
  if not res then return nil, err end
  self:_commit(req, res)
  return reply_text(res), res
end

------------------------------------------------------------ streamed turns

--- A streamed turn: the Stream interface over the reply; when it
--- completes (iteration ends, result()), the turn joins the history.
---@class openrouter.ConversationStream
local TurnStream = {}
TurnStream.__name = "openrouter.ConversationStream"

function TurnStream.__index(self, k)
  local m = TurnStream[k]
  if m ~= nil then return m end
  if k == "request_id" then return rawget(self, "_inner").request_id end
  return nil
end

function TurnStream:__tostring()
  return "openrouter.ConversationStream(" .. tostring(self._inner) .. ")"
end

-- The inner stream ended cleanly: take its result into the history once.
function TurnStream:_finish()
  if self._done then return end
  self._done = true
  local res, err = self._inner:result()
  if res then
    self._conv:_commit(self._req, res)
    self._final = res
  else
    self._err = err
  end
end

-- The next chunk (`method` "_poll") or text delta ("_poll_text") of the
-- inner stream; at its end the turn is committed.
local function poll(self, deadline, method)
  local inner = self._inner
  local item = inner[method](inner, deadline)
  if item == nil then
    self:_finish()
    if self._err then errors.raise(self._err) end
  end
  return item
end

function TurnStream:_poll(deadline) return poll(self, deadline, "_poll") end
-- the coalescer's text path (openrouter.stream.texts)
function TurnStream:_poll_text(deadline) return poll(self, deadline, "_poll_text") end

--- The next chunk, or nil at the end (the reply is in the history then);
--- with `timeout` (seconds), false when it passed first (as Stream:next).
---@param timeout number|nil
---@return table|false|nil
function TurnStream:next(timeout)
  if timeout == nil then return self:_poll(nil) end
  if type(timeout) ~= "number" then error("stream:next: 'timeout' must be a number of seconds", 2) end
  return self:_poll(core.now() + timeout)
end

TurnStream.__call = TurnStream.next

--- Read to the end: the response (the turn joined the history), or nil
--- and the error (it did not).
function TurnStream:result()
  while not self._done do
    local ok, chunk = async.pcall(self._poll, self, nil)
    if not ok then
      if errors.is(chunk) then return nil, chunk end
      error(chunk, 0)
    end
    if chunk == nil then break end
  end
  if self._final then return self._final end
  return nil, self._err or self._inner:error()
end

function TurnStream:partial() return self._inner:partial() end
function TurnStream:error() return self._err or self._inner:error() end
function TurnStream:cancel() return self._inner:cancel() end
function TurnStream:status() return self._inner:status() end
function TurnStream:headers() return self._inner:headers() end
function TurnStream:info() return self._inner:info() end
TurnStream.close = TurnStream.cancel
TurnStream.__close = TurnStream.cancel
TurnStream.text = require("openrouter.stream").Stream.text
TurnStream.objects = require("openrouter.structured").objects

--- A streamed turn: returns a stream (iterate it, text(), objects(),
--- result()) that appends the reply to the history when it completes, or
--- nil and an error (invalid request: nothing sent).  With callbacks in
--- `opts`, a handle (as client:stream's); on_done fires after the history
--- was updated.
---@param content string|table
---@param opts table|nil
---@return openrouter.ConversationStream|openrouter.Handle|nil
---@return openrouter.Error|nil
function Conversation:stream(content, opts)
  local req, call = self:_turn(content, opts, "conv:stream")
  local cbs
  if callbacks.wanted(call) then cbs, call = callbacks.split(call, "stream") end
  local inner, err = self.client:stream(req, call)
  if not inner then return nil, err end
  local s = setmetatable({ _conv = self, _req = req, _inner = inner,
                          _client = self.client, _loop = self.client._loop }, TurnStream)
  if cbs then return callbacks.stream(self.client, s, cbs) end
  return s
end

--- An independent copy: the history deep-copied, the usage so far and
--- the request defaults copied (tools are shared: they do not change).
---@return openrouter.Conversation
function Conversation:fork()
  local defaults = {}
  for k, v in pairs(self.defaults) do defaults[k] = v end
  return setmetatable({
    client = self.client, defaults = defaults, messages = deep_copy(self.messages),
    usage = deep_copy(self.usage),
  }, Conversation)
end

M.Conversation = Conversation

-- every public method checks its self (openrouter.checks)
require("openrouter.checks").methods(TurnStream, "stream")

return M
