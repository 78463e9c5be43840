--- A small HTTP/1.1 server on luv, made for the simulator: its own, so that
-- faults reach the wire as they are meant (resets, cuts, stalls).
--
-- What HTTP clients send: HTTP/1.1 (else 505), keep-alive with one request
-- at a time (a request sent before the previous answer has ended is
-- dropped, and the connection closes after that answer), Content-Length
-- request bodies (a Transfer-Encoding is refused with 411; `Expect` is
-- ignored), bounded header and body sizes.  Responses are either whole
-- (`res:send`) or streamed (`res:start` + `res:chunk` ... `res:finish`) with
-- chunked transfer encoding.  Every streamed write reports its completion,
-- so a producer can keep a bounded amount in flight (backpressure) instead
-- of buffering a whole stream.
local uv = require("luv")

local M = {}

local concat, format, lower = table.concat, string.format, string.lower

M.limits = {
  header_bytes = 32 * 1024,        -- request line + headers
  body_bytes = 8 * 1024 * 1024,    -- request body
  idle_ms = 120 * 1000,            -- idle keep-alive connection lifetime
}

M.reset_delay_ms = 20

local reasons = {
  [200] = "OK", [204] = "No Content",
  [400] = "Bad Request", [401] = "Unauthorized", [402] = "Payment Required",
  [403] = "Forbidden", [404] = "Not Found", [405] = "Method Not Allowed",
  [408] = "Request Timeout", [409] = "Conflict", [411] = "Length Required",
  [413] = "Payload Too Large", [422] = "Unprocessable Entity",
  [429] = "Too Many Requests", [431] = "Request Header Fields Too Large",
  [500] = "Internal Server Error", [501] = "Not Implemented",
  [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout",
  [505] = "HTTP Version Not Supported", [524] = "A Timeout Occurred",
  [529] = "Site Overloaded",
}
M.reasons = reasons

-- Connection ---------------------------------------------------------------

local Conn = {}
Conn.__index = Conn

local Res = {}
Res.__index = Res

local function new_conn(server, sock)
  local c = setmetatable({
    server = server, sock = sock,
    parts = {}, nbytes = 0,        -- unparsed input
    state = "head",                -- head | body | busy | closing | closed
    pending = 0,                   -- writes not yet completed
    after = nil,                   -- functions to run when pending == 0
    reading = false,
  }, Conn)
  server.conns[c] = true
  return c
end

function Conn:log(...)
  if self.server.log then self.server.log(...) end
end

-- All buffered input as one string (and keep it as the only part).
function Conn:joined()
  local p = self.parts
  if #p == 0 then return "" end
  if #p > 1 then
    local s = concat(p)
    self.parts = { s }
    return s
  end
  return p[1]
end

function Conn:set_input(s)
  if s == "" then self.parts = {} else self.parts = { s } end
  self.nbytes = #s
end

function Conn:write(data, cb)
  if self.state == "closed" then
    if cb then cb("closed") end
    return false
  end
  self.pending = self.pending + 1
  local ok, err = self.sock:write(data, function(err)
    self.pending = self.pending - 1
    if cb then cb(err) end
    if err then self:destroy(err) end
    if self.pending == 0 and self.after then
      local after = self.after
      self.after = nil
      for _, f in ipairs(after) do f() end
    end
  end)
  if not ok then
    self.pending = self.pending - 1
    if cb then cb(err or "write failed") end
    self:destroy(err)
    return false
  end
  return true
end

-- Runs f once every write issued so far has been handed to the kernel.
function Conn:when_flushed(f)
  if self.pending == 0 then return f() end
  self.after = self.after or {}
  self.after[#self.after + 1] = f
end

function Conn:stop_idle()
  if self.idle then self.idle:stop() end
end

function Conn:start_idle()
  local ms = M.limits.idle_ms
  if not ms or ms <= 0 or self.state == "closed" then return end
  if not self.idle then self.idle = uv.new_timer() end
  self.idle:start(ms, 0, function() self:destroy("idle") end)
end

-- Closes the socket now (FIN; or RST when `reset`).  Idempotent.
function Conn:destroy(why, reset)
  if self.state == "closed" then return end
  self.state = "closed"
  self.server.conns[self] = nil
  if self.idle then
    self.idle:stop()
    if not self.idle:is_closing() then self.idle:close() end
  end
  local res = self.res
  self.res = nil
  if res and not res.done then
    res.done = true
    res.aborted = why or "closed"
    if res.on_abort then
      local ok, err = pcall(res.on_abort, res.aborted)
      if not ok then self:log("on_abort: " .. tostring(err)) end
    end
  end
  local sock = self.sock
  if not sock:is_closing() then
    if reset and sock.close_reset then
      local ok = pcall(sock.close_reset, sock)
      if not ok and not sock:is_closing() then sock:close() end
    else
      sock:close()
    end
  end
end

-- Stops reading new requests, lets pending writes drain, then closes.
-- A reset waits a little longer (M.reset_delay_ms): a peer that receives
-- the RST while bytes are still unread in its socket may be told "end of
-- file" instead of "connection reset" (Linux), so give it time to read.
function Conn:close_after_flush(reset)
  self.closing = true
  if self.reading then
    self.sock:read_stop()
    self.reading = false
  end
  self:when_flushed(function()
    if reset and M.reset_delay_ms > 0 then
      local t = uv.new_timer()
      t:start(M.reset_delay_ms, 0, function()
        t:close()
        self:destroy("done", true)
      end)
    else
      self:destroy("done", reset)
    end
  end)
end

function Conn:read_start()
  if self.reading or self.state == "closed" then return end
  self.reading = true
  self.sock:read_start(function(err, data)
    if err then
      self:destroy(err)
    elseif not data then
      self:on_eof()
    else
      self:on_data(data)
    end
  end)
end

function Conn:on_eof()
  self.peer_eof = true
  if self.reading then
    self.sock:read_stop()
    self.reading = false
  end
  -- answer a request that is complete, then close (see process)
  if self.state ~= "busy" then self:process() end
end

function Conn:on_data(data)
  if self.state == "busy" then
    self.pipelined = true  -- not answered: the connection closes after this response
    return
  end
  local p = self.parts
  p[#p + 1] = data
  self.nbytes = self.nbytes + #data
  self:process()
end

-- Sends a minimal error response (before any request handler ran) and
-- closes the connection.
function Conn:fail(status, message)
  local body = format('{"error":{"code":%d,"message":"%s"}}', status, message)
  self:write(concat({
    "HTTP/1.1 ", status, " ", reasons[status] or "Error", "\r\n",
    "Content-Type: application/json\r\n",
    "Content-Length: ", #body, "\r\n",
    "Connection: close\r\n\r\n", body,
  }))
  self:log(format("%s -> %d (%s)", self.req and self.req.target or "?", status, message))
  self.state = "closing"
  self:close_after_flush()
end

local function parse_head(head)
  -- request line
  local line_end = head:find("\r\n", 1, true)
  local line = line_end and head:sub(1, line_end - 1) or head
  local method, target, major, minor = line:match("^(%u+) (%S+) HTTP/(%d)%.(%d)$")
  if not method then return nil, "malformed request line" end
  local req = { method = method, target = target, headers = {}, header_list = {} }
  if major ~= "1" or minor ~= "1" then return nil, "unsupported HTTP version", 505 end
  local path, query = target:match("^([^?]*)%??(.*)$")
  req.path, req.query_string = path, query
  local pos = (line_end or #head) + 2
  while pos <= #head do
    local e = head:find("\r\n", pos, true) or (#head + 1)
    local l = head:sub(pos, e - 1)
    pos = e + 2
    if l ~= "" then
      local name, value = l:match("^([!#$%%&'*+%-.^_`|~%w]+):[ \t]*(.-)[ \t]*$")
      if not name then return nil, "malformed header line" end
      name = lower(name)
      req.header_list[#req.header_list + 1] = { name, value }
      local prev = req.headers[name]
      req.headers[name] = prev and (prev .. ", " .. value) or value
    end
  end
  return req
end

-- Parses the request in the buffer once it is complete, and dispatches it.
function Conn:process()
  while self.state == "head" or self.state == "body" do
    if self.state == "head" then
      local s = self:joined()
      local e = s:find("\r\n\r\n", 1, true)
      if not e then
        if #s > M.limits.header_bytes then self:fail(431, "request header too large") end
        break
      end
      if e + 3 > M.limits.header_bytes then self:fail(431, "request header too large"); break end
      local req, err, status = parse_head(s:sub(1, e + 1))
      self:set_input(s:sub(e + 4))
      if not req then self:fail(status or 400, err); break end
      self.req = req
      local cl = req.headers["content-length"]
      self.need = cl and tonumber(cl:match("^%d+$")) or 0
      if req.headers["transfer-encoding"] then
        self:fail(411, "a request body needs Content-Length"); break
      elseif cl and not cl:match("^%d+$") then
        self:fail(400, "bad content-length"); break
      elseif self.need > M.limits.body_bytes then
        self:fail(413, "request body too large"); break
      end
      self.state = "body"
    else
      if self.nbytes < self.need then break end
      local s = self:joined()
      self:set_input("")
      -- bytes past the body are a pipelined request: not answered
      if #s > self.need then self.pipelined = true end
      self:dispatch(s:sub(1, self.need))
    end
  end
  if self.peer_eof and self.state ~= "busy" and self.state ~= "closed" and not self.closing then
    self:close_after_flush()
  end
end

function Conn:dispatch(body)
  local req = self.req
  req.body = body
  self.state = "busy"
  self:stop_idle()
  req.keep_alive = lower(req.headers.connection or ""):find("close") == nil
  req.started = uv.hrtime()
  local res = setmetatable({ conn = self, req = req, done = false }, Res)
  self.res = res
  local ok, err = xpcall(function() self.server.handler(req, res) end, debug.traceback)
  if not ok then
    self:log("handler error: " .. tostring(err))
    if not res.done and self.res == res then
      if res.headers_sent then
        self:destroy("handler error")
      else
        res:send(500, nil, '{"error":{"code":500,"message":"simulator error"}}')
      end
    end
  end
end

-- Called by Res when the response is complete.
function Conn:response_done(res)
  if self.res ~= res then return end
  self.res = nil
  local req = res.req
  if self.server.log then
    self:log(format("%s %s -> %d%s (%.1f ms)", req.method, req.target, res.status or 0,
      res.aborted and (" " .. res.aborted) or "", (uv.hrtime() - req.started) / 1e6))
  end
  if self.state == "closed" then return end
  if res.close_conn or not req.keep_alive or self.peer_eof or self.pipelined then
    self.state = "closing"
    self:close_after_flush(res.reset_conn)
    return
  end
  self.state = "head"
  self.req = nil
  self:start_idle()
end

-- Response -----------------------------------------------------------------

local function head_text(res, status, headers, extra)
  local out = { "HTTP/1.1 ", status, " ", reasons[status] or "Status", "\r\n" }
  local has_ct = false
  if headers then
    for _, kv in ipairs(headers) do
      if lower(kv[1]) == "content-type" then has_ct = true end
      out[#out + 1] = kv[1] .. ": " .. kv[2] .. "\r\n"
    end
  end
  if not has_ct then out[#out + 1] = "Content-Type: application/json\r\n" end
  for _, l in ipairs(extra) do out[#out + 1] = l end
  out[#out + 1] = res.close_conn and "Connection: close\r\n" or "Connection: keep-alive\r\n"
  out[#out + 1] = "\r\n"
  return concat(out)
end

local function decide_close(res)
  if not res.req.keep_alive or res.conn.peer_eof or res.conn.closing or res.conn.pipelined then
    res.close_conn = true
  end
end

--- Whole response.  `headers`: array of {name, value}.  `body`: string.
function Res:send(status, headers, body)
  assert(not self.headers_sent, "response already started")
  body = body or ""
  self.status = status
  decide_close(self)
  self.headers_sent = true
  local head = head_text(self, status, headers, { "Content-Length: " .. #body .. "\r\n" })
  if self.req.method == "HEAD" then body = "" end
  self.conn:write({ head, body })
  self:_done()
end

--- Headers with a declared Content-Length, body sent later with `raw`
-- (used to simulate a cut or stalled body).  Ends with `finish_raw`.
function Res:start_fixed(status, headers, length)
  assert(not self.headers_sent, "response already started")
  self.status = status
  decide_close(self)
  self.headers_sent = true
  self.conn:write(head_text(self, status, headers, { "Content-Length: " .. length .. "\r\n" }))
end

--- Starts a streamed response (chunked transfer encoding).
function Res:start(status, headers)
  assert(not self.headers_sent, "response already started")
  self.status = status
  decide_close(self)
  self.headers_sent = true
  self.conn:write(head_text(self, status, headers, { "Transfer-Encoding: chunked\r\n" }))
end

--- Writes `payload` (a string) as one chunk; `cb(err)` once it is handed to
-- the kernel.  Returns false when the connection is gone.
function Res:chunk(payload, cb)
  if self.done then
    if cb then cb(self.aborted or "done") end
    return false
  end
  if payload == "" then
    if cb then cb(nil) end
    return true
  end
  return self.conn:write({ format("%x\r\n", #payload), payload, "\r\n" }, cb)
end

--- Raw bytes, no framing (a cut body, junk).
function Res:raw(data, cb)
  if self.done then
    if cb then cb(self.aborted or "done") end
    return false
  end
  return self.conn:write(data, cb)
end

--- Ends a streamed response cleanly (the last-chunk).
function Res:finish()
  if self.done then return end
  self.conn:write("0\r\n\r\n")
  self:_done()
end

--- Ends the response by closing the connection (FIN) after pending writes,
-- without a terminating chunk: the peer sees a truncated body.
function Res:cut()
  if self.done then return end
  self.close_conn = true
  self:_done()
end

--- Ends the response with a TCP reset once pending writes are handed to
-- the kernel (SO_LINGER 0 via uv_tcp_close_reset).
function Res:reset()
  if self.done then return end
  self.close_conn = true
  self.reset_conn = true
  self:_done()
end

--- Marks a response started with `start_fixed` as complete once its
-- declared length has been written with `raw`.
function Res:complete()
  self:_done()
end

function Res:_done()
  if self.done then return end
  self.done = true
  self.conn:response_done(self)
end

--- True when the connection died before the response was complete.
function Res:is_aborted()
  return self.aborted ~= nil
end

-- Server -------------------------------------------------------------------

local Server = {}
Server.__index = Server

--- host, port actually bound.
function Server:address()
  local a = self.tcp:getsockname()
  return a.ip, a.port, a.family
end

function Server:close()
  if self.closed then return end
  self.closed = true
  if not self.tcp:is_closing() then self.tcp:close() end
  for c in pairs(self.conns) do c:destroy("server closing") end
end

--- Listens on opts.host:opts.port; `opts.handler(req, res)` per request.
-- `opts.log(line)` receives one line per request when set.
-- Returns the server, or nil and a message.
function M.listen(opts)
  local tcp = uv.new_tcp()
  local host = opts.host or "127.0.0.1"
  if not host:match("^[%d.]+$") and not host:find(":") then
    -- a name ("localhost"): bind to its first address
    local addrs = uv.getaddrinfo(host, nil, { socktype = "stream" })
    if addrs and addrs[1] then host = addrs[1].addr end
  end
  local ok, err = tcp:bind(host, opts.port or 0)
  if not ok then
    tcp:close()
    return nil, "cannot bind " .. tostring(opts.host) .. ":" .. tostring(opts.port) .. ": " .. tostring(err)
  end
  local server = setmetatable({
    tcp = tcp, handler = opts.handler, log = opts.log,
    conns = {},
  }, Server)
  ok, err = tcp:listen(opts.backlog or 511, function(lerr)
    if lerr then
      if server.log then server.log("accept: " .. tostring(lerr)) end
      return
    end
    local sock = uv.new_tcp()
    local aok = tcp:accept(sock)
    if not aok then sock:close(); return end
    sock:nodelay(true)
    local c = new_conn(server, sock)
    c:read_start()
    c:start_idle()
  end)
  if not ok then
    tcp:close()
    return nil, "cannot listen: " .. tostring(err)
  end
  return server
end

return M
