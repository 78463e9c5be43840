--- The driver's side of the OpenResty relay benchmark (lua5.4 + luv): nginx
-- in a temporary prefix, a timestamping tap between nginx and the
-- simulator, the downstream readers, the /ping probe, the worker's CPU.
--
-- Added latency per delta: the simulator cannot stamp a send time into
-- its events, and pacing (10 ms + timer slack, drifting) is no clock to
-- measure against.  So the relays reach the simulator through a tap in
-- this process: a TCP forwarder that stamps, on one monotonic clock, the
-- moment each upstream content delta passed through it (then forwards it
-- at once), keyed by the X-Bench-Id header the relay sent and the delta's
-- index.  The downstream reader, on the same clock in the same loop,
-- stamps the moment the relay delivered delta k of stream ID.  The
-- difference is the time the relay held the delta (plus two loopback
-- hops, the same for both relays).
local uv = require("luv")
local B = require("benchlib")

local M = {}

local function now_ms() return uv.hrtime() / 1e6 end

---------------------------------------------------------------- nginx

local function find_lua_module()
  for _, dir in ipairs{ "/usr/lib/nginx/modules", "/usr/share/nginx/modules", "/usr/lib64/nginx/modules" } do
    if io.open(dir .. "/ngx_http_lua_module.so") then
      local ndk = io.open(dir .. "/ndk_http_module.so") and ("load_module " .. dir .. "/ndk_http_module.so;\n") or ""
      return ndk .. "load_module " .. dir .. "/ngx_http_lua_module.so;"
    end
  end
  return ""   -- OpenResty: built in
end

local function free_port()
  local s = uv.new_tcp()
  assert(s:bind("127.0.0.1", 0))
  local port = s:getsockname().port
  s:close()
  uv.run("nowait")
  return port
end

local function can_connect(port)
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

--- nginx from bench/relay/nginx.conf; returns { port, pid, prefix, log(), stop() }.
function M.start_nginx(root, upstream_url)
  local prefix = B.capture("mktemp -d /tmp/openrouter-bench.XXXXXX")
  B.sh("mkdir -p " .. B.quote(prefix .. "/logs") .. " " .. B.quote(prefix .. "/tmp"))
  local port = free_port()
  local conf = assert(B.read(root .. "/bench/relay/nginx.conf"))
    :gsub("__PORT__", tostring(port)):gsub("__ROOT__", root):gsub("__LOAD_MODULES__", find_lua_module())
  B.write(prefix .. "/nginx.conf", conf)
  local f = assert(io.popen(("UPSTREAM_URL=%s timeout -k 5 1800 nginx -p %s -c %s >%s 2>&1 </dev/null & echo $!")
    :format(B.quote(upstream_url), B.quote(prefix .. "/"), B.quote(prefix .. "/nginx.conf"),
      B.quote(prefix .. "/stderr"))))
  local watchdog = f:read("*l")
  f:close()
  local pid
  for _ = 1, 100 do
    pid = tonumber(B.read(prefix .. "/logs/nginx.pid") or "")
    if pid and can_connect(port) then break end
    B.sh("sleep 0.05")
  end
  local n = { port = port, pid = pid, prefix = prefix }
  function n.log()
    return (B.read(prefix .. "/stderr") or "") .. (B.read(prefix .. "/logs/error.log") or "")
  end
  function n.stop()
    if pid then B.sh(("kill -TERM %d 2>/dev/null"):format(pid)) end
    B.sh(("i=0; while [ $i -lt 100 ] && kill -0 %s 2>/dev/null; do sleep 0.05; i=$((i+1)); done; "
      .. "kill -KILL %s 2>/dev/null; rm -rf %s"):format(watchdog, watchdog, B.quote(prefix)))
  end
  assert(pid, "nginx did not start:\n" .. n.log())
  return n
end

--- CPU seconds a process has used so far (bench/cputime.c: ns resolution).
function M.cpu_of(cputime, pid)
  return assert(tonumber(B.capture(B.quote(cputime) .. " pid " .. pid) or ""), "cannot read the CPU of " .. pid)
end

---------------------------------------------------------------- the tap

local PAT = '"content":"'

