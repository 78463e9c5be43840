-- OpenResty host specs: nginx with the lua module on a loopback port,
-- configured from spec/hosts/nginx/nginx.conf, streaming from the
-- simulator through openrouter (loop = "ngx").  The downstream clients
-- and the /ping probe are plain luv sockets in this process.
local H = require("hosts.support")
local uv = require("luv")

local TICK = 100   -- clock ticks per second for /proc/PID/stat (getconf CLK_TCK)
do
  local f = io.popen("getconf CLK_TCK 2>/dev/null")
  if f then TICK = tonumber(f:read("*l") or "") or TICK; f:close() end
end

local find_lua_module, start_nginx = H.find_lua_module, H.start_nginx

-- CPU seconds (user + system) used so far by a process.
local function cpu_seconds(pid)
  local s = H.read("/proc/" .. pid .. "/stat") or ""
  local rest = s:match("%) (.*)$") or ""
  local fields = {}
  for x in rest:gmatch("%S+") do fields[#fields + 1] = x end
  -- after "pid (comm)": field 3 is state; utime and stime are fields 14 and 15
  return ((tonumber(fields[12]) or 0) + (tonumber(fields[13]) or 0)) / TICK
end

local function now_ms() return uv.hrtime() / 1e6 end

local http_get, run_until, dechunk = H.http_get, H.run_until, H.dechunk

-- Ping sequentially (a new connection each time), one every `every` ms,
-- while keep_going().  Returns the list of round-trip times (ms).
local function pinger(port, every, keep_going)
  local rtts = {}
  local t = uv.new_timer()
  local function one()
    if not keep_going() then t:close(); return end
    local t0 = now_ms()
    http_get(port, "/ping", nil, function(body)
      if body and body:find("pong", 1, true) then rtts[#rtts + 1] = now_ms() - t0 end
      t:start(every, 0, one)
    end)
  end
  one()
  return rtts
end

describe("OpenResty host (loop = 'ngx')", function()
  local srv, ngx_srv
  setup(function()
    assert(H.have("nginx"), "nginx is not installed (make deps)")
    srv = H.mock.start{ quiet = true }
    ngx_srv = start_nginx(H.read(H.root .. "/spec/hosts/nginx/nginx.conf"), { MOCK_URL = srv.url })
  end)
  teardown(function()
    if ngx_srv then ngx_srv.stop() end
    if srv then srv.stop() end
    H.cleanup()
  end)

  -- N streams of TOKENS deltas DELAY ms apart at once, /ping every 10 ms.
  -- Returns the streams, the ping round trips, worker CPU s and wall s.
  local function load(port, n, tokens, delay, query)
    local cpu0, wall0 = cpu_seconds(ngx_srv.pid), now_ms()
    local streams, finished = {}, 0
    for i = 1, n do
      local st = { start = now_ms(), reads = {}, acc = "" }
      streams[i] = st
      http_get(port, ("/stream?tokens=%d&delay=%d%s"):format(tokens, delay, query or ""), function(data, t)
        st.acc = st.acc .. data
        local _, k = st.acc:gsub("\ndata: ", "")
        st.reads[#st.reads + 1] = { t = t, n = k }
      end, function(body)
        st.body, st.stop = body, now_ms()
        finished = finished + 1
      end)
    end
    local rtts = pinger(port, 10, function() return finished < n end)
    run_until(function() return finished == n end, 60)
    return streams, rtts, cpu_seconds(ngx_srv.pid) - cpu0, (now_ms() - wall0) / 1000
  end

  it("serves /ping within 20 ms (p99) while 20 streams run on one worker, each progressively", function()
    local port = ngx_srv.port
    -- baseline: pings with nothing else running
    local base_done = false
    local base = pinger(port, 5, function() return not base_done end)
    run_until(function() base_done = #base >= 50; return base_done end, 20)

    local N, TOKENS, DELAY = 20, 80, 20
    -- The bound is on the worker; the VM it runs on is shared and a single
    -- stolen time slice (seen: ~30 ms, once in several CI runs) spans a few
    -- pings at once.  So the load runs up to 3 times and the bound must hold
    -- in one of them; every run's p99 is printed, and all the other checks
    -- hold in every run.
    local streams, rtts, cpu, wall, p50, p99
    local runs = {}
    for _ = 1, 3 do
      streams, rtts, cpu, wall = load(port, N, TOKENS, DELAY)
      for i, st in ipairs(streams) do
        local body = dechunk(st.body or "")
        local _, deltas = body:gsub("\ndata: ", "")
        deltas = deltas + (body:sub(1, 6) == "data: " and 1 or 0)
        assert.is_truthy(body:find("event: done\ndata: " .. TOKENS, 1, true), "stream " .. i .. ": " .. body:sub(-200))
        assert.is_true(deltas >= TOKENS - 1, "stream " .. i .. " has " .. deltas .. " deltas")
        -- progressive: data came in many reads, the first long before the end
        local first, distinct, last_n = nil, 0, 0
        for _, r in ipairs(st.reads) do
          if r.n > last_n then
            distinct = distinct + 1
            first = first or r.t
            last_n = r.n
          end
        end
        local total = st.stop - st.start
        assert.is_true(distinct >= 10, "stream " .. i .. " arrived in only " .. distinct .. " reads")
        assert.is_true(first - st.start < total / 2,
          ("stream %d: first delta after %.0f of %.0f ms"):format(i, first - st.start, total))
      end
      p50, p99 = H.percentile(rtts, 50), H.percentile(rtts, 99)
      assert.is_true(#rtts >= 30, "only " .. #rtts .. " pings")
      runs[#runs + 1] = ("%.1f"):format(p99)
      if p99 < 20 then break end
    end
    assert.is_true(p99 < 20, "/ping p99 over " .. #runs .. " runs: " .. table.concat(runs, ", ") .. " ms")

    -- once idle, the pump stops: no CPU burnt without transfers
    run_until(function() return true end, 1)
    os.execute("sleep 0.3")
    local idle0 = cpu_seconds(ngx_srv.pid)
    os.execute("sleep 1")
    local idle = cpu_seconds(ngx_srv.pid) - idle0
    assert.is_true(idle <= 2 / TICK + 1e-9, ("nginx used %.0f ms of CPU in 1 s idle"):format(idle * 1000))

    H.note("nginx: /ping baseline p50 %.2f ms p99 %.2f ms; with %d streams p50 %.2f ms p99 %.2f ms (%d pings; "
      .. "p99 of each run: %s)", H.percentile(base, 50), H.percentile(base, 99), N, p50, p99, #rtts,
      table.concat(runs, ", "))
    H.note("nginx: %d streams x %d deltas in %.2f s; worker CPU %.0f ms = %.1f ms per stream (%.1f%% of a core); "
      .. "idle CPU %.0f ms/s", N, TOKENS, wall, cpu * 1000, cpu * 1000 / N, cpu / wall * 100, idle * 1000)
  end)

  it("streams over cosockets by default", function()
    local t
    http_get(ngx_srv.port, "/transport", nil, function(b) t = dechunk(b or "") end)
    run_until(function() return t ~= nil end, 5)
    assert.equal("cosocket\n", t)
  end)

  it("measures both transports: cosockets, and libcurl pumped every 1, 5 and 20 ms", function()
    local rows = {}
    for _, ms in ipairs{ false, 1, 5, 20 } do
      local streams, rtts, cpu, wall = load(ngx_srv.port, 20, 40, 20, ms and ("&interval=" .. ms) or "")
      for i, st in ipairs(streams) do
        assert.is_truthy(dechunk(st.body or ""):find("event: done", 1, true), "stream " .. i)
      end
      rows[#rows + 1] = ("%-22s %.1f ms CPU per stream (40 deltas), %.1f%% of a core, /ping p99 %.1f ms"):format(
        ms and ("libcurl, pump " .. ms .. " ms:") or "cosockets:", cpu * 1000 / 20, cpu / wall * 100,
        H.percentile(rtts, 99))
    end
    for _, r in ipairs(rows) do H.note("nginx %s", r) end
  end)

  it("cancels the upstream request when the downstream client goes away", function()
    -- read until the handler names the generation, then hang up
    local gen, acc = nil, ""
    local tcp = uv.new_tcp()
    tcp:connect("127.0.0.1", ngx_srv.port, function()
      tcp:write("GET /stream?tokens=400&delay=10 HTTP/1.1\r\nHost: x\r\n\r\n")
      tcp:read_start(function(_, data)
        if not data then return end
        acc = acc .. data
        gen = acc:match(": gen (gen%-[%w%-]+)")
        local _, n = acc:gsub("\ndata: ", "")
        if gen and n >= 3 and not tcp:is_closing() then tcp:read_stop(); tcp:close() end
      end)
    end)
    run_until(function() return tcp:is_closing() end, 10)
    assert.is_truthy(gen, acc)
    -- the simulator marks the generation cancelled once it sees the close
    local openrouter = require("openrouter")
    local c = openrouter.new{ base_url = srv.url, api_key = "sk-or-test" }
    local rec
    for _ = 1, 40 do
      local g = c:generation(gen)
      rec = g and g.data
      if rec and rec.cancelled then break end
      os.execute("sleep 0.05")
    end
    assert.is_true(rec and rec.cancelled, "the simulator did not see the upstream close")
    assert.is_true(rec.tokens_completion < 400)
    local inflight
    http_get(ngx_srv.port, "/inflight", nil, function(body) inflight = dechunk(body or "") end)
    run_until(function() return inflight ~= nil end, 5)
    assert.equal("idle\n", inflight)
  end)

  it("runs callbacks, chat() in a handler, and refuses to wait where nginx cannot yield", function()
    local cb, chat, bad
    http_get(ngx_srv.port, "/callbacks?tokens=12&delay=5", nil, function(b) cb = dechunk(b or "") end)
    http_get(ngx_srv.port, "/chat", nil, function(b) chat = dechunk(b or "") end)
    http_get(ngx_srv.port, "/badphase", nil, function(b) bad = dechunk(b or "") end)
    run_until(function() return cb and chat and bad end, 20)
    local _, n = ("\n" .. cb):gsub("\ndata: ", "")
    assert.equal(13, n, cb)    -- 12 deltas + the done event's data
    assert.is_truthy(cb:find("event: done\ndata: 12", 1, true), cb)
    assert.equal("echo me\n", chat)
    assert.is_truthy(bad:find("cannot wait for the network in nginx's 'set' phase", 1, true), bad)
    assert.is_falsy(ngx_srv.log():find("%[error%]"), ngx_srv.log())
  end)

  it("runs the Responses API in a handler: iterator, plain call, callbacks", function()
    local body
    http_get(ngx_srv.port, "/responses", nil, function(b) body = dechunk(b or "") end)
    run_until(function() return body ~= nil end, 20)
    assert.is_truthy(body:find("stream: responses in nginx | completed\n", 1, true), body)
    assert.is_truthy(body:find("plain: responses in nginx\n", 1, true), body)
    assert.is_truthy(body:find("callbacks: responses in nginx | responses in nginx\n", 1, true), body)
    assert.is_falsy(ngx_srv.log():find("%[error%]"), ngx_srv.log())
  end)
end)

describe("examples/openresty", function()
  local srv, ex
  setup(function()
    srv = H.mock.start{ quiet = true }
    local conf = H.read(H.root .. "/examples/openresty/nginx.conf")
    local mods = find_lua_module()
    conf = conf:gsub("include /etc/nginx/modules%-enabled/%*%.conf;", function() return mods end)
      :gsub("listen 8080;", "listen 127.0.0.1:__PORT__;")
    ex = start_nginx(conf, { OPENROUTER_ROOT = H.root, OPENROUTER_BASE_URL = srv.url,
                             OPENROUTER_API_KEY = "sk-or-test" }, "-g 'daemon off; master_process off;'")
  end)
  teardown(function()
    if ex then ex.stop() end
    if srv then srv.stop() end
    H.cleanup()
  end)

  local function get(path)
    local body
    http_get(ex.port, path, nil, function(b) body = b or "" end)
    run_until(function() return body ~= nil end, 20)
    return body:match("^HTTP/1%.%d (%d+)"), dechunk(body)
  end

  local function events(body)
    local out = {}
    for name, data in body:gmatch("event: (%w+)\ndata: ([^\n]*)\n\n") do
      out[#out + 1] = { name = name, data = require("cjson").decode(data) }
    end
    return out
  end

  it("proxies a chat as SSE with provider preferences from the query", function()
    local status, body = get("/chat?model=mock/balanced&order=provider-c&allow_fallbacks=false"
      .. "&q=Hello%20from%20the%20browser")
    assert.equal("200", status)
    local evs, text = events(body), {}
    assert.is_true(#evs >= 3, body)
    for i = 1, #evs - 1 do
      assert.equal("delta", evs[i].name)
      text[#text + 1] = evs[i].data.text
    end
    assert.equal("Hello from the browser", table.concat(text))
    assert.equal("done", evs[#evs].name)
    assert.equal("Provider C", evs[#evs].data.provider)

    local _, body2 = get("/chat?model=mock/balanced&sort=price&q=cheap")
    local evs2 = events(body2)
    assert.equal("Provider A", evs2[#evs2].data.provider)
  end)

  it("rejects invalid provider preferences with 400, and serves the page", function()
    local status, body = get("/chat?q=x&sort=cheapest")
    assert.equal("400", status)
    assert.is_truthy(body:find("invalid provider preferences", 1, true))
    local st2, page = get("/")
    assert.equal("200", st2)
    assert.is_truthy(page:find("EventSource", 1, true))
  end)
end)
