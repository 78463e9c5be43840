-- The LuaLS definitions in types/ held to the real public surface, both
-- ways: every public name of the module and of its objects (found at run
-- time: the module's fields, lazily loaded ones included, and the methods
-- and fields of real objects made against the simulator) is declared in
-- types/, every function declared there exists, the request's fields and
-- enums equal the generated request schemas the client validates with
-- (read through a resolver of $ref, allOf/anyOf/oneOf and if/then/else:
-- see "the request schemas" below), the shapes the simulator sends are
-- declared, and every public name is in README.md.
--
-- How types/ is read (the pattern to follow when adding a name):
--   ---@class openrouter.Thing [: openrouter.Parent]   then ---@field lines
--   local Thing = {}                     binds the local to the class
--   ---Description (at least one line).
--   ---@param x type                     one per parameter, in any order
--   function Thing:method(x) end         or Thing.fn(x): a function of the class
-- A data field (or a function-valued one, `---@field f fun(...)`) is a
-- `---@field name[?] type` line under its ---@class; `?` marks it optional.
local mock = require("support.mock_server")

local ROOT = mock.root
local TYPES = ROOT .. "/types"

------------------------------------------------------------ reading types/

local function type_files()
  local p = io.popen("ls '" .. TYPES .. "'/*.lua 2>/dev/null")
  local list = {}
  for line in p:lines() do list[#list + 1] = line end
  p:close()
  table.sort(list)
  return list
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function short(path) return (path:gsub("^.*/types/", "types/")) end

-- The model of types/: classes (fields, functions, parents), aliases
-- (their string literals), type references, and the problems met.
local function parse(files)
  local m = { classes = {}, aliases = {}, refs = {}, problems = {} }
  for _, path in ipairs(files) do
    local file = short(path)
    local n = 0
    local block, cur_class, cur_alias = nil, nil, nil
    local locals = {}
    local function problem(msg) m.problems[#m.problems + 1] = ("%s:%d: %s"):format(file, n, msg) end
    local function refs(text)
      for name in text:gmatch("openrouter%.%u[%w_]*") do
        m.refs[#m.refs + 1] = { name = name, at = ("%s:%d"):format(file, n) }
      end
    end
    local function literals(text, alias)
      for lit in text:gmatch('"([^"]*)"') do alias.literals[#alias.literals + 1] = lit end
    end
    for line in io.lines(path) do
      n = n + 1
      if n == 1 and not line:match("^%-%-%-@meta%s+[%w_.]+$") then
        problem("the first line must be ---@meta <module name> or ---@meta _")
      end
      if line:match("^%-%-%-") then
        block = block or { text = 0, params = {} }
        local tag, rest = line:match("^%-%-%-@(%w+)%s*(.-)%s*$")
        if line:match("^%-%-%-|") then
          if not cur_alias then problem("a ---| line outside an ---@alias") else
            literals(line:match('^%-%-%-|%s*("[^"]*")') or "", m.aliases[cur_alias])
            refs(line)
          end
        elseif tag == "class" then
          local name, tail = rest:match("^([%a_][%w_.]*)%s*(.*)$")
          if not name then problem("unreadable ---@class") else
            if m.classes[name] then problem("class " .. name .. " declared twice") end
            local parents = {}
            local plist = tail:match("^:%s*(.+)$")
            if plist then
              for p in plist:gmatch("[^,]+") do parents[#parents + 1] = trim(p) end
              refs(plist)
            end
            m.classes[name] = { fields = {}, funcs = {}, parents = parents, at = file .. ":" .. n }
            cur_class, cur_alias, block.class = name, nil, name
          end
        elseif tag == "field" then
          refs(rest)
          local fname, opt, ftype = rest:match("^([%a_][%w_]*)(%??)%s+(%S.*)$")
          if not cur_class then problem("a ---@field outside a ---@class")
          elseif fname then
            local c = m.classes[cur_class]
            if c.fields[fname] then problem(cur_class .. "." .. fname .. " declared twice") end
            c.fields[fname] = { optional = opt == "?", type = ftype, at = file .. ":" .. n,
                                is_fun = ftype:match("^fun%(") ~= nil }
          elseif rest:match("^%[string%]") then
            m.classes[cur_class].open = true
          else
            problem("unreadable ---@field")
          end
        elseif tag == "alias" then
          local name, tail = rest:match("^([%a_][%w_.]*)%s*(.*)$")
          if not name then problem("unreadable ---@alias") else
            if m.aliases[name] or m.classes[name] then problem(name .. " declared twice") end
            m.aliases[name] = { literals = {}, at = file .. ":" .. n }
            literals(tail, m.aliases[name])
            refs(tail)
            cur_alias, cur_class = name, nil
          end
        elseif tag == "param" then
          refs(rest)
          local pname = rest:match("^([%a_][%w_]*)%??%s") or rest:match("^(%.%.%.)%s")
          if not pname then problem("unreadable ---@param") else block.params[pname] = true end
        elseif tag then
          if tag ~= "meta" then refs(rest) end
        else
          block.text = block.text + 1
        end
      else
        local ident = line:match("^local%s+([%a_][%w_]*)%s*=")
        local owner, sep, fname, params = line:match("^function%s+([%a_][%w_]*)([.:])([%a_][%w_]*)%s*%(([^)]*)%)")
        if ident then
          if block and block.class then locals[ident] = block.class end
        elseif owner then
          local cls = locals[owner]
          if not cls then
            problem("function " .. owner .. sep .. fname .. ": '" .. owner .. "' is bound to no ---@class")
          else
            local c = m.classes[cls]
            if c.funcs[fname] or c.fields[fname] then problem(cls .. "." .. fname .. " declared twice") end
            c.funcs[fname] = { at = file .. ":" .. n, method = sep == ":" }
            local what = cls .. sep .. fname
            if not block or block.text == 0 then problem(what .. " has no description (a --- line above it)") end
            local seen = {}
            for p in params:gmatch("[^,]+") do
              p = trim(p)
              seen[p] = true
              if not (block and block.params[p]) then problem(what .. ": parameter '" .. p .. "' has no ---@param") end
            end
            for p in pairs(block and block.params or {}) do
              if not seen[p] then problem(what .. ": ---@param " .. p .. " names no parameter") end
            end
          end
        elseif line:match("^function") then
          problem("a function declaration the spec cannot read (write function Local.name(...) end)")
        end
        block, cur_class, cur_alias = nil, nil, nil
      end
    end
  end
  return m
end

-- A class's fields and functions, its parents' included.
local function collect(m, name, what, out, seen)
  out, seen = out or {}, seen or {}
  local c = m.classes[name]
  if not c or seen[name] then return out end
  seen[name] = true
  for k, v in pairs(c[what]) do if out[k] == nil then out[k] = v end end
  for _, p in ipairs(c.parents) do collect(m, p, what, out, seen) end
  return out
end

local function is_open(m, name)
  local c = m.classes[name]
  if not c then return false end
  if c.open then return true end
  for _, p in ipairs(c.parents) do if is_open(m, p) then return true end end
  return false
end

local function sorted_keys(t)
  local list = {}
  for k in pairs(t) do list[#list + 1] = k end
  table.sort(list)
  return list
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

-- "a, b only in X; c only in Y", or nil when the sets are equal.
local function set_diff(a, a_name, b, b_name)
  local only_a, only_b = {}, {}
  for _, k in ipairs(sorted_keys(a)) do if not b[k] then only_a[#only_a + 1] = k end end
  for _, k in ipairs(sorted_keys(b)) do if not a[k] then only_b[#only_b + 1] = k end end
  if #only_a == 0 and #only_b == 0 then return nil end
  local parts = {}
  if #only_a > 0 then parts[#parts + 1] = table.concat(only_a, ", ") .. " only in " .. a_name end
  if #only_b > 0 then parts[#parts + 1] = table.concat(only_b, ", ") .. " only in " .. b_name end
  return table.concat(parts, "; ")
end

--------------------------------------------------------- the real surface

local function is_public(k) return type(k) == "string" and not k:find("^_") end

local function add_public(t, out)
  for k, v in pairs(t) do
    if is_public(k) and out[k] == nil then out[k] = v end
  end
end

-- The public names of a value: its own keys (a table), then along its
-- metatables' __index: a table's keys; for an __index function, the
-- metatable's own keys (the class table holds the methods) and, for a C
-- function, its table upvalues (a userdata's methods table).  PUC Lua 5.1's
-- debug.getupvalue does not read a C function's upvalues: there the SSE
-- parser's methods are checked one way only (declared ones exist); the
-- other Luas list them (the same C code registers them on every Lua).
local function members(v)
  local out = {}
  if type(v) == "table" then add_public(v, out) end
  local mt, seen = getmetatable(v), {}
  while type(mt) == "table" and not seen[mt] do
    seen[mt] = true
    local idx = rawget(mt, "__index")
    if type(idx) == "table" then
      add_public(idx, out)
      mt = getmetatable(idx)
    else
      if type(idx) == "function" then
        add_public(mt, out)
        if debug.getinfo(idx, "S").what == "C" then
          for i = 1, 255 do
            local name, up = debug.getupvalue(idx, i)
            if name == nil then break end
            if type(up) == "table" then add_public(up, out) end
          end
        end
      end
      break
    end
  end
  return out
end

-- The openrouter module loads some fields on first use: the table its
-- __index reads them from (an upvalue named `lazy`).
local function lazy_names(mod)
  local mt = getmetatable(mod)
  local idx = mt and mt.__index
  if type(idx) ~= "function" then return {} end
  for i = 1, 255 do
    local name, up = debug.getupvalue(idx, i)
    if name == nil then break end
    if name == "lazy" and type(up) == "table" then return sorted_keys(up) end
  end
  error("the openrouter module's __index has no `lazy` upvalue: teach spec/types_spec.lua where lazy names live")
end

-- Names without a leading "_" that are not for callers, each with why.
-- Keep this short: a public name belongs in types/ and README.md.
local INTERNAL = {
  structured = {
    check = "the hook client:chat and client:stream call before sending",
    attach = "the hook that decodes message.parsed",
    objects = "installed as stream:objects()",
    deep_equal = "a helper of objects()",
    completer = "the engine of complete() and objects()",
    partial_value = "a helper of objects()",
  },
  Task = {
    co = "the coroutine openrouter.async resumes (loop adapters go through openrouter.async)",
  },
}

-- The table fields of the openrouter module (errors, sse, schema, parts,
-- ...): each must be declared `---@field name openrouter.<class>` with that
-- class declared, and is then checked like the module.
local function submodules(m, mod, out)
  local fields, list = collect(m, "openrouter", "fields"), {}
  for _, name in ipairs(sorted_keys(members(mod))) do
    local v = mod[name]
    if type(v) == "table" then
      local f = fields[name]
      local cls = f and f.type:match("^(openrouter%.[%w_]+)")
      if cls and m.classes[cls] then
        list[#list + 1] = { class = cls, value = v }
      else
        out[#out + 1] = ("openrouter.%s: a table field; declare it as ---@field %s openrouter.%s and that class")
          :format(name, name, name)
      end
    end
  end
  return list
end

local PRIMITIVE = { string = true, number = true, integer = true, boolean = true }

-- Check one value against its class: every public name declared, every
-- declared function present, every non-optional field present, simple
-- field types right.  Appends to `out`.
local function check_surface(m, cls, value, out, internal)
  if not m.classes[cls] then
    out[#out + 1] = "class " .. cls .. " is not declared in types/"
    return
  end
  local funcs, fields = collect(m, cls, "funcs"), collect(m, cls, "fields")
  for _, name in ipairs(sorted_keys(members(value))) do
    local v = value[name]
    if not (internal and internal[name]) then
      if type(v) == "function" then
        if not funcs[name] and not (fields[name] and fields[name].is_fun) then
          out[#out + 1] = ("%s.%s: a public function with no annotation in types/"):format(cls, name)
        end
      elseif not funcs[name] and not fields[name] then
        out[#out + 1] = ("%s.%s: a public %s field with no ---@field in types/"):format(cls, name, type(v))
      end
    end
  end
  for _, name in ipairs(sorted_keys(funcs)) do
    if type(value[name]) ~= "function" then
      out[#out + 1] = ("%s.%s: annotated at %s but no such function"):format(cls, name, funcs[name].at)
    end
  end
  for _, name in ipairs(sorted_keys(fields)) do
    local f, v = fields[name], value[name]
    if f.is_fun and not f.optional and type(v) ~= "function" then
      out[#out + 1] = ("%s.%s: annotated at %s as a function, but is %s"):format(cls, name, f.at, type(v))
    elseif not f.optional and v == nil then
      out[#out + 1] = ("%s.%s: annotated at %s (not optional) but missing"):format(cls, name, f.at)
    elseif v ~= nil then
      local t = f.type:match("^(%a+)%f[%s]") or f.type:match("^(%a+)$")
      if t and PRIMITIVE[t] then
        local ok = type(v) == t or (t == "integer" and type(v) == "number" and v == math.floor(v))
        if not ok then
          out[#out + 1] = ("%s.%s: annotated %s at %s, but is a %s"):format(cls, name, t, f.at, type(v))
        end
      end
    end
  end
end

-- Check that every key of `t` is a declared field of `cls`.
local function check_shape(m, cls, t, where, out)
  if type(t) ~= "table" then return end
  if not m.classes[cls] then
    out[#out + 1] = "class " .. cls .. " is not declared in types/"
    return
  end
  if is_open(m, cls) then return end
  local fields, funcs = collect(m, cls, "fields"), collect(m, cls, "funcs")
  for _, k in ipairs(sorted_keys(t)) do
    if type(k) == "string" and not fields[k] and not funcs[k] then
      out[#out + 1] = ("%s has no ---@field %s (the simulator sent it in %s)"):format(cls, k, where)
    end
  end
end

-- Fail with every problem of `found` (a table of strings, nil holes
-- allowed: the set_diff results of several checks).
local function report(found)
  local list, seen = {}, {}
  for _, v in pairs(found) do
    if not seen[v] then seen[v] = true list[#list + 1] = v end
  end
  if #list == 0 then return end
  table.sort(list)
  error(#list .. " problem(s):\n  " .. table.concat(list, "\n  "), 0)
end

------------------------------------------------------- the request schemas

-- The generated schemas (lua/openrouter/schemas/, `make schemas`) read by
-- structure, not by definition names, so the checks below survive a
-- regeneration that renames or regroups definitions.  A node is a schema
-- and the document its "#..." pointers resolve in.  The rules:
--   $ref         "#/a/b" is a JSON pointer into the node's document
--                ("#/definitions/ChatUserMessage"); "<uri>[#/a/b]" first
--                picks the schema document whose $id is <uri> (chat's
--                provider is "urn:openrouter:schema:provider-preferences").
--                A $ref that resolves to nothing raises.
--   branches     allOf, anyOf, oneOf, then and else are alternatives (or
--                parts) of the same value: a node stands for itself and,
--                recursively, every branch.  `if` is a condition, not a
--                shape (its consts repeat the tag's enum), so it is skipped.
--   step "name"  properties.name of every node and branch;
--   step "[]"    items of every node and branch (each schema of a tuple).
--   known_names  the keys of properties and the entries of required, of
--                every node and branch (the request's anyOf { required =
--                { "prompt" } } names `prompt`).
--   enum         the strings of enum and const of every node and branch
--                (null and other non-strings left out).
-- `at` raises when a path leads nowhere, and the checks fail on an empty
-- enum or name set: a regeneration that moves a value fails loudly.
local schema_docs = {}
do
  local p = io.popen("ls '" .. ROOT .. "/lua/openrouter/schemas'/*.lua 2>/dev/null")
  for path in p:lines() do
    local doc = require("openrouter.schemas." .. path:match("([%w_]+)%.lua$"))
    if type(doc) == "table" and type(doc["$id"]) == "string" then schema_docs[doc["$id"]] = doc end
  end
  p:close()
end

local function pointer(doc, ptr, ref)
  local s = doc
  for seg in ptr:gmatch("[^/]+") do
    seg = seg:gsub("~1", "/"):gsub("~0", "~")
    s = type(s) == "table" and (s[seg] or s[tonumber(seg) and tonumber(seg) + 1]) or nil
  end
  if s == nil then error("$ref " .. ref .. " resolves to nothing", 0) end
  return s
end

local function deref(ref, doc)
  local uri, ptr = ref:match("^([^#]*)#?(.*)$")
  if uri ~= "" then
    doc = schema_docs[uri]
    if not doc then error("$ref " .. ref .. ": no schema document in lua/openrouter/schemas/ has that $id", 0) end
  end
  return { s = pointer(doc, ptr, ref), doc = doc }
end

-- The node and every branch it stands for, $refs followed.
local function expand(node, out, seen)
  local s = node.s
  if type(s) ~= "table" or seen[s] then return out end
  seen[s] = true
  out[#out + 1] = node
  if type(s["$ref"]) == "string" then expand(deref(s["$ref"], node.doc), out, seen) end
  for _, kw in ipairs({ "allOf", "anyOf", "oneOf" }) do
    for _, sub in ipairs(type(s[kw]) == "table" and s[kw] or {}) do expand({ s = sub, doc = node.doc }, out, seen) end
  end
  for _, kw in ipairs({ "then", "else" }) do
    if s[kw] ~= nil then expand({ s = s[kw], doc = node.doc }, out, seen) end
  end
  return out
end

local function each_branch(nodes, fn)
  for _, node in ipairs(nodes) do
    for _, b in ipairs(expand(node, {}, {})) do fn(b.s, b.doc) end
  end
end

-- The nodes at `path` ("name" and "[]" steps) from the document `doc`.
local function at(doc, ...)
  local nodes, path = { { s = doc, doc = doc } }, { doc.title or doc["$id"] }
  for _, key in ipairs({ ... }) do
    local nxt = {}
    each_branch(nodes, function(s, d)
      local subs
      if key == "[]" then
        subs = type(s.items) == "table" and (s.items[1] ~= nil and s.items or { s.items }) or {}
      else
        subs = { type(s.properties) == "table" and s.properties[key] or nil }
      end
      for _, sub in ipairs(subs) do nxt[#nxt + 1] = { s = sub, doc = d } end
    end)
    path[#path + 1] = key == "[]" and "[]" or "." .. key
    if #nxt == 0 then error("the schema has nothing at " .. table.concat(path) .. ": update this spec", 0) end
    nodes = nxt
  end
  return nodes
end

-- The property names the nodes know (a set).
local function known_names(nodes)
  local out = {}
  each_branch(nodes, function(s)
    for k in pairs(type(s.properties) == "table" and s.properties or {}) do out[k] = true end
    for _, k in ipairs(type(s.required) == "table" and s.required or {}) do out[k] = true end
  end)
  return out
end

-- The string values the nodes allow (a list).
local function enum_values(nodes)
  local out = {}
  each_branch(nodes, function(s)
    for _, v in ipairs(type(s.enum) == "table" and s.enum or {}) do out[#out + 1] = v end
    if s.const ~= nil then out[#out + 1] = s.const end
  end)
  return out
end

------------------------------------------------------------------ README

local function readme_code()
  local f = assert(io.open(ROOT .. "/README.md"))
  local text = f:read("*a")
  f:close()
  local code, prose = {}, {}
  local fenced = false
  for line in (text .. "\n"):gmatch("(.-)\n") do
    if line:match("^```") then
      fenced = not fenced
    elseif fenced then
      code[#code + 1] = line
    else
      prose[#prose + 1] = line
    end
  end
  for span in table.concat(prose, "\n"):gmatch("`([^`]+)`") do code[#code + 1] = span end
  return table.concat(code, "\n"), text
end

-- The names in the first column of the README's openrouter.new option table.
local function readme_options(text)
  local section = text:match("### `openrouter%.new%(opts%)`.-\n(.-)\n###")
  assert(section, "README.md: no '### `openrouter.new(opts)`' section")
  local names = {}
  for first in section:gmatch("\n| ([^|]+)|") do
    for name in first:gmatch("`([%a_]+)`") do names[name] = true end
  end
  return names
end

-- The kinds in the first column of the README's error table.
local function readme_error_kinds(text)
  local section = text:match("\n### Errors\n(.-)\n###")
  assert(section, "README.md: no '### Errors' section")
  local kinds = {}
  for kind in section:gmatch("\n| `([%a_]+)` |") do kinds[kind] = true end
  return kinds
end

-- Is `name` in the README's code (inline spans and fenced blocks): as a
-- member (`x.name`, `x:name(`, `).name`) for a function, as a word else.
local function in_code(code, name, member)
  local pat = member and ("[%w_%)%]\"][.:]" .. name .. "%f[^%w_]") or ("%f[%w_]" .. name .. "%f[^%w_]")
  return code:find(pat) ~= nil
end

------------------------------------------------------------------- specs

describe("types/ (LuaLS definitions)", function()
  local files = type_files()
  local m = parse(files)

  it("has definition files, each loadable by this Lua", function()
    assert.is_true(#files >= 1, "no types/*.lua")
    for _, path in ipairs(files) do
      local chunk, err = loadfile(path)
      assert(chunk, err)
    end
  end)

  it("reads cleanly: every function described, every parameter annotated", function()
    report(m.problems)
  end)

  it("names only declared types", function()
    local out = {}
    for _, r in ipairs(m.refs) do
      if not m.classes[r.name] and not m.aliases[r.name] then
        out[#out + 1] = r.at .. ": " .. r.name .. " is declared nowhere in types/"
      end
    end
    for name, c in pairs(m.classes) do
      for _, p in ipairs(c.parents) do
        if not m.classes[p] then out[#out + 1] = c.at .. ": " .. name .. "'s parent " .. p .. " is not a class" end
      end
    end
    report(out)
  end)

  describe("against the code", function()
    local openrouter = require("openrouter")
    local srv, client

    setup(function()
      srv = mock.start()
      client = openrouter.new{ base_url = srv.url, api_key = "sk-or-types", max_retries = 0 }
    end)
    teardown(function()
      if client then client:close() end
      if srv then srv.stop() end
    end)

    local function req(text, extra)
      local r = { model = "mock/echo", messages = { { role = "user", content = text or "hello types" } } }
      for k, v in pairs(extra or {}) do r[k] = v end
      return r
    end

    it("declares every public name of the openrouter module and its submodules", function()
      local lazy = lazy_names(openrouter)
      assert.is_true(#lazy > 0)
      for _, name in ipairs(lazy) do assert.is_not_nil(openrouter[name], name) end
      local out = {}
      check_surface(m, "openrouter", openrouter, out)
      for _, sub in ipairs(submodules(m, openrouter, out)) do check_surface(m, sub.class, sub.value, out) end
      check_surface(m, "openrouter.structured", require("openrouter.structured"), out, INTERNAL.structured)
      check_surface(m, "openrouter.json", require("openrouter.json"), out)
      report(out)
    end)

    it("declares every method and field of a client, a stream, a handle, a task", function()
      local out = {}
      check_surface(m, "openrouter.Client", client, out)
      local s = assert(client:stream(req()))
      local chunks = 0
      for _ in s do chunks = chunks + 1 end
      assert.is_true(chunks > 0)
      assert.is_string(s.request_id)
      check_surface(m, "openrouter.Stream", s, out)
      local h = assert(client:stream(req(), { on_done = function() end }))
      assert.are.equal("done", h:status())
      check_surface(m, "openrouter.Handle", h, out)
      local hc = assert(client:chat(req(), { on_done = function() end }))
      assert.are.equal("done", hc:status())
      check_surface(m, "openrouter.Handle", hc, out)
      local t = openrouter.async(function() return 1 end)
      assert.are.equal("done", t:status())
      check_surface(m, "openrouter.Task", t, out, INTERNAL.Task)
      report(out)
    end)

    it("declares every field of the error objects met", function()
      local list = {}
      local function add(e) assert(openrouter.errors.is(e), tostring(e)) list[#list + 1] = e end
      add(select(2, client:chat{ model = "nope", messages = {} }))                        -- validation
      add(select(2, client:chat(req(), { headers = { ["X-Mock-Fault"] = "status=503" } })))  -- http
      local s = assert(client:stream(req(), { headers = { ["X-Mock-Fault"] = "midstream_error" } }))
      add(select(2, s:result()))                                                             -- api
      s = assert(client:stream(req(), { headers = { ["X-Mock-Fault"] = "no_done" } }))
      add(select(2, s:result()))                                                             -- protocol
      s = assert(client:stream(req()))
      s:cancel()
      add(select(2, s:result()))                                                             -- cancelled
      add(select(2, client:chat(req(), { headers = { ["X-Mock-Fault"] = "stall_ms=3000" },
                                          timeout = { idle = 0.2 } })))                     -- timeout
      add(select(2, openrouter.image(ROOT .. "/spec/fixtures/no-such-file.png")))          -- parts
      local down = openrouter.new{ base_url = "http://127.0.0.1:1/api/v1", max_retries = 0 }
      add(select(2, down:chat(req())))                                                       -- network
      down:close()
      local kinds = {}
      local out = {}
      for _, e in ipairs(list) do
        kinds[#kinds + 1] = e.kind
        check_surface(m, "openrouter.Error", e, out)
      end
      assert.are.same({ "validation", "http", "api", "protocol", "cancelled", "timeout", "validation", "network" },
        kinds)
      report(out)
    end)

    it("declares every method and field of tools, tool runs and conversations", function()
      local out = {}
      local calls = 0
      local tool = openrouter.tool{
        name = "lookup", description = "look a word up",
        parameters = { type = "object", properties = { word = { type = "string" } } },
        run = function() calls = calls + 1 return { found = true } end,
      }
      check_surface(m, "openrouter.Tool", tool, out)
      local ts = assert(client:stream({ model = "mock/tools", messages = { { role = "user", content = "call it" } },
                                        tools = { tool } }))
      local res = assert(ts:result())
      assert.is_true(calls > 0)
      check_surface(m, "openrouter.ToolStream", ts, out)
      check_shape(m, "openrouter.ChatResponse", res, "a tool run's result", out)
      for _, step in ipairs(res.steps) do
        check_shape(m, "openrouter.ToolStep", step, "a tool run's step", out)
        for _, rec in ipairs(step.tool_calls) do
          check_shape(m, "openrouter.ToolCallRecord", rec, "a tool call record", out)
        end
      end
      local conv = client:conversation{ model = "mock/echo", system = "Be brief." }
      check_surface(m, "openrouter.Conversation", conv, out)
      assert(conv:say("one"))
      local cs = assert(conv:stream("two"))
      assert(cs:result())
      check_surface(m, "openrouter.ConversationStream", cs, out)
      check_shape(m, "openrouter.ConversationUsage", conv.usage, "conv.usage", out)
      report(out)
    end)

    it("declares every method and field of the SSE parser and of a compiled validator", function()
      local out = {}
      local p = openrouter.sse.new()
      p:feed("id: 1\nretry: 10\n: keep-alive\ndata: x\n\n")
      assert.are.equal("1", p.last_event_id)
      check_surface(m, "openrouter.SseParser", p, out)
      check_surface(m, "openrouter.Validator", openrouter.schema.compile({ type = "object" }), out)
      report(out)
    end)

    it("declares the shapes of responses, chunks, usage and stream info", function()
      local out = {}
      local res = assert(client:chat(req("shapes", { reasoning = { effort = "low" } })))
      check_shape(m, "openrouter.ChatResponse", res, "a chat response", out)
      check_shape(m, "openrouter.ChatChoice", res.choices[1], "choices[1]", out)
      check_shape(m, "openrouter.ResponseMessage", res.choices[1].message, "choices[1].message", out)
      check_shape(m, "openrouter.Usage", res.usage, "usage", out)
      check_shape(m, "openrouter.PromptTokensDetails", res.usage.prompt_tokens_details, "usage", out)
      check_shape(m, "openrouter.CompletionTokensDetails", res.usage.completion_tokens_details, "usage", out)
      for _, d in ipairs(res.choices[1].message.reasoning_details or {}) do
        check_shape(m, "openrouter.ReasoningDetail", d, "reasoning_details", out)
      end
      local s = assert(client:stream(req("shapes", { reasoning = { effort = "low" } })))
      local n = 0
      for chunk in s do
        n = n + 1
        check_shape(m, "openrouter.StreamChunk", chunk, "a stream chunk", out)
        for _, ch in ipairs(chunk.choices or {}) do
          check_shape(m, "openrouter.StreamChoice", ch, "a chunk's choice", out)
          check_shape(m, "openrouter.Delta", ch.delta, "a delta", out)
          for _, d in ipairs(type(ch.delta) == "table" and ch.delta.reasoning_details or {}) do
            check_shape(m, "openrouter.ReasoningDetail", d, "a delta's reasoning_details", out)
          end
        end
      end
      assert.is_true(n > 0)
      local final = assert(s:result())
      assert.is_string(final.choices[1].message.reasoning)
      check_shape(m, "openrouter.ChatResponse", final, "stream:result()", out)
      check_shape(m, "openrouter.ChatChoice", final.choices[1], "stream:result().choices[1]", out)
      check_shape(m, "openrouter.ResponseMessage", final.choices[1].message, "stream:result() message", out)
      check_shape(m, "openrouter.StreamInfo", s:info(), "stream:info()", out)
      local tool_s = assert(client:stream({ model = "mock/tools", messages = { { role = "user", content = "call" } },
        tools = { { type = "function", ["function"] = { name = "f", parameters = { type = "object" } } } } }))
      for chunk in tool_s do
        for _, ch in ipairs(chunk.choices or {}) do
          for _, tc in ipairs(type(ch.delta) == "table" and ch.delta.tool_calls or {}) do
            check_shape(m, "openrouter.StreamToolCall", tc, "a tool call delta", out)
          end
        end
      end
      local msg = assert(tool_s:result()).choices[1].message
      assert.is_true(#msg.tool_calls > 0)
      for _, tc in ipairs(msg.tool_calls) do check_shape(m, "openrouter.ToolCall", tc, "message.tool_calls", out) end
      report(out)
    end)

    it("declares the shapes of the other endpoints' answers", function()
      local out = {}
      local models = assert(client:models())
      check_shape(m, "openrouter.ModelList", models, "GET /models", out)
      for i, model in ipairs(models.data) do
        check_shape(m, "openrouter.Model", model, "GET /models data[" .. i .. "]", out)
        check_shape(m, "openrouter.ModelArchitecture", model.architecture, "architecture", out)
        check_shape(m, "openrouter.ModelPricing", model.pricing, "pricing", out)
        check_shape(m, "openrouter.TopProvider", model.top_provider, "top_provider", out)
      end
      local res = assert(client:chat(req()))
      local gen = assert(client:generation(res.id))
      check_shape(m, "openrouter.Generation", gen, "GET /generation", out)
      check_shape(m, "openrouter.GenerationData", gen.data, "GET /generation data", out)
      local key = assert(client:key())
      check_shape(m, "openrouter.KeyInfo", key, "GET /key", out)
      check_shape(m, "openrouter.KeyData", key.data, "GET /key data", out)
      local credits = assert(client:credits())
      check_shape(m, "openrouter.Credits", credits, "GET /credits", out)
      check_shape(m, "openrouter.CreditsData", credits.data, "GET /credits data", out)
      report(out)
    end)

    it("names every public function and field in README.md's code", function()
      local code = readme_code()
      for _, name in ipairs(lazy_names(openrouter)) do local _ = openrouter[name] end
      local out = {}
      local checked = {}
      local function each(cls, value, internal)
        for name, v in pairs(members(value)) do
          if not (internal and internal[name]) and not checked[cls .. "." .. name] then
            checked[cls .. "." .. name] = true
            local fn = type(v) == "function"
            if not in_code(code, name, fn) then
              out[#out + 1] = ("%s.%s: not in README.md's code (%s)"):format(cls, name,
                fn and "write it as `x." .. name .. "(...)` or `x:" .. name .. "(...)`" or "backticked")
            end
          end
        end
      end
      -- the module, its submodules, and a real object of every class
      each("openrouter", openrouter)
      for _, sub in ipairs(submodules(m, openrouter, out)) do each(sub.class, sub.value) end
      each("openrouter.structured", require("openrouter.structured"), INTERNAL.structured)
      each("openrouter.json", require("openrouter.json"))
      each("openrouter.Client", client)
      local s = assert(client:stream(req()))
      assert(s:result())
      each("openrouter.Stream", s)
      each("openrouter.ToolStream", require("openrouter.tool").ToolStream)
      each("openrouter.Handle", require("openrouter.callbacks").Handle)
      each("openrouter.Conversation", require("openrouter.conversation").Conversation)
      each("openrouter.SseParser", openrouter.sse.new())
      each("openrouter.Validator", openrouter.schema.compile(true))
      each("openrouter.Task", openrouter.async(function() end), INTERNAL.Task)
      local cs = assert(client:conversation{ model = "mock/echo" }:stream("x"))
      each("openrouter.ConversationStream", cs)
      cs:cancel()
      each("openrouter.Tool", openrouter.tool{ name = "t", run = function() end })
      for name, f in pairs(collect(m, "openrouter.Error", "fields")) do
        if not in_code(code, name) then
          out[#out + 1] = "openrouter.Error." .. name .. ": not in README.md's code (" .. f.at .. ")"
        end
      end
      report(out)
    end)

    it("declares every option of a call (as conversations route them)", function()
      local Conversation = require("openrouter.conversation").Conversation
      local call
      for i = 1, 255 do
        local name, up = debug.getupvalue(Conversation._turn, i)
        if name == nil then break end
        if name == "CALL" then call = up end
      end
      assert(type(call) == "table", "conversation.lua's Conversation:_turn has no CALL upvalue: update this spec")
      report({ set_diff(call, "conversation.lua's CALL", collect(m, "openrouter.CallOptions", "fields"),
        "openrouter.CallOptions") })
    end)

    it("declares every hook of the loop-adapter protocol", function()
      report({ set_diff(set_of(require("openrouter.loop").HOOKS), "openrouter.loop.HOOKS",
        collect(m, "openrouter.LoopAdapter", "fields"), "openrouter.LoopAdapter") })
    end)
  end)

  describe("against the request schemas", function()
    local chat = require("openrouter.schemas.chat_request")
    local provider = require("openrouter.schemas.provider")

    local function enum(list)
      local s = {}
      for _, v in ipairs(list) do if type(v) == "string" then s[v] = true end end
      return s
    end

    local function alias(name)
      local a = m.aliases[name]
      assert(a, name .. " is not declared")
      return set_of(a.literals)
    end

    -- The fields of class `cls` against the names the schema knows at
    -- `where`: exactly (`exact`), or at least those (a class may document
    -- more than a schema that leaves its object open).
    local function fields_of(known, where, cls, exact)
      if next(known) == nil then return where .. ": the schema names no property (update this spec)" end
      local fields = collect(m, cls, "fields")
      if exact then
        local d = set_diff(known, where, fields, cls)
        return d and (cls .. ": " .. d)
      end
      local missing = {}
      for _, k in ipairs(sorted_keys(known)) do if not fields[k] then missing[#missing + 1] = k end end
      if #missing > 0 then return cls .. " has no ---@field " .. table.concat(missing, ", ") .. " (" .. where .. ")" end
    end

    it("declares every field the request schema knows", function()
      report({
        fields_of(known_names(at(chat)), "the request schema", "openrouter.ChatRequest", true),
        fields_of(known_names(at(chat, "messages", "[]")), "every message variant", "openrouter.Message", true),
        fields_of(known_names(at(chat, "reasoning")), "the request's reasoning", "openrouter.ReasoningConfig"),
        fields_of(known_names(at(chat, "response_format")), "every response_format variant",
          "openrouter.ResponseFormat", true),
      })
    end)

    it("declares exactly the provider preferences the schema allows", function()
      report({
        fields_of(known_names(at(provider)), "the provider schema", "openrouter.ProviderPreferences", true),
        fields_of(known_names(at(chat, "provider")), "the request's provider", "openrouter.ProviderPreferences", true),
      })
    end)

    -- The literals of alias `name` against the strings of `list` (from `where`).
    local function same(list, where, name)
      if #list == 0 then return name .. ": " .. where .. " has no enum (update this spec)" end
      local d = set_diff(enum(list), where, alias(name), name)
      return d and (name .. ": " .. d)
    end

    it("keeps every enum equal to the schema's", function()
      local parts = require("openrouter.parts")
      -- the content parts of every message variant
      local function c(...) return enum_values(at(chat, "messages", "[]", "content", "[]", ...)) end
      report({
        same(enum_values(at(chat, "messages", "[]", "role")), "the message variants' roles", "openrouter.Role"),
        same(c("type"), "the content part variants' types", "openrouter.ContentPartType"),
        same(c("image_url", "detail"), "the image part's detail", "openrouter.ImageDetail"),
        same(enum_values(at(chat, "reasoning", "effort")), "reasoning.effort", "openrouter.ReasoningEffort"),
        same(enum_values(at(chat, "reasoning_effort")), "reasoning_effort", "openrouter.ReasoningEffort"),
        same(enum_values(at(chat, "reasoning", "summary")), "reasoning.summary", "openrouter.ReasoningSummary"),
        same(enum_values(at(chat, "response_format", "type")), "the response_format variants' types",
          "openrouter.ResponseFormatType"),
        same(enum_values(at(chat, "tool_choice")), "tool_choice's strings", "openrouter.ToolChoiceMode"),
        same(enum_values(at(chat, "modalities", "[]")), "modalities", "openrouter.Modality"),
        same(enum_values(at(chat, "service_tier")), "service_tier", "openrouter.ServiceTier"),
        same(enum_values(at(provider, "quantizations", "[]")), "provider.quantizations", "openrouter.Quantization"),
        same(enum_values(at(provider, "sort")), "provider.sort's strings", "openrouter.ProviderSort"),
        same(enum_values(at(provider, "sort", "by")), "provider.sort.by", "openrouter.ProviderSort"),
        same(enum_values(at(provider, "sort", "partition")), "provider.sort.partition", "openrouter.SortPartition"),
        same(enum_values(at(provider, "data_collection")), "provider.data_collection", "openrouter.DataCollection"),
        same(parts.DETAILS, "openrouter.parts.DETAILS", "openrouter.ImageDetail"),
        same(parts.AUDIO_FORMATS, "openrouter.parts.AUDIO_FORMATS", "openrouter.AudioFormat"),
      })
    end)
  end)

  describe("against README.md", function()
    local _, text = readme_code()

    it("lists exactly the client options that types/ declares", function()
      report({ set_diff(readme_options(text), "README.md's openrouter.new table",
        collect(m, "openrouter.ClientOptions", "fields"), "openrouter.ClientOptions") })
    end)

    it("lists exactly the error kinds that types/ declares", function()
      local a = m.aliases["openrouter.ErrorKind"]
      assert(a, "openrouter.ErrorKind is not declared")
      report({ set_diff(readme_error_kinds(text), "README.md's error table", set_of(a.literals),
        "openrouter.ErrorKind") })
    end)
  end)
end)
