--- Error objects from HTTP responses and transfers: the one place that
-- turns what came back (a failed transfer, a non-2xx status, OpenRouter's
-- error body, a body that is not JSON, a stream that is not SSE or ends
-- early, a bad or erroring chunk) into openrouter.errors objects.
--
-- `req` is a core request (openrouter.core multi:request); `out` is its
-- req:outcome(), the table read once at the end of a transfer.  Functions
-- for the middle of a stream take `req` alone.

local errors = require("openrouter.errors")
local json = require("openrouter.json")

local null = json.null

local M = {}

--- Printable preview of bytes from the server: at most `n` (160) bytes,
--- control bytes escaped, quoted, "..." when cut.
---@param s string
---@param n integer|nil
---@return string
function M.preview(s, n)
  n = n or 160
  local cut = #s > n
  s = s:sub(1, n):gsub("[%z\1-\8\11-\31\127]", function(c)
    return string.format("\\x%02x", c:byte())
  end):gsub("\n", "\\n"):gsub("\r", "\\r")
  return "'" .. s .. (cut and "...'" or "'")
end

local function http_date_delay(s)
  local months = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                   Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }
  local d, mon, y, hh, mm, ss = s:match("%a+, (%d+) (%a+) (%d+) (%d+):(%d+):(%d+) GMT")
  if not d or not months[mon] then return nil end
  local t = { year = tonumber(y), month = months[mon], day = tonumber(d),
              hour = tonumber(hh), min = tonumber(mm), sec = tonumber(ss), isdst = false }
  -- os.time reads local time; correct by the zone offset of that moment
  local now = os.time()
  local offset = os.difftime(now, os.time(os.date("!*t", now)))
  local delay = os.difftime(os.time(t) + offset, now)
  return delay > 0 and delay or 0
end

--- The server's retry hint in seconds: retry-after-ms, Retry-After
--- (seconds or an HTTP date), then error.availability.retry_after.
---@param headers table   lower-cased names
---@param err_body table|nil   the "error" object of the body
---@return number|nil
function M.retry_hint(headers, err_body)
  local ms = tonumber(headers["retry-after-ms"] or "")
  if ms then return ms / 1000 end
  local ra = headers["retry-after"]
  if ra then
    local s = tonumber(ra)
    if s then return s end
    local d = http_date_delay(ra)
    if d then return d end
  end
  if type(err_body) == "table" then
    local av = err_body.availability or (type(err_body.metadata) == "table" and err_body.metadata.availability)
    if type(av) == "table" and type(av.retry_after) == "number" then return av.retry_after end
  end
  return nil
end

--- Fill request_id (X-Generation-Id) and status from the response where
--- the fields `e` lack them; returns `e`.  Without `out` they are read
--- from `req` (the middle of a stream).
---@param e table
---@param req userdata
---@param out table|nil
---@return table
function M.decorate(e, req, out)
  if out then
    if e.request_id == nil then e.request_id = out.request_id end
    if e.status == nil and out.status > 0 then e.status = out.status end
    return e
  end
  if e.request_id == nil then e.request_id = req:headers()["x-generation-id"] end
  if e.status == nil then
    local st = req:status()
    if st > 0 then e.status = st end
  end
  return e
end

-- An integral code or status is an integer, as OpenRouter sends it (the
-- decoder keeps integers; a float from elsewhere, 400.0, becomes one too).
local tointeger = rawget(math, "tointeger")   -- 5.3+
local function integral(v)
  if tointeger and type(v) == "number" then return tointeger(v) or v end
  return v
end

local function new(e, req, out)
  e = M.decorate(e, req, out)
  e.code, e.status = integral(e.code), integral(e.status)
  return errors.new(e)
end

-- OpenRouter's {"error":{"code","message","metadata"}} into e.
local function error_body(e, eb, doc, fallback)
  e.code = eb.code ~= null and eb.code or nil
  e.message = type(eb.message) == "string" and eb.message or fallback
  e.metadata = type(eb.metadata) == "table" and eb.metadata or nil
  if e.request_id == nil and type(doc.id) == "string" then e.request_id = doc.id end
end

