-- A real connect timeout.  Loopback never drops a SYN, so this spec makes a
-- network namespace of its own (only `lo` in it), adds a tc rule there that
-- drops TCP SYNs to one port, and runs a small client script inside the
-- namespace (`ip netns exec`) against that port: the connection can never
-- be made, and nothing leaves the namespace.  The namespace is deleted in
-- teardown, whatever happened.  Needs root and iproute2, as CI has; where
-- no namespace can be made, the spec prints why and stays pending.

local DROPPED = 47001      -- SYNs to this port vanish, inside the namespace only
local CONNECT = 0.5        -- the connect timeout under test, seconds

-- Run a shell command; returns its exit status and its output (stdout and
-- stderr).  The status is echoed: io.popen's close() does not give it on
-- 5.1 and LuaJIT.
local function sh(cmd)
  local f = assert(io.popen(cmd .. " 2>&1; echo \"=rc $?\""))
  local out = f:read("*a")
  f:close()
  local body, rc = out:match("^(.-)=rc (%d+)%s*$")
  return tonumber(rc), body or out
end

local function quote(s)
  assert(not s:find("'", 1, true), "a quote in " .. s)
  return "'" .. s .. "'"
end

local function pid()
  local f = io.open("/proc/self/stat")
  local p = f and f:read("*l"):match("^(%d+)")
  if f then f:close() end
  return p or tostring(os.time() % 100000)
end

-- The interpreter running this spec, for the client inside the namespace.
local function interpreter()
  if rawget(_G, "jit") then return "luajit" end
  return "lua" .. _VERSION:match("%d+%.%d+")
end

-- The client: connect to the dropped port with timeout.connect = CONNECT,
-- one call (chat or stream), then one line: what failed and how long it took.
local CLIENT = [[
local openrouter = require("openrouter")
local core = require("openrouter.core")
local mode, port, retries, connect = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
local c = openrouter.new{ base_url = "http://127.0.0.1:" .. port .. "/api/v1",
  api_key = "sk-or-connect-timeout", max_retries = retries,
  timeout = { connect = connect, total = 30 } }
local req = { model = "mock/lorem", messages = { { role = "user", content = "hi" } } }
local t0 = core.now()
local res, err
if mode == "stream" then
  local s
  s, err = c:stream(req)
  if s then res, err = s:result() end
else
  res, err = c:chat(req)
end
local elapsed = core.now() - t0
if res ~= nil or err == nil then print("no error") os.exit(1) end
print(("kind=%s which=%s retryable=%s attempts=%d elapsed=%.3f"):format(tostring(err.kind),
  tostring(err.which), tostring(err.retryable), err.attempts and #err.attempts or -1, elapsed))
]]

describe("connect timeout (SYNs dropped in a network namespace)", function()
  local ns, script, why_not

  -- Make the namespace and the rule; on any failure, undo and raise.
  local function make_namespace()
    local rc, out = sh("ip netns add " .. ns)
    if rc ~= 0 then
      why_not = "cannot make a network namespace (needs root and iproute2): " .. out:gsub("%s+$", "")
      return
    end
    local x = "ip netns exec " .. ns .. " "
    -- htb sends everything to class 1:1, except what the u32 filter picks
    -- for class 1:2, whose queue holds nothing (pfifo limit 0): so TCP
    -- (protocol 6) to DROPPED with SYN set (bit 0x02 of byte 33, a 20-byte
    -- IP header) is dropped, and the drops are counted on qdisc 20:.
    for _, cmd in ipairs{
      "ip link set lo up",
      "tc qdisc add dev lo root handle 1: htb default 1 r2q 100000",
      "tc class add dev lo parent 1: classid 1:1 htb rate 10gbit",
      "tc class add dev lo parent 1: classid 1:2 htb rate 10gbit",
      "tc qdisc add dev lo parent 1:2 handle 20: pfifo limit 0",
      "tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff"
        .. " match ip dport " .. DROPPED .. " 0xffff match u8 0x02 0x02 at 33 flowid 1:2",
    } do
      local crc, cout = sh(x .. cmd)
      if crc ~= 0 then
        sh("ip netns del " .. ns)
        ns = nil
        error("in the namespace, `" .. cmd .. "` failed: " .. cout)
      end
    end
  end

  setup(function()
    ns = "orc-ct-" .. pid()
    make_namespace()
    if why_not then
      ns = nil
      print("\nconnect_timeout_spec: skipped: " .. why_not)
      return
    end
    script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(CLIENT)
    f:close()
  end)

  teardown(function()
    if ns then sh("ip netns del " .. ns) end
    if script then os.remove(script) end
  end)

  -- SYNs dropped by the rule so far.
  local function drops()
    local _, out = sh("ip netns exec " .. ns .. " tc -s qdisc show dev lo")
    local n = out:match("qdisc pfifo 20:.-dropped (%d+)")
    return assert(tonumber(n), "no drop count in: " .. out)
  end

  -- Run the client in the namespace; returns the fields it printed.
  local function run(mode, retries)
    local before = drops()
    local rc, out = sh(("timeout 30 ip netns exec %s env LUA_PATH=%s LUA_CPATH=%s %s %s %s %d %d %s")
      :format(ns, quote(package.path), quote(package.cpath), interpreter(), script, mode,
              DROPPED, retries, tostring(CONNECT)))
    assert(rc == 0, "the client failed (" .. tostring(rc) .. "): " .. out)
    local r = {}
    for k, v in out:gmatch("(%w+)=(%S+)") do r[k] = v end
    r.elapsed = tonumber(r.elapsed)
    r.attempts = tonumber(r.attempts)
    r.syns = drops() - before
    print(("\n  %s, max_retries %d: %s"):format(mode, retries, out:gsub("%s+$", "")))
    return r
  end

  local function check_timeout(r)
    assert.are.equal("timeout", r.kind)
    assert.are.equal("connect", r.which)
    assert.is_true(r.elapsed >= CONNECT - 0.1, "too early: " .. r.elapsed .. " s")
    assert.is_true(r.elapsed <= 1.5, "too late: " .. r.elapsed .. " s")
  end

  it("chat: kind timeout, which connect, after the connect timeout", function()
    if why_not then return pending(why_not) end
    local r = run("chat", 0)
    check_timeout(r)
    assert.are.equal(1, r.attempts)
    assert.are.equal(1, r.syns)       -- one SYN, dropped; the kernel's retransmit is at 1 s
  end)

  it("stream: the same error before any byte", function()
    if why_not then return pending(why_not) end
    check_timeout(run("stream", 0))
  end)

  -- The policy today (errors.lua): only kind "network" and the retryable
  -- HTTP statuses are retryable; a timeout, connect included, is not, so
  -- max_retries does not apply.  One attempt, one SYN, whatever max_retries.
  it("is not retried: timeouts are not retryable, max_retries = 2 makes one attempt", function()
    if why_not then return pending(why_not) end
    for _, mode in ipairs{ "chat", "stream" } do
      local r = run(mode, 2)
      check_timeout(r)
      assert.are.equal("false", r.retryable)
      assert.are.equal(1, r.attempts)
      assert.are.equal(1, r.syns)
    end
  end)
end)
