-- The generated request schemas (lua/openrouter/schemas/): they are exactly
-- what tools/gen-schemas.lua makes of the kept part of OpenRouter's OpenAPI
-- document; the document's own examples pass them; random bodies generated
-- from the document itself (spec/support/openapi_gen.lua, which shares no
-- code with the translation) pass them; and what the document rejects, they
-- reject, with a readable path and message.
package.path = "tools/?.lua;" .. package.path
local cjson = require("cjson")
local json = require("schemas.json")
local translate = require("schemas.translate")
local openapi_gen = require("support.openapi_gen")
local schema = require("openrouter.schema")
local validate = require("openrouter.validate")
local null = cjson.null

local SUBSET = "tools/schemas/openapi-subset.json"
local FULL = "../shared/reference/openrouter-openapi.json"
local DASH = "\226\128\148"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function lua_binary()
  local v = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
  return v == "jit" and "luajit" or "lua" .. v
end

local MODULES = { "model_variants" }
for _, t in ipairs(translate.TARGETS) do MODULES[#MODULES + 1] = t.module end

-- { [path] = first message } of a failed validation.
local function errors_of(ok, errors)
  assert.is_false(ok, "expected the value to be rejected")
  local byp = {}
  for _, e in ipairs(errors) do byp[e.path] = byp[e.path] or e.message end
  return byp
end

local function chat(extra)
  local r = { model = "openai/gpt-4o", messages = { { role = "user", content = "hi" } } }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

local function accepts(req)
  local ok, errs = validate.validate_request(req)
  if not ok then
    local lines = {}
    for _, e in ipairs(errs) do lines[#lines + 1] = e.path .. ": " .. e.message end
    error("rejected: " .. table.concat(lines, "; "), 2)
  end
end

local function rejects(req) return errors_of(validate.validate_request(req)) end

describe("generated schemas", function()
  it("are what `make schemas` writes: regenerated into a temp dir, byte for byte", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. dir) == true or true)
    local p = io.popen(("%s tools/gen-schemas.lua --out %s 2>&1; echo \"exit=$?\""):format(lua_binary(), dir))
    local out = p:read("*a")
    p:close()
    local ok, err = pcall(function()
      assert.truthy(out:find("exit=0", 1, true), out)
      for _, m in ipairs(MODULES) do
        local fresh = read(dir .. "/" .. m .. ".lua")
        local committed = read("lua/openrouter/schemas/" .. m .. ".lua")
        assert.is_string(fresh, m)
        assert(fresh == committed, ("lua/openrouter/schemas/%s.lua differs from what the generator "
          .. "writes: run `make schemas` and commit the result"):format(m))
      end
    end)
    for _, m in ipairs(MODULES) do os.remove(dir .. "/" .. m .. ".lua") end
    os.remove(dir)
    assert(ok, err)
  end)

  it("record the document's commit in every file", function()
    local x = json.decode(read(SUBSET))["x-extracted"]
    assert.are.equal("OpenRouterTeam/docs", x.repository)
    for _, m in ipairs(MODULES) do
      local text = read("lua/openrouter/schemas/" .. m .. ".lua")
      assert.truthy(text:find("at commit " .. x.commit .. " (" .. x.date .. ")", 1, true), m)
    end
    for _, t in ipairs(translate.TARGETS) do
      local s = require("openrouter.schemas." .. t.module)
      assert.are.equal(t.id, s["$id"])
      assert.truthy(s["$comment"]:find("commit " .. x.commit, 1, true), t.module)
    end
  end)

  it("keep the document's schemas unchanged in the extracted part", function()
    local full_text = read(FULL)
    if not full_text then
      pending("the full document (" .. FULL .. ") is not here")
      return
    end
    local full, subset = json.decode(full_text), json.decode(read(SUBSET))
    local n = 0
    for name, s in pairs(subset.components.schemas) do
      assert.are.same(full.components.schemas[name], s, name)
      n = n + 1
    end
    for path, item in pairs(subset.paths) do
      assert.are.same(full.paths[path].post.requestBody, item.post.requestBody, path)
    end
    -- and extracting again gives the same file
    local again = translate.extract(full, subset["x-extracted"])
    assert.are.equal(read(SUBSET), json.encode(again))
    assert.is_true(n > 100)
  end)

  it("compile, and validate an empty object's required fields", function()
    for _, t in ipairs(translate.TARGETS) do
      local s = require("openrouter.schemas." .. t.module)
      assert.is_table(s, t.module)
    end
    local e = errors_of(validate.validate_embeddings({}))
    assert.are.equal("missing required field 'input'", e.input)
    assert.are.equal("missing required field 'model'", e.model)
    assert.is_true(validate.validate_responses({}))
    assert.is_true(validate.validate_provider({}))
  end)
end)

