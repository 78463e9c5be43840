-- The JSON codec: what a Lua value encodes to and what JSON decodes to.
--
--   lua examples/json.lua                       (no server needed)
--
-- openrouter.null / array / object mark what a plain Lua table cannot say;
-- require("openrouter.json") has encode and decode.
local openrouter = require("openrouter")
local json = require("openrouter.json")

local function enc(v)
  local s, err = json.encode(v)
  return s or ("error: " .. tostring(err))
end

-- 1. encoding: keys 1..n are an array, string keys an object; an empty
--    table is {} unless marked
print("{}                       -> " .. enc({}))
print("openrouter.array{}       -> " .. enc(openrouter.array{}))
print("openrouter.object{}      -> " .. enc(openrouter.object{}))
print("{ stop = array{} }       -> " .. enc({ stop = openrouter.array{} }))
print("{ 1, 2, 3 }              -> " .. enc({ 1, 2, 3 }))
print("{ name = null }          -> " .. enc({ name = openrouter.null }))
print("{ name = nil }           -> " .. enc({ name = nil }))      -- nil is no key at all
print("seed 1234567890123456    -> " .. enc({ seed = 1234567890123456 }))   -- exact, not 1.2345678901235e+15
print("0.1                      -> " .. enc(0.1))                -- shortest form that reads back the same

-- 2. what cannot be encoded is an error naming the path, never a silent loss
print("sparse table             -> " .. enc({ messages = { [1] = "a", [3] = "c" } }))
print("a function               -> " .. enc({ tools = { { run = print } } }))
print("invalid UTF-8            -> " .. enc({ content = "caf\233" }))

-- 3. decoding: integers stay integers, null is openrouter.null, and [] and
--    {} stay apart, so decoding then encoding gives the same JSON back
local v = assert(json.decode('{"code":400,"cost":0.5,"name":null,"tags":[],"meta":{},"list":[1,2]}'))
local math_type = rawget(math, "type")          -- Lua 5.3+: integer or float
print(("code %s (%s), cost %s"):format(tostring(v.code), math_type and math_type(v.code) or "number",
  tostring(v.cost)))
print(("name == openrouter.null: %s"):format(tostring(v.name == openrouter.null)))
print(("tags is an array: %s, meta is an array: %s, #list = %d"):format(tostring(json.is_array(v.tags)),
  tostring(json.is_array(v.meta)), #v.list))
print("round trip tags and meta -> " .. enc({ tags = v.tags, meta = v.meta }))

-- 4. bad JSON returns nil and a protocol error saying where
local bad, err = json.decode('{"a": [1, 2,]}')
print(("decode of a trailing comma: %s, %s"):format(tostring(bad), tostring(err)))
