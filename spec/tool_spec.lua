-- Tool runs: openrouter.tool declarations and the loop client:chat and
-- client:stream run for them, against the simulator (mock/tools calls two
-- tools in parallel; "call <text>" makes any model call; once tool results
-- follow the last user message the model answers with them as text, unless
-- tool_choice forces another call).
local openrouter = require("openrouter")
local tool_mod = require("openrouter.tool")
local async = require("openrouter.async")
local cjson = require("cjson")
local mock = require("support.mock_server")
local pump = require("support.pump")
local ok_uv, uv = pcall(require, "luv")

local decode, null = cjson.decode, cjson.null

local function req(model, text, extra)
  local r = { model = model, messages = { { role = "user", content = text } } }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

-- A weather tool that records its calls.
local function weather(log, opts)
  opts = opts or {}
  return openrouter.tool{
    name = opts.name or "get_weather",
    description = "Current weather of a city",
    parameters = opts.parameters or {
      type = "object", required = { "city" },
      properties = { city = { type = "string" }, days = { type = "integer", minimum = 1 } },
    },
    run = opts.run or function(args, ctx)
      log[#log + 1] = { args = args, ctx = ctx }
      return { city = args.city, celsius = 21 }
    end,
  }
end

describe("openrouter.tool", function()
  local function run() end

  it("declares a tool that encodes as the API's function tool", function()
    local params = { type = "object", properties = { q = { type = "string" } } }
    local t = openrouter.tool{ name = "search", description = "Search the web", parameters = params, run = run }
    assert.same({ type = "function", ["function"] = {
      name = "search", description = "Search the web", parameters = params } }, decode(cjson.encode(t)))
    assert.equal("search", t.name)
    assert.equal("Search the web", t.description)
    assert.equal(params, t.parameters)
    assert.equal(run, t.run)
    assert.equal("openrouter.Tool(search)", tostring(t))
    assert.is_true(tool_mod.is(t))
    -- a request holding it passes the request schema
    assert.is_true(openrouter.validate_request(req("mock/echo", "x", { tools = { t } })))
  end)

  it("defaults parameters to an object schema and keeps strict", function()
    local t = openrouter.tool{ name = "now", run = run, strict = true }
    assert.same({ type = "object" }, t.parameters)
    assert.is_true(t.strict)
  end)

  it("raises on misuse", function()
    local cases = {
      { nil, "expected a table" },
      { "get_weather", "expected a table" },
      { { run = run }, "'name' must be a string" },
      { { name = "", run = run }, "'name' must be a string" },
      { { name = "has space", run = run }, "'name' must be a string" },
      { { name = ("x"):rep(65), run = run }, "'name' must be a string" },
      { { name = 42, run = run }, "'name' must be a string" },
      { { name = "t" }, "'run' must be a function" },
      { { name = "t", run = "print" }, "'run' must be a function" },
      { { name = "t", run = run, parameters = "object" }, "'parameters' must be a table" },
      { { name = "t", run = run, parameters = true }, "'parameters' must be a table" },
      { { name = "t", run = run, parameters = { type = "objekt" } }, "parameters: " },
      { { name = "t", run = run, description = 1 }, "'description' must be a string" },
      { { name = "t", run = run, strict = "yes" }, "'strict' must be a boolean" },
      { { name = "t", run = run, params = {} }, "unknown field 'params'" },
    }
    for _, case in ipairs(cases) do
      local ok, msg = pcall(function() local t = openrouter.tool(case[1]); return t end)
      assert.is_false(ok)
      assert.truthy(tostring(msg):find(case[2], 1, true), tostring(msg))
      assert.truthy(tostring(msg):find("tool_spec.lua", 1, true), "points at the caller: " .. tostring(msg))
    end
  end)
end)

describe("tool runs", function()
  local srv, client
  setup(function()
    srv = mock.start()
    client = openrouter.new{ base_url = srv.url, api_key = "sk-or-test" }
  end)
  teardown(function() srv.stop() end)

  describe("client:chat", function()
    it("runs parallel calls, sends the results back, and returns the answer with steps and messages", function()
      local log = {}
      local t = weather(log)
      local res = assert(client:chat(req("mock/tools", "Oslo", { tools = { t } })))
      -- two parallel calls to the one tool, run in order
      assert.equal(2, #log)
      assert.same({ city = "Oslo", days = 1 }, log[1].args)
      assert.same({ city = "Oslo", days = 2 }, log[2].args)
      assert.equal(client, log[1].ctx.client)
      assert.equal(1, log[1].ctx.step)
      assert.equal("get_weather", log[1].ctx.call.name)
      -- the model answered with the results it received (the simulator echoes them)
      local result = cjson.encode({ city = "Oslo", celsius = 21 })
      local msg = res.choices[1].message
      assert.equal("stop", res.choices[1].finish_reason)
      assert.equal(2, select(2, msg.content:gsub("celsius", "")))
      assert.same({ city = "Oslo", celsius = 21 }, decode(msg.content:match("^[^\n]+")))
      -- steps
      assert.equal(2, #res.steps)
      local s1 = res.steps[1]
      assert.equal(1, s1.index)
      assert.equal(1, #s1.messages)
      assert.equal("tool_calls", s1.response.choices[1].finish_reason)
      assert.equal(2, #s1.tool_calls)
      for i, c in ipairs(s1.tool_calls) do
        assert.equal(s1.response.choices[1].message.tool_calls[i].id, c.id)
        assert.equal("get_weather", c.name)
        assert.same(decode(c.arguments_json), c.arguments)
        assert.same({ city = "Oslo", celsius = 21 }, c.result)
        assert.same(decode(result), decode(c.content))
        assert.is_nil(c.error)
        assert.is_true(c.time >= 0)
      end
      assert.is_true(s1.time > 0)
      assert.equal(3, #res.steps[2].messages)           -- the assistant message and two results
      assert.equal(0, #res.steps[2].tool_calls)
      assert.equal(res.id, res.steps[2].response.id)
      -- messages: the whole history
      local m = res.messages
      assert.equal(5, #m)
      assert.same({ "user", "assistant", "tool", "tool", "assistant" },
        { m[1].role, m[2].role, m[3].role, m[4].role, m[5].role })
      assert.equal(null, m[2].content)
      assert.equal(2, #m[2].tool_calls)
      assert.equal(m[2].tool_calls[1].id, m[3].tool_call_id)
      assert.equal(m[2].tool_calls[2].id, m[4].tool_call_id)
      assert.equal("string", type(m[3].content))
      assert.equal(msg.content, m[5].content)
      -- no cycle: the response can be encoded
      assert.is_string(cjson.encode(res.messages))
    end)

    it("returns messages ready to send again", function()
      local t = weather({})
      local res = assert(client:chat(req("mock/echo", "call Paris", { tools = { t } })))
      local msgs = res.messages
      msgs[#msgs + 1] = { role = "user", content = "thanks" }
      assert.is_true(openrouter.validate_request{ model = "mock/echo", messages = msgs, tools = { t } })
      local again = assert(client:chat{ model = "mock/echo", messages = msgs, tools = { t } })
      assert.equal("thanks", again.choices[1].message.content)
      assert.equal(1, #again.steps)
      assert.is_true(again.usage.prompt_tokens > res.usage.prompt_tokens)
    end)

    it("keeps reasoning_details on the assistant messages it sends back", function()
      local res = assert(client:chat(req("mock/tools", "Rome", { tools = { weather({}) },
        reasoning = { enabled = true } })))
      local first = res.messages[2]
      assert.equal("assistant", first.role)
      assert.equal("reasoning.text", first.reasoning_details[1].type)
      assert.equal(res.steps[1].response.choices[1].message.reasoning_details, first.reasoning_details)
      assert.truthy(first.reasoning:find("characters"))
    end)

    it("tells the model about arguments that fail the schema, and goes on", function()
      local log = {}
      local t = weather(log, { parameters = { type = "object", required = { "city" },
        properties = { city = { type = "string", minLength = 10 } } } })
      local res = assert(client:chat(req("mock/echo", "call Oslo", { tools = { t } })))
      assert.equal(0, #log)                              -- run was not called
      local c = res.steps[1].tool_calls[1]
      assert.equal("arguments", c.error.kind)
      assert.equal("city", c.error.path)
      assert.equal("city", c.error.errors[1].path)
      assert.truthy(c.error.message:find("city", 1, true))
      assert.same({ city = "Oslo" }, c.arguments)
      assert.is_nil(c.result)
      local sent = decode(c.content)
      assert.equal(c.error.message, sent.error)
      assert.equal("city", sent.errors[1].path)
      -- the model received it (and answered with it)
      assert.truthy(res.choices[1].message.content:find("city", 1, true))
      assert.equal(2, #res.steps)
    end)

    it("tells the model when a tool raises or fails, and goes on", function()
      local t = weather({}, { run = function() error("weather service down") end })
      local res = assert(client:chat(req("mock/echo", "call Oslo", { tools = { t } })))
      local c = res.steps[1].tool_calls[1]
      assert.equal("run", c.error.kind)
      assert.equal("the tool raised: weather service down", c.error.message)   -- no file:line for the model
      assert.truthy(c.error.cause:find("tool_spec.lua:%d+: weather service down"))
      assert.truthy(c.error.traceback:find("tool_spec.lua", 1, true))
      assert.truthy(res.choices[1].message.content:find("weather service down", 1, true))

      t = weather({}, { run = function() return nil, "no such city" end })
      res = assert(client:chat(req("mock/echo", "call Atlantis", { tools = { t } })))
      c = res.steps[1].tool_calls[1]
      assert.equal("run", c.error.kind)
      assert.truthy(decode(c.content).error:find("no such city", 1, true))

      t = weather({}, { run = function() return { f = print } end })
      res = assert(client:chat(req("mock/echo", "call Oslo", { tools = { t } })))
      assert.equal("result", res.steps[1].tool_calls[1].error.kind)
    end)

    it("sends a string result as it is and nil as null", function()
      local t1 = weather({}, { run = function(args) return "It is sunny in " .. args.city end })
      local res = assert(client:chat(req("mock/echo", "call Oslo", { tools = { t1 } })))
      assert.equal("It is sunny in Oslo", res.messages[3].content)
      local t2 = weather({}, { run = function() end })
      res = assert(client:chat(req("mock/echo", "call Oslo", { tools = { t2 } })))
      assert.equal("null", res.messages[3].content)
    end)

    it("lets a tool make another request with the same client", function()
      local t = weather({}, { run = function(args, ctx)
        local inner = assert(ctx.client:chat(req("mock/echo", "inner " .. args.city)))
        return inner.choices[1].message.content
      end })
      local res = assert(client:chat(req("mock/echo", "call Lima", { tools = { t } })))
      assert.equal("inner Lima", res.messages[3].content)
    end)

    it("ends with an error of kind 'tool' holding partial when max_steps is reached", function()
      local log = {}
      local r = req("mock/tools", "Oslo", { tools = { weather(log) }, tool_choice = "required" })
      local res, err = client:chat(r, { max_steps = 3 })
      assert.is_nil(res)
      assert.equal("tool", err.kind)
      assert.truthy(err.message:find("max_steps = 3", 1, true))
      assert.equal(3, #err.partial.steps)
      assert.equal(6, #log)
      assert.equal(1 + 3 * 3, #err.partial.messages)   -- user, then (assistant + 2 results) x 3
      assert.equal("tool", err.partial.messages[#err.partial.messages].role)
      assert.equal("tool_calls", err.partial.choices[1].finish_reason)
      -- the default is 8
      res, err = client:chat(r)
      assert.equal(8, #err.partial.steps)
      assert.is_nil(res)
      -- max_steps = 1: one request
      res, err = client:chat(r, { max_steps = 1 })
      assert.equal(1, #err.steps)
      assert.is_nil(res)
    end)

    it("hands a call to a tool declared without run back to the caller", function()
      local log = {}
      local plain = { type = "function", ["function"] = { name = "ask_user", parameters = { type = "object",
        properties = { question = { type = "string" } } } } }
      local res = assert(client:chat(req("mock/tools", "Oslo", { tools = { weather(log), plain } })))
      assert.equal(0, #log)
      assert.equal("tool_calls", res.choices[1].finish_reason)
      assert.equal(1, #res.steps)
      assert.equal(2, #res.messages)
      assert.equal("ask_user", res.messages[2].tool_calls[2]["function"].name)
    end)

    it("returns other failures with the steps so far", function()
      local res, err = client:chat(req("mock/tools", "Oslo", { tools = { weather({}) } }),
        { headers = { ["X-Mock-Fault"] = "status=400" } })
      assert.is_nil(res)
      assert.equal("http", err.kind)
      assert.same({}, err.steps)
      assert.equal(1, #err.messages)
      -- an invalid request: nothing sent
      res, err = client:chat{ model = "mock/tools", messages = { { role = "user", content = "x" } },
        temperature = 5, tools = { weather({}) } }
      assert.is_nil(res)
      assert.equal("validation", err.kind)
    end)

    it("raises on bad options", function()
      local r = req("mock/tools", "Oslo", { tools = { weather({}) } })
      for _, bad in ipairs{ 0, -1, 1.5, "3", math.huge, true } do
        local ok, msg = pcall(client.chat, client, r, { max_steps = bad })
        assert.is_false(ok)
        assert.truthy(tostring(msg):find("'max_steps' must be an integer >= 1", 1, true))
        ok, msg = pcall(client.stream, client, r, { max_steps = bad })
        assert.is_false(ok)
        assert.truthy(tostring(msg):find("'max_steps' must be an integer >= 1", 1, true))
      end
      local ok, msg = pcall(client.chat, client, r, { on_tool_call = "print" })
      assert.is_false(ok)
      assert.truthy(tostring(msg):find("'on_tool_call' must be a function", 1, true))
      ok, msg = pcall(client.chat, client, r, { on_done = function() end, max_steps = 0 })
      assert.is_false(ok)
      assert.truthy(tostring(msg):find("max_steps", 1, true))
      ok, msg = pcall(client.chat, client, { model = "mock/tools", prompt = "x", tools = { weather({}) } })
      assert.is_false(ok)
      assert.truthy(tostring(msg):find("needs 'messages'", 1, true))
    end)

    it("calls on_tool_call and on_tool_result around each call", function()
      local events = {}
      local res = assert(client:chat(req("mock/tools", "Oslo", { tools = { weather({}) } }), {
        on_tool_call = function(call)
          events[#events + 1] = "call " .. call.id .. " " .. call.name .. " " .. call.arguments.city
        end,
        on_tool_result = function(call, result)
          events[#events + 1] = "result " .. call.id .. " " .. result.city
        end,
      }))
      local calls = res.steps[1].tool_calls
      assert.same({
        "call " .. calls[1].id .. " get_weather Oslo", "result " .. calls[1].id .. " Oslo",
        "call " .. calls[2].id .. " get_weather Oslo", "result " .. calls[2].id .. " Oslo",
      }, events)
    end)

    it("stops with a 'callback' error when on_tool_call raises", function()
      local res, err = client:chat(req("mock/tools", "Oslo", { tools = { weather({}) } }), {
        on_tool_call = function() error("observer broke") end,
      })
      assert.is_nil(res)
      assert.equal("callback", err.kind)
      assert.truthy(err.message:find("observer broke", 1, true))
      assert.equal(1, #err.steps)
    end)
  end)

  describe("what the model sends that cannot be run", function()
    -- The simulator only ever calls declared tools with JSON arguments, so
    -- these feed a crafted response to the run's step handler.
    local function response(calls)
      local list = {}
      for i, c in ipairs(calls) do
        list[i] = { id = "call_" .. i, type = "function", ["function"] = { name = c[1], arguments = c[2] } }
      end
      return { id = "gen-x", choices = { { index = 0, finish_reason = "tool_calls",
        message = { role = "assistant", content = null, tool_calls = list } } } }
    end

    it("arguments that are not JSON, an unknown tool, empty arguments", function()
      local log = {}
      local t = weather(log, { parameters = { type = "object", properties = { city = { type = "string" } } } })
      local run = tool_mod._new_run(client, req("mock/echo", "x", { tools = { t } }))
      local what = run:step(response{ { "get_weather", '{"city": "Oslo"' }, { "get_forecast", "{}" },
                                       { "get_weather", "" }, { "get_weather", '["Oslo"]' } })
      assert.equal("continue", what)
      local calls = run.steps[1].tool_calls
      assert.equal("arguments", calls[1].error.kind)
      assert.truthy(calls[1].error.message:find("not JSON", 1, true))
      assert.equal("", calls[1].error.path)
      assert.truthy(decode(calls[1].content).error:find("not JSON", 1, true))
      assert.equal("unknown_tool", calls[2].error.kind)
      assert.truthy(calls[2].error.message:find("unknown tool 'get_forecast' (tools: get_weather)", 1, true))
      assert.truthy(decode(calls[2].content).error:find("get_forecast", 1, true))
      assert.is_nil(calls[3].error)                     -- "" is no arguments: {}
      assert.same({}, calls[3].arguments)
      assert.equal("arguments", calls[4].error.kind)    -- an array is not an object
      assert.equal(1, #log)
      -- the history: the assistant message, then a result for every call
      assert.equal(1 + 1 + 4, #run.history)
      for i = 1, 4 do assert.equal("call_" .. i, run.history[2 + i].tool_call_id) end
    end)
  end)

  describe("client:stream", function()
    it("yields the chunks of every step in order and results in the answer with steps", function()
      local log = {}
      local s = assert(client:stream(req("mock/tools", "Oslo", { tools = { weather(log) } })))
      local ids, tool_deltas, text = {}, 0, {}
      for chunk in s do
        if ids[#ids] ~= chunk.id then ids[#ids + 1] = chunk.id end
        local d = chunk.choices[1] and chunk.choices[1].delta
        if d and d.tool_calls then
          tool_deltas = tool_deltas + 1
          assert.equal(1, #ids)                        -- tool calls come in the first step
        end
        if d and type(d.content) == "string" then text[#text + 1] = d.content end
      end
      assert.equal(2, #ids)
      assert.is_true(tool_deltas > 2)
      assert.equal(2, #log)
      local res = assert(s:result())
      assert.equal(table.concat(text), res.choices[1].message.content)
      assert.equal(2, #res.steps)
      assert.equal(5, #res.messages)
      assert.equal(ids[2], res.id)
      assert.equal(200, s:status())
      assert.equal(ids[2], s.request_id)
    end)

    it("text() gives the answer's text; result() alone runs the whole loop", function()
      local parts = {}
      for t in assert(client:stream(req("mock/echo", "call Oslo", { tools = { weather({}) } }))):text() do
        parts[#parts + 1] = t
      end
      assert.truthy(table.concat(parts):find('"celsius"', 1, true))
      -- every step's text is read through the text path: no chunk table is built
      local Stream = require("openrouter.stream").Stream
      local poll = Stream._poll
      Stream._poll = function() error("a chunk was built for text()") end
      local ok, e = pcall(function()
        local n = 0
        local s = assert(client:stream(req("mock/echo", "call Oslo", { tools = { weather({}) } })))
        for _ in s:text() do n = n + 1 end
        return n
      end)
      Stream._poll = poll
      assert.is_true(ok, e)
      assert.equal(#parts, e)
      local res = assert(assert(client:stream(req("mock/tools", "Oslo", { tools = { weather({}) } }))):result())
      assert.equal(2, #res.steps)
      -- chat with stream = true streams every step
      res = assert(client:chat(req("mock/tools", "Oslo", { tools = { weather({}) }, stream = true })))
      assert.equal(2, #res.steps)
      assert.equal("reasoning.text", assert(client:chat(req("mock/tools", "Oslo", { tools = { weather({}) },
        stream = true, reasoning = { enabled = true } }))).messages[2].reasoning_details[1].type)
    end)

    it("coalesces text across steps (text{ coalesce_ms }, on_text with coalesce_ms)", function()
      local r = req("mock/echo", "call Oslo", { tools = { weather({}) } })
      local parts = {}
      for t in assert(client:stream(r, { headers = { ["X-Mock-Delay-Ms"] = "1" } })):text{ coalesce_ms = 20 } do
        parts[#parts + 1] = t
      end
      local whole = table.concat(parts)
      assert.truthy(whole:find('"celsius"', 1, true))
      local got = {}
      local h = client:stream(r, { coalesce_ms = 20, on_text = function(t) got[#got + 1] = t end,
                                   on_done = function() end })
      assert.equal("done", h:status())
      assert.equal(whole, table.concat(got))
    end)

    it("ends with kind 'tool' at max_steps, raising from the iteration", function()
      local s = assert(client:stream(req("mock/tools", "Oslo", { tools = { weather({}) }, tool_choice = "required" }),
        { max_steps = 2 }))
      local ok, err = pcall(function() for _ in s do end end)
      assert.is_false(ok)
      assert.equal("tool", err.kind)
      assert.equal(2, #err.partial.steps)
      local none, again = s:result()
      assert.is_nil(none)
      assert.equal(err, again)
    end)

    it("cancel() stops the current step and every later one", function()
      local s = assert(client:stream(req("mock/tools", "Oslo", { tools = { weather({}, { run = function()
        return "slow" end }) } }), { headers = { ["X-Mock-Delay-Ms"] = "5" } }))
      local first = s:next()
      assert.is_table(first)
      s:cancel()
      local res, err = s:result()
      assert.is_nil(res)
      assert.equal("cancelled", err.kind)
      assert.equal(0, #s:steps())
      -- a cancel while the tools run: no later step
      local s2
      s2 = assert(client:stream(req("mock/tools", "Oslo", { tools = { weather({}, { run = function()
        s2:cancel()
        return "x"
      end }) } })))
      res, err = s2:result()
      assert.is_nil(res)
      assert.equal("cancelled", err.kind)
      assert.equal(1, #s2:steps())
      assert.is_table(s2:partial().steps)
    end)

    it("partial() shows the current step's accumulation with the steps so far", function()
      local s = assert(client:stream(req("mock/tools", "Oslo", { tools = { weather({}) } })))
      local seen_second
      while true do
        local c = s:next()
        if not c then break end
        if #s:steps() == 1 and not seen_second then
          seen_second = s:partial()
        end
      end
      assert.equal(1, #seen_second.steps)
      local content = seen_second.choices[1].message.content   -- null until text comes
      assert.is_true(type(content) == "string" or content == openrouter.null, tostring(content))
    end)

    it("structured output on the last step of a tool run", function()
      local r = req("mock/echo", "call Oslo", { tools = { weather({}, { run = function()
        return '{"temp": 21}' end }) }, parallel_tool_calls = false,
        response_format = { type = "json_schema", json_schema = { name = "w", schema = { type = "object",
          required = { "temp" }, properties = { temp = { type = "number" } } } } } })
      local res = assert(client:chat(r))
      assert.same({ temp = 21 }, res.choices[1].message.parsed)
      local last
      for o in assert(client:stream(r)):objects() do last = o end
      assert.same({ temp = 21 }, last)
    end)
  end)

  describe("callback style", function()
    local function recorder()
      local log = { events = {} }
      local opts = {
        on_chunk = function() log.chunks = (log.chunks or 0) + 1 end,
        on_text = function(t) log.text = (log.text or "") .. t end,
        on_tool_call = function(call) log.events[#log.events + 1] = "call " .. call.name end,
        on_tool_result = function(call) log.events[#log.events + 1] = "result " .. call.name end,
        on_done = function(res) log.res = res; log.events[#log.events + 1] = "done" end,
        on_error = function(err) log.err = err; log.events[#log.events + 1] = "error" end,
      }
      return log, opts
    end

    it("chat and stream with on_tool_call/on_tool_result/on_done (blocking loop)", function()
      local log, opts = recorder()
      local h = client:chat(req("mock/tools", "Oslo", { tools = { weather({}) } }), opts)
      assert.equal("done", h:status())
      assert.same({ "call get_weather", "result get_weather", "call get_weather", "result get_weather", "done" },
        log.events)
      assert.equal(2, #log.res.steps)
      assert.equal(log.res, h:result())

      log, opts = recorder()
      h = client:stream(req("mock/tools", "Oslo", { tools = { weather({}) } }), opts)
      assert.equal("done", h:status())
      assert.same({ "call get_weather", "result get_weather", "call get_weather", "result get_weather", "done" },
        log.events)
      assert.equal(log.res.choices[1].message.content, log.text)
      assert.is_true(log.chunks > 10)
      assert.equal(5, #log.res.messages)
    end)

    it("on_error with kind 'tool' at max_steps; nil, err for an invalid request", function()
      local log, opts = recorder()
      opts.max_steps = 2
      client:chat(req("mock/tools", "Oslo", { tools = { weather({}) }, tool_choice = "required" }), opts)
      assert.equal("tool", log.err.kind)
      local h, err = client:chat({ model = "mock/tools", messages = { { role = "user", content = "x" } },
        temperature = 5, tools = { weather({}) } }, opts)
      assert.is_nil(h)
      assert.equal("validation", err.kind)
    end)

    it("under the manual loop: both styles, with a tool that waits on another request", function()
      local mc = openrouter.new{ loop = "manual", base_url = srv.url, api_key = "sk-or-test" }
      local t = weather({}, { run = function(args, ctx)
        return assert(ctx.client:chat(req("mock/echo", "nested " .. args.city))).choices[1].message.content
      end })
      local log, opts = recorder()
      local h = mc:stream(req("mock/tools", "Oslo", { tools = { t } }), opts)
      local log2, opts2 = recorder()
      local h2 = mc:chat(req("mock/tools", "Bern", { tools = { t } }), opts2)
      local task_res
      local task = openrouter.async(function()
        task_res = assert(mc:chat(req("mock/echo", "call Rome", { tools = { t } })))
      end)
      pump(mc, function() return h:status() ~= "running" and h2:status() ~= "running" and task_res ~= nil end)
      assert.equal("done", h:status(), tostring(log.err))
      assert.equal("done", h2:status(), tostring(log2.err))
      assert.equal("done", task:status())
      assert.equal("nested Oslo", log.res.messages[3].content)
      assert.equal("nested Bern", log2.res.messages[3].content)
      assert.equal("nested Rome", task_res.messages[3].content)
      -- a handle cancelled while it runs
      local log3, opts3 = recorder()
      local h3 = mc:chat(req("mock/tools", "Oslo", { tools = { t } }), opts3)
      h3:cancel()
      pump(mc, function() return log3.err ~= nil end)
      assert.equal("cancelled", log3.err.kind)
      mc:close()
    end)
  end)

  if not ok_uv then
    pending("lua-luv is not installed for this Lua")
    return
  end

  describe("on the luv loop", function()
    local function run_until(cond)
      local t = uv.new_timer()
      local deadline = os.time() + 10
      t:start(5, 5, function() if cond() or os.time() > deadline then t:stop(); uv.stop() end end)
      uv.run()
      if not t:is_closing() then t:close() end
      uv.run("nowait")
      assert(cond(), "timed out")
    end

    it("tasks and callbacks run tools that wait, concurrently", function()
      local lc = openrouter.new{ loop = "luv", base_url = srv.url, api_key = "sk-or-test" }
      local t = weather({}, { run = function(args, ctx)
        return assert(ctx.client:chat(req("mock/echo", "nested " .. args.city),
          { headers = { ["X-Mock-Delay-Ms"] = "2" } })).choices[1].message.content
      end })
      local out = {}
      for i = 1, 3 do
        openrouter.async(function()
          out[i] = assert(lc:chat(req("mock/tools", "City" .. i, { tools = { t } })))
        end)
      end
      openrouter.async(function()
        local s = assert(lc:stream(req("mock/tools", "Streamed", { tools = { t } })))
        local n = 0
        while true do                 -- no for-in: PUC 5.1 cannot yield from an iterator
          local ok, c = async.pcall(s.next, s)
          assert(ok, c)
          if not c then break end
          n = n + 1
        end
        out.stream_chunks, out.stream = n, assert(s:result())
      end)
      lc:stream(req("mock/tools", "Callback", { tools = { t } }), {
        on_done = function(res) out.cb = res end,
        on_error = function(err) out.cb = err end,
      })
      run_until(function() return out[1] and out[2] and out[3] and out.stream and out.cb end)
      for i = 1, 3 do assert.equal("nested City" .. i, out[i].messages[3].content) end
      assert.equal("nested Streamed", out.stream.messages[3].content)
      assert.is_true(out.stream_chunks > 10)
      assert.equal("nested Callback", out.cb.messages[3].content)
      lc:close()
      uv.run("nowait")
    end)
  end)
end)
