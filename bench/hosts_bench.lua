--- Host loops under load: how many concurrent streams one loop carries.
--
--   lua5.4 bench/hosts_bench.lua        (run from the repo root; `make bench` runs it)
--
-- Table 1, loop = "luv": N streams at once (mock/echo, 12 deltas paced
-- 5 ms apart) in openrouter.async tasks on one uv loop: wall time, this
-- process's CPU per stream, and the longest gap of a 10 ms uv timer (how
-- long the loop was ever busy).
-- Table 2, loop = "manual": client:update() called every millisecond
-- while N streams run, as a game would once a frame: mean and worst cost.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path

local uv = require("luv")
local core = require("openrouter.core")
local openrouter = require("openrouter")
local mock_server = require("support.mock_server")

local srv = mock_server.start{ quiet = true }
local prompt = "twelve deltas of four characters make this line"

local function req() return { model = "mock/echo", messages = { { role = "user", content = prompt } } } end
local paced = { headers = { ["X-Mock-Delay-Ms"] = "5" } }

local function luv_run(n)
  local client = openrouter.new{ loop = "luv", base_url = srv.url, api_key = "bench" }
  local left, bad = n, 0
  local last, gap = uv.hrtime(), 0
  local meter = uv.new_timer()
  meter:start(10, 10, function()
    local t = uv.hrtime()
    gap = math.max(gap, (t - last) / 1e6)
    last = t
  end)
  local cpu0, t0 = os.clock(), core.now()
  for _ = 1, n do
    openrouter.async(function()
      local final = assert(client:stream(req(), paced)):result()
      if not final or final.choices[1].message.content ~= prompt then bad = bad + 1 end
      left = left - 1
      if left == 0 then meter:stop(); meter:close() end
    end)
  end
  uv.run()
  local wall, cpu = core.now() - t0, os.clock() - cpu0
  client:close()
  assert(bad == 0, bad .. " streams went wrong")
  return wall, cpu, gap
end

local function manual_run(n)
  local client = openrouter.new{ loop = "manual", base_url = srv.url, api_key = "bench" }
  local left = n
  for _ = 1, n do
    openrouter.async(function()
      assert(assert(client:stream(req(), paced)):result())
      left = left - 1
    end)
  end
  local calls, total, worst = 0, 0, 0
  while left > 0 do
    local t = core.now()
    client:update()
    local d = core.now() - t
    calls, total, worst = calls + 1, total + d, math.max(worst, d)
    core.sleep(0.001)
  end
  client:close()
  return total / calls, worst, calls
end

print(("host loops on %s"):format(rawget(_G, "jit") and jit.version or _VERSION))
print()
print("loop 'luv': N concurrent streams on one uv loop")
print(("%8s %10s %16s %16s"):format("streams", "wall ms", "CPU ms/stream", "longest gap ms"))
for _, n in ipairs{ 25, 50, 100, 200, 400 } do
  local wall, cpu, gap = luv_run(n)
  print(("%8d %10.0f %16.2f %16.1f"):format(n, wall * 1000, cpu * 1000 / n, gap))
end
print()
print("loop 'manual': client:update() every ms while N streams run")
print(("%8s %14s %14s %8s"):format("streams", "mean update ms", "worst update ms", "updates"))
for _, n in ipairs{ 1, 10, 50, 100 } do
  local mean, worst, calls = manual_run(n)
  print(("%8d %14.3f %15.3f %8d"):format(n, mean * 1000, worst * 1000, calls))
end
srv.stop()
