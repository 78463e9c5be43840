--- openrouter.transport.ngx: HTTP/1.1 over OpenResty's cosockets, for the
-- "ngx" loop adapter (openrouter.loop.ngx; docs/hosts.md says why).
--
-- A request here presents the same methods as the core's libcurl request
-- (src/ltransport.c: events, pending, outcome, status, headers, body,
-- head, info, cancel, close), so streams and the JSON request loop use it
-- unchanged.  Its state lives in C (core.h1_request, src/lhttp1.c): the
-- HTTP/1.x decoder, the SSE parser, the limits, the deadlines and the
-- error kinds are the libcurl path's.  Only the socket work is here:
-- connect, TLS (verification on unless insecure = true), send, and read
-- -- in the coroutine that waits for the request, when it waits: a delta
-- costs one read and one resume, no timer and no extra wake.
--
-- Connections are kept alive in nginx's per-worker pool after a response
-- that ended cleanly; a pooled connection the server had closed is
-- replaced before anything was received, as libcurl does.
--
-- A request can be cancelled from anywhere (another light thread, another
-- request, a timer): if the coroutine that owns the socket is blocked on
-- it, the connection is shut down under it (shutdown(2) on its descriptor,
-- found through the lua module's FFI), so the peer sees the close at once
-- and the reader wakes to close it.  Without that FFI function, reads wait
-- at most 100 ms at a time and look for a cancel in between.
-- luacheck: globals ngx
local core = require("openrouter.core")

local now = core.now
local new_state = core.h1_request
local REASON = core.h1_reasons
local ceil = math.ceil

local M = {}

local FOREVER_MS = 3600 * 1000     -- a read with no deadline waits this long at a time
local SLICE_MS = 100               -- ... or this long when a cancel cannot interrupt it
local READ_MAX = 65536
local RETRIES = 3                  -- kept-alive connections found closed, in a row

------------------------------------------------------------ cancelling from afar

-- interrupt(sock): shut the connection down under whoever is blocked on
-- it; true when done.  nil when this nginx cannot (no FFI function).
local interrupt
do
  local ok, ffi = pcall(require, "ffi")
  if ok and rawget(_G, "ngx") then
    pcall(ffi.cdef, "int ngx_http_lua_ffi_socket_tcp_hack_fd(void *u, int fd, unsigned char *err,"
      .. " size_t *errlen);")
    pcall(ffi.cdef, "int shutdown(int sockfd, int how);")
    local C = ffi.C
    if pcall(function() return C.ngx_http_lua_ffi_socket_tcp_hack_fd and C.shutdown end) then
      local err, errlen = ffi.new("unsigned char[128]"), ffi.new("size_t[1]")
      interrupt = function(sock)
        local u = sock[1]                   -- the cosocket's upstream (SOCKET_CTX_INDEX)
        if type(u) ~= "userdata" then return false end
        errlen[0] = 128
        -- fd -1: only read the descriptor of a live connection (-1 when closed)
        local fd = C.ngx_http_lua_ffi_socket_tcp_hack_fd(u, -1, err, errlen)
        return fd >= 0 and C.shutdown(fd, 2) == 0
      end
    end
  end
end
M.can_interrupt = interrupt ~= nil
local READ_CAP = interrupt and FOREVER_MS or SLICE_MS

------------------------------------------------------------ TLS handshakes

-- A TLS handshake can complete at once, in the call that starts it (the
-- server's whole flight already arrived when OpenSSL first reads: a
-- loaded machine, a server on the same host).  When verification then
-- fails, lua-nginx-module (before 0.10.32: its #2506) closes the
-- connection and records the error but still returns OK, and
-- lua-resty-core's sslhandshake() then either fails its
-- `assert(rc == FFI_OK)` (resty/core/socket.lua:244, reused_session nil)
-- or, with reused_session = false, returns true: a refused certificate
-- that reads as a handshake done, and a send on the closed connection.
--
-- So the handshake is asked with `false` (it keeps no session, and we
-- reuse none) and its outcome is read where nginx recorded it:
-- handshake_error(sock) is the error of its last handshake as resty-core
-- words it ("20: unable to get local issuer certificate", "certificate
-- host mismatch", "timeout"), or nil when there was none.  nil
-- (undefined) without resty-core's FFI; the handshake is then asked with
-- nil, as before.
local handshake_error
do
  local ok, ffi, has_base, base = false, nil, false, nil
  if rawget(_G, "ngx") and package.loaded["resty.core.socket"] then
    ok, ffi = pcall(require, "ffi")
    has_base, base = pcall(require, "resty.core.base")
  end
  if ok and has_base then
    local C = ffi.C
    -- declared by resty.core.socket (loaded: it is the sslhandshake in use)
    if pcall(function() return C.ngx_http_lua_ffi_socket_tcp_get_sslhandshake_result end) then
      local sess, errmsg, code = ffi.new("void *[1]"), ffi.new("char *[1]"), ffi.new("int[1]")
      handshake_error = function(sock)
        local r, u = base.get_request(), sock[1]   -- u: the cosocket's upstream (SOCKET_CTX_INDEX)
        if not r or type(u) ~= "userdata" then return nil end
        code[0] = 0
        if C.ngx_http_lua_ffi_socket_tcp_get_sslhandshake_result(r, u, sess, errmsg, code) == base.FFI_OK then
          return nil
        end
        local msg = errmsg[0] ~= nil and ffi.string(errmsg[0]) or "handshake failed"
        return code[0] ~= 0 and (code[0] .. ": " .. msg) or msg
      end
    end
  end
end
local KEEP_SESSION                       -- sslhandshake's reused_session
if handshake_error then KEEP_SESSION = false end

------------------------------------------------------------------- URLs

-- { scheme, host (no brackets), connect_host, port, authority (for Host:),
--   path, literal (an IP address) }, or nil.
local function parse_url(url)
  local scheme, rest = url:match("^(%a[%w+.-]*)://(.*)$")
  if not scheme then return nil end
  scheme = scheme:lower()
  local authority, path = rest:match("^([^/?#]*)(.*)$")
  if authority:find("@", 1, true) then return nil end
  local host, port, v6
  if authority:sub(1, 1) == "[" then
    host, port = authority:match("^%[([%x:.]+)%]:?(%d*)$")
    v6 = true
  else
    host, port = authority:match("^([^:]+):?(%d*)$")
  end
  if not host or host == "" then return nil end
  local default = scheme == "https" and 443 or 80
  port = tonumber(port) or default
  path = path:gsub("#.*$", "")
  if path == "" or path:sub(1, 1) == "?" then path = "/" .. path end
  local shown = v6 and ("[" .. host .. "]") or host
  return {
    scheme = scheme, host = host, port = port, path = path,
    connect_host = shown,
    authority = port == default and shown or (shown .. ":" .. port),
    literal = v6 or host:match("^%d+%.%d+%.%d+%.%d+$") ~= nil,
  }
end
M.parse_url = parse_url

--- Can `client` use cosockets with the same behaviour as libcurl?  true,
--- or false and why not: what only libcurl does -- ca_file / ca_path (a
--- trusted CA per client; cosockets trust lua_ssl_trusted_certificate),
--- proxies (from the environment, as libcurl reads it), https to an IP
--- address (nginx checks certificate host names, not addresses), other
--- URL schemes -- or no cosockets at all.
---@return boolean, string|nil
function M.usable(client)
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.socket) ~= "table" or not ngx.socket.tcp then
    return false, "no cosockets here"
  end
  if client.ca_file or client.ca_path then
    return false, "ca_file/ca_path: set lua_ssl_trusted_certificate instead to use cosockets"
  end
  local u = parse_url(client.base_url .. "/")
  if not u or (u.scheme ~= "http" and u.scheme ~= "https") then
    return false, "base_url is not an http(s) URL cosockets can reach"
  end
  if u.scheme == "https" and u.literal then
    return false, "https to an IP address (nginx verifies host names only)"
  end
  for _, var in ipairs{ "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" } do
    local v = os.getenv(var)
    if v and v ~= "" then return false, "a proxy is set (" .. var .. ")" end
  end
  return true
end

------------------------------------------------------------------ errors

local function connect_error(err)
  if err:find("resolv", 1, true) then
    local hint = err:find("no resolver defined", 1, true)
      and ": add a 'resolver' directive to nginx.conf (docs/hosts.md)" or ""
    return REASON.resolve, err .. hint
  end
  return REASON.connect, "connect failed: " .. err
end

local function tls_error(err)
  if err:find("certificate", 1, true) or err:find("^%d+: ") then
    return REASON.verify, "TLS certificate verification failed: " .. err
      .. " (nginx verifies against lua_ssl_trusted_certificate; docs/hosts.md)"
  end
  return REASON.tls, "TLS handshake failed: " .. err
end

--------------------------------------------------------------- requests

local post_news                          -- (below, with the reader threads)

---@class openrouter.CosocketRequest
local Req = {}
Req.__index = Req
Req.__name = "openrouter.cosocket_request"
Req._cosocket = true

-- The consumer's methods are the C state's own (it sits at self[1]):
-- events and pending run once or twice per delta, with no Lua frame.
for _, name in ipairs{ "events", "take_into", "pending", "outcome", "status", "headers", "body", "head", "info" } do
  Req[name] = core.h1_methods[name]
end

-- A request handed over to libcurl (see switch()): its methods are the
-- libcurl request's.
local Handed = { _cosocket = false }
Handed.__index = Handed
Handed.__name = "openrouter.cosocket_request"
for _, name in ipairs{ "events", "take_into", "pending", "outcome", "status", "headers", "body", "head", "info",
                       "cancel", "close" } do
  Handed[name] = function(self, ...) return self._curl[name](self._curl, ...) end
end

-- What nginx lacks, not the server: no `resolver` for a host name, or a
-- certificate chain it cannot verify for want of lua_ssl_trusted_certificate
-- (OpenSSL's 20, 2: an issuer not found; 22: lua_ssl_verify_depth too small).
local NGINX_LACKS = { ["2"] = true, ["20"] = true, ["22"] = true }

local function nginx_lacks(stage, err)
  if stage == "connect" then
    if err:find("no resolver defined", 1, true) then return "nginx has no 'resolver' to look host names up" end
    -- its resolver failed; libcurl asks the system's (and reports a name
    -- that does not exist as the libcurl path does)
    if err:find("could not be resolved", 1, true) then return "nginx's resolver failed: " .. err end
    return nil
  end
  local code = err:match("^(%d+): ")
  return code and NGINX_LACKS[code] and ("nginx cannot verify the server's certificate (" .. err
    .. "): is lua_ssl_trusted_certificate set, lua_ssl_verify_depth large enough?") or nil
end

-- Hand the request over to libcurl (the owner's fallback, which starts the
-- same request there): nothing was sent yet, so nothing is lost, and
-- libcurl verifies with its own CA store -- never less than we would.
-- false when there is no fallback.
local function switch(self, why)
  local fallback = self._fallback
  if not fallback then return false end
  local sock = self._sock
  self._sock = nil
  if sock then sock:close() end
  self[1]:close()
  self._curl = fallback(why)
  self._done = true
  setmetatable(self, Handed)
  return true
end

-- Give the socket up: back to nginx's pool when the response ended cleanly.
local function release(self, keep)
  self._done = true                      -- no more I/O for this request
  local sock = self._sock
  if not sock then return end
  self._sock = nil
  if keep and sock:setkeepalive() then return end
  sock:close()
end

-- Close the socket for another try (a kept-alive connection found dead).
local function drop(self)
  local sock = self._sock
  self._sock = nil
  if sock then sock:close() end
end

--- End the request as cancelled (unless it is over) and close its
--- connection now, from any context.
function Req:cancel()
  local p = self[1]
  local _, ended = p:pending()
  if not ended then p:cancel() end
  self._done = true
  if self._sema then post_news(self) end  -- a caller waiting for a reader thread
  local sock = self._sock
  if not sock then return end
  if self._busy then
    -- a coroutine is blocked on it: wake it (it closes the socket)
    if interrupt then interrupt(sock) end
    return
  end
  self._sock = nil
  local ok, closed = pcall(sock.close, sock)
  -- another request's socket ("bad request"): shut it down; nginx closes
  -- it when that request ends
  if not (ok and closed) and interrupt then interrupt(sock) end
end

function Req:close()
  self:cancel()
  self[1]:close()
end

-- Milliseconds to `t` (core.now() seconds; nil: none), at least 1.
local function ms_to(t, cap)
  if not t then return cap end
  local ms = ceil((t - now()) * 1000)
  if ms < 1 then return 1 end
  if ms > cap then return cap end
  return ms
end

-- A socket call under the request's own deadline.  Returns its two
-- results and the deadline that applied (at, which, limit).
local function call(self, sock, f, ...)
  local at, which, limit = self[1]:deadline()
  self._ms = ms_to(at, READ_CAP)
  sock:settimeout(self._ms)
  self._busy = true
  local r1, r2 = f(sock, ...)            -- exactly the arguments given: nginx counts them
  self._busy = false
  return r1, r2, at, which, limit
end

-- The socket call failed with `err`: a timeout of ours, or `reason`.
local function failed(self, err, at, which, limit, reason, message)
  local p = self[1]
  if err == "timeout" and at and now() >= at - 0.001 then
    p:fail("timeout", which, ("%s timeout after %g s"):format(which, limit))
  else
    p:fail("network", reason, message)
  end
  release(self, false)
  return false
end

-- Did a cancel end the request while we were in a socket call?
local function over(self)
  local _, ended = self[1]:pending()
  if ended then release(self, false) end
  return ended
end

-- Connect (or take a kept-alive connection), TLS, send the request.
-- true when sent; false when the request failed (recorded).
local function open(self)
  local p = self[1]
  while true do
    local sock = ngx.socket.tcp()
    self._sock = sock
    local ok, err, at, which, limit = call(self, sock, sock.connect, self._host, self._port, self._pool)
    if over(self) then return false end
    if not ok then
      if err == "timeout" then return failed(self, err, at, which, limit) end
      local lacks = nginx_lacks("connect", err)
      if lacks and switch(self, lacks) then return false end
      return failed(self, err, nil, nil, nil, connect_error(err))
    end
    local reused = (sock:getreusedtimes() or 0) > 0
    if reused then
      p:mark("reused")
    else
      p:mark("connect")
      if self._tls then
        ok, err, at, which, limit = call(self, sock, sock.sslhandshake, KEEP_SESSION, self._sni, self._verify)
        if handshake_error then
          -- what nginx recorded is the outcome; an error it did not record
          -- (a closed socket) carries no OpenSSL code, whatever resty-core
          -- prefixed (it reuses its code buffer from an earlier handshake)
          local recorded = handshake_error(sock)
          if recorded then ok, err = nil, recorded
          elseif not ok then err = tostring(err):gsub("^%d+: ", "") end
        end
        if over(self) then return false end
        if not ok then
          if err == "timeout" then return failed(self, err, at, which, limit) end
          local lacks = nginx_lacks("tls", err or "")
          if lacks and switch(self, lacks) then return false end
          return failed(self, err, nil, nil, nil, tls_error(err or "closed"))
        end
        p:mark("tls")
      else
        p:mark("ready")
      end
    end
    ok, err, at, which, limit = call(self, sock, sock.send, self._out)
    if over(self) then return false end
    if ok then
      self._reused, self._got = reused, false
      return true
    end
    if not reused or self._retries >= RETRIES then
      return failed(self, err, at, which, limit, REASON.send, "send failed: " .. tostring(err))
    end
    self._retries = self._retries + 1   -- the server had closed the kept-alive connection
    drop(self)
  end
end

-- Read until there is news (events, or the end), or until `deadline`
-- (core.now() seconds, may be nil) passes.  Once per delta: keep it lean.
local function read(self, deadline)
  local p, sock = self[1], self._sock
  while true do
    local ms = p:wait_ms(deadline, READ_CAP)
    local set = self._ms
    -- the same timeout as last time, within 2 ms (it fires that much late
    -- at most, or early and the loop reads again): no call
    if set - ms > 2 or ms - set > 2 then
      sock:settimeout(ms)
      self._ms = ms
    end
    self._busy = true
    local data, err = sock:receiveany(READ_MAX)
    self._busy = false
    if data then
      self._got = true
      -- (a request cancelled meanwhile takes nothing and reads as ended)
      local n, ended, reusable = p:feed(data)
      if ended then return release(self, reusable) end
      if n > 0 or (deadline and now() >= deadline) then return end
    elseif over(self) then
      return
    elseif err == "timeout" then
      -- first_byte / idle: nothing came for as long as the limit, and a
      -- read just found nothing either; total: its time is up
      if p:expired() then return release(self, false) end
      if deadline and now() >= deadline then return end
    elseif self._reused and not self._got and self._retries < RETRIES then
      -- a kept-alive connection the server had closed: again, on another
      self._retries = self._retries + 1
      drop(self)
      if open(self) then sock = self._sock else return end
    else
      if err == "closed" then p:eof()
      else p:fail("network", REASON.recv, "receive failed: " .. tostring(err)) end
      return release(self, false)
    end
  end
end

-- A read bounded by the caller's deadline (stream:next(timeout), the text
-- coalescer) cannot time the socket out: nginx logs every cosocket read
-- that times out as an error (lua_socket_log_errors).  So such a read runs
-- in a light thread under the request's own deadlines only, and the caller
-- waits for its news on a semaphore, up to its deadline.  The thread ends
-- with its read; a later wait waits for the same thread.
local semaphore
do
  local ok, sem = pcall(require, "ngx.semaphore")
  if ok and rawget(_G, "ngx") then semaphore = sem end
end

function post_news(self)
  local sema = self._sema
  local n = sema:count()
  if n < 0 then sema:post(-n) end        -- wake whoever waits, bank nothing
end

local function read_for(self)
  local ok, err = pcall(read, self, nil)
  self._reader = nil
  post_news(self)
  if not ok then error(err, 0) end       -- nginx logs it: a bug, not a failure
end

local function wait_news(self, deadline)
  local t = deadline and deadline - now() or 3600
  self._sema:wait(t > 0.001 and t or 0.001)
end

--- Do this request's I/O in the running coroutine until it has news or
--- `deadline` (core.now() seconds, may be nil) passes: what the loop
--- adapter's wait() calls.
function Req:_wait(deadline)
  if self._done then return end          -- over: its end is what the caller finds
  if self._reader then return wait_news(self, deadline) end
  if self._busy then
    -- another coroutine does its I/O (rare: two waiters on one request)
    local t = deadline and deadline - now() or 0.01
    return ngx.sleep(math.min(math.max(t, 0.001), 0.01))
  end
  if not self._sock and not open(self) then return end
  if deadline and semaphore then
    local at = self[1]:deadline()
    if not at or deadline < at then
      self._sema = self._sema or semaphore.new()
      self._reader = true                -- (the thread may be done when spawn returns)
      ngx.thread.spawn(read_for, self)
      if self._reader then return wait_news(self, deadline) end
      return
    end
  end
  return read(self, deadline)
end

local SKIP = { host = true, ["content-length"] = true, ["transfer-encoding"] = true,
               connection = true, expect = true }

--- A request from the options of the core's multi:request (url, method,
--- body, headers, stream, the limits and timeouts, insecure); no I/O until
--- someone waits for it.  Misuse raises, as multi:request does.
--- `fallback(why)` (optional) starts the same request on libcurl and
--- returns it: used when nginx lacks what the request needs (a resolver,
--- a trust store), from then on the request is that one.
---@param o table
---@param fallback function|nil
---@return openrouter.CosocketRequest
function M.request(o, fallback)
  if type(o) ~= "table" then error("request options must be a table", 2) end
  if type(o.url) ~= "string" then error("option 'url' is required", 2) end
  if o.body ~= nil and type(o.body) ~= "string" then error("option 'body' must be a string", 2) end
  local p = new_state{
    stream = o.stream, max_body = o.max_body, max_header = o.max_header, max_event = o.max_event,
    connect_timeout = o.connect_timeout, first_byte_timeout = o.first_byte_timeout,
    idle_timeout = o.idle_timeout, total_timeout = o.total_timeout,
  }
  local self = setmetatable({ p, _retries = 0, _ms = 0, _fallback = fallback }, Req)
  local u = parse_url(o.url)
  if not u or (u.scheme ~= "http" and u.scheme ~= "https") then
    p:fail("network", u and REASON.protocol or REASON.url, "not an http(s) URL: " .. o.url)
    self._done = true
    return self
  end
  local method = o.method or (o.body and "POST" or "GET")
  local out = { method, " ", u.path, " HTTP/1.1\r\nHost: ", u.authority, "\r\n" }
  for i, h in ipairs(o.headers or {}) do
    if type(h) ~= "string" then error("headers[" .. i .. "] must be a string", 2) end
    if h:find("[\r\n]") then error("header contains CR or LF", 2) end
    local name = h:match("^([^:]*):")
    if not (name and SKIP[name:lower()]) then
      out[#out + 1] = h
      out[#out + 1] = "\r\n"
    end
  end
  if o.body then
    out[#out + 1] = "Content-Length: " .. #o.body .. "\r\n\r\n"
    out[#out + 1] = o.body
  else
    out[#out + 1] = "\r\n"
  end
  self._out = out
  self._host, self._port, self._sni = u.connect_host, u.port, u.host
  self._tls = u.scheme == "https"
  self._verify = not o.insecure
  self._pool = { pool = ("openrouter|%s|%s|%d|%s"):format(u.scheme, u.host, u.port,
                                                          self._verify and "verified" or "insecure") }
  return self
end

return M
