-- The simulator speaks OpenRouter's spec: it validates requests with the
-- library's own validator (400 in the OpenAPI document's error shape where
-- the real API would), answers response_format json_schema with an instance
-- of the schema (json_object: an object), ends mock/tools' tool loop with
-- the results, serves /embeddings and /completions, and knows every model
-- id the README and the examples use.  Answers are checked against the
-- OpenAPI document's response schemas where it has them.
local openrouter = require("openrouter")
local validate = require("openrouter.validate")
local schema = require("openrouter.schema")
local instance = require("openrouter.mock.instance")
local mock_json = require("openrouter.mock.json")
local mock_server = require("support.mock_server")
local raw = require("support.raw_http")
local cjson = require("cjson")

local decode, null = cjson.decode, cjson.null

local OPENAPI = os.getenv("ORC_OPENAPI") or "../shared/reference/openrouter-openapi.json"
local SUITE = os.getenv("ORC_SCHEMA_SUITE") or "../shared/conformance/json-schema-test-suite/tests/draft7"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local doc
local function openapi()
  doc = doc or decode(read(OPENAPI))
  return doc
end

-- The OpenAPI document's schemas, for the engine: #/components/schemas refs
-- become #/definitions, OpenAPI-only keywords go.
local function openapi_validator(s)
  local d = openapi()
  local DROP = { example = true, discriminator = true, nullable = true, xml = true, externalDocs = true }
  local defs = {}
  local function convert(node)
    if type(node) ~= "table" then return node end
    local out = {}
    for k, v in pairs(node) do
      local dropped = type(k) == "string" and (DROP[k] or k:match("^x%-"))
      if dropped then
        out[k] = nil
      elseif k == "$ref" and type(v) == "string" and v:match("^#/components/schemas/") then
        local name = v:match("^#/components/schemas/(.+)$")
        out[k] = "#/definitions/" .. name
        if defs[name] == nil then
          defs[name] = true
          defs[name] = convert(d.components.schemas[name])
        end
      else
        out[k] = convert(v)
      end
    end
    return out
  end
  local root = convert(s)
  root.definitions = defs
  return schema.compile(root)
end

local function response_schema(path)
  return openapi_validator(openapi().paths[path].post.responses["200"].content["application/json"].schema)
end

local function conforms(v, value)
  local ok, errs = v:validate(value)
  assert(ok, errs and errs[1] and (errs[1].path .. ": " .. errs[1].message))
end

