-- The Responses API through the client: client:responses() and
-- client:responses_stream() against the simulator (typed events in order,
-- text(), result(), partial(), cancel, retries before the first event,
-- error events, HTTP errors, timeouts), the callback style, the luv and
-- manual loops, and the accumulation of events the simulator does not send.
local openrouter = require("openrouter")
local core = require("openrouter.core")
local cjson = require("cjson")
local responses = require("openrouter.responses")
local stream_mod = require("openrouter.stream")
local mock = require("support.mock_server")
local pump = require("support.pump")

local KEY = "sk-or-v1-responses-spec"

describe("responses", function()
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function client(opts)
    local o = { base_url = srv.url, api_key = KEY, max_retries = 0,
                timeout = { connect = 5, idle = 5, total = 20 } }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end

  local function req(input, extra)
    local r = { model = "mock/echo", input = input or "hello responses" }
    for k, v in pairs(extra or {}) do r[k] = v end
    return r
  end

  local function lorem(n)
    return { model = "mock/lorem", input = "x" }, { headers = { ["X-Mock-Tokens"] = tostring(n) } }
  end

  local function fault(f, more)
    local h = { ["X-Mock-Fault"] = f }
    for k, v in pairs(more or {}) do h[k] = v end
    return { headers = h }
  end

  local scenario = 0
  local function fresh()
    scenario = scenario + 1
    return ("responses-%d-%d-%d"):format(os.time(), math.random(1e6), scenario)
  end

  local TOOLS = { { type = "function", name = "get_weather", description = "weather of a city",
    parameters = { type = "object", properties = { city = { type = "string" } }, required = { "city" } } } }

  describe("client:responses()", function()
    it("returns the response object, with output_text", function()
      local c = client()
      local res, err = c:responses(req("ping pong"))
      assert.is_nil(err)
      assert.are.equal("response", res.object)
      assert.are.equal("completed", res.status)
      assert.are.equal("mock/echo", res.model)
      assert.truthy(res.id:match("^resp%-"))
      assert.are.equal("ping pong", res.output[1].content[1].text)
      assert.are.equal("ping pong", res.output_text)
      assert.is_number(res.usage.input_tokens)
      assert.is_number(res.usage.cost)
    end)

    it("takes input items and returns function calls", function()
      local res = assert(client():responses{ model = "mock/tools", tools = TOOLS, parallel_tool_calls = false,
        input = { { type = "message", role = "user", content = { { type = "input_text", text = "Oslo" } } } } })
      assert.are.equal("function_call", res.output[1].type)
      assert.are.same({ city = "Oslo" }, cjson.decode(res.output[1].arguments))
      assert.is_nil(res.output_text)
    end)

    it("with stream = true streams and returns the same response", function()
      local c = client()
      local plain = assert(c:responses(req("same either way")))
      local streamed = assert(c:responses(req("same either way", { stream = true })))
      assert.are.equal(plain.output_text, streamed.output_text)
      assert.are.same(plain.output[1].content, streamed.output[1].content)
      assert.are.equal("completed", streamed.status)
    end)

    it("checks the request before sending: nil and a validation error", function()
      local res, err = client():responses(req(42))
      assert.is_nil(res)
      assert.are.equal("validation", err.kind)
      assert.are.equal("input", err.errors[1].path)
      local _, e2 = client():responses{ model = 5, input = "x" }
      assert.are.equal("model", e2.errors[1].path)
      -- validate = false sends it: the server's 400 comes back
      local _, e3 = client():responses(req(42), { validate = false })
      assert.are.equal("http", e3.kind)
      assert.are.equal(400, e3.status)
      assert.is_true(responses.validate_responses{ input = "x", prompt = { id = "p" }, extra = true })
    end)

    it("raises on misuse", function()
      local c = client()
      assert.has_error(function() c:responses("hello") end, "client:responses: request must be a table")
      assert.has_error(function() c:responses(req(), 5) end, "client:responses: options must be a table (got 5)")
      assert.has_error(function() c:responses(req(), { on_done = 1 }) end)
      assert.has_error(function() c:responses_stream(nil) end, "client:responses_stream: request must be a table")
      assert.has_error(function() c:responses_stream(req(), { on_text = "x" }) end)
    end)

    it("misuse errors point at the caller's line, on every Lua", function()
      local c = client()
      for _, f in ipairs({
        function() c:responses("x") end,
        function() c:responses(req(), 5) end,
        function() c:responses(req(), { on_done = 1 }) end,
        function() c:responses_stream(nil) end,
        function() c:responses_stream(req(), { coalesce_ms = -1, on_done = print }) end,
      }) do
        local ok, err = pcall(f)
        assert.is_false(ok)
        assert.truthy(tostring(err):find("^[^:]*responses_spec%.lua:%d+: client:responses"), err)
      end
    end)

    it("maps a status to an http error, retries it, and an error in the body to an api error", function()
      local _, err = client():responses(req(), fault("status=429;retry_after=3"))
      assert.are.equal("http", err.kind)
      assert.are.equal(429, err.status)
      assert.are.equal(3, err.retry_after)
      local res = assert(client{ max_retries = 1 }:responses(req("after a retry"),
        fault("status=503;times=1", { ["X-Mock-Scenario"] = fresh() })))
      assert.are.equal("after a retry", res.output_text)
      local _, e2 = client():responses(req(), fault("midstream_error"))
      assert.are.equal("api", e2.kind)
      assert.are.equal("server_error", e2.code)
      local _, e3 = client():responses(req(), fault("garbage"))
      assert.are.equal("protocol", e3.kind)
    end)

    it("times out as chat does", function()
      local _, err = client{ timeout = { total = 0.3 } }:responses(req(),
        { headers = { ["X-Mock-Delay-Ms"] = "2000" } })
      assert.are.equal("timeout", err.kind)
      assert.are.equal("total", err.which)
    end)
  end)

  describe("client:responses_stream()", function()
    it("yields the typed events in order; result() is response.completed's response", function()
      local s = assert(client():responses_stream(req("Hello stream")))
      local seen = {}
      for ev in s do seen[#seen + 1] = ev end
      assert.are.equal("response.created", seen[1].type)
      assert.are.equal("response.in_progress", seen[2].type)
      assert.are.equal("response.completed", seen[#seen].type)
      local text = {}
      for i, ev in ipairs(seen) do
        assert.are.equal(i - 1, ev.sequence_number)
        if ev.type == "response.output_text.delta" then text[#text + 1] = ev.delta end
      end
      assert.are.equal("Hello stream", table.concat(text))
      local final = assert(s:result())
      assert.are.equal(seen[#seen].response, final)
      assert.are.equal("Hello stream", final.output_text)
      assert.are.equal("completed", final.status)
      assert.truthy(s.request_id:match("^gen%-"))
      assert.are.equal(s:headers()["x-generation-id"], s.request_id)
      assert.are.equal(200, s:status())
      assert.are.equal(0, s:info().after_done)
      assert.are.equal("openrouter.ResponsesStream(done)", tostring(s))
      assert.is_nil(s.objects)     -- structured outputs read chat chunks
    end)

    it("text() gives only the output text deltas; coalesce_ms joins them", function()
      local parts = {}
      for t in assert(client():responses_stream(req("only the answer", { reasoning = { effort = "low" } }))):text() do
        parts[#parts + 1] = t
      end
      assert.are.equal("only the answer", table.concat(parts))
      assert.is_true(#parts > 1)
      local r, o = lorem(40)
      o.headers["X-Mock-Delay-Ms"] = "2"
      local joined, n = {}, 0
      for t in assert(client():responses_stream(r, o)):text{ coalesce_ms = 30 } do
        n = n + 1
        joined[#joined + 1] = t
      end
      local plain = assert(client():responses(lorem(40), o))
      assert.are.equal(plain.output_text, table.concat(joined))
      assert.is_true(n < 40, n .. " strings for 40 deltas")
    end)

    it("streams function-call arguments; result() has the calls", function()
      local s = assert(client():responses_stream{ model = "mock/tools", input = "call Bergen", tools = TOOLS })
      local args = {}
      for ev in s do
        if ev.type == "response.function_call_arguments.delta" then
          args[ev.output_index + 1] = (args[ev.output_index + 1] or "") .. ev.delta
        end
      end
      local final = assert(s:result())
      assert.are.equal(2, #final.output)
      for i, item in ipairs(final.output) do
        assert.are.equal("function_call", item.type)
        assert.are.equal(args[i], item.arguments)
        assert.are.same({ city = "Bergen" }, cjson.decode(item.arguments))
      end
    end)

    it("partial() builds the response from the events so far", function()
      local r, o = lorem(400)
      o.headers["X-Mock-Delay-Ms"] = "1"
      local s = assert(client():responses_stream(r, o))
      local text, n = {}, 0
      while n < 5 do
        local ev = s:next()
        if ev.type == "response.output_text.delta" then
          n = n + 1
          text[#text + 1] = ev.delta
        end
      end
      local p = s:partial()
      assert.are.equal("in_progress", p.status)
      assert.are.equal(table.concat(text), p.output_text)
      assert.are.equal(table.concat(text), p.output[1].content[1].text)
      assert.are.equal("message", p.output[1].type)
      s:cancel()
    end)

    it("cancel() closes the stream: later reads raise cancelled, partial kept", function()
      local r, o = lorem(400)
      o.headers["X-Mock-Delay-Ms"] = "2"
      local s = assert(client():responses_stream(r, o))
      local text = {}
      local it = s:text()
      for _ = 1, 3 do text[#text + 1] = it() end
      s:cancel()
      local ok, err = pcall(it)
      assert.is_false(ok)
      assert.are.equal("cancelled", err.kind)
      local final, e2 = s:result()
      assert.is_nil(final)
      assert.are.equal("cancelled", e2.kind)
      assert.are.equal(table.concat(text), e2.partial.output_text)
      assert.are.equal("openrouter.ResponsesStream(cancelled)", tostring(s))
    end)

    it("retries a failed start before the first event, never after", function()
      local s = assert(client{ max_retries = 1 }:responses_stream(req("second try"),
        fault("status=503;times=1", { ["X-Mock-Scenario"] = fresh() })))
      assert.are.equal("second try", assert(s:result()).output_text)
      local s2 = assert(client{ max_retries = 2 }:responses_stream(req("x y z w v u t s r q p"),
        fault("midstream_error;times=1", { ["X-Mock-Scenario"] = fresh() })))
      local _, err = s2:result()
      assert.are.equal("api", err.kind)     -- a retry would have succeeded (times=1)
    end)

    it("a server error status is an http error before any event", function()
      local s = assert(client():responses_stream(req(), fault("status=502")))
      local _, err = s:result()
      assert.are.equal("http", err.kind)
      assert.are.equal(502, err.status)
      assert.is_true(err.retryable)
      assert.are.same({}, err.partial.output)
    end)

    it("an error event ends the stream with an api error, after the events before it", function()
      local s = assert(client():responses_stream(req("abcdefghijklmnopqrstuvwxyz"), fault("midstream_error")))
      local text = {}
      local ok, raised = pcall(function()
        for ev in s do
          if ev.type == "response.output_text.delta" then text[#text + 1] = ev.delta end
        end
      end)
      assert.is_false(ok)
      assert.are.equal("api", raised.kind)
      assert.are.equal("server_error", raised.code)
      assert.are.equal("Provider disconnected unexpectedly", raised.message)
      assert.are.equal("error", raised.event.type)
      assert.is_false(raised.retryable)
      assert.are.equal(3, #text)
      assert.are.equal(table.concat(text), raised.partial.output_text)
      assert.truthy(raised.request_id:match("^gen%-"))
      assert.are.equal(raised, s:error())
    end)

    it("response.failed ends it too; a stream without response.completed is a protocol error", function()
      local _, err = assert(client():responses_stream(req("abcdefghijklmnop"), fault("response_failed"))):result()
      assert.are.equal("api", err.kind)
      assert.are.equal("response.failed", err.event.type)
      assert.are.equal("server_error", err.code)
      assert.are.equal("failed", err.partial.status)
      local _, e2 = assert(client():responses_stream(req("abcdefghijklmnop"), fault("no_done"))):result()
      assert.are.equal("protocol", e2.kind)
      assert.truthy(e2.message:find("without response.completed", 1, true), e2.message)
      local _, e3 = assert(client():responses_stream(req("abcdefghijklmnop"), fault("bad_json"))):result()
      assert.are.equal("protocol", e3.kind)
    end)

    it("an idle stream times out", function()
      local s = assert(client{ timeout = { idle = 0.2 } }:responses_stream(req("abcdefghijklmnop"),
        fault("stall_ms=2000")))
      local _, err = s:result()
      assert.are.equal("timeout", err.kind)
      assert.are.equal("idle", err.which)
    end)
  end)

  describe("callback style", function()
    it("on_chunk gets every event, on_text the text, on_done the final response", function()
      local evs, texts, final, errs = {}, {}, nil, 0
      local h = client():responses_stream(req("callbacks here"), {
        on_chunk = function(ev) evs[#evs + 1] = ev.type end,
        on_text = function(t) texts[#texts + 1] = t end,
        on_done = function(f) final = f end,
        on_error = function() errs = errs + 1 end,
      })
      assert.are.equal("done", h:status())
      assert.are.equal(0, errs)
      assert.are.equal("callbacks here", table.concat(texts))
      assert.are.equal("callbacks here", final.output_text)
      assert.are.equal("response.created", evs[1])
      assert.are.equal("response.completed", evs[#evs])
      assert.are.equal(final, (h:result()))
    end)

    it("on_error gets the error event's error, with partial", function()
      local got
      local h = client():responses_stream(req("abcdefghijklmnop"), {
        on_done = function() error("not expected") end,
        on_error = function(err) got = err end,
        headers = { ["X-Mock-Fault"] = "midstream_error" },
      })
      assert.are.equal("error", h:status())
      assert.are.equal("api", got.kind)
      assert.are.equal("abcdefghijkl", got.partial.output_text)
    end)

    it("client:responses with on_done runs the request and calls back", function()
      local final
      local h = client():responses(req("one call"), { on_done = function(f) final = f end })
      assert.are.equal("done", h:status())
      assert.are.equal("one call", final.output_text)
      local err
      client():responses(req(), { on_error = function(e) err = e end, headers = { ["X-Mock-Fault"] = "status=404" } })
      assert.are.equal(404, err.status)
      local _, verr = client():responses(req(42), { on_done = function() end })
      assert.are.equal("validation", verr.kind)
    end)

    it("handle:cancel() under the manual loop: on_error cancelled, nothing after", function()
      local c = client{ loop = "manual" }
      local r, o = lorem(400)
      local got, after, texts = nil, 0, 0
      o.headers["X-Mock-Delay-Ms"] = "2"
      o.on_text = function() if got then after = after + 1 end texts = texts + 1 end
      o.on_error = function(e) got = e end
      o.on_done = function() error("not expected") end
      local h = c:responses_stream(r, o)
      pump(c, function() return texts >= 3 end)
      h:cancel()
      assert.are.equal("cancelled", h:status())
      pump(c, function() return got ~= nil end)
      assert.are.equal("cancelled", got.kind)
      assert.are.equal(0, after)
      assert.is_string(got.partial.output_text)
      c:close()
    end)

    it("a non-streaming call under the manual loop finishes through update()", function()
      local c = client{ loop = "manual" }
      local final
      local h = c:responses(req("manual"), { on_done = function(f) final = f end })
      assert.are.equal("running", h:status())
      pump(c, function() return final ~= nil end)
      assert.are.equal("manual", final.output_text)
      c:close()
    end)
  end)

  describe("loop 'luv'", function()
    local ok_uv, uv = pcall(require, "luv")
    if not ok_uv then
      pending("lua-luv is not installed for this Lua")
      return
    end

    local function run_until(cond)
      local t = uv.new_timer()
      local deadline = core.now() + 10
      t:start(5, 5, function()
        if cond() or core.now() > deadline then t:stop(); uv.stop() end
      end)
      uv.run()
      if not t:is_closing() then t:close() end
      uv.run("nowait")
      assert(cond(), "timed out")
    end

    it("runs streams in tasks and callbacks on one loop", function()
      local c = client{ loop = "luv" }
      local texts, done = {}, 0
      for i = 1, 5 do
        openrouter.async(function()
          -- (not a for-in: Lua 5.1 cannot yield from inside its iterator)
          local parts, it = {}, assert(c:responses_stream(req("luv task " .. i))):text()
          while true do
            local t = it()
            if not t then break end
            parts[#parts + 1] = t
          end
          texts[i] = table.concat(parts)
          done = done + 1
        end)
      end
      local cb_final
      local h = c:responses_stream(req("luv callbacks"), {
        on_done = function(f) cb_final = f; done = done + 1 end,
      })
      local plain
      openrouter.async(function()
        plain = assert(c:responses(req("luv plain")))
        done = done + 1
      end)
      assert.are.equal("running", h:status())
      run_until(function() return done == 7 end)
      for i = 1, 5 do assert.are.equal("luv task " .. i, texts[i]) end
      assert.are.equal("luv callbacks", cb_final.output_text)
      assert.are.equal("luv plain", plain.output_text)
      c:close()
      uv.run("nowait")
    end)
  end)
end)

describe("responses accumulation", function()
  -- A stream-like table whose decoder is fed data strings by hand (no transport).
  local function feed(events)
    local s = setmetatable({
      _kind = responses.KIND, _dec = responses.KIND.decoder(),
      _req = { headers = function() return {} end, status = function() return 200 end, cancel = function() end },
    }, responses.ResponsesStream)
    local out = {}
    for _, ev in ipairs(events) do
      s._dec:push(type(ev) == "string" and ev or cjson.encode(ev))
      out[#out + 1] = s._dec:next() or false
    end
    return s, out
  end

  it("builds output items from item, part and delta events of every kind", function()
    local s = feed{
      { type = "response.created", response = { id = "resp-1", object = "response", status = "in_progress",
        output = {} } },
      { type = "response.output_item.added", output_index = 0, item = { type = "reasoning", id = "rs", summary = {} } },
      { type = "response.reasoning_summary_part.added", output_index = 0, summary_index = 0,
        part = { type = "summary_text", text = "" } },
      { type = "response.reasoning_summary_text.delta", output_index = 0, summary_index = 0, delta = "Thi" },
      { type = "response.reasoning_summary_text.delta", output_index = 0, summary_index = 0, delta = "nking" },
      { type = "response.output_item.added", output_index = 1, item = { type = "message", id = "m", content = {} } },
      { type = "response.content_part.added", output_index = 1, content_index = 0,
        part = { type = "output_text", text = "", annotations = {} } },
      { type = "response.output_text.delta", output_index = 1, content_index = 0, delta = "Hel" },
      { type = "response.output_text.delta", output_index = 1, content_index = 0, delta = "lo" },
      { type = "response.refusal.delta", output_index = 1, content_index = 1, delta = "no" },
      { type = "response.output_item.added", output_index = 2,
        item = { type = "function_call", id = "fc", call_id = "c1", name = "f", arguments = "" } },
      { type = "response.function_call_arguments.delta", output_index = 2, delta = "{\"a\":" },
      { type = "response.function_call_arguments.delta", output_index = 2, delta = "1}" },
      { type = "response.output_item.added", output_index = 3,
        item = { type = "custom_tool_call", id = "ct", call_id = "c2", name = "g" } },
      { type = "response.custom_tool_call_input.delta", output_index = 3, delta = "raw " },
      { type = "response.custom_tool_call_input.delta", output_index = 3, delta = "input" },
      { type = "response.web_search_call.searching", output_index = 4, item_id = "ws" },
    }
    local p = s:partial()
    assert.are.equal("resp-1", p.id)
    assert.are.equal("resp-1", s._dec:request_id(s._req))   -- no X-Generation-Id: the response's id
    assert.are.equal("Hello", p.output_text)
    assert.are.same({ { type = "summary_text", text = "Thinking" } }, p.output[1].summary)
    assert.are.same({ type = "output_text", text = "Hello", annotations = {} }, p.output[2].content[1])
    assert.are.same({ type = "refusal", refusal = "no" }, p.output[2].content[2])
    assert.are.equal("{\"a\":1}", p.output[3].arguments)
    assert.are.equal("c1", p.output[3].call_id)
    assert.are.equal("raw input", p.output[4].input)
    assert.are.equal(4, #p.output)            -- an event that builds nothing adds no item
    assert.is_false(s._dec:done())
    assert.are.equal(17, s._dec:count())
    -- partial() is fresh every time: later events do not change what it gave
    feed{}  -- (no-op)
    local p2 = s:partial()
    assert.are_not.equal(p.output[2], p2.output[2])
  end)

  it("takes the .done values and the completed response over the deltas", function()
    local s, out = feed{
      { type = "response.output_item.added", output_index = 0, item = { type = "message", content = {} } },
      { type = "response.output_text.delta", output_index = 0, content_index = 0, delta = "draf" },
      { type = "response.output_text.done", output_index = 0, content_index = 0, text = "final" },
      "[DONE]",
      { type = "response.output_text.delta", output_index = 0, content_index = 0, delta = "late" },
    }
    assert.are.equal("final", s:partial().output[1].content[1].text)
    assert.are.equal("draf", s:partial().output_text)    -- output_text: the deltas handed out
    assert.is_false(out[4])
    assert.is_false(out[5])
    assert.are.equal(1, s._dec:after_done())
    local s2 = feed{
      { type = "response.output_text.delta", output_index = 0, content_index = 0, delta = "x" },
      { type = "response.completed", response = { object = "response", status = "completed",
        output = { { type = "message", content = { { type = "output_text", text = "a" },
          { type = "output_text", text = "b" } } } } } },
    }
    assert.is_true(s2._dec:done())
    assert.are.equal("ab", s2:partial().output_text)      -- filled in from the final output
    assert.are.equal("completed", s2:partial().status)
  end)

  it("kinds: the chat kind is the default; text() follows the stream's kind", function()
    assert.are.equal(core.chunk_decoder, stream_mod.CHAT.decoder)
    assert.is_nil(responses.KIND.text{ type = "response.reasoning_text.delta", delta = "no" })
    assert.is_nil(responses.KIND.text{ type = "response.output_text.delta", delta = "" })
    assert.are.equal("yes", responses.KIND.text{ type = "response.output_text.delta", delta = "yes" })
    assert.are.equal("chat", stream_mod.CHAT.text{ choices = { { delta = { content = "chat" } } } })
  end)
end)
