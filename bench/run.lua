--- make bench: this client beside its peers, measured side by side in one
-- run on this machine, one table per target of the streaming-performance
-- issue, each figure the median of several runs.  docs/bench.md explains
-- every scenario and how to read the tables.
--
--   lua5.4 bench/run.lua                 (from the repository root; `make bench`)
--   BENCH_QUICK=1 lua5.4 bench/run.lua   (about a minute: 1 run each, smaller counts)
--
-- Environment (defaults in brackets; quick mode's after the slash):
--   BENCH_RUNS [3/1]            runs per figure (the median is shown)
--   BENCH_TOKENS [200000/50000] content chunks of the throughput stream
--   BENCH_CONCURRENT [1000/200] concurrent streams for memory per stream
--   BENCH_SEQUENTIAL [10000/1000] sequential streams for the leak check
--   BENCH_RELAY_STREAMS [20] BENCH_RELAY_DELTAS [200/50] BENCH_RELAY_DELAY [10]
--   BENCH_NVIM_DELTAS [3000]    BENCH_PREP_ITERS [100000/20000]
--   BENCH_VM_RUNS [max(9, BENCH_RUNS)/1] pairs of runs for LuaJIT vs 5.4
--   BENCH_ONLY=stream,memory,prepare,relay,nvim,micro   a subset of the sections
--   BENCH_NODE=0                leave the node peers out
-- Timing is not a test: a missed target prints FAIL and the run goes on;
-- the exit status is non-zero only when a scenario itself broke.
local ROOT = (arg and arg[0] or ""):match("^(.*)/bench/[^/]*$") or "."
package.path = ROOT .. "/bench/?.lua;" .. ROOT .. "/spec/?.lua;" .. package.path
local uv = require("luv")
local B = require("benchlib")
local mock_server = require("support.mock_server")
ROOT = B.capture("cd " .. B.quote(ROOT) .. " && pwd")

local QUICK = os.getenv("BENCH_QUICK") == "1"
local function q(full, quick) return QUICK and quick or full end
local RUNS = B.env_num("BENCH_RUNS", q(3, 1))
local TOKENS = B.env_num("BENCH_TOKENS", q(200000, 50000))
local CONCURRENT = B.env_num("BENCH_CONCURRENT", q(1000, 200))
local SEQUENTIAL = B.env_num("BENCH_SEQUENTIAL", q(10000, 1000))
local RELAY_STREAMS = B.env_num("BENCH_RELAY_STREAMS", 20)
local RELAY_DELTAS = B.env_num("BENCH_RELAY_DELTAS", q(200, 50))
local RELAY_DELAY = B.env_num("BENCH_RELAY_DELAY", 10)
-- the relay's figures are the noisiest (CPU per delta moved 0.83-1.26x
-- between runs of 3): more runs for its medians
local RELAY_RUNS = B.env_num("BENCH_RELAY_RUNS", q(math.max(RUNS, 5), 1))
-- LuaJIT against 5.4: pairs of runs of its own (see vm_section)
local VM_RUNS = B.env_num("BENCH_VM_RUNS", q(math.max(RUNS, 9), 1))
local NPROC = tonumber(B.capture("nproc 2>/dev/null") or "") or 1
local NVIM_DELTAS = B.env_num("BENCH_NVIM_DELTAS", 3000)
local PREP_ITERS = B.env_num("BENCH_PREP_ITERS", q(100000, 20000))

local ONLY = {}
for s in (os.getenv("BENCH_ONLY") or "stream,memory,prepare,relay,nvim,micro"):gmatch("[%w_]+") do ONLY[s] = true end
if QUICK and not os.getenv("BENCH_ONLY") then ONLY.micro = nil end

local CPUTIME = ROOT .. "/build/bench/cputime"
local broken = {}          -- scenarios that failed to run: their output is shown
local verdicts = { pass = 0, fail = 0 }

local LUAS = {
  { name = "5.4", label = "Lua 5.4", bin = "lua5.4" },
  { name = "jit", label = "LuaJIT", bin = "luajit" },
}

local function lua_cmd(lua, script, ...)
  local args = {}
  for i, a in ipairs{ ... } do args[i] = B.quote(a) end
  return ("cd %s && LUA_PATH=%s LUA_CPATH=%s CPUTIME=%s %s %s %s"):format(B.quote(ROOT),
    B.quote("lua/?.lua;lua/?/init.lua;spec/?.lua;bench/?.lua;;"),
    B.quote("build/" .. lua.name .. "/?.so;;"), B.quote(CPUTIME), lua.bin, script, table.concat(args, " "))
end