describe("the simulator speaks OpenRouter's spec", function()
  local srv, client

  setup(function()
    srv = mock_server.start()
    client = openrouter.new{ base_url = srv.url, api_key = "sk-or-fidelity", max_retries = 0 }
  end)
  teardown(function() srv.stop() end)

  local function post(path, body, headers)
    local h = { Authorization = "Bearer sk-or-fidelity" }
    for k, v in pairs(headers or {}) do h[k] = v end
    return raw.request(srv.url, { method = "POST", path = path, headers = h,
      body = type(body) == "string" and body or cjson.encode(body) })
  end
  local function chat(body, headers) return post("/chat/completions", body, headers) end
  local function user(model, text, extra)
    local b = { model = model, messages = { { role = "user", content = text } } }
    for k, v in pairs(extra or {}) do b[k] = v end
    return b
  end

  ------------------------------------------------------------ validation

  describe("request validation", function()
    local bad = {
      { temperature = 7 },
      { messages = { { role = "wizard", content = "x" } } },
      { provider = { sort = "cheapest" } },
      { provider = { allowFallbacks = false } },
      { model = 42 },
      { response_format = { type = "xml" } },
      { response_format = { type = "json_schema" } },
      { tools = { { type = "function" } } },
      { max_tokens = "many" },
      { messages = { { role = "tool", content = "x" } } },
    }

    it("answers 400 with the library's verdict: the same paths and messages", function()
      local bad_request = openapi_validator(openapi().components.schemas.BadRequestResponse)
      for _, change in ipairs(bad) do
        local req = user("mock/echo", "hi")
        for k, v in pairs(change) do req[k] = v end
        local ok, want = validate.validate_request(req)
        assert.is_false(ok)
        local r = chat(req)
        assert.are.equal(400, r.status, cjson.encode(change))
        local b = decode(r.body)
        conforms(bad_request, b)
        assert.are.equal(400, b.error.code)
        assert.are.equal(#want, #b.error.metadata.errors)
        for i, e in ipairs(want) do
          assert.are.equal(e.path, b.error.metadata.errors[i].path)
          assert.are.equal(e.message, b.error.metadata.errors[i].message)
        end
        assert.truthy(b.error.message:find(want[1].message, 1, true), b.error.message)
        -- the client reports it the same way when told not to check first
        local _, err = client:chat(req, { validate = false })
        assert.are.equal("http", err.kind)
        assert.are.equal(400, err.status)
        assert.are.equal(want[1].path, err.metadata.errors[1].path)
      end
    end)

    it("lets unknown top-level keys through, as the real API does", function()
      local r = chat(user("mock/echo", "hi", { some_future_field = { x = 1 }, another = "y" }))
      assert.are.equal(200, r.status)
      assert.are.equal("hi", decode(r.body).choices[1].message.content)
    end)

    it("still applies X-Mock-Fault before looking at the body", function()
      local r = chat(user("mock/echo", "hi", { temperature = 7 }), { ["X-Mock-Fault"] = "status=429" })
      assert.are.equal(429, r.status)
    end)

    it("validates /embeddings and /completions requests", function()
      for _, case in ipairs({
        { "/embeddings", { model = "mock/embed" }, "input" },
        { "/embeddings", { model = "mock/embed", input = "x", dimensions = 0 }, "dimensions" },
        { "/embeddings", { model = "mock/embed", input = "x", encoding_format = "hex" }, "encoding_format" },
        { "/embeddings", { input = "x" }, "model" },
        { "/embeddings", { model = "mock/embed", input = "x", provider = { sort = "cheapest" } }, "provider.sort" },
        { "/completions", { model = "mock/echo" }, "prompt" },
        { "/completions", { model = "mock/echo", prompt = { 1, "a" } }, "prompt" },
        { "/completions", { model = "mock/echo", prompt = "x", temperature = 9 }, "temperature" },
      }) do
        local r = post(case[1], case[2])
        assert.are.equal(400, r.status, case[1] .. " " .. cjson.encode(case[2]))
        local errs = decode(r.body).error.metadata.errors
        local found = false
        for _, e in ipairs(errs) do
          if e.path == case[3] or e.path:sub(1, #case[3] + 1) == case[3] .. "[" then found = true end
        end
        assert.is_true(found, case[3] .. " not in " .. r.body)
      end
    end)

    it("refuses to start without the library (says so, exits 1)", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute(("mkdir -p %s/mock && cp -r %s/mock/lua %s/mock/bin %s/mock/")
        :format(dir, mock_server.root, mock_server.root, dir)))
      local p = io.popen(("cd /tmp && env LUA_PATH=';;' LUA_CPATH=';;' %s/mock/bin/openrouter-mock --port 0"
        .. " 2>&1; echo \"exit $?\""):format(dir))
      local out = p:read("*a")
      p:close()
      os.execute("rm -rf " .. dir)
      assert.truthy(out:find("openrouter-mock: needs the openrouter library", 1, true), out)
      assert.truthy(out:find("exit 1\n", 1, true), out)
      assert.is_nil(out:find("listening", 1, true))
    end)
  end)

  ------------------------------------------------------------ structured outputs

  describe("response_format", function()
    local RECIPE = {
      type = "object", additionalProperties = false,
      required = { "title", "servings", "ingredients" },
      properties = {
        title = { type = "string" },
        servings = { type = "integer", minimum = 1 },
        ingredients = { type = "array", minItems = 1, items = {
          type = "object", additionalProperties = false, required = { "name", "grams" },
          properties = { name = { type = "string" }, grams = { type = "number", exclusiveMinimum = 0 } } } },
      },
    }
    -- what structured outputs send: strict objects, nullable members, enums,
    -- $defs and recursion, formats and patterns, numeric bounds
    local SCHEMAS = {
      RECIPE,
      { type = "object", properties = { city = { type = "string" }, unit = { enum = { "c", "f" } },
        days = { type = "integer", minimum = 1, maximum = 7 } }, required = { "city", "unit", "days" } },
      { type = "object", required = { "name", "nickname" }, additionalProperties = false,
        properties = { name = { type = "string", minLength = 3, maxLength = 5 },
          nickname = { anyOf = { { type = "string" }, { type = "null" } } } } },
      { ["$defs"] = { node = { type = "object", additionalProperties = false, required = { "value", "next" },
        properties = { value = { type = "integer" },
          next = { anyOf = { { ["$ref"] = "#/$defs/node" }, { type = "null" } } } } } },
        ["$ref"] = "#/$defs/node" },
      { definitions = { tag = { type = "string", pattern = "^[a-z]{2,8}$" } }, type = "object",
        required = { "tags", "id", "when", "email", "price" },
        properties = { tags = { type = "array", items = { ["$ref"] = "#/definitions/tag" }, uniqueItems = true,
          minItems = 3, maxItems = 5 }, id = { type = "string", pattern = "^[A-Z]{3}-\\d{4}$" },
          when = { type = "string", format = "date-time" }, email = { type = "string", format = "email" },
          price = { type = "number", multipleOf = 0.01, minimum = 9.99, maximum = 10.5 } } },
      { type = "object", required = { "answer" }, properties = { answer = { oneOf = {
        { type = "string", maxLength = 3 }, { type = "integer", exclusiveMaximum = 0 } } } } },
      { type = "array", items = { type = "object", required = { "k" }, properties = { k = { const = "v" } } } },
    }
    local function rf(s)
      return { type = "json_schema", json_schema = { name = "answer", strict = true, schema = s } }
    end

    it("json_schema: every model but mock/echo answers with an instance of the schema", function()
      local chat_response = response_schema("/chat/completions")
      for _, model in ipairs({ "mock/lorem", "openai/gpt-4o", "mock/tools", "anthropic/claude-sonnet-4" }) do
        for i, s in ipairs(SCHEMAS) do
          local r = chat(user(model, "make one", { response_format = rf(s) }))
          assert.are.equal(200, r.status, r.body)
          local b = decode(r.body)
          conforms(chat_response, b)
          local value = decode(b.choices[1].message.content)
          local ok, errs = schema.compile(s):validate(value)
          assert(ok, model .. " schema " .. i .. ": " .. b.choices[1].message.content .. ": "
            .. tostring(errs and errs[1].path .. " " .. errs[1].message))
          assert.are.equal("stop", b.choices[1].finish_reason)
        end
      end
    end)

    it("is deterministic: the same request, the same JSON; X-Mock-Seed varies it", function()
      local req = user("openai/gpt-4o", "make one", { response_format = rf(RECIPE) })
      local a = decode(chat(req).body).choices[1].message.content
      assert.are.equal(a, decode(chat(req).body).choices[1].message.content)
      local seen = { [a] = true }
      local n = 1
      for seed = 1, 5 do
        local s1 = decode(chat(req, { ["X-Mock-Seed"] = tostring(seed) }).body).choices[1].message.content
        assert.are.equal(s1, decode(chat(req, { ["X-Mock-Seed"] = tostring(seed) }).body).choices[1].message.content)
        if not seen[s1] then seen[s1] = true; n = n + 1 end
      end
      assert.is_true(n >= 4, "seeds give different instances")
    end)

    it("streams the JSON in pieces: stream:objects() grows to the validated answer", function()
      local req = user("openai/gpt-4o", "make one", { response_format = rf(RECIPE) })
      local r = chat(req)
      local whole = decode(r.body).choices[1].message.content
      -- raw: several content chunks that join to the same text
      local sreq = user("openai/gpt-4o", "make one", { response_format = rf(RECIPE), stream = true })
      local pieces = {}
      for _, c in ipairs(raw.chunks(chat(sreq))) do
        local d = c.choices and c.choices[1] and c.choices[1].delta
        if d and type(d.content) == "string" and d.content ~= "" then pieces[#pieces + 1] = d.content end
      end
      assert.is_true(#pieces > 5)
      assert.are.equal(whole, table.concat(pieces))
      -- through the client: partial tables, the last one the parsed answer
      local n, last = 0, nil
      for obj in assert(client:stream(req)):objects() do
        n = n + 1
        last = obj
      end
      assert.is_true(n > 2)
      assert.are.same(decode(whole), last)
      local res = assert(client:chat(req))
      assert.are.same(decode(whole), res.choices[1].message.parsed)
    end)

    it("max_tokens cuts the JSON (finish_reason length), as a real model would", function()
      local r = decode(chat(user("openai/gpt-4o", "x", { response_format = rf(RECIPE), max_tokens = 3 })).body)
      assert.are.equal("length", r.choices[1].finish_reason)
      assert.are.equal(12, #r.choices[1].message.content)
      assert.is_false((pcall(decode, r.choices[1].message.content)))
    end)

    it("json_object: a JSON object holding the usual answer", function()
      local b = decode(chat(user("openai/gpt-4o", "hello there", { response_format = { type = "json_object" } })).body)
      assert.are.same({ content = "hello there" }, decode(b.choices[1].message.content))
      b = decode(chat(user("mock/lorem", "x", { response_format = { type = "json_object" } })).body)
      local v = decode(b.choices[1].message.content)
      assert.are.equal("string", type(v.content))
      assert.are.equal(16, select(2, v.content:gsub("%S+", "")))
    end)

    it("mock/echo still echoes, so a test chooses the exact text (a wrong one too)", function()
      local b = decode(chat(user("mock/echo", "not json", { response_format = rf(RECIPE) })).body)
      assert.are.equal("not json", b.choices[1].message.content)
    end)
  end)

  describe("the instance generator", function()
    local files = {
      "additionalItems", "additionalProperties", "allOf", "anyOf", "boolean_schema",
      "const", "contains", "default", "definitions", "dependencies", "enum",
      "exclusiveMaximum", "exclusiveMinimum", "format", "if-then-else",
      "infinite-loop-detection", "items", "maxItems", "maxLength", "maxProperties",
      "maximum", "minItems", "minLength", "minProperties", "minimum", "multipleOf",
      "not", "oneOf", "pattern", "patternProperties", "properties", "propertyNames",
      "ref", "required", "type", "uniqueItems",
    }

    -- Every draft-7 schema of the JSON-Schema-Test-Suite for which the suite
    -- has a valid instance: the generated instance, encoded as the simulator
    -- sends it and decoded as a client reads it, must validate.
    local function coverage(opts)
      local total, good, missed = 0, 0, {}
      for _, name in ipairs(files) do
        for _, group in ipairs(decode(read(SUITE .. "/" .. name .. ".json"))) do
          local has_valid = false
          for _, case in ipairs(group.tests) do if case.valid then has_valid = true end end
          local compiled, v = pcall(schema.compile, group.schema)
          if has_valid and compiled then
            total = total + 1
            local value = instance.generate(group.schema, opts)
            local text = value ~= nil and mock_json.encode(value) or nil
            if text and v:validate(decode(text)) then
              good = good + 1
            else
              missed[#missed + 1] = name .. " / " .. group.description .. ": " .. tostring(text)
            end
          end
        end
      end
      return good, total, missed
    end

    it("makes a valid instance of every suite schema that has one, under several seeds", function()
      for _, seed in ipairs({ 1, 2, 3, 42, 2024 }) do
        local good, total, missed = coverage({ seed = seed })
        if seed == 1 then
          print(("\ninstance generator: %d/%d suite schemas (%.1f%%)"):format(good, total, 100 * good / total))
        end
        assert.is_true(total >= 200)
        assert.are.same({}, missed)
      end
    end)

    it("builds from the keywords: without the engine as judge, at least 95% still validate", function()
      local good, total = coverage({ seed = 1, oracle = false })
      print(("\ninstance generator, keywords alone: %d/%d (%.1f%%)"):format(good, total, 100 * good / total))
      assert.is_true(good / total >= 0.95)
    end)

    it("answers nil for a schema nothing satisfies, and keeps object keys in required order", function()
      assert.is_nil(instance.generate(false))
      assert.is_nil(instance.generate({ type = "integer", minimum = 3, maximum = 2 }))
      local v = instance.generate({ type = "object", required = { "zeta", "alpha", "mid" },
        properties = { zeta = { type = "integer" }, alpha = { type = "string" }, mid = { type = "boolean" } } })
      local text = mock_json.encode(v)
      assert.truthy(text:find('^{"zeta":%d+,"alpha":"[^"]*","mid":[a-z]+}$'), text)
    end)

    it("gives up quickly on schemas that ask for the enormous or the impossible", function()
      local t0 = os.clock()
      for _, s in ipairs({
        { type = "string", pattern = "^a{1000000000}$" },
        { type = "string", pattern = "^(a{1000}){1000}$" },
        { type = "string", minLength = 1e12 },
        { type = "array", minItems = 1e12 },
        { type = "number", multipleOf = 1e-300, minimum = 1e300 },
        { type = "object", required = { "a" }, properties = { a = { ["$ref"] = "#" } } },
      }) do
        assert.is_nil(instance.generate(s, { seed = 1 }))
      end
      -- a bound against hanging, not a timing test (valgrind runs this spec too)
      assert.is_true(os.clock() - t0 < 60)
      -- the simulator still answers (an empty object)
      local r = chat(user("openai/gpt-4o", "x", { response_format = { type = "json_schema",
        json_schema = { name = "huge", schema = { type = "object", required = { "a" },
          properties = { a = { type = "array", minItems = 1e12 } } } } } }))
      assert.are.equal(200, r.status)
      assert.are.equal("{}", decode(r.body).choices[1].message.content)
    end)

    it("keeps numbers exact (a const beyond 15 digits reads back the same)", function()
      local s = { const = 9007199254740992 }
      assert.are.equal(9007199254740992, decode(mock_json.encode(instance.generate(s))))
      s = { const = 0.1234567890123456 }
      assert.are.equal(0.1234567890123456, decode(mock_json.encode(instance.generate(s))))
    end)
  end)

  ------------------------------------------------------------ tool loop

  describe("mock/tools ends its tool loop", function()
    local tools = {
      { type = "function", ["function"] = { name = "get_weather", parameters = { type = "object",
        properties = { city = { type = "string" } }, required = { "city" } } } },
      { type = "function", ["function"] = { name = "get_time", parameters = { type = "object",
        properties = { zone = { type = "string" } } } } },
    }

    local function first_turn(stream)
      local b = decode(chat(user("mock/tools", "Oslo", { tools = tools })).body)
      assert.are.equal("tool_calls", b.choices[1].finish_reason)
      local calls = b.choices[1].message.tool_calls
      assert.are.equal(2, #calls)
      local msgs = { { role = "user", content = "Oslo" },
        { role = "assistant", content = null, tool_calls = calls } }
      for i, c in ipairs(calls) do
        msgs[#msgs + 1] = { role = "tool", tool_call_id = c.id,
          content = "result " .. i .. " of " .. c["function"].name }
      end
      return { model = "mock/tools", messages = msgs, tools = tools, stream = stream or nil }
    end

    it("answers with text that uses every result of its parallel calls", function()
      local b = decode(chat(first_turn()).body)
      assert.are.equal("stop", b.choices[1].finish_reason)
      assert.is_nil(b.choices[1].message.tool_calls)
      assert.are.equal("result 1 of get_weather\nresult 2 of get_time", b.choices[1].message.content)
    end)

    it("streams that answer too", function()
      local text = {}
      local chunks = raw.chunks(chat(first_turn(true)))
      for _, c in ipairs(chunks) do
        local d = c.choices and c.choices[1] and c.choices[1].delta
        assert.is_nil(d and d.tool_calls)
        if d and type(d.content) == "string" then text[#text + 1] = d.content end
      end
      assert.are.equal("result 1 of get_weather\nresult 2 of get_time", table.concat(text))
      assert.are.equal("stop", chunks[#chunks - 1].choices[1].finish_reason)
    end)

    it("calls again on a new user message, or when tool_choice forces a call", function()
      local req = first_turn()
      req.tool_choice = "required"
      assert.are.equal("tool_calls", decode(chat(req).body).choices[1].finish_reason)
      req = first_turn()
      req.messages[#req.messages + 1] = { role = "user", content = "and Bergen?" }
      local b = decode(chat(req).body)
      assert.are.equal("tool_calls", b.choices[1].finish_reason)
      assert.are.equal("and Bergen?", decode(b.choices[1].message.tool_calls[1]["function"].arguments).city)
    end)

    it("a client tool run ends with the answer (two requests)", function()
      local ran = 0
      local weather = openrouter.tool{ name = "get_weather", parameters = tools[1]["function"].parameters,
        run = function(args) ran = ran + 1; return { city = args.city, celsius = 3 } end }
      local res = assert(client:chat{ model = "mock/tools", messages = { { role = "user", content = "Oslo" } },
        tools = { weather }, parallel_tool_calls = false })
      assert.are.equal(1, ran)
      assert.are.equal(2, #res.steps)
      assert.are.same({ city = "Oslo", celsius = 3 }, decode(res.choices[1].message.content))
    end)
  end)

  ------------------------------------------------------------ embeddings, completions

  describe("POST /embeddings", function()
    it("answers the OpenAPI document's shape, one unit vector per input", function()
      local shape = response_schema("/embeddings")
      local r = post("/embeddings", { model = "mock/embed", input = { "hello", "world", "hello" } })
      assert.are.equal(200, r.status)
      local b = decode(r.body)
      conforms(shape, b)
      assert.are.equal("list", b.object)
      assert.are.equal("mock/embed", b.model)
      assert.are.equal(3, #b.data)
      for i, d in ipairs(b.data) do
        assert.are.equal(i - 1, d.index)
        assert.are.equal(8, #d.embedding)
        local sum = 0
        for _, x in ipairs(d.embedding) do sum = sum + x * x end
        assert.is_true(math.abs(sum - 1) < 1e-6)
      end
      assert.are.same(b.data[1].embedding, b.data[3].embedding)
      assert.are_not.same(b.data[1].embedding, b.data[2].embedding)
      assert.is_true(b.usage.prompt_tokens > 0)
      assert.are.equal(b.usage.prompt_tokens, b.usage.total_tokens)
    end)

    it("honours dimensions and encoding_format base64 (float32, little-endian)", function()
      local f = decode(post("/embeddings", { model = "openai/text-embedding-3-small", input = "hi",
        dimensions = 16 }).body).data[1].embedding
      assert.are.equal(16, #f)
      local b = decode(post("/embeddings", { model = "openai/text-embedding-3-small", input = "hi",
        dimensions = 16, encoding_format = "base64" }).body).data[1].embedding
      assert.are.equal("string", type(b))
      local bytes = require("openrouter.core").base64_decode
        and require("openrouter.core").base64_decode(b)
      if not bytes then
        local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        local out, bits, n = {}, 0, 0
        for ch in b:gmatch("[^=]") do
          bits = bits * 64 + (alphabet:find(ch, 1, true) - 1)
          n = n + 6
          if n >= 8 then
            n = n - 8
            out[#out + 1] = string.char(math.floor(bits / 2 ^ n) % 256)
            bits = bits % 2 ^ n
          end
        end
        bytes = table.concat(out)
      end
      assert.are.equal(64, #bytes)
      for i = 1, 16 do
        local b1, b2, b3, b4 = bytes:byte(4 * i - 3, 4 * i)
        local bits = b1 + b2 * 256 + b3 * 65536 + b4 * 16777216
        local sign = bits >= 2 ^ 31 and -1 or 1
        local e = math.floor(bits / 2 ^ 23) % 256
        local m = 1 + (bits % 2 ^ 23) / 2 ^ 23
        local x = sign * m * 2 ^ (e - 127)
        assert.is_true(math.abs(x - f[i]) < 1e-6, i .. ": " .. x .. " vs " .. f[i])
      end
      -- the default dimensions of the model
      assert.are.equal(1536, #decode(post("/embeddings", { model = "openai/text-embedding-3-small",
        input = "hi" }).body).data[1].embedding)
    end)

    it("answers 400 for a model it does not have; client:embeddings works", function()
      local r = post("/embeddings", { model = "openai/gpt-4o", input = "x" })
      assert.are.equal(400, r.status)
      assert.truthy(decode(r.body).error.message:find("not a valid model ID", 1, true))
      local res = assert(client:embeddings{ model = "mock/embed", input = { "a", "b" } })
      assert.are.equal(2, #res.data)
    end)
  end)

  describe("POST /completions", function()
    it("answers a text_completion: choices[].text", function()
      local res = assert(client:completions{ model = "mock/echo", prompt = "Once upon a time" })
      assert.are.equal("text_completion", res.object)
      assert.are.equal("Once upon a time", res.choices[1].text)
      assert.are.equal("stop", res.choices[1].finish_reason)
      assert.is_true(res.usage.prompt_tokens > 0)
      res = assert(client:completions{ model = "mock/lorem", prompt = "x", max_tokens = 3 })
      assert.are.equal(3, select(2, res.choices[1].text:gsub("%S+", "")))
      res = assert(client:completions{ model = "mock/echo", prompt = "abcdefghijkl", max_tokens = 2 })
      assert.are.equal("abcdefgh", res.choices[1].text)
      assert.are.equal("length", res.choices[1].finish_reason)
      -- logprobs is a count here, not the chat flag
      assert(client:completions{ model = "mock/echo", prompt = "x", logprobs = 2 })
    end)

    it("streams text chunks, routes like chat, records the generation", function()
      local r = post("/completions", { model = "mock/echo", prompt = "stream me", stream = true })
      assert.are.equal(200, r.status)
      local chunks, text = raw.chunks(r), {}
      for _, c in ipairs(chunks) do
        assert.are.equal("text_completion", c.object)
        if c.choices[1] and c.choices[1].text then text[#text + 1] = c.choices[1].text end
      end
      assert.are.equal("stream me", table.concat(text))
      assert.are.equal("stop", chunks[#chunks - 1].choices[1].finish_reason)
      assert.is_table(chunks[#chunks].usage)
      local g = assert(client:generation(r.headers["x-generation-id"]))
      assert.are.equal("mock/echo", g.data.model)
      r = post("/completions", { model = "openai/gpt-4o", prompt = "x", provider = { only = { "azure" } } })
      assert.are.equal("Azure", decode(r.body).provider)
    end)
  end)

  ------------------------------------------------------------ the catalog

  it("has every model id the README and the examples use", function()
    local files = { "README.md" }
    local p = io.popen("ls examples/*.lua")
    for f in p:lines() do files[#files + 1] = f end
    p:close()
    local SLUG = "[%w][%w%-_%.]*/[%w][%w%-_%.]*:?[%w]*"
    local ids = {}
    for _, name in ipairs(files) do
      local text = read(name)
      local function add(id)
        -- file paths are not model ids
        if id:match("%.%a+$") or io.open(id) then return end
        ids[id] = ids[id] or name
      end
      for id in text:gmatch('"(' .. SLUG .. ')"') do add(id) end
      for id in text:gmatch("%-m (" .. SLUG .. ")") do add(id) end
      for id in text:gmatch("`(" .. SLUG .. ")`") do add(id) end
      for id in text:gmatch("\n(" .. SLUG .. ") +%d") do add(id) end
    end
    local catalog, tags = {}, {}
    for _, m in ipairs(assert(client:models()).data) do catalog[m.id] = m end
    for id in pairs(catalog) do
      local r = raw.request(srv.url, { method = "GET", path = "/models/" .. id .. "/endpoints",
        headers = { Authorization = "Bearer k" } })
      if r.status == 200 then
        for _, e in ipairs(decode(r.body).data.endpoints) do tags[e.tag] = true end
      end
    end
    local n = 0
    for _, want in ipairs({ "openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "openai/gpt-4o",
                            "google/gemini-2.5-flash", "mock/echo", "deepseek/deepseek-r1" }) do
      assert.is_string(ids[want], want .. " was not found in the README or the examples")
    end
    for id, where in pairs(ids) do
      n = n + 1
      if tags[id] then
        -- a provider slug (provider.only = { "deepinfra/turbo" })
        assert.is_nil(catalog[id])
      elseif id:find("embed", 1, true) then
        -- an embedding model: POST /embeddings knows it
        assert.are.equal(200, post("/embeddings", { model = id, input = "hi" }).status, id)
      else
        local base = id:match("^(.-):[%w]+$") or id
        assert(catalog[id] or catalog[base] or id == "openrouter/auto",
          id .. " (" .. where .. ") is not in the catalog")
        local r = chat(user(id, "hi", { max_tokens = 2 }))
        assert.are.equal(200, r.status, id .. ": " .. r.body)
      end
    end
    assert.is_true(n >= 15)
  end)
end)