describe("the translation rules, one by one", function()
  local DOC = [[{
    "x-extracted": { "repository": "r", "path": "p", "commit": "abc1234", "date": "2026-01-01" },
    "components": { "schemas": {
      "Req": { "type": "object", "additionalProperties": false, "required": ["kind"],
        "example": { "kind": "k1" },
        "properties": {
          "kind": { "$ref": "#/components/schemas/Kind", "description": "a sibling that is no assertion" },
          "size": { "$ref": "#/components/schemas/Size", "maximum": 10 },
          "pair": { "type": "array", "prefixItems": [ { "type": "string" }, { "type": "integer" } ],
                    "items": false },
          "old": { "type": "string", "nullable": true },
          "shape": { "oneOf": [ { "$ref": "#/components/schemas/Circle" },
                                { "$ref": "#/components/schemas/Square" } ],
                     "discriminator": { "propertyName": "type" } },
          "name": { "anyOf": [ { "$ref": "#/components/schemas/Kind" }, { "type": "string" } ] },
          "mode": { "anyOf": [ { "enum": ["x"], "type": "string" }, { "enum": ["y"], "type": "string" },
                               { "type": "integer" } ] },
          "any": { "allOf": [ { "description": "nothing" } ], "x-vendor": 1, "format": "double" },
          "deps": { "type": "object", "dependentRequired": { "a": ["b"] } }
        } },
      "Kind": { "enum": ["k1", "k2"], "type": "string" },
      "Size": { "type": "integer", "minimum": 0 },
      "Circle": { "type": "object", "required": ["type", "r"],
        "properties": { "type": { "enum": ["circle"], "type": "string" }, "r": { "type": "number" } } },
      "Square": { "type": "object", "required": ["type", "side"],
        "properties": { "type": { "const": "square" }, "side": { "type": "number" } } }
    } }
  }]]
  local TARGETS = { { module = "req", id = "urn:test:req", root = "#/components/schemas/Req",
                      title = "Req", open = true } }

  local function generate(doc_text, overlay)
    return translate.generate(json.decode(doc_text), overlay or { edits = {} }, TARGETS)
  end
  local out = generate(DOC)
  local s = out.schemas.req
  local v = schema.compile(s)
  local function ok(x) return (v:validate(x)) end
  local function err(x)
    local good, errs = v:validate(x)
    assert.is_false(good)
    return errs[1].path .. ": " .. errs[1].message
  end

  it("keeps the request's top level open, whatever the document says", function()
    assert.is_nil(s.additionalProperties)
    assert.is_true(ok({ kind = "k1", anything = { 1 } }))
  end)

  it("drops annotations and OpenAPI-only keywords, keeps assertions", function()
    local text = out.files.req
    for _, k in ipairs({ "description", "example", "discriminator", "x%-vendor", "format", "nullable" }) do
      assert.is_nil(text:find(k, 1), k .. " left in the output")
    end
    assert.are.equal(true, s.properties.any)
    assert.are.same({ ["$ref"] = "#/definitions/Kind" }, s.properties.kind)
    assert.are.equal('kind: expected one of "k1", "k2", got "zzzz"', err({ kind = "zzzz" }))
  end)

  it("applies a $ref's assertion siblings (OpenAPI 3.1), not only the $ref", function()
    assert.are.equal("size: expected a number <= 10, got 11", err({ kind = "k1", size = 11 }))
    assert.are.equal("size: expected a number >= 0, got -1", err({ kind = "k1", size = -1 }))
  end)

  it("maps prefixItems, nullable and dependentRequired to draft 7", function()
    assert.is_true(ok({ kind = "k1", pair = { "a", 1 }, old = null, deps = { a = 1, b = 2 } }))
    assert.are.equal("pair[2]: expected integer, got string", err({ kind = "k1", pair = { "a", "b" } }))
    assert.is_false(ok({ kind = "k1", pair = { "a", 1, 2 } }))
    assert.is_false(ok({ kind = "k1", deps = { a = 1 } }))
  end)

  it("turns a discriminated union into a dispatch that names the branch", function()
    assert.is_true(ok({ kind = "k1", shape = { type = "circle", r = 1 } }))
    assert.is_true(ok({ kind = "k1", shape = { type = "square", side = 1 } }))
    assert.are.equal("shape.r: missing required field 'r'", err({ kind = "k1", shape = { type = "circle", side = 1 } }))
    assert.are.equal('shape.type: expected one of "circle", "square", got "circel" ' .. DASH ..
      ' did you mean "circle"?', err({ kind = "k1", shape = { type = "circel" } }))
    assert.are.same({ "circle", "square" }, s.properties.shape.properties.type.enum)
  end)

  it("merges string enums in an anyOf and lets {type: T} absorb T-only branches", function()
    assert.are.same({ type = "string" }, s.properties.name)
    assert.are.same({ "x", "y" }, s.properties.mode.anyOf[1].enum)
    assert.are.equal(2, #s.properties.mode.anyOf)
    assert.is_true(ok({ kind = "k1", name = "anything", mode = 3 }))
    assert.are.equal('mode: expected one of "x", "y", got "zzzz"', err({ kind = "k1", mode = "zzzz" }))
  end)

  it("maps every document pointer, examples included, to the output", function()
    local p = out.pointers.req
    assert.are.equal("#", p["#/components/schemas/Req"])
    assert.are.equal("#/properties/shape/then", p["#/components/schemas/Req/properties/shape/oneOf/0"])
    assert.are.equal("#/properties/shape/else/then", p["#/components/schemas/Req/properties/shape/oneOf/1"])
    assert.are.equal("#/definitions/Circle", p["#/components/schemas/Circle"])
    -- Kind, absorbed into `name`'s string, is still reached through `kind`
    assert.are.equal("#/definitions/Kind", p["#/components/schemas/Kind"])
  end)

  it("stops at a keyword it does not know, or an overlay edit that misses", function()
    local bad = DOC:gsub('"deps": {', '"deps": { "unevaluatedProperties": false,')
    assert.has_error(function() generate(bad) end,
      "gen-schemas: #/components/schemas/Req/properties/deps: unsupported keyword 'unevaluatedProperties'")
    assert.has_error(function()
      generate(DOC, { edits = { { at = "#/components/schemas/Nope", add = { minimum = 0 } } } })
    end, "overlay: #/components/schemas/Nope is in no generated schema")
    assert.has_error(function()
      generate(DOC, { edits = { { at = "#/components/schemas/Size", add = { minimum = 5 } } } })
    end, "gen-schemas: #/components/schemas/Size: the overlay would replace 'minimum' the document sets")
  end)

  it("applies overlay edits beside a $ref without losing either", function()
    local o = generate(DOC, { edits = {
      { at = "#/components/schemas/Req/properties/kind", add = { maxLength = 2 } },
      { at = "#/components/schemas/Req/properties/old", also_types = { "number" } },
      { at = "#/components/schemas/Req", either = { "kind", "name" } },
    } })
    local w = schema.compile(o.schemas.req)
    assert.is_true((w:validate({ kind = "k1", old = 5 })))
    assert.is_true((w:validate({ name = "n" })))
    assert.is_false((w:validate({ old = 5 })))
    local messages = {}
    for _, e in ipairs(select(2, w:validate({ kind = "kkkk" }))) do messages[#messages + 1] = e.message end
    table.sort(messages)
    assert.are.same({ 'expected at most 2 characters, got 4', 'expected one of "k1", "k2", got "kkkk"' },
      messages)
  end)
end)

describe("the document's examples", function()
  local subset = json.decode(read(SUBSET))
  local generated = translate.generate(subset, dofile("tools/schemas/overlay.lua"))
  local docs = {}
  for _, t in ipairs(translate.TARGETS) do
    local s = require("openrouter.schemas." .. t.module)
    docs[s["$id"]] = s
  end
  -- One validator for every place an example sits: { at = i, value = x }
  -- checks x against the i-th place (compiling a schema per place would
  -- compile the documents hundreds of times).
  local places, place_of = {}, {}
  local hub
  local function place(uri)
    if not place_of[uri] then
      places[#places + 1] = uri
      place_of[uri] = #places
    end
    return place_of[uri]
  end
  local function check(uri, value)
    if not hub then
      local all = {}
      for i, u in ipairs(places) do
        all[i] = { ["if"] = { properties = { at = { const = i } } },
                   ["then"] = { properties = { value = { ["$ref"] = u } } } }
      end
      hub = schema.compile({ type = "object", required = { "at", "value" }, allOf = all },
        { documents = docs })
    end
    return hub:validate({ at = place_of[uri], value = value })
  end

  -- every schema node with example(s), in document order of pointers
  local found = {}
  local function examples_of(node)
    local list = {}
    if node.example ~= nil then list[#list + 1] = node.example end
    if type(node.examples) == "table" then
      if json.is_array(node.examples) then
        for _, x in ipairs(node.examples) do list[#list + 1] = x end
      else
        for _, name in ipairs(json.keys(node.examples)) do
          local x = node.examples[name]
          list[#list + 1] = json.is_object(x) and x.value ~= nil and x.value or x
        end
      end
    end
    return list
  end
  local function walk(node, ptr)
    if not json.is_object(node) then return end
    for _, x in ipairs(examples_of(node)) do found[#found + 1] = { ptr = ptr, value = x } end
    for _, k in ipairs({ "items", "additionalProperties", "not", "if", "then", "else" }) do
      walk(node[k], ptr .. "/" .. k)
    end
    for _, k in ipairs({ "allOf", "anyOf", "oneOf", "prefixItems" }) do
      for i, m in ipairs(node[k] or {}) do walk(m, ptr .. "/" .. k .. "/" .. (i - 1)) end
    end
    if json.is_object(node.properties) then
      for _, name in ipairs(json.keys(node.properties)) do
        walk(node.properties[name], ptr .. "/properties/" .. translate.escape(name))
      end
    end
  end
  for _, name in ipairs(json.keys(subset.components.schemas)) do
    walk(subset.components.schemas[name], "#/components/schemas/" .. translate.escape(name))
  end
  local endpoint_of = {}
  for _, t in ipairs(translate.TARGETS) do
    if t.endpoint then endpoint_of[t.endpoint] = t end
  end
  for _, path in ipairs(json.keys(subset.paths)) do
    local ct = "application/json"
    local media = subset.paths[path].post.requestBody.content[ct]
    local base = "#/paths/" .. translate.escape(path) .. "/post/requestBody/content/" .. translate.escape(ct)
    walk(media.schema, base .. "/schema")
    for _, x in ipairs(examples_of(media)) do
      found[#found + 1] = { ptr = endpoint_of[path].root, value = x, media = path }
    end
  end

  it("are found (" .. #found .. " of them)", function()
    assert.is_true(#found > 300, "only " .. #found .. " examples found")
  end)

  it("each validate against the generated schema at the same place", function()
    local checked, failures = 0, {}
    for _, ex in ipairs(found) do
      for _, t in ipairs(translate.TARGETS) do
        local out = generated.pointers[t.module][ex.ptr]
        if out then ex.uri = t.id .. out; place(ex.uri); break end
      end
    end
    for _, ex in ipairs(found) do
      if not ex.uri then
        failures[#failures + 1] = ex.ptr .. ": in no generated schema"
      else
        local ok, errs = check(ex.uri, ex.value)
        checked = checked + 1
        if not ok then
          failures[#failures + 1] = ("%s (%s): %s: %s"):format(ex.ptr, ex.uri, errs[1].path, errs[1].message)
        end
      end
    end
    print(("\n  the document's examples: %d checked, %d failed"):format(checked, #failures))
    assert(#failures == 0, table.concat(failures, "\n"))
  end)
end)

describe("random bodies generated from the document", function()
  local doc = cjson.decode(read(SUBSET))
  local overlay = dofile("tools/schemas/overlay.lua")
  -- the ranges the docs state bound valid values too
  local function at(ptr)
    local v = doc
    for part in ptr:gsub("^#", ""):gmatch("/([^/]*)") do
      v = v[(part:gsub("~1", "/"):gsub("~0", "~"))]
    end
    return v
  end
  local constraints = {}
  for _, e in ipairs(overlay.edits) do
    if e.add then constraints[at(e.at)] = e.add end
  end

  local function share(name, root, check, n, seed)
    local gen = openapi_gen.new(doc, { seed = seed, constraints = constraints })
    local ok, first = 0, nil
    for _ = 1, n do
      local body = gen:value(root)
      local good, errs = check(body)
      if good then
        ok = ok + 1
      elseif not first then
        first = errs[1].path .. ": " .. errs[1].message .. "\n" .. cjson.encode(body)
      end
    end
    print(("\n  %s: %d of %d generated bodies accepted (%.1f %%)"):format(name, ok, n, 100 * ok / n))
    assert(ok == n, first)
  end

  it("chat completions: all accepted", function()
    share("chat_request", "#/components/schemas/ChatRequest", validate.validate_request, 1000, 1)
  end)
  it("provider preferences: all accepted", function()
    share("provider", "#/components/schemas/ProviderPreferences", validate.validate_provider, 500, 2)
  end)
  it("responses: all accepted", function()
    share("responses_request", "#/components/schemas/ResponsesRequest", validate.validate_responses, 300, 3)
  end)
  it("embeddings: all accepted", function()
    share("embeddings_request", translate.TARGETS[4].root, validate.validate_embeddings, 500, 4)
  end)

  it("the generator is no pushover: bodies break a stricter schema", function()
    -- the same generator against a chat schema that forbids one field it
    -- produces: some bodies must fail, or the shares above mean nothing
    local strict = require("openrouter.schemas.chat_request")
    local provider = require("openrouter.schemas.provider")
    local v = schema.compile({ allOf = { strict, { properties = { reasoning = false } } } },
      { documents = { [provider["$id"]] = provider } })
    local gen = openapi_gen.new(doc, { seed = 5, constraints = constraints })
    local bad = 0
    for _ = 1, 200 do
      if not v:validate(gen:value("#/components/schemas/ChatRequest")) then bad = bad + 1 end
    end
    assert.is_true(bad > 20, bad .. " of 200")
  end)
end)

describe("what the API accepts passes", function()
  it("reasoning effort 'max' and null", function()
    accepts(chat({ reasoning = { effort = "max" } }))
    accepts(chat({ reasoning = { effort = null } }))
    accepts(chat({ reasoning = { effort = "high", max_tokens = 2000, exclude = true, enabled = true } }))
    accepts(chat({ reasoning_effort = "max" }))
  end)

  it("response formats grammar and python", function()
    accepts(chat({ response_format = { type = "grammar", grammar = "root ::= \"yes\" | \"no\"" } }))
    accepts(chat({ response_format = { type = "python" } }))
  end)

  it("a server tool as tool_choice", function()
    accepts(chat({ tool_choice = { type = "openrouter:web_search" } }))
  end)

  it("assistant turns without content or tool calls (reasoning-only, refusal)", function()
    accepts(chat({ messages = {
      { role = "user", content = "q" },
      { role = "assistant", content = null },
      { role = "assistant" },
      { role = "assistant", content = null, refusal = "I can't help with that." },
      { role = "assistant", reasoning = "thinking...", reasoning_details = {
        { type = "reasoning.text", text = "thinking...", format = "anthropic-claude-v1" },
      } },
      { role = "user", content = "again" },
    } }))
  end)

  it("the input_video content part", function()
    accepts(chat({ messages = { { role = "user", content = {
      { type = "input_video", video_url = { url = "https://example.com/v.mp4" } },
      { type = "video_url", video_url = { url = "https://example.com/v.mp4" } },
    } } } }))
  end)

  it("any model id: no vendor prefix, any :variant", function()
    for _, m in ipairs({ "gpt-4o", "anthropic/claude-3-opus:beta", "openai/gpt-4o:turbo",
                         "openrouter/auto", "x/y:free:online", "" }) do
      accepts(chat({ model = m }))
    end
    accepts(chat({ models = { "gpt-4o", "a/b:beta" } }))
    accepts(chat({ models = {} }))
  end)

  it("json_schema names with dots, function names with spaces", function()
    accepts(chat({ response_format = { type = "json_schema",
      json_schema = { name = "com.example.answer", schema = { type = "object" } } } }))
    accepts(chat({ tools = { { type = "function", ["function"] = { name = "get weather" } } } }))
  end)

  it("max_price as strings (any) and numbers", function()
    accepts(chat({ provider = { max_price = { prompt = "1e-6", completion = "2.50" } } }))
    accepts(chat({ provider = { max_price = { prompt = 1, completion = 0.5, request = 0,
                                              image = 0.01, audio = 3 } } }))
  end)

  it("a bare prompt instead of messages", function()
    accepts({ model = "openai/gpt-4o", prompt = "Once upon a time" })
  end)

  it("unknown top-level keys, untouched", function()
    local req = chat({ some_new_api_field = { 1, 2 }, transforms = { "middle-out" } })
    accepts(req)
    assert.are.same({ 1, 2 }, req.some_new_api_field)
  end)
end)

describe("what the document rejects is caught", function()
  it("enums: service_tier, modalities, cache_control.ttl, prompt_cache_options.mode", function()
    local e = rejects(chat({
      service_tier = "Priority",
      modalities = { "text", "video" },
      cache_control = { type = "ephemeral", ttl = "10m" },
      prompt_cache_options = { mode = "auto" },
    }))
    assert.are.equal('expected one of "auto", "default", "fast", "flex", "priority", "scale", null, '
      .. 'got "Priority" ' .. DASH .. ' did you mean "priority"?', e.service_tier)
    assert.are.equal('expected one of "text", "image", "audio", got "video"', e["modalities[2]"])
    assert.are.equal('expected one of "5m", "1h", got "10m"', e["cache_control.ttl"])
    assert.are.equal('expected "explicit", got "auto"', e["prompt_cache_options.mode"])
  end)

  it("plugin ids and tool types", function()
    local e = rejects(chat({
      plugins = { { id = "web" }, { id = "webb" } },
      tools = { { type = "openrouter:websearch" }, { type = "function" } },
    }))
    assert.matches('^expected one of "auto%-router", .*, got "webb" ' .. DASH .. ' did you mean "web"%?$',
      e["plugins[2].id"])
    assert.matches('got "openrouter:websearch" ' .. DASH .. ' did you mean "openrouter:web_search"%?$',
      e["tools[1].type"])
    assert.are.equal("missing required field 'function'", e["tools[2].function"])
  end)

  it("nested types: debug, trace, metadata values, image_config, prediction", function()
    local e = rejects(chat({
      debug = { echo_upstream_body = "yes" },
      trace = "abc",
      metadata = { user = 1 },
      image_config = { aspect_ratio = true },
      prediction = { type = "content" },
    }))
    assert.are.equal("expected boolean, got string", e["debug.echo_upstream_body"])
    assert.are.equal("expected object, got string", e.trace)
    assert.are.equal("expected string, got number", e["metadata.user"])
    assert.are.equal("expected string, number or array, got boolean", e["image_config.aspect_ratio"])
    assert.are.equal("missing required field 'content'", e["prediction.content"])
  end)

  it("stream is a boolean, never null", function()
    assert.are.equal("expected boolean, got null", rejects(chat({ stream = null })).stream)
  end)

  it("provider: closed, and experimental is gone", function()
    local e = rejects(chat({ provider = { experimental = {}, allowFallbacks = true } }))
    assert.are.equal("unknown field 'experimental' in provider", e["provider.experimental"])
    assert.are.equal("unknown field 'allowFallbacks' in provider " .. DASH ..
      " did you mean 'allow_fallbacks'?", e["provider.allowFallbacks"])
  end)

  it("messages: role, content parts, tool results", function()
    local e = rejects(chat({ messages = {
      { role = "usr", content = "x" },
      { role = "user", content = { { type = "image", url = "u" } } },
      { role = "tool", content = "42" },
      { role = "system" },
    } }))
    assert.are.equal('expected one of "system", "user", "developer", "assistant", "tool", got "usr" '
      .. DASH .. ' did you mean "user"?', e["messages[1].role"])
    assert.are.equal('expected one of "text", "image_url", "input_audio", "input_video", "video_url", '
      .. '"file", got "image"', e["messages[2].content[1].type"])
    assert.are.equal("missing required field 'tool_call_id'", e["messages[3].tool_call_id"])
    assert.are.equal("missing required field 'content'", e["messages[4].content"])
  end)

  it("the docs' parameter ranges (the overlay)", function()
    local e = rejects(chat({ temperature = 2.5, top_p = 1.5, top_k = -1, logit_bias = { ["50256"] = -101 },
                             top_logprobs = 21, max_tokens = 0 }))
    assert.are.equal("expected a number <= 2, got 2.5", e.temperature)
    assert.are.equal("expected a number <= 1, got 1.5", e.top_p)
    assert.are.equal("expected a number >= 0, got -1", e.top_k)
    assert.are.equal("expected a number >= -100, got -101", e["logit_bias[\"50256\"]"])
    assert.are.equal("expected a number <= 20, got 21", e.top_logprobs)
    assert.are.equal("expected a number >= 1, got 0", e.max_tokens)
  end)

  it("responses and embeddings requests too", function()
    local e = errors_of(validate.validate_responses({ input = 5, store = true,
      tools = { { type = "web_serch" } }, provider = { sort = "cheap" } }))
    assert.are.equal("expected string or array, got number", e.input)
    assert.are.equal("expected false, got true", e.store)
    assert.matches('did you mean "web_search"%?$', e["tools[1].type"])
    assert.matches('^expected one of "price", "throughput", "latency", "exacto", got "cheap"', e["provider.sort"])
    e = errors_of(validate.validate_embeddings({ model = "m", input = "", encoding_format = "int8" }))
    assert.are.equal('expected one of "float", "base64", got "int8"', e.encoding_format)
    assert.truthy(e.input)
  end)
end)
