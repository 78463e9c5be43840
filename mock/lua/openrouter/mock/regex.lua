--- Strings that match a regular expression (the ECMA-262 subset JSON Schema
-- patterns use), for the instance generator.
--
--   local r = regex.parse("^[a-z]{2,4}-\\d+$")   -- nil, err for a pattern it cannot read
--   r:generate(variant, extra)  --> "aa-0"
--
-- Deterministic: `variant` (1, 2, ...) shifts every choice (the class
-- member, the alternative), so different variants give different strings
-- where the pattern allows; `extra` repeats each growable quantifier that
-- many more times (a longer match).  Lookarounds, word boundaries and
-- backreferences are zero-width here (a string built across one may not
-- match: the caller checks).  `anchored_start` / `anchored_end` say whether
-- the pattern is pinned at either end (else padding there keeps a match).
local M = {}

local char, byte, floor = string.char, string.byte, math.floor

local function utf8_char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
    0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end
M.utf8_char = utf8_char

-- Code point sets: lists of { lo, hi } ranges.
local DIGIT = { { 48, 57 } }
local WORD = { { 97, 122 }, { 65, 90 }, { 48, 57 }, { 95, 95 } }
local SPACE = { { 32, 32 }, { 9, 13 } }
-- what a negated set picks from, in order
local PICK = {}
for c = 97, 122 do PICK[#PICK + 1] = c end
for c = 65, 90 do PICK[#PICK + 1] = c end
for c = 48, 57 do PICK[#PICK + 1] = c end
for _, c in ipairs({ 95, 45, 32, 33, 46, 64, 35, 0x00E9 }) do PICK[#PICK + 1] = c end

local function in_ranges(ranges, cp)
  for _, r in ipairs(ranges) do
    if cp >= r[1] and cp <= r[2] then return true end
  end
  return false
end

-- The n-th (1-based, wrapping) member of a set; for a negated set, of the
-- PICK characters outside it.
local function set_member(set, n)
  if set.negated then
    local out = {}
    for _, c in ipairs(PICK) do
      if not in_ranges(set.ranges, c) then out[#out + 1] = c end
    end
    if #out == 0 then return nil end
    return out[(n - 1) % #out + 1]
  end
  local size = 0
  for _, r in ipairs(set.ranges) do size = size + (r[2] - r[1] + 1) end
  if size == 0 then return nil end
  n = (n - 1) % size
  -- prefer printable members: start from the first range that is not a control
  for _, r in ipairs(set.ranges) do
    local len = r[2] - r[1] + 1
    if n < len then return r[1] + n end
    n = n - len
  end
  return set.ranges[1][1]
end

-- Parser ---------------------------------------------------------------------

local P = {}
P.__index = P

local function perr(p, msg)
  error({ regex = true, msg = msg .. " at " .. p.i }, 0)
end

function P:peek(o) return self.s:sub(self.i + (o or 0), self.i + (o or 0)) end
function P:eof() return self.i > #self.s end
function P:take()
  local c = self.s:sub(self.i, self.i)
  self.i = self.i + 1
  return c
end

-- One UTF-8 character as a code point.
function P:take_cp()
  local b = byte(self.s, self.i)
  local n = b < 0x80 and 1 or b < 0xE0 and 2 or b < 0xF0 and 3 or 4
  local cp = n == 1 and b or (b % (2 ^ (7 - n)))
  for k = 1, n - 1 do
    local d = byte(self.s, self.i + k) or 0x80
    cp = cp * 64 + (d % 64)
  end
  self.i = self.i + n
  return floor(cp)
end

local function hex(p, n)
  local h = p.s:sub(p.i, p.i + n - 1)
  if #h ~= n or not h:match("^%x+$") then perr(p, "bad hex escape") end
  p.i = p.i + n
  return tonumber(h, 16)
end

-- After a backslash: a set (class escape) or a code point.
function P:escape(in_class)
  if self:eof() then perr(self, "trailing backslash") end
  local c = self:take()
  if c == "d" then return { ranges = DIGIT } end
  if c == "D" then return { ranges = DIGIT, negated = true } end
  if c == "w" then return { ranges = WORD } end
  if c == "W" then return { ranges = WORD, negated = true } end
  if c == "s" then return { ranges = SPACE } end
  if c == "S" then return { ranges = SPACE, negated = true } end
  if c == "t" then return 9 end
  if c == "n" then return 10 end
  if c == "r" then return 13 end
  if c == "f" then return 12 end
  if c == "v" then return 11 end
  if c == "0" then return 0 end
  if c == "b" then
    if in_class then return 8 end
    return "boundary"
  end
  if c == "B" and not in_class then return "boundary" end
  if c == "x" then return hex(self, 2) end
  if c == "u" then
    if self:peek() == "{" then
      local close = self.s:find("}", self.i, true)
      if not close then perr(self, "bad \\u{") end
      local cp = tonumber(self.s:sub(self.i + 1, close - 1), 16)
      self.i = close + 1
      if not cp then perr(self, "bad \\u{") end
      return cp
    end
    return hex(self, 4)
  end
  if c == "c" then
    local l = self:take()
    return byte(l) % 32
  end
  if c:match("%d") then
    if in_class then return byte(c) end
    while self:peek():match("^%d$") do self:take() end
    return "backref"
  end
  if c == "p" or c == "P" then
    -- \p{...}: a letter stands in for any property
    if self:peek() == "{" then
      local close = self.s:find("}", self.i, true)
      if close then self.i = close + 1 end
    end
    return { ranges = { { 97, 122 } }, negated = (c == "P") }
  end
  self.i = self.i - 1
  return self:take_cp()
end

function P:class()
  local set = { ranges = {} }
  if self:peek() == "^" then self:take(); set.negated = true end
  local first = true
  while true do
    if self:eof() then perr(self, "unterminated class") end
    local c = self:peek()
    if c == "]" and not first then self:take(); break end
    if c == "]" and first then
      -- "[]" matches nothing, "[^]" anything
      self:take()
      break
    end
    first = false
    local lo
    if c == "\\" then
      self:take()
      lo = self:escape(true)
    else
      lo = self:take_cp()
    end
    if type(lo) == "table" then
      if lo.negated then
        -- a negated escape inside a class: approximate by its complement in PICK
        for _, cp in ipairs(PICK) do
          if not in_ranges(lo.ranges, cp) then set.ranges[#set.ranges + 1] = { cp, cp } end
        end
      else
        for _, r in ipairs(lo.ranges) do set.ranges[#set.ranges + 1] = r end
      end
    else
      local hi = lo
      if self:peek() == "-" and self:peek(1) ~= "]" and self:peek(1) ~= "" then
        self:take()
        if self:peek() == "\\" then
          self:take()
          hi = self:escape(true)
          if type(hi) ~= "number" then perr(self, "bad range") end
        else
          hi = self:take_cp()
        end
      end
      if hi < lo then perr(self, "bad range") end
      set.ranges[#set.ranges + 1] = { lo, hi }
    end
  end
  return { kind = "set", set = set }
end

function P:atom()
  local c = self:peek()
  if c == "(" then
    self:take()
    local zero_width = false
    if self:peek() == "?" then
      self:take()
      local k = self:take()
      if k == "=" or k == "!" then
        zero_width = true
      elseif k == "<" and (self:peek() == "=" or self:peek() == "!") then
        self:take()
        zero_width = true
      elseif k == "<" then
        -- a named group
        local close = self.s:find(">", self.i, true)
        if not close then perr(self, "bad group name") end
        self.i = close + 1
      elseif k ~= ":" then
        perr(self, "unknown group")
      end
    end
    local alt = self:alternation()
    if self:take() ~= ")" then perr(self, "unclosed group") end
    if zero_width then return { kind = "empty" } end
    return { kind = "group", alt = alt }
  end
  if c == "[" then
    self:take()
    return self:class()
  end
  if c == "." then
    self:take()
    return { kind = "set", set = { ranges = { { 10, 10 }, { 13, 13 } }, negated = true } }
  end
  if c == "^" then self:take(); return { kind = "start" } end
  if c == "$" then self:take(); return { kind = "end" } end
  if c == "\\" then
    self:take()
    local e = self:escape(false)
    if e == "boundary" or e == "backref" then return { kind = "empty" } end
    if type(e) == "table" then return { kind = "set", set = e } end
    return { kind = "char", cp = e }
  end
  return { kind = "char", cp = self:take_cp() }
end

function P:quantifier()
  local c = self:peek()
  local lo, hi
  if c == "*" then lo, hi = 0, math.huge
  elseif c == "+" then lo, hi = 1, math.huge
  elseif c == "?" then lo, hi = 0, 1
  elseif c == "{" then
    local a, b, e = self.s:match("^{(%d+)(,?%d*)}()", self.i)
    if not a then return nil end
    lo = tonumber(a)
    if b == "" then hi = lo
    elseif b == "," then hi = math.huge
    else hi = tonumber(b:sub(2)) end
    self.i = e
    if self:peek() == "?" then self:take() end
    return lo, hi
  else
    return nil
  end
  self:take()
  if self:peek() == "?" then self:take() end
  return lo, hi
end

function P:sequence()
  local seq = {}
  while not self:eof() do
    local c = self:peek()
    if c == "|" or c == ")" then break end
    local a = self:atom()
    local lo, hi = self:quantifier()
    if lo then
      if a.kind == "start" or a.kind == "end" then a = { kind = "empty" } end
      a = { kind = "repeat", atom = a, lo = lo, hi = hi }
    end
    seq[#seq + 1] = a
  end
  return seq
end

function P:alternation()
  local alts = { self:sequence() }
  while self:peek() == "|" do
    self:take()
    alts[#alts + 1] = self:sequence()
  end
  return alts
end

-- Generation -----------------------------------------------------------------

local R = {}
R.__index = R

local function gen_alt(alts, variant, extra, out, limit)
  if #out > limit then return false end
  local seq = alts[(variant - 1) % #alts + 1]
  for _, a in ipairs(seq) do
    local k = a.kind
    if k == "char" then
      out[#out + 1] = utf8_char(a.cp)
    elseif k == "set" then
      local cp = set_member(a.set, variant)
      if not cp then return false end
      out[#out + 1] = utf8_char(cp)
    elseif k == "group" then
      if not gen_alt(a.alt, variant, extra, out, limit) then return false end
    elseif k == "repeat" then
      local n = a.lo + extra
      if n > a.hi then n = a.hi end
      if n > a.lo + 64 then n = a.lo + 64 end
      if n > limit then return false end
      for _ = 1, n do
        if not gen_alt({ { a.atom } }, variant, extra, out, limit) then return false end
      end
    end
    -- start, end, empty: nothing to write
  end
  return true
end

--- A string matching the pattern (see the module comment), or nil (also
-- when the match would be longer than the parse's `limit` characters).
function R:generate(variant, extra)
  local out = {}
  if not gen_alt(self.alts, variant or 1, extra or 0, out, self.limit) then return nil end
  return table.concat(out)
end

--- Parses a pattern; returns the generator, or nil and a message.
-- `limit`: the longest string generate() builds (default 65536).
function M.parse(pattern, limit)
  local p = setmetatable({ s = pattern, i = 1 }, P)
  local ok, alts = pcall(function()
    local a = p:alternation()
    if not p:eof() then perr(p, "unbalanced ')'") end
    return a
  end)
  if not ok then
    return nil, type(alts) == "table" and alts.msg or tostring(alts)
  end
  local r = setmetatable({ alts = alts, limit = limit or 65536 }, R)
  -- anchored when every alternative starts (ends) with ^ ($)
  r.anchored_start, r.anchored_end = true, true
  for _, seq in ipairs(alts) do
    if not (seq[1] and seq[1].kind == "start") then r.anchored_start = false end
    if not (seq[#seq] and seq[#seq].kind == "end") then r.anchored_end = false end
  end
  return r
end

return M
