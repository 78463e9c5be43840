--- The X-Mock-Fault header: which failure to simulate for one request.
--
-- Items are separated by ";" (or ","), each `name` or `name=value`:
--   status=CODE          answer CODE with OpenRouter's error body
--   retry_after=S        with status: a Retry-After: S header (+ metadata)
--   midstream_error[=C]  HTTP 200, a few chunks, then an error chunk
--                        (error.code C: 502 by default; a non-number is
--                        sent as a string, e.g. midstream_error=server_error)
--   response_failed      (POST /responses) HTTP 200, a few events, then a
--                        response.failed event (midstream_error sends an
--                        `error` event before it)
--   no_done              a few chunks, then a clean end: no finish, no [DONE]
--   reset_after_bytes=N  TCP reset after N bytes of the response body
--   stall_ms=N           N ms of silence after a few chunks, then the rest
--   garbage[=binary]     HTTP 200 whose body is an HTML page (or binary junk)
--   bad_json             one data: event that is not JSON
--   huge_event=BYTES     one data: event whose value is BYTES bytes long
--   times=N              the fault applies to the first N requests of one
--                        scenario, later ones are served normally.  The
--                        scenario is the X-Mock-Scenario header when sent
--                        (so "fail twice, then succeed" is testable), else
--                        this exact header value (key=anything makes it unique)
local M = {}

local counters, ncounters = {}, 0

--- Parses a header value; returns a table (empty when there is no fault).
-- Unknown items are kept as given, so `key=...` works as a discriminator.
-- `scenario` (the X-Mock-Scenario header) names the times= counter.
function M.parse(value, scenario)
  local f = {}
  if type(value) ~= "string" or value == "" then return f end
  for item in value:gmatch("[^;,]+") do
    local k, v = item:match("^%s*([%w_%-]+)%s*=%s*(.-)%s*$")
    if not k then
      k = item:match("^%s*([%w_%-]+)%s*$")
      v = true
    end
    if k then
      k = k:lower():gsub("%-", "_")
      f[k] = v
    end
  end
  f.raw = value
  -- numbers where numbers are meant
  for _, k in ipairs({ "status", "retry_after", "reset_after_bytes", "stall_ms", "huge_event", "times" }) do
    if f[k] ~= nil then
      local n = tonumber(f[k])
      f[k] = n and n >= 0 and math.floor(n) or nil
    end
  end
  if f.times then
    local id = (type(scenario) == "string" and scenario ~= "") and ("scenario:" .. scenario) or value
    if counters[id] == nil then
      ncounters = ncounters + 1
      if ncounters > 100000 then counters, ncounters = {}, 1 end  -- bounded
    end
    local n = (counters[id] or 0) + 1
    counters[id] = n
    if n > f.times then return { raw = value, spent = true } end
  end
  return f
end

--- True when the table holds any fault to apply.
function M.any(f)
  return next(f) ~= nil and not f.spent and (f.status or f.midstream_error or f.response_failed or f.no_done
    or f.reset_after_bytes or f.stall_ms or f.garbage or f.bad_json or f.huge_event) and true or false
end

--- A deterministic block of binary junk (NULs, invalid UTF-8, stray CR/LF).
function M.junk(n)
  local out, x = {}, 12345
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    out[i] = string.char(math.floor(x / 65536) % 256)
  end
  return table.concat(out)
end

M.html = table.concat({
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n",
  "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n",
  "<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
})

--- Forgets the times= counters (for tests that reuse header values).
function M.reset_counters()
  counters, ncounters = {}, 0
end

return M
