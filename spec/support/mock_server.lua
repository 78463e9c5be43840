--- Starts and stops the bundled OpenRouter simulator for specs.
--
--   local mock = require("support.mock_server")   -- LUA_PATH has spec/?.lua
--   local srv = mock.start()        -- raises if it is not up within 5 s
--   srv.url   --> "http://127.0.0.1:PORT/api/v1"
--   srv.pid   --> process id of the simulator
--   srv.stop()                      -- SIGTERM, then waits for it to exit
--
--   mock.start{ args = { "--verbose" }, env = { OPENROUTER_MOCK_LUA = "luajit" },
--               timeout = 5, quiet = true }   -- quiet: its stderr to /dev/null
--   local srv = mock.shared()       -- one simulator for the whole run
--
-- Plain Lua only (no luv needed here): the simulator runs as a separate
-- process, started through io.popen.  It prints one line on stdout and
-- nothing else, so the pipe never fills.  It also exits by itself when this
-- process goes away (--exit-with-parent), and a finalizer stops a server a
-- spec forgot to stop when Lua closes.
-- OPENROUTER_MOCK_VERBOSE=1 in the environment adds --verbose (request log
-- on stderr).
local M = {}

M.timeout = 5

local function here()
  local src = debug.getinfo(1, "S").source
  local path = src:sub(1, 1) == "@" and src:sub(2) or "spec/support/mock_server.lua"
  if path:sub(1, 1) ~= "/" then
    local pwd = os.getenv("PWD")
    if pwd then path = pwd .. "/" .. path end
  end
  return path:match("^(.*)/[^/]*$") or "."
end

--- The repository root and the simulator's launcher.
M.root = here() .. "/../.."
M.bin = M.root .. "/mock/bin/openrouter-mock"

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function sh(cmd)
  local a, _, c = os.execute(cmd)
  return a == true or a == 0 or c == 0
end

-- A value whose finalizer runs when Lua closes (or the server is dropped).
local function guard(fn)
  local newproxy = rawget(_G, "newproxy")
  if newproxy then  -- Lua 5.1, LuaJIT: only userdata have __gc
    local p = newproxy(true)
    getmetatable(p).__gc = function() fn() end
    return p
  end
  return setmetatable({}, { __gc = function() fn() end })
end

--- Starts a simulator on a free port.  Returns { url, pid, port, stop }.
function M.start(opts)
  opts = opts or {}
  local timeout = opts.timeout or M.timeout
  local env = {}
  for k, v in pairs(opts.env or {}) do env[#env + 1] = k .. "=" .. quote(v) end
  local args = { "--port", "0", "--exit-with-parent" }
  if os.getenv("OPENROUTER_MOCK_VERBOSE") == "1" then args[#args + 1] = "--verbose" end
  for _, a in ipairs(opts.args or {}) do args[#args + 1] = quote(a) end
  -- The shell prints "WATCHDOG_PID PID" and becomes the simulator (exec
  -- keeps the pid); the watchdog kills it if it never says it listens.
  local cmd = table.concat({
    "(i=0; while [ $i -lt ", timeout * 10, " ]; do sleep 0.1; i=$((i+1)); done; kill -TERM $$)",
    " </dev/null >/dev/null 2>&1 & ",
    "echo \"$! $$\"; exec ",
    -- the simulator is not under test: keep a sanitizer preload off it
    "env -u LD_PRELOAD ", table.concat(env, " "), " ",
    quote(M.bin), " ", table.concat(args, " "), " </dev/null",
    opts.quiet and " 2>/dev/null" or "",
  })
  local f = assert(io.popen(cmd, "r"))
  local ids = f:read("*l") or ""
  local watchdog, pid = ids:match("^(%d+) (%d+)$")
  local line = f:read("*l")
  if watchdog then sh("kill " .. watchdog .. " 2>/dev/null") end
  local url = line and line:match("^listening (http://%S+)$")
  if not url then
    if pid then sh("kill -TERM " .. pid .. " 2>/dev/null") end
    f:close()
    error(("openrouter-mock did not come up within %d s (%s said %q; its stderr is above)")
      :format(timeout, M.bin, tostring(line)), 2)
  end
  pid = tonumber(pid)

  local srv = { url = url, pid = pid, port = tonumber(url:match(":(%d+)/")) }
  local stopped = false
  function srv.stop()
    if stopped then return end
    stopped = true
    -- SIGTERM, then wait (bounded) until it has exited, then reap it
    sh(("kill -TERM %d 2>/dev/null; i=0; while [ $i -lt 300 ] && kill -0 %d 2>/dev/null"
      .. " && ! grep -qs ') Z' /proc/%d/stat; do sleep 0.01; i=$((i+1)); done")
      :format(pid, pid, pid))
    f:close()
  end
  srv._guard = guard(srv.stop)
  return srv
end

local shared
--- One simulator shared by every spec of this process (started on first use).
function M.shared()
  if not shared then shared = M.start() end
  return shared
end

return M
