-- Every simulator fault through the client: each ends in the right error
-- object, nothing hangs, and what arrived before the fault stays readable.
local openrouter = require("openrouter")
local mock = require("support.mock_server")

describe("faults", function()
  local srv

  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function client(opts)
    local o = { base_url = srv.url, api_key = "sk-or-faults", max_retries = 0,
                timeout = { connect = 5, idle = 5, total = 20 } }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end

  local function req(extra)
    local r = { model = "mock/lorem", messages = { { role = "user", content = "hi" } } }
    for k, v in pairs(extra or {}) do r[k] = v end
    return r
  end

  local function headers(h) return { headers = h } end

  local scenario = 0
  local function fresh_scenario()
    scenario = scenario + 1
    return ("faults-%d-%d"):format(os.time(), scenario)
  end

  describe("HTTP statuses", function()
    local RETRYABLE = { [408] = true, [409] = true, [429] = true, [500] = true, [502] = true,
                        [503] = true, [504] = true, [524] = true, [529] = true }
    for _, code in ipairs({ 400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 524, 529 }) do
      it(code .. " is an http error, retryable: " .. tostring(RETRYABLE[code] == true), function()
        local res, err = client():chat(req(), headers{ ["X-Mock-Fault"] = "status=" .. code })
        assert.is_nil(res)
        assert.are.equal("http", err.kind)
        assert.are.equal(code, err.status)
        assert.are.equal(RETRYABLE[code] == true, err.retryable)
        assert.is_string(err.message)
        local s = assert(client():stream(req(), headers{ ["X-Mock-Fault"] = "status=" .. code }))
        local _, serr = s:result()
        assert.are.equal("http", serr.kind)
        assert.are.equal(code, serr.status)
      end)
    end

    it("a non-retryable status is tried once", function()
      local _, err = client{ max_retries = 2 }:chat(req(), headers{ ["X-Mock-Fault"] = "status=422" })
      assert.are.equal(1, #err.attempts)
    end)
  end)

  describe("retries", function()
    it("fail twice, then succeed (chat)", function()
      local id = fresh_scenario()
      local res, err = client{ max_retries = 2 }:chat(req(), headers{
        ["X-Mock-Fault"] = "status=503;times=2", ["X-Mock-Scenario"] = id })
      assert.is_nil(err)
      assert.is_string(res.choices[1].message.content)
    end)

    it("fail once, then succeed (stream, before the first byte)", function()
      local id = fresh_scenario()
      local s = assert(client{ max_retries = 1 }:stream(req(), headers{
        ["X-Mock-Fault"] = "status=429;times=1", ["X-Mock-Scenario"] = id }))
      local final = assert(s:result())
      assert.are.equal("stop", final.choices[1].finish_reason)
    end)

    it("gives up after max_retries with every attempt listed", function()
      local id = fresh_scenario()
      local _, err = client{ max_retries = 1 }:chat(req(), headers{
        ["X-Mock-Fault"] = "status=500;times=5", ["X-Mock-Scenario"] = id })
      assert.are.equal(500, err.status)
      assert.are.equal(2, #err.attempts)
      assert.are.equal(500, err.attempts[1].status)
      assert.is_true(err.attempts[1].delay >= 0.375 and err.attempts[1].delay <= 0.5)
    end)

    it("waits for Retry-After when it is short", function()
      local id = fresh_scenario()
      local core = require("openrouter.core")
      local t0 = core.now()
      local res = client{ max_retries = 1 }:chat(req(), headers{
        ["X-Mock-Fault"] = "status=429;retry_after=1;times=1", ["X-Mock-Scenario"] = id })
      assert.is_table(res)
      assert.is_true(core.now() - t0 >= 0.95)
    end)

    it("does not wait for a Retry-After above the cap", function()
      local core = require("openrouter.core")
      local t0 = core.now()
      local _, err = client{ max_retries = 2 }:chat(req(), headers{ ["X-Mock-Fault"] = "status=429;retry_after=120" })
      assert.are.equal(120, err.retry_after)
      assert.are.equal(1, #err.attempts)
      assert.is_true(core.now() - t0 < 1)
    end)

    it("never retries mid-stream", function()
      local id = fresh_scenario()
      local s = assert(client{ max_retries = 2 }:stream(req(), headers{
        ["X-Mock-Fault"] = "midstream_error;times=1", ["X-Mock-Scenario"] = id }))
      local _, err = s:result()
      assert.are.equal("api", err.kind)
    end)
  end)

  describe("cut connections", function()
    it("reset at every 97th byte of a whole stream: network or protocol, text intact", function()
      local full = assert(client():stream(req()))
      local text = assert(full:result()).choices[1].message.content
      local total = full:info().bytes
      assert.is_true(total > 500)
      local tried = 0
      for offset = 97, total - 1, 97 do
        local s = assert(client():stream(req(), headers{ ["X-Mock-Fault"] = "reset_after_bytes=" .. offset }))
        local parts = {}
        local ok, err = pcall(function() for t in s:text() do parts[#parts + 1] = t end end)
        assert.is_false(ok, "offset " .. offset)
        assert.is_true(err.kind == "network" or err.kind == "protocol", tostring(err))
        local got = table.concat(parts)
        local p = s:partial().choices[1]
        local content = p and p.message.content
        if content == openrouter.null then content = "" end   -- no text yet
        assert.are.equal(got, content or "")
        assert.are.equal(text:sub(1, #got), got)
        assert.is_true(s:info().bytes <= offset)
        tried = tried + 1
      end
      assert.is_true(tried >= 5)
    end)

    it("a reset non-streaming response is a network error", function()
      local _, err = client():chat(req(), headers{ ["X-Mock-Fault"] = "reset_after_bytes=20" })
      assert.are.equal("network", err.kind)
    end)

    it("a non-streaming body cut short is a network error", function()
      local _, err = client():chat(req(), headers{ ["X-Mock-Fault"] = "no_done" })
      assert.are.equal("network", err.kind)
    end)
  end)

  describe("timeouts", function()
    it("idle: silence longer than the limit", function()
      local s = assert(client{ timeout = { idle = 0.3 } }:stream(req(), headers{ ["X-Mock-Fault"] = "stall_ms=2000" }))
      local _, err = s:result()
      assert.are.equal("timeout", err.kind)
      assert.are.equal("idle", err.which)
      assert.is_true(#err.partial.choices[1].message.content > 0)
    end)

    it("idle: silence shorter than the limit is fine", function()
      local s = assert(client{ timeout = { idle = 2 } }:stream(req(), headers{ ["X-Mock-Fault"] = "stall_ms=300" }))
      assert.is_table(s:result())
    end)

    it("idle: a stalled non-streaming body", function()
      local _, err = client{ timeout = { idle = 0.3 } }:chat(req(), headers{ ["X-Mock-Fault"] = "stall_ms=2000" })
      assert.are.equal("timeout", err.kind)
      assert.are.equal("idle", err.which)
    end)

    it("first_byte: no response headers in time", function()
      local _, err = client{ timeout = { first_byte = 0.3 } }:chat(req(), headers{ ["X-Mock-Delay-Ms"] = "2000" })
      assert.are.equal("timeout", err.kind)
      assert.are.equal("first_byte", err.which)
    end)

    it("total: the whole exchange took too long", function()
      local s = assert(client{ timeout = { total = 0.4, idle = 5 } }:stream(req(),
        headers{ ["X-Mock-Delay-Ms"] = "50", ["X-Mock-Tokens"] = "100" }))
      local _, err = s:result()
      assert.are.equal("timeout", err.kind)
      assert.are.equal("total", err.which)
      assert.is_true(#err.partial.choices[1].message.content > 0)
    end)
  end)

  describe("bad payloads", function()
    it("garbage and bad JSON in a non-streaming body are protocol errors", function()
      local _, e1 = client():chat(req(), headers{ ["X-Mock-Fault"] = "garbage" })
      assert.are.equal("protocol", e1.kind)
      local _, e2 = client():chat(req(), headers{ ["X-Mock-Fault"] = "bad_json" })
      assert.are.equal("protocol", e2.kind)
      assert.is_string(e2.body)
    end)

    it("binary garbage on a stream is a protocol error carrying the bytes seen", function()
      local s = assert(client():stream(req(), headers{ ["X-Mock-Fault"] = "garbage=binary" }))
      local _, err = s:result()
      assert.are.equal("protocol", err.kind)
      assert.truthy(err.message:find("received", 1, true), err.message)
    end)

    it("an event past the default limit (64 MiB)", function()
      local max = require("openrouter.client").DEFAULT_LIMITS.max_event
      assert.are.equal(64 * 1048576, max)
      local s = assert(client():stream(req(), headers{ ["X-Mock-Fault"] = "huge_event=" .. (max + 1) }))
      local _, err = s:result()
      assert.are.equal("protocol", err.kind)
      assert.are.equal("max_event", err.which)
    end)

    it("an event under the limit passes whole", function()
      local s = assert(client():stream(req(), headers{ ["X-Mock-Fault"] = "huge_event=900000" }))
      assert.is_table(s:result())
    end)
  end)

  describe("limits", function()
    it("a body over max_body", function()
      local _, err = client{ limits = { max_body = 200 } }:chat(req())
      assert.are.equal("protocol", err.kind)
      assert.are.equal("max_body", err.which)
    end)

    it("headers over max_header", function()
      local _, err = client{ limits = { max_header = 64 } }:chat(req())
      assert.are.equal("protocol", err.kind)
      assert.are.equal("max_header", err.which)
    end)
  end)
end)
