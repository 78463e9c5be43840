--- A tiny raw HTTP/1.1 client on luv, for the simulator's own specs and
-- benchmark (deliberately independent of the project's client).
--
--   local client = require("openrouter.mock.client")
--   local c = assert(client.connect("http://127.0.0.1:PORT/api/v1"))
--   local r = c:request{ method = "POST", path = "/chat/completions",
--     headers = { Authorization = "Bearer k" }, body = "{...}" }
--   r.status, r.headers["x-generation-id"], r.body, r.events
--   c:close()
--
-- Blocking: it runs the luv loop until the response is complete, the peer
-- closes or resets, or `timeout` ms pass.  `r.error` says what went wrong
-- ("timeout", "eof", "ECONNRESET", ...); what arrived before stays in r.
local uv = require("luv")

local M = {}

local concat, lower = table.concat, string.lower

local Conn = {}
Conn.__index = Conn

--- Splits "http://host:port/base" into host, port, base path.
function M.parse_url(url)
  local host, port, base = url:match("^http://%[?([^%]/]-)%]?:(%d+)(/?.*)$")
  if not host then return nil end
  return host, tonumber(port), base
end

-- Runs the loop until cond() is true or the deadline passes.
local function wait(cond, timeout_ms)
  if cond() then return true end
  local timer = uv.new_timer()
  local timed_out = false
  timer:start(math.max(1, math.floor(timeout_ms)), 0, function() timed_out = true end)
  while not cond() and not timed_out do
    uv.run("once")
  end
  timer:stop()
  timer:close()
  uv.run("nowait")  -- let the close callback run
  return cond()
end
M.wait = wait

--- Connects (blocking); returns a connection or nil, err.
-- `target`: a URL ("http://127.0.0.1:PORT/api/v1") or a host with `port`.
function M.connect(target, port, timeout_ms)
  local host, base = target, ""
  if not port then
    host, port, base = M.parse_url(target)
    if not host then return nil, "bad url " .. tostring(target) end
  end
  local sock = uv.new_tcp()
  local c = setmetatable({ sock = sock, host = host, port = port, base = base or "",
    buf = "", pos = 1, parts = {}, received = 0,
    eof = false, err = nil, connected = false, closed = false }, Conn)
  local done, cerr = false, nil
  sock:connect(host, port, function(err)
    cerr = err
    done = true
  end)
  if not wait(function() return done end, timeout_ms or 5000) then
    c:close()
    return nil, "connect timeout"
  end
  if cerr then
    c:close()
    return nil, cerr
  end
  c.connected = true
  sock:nodelay(true)
  sock:read_start(function(err, data)
    if err then
      c.err = err
      c.eof = true
    elseif data then
      c.parts[#c.parts + 1] = data
      c.received = c.received + #data
      if c.on_data then c.on_data() end
    else
      c.eof = true
    end
  end)
  return c
end

-- The unread input: returns the buffer and the index of its first unread
-- byte.  Input that arrived since the last call is appended here (the
-- readers consume all they can before waiting, so little is copied).
function Conn:buffered()
  local p = self.parts
  if #p > 0 then
    self.buf = self.buf:sub(self.pos) .. concat(p)
    self.pos = 1
    self.parts = {}
  end
  return self.buf, self.pos
end

function Conn:consume(n)
  self.pos = self.pos + n
end

--- Writes raw bytes (blocking until handed to the kernel).
function Conn:send(bytes)
  if self.closed then return nil, "closed" end
  local done, werr = false, nil
  self.sock:write(bytes, function(err) werr = err; done = true end)
  wait(function() return done end, 5000)
  if werr then return nil, werr end
  return true
end

--- Formats a request.  opts: method, path (appended to the URL's base
-- path unless it starts with "//" or `raw_path` is set), headers (a map or
-- an array of {name, value}), body.
function Conn:format(opts)
  local method = opts.method or (opts.body and "POST" or "GET")
  local path = opts.raw_path or (self.base .. (opts.path or "/"))
  local out = { method, " ", path, " HTTP/", opts.version or "1.1", "\r\n" }
  local has = {}
  local function add(k, v)
    has[lower(k)] = true
    out[#out + 1] = k .. ": " .. v .. "\r\n"
  end
  local h = opts.headers or {}
  if h[1] then
    for _, kv in ipairs(h) do add(kv[1], kv[2]) end
  else
    local keys = {}
    for k in pairs(h) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do add(k, h[k]) end
  end
  if not has.host then add("Host", self.host .. ":" .. self.port) end
  if opts.body and not has["content-length"] and not has["transfer-encoding"] then
    add("Content-Length", tostring(#opts.body))
  end
  if opts.body and not has["content-type"] then add("Content-Type", "application/json") end
  out[#out + 1] = "\r\n"
  out[#out + 1] = opts.body or ""
  return concat(out)
end

--- Parses SSE text into { {data=...}|{comment=...}, ... } (LF or CRLF).
function M.parse_sse(text)
  local events, data = {}, nil
  for line in (text:gsub("\r\n", "\n") .. "\n"):gmatch("([^\n]*)\n") do
    if line == "" then
      if data then events[#events + 1] = { data = concat(data, "\n") } end
      data = nil
    elseif line:sub(1, 1) == ":" then
      events[#events + 1] = { comment = line:sub(2):gsub("^ ", "") }
    else
      local field, value = line:match("^([^:]*):? ?(.*)$")
      if field == "data" then
        data = data or {}
        data[#data + 1] = value
      end
    end
  end
  return events
end

--- Reads one response.  opts: timeout (ms, default 10000), head (the
-- request was HEAD), on_body(piece, r) (called with each body piece as it
-- arrives; return false to stop reading and close the connection), keep
-- (don't buffer the body in r.body when on_body is given).
function Conn:read_response(opts)
  opts = opts or {}
  local timeout = opts.timeout or 10000
  local t0 = uv.hrtime()
  local r = { headers = {}, header_list = {}, body_parts = {}, complete = false }
  local deadline_hit = false

  local function elapsed() return (uv.hrtime() - t0) / 1e6 end
  local function more()
    -- wait for more input (or eof); false on timeout or eof
    local n = self.received
    local ok = wait(function() return self.received > n or self.eof end,
      math.max(1, timeout - elapsed()))
    if not ok then deadline_hit = true end
    return ok and self.received > n
  end
  local function body_piece(p)
    if p == "" then return true end
    if r.first_body_ms == nil then r.first_body_ms = elapsed() end
    r.body_bytes = (r.body_bytes or 0) + #p
    if not (opts.on_body and opts.keep == false) then r.body_parts[#r.body_parts + 1] = p end
    if opts.on_body and opts.on_body(p, r) == false then
      r.stopped = true
      return false
    end
    return true
  end
  local function fail(why)
    r.error = why
    r.body = concat(r.body_parts)
    r.elapsed_ms = elapsed()
    return r
  end
  local function starve()
    -- nothing parseable: wait for input; returns an error reason or nil
    if #self.parts > 0 then return nil end
    if self.eof then return self.err or "eof" end
    if not more() then return self.err or (deadline_hit and "timeout") or "eof" end
    return nil
  end

  -- head (skipping 1xx interim responses)
  while true do
    local s, p = self:buffered()
    local e = s:find("\r\n\r\n", p, true)
    if e then
      local head = s:sub(p, e - 1)
      self:consume(e + 4 - p)
      local status = tonumber(head:match("^HTTP/%d%.%d (%d%d%d)"))
      if not status then return fail("bad status line") end
      if status >= 200 or status == 101 then
        r.status = status
        r.raw_head = head
        for line in head:gmatch("\r\n([^\r\n]*)") do
          local k, v = line:match("^([^:]+):%s*(.-)%s*$")
          if k then
            k = lower(k)
            r.header_list[#r.header_list + 1] = { k, v }
            r.headers[k] = r.headers[k] and (r.headers[k] .. ", " .. v) or v
          end
        end
        break
      end
      r.interim = (r.interim or 0) + 1
    else
      local why = starve()
      if why then return fail(why) end
    end
  end
  r.head_ms = elapsed()

  local h = r.headers
  local no_body = opts.head or r.status == 204 or r.status == 304
  if no_body then
    r.body_bytes = 0
  elseif h["transfer-encoding"] and lower(h["transfer-encoding"]):find("chunked") then
    r.chunked = true
    local left = nil   -- nil: size line next; >0: data; "crlf"; "trailer"
    while true do
      local s, p = self:buffered()
      local avail = #s - p + 1
      local progressed = false
      if left == nil then
        local e = s:find("\r\n", p, true)
        if e then
          local size = tonumber(s:sub(p, e - 1):match("^%x+"), 16)
          if not size then return fail("bad chunk size") end
          self:consume(e + 2 - p)
          left = size == 0 and "trailer" or size
          progressed = true
        end
      elseif left == "crlf" then
        if avail >= 2 then
          if s:sub(p, p + 1) ~= "\r\n" then return fail("bad chunk terminator") end
          self:consume(2)
          left = nil
          progressed = true
        end
      elseif left == "trailer" then
        local e = s:find("\r\n", p, true)
        if e then
          self:consume(e + 2 - p)
          progressed = true
          if e == p then break end
        end
      elseif avail > 0 then
        local take = avail < left and avail or left
        self:consume(take)
        left = left - take
        if left == 0 then left = "crlf" end
        progressed = true
        if not body_piece(s:sub(p, p + take - 1)) then
          self:close()
          return fail("stopped")
        end
      end
      if not progressed then
        local why = starve()
        if why then return fail(why) end
      end
    end
  elseif h["content-length"] then
    local need = tonumber(h["content-length"])
    local got = 0
    while got < need do
      local s, p = self:buffered()
      local avail = #s - p + 1
      if avail > 0 then
        local take = math.min(avail, need - got)
        self:consume(take)
        got = got + take
        if not body_piece(s:sub(p, p + take - 1)) then self:close(); return fail("stopped") end
      else
        local why = starve()
        if why then return fail(why) end
      end
    end
  else
    -- close-delimited
    while true do
      local s, p = self:buffered()
      local avail = #s - p + 1
      if avail > 0 then
        self:consume(avail)
        if not body_piece(s:sub(p)) then self:close(); return fail("stopped") end
      elseif #self.parts == 0 then
        if self.eof then
          if self.err then return fail(self.err) end
          break
        end
        if not more() and deadline_hit then return fail("timeout") end
      end
    end
  end
  r.complete = true
  r.body = concat(r.body_parts)
  r.body_parts = nil
  r.elapsed_ms = elapsed()
  if (h["content-type"] or ""):find("text/event-stream", 1, true) then
    r.events = M.parse_sse(r.body)
  end
  return r
end

--- Sends a request and reads its response (see format and read_response).
function Conn:request(opts)
  local ok, err = self:send(self:format(opts))
  if not ok then return { error = err, complete = false, headers = {} } end
  return self:read_response(opts)
end

--- True once the peer has closed (or reset) the connection.
function Conn:is_eof()
  uv.run("nowait")
  return self.eof
end

function Conn:close()
  if self.closed then return end
  self.closed = true
  if not self.sock:is_closing() then self.sock:close() end
  uv.run("nowait")
end

--- One request on a fresh connection, closed afterwards.
function M.request(url, opts)
  local c, err = M.connect(url)
  if not c then return { error = err, complete = false, headers = {} } end
  local r = c:request(opts)
  c:close()
  return r
end

--- Decoded JSON chunks of an SSE response (data events other than [DONE];
-- undecodable ones appear as { _raw = text }).
function M.chunks(r)
  local cjson = require("cjson")
  local out = {}
  for _, ev in ipairs(r.events or M.parse_sse(r.body or "")) do
    if ev.data and ev.data ~= "[DONE]" then
      local ok, v = pcall(cjson.decode, ev.data)
      out[#out + 1] = ok and v or { _raw = ev.data }
    end
  end
  return out
end

return M
