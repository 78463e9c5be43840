-- The accumulator (openrouter.accumulator): chunks in, a chat()-shaped
-- response out.  Direct unit cases on hand-written chunks, then the
-- simulator's reasoning and tool-call streams through a real client.
local accumulator = require("openrouter.accumulator")
local cjson = require("cjson")
local null = cjson.null          -- the same value as openrouter.null

-- Feed chunks, return the built response.
local function run(chunks)
  local acc = accumulator.new()
  for _, c in ipairs(chunks) do accumulator.add(acc, c) end
  return accumulator.build(acc), acc
end

local function delta(d, extra)
  local ch = { index = 0, delta = d }
  for k, v in pairs(extra or {}) do ch[k] = v end
  return { id = "gen-1", object = "chat.completion.chunk", choices = { ch } }
end

describe("accumulator", function()
  it("starts empty: no choices, not finished, nothing counted", function()
    local out, acc = run({})
    assert.same({}, out.choices)
    assert.equal("chat.completion", out.object)
    assert.is_false(accumulator.finished(acc))
    assert.equal(0, accumulator.count(acc))
  end)

  it("concatenates content, keeps the role, defaults the role to assistant", function()
    local out, acc = run({
      delta({ role = "assistant", content = "" }),
      delta({ content = "Hel" }),
      delta({ content = "lo" }),
      delta({ content = null }),
      delta({}, { finish_reason = "stop" }),
    })
    local msg = out.choices[1].message
    assert.equal("Hello", msg.content)
    assert.equal("assistant", msg.role)
    assert.equal(5, accumulator.count(acc))
    assert.equal("assistant", run({ delta({ content = "x" }) }).choices[1].message.role)
    assert.equal("tool", run({ delta({ role = "tool", content = "x" }) }).choices[1].message.role)
  end)

  it("content is null when no content came, as in chat(); reasoning and refusal absent", function()
    local msg = run({ delta({ role = "assistant" }) }).choices[1].message
    assert.equal(null, msg.content)
    assert.is_nil(msg.reasoning)
    assert.is_nil(msg.refusal)
    assert.is_nil(msg.tool_calls)
    assert.is_nil(msg.reasoning_details)
  end)

  it("concatenates reasoning and refusal separately from content", function()
    local msg = run({
      delta({ reasoning = "Let me " }),
      delta({ reasoning = "think." }),
      delta({ refusal = "I can" }),
      delta({ refusal = "not." }),
      delta({ content = "No." }),
    }).choices[1].message
    assert.equal("Let me think.", msg.reasoning)
    assert.equal("I cannot.", msg.refusal)
    assert.equal("No.", msg.content)
  end)

  it("merges reasoning_details by index, appending those without one", function()
    local msg = run({
      delta({ reasoning_details = { { type = "reasoning.text", index = 0, text = "Step ", format = "x" } } }),
      delta({ reasoning_details = { { type = "reasoning.text", index = 0, text = "one." } } }),
      delta({ reasoning_details = { { type = "reasoning.summary", index = 1, summary = "Sum" } } }),
      delta({ reasoning_details = { { type = "reasoning.summary", index = 1, summary = "mary", signature = "sig" } } }),
      delta({ reasoning_details = { { type = "reasoning.encrypted", data = "abc" } } }),
      delta({ reasoning_details = { { type = "reasoning.encrypted", data = "def" } } }),
      delta({ reasoning_details = { { type = "reasoning.text", index = 0, text = "..", signature = null } } }),
    }).choices[1].message
    local d = msg.reasoning_details
    assert.equal(4, #d)
    assert.same({ type = "reasoning.text", index = 0, text = "Step one...", format = "x" }, d[1])
    assert.same({ type = "reasoning.summary", index = 1, summary = "Summary", signature = "sig" }, d[2])
    assert.same({ type = "reasoning.encrypted", data = "abc" }, d[3])
    assert.same({ type = "reasoning.encrypted", data = "def" }, d[4])
  end)

  it("content is null for a tool-call-only turn whose chunks carried empty content", function()
    local msg = run({
      delta({ role = "assistant", content = "" }),
      delta({ content = null, tool_calls = { { index = 0, id = "call_1", type = "function",
                                               ["function"] = { name = "f", arguments = "{}" } } } }),
      delta({ content = "" }, { finish_reason = "tool_calls" }),
    }).choices[1].message
    assert.equal(null, msg.content)
    assert.equal(1, #msg.tool_calls)
  end)

  it("merges reasoning_details by index and type: a summary and an encrypted entry at one index stay apart", function()
    local msg = run({
      delta({ reasoning_details = { { type = "reasoning.summary", index = 0, summary = "Two ", format = "xai" } } }),
      delta({ reasoning_details = { { type = "reasoning.summary", index = 0, summary = "steps." } } }),
      delta({ reasoning_details = { { type = "reasoning.encrypted", index = 0, data = "QUJD", id = "rs_1" } } }),
      delta({ reasoning_details = { { type = "reasoning.summary", index = 0, summary = " More." } } }),
    }).choices[1].message
    assert.same({
      { type = "reasoning.summary", index = 0, summary = "Two steps. More.", format = "xai" },
      { type = "reasoning.encrypted", index = 0, data = "QUJD", id = "rs_1" },
    }, msg.reasoning_details)
  end)

  it("a reasoning detail without a type continues the last entry at its index", function()
    local msg = run({
      delta({ reasoning_details = { { type = "reasoning.summary", index = 0, summary = "a" } } }),
      delta({ reasoning_details = { { type = "reasoning.encrypted", index = 0, data = "b" } } }),
      delta({ reasoning_details = { { index = 0, data = "c" } } }),
    }).choices[1].message
    assert.same({
      { type = "reasoning.summary", index = 0, summary = "a" },
      { type = "reasoning.encrypted", index = 0, data = "bc" },
    }, msg.reasoning_details)
  end)

  it("an index that is NaN (cjson decodes it) does not raise", function()
    local nan = 0 / 0
    local out = run({
      { id = "g", choices = { { index = nan, delta = { content = "a",
        tool_calls = { { index = nan, id = "c", ["function"] = { name = "f", arguments = "{}" } } },
        reasoning_details = { { type = "reasoning.text", index = nan, text = "r" } } } } } },
      { id = "g", choices = { { index = 0, delta = { content = "b",
        reasoning_details = { { type = "reasoning.text", index = nan, text = "s" } } } } } },
    })
    local msg = out.choices[1].message
    assert.equal("ab", msg.content)
    assert.equal(1, #msg.tool_calls)
    assert.equal(2, #msg.reasoning_details)
  end)

  it("merges tool_calls by index: id, type and name kept, arguments concatenated", function()
    local msg = run({
      delta({ tool_calls = { { index = 0, id = "call_1", type = "function",
                               ["function"] = { name = "get_weather", arguments = "" } } } }),
      delta({ tool_calls = { { index = 0, ["function"] = { arguments = "{\"city\":" } } } }),
      delta({ tool_calls = { { index = 0, id = null, ["function"] = { name = null, arguments = "\"Paris\"}" } } } }),
      delta({}, { finish_reason = "tool_calls" }),
    }).choices[1].message
    assert.equal(1, #msg.tool_calls)
    assert.same({ index = 0, id = "call_1", type = "function",
                  ["function"] = { name = "get_weather", arguments = "{\"city\":\"Paris\"}" } }, msg.tool_calls[1])
  end)

  it("keeps parallel tool calls apart, in the order they started", function()
    local msg = run({
      delta({ tool_calls = {
        { index = 1, id = "call_b", type = "function", ["function"] = { name = "b", arguments = "{\"y\"" } },
        { index = 0, id = "call_a", type = "function", ["function"] = { name = "a", arguments = "{\"x\"" } },
      } }),
      delta({ tool_calls = { { index = 0, ["function"] = { arguments = ":1}" } } } }),
      delta({ tool_calls = { { index = 1, ["function"] = { arguments = ":2}" } } } }),
    }).choices[1].message
    assert.equal(2, #msg.tool_calls)
    assert.equal("call_b", msg.tool_calls[1].id)
    assert.equal("{\"y\":2}", msg.tool_calls[1]["function"].arguments)
    assert.equal("call_a", msg.tool_calls[2].id)
    assert.equal("{\"x\":1}", msg.tool_calls[2]["function"].arguments)
  end)

  it("numbers tool calls without an index in arrival order", function()
    local msg = run({
      delta({ tool_calls = { { id = "c1", ["function"] = { name = "f", arguments = "{}" } } } }),
      delta({ tool_calls = { { id = "c2", ["function"] = { name = "g", arguments = "[]" } } } }),
    }).choices[1].message
    assert.equal(2, #msg.tool_calls)
    assert.equal(0, msg.tool_calls[1].index)
    assert.equal(1, msg.tool_calls[2].index)
    assert.equal("[]", msg.tool_calls[2]["function"].arguments)
  end)

  it("keeps multiple choices apart, sorted by index", function()
    local out = run({
      { id = "g", choices = { { index = 1, delta = { content = "B1" } }, { index = 0, delta = { content = "A1" } } } },
      { id = "g", choices = { { index = 0, delta = { content = "A2" } } } },
      { id = "g", choices = { { index = 1, delta = { content = "B2" }, finish_reason = "length" } } },
      { id = "g", choices = { { index = 0, delta = {}, finish_reason = "stop" } } },
    })
    assert.equal(2, #out.choices)
    assert.equal(0, out.choices[1].index)
    assert.equal("A1A2", out.choices[1].message.content)
    assert.equal("stop", out.choices[1].finish_reason)
    assert.equal(1, out.choices[2].index)
    assert.equal("B1B2", out.choices[2].message.content)
    assert.equal("length", out.choices[2].finish_reason)
  end)

  it("appends logprobs arrays and keeps their other fields", function()
    local out = run({
      delta({ content = "a" }, { logprobs = { content = { { token = "a", logprob = -0.1 } }, refusal = null } }),
      delta({ content = "b" }, { logprobs = { content = { { token = "b", logprob = -0.2 } } } }),
      delta({ content = "c" }),
    })
    local lp = out.choices[1].logprobs
    assert.equal(2, #lp.content)
    assert.equal("a", lp.content[1].token)
    assert.equal("b", lp.content[2].token)
    assert.is_nil(run({ delta({ content = "x" }) }).choices[1].logprobs)
  end)

  it("appends annotations and images", function()
    local msg = run({
      delta({ annotations = { { type = "url_citation", url_citation = { url = "https://a" } } } }),
      delta({ images = { { type = "image_url", image_url = { url = "data:image/png;base64,AA" } } } }),
      delta({ annotations = { { type = "url_citation", url_citation = { url = "https://b" } } } }),
    }).choices[1].message
    assert.equal(2, #msg.annotations)
    assert.equal("https://b", msg.annotations[2].url_citation.url)
    assert.equal(1, #msg.images)
    assert.is_nil(run({ delta({ content = "x" }) }).choices[1].message.annotations)
  end)

  it("keeps unknown delta fields on the message, null ones left out", function()
    local msg = run({ delta({ content = "x", audio = { id = "au_1" }, weird = null }) }).choices[1].message
    assert.same({ id = "au_1" }, msg.audio)
    assert.is_nil(msg.weird)
  end)

  it("keeps usage, provider, model, id and other top-level fields from the chunks", function()
    local out = run({
      { id = "gen-42", object = "chat.completion.chunk", created = 1700000000, model = "openai/gpt-4o",
        provider = "OpenAI", choices = { { index = 0, delta = { role = "assistant", content = "hi" } } } },
      { id = "gen-42", model = "openai/gpt-4o", provider = "OpenAI", system_fingerprint = "fp_1",
        choices = { { index = 0, delta = {}, finish_reason = "stop" } } },
      { id = "gen-42", choices = {},
        usage = { prompt_tokens = 3, completion_tokens = 1, total_tokens = 4, cost = 0.5 } },
    })
    assert.equal("gen-42", out.id)
    assert.equal("openai/gpt-4o", out.model)
    assert.equal("OpenAI", out.provider)
    assert.equal(1700000000, out.created)
    assert.equal("fp_1", out.system_fingerprint)
    assert.same({ prompt_tokens = 3, completion_tokens = 1, total_tokens = 4, cost = 0.5 }, out.usage)
    assert.equal("chat.completion", out.object)
    assert.is_nil(out.error)
  end)

  it("keeps finish_reason and native_finish_reason, a later null not erasing them", function()
    local out, acc = run({
      delta({ content = "x" }),
      delta({}, { finish_reason = "stop", native_finish_reason = "end_turn" }),
      delta({}, { finish_reason = null, native_finish_reason = null }),
    })
    assert.equal("stop", out.choices[1].finish_reason)
    assert.equal("end_turn", out.choices[1].native_finish_reason)
    assert.is_true(accumulator.finished(acc))
    local _, open = run({ delta({ content = "x" }, { finish_reason = null }) })
    assert.is_false(accumulator.finished(open))
  end)

  it("build() returns a snapshot: later chunks do not change it", function()
    local acc = accumulator.new()
    accumulator.add(acc, delta({ content = "a", reasoning_details = { { index = 0, text = "r" } },
                                 annotations = { { n = 1 } } }))
    local first = accumulator.build(acc)
    accumulator.add(acc, delta({ content = "b", reasoning_details = { { index = 0, text = "s" } },
                                 annotations = { { n = 2 } } }))
    assert.equal("a", first.choices[1].message.content)
    assert.equal("r", first.choices[1].message.reasoning_details[1].text)
    assert.equal(1, #first.choices[1].message.annotations)
    local second = accumulator.build(acc)
    assert.equal("ab", second.choices[1].message.content)
    assert.equal("rs", second.choices[1].message.reasoning_details[1].text)
  end)

  it("a tool call with keys named args or fn does not raise (they are the call's fields)", function()
    local msg = run({
      delta({ tool_calls = { { index = 0, id = "c", args = "x", fn = { a = 1 },
                               ["function"] = { name = "f", arguments = "{" } } } }),
      delta({ tool_calls = { { index = 0, ["function"] = { arguments = "}" } } } }),
    }).choices[1].message
    assert.same({ index = 0, id = "c", args = "x", fn = { a = 1 },
                  ["function"] = { name = "f", arguments = "{}" } }, msg.tool_calls[1])
  end)

  it("a logprobs field that was null and then an array does not raise: the array starts the list", function()
    local out = run({
      delta({ content = "a" }, { logprobs = { content = null, refusal = { { token = "r" } } } }),
      delta({ content = "b" }, { logprobs = { content = { { token = "b" } }, refusal = null } }),
      delta({ content = "c" }, { logprobs = { content = { { token = "c" } } } }),
    })
    local lp = out.choices[1].logprobs
    assert.same({ { token = "b" }, { token = "c" } }, lp.content)
    assert.equal(null, lp.refusal)
  end)

  it("ignores a decoded JSON array where an object belongs", function()
    local json = require("openrouter.json")
    local out = run({
      json.decode('{"id":"g","choices":[[1],{"index":0,"delta":[1,2]}]}'),
      json.decode('{"id":"g","choices":[{"index":0,"delta":{"content":"ok","tool_calls":[[1],'
        .. '{"index":0,"function":[1]}],"reasoning_details":[[1]]},"logprobs":[1]}]}'),
      json.decode('[1,2]'),
    })
    local msg = out.choices[1].message
    assert.equal("ok", msg.content)
    assert.same({ { index = 0, ["function"] = { arguments = "" } } }, msg.tool_calls)
    assert.is_nil(msg.reasoning_details)
    assert.is_nil(out.choices[1].logprobs)
    assert.is_nil(out[1])
  end)

  it("ignores what is not a table where tables belong", function()
    local out = run({
      { id = "g", choices = { "junk", { index = 0, delta = "junk" } } },
      { id = "g", choices = { { index = 0,
        delta = { content = "ok", tool_calls = { "x" }, reasoning_details = { 1 } } } } },
      { id = "g", choices = "junk" },
    })
    assert.equal("ok", out.choices[1].message.content)
    assert.is_nil(out.choices[1].message.tool_calls)
    assert.is_nil(out.choices[1].message.reasoning_details)
  end)
end)

describe("accumulator on the simulator's streams", function()
  local openrouter = require("openrouter")
  local mock = require("support.mock_server")
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function client()
    return openrouter.new{ base_url = srv.url, api_key = "sk-or-acc", max_retries = 0 }
  end

  local function req(model, content, extra)
    local r = { model = model, messages = { { role = "user", content = content or "hello" } } }
    for k, v in pairs(extra or {}) do r[k] = v end
    return r
  end

  it("accumulates reasoning and tool calls", function()
    local s = assert(client():stream(req("mock/tools", "call the tools", {
      tools = { { type = "function", ["function"] = { name = "get_weather", parameters = { type = "object" } } } },
    })))
    local final = assert(s:result())
    local msg = final.choices[1].message
    assert.are.equal("tool_calls", final.choices[1].finish_reason)
    assert.is_true(#msg.tool_calls >= 1)
    for _, tc in ipairs(msg.tool_calls) do
      assert.truthy(tc.id)
      assert.are.equal("function", tc.type)
      assert.is_string(tc["function"].name)
      assert.is_table(cjson.decode(tc["function"].arguments))
    end
    local r = assert(client():stream(req("mock/lorem:thinking"))):result()
    assert.is_string(r.choices[1].message.reasoning)
    assert.is_true(#r.choices[1].message.reasoning_details >= 1)
  end)

  it("stream:result() is the accumulation of the chunks the iterator gave", function()
    local s = assert(client():stream(req("mock/tools", "call the tools", {
      tools = { { type = "function", ["function"] = { name = "get_weather", parameters = { type = "object" } } } },
    })))
    local acc = accumulator.new()
    for chunk in s do accumulator.add(acc, chunk) end
    assert.same(accumulator.build(acc), assert(s:result()))
  end)
end)
