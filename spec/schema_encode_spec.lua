-- The schema engine's encoding pass (src/schema_encode.c): validator:encode
-- validates a value and writes it as JSON in one walk.  Its verdicts against
-- the JSON-Schema-Test-Suite (decoded by the core's codec, so [] and {} are
-- told apart), the rule that shapes empty tables, markers, errors and
-- options, and its agreement with the reference in two walks.
local schema = require("openrouter.schema")
local json = require("openrouter.json")
local openrouter = require("openrouter")

local dir = os.getenv("ORC_SCHEMA_SUITE")
  or "../shared/conformance/json-schema-test-suite/tests/draft7"

local files = {
  "additionalItems", "additionalProperties", "allOf", "anyOf", "boolean_schema",
  "const", "contains", "default", "definitions", "dependencies", "enum",
  "exclusiveMaximum", "exclusiveMinimum", "format", "if-then-else",
  "infinite-loop-detection", "items", "maxItems", "maxLength", "maxProperties",
  "maximum", "minItems", "minLength", "minProperties", "minimum", "multipleOf",
  "not", "oneOf", "pattern", "patternProperties", "properties", "propertyNames",
  "ref", "required", "type", "uniqueItems",
}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- Encode, asserting success.
local function enc(v, value, opts)
  local s, errs = v:encode(value, opts)
  assert(s, errs and errs[1] and (errs[1].path .. ": " .. errs[1].message))
  return s
end

-- The JSON text of value under the schema s (a table).
local function shaped(s, value) return enc(schema.compile(s), value) end

