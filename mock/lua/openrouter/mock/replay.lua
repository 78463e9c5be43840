--- The X-Mock-Replay header: answer with a recorded response, as written.
--
-- Only when the simulator was started with a replay directory
-- (--replay-dir DIR, or start{ replay_dir = DIR }).  The header names a
-- file in it: a plain name (letters, digits, "_", "-", "."; no path, no
-- leading dot).  The file holds one response: a status line
-- ("HTTP/1.1 200 OK"), header lines, an empty line (LF or CRLF line ends),
-- then the body.  The simulator sends that status and those headers (its
-- own framing replaces any recorded Content-Length, Transfer-Encoding or
-- Connection), then the body byte for byte with chunked encoding, and ends
-- it cleanly: a body that stops inside an event reaches the client as a
-- clean end with an incomplete event.
local M = {}

local FRAMING = { ["content-length"] = true, ["transfer-encoding"] = true, connection = true }

--- Parses a recorded response.  Returns status, headers ({name, value}
--- pairs), body; or nil and a message.
function M.parse(text)
  local head_end, body_start = text:find("\r?\n\r?\n")
  if not head_end then return nil, "no empty line after the headers" end
  local head, body = text:sub(1, head_end - 1), text:sub(body_start + 1)
  local status, headers, first = nil, {}, true
  for line in (head .. "\n"):gmatch("(.-)\r?\n") do
    if first then
      status = tonumber(line:match("^HTTP/[%d.]+ (%d%d%d)"))
      if not status then return nil, "bad status line: " .. line end
      first = false
    else
      local name, value = line:match("^([%w%-]+):[ \t]*(.-)[ \t]*$")
      if not name then return nil, "bad header line: " .. line end
      if not FRAMING[name:lower()] then headers[#headers + 1] = { name, value } end
    end
  end
  return status, headers, body
end

--- Answers `res` with the recording `name` from `dir`; errors (no
--- directory, a bad name, a missing or malformed file) are answered with
--- `send_error(res, code, message)`.
function M.serve(dir, name, res, send_error)
  if not dir then
    return send_error(res, 400, "X-Mock-Replay needs the simulator started with --replay-dir")
  end
  if not name:match("^[%w_%-][%w_.%-]*$") then
    return send_error(res, 400, "X-Mock-Replay: not a plain file name: " .. name)
  end
  local f = io.open(dir .. "/" .. name, "rb")
  if not f then return send_error(res, 404, "X-Mock-Replay: no recording " .. name) end
  local text = f:read("*a")
  f:close()
  local status, headers, body = M.parse(text)
  if not status then   -- headers is the reason
    return send_error(res, 500, "X-Mock-Replay: " .. name .. ": " .. headers)
  end
  res:start(status, headers)
  res:chunk(body)
  res:finish()
end

return M
