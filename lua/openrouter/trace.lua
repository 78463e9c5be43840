--- The debug trace: `openrouter.new{ debug = true }` (or OPENROUTER_DEBUG=1)
-- writes the request line and headers, the status, every SSE event and the
-- timings (DNS, connect, TLS, first byte, total) to stderr; `debug` may
-- also be a function(line).  The API key is replaced by [REDACTED] in every
-- line, wherever it appears.
--
--   local tr = trace.new(opts.debug, api_key)   -- nil when tracing is off
--   tr:request(method, url, headers, body, stream); tr:event(ev); tr:done(req, err)

local M = {}

-- The key each tracer scrubs, kept off the tracer so that no table
-- reachable from a client holds it.
local keys = setmetatable({}, { __mode = "k" })

---@class openrouter.Tracer
local Tracer = {}
Tracer.__index = Tracer

local PREVIEW = 300

--- A sink for the `debug` option, or nil when tracing is off.
function M.sink(opt)
  if opt == nil then
    local env = os.getenv("OPENROUTER_DEBUG")
    if env ~= nil and env ~= "" and env ~= "0" then opt = true end
  end
  if type(opt) == "function" then return opt end
  if opt == true then
    return function(line) io.stderr:write(line, "\n") end
  end
  return nil
end

local function scrub(s, key)
  s = tostring(s)
  if key and #key >= 4 then
    local i = 1
    while true do
      local a, b = s:find(key, i, true)
      if not a then break end
      s = s:sub(1, a - 1) .. "[REDACTED]" .. s:sub(b + 1)
      i = a + #"[REDACTED]"
    end
  end
  return s
end
M.scrub = scrub

--- A tracer for the `debug` option (see M.sink), or nil when tracing is off.
---@param opt boolean|function|nil
---@param key string|nil   the API key, redacted wherever it appears
---@return openrouter.Tracer|nil
function M.new(opt, key)
  local sink = M.sink(opt)
  if not sink then return nil end
  local tr = setmetatable({ sink = sink }, Tracer)
  keys[tr] = key
  return tr
end

local function emit(tr, fmt, ...)
  tr.sink(scrub("openrouter: " .. fmt:format(...), keys[tr]))
end

--- Before sending: the request line, headers and body size.
function Tracer:request(method, url, headers, body, stream)
  emit(self, "> %s %s%s", method, url, stream and " (stream)" or "")
  for _, h in ipairs(headers) do
    if h:sub(1, 14):lower() == "authorization:" then h = "Authorization: Bearer [REDACTED]" end
    emit(self, "> %s", h)
  end
  if body then emit(self, "> body: %d bytes", #body) end
end

local function preview(s)
  if #s > PREVIEW then return s:sub(1, PREVIEW) .. "...(" .. #s .. " bytes)" end
  return s
end

--- Each SSE event ({ type=, data=, id= }) as it is taken from the queue.
function Tracer:event(ev)
  emit(self, "< event %s: %s", ev.type, preview(ev.data:gsub("\n", "\\n")))
end

local function ms(v) return v and ("%.1f ms"):format(v * 1000) or "-" end

--- The response's status line, once per request: a stream's before its
--- first event, any other request's when it is over.
function Tracer:head(req)
  if self._headed == req then return end
  self._headed = req
  local info = req:info()
  local id = req:headers()["x-generation-id"]
  emit(self, "< HTTP %d (HTTP/%s)%s", req:status(), tostring(info.http_version or "?"), id and (" " .. id) or "")
end

--- When the request is over: status (unless shown), timings, volume, and
--- the error if any.
function Tracer:done(req, err)
  self:head(req)
  local info = req:info()
  emit(self, "= dns %s, connect %s, tls %s, first byte %s, total %s; %d bytes, %d keep-alives",
       ms(info.dns), ms(info.connect), ms(info.tls), ms(info.first_byte), ms(info.elapsed),
       info.bytes or 0, info.comments or 0)
  if err then emit(self, "! %s", tostring(err)) end
end

return M
