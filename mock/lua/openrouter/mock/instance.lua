--- Deterministic instances of a JSON Schema (draft 7): what a simulated
-- model answers to response_format json_schema.
--
--   local inst = require("openrouter.mock.instance")
--   local value, valid = inst.generate(schema, { seed = 42 })
--   json.encode(value)   -- objects keep their key order (required first)
--
-- The instance is built from the schema's keywords: type, properties,
-- required, additionalProperties, patternProperties, propertyNames,
-- dependencies, min/maxProperties, items (list or tuple), additionalItems,
-- min/maxItems, uniqueItems, contains, enum, const, minimum, maximum,
-- exclusiveMinimum/Maximum, multipleOf, min/maxLength, pattern (a matching
-- string, see regex.lua), format (a sample of the format), allOf (all of
-- them at once), anyOf/oneOf (the first branch that works), if/then/else,
-- not, and $ref (JSON pointers, $id and "#anchor" names in the document,
-- #/definitions and #/$defs alike).
--
-- The library's schema engine is the judge where the keywords alone do not
-- decide: which branch of a oneOf matches exactly once, whether a value
-- slips past a `not`, which enum member fits the rest.  The value returned
-- is the first candidate the engine accepts; `valid` is true when it did,
-- false when no candidate passed (the last attempt is returned), nil when
-- the engine could not compile the schema (the value is then unchecked).
--
-- `seed` (a number) varies the words of strings, unconstrained numbers,
-- booleans and the length of arrays; the same seed gives the same instance.
local schema = require("openrouter.schema")
local json = require("openrouter.mock.json")
local regex = require("openrouter.mock.regex")

local M = {}

local floor, ceil, huge = math.floor, math.ceil, math.huge
local concat, sort = table.concat, table.sort
local null = json.null

M.MAX_DEPTH = 12      -- deeper than this, objects hold only required members
M.SOFT_DEPTH = 3      -- deeper than this, the last branch of an anyOf/oneOf is tried first
M.BUDGET = 20000      -- generation steps per instance
M.MAX_SIZE = 65536    -- the most characters of a string, items of an array

M.words = {
  "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit",
  "sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore",
  "magna", "aliqua", "enim", "ad", "minim", "veniam", "quis", "nostrud",
}

-- Values ---------------------------------------------------------------------

-- Generated containers are plain Lua tables (what the schema engine and a
-- JSON decoder see); `shape` remembers which are arrays and the key order
-- of objects, for encoding.
local shape = setmetatable({}, { __mode = "k" })

local function new_array(t)
  shape[t] = "array"
  return t
end

local function new_object(t, keys)
  shape[t] = keys
  return t
end

-- Canonical JSON text of a value (sorted keys): equality for uniqueItems.
local function canon(v)
  local t = type(v)
  if t == "table" and v ~= null then
    local s = shape[v]
    if s == "array" or (s == nil and v[1] ~= nil) then
      local out = {}
      for i = 1, #v do out[i] = canon(v[i]) end
      return "[" .. concat(out, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    sort(keys)
    local out = {}
    for i, k in ipairs(keys) do out[i] = json.quote(k) .. ":" .. canon(v[k]) end
    return "{" .. concat(out, ",") .. "}"
  elseif t == "number" then
    return json.number(v)
  elseif t == "string" then
    return json.quote(v)
  end
  return tostring(v == null and "null" or v)
end

--- The value as the simulator's JSON encoder wants it (ordered objects,
-- arrays that stay arrays when empty, numbers that read back exactly).
local function to_json(v)
  if type(v) == "number" then
    local text = json.number(v)
    if tonumber(text) ~= v and v == v and v ~= huge and v ~= -huge then
      return json.raw(("%.17g"):format(v))
    end
    return v
  end
  if type(v) ~= "table" or v == null then return v end
  local s = shape[v]
  if s == "array" or (s == nil and v[1] ~= nil) then
    local a = json.array()
    for i = 1, #v do a[i] = to_json(v[i]) end
    return a
  end
  local o = json.object()
  if type(s) ~= "table" then
    -- a const or enum member as the schema holds it: keys sorted
    s = {}
    for k in pairs(v) do s[#s + 1] = k end
    sort(s, function(a, b) return tostring(a) < tostring(b) end)
  end
  for _, k in ipairs(s) do json.put(o, tostring(k), to_json(v[k])) end
  return o
end
M.to_json = to_json

local function utf8_len(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

-- The first n characters of a UTF-8 string.
local function utf8_sub(s, n)
  if n <= 0 then return "" end
  local count, i = 0, 1
  while i <= #s do
    local b = s:byte(i)
    local len = b < 0x80 and 1 or b < 0xE0 and 2 or b < 0xF0 and 3 or 4
    count = count + 1
    if count > n then return s:sub(1, i - 1) end
    i = i + len
  end
  return s
end

-- URIs and pointers ------------------------------------------------------------

local function strip_fragment(uri)
  return (uri:gsub("#.*$", ""))
end

-- Resolves a reference against a base URI (no dot-segment normalisation).
local function join(base, ref)
  if ref:match("^%a[%w+.-]*:") then return ref end
  if ref:sub(1, 1) == "#" then return strip_fragment(base) .. ref end
  base = strip_fragment(base)
  if ref:sub(1, 2) == "//" then
    return (base:match("^(%a[%w+.-]*:)") or "") .. ref
  end
  if ref:sub(1, 1) == "/" then
    return (base:match("^(%a[%w+.-]*://[^/]*)") or "") .. ref
  end
  local dir = base:match("^(.*/)") or ""
  return dir .. ref
end

local function pointer_escape(key)
  return (tostring(key):gsub("~", "~0"):gsub("/", "~1"))
end

-- A pointer as a URI fragment (percent-encoded outside the safe set).
local function fragment_of(pointer)
  return (pointer:gsub("[^%w%-%._~/!$&'()*+,;=:@]", function(c)
    return ("%%%02X"):format(c:byte())
  end))
end

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- The schema at a JSON pointer below `node`, or nil.
local function walk(node, pointer)
  if pointer == "" then return node end
  if pointer:sub(1, 1) ~= "/" then return nil end
  for raw in (pointer:sub(2) .. "/"):gmatch("([^/]*)/") do
    local key = raw:gsub("~1", "/"):gsub("~0", "~")
    if type(node) ~= "table" then return nil end
    local v = node[key]
    if v == nil and key:match("^%d+$") then v = node[tonumber(key) + 1] end
    if v == nil then return nil end
    node = v
  end
  return node
end

-- The generator ------------------------------------------------------------------

local G = {}
G.__index = G

-- Indexes the $id of every subschema: absolute URI -> pointer.
function G:index(node, base, pointer, seen)
  if type(node) ~= "table" or seen[node] then return end
  seen[node] = true
  if type(node["$id"]) == "string" and node["$ref"] == nil then
    base = join(base, node["$id"])
    local doc, frag = base:match("^([^#]*)#?(.*)$")
    if frag ~= "" then
      self.ids[doc .. "#" .. frag] = self.ids[doc .. "#" .. frag] or pointer
    else
      self.ids[doc] = self.ids[doc] or pointer
    end
    self.bases[pointer] = base
  end
  for k, v in pairs(node) do
    if type(v) == "table" and k ~= "enum" and k ~= "const" then
      self:index(v, base, pointer .. "/" .. pointer_escape(type(k) == "number" and k - 1 or k), seen)
    end
  end
end

-- The base URI in force at a pointer (the $ids on the way down).
function G:base_at(pointer)
  local base = self.root_base
  local node = self.root
  if type(node) == "table" and type(node["$id"]) == "string" then base = join(base, node["$id"]) end
  if pointer == "" then return base end
  local at = ""
  for raw in (pointer:sub(2) .. "/"):gmatch("([^/]*)/") do
    at = at .. "/" .. raw
    local b = self.bases[at]
    if b then base = b end
  end
  return base
end

-- Follows $ref: the element { s = schema, p = pointer } it lands on, or
-- nil for a reference it cannot resolve.
function G:deref(el)
  local hops = 0
  while type(el.s) == "table" and type(el.s["$ref"]) == "string" do
    hops = hops + 1
    if hops > 64 then return nil end
    local uri = join(self:base_at(el.p), el.s["$ref"])
    local doc, frag = uri:match("^([^#]*)#?(.*)$")
    frag = percent_decode(frag)
    local start
    if doc == "" or doc == strip_fragment(self.root_base) then
      start = ""
    else
      start = self.ids[doc]
    end
    if not start then return nil end
    local p
    if frag == "" or frag:sub(1, 1) == "/" then
      p = start .. frag
    else
      p = self.ids[doc .. "#" .. frag]
      if not p then return nil end
    end
    local s = walk(self.root, p)
    if s == nil then return nil end
    el = { s = s, p = p }
  end
  return el
end

-- The engine as judge: does `value` satisfy the schema at each element?
-- Elements the engine cannot compile pass (unknown).
function G:check(els, value)
  if not self.oracle then return true end
  for _, el in ipairs(els) do
    local v = self.validators[el.p]
    if v == nil then
      local ok, compiled = pcall(schema.compile, { ["$ref"] = self.doc .. "#" .. fragment_of(el.p) },
        { documents = { [self.doc] = self.root } })
      v = ok and compiled or false
      self.validators[el.p] = v
    end
    if v and not v:validate(value) then return false end
  end
  return true
end

-- A small deterministic generator of numbers in [1, n].
function G:rand(n)
  self.state = (self.state * 48271) % 2147483647
  return self.state % n + 1
end

local pattern_validators = {}
local n_pattern_validators = 0
local function matches_pattern(pattern, s)
  local v = pattern_validators[pattern]
  if v == nil then
    local ok, compiled = pcall(schema.compile, { pattern = pattern })
    v = ok and compiled or false
    if n_pattern_validators > 1000 then pattern_validators, n_pattern_validators = {}, 0 end
    pattern_validators[pattern] = v
    n_pattern_validators = n_pattern_validators + 1
  end
  if not v then return false end
  return (v:validate(s))
end

-- Expansion: the elements in force at one value -------------------------------

-- Resolves refs, flattens allOf and the branches already decided, drops
-- `true`.  Returns the flat list and the first undecided choice (anyOf,
-- oneOf, if), or false when a `false` schema (or a broken $ref) is in force.
function G:expand(els, decided)
  local flat, pending = {}, nil
  local seen = {}
  local function add(el)
    local target = self:deref(el)
    if not target then
      -- a document it does not hold (the draft-07 meta-schema, say): no
      -- keywords to build from, but still in force for the engine's check
      if not seen[el.p] then
        seen[el.p] = true
        flat[#flat + 1] = { s = {}, p = el.p }
      end
      return true
    end
    el = target
    local s = el.s
    if s == true then return true end
    if s == false then return false end
    if type(s) ~= "table" then return true end
    if seen[el.p] then return true end
    seen[el.p] = true
    flat[#flat + 1] = el
    if type(s.allOf) == "table" then
      for i, sub in ipairs(s.allOf) do
        if not add({ s = sub, p = el.p .. "/allOf/" .. (i - 1) }) then return false end
      end
    end
    for _, kw in ipairs({ "anyOf", "oneOf" }) do
      local list = s[kw]
      if type(list) == "table" and #list > 0 then
        local key = el.p .. "/" .. kw
        local pick = decided[key]
        if pick then
          if not add({ s = list[pick], p = key .. "/" .. (pick - 1) }) then return false end
        elseif not pending then
          pending = { key = key, options = #list }
        end
      end
    end
    if s["if"] ~= nil and (s["then"] ~= nil or s["else"] ~= nil) then
      local key = el.p .. "/if"
      local pick = decided[key]
      if pick == 1 then
        if not add({ s = s["if"], p = el.p .. "/if" }) then return false end
        if s["then"] ~= nil and not add({ s = s["then"], p = el.p .. "/then" }) then return false end
      elseif pick == 2 then
        if s["else"] ~= nil and not add({ s = s["else"], p = el.p .. "/else" }) then return false end
      elseif not pending then
        pending = { key = key, options = 2 }
      end
    end
    return true
  end
  for _, el in ipairs(els) do
    if not add(el) then return false end
  end
  return flat, pending
end

-- What the elements say together ------------------------------------------------

local OBJECT_KW = { "properties", "required", "additionalProperties", "patternProperties",
  "minProperties", "maxProperties", "dependencies", "propertyNames" }
local ARRAY_KW = { "items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains" }
local STRING_KW = { "minLength", "maxLength", "pattern", "format" }
local NUMBER_KW = { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf" }

local function has_any(flat, kws)
  for _, el in ipairs(flat) do
    for _, kw in ipairs(kws) do
      if el.s[kw] ~= nil then return true end
    end
  end
  return false
end

-- The types every element allows, in the order to try them.
local function type_order(flat, variant)
  local allowed
  for _, el in ipairs(flat) do
    local t = el.s.type
    if t ~= nil then
      local set = {}
      if type(t) == "string" then set[t] = true
      elseif type(t) == "table" then for _, x in ipairs(t) do set[x] = true end end
      if set.number then set.integer = true end
      if allowed == nil then
        allowed = set
      else
        for k in pairs(allowed) do if not set[k] then allowed[k] = nil end end
      end
    end
  end
  local order, added = {}, {}
  local function push(t)
    if (allowed == nil or allowed[t]) and not added[t] then
      added[t] = true
      order[#order + 1] = t
    end
  end
  -- the declared order first
  for _, el in ipairs(flat) do
    local t = el.s.type
    if type(t) == "string" then push(t)
    elseif type(t) == "table" then for _, x in ipairs(t) do push(x) end end
  end
  -- then what the keywords suggest
  if has_any(flat, OBJECT_KW) then push("object") end
  if has_any(flat, ARRAY_KW) then push("array") end
  if has_any(flat, STRING_KW) then push("string") end
  if has_any(flat, NUMBER_KW) then push("integer"); push("number") end
  -- then the rest, rotated by the variant (distinct values of an open schema)
  local rest = { "null", "boolean", "integer", "string", "array", "object", "number" }
  local n = #rest
  for i = 0, n - 1 do push(rest[(variant - 1 + i) % n + 1]) end
  return order
end

local function max_of(flat, kw)
  local v
  for _, el in ipairs(flat) do
    local x = el.s[kw]
    if type(x) == "number" and (v == nil or x > v) then v = x end
  end
  return v
end

local function min_of(flat, kw)
  local v
  for _, el in ipairs(flat) do
    local x = el.s[kw]
    if type(x) == "number" and (v == nil or x < v) then v = x end
  end
  return v
end

local function is_int(x) return x == floor(x) and x > -2 ^ 53 and x < 2 ^ 53 end

-- Numbers -----------------------------------------------------------------------

local function finite(x)
  return x ~= nil and x == x and x ~= huge and x ~= -huge
end

-- The number as it reads back from the JSON text (nil when not finite).
local function normal(x)
  if not finite(x) then return nil end
  return tonumber(json.number(x))
end

function G:number(flat, integer, variant)
  local lo, lo_ex = max_of(flat, "minimum"), false
  local xlo = max_of(flat, "exclusiveMinimum")
  if xlo and (lo == nil or xlo >= lo) then lo, lo_ex = xlo, true end
  local hi, hi_ex = min_of(flat, "maximum"), false
  local xhi = min_of(flat, "exclusiveMaximum")
  if xhi and (hi == nil or xhi <= hi) then hi, hi_ex = xhi, true end
  local step
  for _, el in ipairs(flat) do
    local m = el.s.multipleOf
    if type(m) == "number" and m > 0 then
      if step == nil or is_int(m / step) then
        step = m
      elseif not is_int(step / m) then
        step = step * m
      end
    end
  end
  if step and not (finite(step) and step > 0) then return nil end
  if integer then
    if step == nil then
      step = 1
    elseif not is_int(step) then
      local n = 1
      while n < 1000 and not is_int(step * n) do n = n + 1 end
      step = normal(step * n)
      if not step or step <= 0 then return nil end
    end
  end
  local function fits(v)
    if not finite(v) then return false end
    if lo and (v < lo or (lo_ex and v == lo)) then return false end
    if hi and (v > hi or (hi_ex and v == hi)) then return false end
    return true
  end
  local base
  if lo then
    base = lo
  elseif hi then
    base = hi < 0 and hi or 0
  else
    base = self:rand(100)
  end
  local v
  if step then
    local n = ceil(base / step - 1e-9)
    if lo_ex and n * step <= lo then n = n + 1 end
    v = normal((n + variant - 1) * step)
    if not fits(v) and hi then
      n = floor(hi / step + 1e-9)
      v = normal(n * step)
      if v and hi_ex and v >= hi then v = normal((n - 1) * step) end
    end
  else
    v = base
    if lo_ex then
      if hi then v = lo + (hi - lo) / 2 else v = lo + 1 end
    end
    v = normal(v + (variant - 1))
    if not fits(v) and hi then v = hi_ex and normal((lo or hi - 2) / 2 + hi / 2) or hi end
  end
  if not fits(v) then return nil end
  if integer and not is_int(v) then return nil end
  return v
end

-- Strings ---------------------------------------------------------------------

local FORMATS = {
  ["date-time"] = function(k) return ("2024-01-%02dT12:00:00Z"):format((k - 1) % 28 + 1) end,
  date = function(k) return ("2024-01-%02d"):format((k - 1) % 28 + 1) end,
  time = function(k) return ("12:%02d:00Z"):format((k - 1) % 60) end,
  email = function(k) return "user" .. k .. "@example.com" end,
  ["idn-email"] = function(k) return "user" .. k .. "@example.com" end,
  hostname = function(k) return "host" .. k .. ".example.com" end,
  ["idn-hostname"] = function(k) return "host" .. k .. ".example.com" end,
  ipv4 = function(k) return "192.0.2." .. ((k - 1) % 254 + 1) end,
  ipv6 = function(k) return ("2001:db8::%x"):format(k) end,
  uri = function(k) return "https://example.com/" .. k end,
  ["uri-reference"] = function(k) return "/items/" .. k end,
  iri = function(k) return "https://example.com/" .. k end,
  ["iri-reference"] = function(k) return "/items/" .. k end,
  ["uri-template"] = function(k) return "https://example.com/{id}/" .. k end,
  ["json-pointer"] = function(k) return "/items/" .. k end,
  ["relative-json-pointer"] = function(k) return tostring(k - 1) end,
  regex = function(k) return "^a{" .. k .. "}$" end,
  uuid = function(k) return ("00000000-0000-4000-8000-%012x"):format(k) end,
  duration = function(k) return "P" .. k .. "D" end,
}

function G:words(variant)
  local n = self:rand(3)
  local out = {}
  for i = 1, n do out[i] = M.words[self:rand(#M.words)] end
  local s = concat(out, " ")
  if variant > 1 then s = s .. " " .. variant end
  return s
end

function G:string(flat, variant)
  local min_len = max_of(flat, "minLength") or 0
  local max_len = min_of(flat, "maxLength") or huge
  if min_len > max_len or min_len > M.MAX_SIZE then return nil end
  local pattern, format
  for _, el in ipairs(flat) do
    if type(el.s.pattern) == "string" and not pattern then pattern = el.s.pattern end
    if type(el.s.format) == "string" and not format then format = el.s.format end
  end
  local function fit(s, pad_front)
    local n = utf8_len(s)
    if n < min_len then
      local pad = string.rep("x", min_len - n)
      s = pad_front and (pad .. s) or (s .. pad)
    elseif n > max_len then
      s = utf8_sub(s, max_len)
      local trimmed = s:gsub("%s+$", "")
      if utf8_len(trimmed) >= min_len then s = trimmed end
    end
    return s
  end
  if pattern then
    local r = regex.parse(pattern, M.MAX_SIZE)
    if not r then return nil end
    local first
    for extra = 0, 40 do
      local s = r:generate(variant, extra)
      if not s then break end  -- longer will not help
      local n = utf8_len(s)
      if n >= min_len and n <= max_len then return s end
      if n < min_len and not (r.anchored_start and r.anchored_end) then
        return fit(s, r.anchored_end)
      end
      first = first or s
      if n > max_len then break end
    end
    return first
  end
  if format and FORMATS[format] then
    return fit(FORMATS[format](variant))
  end
  return fit(self:words(variant))
end

-- Arrays -----------------------------------------------------------------------

-- The elements for position i of an array.
local function item_els(flat, i)
  local out = {}
  for _, el in ipairs(flat) do
    local items = el.s.items
    if type(items) == "table" and items[1] ~= nil then
      if i <= #items then
        out[#out + 1] = { s = items[i], p = el.p .. "/items/" .. (i - 1) }
      elseif el.s.additionalItems ~= nil then
        out[#out + 1] = { s = el.s.additionalItems, p = el.p .. "/additionalItems" }
      end
    elseif items ~= nil then
      out[#out + 1] = { s = items, p = el.p .. "/items" }
    end
  end
  return out
end

-- The most items the tuples allow (additionalItems false), or nil.
local function tuple_cap(flat)
  local cap
  for _, el in ipairs(flat) do
    local items = el.s.items
    if type(items) == "table" and items[1] ~= nil and el.s.additionalItems == false then
      if cap == nil or #items < cap then cap = #items end
    elseif items == false then
      cap = 0
    end
  end
  return cap
end

function G:array(flat, variant, depth)
  local min_items = max_of(flat, "minItems") or 0
  local max_items = min_of(flat, "maxItems") or huge
  local cap = tuple_cap(flat)
  if cap and cap < max_items then max_items = cap end
  local unique = false
  local contains = {}
  for _, el in ipairs(flat) do
    if el.s.uniqueItems == true then unique = true end
    if el.s.contains ~= nil then contains[#contains + 1] = { s = el.s.contains, p = el.p .. "/contains" } end
  end
  local need = math.max(min_items, #contains > 0 and 1 or 0)
  if need > max_items or need > M.MAX_SIZE then return nil end
  local tuple_len = 0
  local open = false
  for _, el in ipairs(flat) do
    local items = el.s.items
    if type(items) == "table" and items[1] ~= nil then
      if #items > tuple_len then tuple_len = #items end
    elseif items ~= nil and items ~= true then
      open = true
    end
  end
  -- a few items when the items say what they are (a form's list), else the least
  local want = need
  if depth < M.MAX_DEPTH then
    if open then want = math.max(need, self:rand(3)) end
    if tuple_len > want then want = tuple_len end
  end
  if want > max_items then want = max_items end

  local function build(n)
    local out, seen = {}, {}
    for i = 1, n do
      local els = item_els(flat, i)
      if i == 1 then for _, c in ipairs(contains) do els[#els + 1] = c end end
      local v
      for attempt = 0, 8 do
        local k = (unique and i - 1 or 0) + variant + attempt
        v = self:value(els, k, depth + 1)
        if v == nil then break end
        if not unique or not seen[canon(v)] then break end
        v = nil
      end
      if v == nil then return nil end
      if unique then seen[canon(v)] = true end
      out[i] = v
    end
    return new_array(out)
  end
  local a = build(want)
  if a == nil or (want ~= need and not self:check(flat, a)) then
    if want ~= need then a = build(need) or a end
  end
  return a
end

-- Objects ----------------------------------------------------------------------

-- Does this element allow `key` (additionalProperties false)?  And the
-- elements for its value.
local function key_schemas(el, key, into)
  local s = el.s
  local matched = false
  if type(s.properties) == "table" and s.properties[key] ~= nil then
    into[#into + 1] = { s = s.properties[key], p = el.p .. "/properties/" .. pointer_escape(key) }
    matched = true
  end
  if type(s.patternProperties) == "table" then
    local pats = {}
    for pat in pairs(s.patternProperties) do pats[#pats + 1] = pat end
    sort(pats)
    for _, pat in ipairs(pats) do
      if matches_pattern(pat, key) then
        into[#into + 1] = { s = s.patternProperties[pat],
          p = el.p .. "/patternProperties/" .. pointer_escape(pat) }
        matched = true
      end
    end
  end
  if not matched then
    local ap = s.additionalProperties
    if ap == false then return false end
    if ap ~= nil then into[#into + 1] = { s = ap, p = el.p .. "/additionalProperties" } end
  end
  return true
end

function G:object(flat, variant, depth)
  local min_props = max_of(flat, "minProperties") or 0
  local max_props = min_of(flat, "maxProperties") or huge
  local keys, chosen, required = {}, {}, {}
  local function allowed(key)
    local scratch = {}
    for _, el in ipairs(flat) do
      if not key_schemas(el, key, scratch) then return false end
      local pn = el.s.propertyNames
      if pn ~= nil and not self:check({ { s = pn, p = el.p .. "/propertyNames" } }, key) then
        return false
      end
      if pn == false then return false end
    end
    return true
  end
  local function add(key, is_required)
    if chosen[key] then
      if is_required then required[key] = true end
      return
    end
    chosen[key] = true
    keys[#keys + 1] = key
    if is_required then required[key] = true end
  end
  for _, el in ipairs(flat) do
    if type(el.s.required) == "table" then
      for _, k in ipairs(el.s.required) do
        if type(k) == "string" then add(k, true) end
      end
    end
  end
  -- optional members: every declared property the elements allow, by name
  local optional = {}
  if depth < M.MAX_DEPTH then
    local names, seen = {}, {}
    for _, el in ipairs(flat) do
      if type(el.s.properties) == "table" then
        for name in pairs(el.s.properties) do
          if type(name) == "string" and not seen[name] then seen[name] = true; names[#names + 1] = name end
        end
      end
    end
    sort(names)
    for _, name in ipairs(names) do
      if not chosen[name] then optional[#optional + 1] = name end
    end
  end

  local function deps_of(key_list, extra_els)
    -- dependencies: more required keys, or more schemas for the object
    local grew = true
    while grew do
      grew = false
      for _, el in ipairs(flat) do
        local deps = el.s.dependencies
        if type(deps) == "table" then
          for i = 1, #key_list do
            local d = deps[key_list[i]]
            if type(d) == "table" and (d[1] ~= nil or next(d) == nil) then
              for _, k in ipairs(d) do
                if type(k) == "string" and not chosen[k] then add(k, true); grew = true end
              end
            elseif d ~= nil and not extra_els[el.p .. key_list[i]] then
              extra_els[el.p .. key_list[i]] = { s = d,
                p = el.p .. "/dependencies/" .. pointer_escape(key_list[i]) }
              grew = true
            end
          end
        end
      end
    end
  end

  local function build(with_optional)
    local saved_keys, saved_chosen, saved_required = {}, {}, {}
    for i, k in ipairs(keys) do saved_keys[i] = k end
    for k, v in pairs(chosen) do saved_chosen[k] = v end
    for k, v in pairs(required) do saved_required[k] = v end
    local function restore()
      keys, chosen, required = saved_keys, saved_chosen, saved_required
    end
    if with_optional then
      for _, name in ipairs(optional) do
        if #keys < max_props and allowed(name) then add(name, false) end
      end
    end
    local extra = {}
    deps_of(keys, extra)
    -- more members up to minProperties: declared ones, then invented names
    local i = 0
    while #keys < min_props and i < 200 do
      i = i + 1
      local name = optional[i] or ("key" .. (i - #optional))
      if optional[i] == nil then
        -- a name a patternProperties pattern makes, when plain names are not allowed
        if not allowed(name) then
          for _, el in ipairs(flat) do
            if type(el.s.patternProperties) == "table" then
              local pats = {}
              for pat in pairs(el.s.patternProperties) do pats[#pats + 1] = pat end
              sort(pats)
              for _, pat in ipairs(pats) do
                local r = regex.parse(pat, M.MAX_SIZE)
                local s = r and r:generate(i, 0)
                if s and not chosen[s] and allowed(s) then name = s; break end
              end
            end
          end
        end
      end
      if not chosen[name] and allowed(name) then add(name, false) end
      deps_of(keys, extra)
    end
    -- too many: drop optional members from the end
    local k = #keys
    while #keys > max_props and k >= 1 do
      if not required[keys[k]] then
        chosen[keys[k]] = nil
        table.remove(keys, k)
      end
      k = k - 1
    end
    local els = {}
    for _, el in ipairs(flat) do els[#els + 1] = el end
    local extra_list = {}
    for key in pairs(extra) do extra_list[#extra_list + 1] = key end
    sort(extra_list)
    for _, key in ipairs(extra_list) do els[#els + 1] = extra[key] end
    if #extra_list > 0 then
      -- the dependency schemas may add members of their own
      local flat2 = self:expand(els, {})
      if flat2 and #flat2 > #flat and depth < M.MAX_DEPTH + 4 then
        restore()
        return self:object(flat2, variant, depth + 1)
      end
    end
    local obj = {}
    local final = {}
    for _, key in ipairs(keys) do
      local vels = {}
      local ok = true
      for _, el in ipairs(flat) do
        if not key_schemas(el, key, vels) then ok = false end
      end
      local v
      if ok then v = self:value(vels, variant, depth + 1) end
      if v == nil then
        if required[key] then restore(); return nil end
      else
        obj[key] = v
        final[#final + 1] = key
      end
    end
    restore()
    return new_object(obj, final)
  end

  local o = build(#optional > 0)
  if #optional > 0 and (o == nil or not self:check(flat, o)) then
    o = build(false) or o
  end
  return o
end

-- One value ------------------------------------------------------------------------

local function copy(v)
  if type(v) ~= "table" or v == null then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x) end
  return t
end

-- A value for the elements (with their choices still open), or nil.
function G:value(els, variant, depth, decided)
  self.steps = self.steps + 1
  if self.steps > M.BUDGET or depth > M.MAX_DEPTH + 8 then return nil end
  decided = decided or {}
  local flat, pending = self:expand(els, decided)
  if not flat then return nil end
  if pending then
    -- each branch in order; then each again with other variants (a value
    -- that matched two branches of a oneOf may match one as another string)
    local first
    for shift = 0, 2 do
      for i = 1, pending.options do
        -- deep down, the last branch first: a recursive schema's way out
        -- (anyOf [node, null]) ends the recursion early
        local o = depth >= M.SOFT_DEPTH and pending.options + 1 - i or i
        local d = {}
        for k, v in pairs(decided) do d[k] = v end
        d[pending.key] = o
        local v = self:value(els, variant + shift, depth, d)
        if v ~= nil then
          if self:check(els, v) then return v end
          if first == nil then first = v end
        end
        if self.steps > M.BUDGET then return first end
      end
      if not self.oracle then break end
    end
    return first
  end
  return self:build(flat, variant, depth)
end

-- A value for elements with every choice made.
function G:build(flat, variant, depth)
  local const_found, const
  local enum
  for _, el in ipairs(flat) do
    if el.s.const ~= nil and not const_found then const_found, const = true, el.s.const end
    if type(el.s.enum) == "table" and enum == nil then enum = el.s.enum end
  end
  if const_found then return copy(const) end
  if enum then
    local n = #enum
    for i = 0, n - 1 do
      local cand = enum[(variant - 1 + i) % n + 1]
      if self:check(flat, cand) then return copy(cand) end
    end
    return n > 0 and copy(enum[(variant - 1) % n + 1]) or nil
  end
  local first
  for _, t in ipairs(type_order(flat, variant)) do
    local v
    if t == "null" then v = null
    elseif t == "boolean" then v = (self.seed + variant) % 2 == 0
    elseif t == "integer" then v = self:number(flat, true, variant)
    elseif t == "number" then v = self:number(flat, false, variant)
    elseif t == "string" then v = self:string(flat, variant)
    elseif t == "array" then v = self:array(flat, variant, depth)
    elseif t == "object" then v = self:object(flat, variant, depth)
    end
    if v ~= nil then
      if self:check(flat, v) then return v end
      if first == nil then first = v end
    end
    if self.steps > M.BUDGET then break end
  end
  return first
end

--- An instance of `root` (a schema: table or boolean).  opts: seed (number).
-- Returns the value (ready for json.encode: objects ordered, arrays kept
-- arrays) and whether the schema engine accepted it (nil: it could not
-- compile the schema), or nil and a message when nothing can be made.
---@param root table|boolean
---@param opts? { seed?: number }
---@return any value
---@return boolean|string|nil valid_or_err
function M.generate(root, opts)
  opts = opts or {}
  local seed = floor(tonumber(opts.seed) or 0) % 2147483646 + 1
  local g = setmetatable({
    root = root, seed = seed, state = seed, steps = 0,
    ids = {}, bases = {}, validators = {},
    doc = "urn:openrouter-mock:instance", root_base = "",
  }, G)
  local ok_root, whole = pcall(schema.compile, root)
  g.oracle = ok_root and opts.oracle ~= false
  if type(root) == "table" then g:index(root, g.root_base, "", {}) end
  local v = g:value({ { s = root, p = "" } }, 1, 0)
  if v == nil then return nil, "no instance found" end
  local valid = nil
  if ok_root then valid = (whole:validate(v)) end
  return to_json(v), valid
end

return M
