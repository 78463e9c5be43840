--- Streaming throughput of this client: one mock/lorem stream of TOKENS
-- content chunks served at full speed, consumed one of three ways.
--
--   lua bench/stream/client.lua URL TOKENS MODE      (MODE: chunks | text | result)
--
-- Prints RESULT chunks= wall= cpu= (seconds).  wall is from client:stream()
-- to the end of the stream; cpu is this process's CPU (os.clock: user +
-- system, every thread, libcurl included) over the same span.  A short
-- stream first warms the process up (modules, schemas, the connection).
local uv = require("luv")
local openrouter = require("openrouter")
local B = require("benchlib")

local url, tokens, mode = arg[1], tonumber(arg[2]), arg[3]
assert(url and tokens and (mode == "chunks" or mode == "text" or mode == "result"),
  "usage: client.lua URL TOKENS chunks|text|result")

local client = openrouter.new{ base_url = url, api_key = "sk-or-bench", max_retries = 0 }
local req = { model = "mock/lorem", messages = { { role = "user", content = "go" } } }
local function opts(n) return { headers = { ["X-Mock-Tokens"] = tostring(n) } } end

assert(assert(client:stream(req, opts(100))):result())   -- warm up

local consume = {
  -- what a caller of `for chunk in stream` does: take each chunk's text
  chunks = function(s)
    local n = 0
    for chunk in s do
      local ch = chunk.choices[1]
      local text = ch and ch.delta and ch.delta.content
      if text and text ~= "" then n = n + 1 end
    end
    return n
  end,
  text = function(s)
    local n = 0
    for _ in s:text() do n = n + 1 end
    return n
  end,
  result = function(s)
    local final = assert(s:result())
    assert(#final.choices[1].message.content > tokens, "short result")
    return final.usage.completion_tokens
  end,
}

collectgarbage("collect")
local cpu0, t0 = os.clock(), uv.hrtime()
local s = assert(client:stream(req, opts(tokens)))
local n = consume[mode](s)
local wall, cpu = (uv.hrtime() - t0) / 1e9, os.clock() - cpu0
assert(n == tokens, ("expected %d content chunks, got %d"):format(tokens, n))
client:close()
B.result{ chunks = n, wall = wall, cpu = cpu }
