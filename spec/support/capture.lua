--- A server that records what came over the wire: each request's head
-- (request line and header lines) exactly as the client sent it, so a
-- spec can count header lines.  It answers every request with 200 and the
-- JSON body `{}`.  It runs as a child process (on luv), so a blocking
-- client in the spec's process can talk to it.
--
--   local capture = require("support.capture")
--   local srv = capture.start()     -- srv.url = "http://127.0.0.1:PORT/api/v1"
--   client:chat(req)                -- any request
--   local head = srv.next()         -- "POST /api/v1/chat/completions HTTP/1.1\r\nHost: ..."
--   capture.lines(head, "x-title")  -- every X-Title line, as sent
--   srv.stop()
local M = {}

local SERVER = [[
local uv = require("luv")
local server = uv.new_tcp()
assert(server:bind("127.0.0.1", 0))
assert(server:listen(16, function()
  local c = uv.new_tcp()
  server:accept(c)
  local buf = ""
  c:read_start(function(err, data)
    if err or not data then c:close(); return end
    buf = buf .. data
    while true do
      local e = buf:find("\r\n\r\n", 1, true)
      if not e then return end
      local head = buf:sub(1, e + 1)
      local len = tonumber(head:lower():match("\r\ncontent%-length: *(%d+)")) or 0
      if #buf < e + 3 + len then return end
      buf = buf:sub(e + 4 + len)
      io.stdout:write(#head, "\n", head)
      io.stdout:flush()
      c:write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    end
  end)
end))
io.stdout:write(server:getsockname().port, "\n")   -- listening: connections queue
io.stdout:flush()
uv.run()
]]

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- Start the server.  Returns { url, next, stop }.
function M.start()
  local v = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
  local lua = v == "jit" and "luajit" or ("lua" .. v)
  -- the shell prints its pid, then becomes the server (exec keeps the pid)
  local f = assert(io.popen(("echo $$; exec env -u LD_PRELOAD %s -e %s </dev/null"):format(lua, quote(SERVER)), "r"))
  local pid = assert(tonumber(f:read("*l")))
  local port = assert(tonumber(f:read("*l")), "the capture server did not start")
  local srv = { url = ("http://127.0.0.1:%d/api/v1"):format(port) }
  --- The head of the next request (blocks until one has come).
  function srv.next()
    local n = assert(tonumber(f:read("*l")), "the capture server stopped")
    return f:read(n)
  end
  function srv.stop()
    os.execute(("kill -TERM %d 2>/dev/null"):format(pid))
    f:close()
  end
  return srv
end

--- The values of every header line named `name` (any case) in `head`.
---@param head string
---@param name string
---@return string[]
function M.lines(head, name)
  local out = {}
  for line in head:gmatch("([^\r\n]+)") do
    local n, value = line:match("^([^:]+):%s*(.-)%s*$")
    if n and n:lower() == name:lower() then out[#out + 1] = value end
  end
  return out
end

return M
