--- Raw HTTP requests through the library's own transport (the C core's
-- libcurl multi), for the simulator's specs and benchmark: the status, the
-- headers and the whole body as they came (libcurl removes the chunked
-- framing), with server-sent events parsed here, comments included.
--
--   local raw = require("support.raw_http")
--   local r = raw.request("http://127.0.0.1:PORT/api/v1",
--     { method = "POST", path = "/chat/completions",
--       headers = { Authorization = "Bearer k" }, body = "{...}" })
--   r.status, r.headers["x-generation-id"], r.body, r.events, r.complete, r.error
--
--   local s = raw.session(url)       -- one multi handle: keep-alive reuse
--   local h = s:start(opts)          -- concurrent requests ...
--   local r = s:finish(h)            -- ... each finished in turn
--   s:request(opts)                  -- start + finish
--   s:close()
--
-- opts: method, path (appended to the session URL), raw_path (replaces the
-- URL's path), headers (a map, or an array of { name, value }; a false value
-- leaves a header out), body, timeout (seconds, default 10), stream (the
-- core's SSE mode: events decoded by the library, in r.sse_events or given
-- to on_events(events, r) as they come, nothing in r.body),
-- max_body (bytes; the core's default is 64 MiB), events (false: leave an
-- SSE body unparsed, r.events nil),
-- on_progress(bytes, r) (called whenever more body bytes have arrived;
-- return false to stop: the request is cancelled and r.error is "stopped").
--
-- r.error names what went wrong: "eof" (the peer closed before the body was
-- complete), "ECONNRESET" (reset), "timeout", "stopped", or libcurl's message
-- (connection refused, ...).  What arrived before stays in r.
local core = require("openrouter.core")

local M = {}

local concat = table.concat

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

local function header_lines(h, body)
  local out, has = {}, {}
  local function add(k, v)
    has[k:lower()] = true
    if v ~= false then out[#out + 1] = k .. ": " .. v end
  end
  if h[1] then
    for _, kv in ipairs(h) do add(kv[1], kv[2]) end
  else
    local keys = {}
    for k in pairs(h) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do add(k, h[k]) end
  end
  if body and not has["content-type"] then out[#out + 1] = "Content-Type: application/json" end
  return out
end

-- libcurl's failure, in the words of the specs.
local function name_error(kind, message, which)
  if kind == "timeout" then return "timeout" end
  if kind == "network" then
    if which == "Transferred a partial file" then return "eof" end
    if (message or ""):find("reset by peer", 1, true) then return "ECONNRESET" end
  end
  return message or kind
end

local Session = {}
Session.__index = Session

--- A session on one multi handle (libcurl reuses its connections).
function M.session(url)
  return setmetatable({ url = url, multi = core.multi_new() }, Session)
end

--- Starts a request; returns a handle for finish.
function Session:start(opts)
  opts = opts or {}
  local url = self.url .. (opts.path or "")
  if opts.raw_path then url = self.url:match("^(%a+://[^/]+)") .. opts.raw_path end
  local req = self.multi:request{
    url = url, method = opts.method, body = opts.body, stream = opts.stream or false,
    headers = header_lines(opts.headers or {}, opts.body),
    total_timeout = opts.timeout or 10, max_body = opts.max_body,
  }
  return { req = req, opts = opts, t0 = core.now() }
end

--- Drives every request of the session until cond() holds or `seconds`
-- pass; returns cond().
function Session:run(cond, seconds)
  local deadline = core.now() + (seconds or 10)
  while not cond() and core.now() < deadline do self.multi:wait(0.05) end
  return cond()
end

--- Drives the session until h's request has ended; returns its result.
function Session:finish(h)
  local req, opts = h.req, h.opts
  local r = { headers = {}, complete = false, sse_events = not opts.on_events and {} or nil }
  local seen, stopped = 0, false
  while true do
    local done = req:outcome() ~= nil
    if opts.stream then
      local evs = {}
      local n = req:events(evs, true)
      if n > 0 then
        for i = #evs, n + 1, -1 do evs[i] = nil end
        if opts.on_events then
          opts.on_events(evs, r)
        else
          for _, ev in ipairs(evs) do r.sse_events[#r.sse_events + 1] = ev end
        end
      end
    end
    if opts.on_progress then
      local bytes = req:info().bytes
      if bytes > seen then
        seen = bytes
        r.headers = req:headers()
        if opts.on_progress(bytes, r) == false then
          req:cancel()
          stopped = true
          break
        end
      end
    end
    if done then break end
    self.multi:wait(1)
  end
  r.elapsed_ms = (core.now() - h.t0) * 1000
  local out = req:outcome()
  local ok, kind, message, which = out.kind == nil, out.kind, out.message, out.which
  local info = req:info()
  r.status = req:status()
  r.headers = req:headers()
  r.body = req:body()
  r.body_bytes = math.floor(info.bytes)
  r.new_connections = info.new_connections
  r.chunked = (r.headers["transfer-encoding"] or ""):lower():find("chunked", 1, true) ~= nil
  if stopped then
    r.error = "stopped"
  elseif ok then
    r.complete = true
  else
    r.kind, r.message, r.error = kind, message, name_error(kind, message, which)
  end
  if not opts.stream and opts.events ~= false
    and (r.headers["content-type"] or ""):find("text/event-stream", 1, true) then
    r.events = M.parse_sse(r.body)
  end
  req:close()
  return r
end

--- Sends a request and waits for its response (start + finish).
function Session:request(opts)
  return self:finish(self:start(opts))
end

--- Ends every request of the session and closes its connections.
function Session:close()
  self.multi:close()
end

--- One request on a session of its own (a fresh connection, closed after).
function M.request(url, opts)
  local s = M.session(url)
  local r = s:request(opts)
  s:close()
  return r
end

return M
