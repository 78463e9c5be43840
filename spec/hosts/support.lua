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

--- The load_module lines for the lua module (Debian), or "" (OpenResty).
function M.find_lua_module()
  for _, dir in ipairs{ "/usr/lib/nginx/modules", "/usr/share/nginx/modules", "/usr/lib64/nginx/modules" } do
    if io.open(dir .. "/ngx_http_lua_module.so") then
      local ndk = io.open(dir .. "/ndk_http_module.so") and ("load_module " .. dir .. "/ndk_http_module.so;\n") or ""
      return ndk .. "load_module " .. dir .. "/ngx_http_lua_module.so;"
    end
  end
  return ""   -- OpenResty: built in
end

--- Start nginx from `conf_text` (__PORT__, __ROOT__, __LOAD_MODULES__ filled
--- in) in a fresh prefix, under `timeout -k`; returns { port, pid, prefix, log(), stop() }.
function M.start_nginx(conf_text, env, extra_args)
  local prefix = M.tempdir()
  os.execute("mkdir -p " .. M.quote(prefix .. "/logs") .. " " .. M.quote(prefix .. "/tmp"))
  local port = M.free_port()
  conf_text = conf_text:gsub("__PORT__", tostring(port)):gsub("__ROOT__", M.root)
    :gsub("__LOAD_MODULES__", M.find_lua_module())
  M.write(prefix .. "/nginx.conf", conf_text)
  local cmd = ("%s timeout -k 5 300 nginx -p %s -c %s %s >%s 2>&1 </dev/null & echo $!"):format(
    M.env(env), M.quote(prefix .. "/"), M.quote(prefix .. "/nginx.conf"), extra_args or "",
    M.quote(prefix .. "/stderr"))
  local f = assert(io.popen(cmd))
  local watchdog = f:read("*l")
  f:close()
  local pid
  for _ = 1, 100 do             -- up within 5 s: a pid file and a listening port
    pid = tonumber(M.read(prefix .. "/logs/nginx.pid") or "")
    if pid and M.can_connect(port) then break end
    os.execute("sleep 0.05")
  end
  local n = { port = port, pid = pid, prefix = prefix }
  function n.log()
    return (M.read(prefix .. "/stderr") or "") .. (M.read(prefix .. "/logs/error.log") or "")
  end
  function n.stop()
    if pid then os.execute(("kill -TERM %d 2>/dev/null"):format(pid)) end
    os.execute(("i=0; while [ $i -lt 100 ] && kill -0 %s 2>/dev/null; do sleep 0.05; i=$((i+1)); done; "
      .. "kill -KILL %s 2>/dev/null"):format(watchdog, watchdog))
  end
  assert(pid, "nginx did not start:\n" .. n.log())
  return n
end

------------------------------------------------------------ luv clients
local uv = require("luv")

--- A raw HTTP/1.1 GET on a fresh connection.  on_read(bytes, t_ms) per
-- read; on_done(all_bytes) at EOF.  Returns a function that closes it.
function M.http_get(port, path, on_read, on_done)
  local tcp = uv.new_tcp()
  local parts = {}
  local closed = false
  local function close()
    if closed then return end
    closed = true
    tcp:read_stop()
    tcp:close()
  end
  tcp:connect("127.0.0.1", port, function(err)
    if err then close(); return on_done(nil, err) end
    tcp:write("GET " .. path .. " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    tcp:read_start(function(rerr, data)
      if data then
        parts[#parts + 1] = data
        if on_read then on_read(data, (uv.hrtime() / 1e6)) end
      else
        close()
        on_done(table.concat(parts), rerr)
      end
    end)
  end)
  return close
end

--- Run the luv loop until done() or `seconds` pass.
function M.run_until(done, seconds)
  local t = uv.new_timer()
  local deadline = (uv.hrtime() / 1e6) + seconds * 1000
  t:start(5, 5, function()
    if done() or (uv.hrtime() / 1e6) > deadline then t:stop(); uv.stop() end
  end)
  uv.run()
  if not t:is_closing() then t:close() end
  uv.run("nowait")
  assert(done(), "timed out after " .. seconds .. " s")
end

--- The body of a chunked response, de-chunked.
function M.dechunk(raw)
  local head, body = raw:match("^(.-\r\n\r\n)(.*)$")
  if not head then return raw end
  if not head:lower():find("transfer%-encoding: chunked") then return body end
  local out, pos = {}, 1
  while true do
    local size, p = body:match("^(%x+)[^\r\n]*\r\n()", pos)
    if not size then break end
    size = tonumber(size, 16)
    if size == 0 then break end
    out[#out + 1] = body:sub(p, p + size - 1)
    pos = p + size + 2
  end
  return table.concat(out)
end

M.mock = mock
return M