-- Count the upstream content deltas (non-empty "content") in a stream of
-- bytes that may split anywhere; stamp each with t.
local function scan(st, data, t)
  local s = st.carry .. data
  local pos = 1
  while true do
    local a, b = s:find(PAT, pos, true)
    if not a then break end
    if b == #s then pos = a; break end        -- the next byte has not come yet
    if s:byte(b + 1) ~= 34 then               -- not an empty string
      st.k = st.k + 1
      st.times[st.k] = t
    end
    pos = b + 1
  end
  st.carry = s:sub(math.max(pos, #s - #PAT + 1))
end

--- A forwarder on a free port to the simulator at host:port.  tap.stamps[id]
--- is the list of times (ms) at which upstream delta 1, 2, ... of the request
--- with X-Bench-Id: id passed.
function M.start_tap(host, port)
  local tap = { stamps = {}, conns = 0 }
  local server = uv.new_tcp()
  assert(server:bind("127.0.0.1", 0))
  tap.port = server:getsockname().port
  assert(server:listen(256, function(err)
    assert(not err, err)
    local down = uv.new_tcp()
    server:accept(down)
    local up = uv.new_tcp()
    tap.conns = tap.conns + 1
    local st = { carry = "", k = 0, times = {} }
    local head = ""
    local closed = false
    local function close()
      if closed then return end
      closed = true
      if not down:is_closing() then down:close() end
      if not up:is_closing() then up:close() end
    end
    up:connect(host, port, function(cerr)
      if cerr then return close() end
      up:read_start(function(rerr, data)
        if not data then return close() end
        local t = now_ms()
        down:write(data)
        scan(st, data, t)
        if rerr then close() end
      end)
      down:read_start(function(rerr, data)
        if not data then return close() end
        up:write(data)
        -- a new request head on this connection: whose deltas follow
        head = (head .. data):sub(-4096)
        local id = head:match("[Xx]%-[Bb]ench%-[Ii]d: *(%d+)\r\n")
        if id then
          st = { carry = "", k = 0, times = {} }
          tap.stamps[id] = st.times
          head = ""
        end
        if rerr then close() end
      end)
    end)
  end))
  function tap.close() server:close() end
  return tap
end

---------------------------------------------------------------- load

-- A raw HTTP/1.1 GET on a fresh connection (Connection: close).
-- on_read(bytes, t_ms) per read; on_done(all_bytes) at the end.
local function http_get(port, path, on_read, on_done)
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
        if on_read then on_read(data, now_ms()) end
        parts[#parts + 1] = data
      else
        close()
        on_done(table.concat(parts), rerr)
      end
    end)
  end)
end

-- Ping sequentially (a new connection each time), one every `every` ms,
-- while keep_going(rtts).  Returns the list of round trips (ms), filled as it goes.
function M.pinger(port, every, keep_going)
  local rtts = {}
  local t = uv.new_timer()
  local function one()
    if not keep_going(rtts) then t:close(); return end
    local t0 = now_ms()
    http_get(port, "/ping", nil, function(body)
      if body and body:find("pong", 1, true) then rtts[#rtts + 1] = now_ms() - t0 end
      t:start(every, 0, one)
    end)
  end
  one()
  return rtts
end

--- Run the luv loop until done() or `seconds` pass; false on timeout.
function M.run_until(done, seconds)
  local t = uv.new_timer()
  local deadline = now_ms() + seconds * 1000
  t:start(2, 2, function()
    if done() or now_ms() > deadline then t:stop(); uv.stop() end
  end)
  uv.run()
  if not t:is_closing() then t:close() end
  uv.run("nowait")
  return done()
end

--- Wait `ms` while the loop keeps running.
function M.sleep(ms)
  local until_t = now_ms() + ms
  M.run_until(function() return now_ms() >= until_t end, ms / 1000 + 5)
end

-- A downstream reader of one relayed stream: de-chunks the body and stamps
-- each complete event with the time of the read that completed it.
local function reader(port, path)
  local st = { raw = "", head = true, need = nil, events = "", k = 0, times = {}, done = false, finished = false }
  local function event(ev, t)
    if ev:sub(1, 6) == "data: " then
      st.k = st.k + 1
      st.times[st.k] = t
    elseif ev:sub(1, 11) == "event: done" then
      st.done = true
    elseif ev:sub(1, 12) == "event: error" then
      st.error = ev
    end
  end
  local function body(bytes, t)
    local s = st.events .. bytes
    local pos = 1
    while true do
      local a, b = s:find("\n\n", pos, true)
      if not a then break end
      event(s:sub(pos, a - 1), t)
      pos = b + 1
    end
    st.events = s:sub(pos)
  end
  http_get(port, path, function(data, t)
    local s = st.raw .. data
    local pos = 1
    if st.head then
      local e = s:find("\r\n\r\n", 1, true)
      if not e then st.raw = s; return end
      st.status = s:match("^HTTP/%d%.%d (%d+)")
      st.chunked = s:sub(1, e):lower():find("transfer%-encoding: chunked") ~= nil
      st.head, pos = false, e + 4
    end
    if not st.chunked then
      body(s:sub(pos), t)
      st.raw = ""
      return
    end
    while true do
      if not st.need then
        local a, b = s:find("\r\n", pos, true)
        if not a then break end
        st.need = tonumber(s:sub(pos, a - 1):match("^%x+") or "", 16) or 0
        pos = b + 1
        if st.need == 0 then st.need = nil; pos = #s + 1; break end
      end
      if #s - pos + 1 < st.need + 2 then break end
      body(s:sub(pos, pos + st.need - 1), t)
      pos = pos + st.need + 2
      st.need = nil
    end
    st.raw = s:sub(pos)
  end, function(_, err)
    st.finished, st.read_error = true, err
  end)
  return st
end

--- One measured load: `n` streams of `tokens` deltas `delay` ms apart
--- through `relay` ("client" | "cosocket"); with `ping`, /ping every 10 ms
--- meanwhile.  Returns { deltas, cpu (s, the pings' included), wall (s),
--- latencies (ms list), pings (ms list) } or raises when a stream went wrong.
function M.load(ngx_srv, tap, cputime, relay, n, tokens, delay, id_base, ping)
  local readers = {}
  local cpu0, t0 = M.cpu_of(cputime, ngx_srv.pid), now_ms()
  -- The streams start delay/n ms apart: users' streams do not come in step,
  -- and 20 deltas due at the same instant would measure the queue of this
  -- load generator (its tap and readers share one core when pinned).
  local function start(i)
    readers[i] = reader(ngx_srv.port, ("/%s?id=%d&tokens=%d&delay=%d"):format(relay, id_base + i, tokens, delay))
  end
  for i = 1, n do
    local at = (i - 1) * delay / n
    if at < 1 then
      start(i)
    else
      readers[i] = { finished = false }
      local t = uv.new_timer()
      t:start(math.floor(at), 0, function()
        t:close()
        start(i)
      end)
    end
  end
  local function all_done()
    for _, r in ipairs(readers) do if not r.finished then return false end end
    return true
  end
  local pings = ping and M.pinger(ngx_srv.port, 10, function() return not all_done() end) or {}
  assert(M.run_until(all_done, 60 + tokens * delay / 1000 * 3), relay .. ": the load did not finish")
  local wall = (now_ms() - t0) / 1000
  local cpu = M.cpu_of(cputime, ngx_srv.pid) - cpu0
  local lat, deltas = {}, 0
  for i, r in ipairs(readers) do
    local up = tap.stamps[tostring(id_base + i)]
    if r.status ~= "200" or not r.done or r.k ~= tokens or not up or #up ~= tokens then
      error(("%s: stream %d: status %s, %d deltas relayed, %s upstream, done %s, %s\n%s"):format(relay, i,
        tostring(r.status), r.k, up and #up or "none", tostring(r.done), tostring(r.error or r.read_error),
        ngx_srv.log():sub(-2000)))
    end
    for k = 1, tokens do lat[#lat + 1] = r.times[k] - up[k] end
    deltas = deltas + r.k
  end
  return { deltas = deltas, cpu = cpu, wall = wall, latencies = lat, pings = pings }
end

--- Baseline /ping round trips with nothing else running (`count` pings, 10 ms
--- apart).
function M.ping_baseline(ngx_srv, count)
  local rtts = M.pinger(ngx_srv.port, 10, function(r) return #r < count end)
  M.run_until(function() return #rtts >= count end, count * 0.1 + 10)
  return rtts
end

--- Worker CPU over `seconds` with nothing in flight.
function M.idle_cpu(ngx_srv, cputime, seconds)
  M.sleep(300)
  local c0 = M.cpu_of(cputime, ngx_srv.pid)
  M.sleep(seconds * 1000)
  return M.cpu_of(cputime, ngx_srv.pid) - c0
end

return M
