-- Structured outputs: response_format json_schema / json_object decoded and
-- validated on arrival (chat, stream:result(), callbacks), stream:objects()
-- and the partial-JSON completer behind it.  The simulator's echo model
-- answers with the prompt, so a spec chooses the exact JSON text a model
-- "writes".
local openrouter = require("openrouter")
local structured = require("openrouter.structured")
local cjson = require("cjson")
local mock = require("support.mock_server")
local pump = require("support.pump")
local ok_uv, uv = pcall(require, "luv")

local decode, null = cjson.decode, cjson.null

------------------------------------------------------------ helpers

-- Is `partial` a value the full answer `full` keeps: strings are prefixes,
-- containers hold consistent members, anything else is equal.
local function consistent(partial, full, path)
  path = path or "$"
  if type(partial) == "string" then
    assert(type(full) == "string" and full:sub(1, #partial) == partial,
      path .. ": " .. tostring(partial) .. " is not a prefix of " .. tostring(full))
  elseif type(partial) == "table" then
    assert(type(full) == "table", path .. ": a table where the answer has " .. tostring(full))
    for k, v in pairs(partial) do
      assert(full[k] ~= nil, path .. "." .. tostring(k) .. " is not in the answer")
      consistent(v, full[k], path .. "." .. tostring(k))
    end
  else
    assert(partial == full, path .. ": " .. tostring(partial) .. " ~= " .. tostring(full))
  end
end

-- Every prefix of `text`: the completion is nil or decodes to a value the
-- full decode keeps; the whole text (final) completes to the full decode.
local function check_prefixes(text)
  local full = decode(text)
  local shown, last = 0, nil
  for i = 0, #text do
    local p = text:sub(1, i)
    local c = structured.complete(p)
    if c ~= nil then
      local ok, v = pcall(decode, c)
      assert(ok, ("prefix %q completes to %q, which does not decode: %s"):format(p, c, tostring(v)))
      consistent(v, full, "prefix " .. i)
      shown = shown + 1
      last = v
    end
  end
  local final = structured.complete(text, true)
  assert.is_not_nil(final, text)
  assert.same(full, decode(final))
  if type(full) == "table" then assert.same(full, last) end
  return shown
end

-- Random JSON texts: nested values with escapes, unicode and whitespace.
local function random_text(rng)
  local pieces = { "a", "b c", "\"q\"", "back\\slash", "tab\t", "nl\n", "é", "日本", "😀", "", "/" }
  local function ws()
    local r = rng(6)
    return r == 1 and " " or r == 2 and "\n  " or ""
  end
  local function value(depth)
    local r = rng(depth > 3 and 6 or 9)
    if r == 1 then return tostring(rng(2000) - 1000) end
    if r == 2 then return ("%.3f"):format(rng(100000) / 7) end
    if r == 3 then return ({ "true", "false", "null", "-0.5e3", "1E+2" })[rng(5)] end
    if r <= 6 then
      local s = {}
      for _ = 1, rng(4) - 1 do s[#s + 1] = pieces[rng(#pieces)] end
      return cjson.encode(table.concat(s))
    end
    if r == 7 or r == 8 then
      local out = {}
      for k = 1, rng(5) - 1 do
        local key = cjson.encode("k" .. k .. pieces[rng(#pieces)])
        out[#out + 1] = ws() .. key .. ws() .. ":" .. ws() .. value(depth + 1)
      end
      return "{" .. table.concat(out, ",") .. ws() .. "}"
    end
    local out = {}
    for _ = 1, rng(5) - 1 do out[#out + 1] = ws() .. value(depth + 1) end
    return "[" .. table.concat(out, ",") .. ws() .. "]"
  end
  local v
  repeat v = value(0) until v:sub(1, 1) == "{" or v:sub(1, 1) == "["
  return ws() .. v .. ws()
end

local function lcg(seed)
  local x = seed
  return function(n)
    x = (x * 1103515245 + 12345) % 2147483648
    return math.floor(x / 65536) % n + 1
  end
end

local function echo(text, extra)
  local r = { model = "mock/echo", messages = { { role = "user", content = text } } }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

local PERSON = {
  type = "object",
  required = { "name", "age", "tags" },
  additionalProperties = false,
  properties = {
    name = { type = "string", minLength = 1 },
    age = { type = "integer", minimum = 0 },
    tags = { type = "array", items = { type = "string" } },
    address = { type = "object", properties = { city = { type = "string" } } },
  },
}
local function as_person(strict)
  return { response_format = { type = "json_schema",
    json_schema = { name = "person", schema = PERSON, strict = strict } } }
end
local GOOD = '{"name": "Ada Lovelace", "age": 36, "tags": ["math", "poetry"], "address": {"city": "London"}}'
local BAD = '{"name": "", "age": "old", "tags": ["x", 1]}'

------------------------------------------------------------ the completer

describe("structured: the partial-JSON completer", function()
  local TEXTS = {
    GOOD,
    '{"a": [1, 2.5, -3e2, "x\\u00e9y", true, false, null, {"b": {}}, []], "c" : "d\\"e\\\\", "e": false}',
    '[[[]], [{}], {"k": [1, [2, [3, "deep"]]]}, "tail"]',
    '  {\n  "pretty": {\n    "list": [\n      1,\n      2\n    ]\n  },\n  "s": "line\\nbreak"\n}\n',
    '["a\\ud83d\\ude00b", "\\\\ud83d", "x\\\\\\ud83d\\ude00", "\\u0041\\/"]',
    '{"unicode": "日本語 😀 é", "empty": "", "zero": 0, "neg": -0.25, "exp": 1.5E-3}',
    '{"nested": {"a": {"b": {"c": {"d": [true, null, "end"]}}}}}',
  }

  it("completes every prefix of several JSON texts to a value the answer keeps", function()
    for _, t in ipairs(TEXTS) do
      assert.is_true(check_prefixes(t) > 3, t)
    end
  end)

  it("holds on 60 random JSON texts (escapes, unicode, whitespace, nesting)", function()
    local rng = lcg(20240607)
    local shown = 0
    for _ = 1, 60 do shown = shown + check_prefixes(random_text(rng)) end
    assert.is_true(shown > 500)
  end)

  it("fed in pieces, completes exactly as on the whole prefix", function()
    local rng = lcg(7)
    for _, t in ipairs(TEXTS) do
      local c, at = structured.completer(), 0
      while at < #t do
        local n = rng(7)
        c:feed(t:sub(at + 1, at + n))
        at = math.min(at + n, #t)
        assert.equal(structured.complete(t:sub(1, at)), c:complete())
      end
    end
  end)

  it("closes open strings, drops dangling keys, commas and unfinished numbers or literals", function()
    local cases = {
      { "", nil }, { "   ", nil }, { "{", "{}" }, { '{"na', "{}" }, { '{"name"', "{}" },
      { '{"name":', "{}" }, { '{"name": "Ad', '{"name": "Ad"}' }, { '{"a": 1', "{}" },
      { '{"a": 12,', '{"a": 12}' }, { '{"a": tr', "{}" }, { '{"a": true', '{"a": true}' },
      { '{"a": nul', "{}" }, { '[1, 2', "[1]" }, { '[1, "x\\', '[1, "x"]' },
      { '[1, "x\\u00', '[1, "x"]' }, { '{"a": [{"b": "c', '{"a": [{"b": "c"}]}' },
      { '"top', '"top"' }, { "12", nil }, { "tru", nil }, { "true", "true" },
    }
    for _, case in ipairs(cases) do
      assert.equal(case[2], structured.complete(case[1]), case[1])
    end
    assert.equal("12", structured.complete("12", true))
  end)

  it("gives nothing once the text is not JSON", function()
    for _, t in ipairs{ "{a: 1}", "[1,]", '{"a" 1}', "[1 2]", '{"a": 1}}', "nope", "{\"a\": trux}", "```json\n{" } do
      assert.is_nil(structured.complete(t), t)
      assert.is_nil(structured.complete(t .. ' "more"]}'), t)
    end
    assert.equal(null, structured.partial_value("[null")[1])
    assert.is_nil(structured.partial_value("[1,]"))
    assert.same({ 1 }, structured.partial_value("[1, 2"))
  end)
end)

------------------------------------------------------------ against the simulator

describe("structured outputs", function()
  local srv, client
  setup(function()
    srv = mock.start()
    client = openrouter.new{ base_url = srv.url, api_key = "sk-or-test" }
  end)
  teardown(function() srv.stop() end)

  describe("chat", function()
    it("decodes and validates a json_schema answer into message.parsed", function()
      local res = assert(client:chat(echo(GOOD, as_person(true))))
      local p = res.choices[1].message.parsed
      assert.same(decode(GOOD), p)
      assert.equal("Ada Lovelace", p.name)
      assert.equal(GOOD, res.choices[1].message.content)
    end)

    it("returns an output error with paths and messages on a mismatch", function()
      local res, err = client:chat(echo(BAD, as_person()))
      assert.is_nil(res)
      assert.equal("output", err.kind)
      assert.is_true(#err.errors >= 3)
      local paths = {}
      for _, e in ipairs(err.errors) do paths[e.path] = e.message end
      assert.truthy(paths.name)
      assert.truthy(paths.age:find("integer"))
      assert.truthy(paths["tags[2]"])
      assert.equal(BAD, err.partial.choices[1].message.content)
      assert.is_nil(err.partial.choices[1].message.parsed)
      assert.same(decode(BAD), err.value)
      assert.truthy(tostring(err):find("person", 1, true))
      assert.truthy(tostring(err):find("tags[2]", 1, true))
    end)

    it("returns an output error when the answer is not JSON", function()
      local res, err = client:chat(echo("Sure! Here is the person: {", as_person()))
      assert.is_nil(res)
      assert.equal("output", err.kind)
      assert.equal("", err.errors[1].path)
      assert.truthy(err.errors[1].message:find("not JSON"))
      assert.is_nil(err.value)
    end)

    it("says when the answer was cut off (finish_reason 'length')", function()
      local req = echo(GOOD, as_person())
      req.max_tokens = 3
      local _, err = client:chat(req)
      assert.equal("output", err.kind)
      assert.truthy(err.message:find("cut off"))
    end)

    it("json_object gives parsed without a schema check", function()
      local res = assert(client:chat(echo(BAD, { response_format = { type = "json_object" } })))
      assert.same(decode(BAD), res.choices[1].message.parsed)
      local _, err = client:chat(echo("not json", { response_format = { type = "json_object" } }))
      assert.equal("output", err.kind)
    end)

    it("leaves text answers alone", function()
      local res = assert(client:chat(echo("plain", { response_format = { type = "text" } })))
      assert.is_nil(res.choices[1].message.parsed)
      res = assert(client:chat(echo("plain")))
      assert.is_nil(res.choices[1].message.parsed)
    end)

    it("raises before sending when the schema engine cannot honour the schema", function()
      local req = echo(GOOD, { response_format = { type = "json_schema",
        json_schema = { name = "x", schema = { type = "object", properties = { a = { type = "strng" } } } } } })
      assert.has_error(function() client:chat(req) end)
      local ok, msg = pcall(client.stream, client, req)
      assert.is_false(ok)
      assert.truthy(tostring(msg):find("response_format.json_schema.schema", 1, true))
    end)

    it("with req.stream = true, validates the accumulation", function()
      local res = assert(client:chat(echo(GOOD, { stream = true, response_format = as_person().response_format })))
      assert.same(decode(GOOD), res.choices[1].message.parsed)
      local _, err = client:chat(echo(BAD, { stream = true, response_format = as_person().response_format }))
      assert.equal("output", err.kind)
    end)
  end)

  describe("streams", function()
    it("stream:result() holds parsed, or an output error", function()
      local res = assert(assert(client:stream(echo(GOOD, as_person()))):result())
      assert.same(decode(GOOD), res.choices[1].message.parsed)
      local s = assert(client:stream(echo(BAD, as_person())))
      local none, err = s:result()
      assert.is_nil(none)
      assert.equal("output", err.kind)
      assert.equal(BAD, err.partial.choices[1].message.content)
    end)

    it("stream:objects() yields growing partial tables, each new, the last one validated", function()
      local s = assert(client:stream(echo(GOOD, as_person())))
      local seen = {}
      for obj in s:objects() do
        assert.equal("table", type(obj))
        if #seen > 0 then assert.is_false(structured.deep_equal(seen[#seen], obj)) end
        seen[#seen + 1] = obj
      end
      local full = decode(GOOD)
      assert.is_true(#seen > 10)
      for _, obj in ipairs(seen) do consistent(obj, full) end
      assert.same(full, seen[#seen])
      -- a string fills in as it is written
      local names = {}
      for _, obj in ipairs(seen) do
        if obj.name and obj.name ~= names[#names] then names[#names + 1] = obj.name end
      end
      assert.is_true(#names > 2)
      assert.equal("Ada Lovelace", names[#names])
    end)

    it("stream:objects() raises the output error at the end of a mismatch", function()
      local s = assert(client:stream(echo(BAD, as_person())))
      local n = 0
      local ok, err = pcall(function() for _ in s:objects() do n = n + 1 end end)
      assert.is_false(ok)
      assert.equal("output", err.kind)
      assert.is_true(n > 0)
    end)

    it("stream:objects() without a response_format decodes the JSON at the end", function()
      local last
      for obj in assert(client:stream(echo('[1, 2, {"x": "y"}]'))):objects() do last = obj end
      assert.same({ 1, 2, { x = "y" } }, last)
      local ok, err = pcall(function() for _ in assert(client:stream(echo("hello"))):objects() do end end)
      assert.is_false(ok)
      assert.equal("output", err.kind)
    end)

    it("stream:objects() raises a transport failure (with partial)", function()
      local s = assert(client:stream(echo(GOOD, as_person()),
        { headers = { ["X-Mock-Fault"] = "midstream_error" } }))
      local ok, err = pcall(function() for _ in s:objects() do end end)
      assert.is_false(ok)
      assert.equal("api", err.kind)
      assert.is_table(err.partial)
    end)
  end)

  describe("callbacks", function()
    it("on_done gets parsed; on_error gets the output error (blocking loop)", function()
      local got, failed
      client:chat(echo(GOOD, as_person()), { on_done = function(res) got = res end,
                                             on_error = function(e) failed = e end })
      assert.same(decode(GOOD), got.choices[1].message.parsed)
      assert.is_nil(failed)
      got = nil
      client:stream(echo(BAD, as_person()), { on_done = function(res) got = res end,
                                              on_error = function(e) failed = e end })
      assert.is_nil(got)
      assert.equal("output", failed.kind)
    end)

    it("under the manual loop", function()
      local mc = openrouter.new{ loop = "manual", base_url = srv.url, api_key = "sk-or-test" }
      local got, failed
      mc:stream(echo(GOOD, as_person()), { on_done = function(res) got = res end,
                                           on_error = function(e) failed = e end })
      mc:chat(echo(BAD, as_person()), { on_done = function() end, on_error = function(e) failed = e end })
      pump(mc, function() return got ~= nil and failed ~= nil end)
      assert.same(decode(GOOD), got.choices[1].message.parsed)
      assert.equal("output", failed.kind)
      mc:close()
    end)
  end)

  if not ok_uv then
    pending("lua-luv is not installed for this Lua")
    return
  end

  describe("in a task on the luv loop", function()
    local function run_until(cond)
      local t = uv.new_timer()
      local deadline = os.time() + 10
      t:start(5, 5, function() if cond() or os.time() > deadline then t:stop(); uv.stop() end end)
      uv.run()
      if not t:is_closing() then t:close() end
      uv.run("nowait")
      assert(cond(), "timed out")
    end

    it("chat, stream:result() and objects() yield to the loop", function()
      local lc = openrouter.new{ loop = "luv", base_url = srv.url, api_key = "sk-or-test" }
      local out = {}
      openrouter.async(function()
        out.chat = assert(lc:chat(echo(GOOD, as_person()))).choices[1].message.parsed
        local _, e = lc:chat(echo(BAD, as_person()))
        out.err = e
        local it, n, last = assert(lc:stream(echo(GOOD, as_person()))):objects(), 0, nil
        while true do      -- no for-in: PUC 5.1 cannot yield from an iterator
          local o = it()
          if o == nil then break end
          n, last = n + 1, o
        end
        out.n, out.last = n, last
      end)
      run_until(function() return out.last ~= nil end)
      assert.same(decode(GOOD), out.chat)
      assert.equal("output", out.err.kind)
      assert.is_true(out.n > 10)
      assert.same(decode(GOOD), out.last)
      lc:close()
      uv.run("nowait")
    end)
  end)
end)
