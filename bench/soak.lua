-- make soak: 10,000 sequential requests and 1,000 concurrent streams against
-- the simulator in one Lua state.  Every result is checked; resident memory
-- is reported after warm-up and at the end, and must stay flat.
local openrouter = require("openrouter")
local mock = require("support.mock_server")

local SEQUENTIAL = tonumber(os.getenv("SOAK_SEQUENTIAL") or "") or 10000
local CONCURRENT = tonumber(os.getenv("SOAK_CONCURRENT") or "") or 1000
local MAX_GROWTH_KB = tonumber(os.getenv("SOAK_MAX_GROWTH_KB") or "") or 1024

local function rss_kb()
  local f = io.open("/proc/self/status")
  if not f then return 0 end
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)")) or 0
end

local function settle()
  for _ = 1, 3 do collectgarbage("collect") end
  return rss_kb()
end

local srv = mock.start()
local client = openrouter.new{ base_url = srv.url, api_key = "sk-or-soak", max_retries = 0 }
local failures = 0
local function check(ok, what)
  if not ok then
    failures = failures + 1
    if failures <= 5 then io.stderr:write("soak: ", what, "\n") end
  end
end

local function one(i)
  local text = "message number " .. i .. " — ünïcødé"
  local req = { model = "mock/echo", messages = { { role = "user", content = text } } }
  if i % 2 == 0 then
    local res, err = client:chat(req)
    check(res and res.choices[1].message.content == text, "chat " .. i .. ": " .. tostring(err))
  else
    local s, err = client:stream(req)
    local res, rerr = nil, err
    if s then res, rerr = s:result() end
    check(res and res.choices[1].message.content == text, "stream " .. i .. ": " .. tostring(rerr))
  end
end

local t0 = os.clock()
local warm = math.min(1000, SEQUENTIAL)
for i = 1, warm do one(i) end
local rss_warm = settle()
for i = warm + 1, SEQUENTIAL do one(i) end
local rss_seq = settle()
local cpu_seq = os.clock() - t0
print(("sequential: %d requests, %d failed, %.1f s CPU; RSS after warm-up %d kB, at the end %d kB (%+d kB)")
  :format(SEQUENTIAL, failures, cpu_seq, rss_warm, rss_seq, rss_seq - rss_warm))

local function concurrent_round()
  local streams = {}
  local req = { model = "mock/lorem", messages = { { role = "user", content = "go" } }, max_tokens = 20 }
  for i = 1, CONCURRENT do
    local s, err = client:stream(req)
    check(s ~= nil, "start " .. i .. ": " .. tostring(err))
    streams[i] = s
  end
  local expect
  for i = 1, CONCURRENT do
    local s = streams[i]
    if s then
      local res, err = s:result()
      local text = res and res.choices[1].message.content
      expect = expect or text
      check(text ~= nil and text == expect, "concurrent " .. i .. ": " .. tostring(err))
    end
  end
end

local ROUNDS = tonumber(os.getenv("SOAK_ROUNDS") or "") or 4
local before = failures
local rss = {}
for r = 1, ROUNDS do
  concurrent_round()
  rss[r] = settle()
end
-- rounds 1 and 2 warm up (connection cache, allocator arenas)
local rss_c1, rss_c2 = rss[math.min(2, ROUNDS)], rss[ROUNDS]
print(("concurrent: %d rounds of %d streams, %d failed; RSS per round %s kB; after warm-up %+d kB")
  :format(ROUNDS, CONCURRENT, failures - before, table.concat(rss, " "), rss_c2 - rss_c1))

srv.stop()
local grew = math.max(rss_seq - rss_warm, rss_c2 - rss_c1)
local ok = failures == 0 and grew <= MAX_GROWTH_KB
print(("soak: %d passed, %d failed"):format(ok and 1 or 0, ok and 0 or 1))
os.exit(ok and 0 or 1)
