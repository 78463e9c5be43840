-- The simulator's Responses API (POST /responses) and its other listing
-- routes (/providers, /models/count, /embeddings/models, /generation/content,
-- the /models filters), checked with raw HTTP through the library's
-- transport (support.raw_http), not through the client.
local mock_server = require("support.mock_server")
local raw = require("support.raw_http")
local cjson = require("cjson")

local null = cjson.null

describe("simulator: Responses API and listings", function()
  local srv
  setup(function() srv = mock_server.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function auth(h)
    h = h or {}
    if h.Authorization == nil then h.Authorization = "Bearer sk-or-v1-test-key-0123456789" end
    if h.Authorization == false then h.Authorization = nil end
    return h
  end

  local function post(body, headers)
    return raw.request(srv.url, { method = "POST", path = "/responses", headers = auth(headers),
      body = type(body) == "string" and body or cjson.encode(body) })
  end

  local function get(path, headers)
    return raw.request(srv.url, { method = "GET", path = path, headers = auth(headers) })
  end

  local function decode(r) return cjson.decode(r.body) end

  local function error_shape(r, status)
    assert.are.equal(status, r.status, r.body)
    local e = decode(r).error
    assert.are.equal(status, e.code)
    assert.are.equal("string", type(e.message))
    return e.message
  end

  -- the data events of a streamed answer, decoded; and the raw data strings
  local function events(r)
    local out, data = {}, {}
    for _, ev in ipairs(r.events or {}) do
      if ev.data then
        data[#data + 1] = ev.data
        if ev.data ~= "[DONE]" then out[#out + 1] = cjson.decode(ev.data) end
      end
    end
    return out, data
  end

  local function types(evs)
    local out = {}
    for i, ev in ipairs(evs) do out[i] = ev.type end
    return out
  end

  local function deltas(evs, typ)
    local out = {}
    for _, ev in ipairs(evs) do
      if ev.type == (typ or "response.output_text.delta") then out[#out + 1] = ev.delta end
    end
    return table.concat(out)
  end

  describe("POST /responses, non-streaming", function()
    it("answers with the response object of OpenRouter's document", function()
      local r = post{ model = "mock/echo", input = "Hello responses" }
      assert.are.equal(200, r.status)
      local gen_id = r.headers["x-generation-id"]
      assert.truthy(gen_id:match("^gen%-"))
      local d = decode(r)
      assert.are.equal("response", d.object)
      assert.are.equal("resp-" .. gen_id:sub(5), d.id)
      assert.are.equal("completed", d.status)
      assert.are.equal("mock/echo", d.model)
      assert.are.equal(null, d.error)
      assert.are.equal(null, d.incomplete_details)
      assert.is_number(d.created_at)
      assert.is_number(d.completed_at)
      assert.are.equal(1, #d.output)
      local msg = d.output[1]
      assert.are.equal("message", msg.type)
      assert.are.equal("assistant", msg.role)
      assert.are.equal("completed", msg.status)
      assert.are.equal("output_text", msg.content[1].type)
      assert.are.equal("Hello responses", msg.content[1].text)
      local u = d.usage
      assert.are.equal(u.input_tokens + u.output_tokens, u.total_tokens)
      assert.is_number(u.cost)
      assert.is_number(u.input_tokens_details.cached_tokens)
      assert.is_number(u.output_tokens_details.reasoning_tokens)
      assert.is_number(u.cost_details.upstream_inference_input_cost)
    end)

    it("reads message items, instructions and max_output_tokens", function()
      local d = decode(post{ model = "mock/echo", instructions = "Be brief.", max_output_tokens = 2,
        input = { { type = "message", role = "user", content = { { type = "input_text", text = "abcdefghijkl" } } } } })
      assert.are.equal("incomplete", d.status)
      assert.are.equal("max_output_tokens", d.incomplete_details.reason)
      assert.are.equal("Be brief.", d.instructions)
      assert.are.equal(2, d.max_output_tokens)
      assert.are.equal("abcdefgh", d.output[1].content[1].text)   -- two pieces of four characters
      assert.are.equal("incomplete", d.output[1].status)
    end)

    it("answers function tools with function_call items, then the tool output as text", function()
      local tools = { { type = "function", name = "get_weather", parameters = {
        type = "object", properties = { city = { type = "string" } }, required = { "city" } } } }
      local d = decode(post{ model = "mock/tools", input = "Oslo", tools = tools, parallel_tool_calls = false })
      assert.are.equal(1, #d.output)
      local call = d.output[1]
      assert.are.equal("function_call", call.type)
      assert.are.equal("get_weather", call.name)
      assert.truthy(call.call_id:match("^call_"))
      assert.are.same({ city = "Oslo" }, cjson.decode(call.arguments))
      local d2 = decode(post{ model = "mock/tools", tools = tools, input = {
        { role = "user", content = "Oslo" },
        { type = "function_call", call_id = call.call_id, name = call.name, arguments = call.arguments },
        { type = "function_call_output", call_id = call.call_id, output = '{"celsius":4}' },
      } })
      assert.are.equal("message", d2.output[1].type)
      assert.are.equal('{"celsius":4}', d2.output[1].content[1].text)
    end)

    it("puts reasoning first, as a reasoning item", function()
      local d = decode(post{ model = "mock/echo", input = "hi", reasoning = { effort = "low" } })
      assert.are.equal("reasoning", d.output[1].type)
      assert.are.equal("reasoning_text", d.output[1].content[1].type)
      assert.are.equal("message", d.output[2].type)
      assert.is_true(d.usage.output_tokens_details.reasoning_tokens > 0)
    end)

    it("answers OpenRouter's errors: 400 for bad input, 401 without a key, 405 for GET", function()
      assert.truthy(error_shape(post{ model = "mock/echo" }, 400):find("input", 1, true))
      error_shape(post{ model = "mock/echo", input = 42 }, 400)
      error_shape(post{ model = "mock/echo", input = { "not an item" } }, 400)
      error_shape(post("{not json"), 400)
      error_shape(post({ model = "nobody/nothing", input = "x" }), 400)
      error_shape(post({ model = "mock/echo", input = "x" }, { Authorization = false }), 401)
      error_shape(get("/responses"), 405)
    end)

    it("carries a mid-generation failure in the response: status failed and its error", function()
      local d = decode(post({ model = "mock/echo", input = "x" }, { ["X-Mock-Fault"] = "midstream_error" }))
      assert.are.equal("failed", d.status)
      assert.are.equal("server_error", d.error.code)
      assert.are.equal("string", type(d.error.message))
    end)
  end)

  describe("POST /responses, streaming", function()
    local function stream(body, headers)
      body.stream = true
      return post(body, headers)
    end

    it("sends the typed events in order, data-only, numbered, then [DONE]", function()
      local r = stream{ model = "mock/echo", input = "Hello stream" }
      assert.are.equal(200, r.status)
      assert.truthy(r.headers["content-type"]:find("text/event-stream", 1, true))
      assert.is_nil(r.body:find("\nevent:", 1, true))   -- no event: lines, as the document describes
      local evs, data = events(r)
      assert.are.equal("[DONE]", data[#data])
      local t = types(evs)
      local n = #t
      assert.are.same({ "response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added" }, { t[1], t[2], t[3], t[4] })
      for i = 5, n - 4 do assert.are.equal("response.output_text.delta", t[i]) end
      assert.are.same({ "response.output_text.done", "response.content_part.done",
        "response.output_item.done", "response.completed" }, { t[n - 3], t[n - 2], t[n - 1], t[n] })
      for i, ev in ipairs(evs) do assert.are.equal(i - 1, ev.sequence_number) end
      assert.are.equal("Hello stream", deltas(evs))
      assert.are.equal("Hello stream", evs[n - 3].text)
      local final = evs[n].response
      assert.are.equal("completed", final.status)
      assert.are.equal("Hello stream", final.output[1].content[1].text)
      assert.is_number(final.usage.total_tokens)
      assert.are.equal("in_progress", evs[1].response.status)
      assert.are.equal(final.id, evs[1].response.id)
      assert.are.equal(evs[3].item.id, evs[5].item_id)
    end)

    it("streams reasoning and function-call arguments as their own deltas", function()
      local evs = events(stream{ model = "mock/echo", input = "hi", reasoning = { effort = "low" } })
      assert.are.equal(evs[#evs].response.output[1].content[1].text, deltas(evs, "response.reasoning_text.delta"))
      local tools = { { type = "function", name = "f", parameters = {
        type = "object", properties = { q = { type = "string" } } } } }
      evs = events(stream{ model = "mock/tools", input = "a longer query text", tools = tools })
      local args = {}
      for _, ev in ipairs(evs) do
        if ev.type == "response.function_call_arguments.delta" then
          args[ev.output_index] = (args[ev.output_index] or "") .. ev.delta
        end
      end
      local out = evs[#evs].response.output
      assert.are.equal(2, #out)
      for i, item in ipairs(out) do
        assert.are.equal("function_call", item.type)
        assert.are.equal(item.arguments, args[i - 1])
      end
    end)

    it("ends a cut answer with response.incomplete", function()
      local evs = events(stream{ model = "mock/echo", input = "abcdefghijkl", max_output_tokens = 1 })
      assert.are.equal("response.incomplete", evs[#evs].type)
      assert.are.equal("max_output_tokens", evs[#evs].response.incomplete_details.reason)
      assert.are.equal("abcd", deltas(evs))
    end)

    it("midstream_error: three deltas, an error event, response.failed, no [DONE]", function()
      local evs, data = events(stream({ model = "mock/lorem", input = "x" }, { ["X-Mock-Fault"] = "midstream_error" }))
      local t = types(evs)
      assert.are.equal("response.failed", t[#t])
      assert.are.equal("error", t[#t - 1])
      assert.are.equal("server_error", evs[#evs - 1].code)
      assert.are.equal(null, evs[#evs - 1].param)
      assert.are.equal("failed", evs[#evs].response.status)
      assert.are.equal("server_error", evs[#evs].response.error.code)
      assert.are_not.equal("[DONE]", data[#data])
      local n = 0
      for _, x in ipairs(t) do if x == "response.output_text.delta" then n = n + 1 end end
      assert.are.equal(3, n)
    end)

    it("response_failed and no_done end the stream early", function()
      local evs = events(stream({ model = "mock/lorem", input = "x" }, { ["X-Mock-Fault"] = "response_failed" }))
      assert.are.equal("response.failed", evs[#evs].type)
      assert.are.equal("response.output_text.delta", evs[#evs - 1].type)
      local _, data = events(stream({ model = "mock/lorem", input = "x" }, { ["X-Mock-Fault"] = "no_done" }))
      assert.are.equal("response.output_text.delta", cjson.decode(data[#data]).type)
    end)
  end)

  describe("listings", function()
    it("GET /providers: every provider of the catalog, by name", function()
      local r = get("/providers")
      assert.are.equal(200, r.status)
      local d = decode(r).data
      local slugs = {}
      for i, p in ipairs(d) do
        assert.are.equal("string", type(p.name))
        assert.are.equal("string", type(p.slug))
        assert.are.equal("string", type(p.privacy_policy_url))
        if i > 1 then assert.is_true(d[i - 1].name < p.name) end
        slugs[p.slug] = true
      end
      for _, m in ipairs(decode(get("/models")).data) do
        if m.id ~= "openrouter/auto" then
          local ep = decode(get("/models/" .. m.id .. "/endpoints")).data
          for _, e in ipairs(ep.endpoints) do assert.is_true(slugs[e.tag:match("^[^/]+")], e.tag) end
        end
      end
    end)

    it("GET /models/count counts what /models lists, by output modality", function()
      local all = #decode(get("/models?output_modalities=all")).data
      assert.are.same({ data = { count = #decode(get("/models")).data } }, decode(get("/models/count")))
      assert.are.equal(all, decode(get("/models/count?output_modalities=all")).data.count)
      local emb = decode(get("/models/count?output_modalities=embeddings")).data.count
      assert.are.equal(#decode(get("/embeddings/models")).data, emb)
      assert.is_true(emb > 0)
    end)

    it("GET /embeddings/models lists embeddings models, in pages", function()
      local d = decode(get("/embeddings/models")).data
      assert.is_true(#d >= 2)
      for _, m in ipairs(d) do assert.are.same({ "embeddings" }, m.architecture.output_modalities) end
      local page = decode(get("/embeddings/models?offset=1&limit=1")).data
      assert.are.equal(1, #page)
      assert.are.equal(d[2].id, page[1].id)
      error_shape(get("/embeddings/models?limit=0"), 400)
    end)

    it("GET /models applies the documented filters", function()
      local function ids(q)
        local out = {}
        for _, m in ipairs(decode(get("/models?" .. q)).data) do out[#out + 1] = m.id end
        return out
      end
      assert.are.same({ "mock/tools", "openai/gpt-4o", "deepseek/deepseek-r1" }, ids("category=programming"))
      for _, m in ipairs(decode(get("/models?supported_parameters=tools,reasoning")).data) do
        local p = {}
        for _, x in ipairs(m.supported_parameters) do p[x] = true end
        assert.is_true(p.tools and p.reasoning, m.id)
      end
      assert.are.same({ "openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash" },
        ids("distillable=false"))
      assert.are.same({ "meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.3-70b-instruct",
        "meta-llama/llama-3.3-70b-instruct:free" }, ids("q=LLAMA"))
      assert.are.same({ "openai/gpt-4o", "openai/gpt-4o-mini" }, ids("model_authors=openai"))
      assert.are.same({ "openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash" },
        ids("input_modalities=text,image"))
      local ctx = decode(get("/models?sort=context-high-to-low")).data
      for i = 2, #ctx do assert.is_true(ctx[i - 1].context_length >= ctx[i].context_length) end
      local all = ids("")
      assert.are.same({ all[3], all[4] }, ids("offset=2&limit=2"))
      for _, m in ipairs(decode(get("/models?context=150000")).data) do
        assert.is_true(m.context_length >= 150000, m.id)
      end
      error_shape(get("/models?category=poetry"), 400)
      error_shape(get("/models?sort=random"), 400)
    end)

    it("GET /generation/content: the stored prompt and completion", function()
      local r = raw.request(srv.url, { method = "POST", path = "/chat/completions", headers = auth(),
        body = cjson.encode{ model = "mock/echo", messages = { { role = "user", content = "remember me" } } } })
      local id = r.headers["x-generation-id"]
      local d = decode(get("/generation/content?id=" .. id)).data
      assert.are.equal("remember me", d.input.messages[1].content)
      assert.are.equal("remember me", d.output.completion)
      assert.are.equal(null, d.output.reasoning)
      assert.are.equal(null, d.error)
      -- a Responses request stores its input as messages too
      local rr = post({ model = "mock/echo", input = "responses too" }, { ["X-Mock-Fault"] = "midstream_error" })
      local c = decode(get("/generation/content?id=" .. rr.headers["x-generation-id"])).data
      assert.are.equal("responses too", c.input.messages[1].content)
      assert.are.equal(502, c.error.status)
      error_shape(get("/generation/content?id=gen-unknown"), 404)
      error_shape(get("/generation/content"), 400)
      error_shape(get("/generation/content?id=" .. id, { Authorization = false }), 401)
    end)
  end)
end)
