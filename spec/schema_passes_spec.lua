-- The schema engine's two passes agree: the boolean pass (schema_check.c)
-- says no exactly when the collecting pass (schema_report.c) has an error
-- to list, limits included.  Regressions found by fuzz/fuzz_schema.c once
-- it ran both passes on every value and the generic "value does not match
-- the schema" fallback was gone.
local schema = require("openrouter.schema")

describe("openrouter.schema, the two passes", function()
  it("a long array's bad item is reported, not a step limit the collecting pass alone hit", function()
    -- the collecting pass counted a step per item, the boolean pass one
    -- per table: past 1,000,000 items only the first hit its limit
    local v = schema.compile({ items = { type = "string", minLength = 1 } })
    local t = {}
    for i = 1, 1100000 do t[i] = "x" end
    assert.is_true(v:validate(t))
    t[1050000] = ""
    local ok, errors = v:validate(t)
    assert.is_false(ok)
    assert.are.equal(1, #errors)
    assert.are.equal("[1050000]", errors[1].path)
    assert.are.equal("expected at least 1 character, got 0", errors[1].message)
  end)

  it("a chain of 1024 subschemas reports the bad value, not the recursion limit", function()
    -- the collecting pass counted a call per node, leaves too; the boolean
    -- pass one per descent: a leaf at the limit was a limit only to the first
    local defs = {}
    for i = 1, 1023 do
      defs["d" .. i] = { allOf = { { ["$ref"] = "#/definitions/d" .. (i + 1) } } }
    end
    defs.d1024 = { allOf = { { type = "string", minLength = 2 } } }
    local v = schema.compile({ ["$ref"] = "#/definitions/d1", definitions = defs })
    assert.is_true(v:validate("ab"))
    local ok, errors = v:validate("a")
    assert.is_false(ok)
    assert.are.equal(1, #errors)
    assert.are.equal("expected at least 2 characters, got 1", errors[1].message)
    -- one more link is over the limit, in both passes alike
    defs.d1024 = { allOf = { { ["$ref"] = "#/definitions/d1025" } } }
    defs.d1025 = { allOf = { { type = "string", minLength = 2 } } }
    v = schema.compile({ ["$ref"] = "#/definitions/d1", definitions = defs })
    ok, errors = v:validate("ab")
    assert.is_false(ok)
    assert.are.equal(1, #errors)
    assert.matches("recursion or step limit", errors[1].message)
  end)

  it("a limit hit inside a combinator branch is listed, not an empty list", function()
    -- fuzz/corpus/schema/regress_limit_in_branch: the boolean pass, asked
    -- about the anyOf branch, hit the recursion limit silently; the
    -- collecting pass then had nothing to say
    local v = schema.compile({
      type = { "null", "null" },
      anyOf = { false, { ["$ref"] = "#", type = "string" }, false },
    })
    local ok, errors = v:validate(require("cjson").null)
    assert.is_false(ok)
    assert.is_true(#errors >= 1)
    local limit = false
    for _, e in ipairs(errors) do
      if e.message:find("recursion or step limit", 1, true) then limit = true end
    end
    assert.is_true(limit)
  end)

  it("a limit hit in an anyOf branch that is dropped still leaves an error, not an empty list", function()
    -- fuzz/corpus/schema/regress_limit_dropped_branch: the collecting pass
    -- follows each branch's $ref back to the root past the `false` that
    -- already failed it, and spends the step budget.  The limit was
    -- reported once per validation, in the list of one branch; past it
    -- every descent failed silently, so another branch failed with no error
    -- and, having the fewest, was kept: false with an empty list
    local null = require("cjson").null
    local function rec(ref) return { allOf = { false, { ["$ref"] = ref } } } end
    local function is_limit(errors)
      assert.are.equal(1, #errors)
      assert.matches("recursion or step limit", errors[1].message)
    end
    local ok, errors = schema.compile({ anyOf = { rec("#"), rec("#") } }):validate(null)
    assert.is_false(ok)
    is_limit(errors)
    ok, errors = schema.compile({ oneOf = { rec("#"), rec("#") } }):validate(1, "v")
    assert.is_false(ok)
    is_limit(errors)
    assert.are.equal("v", errors[1].path)
    -- under propertyNames, whose reasons are collected apart too
    ok, errors = schema.compile({
      propertyNames = { anyOf = { rec("#/propertyNames"), rec("#/propertyNames") } },
    }):validate({ a = 1 })
    assert.is_false(ok)
    is_limit(errors)
    assert.matches("^invalid field name 'a': ", errors[1].message)
  end)

  it("a field name that fails propertyNames says why", function()
    local ok, errors = schema.compile({ propertyNames = { maxLength = 3, pattern = "^a" } })
      :validate({ abcd = 1, bc = 2 })
    assert.is_false(ok)
    assert.are.equal(2, #errors)
    local msgs = { errors[1].message, errors[2].message }
    table.sort(msgs)
    assert.are.equal("invalid field name 'abcd': expected at most 3 characters, got 4", msgs[1])
    assert.are.equal("invalid field name 'bc': expected a string matching /^a/, got \"bc\"", msgs[2])
  end)
end)
