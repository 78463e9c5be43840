-- The manual loop (game loops): client:update() advances everything and
-- never blocks.  Also: a minimal custom adapter that is only a wait
-- function, and the adapter table contract.
local openrouter = require("openrouter")
local core = require("openrouter.core")
local mock = require("support.mock_server")

local function echo(text) return { model = "mock/echo", messages = { { role = "user", content = text } } } end

describe("loop 'manual'", function()
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() srv.stop() end)

  it("update() never blocks, returns pending work, and 0 when idle", function()
    local c = openrouter.new{ loop = "manual", base_url = srv.url, api_key = "sk-or-test" }
    assert.equal(0, c:update())
    local task = openrouter.async(function()
      -- the simulator holds the answer back for 300 ms
      return assert(c:chat(echo("slow"), { headers = { ["X-Mock-Delay-Ms"] = "300" } }))
    end)
    local slowest, calls, busy = 0, 0, 0
    local t0 = core.now()
    while task:status() == "running" do
      local t = core.now()
      local n = c:update()
      slowest = math.max(slowest, core.now() - t)
      calls = calls + 1
      if n > 0 then busy = busy + 1 end
      core.sleep(0.002)
      assert(core.now() - t0 < 10, "timed out")
    end
    assert.equal("slow", task:result().choices[1].message.content)
    assert.is_true(core.now() - t0 >= 0.29)
    assert.is_true(calls > 20)
    assert.is_true(busy > 0)
    -- a blocking update() would take most of the 300 ms; the margin absorbs a loaded machine
    assert.is_true(slowest < 0.15, "an update() took " .. slowest .. " s")
    assert.equal(0, c:update())
    c:close()
  end)

  it("is harmless on the blocking loop", function()
    local c = openrouter.new{ base_url = srv.url, api_key = "sk-or-test" }
    assert.equal(0, c:update())
  end)
end)

describe("a custom adapter", function()
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() srv.stop() end)

  it("needs only wait(client, req, deadline): here a polling loop like copas' would be", function()
    local waits = 0
    local adapter = {
      wait = function(client)
        waits = waits + 1
        client:update()        -- perform(): non-blocking
        core.sleep(0.001)      -- a cooperative scheduler would yield here
      end,
    }
    local c = openrouter.new{ loop = adapter, base_url = srv.url, api_key = "sk-or-test" }
    assert.equal("polled", assert(c:chat(echo("polled"))).choices[1].message.content)
    local parts = {}
    local s = assert(c:stream(echo("polled stream")))
    while true do
      local chunk = s:next()
      if not chunk then break end
      local d = chunk.choices[1] and chunk.choices[1].delta
      if d and d.content then parts[#parts + 1] = d.content end
    end
    assert.equal("polled stream", table.concat(parts))
    -- callbacks without spawn(): they run to the end before the call returns
    local got
    local h = c:stream(echo("cb"), { on_done = function(f) got = f.choices[1].message.content end })
    assert.equal("done", h:status())
    assert.equal("cb", got)
    assert.is_true(waits > 0)
  end)

  it("is completed once when attached: every hook present, the adapter's state per client", function()
    local loop = require("openrouter.loop")
    local attached = 0
    local adapter = {
      name = "mine",
      wait = function(client) client:update(); core.sleep(0.001) end,
      attach = function(client)
        attached = attached + 1
        return { n = attached, multi = client._multi }
      end,
    }
    local c1 = openrouter.new{ loop = adapter, base_url = srv.url, api_key = "sk-or-test" }
    local c2 = openrouter.new{ loop = adapter, base_url = srv.url, api_key = "sk-or-test" }
    for _, name in ipairs(loop.HOOKS) do
      assert.is_function(c1._loop[name], name)
    end
    assert.equal("mine", c1._loop.name)
    assert.equal(adapter.wait, c1._loop.wait)
    assert.same({ 1, 2 }, { c1._loopstate.n, c2._loopstate.n })
    assert.equal(c2._multi, c2._loopstate.multi)
    assert.is_nil(adapter.sleep)                    -- the adapter table itself is left alone
    -- the default sleep waits through wait(), and ends early once cond() holds
    local t0 = core.now()
    c1._loop.sleep(c1, 0.05)
    assert.is_true(core.now() - t0 >= 0.05)
    t0 = core.now()
    c1._loop.sleep(c1, 5, function() return core.now() - t0 > 0.02 end)
    assert.is_true(core.now() - t0 < 1)
    -- the default report raises, the default spawn runs now, the default update performs
    assert.has_error(function() c1._loop.report(c1, "boom") end, "boom")
    local ran
    assert.is_nil(c1._loop.spawn(c1, function() ran = true end))
    assert.is_true(ran)
    assert.equal(0, c1:update())
    c1:close()
    c2:close()
  end)

  it("must have a wait function", function()
    assert.has_error(function() openrouter.new{ loop = {} } end)
    assert.has_error(function() openrouter.new{ loop = { wait = function() end, kick = true } } end)
    assert.has_error(function()
      require("openrouter.loop.driver").new{ watch = function() end }   -- watch without timer
    end)
  end)

  it("refuses loop 'nvim' and 'ngx' outside their hosts with a clear error", function()
    local ok, err = pcall(openrouter.new, { loop = "nvim" })
    assert.is_false(ok)
    assert.matches("not running inside Neovim", err)
    local c = openrouter.new{ loop = "ngx", base_url = srv.url }
    ok, err = pcall(c.chat, c, echo("x"))
    assert.is_false(ok)
    assert.matches("cannot wait for the network in nginx", err)
  end)
end)
