-- The Lua client against the bundled simulator: chat, stream, accumulation,
-- every error kind, cancellation, keep-alive, secrets.
local openrouter = require("openrouter")
local mock = require("support.mock_server")

local KEY = "sk-or-v1-spec-secret-0123456789"

describe("client", function()
  local srv

  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function client(opts)
    opts = opts or {}
    local o = { base_url = srv.url, api_key = KEY, max_retries = 0 }
    for k, v in pairs(opts) do o[k] = v end
    return openrouter.new(o)
  end

  local function req(model, content, extra)
    local r = { model = model or "mock/echo", messages = { { role = "user", content = content or "hello" } } }
    for k, v in pairs(extra or {}) do r[k] = v end
    return r
  end

  local function fault(f, more)
    local h = { ["X-Mock-Fault"] = f }
    for k, v in pairs(more or {}) do h[k] = v end
    return { headers = h }
  end

  describe("new()", function()
    it("never shows the API key in tostring", function()
      local c = client()
      assert.are.equal("openrouter.Client(" .. srv.url .. ")", tostring(c))
      assert.is_nil(tostring(c):find(KEY, 1, true))
      for _, v in pairs(c) do assert.are_not.equal(KEY, v) end
    end)

    it("strips a trailing slash from base_url", function()
      local c = openrouter.new{ base_url = srv.url .. "/", api_key = KEY }
      assert.are.equal(srv.url, c.base_url)
    end)

    it("raises on misuse", function()
      assert.has_error(function() openrouter.new("x") end)
      assert.has_error(function() openrouter.new{ timeout = 5 } end)
      assert.has_error(function() openrouter.new{ loop = "no-such-loop" } end)
      assert.has_error(function() client():chat("hello") end)
    end)
  end)

  describe("chat()", function()
    it("returns the decoded response with every field", function()
      local res, err = client():chat(req("mock/echo", "ping"))
      assert.is_nil(err)
      assert.are.equal("ping", res.choices[1].message.content)
      assert.are.equal("assistant", res.choices[1].message.role)
      assert.are.equal("mock/echo", res.model)
      assert.is_string(res.provider)
      assert.truthy(res.id:match("^gen%-"))
      assert.is_number(res.usage.total_tokens)
      assert.is_number(res.usage.cost)
      assert.is_number(res.created)
    end)

    it("keeps UTF-8 intact", function()
      local text = "héllo wörld — 日本語 🎉"
      local res = assert(client():chat(req("mock/echo", text)))
      assert.are.equal(text, res.choices[1].message.content)
    end)

    it("with stream = true returns the accumulated stream", function()
      local res = assert(client():chat(req("mock/lorem", nil, { stream = true, max_tokens = 5 })))
      local plain = assert(client():chat(req("mock/lorem", nil, { max_tokens = 5 })))
      assert.are.equal(plain.choices[1].message.content, res.choices[1].message.content)
    end)

    it("reports an HTTP error with OpenRouter's body", function()
      local c = openrouter.new{ base_url = srv.url, api_key = "", max_retries = 0 }
      local res, err = c:chat(req())
      assert.is_nil(res)
      assert.are.equal("http", err.kind)
      assert.are.equal(401, err.status)
      assert.are.equal(401, err.code)
      assert.is_string(err.message)
      assert.is_false(err.retryable)
      assert.truthy(tostring(err):find("401", 1, true))
    end)

    it("reports status faults with Retry-After", function()
      local res, err = client():chat(req(), fault("status=429;retry_after=3"))
      assert.is_nil(res)
      assert.are.equal("http", err.kind)
      assert.are.equal(429, err.status)
      assert.are.equal(3, err.retry_after)
      assert.is_true(err.retryable)
      assert.are.equal(1, #err.attempts)
    end)

    it("retries a retryable status before giving up", function()
      local res, err = client{ max_retries = 1 }:chat(req(), fault("status=503"))
      assert.is_nil(res)
      assert.are.equal(503, err.status)
      assert.are.equal(2, #err.attempts)
      assert.is_number(err.attempts[1].delay)
      assert.is_nil(err.attempts[2].delay)
    end)

    it("does not retry a 400", function()
      local _, err = client{ max_retries = 2 }:chat(req(), fault("status=400"))
      assert.are.equal(400, err.status)
      assert.are.equal(1, #err.attempts)
    end)

    it("reports a non-JSON body as a protocol error", function()
      local res, err = client():chat(req(), fault("garbage"))
      assert.is_nil(res)
      assert.are.equal("protocol", err.kind)
    end)

    it("reports a refused connection as a network error", function()
      local c = openrouter.new{ base_url = "http://127.0.0.1:1/api/v1", api_key = KEY, max_retries = 0 }
      local res, err = c:chat(req())
      assert.is_nil(res)
      assert.are.equal("network", err.kind)
      assert.is_true(err.retryable)
    end)

    it("rejects CR/LF in header values before sending", function()
      local c = client{ app_title = "x\r\nX-Evil: 1" }
      local res, err = c:chat(req())
      assert.is_nil(res)
      assert.are.equal("validation", err.kind)
      local _, err2 = client():chat(req(), { headers = { ["X-A"] = "a\nb" } })
      assert.are.equal("validation", err2.kind)
    end)

    it("never puts the API key in an error", function()
      local c = client{ headers = { ["X-Bad"] = KEY .. "\n" } }
      local _, err = c:chat(req())
      assert.is_nil(tostring(err):find(KEY, 1, true))
      local _, err2 = client():chat(req(), fault("status=500"))
      assert.is_nil(tostring(err2):find(KEY, 1, true))
      assert.is_nil((err2.body or ""):find(KEY, 1, true))
    end)
  end)

  describe("stream()", function()
    it("iterates decoded chunks and accumulates them", function()
      local s = assert(client():stream(req("mock/lorem", nil, { max_tokens = 7 })))
      local n, text = 0, {}
      for chunk in s do
        n = n + 1
        local ch = chunk.choices[1]
        if ch and ch.delta.content then text[#text + 1] = ch.delta.content end
      end
      assert.is_true(n >= 8)
      local final = assert(s:result())
      assert.are.equal(table.concat(text), final.choices[1].message.content)
      assert.are.equal("stop", final.choices[1].finish_reason)
      assert.is_string(final.choices[1].native_finish_reason)
      assert.is_number(final.usage.cost)
      assert.is_number(final.usage.completion_tokens)
      assert.are.equal("mock/lorem", final.model)
      assert.is_string(final.provider)
      assert.truthy(final.id:match("^gen%-"))
      assert.are.equal(final.id, s.request_id)
    end)

    it("gives the same text as chat()", function()
      local c = client()
      local plain = assert(c:chat(req("mock/lorem", nil, { max_tokens = 12 })))
      local parts = {}
      for t in assert(c:stream(req("mock/lorem", nil, { max_tokens = 12 }))):text() do parts[#parts + 1] = t end
      assert.are.equal(plain.choices[1].message.content, table.concat(parts))
    end)

    it("streams UTF-8 from echo intact", function()
      local text = "ñandú — 東京タワー — 🎉🎉 — Ünïcödé"
      local parts = {}
      for t in assert(client():stream(req("mock/echo", text))):text() do parts[#parts + 1] = t end
      assert.is_true(#parts > 1)
      assert.are.equal(text, table.concat(parts))
    end)

    it("counts keep-alive comments and reuses the connection", function()
      local c = client()
      local s1 = assert(c:stream(req("mock/lorem")))
      assert(s1:result())
      assert.is_true(s1:info().comments >= 1)
      local s2 = assert(c:stream(req("mock/lorem")))
      assert(s2:result())
      assert.are.equal(0, s2:info().new_connections)
    end)

    it("next(timeout): a chunk, false when the timeout passed with nothing, nil at the end", function()
      local core = require("openrouter.core")
      local s = assert(client():stream(req("mock/echo", "a b"), { headers = { ["X-Mock-Delay-Ms"] = "300" } }))
      local t0 = core.now()
      local got = s:next(0.05)
      local spent = core.now() - t0
      assert.equal(false, got)
      assert.is_true(spent >= 0.05 and spent < 0.25, tostring(spent))
      local chunks, falses = {}, 0
      while true do
        local c = s:next(0.05)
        if c == nil then break end
        if c == false then falses = falses + 1 else chunks[#chunks + 1] = c end
      end
      assert.is_true(#chunks >= 2)
      assert.is_true(falses >= 2)
      assert.is_nil(s:next(0.05))                   -- still the end
      assert.equal("a b", assert(s:result()).choices[1].message.content)
      assert.has_error(function() s:next("soon") end)
    end)

    it("next(0) polls: the transfer moves on with each call, without blocking", function()
      local core = require("openrouter.core")
      -- Events 250 ms apart: a next(0) that waited for one would take most of
      -- a gap, far beyond the bound below even on a loaded machine.
      local s = assert(client():stream(req("mock/echo", "polled"), { headers = { ["X-Mock-Delay-Ms"] = "250" } }))
      local parts, polls, slowest = {}, 0, 0
      local deadline = core.now() + 5
      while core.now() < deadline do
        local t = core.now()
        local c = s:next(0)
        slowest = math.max(slowest, core.now() - t)
        if c == nil then break end
        if c then
          local d = c.choices[1] and c.choices[1].delta
          if d and d.content then parts[#parts + 1] = d.content end
        else
          polls = polls + 1
          core.sleep(0.002)
        end
      end
      assert.equal("polled", table.concat(parts))
      assert.is_true(polls > 5)
      assert.is_true(slowest < 0.15, tostring(slowest))
    end)

    local function expect_raise(s)
      local ok, e = pcall(function() for _ in s do end end)
      assert.is_false(ok)
      assert.is_true(openrouter.errors.is(e), tostring(e))
      return e
    end

    it("raises a mid-stream error chunk as kind api, partial readable", function()
      local s = assert(client():stream(req("mock/lorem"), fault("midstream_error")))
      local e = expect_raise(s)
      assert.are.equal("api", e.kind)
      assert.is_not_nil(e.code)
      assert.is_string(e.message)
      local p = s:partial()
      assert.is_true(#p.choices[1].message.content > 0)
      local final, err = s:result()
      assert.is_nil(final)
      assert.are.equal(e, err)
      assert.are.equal(p.choices[1].message.content, err.partial.choices[1].message.content)
    end)

    it("reports a stream with no [DONE] and no finish reason as protocol", function()
      local s = assert(client():stream(req("mock/lorem"), fault("no_done")))
      local e = expect_raise(s)
      assert.are.equal("protocol", e.kind)
      assert.is_true(#s:partial().choices[1].message.content > 0)
    end)

    it("reports a data event that is not JSON as protocol, with its bytes", function()
      local s = assert(client():stream(req("mock/lorem"), fault("bad_json")))
      local e = expect_raise(s)
      assert.are.equal("protocol", e.kind)
      assert.truthy(e.message:find("not a JSON", 1, true))
      assert.is_string(e.body)
    end)

    it("reports bytes that are not SSE as protocol", function()
      local s = assert(client():stream(req("mock/lorem"), fault("garbage")))
      local e = expect_raise(s)
      assert.are.equal("protocol", e.kind)
    end)

    it("reports an oversized event as protocol", function()
      local s = assert(client{ limits = { max_event = 65536 } }:stream(req("mock/lorem"), fault("huge_event=200000")))
      local e = expect_raise(s)
      assert.are.equal("protocol", e.kind)
      assert.truthy(e.message:find("larger than 65536", 1, true))
    end)

    it("reports a reset connection as network, text so far intact", function()
      local s = assert(client():stream(req("mock/lorem", nil, { max_tokens = 200 }), fault("reset_after_bytes=2000")))
      local parts = {}
      local ok, e = pcall(function() for t in s:text() do parts[#parts + 1] = t end end)
      assert.is_false(ok)
      assert.is_true(e.kind == "network" or e.kind == "protocol", tostring(e))
      assert.are.equal(table.concat(parts), s:partial().choices[1].message.content)
    end)

    it("times out on silence with kind timeout naming idle", function()
      local s = assert(client{ timeout = { idle = 0.3 } }:stream(req("mock/lorem"), fault("stall_ms=3000")))
      local t0 = os.time()
      local e = expect_raise(s)
      assert.are.equal("timeout", e.kind)
      assert.are.equal("idle", e.which)
      assert.is_true(os.time() - t0 <= 2)
    end)

    it("reports HTTP errors before the stream as kind http", function()
      local s = assert(client():stream(req(), fault("status=502")))
      local e = expect_raise(s)
      assert.are.equal("http", e.kind)
      assert.are.equal(502, e.status)
    end)

    it("cancel closes the stream; later reads report cancelled", function()
      local s = assert(client():stream(req("mock/lorem", nil, { max_tokens = 100 }),
        { headers = { ["X-Mock-Delay-Ms"] = "20" } }))
      local first = s()
      assert.is_table(first)
      s:cancel()
      local e = expect_raise(s)
      assert.are.equal("cancelled", e.kind)
      local final, err = s:result()
      assert.is_nil(final)
      assert.are.equal("cancelled", err.kind)
    end)

    it("prints an uncaught error object readably in the standalone interpreter", function()
      local v = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
      local lua = v == "jit" and "luajit" or ("lua" .. v)
      local script = os.tmpname()
      local f = assert(io.open(script, "w"))
      f:write(([[
        local openrouter = require("openrouter")
        local c = openrouter.new{ base_url = %q, api_key = "k", max_retries = 0 }
        for _ in assert(c:stream({ model = "mock/lorem", messages = { { role = "user", content = "x" } } },
          { headers = { ["X-Mock-Fault"] = "no_done" } })) do end
      ]]):format(srv.url))
      f:close()
      local p = io.popen(("LUA_PATH=%q LUA_CPATH=%q %s %s 2>&1"):format(
        package.path, package.cpath, lua, script))
      local out = p:read("*a")
      p:close()
      os.remove(script)
      assert.truthy(out:find("openrouter protocol error", 1, true), out)
      assert.is_nil(out:find("error object is not a string", 1, true))
    end)
  end)

  describe("the core request (openrouter.core)", function()
    local core = require("openrouter.core")
    local cjson = require("cjson")

    local function start(multi, extra_headers)
      local headers = { "Content-Type: application/json", "Authorization: Bearer " .. KEY }
      for _, h in ipairs(extra_headers or {}) do headers[#headers + 1] = h end
      return multi:request{
        url = srv.url .. "/chat/completions", stream = true, headers = headers,
        body = cjson.encode(req("mock/echo", "one two three", { stream = true })),
      }
    end

    -- Drain with events(into [, full]) until it says the transfer ended.
    local function drain(multi, r, full)
      local into, got = {}, {}
      while true do
        local n, ended = r:events(into, full)
        for i = 1, n do got[#got + 1] = into[i] end
        if ended then return got end
        multi:wait(1)
      end
    end

    it("events(into) hands over data strings and says when the transfer is over", function()
      local multi = core.multi_new()
      local r = start(multi)
      assert.is_nil(r:outcome())
      local into = { "stale" }
      local n, ended = r:events(into)
      assert.same({ 0, false }, { n, ended })
      assert.equal("stale", into[1])             -- an empty queue touches nothing
      local got = drain(multi, r)
      assert.is_true(#got >= 4)
      for _, d in ipairs(got) do assert.is_string(d) end
      assert.equal("[DONE]", got[#got])
      assert.same({ 0, true }, { r:events({}) })
      multi:close()
    end)

    it("events(into, true) hands over { type, data, id } tables (the debug trace)", function()
      local multi = core.multi_new()
      local got = drain(multi, start(multi), true)
      assert.equal("message", got[1].type)
      assert.is_string(got[1].data)
      assert.equal("", got[1].id)
      assert.equal("[DONE]", got[#got].data)
      multi:close()
    end)

    it("outcome() gives what the end of a transfer needs in one table", function()
      local multi = core.multi_new()
      local r = start(multi)
      drain(multi, r)
      local out = r:outcome()
      assert.equal(200, out.status)
      assert.equal("sse", out.mode)
      assert.is_true(out.clean)
      assert.is_true(out.bytes > 0)
      assert.truthy(out.request_id:match("^gen%-"))
      assert.equal(r:headers()["x-generation-id"], out.request_id)
      assert.truthy(out.content_type:find("text/event-stream", 1, true))
      assert.is_nil(out.kind)
      multi:close()
    end)

    it("outcome() of a cancelled, a closed and a failed request", function()
      local multi = core.multi_new()
      local slow = start(multi, { "X-Mock-Delay-Ms: 500" })
      local closing = start(multi, { "X-Mock-Delay-Ms: 500" })
      multi:wait(0.05)
      slow:cancel()
      assert.same({ "cancelled", "cancelled" }, { slow:outcome().kind, slow:outcome().message })
      closing:close()
      assert.same({ "cancelled", "cancelled" }, { closing:outcome().kind, closing:outcome().message })
      local last = start(multi, { "X-Mock-Delay-Ms: 500" })
      multi:close()
      assert.same({ "cancelled", "client closed" }, { last:outcome().kind, last:outcome().message })
      local refused = core.multi_new()
      local r = refused:request{ url = "http://127.0.0.1:1/" }
      while not r:outcome() do refused:wait(1) end
      local out = r:outcome()
      assert.equal("network", out.kind)
      assert.is_string(out.which)
      assert.equal(0, out.status)
      refused:close()
    end)
  end)

  describe("other endpoints", function()
    it("lists models, reads a generation, the key and credits", function()
      local c = client()
      local models = assert(c:models())
      assert.is_true(#models.data > 0)
      local res = assert(c:chat(req()))
      local gen = assert(c:generation(res.id))
      assert.are.equal(res.id, gen.data.id)
      local _, err = c:generation("gen-does-not-exist")
      assert.are.equal(404, err.status)
      assert.is_table(assert(c:key()).data)
      assert.is_table(assert(c:credits()).data)
    end)
  end)
end)
