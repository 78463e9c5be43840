--- The peer: how a Neovim plugin streams today.  `curl -sN` in a
-- subprocess, its output read line by line, each `data: ` line decoded
-- with lua-cjson and the delta's text taken out ("text"), or also
-- accumulated into the final content ("result").
--
--   CPUTIME=build/bench/cputime lua bench/stream/curl_peer.lua URL TOKENS MODE   (MODE: text | result)
--
-- Prints RESULT chunks= wall= cpu= cpu_lua= cpu_curl= (seconds): cpu is
-- this Lua process's CPU plus the curl subprocess's (wait4 rusage through
-- bench/cputime.c), since curl is part of this way's cost.
local uv = require("luv")
local cjson = require("cjson")
local B = require("benchlib")

local url, tokens, mode = arg[1], tonumber(arg[2]), arg[3]
assert(url and tokens and (mode == "text" or mode == "result"), "usage: curl_peer.lua URL TOKENS text|result")
local cputime = assert(os.getenv("CPUTIME"), "CPUTIME: path of build/bench/cputime")
local usage_file = os.tmpname()

local decode, sub, concat = cjson.decode, string.sub, table.concat

collectgarbage("collect")
local cpu0, t0 = os.clock(), uv.hrtime()

local body = cjson.encode{ model = "mock/lorem", stream = true, messages = { { role = "user", content = "go" } } }
local cmd = table.concat({
  "exec", B.quote(cputime), "run", B.quote(usage_file),
  "curl -sN -X POST", B.quote(url .. "/chat/completions"),
  "-H 'Authorization: Bearer sk-or-bench' -H 'Content-Type: application/json'",
  "-H", B.quote("X-Mock-Tokens: " .. tokens), "-d", B.quote(body),
}, " ")
local f = assert(io.popen(cmd, "r"))

local n, parts, finish = 0, {}, nil
for line in f:lines() do
  if sub(line, 1, 6) == "data: " then
    local payload = sub(line, 7)
    if payload == "[DONE]" then break end
    local chunk = decode(payload)
    local ch = chunk.choices[1]
    if ch then
      local text = ch.delta and ch.delta.content
      if type(text) == "string" and text ~= "" then
        n = n + 1
        if mode == "result" then parts[#parts + 1] = text end
      end
      if ch.finish_reason and ch.finish_reason ~= cjson.null then finish = ch.finish_reason end
    end
  end
end
local content = mode == "result" and concat(parts) or nil
f:close()   -- waits for curl (through cputime, which writes its rusage)

local wall, cpu_lua = (uv.hrtime() - t0) / 1e9, os.clock() - cpu0
local u = B.read(usage_file) or ""
os.remove(usage_file)
local cu, cs = u:match("^(%S+) (%S+)")
local cpu_curl = (tonumber(cu) or 0) + (tonumber(cs) or 0)
assert(cu, "no rusage from cputime")
assert(n == tokens, ("expected %d content chunks, got %d"):format(tokens, n))
assert(finish == "stop", "no finish_reason")
if content then assert(#content > tokens, "short result") end
B.result{ chunks = n, wall = wall, cpu = cpu_lua + cpu_curl, cpu_lua = cpu_lua, cpu_curl = cpu_curl }
