--- Stream: a streaming chat completion as a coroutine-friendly iterator,
-- with accumulation of the deltas into a final response shaped like a
-- non-streaming chat() response.

local cjson = require("cjson")
local core = require("openrouter.core")
local errors = require("openrouter.errors")
local async = require("openrouter.async")
local structured = require("openrouter.structured")     -- hook: structured outputs

local null = cjson.null
local decode = cjson.decode
local concat = table.concat

local M = {}

------------------------------------------------------------ accumulator

local function is_str(v) return type(v) == "string" end

local function new_choice(index)
  return {
    index = index, content = {}, reasoning = {}, refusal = {},
    details = {}, details_at = {}, tools = {}, tools_order = {},
    extra = {}, logprobs = nil, saw = {},
  }
end

-- reasoning_details: appended in order; an entry with an `index` that was
-- seen before is merged into that entry (its text pieces concatenated).
local DETAIL_TEXT = { text = true, summary = true, data = true }

local function add_detail(c, det)
  if type(det) ~= "table" then return end
  local at = det.index
  local cur = at ~= nil and at ~= null and c.details_at[at] or nil
  if not cur then
    cur = {}
    for k, v in pairs(det) do cur[k] = v end
    c.details[#c.details + 1] = cur
    if at ~= nil and at ~= null then c.details_at[at] = cur end
    return
  end
  for k, v in pairs(det) do
    if DETAIL_TEXT[k] and is_str(v) and is_str(cur[k]) then
      cur[k] = cur[k] .. v
    elseif v ~= null then
      cur[k] = v
    end
  end
end

-- tool_calls: merged by index; id/type/name kept, arguments concatenated.
local function add_tool_call(c, tc)
  if type(tc) ~= "table" then return end
  local at = tc.index
  if at == nil or at == null then at = #c.tools_order end
  local cur = c.tools[at]
  if not cur then
    cur = { index = at, args = {} }
    c.tools[at] = cur
    c.tools_order[#c.tools_order + 1] = at
  end
  for k, v in pairs(tc) do
    if k == "function" and type(v) == "table" then
      cur.fn = cur.fn or {}
      for fk, fv in pairs(v) do
        if fk == "arguments" then
          if is_str(fv) then cur.args[#cur.args + 1] = fv end
        elseif fv ~= null then
          cur.fn[fk] = fv
        end
      end
    elseif k ~= "index" and v ~= null then
      cur[k] = v
    end
  end
end

local function append_all(dst, src)
  if type(src) ~= "table" then return dst end
  dst = dst or {}
  for i = 1, #src do dst[#dst + 1] = src[i] end
  return dst
end

local KNOWN_DELTA = {
  role = true, content = true, reasoning = true, refusal = true,
  reasoning_details = true, tool_calls = true, annotations = true, images = true,
}

local function add_choice(acc, ch)
  local index = ch.index
  if type(index) ~= "number" then index = 0 end
  local c = acc.choices[index]
  if not c then
    c = new_choice(index)
    acc.choices[index] = c
    acc.order[#acc.order + 1] = index
  end
  local d = ch.delta
  if type(d) == "table" then
    if is_str(d.role) then c.role = d.role end
    if is_str(d.content) then c.content[#c.content + 1] = d.content; c.saw.content = true end
    if is_str(d.reasoning) then c.reasoning[#c.reasoning + 1] = d.reasoning end
    if is_str(d.refusal) then c.refusal[#c.refusal + 1] = d.refusal end
    if type(d.reasoning_details) == "table" then
      for _, det in ipairs(d.reasoning_details) do add_detail(c, det) end
    end
    if type(d.tool_calls) == "table" then
      for _, tc in ipairs(d.tool_calls) do add_tool_call(c, tc) end
    end
    c.annotations = append_all(c.annotations, d.annotations)
    c.images = append_all(c.images, d.images)
    for k, v in pairs(d) do
      if not KNOWN_DELTA[k] and v ~= null then c.extra[k] = v end
    end
  end
  if ch.finish_reason ~= nil and ch.finish_reason ~= null then
    c.finish_reason = ch.finish_reason
    acc.finished = true
  end
  if ch.native_finish_reason ~= nil and ch.native_finish_reason ~= null then
    c.native_finish_reason = ch.native_finish_reason
  end
  local lp = ch.logprobs
  if type(lp) == "table" then
    c.logprobs = c.logprobs or {}
    for k, v in pairs(lp) do
      if type(v) == "table" then c.logprobs[k] = append_all(c.logprobs[k], v)
      else c.logprobs[k] = v end
    end
  end
end

--- A new, empty accumulator.
function M.accumulator()
  return { top = {}, choices = {}, order = {}, finished = false, chunks = 0 }
end

--- Fold one decoded chunk into the accumulator.
function M.accumulate(acc, chunk)
  acc.chunks = acc.chunks + 1
  for k, v in pairs(chunk) do
    if k ~= "choices" and k ~= "object" and k ~= "error" then acc.top[k] = v end
  end
  if type(chunk.choices) == "table" then
    for _, ch in ipairs(chunk.choices) do
      if type(ch) == "table" then add_choice(acc, ch) end
    end
  end
end

local function nonempty(parts)
  if #parts == 0 then return nil end
  return concat(parts)
end

--- The accumulated response, in the shape of a non-streaming chat() answer.
function M.build(acc)
  local out = {}
  for k, v in pairs(acc.top) do out[k] = v end
  out.object = "chat.completion"
  local idx = {}
  for i = 1, #acc.order do idx[i] = acc.order[i] end
  table.sort(idx)
  local choices = {}
  for _, index in ipairs(idx) do
    local c = acc.choices[index]
    local msg = {}
    for k, v in pairs(c.extra) do msg[k] = v end
    msg.role = c.role or "assistant"
    msg.content = concat(c.content)
    msg.reasoning = nonempty(c.reasoning)
    msg.refusal = nonempty(c.refusal)
    if #c.details > 0 then msg.reasoning_details = c.details end
    if #c.tools_order > 0 then
      local calls = {}
      for i, at in ipairs(c.tools_order) do
        local t = c.tools[at]
        local call = {}
        for k, v in pairs(t) do
          if k ~= "args" and k ~= "fn" then call[k] = v end
        end
        local fn = {}
        for k, v in pairs(t.fn or {}) do fn[k] = v end
        fn.arguments = concat(t.args)
        call["function"] = fn
        calls[i] = call
      end
      msg.tool_calls = calls
    end
    msg.annotations = c.annotations
    msg.images = c.images
    choices[#choices + 1] = {
      index = index, message = msg, finish_reason = c.finish_reason,
      native_finish_reason = c.native_finish_reason, logprobs = c.logprobs,
    }
  end
  out.choices = choices
  return out
end

----------------------------------------------------------------- Stream

---@class openrouter.Stream
---@field request_id string|nil   the generation id (X-Generation-Id or the chunks' id)
local Stream = {}
Stream.__index = Stream
Stream.__name = "openrouter.Stream"

-- Build the terminal error of a finished transfer, or nil when it ended
-- cleanly.  `self._done` is true when [DONE] arrived.
function Stream:_transport_error()
  local client, req = self._client, self._req
  local failed = client:_transport_error(req)
  if failed then return failed end
  local status = req:status()
  local info = req:info()
  if status < 200 or status >= 300 then
    return client:_http_error(req)
  end
  if info.mode ~= "sse" then
    local ct = req:headers()["content-type"] or "no content type"
    return errors.new(client:_decorate({
      kind = "protocol",
      message = "expected text/event-stream, got " .. ct .. ": " .. client._preview(req:head()),
      body = req:body(),
    }, req))
  end
  if not self._done_seen and not self._acc.finished then
    local why = "stream ended without [DONE] or a finish reason"
    if not info.sse_clean then why = why .. " (an incomplete event was discarded)" end
    if self._acc.chunks == 0 and info.bytes > 0 then
      why = why .. "; received: " .. client._preview(req:head())
    end
    return errors.new(client:_decorate({ kind = "protocol", message = why }, req))
  end
  return nil
end

-- Debug trace: the current transfer is over (once per transfer).
function Stream:_trace_done(e)
  if self._client._trace and self._traced ~= self._req then
    self._traced = self._req
    self._client:_trace_done(self._req, e)
  end
end

-- Fail the stream: remember the error, stop the transfer.
function Stream:_fail(e)
  if not self._err then
    e.partial = M.build(self._acc)
    self._err = e
  end
  self._req:cancel()
  self._ended = true
  self:_trace_done(e)
end

-- Decode queued events into chunks.  Returns false once the stream failed.
function Stream:_take(events)
  local q = self._queue
  local traced = self._client._trace
  for i = 1, #events do
    local data = events[i].data
    if traced then self._client:_trace_event(events[i]) end
    if self._done_seen then
      -- anything after [DONE] is not part of the answer; keep it visible
      self._after_done = (self._after_done or 0) + 1
    elseif data == "[DONE]" then
      self._done_seen = true
    else
      local ok, chunk = pcall(decode, data)
      if not ok or type(chunk) ~= "table" then
        self:_fail(errors.new(self._client:_decorate({
          kind = "protocol",
          message = "a data event is not a JSON object: " .. self._client._preview(data),
          body = data,
        }, self._req)))
        return false
      end
      if self.request_id == nil and is_str(chunk.id) then self.request_id = chunk.id end
      M.accumulate(self._acc, chunk)
      local err = chunk.error
      if type(err) == "table" then
        local code = err.code
        self:_fail(errors.new(self._client:_decorate({
          kind = "api",
          status = self._req:status(),
          code = code ~= null and code or nil,
          message = is_str(err.message) and err.message or "error in stream",
          metadata = type(err.metadata) == "table" and err.metadata or nil,
          retryable = false,
          chunk = chunk,
        }, self._req)))
        return false
      end
      local n = self._qn + 1
      q[n] = chunk
      self._qn = n
    end
  end
  return true
end

-- Make at least one chunk available, or end the stream.  Waits through
-- the client's loop adapter (blocks, or yields).  With a deadline
-- (core.now() seconds), returns false once it has passed and nothing came.
function Stream:_fill(deadline)
  local req = self._req
  while not self._ended do
    local evs = req:events()
    if #evs > 0 and not self:_take(evs) then return end
    if self._qhead <= self._qn then return end
    if req:result() ~= nil then
      evs = req:events()
      if #evs > 0 and not self:_take(evs) then return end
      if self._qhead <= self._qn then return end
      local e = self:_transport_error()
      self:_trace_done(e)
      if e and self:_retry(e) then
        req = self._req
      else
        self._ended = true
        if e then self:_fail(e) end
        return
      end
    else
      if deadline and core.now() >= deadline then return false end
      self._client:_wait(req, deadline)
    end
  end
end

-- Retry a failed transfer when nothing of it reached the user yet.
-- Returns true when a new transfer was started.
function Stream:_retry(e)
  self._attempts = self._attempts or {}
  local n = #self._attempts + 1
  local delay = nil
  if self._acc.chunks == 0 and self._restart then
    delay = self._client:_retry_delay(e, n, self._max_retries or 0)
  end
  self._attempts[n] = { status = e.status, kind = e.kind, delay = delay }
  if not delay then
    e.attempts = self._attempts
    return false
  end
  self._client:_sleep(delay, function() return self._ended end)
  if self._ended then return false end   -- cancelled while backing off
  local req, err = self._restart()
  if not req then
    e.attempts = self._attempts
    return false, err
  end
  self._req:close()
  self._req = req
  return true
end

--- The next decoded chunk, or nil at the end.  Raises the error object
--- when the stream failed (after the chunks that arrived before it).
---@return table|nil
function Stream:next()
  return self:_next(nil)
end

-- next(), or false when `deadline` passes before a chunk arrives.
function Stream:_next(deadline)
  if self._qhead > self._qn then
    self._queue, self._qhead, self._qn = {}, 1, 0
    if self:_fill(deadline) == false then return false end
  end
  local q = self._queue
  local h = self._qhead
  if h <= self._qn then
    local chunk = q[h]
    q[h] = nil
    self._qhead = h + 1
    return chunk
  end
  if self._err then errors.raise(self._err) end
  return nil
end

Stream.__call = Stream.next

local function delta_text(chunk)
  local ch = chunk.choices and chunk.choices[1]
  local d = type(ch) == "table" and ch.delta
  local s = type(d) == "table" and d.content
  if is_str(s) and s ~= "" then return s end
  return nil
end

--- An iterator over the text deltas of the first choice.  With
--- `{ coalesce_ms = N }` it returns at most one string per N ms (counted
--- from when the caller asks for the next one): the deltas that arrived
--- in between, joined (for editors and UIs).
---@param opts table|nil
---@return fun(): string|nil
function Stream:text(opts)
  local ms = opts and opts.coalesce_ms
  if ms ~= nil and (type(ms) ~= "number" or ms < 0) then
    error("stream:text: 'coalesce_ms' must be a number >= 0", 2)
  end
  if not ms or ms == 0 then
    return function()
      while true do
        local chunk = self:next()
        if chunk == nil then return nil end
        local s = delta_text(chunk)
        if s then return s end
      end
    end
  end
  local every, last = ms / 1000, -math.huge
  return function()
    -- counted from when the caller is done with the previous string (it
    -- asks again): the next one comes >= N ms later, however long the
    -- caller's loop body ran, as for on_text callbacks
    if last > -math.huge then last = core.now() end
    local parts, deadline = {}, nil
    while true do
      local ok, chunk = async.pcall(self._next, self, deadline)
      if not ok then
        if #parts > 0 then break end     -- the error comes again on the next call
        error(chunk, 0)
      end
      if not chunk then
        -- false: the deadline passed; nil: the end
        if #parts > 0 or chunk == nil then break end
      else
        local s = delta_text(chunk)
        if s then
          parts[#parts + 1] = s
          local t = core.now()
          if t - last >= every then break end
          deadline = last + every
        end
      end
    end
    if #parts == 0 then return nil end
    -- at the end too: never two strings within N ms
    local wait = last + every - core.now()
    if wait > 0 then self._client:_sleep(wait) end
    last = core.now()
    return concat(parts)
  end
end

--- Read to the end and return the accumulated response, or nil and the
--- error object (whose `partial` holds what had arrived).
---@return table|nil final
---@return openrouter.Error|nil err
function Stream:result()
  while true do
    local ok, chunk = async.pcall(self.next, self)
    if not ok then
      if errors.is(chunk) then return nil, chunk end
      error(chunk, 0)
    end
    if chunk == nil then break end
  end
  if self._err then return nil, self._err end
  return structured.attach(self._response_format, M.build(self._acc))     -- hook: structured outputs
end

--- What has been accumulated so far (also after an error or a cancel).
function Stream:partial()
  return M.build(self._acc)
end

--- The error that ended the stream, if any.
function Stream:error()
  return self._err
end

--- Close the connection now; later reads report "cancelled".
function Stream:cancel()
  if self._ended then return end
  self._queue, self._qhead, self._qn = {}, 1, 0
  self:_fail(errors.new(self._client:_decorate({
    kind = "cancelled", message = "stream cancelled",
  }, self._req)))
  self._client:_kick()       -- wake whoever waits on it, from any context
end

Stream.close = Stream.cancel
Stream.__close = Stream.cancel
Stream.__gc = function(self) if self._req then self._req:cancel() end end

--- HTTP status (0 before the response line).
function Stream:status() return self._req:status() end
--- Response headers, lower-cased names.
function Stream:headers() return self._req:headers() end
--- Transfer details: bytes, comments (keep-alives), timings, http_version.
function Stream:info() return self._req:info() end

function Stream:__tostring()
  return "openrouter.Stream(" .. (self._ended and (self._err and self._err.kind or "done") or "open") .. ")"
end

--- Wrap a started streaming request.
function M.new(client, req)
  return setmetatable({
    _client = client, _req = req, _queue = {}, _qhead = 1, _qn = 0,
    _acc = M.accumulator(), _done_seen = false, _ended = false,
  }, Stream)
end

--- Partial tables of a structured output as it arrives (openrouter.structured).
Stream.objects = structured.objects                                        -- hook: structured outputs

M.Stream = Stream
return M
