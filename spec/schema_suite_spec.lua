-- The official JSON-Schema-Test-Suite, draft 7, run through
-- openrouter.schema.  Every required file except refRemote.json (it needs a
-- server of remote documents).  The suite sits beside the repository
-- (../shared/...) or where ORC_SCHEMA_SUITE points.
local cjson = require("cjson")
local schema = require("openrouter.schema")

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

-- The only skips: cases whose answer depends on telling [] from {}, which
-- lua-cjson decodes to the same empty table.  Keyed file / group / test.
local EMPTY = "lua-cjson decodes [] and {} to the same empty table"
local skip = {
  -- data {}: decoded as an empty table, which is also an empty array
  ["contains / contains keyword validation / not array is valid"] = EMPTY,
  ["type / array type matches arrays / an object is not an array"] = EMPTY,
  -- data []: decoded as an empty table, which is also an empty object
  ["minProperties / minProperties validation / ignores arrays"] = EMPTY,
  ["required / required validation / ignores arrays"] = EMPTY,
  ["required / required properties whose names are Javascript object property names / ignores arrays"] = EMPTY,
  ["type / object type matches objects / an array is not an object"] = EMPTY,
}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local passed, failed, skipped = 0, 0, 0

describe("JSON-Schema-Test-Suite draft7", function()
  teardown(function()
    print(("\nschema suite: %d passed, %d failed, %d skipped"):format(passed, failed, skipped))
  end)

  for _, name in ipairs(files) do
    local groups = cjson.decode(read(dir .. "/" .. name .. ".json"))
    describe(name, function()
      for _, group in ipairs(groups) do
        local ok, v = pcall(schema.compile, group.schema)
        for _, case in ipairs(group.tests) do
          local key = name .. " / " .. group.description .. " / " .. case.description
          if skip[key] then
            it(key, function()
              skipped = skipped + 1
              pending(skip[key])
            end)
          else
            it(key, function()
              if not ok then
                failed = failed + 1
                error("compile failed: " .. tostring(v))
              end
              local valid, errs = v:validate(case.data)
              if valid == case.valid then
                passed = passed + 1
              else
                failed = failed + 1
              end
              assert.are.equal(case.valid, valid,
                errs and errs[1] and (errs[1].path .. ": " .. errs[1].message) or nil)
              if not valid then
                assert.is_true(#errs > 0)
              end
            end)
          end
        end
      end
    end)
  end
end)
