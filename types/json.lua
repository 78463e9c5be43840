---@meta openrouter.json
-- LuaLS definitions: the core's JSON codec (require("openrouter.json")).
-- openrouter.null, openrouter.array and openrouter.object are its null,
-- array and object.

---@class openrouter.JsonOptions
---@field max_depth? integer  nesting limit, 1..1000 (default 1000)
---@field max_bytes? integer  size limit of the text (decode: none; encode: 2^30)

---require("openrouter.json").
---@class openrouter.json
---@field null lightuserdata  JSON null: the NULL light userdata, equal to cjson.null
local json = {}

---Encode a Lua value as JSON text.  Keys 1..n make an array, string keys an
---object, an empty table `{}` unless marked with json.array; integers
---exact.  Invalid UTF-8, NaN/inf, functions, userdata other than null,
---mixed or sparse tables, cycles and nesting deeper than max_depth: nil and
---a validation error naming the path (`messages[2].content`).
---@param value any
---@param opts? openrouter.JsonOptions
---@return string|nil text
---@return openrouter.Error|nil err  kind "validation", errors = { { path =, message = } }
function json.encode(value, opts) end

---Decode JSON text (UTF-8).  Integers exact, null as json.null (never nil),
---arrays marked as arrays and empty objects as objects, so the value
---encodes back to the same JSON.  Invalid text: nil and a protocol error.
---@param text string
---@param opts? openrouter.JsonOptions
---@return any value
---@return openrouter.Error|nil err  kind "protocol", with `offset` (1-based byte)
function json.decode(text, opts) end

---Mark `t` (default: a new table) to encode as a JSON array, `[]` when
---empty; returns it.  A table with a metatable of its own raises.
---@generic T: table
---@param t? T
---@return T
function json.array(t) end

---Mark `t` (default: a new table) to encode as a JSON object, `{}` when
---empty; returns it.  A table with a metatable of its own raises.
---@generic T: table
---@param t? T
---@return T
function json.object(t) end

---Would `t` encode as a JSON array: a marked array, or a non-empty table
---whose keys are exactly 1..#t?
---@param t any
---@return boolean
function json.is_array(t) end

return json
