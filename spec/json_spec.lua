-- openrouter.json: the core's JSON codec (src/json.c, src/ljson_*.c) through
-- its Lua module.  The five defects measured in Debian's lua-cjson 2.1.0 are
-- regression cases (cjson's bytes before, ours after); the accepted and
-- rejected texts are written here in JSONTestSuite's y_/n_ style.
local json = require("openrouter.json")
local openrouter = require("openrouter")
local core = require("openrouter.core")
local validate = require("openrouter.validate")
local cjson = require("cjson")

-- 5.3+ only (luacheck's std "min" knows none of these)
local math_type = rawget(math, "type")
local MAXINT, MININT = rawget(math, "maxinteger"), rawget(math, "mininteger")
local HAS_INTEGERS = math_type ~= nil
-- Debian's lua-cjson 2.1.0 (no OpenResty additions): the "before" bytes.
local DEBIAN_CJSON = cjson._VERSION == "2.1.0" and cjson.empty_array == nil

-- Encode, asserting success.
local function enc(v)
  local s, err = json.encode(v)
  assert(s, err and tostring(err))
  return s
end

-- Decode, asserting success.
local function dec(s)
  local v, err = json.decode(s)
  assert(v ~= nil, err and tostring(err))
  return v
end

-- The single error of a failed encode: path, message.
local function enc_err(v, opts)
  local s, err = json.encode(v, opts)
  assert.is_nil(s)
  assert.equal("validation", err.kind)
  assert.equal(1, #err.errors)
  return err.errors[1].path, err.errors[1].message
end

-- The JSON kind of a table: a marker decides, else a non-empty sequence is
-- an array and anything else an object.
local function kind(t)
  if json.is_array(t) then return "array" end
  return "object"
end

-- Equality as JSON values: numbers by value, tables by kind and contents.
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then
    if a ~= a then return b ~= b end
    return a == b
  end
  if type(a) ~= "table" then return a == b end
  if kind(a) ~= kind(b) then return false end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

describe("the five lua-cjson 2.1.0 defects (regressions)", function()
  it("empty_table_at_array_position_goes_out_as_object", function()
    local req = { provider = { ignore = {} }, tools = {}, stop = {} }
    if DEBIAN_CJSON then
      assert.equal('{"ignore":{}}', cjson.encode(req.provider))
      assert.equal("{}", cjson.encode(req.tools))
    end
    -- markers say [] where no schema speaks (the schema hint is the C hook)
    assert.equal('{"ignore":[]}', enc({ ignore = openrouter.array() }))
    assert.equal("[]", enc(openrouter.array({})))
    assert.equal('{"stop":[]}', enc({ stop = json.array() }))
    -- and what came back as [] goes out as [] again
    assert.equal('{"tools":[]}', enc(dec('{"tools":[]}')))
  end)

  it("integers_above_1e14_lose_digits", function()
    if DEBIAN_CJSON then
      assert.equal('{"seed":1.2345678901235e+15}', cjson.encode({ seed = 1234567890123456 }))
    end
    assert.equal('{"seed":1234567890123456}', enc({ seed = 1234567890123456 }))
    assert.equal("9007199254740992", enc(2 ^ 53))
    assert.equal("-9007199254740991", enc(-(2 ^ 53 - 1)))
    if HAS_INTEGERS then
      assert.equal("9223372036854775807", enc(MAXINT))
      assert.equal("-9223372036854775808", enc(MININT))
      assert.equal("123456789012345678", enc(123456789012345678))
    end
  end)

  it("invalid_utf8_goes_out_raw", function()
    if DEBIAN_CJSON then
      assert.equal('"caf\233"', cjson.encode("caf\233"))
    end
    local s, err = json.encode({ messages = { { role = "user", content = "caf\233" } } })
    assert.is_nil(s)
    assert.equal("validation", err.kind)
    assert.equal("messages[1].content", err.errors[1].path)
    assert.matches("invalid UTF%-8 in a string %(byte 4: 0xE9%)", err.errors[1].message)
    assert.matches("messages%[1%]%.content", tostring(err))
  end)

  it("numbers_come_back_as_floats", function()
    local body = '{"usage":{"prompt_tokens":12},"error":{"code":400}}'
    if DEBIAN_CJSON and HAS_INTEGERS then
      assert.equal("12.0", tostring(cjson.decode(body).usage.prompt_tokens))
      assert.equal("float", math_type(cjson.decode(body).error.code))
    end
    local v = dec(body)
    assert.equal("12", tostring(v.usage.prompt_tokens))
    assert.equal("code 400", "code " .. tostring(v.error.code))
    if HAS_INTEGERS then
      assert.equal("integer", math_type(v.usage.prompt_tokens))
    end
  end)

  it("empty_array_and_empty_object_decode_the_same", function()
    local text = '{"a":[],"b":{}}'
    if DEBIAN_CJSON then
      local back = cjson.decode(cjson.encode(cjson.decode(text)))
      assert.equal("{}", cjson.encode(back.a))        -- the array became an object
    end
    local v = dec(text)
    assert.equal("[]", enc(v.a))
    assert.equal("{}", enc(v.b))
    assert.is_true(json.is_array(v.a))
    assert.is_false(json.is_array(v.b))
    -- a response message sent back as history keeps its shape
    local m = dec('{"tool_calls":[]}')
    assert.equal('{"tool_calls":[]}', enc(m))
  end)
end)

describe("accepted texts (y_)", function()
  local Y = {
    { "y_array_empty", "[]", json.array() },
    { "y_array_nested", "[[],[[]]]", { json.array(), { json.array() } } },
    { "y_object_empty", "{}", {} },
    { "y_object_simple", '{"a":"b"}', { a = "b" } },
    { "y_object_duplicate_key_last_wins", '{"a":1,"a":2}', { a = 2 } },
    { "y_whitespace", ' \t\r\n[ 1 ,\n2 ] \n', { 1, 2 } },
    { "y_literals", "[true,false]", { true, false } },
    { "y_string_escapes", [["\"\\\/\b\f\n\r\t"]], "\"\\/\b\f\n\r\t" },
    { "y_string_u_escape", [["\u0041\u00e9\u20AC"]], "A\195\169\226\130\172" },
    { "y_string_surrogate_pair", [["\ud83d\ude00"]], "\240\159\152\128" },
    { "y_string_last_scalar", [["\uDBFF\uDFFF"]], "\244\143\191\191" },
    { "y_string_u0000", [["a\u0000b"]], "a\0b" },
    { "y_string_raw_utf8", '"\195\169\240\159\152\128"', "\195\169\240\159\152\128" },
    { "y_string_del", '"\127"', "\127" },
    { "y_string_u2028", [["\u2028"]], "\226\128\168" },
    { "y_bom_skipped", "\239\187\191{\"a\":1}", { a = 1 } },
    { "y_number_zero", "0", 0 },
    { "y_number_negative_zero", "-0", 0 },
    { "y_number_int", "[123]", { 123 } },
    { "y_number_negative", "-42", -42 },
    { "y_number_fraction", "1.5", 1.5 },
    { "y_number_exponent", "1E2", 100.0 },
    { "y_number_exponent_minus", "25e-1", 2.5 },
    { "y_number_tiny", "5e-324", 5e-324 },
    { "y_number_huge", "1.7976931348623157e308", 1.7976931348623157e308 },
    { "y_number_underflow", "1e-400", 0.0 },
    { "y_number_2pow53", "9007199254740992", 2 ^ 53 },
  }
  for _, c in ipairs(Y) do
    it(c[1], function()
      local v = dec(c[2])
      if type(c[3]) == "table" then
        assert.is_true(same(c[3], v), enc(v))
      else
        assert.equal(c[3], v)
      end
    end)
  end

  it("y_null decodes to openrouter.null", function()
    assert.equal(json.null, dec("null"))
    assert.equal(json.null, dec("[null]")[1])
    assert.equal(json.null, dec('{"a":null}').a)
  end)

  it("y_deep_nesting: 1000 levels of arrays and of objects", function()
    local a = dec(("["):rep(1000) .. ("]"):rep(1000))
    local depth = 0
    while type(a) == "table" do depth = depth + 1; a = a[1] end
    assert.equal(1000, depth)
    local o = dec(('{"k":'):rep(999) .. "{}" .. ("}"):rep(999))
    assert.equal(("{\"k\":"):rep(999) .. "{}" .. ("}"):rep(999), enc(o))
  end)

  it("y_long_array and y_long_object (past the gathering batch)", function()
    local items, fields = {}, {}
    for i = 1, 5000 do
      items[i] = tostring(i)
      fields[i] = ('"k%d":%d'):format(i, i)
    end
    local a = dec("[" .. table.concat(items, ",") .. "]")
    assert.equal(5000, #a)
    for i = 1, 5000 do assert.equal(i, a[i]) end
    local o = dec("{" .. table.concat(fields, ",") .. "}")
    for i = 1, 5000 do assert.equal(i, o["k" .. i]) end
    -- nested long containers share the stack budget
    local nested = dec("[" .. ("[" .. table.concat(items, ",", 1, 100) .. "],"):rep(300) .. "1]")
    assert.equal(301, #nested)
    assert.equal(100, nested[300][100])
  end)
end)

describe("rejected texts (n_)", function()
  local N = {
    { "n_empty", "", "no value", 1 },
    { "n_whitespace_only", "   ", "no value", 4 },
    { "n_trailing_garbage", '{"a":1} x', "after the value 'x'", 9 },
    { "n_trailing_second_value", "[1] [2]", "after the value '%['", 5 },
    { "n_trailing_nul", "[1]\0", "after the value %(0x00%)", 4 },
    { "n_trailing_comma", "[1,2,]", "unexpected character ']'", 6 },
    { "n_object_trailing_comma", '{"a":1,}', "unexpected character '}'", 8 },
    { "n_unclosed_array", "[1,2", "end of input", 5 },
    { "n_unclosed_string", '["abc', "end of input", 6 },
    { "n_single_quotes", "['a']", "unexpected character '''", 2 },
    { "n_unquoted_key", "{a:1}", "unexpected character 'a'", 2 },
    { "n_comment", "[1 // c\n]", "unexpected character '/'", 4 },
    { "n_nan", "[NaN]", "unexpected character 'N'", 2 },
    { "n_infinity", "-Infinity", "malformed number", 2 },
    { "n_leading_zero", "[012]", "malformed number", 3 },
    { "n_plus_sign", "[+1]", "unexpected character '%+'", 2 },
    { "n_hex", "[0x1F]", "unexpected character 'x'", 3 },
    { "n_dot_no_digits", "[1.]", "malformed number", 4 },
    { "n_exponent_no_digits", "[1e]", "malformed number", 4 },
    { "n_overflow", "[1e400]", "out of range", 2 },
    { "n_control_in_string", '["a\nb"]', "control character", 4 },
    { "n_tab_in_string", '"\t"', "control character", 2 },
    { "n_bad_escape", [["\x41"]], "invalid escape", 2 },
    { "n_short_u", [["\u12"]], "invalid escape", 2 },
    { "n_lone_high_surrogate", [["\uD800"]], "surrogate", 2 },
    { "n_lone_low_surrogate", [["\uDC00x"]], "surrogate", 2 },
    { "n_reversed_pair", [["\uDE00\uD83D"]], "surrogate", 2 },
    { "n_invalid_utf8_byte", '["\255"]', "invalid UTF%-8", 3 },
    { "n_overlong_utf8", '"\192\175"', "invalid UTF%-8", 2 },
    { "n_raw_surrogate_utf8", '"\237\160\128"', "invalid UTF%-8", 2 },
    { "n_truncated_utf8", '"\226\130"', "invalid UTF%-8", 2 },
    { "n_above_10ffff", '"\244\144\128\128"', "invalid UTF%-8", 2 },
    { "n_latin1_key", '{"caf\233":1}', "invalid UTF%-8", 6 },
    { "n_bom_not_at_start", " \239\187\191[]", "unexpected character %(0xEF%)", 2 },
    { "n_utf16_bom", "\254\255[]", "unexpected character %(0xFE%)", 1 },
    { "n_too_deep", ("["):rep(1001) .. ("]"):rep(1001), "nested too deeply", 1001 },
  }
  for _, c in ipairs(N) do
    it(c[1], function()
      local v, msg, offset = core.json_decode(c[2])
      assert.is_nil(v)
      assert.matches(c[3], msg)
      assert.equal(c[4], offset)
      assert.matches("at byte " .. c[4], msg, 1, true)
      local v2, err = json.decode(c[2])
      assert.is_nil(v2)
      assert.equal("protocol", err.kind)
      assert.equal(c[4], err.offset)
      assert.matches("invalid JSON: ", err.message, 1, true)
    end)
  end

  it("the offset counts from the whole string when decoding from a position", function()
    assert.equal(2, core.json_decode("xx[2]", 3)[1])
    local v, msg, offset = core.json_decode("xx[2,]", 3)
    assert.is_nil(v)
    assert.equal(6, offset)
    assert.matches("at byte 6", msg)
    assert.has_error(function() core.json_decode("[]", 4) end)
    assert.has_error(function() core.json_decode({}) end)
  end)

  it("limits: max_depth and max_bytes", function()
    assert.is_nil((core.json_decode("[[[]]]", 1, { max_depth = 2 })))
    assert.is_table(core.json_decode("[[[]]]", 1, { max_depth = 3 }))
    local v, msg, offset = core.json_decode("[1,2,3]", 1, { max_bytes = 4 })
    assert.is_nil(v)
    assert.matches("longer than 4 bytes", msg)
    assert.equal(5, offset)
    assert.is_table(core.json_decode("[1,2,3]", 1, { max_bytes = 7 }))
  end)
end)

describe("numbers", function()
  it("integers are Lua integers on 5.3+, exact", function()
    if not HAS_INTEGERS then return end
    local v = dec("[0,-0,1,-1,9007199254740993,9223372036854775807,-9223372036854775808]")
    for i = 1, #v do assert.equal("integer", math_type(v[i])) end
    assert.equal(9007199254740993, v[5])
    assert.equal(MAXINT, v[6])
    assert.equal(MININT, v[7])
    -- beyond int64, or written with a fraction or exponent: floats
    local f = dec("[9223372036854775808,1.0,1e2,-0.0]")
    for i = 1, #f do assert.equal("float", math_type(f[i])) end
    assert.equal(2 ^ 63, f[1])
  end)

  it("5.1/LuaJIT numbers are exact up to 2^53", function()
    local v = dec("[9007199254740992,-9007199254740992,9007199254740991,1234567890123456]")
    assert.equal(2 ^ 53, v[1])
    assert.equal(-(2 ^ 53), v[2])
    assert.equal(2 ^ 53 - 1, v[3])
    assert.equal(1234567890123456, v[4])
    assert.equal("9007199254740991", enc(v[3]))
    if not HAS_INTEGERS then
      -- 2^53 + 1 has no double: the nearest (2^53), as strtod would give
      assert.equal(2 ^ 53, dec("9007199254740993"))
    end
  end)

  it("floats go out in the shortest form that reads back the same", function()
    local cases = {
      { 0.1, "0.1" }, { 1 / 3, "0.3333333333333333" }, { 0.1 + 0.2, "0.30000000000000004" },
      { 1.5, "1.5" }, { 1e21, "1e21" }, { 1e-7, "1e-7" }, { 5e-324, "5e-324" },
      { 1.7976931348623157e308, "1.7976931348623157e308" }, { -2.5e-300, "-2.5e-300" },
      { 3.0, "3" }, { -0.0, "-0.0" }, { 0.7, "0.7" },
    }
    for _, c in ipairs(cases) do
      assert.equal(c[2], enc(c[1]))
      local back = dec(c[2])
      assert.equal(c[1], back)
    end
    assert.equal(1 / -math.huge, dec("-0.0"))                  -- the sign survives
    assert.equal(-math.huge, 1 / dec("-0.0"))
  end)

  it("NaN and infinities are errors naming the path", function()
    local p, m = enc_err({ temperature = 0 / 0 })
    assert.equal("temperature", p)
    assert.matches("NaN", m)
    p, m = enc_err({ 1, { top_p = math.huge } })
    assert.equal("[2].top_p", p)
    assert.matches("infinity", m)
    p = enc_err(-math.huge)
    assert.equal("", p)
  end)

  it("are written and read the same under a decimal-comma locale", function()
    -- In a child interpreter: LC_NUMERIC de_DE (made under build/locale with
    -- localedef when the system has none), then encode and decode numbers.
    local code = 'local j = require("openrouter.json") '
      .. 'assert(os.setlocale("de_DE.UTF-8", "numeric")) '
      .. 'local d = j.decode("[0.30000000000000004,1.5,2.5e-300]") '
      .. 'io.write(os.setlocale(nil, "numeric"), " ", j.encode({ 0.1, 1 / 3, 2.5e-300 }), " ", '
      .. 'tostring(d[1] == 0.1 + 0.2 and d[2] == 1.5 and d[3] == 2.5e-300))'
    local v = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
    local lua = v == "jit" and "luajit" or ("lua" .. v)
    local function run(env)
      local p = io.popen(("%s LUA_PATH=%q LUA_CPATH=%q %s -e %q 2>&1"):format(
        env, package.path, package.cpath, lua, code))
      local out = p:read("*a")
      p:close()
      return out
    end
    local out = run("")
    if out:find("assertion failed", 1, true) then
      local made = io.open("build/locale/de_DE.UTF-8/LC_NUMERIC")
      if made then made:close() else
        os.execute("mkdir -p build/locale && localedef -i de_DE -f UTF-8 build/locale/de_DE.UTF-8 >/dev/null 2>&1")
      end
      out = run("LOCPATH=build/locale")
    end
    if out:find("assertion failed", 1, true) then
      pending("no de_DE locale and no localedef here (spec/c/test_json.c tries too)")
      return
    end
    assert.equal("de_DE.UTF-8 [0.1,0.3333333333333333,2.5e-300] true", out)
  end)
end)

describe("strings", function()
  it("escape what JSON requires and nothing else", function()
    assert.equal([["q\"b\\s/ \n\r\t\b\f\u0001\u001f"]], enc("q\"b\\s/ \n\r\t\b\f\1\31"))
    assert.equal('"nul\\u0000!"', enc("nul\0!"))
    assert.equal('"\127 \226\128\168 \195\169"', enc("\127 \226\128\168 \195\169"))
  end)

  it("round-trip every byte value that is valid UTF-8", function()
    local parts = {}
    for b = 0, 127 do parts[#parts + 1] = string.char(b) end
    parts[#parts + 1] = "\194\128\223\191\224\160\128\239\191\191\240\144\128\128\244\143\191\191"
    local s = table.concat(parts)
    assert.equal(s, dec(enc(s)))
    assert.equal(s, dec(enc({ [s] = s }))[s])
  end)

  it("reject invalid UTF-8 in values and keys, with the path", function()
    local p, m = enc_err({ a = { "ok", "\192\128" } })
    assert.equal("a[2]", p)
    assert.matches("invalid UTF%-8 in a string %(byte 1: 0xC0%)", m)
    p, m = enc_err({ a = { ["bad\255key"] = 1 } })
    assert.equal("a", p)
    assert.matches("invalid UTF%-8 in a key %(byte 4: 0xFF%)", m)
    p = enc_err("\237\160\128")                  -- a surrogate, UTF-8 encoded
    assert.equal("", p)
  end)
end)

describe("null", function()
  it("is the NULL light userdata: openrouter.null == json.null == cjson.null", function()
    assert.equal(cjson.null, json.null)
    assert.equal(cjson.null, openrouter.null)
    assert.equal(json.null, core.json_null)
    assert.equal("userdata", type(json.null))
  end)

  it("tables decoded by cjson encode as they are", function()
    local t = cjson.decode('{"finish_reason":null,"choices":[{"index":0}]}')
    assert.equal('{"finish_reason":null}', enc({ finish_reason = t.finish_reason }))
    assert.equal('[{"index":0}]', enc(t.choices))
    assert.equal('{"a":null}', enc({ a = openrouter.null }))
    assert.equal("null", enc(nil))
  end)
end)

describe("markers", function()
  it("decoded arrays carry the array marker, empty objects the object marker", function()
    local v = dec('{"a":[1,2],"e":[],"o":{},"n":{"k":1}}')
    assert.equal(core.json_array_mt, getmetatable(v.a))
    assert.equal(core.json_array_mt, getmetatable(v.e))
    assert.equal(core.json_object_mt, getmetatable(v.o))
    assert.is_nil(getmetatable(v.n))
    -- emptied later, an array still goes out as []
    v.a[2] = nil
    v.a[1] = nil
    assert.equal("[]", enc(v.a))
  end)

  it("openrouter.array / openrouter.object mark intent", function()
    assert.equal("[]", enc(openrouter.array()))
    assert.equal("{}", enc(openrouter.object()))
    assert.equal("[1,2]", enc(openrouter.array({ 1, 2 })))
    assert.equal('{"a":1}', enc(openrouter.object({ a = 1 })))
    local t = {}
    assert.equal(t, json.array(t))
    assert.equal(t, json.object(t))        -- re-marking is allowed
    assert.equal("{}", enc(t))
    assert.has_error(function() json.array(setmetatable({}, { __index = {} })) end,
      "bad argument #1 to 'array' (the table already has a metatable)")
    assert.has_error(function() json.object("x") end)
  end)

  it("is_array", function()
    assert.is_true(json.is_array(json.array()))
    assert.is_true(json.is_array({ 1, 2 }))
    assert.is_false(json.is_array({}))
    assert.is_false(json.is_array({ a = 1 }))
    assert.is_false(json.is_array({ 1, 2, a = 1 }))
    assert.is_false(json.is_array({ [1] = 1, [3] = 3 }))
    assert.is_false(json.is_array(json.object({ 1 })))
    assert.is_false(json.is_array("[]"))
  end)

  it("an array marker with string keys, an object marker with number keys: errors", function()
    local p, m = enc_err({ x = json.array({ 1, a = 2 }) })
    assert.equal("x", p)
    assert.matches('mixes array items and string keys %(key "a"%)', m)
    p, m = enc_err({ x = json.object({ 1 }) })
    assert.equal("x", p)
    assert.matches("number key 1 in a table marked as an object", m)
  end)

  it("__jsontype metatables (dkjson's convention) are honoured", function()
    assert.equal("[]", enc(setmetatable({}, { __jsontype = "array" })))
    assert.equal("{}", enc(setmetatable({}, { __jsontype = "object" })))
    -- other metatables do not matter: raw contents decide
    assert.equal("[1]", enc(setmetatable({ 1 }, { __index = function() return 9 end })))
  end)

  it("core.json_marker registers foreign marker metatables (OpenResty's cjson)", function()
    local array_mt, empty_array_mt = {}, {}
    core.json_marker(array_mt, "array")
    core.json_marker(empty_array_mt, "empty_array")
    assert.equal("[]", enc(setmetatable({}, array_mt)))
    assert.equal("[1]", enc(setmetatable({ 1 }, array_mt)))
    assert.equal("[]", enc(setmetatable({}, empty_array_mt)))
    assert.equal('{"a":1}', enc(setmetatable({ a = 1 }, empty_array_mt)))
    assert.has_error(function() core.json_marker(array_mt, "list") end)
    assert.has_error(function() core.json_marker(json.null, "array") end)
  end)

  it("openrouter.json picks up cjson.array_mt / empty_array_mt when the installed cjson has them", function()
    -- Debian's 2.1.0 has neither; OpenResty's fork has both (and empty_array,
    -- a light userdata).  Load the module against a cjson with them.
    local saved_cjson, saved_json = package.loaded.cjson, package.loaded["openrouter.json"]
    local fork = { null = cjson.null, array_mt = {}, empty_array_mt = {} }
    package.loaded.cjson = fork
    package.loaded["openrouter.json"] = nil
    local ok, j = pcall(require, "openrouter.json")
    package.loaded.cjson = saved_cjson
    package.loaded["openrouter.json"] = saved_json
    assert.is_true(ok, j)
    assert.equal("[]", j.encode(setmetatable({}, fork.array_mt)))
    assert.equal("[]", j.encode(setmetatable({}, fork.empty_array_mt)))
    assert.is_true(j.is_array(setmetatable({}, fork.array_mt)))
    assert.is_true(j.is_array(setmetatable({}, fork.empty_array_mt)))
    assert.is_false(j.is_array(setmetatable({ a = 1 }, fork.empty_array_mt)))
    -- json.array on a table carrying cjson's marker replaces it
    local t = setmetatable({}, fork.array_mt)
    assert.equal(core.json_array_mt, getmetatable(j.array(t)))
    if cjson.empty_array ~= nil then
      assert.equal('{"a":[]}', enc({ a = cjson.empty_array }))
    end
  end)
end)

describe("tables that are no JSON value", function()
  it("mixed and sparse tables are errors naming the path (no silent loss)", function()
    local p, m = enc_err({ messages = { { role = "user", content = { 1, 2, type = "x" } } } })
    assert.equal("messages[1].content", p)
    assert.matches("mixes array items and string keys", m)
    p, m = enc_err({ stop = { [1] = "a", [3] = "c" } })
    assert.equal("stop", p)
    assert.matches("sparse array", m)
    p, m = enc_err({ a = { [2] = "b" } })
    assert.equal("a", p)
    assert.matches("number keys", m)
    p, m = enc_err({ a = { [1.5] = true } })
    assert.equal("a", p)
    assert.matches("key 1.5", m)
    p, m = enc_err({ [true] = 1 })
    assert.equal("", p)
    assert.matches("key of type boolean", m)
    -- items in the hash part beside string keys: an error whichever key a
    -- traversal meets first (a string key first makes it an object whose
    -- number key is the error, an item first an array whose string key is)
    for _, v in ipairs{ { [1] = "a", x = "b" }, { [2] = "b", [1] = "a", x = "c", y = "d" } } do
      p, m = enc_err({ a = v })
      assert.equal("a", p)
      assert.matches("table mixes", m)
      local ok, err = validate.prepare_provider({ order = v })
      assert.is_nil(ok)
      assert.equal("validation", err.kind)
    end
    -- a sequence whose items sit in the hash part, in any order, is fine
    local t = {}
    for i = 100, 1, -1 do t[i] = i end
    local s = enc(t)
    assert.equal(100, #dec(s))
    assert.equal(1, dec(s)[1])
  end)

  it("functions, threads and userdata are errors naming the path", function()
    local p, m = enc_err({ messages = { { role = "user" }, { role = "user", content = print } } })
    assert.equal("messages[2].content", p)
    assert.matches("a function cannot be encoded", m)
    p, m = enc_err({ tools = { { ["function"] = { ["odd key"] = coroutine.create(function() end) } } } })
    assert.equal('tools[1].function["odd key"]', p)
    assert.matches("a thread", m)
    p, m = enc_err({ f = io.stdout })
    assert.equal("f", p)
    assert.matches("a userdata", m)
  end)

  it("cycles are errors naming the path", function()
    local t = { a = { b = {} } }
    t.a.b.c = t
    local p, m = enc_err(t)
    assert.equal("a.b.c", p)
    assert.matches("cycle", m)
    local arr = {}
    arr[1] = arr
    p = enc_err(arr)
    assert.equal("[1]", p)
    -- the same table twice, not nested, is no cycle
    local shared = { 1 }
    assert.equal('[[1],[1]]', enc({ shared, shared }))
  end)

  it("nesting: 1000 levels go out, 1001 is an error; max_depth lowers it", function()
    local root = {}
    local t = root
    for _ = 2, 1000 do t[1] = {}; t = t[1] end
    assert.equal(("["):rep(999) .. "{}" .. ("]"):rep(999), enc(root))
    t[1] = {}
    local p, m = enc_err(root)
    assert.matches("nested deeper than 1000 levels", m)
    assert.equal(("[1]"):rep(1000), p)
    p, m = enc_err({ a = { b = { c = {} } } }, { max_depth = 3 })
    assert.equal("a.b.c", p)
    assert.matches("deeper than 3", m)
  end)

  it("max_bytes bounds the text", function()
    local s, err = json.encode({ ("x"):rep(100) }, { max_bytes = 50 })
    assert.is_nil(s)
    assert.matches("longer than 50 bytes", err.errors[1].message)
    assert.equal(104, #enc({ ("x"):rep(100) }))
    assert.is_string((json.encode({ ("x"):rep(100) }, { max_bytes = 104 })))
  end)
end)

describe("round trips", function()
  local CHUNK = '{"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4o",'
    .. '"object":"chat.completion.chunk","created":1735000000,"choices":[{"index":0,'
    .. '"delta":{"role":"assistant","content":"Hello"},"finish_reason":null,'
    .. '"native_finish_reason":null,"logprobs":null}]}'

  it("a stream chunk decodes and re-encodes to an equal value", function()
    local v = dec(CHUNK)
    assert.equal("Hello", v.choices[1].delta.content)
    assert.equal(json.null, v.choices[1].finish_reason)
    assert.equal(1735000000, v.created)
    assert.is_true(same(v, dec(enc(v))))
    -- and agrees with cjson wherever cjson is right
    local c = cjson.decode(CHUNK)
    assert.equal(c.choices[1].delta.content, v.choices[1].delta.content)
    assert.equal(c.created, v.created)
  end)

  it("decode(encode(v)) == v for assorted values", function()
    local values = {
      { a = { 1, 2.5, "x", true, false, json.null, json.array(), json.object() } },
      { ["key with spaces"] = { { { "deep" } } }, [""] = "" },
      json.array({ -1, 0, 1e300, -1e-300, 2 ^ 53 }),
      "\240\159\152\128",
    }
    for _, v in ipairs(values) do
      assert.is_true(same(v, dec(enc(v))), enc(v))
    end
  end)

  it("a reused encoder buffer never leaks bytes from an earlier call", function()
    local big = enc({ ("y"):rep(5000) })
    assert.equal(5004, #big)
    assert.equal("[1]", enc({ 1 }))
    assert.is_nil((json.encode({ ok = "fine", bad = "\255" })))
    assert.equal('"ok"', enc("ok"))
  end)
end)
