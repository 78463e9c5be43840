-- Random valid values from an OpenAPI 3.1 schema, read straight from the
-- document: written apart from tools/schemas/translate.lua (it shares no
-- code with it) so that the two can check each other.
--
--   local gen = openapi_gen.new(doc, { seed = 1, constraints = { [node] = {...} } })
--   local body = gen:value("#/components/schemas/ChatRequest")
--
-- It walks the schema as OpenAPI means it: a $ref's siblings apply too, allOf
-- members all hold (merged), anyOf / oneOf take one branch, `type` lists take
-- one type; optional properties come and go; open objects sometimes get an
-- unknown key (the API ignores those; a schema must too); strings, numbers,
-- arrays honour their bounds and patterns (of the form ^[class]+$).
-- `constraints` adds keywords to document nodes (the ranges the docs state:
-- a value outside them is not a valid request, whatever the document says).
-- JSON null is cjson.null.  The random numbers come from a generator of its
-- own, so a seed gives the same values under every Lua.
local null = require("cjson").null

local M = {}
local Gen = {}
Gen.__index = Gen

---------------------------------------------------------------- random

-- A 32-bit linear congruential generator in doubles (exact below 2^53).
local function rng(seed)
  local state = (seed * 2654435761) % 4294967296
  return function()
    state = (1664525 * state + 1013904223) % 4294967296
    return state / 4294967296
  end
end

