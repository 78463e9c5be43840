-- core.h1_request (src/lhttp1.c): an HTTP request's state without its I/O,
-- for transports whose sockets live in Lua (OpenResty's cosockets).  Fed
-- bytes here, it must give what the libcurl request gives: the same
-- events, outcome, limits, deadlines and error words.  (The transport that
-- drives it runs in nginx: spec/hosts/nginx_cosocket_host.lua.)
local core = require("openrouter.core")
local sse = require("openrouter.sse")

local function chunked(parts)
  local out = {}
  for _, p in ipairs(parts) do out[#out + 1] = ("%x\r\n%s\r\n"):format(#p, p) end
  out[#out + 1] = "0\r\n\r\n"
  return table.concat(out)
end

local HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
  .. "X-Generation-Id: gen-1\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
local EVENTS = { ": OPENROUTER PROCESSING\n\n", 'data: {"id":"gen-1","n":1}\n\n',
                 "event: note\ndata: two\ndata: lines\nid: 7\n\n", "data: [DONE]\n\n" }
local RESPONSE = HEAD .. chunked(EVENTS)

local function request(o)
  o = o or {}
  if o.stream == nil then o.stream = true end
  return core.h1_request(o)
end

-- Feed `bytes` in pieces of `n`; the data strings of every event, and the
-- last feed's results.
local function feed_all(r, bytes, n)
  local datas, into = {}, {}
  local q, ended, reusable
  for i = 1, #bytes, n do
    q, ended, reusable = r:feed(bytes:sub(i, i + n - 1))
    local k = r:events(into)
    for j = 1, k do datas[#datas + 1] = into[j] end
  end
  return datas, q, ended, reusable
end

describe("core.h1_request", function()
  it("turns a chunked SSE response into the events the SSE parser gives, split anywhere", function()
    local want = {}
    for _, ev in ipairs(sse.new():feed(table.concat(EVENTS))) do want[#want + 1] = ev.data end
    assert.are.equal(3, #want)
    for _, n in ipairs{ 1, 2, 3, 7, 64, #RESPONSE } do
      local r = request()
      local datas, _, ended, reusable = feed_all(r, RESPONSE, n)
      assert.are.same(want, datas)
      assert.is_true(ended)
      assert.is_true(reusable)
      local out = r:outcome()
      assert.are.equal(200, out.status)
      assert.are.equal("sse", out.mode)
      assert.is_true(out.clean)
      assert.are.equal("gen-1", out.request_id)
      assert.are.equal("text/event-stream", out.content_type)
      assert.is_nil(out.kind)
      assert.are.equal(#table.concat(EVENTS), out.bytes)
      local info = r:info()
      assert.are.equal(1, info.comments)
      assert.are.equal("1.1", info.http_version)
      assert.are.equal("done", info.state)
    end
  end)

  it("hands events over as { type, data, id } tables for the trace, and headers lower-cased, joined", function()
    local r = request()
    r:feed(RESPONSE)
    local into = {}
    assert.are.equal(3, (r:events(into, true)))
    assert.are.same({ type = "note", data = "two\nlines", id = "7" }, into[2])
    assert.are.same({ type = "message", data = "[DONE]", id = "7" }, into[3])
    local h = r:headers()
    assert.are.equal("a=1, b=2", h["set-cookie"])
    assert.are.equal("gen-1", h["x-generation-id"])
    assert.are.equal(200, r:status())
    assert.are.equal(0, (r:pending()))
  end)

  it("collects a non-SSE answer as a body, and an SSE answer to a non-stream request too", function()
    local body = '{"id":"x","choices":[]}'
    for _, stream in ipairs{ false, true } do
      local r = request{ stream = stream }
      local _, ended, reusable = r:feed("HTTP/1.1 503 Busy\r\nContent-Type: application/json\r\n"
        .. "Content-Length: " .. #body .. "\r\nRetry-After: 2\r\n\r\n" .. body)
      assert.is_true(ended)
      assert.is_true(reusable)
      local out = r:outcome()
      assert.are.equal(503, out.status)
      assert.are.equal("body", out.mode)
      assert.are.equal(body, r:body())
      assert.are.equal(body, r:head())
    end
    local r = request{ stream = false }
    r:feed(RESPONSE)
    assert.are.equal("body", r:outcome().mode)
  end)

  it("ends a close-delimited body at eof, and does not offer the connection again", function()
    local r = request()
    local _, ended = r:feed("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n")
    assert.is_false(ended)
    local into = {}
    assert.are.equal(1, (r:events(into)))
    local _, ended2, reusable = r:eof()
    assert.is_true(ended2)
    assert.is_false(reusable)
    assert.is_nil(r:outcome().kind)
  end)

  it("stops at the limits with the libcurl path's errors", function()
    local r = request{ max_header = 40 }
    r:feed(RESPONSE)
    local out = r:outcome()
    assert.are.equal("protocol", out.kind)
    assert.are.equal("max_header", out.which)
    assert.are.equal("response headers larger than 40 bytes", out.message)

    r = request{ max_event = 20 }
    r:feed(RESPONSE)
    out = r:outcome()
    assert.are.equal("protocol", out.kind)
    assert.are.equal("max_event", out.which)
    assert.truthy(out.message:find("^server%-sent event larger than 20 bytes"), out.message)

    r = request{ stream = false, max_body = 10 }
    r:feed("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789x")
    out = r:outcome()
    assert.are.equal("protocol", out.kind)
    assert.are.equal("max_body", out.which)
    assert.are.equal("response body larger than 10 bytes", out.message)
  end)

  it("reports what libcurl would refuse as a network error with libcurl's words", function()
    local cases = {
      { "HTTP/2 200\r\n\r\n", "Weird server reply" },
      { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "Weird server reply" },
      { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", nil },
      { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", core.h1_reasons.recv },
      { "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx", nil },
    }
    for _, c in ipairs(cases) do
      local r = request()
      local _, ended, reusable = r:feed(c[1])
      assert.is_true(ended, c[1])
      assert.is_false(reusable)
      local out = r:outcome()
      assert.are.equal("network", out.kind, c[1])
      if c[2] then assert.are.equal(c[2], out.which, c[1]) end
      assert.is_string(out.message)
    end
    -- a transfer coding or a content coding we did not ask for: libcurl's
    -- "Unrecognized or bad HTTP Content or Transfer-Encoding"
    local a, b = request(), request()
    a:feed(cases[3][1])
    b:feed(cases[5][1])
    assert.are.equal(a:outcome().which, b:outcome().which)
    assert.truthy(a:outcome().which:find("Encoding", 1, true))
  end)

  it("reports a connection that ended early as libcurl does", function()
    local r = request()
    r:eof()
    assert.are.equal(core.h1_reasons.nothing, r:outcome().which)
    r = request{ stream = false }
    r:feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    r:eof()
    local out = r:outcome()
    assert.are.equal("network", out.kind)
    assert.are.equal(core.h1_reasons.partial, out.which)
    assert.truthy(out.message:find("3 of 10", 1, true), out.message)
    assert.are.equal("Transferred a partial file", core.h1_reasons.partial)
  end)

  it("keeps the first failure; a cancel or close ends it as cancelled", function()
    local r = request()
    r:fail("network", core.h1_reasons.connect, "connect failed: refused")
    r:fail("timeout", "idle", "later")
    local out = r:outcome()
    assert.are.equal("network", out.kind)
    assert.are.equal(core.h1_reasons.connect, out.which)
    assert.has_error(function() request():fail("network", "not a libcurl reason") end)
    assert.has_error(function() request():fail("timeout", "soon") end)
    assert.has_error(function() request():fail("nonsense") end)

    r = request()
    r:feed(HEAD)
    r:cancel()
    assert.are.equal("cancelled", r:outcome().kind)
    local q, ended = r:feed(chunked(EVENTS))      -- takes nothing more
    assert.are.equal(0, q)
    assert.is_true(ended)

    r = request()
    r:close()
    r:close()                                     -- idempotent
    assert.are.equal("cancelled", r:outcome().kind)
    assert.are.same({ 0, true }, { r:events({}) })
  end)

  it("names the next deadline as transport.c does, the connect timeout until connected", function()
    local t0 = core.now()
    local r = request{ connect_timeout = 1, first_byte_timeout = 3, idle_timeout = 5, total_timeout = 30 }
    local at, which, limit = r:deadline()
    assert.are.equal("connect", which)
    assert.are.equal(1, limit)
    assert.is_true(at >= t0 + 1 and at < core.now() + 1)
    r:mark("connect")
    assert.are.equal("connect", select(2, r:deadline()))
    r:mark("tls")
    assert.are.equal("first_byte", select(2, r:deadline()))
    r:feed("HTTP/1.1 200 OK\r\n")
    assert.are.equal("idle", select(2, r:deadline()))
    local r2 = request{ connect_timeout = 10, idle_timeout = 60, total_timeout = 0.5 }
    assert.are.equal("total", select(2, r2:deadline()))
    assert.is_nil(request{}:deadline())
    assert.is_true(r:info().connect >= 0 and r:info().tls >= 0)
    assert.are.equal(1, r:info().new_connections)
    local r3 = request{ idle_timeout = 5 }
    r3:mark("reused")
    assert.are.equal(0, r3:info().new_connections)
    assert.are.equal("idle", select(2, r3:deadline()))
  end)

  it("says how long a read may wait, and ends the request once an own deadline passed", function()
    local r = request{ idle_timeout = 0.05 }
    r:mark("ready")
    local ms = r:wait_ms(nil, 1000)
    assert.is_true(ms >= 1 and ms <= 50, tostring(ms))
    assert.are.equal(1000, request{}:wait_ms(nil, 1000))
    assert.are.equal(7, request{}:wait_ms(core.now() + 3600, 7))
    assert.are.equal(1, request{}:wait_ms(core.now() - 1, 100))
    assert.is_false(r:expired())
    core.sleep(0.06)
    assert.is_true(r:expired())
    local out = r:outcome()
    assert.are.equal("timeout", out.kind)
    assert.are.equal("idle", out.which)
    assert.are.equal("idle timeout after 0.05 s", out.message)
  end)

  it("takes a Lua object holding it at [1] as itself (core.h1_methods)", function()
    local obj = setmetatable({ request() }, { __index = core.h1_methods })
    obj:feed(RESPONSE)
    local into = {}
    assert.are.equal(3, (obj:events(into)))
    assert.are.equal(200, obj:status())
    assert.has_error(function() core.h1_methods.events({ "not a request" }, {}) end)
  end)
end)

describe("openrouter.transport.ngx", function()
  local t = require("openrouter.transport.ngx")

  it("parses the URLs it may reach", function()
    local u = t.parse_url("https://openrouter.ai/api/v1/chat/completions?x=1#frag")
    assert.are.same({ scheme = "https", host = "openrouter.ai", port = 443, path = "/api/v1/chat/completions?x=1",
                      connect_host = "openrouter.ai", authority = "openrouter.ai", literal = false }, u)
    u = t.parse_url("http://127.0.0.1:8080")
    assert.are.equal("/", u.path)
    assert.are.equal("127.0.0.1:8080", u.authority)
    assert.is_true(u.literal)
    u = t.parse_url("HTTP://[::1]:9/x")
    assert.are.equal("http", u.scheme)
    assert.are.equal("::1", u.host)
    assert.are.equal("[::1]", u.connect_host)
    assert.are.equal("[::1]:9", u.authority)
    assert.is_nil(t.parse_url("http://user:pw@host/"))
    assert.is_nil(t.parse_url("not a url"))
    assert.is_nil(t.parse_url("http:///path"))
  end)

  it("is not usable outside nginx", function()
    local ok, why = t.usable({ base_url = "https://openrouter.ai/api/v1" })
    assert.is_false(ok)
    assert.is_string(why)
  end)

  it("builds the request as the libcurl path would send it, without I/O", function()
    local req = t.request{ url = "http://127.0.0.1:9/api/v1/chat/completions", body = "{}", stream = true,
                           headers = { "Authorization: Bearer k", "Host: evil", "Content-Length: 99" } }
    local wire = table.concat(req._out)
    assert.are.equal("POST /api/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:9\r\nAuthorization: Bearer k\r\n"
      .. "Content-Length: 2\r\n\r\n{}", wire)
    assert.is_nil(req:outcome())                   -- nothing happened yet
    assert.has_error(function() t.request{ url = "http://x/", headers = { "X: a\r\nY: b" } } end)
    local bad = t.request{ url = "ftp://x/" }
    assert.are.equal("network", bad:outcome().kind)
    assert.are.equal(core.h1_reasons.protocol, bad:outcome().which)
  end)
end)
