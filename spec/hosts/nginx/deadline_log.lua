-- Waits bounded by the caller -- stream:next(timeout), the text
-- coalescer -- leave nothing in nginx's error log, where every cosocket
-- read that times out is logged (lua_socket_log_errors, on by default, as
-- in location /specs_logged of specs.conf).  Run inside nginx by
-- spec_runner.lua; not named *_spec.lua: busted alone cannot run it.
-- luacheck: globals ngx
local openrouter = require("openrouter")
local fx = require("host_fixtures")

describe("cosockets, error log on", function()
  local req = { model = "mock/echo", messages = { { role = "user", content = "a b c d e f" } } }
  local log_path = ngx.config.prefix() .. "logs/error.log"

  local function log_size()
    local f = io.open(log_path)
    local n = f:seek("end")
    f:close()
    return n
  end

  local function log_since(n)
    local f = io.open(log_path)
    f:seek("set", n)
    local s = f:read("*a")
    f:close()
    return s
  end

  it("next(timeout) and coalesce_ms time out without a socket timeout", function()
    local c = openrouter.new{ base_url = fx.mock.url, api_key = "k", max_retries = 0 }
    local n0 = log_size()
    local s = assert(c:stream(req, { headers = { ["X-Mock-Delay-Ms"] = "120" } }))
    local falses, chunks = 0, 0
    while true do
      local chunk = s:next(0.03)
      if chunk == nil then break end
      if chunk then chunks = chunks + 1 else falses = falses + 1 end
    end
    assert.is_true(falses >= 5, falses .. " timeouts")
    assert.is_true(chunks >= 6)
    local parts = {}
    local s2 = assert(c:stream(req, { headers = { ["X-Mock-Delay-Ms"] = "40" } }))
    for t in s2:text{ coalesce_ms = 25 } do parts[#parts + 1] = t end
    assert.are.equal("a b c d e f", table.concat(parts))
    local logged = log_since(n0)
    assert.is_nil(logged:find("timed out", 1, true), logged)
  end)
end)
