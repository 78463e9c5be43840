-- TLS through the cosocket transport, run inside nginx by spec_runner.lua
-- (spec/hosts/nginx_cosocket_host.lua) in three locations of specs.conf:
-- /specs_tls trusts the TLS front's CA (lua_ssl_trusted_certificate),
-- /specs trusts nothing, /specs_noresolver has no resolver.  The spec DNS
-- server answers 127.0.0.1 for every name; the front's certificate is for
-- localhost and 127.0.0.1.  Not named *_spec.lua: busted alone cannot run it.
local openrouter = require("openrouter")
local core = require("openrouter.core")
-- luacheck: globals ngx
local fx = require("host_fixtures")

describe("TLS over cosockets (" .. fx.location .. ")", function()
  local by_name = ("https://localhost:%d/api/v1"):format(fx.tls.port)
  local wrong_name = ("https://wrong-name.test:%d/api/v1"):format(fx.tls.port)
  local req = { model = "mock/lorem", messages = { { role = "user", content = "hi" } } }

  local function client(opts)
    local o = { base_url = by_name, api_key = "k", max_retries = 0 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return openrouter.new(o)
  end

  -- Regression: a handshake that completes in the call that starts it
  -- (the server's whole flight already there: a loaded machine) and then
  -- fails verification raised lua-resty-core's assert(rc == FFI_OK)
  -- (resty/core/socket.lua:244); with reused_session = false it passed
  -- for done and the send failed ("Failed sending data to the peer").
  -- A raw cosocket handshake to `host`, asked as the transport asks it:
  -- true when it completed at once and failed (nginx closed the socket
  -- yet said done).  The tests count these and log the count for the
  -- host spec, which makes them happen on purpose (one CPU, the TLS front
  -- real-time) and checks that they did.
  local at_once = 0
  local function probe(host)
    local sock = ngx.socket.tcp()
    sock:settimeout(5000)
    assert(sock:connect(host, fx.tls.port))
    local done = sock:sslhandshake(false, host, true)
    local closed = done and not sock:getreusedtimes()
    sock:close()
    if closed then at_once = at_once + 1 end
  end
  local function log_at_once(of)
    ngx.log(ngx.WARN, "tls_cosocket (", fx.location, "): failed handshakes completed at once: ", at_once,
      " of ", of)
  end

  if fx.location == "/specs_tls" then
    it("verifies the chain and the host name, streams over HTTP/1.1, keeps the connection", function()
      local c = client()
      assert.are.equal("cosocket", (c._loop.transport_of(c)))
      local res = assert(c:chat(req))
      assert.is_string(res.choices[1].message.content)
      local s = assert(c:stream(req))
      local parts = {}
      for t in s:text() do parts[#parts + 1] = t end
      local final = assert(s:result())
      assert.are.equal(table.concat(parts), final.choices[1].message.content)
      local info = s:info()
      assert.are.equal("1.1", info.http_version)
      assert.are.equal(0, info.new_connections)   -- chat's connection, kept alive
      local s2 = assert(c:stream(req, { headers = { ["X-Mock-Fault"] = "midstream_error" } }))
      local _, err = s2:result()
      assert.are.equal("api", err.kind)
    end)

    it("refuses a certificate for another host name, with libcurl's code", function()
      local c = client{ base_url = wrong_name }
      local _, err = c:chat(req)
      assert.are.equal("cosocket", (c._loop.transport_of(c)))   -- the server's fault: no fallback
      assert.are.equal("network", err.kind)
      assert.are.equal(core.h1_reasons.verify, err.code)
      assert.is_true(err.retryable)
      assert.truthy(err.message:find("certificate", 1, true), err.message)
    end)

    it("refuses a wrong host name whether the handshake waits or completes at once (20 in a row)", function()
      for i = 1, 20 do
        probe("wrong-name.test")
        local c = client{ base_url = wrong_name }
        local _, err = c:chat(req)
        assert.are.equal("cosocket", (c._loop.transport_of(c)))
        assert.are.equal("network", err.kind)
        assert.are.equal(core.h1_reasons.verify, err.code, ("request %d: %s"):format(i, err.message))
        assert.truthy(err.message:find("certificate host mismatch", 1, true), err.message)
      end
      log_at_once(20)
    end)

    it("with insecure = true, verifies nothing", function()
      local res = assert(client{ base_url = wrong_name, insecure = true }:chat(req))
      assert.is_string(res.choices[1].message.content)
    end)

    it("times a handshake out as libcurl does: the connect timeout", function()
      -- the simulator speaks plain HTTP and waits for a request line: the
      -- TLS handshake never completes; libcurl's connect timeout covers it
      local plain = fx.mock.url:gsub("^http://127%.0%.0%.1", "https://localhost")
      local _, err = client{ base_url = plain, timeout = { connect = 0.5 } }:chat(req)
      assert.are.equal("timeout", err.kind)
      assert.are.equal("connect", err.which)
      local curl = client{ base_url = plain, timeout = { connect = 0.5 },
                           loop = require("openrouter.loop.ngx").new{ transport = "curl" } }
      local _, cerr = curl:chat(req)
      assert.are.equal(cerr.kind, err.kind)
      assert.are.equal(cerr.which, err.which)
      assert.are.equal(cerr.retryable, err.retryable)
    end)
  elseif fx.location == "/specs" then
    it("hands a chain nginx cannot verify (no lua_ssl_trusted_certificate) to libcurl, which refuses it too", function()
      -- the libcurl path (no ca_file either) fails with the same code
      local curl = client{ loop = require("openrouter.loop.ngx").new{ transport = "curl" } }
      assert.are.equal("curl", (curl._loop.transport_of(curl)))
      local _, cerr = curl:chat(req)
      for i = 1, 5 do                   -- whether the handshake waits or completes at once
        probe("localhost")
        local c = client()
        local _, err = c:chat(req)
        local transport, why = c._loop.transport_of(c)
        assert.are.equal("curl", transport, ("request %d: %s"):format(i, err and err.message))
        assert.truthy(why:find("lua_ssl_trusted_certificate", 1, true), why)
        assert.are.equal("network", err.kind)
        assert.truthy(err.message:lower():find("certificate", 1, true), err.message)
        assert.are.equal(cerr.kind, err.kind)
        assert.are.equal(cerr.code, err.code)
        assert.are.equal(cerr.retryable, err.retryable)
      end
      log_at_once(5)
    end)
  else
    it("hands a request whose host name nginx cannot look up (no resolver) to libcurl", function()
      local by_name_plain = fx.mock.url:gsub("^http://127%.0%.0%.1", "http://localhost")
      local c = client{ base_url = by_name_plain }
      local res = assert(c:chat(req))
      assert.is_string(res.choices[1].message.content)
      local transport, why = c._loop.transport_of(c)
      assert.are.equal("curl", transport)
      assert.truthy(why:find("resolver", 1, true), why)
      local s = assert(c:stream(req))                 -- and so do its later requests
      assert.is_table(s:result())
      assert.is_falsy(s._req._cosocket)
      local log = io.open(ngx.config.prefix() .. "logs/error.log"):read("*a")
      assert.truthy(log:find("nginx has no 'resolver'", 1, true), log:sub(-500))
    end)
  end
end)
