-- Responses in OpenRouter's real shapes (spec/fixtures/streams, see its
-- README), replayed byte for byte by the simulator (X-Mock-Replay) through
-- the client: what a stream accumulates, when it is complete, what its
-- errors say.
local openrouter = require("openrouter")
local tool = require("openrouter.tool")
local cjson = require("cjson")
local mock = require("support.mock_server")

local null = openrouter.null
local FIXTURES = mock.root .. "/spec/fixtures/streams"

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function sh(cmd)
  local a, _, c = os.execute(cmd)
  return a == true or a == 0 or c == 0
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- N bytes of base64 (a PNG's first bytes, then a deterministic filler).
local function base64_bytes(n)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  local block, x = {}, 7
  for i = 1, 4096 do
    x = (x * 1103515245 + 12345) % 2147483648
    local k = math.floor(x / 65536) % 64 + 1
    block[i] = alphabet:sub(k, k)
  end
  local s = "iVBORw0KGgoAAAANSUhEUgAA" .. string.rep(table.concat(block), math.ceil(n / 4096))
  return s:sub(1, n)
end

-- A fixture as served: {{base64:N}} expanded.
local function expand(text)
  return (text:gsub("{{base64:(%d+)}}", function(n) return base64_bytes(tonumber(n)) end))
end

local function contains(s, part)
  return s:find(part, 1, true) ~= nil
end

local math_type = rawget(math, "type")   -- 5.3+
local is_integer = math_type and function(v) return math_type(v) == "integer" end
  or function(v) return type(v) == "number" and v == math.floor(v) end

describe("replayed OpenRouter responses", function()
  local srv, dir

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(sh("mkdir " .. quote(dir)), "cannot make " .. dir)
    local ls = assert(io.popen("ls " .. quote(FIXTURES)))
    for name in ls:lines() do
      if name:match("%.http$") then write(dir .. "/" .. name, expand(read(FIXTURES .. "/" .. name))) end
    end
    ls:close()
    srv = mock.start{ args = { "--replay-dir", dir } }
  end)

  teardown(function()
    if srv then srv.stop() end
    if dir then sh("rm -rf " .. quote(dir)) end
  end)

  local function client(opts)
    local o = { base_url = srv.url, api_key = "sk-or-replay", max_retries = 0,
                timeout = { connect = 5, idle = 10, total = 30 } }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end

  local REQ = { model = "openrouter/auto", messages = { { role = "user", content = "hi" } } }

  local function replay(name) return { headers = { ["X-Mock-Replay"] = name } } end

  -- Read the fixture `name` to the end: result, err, stream.
  local function result(name, opts)
    local s = assert(client(opts):stream(REQ, replay(name)))
    local res, err = s:result()
    return res, err, s
  end

  it("keep-alive comments are skipped and counted", function()
    local res, err, s = result("keepalive.http")
    assert.is_nil(err)
    assert.are.equal("Comments keep the line open.", res.choices[1].message.content)
    assert.are.equal("stop", res.choices[1].finish_reason)
    assert.are.equal(3, s:info().comments)
    assert.are.equal(15, res.usage.total_tokens)
  end)

  describe("reasoning_details", function()
    it("summary pieces and an encrypted entry at the same index stay two entries (xAI)", function()
      local res, err = result("reasoning_xai.http")
      assert.is_nil(err)
      local msg = res.choices[1].message
      assert.are.equal("Two plus two is basic arithmetic.", msg.reasoning)
      assert.are.equal("2 + 2 = 4.", msg.content)
      local d = msg.reasoning_details
      assert.are.equal(2, #d)
      assert.are.same({ type = "reasoning.summary", summary = "Two plus two is basic arithmetic.",
                        format = "xai-responses-v1", index = 0 }, d[1])
      assert.are.same({ type = "reasoning.encrypted", data = "eNqrVkrOz0nNzVeyUkpMLCjJzM9TqgUAU7sHqQ==",
                        id = "rs_8f2c41d0-3a7e-4b5f-9c61-2d0e7a9b1c44", format = "xai-responses-v1",
                        index = 0 }, d[2])
      -- what goes back on the next turn: both entries, as they came
      assert.are.same(d, tool.assistant_message(msg).reasoning_details)
    end)

    it("reasoning.text pieces and their signature merge into one entry (Anthropic)", function()
      local res, err = result("reasoning_anthropic.http")
      assert.is_nil(err)
      local msg = res.choices[1].message
      assert.are.same({ { type = "reasoning.text", text = "The user wants a greeting.",
                          signature = "EqQBCkgIBhABGAIiQGq1c2lnbmF0dXJlLWZvci10aGUtc3BlYw==",
                          format = "anthropic-claude-v1", index = 0 } }, msg.reasoning_details)
      assert.are.equal("Hello!", msg.content)
    end)
  end)

  it("parallel tool calls: arguments joined across chunks, ids from the first piece, content null", function()
    local res, err = result("tool_calls_parallel.http")
    assert.is_nil(err)
    local choice = res.choices[1]
    assert.are.equal("tool_calls", choice.finish_reason)
    assert.are.equal(null, choice.message.content)
    local calls = choice.message.tool_calls
    assert.are.equal(3, #calls)
    local want = {
      { "call_Qm3vT8xK2pLw9aRz", "get_weather", { city = "Paris" } },
      { "call_Zt6nB1cY4hJs0eWq", "get_time", { tz = "Europe/Paris" } },
      { "call_Lk8dF3gH5jN7mP0r", "get_weather", { city = "Oslo" } },
    }
    for i, w in ipairs(want) do
      assert.are.equal(w[1], calls[i].id)
      assert.are.equal("function", calls[i].type)
      assert.are.equal(w[2], calls[i]["function"].name)
      assert.are.same(w[3], cjson.decode(calls[i]["function"].arguments))
    end
    -- sent back as OpenRouter's own answers have it: content null
    assert.are.equal(null, tool.assistant_message(choice.message).content)
  end)

  it("usage with cost comes from a chunk whose choices are empty", function()
    local res, err, s = result("usage_cost.http")
    assert.is_nil(err)
    assert.are.equal("Paris is the capital of France.", res.choices[1].message.content)
    assert.are.equal("stop", res.choices[1].finish_reason)
    assert.are.equal(1, #res.choices)
    assert.are.equal(0.0000042, res.usage.cost)
    assert.are.equal(25, res.usage.total_tokens)
    assert.are.equal(null, res.usage.cost_details.upstream_inference_cost)
    assert.are.equal("gen-1760000505-UsAgEwItHcOsT4mN2bVc", s.request_id)
  end)

  it("a mid-stream error chunk: api error, integer code, provider and raw in tostring, partial kept", function()
    local s = assert(client():stream(REQ, replay("midstream_error.http")))
    local texts = {}
    local ok, err = pcall(function() for t in s:text() do texts[#texts + 1] = t end end)
    assert.is_false(ok)
    assert.are.same({ "Once upon", " a time" }, texts)
    assert.are.equal("api", err.kind)
    assert.are.equal(502, err.code)
    assert.is_true(is_integer(err.code))
    assert.is_false(err.retryable)
    assert.are.equal("Provider returned error", err.message)
    assert.are.equal("Anthropic", err.metadata.provider_name)
    assert.are.equal("gen-1760000606-MiDsTrEaMeRrOr7kL1qW", err.request_id)
    assert.are.equal("Once upon a time", err.partial.choices[1].message.content)
    assert.are.equal("error", err.partial.choices[1].finish_reason)
    local text = tostring(err)
    assert.truthy(contains(text, "(code 502)"), text)
    assert.falsy(contains(text, "502.0"), text)
    assert.truthy(contains(text, "Anthropic"), text)
    assert.truthy(contains(text, "overloaded_error"), text)
  end)

  describe("image output", function()
    local URL = "data:image/png;base64," .. base64_bytes(1900000)

    it("a 1.9 MB image event passes with the default limits", function()
      local res, err = result("image_output.http")
      assert.is_nil(err)
      local msg = res.choices[1].message
      assert.are.equal("Here is a red panda in a space suit.", msg.content)
      assert.are.equal(1, #msg.images)
      assert.are.equal("image_url", msg.images[1].type)
      assert.is_true(msg.images[1].image_url.url == URL)
      assert.are.equal(1290, res.usage.completion_tokens_details.image_tokens)
    end)

    it("past max_event: a protocol error that keeps the partial answer and the generation id", function()
      local res, err, s = result("image_output.http", { limits = { max_event = 1048576 } })
      assert.is_nil(res)
      assert.are.equal("protocol", err.kind)
      assert.are.equal("max_event", err.which)
      assert.are.equal("gen-1760000707-ImAgEoUtPuTgEmInI3xZ", err.request_id)
      assert.are.equal("Here is a red panda in a space suit.", err.partial.choices[1].message.content)
      assert.are.equal("gen-1760000707-ImAgEoUtPuTgEmInI3xZ", err.partial.id)
      assert.are.same(err.partial, s:partial())
    end)
  end)

  describe("an HTTP error body from a provider", function()
    local function check(err)
      assert.are.equal("http", err.kind)
      assert.are.equal(400, err.status)
      assert.are.equal(400, err.code)
      assert.is_true(is_integer(err.code))
      assert.are.equal("Provider returned error", err.message)
      assert.are.equal("Google AI Studio", err.metadata.provider_name)
      local text = tostring(err)
      assert.truthy(contains(text, "(HTTP 400)"), text)
      assert.falsy(contains(text, "400.0"), text)
      assert.truthy(contains(text, "Google AI Studio"), text)
      assert.truthy(contains(text, "Unable to process input image"), text)
    end

    it("names the provider and what it said (chat)", function()
      local res, err = client():chat(REQ, replay("provider_error.http"))
      assert.is_nil(res)
      check(err)
    end)

    it("names the provider and what it said (stream)", function()
      local res, err = result("provider_error.http")
      assert.is_nil(res)
      check(err)
    end)
  end)

  describe("completeness", function()
    it("the connection ends inside the usage event after the finish reason: protocol error, partial kept", function()
      local res, err, s = result("cut_after_finish.http")
      assert.is_nil(res)
      assert.are.equal("protocol", err.kind)
      assert.truthy(contains(err.message, "incomplete event"), err.message)
      assert.are.equal("gen-1760000808-CuTaFtErFiNiSh2pO9sD", err.request_id)
      assert.are.equal("Short answer.", err.partial.choices[1].message.content)
      assert.are.equal("stop", err.partial.choices[1].finish_reason)
      assert.is_nil(err.partial.usage)
      assert.are.equal(err, s:error())
    end)

    it("a clean end after the finish reason is complete without [DONE]", function()
      local res, err = result("finish_clean_end.http")
      assert.is_nil(err)
      assert.are.equal("Short answer.", res.choices[1].message.content)
      assert.are.equal(15, res.usage.total_tokens)
    end)

    it("[DONE] completes the stream, whatever incomplete event follows", function()
      local res, err = result("done_then_cut.http")
      assert.is_nil(err)
      assert.are.equal("Short answer.", res.choices[1].message.content)
    end)
  end)

  describe("the simulator's X-Mock-Replay", function()
    it("sends the recorded status, headers and body as written", function()
      local _, err = client():chat(REQ, replay("provider_error.http"))
      local text = read(FIXTURES .. "/provider_error.http")
      assert.are.equal(text:match("\n\n(.*)$"), err.body)
      local s = assert(client():stream(REQ, replay("usage_cost.http")))
      assert.is_table(s:result())
      assert.are.equal(200, s:status())
      assert.are.equal("gen-1760000505-UsAgEwItHcOsT4mN2bVc", s:headers()["x-generation-id"])
      assert.are.equal("text/event-stream", s:headers()["content-type"])
    end)

    it("refuses a name with a path, and answers 404 for an unknown one", function()
      local _, e1 = client():chat(REQ, replay("../streams/keepalive.http"))
      assert.are.equal(400, e1.status)
      local _, e2 = client():chat(REQ, replay("no-such.http"))
      assert.are.equal(404, e2.status)
    end)

    it("is refused by a simulator started without --replay-dir", function()
      local plain = mock.start()
      local c = openrouter.new{ base_url = plain.url, api_key = "sk-or-replay", max_retries = 0 }
      local _, err = c:chat(REQ, replay("keepalive.http"))
      plain.stop()
      assert.are.equal(400, err.status)
      assert.truthy(contains(err.message, "--replay-dir"), err.message)
    end)
  end)
end)
