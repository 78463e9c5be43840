-- bench/json_bench.lua -- the core's JSON codec beside lua-cjson, on a
-- typical OpenRouter stream chunk, a chat response, a chat request and a
-- long-text body.  Runs under any Lua (5.1-5.4, LuaJIT), from the
-- repository root:
--
--   lua5.4 bench/json_bench.lua          (finds build/5.4/openrouter/core.so)
--   luajit bench/json_bench.lua [iterations]
--
-- Prints ns per call and MB/s (of JSON text) for decode and encode.  Each
-- figure is the best of several runs: the least disturbed by other load.
local version = rawget(_G, "jit") and "jit" or _VERSION:match("%d+%.%d+")
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. version .. "/?.so;" .. package.cpath

local core = require("openrouter.core")
local cjson = require("cjson")

local ITERS = tonumber(arg and arg[1]) or 200000
local RUNS = 5

local CHUNK = '{"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4o",'
  .. '"object":"chat.completion.chunk","created":1735000000,"choices":[{"index":0,'
  .. '"delta":{"role":"assistant","content":"Hello"},"finish_reason":null,'
  .. '"native_finish_reason":null,"logprobs":null}]}'

local RESPONSE = '{"id":"gen-1735000000-abcdefghijklmnop","provider":"OpenAI",'
  .. '"model":"openai/gpt-4o","object":"chat.completion","created":1735000000,'
  .. '"choices":[{"logprobs":null,"finish_reason":"stop","native_finish_reason":"stop",'
  .. '"index":0,"message":{"role":"assistant","content":"The capital of France is Paris. '
  .. 'It has been the country\'s capital since the 10th century.\\n\\nAnything else?",'
  .. '"refusal":null,"reasoning":null}}],"system_fingerprint":"fp_1234567890",'
  .. '"usage":{"prompt_tokens":14,"completion_tokens":27,"total_tokens":41,'
  .. '"cost":0.0002995,"prompt_tokens_details":{"cached_tokens":0},'
  .. '"completion_tokens_details":{"reasoning_tokens":0}}}'

local REQUEST = {
  model = "openai/gpt-4o:nitro",
  messages = {
    { role = "system", content = "You are terse." },
    { role = "user", content = "What is the capital of France?" },
  },
  temperature = 0.7,
  max_tokens = 256,
  seed = 1234567890123456,
  provider = { sort = "price", allow_fallbacks = true, order = { "openai", "azure" } },
}

-- ~64 KiB of prose with the escapes a model's answer has (newlines, quotes).
local LONG
do
  local para = 'Paris is the capital of France. "Quoted," she said.\n'
    .. "A line with a tab\tand unicode: caf\195\169, \226\130\172 5, \240\159\152\128.\n"
  LONG = cjson.encode({ content = para:rep(math.floor(65536 / #para)) })
end

local function best_ns(f, arg, iters)
  for _ = 1, math.max(1, math.floor(iters / 10)) do f(arg) end          -- warm up
  local best = math.huge
  for _ = 1, RUNS do
    local t0 = os.clock()
    for _ = 1, iters do f(arg) end
    local ns = (os.clock() - t0) * 1e9 / iters
    if ns < best then best = ns end
  end
  return best
end

local decode, encode = core.json_decode, core.json_encode
local cdecode, cencode = cjson.decode, cjson.encode

-- Every row: a name, the JSON text (for MB/s), ours, cjson's.
local rows = {}
local function row(name, text, iters, ours, arg_ours, theirs, arg_theirs)
  rows[#rows + 1] = {
    name, #text,
    best_ns(ours, arg_ours, iters),
    best_ns(theirs, arg_theirs, iters),
  }
end

local chunk_t, response_t = decode(CHUNK), decode(RESPONSE)
local cchunk_t, cresponse_t = cdecode(CHUNK), cdecode(RESPONSE)
local long_t = decode(LONG)
assert(decode(encode(REQUEST)).seed == 1234567890123456)

row("decode stream chunk (" .. #CHUNK .. " B)", CHUNK, ITERS, decode, CHUNK, cdecode, CHUNK)
row("decode chat response (" .. #RESPONSE .. " B)", RESPONSE, math.floor(ITERS / 2), decode, RESPONSE,
  cdecode, RESPONSE)
row("decode long text (" .. #LONG .. " B)", LONG, math.max(1, math.floor(ITERS / 500)), decode, LONG,
  cdecode, LONG)
row("encode stream chunk", CHUNK, ITERS, encode, chunk_t, cencode, cchunk_t)
row("encode chat response", RESPONSE, math.floor(ITERS / 2), encode, response_t, cencode, cresponse_t)
row("encode chat request", encode(REQUEST), ITERS, encode, REQUEST, cencode, REQUEST)
row("encode long text", LONG, math.max(1, math.floor(ITERS / 500)), encode, long_t, cencode, long_t)

local label = version == "jit" and "LuaJIT" or ("Lua " .. version)
print(("%-34s %12s %9s %12s %9s %7s"):format(label .. ", best of " .. RUNS, "core ns", "MB/s",
  "cjson ns", "MB/s", "ratio"))
for _, r in ipairs(rows) do
  local name, bytes, ours, theirs = r[1], r[2], r[3], r[4]
  print(("%-34s %12.0f %9.1f %12.0f %9.1f %6.2fx"):format(name, ours, bytes / ours * 1e3,
    theirs, bytes / theirs * 1e3, theirs / ours))
end
