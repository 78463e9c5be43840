-- OpenRouter's OpenAPI 3.1 request schemas -> JSON Schema draft 7 as Lua
-- data, for openrouter.schema (the C engine).  Used by tools/gen-schemas.lua
-- (`make schemas`) and by spec/schemas_spec.lua.
--
--   translate.extract(doc, source)      -> the part of the document the
--                                          targets use (a JSON value)
--   translate.generate(subset, overlay) -> { files = { [module] = lua_text },
--                                            pointers = { [module] = { [in] = out } } }
--
-- What the translation does, node by node (every rule is exact: the draft-7
-- schema accepts the same JSON values as the OpenAPI schema it comes from,
-- except where the overlay or the pass-through rule says otherwise):
--   * $ref "#/components/schemas/X" -> "#/definitions/X" in the same module,
--     or the $id of the module whose root X is (ProviderPreferences).  A $ref
--     with assertion siblings (OpenAPI 3.1 applies both; draft 7 would ignore
--     the siblings) becomes allOf [ {$ref}, {siblings} ].
--   * OpenAPI-only and annotation keywords are dropped: description, title,
--     example(s), default, deprecated, format, readOnly, writeOnly, xml,
--     externalDocs, $comment, x-*; `discriminator` after use.  3.1 forms map
--     to draft 7: prefixItems -> items [..] (+ items -> additionalItems),
--     dependentRequired / dependentSchemas -> dependencies, 3.0's nullable ->
--     a "null" type.  Any other keyword stops the generator.
--   * A schema with no assertion left ({}) is `true`.
--   * allOf with one member and nothing beside it is that member.
--   * anyOf / oneOf whose branches are all objects requiring one property
--     with disjoint constant values (a discriminated union, with or without
--     OpenAPI's `discriminator`) becomes a dispatch: that property's enum,
--     then an if/then/else chain with each branch whole.  Same values
--     accepted (each value can match one branch only); the errors name the
--     branch that was meant ("expected one of "text", "image_url", ... got
--     "image" -- did you mean ...").
--   * In an anyOf, branches that are only string enums merge into one enum,
--     and a branch {type: T} absorbs the branches that only take T values
--     (ProviderName's enum beside {type: string} is just a string).
--   * Patterns pass through; the engine's regex subset takes the document's.
-- The overlay (tools/schemas/overlay.lua) then adds what OpenRouter's docs
-- state and the document does not, each edit at a pointer into the document.
-- The top level of a request stays open to unknown keys (the project's
-- pass-through rule) even if a document closes it.
local json = require("schemas.json")

local null = json.null

local M = {}

M.DRAFT7 = "http://json-schema.org/draft-07/schema#"

-- The modules generated, each the root schema it translates.  `endpoint`:
-- the path whose request body it is (its examples are checked too).
M.TARGETS = {
  { module = "provider", id = "urn:openrouter:schema:provider-preferences",
    root = "#/components/schemas/ProviderPreferences", title = "ProviderPreferences" },
  { module = "chat_request", id = "urn:openrouter:schema:chat-request", open = true,
    root = "#/components/schemas/ChatRequest", title = "ChatRequest",
    endpoint = "/chat/completions" },
  { module = "responses_request", id = "urn:openrouter:schema:responses-request", open = true,
    root = "#/components/schemas/ResponsesRequest", title = "ResponsesRequest",
    endpoint = "/responses" },
  { module = "embeddings_request", id = "urn:openrouter:schema:embeddings-request", open = true,
    root = "#/paths/~1embeddings/post/requestBody/content/application~1json/schema",
    title = "EmbeddingsRequest", endpoint = "/embeddings" },
}

---------------------------------------------------------------- pointers

local function esc(s) return (s:gsub("~", "~0"):gsub("/", "~1")) end
local function unesc(s) return (s:gsub("~1", "/"):gsub("~0", "~")) end
M.escape = esc

--- The value at a JSON pointer ("#/a/b") in doc, or nil.
function M.at(doc, ptr)
  local v = doc
  for part in ptr:gsub("^#", ""):gmatch("/([^/]*)") do
    if type(v) ~= "table" then return nil end
    local k = unesc(part)
    if json.is_array(v) then k = tonumber(k) and tonumber(k) + 1 end
    v = k ~= nil and v[k] or nil
  end
  return v
end

local function fail(ptr, msg, ...)
  error(("gen-schemas: %s: " .. msg):format(ptr, ...), 0)
end

---------------------------------------------------------------- keywords

local ANNOTATION = {
  description = true, title = true, example = true, examples = true, default = true,
  deprecated = true, format = true, readOnly = true, writeOnly = true, xml = true,
  externalDocs = true, ["$comment"] = true, contentMediaType = true, contentEncoding = true,
  discriminator = true,
}

-- Keywords copied as they are (values that are not schemas).
local PLAIN = {
  type = true, enum = true, const = true, required = true, pattern = true,
  minLength = true, maxLength = true, minimum = true, maximum = true,
  exclusiveMinimum = true, exclusiveMaximum = true, multipleOf = true,
  minItems = true, maxItems = true, uniqueItems = true,
  minProperties = true, maxProperties = true,
}

local function annotation(k)
  return ANNOTATION[k] or k:sub(1, 2) == "x-"
end

local function copy(v)
  if type(v) ~= "table" or v == null then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x) end
  return setmetatable(t, getmetatable(v))
end

-- The assertion keywords of a schema object (annotations left out).
local function assertions(node)
  local ks = {}
  for k in pairs(node) do
    if not annotation(k) then ks[#ks + 1] = k end
  end
  table.sort(ks)
  return ks
end

local function types_of(node)
  local t = node.type
  if t == nil then return nil end
  if type(t) == "string" then return { t } end
  return t
end

---------------------------------------------------------------- shapes

-- What a schema (through $refs and allOf) says about the objects it takes:
-- { object = true if it takes objects only, required = set,
--   consts = { [property] = list of the constant strings it allows } }.
local function shape(doc, node, seen)
  seen = seen or {}
  local s = { object = false, required = {}, consts = {} }
  if type(node) ~= "table" or seen[node] then return s end
  seen[node] = true
  local ts = types_of(node)
  s.object = ts ~= nil and #ts == 1 and ts[1] == "object"
  for _, r in ipairs(node.required or {}) do s.required[r] = true end
  for name, ps in pairs(node.properties or {}) do
    s.consts[name] = M.string_values(doc, ps)
  end
  -- a $ref (siblings apply in 3.1) and allOf members all hold: an object if
  -- any says so, every field any requires; a property's values as the first
  -- to constrain them says (a superset of what all allow, which is enough
  -- to tell the branches apart)
  local parts = {}
  if node["$ref"] then parts[1] = M.at(doc, node["$ref"]) end
  for _, m in ipairs(node.allOf or {}) do parts[#parts + 1] = m end
  for _, p in ipairs(parts) do
    local sub = shape(doc, p, seen)
    s.object = s.object or sub.object
    for r in pairs(sub.required) do s.required[r] = true end
    for name, values in pairs(sub.consts) do s.consts[name] = s.consts[name] or values end
  end
  seen[node] = nil
  return s
end

--- The strings a schema allows when it allows only a few constant strings
--- (enum / const, through $refs and an anyOf of such), else nil.
function M.string_values(doc, node, depth)
  depth = depth or 0
  if type(node) ~= "table" or depth > 8 then return nil end
  if node["$ref"] then return M.string_values(doc, M.at(doc, node["$ref"]), depth + 1) end
  local values
  if node.const ~= nil then values = { node.const }
  elseif node.enum then values = node.enum
  elseif node.anyOf then
    values = {}
    for _, b in ipairs(node.anyOf) do
      local v = M.string_values(doc, b, depth + 1)
      if not v then return nil end
      for _, x in ipairs(v) do values[#values + 1] = x end
    end
  else
    return nil
  end
  for _, v in ipairs(values) do
    if type(v) ~= "string" then return nil end
  end
  return values
end

-- A schema that is only an enum of strings (plus `type: string`), through a
-- $ref: its values, else nil.
local function pure_enum(doc, node)
  if type(node) ~= "table" then return nil end
  if node["$ref"] then
    for _, k in ipairs(assertions(node)) do
      if k ~= "$ref" then return nil end
    end
    return pure_enum(doc, M.at(doc, node["$ref"]))
  end
  if not node.enum then return nil end
  for _, k in ipairs(assertions(node)) do
    if k ~= "enum" and not (k == "type" and node.type == "string") then return nil end
  end
  for _, v in ipairs(node.enum) do
    if type(v) ~= "string" then return nil end
  end
  return node.enum
end

-- The single JSON type a schema allows all its values to be, through a $ref,
-- if it says so with `type` alone or with an enum: else nil.
local function only_type(doc, node)
  if type(node) ~= "table" then return nil end
  if node["$ref"] then
    if #assertions(node) > 1 then return nil end
    return only_type(doc, M.at(doc, node["$ref"]))
  end
  local ts = types_of(node)
  if ts and #ts == 1 then return ts[1] end
  if pure_enum(doc, node) then return "string" end
  return nil
end

-- {type: T} and nothing else.
local function plain_type(node)
  if type(node) ~= "table" or type(node.type) ~= "string" then return nil end
  local ks = assertions(node)
  return #ks == 1 and node.type or nil
end

-- The property that tells the branches apart, and each branch's values.
local function discriminant(doc, node, branches)
  local shapes = {}
  for i, b in ipairs(branches) do
    shapes[i] = shape(doc, b)
    if not shapes[i].object then return nil end
  end
  local candidates = {}
  if node.discriminator and node.discriminator.propertyName then
    candidates[1] = node.discriminator.propertyName
  end
  local names = {}
  for name in pairs(shapes[1].consts) do names[#names + 1] = name end
  table.sort(names)
  for _, n in ipairs(names) do candidates[#candidates + 1] = n end
  for _, prop in ipairs(candidates) do
    local owner, per, ok = {}, {}, true
    for i, s in ipairs(shapes) do
      local values = s.required[prop] and s.consts[prop]
      if not values then ok = false; break end
      per[i] = values
      for _, v in ipairs(values) do
        if owner[v] and owner[v] ~= i then ok = false end
        owner[v] = i
      end
      if not ok then break end
    end
    if ok then return prop, per end
  end
  return nil
end

---------------------------------------------------------------- translation

local tr

-- Translate a list of schemas (allOf / anyOf / oneOf members, prefixItems).
local function tr_list(cx, list, ptr, out_ptr)
  local out = {}
  for i, s in ipairs(list) do
    out[i] = tr(cx, s, ptr .. "/" .. (i - 1), out_ptr .. "/" .. (i - 1))
  end
  return out
end

-- The dispatch for a discriminated union, at out_ptr.  [branch i] is the
-- then of the chain's i-th link.
local function dispatch(cx, prop, per, branches, key, ptr, out_ptr)
  local all = {}
  for _, values in ipairs(per) do
    for _, v in ipairs(values) do all[#all + 1] = v end
  end
  local d = {
    type = "object",
    required = { prop },
    properties = { [prop] = { enum = all } },
  }
  local link, link_ptr = d, out_ptr
  for i, b in ipairs(branches) do
    local values = per[i]
    local cond = #values == 1 and { const = values[1] } or { enum = copy(values) }
    link["if"] = { required = { prop }, properties = { [prop] = cond } }
    link["then"] = tr(cx, b, ptr .. "/" .. key .. "/" .. (i - 1), link_ptr .. "/then")
    if i < #branches then
      link["else"] = {}
      link, link_ptr = link["else"], link_ptr .. "/else"
    end
  end
  cx.notes[#cx.notes + 1] = ("%s: %s of %d branches -> dispatch on '%s'"):format(ptr, key, #branches, prop)
  return d
end

-- anyOf / oneOf at out_ptr: a dispatch, or the list simplified.  Returns a
-- schema for the node (when the combinator is all of it, `alone`) or the
-- keywords to merge into it (`at`: where a dispatch goes then).
local function alternatives(cx, node, key, ptr, out_ptr, alone, at)
  local doc = cx.doc
  local branches = node[key]
  local prop, per = discriminant(doc, node, branches)
  if prop then
    if alone then return dispatch(cx, prop, per, branches, key, ptr, out_ptr) end
    return { allOf = { dispatch(cx, prop, per, branches, key, ptr, at) } }
  end
  if key == "oneOf" then
    -- exclusive or: only an exact translation will do
    return { oneOf = tr_list(cx, branches, ptr .. "/oneOf", out_ptr .. "/oneOf") }
  end
  -- anyOf: merge the string enums, drop branches a plain {type: T} covers
  local keep, merged, absorbed = {}, nil, {}
  local plain = {}
  for _, b in ipairs(branches) do
    local t = plain_type(b)
    if t then plain[t] = true end
  end
  for i, b in ipairs(branches) do
    local t = only_type(doc, b)
    local values = pure_enum(doc, b)
    local bptr = ptr .. "/" .. key .. "/" .. (i - 1)
    if t and plain[t] and not plain_type(b) then
      cx.notes[#cx.notes + 1] = ("%s: anyOf branch %d only takes %ss: absorbed by {type: %s}")
        :format(ptr, i, t, t)
      absorbed[#absorbed + 1] = b
      cx.alias[bptr] = out_ptr
    elseif values then
      if not merged then
        merged = { type = "string", enum = {} }
        keep[#keep + 1] = { merged }
      else
        cx.notes[#cx.notes + 1] = ("%s: anyOf branch %d's enum merged into an earlier one"):format(ptr, i)
      end
      for _, v in ipairs(values) do merged.enum[#merged.enum + 1] = v end
      absorbed[#absorbed + 1] = b
      cx.alias[bptr] = out_ptr
    else
      keep[#keep + 1] = { b, bptr }
    end
  end
  -- a component only reached through an absorbed branch: its examples are
  -- checked against the whole anyOf, which takes every value it takes
  for _, b in ipairs(absorbed) do
    if b["$ref"] then cx.alias[b["$ref"]] = cx.alias[b["$ref"]] or out_ptr end
  end
  local function one(k, o)
    if k[1] == merged then return merged end
    return tr(cx, k[1], k[2], o)
  end
  if #keep == 1 and alone then return one(keep[1], out_ptr) end
  local list = {}
  for i, k in ipairs(keep) do list[i] = one(k, out_ptr .. "/anyOf/" .. (i - 1)) end
  return { anyOf = list }
end

-- The $ref of the output for a document $ref.
local function ref_target(cx, ref, ptr)
  local name = ref:match("^#/components/schemas/([^/]+)$")
  if not name then fail(ptr, "unsupported $ref %s", ref) end
  if ref == cx.target.root then return "#" end
  for _, t in ipairs(cx.targets) do
    if t.root == ref then return t.id end
  end
  if not M.at(cx.doc, ref) then fail(ptr, "dangling $ref %s", ref) end
  cx.wanted[unesc(name)] = true
  return "#/definitions/" .. name
end

-- The translation of one schema object, before the overlay.
local function tr_node(cx, node, ptr, out_ptr)
  if type(node) == "boolean" then return node end
  if not json.is_object(node) then fail(ptr, "a schema must be an object or a boolean") end
  local ks = assertions(node)
  if node["$ref"] then
    local ref = { ["$ref"] = ref_target(cx, node["$ref"], ptr) }
    if #ks == 1 then return ref end
    -- OpenAPI 3.1 applies a $ref's siblings too; draft 7 would not
    local rest = json.object()
    for k, v in pairs(node) do
      if k ~= "$ref" then rest[k] = v end
    end
    cx.notes[#cx.notes + 1] = ptr .. ": $ref with assertions beside it -> allOf"
    return { allOf = { ref, tr_node(cx, rest, ptr, out_ptr .. "/allOf/1") } }
  end
  if #ks == 0 then return true end
  -- allOf members with no assertion (a description, say) constrain nothing
  local all = {}
  for i, m in ipairs(node.allOf or {}) do
    if type(m) == "table" and #assertions(m) == 0 then
      cx.pointers[ptr .. "/allOf/" .. (i - 1)] = out_ptr
    else
      all[#all + 1] = { m, ptr .. "/allOf/" .. (i - 1) }
    end
  end
  if #ks == 1 and ks[1] == "allOf" and #all <= 1 then
    if #all == 0 then return true end
    return tr(cx, all[1][1], all[1][2], out_ptr)
  end
  if #ks == 1 and (ks[1] == "anyOf" or ks[1] == "oneOf") then
    return alternatives(cx, node, ks[1], ptr, out_ptr, true)
  end
  local out = {}
  for _, k in ipairs(ks) do
    local v = node[k]
    local kp, op = ptr .. "/" .. k, out_ptr .. "/" .. k
    if PLAIN[k] then
      out[k] = copy(v)
    elseif k == "properties" then
      out.properties = {}
      for _, name in ipairs(json.keys(v)) do
        out.properties[name] = tr(cx, v[name], kp .. "/" .. esc(name), op .. "/" .. esc(name))
      end
    elseif k == "additionalProperties" or k == "items" or k == "not" or k == "if" or
           k == "then" or k == "else" or k == "propertyNames" or k == "contains" then
      if json.is_array(v) and #v > 0 then fail(kp, "an array here is not OpenAPI 3.1") end
      local target = (k == "items" and node.prefixItems) and "additionalItems" or k
      out[target] = tr(cx, v, kp, out_ptr .. "/" .. target)
    elseif k == "prefixItems" then
      out.items = tr_list(cx, v, kp, out_ptr .. "/items")
    elseif k == "allOf" then
      out.allOf = out.allOf or {}
      for i, m in ipairs(all) do
        table.insert(out.allOf, i, tr(cx, m[1], m[2], op .. "/" .. (i - 1)))
      end
    elseif k == "anyOf" or k == "oneOf" then
      local at = out_ptr .. "/allOf/" .. #all
      for ak, av in pairs(alternatives(cx, node, k, ptr, out_ptr, false, at)) do
        if ak == "allOf" then
          out.allOf = out.allOf or {}
          for _, x in ipairs(av) do out.allOf[#out.allOf + 1] = x end
        else
          out[ak] = av
        end
      end
    elseif k == "dependentRequired" or k == "dependentSchemas" then
      out.dependencies = out.dependencies or {}
      for _, name in ipairs(json.keys(v)) do
        out.dependencies[name] = k == "dependentRequired" and copy(v[name])
          or tr(cx, v[name], kp .. "/" .. esc(name), out_ptr .. "/dependencies/" .. esc(name))
      end
    elseif k ~= "nullable" then
      fail(ptr, "unsupported keyword '%s'", k)
    end
  end
  if out.allOf and #out.allOf == 0 then out.allOf = nil end
  if node.nullable == true and node.type then
    -- OpenAPI 3.0's form, should a 3.1 document still carry it
    out.type = copy(types_of(node))
    out.type[#out.type + 1] = "null"
    if node.enum then out.enum[#out.enum + 1] = null end
  end
  return out
end

-- Translate the schema at ptr (in the document) to the output at out_ptr:
-- record where it went, apply the overlay's edit for ptr.
function tr(cx, node, ptr, out_ptr)
  local out = tr_node(cx, node, ptr, out_ptr)
  cx.pointers[ptr] = out_ptr
  return cx.overlay_at(out, ptr)
end

---------------------------------------------------------------- overlay

-- Apply the overlay edits for ptr to the translated schema out.
local function overlay_applier(overlay, used)
  local by_ptr = {}
  for _, e in ipairs(overlay.edits) do
    if by_ptr[e.at] then error("overlay: two edits at " .. e.at, 0) end
    by_ptr[e.at] = e
  end
  return function(out, ptr)
    local e = by_ptr[ptr]
    if not e then return out end
    if type(out) ~= "table" then fail(ptr, "the overlay edits a boolean schema") end
    used[ptr] = true
    if out["$ref"] then out = { allOf = { out } } end   -- draft 7 ignores a $ref's siblings
    for k, v in pairs(e.add or {}) do
      if out[k] ~= nil then fail(ptr, "the overlay would replace '%s' the document sets", k) end
      out[k] = copy(v)
    end
    if e.also_types then
      local ts = copy(types_of(out) or fail(ptr, "the overlay widens a schema without a type"))
      for _, t in ipairs(e.also_types) do ts[#ts + 1] = t end
      out.type = ts
    end
    if e.either then
      -- "either a or b is required": a leaves `required`, anyOf of the two
      local rest, found = {}, false
      for _, r in ipairs(out.required or {}) do
        if r == e.either[1] then found = true else rest[#rest + 1] = r end
      end
      if not found then fail(ptr, "the overlay relaxes '%s', which is not required", e.either[1]) end
      out.required = #rest > 0 and rest or nil
      if out.anyOf then fail(ptr, "the overlay's 'either' collides with an anyOf") end
      out.anyOf = {}
      for i, name in ipairs(e.either) do out.anyOf[i] = { required = { name } } end
    end
    return out
  end
end

---------------------------------------------------------------- extraction

local function walk_refs(v, found)
  if type(v) ~= "table" then return end
  for k, x in pairs(v) do
    if k == "$ref" and type(x) == "string" then found[#found + 1] = x
    else walk_refs(x, found) end
  end
end

--- The part of the full document the targets use: the request bodies of
--- their endpoints and every component those reach, whole.
function M.extract(doc, source)
  local subset = json.object({
    openapi = doc.openapi,
    info = json.object({ title = doc.info.title, version = doc.info.version }),
    ["x-extracted"] = json.object({
      repository = source.repository, path = source.path, commit = source.commit,
      date = source.date,
      note = "The request schemas of OpenRouter's OpenAPI document, as tools/gen-schemas.lua "
        .. "extracted them (every component they reference, unchanged); regenerate with "
        .. "`make schemas OPENAPI=path/to/openapi.json`.",
    }),
    paths = json.object(),
    components = json.object({ schemas = json.object() }),
  })
  local queue = {}
  for _, t in ipairs(M.TARGETS) do
    queue[#queue + 1] = t.root
    if t.endpoint then
      local op = doc.paths[t.endpoint] and doc.paths[t.endpoint].post
      if not (op and op.requestBody) then fail(t.endpoint, "no POST request body") end
      subset.paths[t.endpoint] = json.object({ post = json.object({ requestBody = copy(op.requestBody) }) })
      local refs = {}
      walk_refs(op.requestBody, refs)
      for _, r in ipairs(refs) do queue[#queue + 1] = r end
    end
  end
  local i = 1
  while queue[i] do
    local ptr = queue[i]
    i = i + 1
    local name = ptr:match("^#/components/schemas/([^/]+)$")
    if name then
      name = unesc(name)
      if not subset.components.schemas[name] then
        local s = doc.components.schemas[name]
        if s == nil then fail(ptr, "no such component") end
        subset.components.schemas[name] = copy(s)
        local refs = {}
        walk_refs(s, refs)
        for _, r in ipairs(refs) do queue[#queue + 1] = r end
      end
    elseif not M.at(subset, ptr) then
      fail(ptr, "the root is not in the extracted part")
    end
  end
  return subset
end

---------------------------------------------------------------- Lua output

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local ORDER = {}
for i, k in ipairs({ "$schema", "$id", "$comment", "title", "$ref", "type", "enum", "const",
  "required", "properties", "additionalProperties", "items", "additionalItems",
  "if", "then", "else", "allOf", "anyOf", "oneOf", "not", "definitions" }) do
  ORDER[k] = i
end

local function key_order(a, b)
  local ra, rb = ORDER[a] or 50, ORDER[b] or 50
  if a == "definitions" then ra = 100 end
  if b == "definitions" then rb = 100 end
  if ra ~= rb then return ra < rb end
  return a < b
end

local function lua_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local e = ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" })[c]
    return e or ("\\%03d"):format(c:byte())
  end) .. '"'
end

local function lua_key(k)
  if k:match("^[%a_][%w_]*$") and not KEYWORDS[k] then return k end
  return "[" .. lua_string(k) .. "]"
end

local WIDTH = 100

local function is_list(t)
  if getmetatable(t) == json.ARRAY then return true end
  if getmetatable(t) == json.OBJECT then return false end
  return t[1] ~= nil
end

local function scalar(v, uses)
  if v == null then uses.null = true; return "null" end
  local tv = type(v)
  if tv == "string" then return lua_string(v) end
  if tv == "number" then return json.number(v) end
  if tv == "boolean" then return tostring(v) end
  error("cannot write a " .. tv)
end

-- The entries of a table: { key or nil, value }, keys in ORDER.
local function entries(v)
  local items = {}
  if is_list(v) then
    for i, x in ipairs(v) do items[i] = { nil, x } end
  else
    local ks = {}
    for k in pairs(v) do ks[#ks + 1] = k end
    table.sort(ks, key_order)
    for i, k in ipairs(ks) do items[i] = { lua_key(k), v[k] } end
  end
  return items
end

-- v on one line if that takes at most WIDTH characters, else false.
local function flat(v, uses, memo)
  if type(v) ~= "table" or v == null then return scalar(v, uses) end
  if memo[v] ~= nil then return memo[v] end
  local items, parts, len = entries(v), {}, 4
  local s = "{}"
  for i, it in ipairs(items) do
    local x = flat(it[2], uses, memo)
    if not x then s = false; break end
    parts[i] = (it[1] and it[1] .. " = " or "") .. x
    len = len + #parts[i] + 2
    if len > WIDTH then s = false; break end
  end
  if s and #items > 0 then s = "{ " .. table.concat(parts, ", ") .. " }" end
  memo[v] = s
  return s
end

-- v as a Lua expression at indentation ind (spaces).
-- A string too long for one line: quoted pieces joined with `..`.
local function long_string(v, ind)
  local size, pieces, i = math.max(20, WIDTH - #ind - 24), {}, 1
  while i <= #v do
    local j = math.min(#v, i + size - 1)
    -- not inside a UTF-8 sequence
    if j < #v then
      local space = v:sub(i, j):match(".*() ")
      if space and space > size / 2 then j = i + space - 1 end
    end
    while j < #v and j > i and v:byte(j + 1) >= 0x80 and v:byte(j + 1) < 0xC0 do j = j - 1 end
    pieces[#pieces + 1] = lua_string(v:sub(i, j))
    i = j + 1
  end
  return table.concat(pieces, " ..\n" .. ind .. "  ")
end

local function lua_value(v, ind, uses, memo, lead)
  lead = lead or 0
  if type(v) == "string" and #ind + lead + #v + 3 > WIDTH then return long_string(v, ind) end
  if type(v) ~= "table" or v == null then return scalar(v, uses) end
  local one = flat(v, uses, memo)
  if one and #ind + lead + #one + 1 <= WIDTH then return one end
  local inner = ind .. "  "
  local lines, row = { "{" }, nil
  for _, it in ipairs(entries(v)) do
    local prefix = it[1] and it[1] .. " = " or ""
    local s = flat(it[2], uses, memo)
    if not s or #inner + #prefix + #s + 1 > WIDTH then
      s = lua_value(it[2], inner, uses, memo, #prefix)
    end
    s = prefix .. s
    if not it[1] and not s:find("\n", 1, true) then
      -- list items: as many to a line as fit
      if row and #inner + #row + 1 + #s + 1 <= WIDTH then
        row = row .. " " .. s .. ","
      else
        if row then lines[#lines + 1] = inner .. row end
        row = s .. ","
      end
    else
      if row then lines[#lines + 1] = inner .. row; row = nil end
      lines[#lines + 1] = inner .. s .. ","
    end
  end
  if row then lines[#lines + 1] = inner .. row end
  lines[#lines + 1] = ind .. "}"
  return table.concat(lines, "\n")
end

local function module_text(header, value)
  local uses = {}
  local body = lua_value(value, "", uses, {})
  local out = { header }
  if uses.null then out[#out + 1] = 'local null = require("cjson").null\n\n' end
  out[#out + 1] = "return " .. body .. "\n"
  return table.concat(out)
end

---------------------------------------------------------------- generation

local function source_line(subset)
  local x = subset["x-extracted"]
  return ("OpenRouter's OpenAPI document (%s %s at commit %s, %s)"):format(
    x.repository, x.path, x.commit, x.date)
end

-- Every $ref string in a translated schema.
local function out_refs(v, found)
  if type(v) ~= "table" then return end
  for k, x in pairs(v) do
    if k == "$ref" and type(x) == "string" then found[x] = true else out_refs(x, found) end
  end
end

local function generate_target(subset, target, targets, apply)
  local root = M.at(subset, target.root)
  if root == nil then fail(target.root, "not in the document") end
  local cx = {
    doc = subset, target = target, targets = targets, wanted = {}, pointers = {}, alias = {},
    notes = {}, overlay_at = apply,
  }
  local schema = tr(cx, root, target.root, "#")
  if schema == true then schema = {} end
  if target.open and schema.additionalProperties ~= nil then
    cx.notes[#cx.notes + 1] = target.root .. ": additionalProperties dropped (pass-through rule)"
    schema.additionalProperties = nil
  end
  -- the components reached, translated once each
  local defs, done = {}, {}
  while true do
    local name
    for n in pairs(cx.wanted) do
      if not done[n] and (not name or n < name) then name = n end
    end
    if not name then break end
    done[name] = true
    local ptr = "#/components/schemas/" .. esc(name)
    defs[name] = tr(cx, subset.components.schemas[name], ptr, "#/definitions/" .. esc(name))
  end
  -- keep only the definitions still referenced (simplification may drop some)
  local live, queue = {}, {}
  local function reach(v)
    local found = {}
    out_refs(v, found)
    for r in pairs(found) do
      local n = r:match("^#/definitions/(.+)$")
      if n and not live[unesc(n)] then live[unesc(n)] = true; queue[#queue + 1] = unesc(n) end
    end
  end
  reach(schema)
  local i = 1
  while queue[i] do reach(defs[queue[i]]); i = i + 1 end
  local definitions = {}
  for n, d in pairs(defs) do
    if live[n] then definitions[n] = d end
  end
  -- pointers into dropped definitions are no longer there
  for p, o in pairs(cx.pointers) do
    local n = o:match("^#/definitions/([^/]+)")
    if n and not live[unesc(n)] then cx.pointers[p] = nil end
  end
  for p, o in pairs(cx.alias) do
    if cx.pointers[p] == nil then cx.pointers[p] = o end
  end
  local out = {
    ["$schema"] = M.DRAFT7,
    ["$id"] = target.id,
    ["$comment"] = ("Generated by tools/gen-schemas.lua from %s, %s."):format(
      source_line(subset), target.root),
    title = target.title,
  }
  for k, v in pairs(schema) do out[k] = v end
  if next(definitions) then out.definitions = definitions end
  return out, cx
end

local function header(subset, what)
  local x = subset["x-extracted"]
  return table.concat({
    "-- " .. what,
    "-- Generated by tools/gen-schemas.lua -- do not edit: change the generator or",
    "-- tools/schemas/overlay.lua and run `make schemas`.",
    ("-- Source: OpenRouter's OpenAPI document, %s %s"):format(x.repository, x.path),
    ("-- at commit %s (%s), kept in tools/schemas/openapi-subset.json."):format(x.commit, x.date),
    "",
  }, "\n") .. "\n"
end

--- Translate every target (M.TARGETS unless given): the Lua module texts,
--- the schemas as tables, the pointer maps (document pointer -> pointer in
--- the module) and notes on what was done where.
function M.generate(subset, overlay, targets)
  targets = targets or M.TARGETS
  local used = {}
  local apply = overlay_applier(overlay, used)
  local files, schemas, pointers, notes = {}, {}, {}, {}
  for _, t in ipairs(targets) do
    local schema, cx = generate_target(subset, t, targets, apply)
    local what = ("%s as JSON Schema draft 7 (openrouter.schemas.%s)."):format(t.title, t.module)
    files[t.module] = module_text(header(subset, what), schema)
    schemas[t.module] = schema
    pointers[t.module] = cx.pointers
    notes[t.module] = cx.notes
  end
  for _, e in ipairs(overlay.edits) do
    if not used[e.at] then error("overlay: " .. e.at .. " is in no generated schema", 0) end
  end
  files.model_variants = module_text(header(subset,
    "The model variants OpenRouter documents (\"openai/gpt-4o:nitro\"): did-you-mean metadata."),
    overlay.model_variants or {})
  return { files = files, schemas = schemas, pointers = pointers, notes = notes }
end

return M
