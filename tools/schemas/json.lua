-- JSON for the schema tools: a decoder that keeps what lua-cjson 2.1.0
-- loses (whether an empty table was `[]` or `{}`), and an encoder with
-- sorted keys and numbers printed alike under every Lua, so the extracted
-- document is the same file whichever Lua writes it.
--
--   json.decode(text)           -> value (objects and arrays carry the
--                                  metatables json.OBJECT / json.ARRAY;
--                                  null is cjson.null)
--   json.encode(value)          -> text, two-space indented, a final newline
--   json.is_array(t), json.is_object(t)
local null = require("cjson").null

local M = { null = null }

local OBJECT = { __name = "json.object" }
local ARRAY = { __name = "json.array" }
M.OBJECT, M.ARRAY = OBJECT, ARRAY

local byte, char, sub, find, concat = string.byte, string.char, string.sub, string.find, table.concat
local floor = math.floor

function M.is_array(t)
  if type(t) ~= "table" then return false end
  local mt = getmetatable(t)
  if mt == ARRAY then return true end
  if mt == OBJECT then return false end
  return t[1] ~= nil or next(t) == nil
end

function M.is_object(t)
  return type(t) == "table" and t ~= null and not M.is_array(t)
end

function M.array(t) return setmetatable(t or {}, ARRAY) end
function M.object(t) return setmetatable(t or {}, OBJECT) end

---------------------------------------------------------------- decoding

local ESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function utf8_char(c)
  if c < 0x80 then return char(c) end
  if c < 0x800 then return char(0xC0 + floor(c / 64), 0x80 + c % 64) end
  if c < 0x10000 then
    return char(0xE0 + floor(c / 4096), 0x80 + floor(c / 64) % 64, 0x80 + c % 64)
  end
  return char(0xF0 + floor(c / 262144), 0x80 + floor(c / 4096) % 64,
    0x80 + floor(c / 64) % 64, 0x80 + c % 64)
end

function M.decode(text)
  local pos = 1

  local function fail(what)
    error(("json: %s at byte %d"):format(what, pos), 0)
  end

  local function skip()
    pos = find(text, "[^ \t\r\n]", pos) or #text + 1
  end

  local value

  local function string_()
    local parts, i = {}, pos + 1
    while true do
      local j = find(text, '["\\]', i)
      if not j then fail("unterminated string") end
      parts[#parts + 1] = sub(text, i, j - 1)
      if sub(text, j, j) == '"' then
        pos = j + 1
        return concat(parts)
      end
      local e = sub(text, j + 1, j + 1)
      if e == "u" then
        local c = tonumber(sub(text, j + 2, j + 5), 16)
        if not c then fail("bad \\u escape") end
        i = j + 6
        if c >= 0xD800 and c <= 0xDBFF and sub(text, i, i + 1) == "\\u" then
          local lo = tonumber(sub(text, i + 2, i + 5), 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            c = 0x10000 + (c - 0xD800) * 0x400 + (lo - 0xDC00)
            i = i + 6
          end
        end
        parts[#parts + 1] = utf8_char(c)
      else
        if not ESC[e] then fail("bad escape") end
        parts[#parts + 1] = ESC[e]
        i = j + 2
      end
    end
  end

  function value()
    skip()
    local c = sub(text, pos, pos)
    if c == "{" then
      local t = setmetatable({}, OBJECT)
      pos = pos + 1
      skip()
      if sub(text, pos, pos) == "}" then pos = pos + 1; return t end
      while true do
        skip()
        if sub(text, pos, pos) ~= '"' then fail("expected a key") end
        local k = string_()
        skip()
        if sub(text, pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value()
        skip()
        c = sub(text, pos, pos)
        pos = pos + 1
        if c == "}" then return t end
        if c ~= "," then fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      local t = setmetatable({}, ARRAY)
      pos = pos + 1
      skip()
      if sub(text, pos, pos) == "]" then pos = pos + 1; return t end
      while true do
        t[#t + 1] = value()
        skip()
        c = sub(text, pos, pos)
        pos = pos + 1
        if c == "]" then return t end
        if c ~= "," then fail("expected ',' or ']'") end
      end
    elseif c == '"' then
      return string_()
    elseif sub(text, pos, pos + 3) == "true" then
      pos = pos + 4; return true
    elseif sub(text, pos, pos + 4) == "false" then
      pos = pos + 5; return false
    elseif sub(text, pos, pos + 3) == "null" then
      pos = pos + 4; return null
    end
    local s, e = find(text, "^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not s then fail("unexpected character") end
    local n = tonumber(sub(text, s, e))
    if not n then fail("bad number") end
    pos = e + 1
    return n
  end

  local v = value()
  skip()
  if pos <= #text then fail("trailing characters") end
  return v
end

---------------------------------------------------------------- encoding

--- A number as the shortest text that reads back the same, integers
--- without a fraction: identical under every Lua version.
function M.number(n)
  if n ~= n or n == math.huge or n == -math.huge then error("json: not a JSON number", 0) end
  if n == floor(n) and n > -2 ^ 53 and n < 2 ^ 53 then return ("%.0f"):format(n) end
  for digits = 14, 17 do
    local s = ("%." .. digits .. "g"):format(n)
    if tonumber(s) == n then return s end
  end
  return ("%.17g"):format(n)
end

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local e = ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
                 ["\b"] = "\\b", ["\f"] = "\\f" })[c]
    return e or ("\\u%04x"):format(byte(c))
  end) .. '"'
end
M.quote = quote

--- The keys of an object, sorted.
function M.keys(t)
  local ks = {}
  for k in pairs(t) do
    if type(k) ~= "string" then error("json: object key is not a string", 0) end
    ks[#ks + 1] = k
  end
  table.sort(ks)
  return ks
end

function M.encode(v)
  local out = {}
  local function enc(x, ind)
    local tx = type(x)
    if x == null then out[#out + 1] = "null"
    elseif tx == "boolean" then out[#out + 1] = tostring(x)
    elseif tx == "number" then out[#out + 1] = M.number(x)
    elseif tx == "string" then out[#out + 1] = quote(x)
    elseif tx == "table" then
      local inner = ind .. "  "
      if M.is_array(x) then
        if #x == 0 then out[#out + 1] = "[]"; return end
        out[#out + 1] = "[\n"
        for i, e in ipairs(x) do
          out[#out + 1] = inner
          enc(e, inner)
          out[#out + 1] = i < #x and ",\n" or "\n"
        end
        out[#out + 1] = ind .. "]"
      else
        local ks = M.keys(x)
        if #ks == 0 then out[#out + 1] = "{}"; return end
        out[#out + 1] = "{\n"
        for i, k in ipairs(ks) do
          out[#out + 1] = inner .. quote(k) .. ": "
          enc(x[k], inner)
          out[#out + 1] = i < #ks and ",\n" or "\n"
        end
        out[#out + 1] = ind .. "}"
      end
    else
      error("json: cannot encode a " .. tx, 0)
    end
  end
  enc(v, "")
  out[#out + 1] = "\n"
  return concat(out)
end

return M
