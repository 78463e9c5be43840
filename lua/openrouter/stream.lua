--- Stream: a streaming chat completion as a coroutine-friendly iterator;
-- openrouter.accumulator merges its chunks into the final response.
-- The same transport, retries, timeouts, cancel and errors serve other
-- event streams through a `kind` (see M.CHAT and M.open): how a data event
-- becomes an item, what accumulates, when the stream is complete, which
-- text an item carries (openrouter.responses: the Responses API).
--
-- The transfer's SSE events are queued in C; the stream takes their data
-- strings a batch at a time (req:events) and decodes one chunk per next()
-- call, so what the accumulator holds is exactly what was handed out.

local core = require("openrouter.core")
local errors = require("openrouter.errors")
local http_errors = require("openrouter.http_errors")
local async = require("openrouter.async")
local accumulator = require("openrouter.accumulator")
local structured = require("openrouter.structured")     -- hook: structured outputs
local checks = require("openrouter.checks")

-- A data event decoded by the core's codec (integers stay integers, arrays
-- marked, UTF-8 checked); raises on bad JSON, as take()'s pcall expects.
local json_decode = core.json_decode
local function decode(data)
  local v, msg = json_decode(data)
  if v == nil and msg then error(msg, 0) end
  return v
end
local concat = table.concat
local now = core.now

local M = {}

----------------------------------------------------------------- Stream

