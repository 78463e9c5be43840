-- Encoding a 20 MB image file into a content part: openrouter.image (read and
-- base64 in C, straight into the data URL) against what a Lua script does
-- without it: io.open():read("*a"), a pure-Lua base64 encoder (12 bits per
-- table lookup, table.concat), then the "data:...;base64," concatenation.
-- Both results are checked equal.  MB/s are of the input file (10^6 bytes).
--
-- The C path holds the encoded text twice for a moment (its buffer, then
-- the Lua string: 2 x 26.7 MB here).  Under glibc the first two rows are
-- bimodal: when free() hands that memory back to the kernel, the next run
-- page-faults it in again, which costs as much as the encoding itself
-- (5.4: about 43 ms against 21 ms; with MALLOC_TRIM_THRESHOLD_=1000000000
-- MALLOC_MMAP_THRESHOLD_=1000000000 in the environment both take 21 ms).
--
--   make build && LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/5.4/?.so;;" \
--     lua5.4 bench/parts_bench.lua [MB] [runs]
--   (LuaJIT: LUA_CPATH="build/jit/?.so;;" luajit bench/parts_bench.lua)
local openrouter = require("openrouter")
local core = require("openrouter.core")

local MB = tonumber(arg and arg[1]) or 20
local RUNS = tonumber(arg and arg[2]) or 5
local size = math.floor(MB * 1e6)
local floor, concat, byte = math.floor, table.concat, string.byte

local version = rawget(_G, "jit") and jit.version or _VERSION

-- The file: a PNG signature, then pseudo-random 64 KiB blocks.
local path = os.tmpname() .. ".png"
do
  local x, t = 1, {}
  for i = 1, 65536 do
    x = (x * 1103515245 + 12345) % 2147483648
    t[i] = string.char(floor(x / 65536) % 256)
  end
  local block = concat(t)
  local f = assert(io.open(path, "wb"))
  local head = "\137PNG\r\n\26\n"
  f:write(head)
  local left = size - #head
  while left > 0 do
    local n = math.min(left, #block)
    f:write(n == #block and block or block:sub(1, n))
    left = left - n
  end
  f:close()
end

-- Pure-Lua base64: 3 bytes -> two 12-bit halves -> two 2-character strings.
local ABC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local PAIR = {}
for i = 0, 4095 do
  local a, b = floor(i / 64) + 1, i % 64 + 1
  PAIR[i] = ABC:sub(a, a) .. ABC:sub(b, b)
end

local function lua_base64(s)
  local out, n, len = {}, 0, #s
  local whole = len - len % 3
  for i = 1, whole, 3 do
    local a, b, c = byte(s, i, i + 2)
    local v = a * 65536 + b * 256 + c
    n = n + 1
    out[n] = PAIR[floor(v / 4096)] .. PAIR[v % 4096]
  end
  local rest = len - whole
  if rest > 0 then
    local a, b = byte(s, whole + 1, whole + 2)
    local v = a * 65536 + (b or 0) * 256
    local q = PAIR[floor(v / 4096)] .. PAIR[v % 4096]
    out[n + 1] = rest == 1 and (q:sub(1, 2) .. "==") or (q:sub(1, 3) .. "=")
  end
  return concat(out)
end

local function lua_image(p)
  local f = assert(io.open(p, "rb"))
  local s = f:read("*a")
  f:close()
  return { type = "image_url", image_url = { url = "data:image/png;base64," .. lua_base64(s) } }
end

local function c_image(p)
  return assert(openrouter.image(p))
end

local function c_core(p)
  return (core.base64_file(p, math.huge))
end

local function median(t)
  table.sort(t)
  return t[floor((#t + 1) / 2)]
end

local function bench(name, fn, runs)
  local times, result = {}, nil
  for i = 1, runs do
    collectgarbage("collect")
    local t0 = os.clock()
    result = fn(path)
    times[i] = os.clock() - t0
    if i < runs then result = nil end
  end
  local t = median(times)
  print(("%-44s %8.1f ms  %7.1f MB/s"):format(name, t * 1000, size / 1e6 / t))
  return result, t
end

-- One untimed run of each first: glibc's first frees of such large blocks
-- move its mmap threshold up, after which they come from the heap without
-- page faults; timing before that would favour whichever runs second.
c_image(path)
c_core(path)
lua_image(path)

print(("%s, a %.1f MB file, median of %d runs (CPU time)"):format(version, size / 1e6, RUNS))
local c_part, tc = bench("openrouter.image (C read + base64)", c_image, RUNS)
bench("core.base64_file alone (no data URL head)", c_core, RUNS)
local lua_runs = math.max(1, floor(RUNS / 2))
local lua_part, tl = bench("pure Lua: read('*a') + base64 + concat", lua_image, lua_runs)
assert(c_part.image_url.url == lua_part.image_url.url, "the two encodings differ")
print(("openrouter.image is %.1fx the pure-Lua way; the results are equal (%d characters)")
  :format(tl / tc, #c_part.image_url.url))
os.remove(path)
