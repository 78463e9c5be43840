---@meta openrouter.schema
-- LuaLS definitions: JSON-Schema (draft 7) validators compiled in C
-- (require("openrouter.schema"), also openrouter.schema).

---Where and what: paths are `.field`, `["odd key"]` and `[i]` (1-based)
---from the root ("provider.order[2]", "messages[1].role"); "" is the root.
---@class openrouter.SchemaError
---@field path string
---@field message string

---@class openrouter.SchemaCompileOptions
---@field documents? table<string, table|boolean>  other schema documents by URI, for $refs to them

---A compiled schema (a userdata).
---@class openrouter.Validator
local Validator = {}

---Validate a Lua value (tables as JSON objects and arrays, openrouter.null
---as null): true, or false and every error.  `root` prefixes the paths.
---@param value any
---@param root? string
---@return boolean ok
---@return openrouter.SchemaError[]|nil errors
function Validator:validate(value, root) end

---Validate `value` and write it as JSON in one walk (the schema shapes
---unmarked empty tables: `[]` where only an array fits): the JSON text, or
---nil and every error (paths prefixed with `opts.root`).  `opts.check =
---false` only shapes and encodes.
---@param value any
---@param opts? { root?: string, check?: boolean }
---@return string|nil json
---@return openrouter.SchemaError[]|nil errors
function Validator:encode(value, opts) end

---`encode` with `root` bound, for encoding many values (each function keeps
---an output buffer of its own): `enc(value [, check])` is
---`v:encode(value, { root = root, check = check })`.
---@param root? string
---@return fun(value: any, check?: boolean): string|nil, openrouter.SchemaError[]|nil
function Validator:encoder(root) end

---require("openrouter.schema").
---@class openrouter.schema
local schema = {}

---Compile a JSON Schema (draft 7: every keyword but remote $refs; `pattern`
---with a linear-time regex engine; `format` is an annotation) once;
---validate many times.  Raises "schema error at #/path: ..." on a schema
---it cannot honour rather than ignore an assertion.
---@param json_schema table|boolean
---@param opts? openrouter.SchemaCompileOptions
---@return openrouter.Validator
function schema.compile(json_schema, opts) end

return schema