---@class openrouter.Stream
---@field request_id string|nil   the generation id (X-Generation-Id or the chunks' id)
local Stream = {}
Stream.__index = Stream
Stream.__name = "openrouter.Stream"

-- Debug trace: the current transfer is over (once per transfer).
local function trace_done(self, e)
  if self._trace and self._traced ~= self._req then
    self._traced = self._req
    self._trace:done(self._req, e)
  end
end

-- Fail the stream: remember the error, stop the transfer, drop the queue.
local function fail(self, e)
  if not self._err then
    e.partial = self._kind.build(self._acc)
    if e.request_id == nil then e.request_id = self.request_id end   -- the chunks' id
    self._err = e
  end
  self._req:cancel()
  self._ended = true
  self._raw, self._ri, self._rn = {}, 1, 0
  trace_done(self, e)
end

-- The one place a data event becomes a chunk: decoded, accumulated, its
-- error checked.  Returns the chunk; nil for [DONE], for an event after
-- it, or when the stream failed (then self._err is set).
local function take(self, data)
  if self._done_seen then
    -- anything after [DONE] is not part of the answer: counted in info()
    self._after_done = self._after_done + 1
    return nil
  end
  if data == "[DONE]" then
    self._done_seen = true
    return nil
  end
  local ok, chunk = pcall(decode, data)
  if not ok or type(chunk) ~= "table" then
    fail(self, http_errors.bad_event(self._req, data))
    return nil
  end
  if self.request_id == nil and type(chunk.id) == "string" then self.request_id = chunk.id end
  accumulator.add(self._acc, chunk)
  if type(chunk.error) == "table" then
    fail(self, http_errors.chunk_error(self._req, chunk))
    return nil
  end
  return chunk
end

-- The transfer is over and its queue drained: retry it when it failed
-- before anything reached the user and the policy allows.  Returns true
-- when a new transfer was started.
local function retried(self, e)
  local delay = self._retry:failed(e, self._kind.count(self) == 0)
  if not delay then return false end
  self._loop.sleep(self._client, delay, function() return self._ended end)
  if self._ended then return false end   -- cancelled while backing off
  local req = self._restart()
  if not req then
    e.attempts = self._retry.attempts
    return false
  end
  self._req:close()
  self._req = req
  return true
end

-- Queue the data of the next events, or end the stream.  Waits through
-- the client's loop adapter (blocks, or yields).  With a deadline
-- (core.now() seconds), returns false once it has passed and nothing came
-- (after at least one wait: a deadline already passed still lets the
-- transfers take one step).
local function fill(self, deadline)
  local waited = false
  while not self._ended do
    local req = self._req
    local n, ended = req:events(self._raw, self._trace ~= nil)
    if n > 0 then
      local raw = self._raw
      if self._trace then
        for i = 1, n do
          self._trace:event(raw[i])
          raw[i] = raw[i].data
        end
      end
      self._ri, self._rn = 1, n
      return true
    end
    if ended then
      local kind = self._kind
      local e = http_errors.stream_end(req, req:outcome(), kind.complete(self), kind.count(self),
        kind.finished and kind.finished(self), kind.expected)
      trace_done(self, e)
      if not (e and retried(self, e)) then
        self._ended = true
        if e then fail(self, e) end
        return true
      end
    else
      if deadline and waited and now() >= deadline then return false end
      self._loop.wait(self._client, req, deadline)
      waited = true
    end
  end
  return true
end

-- next(), with an absolute deadline (core.now() seconds) or none.
local function next_chunk(self, deadline)
  while true do
    local i = self._ri
    if i <= self._rn then
      local raw = self._raw
      local data = raw[i]
      raw[i] = nil
      self._ri = i + 1
      local chunk = self._kind.take(self, data)
      if chunk then return chunk end
    elseif self._ended then
      if self._err then errors.raise(self._err) end
      return nil
    elseif fill(self, deadline) == false then
      return false
    end
  end
end

--- The next decoded chunk; nil at the end.  With `timeout` (seconds): false
--- when it passed and no chunk came (0 polls: the transfers take one step
--- without blocking).  Raises the error object when the stream failed
--- (after the chunks that arrived before it).
---@param timeout number|nil
---@return table|false|nil
function Stream:next(timeout)
  if timeout == nil then return next_chunk(self, nil) end
  if type(timeout) ~= "number" then error("stream:next: 'timeout' must be a number of seconds", 2) end
  return next_chunk(self, now() + timeout)
end

-- What the text coalescer and the wrappers (tool runs, conversation turns)
-- call on any stream-like object: the next chunk, nil at the end, or false
-- once `deadline` (core.now() seconds, or nil) passed with nothing.
Stream._poll = next_chunk

-- for chunk in stream do: the generic for passes (nil, previous chunk).
function Stream:__call()
  return next_chunk(self, nil)
end

------------------------------------------------------------------ text

-- The text of a chunk: the content delta of its first choice.
local function delta_text(chunk)
  local ch = type(chunk.choices) == "table" and chunk.choices[1]
  local d = type(ch) == "table" and ch.delta
  local t = type(d) == "table" and d.content
  if type(t) == "string" and t ~= "" then return t end
  return nil
end

--- The one text coalescer, for stream:text() and for on_text callbacks: a
--- function that returns the next piece of text of stream `s`, or nil at
--- the end.  A stream error raises, after the text that arrived before it
--- was handed out (the next call raises it).
---  * every = 0: each content delta as it comes.
---  * every > 0 (seconds): the deltas that arrive within `every` are
---    joined; a string comes at least `every` after the caller asked for
---    the previous one (so after a callback returned), the last one too.
---  * on_chunk(chunk) (optional) sees every chunk as it is read; if it
---    returns false, the call returns nil at once.
---  * stop() (optional) is asked whenever a wait ends; once it returns
---    true, the text not yet handed out is dropped and the call returns nil.
---@param s openrouter.Stream
---@param every number
---@param on_chunk function|nil
---@param stop function|nil
---@return fun(): string|nil
function M.texts(s, every, on_chunk, stop)
  local kind = s._kind
  local text_of = kind and kind.text or delta_text   -- wrappers: chat chunks
  if every == 0 then
    return function()
      while true do
        local chunk = s:_poll(nil)
        if chunk == nil then return nil end
        if on_chunk and on_chunk(chunk) == false then return nil end
        local t = text_of(chunk)
        if t then return t end
      end
    end
  end
  local last = -math.huge
  return function()
    -- counted from when the caller asks again: the next string comes
    -- >= `every` later, however long the caller took with the previous one
    if last > -math.huge then last = now() end
    local parts, n, deadline = {}, 0, nil
    while true do
      local ok, chunk = async.pcall(s._poll, s, deadline)
      if stop and stop() then return nil end
      if not ok then
        if n > 0 then break end          -- the error comes again on the next call
        error(chunk, 0)
      end
      if chunk == nil then break end     -- the end
      if chunk then
        if on_chunk and on_chunk(chunk) == false then return nil end
        local t = text_of(chunk)
        if t then
          n = n + 1
          parts[n] = t
          if now() - last >= every then break end
          deadline = last + every
        end
      elseif n > 0 then                  -- false: the deadline passed
        break
      end
    end
    if n == 0 then return nil end
    -- at the end too: never two strings within `every`
    local wait = last + every - now()
    if wait > 0 then s._loop.sleep(s._client, wait, stop) end
    if stop and stop() then return nil end
    last = now()
    return n == 1 and parts[1] or concat(parts, "", 1, n)
  end
end

--- An iterator over the text deltas of the first choice.  With
--- `{ coalesce_ms = N }` it returns at most one string per N ms (counted
--- from when the caller asks for the next one): the deltas that arrived
--- in between, joined (for editors and UIs).
---@param opts table|nil
---@return fun(): string|nil
function Stream:text(opts)
  opts = checks.options(opts, "stream:text", 2, checks.TEXT)
  return M.texts(self, (opts.coalesce_ms or 0) / 1000)
end

--- Read to the end and return the accumulated response, or nil and the
--- error object (whose `partial` holds what had arrived).
---@return table|nil final
---@return openrouter.Error|nil err
function Stream:result()
  while true do
    local ok, chunk = async.pcall(next_chunk, self, nil)
    if not ok then
      if errors.is(chunk) then return nil, chunk end
      error(chunk, 0)
    end
    if chunk == nil then break end
  end
  if self._err then return nil, self._err end
  return structured.attach(self._response_format, self._kind.build(self._acc))     -- hook: structured outputs
end

--- What has been accumulated so far (also after an error or a cancel).
function Stream:partial()
  return self._kind.build(self._acc)
end

--- The error that ended the stream, if any.
function Stream:error()
  return self._err
end

--- Close the connection now; later reads report "cancelled".
function Stream:cancel()
  if self._ended then return end
  fail(self, errors.cancelled("stream", nil, http_errors.decorate({}, self._req)))
  self._loop.kick(self._client)   -- wake whoever waits on it, from any context
end

Stream.close = Stream.cancel
Stream.__close = Stream.cancel

--- HTTP status (0 before the response line).
function Stream:status() return self._req:status() end
--- Response headers, lower-cased names.
function Stream:headers() return self._req:headers() end
--- Transfer details: bytes, comments (keep-alives), timings, http_version;
--- after_done: events that came after [DONE] (not part of the answer).
function Stream:info()
  local t = self._req:info()
  t.after_done = self._after_done
  return t
end

function Stream:__tostring()
  return "openrouter.Stream(" .. (self._ended and (self._err and self._err.kind or "done") or "open") .. ")"
end

--- What a stream is made of, by kind.  A kind is a table:
---  * take(self, data): the item a data event becomes, or nil (for [DONE],
---    or when the stream failed: it called M.fail(self, err));
---  * new(): a fresh accumulator; build(acc): the response so far;
---  * count(self): items taken (retries happen only while it is 0);
---  * complete(self): did the stream end as its protocol says it must;
---  * expected: what a stream that ends early lacks, for the error message;
---  * text(item): the text an item carries, or nil (stream:text(), on_text);
---  * class (optional): the metatable of its streams (default Stream).
--- M.CHAT is the chat-completion kind.
M.CHAT = {
  take = take, new = accumulator.new, build = accumulator.build, text = delta_text,
  count = function(self) return accumulator.count(self._acc) end,
  complete = function(self) return self._done_seen end,
  finished = function(self) return accumulator.finished(self._acc) end,
  expected = "[DONE] or a finish reason",
}

--- Fail stream `self` with error object `e` (for kinds' take()).
M.fail = fail

--- Start a stream: `start()` starts a transfer (the core request, or nil
--- and an error: then open returns them); it starts the retries too, as
--- `policy` (openrouter.retry) allows, before the first chunk.  `kind`:
--- what the events are (default M.CHAT).
---@return openrouter.Stream|nil
---@return openrouter.Error|nil
function M.open(client, start, policy, kind)
  kind = kind or M.CHAT
  local req, err = start()
  if not req then return nil, err end
  return setmetatable({
    _client = client, _loop = client._loop, _req = req, _trace = client._trace,
    _restart = start, _retry = policy, _kind = kind,
    _raw = {}, _ri = 1, _rn = 0,     -- data strings taken from req, not yet decoded
    _acc = kind.new(), _done_seen = false, _after_done = 0, _ended = false,
  }, kind.class or Stream)
end

--- Partial tables of a structured output as it arrives (openrouter.structured).
Stream.objects = structured.objects                                        -- hook: structured outputs

-- every public method checks its self: stream.result() raises "use stream:result(...)"
checks.methods(Stream, "stream")

M.Stream = Stream
return M
