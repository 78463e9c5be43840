--- openrouter.schema -- JSON Schema (draft 7) validators compiled in C.
--
--   local v = schema.compile(json_schema_table)   -- raises on a schema it cannot honour
--   local ok, errors = v:validate(value [, root])  -- true | false, { {path=, message=}, ... }
--
-- Lua <-> JSON: strings, numbers (an integer is a number with no fractional
-- part, so 1.0 is one), booleans, cjson.null (openrouter.null) as null; a
-- table with keys 1..n is an array, one with string keys an object, and an
-- empty table is both.  A table mixing both kinds of keys, a sparse array,
-- NaN/inf, functions and other Lua types match no JSON type and are reported
-- wherever the schema looks at them.  Values nested deeper than 256 levels
-- (a cyclic table, say) are reported, never followed forever.
--
-- Paths: `root` (default "") then `.field` for identifier-like keys,
-- `["odd key"]` for others and `[i]` for array items, 1-based:
-- v:validate(req) reports `messages[1].role`; v:validate(p, "provider")
-- reports `provider.order[2]`.
local core = require("openrouter.core")

local M = {}

---@class openrouter.SchemaError
---@field path string     where: "provider.order[2]", "" for the root itself
---@field message string  what was expected and what was found

---@class openrouter.Validator
---@field validate fun(self: openrouter.Validator, value: any, root?: string): boolean, openrouter.SchemaError[]?

---@class openrouter.SchemaCompileOptions
---@field documents? table<string, table|boolean> other schema documents by URI, for $refs to them

local DRAFT7_URI = "http://json-schema.org/draft-07/schema"

--- Compile a JSON Schema (draft 7) once; validate many times.
--- Raises "schema error at #/path: ..." on an unknown keyword, a malformed
--- value, a regex construct outside the supported ECMA-262 subset, or a
--- $ref that cannot be resolved locally (remote refs are not fetched: pass
--- the document in opts.documents).  The draft-07 meta-schema is known.
---@param schema table|boolean
---@param opts? openrouter.SchemaCompileOptions
---@return openrouter.Validator
function M.compile(schema, opts)
  local docs = { [DRAFT7_URI] = require("openrouter.schemas.draft7") }
  if opts and opts.documents then
    for uri, doc in pairs(opts.documents) do docs[uri] = doc end
  end
  return core.schema_compile(schema, { documents = docs })
end

return M
