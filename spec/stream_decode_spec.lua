-- The chunk decoder (core.chunk_decoder, src/lchunk.c with the scanner
-- src/chunk.c and the accumulator src/accum.c), the C path every stream
-- reads through: its own behaviour, then differentially against the
-- reference (core.json_decode + openrouter.accumulator) on the
-- accumulator spec's rules, the stream fixtures, edge cases and a
-- generated corpus (spec/support/chunk_diff.lua; fuzz/fuzz_chunk.c goes
-- on from there).
local core = require("openrouter.core")
local diff = require("support.chunk_diff")
local mock = require("support.mock_server")

local null = core.json_null
local encode = core.json_encode
local FIXTURES = mock.root .. "/spec/fixtures/streams"

local function check(texts)
  local ok, why = diff.check(texts)
  assert(ok, why)
end

local function chunk(choices, top)
  local c = { id = "gen-1", object = "chat.completion.chunk", choices = choices }
  for k, v in pairs(top or {}) do c[k] = v end
  return assert(encode(c))
end

local function delta(d, extra)
  local ch = { index = 0, delta = d }
  for k, v in pairs(extra or {}) do ch[k] = v end
  return chunk({ ch })
end

describe("chunk decoder", function()
  it("hands out chunk tables equal to core.json_decode's, and their text", function()
    local s = '{"id":"gen-1","created":1700000000,"choices":[{"index":0,"delta":'
      .. '{"role":"assistant","content":"Hi \\u00e9\\n"},"finish_reason":null,"logprobs":null}],'
      .. '"usage":{"cost":0.5,"big":9007199254740993,"list":[],"obj":{}}}'
    local dec = core.chunk_decoder()
    dec:push(s)
    dec:push(s)
    local c = dec:next()
    assert.is_true(diff.same(core.json_decode(s), c, true))
    assert.equal(getmetatable(core.json_decode("[]")), getmetatable(c.choices))
    assert.equal(null, c.choices[1].finish_reason)
    assert.equal("Hi \195\169\n", dec:text())
    assert.is_nil(dec:next())
    assert.equal(2, dec:count())
    assert.equal("gen-1", dec:request_id())
    assert.equal("Hi \195\169\nHi \195\169\n", dec:build().choices[1].message.content)
  end)

  it("consumes [DONE] and counts what comes after it", function()
    local dec = core.chunk_decoder()
    dec:push(delta({ content = "a" }))
    dec:push("[DONE]")
    dec:push("not json")
    dec:push(delta({ content = "b" }))
    assert.equal(4, dec:pending())
    assert.equal("a", dec:text())
    assert.is_false(dec:done())
    assert.is_nil(dec:text())
    assert.is_true(dec:done())
    assert.equal(2, dec:after_done())
    assert.equal(1, dec:count())
    assert.equal(0, dec:pending())
  end)

  it("a data event that is not JSON, or not an object or array, is bad and not accumulated", function()
    for _, data in ipairs{ "{bad", "", "42", '"text"', "null", "true", '{"a":1} x', "\255" } do
      local dec = core.chunk_decoder()
      dec:push(data)
      local v, what, x = dec:next()
      assert.is_false(v)
      assert.equal("bad", what)
      assert.equal(data, x)
      assert.equal(0, dec:count())
    end
    local dec = core.chunk_decoder()
    dec:push("[1,2]")
    assert.same({ 1, 2 }, dec:next())                 -- a table: counted, nothing accumulated
    assert.equal(1, dec:count())
    assert.same({}, dec:build().choices)
  end)

  it("a chunk with an error object comes back as a failure, accumulated first", function()
    local dec = core.chunk_decoder()
    dec:push(delta({ content = "partial" }))
    dec:push('{"id":"gen-9","error":{"code":502,"message":"upstream"},"choices":[{"index":0,'
      .. '"delta":{"content":"!"},"finish_reason":"error"}]}')
    assert.equal("partial", dec:text())
    local v, what, c = dec:text()
    assert.is_false(v)
    assert.equal("error", what)
    assert.equal(502, c.error.code)
    local out = dec:build()
    assert.equal("partial!", out.choices[1].message.content)
    assert.equal("error", out.choices[1].finish_reason)
    assert.is_nil(out.error)
  end)

  it("drain() reads everything queued, building nothing; clear() drops it", function()
    local dec = core.chunk_decoder()
    for i = 1, 5 do dec:push(delta({ content = tostring(i) })) end
    assert.is_nil(dec:drain())
    assert.equal("12345", dec:build().choices[1].message.content)
    dec:push(delta({ content = "x" }))
    dec:clear()
    assert.is_nil(dec:next())
    assert.equal(5, dec:count())
  end)

  it("misuse raises; a closed decoder raises", function()
    local dec = core.chunk_decoder()
    assert.has_error(function() dec:push(nil) end)
    assert.has_error(function() dec.next({}) end)
    dec:close()
    dec:close()
    assert.has_error(function() dec:next() end, "attempt to use a closed chunk decoder")
  end)
end)

