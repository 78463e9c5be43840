-- openrouter.schema: the C engine, keyword by keyword, its messages and
-- paths, and the Lua <-> JSON mapping at its edges.
local schema = require("openrouter.schema")
local null = require("cjson").null

local function check(s, value, root)
  return schema.compile(s):validate(value, root)
end

local function valid(s, value) return (check(s, value)) end

-- The single error (or the first one) as "path: message".
local function err(s, value, root)
  local ok, errors = check(s, value, root)
  assert.is_false(ok)
  assert.is_true(#errors >= 1)
  return errors[1].path .. ": " .. errors[1].message, errors
end

describe("openrouter.schema", function()
  describe("type", function()
    it("knows the JSON types and maps Lua values onto them", function()
      assert.is_true(valid({ type = "string" }, "x"))
      assert.is_true(valid({ type = "number" }, 1.5))
      assert.is_true(valid({ type = "integer" }, 3))
      assert.is_true(valid({ type = "integer" }, 1.0))
      assert.is_false(valid({ type = "integer" }, 1.5))
      assert.is_true(valid({ type = "boolean" }, false))
      assert.is_true(valid({ type = "null" }, null))
      assert.is_true(valid({ type = "array" }, { 1, 2 }))
      assert.is_true(valid({ type = "object" }, { a = 1 }))
      assert.is_false(valid({ type = "object" }, { 1, 2 }))
      assert.is_false(valid({ type = "string" }, 1))
      assert.is_false(valid({ type = "null" }, nil))
    end)
    it("accepts an empty table as both array and object", function()
      assert.is_true(valid({ type = "array" }, {}))
      assert.is_true(valid({ type = "object" }, {}))
    end)
    it("says what it expected and what it got", function()
      assert.are.equal(": expected string, got number", err({ type = "string" }, 1))
      assert.are.equal(": expected string or null, got boolean",
        err({ type = { "string", "null" } }, true))
      assert.are.equal(": expected integer, got 1.5", err({ type = "integer" }, 1.5))
    end)
  end)

  describe("Lua tables that are not JSON", function()
    it("reports a table mixing array and object keys", function()
      local m = err({ type = "object" }, { 1, a = 2 })
      assert.are.equal(": expected object, got table with both array and object keys", m)
    end)
    it("reports a sparse array", function()
      local t = { 1, 2 }
      t[4] = 4
      assert.is_false(valid({ type = "array" }, t))
      assert.is_false(valid({ items = { type = "number" } }, { [2] = 1 }))
      local m = err({ type = "array", items = { type = "number" } }, { [1] = 1, [3] = 3 })
      assert.matches("sparse array", m)
    end)
    it("rejects NaN and infinities as numbers", function()
      assert.is_false(valid({ type = "number" }, 0 / 0))
      assert.is_false(valid({ type = "number" }, math.huge))
      assert.matches("got inf %(not a JSON number%)", err({ type = "number" }, math.huge))
    end)
    it("stops at a cyclic table without crashing", function()
      local t = {}
      t.self = t
      local s = { ["$ref"] = "#/definitions/n",
                  definitions = { n = { type = "object",
                    properties = { self = { ["$ref"] = "#/definitions/n" } } } } }
      local m = err(s, t)
      assert.matches("nested too deeply", m)
    end)
    it("handles deep nesting below the limit and reports it beyond", function()
      local s = { ["$ref"] = "#/definitions/n",
                  definitions = { n = { type = "array", items = { ["$ref"] = "#/definitions/n" } } } }
      local v = {}
      for _ = 1, 100 do v = { v } end
      assert.is_true(valid(s, v))
      for _ = 1, 300 do v = { v } end
      assert.is_false(valid(s, v))
    end)
    it("validates objects and arrays of many thousands of entries", function()
      -- a C function has at most 8000 stack slots under 5.1 and LuaJIT: the
      -- validator's use must not grow with the size of a table
      local obj, arr = {}, {}
      for i = 1, 20000 do
        obj["k" .. i] = i
        arr[i] = i
      end
      assert.is_true(valid({ type = "object", additionalProperties = { type = "number" } }, obj))
      assert.is_true(valid({ type = "array", items = { type = "number" } }, arr))
      obj.k20000 = "x"
      arr[20000] = "x"
      assert.is_false(valid({ type = "object", additionalProperties = { type = "number" } }, obj))
      assert.is_false(valid({ type = "array", items = { type = "number" } }, arr))
      -- and wide levels all the way down to the depth limit
      local s = { ["$ref"] = "#/definitions/n",
                  definitions = { n = { type = "object", additionalProperties = { ["$ref"] = "#/definitions/n" } } } }
      local v = {}
      for _ = 1, 250 do
        local w = { deeper = v }
        for i = 1, 40 do w["k" .. i] = {} end
        v = w
      end
      assert.is_true(valid(s, v))
    end)
    it("ignores a value the schema does not look into", function()
      assert.is_true(valid({}, { 1, a = 2 }))
      assert.is_true(valid(true, function() end))
    end)
  end)

  describe("numbers", function()
    it("checks bounds, draft-7 exclusive bounds and multipleOf", function()
      assert.is_true(valid({ minimum = 0, maximum = 2 }, 2))
      assert.is_false(valid({ exclusiveMaximum = 2 }, 2))
      assert.is_false(valid({ exclusiveMinimum = 0 }, 0))
      assert.are.equal(": expected a number <= 2, got 3", err({ maximum = 2 }, 3))
      assert.are.equal(": expected a number > 0, got 0", err({ exclusiveMinimum = 0 }, 0))
      assert.is_true(valid({ multipleOf = 0.0001 }, 0.0075))
      assert.is_false(valid({ multipleOf = 0.0001 }, 0.00751))
      assert.is_true(valid({ multipleOf = 0.01 }, 19.99))
      assert.is_false(valid({ multipleOf = 3 }, 1e20))
      assert.are.equal(": expected a multiple of 1.5, got 35", err({ multipleOf = 1.5 }, 35))
    end)
  end)

  describe("strings", function()
    it("counts code points, not bytes", function()
      assert.is_true(valid({ maxLength = 2 }, "\240\159\152\128\240\159\152\128"))
      assert.is_false(valid({ minLength = 3 }, "\195\169\195\169"))
      assert.are.equal(": expected at most 1 character, got 2", err({ maxLength = 1 }, "ab"))
    end)
    it("matches ECMA-262 patterns unanchored", function()
      assert.is_true(valid({ pattern = "b+" }, "abbc"))
      assert.is_false(valid({ pattern = "^b+$" }, "abbc"))
      assert.is_true(valid({ pattern = "^[a-z]{2,3}\\d?$" }, "abc7"))
      assert.is_true(valid({ pattern = "^(?:foo|bar)+$" }, "foobarfoo"))
      assert.is_true(valid({ pattern = "^\\w+\\s\\S$" }, "hi x"))
      assert.is_true(valid({ pattern = "^.$" }, "\240\159\152\128"))
      assert.is_true(valid({ pattern = "\\bcat\\b" }, "a cat"))
      assert.is_false(valid({ pattern = "\\bcat\\b" }, "concatenate"))
      -- no catastrophic backtracking: the engine is an NFA simulation
      assert.is_false(valid({ pattern = "^(a+)+$" }, string.rep("a", 5000) .. "b"))
      assert.are.equal(": expected a string matching /^a/, got \"b\"",
        err({ pattern = "^a" }, "b"))
    end)
    it("answers alike on ASCII input (a DFA) and on any other (the NFA)", function()
      local cases = {
        -- pattern, subject, expected
        { "^(\\d+(\\.\\d*)?|\\.\\d+)$", "0.5", true }, { "^(\\d+(\\.\\d*)?|\\.\\d+)$", "0.5\195\169", false },
        { "^a.c$", "abc", true }, { "^a.c$", "a\195\169c", true }, { "^a.c$", "a\nc", false },
        { "a$|^b", "xa", true }, { "a$|^b", "bx", true }, { "a$|^b", "xb", false },
        { "a$|^b", "\195\169a", true }, { "a$|^b", "\195\169b", false },
        { "$", "", true }, { "^$", "", true }, { "^$", "x", false }, { "x*", "", true },
        { "^[^/\\s:]+/[^\\s:]+$", "openai/gpt-4o", true },
        { "^[^/\\s:]+/[^\\s:]+$", "openai/gpt 4o", false },
        { "^[^/\\s:]+/[^\\s:]+$", "\195\169/\195\169", true },
      }
      for _, c in ipairs(cases) do
        assert.are.equal(c[3], valid({ pattern = c[1] }, c[2]), c[1] .. " on " .. c[2])
      end
    end)
  end)

  describe("enum and const", function()
    it("compare deeply, 1 equal to 1.0", function()
      assert.is_true(valid({ enum = { 1, "a", null } }, 1.0))
      assert.is_true(valid({ enum = { { a = { 1, 2 } } } }, { a = { 1, 2 } }))
      assert.is_false(valid({ enum = { { a = { 1, 2 } } } }, { a = { 2, 1 } }))
      assert.is_true(valid({ const = null }, null))
      assert.is_false(valid({ const = false }, 0))
    end)
    it("lists the choices and suggests the nearest", function()
      assert.are.equal(': expected one of "allow", "deny", got "maybe"',
        err({ enum = { "allow", "deny" } }, "maybe"))
      assert.are.equal(': expected one of "allow", "deny", got "Allow" \226\128\148 did you mean "allow"?',
        err({ enum = { "allow", "deny" } }, "Allow"))
      assert.are.equal(': expected "x", got "y"', err({ const = "x" }, "y"))
    end)
  end)

  describe("arrays", function()
    it("checks items, tuples, contains, sizes and uniqueness", function()
      assert.is_true(valid({ items = { type = "string" } }, { "a", "b" }))
      assert.is_false(valid({ items = { { type = "string" } }, additionalItems = false }, { "a", 1 }))
      assert.is_true(valid({ contains = { const = 2 } }, { 1, 2 }))
      assert.is_false(valid({ contains = { const = 3 } }, { 1, 2 }))
      assert.is_false(valid({ uniqueItems = true }, { 1, 1.0 }))
      assert.is_false(valid({ uniqueItems = true }, { { a = 1 }, { a = 1 } }))
      assert.is_true(valid({ uniqueItems = true }, { { a = 1 }, { a = 2 } }))
      assert.are.equal(": expected at least 2 items, got 1", err({ minItems = 2 }, { 1 }))
      assert.are.equal(": expected unique items, but [1] and [3] are equal",
        err({ uniqueItems = true }, { "a", "b", "a" }))
    end)
    it("reports item paths 1-based under the given root", function()
      assert.are.equal("order[2]: expected string, got number",
        err({ items = { type = "string" } }, { "a", 2 }, "order"))
    end)
  end)

  describe("objects", function()
    local s = {
      type = "object",
      properties = { allow_fallbacks = { type = "boolean" }, order = { type = "array" } },
      required = { "order" },
      additionalProperties = false,
    }
    it("checks properties, required and additionalProperties", function()
      assert.is_true(valid(s, { order = {}, allow_fallbacks = true }))
      assert.are.equal("provider.order: missing required field 'order'",
        err(s, { allow_fallbacks = true }, "provider"))
      assert.are.equal("provider.allow_fallbacks: expected boolean, got string",
        err(s, { order = {}, allow_fallbacks = "yes" }, "provider"))
    end)
    it("suggests the nearest known field for an unknown one", function()
      assert.are.equal("provider.allowFallbacks: unknown field 'allowFallbacks' in provider "
        .. "\226\128\148 did you mean 'allow_fallbacks'?",
        err(s, { order = {}, allowFallbacks = true }, "provider"))
      assert.are.equal("ordr: unknown field 'ordr' \226\128\148 did you mean 'order'?",
        (err(s, { order = {}, ordr = 1 })))
      assert.are.equal("zzz: unknown field 'zzz'", (err(s, { order = {}, zzz = 1 })))
    end)
    it("checks patternProperties, propertyNames, sizes and dependencies", function()
      assert.is_false(valid({ patternProperties = { ["^x_"] = { type = "string" } } }, { x_a = 1 }))
      assert.is_true(valid({ patternProperties = { ["^x_"] = { type = "string" } } }, { y = 1 }))
      assert.is_false(valid({ propertyNames = { maxLength = 3 } }, { abcd = 1 }))
      assert.matches("invalid field name 'abcd'", err({ propertyNames = { maxLength = 3 } }, { abcd = 1 }))
      assert.is_false(valid({ minProperties = 2 }, { a = 1 }))
      assert.is_false(valid({ dependencies = { a = { "b" } } }, { a = 1 }))
      assert.is_true(valid({ dependencies = { a = { "b" } } }, { a = 1, b = 2 }))
      assert.is_false(valid({ dependencies = { a = { required = { "c" } } } }, { a = 1 }))
    end)
    it("quotes keys that are not identifiers in paths", function()
      assert.are.equal('["a b"]: expected number, got string',
        err({ properties = { ["a b"] = { type = "number" } } }, { ["a b"] = "x" }))
    end)
    it("keeps a field's path after checking its dependencies", function()
      -- the dependency looks at every field of the object; the field's own
      -- errors come after and must still be under its name
      local dep = { dependencies = { c = { additionalProperties = true } },
                    additionalProperties = { type = "string" } }
      assert.are.equal("c: expected string, got number", err(dep, { c = 1, z = "s" }))
    end)
    it("never confuses two field names, whatever became of their strings", function()
      -- the validator remembers key strings by address: fresh strings, old
      -- ones collected and their memory reused, long (uninterned) ones
      local v = schema.compile({
        properties = { alpha = { type = "string" }, beta = { type = "number" },
                       [("long"):rep(12)] = { type = "boolean" } },
        additionalProperties = false,
      })
      local names = { "alpha", "beta", ("long"):rep(12) }
      local good = { "x", 1, true }
      for i = 1, 600 do
        local k = (i % 4) + 1                -- 4: a name the schema lacks
        local key = k == 4 and ("gamma" .. i % 7) or names[k]:sub(1, -2) .. names[k]:sub(-1)
        local t = { [key] = good[k] or 0 }
        assert.are.equal(k ~= 4, (v:validate(t)))
        t[key] = k ~= 4 and good[k % 3 + 1] or nil  -- the wrong type for that name
        if k ~= 4 then assert.is_false((v:validate(t))) end
        if i % 50 == 0 then collectgarbage() end
      end
    end)
  end)

  describe("combinators and refs", function()
    it("sees an array as an array after an object-only branch looked at it", function()
      assert.is_true(valid({ anyOf = { { type = "object" }, { minItems = 1 } } }, { 1, 2 }))
      assert.is_true(valid({ ["if"] = { type = "object", required = { "a" } },
                             ["else"] = { type = "array", minItems = 1 } }, { 1 }))
      assert.is_false(valid({ anyOf = { { type = "object" }, { type = "array" } } },
                            { 1, 2, x = 3 }))
    end)
    it("reports the most helpful anyOf branch", function()
      local s = { anyOf = { { type = "string", enum = { "price", "latency" } },
                            { type = "object" }, { type = "null" } } }
      assert.are.equal(': expected one of "price", "latency", got "cheap"', err(s, "cheap"))
      assert.are.equal(": expected string, object or null, got number", err(s, 5))
    end)
    it("tells when oneOf matches twice", function()
      assert.matches("alternatives 1 and 2 both match",
        err({ oneOf = { { type = "number" }, { minimum = 0 } } }, 1))
    end)
    it("handles not, if/then/else and allOf", function()
      assert.are.equal(": must not have all of the fields 'a' and 'b' together",
        err({ ["not"] = { required = { "a", "b" } } }, { a = 1, b = 2 }))
      local s = { ["if"] = { properties = { t = { const = "x" } } },
                  ["then"] = { required = { "x" } }, ["else"] = { required = { "y" } } }
      assert.is_true(valid(s, { t = "x", x = 1 }))
      assert.is_false(valid(s, { t = "z", x = 1 }))
      assert.is_false(valid({ allOf = { { type = "number" }, { minimum = 5 } } }, 4))
    end)
    it("resolves local JSON pointers, escapes and recursion", function()
      local s = {
        definitions = { ["a/b"] = { type = "integer" }, ["t~"] = { type = "string" },
                        ["p%"] = { type = "null" } },
        properties = {
          x = { ["$ref"] = "#/definitions/a~1b" },
          y = { ["$ref"] = "#/definitions/t~0" },
          z = { ["$ref"] = "#/definitions/p%25" },
          w = { ["$ref"] = "#/properties/x" },
          tree = { ["$ref"] = "#" },
        },
      }
      assert.is_true(valid(s, { x = 1, y = "s", z = null, w = 2, tree = { x = 3 } }))
      assert.is_false(valid(s, { tree = { tree = { x = 1.5 } } }))
      assert.are.equal("tree.tree.x: expected integer, got 1.5",
        err(s, { tree = { tree = { x = 1.5 } } }))
    end)
    it("accepts boolean schemas", function()
      assert.is_true(valid(true, 1))
      assert.are.equal(": no value is allowed here", err(false, 1))
    end)
  end)

  describe("compile errors", function()
    local function raises(s, pattern)
      local ok, e = pcall(schema.compile, s)
      assert.is_false(ok)
      assert.matches(pattern, tostring(e))
    end
    it("refuses unknown and unsupported keywords, with their place", function()
      raises({ properties = { a = { nullable = true } } },
        "schema error at #/properties/a: unsupported keyword 'nullable'")
      raises({ type = "text" }, "unknown type 'text'")
      raises({ minLength = -1 }, "non%-negative integer")
      raises({ multipleOf = 0 }, "greater than 0")
      raises({ exclusiveMinimum = true }, "draft 4")
    end)
    it("refuses regex constructs outside the supported subset", function()
      raises({ pattern = "(?=a)" }, "unsupported regex construct")
      raises({ pattern = "(a)\\1" }, "unsupported regex construct")
      raises({ pattern = "\\p{L}" }, "unsupported regex construct")
      raises({ patternProperties = { ["(?<!x)"] = true } }, "unsupported regex construct")
      raises({ pattern = "a**" }, "nothing to repeat")
      raises({ pattern = "[z-a]" }, "out of order")
    end)
    it("refuses remote and dangling refs", function()
      raises({ ["$ref"] = "http://example.com/s.json" }, "unsupported remote %$ref")
      raises({ ["$ref"] = "#/definitions/missing" }, "unresolvable %$ref")
      raises({ definitions = { a = { ["$ref"] = "#/definitions/b" },
                               b = { ["$ref"] = "#/definitions/a" } },
               ["$ref"] = "#/definitions/a" }, "circular %$ref")
    end)
    it("ignores annotations", function()
      assert.is_true(valid({ title = "t", description = "d", default = 1, examples = {},
                             format = "email", ["$comment"] = "c", readOnly = true }, "x"))
    end)
    it("resolves refs into registered documents", function()
      local v = schema.compile({ ["$ref"] = "urn:x:y#/definitions/n" },
        { documents = { ["urn:x:y"] = { definitions = { n = { type = "number" } } } } })
      assert.is_true(v:validate(1))
      assert.is_false(v:validate("1"))
    end)
  end)

  describe("the validator object", function()
    it("has a name and a readable tostring", function()
      local v = schema.compile({ type = "string" })
      assert.matches("^openrouter%.schema", tostring(v))
      assert.are.equal("openrouter.schema", getmetatable(v).__name)
    end)
    it("caps the error list", function()
      local t = {}
      for i = 1, 300 do t[i] = "x" end
      local ok, errors = check({ items = { type = "number" } }, t)
      assert.is_false(ok)
      assert.are.equal(101, #errors)
      assert.matches("too many errors", errors[101].message)
    end)
  end)
end)