-- Run a scenario command; its RESULT lines, or nil (recorded as broken).
local function scenario(what, cmd, seconds)
  local results, ok, out = B.run(cmd, seconds)
  if not ok or #results == 0 then
    broken[#broken + 1] = { what = what, out = out }
    io.stderr:write(("bench: %s broke; its output is at the end\n"):format(what))
    return nil
  end
  return results
end

local function loadavg()
  return (B.read("/proc/loadavg") or "?"):match("^(%S+ %S+ %S+)") or "?"
end

-- A loaded machine (other jobs on the cores) stretches every wall-clock
-- figure; CPU figures much less.  Said where it is so.
local function load_warning()
  local one = tonumber((B.read("/proc/loadavg") or ""):match("^(%S+)") or "") or 0
  if one > NPROC then
    print(("  WARNING: load average %.1f on %d cores (other work on this machine): wall-clock figures"
      .. " are disturbed, CPU and memory much less"):format(one, NPROC))
  end
end

local function verdict(ok)
  if ok == nil then return "-" end
  verdicts[ok and "pass" or "fail"] = verdicts[ok and "pass" or "fail"] + 1
  return ok and "PASS" or "FAIL"
end

local function x(r) return r and ("%.2fx"):format(r) or "-" end

local TARGET_COLS = {
  { name = "scenario", width = 40 },
  { name = "this client", width = 13, right = true },
  { name = "peer", width = 13, right = true },
  { name = "ratio", width = 7, right = true },
  { name = "target", width = 11, right = true },
  { name = "", width = 4 },
}

local function section(title)
  print()
  print(("== %s   (load average %s)"):format(title, loadavg()))
  load_warning()
  io.flush()
end

------------------------------------------------------------------ the machine

local function first_line(cmd) return (B.capture(cmd .. " 2>&1") or ""):match("^[^\n]*") end

local function machine()
  local cpu = (B.read("/proc/cpuinfo") or ""):match("model name%s*:%s*([^\n]+)") or "?"
  local mem = (B.read("/proc/meminfo") or ""):match("MemTotal:%s*(%d+)")
  print("openrouter benchmarks" .. (QUICK and " (BENCH_QUICK: 1 run each, smaller counts; not for judging)" or ""))
  print(("  date        %s"):format(os.date("!%Y-%m-%d %H:%M UTC")))
  print(("  commit      %s"):format(first_line("cd " .. B.quote(ROOT) .. " && git describe --always --dirty")))
  print(("  machine     %s cores, %s, %.1f GiB; load average %s"):format(first_line("nproc"), cpu,
    (tonumber(mem) or 0) / 1048576, loadavg()))
  print(("  Lua         %s; %s"):format(first_line("lua5.4 -v"):match("^%S+ %S+"),
    first_line("luajit -v"):match("^%S+ %S+")))
  print(("  lua-cjson   %s"):format(first_line("lua5.4 -e 'print(require(\"cjson\")._VERSION)'")))
  print(("  curl        %s"):format(first_line("curl --version"):match("^%S+ %S+")))
  print(("  node        %s"):format(B.have("node") and first_line("node --version") or "not installed"))
  print(("  nginx       %s"):format(B.have("nginx") and first_line("nginx -v"):match("(nginx/%S+)") or "not installed"))
  print(("  Neovim      %s"):format(B.have("nvim") and first_line("nvim --version") or "not installed"))
  print(("  runs        %d per figure (median); BENCH_QUICK=%s"):format(RUNS, QUICK and "1" or "0"))
  load_warning()
  io.flush()
end

------------------------------------------------------------------ setup

local function build_cputime()
  B.sh("mkdir -p " .. B.quote(ROOT .. "/build/bench"))
  local cc = os.getenv("CC") or "cc"
  assert(B.sh(("%s -O2 -std=c99 -Wall -Wextra -o %s %s"):format(cc, B.quote(CPUTIME),
    B.quote(ROOT .. "/bench/cputime.c"))), "cannot build bench/cputime.c")
end

-- The node peers: bench/node/package.json (pinned, package-lock.json) into
-- bench/node/node_modules.  Returns true, or false and why not.
local function node_setup()
  if os.getenv("BENCH_NODE") == "0" then return false, "BENCH_NODE=0" end
  if not B.have("node") then return false, "node is not installed" end
  if not B.have("npm") then return false, "npm is not installed" end
  local dir = ROOT .. "/bench/node"
  local check = ("cd %s && node -e %s >/dev/null 2>&1"):format(B.quote(dir), B.quote(
    "const p=require('./package.json').dependencies;for(const [n,v] of Object.entries(p))"
    .. "{if(require('./node_modules/'+n+'/package.json').version!==v)process.exit(1)}"))
  if B.sh(check) then return true end
  local _, ok, out = B.run(("cd %s && npm ci --no-audit --no-fund --loglevel=error --fetch-retries=1 "
    .. "--fetch-timeout=30000"):format(B.quote(dir)), 300)
  if not ok or not B.sh(check) then
    return false, "npm ci in bench/node failed (registry unreachable?): " .. (out:match("[^\n]+") or "")
  end
  return true
end

local function start_simulator()
  -- the fastest interpreter first: the simulator must outrun every consumer
  return mock_server.start{ quiet = true, timeout = 10, env = { OPENROUTER_MOCK_LUA = "luajit lua5.4 lua5.3" } }
end

-- The simulator's ceiling: a raw client (curl to /dev/null, nothing parsed).
local function ceiling(srv)
  local rates, bytes = {}, nil
  for r = 1, math.max(RUNS, QUICK and 1 or 3) do
    local out = B.capture(("curl -s -o /dev/null -w '%%{size_download} %%{time_total}' -X POST %s "
      .. "-H 'Authorization: Bearer sk-or-bench' -H 'X-Mock-Tokens: %d' -d %s"):format(
      B.quote(srv.url .. "/chat/completions"), TOKENS,
      B.quote('{"model":"mock/lorem","stream":true,"messages":[{"role":"user","content":"go"}]}')))
    local size, secs = (out or ""):match("^(%d+) ([%d%.]+)$")
    rates[r] = secs and TOKENS / tonumber(secs) or nil
    if not rates[r] then error("the simulator did not stream: " .. tostring(out)) end
    bytes = tonumber(size)
  end
  return B.median(rates), bytes
end

------------------------------------------------------------------ streaming

local function stream_section(srv, node_ok, node_why)
  section(("streaming: one mock/lorem stream of %d chunks at full speed over loopback"):format(TOKENS))
  local ceil, bytes = ceiling(srv)
  print(("  simulator ceiling (raw client: curl to /dev/null): %s chunks/s, %.0f bytes per chunk")
    :format(B.fmt(ceil), bytes / TOKENS))

  -- figures[key] = { rate = {...}, cpu = {...} }  (chunks/s; seconds of CPU per chunk)
  local figures = {}
  local function add(key, r)
    local f = figures[key] or { rate = {}, cpu = {} }
    figures[key] = f
    f.rate[#f.rate + 1] = r.chunks / r.wall
    f.cpu[#f.cpu + 1] = r.cpu / r.chunks
  end
  local ways = {}
  for _, lua in ipairs(LUAS) do
    for _, mode in ipairs{ "chunks", "text", "result" } do
      ways[#ways + 1] = { key = "client/" .. lua.name .. "/" .. mode,
        cmd = lua_cmd(lua, "bench/stream/client.lua", srv.url, TOKENS, mode) }
    end
    for _, mode in ipairs{ "text", "result" } do
      ways[#ways + 1] = { key = "curl/" .. lua.name .. "/" .. mode,
        cmd = lua_cmd(lua, "bench/stream/curl_peer.lua", srv.url, TOKENS, mode) }
    end
  end
  if node_ok then
    for _, way in ipairs{ "openai", "esp" } do
      for _, mode in ipairs{ "text", "result" } do
        ways[#ways + 1] = { key = way .. "/" .. mode, cmd = ("cd %s && node bench/node/stream.mjs %s %s %d %s")
          :format(B.quote(ROOT), way, B.quote(srv.url), TOKENS, mode) }
      end
    end
  end
  for _ = 1, RUNS do            -- interleaved: a disturbance hits every way alike
    for _, w in ipairs(ways) do
      local res = scenario("stream " .. w.key, w.cmd, 300)
      if res then add(w.key, res[1]) end
    end
  end
  local function med(key, what)
    local f = figures[key]
    return f and B.median(f[what]) or nil
  end
  local function spread(key)
    local f = figures[key]
    if not f or #f.rate < 2 then return "-" end
    return ("%.0f%%"):format((B.max(f.rate) - B.min(f.rate)) / B.median(f.rate) * 100)
  end
  local fastest = 0
  for _, f in pairs(figures) do fastest = math.max(fastest, B.median(f.rate)) end
  if ceil < 1.5 * fastest then
    print(("  WARNING: the simulator's ceiling is under 1.5x the fastest consumer (%s chunks/s): "
      .. "the fastest figures may be the simulator's"):format(B.fmt(fastest)))
  else
    print(("  the simulator is not the bottleneck: its ceiling is %.1fx the fastest consumer (%s chunks/s)")
      :format(ceil / fastest, B.fmt(fastest)))
  end

  local function target_table(title, mode, peer_mode, speed, cpu_share)
    local rows = {}
    for _, lua in ipairs(LUAS) do
      local ck, pk = "client/" .. lua.name .. "/" .. mode, "curl/" .. lua.name .. "/" .. peer_mode
      local c_rate, p_rate = med(ck, "rate"), med(pk, "rate")
      local c_cpu, p_cpu = med(ck, "cpu"), med(pk, "cpu")
      local r1, r2 = B.ratio(c_rate, p_rate), B.ratio(c_cpu, p_cpu)
      rows[#rows + 1] = { lua.label .. ": chunks/s", B.fmt(c_rate), B.fmt(p_rate), x(r1),
        (">= %.1fx"):format(speed), verdict(r1 and r1 >= speed) }
      rows[#rows + 1] = { lua.label .. ": CPU per chunk", B.fmt(c_cpu and c_cpu * 1e6, "us"),
        B.fmt(p_cpu and p_cpu * 1e6, "us"), x(r2), ("<= %.2fx"):format(cpu_share), verdict(r2 and r2 <= cpu_share) }
    end
    B.table(title, {
      "peer: curl -sN | Lua line parser + lua-cjson on the same Lua (" .. (peer_mode == "text"
        and "each delta's text taken out" or "deltas accumulated into the content") .. ")",
      "CPU: user+sys of the consuming process; the peer's includes its curl subprocess",
    }, TARGET_COLS, rows)
  end
  target_table("stream:text() vs curl + line parser + cjson", "text", "text", 3, 0.3)
  target_table("for chunk in stream vs curl + line parser + cjson", "chunks", "text", 1.5, 0.6)
  target_table("stream:result() vs curl + line parser + cjson (accumulating)", "result", "result", 1.5, 0.6)

  -- every way, absolute
  local rows = {}
  local names = {
    ["client/%s/chunks"] = "this client, for chunk in stream", ["client/%s/text"] = "this client, stream:text()",
    ["client/%s/result"] = "this client, stream:result()", ["curl/%s/text"] = "curl + lines + cjson (text)",
    ["curl/%s/result"] = "curl + lines + cjson (accumulate)",
  }
  for _, lua in ipairs(LUAS) do
    for _, k in ipairs{ "client/%s/chunks", "client/%s/text", "client/%s/result", "curl/%s/text", "curl/%s/result" } do
      local key = k:format(lua.name)
      rows[#rows + 1] = { lua.label .. ", " .. names[k], B.fmt(med(key, "rate")),
        B.fmt(med(key, "cpu") and med(key, "cpu") * 1e6, "us"), spread(key) }
    end
  end
  for _, k in ipairs{ { "openai/text", "node, openai SDK for await (text)" },
                      { "openai/result", "node, openai SDK for await (accumulate)" },
                      { "esp/text", "node, fetch + eventsource-parser (text)" },
                      { "esp/result", "node, fetch + eventsource-parser (accumulate)" } } do
    if figures[k[1]] then
      rows[#rows + 1] = { k[2], B.fmt(med(k[1], "rate")), B.fmt(med(k[1], "cpu") * 1e6, "us"), spread(k[1]) }
    end
  end
  B.table("every way, absolute (median of " .. RUNS .. ")", {
    node_ok and "node: " .. first_line("node --version") .. ", bench/node/package.json"
      or ("node peers skipped: " .. tostring(node_why)),
    "spread: (slowest - fastest run) / median of chunks/s: how much the machine disturbed the runs",
  }, { { name = "way", width = 52 }, { name = "chunks/s", width = 10, right = true },
       { name = "CPU/chunk", width = 10, right = true }, { name = "spread", width = 7, right = true } }, rows)

  if node_ok then
    local ref = {}
    for _, lua in ipairs(LUAS) do
      for _, p in ipairs{ { "text", "openai/text", "openai SDK" }, { "result", "openai/result", "openai SDK" },
                          { "text", "esp/text", "eventsource-parser" } } do
        local c = med("client/" .. lua.name .. "/" .. p[1], "rate")
        local n = med(p[2], "rate")
        local cc, nc = med("client/" .. lua.name .. "/" .. p[1], "cpu"), med(p[2], "cpu")
        ref[#ref + 1] = { ("%s %s vs %s"):format(lua.label, p[1] == "text" and "text()" or "result()", p[3]),
          B.fmt(c), B.fmt(n), x(B.ratio(c, n)), B.fmt(cc and cc * 1e6, "us"), B.fmt(nc and nc * 1e6, "us"),
          x(B.ratio(cc, nc)) }
      end
    end
    B.table("reference: node peers (no target; ratio = this client / node)", nil, {
      { name = "scenario", width = 40 }, { name = "client/s", width = 9, right = true },
      { name = "node/s", width = 9, right = true }, { name = "ratio", width = 6, right = true },
      { name = "client CPU", width = 10, right = true }, { name = "node CPU", width = 10, right = true },
      { name = "ratio", width = 6, right = true } }, ref)
  end
end

------------------------------------------------------------------ memory

local function memory_section(srv, node_ok, node_why)
  section(("memory: %d concurrent streams in one Lua state; %d sequential streams"):format(CONCURRENT, SEQUENTIAL))
  local conc, heap, seq, seq_heap, nodes = {}, {}, {}, {}, {}
  for _ = 1, RUNS do
    for _, lua in ipairs(LUAS) do
      local r = scenario("memory concurrent " .. lua.name,
        lua_cmd(lua, "bench/memory/client.lua", srv.url, CONCURRENT, 0), 300)
      if r then
        conc[lua.name] = conc[lua.name] or {}
        heap[lua.name] = heap[lua.name] or {}
        table.insert(conc[lua.name], r[1].rss_kb)
        table.insert(heap[lua.name], r[1].heap_kb)
      end
      r = scenario("memory sequential " .. lua.name,
        lua_cmd(lua, "bench/memory/client.lua", srv.url, 0, SEQUENTIAL), 600)
      if r then
        seq[lua.name] = seq[lua.name] or {}
        seq_heap[lua.name] = seq_heap[lua.name] or {}
        table.insert(seq[lua.name], r[1].rss_growth_kb)
        table.insert(seq_heap[lua.name], r[1].heap_growth_kb)
      end
    end
    if node_ok then
      local r = scenario("memory openai SDK", ("cd %s && node --expose-gc bench/node/memory.mjs %s %d")
        :format(B.quote(ROOT), B.quote(srv.url), CONCURRENT), 300)
      if r then nodes[#nodes + 1] = r[1].rss_kb end
    end
  end
  local node_kb = B.median(nodes)
  local rows = {}
  for _, lua in ipairs(LUAS) do
    local kb = conc[lua.name] and B.median(conc[lua.name])
    rows[#rows + 1] = { lua.label .. ": RSS per in-flight stream", B.fmt(kb, "KiB"), B.fmt(node_kb, "KiB"),
      x(B.ratio(kb, node_kb)), "<= 24 KiB", verdict(kb and kb <= 24) }
    local hk = heap[lua.name] and B.median(heap[lua.name])
    rows[#rows + 1] = { lua.label .. ":   of which Lua heap", B.fmt(hk, "KiB"), "", "", "", "" }
  end
  B.table(("memory per in-flight stream (%d concurrent, RSS growth / %d)"):format(CONCURRENT, CONCURRENT), {
    "peer: the openai npm SDK on node, the same streams (" .. (node_ok and "rss growth, after gc)"
      or ("skipped: " .. tostring(node_why) .. ")")),
    "each stream is read up to its first chunk (connected, in flight), after full collections",
  }, TARGET_COLS, rows)
  rows = {}
  local limit = 256
  for _, lua in ipairs(LUAS) do
    local g = seq[lua.name] and B.median(seq[lua.name])
    local hg = seq_heap[lua.name] and B.median(seq_heap[lua.name])
    rows[#rows + 1] = { lua.label .. ": RSS growth", B.fmt(g, "KiB"), "", "",
      ("<= %d KiB"):format(limit), verdict(g and g <= limit) }
    rows[#rows + 1] = { lua.label .. ": Lua heap growth", B.fmt(hg, "KiB"), "", "", "", "" }
  end
  B.table(("no growth over %d sequential streams (from the end of the warm-up to the end)"):format(SEQUENTIAL), {
    ("'no growth' read as: RSS after the last stream within %d KiB of RSS after the warm-up"):format(limit),
    "warm-up: the first tenth of the streams (at least half of a run of up to 2,000)",
  }, TARGET_COLS, rows)
end

------------------------------------------------------------------ request preparation

local function prepare_section(node_ok, node_why)
  section("request preparation: validate + encode")
  local dir = B.capture("mktemp -d /tmp/openrouter-bench.XXXXXX")
  local lua54 = LUAS[1]
  scenario("schemas as JSON", lua_cmd(lua54, "bench/prepare/schemas_json.lua", dir) .. " && echo RESULT ok=1", 60)
  local ns, node_ns, path = {}, {}, "?"
  for _ = 1, RUNS do
    for _, lua in ipairs(LUAS) do
      local r = scenario("prepare " .. lua.name, lua_cmd(lua, "bench/prepare/client.lua", PREP_ITERS, 5), 300)
      for _, one in ipairs(r or {}) do
        local key = lua.name .. "/" .. one.case
        ns[key] = ns[key] or {}
        table.insert(ns[key], one.ns)
        path = one.path or (one.encoder and ("validate_request / validate_provider + " .. one.encoder .. ".encode"))
      end
    end
    if node_ok then
      local r = scenario("prepare ajv", ("cd %s && node bench/node/prepare.mjs %s %d 5")
        :format(B.quote(ROOT), B.quote(dir), PREP_ITERS), 300)
      for _, one in ipairs(r or {}) do
        node_ns[one.case] = node_ns[one.case] or {}
        table.insert(node_ns[one.case], one.ns)
      end
    end
  end
  B.sh("rm -rf " .. B.quote(dir))
  local rows = {}
  for _, c in ipairs{ { "request", "typical chat request" }, { "provider", "provider, every field" } } do
    local n = node_ns[c[1]] and B.median(node_ns[c[1]])
    for _, lua in ipairs(LUAS) do
      local v = ns[lua.name .. "/" .. c[1]] and B.median(ns[lua.name .. "/" .. c[1]])
      local r = B.ratio(v, n)
      rows[#rows + 1] = { lua.label .. ": " .. c[2], B.fmt(v and v / 1000, "us"), B.fmt(n and n / 1000, "us"),
        x(r), "<= 1.00x", verdict(r and r <= 1) }
    end
  end
  B.table("request preparation (CPU time per validate + encode, lower is better)", {
    "this client: openrouter." .. tostring(path) .. " (what client:chat() runs: validate + encode in one walk)",
    "CPU of the process (not wall time: robust on a loaded machine); node's includes its GC threads",
    "peer: ajv (" .. (node_ok and "8, the same schemas as JSON) + JSON.stringify on node"
      or ("skipped: " .. tostring(node_why) .. ")")),
  }, TARGET_COLS, rows)
end

------------------------------------------------------------------ OpenResty relay

local function relay_section(srv)
  section(("OpenResty: one worker relaying %d streams x %d deltas, %d ms apart"):format(RELAY_STREAMS,
    RELAY_DELTAS, RELAY_DELAY))
  if not B.have("nginx") then
    print("  skipped: nginx is not installed (make deps)")
    return
  end
  local L = require("relay.load")
  local host, port = srv.url:match("^http://([^:/]+):(%d+)")
  local tap = L.start_tap(host, tonumber(port))
  local up = ("http://127.0.0.1:%d/api/v1"):format(tap.port)
  local relays = { "client", "cosocket" }
  local ngx_srv, fig = {}, {}
  -- The worker measured gets a core of its own; this process (the tap and
  -- the readers) and the simulator share the other.  Unpinned, the three
  -- migrate between the two cores and the latencies measure the scheduler:
  -- p50 0.9-1.1 ms for both relays, 0.4 pinned, on a loaded run here.
  local me = NPROC >= 2 and B.have("taskset") and tonumber(B.capture("echo $PPID"))
  local pinned = me and B.pin(me, "0") and B.pin(srv.pid, "0")
  local ok, err = pcall(function()
    for i, relay in ipairs(relays) do
      ngx_srv[relay] = L.start_nginx(ROOT, up)
      if pinned then B.pin(ngx_srv[relay].pid, "1") end
      fig[relay] = { cpu = {}, p50 = {}, p99 = {}, ping = {}, ping_idle = {}, idle = {} }
      -- warm up: modules, the client, connections, and LuaJIT's traces: a
      -- short warm-up left the client's compiling 40-odd traces into the
      -- first measured load (88 mprotect calls in it, against 6 after a
      -- full-size warm-up), the peer's fewer
      L.load(ngx_srv[relay], tap, CPUTIME, relay, RELAY_STREAMS, RELAY_DELTAS, RELAY_DELAY, 900000 + i * 1000, true)
    end
    -- The two relays' loads of a run follow each other at once, in turns
    -- (the client first in odd runs, the peer in even ones): this VM's
    -- speed drifts by 10-30% over seconds, and both then see the same.
    for run = 1, RELAY_RUNS do
      local order = run % 2 == 1 and relays or { relays[2], relays[1] }
      local function each(f)
        for _, relay in ipairs(order) do f(relay, fig[relay], (run * 10 + (relay == "client" and 1 or 2)) * 1000) end
      end
      -- /ping with nothing in flight: the baseline
      each(function(relay, f) table.insert(f.ping_idle, B.percentile(L.ping_baseline(ngx_srv[relay], 100), 99)) end)
      -- the load alone: the worker's CPU and the latencies
      each(function(relay, f, id)
        local r = L.load(ngx_srv[relay], tap, CPUTIME, relay, RELAY_STREAMS, RELAY_DELTAS, RELAY_DELAY, id)
        table.insert(f.cpu, r.cpu / r.deltas)
        table.insert(f.p50, B.percentile(r.latencies, 50))
        table.insert(f.p99, B.percentile(r.latencies, 99))
      end)
      -- the same load with /ping every 10 ms: is the worker still responsive?
      each(function(relay, f, id)
        local r = L.load(ngx_srv[relay], tap, CPUTIME, relay, RELAY_STREAMS, RELAY_DELTAS, RELAY_DELAY, id + 500, true)
        table.insert(f.ping, B.percentile(r.pings, 99))
      end)
      each(function(relay, f) table.insert(f.idle, L.idle_cpu(ngx_srv[relay], CPUTIME, 2)) end)
    end
  end)
  for _, relay in ipairs(relays) do if ngx_srv[relay] then ngx_srv[relay].stop() end end
  if me then
    B.pin(me, "0-" .. (NPROC - 1))
    B.pin(srv.pid, "0-" .. (NPROC - 1))
  end
  tap.close()
  if not ok then
    broken[#broken + 1] = { what = "OpenResty relay", out = tostring(err) }
    print("  the relay benchmark broke; its error is at the end")
    return
  end
  local c, p = fig.client, fig.cosocket
  local m = B.median
  local c_idle = m(c.ping_idle)
  local cpu_r = B.ratio(m(c.cpu), m(p.cpu))
  local rows = {
    { "worker CPU per delta", B.fmt(m(c.cpu) * 1e6, "us"), B.fmt(m(p.cpu) * 1e6, "us"), x(cpu_r), "<= 1.00x",
      verdict(cpu_r <= 1) },
    { "added latency per delta, p50", B.fmt(m(c.p50), "ms"), B.fmt(m(p.p50), "ms"), x(B.ratio(m(c.p50), m(p.p50))),
      "<= 0.5 ms", verdict(m(c.p50) <= 0.5) },
    { "added latency per delta, p99", B.fmt(m(c.p99), "ms"), B.fmt(m(p.p99), "ms"), x(B.ratio(m(c.p99), m(p.p99))),
      "<= 2 ms", verdict(m(c.p99) <= 2) },
    { "worker CPU idle (2 s, nothing in flight)", B.fmt(m(c.idle) * 1000, "ms"), B.fmt(m(p.idle) * 1000, "ms"), "",
      "0 (< 1 ms)", verdict(m(c.idle) < 0.001) },
    { "/ping p99 under load", B.fmt(m(c.ping), "ms"), B.fmt(m(p.ping), "ms"), x(B.ratio(m(c.ping), m(p.ping))),
      ("<= %.2f ms"):format(c_idle + 1), verdict(m(c.ping) <= c_idle + 1) },
    { "/ping p99 idle (before each load)", B.fmt(c_idle, "ms"), B.fmt(m(p.ping_idle), "ms"), "", "", "" },
  }
  B.table("OpenResty relay: this client (loop = \"ngx\") vs a minimal cosocket client", {
    "peer: ngx.socket.tcp, HTTP/1.1, line split, cjson.decode, ngx.print + ngx.flush (bench/relay/relay_handlers.lua)",
    "CPU: the worker's (its CPU-time clock) over the load, / deltas; median of " .. RELAY_RUNS .. " runs",
    "latency: tap (between nginx and the simulator) to the downstream reader, on one clock; docs/bench.md",
    "'/ping unchanged' read as: p99 under the same load (run again with the probe) within 1 ms of p99 idle",
    pinned and "the nginx worker pinned to CPU 1, the driver and the simulator to CPU 0 (taskset)"
      or "not pinned (one core, or no taskset): latencies include the scheduler's moves",
  }, TARGET_COLS, rows)
end

------------------------------------------------------------------ Neovim

local function nvim_section(srv)
  section(("Neovim: %d deltas at full speed into a buffer; the loop's longest gap (10 ms timer)"):format(NVIM_DELTAS))
  if not B.have("nvim") then
    print("  skipped: nvim is not installed (make deps)")
    return
  end
  local cjson = require("cjson")
  local gaps = { baseline = {}, client = {}, curl = {} }
  local setups = {}
  local result = os.tmpname()
  for _ = 1, math.max(RUNS, QUICK and 1 or 3) do
    for _, mode in ipairs{ "baseline", "client", "curl" } do
      os.remove(result)
      local cmd = ("cd %s && BENCH_ROOT=%s MOCK_URL=%s BENCH_MODE=%s BENCH_TOKENS=%d BENCH_RESULT=%s "
        .. "nvim --headless -u NONE -i NONE -n -c 'luafile bench/nvim/gap.lua'"):format(B.quote(ROOT),
        B.quote(ROOT), B.quote(srv.url), mode, NVIM_DELTAS, B.quote(result))
      local _, _, out = B.run(cmd, 60)
      local okj, r = pcall(cjson.decode, B.read(result) or "")
      if okj and type(r) == "table" and r.ok and not r.error then
        table.insert(gaps[mode], r.max_gap_ms)
        if r.setup_ms then table.insert(setups, r.setup_ms) end
      else
        broken[#broken + 1] = { what = "nvim " .. mode, out = out .. "\n" .. tostring(B.read(result)) }
      end
    end
  end
  os.remove(result)
  local base, c, p = B.median(gaps.baseline), B.median(gaps.client), B.median(gaps.curl)
  local limit = base and base * 1.25
  B.table("Neovim: the editor loop's longest gap while a stream pours into a buffer", {
    "peer: curl -sN via vim.fn.jobstart, on_stdout lines, vim.json.decode, the text appended (plugins' way)",
    "'at its no-stream baseline' read as: within 25% of the baseline's longest gap (median of runs)",
    "the client is set up (require, new, a first request prepared) before the window, as a plugin's setup does;",
    "that one-time cost is the last row (dlopen of libcurl and its libraries is most of it)",
  }, TARGET_COLS, {
    { "longest gap, streaming", B.fmt(c, "ms"), B.fmt(p, "ms"), x(B.ratio(c, p)),
      limit and ("<= %.1f ms"):format(limit) or "-", verdict(c and limit and c <= limit) },
    { "longest gap, no stream (baseline)", B.fmt(base, "ms"), "", "", "", "" },
    { "set-up, once (not in the window)", B.fmt(B.median(setups), "ms"), "", "", "", "" },
  })
end

------------------------------------------------------------------ LuaJIT vs 5.4

-- LuaJIT against 5.4 is the same client on the same C code: while
-- streaming, the same engines (the decoding, the accumulation: core.so
-- links them at the same addresses in both builds); preparing a request,
-- the same walk through the Lua API.  The two differ by a few per cent at
-- most, which single runs cannot tell apart: two sets of 11 unpinned pairs
-- of result() on one build gave 1.01x and then 0.95x.  So the comparison
-- gets runs of its own: VM_RUNS pairs, the pair's order alternated, the
-- measured process on a core of its own (CPU 1; the simulator on CPU 0, as
-- the relay's worker).  A figure is the median over the pairs of LuaJIT's
-- figure / 5.4's in the same pair (>= 1: LuaJIT no slower).
local VM_PIN = NPROC >= 2 and B.have("taskset")

-- lua, run on CPU 1 when the machine lets the comparison pin.
local function vm_lua(lua)
  return VM_PIN and { name = lua.name, bin = "taskset -c 1 " .. lua.bin } or lua
end

-- Run one(lua) for 5.4 and LuaJIT, VM_RUNS times in alternating order;
-- each(results by lua name) after each pair that both ran.
local function vm_pairs(one, each)
  for run = 1, VM_RUNS do
    local pair = {}
    for k = 1, 2 do
      local lua = LUAS[run % 2 == 1 and k or 3 - k]
      pair[lua.name] = one(vm_lua(lua))
    end
    if pair["5.4"] and pair.jit then each(pair) end
  end
end

-- A row's figures: the pairs' ratios and both sides' absolute figures.
local function vm_add(fig, key, ratio, v54, vjit)
  local f = fig[key] or { ratios = {}, v54 = {}, vjit = {} }
  fig[key] = f
  f.ratios[#f.ratios + 1], f.v54[#f.v54 + 1], f.vjit[#f.vjit + 1] = ratio, v54, vjit
end

local function vm_section(srv)
  section(("LuaJIT vs Lua 5.4 streaming: %d pairs of runs per path, %d chunks each")
    :format(VM_RUNS, TOKENS))
  local pinned = VM_PIN and B.pin(srv.pid, "0")
  local fig = {}
  local ok, err = pcall(function()
    for _, mode in ipairs{ "chunks", "text", "result" } do
      vm_pairs(function(lua)
        local res = scenario("LuaJIT vs 5.4: " .. lua.name .. " " .. mode,
          lua_cmd(lua, "bench/stream/client.lua", srv.url, TOKENS, mode), 300)
        return res and res[1]
      end, function(pair)
        local a, b = pair["5.4"], pair.jit
        local ra, rb = a.chunks / a.wall, b.chunks / b.wall
        local ca, cb = a.cpu / a.chunks, b.cpu / b.chunks
        vm_add(fig, mode .. "/rate", rb / ra, ra, rb)
        vm_add(fig, mode .. "/cpu", ca / cb, ca, cb)
      end)
    end
  end)
  if pinned then B.pin(srv.pid, "0-" .. (NPROC - 1)) end
  if not ok then error(err, 0) end
  return fig
end

-- Request preparation, LuaJIT vs 5.4: pairs of processes of their own.
local function vm_prepare()
  local fig = {}
  vm_pairs(function(lua)
    local r = scenario("prepare LuaJIT vs 5.4: " .. lua.name,
      lua_cmd(lua, "bench/prepare/client.lua", PREP_ITERS, 5), 300)
    if not r then return nil end
    local by = {}
    for _, one in ipairs(r) do by[one.case] = one.ns end
    return by
  end, function(pair)
    for _, c in ipairs{ "request", "provider" } do
      local a, b = pair["5.4"][c], pair.jit[c]
      if a and b then vm_add(fig, c, a / b, a, b) end
    end
  end)
  return fig
end

-- One-sided 5% critical values of Student's t, by degrees of freedom.
local T95 = { 6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782,
              1.771, 1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711,
              1.708, 1.706, 1.703, 1.701, 1.699, 1.697 }

-- Is LuaJIT slower, beyond the pairs' noise?  A one-sided paired t-test on
-- the log ratios at 5%: their mean below 0 by more than T95 standard
-- errors.  Returns slower, t (nil with fewer than 5 pairs).
local function vm_slower(ratios)
  local n = #ratios
  if n < 5 then return nil end
  local sum, sq = 0, 0
  for _, r in ipairs(ratios) do sum = sum + math.log(r) end
  local mean = sum / n
  for _, r in ipairs(ratios) do sq = sq + (math.log(r) - mean) ^ 2 end
  local se = math.sqrt(sq / (n - 1) / n)
  local t = se > 0 and mean / se or (mean < 0 and -math.huge or math.huge)
  return t < -(T95[n - 1] or 1.645), t
end

-- PASS: the median of the pairs' ratios is >= 1, or the pairs do not show
-- LuaJIT slower beyond their noise (5 pairs or more).
local function vm_verdict(f)
  local r = B.median(f.ratios)
  local slower, t = vm_slower(f.ratios)
  local below = 0
  for _, v in ipairs(f.ratios) do if v < 1 then below = below + 1 end end
  return r, below, t, r >= 1 or slower == false
end

local function jit_table(vm, prep)
  local notes = {
    "columns: 'this client' = LuaJIT, 'peer' = Lua 5.4; ratio = the median over the pairs of",
    "  LuaJIT's speed / 5.4's in the same pair",
  }
  -- a row of figures f; with `target`, a PASS / FAIL verdict, else a word
  local function row(rows, name, f, show, target)
    if not f then
      rows[#rows + 1] = { name, "-", "-", "-", target and ">= 1.00x" or "", "-" }
      return
    end
    local r, below, t, ok = vm_verdict(f)
    rows[#rows + 1] = { name, show(B.median(f.vjit)), show(B.median(f.v54)), x(r),
      target and ">= 1.00x" or "(reference)", target and verdict(ok) or (ok and "" or "slower") }
    notes[#notes + 1] = ("%s: LuaJIT slower in %d of %d pairs, %.2fx to %.2fx%s"):format(name,
      below, #f.ratios, B.min(f.ratios), B.max(f.ratios), t and (", t = %.1f"):format(t) or "")
  end
  local rows, ref = {}, {}
  local paths = { { "chunks", "for chunk in stream" }, { "text", "stream:text()" },
                  { "result", "stream:result()" } }
  -- chunks/s near the simulator's ceiling measure the simulator as much as
  -- the client (see the streaming section's WARNING); CPU per chunk is the
  -- client's own cost
  for _, p in ipairs(paths) do
    row(rows, p[2] .. ", chunks/s", vm and vm[p[1] .. "/rate"], function(v) return B.fmt(v) end, true)
  end
  for _, p in ipairs(paths) do
    row(rows, p[2] .. ", CPU per chunk", vm and vm[p[1] .. "/cpu"],
      function(v) return B.fmt(v * 1e6, "us") end, true)
  end
  -- The issue's paths are the ways of reading a stream (its section 1);
  -- request preparation has a target of its own (against ajv, on each Lua),
  -- and LuaJIT against 5.4 on it is shown for reference.
  for _, c in ipairs{ { "request", "prepare typical request" }, { "provider", "prepare provider object" } } do
    row(ref, c[2] .. ", per call", prep and prep[c[1]], function(v) return B.fmt(v / 1000, "us") end, false)
  end
  notes[#notes + 1] = ("%d pairs, the order alternated; %s"):format(VM_RUNS, VM_PIN
      and "each run on CPU 1, the simulator on CPU 0 (taskset)" or "not pinned")
  notes[#notes + 1] = ("PASS: the median ratio >= 1, or the pairs do not show LuaJIT slower (one-sided"
    .. " paired t-test on the log ratios at 5%%: slower when t < -%.2f)"):format(T95[VM_RUNS - 1] or 1.645)
  notes[#notes + 1] = "the stream paths are the target; request preparation, below the line, is for"
    .. " reference (its target is ajv's time, on each Lua)"
  if #ref > 0 then rows[#rows + 1] = { "--", "", "", "", "", "" } end
  for _, r in ipairs(ref) do rows[#rows + 1] = r end
  B.table("LuaJIT no slower than Lua 5.4 on any path (the ways of reading a stream)", notes, TARGET_COLS, rows)
end

------------------------------------------------------------------ micro benchmarks

local function micro_section()
  section("micro benchmarks (context, no targets)")
  for _, m in ipairs{ { "bench/sse_bench.lua", {} }, { "bench/schema_bench.lua", { "all", "50000" } } } do
    for _, lua in ipairs(m[2][1] == "all" and { LUAS[1] } or LUAS) do
      local _, ok, out = B.run(lua_cmd(lua, m[1], m[2][1], m[2][2]), 600)
      print()
      print(("-- %s (%s)"):format(m[1], m[2][1] == "all" and "every Lua built" or lua.label))
      io.write(out)
      if not ok then broken[#broken + 1] = { what = m[1], out = out } end
    end
  end
  local _, ok, out = B.run(lua_cmd(LUAS[1], "bench/hosts_bench.lua"), 600)
  print()
  print("-- bench/hosts_bench.lua (Lua 5.4)")
  io.write(out)
  if not ok then broken[#broken + 1] = { what = "hosts_bench", out = out } end
end

------------------------------------------------------------------ main

local t_start = uv.hrtime()
machine()
build_cputime()
local node_ok, node_why = false, "not needed"
if ONLY.stream or ONLY.memory or ONLY.prepare then
  node_ok, node_why = node_setup()
  print(("  node peers  %s"):format(node_ok and "bench/node (openai, eventsource-parser, ajv; pinned)"
    or ("skipped: " .. node_why)))
end
for _, lua in ipairs(LUAS) do
  assert(io.open(ROOT .. "/build/" .. lua.name .. "/openrouter/core.so"), "build/" .. lua.name
    .. "/openrouter/core.so is missing: make build")
end
local srv = start_simulator()

local ok_all, err_all = xpcall(function()
  local vm_fig, prep_fig
  if ONLY.stream then
    stream_section(srv, node_ok, node_why)
    vm_fig = vm_section(srv)
  end
  if ONLY.prepare then
    prepare_section(node_ok, node_why)
    prep_fig = vm_prepare()
  end
  if ONLY.stream or ONLY.prepare then jit_table(vm_fig, prep_fig) end
  if ONLY.memory then memory_section(srv, node_ok, node_why) end
  if ONLY.relay then relay_section(srv) end
  if ONLY.nvim then nvim_section(srv) end
end, debug.traceback)
srv.stop()
if not ok_all then broken[#broken + 1] = { what = "the driver", out = tostring(err_all) } end
if ok_all and ONLY.micro then micro_section() end

print()
print(("bench: %d targets met, %d missed; %.0f s; load average at the end %s"):format(verdicts.pass,
  verdicts.fail, (uv.hrtime() - t_start) / 1e9, loadavg()))
for _, b in ipairs(broken) do
  print()
  print("== BROKEN: " .. b.what)
  print(b.out)
end
io.flush()
os.exit(#broken == 0 and 0 or 1)
