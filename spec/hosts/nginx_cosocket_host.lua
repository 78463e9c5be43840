-- The client's own specs inside nginx, through the cosocket transport:
-- spec/faults_spec.lua, spec/client_spec.lua, spec/security_spec.lua and
-- spec/tls_spec.lua run unchanged in a content handler (openrouter.new's
-- default loop there is "ngx", so every request they make goes over
-- cosockets unless the client needs libcurl), plus TLS by host name
-- (spec/hosts/nginx/tls_cosocket.lua) against the TLS front of
-- spec/tls_spec.lua.  nginx looks names up through a DNS server in this
-- process that answers 127.0.0.1 for every name.
local H = require("hosts.support")
local uv = require("luv")
local cjson = require("cjson")
local tls = require("support.tls_proxy")
local pack, unpack = rawget(string, "pack"), rawget(string, "unpack")   -- lua5.4 runs the host specs

-- A DNS server on a free loopback UDP port: A 127.0.0.1 for any name,
-- no answer for other types.  Returns { port, close }.
local function dns_server()
  local udp = uv.new_udp()
  assert(udp:bind("127.0.0.1", 0))
  local port = udp:getsockname().port
  assert(udp:recv_start(function(err, data, addr)
    if err or not data or #data < 12 then return end
    local id, _, qd = unpack(">I2I2I2", data)
    if qd ~= 1 then return end
    local pos = 13
    while true do                       -- the question's name
      local len = data:byte(pos)
      if not len then return end
      pos = pos + 1 + len
      if len == 0 then break end
    end
    local qtype = unpack(">I2", data, pos)
    local question = data:sub(13, pos + 3)
    local a = qtype == 1
    local reply = pack(">I2I2I2I2I2I2", id, 0x8180, 1, a and 1 or 0, 0, 0) .. question
    if a then reply = reply .. pack(">I2I2I2I4I2BBBB", 0xC00C, 1, 1, 60, 4, 127, 0, 0, 1) end
    udp:send(reply, addr.ip, addr.port, function() end)
  end))
  return { port = port, close = function() udp:recv_stop(); udp:close() end }
end

