--- Helpers for the host specs (spec/hosts/*_host.lua): run a real host
-- (nvim, nginx, love, lua5.4 + luv) under a hard timeout, hand it the
-- simulator's URL through the environment, and read back the JSON it
-- writes.  Run by `make test-hosts` (mk/hosts.mk) with lua5.4 + busted.
local cjson = require("cjson")
local mock = require("support.mock_server")

local M = {}

M.root = (function()
  local r = mock.root:gsub("/spec/support/%.%./%.%.$", "")
  return r
end)()

function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function exec(cmd)
  local a, _, c = os.execute(cmd)
  if type(a) == "number" then return a == 0, a end   -- Lua 5.1
  return a == true, c
end

--- A fresh temporary directory (removed by M.cleanup()).
local temps = {}
function M.tempdir()
  local f = assert(io.popen("mktemp -d /tmp/openrouter-host.XXXXXX"))
  local d = f:read("*l")
  f:close()
  temps[#temps + 1] = d
  return d
end

function M.cleanup()
  for _, d in ipairs(temps) do exec("rm -rf " .. M.quote(d)) end
  temps = {}
end

--- Environment assignments for a shell command.
function M.env(tbl)
  local parts = {}
  for k, v in pairs(tbl) do parts[#parts + 1] = k .. "=" .. M.quote(v) end
  table.sort(parts)
  return table.concat(parts, " ")
end

--- Run a shell command under `timeout` (SIGTERM, then SIGKILL 5 s later).
--- Returns ok, exit code, and the combined output.
function M.run(cmd, seconds)
  local out = os.tmpname()
  local ok, code = exec(("timeout -k 5 %d sh -c %s >%s 2>&1 </dev/null"):format(
    seconds, M.quote(cmd), M.quote(out)))
  local f = io.open(out)
  local text = f and f:read("*a") or ""
  if f then f:close() end
  os.remove(out)
  return ok, code, text
end

function M.read_json(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  local ok, v = pcall(cjson.decode, s)
  return ok and v or nil
end

function M.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function M.read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

--- A loopback TCP port that was free a moment ago.
function M.free_port()
  local uv = require("luv")
  local s = uv.new_tcp()
  assert(s:bind("127.0.0.1", 0))
  local port = s:getsockname().port
  s:close()
  uv.run("nowait")
  return port
end

--- Does something accept connections on this loopback port?
function M.can_connect(port)
  local uv = require("luv")
  local tcp, result = uv.new_tcp(), nil
  tcp:connect("127.0.0.1", port, function(err) result = not err end)
  local t = uv.new_timer()
  t:start(1000, 0, function() result = result or false end)
  while result == nil do uv.run("once") end
  t:close()
  tcp:close()
  uv.run("nowait")
  return result
end

function M.have(cmd)
  return (exec("command -v " .. cmd .. " >/dev/null 2>&1"))
end

--- Percentile (0..100) of an array of numbers.
function M.percentile(list, p)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  if #t == 0 then return 0 end
  local i = math.max(1, math.min(#t, math.ceil(#t * p / 100)))
  return t[i]
end

--- Say a measured number on the test output (collected into the closing note).
function M.note(fmt, ...)
  io.stderr:write("   [host] ", fmt:format(...), "\n")
end

M.mock = mock
return M
