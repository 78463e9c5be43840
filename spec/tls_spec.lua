-- TLS: verification is always on; a local endpoint with a throw-away CA
-- (nginx, HTTP/2) in front of the simulator.
local openrouter = require("openrouter")
local mock = require("support.mock_server")
local tls = require("support.tls_proxy")

describe("tls", function()
  local srv, proxy

  setup(function()
    srv = mock.start()
    proxy = tls.start(srv.url)
  end)
  teardown(function()
    if proxy then proxy.stop() end
    if srv then srv.stop() end
  end)

  local req = { model = "mock/lorem", messages = { { role = "user", content = "hi" } } }

  it("refuses a certificate it cannot verify, naming the problem", function()
    local c = openrouter.new{ base_url = proxy.url, api_key = "k", max_retries = 0 }
    local res, err = c:chat(req)
    assert.is_nil(res)
    assert.are.equal("network", err.kind)
    assert.truthy(err.message:lower():find("certificate", 1, true), err.message)
  end)

  it("succeeds with ca_file, streaming over HTTP/2", function()
    local c = openrouter.new{ base_url = proxy.url, api_key = "k", ca_file = proxy.ca_file }
    local res = assert(c:chat(req))
    assert.is_string(res.choices[1].message.content)
    local s = assert(c:stream(req))
    local parts = {}
    for t in s:text() do parts[#parts + 1] = t end
    local final = assert(s:result())
    assert.are.equal(table.concat(parts), final.choices[1].message.content)
    assert.are.equal("2", s:info().http_version)
  end)

  it("succeeds with ca_path", function()
    local c = openrouter.new{ base_url = proxy.url, api_key = "k", ca_path = proxy.ca_path }
    assert.is_table(assert(c:chat(req)))
  end)

  it("reports a mid-stream error and faults through the proxy too", function()
    local c = openrouter.new{ base_url = proxy.url, api_key = "k", ca_file = proxy.ca_file, max_retries = 0 }
    local s = assert(c:stream(req, { headers = { ["X-Mock-Fault"] = "midstream_error" } }))
    local _, err = s:result()
    assert.are.equal("api", err.kind)
  end)
end)
