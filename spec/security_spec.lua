-- Security: the key stays in the Authorization header, redirects are not
-- followed, header injection is refused before sending, insecure warns.
local openrouter = require("openrouter")
local mock = require("support.mock_server")

local KEY = "sk-or-v1-security-spec-0123456789abcdef"

describe("security", function()
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local req = { model = "mock/echo", messages = { { role = "user", content = "hi" } } }

  it("does not follow a redirect (the key cannot travel to another host)", function()
    local c = openrouter.new{ base_url = srv.url, api_key = KEY, max_retries = 0 }
    local res, err = c:chat(req, { headers = { ["X-Mock-Fault"] = "status=307" } })
    assert.is_nil(res)
    assert.are.equal("http", err.kind)
    assert.are.equal(307, err.status)
  end)

  it("refuses CR, LF or NUL in any header, app_title and app_url before sending", function()
    local closed = "http://127.0.0.1:1/api/v1"    -- had it been sent: a network error
    for _, o in ipairs({
      { app_title = "a\r\nX-Injected: 1" },
      { app_url = "https://x\n" },
      { headers = { ["X-Custom"] = "v\0w" } },
      { headers = { ["Bad\nName"] = "v" } },
    }) do
      o.base_url, o.api_key, o.max_retries = closed, KEY, 0
      local _, err = openrouter.new(o):chat(req)
      assert.are.equal("validation", err.kind)
      assert.is_nil(tostring(err):find(KEY, 1, true))
    end
    local _, err = openrouter.new{ base_url = closed, api_key = KEY .. "\r\nX-Evil: 1" }:chat(req)
    assert.are.equal("validation", err.kind)
    assert.is_nil(tostring(err):find(KEY, 1, true))
  end)

  it("keeps the key out of tostring, errors and the client table", function()
    local c = openrouter.new{ base_url = srv.url, api_key = KEY, max_retries = 0 }
    assert.is_nil(tostring(c):find(KEY, 1, true))
    local function scan(t, seen)
      seen = seen or {}
      if seen[t] then return end
      seen[t] = true
      for k, v in pairs(t) do
        assert.are_not.equal(KEY, v)
        assert.are_not.equal(KEY, k)
        if type(v) == "table" then scan(v, seen) end
      end
    end
    scan(c)
    for _, f in ipairs({ "status=401", "status=500", "midstream_error", "bad_json", "garbage" }) do
      local s = assert(c:stream(req, { headers = { ["X-Mock-Fault"] = f } }))
      local _, err = s:result()
      assert.is_nil(tostring(err):find(KEY, 1, true))
      assert.is_nil(tostring(err.body or ""):find(KEY, 1, true))
    end
  end)

  it("traces requests, events and timings with the key redacted", function()
    local lines = {}
    local c = openrouter.new{ base_url = srv.url, api_key = KEY, max_retries = 0,
                              debug = function(line) lines[#lines + 1] = line end }
    -- the key even inside the prompt and a custom header: still redacted
    local r = { model = "mock/echo", messages = { { role = "user", content = "echo " .. KEY } } }
    assert(assert(c:stream(r, { headers = { ["X-Note"] = KEY } })):result())
    assert(c:chat(r))
    local _, err = c:chat(r, { headers = { ["X-Mock-Fault"] = "status=503" } })
    local all = table.concat(lines, "\n")
    assert.truthy(all:find("> POST " .. srv.url .. "/chat/completions (stream)", 1, true), all)
    assert.truthy(all:find("Authorization: Bearer [REDACTED]", 1, true), all)
    assert.truthy(all:find("< event message: {", 1, true), all)
    assert.truthy(all:find("< event message: [DONE]", 1, true), all)
    assert.truthy(all:find("< HTTP 200", 1, true), all)
    assert.truthy(all:find("first byte %d"), all)
    assert.truthy(all:find("! openrouter http error (HTTP 503)", 1, true), all)
    assert.is_nil(all:find(KEY, 1, true))
    assert.is_nil(tostring(err):find(KEY, 1, true))
  end)

  it("traces a stream's status line before its events, once, and its timings after them", function()
    local lines = {}
    local c = openrouter.new{ base_url = srv.url, api_key = KEY, max_retries = 0,
                              debug = function(line) lines[#lines + 1] = line end }
    assert(assert(c:stream{ model = "mock/echo", messages = { { role = "user", content = "a b c" } } }):result())
    local status, first_event, timings, statuses = nil, nil, nil, 0
    for i, l in ipairs(lines) do
      if l:find("< HTTP 200", 1, true) then status, statuses = status or i, statuses + 1 end
      if l:find("< event ", 1, true) then first_event = first_event or i end
      if l:find("= dns ", 1, true) then timings = i end
    end
    local all = table.concat(lines, "\n")
    assert.equal(1, statuses, all)
    assert.is_true(status < first_event, all)
    assert.is_true(timings > first_event, all)
  end)

  it("OPENROUTER_DEBUG=1 traces to stderr, key redacted", function()
    local v = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
    local lua = v == "jit" and "luajit" or ("lua" .. v)
    local code = ('local c = require("openrouter").new{ base_url = %q, api_key = %q } '
      .. 'assert(c:chat{ model = "mock/echo", messages = { { role = "user", content = "hi" } } })')
      :format(srv.url, KEY)
    local p = io.popen(("OPENROUTER_DEBUG=1 LUA_PATH=%q LUA_CPATH=%q %s -e %q 2>&1"):format(
      package.path, package.cpath, lua, code))
    local out = p:read("*a")
    p:close()
    assert.truthy(out:find("openrouter: > POST", 1, true), out)
    assert.truthy(out:find("openrouter: < HTTP 200", 1, true), out)
    assert.is_nil(out:find(KEY, 1, true))
  end)

  it("insecure = true warns on stderr", function()
    local v = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
    local lua = v == "jit" and "luajit" or ("lua" .. v)
    local p = io.popen(("LUA_PATH=%q LUA_CPATH=%q %s -e %q 2>&1"):format(package.path, package.cpath, lua,
      'require("openrouter").new{ api_key = "k", insecure = true }'))
    local out = p:read("*a")
    p:close()
    assert.truthy(out:find("WARNING: TLS certificate verification is off", 1, true), out)
  end)
end)
