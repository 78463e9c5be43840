-- bench/sse_bench.lua -- throughput of the SSE parser on an OpenRouter-like
-- stream, fed in 16 KiB pieces. Runs under any Lua (5.1-5.4, LuaJIT):
--
--   lua5.4 bench/sse_bench.lua          (finds build/5.4/openrouter/core.so)
--   luajit bench/sse_bench.lua [chunks]
--
-- Prints MB/s and events/s for the C parser, and for a straightforward
-- pure-Lua parser of the same format as a point of comparison.
local version = rawget(_G, "jit") and "jit" or _VERSION:match("%d+%.%d+")
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. version .. "/?.so;" .. package.cpath

local sse = require("openrouter.sse")

local CHUNKS = tonumber(arg and arg[1]) or 100000
local PIECE = 16 * 1024
local ROUNDS = 5

-- An OpenRouter-like stream: ~150-byte JSON chunks, keep-alive comments.
local function build_stream(n)
  local parts = {}
  for i = 1, n do
    if i % 100 == 1 then parts[#parts + 1] = ": OPENROUTER PROCESSING\n\n" end
    parts[#parts + 1] = string.format(
      'data: {"id":"gen-%08d","provider":"OpenAI","model":"openai/gpt-4o",'
        .. '"choices":[{"index":0,"delta":{"content":"tok%06d"},"finish_reason":null}]}\n\n',
      i, i)
  end
  parts[#parts + 1] = "data: [DONE]\n\n"
  return table.concat(parts)
end

local function pieces(s, size)
  local list = {}
  for i = 1, #s, size do list[#list + 1] = s:sub(i, i + size - 1) end
  return list
end

-- A plain Lua parser of the same format (CR, LF, CRLF; data/event/id only),
-- written the obvious way, for comparison.
local function lua_parser()
  local buf, data, etype, id, pending_cr = "", nil, "", "", false
  local self = {}
  function self.feed(_, bytes)
    local out = {}
    if pending_cr and bytes:sub(1, 1) == "\n" then bytes = bytes:sub(2) end
    pending_cr = false
    buf = buf .. bytes
    local pos = 1
    while true do
      local s, e = buf:find("[\r\n]", pos)
      if not s then break end
      local c = buf:sub(s, s)
      if c == "\r" then
        if s == #buf then pending_cr = true
        elseif buf:sub(s + 1, s + 1) == "\n" then e = s + 1 end
      end
      local line = buf:sub(pos, s - 1)
      pos = e + 1
      if line == "" then
        if data then
          out[#out + 1] = { type = etype ~= "" and etype or "message", data = data, id = id }
        end
        data, etype = nil, ""
      elseif line:byte(1) ~= 58 then -- not a comment
        local name, value = line:match("^([^:]*):? ?(.*)$")
        if name == "data" then data = data and (data .. "\n" .. value) or value
        elseif name == "event" then etype = value
        elseif name == "id" and not value:find("\0", 1, true) then id = value end
      end
    end
    buf = buf:sub(pos)
    return out
  end
  return self
end

local function measure(make, list, bytes)
  local best, events = math.huge, 0
  for _ = 1, ROUNDS do
    collectgarbage()
    local p = make()
    local n = 0
    local t0 = os.clock()
    for i = 1, #list do n = n + #p:feed(list[i]) end
    local dt = os.clock() - t0
    if dt < best then best = dt end
    events = n
  end
  return bytes / best / 1e6, events / best, events
end

local stream = build_stream(CHUNKS)
local list = pieces(stream, PIECE)
print(string.format("%s: %d bytes, %d pieces of %d bytes, best of %d",
  rawget(_G, "jit") and jit.version or _VERSION, #stream, #list, PIECE, ROUNDS))
print(string.format("%-10s %10s %12s %9s", "parser", "MB/s", "events/s", "events"))
for _, row in ipairs({
  { "C core", function() return sse.new() end },
  { "pure Lua", lua_parser },
}) do
  local mbs, evs, n = measure(row[2], list, #stream)
  print(string.format("%-10s %10.1f %12.0f %9d", row[1], mbs, evs, n))
end