describe("chunk decoder against the reference", function()
  it("on the accumulator spec's rules", function()
    local lp = { content = { { token = "a", logprob = -0.1 } }, refusal = null }
    local cases = {
      {},
      { delta({ role = "assistant", content = "" }), delta({ content = "Hel" }), delta({ content = "lo" }),
        delta({ content = null }), delta({}, { finish_reason = "stop" }) },
      { delta({ role = "tool", content = "x" }) },
      { delta({ role = "assistant" }) },
      { delta({ reasoning = "Let me " }), delta({ reasoning = "think." }), delta({ refusal = "I can" }),
        delta({ refusal = "not." }), delta({ content = "No." }), delta({ reasoning = "" }) },
      { delta({ reasoning_details = { { type = "reasoning.text", index = 0, text = "Step ", format = "x" } } }),
        delta({ reasoning_details = { { type = "reasoning.text", index = 0, text = "one." } } }),
        delta({ reasoning_details = { { type = "reasoning.summary", index = 1, summary = "Sum" } } }),
        delta({ reasoning_details = { { type = "reasoning.summary", index = 1, summary = "mary", signature = "s" } } }),
        delta({ reasoning_details = { { type = "reasoning.encrypted", data = "abc" } } }),
        delta({ reasoning_details = { { type = "reasoning.encrypted", data = "def" } } }),
        delta({ reasoning_details = { { type = "reasoning.text", index = 0, text = "..", signature = null } } }) },
      { delta({ reasoning_details = { { type = "reasoning.summary", index = 0, summary = "Two ", format = "xai" } } }),
        delta({ reasoning_details = { { type = "reasoning.summary", index = 0, summary = "steps." } } }),
        delta({ reasoning_details = { { type = "reasoning.encrypted", index = 0, data = "QUJD", id = "rs_1" } } }),
        delta({ reasoning_details = { { type = "reasoning.summary", index = 0, summary = " More." } } }),
        delta({ reasoning_details = { { index = 0, data = "c" } } }) },
      { delta({ role = "assistant", content = "" }),
        delta({ content = null, tool_calls = { { index = 0, id = "call_1", type = "function",
                                                 ["function"] = { name = "f", arguments = "{}" } } } }),
        delta({ content = "" }, { finish_reason = "tool_calls" }) },
      { delta({ tool_calls = { { index = 0, id = "call_1", type = "function",
                                 ["function"] = { name = "get_weather", arguments = "" } } } }),
        delta({ tool_calls = { { index = 0, ["function"] = { arguments = "{\"city\":" } } } }),
        delta({ tool_calls = { { index = 0, id = null,
                                 ["function"] = { name = null, arguments = "\"Paris\"}" } } } }) },
      { delta({ tool_calls = {
          { index = 1, id = "call_b", type = "function", ["function"] = { name = "b", arguments = "{\"y\"" } },
          { index = 0, id = "call_a", type = "function", ["function"] = { name = "a", arguments = "{\"x\"" } } } }),
        delta({ tool_calls = { { index = 0, ["function"] = { arguments = ":1}" } } } }),
        delta({ tool_calls = { { index = 1, ["function"] = { arguments = ":2}" } } } }) },
      { delta({ tool_calls = { { id = "c1", ["function"] = { name = "f", arguments = "{}" } } } }),
        delta({ tool_calls = { { id = "c2", ["function"] = { name = "g", arguments = "[]" } } } }) },
      { chunk({ { index = 1, delta = { content = "B1" } }, { index = 0, delta = { content = "A1" } } }),
        chunk({ { index = 0, delta = { content = "A2" } } }),
        chunk({ { index = 1, delta = { content = "B2" }, finish_reason = "length" } }),
        chunk({ { index = 0, delta = {}, finish_reason = "stop" } }) },
      { delta({ content = "a" }, { logprobs = lp }),
        delta({ content = "b" }, { logprobs = { content = { { token = "b", logprob = -0.2 } } } }),
        delta({ content = "c" }) },
      { delta({ annotations = { { type = "url_citation", url_citation = { url = "https://a" } } } }),
        delta({ images = { { type = "image_url", image_url = { url = "data:image/png;base64,AA" } } } }),
        delta({ annotations = { { type = "url_citation", url_citation = { url = "https://b" } } } }) },
      { delta({ content = "x", audio = { id = "au_1" }, weird = null }) },
      { chunk({ { index = 0, delta = { role = "assistant", content = "hi" } } },
              { id = "gen-42", created = 1700000000, model = "openai/gpt-4o", provider = "OpenAI" }),
        chunk({ { index = 0, delta = {}, finish_reason = "stop" } },
              { id = "gen-42", model = "openai/gpt-4o", provider = "OpenAI", system_fingerprint = "fp_1" }),
        chunk({}, { id = "gen-42", usage = { prompt_tokens = 3, completion_tokens = 1, total_tokens = 4,
                                            cost = 0.5 } }) },
      { delta({ content = "x" }), delta({}, { finish_reason = "stop", native_finish_reason = "end_turn" }),
        delta({}, { finish_reason = null, native_finish_reason = null }) },
      { '{"id":"g","choices":["junk",{"index":0,"delta":"junk"}]}',
        '{"id":"g","choices":[{"index":0,"delta":{"content":"ok","tool_calls":["x"],"reasoning_details":[1]}}]}',
        '{"id":"g","choices":"junk"}' },
    }
    for _, texts in ipairs(cases) do check(texts) end
  end)

  it("on the stream fixtures' data events", function()
    local ls = assert(io.popen("ls '" .. FIXTURES .. "'"))
    local n = 0
    for name in ls:lines() do
      if name:match("%.http$") then
        local f = assert(io.open(FIXTURES .. "/" .. name, "rb"))
        local body = f:read("*a"):gsub("{{base64:(%d+)}}", function(k)
          return ("QUJD"):rep(math.floor(tonumber(k) / 4))
        end)
        f:close()
        body = body:match("\r?\n\r?\n(.*)$") or ""
        local p = core.sse_new()
        local texts = {}
        for _, ev in ipairs(p:feed(body)) do texts[#texts + 1] = ev.data end
        check(texts)
        n = n + 1
      end
    end
    ls:close()
    assert.is_true(n >= 10)
  end)

  it("on repeated keys, escaped keys, arrays where objects belong, odd indexes and numbers", function()
    local cases = {
      -- a repeated key means its last value, everywhere
      { '{"id":"a","id":"b","choices":[{"index":0,"delta":{"content":"x","content":"y"}}]}' },
      { '{"choices":[{"index":0,"delta":{"content":"x"},"delta":{"reasoning":"r","audio":1}}]}' },
      { '{"choices":[{"index":0,"delta":{"w":1,"w":null}}]}', '{"choices":[{"index":0,"delta":{"w":2,"w":null}}]}' },
      { '{"choices":[{"index":0,"delta":{"content":"a"}}],"choices":[]}' },
      { '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","id":null,'
        .. '"function":{"arguments":"{","arguments":"[","name":"n"}}]}}]}' },
      { '{"choices":[{"index":0,"delta":{"reasoning_details":[{"index":0,"type":"t","text":"a","text":"b"}]}}]}',
        '{"choices":[{"index":0,"delta":{"reasoning_details":[{"index":0,"type":"t","text":"c","text":null}]}}]}' },
      -- escaped keys are the same keys
      { '{"i\\u0064":"gen-e","ch\\u006fices":[{"in\\u0064ex":0,"d\\u0065lta":{"con\\u0074ent":"esc"}}]}' },
      { '{"choices":[{"index":0,"delta":{"reasoning_details":[{"index":0,"typ\\u0065":"a\\u002eb","text":"1"}]}}]}',
        '{"choices":[{"index":0,"delta":{"reasoning_details":[{"index":0,"type":"a.b","te\\u0078t":"2"}]}}]}' },
      -- arrays where objects belong are ignored; objects where arrays belong add nothing
      { '{"choices":[[1,2],{"index":0,"delta":[1,2]}]}', '{"choices":{"0":{"delta":{"content":"no"}}}}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[[1]],"reasoning_details":[[1]],"annotations":{"a":1},'
        .. '"images":[]},"logprobs":[1]}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":[1,2]}]}}]}' },
      -- tool call keys that the old accumulator kept its own state under
      { '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"args":"x","fn":{"a":1},'
        .. '"function":{"arguments":"1"}}]}}]}',
        '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"2"}}]}}]}' },
      -- logprobs: a value that becomes an array, an array that becomes null
      { '{"choices":[{"index":0,"delta":{},"logprobs":{"content":null,"refusal":[1]}}]}',
        '{"choices":[{"index":0,"delta":{},"logprobs":{"content":[{"t":1}],"refusal":null,"x":{}}}]}',
        '{"choices":[{"index":0,"delta":{},"logprobs":{"content":[{"t":2}],"refusal":[2]}}]}' },
      -- indexes: floats, -0, huge, strings, missing
      { '{"choices":[{"index":1.0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}',
        '{"choices":[{"index":-0,"delta":{"content":"c"}},{"index":0.5,"delta":{"content":"d"}}]}',
        '{"choices":[{"index":"0","delta":{"content":"e"}},{"delta":{"content":"f"}}]}',
        '{"choices":[{"index":9007199254740993,"delta":{"content":"g"}},{"index":1e300,"delta":{}}]}',
        '{"choices":[{"index":-1e2,"delta":{"content":"h"}},{"index":-100,"delta":{"content":"i"}}]}' },
      { '{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"a"},{"index":1,"id":"b"},{"id":"c"},'
        .. '{"index":1.5,"id":"d"},{"index":2.0,"function":{"arguments":"x"}}]}}]}' },
      -- numbers everywhere keep their kind; strings their bytes
      { '{"created":-0,"x":-0.0,"y":1e2,"z":12345678901234567890,"w":0.1,"v":"\\ud83d\\ude00\\u0000",'
        .. '"choices":[]}' },
      -- a BOM, whitespace, and an error that is an array
      { '\239\187\191 { "choices" : [ { "index" : 0 , "delta" : { "content" : "sp" } } ] } ' },
      { '{"error":[1],"choices":[{"index":0,"delta":{"content":"e"}}]}' },
      { '{"error":"string","id":5,"choices":[]}', '{"id":"late","choices":[]}' },
      -- the first choice gives the text, whatever its index
      { '{"choices":[{"index":3,"delta":{"content":"first"}},{"index":0,"delta":{"content":"second"}}]}',
        '{"choices":[5,{"index":0,"delta":{"content":"hidden"}}]}' },
      -- [DONE], after it, a bad event after content
      { delta({ content = "a" }), "[DONE]", "[DONE]", "junk" },
      { delta({ content = "a" }), "{\"choices\":", delta({ content = "b" }) },
    }
    for _, texts in ipairs(cases) do check(texts) end
  end)

  it("on chunks that differ from the previous one only in their content (the template path)", function()
    local base = '{"id":"gen-1","choices":[{"index":0,"delta":{"role":"assistant","content":"%s"},'
      .. '"finish_reason":null}]}'
    local function stream(bodies)
      local texts = {}
      for i, b in ipairs(bodies) do texts[i] = base:format(b) end
      return texts
    end
    -- each ends the stream where it is bad, so one per stream
    check(stream{ "", "a", 'b\\"c', "tail\\\\", 'q","x":"y', "\\u00e9\\ud83d\\ude00", "\195\169t\195\169", "" })
    for _, bad in ipairs{ "bad\195", "ctl\1", "end\\", "\\u12", 'open"' } do
      check(stream{ "a", "b", bad, "c" })
    end
    check({ base:format("a"), base:format("b"):gsub("null", '"stop"'), base:format("c") })
  end)

  it("on a generated corpus of chunk streams", function()
    -- a small deterministic generator of JSON text (not through the
    -- encoder: it writes repeated keys, escapes and odd shapes too)
    local seed = 12345
    local function rnd(n)
      seed = seed * 16807 % 2147483647              -- exact in doubles too
      return math.floor(seed / 65536) % n + 1
    end
    local function pick(t) return t[rnd(#t)] end
    local function str()
      return pick{ '""', '"a"', '" b"', '"\\n\\"q\\""', '"\\u00e9t\\u00e9"', '"\226\130\172"', '"\\ud83d\\ude00"',
                   '"reasoning.text"', '"reasoning.summary"', '"reasoning.encrypted"', '"function"', '"stop"' }
    end
    local function num()
      return pick{ "0", "1", "2", "-0", "0.0", "1.0", "1.5", "-3", "1e2", "9007199254740993", "0.000011" }
    end
    local scalar
    local function value(depth)
      local r = rnd(depth > 2 and 4 or 7)
      if r <= 4 then return scalar() end
      if r == 5 then
        local items = {}
        for i = 1, rnd(3) - 1 do items[i] = value(depth + 1) end
        return "[" .. table.concat(items, ",") .. "]"
      end
      local m = {}
      for i = 1, rnd(3) - 1 do m[i] = pick{ '"k"', '"x"', '"id"' } .. ":" .. value(depth + 1) end
      return "{" .. table.concat(m, ",") .. "}"
    end
    scalar = function()
      return pick{ str, num, function() return pick{ "null", "true", "false" } end }()
    end
    local function obj(fields)
      local m = {}
      for _, f in ipairs(fields) do
        if rnd(4) > 1 then m[#m + 1] = f end
        if rnd(12) == 1 then m[#m + 1] = f end                   -- repeated
      end
      if rnd(5) == 1 then m[#m + 1] = '"extra":' .. value(1) end
      return "{" .. table.concat(m, ",") .. "}"
    end
    local function maybe(gen, other)
      local r = rnd(10)
      if r == 1 then return "null" end
      if r == 2 then return other or value(3) end
      return gen()
    end
    local function detail()
      return obj{ '"type":' .. maybe(function() return pick{ '"reasoning.text"', '"reasoning.summary"',
                    '"reasoning.encrypted"' } end),
                  '"index":' .. maybe(function() return pick{ "0", "1", "0.0" } end),
                  '"text":' .. maybe(str), '"summary":' .. maybe(str), '"data":' .. maybe(str),
                  '"signature":' .. maybe(str), '"format":' .. str() }
    end
    local function tool()
      return obj{ '"index":' .. maybe(function() return pick{ "0", "1", "2", "1.0" } end),
                  '"id":' .. maybe(str), '"type":' .. str(),
                  '"function":' .. maybe(function()
                    return obj{ '"name":' .. maybe(str), '"arguments":' .. maybe(str), '"strict":' .. value(3) }
                  end, "[1]") }
    end
    local function list(gen)
      local items = {}
      for i = 1, rnd(3) - 1 do items[i] = gen() end
      return "[" .. table.concat(items, ",") .. "]"
    end
    local function delta_obj()
      return obj{ '"role":' .. maybe(function() return pick{ '"assistant"', '"tool"' } end),
                  '"content":' .. maybe(str), '"reasoning":' .. maybe(str), '"refusal":' .. maybe(str),
                  '"reasoning_details":' .. maybe(function() return list(detail) end),
                  '"tool_calls":' .. maybe(function() return list(tool) end),
                  '"annotations":' .. maybe(function() return list(function() return value(4) end) end, "{}"),
                  '"images":' .. maybe(function() return list(function() return value(4) end) end),
                  '"audio":' .. value(3) }
    end
    local function choice()
      return obj{ '"index":' .. maybe(function() return pick{ "0", "0", "1", "0.0", "2" } end, '"0"'),
                  '"delta":' .. maybe(delta_obj, "[1]"),
                  '"finish_reason":' .. maybe(function() return pick{ "null", '"stop"', '"length"' } end),
                  '"native_finish_reason":' .. maybe(str),
                  '"logprobs":' .. maybe(function()
                    return obj{ '"content":' .. maybe(function() return list(function() return value(4) end) end),
                                '"refusal":' .. value(3) }
                  end) }
    end
    local function top()
      if rnd(40) == 1 then return pick{ "[DONE]", "{bad", "[1]", "7", '{"error":{"code":1},"id":"e"}' } end
      return obj{ '"id":' .. maybe(function() return pick{ '"gen-1"', '"gen-2"' } end),
                  '"model":' .. str(), '"object":' .. str(), '"created":' .. num(),
                  '"choices":' .. maybe(function() return list(choice) end, "{}"),
                  '"usage":' .. maybe(function() return value(1) end) }
    end
    for _ = 1, 400 do
      local texts = {}
      for i = 1, rnd(6) do texts[i] = top() end
      local ok, why = diff.check(texts)
      if not ok then error(why .. "\n" .. table.concat(texts, "\n")) end
    end
  end)
end)

describe("streams through the chunk decoder", function()
  local openrouter = require("openrouter")
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function client(opts)
    local o = { base_url = srv.url, api_key = "sk-or-dec", max_retries = 0 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end
  local req = { model = "mock/tools", messages = { { role = "user", content = "call the tools" } },
                tools = { { type = "function", ["function"] = { name = "get_weather",
                                                               parameters = { type = "object" } } } } }

  -- a transport whose requests have events() but no take_into (another
  -- transport's shape): the client's, its requests seen through a proxy
  local function without_take_into(c)
    local multi = c._multi
    c._multi = setmetatable({}, { __index = function(_, k)
      local f = multi[k]
      if k ~= "request" then return function(_, ...) return f(multi, ...) end end
      return function(_, ...)
        local r, err = f(multi, ...)
        if not r then return r, err end
        return setmetatable({}, { __index = function(_, m)
          if m == "take_into" then return nil end
          local g = r[m]
          return function(_, ...) return g(r, ...) end
        end })
      end
    end })
    return c
  end

  it("reads a transport without take_into through events(), with the same results", function()
    local lorem = { model = "mock/lorem", messages = { { role = "user", content = "hi" } } }
    local want = assert(assert(client():stream(lorem)):result())
    local got = assert(assert(without_take_into(client()):stream(lorem)):result())
    want.id, got.id, want.created, got.created = nil, nil, nil, nil
    assert.is_true(diff.same(want, got, true))
    local texts = {}
    for t in assert(without_take_into(client()):stream(lorem)):text() do texts[#texts + 1] = t end
    assert.equal(want.choices[1].message.content, table.concat(texts))
    local tools = assert(assert(without_take_into(client()):stream(req)):result())
    assert.is_true(#tools.choices[1].message.tool_calls >= 1)
  end)

  it("with the debug trace, sees every event and decodes the same", function()
    local lines = {}
    local c = client({ debug = function(line) lines[#lines + 1] = line end })
    local s = assert(c:stream(req))
    local n = 0
    for _ in s do n = n + 1 end
    local final = assert(s:result())
    assert.is_true(n > 1)
    assert.is_true(#final.choices[1].message.tool_calls >= 1)
    assert.is_true(#lines > n)
  end)
end)
