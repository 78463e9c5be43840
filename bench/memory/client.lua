--- Memory of this client, in one Lua state (loop "blocking").
--
--   lua bench/memory/client.lua URL CONCURRENT SEQUENTIAL
--
-- concurrent: after a warm-up stream, RSS and the Lua heap are read
-- (after full collections); then CONCURRENT paced mock/lorem streams are
-- started and each is read up to its first chunk, so that all are in
-- flight (connected, headers in, parser and decoder live); RSS and heap
-- are read again.  The growth divided by CONCURRENT is the memory per
-- in-flight stream.  Every stream is then read to its end and checked.
-- sequential: SEQUENTIAL short streams one after the other (result());
-- RSS and heap after the first tenth (warm-up; at least half of a run of
-- up to 2,000) and at the end: a leak
-- shows as growth.
--
-- Prints RESULT kind=concurrent streams= rss_kb= heap_kb= (per stream) and
-- RESULT kind=sequential streams= rss_growth_kb= heap_growth_kb=.
local openrouter = require("openrouter")
local B = require("benchlib")

local url, concurrent, sequential = arg[1], tonumber(arg[2]), tonumber(arg[3])
assert(url and concurrent and sequential, "usage: memory/client.lua URL CONCURRENT SEQUENTIAL")

-- every stream in flight at once: the pool's default cap (64) would queue
-- the rest, and the measure would be of streams that had already finished
local client = openrouter.new{ base_url = url, api_key = "sk-or-bench", max_retries = 0,
                               max_connections = math.max(concurrent, 1) }
local req = { model = "mock/lorem", messages = { { role = "user", content = "go" } } }
-- long enough to be in flight while all of them start: 40 chunks 50 ms apart
local paced = { headers = { ["X-Mock-Tokens"] = "40", ["X-Mock-Delay-Ms"] = "50" } }
local short = { headers = { ["X-Mock-Tokens"] = "20" } }

assert(assert(client:stream(req, short)):result())            -- warm up

if concurrent > 0 then
  local rss0, heap0 = B.settle()
  local streams = {}
  for i = 1, concurrent do streams[i] = assert(client:stream(req, paced)) end
  for i = 1, concurrent do assert(streams[i]:next(), "stream ended early") end
  local rss1, heap1 = B.settle()
  local expect
  for i = 1, concurrent do
    local final = assert(streams[i]:result())
    local text = final.choices[1].message.content
    expect = expect or text
    assert(text == expect and final.usage.completion_tokens == 40, "stream " .. i .. " differs")
  end
  streams = nil   -- luacheck: ignore 311
  B.result{ kind = "concurrent", streams = concurrent,
            rss_kb = (rss1 - rss0) / concurrent, heap_kb = (heap1 - heap0) / concurrent }
end

if sequential > 0 then
  -- warm-up: the first tenth, at least half of a short run (allocator arenas settle)
  local warm = math.max(1, math.floor(sequential / 10), math.min(1000, math.floor(sequential / 2)))
  local rss0, heap0
  for i = 1, sequential do
    local final = assert(assert(client:stream(req, short)):result())
    assert(final.usage.completion_tokens == 20)
    if i == warm then rss0, heap0 = B.settle() end
  end
  local rss1, heap1 = B.settle()
  B.result{ kind = "sequential", streams = sequential, measured = sequential - warm,
            rss_growth_kb = rss1 - rss0, heap_growth_kb = heap1 - heap0 }
end
client:close()