-- A raw HTTP/1.1 server on a free loopback port that answers the first
-- request of each connection with a chat completion (keep-alive) and drops
-- any later one unanswered: a kept-alive connection the server closed just
-- as the client reused it.  A request with X-Raw-Tag: log gets, as the
-- completion's content, the JSON list of every request seen so far:
-- { head =, body =, conn = connection number }.  Returns { url, close }.
local function raw_server()
  local server = uv.new_tcp()
  assert(server:bind("127.0.0.1", 0))
  local port = server:getsockname().port
  local log, conns = {}, 0
  local function answer(content)
    local body = cjson.encode{ id = "gen-raw", object = "chat.completion", model = "raw/raw",
      choices = { { index = 0, finish_reason = "stop", message = { role = "assistant", content = content } } } }
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
  end
  assert(server:listen(64, function(err)
    if err then return end
    local c = uv.new_tcp()
    server:accept(c)
    conns = conns + 1
    local conn, buf, served = conns, "", 0
    c:read_start(function(rerr, data)
      if rerr or not data then
        if not c:is_closing() then c:close() end
        return
      end
      buf = buf .. data
      while true do
        local e = buf:find("\r\n\r\n", 1, true)
        if not e then return end
        local head = buf:sub(1, e + 3)
        local len = tonumber(head:match("\r\n[Cc]ontent%-[Ll]ength: *(%d+)") or "0")
        if #buf < e + 3 + len then return end
        local body = buf:sub(e + 4, e + 3 + len)
        buf = buf:sub(e + 4 + len)
        log[#log + 1] = { head = head, body = body, conn = conn }
        served = served + 1
        if served > 1 then
          c:read_stop()
          c:close()
          return
        end
        c:write(answer(head:find("X-Raw-Tag: log", 1, true) and cjson.encode(log) or "raw"))
      end
    end)
  end))
  return { url = ("http://127.0.0.1:%d/api/v1"):format(port), close = function() server:close() end }
end

-- Make TLS handshakes to the front complete at once: nginx (`client`, a
-- pid) and the front's workers (the children of `front`, its master) on
-- one CPU -- the first this process may use -- and the workers real-time,
-- so that the ClientHello nginx writes wakes a worker that answers before
-- nginx reads.  Returns pinned, real_time (each true when done) and
-- undo(), which gives every CPU this process may use back and the workers
-- their normal scheduling.
local function answer_at_once(client, front)
  local cpus = (H.read("/proc/self/status") or ""):match("Cpus_allowed_list:%s*(%S+)")
  if not (cpus and front and H.have("taskset") and H.have("chrt") and H.have("pgrep")
          and H.run(("pgrep -P %d"):format(front), 10)) then
    return false, false, function() end
  end
  local function each(pids, what)
    return (H.run(("for p in %s; do %s $p >/dev/null 2>&1 || exit 1; done"):format(pids, what), 10))
  end
  local all = ("%d %d $(pgrep -P %d)"):format(client, front, front)
  local workers = ("$(pgrep -P %d)"):format(front)
  local pinned = each(all, "taskset -a -p -c " .. cpus:match("^%d+"))
  local real_time = pinned and each(workers, "chrt -a -f -p 1")
  return pinned, real_time, function()
    each(all, "taskset -a -p -c " .. cpus)
    if real_time then each(workers, "chrt -a -o -p 0") end
  end
end

describe("OpenResty: the client's specs through cosockets", function()
  local srv, proxy, dns, raw, ngx_srv
  local function stop_all()
    if ngx_srv then ngx_srv.stop() end
    if raw then raw.close() end
    if dns then dns.close() end
    if proxy then proxy.stop() end
    if srv then srv.stop() end
    ngx_srv, raw, dns, proxy, srv = nil, nil, nil, nil, nil
    uv.run("nowait")             -- run the close callbacks: luv would at exit, and crash
    H.cleanup()
  end
  setup(function()
    local ok, err = pcall(function()
      assert(pack and unpack, "the host specs run on Lua 5.3+ (string.pack, for the DNS server)")
      assert(H.have("nginx"), "nginx is not installed (make deps)")
      srv = H.mock.start{ quiet = true }
      proxy = tls.start(srv.url)
      dns = dns_server()
      raw = raw_server()
      local conf = H.read(H.root .. "/spec/hosts/nginx/specs.conf")
        :gsub("__DNS_PORT__", tostring(dns.port)):gsub("__TLS_CA__", proxy.ca_file)
      ngx_srv = H.start_nginx(conf, {
        MOCK_URL = srv.url, TLS_URL = proxy.url, TLS_CA = proxy.ca_file, TLS_CAPATH = proxy.ca_path,
        TLS_PORT = proxy.url:match(":(%d+)/"), ROOT = H.root, OPENROUTER_TEST_LUA = "jit", RAW_URL = raw.url,
      })
    end)
    if not ok then            -- busted skips teardown when setup fails: stop what started
      stop_all()
      error(err, 0)
    end
  end)
  teardown(stop_all)

  -- Run spec files in `location`; the report.
  local function run(location, files)
    local body
    H.http_get(ngx_srv.port, location .. "?files=" .. table.concat(files, ","), nil, function(b) body = b or "" end)
    H.run_until(function() return body ~= nil end, 240)
    local json = H.dechunk(body)
    local ok, report = pcall(cjson.decode, json)
    assert(ok, "no report: " .. body:sub(1, 2000) .. "\n" .. ngx_srv.log():sub(-3000))
    return report
  end

  -- Every test passed (each failure listed), and how many there were.
  local function all_passed(report)
    local failed = {}
    for _, t in ipairs(report.tests) do
      if not t.ok then failed[#failed + 1] = t.name .. ":\n" .. tostring(t.err) end
    end
    assert(#failed == 0, #failed .. " of " .. #report.tests .. " failed inside nginx:\n\n"
      .. table.concat(failed, "\n\n"))
    H.note("nginx specs: %d passed; requests over cosockets %d, over libcurl %d", #report.tests,
      report.requests.cosocket, report.requests.curl)
    return #report.tests
  end

  it("spec/faults_spec.lua passes with every request on cosockets", function()
    local rep = run("/specs", { "spec/faults_spec.lua" })
    assert.is_true(all_passed(rep) >= 30)
    assert.is_true(rep.requests.cosocket >= 50)
    assert.are.equal(0, rep.requests.curl)
  end)

  it("spec/client_spec.lua and spec/security_spec.lua pass on cosockets", function()
    local rep = run("/specs", { "spec/client_spec.lua", "spec/security_spec.lua" })
    assert.is_true(all_passed(rep) >= 40)
    assert.is_true(rep.requests.cosocket >= 40)
    assert.are.equal(0, rep.requests.curl)
  end)

  it("spec/tls_spec.lua passes (https to an IP address and ca_file: libcurl's)", function()
    local rep = run("/specs", { "spec/tls_spec.lua" })
    assert.are.equal(4, all_passed(rep))
    assert.are.equal(0, rep.requests.cosocket)
  end)

  it("cancels from anywhere, replaces dropped kept-alive connections, sends what libcurl sends", function()
    local rep = run("/specs", { "spec/hosts/nginx/cosocket_only.lua" })
    assert.are.equal(8, all_passed(rep))
  end)

  it("bounds waits by the caller's deadline without timing sockets out (nothing in the error log)", function()
    assert.are.equal(1, all_passed(run("/specs_logged", { "spec/hosts/nginx/deadline_log.lua" })))
  end)

  -- Regression (was pending): a TLS handshake that completed at once and
  -- failed verification raised an assertion inside lua-resty-core's
  -- sslhandshake (resty/core/socket.lua:244) -- in about half the runs on a
  -- loaded machine -- or, asked with reused_session = false, read as done
  -- and failed the send ("Failed sending data to the peer").  Each TLS
  -- location runs twice: as it comes (on an idle machine handshakes wait),
  -- then with nginx and the TLS front on one CPU, the front real-time, so
  -- that the front answers before nginx reads: handshakes complete at once.
  it("TLS by host name on cosockets: verified against lua_ssl_trusted_certificate, refused without", function()
    local front = tonumber(H.read(proxy.dir .. "/nginx.pid") or "")
    -- tls_cosocket.lua in `location`, with handshakes answered at once
    -- when `at_once`: its report, every test passed (`tests` of them)
    local function run_tls(location, tests, at_once)
      local before = #ngx_srv.log()
      local pinned, rt, undo = false, false, function() end
      if at_once then pinned, rt, undo = answer_at_once(ngx_srv.pid, front) end
      local ok, rep = pcall(run, location, { "spec/hosts/nginx/tls_cosocket.lua" })
      undo()
      assert(ok, rep)
      assert.are.equal(tests, all_passed(rep))
      local n, of = ngx_srv.log():sub(before + 1):match("failed handshakes completed at once: (%d+) of (%d+)")
      if n then
        H.note("%s: failed TLS handshakes that completed at once: %s of %s%s%s", location, n, of,
          pinned and ", nginx and the TLS front on one CPU" or "", rt and ", the front real-time" or "")
      end
      if rt then assert.is_true(tonumber(n) > 0, "no handshake completed at once: the regression went untested") end
      return rep
    end
    -- (in this order: nginx's keep-alive pool is the worker's, whatever
    -- the location, and a kept connection needs no lookup nor verification)
    run_tls("/specs_noresolver", 1)
    run_tls("/specs", 1)
    run_tls("/specs", 1, true)
    assert.are.equal(0, run_tls("/specs_tls", 5).requests.curl)
    assert.are.equal(0, run_tls("/specs_tls", 5, true).requests.curl)
  end)
end)
