-- End-to-end streaming throughput through the client: the simulator sends
-- mock/lorem chunks as fast as the socket drains; the client parses SSE in
-- C, decodes each chunk's JSON and accumulates.  Printed side by side:
-- iterating chunks, iterating text only, and result() (iterate + build).
local openrouter = require("openrouter")
local mock = require("support.mock_server")

local N = tonumber(os.getenv("STREAM_BENCH_TOKENS") or "") or 50000
local srv = mock.start()
local client = openrouter.new{ base_url = srv.url, api_key = "sk-or-bench", max_retries = 0 }
local core = require("openrouter.core")

local req = { model = "mock/lorem", messages = { { role = "user", content = "go" } } }
local opts = { headers = { ["X-Mock-Tokens"] = tostring(N) } }

local function best(fn)
  local t = math.huge
  for _ = 1, 3 do
    collectgarbage("collect")
    local t0 = core.now()
    fn()
    t = math.min(t, core.now() - t0)
  end
  return t
end

local bytes = 0
local cases = {
  { "for chunk in stream", function()
      local s = assert(client:stream(req, opts))
      local n = 0
      for _ in s do n = n + 1 end
      assert(n >= N)
      bytes = s:info().bytes
    end },
  { "for text in stream:text()", function()
      local n = 0
      for _ in assert(client:stream(req, opts)):text() do n = n + 1 end
      assert(n == N)
    end },
  { "stream:result()", function()
      local r = assert(assert(client:stream(req, opts)):result())
      assert(#r.choices[1].message.content > N)
    end },
}

print(("%s: %d content chunks of mock/lorem per stream, best of 3"):format(
  rawget(_G, "jit") and jit.version or _VERSION, N))
print(("%-28s %12s %10s"):format("consumer", "chunks/s", "MB/s"))
for _, c in ipairs(cases) do
  local t = best(c[2])
  print(("%-28s %12.0f %10.1f"):format(c[1], N / t, bytes / t / 1e6))
end
srv.stop()