--- The transfer failed (network, timeout, cancelled, a limit): its error,
--- else nil.
---@return openrouter.Error|nil
function M.transport(req, out)
  local kind = out.kind
  if kind == nil then return nil end
  if kind == "cancelled" then
    local reason = out.message ~= "cancelled" and out.message or nil
    return errors.cancelled("request", reason, M.decorate({}, req, out))
  end
  if kind == "url" then
    -- a malformed URL or an unsupported scheme: nothing was sent, and
    -- trying again cannot help
    return new({ kind = "validation", message = "invalid URL: " .. out.message, code = out.which,
                 errors = { { path = "url", message = out.message } }, retryable = false }, req, out)
  end
  -- `which` names the timeout or the limit that fired; for a network
  -- error it is libcurl's reason (or EMFILE: out of file descriptors),
  -- kept as the code
  local e = { kind = kind, message = out.message }
  if kind == "network" then e.code = out.which else e.which = out.which end
  if out.permanent then e.retryable = false end
  return new(e, req, out)
end

--- An error for a non-2xx response, from OpenRouter's error body.
---@return openrouter.Error
function M.http(req, out)
  local status = out.status
  local body = req:body()
  local doc = json.decode(body)
  local e = { kind = "http", status = status, body = body }
  local eb = type(doc) == "table" and type(doc.error) == "table" and doc.error or nil
  if eb then
    error_body(e, eb, doc, "HTTP " .. status)
    local av = eb.availability or (e.metadata and e.metadata.availability)
    if type(av) == "table" and av.retryable == false then e.retryable = false end
  elseif body ~= "" then
    e.message = "HTTP " .. status .. ": " .. M.preview(body)
  else
    e.message = "HTTP " .. status
  end
  e.retry_after = M.retry_hint(req:headers(), eb)
  return new(e, req, out)
end

--- The end of any transfer: its error when it failed or the status is not
--- 2xx, else nil.
---@return openrouter.Error|nil
function M.response(req, out)
  local e = M.transport(req, out)
  if e then return e end
  if out.status < 200 or out.status >= 300 then return M.http(req, out) end
  return nil
end

--- A 2xx body that is not a JSON object.
function M.not_json(req, out, raw)
  return new({ kind = "protocol", message = "response is not JSON: " .. M.preview(raw), body = raw }, req, out)
end

--- A 2xx JSON body that carries {"error":...} (`doc`, decoded from `raw`).
function M.api(req, out, doc, raw)
  local e = { kind = "api", body = raw }
  error_body(e, doc.error, doc, "error in response")
  return new(e, req, out)
end

--- The end of a streaming transfer: its error, else nil.  `done`: the
--- stream's end marker arrived ([DONE]; for the Responses API,
--- response.completed); `decoded`: items that were decoded; `finished`: a
--- choice carried a finish reason; `expected` (optional): what an
--- incomplete stream lacks, for the message.  Complete: `done`, or a clean
--- end (no incomplete event discarded) after a finish reason.
---@return openrouter.Error|nil
function M.stream_end(req, out, done, decoded, finished, expected)
  local e = M.response(req, out)
  if e then return e end
  if out.mode ~= "sse" then
    return new({
      kind = "protocol",
      message = "expected text/event-stream, got " .. (out.content_type or "no content type") .. ": "
        .. M.preview(req:head()),
      body = req:body(),
    }, req, out)
  end
  if done or (finished and out.clean) then return nil end
  if finished then
    return new({ kind = "protocol", message = "stream ended inside an event after the finish reason"
      .. " (the incomplete event was discarded; it may have held the usage)" }, req, out)
  end
  local why = "stream ended without " .. (expected or "[DONE] or a finish reason")
  if not out.clean then why = why .. " (an incomplete event was discarded)" end
  if decoded == 0 and out.bytes > 0 then why = why .. "; received: " .. M.preview(req:head()) end
  return new({ kind = "protocol", message = why }, req, out)
end

--- A data event of a stream that is not a JSON object.
function M.bad_event(req, data)
  return new({
    kind = "protocol", message = "a data event is not a JSON object: " .. M.preview(data), body = data,
  }, req)
end

--- A chunk of a stream that carries {"error":...}: the stream ends with it.
function M.chunk_error(req, chunk)
  local err = chunk.error
  return new({
    kind = "api",
    status = req:status(),
    code = err.code ~= null and err.code or nil,
    message = type(err.message) == "string" and err.message or "error in stream",
    metadata = type(err.metadata) == "table" and err.metadata or nil,
    retryable = false,
    chunk = chunk,
  }, req)
end

return M
