-- The named endpoint helpers (endpoints, providers, embedding_models,
-- models_count, generation_content, models with filters) and
-- client:request for any endpoint, against the simulator: answers, query
-- and body encoding, the same retries, timeouts and error objects, and
-- misuse raising.
local openrouter = require("openrouter")
local cjson = require("cjson")
local mock = require("support.mock_server")

describe("endpoints", function()
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function client(opts)
    local o = { base_url = srv.url, api_key = "sk-or-v1-endpoints-spec", max_retries = 0 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end

  local function ids(res)
    local out = {}
    for _, m in ipairs(res.data) do out[#out + 1] = m.id end
    return out
  end

  local scenario = 0
  local function fresh()
    scenario = scenario + 1
    return ("endpoints-%d-%d-%d"):format(os.time(), math.random(1e6), scenario)
  end

  describe("named helpers", function()
    it("endpoints(model_id): the providers serving a model", function()
      local d = assert(client():endpoints("deepseek/deepseek-r1")).data
      assert.are.equal("deepseek/deepseek-r1", d.id)
      local tags = {}
      for _, e in ipairs(d.endpoints) do tags[#tags + 1] = e.tag end
      assert.are.same({ "deepinfra", "deepinfra/turbo", "deepseek", "together", "fireworks" }, tags)
      -- a variant slug reaches its own endpoints (":" stays as it is in the path)
      local free = assert(client():endpoints("meta-llama/llama-3.3-70b-instruct:free")).data
      assert.are.equal(1, #free.endpoints)
      assert.are.equal("chutes", free.endpoints[1].tag)
    end)

    it("endpoints() of an unknown model: nil and a 404 http error", function()
      local res, err = client():endpoints("nobody/nothing")
      assert.is_nil(res)
      assert.are.equal("http", err.kind)
      assert.are.equal(404, err.status)
      assert.truthy(err.message:find("nobody/nothing", 1, true))
    end)

    it("providers(): name, slug and policy links of every provider", function()
      local d = assert(client():providers()).data
      local names = {}
      for _, p in ipairs(d) do
        names[p.name] = p
        assert.is_string(p.slug)
        assert.is_string(p.privacy_policy_url)
      end
      for _, e in ipairs(assert(client():endpoints("openai/gpt-4o")).data.endpoints) do
        assert.truthy(names[e.provider_name], e.provider_name)
      end
      assert.are.equal("azure", names.Azure.slug)
    end)

    it("embedding_models([params]): the embeddings models, in pages", function()
      local c = client()
      local all = assert(c:embedding_models()).data
      assert.is_true(#all >= 2)
      for _, m in ipairs(all) do assert.are.same({ "embeddings" }, m.architecture.output_modalities) end
      local page = assert(c:embedding_models{ offset = 1, limit = 1 }).data
      assert.are.same({ all[2].id }, { page[1].id })
      local _, err = c:embedding_models{ limit = 0 }
      assert.are.equal(400, err.status)
    end)

    it("models_count([params]) agrees with models()", function()
      local c = client()
      assert.are.equal(#assert(c:models()).data, assert(c:models_count()).data.count)
      assert.are.equal(#assert(c:embedding_models()).data,
        assert(c:models_count{ output_modalities = "embeddings" }).data.count)
      assert.are.equal(#assert(c:models{ output_modalities = { "text", "embeddings" } }).data,
        assert(c:models_count{ output_modalities = "all" }).data.count)
    end)

    it("generation_content(id): the prompt and completion of a generation", function()
      local c = client()
      local s = assert(c:stream{ model = "mock/echo", messages = { { role = "user", content = "keep this" } } })
      assert(s:result())
      local d = assert(c:generation_content(s.request_id)).data
      assert.are.equal("keep this", d.input.messages[1].content)
      assert.are.equal("keep this", d.output.completion)
      local rs = assert(c:responses_stream{ model = "mock/echo", input = "and this" })
      assert(rs:result())
      assert.are.equal("and this", assert(c:generation_content(rs.request_id)).data.output.completion)
      local res, err = c:generation_content("gen-nothing")
      assert.is_nil(res)
      assert.are.equal(404, err.status)
    end)

    it("models(params) sends the documented filters: lists comma-separated, booleans as words", function()
      local c = client()
      assert.are.same({ "mock/tools", "openai/gpt-4o", "deepseek/deepseek-r1" }, ids(assert(c:models{
        category = "programming" })))
      for _, m in ipairs(assert(c:models{ supported_parameters = { "tools", "reasoning" } }).data) do
        local p = {}
        for _, x in ipairs(m.supported_parameters) do p[x] = true end
        assert.is_true(p.tools and p.reasoning, m.id)
      end
      assert.are.same({ "openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash" },
        ids(assert(c:models{ distillable = false })))
      assert.are.same({ "google/gemini-2.5-flash", "deepseek/deepseek-r1" },
        ids(assert(c:models{ context = 150000, min_price = 0.3, max_price = 0.5 })))
      local sorted = assert(c:models{ sort = "pricing-low-to-high", limit = 3 }).data
      assert.are.equal(3, #sorted)
      local _, err = c:models{ category = "poetry" }
      assert.are.equal("http", err.kind)
      assert.are.equal(400, err.status)
    end)

    it("raise on misuse", function()
      local c = client()
      assert.has_error(function() c:endpoints() end, "client:endpoints: model_id must be a string 'author/slug'")
      assert.has_error(function() c:endpoints("gpt-4o") end)
      assert.has_error(function() c:endpoints("openai/") end)
      assert.has_error(function() c:generation_content(5) end)
      assert.has_error(function() c:generation_content("") end)
      assert.has_error(function() c:models("tools") end, "client:models: params must be a table (got a string)")
      assert.has_error(function() c:models{ "tools" } end, "client:models: query parameter names must be strings")
      assert.has_error(function() c:models{ q = function() end } end)
      assert.has_error(function() c:embedding_models(1) end)
      assert.has_error(function() c:models_count(true) end)
    end)
  end)

  describe("client:request()", function()
    it("GET with a query: the same answer as the helper", function()
      local c = client()
      local a = assert(c:request("GET", "/models", { query = { supported_parameters = { "tools" } } }))
      assert.are.same(ids(assert(c:models{ supported_parameters = "tools" })), ids(a))
      -- a query joins one already in the path; the method in any case
      local b = assert(c:request("get", "/models?category=programming", { query = { limit = 2 } }))
      assert.are.same({ "mock/tools", "openai/gpt-4o" }, ids(b))
      assert.are.equal(assert(c:models_count()).data.count,
        assert(c:request("GET", "/models/count")).data.count)
    end)

    it("POST with a body (a table as JSON, a string as is)", function()
      local c = client()
      local r1 = assert(c:request("POST", "/responses", { body = { model = "mock/echo", input = "via request" } }))
      assert.are.equal("via request", r1.output[1].content[1].text)
      local r2 = assert(c:request("POST", "/chat/completions",
        { body = '{"model":"mock/echo","messages":[{"role":"user","content":"raw body"}]}' }))
      assert.are.equal("raw body", r2.choices[1].message.content)
      -- a POST without a body is a POST (Content-Length: 0): the server wants JSON
      local _, err = c:request("POST", "/chat/completions")
      assert.are.equal(400, err.status)
      assert.truthy(err.message:find("Invalid JSON", 1, true))
    end)

    it("returns the same error objects: 404, 405, an error status, a timeout", function()
      local c = client()
      local res, err = c:request("DELETE", "/keys/abc")
      assert.is_nil(res)
      assert.are.equal("http", err.kind)
      assert.are.equal(404, err.status)
      local _, e2 = c:request("PUT", "/chat/completions", { body = {} })
      assert.are.equal(405, e2.status)
      local _, e3 = c:request("PATCH", "/nowhere", { body = { a = 1 } })
      assert.are.equal(404, e3.status)
      local _, e4 = c:request("GET", "/providers", { headers = { ["X-Mock-Fault"] = "status=429;retry_after=2" } })
      assert.are.equal(429, e4.status)
      assert.are.equal(2, e4.retry_after)
      assert.is_true(e4.retryable)
      local _, e5 = c:request("POST", "/responses", { body = { model = "mock/echo", input = "slow" },
        headers = { ["X-Mock-Delay-Ms"] = "2000" }, timeout = { total = 0.3 } })
      assert.are.equal("timeout", e5.kind)
      local _, e6 = client{ api_key = "" }:request("GET", "/key")
      assert.are.equal(401, e6.status)
    end)

    it("retries as every request does", function()
      local res = assert(client():request("GET", "/providers", { max_retries = 1,
        headers = { ["X-Mock-Fault"] = "status=503;times=1", ["X-Mock-Scenario"] = fresh() } }))
      assert.is_table(res.data)
      local _, err = client{ max_retries = 1 }:request("GET", "/providers",
        { headers = { ["X-Mock-Fault"] = "status=500;times=5", ["X-Mock-Scenario"] = fresh() } })
      assert.are.equal(2, #err.attempts)
    end)

    it("decodes the answer of any endpoint", function()
      local c = client()
      local res, err = c:request("GET", "/generation/content", { query = { id = "gen-none" } })
      assert.is_nil(res)
      assert.are.equal(404, err.status)
      local key = assert(c:request("GET", "/key")).data
      assert.is_string(key.label)
      assert.are.equal(cjson.null, key.limit)
    end)

    it("raises on misuse", function()
      local c = client()
      assert.has_error(function() c:request(1, "/x") end,
        "client:request: method must be GET, POST, PUT, PATCH or DELETE")
      assert.has_error(function() c:request("FETCH", "/x") end)
      assert.has_error(function() c:request("HEAD", "/x") end)
      assert.has_error(function() c:request("GET", "models") end)
      assert.has_error(function() c:request("GET", "/a b") end)
      assert.has_error(function() c:request("GET", "/a\r\nX-Evil: 1") end)
      assert.has_error(function() c:request("GET", "/x", "q=1") end, "client:request: params must be a table")
      assert.has_error(function() c:request("GET", "/x", { body = {} }) end,
        "client:request: a GET request has no body")
      assert.has_error(function() c:request("POST", "/x", { body = 5 }) end)
      assert.has_error(function() c:request("GET", "/x", { query = 5 }) end)
      assert.has_error(function() c:request("GET", "/x", { query = { a = { print } } }) end)
    end)
  end)
end)
