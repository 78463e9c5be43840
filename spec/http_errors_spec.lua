-- openrouter.http_errors: responses and transfers into error objects.
-- Unit cases on the pure parts; the client and fault specs cover every
-- path end to end against the simulator.
local http_errors = require("openrouter.http_errors")
local errors = require("openrouter.errors")

-- A finished core request as http_errors reads it: body, head, headers, status.
local function fake_req(t)
  return {
    body = function() return t.body or "" end,
    head = function() return (t.body or ""):sub(1, 512) end,
    headers = function() return t.headers or {} end,
    status = function() return t.status or 0 end,
  }
end

describe("http_errors", function()
  it("previews bytes readably: control bytes escaped, cut with ...", function()
    assert.equal("'a\\nb\\x0d\\x00\\x1b'", http_errors.preview("a\nb\r\0\27"))
    assert.equal("'abc...'", http_errors.preview("abcdef", 3))
    assert.equal("'abc'", http_errors.preview("abc", 3))
  end)

  it("reads the retry hint: retry-after-ms, Retry-After seconds or date, the body's availability", function()
    assert.equal(1.5, http_errors.retry_hint({ ["retry-after-ms"] = "1500", ["retry-after"] = "9" }))
    assert.equal(9, http_errors.retry_hint({ ["retry-after"] = "9" }))
    local date = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 30)
    local d = http_errors.retry_hint({ ["retry-after"] = date })
    assert.is_true(d >= 28 and d <= 31, tostring(d))
    assert.equal(0, http_errors.retry_hint({ ["retry-after"] = "Mon, 01 Jan 2001 00:00:00 GMT" }))
    assert.equal(4, http_errors.retry_hint({}, { availability = { retry_after = 4 } }))
    assert.equal(5, http_errors.retry_hint({}, { metadata = { availability = { retry_after = 5 } } }))
    assert.is_nil(http_errors.retry_hint({ ["retry-after"] = "soon" }))
  end)

  it("maps OpenRouter's error body of a non-2xx response", function()
    local req = fake_req{ status = 429, headers = { ["retry-after"] = "2" },
      body = '{"error":{"code":429,"message":"slow down","metadata":{"provider_name":"P"}},"id":"gen-9"}' }
    local e = http_errors.response(req, { status = 429, request_id = "gen-header" })
    assert.is_true(errors.is(e))
    assert.equal("http", e.kind)
    assert.equal(429, e.code)
    assert.equal("slow down", e.message)
    assert.equal("P", e.metadata.provider_name)
    assert.equal("gen-9", e.request_id)          -- the body's id wins over the header
    assert.equal(2, e.retry_after)
    assert.is_true(e.retryable)
    local plain = http_errors.http(fake_req{ body = "<html>bad gateway</html>" }, { status = 502 })
    assert.equal("HTTP 502: '<html>bad gateway</html>'", plain.message)
    local never = http_errors.http(fake_req{
      body = '{"error":{"code":503,"message":"down","metadata":{"availability":{"retryable":false}}}}' },
      { status = 503 })
    assert.is_false(never.retryable)
    assert.is_nil(http_errors.response(fake_req{}, { status = 200 }))
  end)

  it("makes an integral code an integer (lua-cjson decodes 400 as 400.0), a string code stays", function()
    local math_type = rawget(math, "type")   -- 5.3+
    local is_integer = math_type and function(v) return math_type(v) == "integer" end
      or function(v) return v == math.floor(v) end
    local e = http_errors.http(fake_req{ body = '{"error":{"code":400,"message":"Provider returned error"}}' },
                               { status = 400 })
    assert.equal(400, e.code)
    assert.is_true(is_integer(e.code))
    assert.equal("openrouter http error (HTTP 400): Provider returned error", tostring(e))
    local chunk = { error = { code = 502.0, message = "Provider returned error" } }
    local c = http_errors.chunk_error(fake_req{ status = 200 }, chunk)
    assert.is_true(is_integer(c.code))
    assert.equal("openrouter api error (code 502): Provider returned error", tostring(c))
    local named = http_errors.chunk_error(fake_req{ status = 200 },
                                          { error = { code = "server_error", message = "m" } })
    assert.equal("server_error", named.code)
    local frac = http_errors.chunk_error(fake_req{ status = 200 }, { error = { code = 1.5, message = "m" } })
    assert.equal(1.5, frac.code)
  end)

  it("maps a failed transfer by kind", function()
    local req = fake_req{}
    local t = http_errors.transport(req, { status = 200, kind = "timeout", message = "idle timeout after 1 s",
                                           which = "idle", request_id = "gen-1" })
    assert.equal("timeout", t.kind)
    assert.equal("idle", t.which)
    assert.equal("gen-1", t.request_id)
    assert.equal(200, t.status)
    local n = http_errors.transport(req, { status = 0, kind = "network", message = "refused",
                                           which = "Couldn't connect" })
    assert.equal("Couldn't connect", n.code)
    assert.is_nil(n.status)
    assert.is_true(n.retryable)
    local c = http_errors.transport(req, { status = 0, kind = "cancelled", message = "client closed" })
    assert.equal("cancelled", c.kind)
    assert.equal("request cancelled (client closed)", c.message)
    assert.equal("request cancelled", http_errors.transport(req, { status = 0, kind = "cancelled",
                                                                   message = "cancelled" }).message)
    assert.is_nil(http_errors.transport(req, { status = 200 }))
  end)

  it("ends a stream: not SSE, no [DONE] nor finish reason, or nothing wrong", function()
    local html = fake_req{ body = "<html>" }
    local e = http_errors.stream_end(html, { status = 200, mode = "body", content_type = "text/html", bytes = 6 },
                                     false, 0)
    assert.equal("protocol", e.kind)
    assert.equal("expected text/event-stream, got text/html: '<html>'", e.message)
    local cut = http_errors.stream_end(fake_req{ body = "data: {" },
      { status = 200, mode = "sse", clean = false, bytes = 7 }, false, 0)
    assert.equal("stream ended without [DONE] or a finish reason (an incomplete event was discarded);"
      .. " received: 'data: {'", cut.message)
    assert.is_nil(http_errors.stream_end(fake_req{}, { status = 200, mode = "sse", clean = true, bytes = 9 },
                                         true, 3))
  end)
