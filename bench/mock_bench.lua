--- How fast does the simulator stream?
--
--   lua5.4 bench/mock_bench.lua [TOKENS]          (run from the repo root)
--   BENCH_LUAS="lua5.4 luajit" lua5.4 bench/mock_bench.lua
--
-- For each server interpreter, starts mock/bin/openrouter-mock with it,
-- streams mock/lorem with X-Mock-Tokens: TOKENS (200000 by default) through
-- the library's transport (support.raw_http: the C core's libcurl multi,
-- not the project's client) into one body buffer -- the lightest client
-- (decoding events in Lua would make the client the bottleneck) -- then
-- counts its `data:` events, and prints chunks/s and MB/s (best of 3
-- runs).  The server must sustain >= 200,000 chunks/s on one core.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path

local raw = require("support.raw_http")
local mock_server = require("support.mock_server")

local tokens = tonumber(arg and arg[1]) or 200000
local runs = 3

local function available(lua)
  return os.execute(lua .. " -e 'require(\"luv\")' >/dev/null 2>&1") == true
    or os.execute(lua .. " -e 'require(\"luv\")' >/dev/null 2>&1") == 0
end

local luas = {}
for l in (os.getenv("BENCH_LUAS") or "lua5.4 luajit lua5.3 lua5.2 lua5.1"):gmatch("%S+") do
  if available(l) then luas[#luas + 1] = l end
end

local body = '{"model":"mock/lorem","stream":true,"messages":[{"role":"user","content":"bench"}]}'

local function one_run(url)
  local r = raw.request(url, {
    method = "POST", path = "/chat/completions", body = body, timeout = 120,
    max_body = 1024 * tokens + 1048576, events = false,
    headers = { Authorization = "Bearer bench", ["X-Mock-Tokens"] = tostring(tokens) },
  })
  local secs = r.elapsed_ms / 1000
  assert(r.complete, "stream incomplete: " .. tostring(r.error))
  local events, pos, find = 0, 1, string.find
  local s = "\n\n" .. r.body
  while true do
    local _, b = find(s, "\n\ndata: ", pos, true)
    if not b then break end
    events, pos = events + 1, b + 1
  end
  -- the role chunk, the finish chunk, the usage chunk and [DONE] are not content
  local content = events - 4
  assert(content == tokens, ("expected %d content chunks, counted %d"):format(tokens, content))
  return events, r.body_bytes, secs
end

print(("mock_bench: mock/lorem, X-Mock-Tokens: %d, streamed over loopback, best of %d"):format(tokens, runs))
local jit = rawget(_G, "jit")
print(("client: %s + openrouter.core (libcurl into one buffer; data: events counted after)"):format(_VERSION
  .. (type(jit) == "table" and (" / " .. jit.version) or "")))
print()
print(("%-10s %12s %10s %10s %8s"):format("server", "chunks/s", "MB/s", "MB", "s"))
for _, lua in ipairs(luas) do
  local srv = mock_server.start{ env = { OPENROUTER_MOCK_LUA = lua } }
  local best
  for _ = 1, runs do
    local events, bytes, secs = one_run(srv.url)
    if not best or secs < best.secs then best = { events = events, bytes = bytes, secs = secs } end
  end
  srv.stop()
  print(("%-10s %12.0f %10.1f %10.1f %8.3f"):format(lua, best.events / best.secs,
    best.bytes / best.secs / 1e6, best.bytes / 1e6, best.secs))
end
