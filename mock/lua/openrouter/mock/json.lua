--- JSON output for the simulator, and the UTF-8 helpers it needs.
--
-- Decoding is lua-cjson's job.  Encoding is done here because the simulator
-- wants what lua-cjson 2.1.0 cannot give: object keys in a fixed order (so
-- the wire looks like OpenRouter's), `[]` for an empty array, no `\/`, and
-- numbers printed the same way under every Lua version.
local cjson = require("cjson")

local M = {}

local concat, format, byte, char = table.concat, string.format, string.byte, string.char
local floor, huge = math.floor, math.huge
local LN10 = math.log(10)
-- floor(log10(x)), robust to rounding at exact powers of ten
local function exponent10(x)
  return floor(math.log(x) / LN10 + 1e-12)
end

--- JSON null: the same sentinel lua-cjson decodes to.
M.null = cjson.null

local array_mt = { __name = "openrouter.mock.json.array" }
local object_mt = { __name = "openrouter.mock.json.object" }

--- Marks a table as an array (so `{}` encodes as `[]`).
function M.array(t)
  return setmetatable(t or {}, array_mt)
end

--- An object whose keys encode in the order given: `M.object("a", 1, "b", 2)`.
-- A value of nil leaves the key out; use `M.null` for JSON null.
function M.object(...)
  local n = select("#", ...)
  local keys, vals = {}, {}
  for i = 1, n, 2 do
    local k, v = select(i, ...)
    if v ~= nil then
      keys[#keys + 1] = k
      vals[k] = v
    end
  end
  return setmetatable({ keys = keys, vals = vals }, object_mt)
end

--- Raw JSON text spliced in unchanged (pre-rendered fragments).
local raw_mt = { __name = "openrouter.mock.json.raw" }
function M.raw(text)
  return setmetatable({ text = text }, raw_mt)
end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\127"] = "\\u007f",
}
for i = 0, 31 do
  local c = char(i)
  if not escapes[c] then escapes[c] = format("\\u%04x", i) end
end

--- The body of a JSON string literal (no quotes).  The input must be valid
-- UTF-8 (see `M.sanitize`); bytes >= 0x80 pass through.
function M.escape(s)
  if s:find('[%c"\\\127]') then
    return (s:gsub('[%c"\\\127]', escapes))
  end
  return s
end

--- A quoted JSON string.
function M.quote(s)
  return '"' .. M.escape(s) .. '"'
end

--- Numbers: integers without a fraction, others with up to 14 significant
-- digits (prices and costs print as 0.0000025, not 2.4999999999999999e-06).
function M.number(x)
  if x ~= x or x == huge or x == -huge then return "null" end
  if x == floor(x) and x > -1e15 and x < 1e15 then
    return format("%d", x)
  end
  -- 15 significant digits in plain decimal notation: 0.00002, not 2e-05
  local ax = x < 0 and -x or x
  if ax < 1e-300 then return "0" end
  local decimals = 14 - exponent10(ax)
  if decimals < 0 or decimals > 40 then return format("%.14g", x) end
  local s = format("%." .. decimals .. "f", x)
  if s:find("%.") then s = s:gsub("0+$", ""):gsub("%.$", "") end
  return s
end

local encode

local function encode_into(v, out)
  local t = type(v)
  if t == "string" then
    out[#out + 1] = '"'
    out[#out + 1] = M.escape(v)
    out[#out + 1] = '"'
  elseif t == "number" then
    out[#out + 1] = M.number(v)
  elseif t == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif t == "table" then
    local mt = getmetatable(v)
    if mt == raw_mt then
      out[#out + 1] = v.text
    elseif mt == object_mt then
      out[#out + 1] = "{"
      for i, k in ipairs(v.keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = '"' .. M.escape(k) .. '":'
        encode_into(v.vals[k], out)
      end
      out[#out + 1] = "}"
    elseif mt == array_mt or (v[1] ~= nil) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode_into(v[i], out)
      end
      out[#out + 1] = "]"
    else
      -- a plain table: an object with its keys sorted (stable output)
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = '"' .. M.escape(k) .. '":'
        encode_into(v[k], out)
      end
      out[#out + 1] = "}"
    end
  else
    error("cannot encode a " .. t .. " as JSON", 2)
  end
end

function encode(v)
  local out = {}
  encode_into(v, out)
  return concat(out)
end
M.encode = encode

--- Adds key = value at the end of an ordered object (nil leaves it out).
function M.put(obj, k, v)
  if v ~= nil then
    if obj.vals[k] == nil then obj.keys[#obj.keys + 1] = k end
    obj.vals[k] = v
  end
  return obj
end

--- Decodes JSON text; returns nil, message on malformed input (never raises).
function M.decode(text)
  local ok, v = pcall(cjson.decode, text)
  if ok then return v end
  return nil, tostring(v)
end

-- UTF-8 ---------------------------------------------------------------------

-- Length of the well-formed UTF-8 sequence starting at s[i], or nil.
local function seq_len(s, i)
  local c = byte(s, i)
  if c < 0x80 then return 1 end
  local n, min
  if c >= 0xC2 and c <= 0xDF then n, min = 2, 0x80
  elseif c >= 0xE0 and c <= 0xEF then n, min = 3, 0x800
  elseif c >= 0xF0 and c <= 0xF4 then n, min = 4, 0x10000
  else return nil end
  local cp = c % (2 ^ (7 - n))
  for k = 1, n - 1 do
    local d = byte(s, i + k)
    if not d or d < 0x80 or d > 0xBF then return nil end
    cp = cp * 64 + (d - 0x80)
  end
  if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return nil end
  return n
end
M.seq_len = seq_len

--- Replaces every ill-formed byte with U+FFFD, so the output is valid UTF-8.
function M.sanitize(s)
  if not s:find("[\128-\255]") then return s end
  local out, i, n, start = {}, 1, #s, 1
  while i <= n do
    local l = seq_len(s, i)
    if l then
      i = i + l
    else
      out[#out + 1] = s:sub(start, i - 1)
      out[#out + 1] = "\239\191\189"
      i = i + 1
      start = i
    end
  end
  out[#out + 1] = s:sub(start)
  return concat(out)
end

--- The end (inclusive byte index) of `count` characters of a valid UTF-8
-- string starting at byte `i`; never inside a character.
function M.advance(s, i, count)
  local n = #s
  while count > 0 and i <= n do
    i = i + (seq_len(s, i) or 1)
    count = count - 1
  end
  return i - 1
end

return M
