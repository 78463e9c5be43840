--- openrouter.json -- the core's JSON codec, for requests and responses.
--
--   local json = require("openrouter.json")
--   local s, err = json.encode(value)      -- string | nil, validation error
--   local v, err = json.decode(text)       -- value | nil, protocol error
--   json.null                              -- JSON null (== cjson.null)
--   json.array(t), json.object(t)          -- how an empty table encodes
--   json.is_array(t)                       -- would t encode as an array?
--
-- Decoding: integers exact (Lua integers on 5.3+, numbers exact up to 2^53
-- on 5.1/LuaJIT), floats as floats, null as json.null, every array with
-- the array marker and every empty object with the object marker, so a
-- decoded value encodes back to the same JSON.  Text must be UTF-8.
--
-- Encoding: a table with keys 1..n is an array, one with string keys an
-- object; an empty table is {} unless marked with json.array (or decoded
-- from [], or carrying cjson's array_mt / empty_array_mt where the
-- installed lua-cjson has them).  Request bodies are written with the
-- request schema's guidance instead, which needs no marker where the
-- schema says array (openrouter.validate.prepare; schema's v:encode).  Integers exact; other numbers in the
-- shortest form that reads back the same.  Invalid UTF-8, NaN/inf,
-- functions, userdata other than null, mixed or sparse tables, cycles and
-- nesting deeper than 1000: an error naming the path (`messages[2].content`).
local core = require("openrouter.core")
local errors = require("openrouter.errors")

local M = {}

local ARRAY_MT, OBJECT_MT = core.json_array_mt, core.json_object_mt
local json_encode, json_decode = core.json_encode, core.json_decode

--- JSON null: the NULL light userdata, the same value as cjson.null.
M.null = core.json_null

-- Metatables that mark a table's JSON kind: ours, and those of the
-- installed lua-cjson when it has them (OpenResty's fork does; Debian's
-- 2.1.0 has neither array_mt, empty_array_mt nor empty_array).
local marks = { [ARRAY_MT] = "array", [OBJECT_MT] = "object" }
do
  local ok, cjson = pcall(require, "cjson")
  if ok and type(cjson) == "table" then
    if type(cjson.array_mt) == "table" then
      core.json_marker(cjson.array_mt, "array")
      marks[cjson.array_mt] = "array"
    end
    if type(cjson.empty_array_mt) == "table" then
      core.json_marker(cjson.empty_array_mt, "empty_array")
      marks[cjson.empty_array_mt] = "empty_array"
    end
    if type(cjson.empty_array) == "userdata" and cjson.empty_array ~= M.null then
      core.json_marker(cjson.empty_array, "array")
    end
  end
end

local function mark(t, mt, fname)
  if t == nil then t = {} end
  if type(t) ~= "table" then
    error(("bad argument #1 to '%s' (table expected, got %s)"):format(fname, type(t)), 3)
  end
  local old = getmetatable(t)
  if old ~= nil and old ~= mt and not marks[old] then
    error(("bad argument #1 to '%s' (the table already has a metatable)"):format(fname), 3)
  end
  return setmetatable(t, mt)
end

--- Mark t (default: a new table) to encode as a JSON array, [] when empty.
---@generic T: table
---@param t? T
---@return T
function M.array(t)
  return mark(t, ARRAY_MT, "array")
end

--- Mark t (default: a new table) to encode as a JSON object, {} when empty.
---@generic T: table
---@param t? T
---@return T
function M.object(t)
  return mark(t, OBJECT_MT, "object")
end

--- Would t encode as a JSON array (without a schema's help)?  A marked
--- array, or a non-empty table whose keys are exactly 1..#t (or an empty
--- one with cjson's empty_array_mt).
---@param t any
---@return boolean
function M.is_array(t)
  if type(t) ~= "table" then return false end
  local m = marks[getmetatable(t)]
  if m == "array" then return true end
  if m == "object" then return false end
  local n = #t
  if n == 0 then return m == "empty_array" and next(t) == nil end
  local count = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then return false end
    count = count + 1
  end
  return count == n
end

---@class openrouter.JsonOptions
---@field max_depth? integer  nesting limit, 1..1000 (default 1000)
---@field max_bytes? integer  size limit of the text (decode: none; encode: 2^30)

--- Encode a Lua value as JSON text.
---@param value any
---@param opts? openrouter.JsonOptions
---@return string|nil text
---@return openrouter.Error|nil err  kind "validation", errors = { {path=, message=} }
function M.encode(value, opts)
  local s, path, msg = json_encode(value, nil, opts)
  if s then return s end
  return nil, errors.validation({ { path = path, message = msg } }, "cannot encode as JSON")
end

--- Decode JSON text.  JSON null decodes to json.null, never to nil.
---@param text string
---@param opts? openrouter.JsonOptions
---@return any value
---@return openrouter.Error|nil err  kind "protocol", with offset (1-based byte)
function M.decode(text, opts)
  local v, msg, offset = json_decode(text, 1, opts)
  if v ~= nil then return v end
  return nil, errors.new{ kind = "protocol", message = "invalid JSON: " .. msg, offset = offset }
end

return M
