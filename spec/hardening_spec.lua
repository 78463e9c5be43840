-- Hardening (issue 12, sections 1-4): the API key never travels where it
-- should not, headers go out once each, misuse gets a clear message, and a
-- starved machine (few file descriptors, many streams) still finishes.
-- Each case is named after what broke.
local openrouter = require("openrouter")
local core = require("openrouter.core")
local mock = require("support.mock_server")
local capture = require("support.capture")

local KEY = "sk-or-v1-hardening-spec-0123456789abcdef"
local CLOSED = "http://127.0.0.1:1/api/v1"      -- had anything been sent: a network error

local V = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
local LUA = V == "jit" and "luajit" or ("lua" .. V)

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Run Lua `code` in a child interpreter (after `prefix`, a shell command
-- such as "ulimit -n 64;"); its stdout and stderr, joined.
local function child(code, prefix, env)
  collectgarbage()                  -- clients no longer used: their descriptors are not inherited
  collectgarbage()
  local vars = {}
  for k, v in pairs(env or {}) do vars[#vars + 1] = k .. "=" .. quote(v) end
  local cmd = ("%s LUA_PATH=%s LUA_CPATH=%s %s exec %s -e %s"):format(prefix or "",
    quote(package.path), quote(package.cpath), table.concat(vars, " "), LUA, quote(code))
  local p = io.popen("sh -c " .. quote(cmd) .. " 2>&1")
  local out = p:read("*a")
  p:close()
  return out
end

-- Sockets this process holds now.
local PID = io.open("/proc/self/stat"):read("*l"):match("^(%d+)")
local function open_sockets()
  local n = 0
  local p = io.popen("ls -l /proc/" .. PID .. "/fd")
  for line in p:lines() do
    if line:find("socket:", 1, true) then n = n + 1 end
  end
  p:close()
  return n
end

local function req(model, extra)
  local r = { model = model or "mock/echo", messages = { { role = "user", content = "hi" } } }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

-- pcall(f); the error message (a string), or fail if f did not raise.
local function raised(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error")
  return tostring(err)
end

describe("hardening", function()
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function client(opts)
    local o = { base_url = srv.url, api_key = KEY, max_retries = 0 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end

  ------------------------------------------------------------ 1. the key

  describe("the API key", function()
    it("base_url without a scheme is refused (libcurl would send the key over plain HTTP)", function()
      local msg = raised(openrouter.new, { base_url = "localhost:8080/api/v1", api_key = KEY })
      assert.truthy(msg:find("base_url is not an absolute http:// or https:// URL", 1, true), msg)
      for _, bad in ipairs({
        "ftp://127.0.0.1/api", "http://", "https:///api/v1", "http://exa mple.com/api",
        "http://127.0.0.1:99999/api", "http://127.0.0.1:x/api", "https://h/api?x=1", "https://h/api#f",
        "//127.0.0.1/api", "127.0.0.1:8080", "http://h/a\nb",
      }) do
        local m = raised(openrouter.new, { base_url = bad, api_key = KEY })
        assert.truthy(m:find("openrouter.new: base_url ", 1, true), bad .. " -> " .. m)
      end
      for _, good in ipairs({ "http://127.0.0.1:8080/api/v1", "https://[::1]:8443/x", "HTTPS://Example.COM/api/",
                              "http://localhost" }) do
        assert.are.equal("openrouter.Client", getmetatable(openrouter.new{ base_url = good, api_key = KEY }).__name)
      end
    end)

    it("a bad OPENROUTER_BASE_URL is refused, and the message names the variable", function()
      local out = child('require("openrouter").new{ api_key = "k" }', nil, { OPENROUTER_BASE_URL = "example.com/api" })
      assert.truthy(out:find("openrouter.new: OPENROUTER_BASE_URL is not an absolute", 1, true), out)
    end)

    it("the key over plain http:// to a host that is not loopback warns once per client", function()
      local out = child([[
        local openrouter = require("openrouter")
        openrouter.new{ base_url = "http://example.com/api/v1", api_key = "k" }
        openrouter.new{ base_url = "http://127.0.0.1:8080/api/v1", api_key = "k" }   -- loopback: fine
        openrouter.new{ base_url = "http://[::1]:8080/api/v1", api_key = "k" }
        openrouter.new{ base_url = "http://localhost:8080/api/v1", api_key = "k" }
        openrouter.new{ base_url = "http://example.org/api/v1", api_key = "" }      -- no key: nothing to leak
        openrouter.new{ base_url = "https://example.net/api/v1", api_key = "k" }
      ]])
      local _, n = out:gsub("WARNING: the API key goes in cleartext over http://", "")
      assert.are.equal(1, n, out)
      assert.truthy(out:find("to example.com (use https://)", 1, true), out)
    end)

    it("a key in the URL's userinfo is refused and never printed", function()
      for _, url in ipairs({ "http://u:" .. KEY .. "@127.0.0.1/api/v1", "https://" .. KEY .. "@h/api",
                             "u:" .. KEY .. "@127.0.0.1/api/v1", "http://u:" .. KEY .. "@h a/x" }) do
        local msg = raised(openrouter.new, { base_url = url })
        assert.truthy(msg:find("must not carry credentials", 1, true), msg)
        assert.is_nil(msg:find(KEY, 1, true))
      end
      -- set afterwards (a public field): still never printed
      local lines = {}
      local c = client{ debug = function(line) lines[#lines + 1] = line end }
      c.base_url = "http://u:" .. KEY .. "@" .. srv.url:match("^http://(.*)$")
      assert.is_nil(tostring(c):find(KEY, 1, true))
      assert.truthy(tostring(c):find("openrouter.Client(http://127.0.0.1:", 1, true), tostring(c))
      c:chat(req())
      local all = table.concat(lines, "\n")
      assert.truthy(all:find("> POST http://127.0.0.1:", 1, true), all)
      assert.is_nil(all:find(KEY, 1, true))
      assert.is_nil(all:find("u:", 1, true))
    end)

    it("no key with OpenRouter's base URL fails before sending and says where the key comes from", function()
      local c = openrouter.new{ api_key = "", max_retries = 0 }
      local res, err = c:chat(req())
      assert.is_nil(res)
      assert.are.equal("validation", err.kind)
      assert.are.equal("api_key", err.errors[1].path)
      assert.truthy(tostring(err):find("set OPENROUTER_API_KEY, or pass api_key to openrouter.new", 1, true))
      -- stream(): nil, err at once, not a stream that fails on the first read
      local s, serr = c:stream(req())
      assert.is_nil(s)
      assert.are.equal("validation", serr.kind)
      local _, merr = c:models()
      assert.are.equal("validation", merr.kind)
      -- the simulator (any other host) still gets the request: it answers 401 itself
      local _, herr = client{ api_key = "" }:chat(req())
      assert.are.equal(401, herr.status)
    end)
  end)

  ------------------------------------------------------------ 2. headers

  describe("headers", function()
    local cap
    setup(function() cap = capture.start() end)
    teardown(function() if cap then cap.stop() end end)

    it("client and per-call headers replace the defaults by case-insensitive name: one line each", function()
      local c = openrouter.new{
        base_url = cap.url, api_key = KEY, app_title = "From app_title", max_retries = 0,
        headers = { ["x-title"] = "From client", ["user-agent"] = "client-agent/1", ["X-Client"] = "c" },
      }
      assert(c:chat(req(), { headers = {
        ["X-TITLE"] = "Per call", ["content-type"] = "application/json; charset=utf-8",
      } }))
      local head = cap.next()
      assert.are.same({ "Per call" }, capture.lines(head, "x-title"), head)
      assert.are.same({ "application/json; charset=utf-8" }, capture.lines(head, "content-type"), head)
      assert.are.same({ "client-agent/1" }, capture.lines(head, "user-agent"), head)
      assert.are.same({ "From app_title" }, capture.lines(head, "x-openrouter-title"), head)
      assert.are.same({ "c" }, capture.lines(head, "x-client"), head)
      assert.are.same({ "Bearer " .. KEY }, capture.lines(head, "authorization"), head)
      -- the per-call name's case is the one sent
      assert.truthy(head:find("\r\nX-TITLE: Per call\r\n", 1, true), head)
    end)

    it("a per-call Authorization replaces the key for that call only", function()
      local c = openrouter.new{ base_url = cap.url, api_key = KEY, max_retries = 0 }
      assert(c:chat(req(), { headers = { authorization = "Bearer other-key" } }))
      assert.are.same({ "Bearer other-key" }, capture.lines(cap.next(), "authorization"))
      assert(c:chat(req()))
      assert.are.same({ "Bearer " .. KEY }, capture.lines(cap.next(), "authorization"))
      -- and a streamed call, retried or not, carries it too
      local s = assert(c:stream(req(), { headers = { Authorization = "Bearer stream-key" } }))
      pcall(s.result, s)                              -- {} is no event stream: a protocol error
      assert.are.same({ "Bearer stream-key" }, capture.lines(cap.next(), "authorization"))
    end)

    it("false leaves a default header out", function()
      local c = openrouter.new{ base_url = cap.url, api_key = KEY, app_title = "T", max_retries = 0 }
      assert(c:chat(req(), { headers = { ["X-Title"] = false } }))
      local head = cap.next()
      assert.are.same({}, capture.lines(head, "x-title"), head)
      assert.are.same({ "T" }, capture.lines(head, "x-openrouter-title"), head)
    end)

    it("the same header twice in one table (two cases) is refused", function()
      local c = openrouter.new{ base_url = CLOSED, api_key = KEY, max_retries = 0 }
      local _, err = c:chat(req(), { headers = { ["X-A"] = "1", ["x-a"] = "2" } })
      assert.are.equal("validation", err.kind)
      assert.truthy(err.message:find("case-insensitive", 1, true), err.message)
    end)

    it("header names are HTTP tokens: 'X A' and 'X-A:' are refused as names, nothing sent", function()
      local c = openrouter.new{ base_url = CLOSED, api_key = KEY, max_retries = 0 }
      for _, name in ipairs({ "X A", "X-A:", "", "X\tA", "Ünïcode", "(x)" }) do
        local _, err = c:chat(req(), { headers = { [name] = "v" } })
        assert.are.equal("validation", err.kind, name)
        assert.truthy(err.message:find("is not a valid header name", 1, true), err.message)
        assert.is_nil(err.message:find("CR, LF or NUL (header injection)", 1, true), err.message)
      end
      local _, err = c:chat(req(), { headers = { ["X-A"] = "v\r\nX-Evil: 1" } })
      assert.truthy(err.message:find("header injection", 1, true), err.message)
      -- every token character is fine
      local ok = openrouter.new{ base_url = srv.url, api_key = KEY, max_retries = 0 }
      assert(ok:chat(req(), { headers = { ["X-!#$%&'*+-.^_`|~09az"] = "v" } }))
    end)
  end)

  ------------------------------------------------------------ 3. misuse

  describe("misuse", function()
    it("openrouter:new{...} (a colon) raises instead of ignoring every option", function()
      local msg = raised(function() return openrouter:new{ base_url = CLOSED } end)
      assert.truthy(msg:find("use openrouter.new{...}", 1, true), msg)
    end)

    it("client.chat{...} (a dot) says to use client:chat(...)", function()
      local c = client()
      local msg = raised(function() return c.chat(req()) end)
      assert.truthy(msg:find("use client:chat(...)", 1, true), msg)
      msg = raised(function() return c.models() end)
      assert.truthy(msg:find("client.models: called on nil, not a client; use client:models(...)", 1, true), msg)
      local s = assert(c:stream(req()))
      msg = raised(function() return s.result() end)
      assert.truthy(msg:find("use stream:result(...)", 1, true), msg)
      s:cancel()
    end)

    it("every public method of Client, Stream, Handle and Task checks its self", function()
      local classes = {
        client = require("openrouter.client").Client,
        stream = require("openrouter.stream").Stream,
        handle = require("openrouter.callbacks").Handle,
        task = require("openrouter.async").Task,
      }
      local counted = 0
      for noun, C in pairs(classes) do
        for name, f in pairs(C) do
          if type(name) == "string" and name:sub(1, 1) ~= "_" and type(f) == "function" then
            for _, bad in ipairs({ { nil }, { {} }, { "x" }, { client() } }) do
              if not (noun == "client" and getmetatable(bad[1]) == C) then
                local ok, err = pcall(f, bad[1])
                assert.is_false(ok, noun .. "." .. name)
                local want = ("use %s:%s(...)"):format(noun, name)
                assert.truthy(tostring(err):find(want, 1, true), noun .. "." .. name .. ": " .. tostring(err))
              end
            end
            counted = counted + 1
          end
        end
      end
      assert.is_true(counted >= 29, "methods checked: " .. counted)
    end)

    it("wrong option types and unknown option names raise, naming the option", function()
      local c = client()
      local cases = {
        { function() openrouter.new{ headers = "X-A: 1" } end, "'headers' must be a table" },
        { function() openrouter.new{ timeout = { conect = 1 } } end,
          "unknown option 'timeout.conect' (did you mean 'timeout.connect'?)" },
        { function() openrouter.new{ timeout = { total = -1 } } end, "'timeout.total' must be a number" },
        { function() openrouter.new{ timeout = { idle = 0 / 0 } } end, "'timeout.idle' must be a number" },
        { function() openrouter.new{ timeout = 5 } end, "'timeout' must be a table" },
        { function() openrouter.new{ limits = { max_body = 1.5 } } end, "'limits.max_body' must be an integer" },
        { function() openrouter.new{ base_url = "" } end, "'base_url' must be a non-empty string" },
        { function() openrouter.new{ apikey = "k" } end, "unknown option 'apikey' (did you mean 'api_key'?)" },
        { function() openrouter.new{ max_retires = 1 } end, "(did you mean 'max_retries'?)" },
        { function() openrouter.new{ max_retries = -1 } end, "'max_retries' must be an integer >= 0" },
        { function() openrouter.new{ validate = "no" } end, "'validate' must be a boolean" },
        { function() openrouter.new{ max_connections = "8" } end, "'max_connections' must be an integer" },
        { function() openrouter.new{ headers = { "X-A: 1" } } end, "'headers' must be keyed by header names" },
        { function() openrouter.new{ headers = { ["X-A"] = {} } } end, "'headers[\"X-A\"]' must be a string" },
        { function() openrouter.new{ zzzzzz = 1 } end, "unknown option 'zzzzzz'" },
        { function() c:chat(req(), { headers = "X-A: 1" }) end, "client:chat: 'headers' must be a table" },
        { function() c:chat(req(), { timout = 1 }) end, "(did you mean 'timeout'?)" },
        { function() c:chat(req(), { timeout = { conect = 1 } }) end, "did you mean 'timeout.connect'?" },
        { function() c:stream(req(), { max_retry = 1 }) end, "client:stream: unknown option 'max_retry'" },
        { function() c:stream(req(), { on_txt = print }) end, "(did you mean 'on_text'?)" },
        { function() c:stream(req(), { on_text = "print" }) end, "'on_text' must be a function" },
        { function() c:stream(req(), { coalesce_ms = -1 }) end, "'coalesce_ms' must be a number" },
        { function() c:chat(req(), 5) end, "client:chat: options must be a table" },
        { function() c:models(nil, { on_done = print }) end, "client:models: unknown option 'on_done'" },
        { function() c:key{ headers = 1 } end, "client:key: 'headers' must be a table" },
        { function() c:embeddings({ input = "x" }, { validat = false }) end, "(did you mean 'validate'?)" },
        { function() assert(c:stream(req())):text(5) end, "stream:text: options must be a table (got 5)" },
        { function() assert(c:stream(req())):text{ coalesce = 5 } end, "did you mean 'coalesce_ms'?" },
      }
      for i, case in ipairs(cases) do
        local msg = raised(case[1])
        assert.truthy(msg:find(case[2], 1, true), "case " .. i .. ": " .. msg)
        assert.is_nil(msg:find("attempt to", 1, true), msg)
      end
    end)

    it("a string option value is never quoted in the message (it may be the key)", function()
      local msg = raised(openrouter.new, { timeout = KEY })
      assert.is_nil(msg:find(KEY, 1, true), msg)
      msg = raised(openrouter.new, { headers = "Authorization: Bearer " .. KEY })
      assert.is_nil(msg:find(KEY, 1, true), msg)
    end)

    it("a cyclic request names the path where the cycle closes", function()
      local c = client()
      local r = req()
      r.messages[1].extra = { back = r.messages }
      for _, o in ipairs({ {}, { validate = false } }) do
        local res, err = c:chat(r, o)
        assert.is_nil(res)
        assert.are.equal("validation", err.kind)
        assert.are.equal("messages[1].extra.back", err.errors[1].path)
        assert.truthy(err.message:find("refers back to messages", 1, true), err.message)
      end
      local s, serr = c:stream(r)
      assert.is_nil(s)
      assert.are.equal("messages[1].extra.back", serr.errors[1].path)
      local e = { input = "x" }
      e.self = e
      local _, eerr = c:embeddings(e)
      assert.are.equal("self", eerr.errors[1].path)
      assert.truthy(eerr.message:find("refers back to the request itself", 1, true), eerr.message)
      -- a table shared twice is no cycle
      local shared = { role = "user", content = "hi" }
      assert(c:chat({ model = "mock/echo", messages = { shared, shared } }))
    end)

    it("duplicate entries in err.errors (same path and message) are merged", function()
      local bad = { model = "mock/echo", messages = { { role = "user", content = { { type = "text" } } } } }
      local ok, list = openrouter.validate_request(bad)
      assert.is_false(ok)
      local _, err = client():chat(bad)
      local seen = {}
      for _, e in ipairs(err.errors) do
        local k = e.path .. "\0" .. e.message
        assert.is_nil(seen[k], "twice: " .. k)
        seen[k] = true
      end
      -- (the hand-written schema reported this one twice; the generated one
      -- reports it once: errors_spec checks the merge on a list with repeats)
      assert.truthy(#err.errors <= #list)
      assert.truthy(seen["messages[1].content[1].text\0missing required field 'text'"])
    end)
  end)

  ------------------------------------------------------------ 4. starved machines

  describe("starved machines", function()
    -- A child with `ulimit -n 64` that starts 300 streams and reads them in
    -- turn; with `free`, it first takes every descriptor but `free`.
    local function starved(free)
      return child(([[
        local held, free = {}, %s
        while free do
          local f = io.open("/dev/null")
          if not f then break end
          held[#held + 1] = f
        end
        for _ = 1, math.min(free or 0, #held) do table.remove(held):close() end
        local openrouter = require("openrouter")
        local core = require("openrouter.core")
        local c = openrouter.new{ base_url = %q, api_key = "k" }
        local t0 = core.now()
        local streams = {}
        for i = 1, 300 do
          streams[i] = assert(c:stream{ model = "mock/lorem", max_tokens = 5,
                                        messages = { { role = "user", content = "x" } } })
        end
        local ok, errs = 0, {}
        for i = 1, 300 do
          local r, e = streams[i]:result()
          if r then ok = ok + 1 else errs[#errs + 1] = tostring(e) end
        end
        print(("max_connections=%%d ok=%%d seconds=%%.2f"):format(c.max_connections, ok, core.now() - t0))
        print(errs[1])
      ]]):format(tostring(free), srv.url), "ulimit -n 64;")
    end

    it("300 streams with ulimit -n 64 all finish, queued behind max_connections", function()
      local out = starved(nil)
      assert.truthy(out:find("max_connections=24 ok=300 ", 1, true), out)
      local secs = tonumber(out:match("seconds=([%d.]+)"))
      assert.truthy(secs and secs < 30, out)     -- before: about 106 s (each failed connect backed off)
    end)

    it("300 streams still finish when most of the 64 descriptors are taken by something else", function()
      -- max_connections (24) does not fit in 16: the client lowers its limit to
      -- the connections it holds when socket() says EMFILE, and queues the rest
      local out = starved(16)
      assert.truthy(out:find("ok=300 ", 1, true), out)
      local secs = tonumber(out:match("seconds=([%d.]+)"))
      assert.truthy(secs and secs < 30, out)
    end)

    it("running out of descriptors is reported as EMFILE, not 'Couldn't connect to server'", function()
      local out = child(([[
        local openrouter = require("openrouter")
        require("openrouter.validate").validate_request{}      -- loaded: no file to open later
        local c = openrouter.new{ base_url = %q, api_key = "k", max_retries = 0 }
        local held = {}
        while true do                                   -- someone else takes every descriptor
          local f = io.open("/dev/null")
          if not f then break end
          held[#held + 1] = f
        end
        local _, e = c:chat{ model = "mock/echo", messages = { { role = "user", content = "x" } } }
        held = nil
        collectgarbage()
        print(e.kind, e.code, e.retryable, e.message)
      ]]):format(srv.url), "ulimit -n 32;")
      assert.truthy(out:find("network\tEMFILE\ttrue\tout of file descriptors (EMFILE: the process may open 32;"
        .. " lower max_connections or raise ulimit -n)", 1, true), out)
      assert.is_nil(out:find("Couldn't connect", 1, true), out)
    end)

    it("the default max_connections follows ulimit -n", function()
      local out = child('print(require("openrouter").new{ api_key = "k" }.max_connections)', "ulimit -n 64;")
      assert.are.equal("24", out:match("^(%d+)"), out)
      out = child('print(require("openrouter").new{ api_key = "k" }.max_connections)', "ulimit -n 4096;")
      assert.are.equal("64", out:match("^(%d+)"), out)
    end)

    it("a request queued for a connection does not time out while it waits", function()
      -- one connection, three streams of about 0.6 s each: the last waits ~1.2 s
      -- for the connection, longer than first_byte and idle
      local c = client{ max_connections = 1, timeout = { connect = 0.5, first_byte = 0.4, idle = 0.4, total = 20 } }
      local streams = {}
      for i = 1, 3 do
        streams[i] = assert(c:stream(req("mock/lorem", { max_tokens = 6 }),
          { headers = { ["X-Mock-Delay-Ms"] = "100" } }))
      end
      for i = 1, 3 do
        local r, e = streams[i]:result()
        assert.is_nil(e and tostring(e))
        assert.truthy(r.choices[1].message.content ~= "")
      end
    end)

    it("max_connections bounds the connections a burst opens", function()
      local c = client{ max_connections = 3 }
      collectgarbage()
      local base = open_sockets()
      local streams, peak = {}, 0
      for i = 1, 12 do
        streams[i] = assert(c:stream(req("mock/lorem", { max_tokens = 4 }),
                                     { headers = { ["X-Mock-Delay-Ms"] = "20" } }))
      end
      local left = 12
      while left > 0 do
        left = 0
        for i = 1, 12 do
          local s = streams[i]
          if s then
            local chunk = s:next(0.01)
            if chunk == nil then streams[i] = nil else left = left + 1 end
          end
        end
        peak = math.max(peak, open_sockets() - base)
      end
      assert.truthy(peak <= 3, "sockets above the base at the peak: " .. peak)
      c:close()
    end)

    it("after a burst the client keeps at most max_idle_connections idle connections", function()
      local c = client()                                  -- defaults: 64 connections, 20 idle
      collectgarbage()
      local base = open_sockets()
      local streams = {}
      for i = 1, 100 do streams[i] = assert(c:stream(req("mock/lorem", { max_tokens = 3 }))) end
      for i = 1, 100 do assert(streams[i]:result()) end
      local held = open_sockets() - base
      -- before: 100 streams -> about 100 descriptors held until the client was collected
      assert.truthy(held <= 20, "sockets held after the burst: " .. held)
      c:close()
    end)

    it("idle connections older than idle_connection_timeout are closed when the next request starts", function()
      local c = client{ idle_connection_timeout = 1 }
      collectgarbage()
      local base = open_sockets()
      local streams = {}
      for i = 1, 8 do streams[i] = assert(c:stream(req("mock/lorem", { max_tokens = 3 }))) end
      for i = 1, 8 do assert(streams[i]:result()) end
      assert.truthy(open_sockets() - base >= 8)
      core.sleep(2.1)
      assert(c:chat(req()))
      local held = open_sockets() - base
      assert.truthy(held <= 1, "sockets held after the idle ones aged: " .. held)
      c:close()
    end)

    it("a certificate that cannot be verified, or a CA file that is missing, is not retried", function()
      local proxy = require("support.tls_proxy").start(srv.url)
      local ok, why = pcall(function()
        for _, o in ipairs({ {}, { ca_file = "/nonexistent/ca.pem" } }) do
          o.base_url, o.api_key, o.max_retries = proxy.url, KEY, 2
          local _, err = openrouter.new(o):chat(req())
          assert.are.equal("network", err.kind)
          assert.is_false(err.retryable, err.message)
          assert.are.equal(1, #err.attempts)
          assert.is_nil(err.attempts[1].delay, "no backoff")
        end
      end)
      proxy.stop()
      assert(ok, why)
    end)

    it("a malformed URL or an unsupported scheme is not retried", function()
      local c = client{ max_retries = 2 }
      for _, url in ipairs({ "ftp://127.0.0.1:1/api/v1", "http://exa mple.com/api/v1" }) do
        c.base_url = url                                  -- past openrouter.new's check
        local t0 = core.now()
        local res, err = c:chat(req())
        assert.is_nil(res)
        assert.are.equal("validation", err.kind, url)
        assert.is_false(err.retryable)
        assert.are.equal(1, #err.attempts)
        assert.truthy(core.now() - t0 < 0.4, "no backoff")
        local s = assert(c:stream(req()))
        local _, serr = s:result()
        assert.are.equal("validation", serr.kind)
        assert.are.equal(1, #serr.attempts)
      end
      -- the core says why
      local m = core.multi_new()
      local r = m:request{ url = "ftp://127.0.0.1:1/" }
      while not r:outcome() do m:wait(0.1) end
      assert.are.equal("url", r:outcome().kind)
      m:close()
    end)
  end)
end)
