-- The luv adapter on every Lua: libcurl's sockets on uv poll handles, its
-- timer (and openrouter's own deadlines) on a uv timer; tasks resumed from
-- the loop.  Also a custom adapter built with openrouter.loop.driver.
local openrouter = require("openrouter")
local core = require("openrouter.core")
local mock = require("support.mock_server")
local ok_uv, uv = pcall(require, "luv")

local function echo(text) return { model = "mock/echo", messages = { { role = "user", content = text } } } end

-- uv.run() until cond() (a failsafe timer stops a hung loop).
local function run_until(cond, seconds)
  local t = uv.new_timer()
  local deadline = core.now() + (seconds or 10)
  t:start(5, 5, function()
    if cond() or core.now() > deadline then t:stop(); uv.stop() end
  end)
  uv.run()
  if not t:is_closing() then t:close() end
  uv.run("nowait")
  assert(cond(), "timed out")
end

local function collect(s)
  local it, parts = s:text(), {}
  while true do
    local t = it()
    if not t then break end
    parts[#parts + 1] = t
  end
  return table.concat(parts)
end

if not ok_uv then
  describe("loop 'luv'", function() pending("lua-luv is not installed for this Lua") end)
  return
end

describe("loop 'luv'", function()
  local srv, client
  setup(function() srv = mock.start() end)
  teardown(function() srv.stop() end)
  before_each(function()
    client = openrouter.new{ loop = "luv", base_url = srv.url, api_key = "sk-or-test" }
  end)
  after_each(function() client:close(); uv.run("nowait") end)

  it("gives the loop a turn while a long queue is handed out (a slow consumer never holds it up)", function()
    -- the whole stream arrives at once and queues; the consumer spends
    -- >= 0.2 ms on each delta.  Without turns, all of them would be handed
    -- out in one resume and the loop's timer would not run in between.
    local ticks, since_tick, most, n, finished = 0, 0, 0, 0, false
    local meter = uv.new_timer()
    meter:start(1, 1, function()
      ticks = ticks + 1
      since_tick = 0
    end)
    openrouter.async(function()
      local s = assert(client:stream({ model = "mock/lorem", messages = { { role = "user", content = "go" } } },
        { headers = { ["X-Mock-Tokens"] = "400" } }))
      local it = s:text()                      -- (5.1: no yield inside a for-in iterator)
      while it() do
        n = n + 1
        since_tick = since_tick + 1
        if since_tick > most then most = since_tick end
        local t = core.now() + 0.0002
        while core.now() < t do end          -- the consumer's own work
      end
      finished = true
    end)
    run_until(function() return finished end, 30)
    meter:stop()
    meter:close()
    assert.equal(400, n)
    assert.is_true(ticks > 0)
    -- a turn comes after 2 ms (the clock is looked at every 16 deltas)
    assert.is_true(most <= 64, "deltas handed out between two turns of the loop: " .. most)
  end)

  it("runs concurrent streams in tasks and callbacks on one loop", function()
    local texts, done = {}, 0
    for i = 1, 20 do
      openrouter.async(function()
        texts[i] = collect(assert(client:stream(echo("luv task " .. i), { headers = { ["X-Mock-Delay-Ms"] = "3" } })))
        done = done + 1
      end)
    end
    local cb_text = {}
    local h = client:stream(echo("luv callbacks"), {
      on_text = function(t) cb_text[#cb_text + 1] = t end,
      on_done = function() done = done + 1 end,
    })
    assert.equal("running", h:status())
    run_until(function() return done == 21 end)
    for i = 1, 20 do assert.equal("luv task " .. i, texts[i]) end
    assert.equal("luv callbacks", table.concat(cb_text))
  end)

  it("fires openrouter's own idle timeout through the uv timer", function()
    local err
    openrouter.async(function()
      local s = assert(client:stream(echo("stalls"), {
        headers = { ["X-Mock-Fault"] = "stall_ms=2000" }, timeout = { idle = 0.2 },
      }))
      local _, e = s:result()
      err = e or false
    end)
    local t0 = core.now()
    run_until(function() return err ~= nil end, 5)
    assert.equal("timeout", err.kind)
    assert.equal("idle", err.which)
    assert.is_true(core.now() - t0 < 1.5)
  end)

  it("cancels from a uv callback: the waiting task ends at once with 'cancelled'", function()
    local s, err, n = nil, nil, 0
    openrouter.async(function()
      s = assert(client:stream({ model = "mock/lorem", messages = { { role = "user", content = "x" } } },
        { headers = { ["X-Mock-Tokens"] = "500", ["X-Mock-Delay-Ms"] = "5" } }))
      while true do
        local ok, c = require("openrouter.async").pcall(s.next, s)   -- 5.1: no yield across pcall
        if not ok then err = c; break end
        if not c then break end
        n = n + 1
      end
    end)
    local t = uv.new_timer()
    t:start(60, 0, function() t:close(); s:cancel() end)
    run_until(function() return err ~= nil end, 5)
    assert.equal("cancelled", err.kind)
    assert.is_true(n > 0)
    assert.is_true(#err.partial.choices[1].message.content > 0)
  end)

  it("client:close() ends the requests tasks wait on", function()
    local err
    openrouter.async(function()
      local _, e = assert(client:stream(echo("closing"), { headers = { ["X-Mock-Delay-Ms"] = "200" } })):result()
      err = e
    end)
    local t = uv.new_timer()
    t:start(50, 0, function() t:close(); client:close() end)
    run_until(function() return err ~= nil end, 5)
    assert.equal("cancelled", err.kind)
  end)

  it("counts events after [DONE] in stream:info().after_done, outside the answer", function()
    -- a one-shot server on this loop whose stream goes on after [DONE]
    local server = uv.new_tcp()
    assert(server:bind("127.0.0.1", 0))
    local port = server:getsockname().port
    local sse = table.concat({
      'data: {"id":"gen-x","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"}}]}\n\n',
      'data: {"id":"gen-x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
      "data: [DONE]\n\n",
      'data: {"id":"gen-x","choices":[{"index":0,"delta":{"content":" late"}}]}\n\n',
      ": keep-alive\n\n",
      "data: [DONE]\n\n",
    })
    assert(server:listen(8, function()
      local conn = uv.new_tcp()
      server:accept(conn)
      local buf = ""
      conn:read_start(function(_, data)
        if not data then return conn:close() end
        buf = buf .. data
        local head = buf:find("\r\n\r\n", 1, true)
        local len = tonumber(buf:match("[Cc]ontent%-[Ll]ength: *(%d+)") or "0")
        if head and #buf >= head + 3 + len then
          conn:read_stop()
          conn:write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" .. sse)
          conn:shutdown(function() conn:close() end)
        end
      end)
    end))
    local c = openrouter.new{ loop = "luv", base_url = "http://127.0.0.1:" .. port .. "/api/v1", api_key = "k",
                              max_retries = 0 }
    local final, info, chunks
    openrouter.async(function()
      local s = assert(c:stream(echo("x")))
      chunks = 0
      while s:next() do chunks = chunks + 1 end
      final = assert(s:result())
      info = s:info()
    end)
    run_until(function() return info ~= nil end)
    server:close()
    c:close()
    assert.equal(2, chunks)
    assert.equal("hi", final.choices[1].message.content)
    assert.equal(2, info.after_done)
  end)

  it("builds a custom adapter from watch/timer hooks (openrouter.loop.driver)", function()
    local driver = require("openrouter.loop.driver")
    local luv_adapter = require("openrouter.loop.luv")
    local watch, timer = luv_adapter.hooks(uv)
    local watched, reported = {}, {}
    local adapter = driver.new{
      name = "mine",
      watch = function(fd, what, ready, prev)
        watched[#watched + 1] = what
        return watch(fd, what, ready, prev)
      end,
      timer = timer,
      report = function(msg) reported[#reported + 1] = msg end,
    }
    local c = openrouter.new{ loop = adapter, base_url = srv.url, api_key = "sk-or-test" }
    local got
    openrouter.async(function()
      got = assert(c:chat(echo("custom adapter"))).choices[1].message.content
      error("reported, not raised")
    end)
    run_until(function() return #reported > 0 end)
    assert.equal("custom adapter", got)
    assert.is_true(#watched > 0)
    assert.matches("reported, not raised", reported[1])
    c:close()
  end)
end)