function Gen:chance(p) return self.rand() < p end
function Gen:int(lo, hi) return lo + math.floor(self.rand() * (hi - lo + 1)) end
function Gen:pick(list) return list[self:int(1, #list)] end

---------------------------------------------------------------- the document

local function unesc(s) return (s:gsub("~1", "/"):gsub("~0", "~")) end

function Gen:at(ptr)
  local v = self.doc
  for part in ptr:gsub("^#", ""):gmatch("/([^/]*)") do
    local k = unesc(part)
    if v[k] == nil and tonumber(k) then k = tonumber(k) + 1 end
    v = v[k]
    if v == nil then error("openapi_gen: no " .. ptr) end
  end
  return v
end

---------------------------------------------------------------- merging

-- The members a value must satisfy at once, with every $ref followed, every
-- allOf opened and one branch taken in every anyOf / oneOf.
function Gen:collect(node, acc, depth)
  if node == true or node == nil then return acc end
  if node == false then error("openapi_gen: a false schema") end
  if depth > 40 then error("openapi_gen: $refs nested too deeply") end
  if self.constraints[node] then acc[#acc + 1] = self.constraints[node] end
  if node["$ref"] then self:collect(self:at(node["$ref"]), acc, depth + 1) end
  for _, m in ipairs(node.allOf or {}) do self:collect(m, acc, depth + 1) end
  local alts = node.anyOf or node.oneOf
  if alts then self:collect(self:pick(alts), acc, depth + 1) end
  acc[#acc + 1] = node
  return acc
end

local TYPES = { "string", "number", "integer", "boolean", "null", "object", "array" }

local function type_set(node)
  local t = node.type
  if t == nil then return nil end
  local s = {}
  for _, x in ipairs(type(t) == "string" and { t } or t) do s[x] = true end
  return s
end

-- One flat schema from the members, or nil when they contradict each other.
local function merge(members)
  local m = { properties = {}, required = {}, types = nil }
  for _, n in ipairs(members) do
    local ts = type_set(n)
    if ts then
      if not m.types then
        m.types = ts
      else
        local both = {}
        for t in pairs(m.types) do
          if ts[t] then both[t] = true
          elseif t == "integer" and ts.number then both.integer = true
          elseif t == "number" and ts.integer then both.integer = true end
        end
        m.types = both
      end
    end
    for name, s in pairs(n.properties or {}) do
      if m.properties[name] then
        m.properties[name] = { allOf = { m.properties[name], s } }
      else
        m.properties[name] = s
      end
    end
    for _, r in ipairs(n.required or {}) do m.required[r] = true end
    if n.enum then
      if m.enum then
        local keep = {}
        for _, a in ipairs(m.enum) do
          for _, b in ipairs(n.enum) do
            if a == b then keep[#keep + 1] = a end
          end
        end
        m.enum = keep
      else
        m.enum = n.enum
      end
    end
    if n.const ~= nil then m.enum = { n.const } end
    if n.additionalProperties ~= nil then
      if n.additionalProperties == false or m.additional == nil then
        m.additional = n.additionalProperties
      end
    end
    if n.items ~= nil then m.items = n.items end
    for _, k in ipairs({ "minimum", "exclusiveMinimum", "minLength", "minItems" }) do
      if n[k] and (m[k] == nil or n[k] > m[k]) then m[k] = n[k] end
    end
    for _, k in ipairs({ "maximum", "exclusiveMaximum", "maxLength", "maxItems" }) do
      if n[k] and (m[k] == nil or n[k] < m[k]) then m[k] = n[k] end
    end
    if n.pattern then m.pattern = n.pattern end
    for _, k in ipairs({ "not", "multipleOf", "uniqueItems", "minProperties", "maxProperties",
                         "patternProperties", "propertyNames", "prefixItems", "if",
                         "dependentRequired", "dependentSchemas", "contains" }) do
      if n[k] ~= nil then error("openapi_gen: keyword '" .. k .. "' is not generated") end
    end
  end
  if m.types and next(m.types) == nil then return nil end
  if m.enum and #m.enum == 0 then return nil end
  return m
end

---------------------------------------------------------------- values

local ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
local TEXT = ALNUM .. " _-.:/"

-- The characters of a pattern ^[class]+$ (or *), and the least count.
local function pattern_chars(p)
  local class, rep = p:match("^%^%[([^%]]+)%]([+*])%$$")
  if not class then error("openapi_gen: pattern " .. p .. " is not of the form ^[...]+$") end
  local chars, i = {}, 1
  local function add_range(a, b)
    for c = a:byte(), b:byte() do chars[#chars + 1] = string.char(c) end
  end
  while i <= #class do
    local c = class:sub(i, i)
    if c == "\\" then
      local e = class:sub(i + 1, i + 1)
      if e == "w" then add_range("a", "z"); add_range("A", "Z"); add_range("0", "9"); chars[#chars + 1] = "_"
      elseif e == "d" then add_range("0", "9")
      else chars[#chars + 1] = e end
      i = i + 2
    elseif class:sub(i + 1, i + 1) == "-" and i + 2 <= #class then
      add_range(c, class:sub(i + 2, i + 2))
      i = i + 3
    else
      chars[#chars + 1] = c
      i = i + 1
    end
  end
  return chars, rep == "+" and 1 or 0
end

function Gen:string(m)
  local lo = m.minLength or 0
  local hi = m.maxLength or (lo + 16)
  if hi > lo + 16 then hi = lo + 16 end
  local chars
  if m.pattern then
    local least
    chars, least = pattern_chars(m.pattern)
    if lo < least then lo = least end
  end
  local n = self:int(lo, hi)
  local out = {}
  for i = 1, n do
    if chars then
      out[i] = self:pick(chars)
    else
      local k = self:int(1, #TEXT)
      out[i] = TEXT:sub(k, k)
    end
  end
  -- now and then a character outside ASCII, where no length bound is at stake
  if not chars and not m.maxLength and n > 0 and self:chance(0.1) then out[1] = "\195\169" end
  return table.concat(out)
end

function Gen:number(m, integer)
  local lo, hi = m.minimum, m.maximum
  local xlo, xhi = m.exclusiveMinimum, m.exclusiveMaximum
  if lo == nil and hi == nil and xlo == nil and xhi == nil then
    lo, hi = -1000, 1000
  end
  if integer then
    lo = lo or (xlo and math.floor(xlo) + 1) or (hi or xhi) - 1000
    hi = hi or (xhi and math.ceil(xhi) - 1) or lo + 1000
    if xlo and lo <= xlo then lo = math.floor(xlo) + 1 end
    if xhi and hi >= xhi then hi = math.ceil(xhi) - 1 end
    if self:chance(0.2) then return self:chance(0.5) and lo or hi end
    return self:int(lo, hi)
  end
  local a = lo or xlo or (hi or xhi) - 1000
  local b = hi or xhi or a + 1000
  if self:chance(0.2) then
    if lo and self:chance(0.5) then return lo end
    if hi then return hi end
  end
  local x = a + (b - a) * self.rand()
  x = math.floor(x * 1000 + 0.5) / 1000
  if (xlo and x <= xlo) or (xhi and x >= xhi) or (lo and x < lo) or (hi and x > hi) then
    x = (a + b) / 2
  end
  return x
end

-- Any JSON value (where the schema allows anything).
function Gen:any(depth)
  local k = self:int(1, depth > 3 and 5 or 7)
  if k == 1 then return self:string({}) end
  if k == 2 then return self:number({}, self:chance(0.5)) end
  if k == 3 then return self:chance(0.5) end
  if k == 4 then return null end
  if k == 5 then return self:string({ maxLength = 4 }) end
  if k == 6 then return { self:any(depth + 1) } end
  return { ["k" .. self:int(1, 9)] = self:any(depth + 1) }
end

function Gen:object(m, depth)
  local t = {}
  local names = {}
  for name in pairs(m.properties) do names[#names + 1] = name end
  table.sort(names)
  local p = depth > 4 and 0.1 or 0.5
  for _, name in ipairs(names) do
    if m.required[name] or self:chance(p) then
      t[name] = self:gen(m.properties[name], depth + 1)
    end
  end
  for name in pairs(m.required) do
    if t[name] == nil then
      -- required, but not among the properties: anything will do
      t[name] = self:any(depth + 1)
    end
  end
  local extra = m.additional
  if extra == nil or extra == true then
    if self:chance(self.extra_keys) then t["zz_unknown_" .. self:int(1, 99)] = self:any(depth + 1) end
  elseif extra ~= false then
    for _ = 1, self:int(0, depth > 4 and 0 or 2) do
      t["k" .. self:int(100, 999)] = self:gen(extra, depth + 1)
    end
  end
  return t
end

function Gen:array(m, depth)
  local lo = m.minItems or 0
  local hi = m.maxItems or (lo + 3)
  if hi > lo + 3 then hi = lo + 3 end
  if depth > 4 then hi = lo end
  local t = {}
  for i = 1, self:int(lo, hi) do
    t[i] = m.items ~= nil and self:gen(m.items, depth + 1) or self:any(depth + 1)
  end
  return t
end

-- A value of one flat schema.
function Gen:flat(m, depth)
  if m.enum then return self:pick(m.enum) end
  local types = {}
  if m.types then
    for _, t in ipairs(TYPES) do
      if m.types[t] then types[#types + 1] = t end
    end
  elseif next(m.properties) or m.additional ~= nil or next(m.required) then
    types = { "object" }
  elseif m.items ~= nil then
    types = { "array" }
  else
    return self:any(depth)
  end
  local t = self:pick(types)
  if t == "string" then return self:string(m) end
  if t == "number" then return self:number(m, false) end
  if t == "integer" then return self:number(m, true) end
  if t == "boolean" then return self:chance(0.5) end
  if t == "null" then return null end
  if t == "object" then return self:object(m, depth) end
  return self:array(m, depth)
end

--- A valid value of a schema node (or a pointer into the document).
function Gen:gen(node, depth)
  depth = depth or 0
  if type(node) == "string" then node = self:at(node) end
  for _ = 1, 50 do
    local m = merge(self:collect(node, {}, 0))
    if m then return self:flat(m, depth) end
  end
  error("openapi_gen: no value satisfies this schema's allOf")
end

Gen.value = Gen.gen

--- A generator over the decoded document doc.
function M.new(doc, opts)
  opts = opts or {}
  return setmetatable({
    doc = doc,
    rand = rng(opts.seed or 1),
    constraints = opts.constraints or {},
    extra_keys = opts.extra_keys or 0.15,
  }, Gen)
end

return M
