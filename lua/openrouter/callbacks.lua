--- Callback-style requests: client:stream(req, { on_chunk=, on_text=,
-- on_done=, on_error=, coalesce_ms= }) and client:chat(req, { on_done=,
-- on_error= }) return a handle at once; the client's loop adapter drives
-- the request and calls back.
--
-- Rules (docs/hosts.md has the long form):
--  * Exactly one of on_done(final, handle) / on_error(err, handle) fires,
--    once; nothing fires after it.  on_chunk(chunk, handle) and
--    on_text(text, handle) fire before it, in order.
--  * handle:cancel() closes the connection at once, status() becomes
--    "cancelled" at once, no on_chunk/on_text fires after it, and
--    on_error(err) follows with err.kind == "cancelled" (err.partial holds
--    what had arrived).
--  * Callbacks run protected.  If on_chunk or on_text raises, the request
--    is cancelled (connection closed) and on_error receives an error
--    object of kind "callback" (err.cause: what was raised, err.traceback).
--    If on_done or on_error raises, or a request fails and there is no
--    on_error, the error is re-raised where the host reports errors
--    (loop adapter's report: vim.schedule, a luv callback, the next
--    client:update(), nginx's error log; under the blocking loop, out of
--    the call itself).
--  * Under the blocking loop the call runs to completion before it
--    returns (the handle is finished); callbacks get the handle to cancel.
--  * coalesce_ms = N: at most one on_text per N milliseconds (counted from
--    the end of the previous on_text call); the text of the deltas in
--    between is joined.  on_chunk is never coalesced.

local errors = require("openrouter.errors")
local async = require("openrouter.async")
local job = require("openrouter.job")
local checks = require("openrouter.checks")
local stream_mod = require("openrouter.stream")

local M = {}

local CALLBACKS = { on_chunk = true, on_text = true, on_done = true, on_error = true }

--- Does an options table ask for callback style?
function M.wanted(opts)
  if type(opts) ~= "table" then return false end
  for k in pairs(CALLBACKS) do
    if opts[k] ~= nil then return true end
  end
  return false
end

--- Split options (checked already: openrouter.checks) into callbacks and
--- the rest.
function M.split(opts)  -- (callers may pass more; unused)
  local cbs, plain = {}, {}
  for k, v in pairs(opts) do
    if CALLBACKS[k] then
      cbs[k] = v
    elseif k == "coalesce_ms" then
      if v > 0 then cbs.coalesce = v / 1000 end
    else
      plain[k] = v
    end
  end
  return cbs, plain
end

---@class openrouter.Handle : openrouter.Job
---@field stream openrouter.Stream|nil   the stream (stream handles)
local Handle = job.class("openrouter.Handle")

-- status(), result() (the final response, or nil and the error object),
-- error() come from openrouter.job.

--- What a stream has accumulated so far (stream handles), else nil.
function Handle:partial()
  return self.stream and self.stream:partial() or nil
end

--- Cancel: the connection closes now; on_error(err) with kind "cancelled"
--- follows (from the loop), unless the request had already finished.
function Handle:cancel()
  if self._status ~= "running" then return end
  self._status, self._user_cancel = "cancelled", true
  local s = self.stream
  if s then
    s:cancel()
    self._err = s:error()
  else
    local t = self._token
    t.cancelled = true
    if t.req then t.req:cancel() end
    self._client._loop.kick(self._client)
  end
  if self._err == nil then self._err = errors.cancelled("request") end
end

-- Call a user callback, protected (it may wait, on every Lua).  Returns
-- true, or false, the error and a traceback.
local call = async.pcall_tb

-- An error with no caller left: where the host reports errors.
local function report(h, msg)
  local client = h._client
  client._loop.report(client, msg)
end

-- Fire the one terminal callback.
local function finish(h, name, value)
  if h._fired then return end
  h._fired = true
  local f = h._cbs[name]
  if f then
    local ok, err, tb = call(f, value, h)
    if not ok then
      report(h, "openrouter: " .. name .. " raised: " .. tostring(err) .. "\n" .. tb)
    end
  elseif name == "on_error" and not h._user_cancel then
    report(h, "openrouter: a callback-style request failed and has no on_error: " .. tostring(value))
  end
end

local function done(h, final)
  h:_done(final)
  finish(h, "on_done", final)
end

local function failed(h, err)
  if h._status == "running" then h._status = "error" end
  if h._err == nil or h._status == "error" then h._err = err end
  finish(h, "on_error", h._err)
end

-- A user callback raised: stop the request, report it through on_error.
local function callback_failed(h, name, err, tb)
  h._status = "error"
  if h.stream then h.stream:cancel() end
  local e = errors.new{
    kind = "callback", message = name .. " raised: " .. tostring(err),
    cause = err, traceback = tb, partial = h.stream and h.stream:partial() or nil,
  }
  h._err = e
  finish(h, "on_error", e)
end

-- Read the stream, calling back: on_chunk for every chunk, on_text for
-- the text (through the stream's coalescer), then on_done or on_error.
local function run_stream(h)
  local s, cbs = h.stream, h._cbs
  local function running() return h._status == "running" end
  local on_chunk, on_text = nil, cbs.on_text
  if cbs.on_chunk then
    on_chunk = function(chunk)
      local ok, err, tb = call(cbs.on_chunk, chunk, h)
      if not ok then callback_failed(h, "on_chunk", err, tb) end
      return running()
    end
  end
  local pull
  if on_text then
    pull = stream_mod.texts(s, cbs.coalesce or 0, on_chunk, function() return not running() end)
  else
    pull = function()
      local chunk = s:next()
      if chunk ~= nil and on_chunk and not on_chunk(chunk) then return nil end
      return chunk
    end
  end
  while true do
    local ok, v = async.pcall(pull)
    if not running() then break end
    if not ok then
      if not errors.is(v) then
        h._status, h._err = "error", v
        error(v, 0)                    -- not a request failure: a bug; the loop reports it
      end
      return failed(h, v)
    end
    if v == nil then
      local final, err = s:result()
      if final then return done(h, final) end
      return failed(h, err)
    end
    if on_text then
      local tok, err, tb = call(on_text, v, h)
      if not tok then return callback_failed(h, "on_text", err, tb) end
    end
  end
  -- cancelled (by handle:cancel(), maybe from inside a callback), or a
  -- callback failed (on_error has fired then)
  failed(h, h._err)
end

--- Drive a started stream with callbacks.  Returns the handle.
function M.stream(client, s, cbs)
  local h = job.new(Handle, { _client = client, _cbs = cbs, stream = s })
  h._task = client._loop.spawn(client, function() run_stream(h) end)
  return h
end

local function run_chat(h, req, opts)
  if h._status == "running" then
    local client = h._client
    local res, err = client[h._method](client, req, opts)
    if h._status == "running" then
      if res then return done(h, res) end
      return failed(h, err)
    end
  end
  failed(h, h._err)
end

--- A non-streaming chat with callbacks (or another request method of the
--- client: `method`, default "chat").  Returns the handle.
function M.chat(client, req, opts, cbs, method)
  local h = job.new(Handle, { _client = client, _cbs = cbs, _token = {}, _method = method or "chat" })
  opts._token = h._token
  h._task = client._loop.spawn(client, function() run_chat(h, req, opts) end)
  return h
end

-- every public method checks its self: handle.cancel() raises "use handle:cancel(...)"
checks.methods(Handle, "handle", job.Job)

M.Handle = Handle
return M
