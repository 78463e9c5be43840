-- Callback style: client:stream(req, { on_chunk, on_text, on_done, on_error,
-- coalesce_ms }) and client:chat(req, { on_done, on_error }) return a
-- handle with cancel() and status().  Under the blocking loop the call runs
-- to completion before it returns; under "manual" client:update() drives it.
local openrouter = require("openrouter")
local core = require("openrouter.core")
local retry = require("openrouter.retry")
local mock = require("support.mock_server")

local pump = require("support.pump")

local function echo(text) return { model = "mock/echo", messages = { { role = "user", content = text } } } end
local function lorem(n, delay)
  return { model = "mock/lorem", messages = { { role = "user", content = "x" } } },
         { ["X-Mock-Tokens"] = tostring(n), ["X-Mock-Delay-Ms"] = tostring(delay or 0) }
end

-- Records every callback, in order.
local function recorder(extra)
  local log = { events = {}, text = {}, chunks = 0 }
  local opts = {
    on_chunk = function(chunk, h)
      assert(h and h.status, "on_chunk gets the handle")
      assert(type(chunk) == "table")
      log.chunks = log.chunks + 1
      log.events[#log.events + 1] = "chunk"
    end,
    on_text = function(text)
      log.text[#log.text + 1] = text
      log.events[#log.events + 1] = "text"
    end,
    on_done = function(final, h)
      log.final, log.done_handle = final, h
      log.events[#log.events + 1] = "done"
    end,
    on_error = function(err, h)
      log.err, log.err_handle = err, h
      log.events[#log.events + 1] = "error"
    end,
  }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return log, opts
end

local function count(list, what)
  local n = 0
  for _, v in ipairs(list) do if v == what then n = n + 1 end end
  return n
end

-- The simulator's record of a generation, once it noticed the close.
local function server_record(c, id)
  local rec
  for _ = 1, 50 do
    rec = assert(c:generation(id)).data
    if rec.cancelled then break end
    core.sleep(0.02)
  end
  return rec
end

describe("callback style", function()
  local srv, client
  setup(function()
    srv = mock.start()
    client = openrouter.new{ base_url = srv.url, api_key = "sk-or-test" }
  end)
  teardown(function() srv.stop() end)

  describe("under the blocking loop", function()
    it("runs to completion before returning: chunks and text in order, then on_done once", function()
      local log, opts = recorder()
      local h = client:stream(echo("callbacks in order"), opts)
      assert.equal("done", h:status())
      assert.equal("callbacks in order", table.concat(log.text))
      assert.equal("callbacks in order", log.final.choices[1].message.content)
      assert.equal(h, log.done_handle)
      assert.equal("done", log.events[#log.events])
      assert.equal(1, count(log.events, "done"))
      assert.equal(0, count(log.events, "error"))
      assert.is_true(log.chunks >= count(log.events, "text"))
      assert.equal(log.final, (h:result()))
      assert.equal("callbacks in order", h:partial().choices[1].message.content)
      assert.is_nil(h:error())
      assert.equal("openrouter.Handle(done)", tostring(h))
    end)

    it("calls on_error once for a failed request, and not on_done", function()
      local log, opts = recorder{ headers = { ["X-Mock-Fault"] = "status=401" } }
      local h = client:stream(echo("x"), opts)
      assert.equal("error", h:status())
      assert.same({ "error" }, log.events)
      assert.equal("http", log.err.kind)
      assert.equal(401, log.err.status)
      local final, err = h:result()
      assert.is_nil(final)
      assert.equal(log.err, err)
      assert.equal(log.err, h:error())
      assert.equal("openrouter.Handle(error)", tostring(h))
    end)

    it("reports a mid-stream error after the chunks that came before it", function()
      local log, opts = recorder{ headers = { ["X-Mock-Fault"] = "midstream_error" } }
      local h = client:stream(echo("some text before the error"), opts)
      assert.equal("error", h:status())
      assert.equal("error", log.events[#log.events])
      assert.equal(1, count(log.events, "error"))
      assert.equal("api", log.err.kind)
      assert.equal(table.concat(log.text), log.err.partial.choices[1].message.content)
    end)

    it("cancel() from inside a callback: on_error('cancelled') once, nothing after, connection closed", function()
      local req, headers = lorem(400, 5)
      local log, opts = recorder{ headers = headers }
      local texts = 0
      opts.on_text = function(_, h)
        texts = texts + 1
        log.events[#log.events + 1] = "text"
        if texts == 3 then
          h:cancel()
          assert.equal("cancelled", h:status())   -- at once
        end
      end
      local h = client:stream(req, opts)
      assert.equal("cancelled", h:status())
      assert.equal(3, texts)
      assert.equal("error", log.events[#log.events])
      assert.equal(1, count(log.events, "error"))
      assert.equal("cancelled", log.err.kind)
      assert.is_table(log.err.partial)
      local rec = server_record(client, h.stream.request_id)
      assert.is_true(rec.cancelled, "the simulator did not see the connection close")
      assert.is_true(rec.tokens_completion < 400)
    end)

    it("turns an error in on_text into on_error(kind 'callback') and closes the connection", function()
      local req, headers = lorem(400, 5)
      local log, opts = recorder{ headers = headers }
      opts.on_text = function() error("bug in my on_text") end
      local h = client:stream(req, opts)
      assert.equal("error", h:status())
      assert.same({ "chunk", "error" }, { log.events[#log.events - 1], log.events[#log.events] })
      assert.equal("callback", log.err.kind)
      assert.matches("on_text raised: .*bug in my on_text", log.err.message)
      assert.matches("bug in my on_text", tostring(log.err.cause))
      assert.is_string(log.err.traceback)
      assert.is_table(log.err.partial)
      assert.is_true(server_record(client, h.stream.request_id).cancelled)
      -- the client is fine afterwards
      assert.equal("still fine", assert(client:chat(echo("still fine"))).choices[1].message.content)
    end)

    it("re-raises an error in on_done out of the call itself (no caller is left to tell)", function()
      local ok, err = pcall(client.stream, client, echo("x"), { on_done = function() error("bug in on_done") end })
      assert.is_false(ok)
      assert.matches("on_done raised: .*bug in on_done", err)
    end)

    it("re-raises a failure that has no on_error", function()
      local ok, err = pcall(client.stream, client, echo("x"), {
        on_text = function() end, headers = { ["X-Mock-Fault"] = "status=500" } , max_retries = 0,
      })
      assert.is_false(ok)
      assert.matches("has no on_error: .*HTTP 500", err)
    end)

    it("returns nil, err for an invalid request, calling nothing", function()
      local log, opts = recorder()
      local h, err = client:stream({ model = 42 }, opts)
      assert.is_nil(h)
      assert.equal("validation", err.kind)
      assert.same({}, log.events)
    end)

    it("raises on misuse", function()
      assert.has_error(function() client:stream(echo("x"), { on_text = "nope" }) end)
      assert.has_error(function() client:stream(echo("x"), { on_done = function() end, coalesce_ms = -1 }) end)
      assert.has_error(function() client:chat(echo("x"), { on_done = 1 }) end)
    end)

    it("coalesce_ms: at most one on_text per N ms, the text unchanged", function()
      local prompt = string.rep("wxyz", 40)
      local stamps, parts = {}, {}
      local h = client:stream(echo(prompt), {
        headers = { ["X-Mock-Delay-Ms"] = "2" }, coalesce_ms = 25,
        on_text = function(t) parts[#parts + 1] = t; stamps[#stamps + 1] = core.now() end,
        on_done = function() end,
      })
      assert.equal("done", h:status())
      assert.equal(prompt, table.concat(parts))
      assert.is_true(#parts < 40)
      for i = 2, #stamps do assert.is_true(stamps[i] - stamps[i - 1] >= 0.024) end
    end)

    it("chat(req, { on_done, on_error }): the response, or the error", function()
      local got
      local h = client:chat(echo("chat callback"), { on_done = function(res) got = res end })
      assert.equal("done", h:status())
      assert.equal("chat callback", got.choices[1].message.content)
      local e
      h = client:chat(echo("x"), { on_error = function(err) e = err end,
                                   headers = { ["X-Mock-Fault"] = "status=402" } })
      assert.equal("error", h:status())
      assert.equal(402, e.status)
      -- stream = true: a stream handle whose on_done gets the accumulation
      h = client:chat({ model = "mock/echo", stream = true, messages = { { role = "user", content = "s" } } },
        { on_done = function(res) got = res end })
      assert.equal("done", h:status())
      assert.equal("s", got.choices[1].message.content)
      assert.is_table(h.stream)
    end)
  end)

  describe("under the manual loop", function()
    local mc
    before_each(function()
      mc = openrouter.new{ loop = "manual", base_url = srv.url, api_key = "sk-or-test" }
    end)
    after_each(function() mc:close() end)

    it("returns at once and progresses with client:update()", function()
      local log, opts = recorder{ headers = { ["X-Mock-Delay-Ms"] = "3" } }
      local h = mc:stream(echo("pumped by update"), opts)
      assert.equal("running", h:status())
      assert.same({}, log.events)
      pump(mc, function() return h:status() ~= "running" end)
      assert.equal("done", h:status())
      assert.equal("pumped by update", table.concat(log.text))
      assert.equal(1, count(log.events, "done"))
    end)

    it("cancel() from outside: status changes at once, on_error('cancelled') once, nothing after", function()
      local req, headers = lorem(400, 5)
      local log, opts = recorder{ headers = headers }
      local h = mc:stream(req, opts)
      pump(mc, function() return #log.text >= 3 end)
      h:cancel()
      assert.equal("cancelled", h:status())
      local before = #log.events
      pump(mc, function() return log.err ~= nil end)
      for _ = 1, 20 do mc:update(); core.sleep(0.002) end
      assert.equal(before + 1, #log.events)
      assert.equal("error", log.events[#log.events])
      assert.equal("cancelled", log.err.kind)
      assert.is_true(server_record(client, h.stream.request_id).cancelled)
      h:cancel()                               -- idempotent
      assert.equal(before + 1, #log.events)
    end)

    it("a cancel during the last coalescing pause fires on_error('cancelled') once, no text after", function()
      local log, opts = recorder{ headers = { ["X-Mock-Delay-Ms"] = "1" }, coalesce_ms = 400 }
      local h = mc:stream(echo("one two three four five six"), opts)
      -- the first text goes out at once; the rest waits for the pause
      pump(mc, function() return #log.text == 1 and h.stream:info().state == "done" end)
      assert.equal("running", h:status())
      h:cancel()
      assert.equal("cancelled", h:status())
      pump(mc, function() return log.err ~= nil end, 2)
      for _ = 1, 10 do mc:update(); core.sleep(0.002) end
      assert.equal(1, #log.text)
      assert.equal(1, count(log.events, "error"))
      assert.equal(0, count(log.events, "done"))
      assert.equal("error", log.events[#log.events])
      assert.equal("cancelled", log.err.kind)
    end)

    it("coalesces on_text like the iterator: the text unchanged, at most one per N ms", function()
      local prompt = string.rep("wxyz", 30)
      local stamps, parts = {}, {}
      local h = mc:stream(echo(prompt), {
        headers = { ["X-Mock-Delay-Ms"] = "2" }, coalesce_ms = 20,
        on_text = function(t) parts[#parts + 1] = t; stamps[#stamps + 1] = core.now() end,
        on_done = function() end,
      })
      pump(mc, function() return h:status() ~= "running" end)
      assert.equal("done", h:status())
      assert.equal(prompt, table.concat(parts))
      assert.is_true(#parts < 30)
      for i = 2, #stamps do assert.is_true(stamps[i] - stamps[i - 1] >= 0.019) end
    end)

    it("re-raises an error in on_done from client:update()", function()
      local h = mc:stream(echo("x"), { on_done = function() error("on_done blew up") end })
      local ok, err = pcall(pump, mc, function() return h:status() ~= "running" end)
      assert.is_false(ok)
      assert.matches("on_done raised: .*on_done blew up", err)
      assert.equal("done", h:status())
    end)

    it("cancels a chat while it backs off before a retry", function()
      local backoff = retry.BACKOFF.base
      retry.BACKOFF.base = 5
      finally(function() retry.BACKOFF.base = backoff end)
      local e
      local h = mc:chat(echo("x"), {
        headers = { ["X-Mock-Fault"] = "status=503;times=1;key=" .. tostring(core.now()) },
        on_done = function() error("must not finish") end,
        on_error = function(err) e = err end,
      })
      -- wait for the first (failed) attempt, then cancel during the pause
      pump(mc, function() return h._token.req and h._token.req:outcome() ~= nil end)
      for _ = 1, 5 do mc:update(); core.sleep(0.005) end
      local t0 = core.now()
      h:cancel()
      pump(mc, function() return e ~= nil end, 2)
      assert.is_true(core.now() - t0 < 0.5, "the cancel waited for the back-off")
      assert.equal("cancelled", e.kind)
      assert.equal("cancelled", h:status())
    end)

    it("runs many handles at once", function()
      local handles, done = {}, 0
      for i = 1, 25 do
        handles[i] = mc:stream(echo("handle " .. i), {
          headers = { ["X-Mock-Delay-Ms"] = "2" },
          on_done = function(final)
            if final.choices[1].message.content == "handle " .. i then done = done + 1 end
          end,
          on_error = function(err) error(tostring(err)) end,
        })
      end
      pump(mc, function() return done == 25 end)
      for i = 1, 25 do assert.equal("done", handles[i]:status()) end
    end)
  end)
end)