-- Are a and b equal as decoded JSON values, kinds (markers) included?
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  if json.is_array(a) ~= json.is_array(b) then return false end
  for k, x in pairs(a) do if not same(x, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

describe("the encoding pass on JSON-Schema-Test-Suite draft7", function()
  local passed = 0
  teardown(function() print(("\nencoding pass on the suite: %d cases"):format(passed)) end)

  for _, name in ipairs(files) do
    local groups = assert(json.decode(read(dir .. "/" .. name .. ".json")))
    describe(name, function()
      for _, group in ipairs(groups) do
        for _, case in ipairs(group.tests) do
          local key = name .. " / " .. group.description .. " / " .. case.description
          it(key, function()
            local v = schema.compile(group.schema)
            local text, errs = v:encode(case.data)
            assert.are.equal(case.valid, text ~= nil,
              errs and errs[1] and (errs[1].path .. ": " .. errs[1].message) or nil)
            local text2 = v:encode(case.data, { two_walks = true })
            if text then
              -- what goes out is the value, kinds and all, and the reference
              -- agrees where it accepts (its boolean pass takes a decoded []
              -- for an empty object too: minProperties, required)
              assert.is_true(same(case.data, json.decode(text)), text)
              if text2 then assert.are.equal(text, text2) end
            else
              assert.is_true(#errs > 0)
            end
            passed = passed + 1
          end)
        end
      end
    end)
  end
end)

describe("empty tables: [] where the schema admits [] and not {}", function()
  it("by type", function()
    assert.equal("[]", shaped({ type = "array" }, {}))
    assert.equal("{}", shaped({ type = "object" }, {}))
    assert.equal("[]", shaped({ type = { "array", "null" } }, {}))
    assert.equal("{}", shaped({ type = { "array", "object" } }, {}))
    assert.equal("{}", shaped({}, {}))                               -- no guidance
    assert.equal("{}", shaped(true, {}))
  end)

  it("through combinators, exactly for [] and {}", function()
    assert.equal("[]", shaped({ anyOf = { { type = "string" }, { type = "array" }, { type = "null" } } }, {}))
    assert.equal("{}", shaped({ anyOf = { { type = "array" }, { type = "object" } } }, {}))
    assert.equal("[]", shaped({ allOf = { { type = { "array", "object" } }, { type = "array" } } }, {}))
    assert.equal("[]", shaped({ ["not"] = { type = "object" } }, json.array()))
    assert.equal("[]", shaped({ oneOf = { { type = "array" }, { type = "string" } } }, {}))
    -- if/then/else: [] takes the `else`, {} the `then`
    assert.equal("[]", shaped({ ["if"] = { type = "string" }, ["then"] = true,
                                ["else"] = { type = "array" } }, {}))
    -- an empty table is checked as what it goes out as: {} here, valid;
    -- validate(), to which an unmarked empty table is both an empty array
    -- and an empty object, says no
    local s = schema.compile({ ["if"] = { type = "array" }, ["then"] = { minItems = 1 } })
    assert.equal("{}", enc(s, {}))
    assert.is_false((s:validate({})))
    assert.is_nil((s:encode(json.array())))
    -- what the empty array or object would violate
    assert.equal("{}", shaped({ type = { "array", "object" }, minItems = 1 }, {}))
    assert.equal("[]", shaped({ type = { "array", "object" }, required = { "x" } }, {}))
    assert.equal("[]", shaped({ type = { "array", "object" }, minProperties = 1 }, {}))
    assert.equal("[]", shaped({ type = { "array", "string" }, enum = { json.array(), "x" } }, {}))
    assert.equal("{}", shaped({ enum = { json.array(), "x" } }, {}))  -- an empty constant is both
    assert.equal("[]", shaped({ ["$ref"] = "#/definitions/a", definitions = { a = { type = "array" } } }, {}))
  end)

  it("down properties, patternProperties, additionalProperties and items", function()
    assert.equal('{"a":[]}', shaped({ properties = { a = { type = "array" } } }, { a = {} }))
    assert.equal('{"ab":[]}', shaped({ patternProperties = { ["^a"] = { type = "array" } } }, { ab = {} }))
    assert.equal('{"x":[]}', shaped({ additionalProperties = { type = "array" } }, { x = {} }))
    assert.equal("[[],[]]", shaped({ items = { type = "array" } }, { {}, {} }))
    assert.equal("[[],{},[]]", shaped({ items = { { type = "array" }, { type = "object" } },
      additionalItems = { type = "array" } }, { {}, {}, {} }))
    -- deep: a $ref to the root, recursively
    local tree = { type = "object", properties = { kids = { type = "array", items = { ["$ref"] = "#" } } } }
    assert.equal('{"kids":[{"kids":[]}]}', shaped(tree, { kids = { { kids = {} } } }))
  end)

  it("the branch the value's tag selects (discriminated unions as if/then/else chains)", function()
    local s = {
      type = "object", required = { "kind" },
      ["if"] = { required = { "kind" }, properties = { kind = { const = "list" } } },
      ["then"] = { properties = { v = { type = "array" } } },
      ["else"] = {
        ["if"] = { required = { "kind" }, properties = { kind = { const = "map" } } },
        ["then"] = { properties = { v = { type = "object" } } },
        ["else"] = { properties = { v = { type = { "array", "null" } } } },
      },
    }
    local v = schema.compile(s)
    assert.equal('[]', enc(v, { kind = "list", v = {} }):match('"v":(%[%])'))
    assert.equal('{}', enc(v, { kind = "map", v = {} }):match('"v":({})'))
    assert.equal('[]', enc(v, { kind = "other", v = {} }):match('"v":(%[%])'))
    -- an `if` of another shape is asked of the boolean pass
    local s2 = { ["if"] = { properties = { n = { minimum = 5 } } },
                 ["then"] = { properties = { v = { type = "array" } } } }
    assert.equal('[]', enc(schema.compile(s2), { n = 9, v = {} }):match('"v":(%[%])'))
    assert.equal('{}', enc(schema.compile(s2), { n = 1, v = {} }):match('"v":({})'))
  end)

  it("a branch among several that admit a table guides nothing: {} (mark it to choose)", function()
    local s = { anyOf = {
      { type = "object", required = { "k" }, properties = { v = { type = "array" } } },
      { type = "object", properties = { v = { type = "object" } } } } }
    assert.equal('{"v":{}}', shaped(s, { v = {} }))
    assert.equal('{"v":[]}', shaped(s, { v = json.array(), k = nil }))
  end)
end)

describe("markers", function()
  it("a marked table goes out as marked where the schema allows it", function()
    assert.equal('{"x":[]}', shaped({}, { x = json.array() }))
    assert.equal("[]", shaped({ type = { "array", "object" } }, json.array()))
    assert.equal("{}", shaped({ type = { "array", "object" } }, json.object()))
    assert.equal('{"a":[]}', shaped({ properties = { a = { type = "array" } } }, json.decode('{"a":[]}')))
  end)

  it("and is a validation error where the schema does not allow its kind", function()
    local v = schema.compile({ properties = { a = { type = "array" }, o = { type = "object" } } })
    local s, errs = v:encode({ a = openrouter.object() })
    assert.is_nil(s)
    assert.equal("a", errs[1].path)
    assert.matches("does not allow an object", errs[1].message)
    s, errs = v:encode({ o = json.decode("[]") })
    assert.is_nil(s)
    assert.equal("o", errs[1].path)
    assert.matches("does not allow an array", errs[1].message)
  end)
end)

describe("errors", function()
  local v = schema.compile({
    type = "object", required = { "name" }, additionalProperties = false,
    properties = { name = { type = "string" }, n = { type = "integer", minimum = 1 },
                   tags = { type = "array", items = { type = "string" } } },
  })

  it("what does not match: the collecting pass's full list", function()
    local s, errs = v:encode({ n = 0, tags = { "a", 2 }, bogus = true })
    assert.is_nil(s)
    local paths = {}
    for _, e in ipairs(errs) do paths[#paths + 1] = e.path end
    table.sort(paths)
    assert.same({ "bogus", "n", "name", "tags[2]" }, paths)
  end)

  it("what cannot be JSON: one error with its path", function()
    local s, errs = v:encode({ name = "x\255" })
    assert.is_nil(s)
    assert.equal(1, #errs)
    assert.equal("name", errs[1].path)
    assert.matches("invalid UTF%-8 in a string %(byte 2: 0xFF%)", errs[1].message)
    local sparse = { "a" }
    sparse[3] = "c"
    s, errs = schema.compile({}):encode({ name = "x", tags = sparse })
    assert.is_nil(s)
    assert.equal(1, #errs)
    assert.equal("tags", errs[1].path)
    assert.matches("sparse array", errs[1].message)
    -- under a schema that says nothing: still checked
    local any = schema.compile({})
    for _, bad in ipairs{ { f = print }, { x = 0 / 0 }, { x = 1 / 0 }, { [1] = 1, y = 2 } } do
      s, errs = any:encode(bad)
      assert.is_nil(s)
      assert.equal(1, #errs)
    end
  end)

  it("paths start at opts.root", function()
    local _, errs = v:encode({ name = 1 }, { root = "body" })
    assert.equal("body.name", errs[1].path)
    _, errs = v:encode({ name = "\255" }, { root = "body" })
    assert.equal("body.name", errs[1].path)
    _, errs = schema.compile({ items = { type = "string" } }):encode({ 1 }, { root = "list" })
    assert.equal("list[1]", errs[1].path)
  end)

  it("values nested past the limit are rejected, never followed forever", function()
    local deep = {}
    local t = deep
    for _ = 1, 300 do t.a = {}; t = t.a end
    local rec = schema.compile({ type = "object", properties = { a = { ["$ref"] = "#" } } })
    local s, errs = rec:encode(deep)
    assert.is_nil(s)
    assert.is_true(#errs > 0)
    local loop = {}
    loop.a = loop
    s, errs = rec:encode(loop)
    assert.is_nil(s)
    assert.is_true(#errs > 0)
    -- a schema that recurses without consuming the value: stopped
    s, errs = schema.compile({ allOf = { { ["$ref"] = "#" } } }):encode({ a = {} })
    assert.is_nil(s)
    assert.is_true(#errs > 0)
  end)
end)

describe("options", function()
  it("check = false validates nothing and still shapes empty tables", function()
    local v = schema.compile({ properties = { a = { type = "array" }, n = { type = "string" } } })
    assert.equal('{"a":[]}', enc(v, { a = {} }, { check = false }))
    assert.equal('{"n":1}', enc(v, { n = 1 }, { check = false }))
    assert.is_nil((v:encode({ n = 1 })))
    -- what cannot be JSON is an error all the same
    assert.is_nil((v:encode({ n = "\255" }, { check = false })))
  end)

  it("two_walks (the reference) gives the same text", function()
    local v = schema.compile(require("openrouter.schemas.chat_request"), {
      documents = { ["urn:openrouter:schema:provider-preferences"] = require("openrouter.schemas.provider") } })
    local values = {
      { model = "m", messages = { { role = "user", content = {} } }, tools = {}, stop = {},
        provider = { ignore = {}, order = {}, sort = {} }, metadata = {} },
      { model = "m", messages = { { role = "assistant", tool_calls = {}, content = openrouter.null } },
        response_format = { type = "json_schema", json_schema = { name = "x", schema = {} } } },
      { model = "m", messages = { { role = "user", content = { { type = "text", text = "hi" } } } },
        plugins = { { id = "web" } }, reasoning = {} },
    }
    for _, x in ipairs(values) do
      local a, b = enc(v, x), enc(v, x, { two_walks = true })
      assert.equal(a, b)
      a, b = enc(v, x, { check = false }), enc(v, x, { check = false, two_walks = true })
      assert.equal(a, b)
    end
  end)

  it("v:encoder(root) is v:encode with root bound: the same texts and errors", function()
    local v = schema.compile({
      type = "object", required = { "name" },
      properties = { name = { type = "string" }, tags = { type = "array" }, n = { type = "number" } },
    })
    local e = v:encoder("body")
    for _, x in ipairs{ { name = "x", tags = {} }, { name = "x", n = 2 ^ 60, tags = { "a" } },
                        { name = 1 }, { tags = {} }, { name = "\255" }, { name = "x", n = 0 / 0 } } do
      local a, aerrs = v:encode(x, { root = "body" })
      local b, berrs = e(x)
      assert.equal(a, b)
      assert.same(aerrs, berrs)
      a, aerrs = v:encode(x, { root = "body", check = false })
      b, berrs = e(x, false)
      assert.equal(a, b)
      assert.same(aerrs, berrs)
      assert.same({ v:encode(x, { root = "body" }) }, { e(x, true) })
    end
    assert.equal("name", select(2, v:encoder()({ name = 1 }))[1].path)
    -- each encoder keeps a buffer of its own: a second one, or a nested call, does not clash
    local e2 = v:encoder()
    assert.equal('{"name":"a"}', e2({ name = "a" }))
    assert.equal('{"name":"b"}', e({ name = "b" }))
    assert.has_error(function() e() end)
    assert.has_error(function() v:encoder(false) end)
    assert.has_error(function() v.encoder({}) end)
  end)

  it("a string matched against an enum is written as the codec writes it, escapes and all", function()
    local words = { "plain", 'a"b', "back\\slash", "tab\t", "\127", "caf\195\169", "" }
    for _, s in ipairs{ { type = "string", enum = words }, { enum = words },
                        { type = { "string", "null" }, enum = words } } do
      local v = schema.compile({ properties = { w = s }, items = s })
      for _, w in ipairs(words) do
        assert.equal(json.encode({ w = w }), enc(v, { w = w }))
        assert.equal(json.encode({ w }), enc(v, json.array({ w })))
      end
      assert.is_nil((v:encode({ w = "other" })))
      assert.is_nil((v:encode({ w = "plai" })))
    end
  end)

  it("misuse raises", function()
    local v = schema.compile({})
    assert.has_error(function() v:encode() end)
    assert.has_error(function() v:encode({}, "root") end)
    assert.has_error(function() v.encode({}, {}) end)
  end)
end)
