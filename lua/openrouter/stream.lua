--- Stream: a streaming chat completion as a coroutine-friendly iterator.
-- The same transport, retries, timeouts, cancel and errors serve other
-- event streams through a `kind` (see M.CHAT and M.open): its decoder,
-- the errors its events end in, which text an item carries
-- (openrouter.responses: the Responses API).
--
-- The transfer's SSE events are queued in C.  A decoder takes them a
-- batch at a time and reads one per call: a chunk table for next(), the
-- content text for text() (building no table at all), nothing for
-- result().  Every chunk it reads is accumulated as it is read, so what
-- the accumulation holds is exactly what was handed out; result() and
-- partial() build the response once.
--
-- The chat decoder is the core's (core.chunk_decoder, src/lchunk.c): the
-- events move into it without a Lua string each (req:take_into), chunks
-- are scanned, built and accumulated in C by the rules of
-- openrouter.accumulator (the reference implementation, which it is
-- tested against).  Another kind of event stream can bring its own
-- decoder (its kind's `decoder`): an object with the same methods --
-- push(data), next(), text(), drain(), build(), count(), finished(),
-- done(), after_done(), request_id(req), clear() -- fed through events().

local core = require("openrouter.core")
local errors = require("openrouter.errors")
local http_errors = require("openrouter.http_errors")
local async = require("openrouter.async")
local structured = require("openrouter.structured")     -- hook: structured outputs
local checks = require("openrouter.checks")

local concat = table.concat
local now = core.now
local chunk_decoder = core.chunk_decoder

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
    local dec = self._dec
    if self.request_id == nil then self.request_id = dec:request_id(self._req) end
    e.partial = dec:build()
    if e.request_id == nil then e.request_id = self.request_id end   -- the chunks' id
    self._err = e
  end
  self._req:cancel()
  self._ended = true
  self._dec:clear()
  trace_done(self, e)
end

-- The decoder read an event that ends the stream: a data event that is
-- not JSON ("bad", x: its data), or an item that carries an error
-- ("error", x: the item, accumulated); its kind makes the error object.
local function event_failed(self, what, x)
  if self.request_id == nil then self.request_id = self._dec:request_id(self._req) end
  fail(self, self._kind.failed(self._req, what, x))
end

-- The transfer is over and its queue drained: retry it when it failed
-- before anything reached the user and the policy allows.  Returns true
-- when a new transfer was started.
local function retried(self, e)
  local delay = self._retry:failed(e, self._dec:count() == 0)
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

-- Move the next events into the decoder: without Lua strings when the
-- request offers take_into (the core's transport), else through events()
-- (another transport; and the debug trace, which sees each event).
local function take(self, req, dec)
  local trace = self._trace
  if not trace and self._core_decoder and req.take_into then return req:take_into(dec) end
  local raw = self._raw
  if not raw then
    raw = {}
    self._raw = raw
  end
  local n, ended = req:events(raw, trace ~= nil)
  if trace and n > 0 then trace:head(req) end
  for i = 1, n do
    local ev = raw[i]
    raw[i] = nil
    if trace then
      trace:event(ev)
      ev = ev.data
    end
    dec:push(ev)
  end
  return n, ended
end

-- Queue the next events in the decoder, or end the stream.  Waits through
-- the client's loop adapter (blocks, or yields).  With a deadline
-- (core.now() seconds), returns false once it has passed and nothing came
-- (after at least one wait: a deadline already passed still lets the
-- transfers take one step).
local function fill(self, deadline)
  local waited = false
  while not self._ended do
    local req, dec = self._req, self._dec
    local n, ended = take(self, req, dec)
    if n > 0 then return true end
    if ended then
      local e = http_errors.stream_end(req, req:outcome(), dec:done(), dec:count(), dec:finished(),
        self._kind.expected)
      trace_done(self, e)
      if not (e and retried(self, e)) then
        self._ended = true
        if e then fail(self, e) end
        return true
      end
    else
      if deadline and waited and now() >= deadline then return false end
      self._loop.wait(self._client, req, deadline)
      self._since = now()
      waited = true
    end
  end
  return true
end

-- In an event loop (its adapter's pause() yields), a stream whose queue holds
-- many items would hand them all out in one resume, holding the host up
-- for as long as the caller's work on them takes (an editor appending
-- 3,000 deltas to a buffer).  So every EVERY items it looks at the clock,
-- and after SLICE seconds without a wait the loop gets a turn.
local SLICE, EVERY = 0.002, 16

local function give_turn(self)
  local n = self._burst + 1
  if n < EVERY then
    self._burst = n
    return
  end
  self._burst = 0
  if now() - self._since < SLICE then return end
  self._pause(self._client)
  self._since = now()
end

-- A reader of the decoder's items through its method `method`: the next
-- item, nil at the end, false once `deadline` (core.now() seconds, or nil)
-- passed with nothing; raises the error object when the stream failed
-- (after the items that arrived before it).
local function reader(method)
  return function(self, deadline)
    local dec = self._dec
    while true do
      local item, what, x = dec[method](dec)
      if item then
        if self.request_id == nil then self.request_id = dec:request_id(self._req) end
        give_turn(self)
        return item
      elseif item == false then
        event_failed(self, what, x)
      elseif self._ended then
        if self._err then errors.raise(self._err) end
        return nil
      elseif fill(self, deadline) == false then
        return false
      end
    end
  end
end

-- next(): the next chunk.
local next_chunk = reader("next")
-- The next text delta (choices[1].delta.content, not empty), read without
-- building chunk tables.
local next_text = reader("text")

-- Read to the end, accumulating, building nothing (result()).
local function drain(self)
  local dec = self._dec
  while true do
    local r, what, x = dec:drain()
    if r == false then
      event_failed(self, what, x)
    elseif self._ended then
      break
    else
      fill(self, nil)
    end
  end
  if self.request_id == nil then self.request_id = dec:request_id(self._req) end
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
-- The same for the text deltas alone, when a stream-like object has it
-- (the coalescer then builds no chunk tables).
Stream._poll_text = next_text

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

local STOP = {}   -- a pull's answer: on_chunk returned false

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
--- A stream that hands out its text deltas itself (`_poll_text`, as Stream
--- does) is read through it when no on_chunk wants the chunks: then no
--- chunk table is built.
---@param s openrouter.Stream
---@param every number
---@param on_chunk function|nil
---@param stop function|nil
---@return fun(): string|nil
function M.texts(s, every, on_chunk, stop)
  local kind = s._kind
  local text_of = kind and kind.text or delta_text   -- wrappers: chat chunks
  -- pull(s, deadline): a text, true (a chunk without text), nil (the
  -- end), false (the deadline passed) or STOP
  local pull = on_chunk == nil and s._poll_text
  if pull and every == 0 then
    return function() return pull(s, nil) end
  end
  if not pull then
    pull = function(_, deadline)
      local chunk = s:_poll(deadline)
      if not chunk then return chunk end
      if on_chunk and on_chunk(chunk) == false then return STOP end
      return text_of(chunk) or true
    end
  end
  if every == 0 then
    return function()
      while true do
        local t = pull(s, nil)
        if t == nil or t == STOP then return nil end
        if t ~= true then return t end
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
      local ok, t = async.pcall(pull, s, deadline)
      if stop and stop() then return nil end
      if not ok then
        if n > 0 then break end          -- the error comes again on the next call
        error(t, 0)
      end
      if t == nil then break end         -- the end
      if t == STOP then return nil end
      if t == false then                 -- the deadline passed
        if n > 0 then break end
      elseif t ~= true then
        n = n + 1
        parts[n] = t
        if now() - last >= every then break end
        deadline = last + every
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
  local ok, err = async.pcall(drain, self)
  if not ok then
    if errors.is(err) then return nil, err end
    error(err, 0)
  end
  if self._err then return nil, self._err end
  return structured.attach(self._response_format, self._dec:build())     -- hook: structured outputs
end

--- What has been accumulated so far (also after an error or a cancel).
function Stream:partial()
  return self._dec:build()
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
  t.after_done = self._dec:after_done()
  return t
end

function Stream:__tostring()
  return "openrouter.Stream(" .. (self._ended and (self._err and self._err.kind or "done") or "open") .. ")"
end

--- What a stream is made of, by kind.  A kind is a table:
---  * decoder(): a new decoder (see the top of this file);
---  * failed(req, what, x): the error object for an event the decoder
---    refused (what = "bad": x is the data; "error": x is the item);
---  * expected: what a stream that ends early lacks, for the error message;
---  * text(item): the text an item carries, or nil (on_text with on_chunk);
---  * class (optional): the metatable of its streams (default Stream).
--- M.CHAT is the chat-completion kind: the core's chunk decoder.
M.CHAT = {
  decoder = chunk_decoder, text = delta_text, expected = "[DONE] or a finish reason",
  failed = function(req, what, x)
    if what == "bad" then return http_errors.bad_event(req, x) end
    return http_errors.chunk_error(req, x)
  end,
}

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
    _dec = kind.decoder(),           -- the events taken from req, and the accumulation
    _core_decoder = kind.decoder == chunk_decoder,
    _ended = false,
    _pause = client._loop.pause, _since = now(), _burst = 0,   -- give_turn()
  }, kind.class or Stream)
end

--- Partial tables of a structured output as it arrives (openrouter.structured).
Stream.objects = structured.objects                                        -- hook: structured outputs

M.Stream = Stream
-- every public method checks its self: stream.result() raises "use stream:result(...)"
checks.methods(Stream, "stream")

return M