end)

describe("http_errors.stream_end: when a stream is complete", function()
  local sse = function(clean) return { status = 200, mode = "sse", clean = clean, bytes = 99 } end

  it("[DONE] completes it, clean or not", function()
    assert.is_nil(http_errors.stream_end(fake_req{}, sse(true), true, 3, true))
    assert.is_nil(http_errors.stream_end(fake_req{}, sse(false), true, 3, false))
  end)

  it("a clean end after a finish reason completes it", function()
    assert.is_nil(http_errors.stream_end(fake_req{}, sse(true), false, 3, true))
  end)

  it("an incomplete event discarded after the finish reason is a protocol error (the usage was cut off)", function()
    local e = http_errors.stream_end(fake_req{}, sse(false), false, 3, true)
    assert.equal("protocol", e.kind)
    assert.truthy(e.message:find("incomplete event", 1, true), e.message)
    assert.truthy(e.message:find("after the finish reason", 1, true), e.message)
  end)

  it("no [DONE] and no finish reason is a protocol error, clean or not", function()
    assert.equal("stream ended without [DONE] or a finish reason",
      http_errors.stream_end(fake_req{}, sse(true), false, 3, false).message)
    assert.equal("protocol", http_errors.stream_end(fake_req{}, sse(false), false, 3, false).kind)
  end)
end)

describe("errors.cancelled", function()
  it("names what was cancelled, and why when known", function()
    assert.equal("stream cancelled", errors.cancelled("stream").message)
    assert.equal("task cancelled", errors.cancelled("task").message)
    local e = errors.cancelled("request", "client closed", { request_id = "gen-1", attempts = {} })
    assert.equal("cancelled", e.kind)
    assert.equal("request cancelled (client closed)", e.message)
    assert.equal("gen-1", e.request_id)
    assert.is_false(e.retryable)
    assert.is_true(errors.is(e))
  end)
  it("a malformed URL or unsupported scheme is a validation error, never retried", function()
    local e = http_errors.response(fake_req{}, { status = 0, kind = "url", which = "Unsupported protocol",
                                                 message = "Protocol \"ftp\" not supported" })
    assert.are.equal("validation", e.kind)
    assert.are.equal("url", e.errors[1].path)
    assert.is_false(e.retryable)
  end)

  it("a permanent network failure (bad CA file, rejected certificate) is not retryable", function()
    local e = http_errors.response(fake_req{}, { status = 0, kind = "network", which = "SSL peer certificate",
                                                 message = "certificate rejected", permanent = true })
    assert.are.equal("network", e.kind)
    assert.is_false(e.retryable)
    local t = http_errors.response(fake_req{}, { status = 0, kind = "network", which = "EMFILE",
                                                 message = "out of file descriptors" })
    assert.are.equal("EMFILE", t.code)
    assert.is_true(t.retryable)
  end)
end)
