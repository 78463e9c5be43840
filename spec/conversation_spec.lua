-- Conversations: client:conversation{ ... } keeps the history across turns
-- (say, stream), sums usage, preserves tool runs and reasoning_details,
-- forks; request defaults from the constructor, overrides per turn.
local openrouter = require("openrouter")
local async = require("openrouter.async")
local mock = require("support.mock_server")
local pump = require("support.pump")
local ok_uv, uv = pcall(require, "luv")

local function roles(conv)
  local out = {}
  for i, m in ipairs(conv.messages) do out[i] = m.role end
  return table.concat(out, ",")
end

local function weather(log)
  return openrouter.tool{
    name = "get_weather",
    parameters = { type = "object", required = { "city" }, properties = { city = { type = "string" } } },
    run = function(args)
      if log then log[#log + 1] = args.city end
      return { city = args.city, sky = "clear" }
    end,
  }
end

describe("conversations", function()
  local srv, client
  setup(function()
    srv = mock.start()
    client = openrouter.new{ base_url = srv.url, api_key = "sk-or-test" }
  end)
  teardown(function() srv.stop() end)

  it("raises on misuse", function()
    local function msg(f)
      local ok, e = pcall(f)
      assert.is_false(ok)
      return tostring(e)
    end
    assert.truthy(msg(function() client:conversation("mock/echo") end):find("expected a table"))
    assert.truthy(msg(function() client:conversation{ system = 1 } end):find("'system' must be a string"))
    assert.truthy(msg(function() client:conversation{ messages = "hi" } end):find("'messages' must be a list"))
    assert.truthy(msg(function() client:conversation{ tools = "all" } end):find("'tools' must be a list"))
    local conv = client:conversation{ model = "mock/echo" }
    assert.truthy(msg(function() conv:say(42) end):find("expected a string or a list of content parts"))
    assert.truthy(msg(function() conv:say() end):find("expected a string"))
    assert.truthy(msg(function() conv:stream(true) end):find("expected a string"))
    assert.truthy(msg(function() conv:say("x", "fast") end):find("options must be a table"))
    assert.truthy(msg(function() conv:say("x", { messages = {} }) end):find("belongs to the conversation"))
    local tconv = client:conversation{ model = "mock/echo", tools = { weather() } }
    assert.truthy(msg(function() tconv:say("x", { max_steps = 0 }) end):find("'max_steps' must be an integer >= 1"))
    assert.equal(0, #conv.messages)
  end)

  it("say() keeps the history: system, user, assistant, turn after turn", function()
    local conv = client:conversation{ model = "mock/echo", system = "Be brief." }
    assert.equal("system", roles(conv))
    local text, res = conv:say("first question")
    assert.equal("first question", text)
    assert.equal("first question", res.choices[1].message.content)
    assert.equal("system,user,assistant", roles(conv))
    local text2, res2 = conv:say("second")
    assert.equal("second", text2)
    assert.equal("system,user,assistant,user,assistant", roles(conv))
    assert.equal("first question", conv.messages[3].content)
    -- the whole history was sent: the prompt grew
    assert.is_true(res2.usage.prompt_tokens > res.usage.prompt_tokens)
    -- usage summed over turns
    assert.equal(res.usage.total_tokens + res2.usage.total_tokens, conv.usage.total_tokens)
    assert.equal(res.usage.prompt_tokens + res2.usage.prompt_tokens, conv.usage.prompt_tokens)
    assert.is_true(math.abs(res.usage.cost + res2.usage.cost - conv.usage.cost) < 1e-12)
    assert.equal(2, conv.usage.requests)
    assert.equal("openrouter.Conversation(5 messages)", tostring(conv))
    -- the history is valid to send as it is
    assert.is_true(openrouter.validate_request{ model = "mock/echo", messages = conv.messages })
  end)

  it("takes content parts and an earlier history", function()
    local conv = client:conversation{ model = "mock/echo", messages = {
      { role = "user", content = "earlier" }, { role = "assistant", content = "reply" } } }
    local text = conv:say({ { type = "text", text = "part one, " }, { type = "text", text = "part two" } })
    assert.equal("part one, part two", text)
    assert.equal("user,assistant,user,assistant", roles(conv))
    assert.equal("table", type(conv.messages[3].content))
  end)

  it("applies constructor fields as request defaults; say's extra keys override one turn", function()
    local conv = client:conversation{ model = "mock/echo", max_tokens = 2, temperature = 0.5 }
    local text, res = conv:say("a long message to cut")
    assert.equal("a lo", text:sub(1, 4))
    assert.equal(8, #text)                                  -- two pieces of four characters
    assert.equal("length", res.choices[1].finish_reason)
    text = conv:say("a long message to cut", { max_tokens = 100 })
    assert.equal("a long message to cut", text)
    text = conv:say("again cut here")                       -- the default is back
    assert.equal(8, #text)
    -- call options go to the call
    local _, err = conv:say("x", { headers = { ["X-Mock-Fault"] = "status=400" } })
    assert.equal("http", err.kind)
  end)

  it("a failed turn leaves the history unchanged", function()
    local conv = client:conversation{ model = "mock/echo" }
    conv:say("ok")
    local before = roles(conv)
    local text, err = conv:say("fails", { headers = { ["X-Mock-Fault"] = "status=500" }, max_retries = 0 })
    assert.is_nil(text)
    assert.equal("http", err.kind)
    assert.equal(before, roles(conv))
    text, err = conv:say("invalid", { temperature = 5 })   -- the documented range is 0-2
    assert.is_nil(text)
    assert.equal("validation", err.kind)
    assert.equal(before, roles(conv))
    assert.equal(1, conv.usage.requests)
  end)

  it("keeps tool runs in the history and sums the usage of every step", function()
    local log = {}
    local conv = client:conversation{ model = "mock/echo", tools = { weather(log) } }
    local text, res = conv:say("call Oslo")
    assert.truthy(text:find('"sky":"clear"', 1, true))
    assert.equal("user,assistant,tool,tool,assistant", roles(conv))
    assert.equal(2, #res.steps)
    local u = res.steps[1].response.usage.total_tokens + res.steps[2].response.usage.total_tokens
    assert.equal(u, conv.usage.total_tokens)
    assert.equal(2, conv.usage.requests)
    text = conv:say("thanks")
    assert.equal("thanks", text)
    assert.equal("user,assistant,tool,tool,assistant,user,assistant", roles(conv))
    assert.same({ "Oslo", "Oslo" }, log)
    assert.equal(conv.messages[2].tool_calls[1].id, conv.messages[3].tool_call_id)
  end)

  it("preserves reasoning_details across turns", function()
    local conv = client:conversation{ model = "mock/echo", reasoning = { enabled = true } }
    conv:say("think")
    local a = conv.messages[2]
    assert.equal("reasoning.text", a.reasoning_details[1].type)
    conv:say("again")
    assert.equal(a, conv.messages[2])
    assert.equal("reasoning.text", conv.messages[4].reasoning_details[1].type)
    -- streamed turns too
    local s = assert(conv:stream("streamed thought"))
    assert(s:result())
    assert.equal("reasoning.text", conv.messages[6].reasoning_details[1].type)
  end)

  it("stream():text() reads through the text path (no chunk table is built)", function()
    local conv = client:conversation{ model = "mock/echo", system = "s" }
    local Stream = require("openrouter.stream").Stream
    local poll = Stream._poll
    Stream._poll = function() error("a chunk was built for text()") end
    local ok, e = pcall(function()
      local got = {}
      for t in assert(conv:stream("second answer")):text() do got[#got + 1] = t end
      return table.concat(got)
    end)
    Stream._poll = poll
    assert.is_true(ok, e)
    assert.equal("second answer", e)
    assert.equal("system,user,assistant", roles(conv))
  end)

  it("stream() appends the reply when the stream completes", function()
    local conv = client:conversation{ model = "mock/echo", system = "s" }
    local s = assert(conv:stream("streamed answer"))
    local parts = {}
    for t in s:text() do
      parts[#parts + 1] = t
      assert.equal("system", roles(conv))                 -- not before it completes
    end
    assert.equal("streamed answer", table.concat(parts))
    assert.equal("system,user,assistant", roles(conv))
    assert.equal("streamed answer", conv.messages[3].content)
    local res = assert(s:result())                        -- once only
    assert.equal("streamed answer", res.choices[1].message.content)
    assert.equal(3, #conv.messages)
    assert.equal(res.usage.total_tokens, conv.usage.total_tokens)
    -- result() alone, chunk iteration, status and request id
    s = assert(conv:stream("second"))
    local n = 0
    for _ in s do n = n + 1 end
    assert.is_true(n > 1)
    assert.equal(200, s:status())
    assert.truthy(s.request_id:find("^gen%-"))
    assert.equal("second", conv.messages[5].content)
  end)

  it("a cancelled or failed stream leaves the history unchanged", function()
    local conv = client:conversation{ model = "mock/lorem" }
    local s = assert(conv:stream("x", { headers = { ["X-Mock-Tokens"] = "200", ["X-Mock-Delay-Ms"] = "2" } }))
    assert.is_table(s:next())
    s:cancel()
    local res, err = s:result()
    assert.is_nil(res)
    assert.equal("cancelled", err.kind)
    assert.equal(0, #conv.messages)
    s = assert(conv:stream("x", { headers = { ["X-Mock-Fault"] = "midstream_error" } }))
    local ok, e = pcall(function() for _ in s do end end)
    assert.is_false(ok)
    assert.equal("api", e.kind)
    assert.equal(0, #conv.messages)
    assert.is_table(s:partial())
    assert.equal(e, s:error())
  end)

  it("streams tool runs and structured outputs", function()
    local conv = client:conversation{ model = "mock/echo", tools = { weather() } }
    local s = assert(conv:stream("call Rome"))
    assert(s:result())
    assert.equal("user,assistant,tool,tool,assistant", roles(conv))
    local sconv = client:conversation{ model = "mock/echo", response_format = { type = "json_schema",
      json_schema = { name = "n", schema = { type = "object", required = { "n" },
        properties = { n = { type = "number" } } } } } }
    local last
    for o in assert(sconv:stream('{"n": 42}')):objects() do last = o end
    assert.same({ n = 42 }, last)
    local _, res = sconv:say('{"n": 7}')
    assert.same({ n = 7 }, res.choices[1].message.parsed)
    local none, err = sconv:say('{"n": "seven"}')
    assert.is_nil(none)
    assert.equal("output", err.kind)
    assert.equal(4, #sconv.messages)                         -- the mismatch was not kept
  end)

  it("fork() copies the history deeply; both go on independently", function()
    local conv = client:conversation{ model = "mock/echo", system = "s", temperature = 0.1 }
    conv:say("shared")
    local other = conv:fork()
    assert.same(conv.messages, other.messages)
    assert.are_not.equal(conv.messages, other.messages)
    assert.are_not.equal(conv.messages[2], other.messages[2])
    assert.same(conv.usage, other.usage)
    assert.equal(0.1, other.defaults.temperature)
    other:say("only in the fork")
    conv:say("only in the original")
    assert.equal(5, #conv.messages)
    assert.equal(5, #other.messages)
    assert.equal("only in the original", conv.messages[4].content)
    assert.equal("only in the fork", other.messages[4].content)
    other.messages[2].content = "changed"
    assert.equal("shared", conv.messages[2].content)
    assert.are_not.equal(conv.usage.total_tokens, other.usage.total_tokens + 1000)
    assert.equal(2, conv.usage.requests)
    assert.equal(2, other.usage.requests)
  end)

  describe("callback style", function()
    it("say and stream with on_done/on_text (blocking loop): history updated before on_done", function()
      local conv = client:conversation{ model = "mock/echo" }
      local seen
      local h = conv:say("cb", { on_done = function(res) seen = { #conv.messages, res } end,
                                 on_error = function(e) error(e) end })
      assert.equal("done", h:status())
      assert.equal(2, seen[1])
      assert.equal("cb", seen[2].choices[1].message.content)
      local text = {}
      h = conv:stream("cb stream", { on_text = function(t) text[#text + 1] = t end,
                                     on_done = function() seen = #conv.messages end,
                                     on_error = function(e) error(e) end })
      assert.equal("done", h:status())
      assert.equal("cb stream", table.concat(text))
      assert.equal(4, seen)
      local failed
      conv:say("bad", { headers = { ["X-Mock-Fault"] = "status=400" }, on_error = function(e) failed = e end })
      assert.equal("http", failed.kind)
      assert.equal(4, #conv.messages)
    end)

    it("under the manual loop", function()
      local mc = openrouter.new{ loop = "manual", base_url = srv.url, api_key = "sk-or-test" }
      local conv = mc:conversation{ model = "mock/echo", tools = { weather() } }
      local done
      conv:say("call Bern", { on_done = function() done = true end, on_error = function(e) done = e end })
      pump(mc, function() return done ~= nil end)
      assert.is_true(done)
      assert.equal("user,assistant,tool,tool,assistant", roles(conv))
      local out
      openrouter.async(function()
        local s = assert(conv:stream("in a task"))
        out = assert(s:result())
      end)
      pump(mc, function() return out ~= nil end)
      assert.equal("in a task", out.choices[1].message.content)
      assert.equal(7, #conv.messages)
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

    it("turns in a task and with callbacks", function()
      local lc = openrouter.new{ loop = "luv", base_url = srv.url, api_key = "sk-or-test" }
      local conv = lc:conversation{ model = "mock/echo", system = "s", tools = { weather() } }
      local out = {}
      openrouter.async(function()
        out.a = conv:say("one")
        out.b = conv:say("call Kyiv")
        local s = assert(conv:stream("three"))
        local parts = {}
        while true do                 -- no for-in: PUC 5.1 cannot yield from an iterator
          local ok, c = async.pcall(s.next, s)
          assert(ok, c)
          if not c then break end
          local d = c.choices[1] and c.choices[1].delta
          if d and d.content then parts[#parts + 1] = d.content end
        end
        out.c = table.concat(parts)
        local other = conv:fork()
        other:stream("four", { on_done = function() out.d = other end, on_error = function(e) out.d = e end })
      end)
      run_until(function() return out.d ~= nil end)
      assert.equal("one", out.a)
      assert.truthy(out.b:find("Kyiv", 1, true))
      assert.equal("three", out.c)
      assert.equal("system,user,assistant,user,assistant,tool,tool,assistant,user,assistant", roles(conv))
      assert.equal(12, #out.d.messages)
      assert.equal("four", out.d.messages[12].content)
      local first10 = {}
      for i = 1, 10 do first10[i] = out.d.messages[i] end
      assert.same(conv.messages, first10)
      lc:close()
      uv.run("nowait")
    end)
  end)
end)
