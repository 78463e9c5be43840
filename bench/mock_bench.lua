--- How fast does the simulator stream?
--
--   lua5.4 bench/mock_bench.lua [TOKENS]          (run from the repo root)
--   BENCH_LUAS="lua5.4 luajit" lua5.4 bench/mock_bench.lua
--
-- For each server interpreter, starts bin/openrouter-mock with it, streams
-- mock/lorem with X-Mock-Tokens: TOKENS (200000 by default) through a raw
-- luv client (not the project's client) that de-chunks the body and counts
-- `data:` events without keeping them, and prints chunks/s and MB/s (best
-- of 3 runs).  The server must sustain >= 200,000 chunks/s on one core.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path

local uv = require("luv")
local client = require("openrouter.mock.client")
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
  local c = assert(client.connect(url))
  local events, carry = 0, "\n\n"
  local pattern = "\n\ndata: "
  local find = string.find
  local t0 = uv.hrtime()
  local r = c:request{
    method = "POST", path = "/chat/completions", body = body, timeout = 120000,
    headers = { Authorization = "Bearer bench", ["X-Mock-Tokens"] = tostring(tokens) },
    keep = false,
    on_body = function(piece)
      local s = carry .. piece
      local pos = 1
      while true do
        local a, b = find(s, pattern, pos, true)
        if not a then break end
        events = events + 1
        pos = b + 1
      end
      carry = s:sub(-7)
    end,
  }
  local secs = (uv.hrtime() - t0) / 1e9
  c:close()
  assert(r.complete, "stream incomplete: " .. tostring(r.error))
  -- the role chunk, the finish chunk, the usage chunk and [DONE] are not content
  local content = events - 4
  assert(content == tokens, ("expected %d content chunks, counted %d"):format(tokens, content))
  return events, r.body_bytes, secs
end

print(("mock_bench: mock/lorem, X-Mock-Tokens: %d, streamed over loopback, best of %d"):format(tokens, runs))
local jit = rawget(_G, "jit")
print(("client: %s + luv (raw HTTP/1.1, de-chunks and counts data: events)"):format(_VERSION
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
