--- The Responses API (POST /responses, OpenRouter's beta): one call that
-- returns the response object, or a stream of its typed events.
--
--   local res, err = client:responses{ model = "openai/gpt-4o", input = "Hi" }
--   res.output_text                      -- the text of the output messages
--   local s = client:responses_stream(req)
--   for ev in s do print(ev.type) end    -- response.created, ...output_text.delta...
--   for text in s:text() do ... end      -- the response.output_text.delta deltas
--   local final, err = s:result()        -- the response object of response.completed
--
-- The stream is a Stream of the "responses" kind (openrouter.stream): the
-- same transport, SSE parser, retries (before the first event), timeouts,
-- cancel and error objects as a chat stream.  The events accumulate into a
-- response object (stream:partial(), err.partial); response.completed (or
-- response.incomplete) carries the final one.  An `error` event or
-- response.failed ends the stream with an "api" error (err.event is the
-- event); a stream that ends without response.completed is a "protocol"
-- error.

local errors = require("openrouter.errors")
local checks = require("openrouter.checks")
local http_errors = require("openrouter.http_errors")
local retry = require("openrouter.retry")
local stream_mod = require("openrouter.stream")
local callbacks = require("openrouter.callbacks")

local json = require("openrouter.json")
local core = require("openrouter.core")
local null = json.null

-- A data event decoded by the core's codec (integers stay integers); raises
-- on bad JSON, as the caller's pcall expects.
local function decode(data)
  local v, msg = core.json_decode(data)
  if v == nil and msg then error(msg, 0) end
  return v
end
local concat = table.concat

local M = {}

----------------------------------------------------------- validation

--- Validate a Responses API request against the schema generated from
--- OpenRouter's OpenAPI document (openrouter.validate).
---@param req any
---@return boolean ok
---@return table|nil errors
function M.validate_responses(req)
  return require("openrouter.validate").validate_responses(req)
end

--------------------------------------------------------- accumulation

-- The accumulator of a Responses stream: the latest response object
-- (response.created, .in_progress, .failed...), the final one
-- (response.completed, .incomplete), and the output items built from the
-- item, content-part and delta events, by output_index.

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

local function new_acc()
  return { top = nil, final = nil, slots = {}, order = {}, text = {}, n = 0 }
end

-- The slot of output item `oi` (0-based, as the events count).
local function slot(acc, oi)
  if type(oi) ~= "number" then oi = 0 end
  local s = acc.slots[oi]
  if not s then
    s = { index = oi, parts = {}, bufs = {}, done = {} }
    acc.slots[oi] = s
    acc.order[#acc.order + 1] = oi
  end
  return s
end

-- Append a delta to buffer `key` of the slot (kind: the part type and the
-- field the text goes to, for a part that was never announced).
local function append(s, key, piece)
  if type(piece) ~= "string" then return end
  local b = s.bufs[key]
  if not b then
    b = {}
    s.bufs[key] = b
  end
  b[#b + 1] = piece
end

local PART = {  -- delta event -> buffer prefix, part type, text field
  ["response.output_text.delta"] = { "c", "output_text", "text" },
  ["response.refusal.delta"] = { "c", "refusal", "refusal" },
  ["response.reasoning_text.delta"] = { "c", "reasoning_text", "text" },
  ["response.reasoning_summary_text.delta"] = { "s", "summary_text", "text" },
}
local PART_DONE = {
  ["response.output_text.done"] = { "c", "text" },
  ["response.refusal.done"] = { "c", "refusal" },
  ["response.reasoning_text.done"] = { "c", "text" },
  ["response.reasoning_summary_text.done"] = { "s", "text" },
}

local function add(acc, ev)
  acc.n = acc.n + 1
  local t = ev.type
  local r = ev.response
  if type(r) == "table" then
    acc.top = r
    if t == "response.completed" or t == "response.incomplete" then acc.final = r end
    return
  end
  local p = PART[t]
  if p then
    local s = slot(acc, ev.output_index)
    local i = (p[1] == "s" and ev.summary_index or ev.content_index)
    i = type(i) == "number" and i + 1 or 1
    local key = p[1] .. i
    if not s.parts[key] then s.parts[key] = { type = p[2], [p[3]] = "" } end
    s.kinds = s.kinds or {}
    s.kinds[key] = p[3]
    append(s, key, ev.delta)
    if t == "response.output_text.delta" and type(ev.delta) == "string" then acc.text[#acc.text + 1] = ev.delta end
    return
  end
  p = PART_DONE[t]
  if p then
    local s = slot(acc, ev.output_index)
    local i = (p[1] == "s" and ev.summary_index or ev.content_index)
    i = type(i) == "number" and i + 1 or 1
    local v = ev[p[2]]
    if type(v) == "string" then s.done[p[1] .. i] = v end
    return
  end
  if t == "response.function_call_arguments.delta" or t == "response.custom_tool_call_input.delta" then
    append(slot(acc, ev.output_index), "args", ev.delta)
  elseif t == "response.function_call_arguments.done" then
    local s = slot(acc, ev.output_index)
    if type(ev.arguments) == "string" then s.done.args = ev.arguments end
  elseif t == "response.output_item.added" or t == "response.output_item.done" then
    local s = slot(acc, ev.output_index)
    if type(ev.item) == "table" then
      s.item = ev.item
      if t == "response.output_item.done" then s.final = ev.item end
    end
  elseif t == "response.content_part.added" or t == "response.content_part.done" then
    local s = slot(acc, ev.output_index)
    local i = type(ev.content_index) == "number" and ev.content_index + 1 or 1
    if type(ev.part) == "table" then
      s.parts["c" .. i] = ev.part
      if t == "response.content_part.done" then s.done_part = s.done_part or {}; s.done_part["c" .. i] = true end
    end
  elseif t == "response.reasoning_summary_part.added" or t == "response.reasoning_summary_part.done" then
    local s = slot(acc, ev.output_index)
    local i = type(ev.summary_index) == "number" and ev.summary_index + 1 or 1
    if type(ev.part) == "table" then s.parts["s" .. i] = ev.part end
  end
end

-- The text of a part buffer: the .done value, else the deltas joined.
local function buffered(s, key)
  local d = s.done[key]
  if d then return d end
  local b = s.bufs[key]
  return b and concat(b) or nil
end

-- Output item of a slot, as it stands (fresh tables, but for an item
-- that response.output_item.done delivered whole).
local function build_item(s)
  if s.final then return s.final end
  local item = s.item and copy(s.item) or {}
  local args = buffered(s, "args")
  if args then
    if item.type == "custom_tool_call" then item.input = args else item.arguments = args end
  end
  local lists = {}
  for key, part in pairs(s.parts) do
    local which, i = key:sub(1, 1), tonumber(key:sub(2))
    local p = copy(part)
    if not (s.done_part and s.done_part[key]) then
      local text = buffered(s, key)
      if text then p[(s.kinds and s.kinds[key]) or (p.type == "refusal" and "refusal" or "text")] = text end
    end
    local name = which == "s" and "summary" or "content"
    lists[name] = lists[name] or {}
    lists[name][i] = p
  end
  for name, list in pairs(lists) do
    local n, out = 0, {}
    for i in pairs(list) do if i > n then n = i end end
    for i = 1, n do out[#out + 1] = list[i] end     -- holes (parts never announced) close up
    item[name] = out
  end
  return item
end

--- The text of a response object's output messages (its output_text parts
--- joined), or nil when it has none.
---@param res table
---@return string|nil
function M.output_text(res)
  local out = type(res) == "table" and res.output
  if type(out) ~= "table" then return nil end
  local parts = {}
  for _, item in ipairs(out) do
    if type(item) == "table" and item.type == "message" and type(item.content) == "table" then
      for _, p in ipairs(item.content) do
        if type(p) == "table" and p.type == "output_text" and type(p.text) == "string" then
          parts[#parts + 1] = p.text
        end
      end
    end
  end
  if #parts == 0 then return nil end
  return concat(parts)
end

-- A response object with output_text filled in when the server left it out.
local function with_text(res)
  if type(res) == "table" and res.output_text == nil then res.output_text = M.output_text(res) end
  return res
end

--- The response so far: the final response object once response.completed
--- (or .incomplete) came; before, the latest response object with the
--- output items built from the events and output_text from the deltas.
local function build(acc)
  if acc.final then return with_text(acc.final) end
  local out = acc.top and copy(acc.top) or { object = "response" }
  local idx = {}
  for i, oi in ipairs(acc.order) do idx[i] = oi end
  table.sort(idx)
  local items = {}
  for i, oi in ipairs(idx) do items[i] = build_item(acc.slots[oi]) end
  if #items > 0 or out.output == nil then out.output = items end
  out.output_text = concat(acc.text)
  return out
end

------------------------------------------------------------ the kind

-- An error event of the stream (`error`, or response.failed's
-- response.error): an "api" error, not retried; err.event is the event.
local function event_error(req, ev, body)
  body = type(body) == "table" and body or {}
  local code = body.code
  return errors.new(http_errors.decorate({
    kind = "api",
    code = code ~= null and code or nil,
    message = type(body.message) == "string" and body.message
      or (ev.type == "response.failed" and "response failed" or "error in stream"),
    param = body.param ~= null and body.param or nil,
    retryable = false,
    event = ev,
  }, req))
end

local function delta_text(ev)
  if ev.type == "response.output_text.delta" then
    local d = ev.delta
    if type(d) == "string" and d ~= "" then return d end
  end
  return nil
end

-- The decoder of a Responses stream (the protocol at the top of
-- openrouter.stream): the data events queued, decoded one per read into
-- event tables, accumulated as they are read.
local Decoder = {}
Decoder.__index = Decoder

local function new_decoder()
  return setmetatable({ q = {}, qi = 1, qn = 0, acc = new_acc(), done_seen = false, after = 0 }, Decoder)
end

function Decoder:push(data)
  local n = self.qn + 1
  self.qn = n
  self.q[n] = data
end

-- The next event table; nil when the queue is empty; false, "bad", data
-- for a data event that is not a JSON object; false, "error", event for
-- an `error` or response.failed event (accumulated).
function Decoder:next()
  local q = self.q
  while true do
    local i = self.qi
    if i > self.qn then
      self.qi, self.qn = 1, 0
      return nil
    end
    local data = q[i]
    q[i] = nil
    self.qi = i + 1
    if self.done_seen then
      self.after = self.after + 1    -- not part of the answer: counted in info()
    elseif data == "[DONE]" then
      self.done_seen = true
    else
      local ok, ev = pcall(decode, data)
      if not ok or type(ev) ~= "table" then return false, "bad", data end
      add(self.acc, ev)
      local r = ev.response
      if self.id == nil and type(r) == "table" and type(r.id) == "string" then self.id = r.id end
      local t = ev.type
      if t == "error" or t == "response.failed" then return false, "error", ev end
      return ev
    end
  end
end

-- The next output_text delta (not empty), else as next().
function Decoder:text()
  while true do
    local ev, what, x = self:next()
    if not ev then return ev, what, x end
    local t = delta_text(ev)
    if t then return t end
  end
end

-- Read what is queued, accumulating; false, what, x as next().
function Decoder:drain()
  while true do
    local ev, what, x = self:next()
    if not ev then return ev, what, x end
  end
end

function Decoder:build() return build(self.acc) end
function Decoder:count() return self.acc.n end
-- a Responses stream has no finish reason before its end (only response.completed)
function Decoder.finished() return false end
-- complete: response.completed (or .incomplete) came
function Decoder:done() return self.acc.final ~= nil end
function Decoder:after_done() return self.after end
-- the X-Generation-Id (read once), else the response's id
function Decoder:request_id(req)
  if not self.header_read and req then
    self.header_read = true
    self.header_id = req:headers()["x-generation-id"]
  end
  return self.header_id or self.id
end
function Decoder:clear()
  self.q, self.qi, self.qn = {}, 1, 0
end


---@class openrouter.ResponsesStream : openrouter.Stream
local ResponsesStream = {}
ResponsesStream.__index = ResponsesStream
ResponsesStream.__name = "openrouter.ResponsesStream"
-- every Stream method but objects() (structured outputs read chat chunks)
for _, k in ipairs({ "next", "_poll", "_poll_text", "__call", "text", "result", "partial", "error", "cancel",
  "close", "__close", "status", "headers", "info" }) do
  ResponsesStream[k] = stream_mod.Stream[k]
end

function ResponsesStream:__tostring()
  return "openrouter.ResponsesStream(" .. (self._ended and (self._err and self._err.kind or "done") or "open") .. ")"
end

--- The Responses kind of stream (openrouter.stream).
M.KIND = {
  decoder = new_decoder, text = delta_text, class = ResponsesStream, expected = "response.completed",
  failed = function(req, what, x)
    if what == "bad" then return http_errors.bad_event(req, x) end
    if x.type ~= "response.failed" then return event_error(req, x, x) end
    local r = x.response
    return event_error(req, x, type(r) == "table" and r.error or nil)
  end,
}
M.ResponsesStream = ResponsesStream
-- every public method checks its self: stream.result() raises "use stream:result(...)"
require("openrouter.checks").methods(ResponsesStream, "stream")

------------------------------------------------------------- requests

-- The request body (the core's codec: exact integers, markers, UTF-8
-- checked), or nil and a validation error with the path.
local function encode(tbl)
  return json.encode(tbl)
end

-- Misuse raises (at the level of the caller of client:<fname>: check <
-- M.create or M.stream < Client method < caller); an invalid request: nil
-- and a validation error.  Returns the options.
local function check(client, req, opts, fname)
  if type(req) ~= "table" then checks.raise("client:" .. fname .. ": request must be a table") end
  if opts ~= nil and type(opts) ~= "table" then checks.raise("client:" .. fname .. ": options must be a table") end
  opts = opts or {}
  local validate = opts.validate
  if validate == nil then validate = client.validate end
  if validate then
    local ok, list = M.validate_responses(req)
    if not ok then return nil, errors.validation(list) end
  end
  return opts
end

--- client:responses_stream(req [, opts]): a ResponsesStream, or nil and an
--- error (an invalid request: nothing sent).  Callbacks in opts (on_chunk,
--- on_text, on_done, on_error, coalesce_ms): a handle instead.
---@return openrouter.ResponsesStream|openrouter.Handle|nil
---@return openrouter.Error|nil
function M.stream(client, req, opts)
  if callbacks.wanted(opts) then
    local cbs, plain = callbacks.split(opts, "responses_stream", 4)
    local s, err = M.stream(client, req, plain)
    if not s then return nil, err end
    return callbacks.stream(client, s, cbs)
  end
  local o, err = check(client, req, opts, "responses_stream")
  if not o then return nil, err end
  local t = copy(req)
  t.stream = true
  local body
  body, err = encode(t)
  if not body then return nil, err end
  local function restart()
    return client:_start("POST", "/responses", body, true, o)
  end
  return stream_mod.open(client, restart, retry.new(o.max_retries or client.max_retries), M.KIND)
end

--- client:responses(req [, opts]): the response object (output_text
--- filled in), or nil and an error.  `req.stream = true` streams and
--- returns the final response.  on_done= / on_error= in opts: a handle.
---@return table|openrouter.Handle|nil
---@return openrouter.Error|nil
function M.create(client, req, opts)
  if callbacks.wanted(opts) then
    if type(req) ~= "table" then checks.raise("client:responses: request must be a table") end
    local cbs, plain = callbacks.split(opts, "responses", 4)
    if req.stream then
      local s, err = M.stream(client, req, plain)
      if not s then return nil, err end
      return callbacks.stream(client, s, cbs)
    end
    local o, err = check(client, req, plain, "responses")
    if not o then return nil, err end
    local t = copy(o)
    t.validate = false
    return callbacks.chat(client, req, t, cbs, "responses")
  end
  local o, err = check(client, req, opts, "responses")
  if not o then return nil, err end
  client._loop.check(client)
  if req.stream then
    local s
    s, err = M.stream(client, req, { headers = o.headers, timeout = o.timeout, limits = o.limits,
                                     validate = false, max_retries = o.max_retries })
    if not s then return nil, err end
    return s:result()
  end
  local body
  body, err = encode(req)
  if not body then return nil, err end
  local res
  res, err = client:_json("POST", "/responses", body, o)
  if not res then return nil, err end
  return with_text(res)
end

return M
