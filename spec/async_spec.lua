-- openrouter.async: tasks whose waiting calls yield to the host loop.
-- Driven here with loop = "manual" (client:update() pumps), so every Lua
-- runs it; the real hosts are in spec/hosts/.
local openrouter = require("openrouter")
local async = require("openrouter.async")
local core = require("openrouter.core")
local retry = require("openrouter.retry")
local mock = require("support.mock_server")

local pump = require("support.pump")

-- All text of a stream, without a for-in loop (PUC Lua 5.1 cannot yield
-- from inside a for-in iterator).
local function all_text(s, opts)
  local it, parts = s:text(opts), {}
  while true do
    local t = it()
    if not t then break end
    parts[#parts + 1] = t
  end
  return table.concat(parts), #parts
end

local function echo(text) return { model = "mock/echo", messages = { { role = "user", content = text } } } end

describe("openrouter.async", function()
  local srv, client, blocking
  setup(function()
    srv = mock.start()
    blocking = openrouter.new{ base_url = srv.url, api_key = "sk-or-test" }
  end)
  teardown(function() srv.stop() end)
  before_each(function()
    client = openrouter.new{ loop = "manual", base_url = srv.url, api_key = "sk-or-test" }
  end)
  after_each(function() client:close() end)

  it("returns at once; the task moves on as client:update() brings data", function()
    local task = openrouter.async(function(prompt)
      local s = assert(client:stream(echo(prompt), { headers = { ["X-Mock-Delay-Ms"] = "5" } }))
      return all_text(s), "second value"
    end, "one two three four five six")
    assert.equal("running", task:status())
    assert.is_nil(task:result())
    pump(client, function() return task:status() ~= "running" end)
    assert.equal("done", task:status())
    local text, second = task:result()
    assert.equal("one two three four five six", text)
    assert.equal("second value", second)
    assert.equal("openrouter.Task(done)", tostring(task))
    assert.is_nil(task:error())
    assert.equal(0, client:update())          -- idle now
  end)

  it("runs chat() and result() inside a task", function()
    local got
    local task = openrouter.async(function()
      local res = assert(client:chat(echo("plain chat")))
      local final = assert(client:stream(echo("streamed")):result())
      got = { res.choices[1].message.content, final.choices[1].message.content }
    end)
    pump(client, function() return task:status() ~= "running" end)
    assert.equal("done", task:status(), tostring(task:error()))
    assert.same({ "plain chat", "streamed" }, got)
  end)

  it("refuses to wait outside a task, with a message that says what to do", function()
    local ok, err = pcall(client.chat, client, echo("x"))
    assert.is_false(ok)
    assert.matches("openrouter.async", err, 1, true)
    assert.matches("client:update", err, 1, true)
    assert.equal(-1, client._multi:timeout())   -- nothing was started
    -- a stream may be made outside a task; iterating it must happen inside one
    local s = assert(client:stream(echo("made outside")))
    ok, err = pcall(s.next, s)
    assert.is_false(ok)
    assert.matches("openrouter.async", tostring(err), 1, true)
    local task = openrouter.async(function() return all_text(s) end)
    pump(client, function() return task:status() ~= "running" end)
    assert.equal("made outside", (task:result()))
  end)

  it("raises an error before the first wait from async() itself", function()
    local ok, err = pcall(openrouter.async, function() error("early failure") end)
    assert.is_false(ok)
    assert.matches("early failure", err)
    assert.has_error(function() openrouter.async("not a function") end)
  end)

  it("re-raises an error after a wait from client:update(), and records it", function()
    local task = openrouter.async(function()
      assert(client:stream(echo("x"))):result()
      error("late failure")
    end)
    local ok, err = pcall(pump, client, function() return task:status() ~= "running" end)
    assert.is_false(ok)
    assert.matches("late failure", err)
    assert.matches("openrouter.async task failed", err, 1, true)
    assert.equal("error", task:status())
    assert.matches("late failure", tostring(task:error()))
    local _, e = task:result()
    assert.matches("late failure", tostring(e))
  end)

  it("task:cancel() closes the connection it waits on; the task ends 'cancelled'", function()
    local s
    local n = 0
    local task = openrouter.async(function()
      s = assert(client:stream({ model = "mock/lorem", messages = { { role = "user", content = "x" } } },
        { headers = { ["X-Mock-Tokens"] = "500", ["X-Mock-Delay-Ms"] = "5" } }))
      while s:next() do n = n + 1 end
    end)
    pump(client, function() return n >= 3 end)
    task:cancel()
    pump(client, function() return task:status() ~= "running" end)
    assert.equal("cancelled", task:status())
    assert.equal("cancelled", task:error().kind)
    local seen = n
    for _ = 1, 20 do client:update(); core.sleep(0.002) end
    assert.equal(seen, n)                    -- nothing after the cancel
    -- the simulator saw the connection go
    local id = s.request_id
    local rec
    for _ = 1, 50 do
      rec = assert(blocking:generation(id)).data
      if rec.cancelled then break end
      core.sleep(0.02)
    end
    assert.is_true(rec.cancelled)
    assert.is_true(rec.tokens_completion < 500)
  end)

  it("stream:cancel() from outside the task ends the iteration with kind 'cancelled'", function()
    local s, caught, received = nil, nil, {}
    local task = openrouter.async(function()
      s = assert(client:stream({ model = "mock/lorem", messages = { { role = "user", content = "x" } } },
        { headers = { ["X-Mock-Tokens"] = "500", ["X-Mock-Delay-Ms"] = "5" } }))
      local ok, err = async.pcall(function()
        local it = s:text()
        while true do
          local t = it()
          if not t then break end
          received[#received + 1] = t
        end
      end)
      caught = not ok and err
    end)
    pump(client, function() return #received >= 4 end)
    s:cancel()
    pump(client, function() return task:status() ~= "running" end)
    assert.equal("done", task:status())
    assert.equal("cancelled", caught.kind)
    assert.equal(table.concat(received), caught.partial.choices[1].message.content)
    local final, err = s:result()
    assert.is_nil(final)
    assert.equal("cancelled", err.kind)
  end)

  it("yields during retry pauses instead of blocking the loop", function()
    local backoff = retry.BACKOFF.base
    retry.BACKOFF.base = 0.3
    finally(function() retry.BACKOFF.base = backoff end)
    local task = openrouter.async(function()
      return assert(client:chat(echo("after a retry"), {
        headers = { ["X-Mock-Fault"] = "status=503;times=1;key=" .. tostring(core.now()) },
      }))
    end)
    local slowest = 0
    pump(client, function()
      local t = core.now()
      client:update()
      slowest = math.max(slowest, core.now() - t)
      return task:status() ~= "running"
    end)
    assert.equal("done", task:status(), tostring(task:error()))
    assert.equal("after a retry", task:result().choices[1].message.content)
    -- a blocking update() would sleep out the 300 ms pause; the margin absorbs a loaded machine
    assert.is_true(slowest < 0.15, "an update() took " .. slowest .. " s")
  end)

  it("runs many tasks at once on one client", function()
    local done, tasks = 0, {}
    for i = 1, 30 do
      tasks[i] = openrouter.async(function()
        local text = all_text(assert(client:stream(echo("task " .. i), { headers = { ["X-Mock-Delay-Ms"] = "2" } })))
        if text == "task " .. i then done = done + 1 end
      end)
    end
    pump(client, function() return done == 30 end)
    for i = 1, 30 do assert.equal("done", tasks[i]:status()) end
  end)

  it("nests: a task may start another and wait for its own request", function()
    local inner
    local outer = openrouter.async(function()
      inner = openrouter.async(function() return assert(client:chat(echo("inner"))) end)
      return assert(client:chat(echo("outer")))
    end)
    pump(client, function() return outer:status() ~= "running" and inner:status() ~= "running" end)
    assert.equal("outer", outer:result().choices[1].message.content)
    assert.equal("inner", inner:result().choices[1].message.content)
  end)

  it("coalesces text: stream:text{ coalesce_ms = N } gives at most one string per N ms", function()
    local prompt = string.rep("abcdefgh", 20)    -- 40 deltas of 4 characters
    local stamps = {}
    local task = openrouter.async(function()
      local s = assert(client:stream(echo(prompt), { headers = { ["X-Mock-Delay-Ms"] = "2" } }))
      local it, parts = s:text{ coalesce_ms = 30 }, {}
      while true do
        local t = it()
        if not t then break end
        parts[#parts + 1] = t
        stamps[#stamps + 1] = core.now()
      end
      return table.concat(parts), #parts
    end)
    pump(client, function() return task:status() ~= "running" end)
    local text, n = task:result()
    assert.equal(prompt, text)
    assert.is_true(n < 40, n .. " strings")
    for i = 2, #stamps do
      assert.is_true(stamps[i] - stamps[i - 1] >= 0.029, "two strings " .. (stamps[i] - stamps[i - 1]) .. " s apart")
    end
    assert.has_error(function() client:stream(echo("x")):text{ coalesce_ms = "soon" } end)
  end)

  it("refuses a task that yields values of its own", function()
    local task = openrouter.async(function()
      assert(client:stream(echo("x"))):result()
      coroutine.yield("mine")
    end)
    local ok, err = pcall(pump, client, function() return task:status() ~= "running" end)
    assert.is_false(ok)
    assert.matches("yielded a value of its own", err)
    assert.equal("error", task:status())
  end)

  it("under the blocking loop, runs the function to the end before returning", function()
    local task = openrouter.async(function() return assert(blocking:chat(echo("blocking"))) end)
    assert.equal("done", task:status())
    assert.equal("blocking", task:result().choices[1].message.content)
  end)

  it("lets a task wait through async.pcall on every Lua", function()
    local task = openrouter.async(function()
      local ok, res = async.pcall(function() return assert(client:chat(echo("through pcall"))) end)
      assert(ok, res)
      local ok2, err = async.pcall(function() error({ mine = true }) end)
      return res.choices[1].message.content, ok2, err.mine
    end)
    pump(client, function() return task:status() ~= "running" end)
    assert.same({ "through pcall", false, true }, { task:result() })
  end)

  if async.PUC51 then
    it("explains Lua 5.1's for-in limit when a task iterates with for", function()
      local ok, err = pcall(openrouter.async, function()
        for _ in assert(client:stream(echo("x"), { headers = { ["X-Mock-Delay-Ms"] = "5" } })):text() do end
      end)
      assert.is_false(ok)
      assert.matches("Lua 5.1 cannot yield inside a for%-in iterator", err)
    end)
  else
    it("iterates with for-in inside a task", function()
      local parts = {}
      local task = openrouter.async(function()
        for text in assert(client:stream(echo("for in works"))):text() do parts[#parts + 1] = text end
      end)
      pump(client, function() return task:status() ~= "running" end)
      assert.equal("for in works", table.concat(parts))
    end)
  end
end)
