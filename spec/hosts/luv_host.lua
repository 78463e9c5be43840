-- Plain luv host spec: lua5.4 with lua-luv runs many concurrent streams
-- on one loop (spec/hosts/luv/many_streams.lua) against the 5.4 build.
local H = require("hosts.support")
local cjson = require("cjson")

describe("plain luv host (lua5.4, loop = 'luv')", function()
  local srv
  setup(function()
    assert(H.have("lua5.4"), "lua5.4 is not installed")
    srv = H.mock.start{ quiet = true }
  end)
  teardown(function()
    if srv then srv.stop() end
  end)

  it("runs 200 concurrent streams on one loop", function()
    local env = H.env{ MOCK_URL = srv.url, STREAMS = "200",
      LUA_PATH = H.root .. "/lua/?.lua;" .. H.root .. "/lua/?/init.lua;;",
      LUA_CPATH = H.root .. "/build/5.4/?.so;;" }
    local ok, code, out = H.run(env .. " lua5.4 " .. H.quote(H.root .. "/spec/hosts/luv/many_streams.lua"), 60)
    assert(ok, "exit " .. tostring(code) .. ":\n" .. out)
    local r = cjson.decode(out:match("{.*}") or "null")
    assert.equal(0, r.left)
    assert.same({}, r.bad)
    assert.equal(100, r.iter_ok)
    assert.equal(50, r.cb_ok)
    assert.equal(50, r.cancelled_ok)
    -- starting 200 transfers in one go costs libcurl ~20 ms in one socket_action
    assert.is_true(r.max_gap_ms < 100, ("the loop stalled for %.1f ms"):format(r.max_gap_ms))
    H.note("luv: 200 streams (100 iterators, 50 callbacks, 50 cancelled) in %.0f ms; started in %.0f ms;"
      .. " longest loop gap %.1f ms", r.total_ms, r.start_ms, r.max_gap_ms)
  end)
end)
