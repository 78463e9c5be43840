-- LÖVE host specs: `xvfb-run -a love DIR` runs a game with loop = "manual"
-- and client:update() in love.update (spec/hosts/love/), and the example
-- game (examples/love/).  Exit statuses and a JSON result are checked here.
local H = require("hosts.support")

describe("LÖVE host (loop = 'manual')", function()
  local srv, slow
  setup(function()
    assert(H.have("love") and H.have("xvfb-run"), "love and xvfb-run are needed (make deps)")
    srv = H.mock.start{ quiet = true }
    slow = H.mock.start{ quiet = true, args = { "--delay-ms", "10" } }
  end)
  teardown(function()
    if srv then srv.stop() end
    if slow then slow.stop() end
    H.cleanup()
  end)

  it("streams while the game draws; no update() takes more than 20 ms", function()
    -- The game runs up to 3 times until no update() took 20 ms or more: the
    -- VM is shared, and one stolen time slice (seen once: 27 ms, where the
    -- slowest update is otherwise 1-3.5 ms) lands inside an update.  Every
    -- run's slowest update is printed; the other checks hold in every run.
    local r, runs = nil, {}
    for _ = 1, 3 do
      local result = H.tempdir() .. "/result.json"
      local ok, code, out = H.run(H.env{ OPENROUTER_ROOT = H.root, MOCK_URL = srv.url, HOST_RESULT = result }
        .. " xvfb-run -a love " .. H.quote(H.root .. "/spec/hosts/love"), 90)
      r = H.read_json(result)
      assert(r, ("the game wrote no result (exit %s):\n%s"):format(tostring(code), out))
      assert.is_nil(r.timed_out)
      assert.is_nil(r.update_error)
      assert.is_true(r.iter_ok, tostring(r.iter_err))
      assert.is_true(r.cb_ok, tostring(r.cb_err))
      assert.is_true(r.chat_ok, tostring(r.chat_err))
      assert.is_true(r.many_ok)
      assert.is_true(r.async_returned_running)
      assert.is_true(r.frames > 30, "only " .. r.frames .. " frames")
      assert.is_true(ok and code == 0, "love exited with " .. tostring(code) .. ":\n" .. out)
      runs[#runs + 1] = ("%.1f"):format(r.max_update_ms)
      if r.max_update_ms < 20 then break end
    end
    assert.is_true(r.max_update_ms < 20, "slowest update() of each run: " .. table.concat(runs, ", ") .. " ms")
    H.note("love: slowest client:update() %.2f ms over %d frames (11 requests, 9 streams; each run: %s ms)",
      r.max_update_ms, r.updates, table.concat(runs, ", "))
  end)

  it("runs examples/love: the NPC's line streams in, the game exits 0", function()
    local ok, code, out = H.run(H.env{ OPENROUTER_ROOT = H.root, OPENROUTER_BASE_URL = slow.url,
      OPENROUTER_API_KEY = "sk-or-test", OPENROUTER_EXAMPLE_AUTOQUIT = "1" }
      .. " xvfb-run -a love " .. H.quote(H.root .. "/examples/love"), 90)
    assert.is_true(ok and code == 0, "exit " .. tostring(code) .. ":\n" .. out)
    assert.is_truthy(out:find("Greet the traveller in one sentence, as a grumpy blacksmith.", 1, true), out)
    local slowest = tonumber(out:match("%[slowest update ([%d%.]+) ms%]"))
    assert.is_true(slowest and slowest < 20, out)
  end)
end)
