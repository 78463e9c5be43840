--- Shared by the benchmark driver (bench/run.lua) and its scenario scripts:
-- statistics, processes, the result-line protocol, tables.  Plain Lua
-- (5.1-5.4, LuaJIT), no luv.
--
-- A scenario script prints its figures as one or more lines
--   RESULT key=value key=value ...
-- (values without spaces; numbers stay numbers) and anything else it likes;
-- the driver keeps the RESULT lines and shows the rest only on failure.
local M = {}

function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- os.execute that says true/false under every Lua.
function M.sh(cmd)
  local a, _, c = os.execute(cmd)
  if type(a) == "number" then return a == 0 end
  return a == true and (c == nil or c == 0)
end

--- The whole output of a shell command (stdout), trailing newline removed.
function M.capture(cmd)
  local f = io.popen(cmd)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return (s:gsub("%s+$", ""))
end

function M.read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function M.have(cmd)
  return M.sh("command -v " .. cmd .. " >/dev/null 2>&1")
end

--- Pin process `pid` to the CPUs in `list` ("1", "0-1"); false when this
--- machine cannot (no taskset).
function M.pin(pid, list)
  return M.sh(("taskset -pc %s %d >/dev/null 2>&1"):format(list, pid))
end

--- Number from an environment variable, else `default`.
function M.env_num(name, default)
  return tonumber(os.getenv(name) or "") or default
end

--------------------------------------------------------------- statistics

local function sorted(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  return t
end

function M.median(list)
  local t = sorted(list)
  local n = #t
  if n == 0 then return nil end
  if n % 2 == 1 then return t[(n + 1) / 2] end
  return (t[n / 2] + t[n / 2 + 1]) / 2
end

--- Nearest-rank percentile (p in 0..100).
function M.percentile(list, p)
  local t = sorted(list)
  if #t == 0 then return nil end
  local i = math.max(1, math.min(#t, math.ceil(#t * p / 100)))
  return t[i]
end

function M.min(list)
  local m
  for _, v in ipairs(list) do if not m or v < m then m = v end end
  return m
end

function M.max(list)
  local m
  for _, v in ipairs(list) do if not m or v > m then m = v end end
  return m
end

--------------------------------------------------------------- processes

--- Resident set size of this process in KiB (/proc/self/statm: pages).
local page_kb
function M.rss_kb()
  if not page_kb then
    page_kb = (tonumber(M.capture("getconf PAGESIZE 2>/dev/null") or "") or 4096) / 1024
  end
  local s = M.read("/proc/self/statm") or ""
  local rss = tonumber(s:match("^%d+%s+(%d+)") or "") or 0
  return rss * page_kb
end

--- Full collections until the heap stops shrinking; returns RSS KiB, heap KiB.
function M.settle()
  local before = collectgarbage("count")
  for _ = 1, 4 do
    collectgarbage("collect")
    local now = collectgarbage("count")
    if now >= before then break end
    before = now
  end
  return M.rss_kb(), collectgarbage("count")
end

--- Parse "RESULT k=v ..." lines of a text: a list of tables.
function M.parse_results(text)
  local out = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local rest = line:match("^RESULT%s+(.*)$")
    if rest then
      local r = {}
      for k, v in rest:gmatch("([%w_%.]+)=(%S*)") do r[k] = tonumber(v) or v end
      out[#out + 1] = r
    end
  end
  return out
end

--- Print one RESULT line from a table (keys sorted).
function M.result(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    if type(v) == "number" then
      v = (v == math.floor(v) and math.abs(v) < 1e15) and ("%d"):format(v) or ("%.9g"):format(v)
    else
      v = tostring(v):gsub("%s", "_")
    end
    parts[#parts + 1] = k .. "=" .. v
  end
  io.write("RESULT ", table.concat(parts, " "), "\n")
  io.flush()
end

--- Run a shell command under a time limit; returns results (list), ok, output.
function M.run(cmd, seconds)
  local out = os.tmpname()
  local ok = M.sh(("timeout -k 5 %d sh -c %s >%s 2>&1 </dev/null"):format(
    seconds or 300, M.quote(cmd), M.quote(out)))
  local text = M.read(out) or ""
  os.remove(out)
  return M.parse_results(text), ok, text
end

--------------------------------------------------------------- printing

local function fmt_num(v, unit)
  if v == nil then return "-" end
  if type(v) == "string" then return v end
  local a = math.abs(v)
  local s
  if a >= 1e6 then s = ("%.2fM"):format(v / 1e6)
  elseif a >= 1e4 then s = ("%.0fk"):format(v / 1e3)
  elseif a >= 100 then s = ("%.0f"):format(v)
  elseif a >= 10 then s = ("%.1f"):format(v)
  elseif a >= 1 then s = ("%.2f"):format(v)
  else s = ("%.3f"):format(v) end
  return unit and (s .. " " .. unit) or s
end
M.fmt = fmt_num

--- A ratio `a / b` as "1.23x" (nil when either is missing).
function M.ratio(a, b)
  if not a or not b or b == 0 then return nil end
  return a / b
end

local function pad(s, w, right)
  s = tostring(s)
  -- count UTF-8 characters, not bytes, for the width
  local len = #s:gsub("[\128-\191]", "")
  if len >= w then return s end
  return right and (string.rep(" ", w - len) .. s) or (s .. string.rep(" ", w - len))
end

--- Print a table.  cols: { {name=, width=, right=} ... }; rows: lists of strings.
function M.table(title, notes, cols, rows)
  print()
  print(title)
  for _, n in ipairs(notes or {}) do print("  " .. n) end
  local head, rule = {}, {}
  for i, c in ipairs(cols) do
    head[i] = pad(c.name, c.width, c.right)
    rule[i] = string.rep("-", c.width)
  end
  print("  " .. table.concat(head, "  "))
  print("  " .. table.concat(rule, "  "))
  for _, r in ipairs(rows) do
    local line = {}
    for i, c in ipairs(cols) do line[i] = pad(r[i] == nil and "-" or r[i], c.width, c.right) end
    print("  " .. table.concat(line, "  "))
  end
  io.flush()
end

return M
