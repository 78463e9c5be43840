-- What only the cosocket transport has to get right, run inside nginx by
-- spec_runner.lua (spec/hosts/nginx_cosocket_host.lua, location /specs):
-- cancelling a blocked read from another light thread, from a timer
-- (another request context) and by closing the client; replacing a
-- kept-alive connection the server had dropped; the request on the wire
-- (against a raw server of the host spec that records what it gets).
-- Not named *_spec.lua: busted alone cannot run it.
-- luacheck: globals ngx
local openrouter = require("openrouter")
local cjson = require("cjson")
local fx = require("host_fixtures")

describe("cosockets", function()
  local req = { model = "mock/lorem", messages = { { role = "user", content = "hi" } } }

  local function client(opts)
    local o = { base_url = fx.mock.url, api_key = "sk-or-cosocket", max_retries = 0 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end

  -- A stream that sends 3 chunks, then nothing for 1.5 s: its reader
  -- blocks.  (The simulator notices a closed connection when it writes
  -- again after the pause, at its second write: one every 50 ms.)
  local function stalled(c)
    local s = assert(c:stream(req, { headers = { ["X-Mock-Fault"] = "stall_ms=1500", ["X-Mock-Delay-Ms"] = "50",
                                                 ["X-Mock-Tokens"] = "100" } }))
    for _ = 1, 3 do assert.is_table(s:next()) end
    return s
  end

  -- The simulator's record of the generation says it saw the close.
  local function upstream_cancelled(id)
    local c = client()
    local g, e
    for _ = 1, 80 do
      g, e = c:generation(id)
      if g and g.data and g.data.cancelled then return true end
      ngx.sleep(0.05)
    end
    return false, tostring(id) .. " " .. cjson.encode(g or {}) .. tostring(e)
  end

  local function raises_cancelled_soon(s)
    local t0 = ngx.now()
    local ok, err = pcall(function() for _ in s do end end)
    ngx.update_time()
    assert.is_false(ok)
    assert.are.equal("cancelled", err.kind)
    assert.is_true(ngx.now() - t0 < 0.6, "the blocked read took " .. (ngx.now() - t0) .. " s to end")
    local seen, why = upstream_cancelled(s.request_id)
    assert.is_true(seen, "the simulator did not see the close: " .. tostring(why))
  end

  it("can shut a connection down under a blocked reader (FFI)", function()
    assert.is_true(require("openrouter.transport.ngx").can_interrupt)
  end)

  it("a cancel from another light thread ends a blocked read at once", function()
    local s = stalled(client())
    ngx.thread.spawn(function() ngx.sleep(0.1); s:cancel() end)
    raises_cancelled_soon(s)
  end)

  it("a cancel from a timer (another request context) ends a blocked read at once", function()
    local s = stalled(client())
    assert(ngx.timer.at(0.1, function() s:cancel() end))
    raises_cancelled_soon(s)
  end)

  it("task:cancel() from a timer ends a task blocked in a read", function()
    local c = client()
    local s = stalled(c)
    local task = openrouter.async(function() for _ in s do end end)
    assert(ngx.timer.at(0.1, function() task:cancel() end))
    ngx.thread.wait(task._thread)
    assert.are.equal("cancelled", task:status())
    assert.is_true(upstream_cancelled(s.request_id))
  end)

  it("client:close() ends every request in flight", function()
    local c = client()
    local s = stalled(c)
    assert(ngx.timer.at(0.1, function() c:close() end))
    raises_cancelled_soon(s)
  end)

  it("without the FFI function, a cancel still ends a blocked read (reads wait 100 ms at a time)", function()
    -- load the transport and the adapter again with no usable FFI
    local saved = {}
    for _, m in ipairs{ "ffi", "openrouter.transport.ngx", "openrouter.loop.ngx" } do saved[m] = package.loaded[m] end
    package.loaded.ffi = {}
    package.loaded["openrouter.transport.ngx"], package.loaded["openrouter.loop.ngx"] = nil, nil
    local ok, adapter = pcall(require, "openrouter.loop.ngx")
    local transport = package.loaded["openrouter.transport.ngx"]
    for m, v in pairs(saved) do package.loaded[m] = v end
    assert(ok, adapter)
    assert.is_false(transport.can_interrupt)
    local c = client{ loop = adapter }
    assert.are.equal("cosocket", (c._loop.transport_of(c)))
    local s = stalled(c)
    assert(ngx.timer.at(0.1, function() s:cancel() end))
    raises_cancelled_soon(s)
  end)

  it("replaces a kept-alive connection the server dropped, before anything came back", function()
    -- the raw server answers the first request of a connection and drops
    -- the next one unanswered (a keep-alive race, made certain)
    local c = client{ base_url = fx.raw.url }
    local a = assert(c:chat(req, { headers = { ["X-Raw-Tag"] = "a" } }))
    local b = assert(c:chat(req, { headers = { ["X-Raw-Tag"] = "b" } }))
    assert.are.equal("raw", a.choices[1].message.content)
    assert.are.equal("raw", b.choices[1].message.content)
    local log = cjson.decode(assert(c:chat(req, { headers = { ["X-Raw-Tag"] = "log" } })).choices[1].message.content)
    local seen = {}
    for _, r in ipairs(log) do
      local tag = r.head:match("\r\n[Xx]%-[Rr]aw%-[Tt]ag: (%w+)")
      seen[tag] = seen[tag] or {}
      table.insert(seen[tag], r.conn)
    end
    assert.are.equal(1, #seen.a)
    assert.are.equal(2, #seen.b)                      -- dropped once, then answered
    assert.are.equal(seen.a[1], seen.b[1])            -- first on a's kept connection
    assert.are_not.equal(seen.b[1], seen.b[2])        -- then on a new one
  end)

  it("sends what the libcurl path sends (but Accept-Encoding: it decodes no content coding)", function()
    local heads = {}
    for _, transport in ipairs{ "cosocket", "curl" } do
      local c = client{ base_url = fx.raw.url, app_title = "spec", app_url = "https://example.test",
                        loop = require("openrouter.loop.ngx").new{ transport = transport } }
      assert(c:chat(req, { headers = { ["X-Raw-Tag"] = transport } }))
      local log = cjson.decode(assert(c:chat(req, { headers = { ["X-Raw-Tag"] = "log" } }))
        .choices[1].message.content)
      for _, r in ipairs(log) do
        if r.head:find("X-Raw-Tag: " .. transport, 1, true) then heads[transport] = r end
      end
    end
    local function parse(r)
      local lines = {}
      for line in r.head:gmatch("([^\r\n]+)") do lines[#lines + 1] = line end
      local fields = {}
      for i = 2, #lines do
        local k, v = lines[i]:match("^([^:]+):%s*(.-)%s*$")
        fields[k:lower()] = v
      end
      return lines[1], fields, r.body
    end
    local line_a, fa, body_a = parse(heads.cosocket)
    local line_b, fb, body_b = parse(heads.curl)
    assert.are.equal(line_b, line_a)
    assert.are.equal(body_b, body_a)
    fb["accept-encoding"] = nil
    fa["x-raw-tag"], fb["x-raw-tag"] = nil, nil
    assert.are.same(fb, fa)
  end)
end)
