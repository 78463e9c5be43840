-- Neovim host specs: nvim --headless loads the LuaJIT build and streams
-- from the simulator with loop = "nvim" (spec/hosts/nvim/*.lua run inside
-- Neovim and write a JSON result; the assertions are here).
local H = require("hosts.support")

local function run_nvim(script, url, timeout)
  local result = H.tempdir() .. "/result.json"
  local file = H.root .. "/spec/hosts/nvim/" .. script
  local boot = ("lua local ok, e = pcall(dofile, %q) if not ok then io.stderr:write(tostring(e), '\\n') "
    .. "vim.cmd('cquit 3') end"):format(file)
  local cmd = H.env{ OPENROUTER_ROOT = H.root, MOCK_URL = url, HOST_RESULT = result,
                     HOST_DEADLINE_MS = tostring((timeout - 5) * 1000) }
    .. " nvim --headless -u NONE -i NONE -n -c " .. H.quote(boot)
  local ok, code, out = H.run(cmd, timeout)
  local r = H.read_json(result)
  assert(r, ("nvim wrote no result (exit %s):\n%s"):format(tostring(code), out))
  assert(not r.error, tostring(r.error))
  assert(not r.timed_out, "the test timed out inside Neovim:\n" .. out)
  assert(ok, "nvim exited with " .. tostring(code) .. ":\n" .. out)
  return r
end

describe("Neovim host (loop = 'nvim')", function()
  local srv, slow
  setup(function()
    assert(H.have("nvim"), "nvim is not installed (make deps)")
    srv = H.mock.start{ quiet = true }
    slow = H.mock.start{ quiet = true, args = { "--delay-ms", "15" } }
  end)
  teardown(function()
    if srv then srv.stop() end
    if slow then slow.stop() end
    H.cleanup()
  end)

  it("streams into a buffer while the editor loop keeps running", function()
    local r = run_nvim("stream_test.lua", srv.url, 60)
    -- iterator inside openrouter.async
    assert.is_true(r.text_ok, "the buffer does not hold the whole answer")
    assert.is_true(r.deltas > 50, "expected many deltas, got " .. tostring(r.deltas))
    assert.equal(0, r.fast_in_body)          -- the loop body never ran in a fast callback
    assert.equal("running", r.status_at_return)
    assert.is_true(r.async_return_ms < 50, "openrouter.async took " .. r.async_return_ms .. " ms to return")
    -- callback style with coalesce_ms = 40
    assert.equal("running", r.cb_status_at_return)
    assert.equal("done", r.cb_status)
    assert.is_true(r.cb_text_ok and r.cb_final_ok)
    assert.equal(1, r.cb_done)
    assert.equal(0, r.cb_errors)
    assert.equal(0, r.cb_fast)
    assert.is_true(r.cb_calls >= 2)
    assert.is_true(r.cb_min_spacing_ms >= 38, "on_text came " .. r.cb_min_spacing_ms .. " ms apart")
    -- the editor never stalled
    assert.is_true(r.ticks > 20)
    assert.is_true(r.max_gap_ms < 50, "the editor loop stalled for " .. r.max_gap_ms .. " ms")
    H.note("nvim: longest loop gap %.1f ms over %d ticks; async() returned in %.2f ms; %d deltas in %.0f ms",
      r.max_gap_ms, r.ticks, r.async_return_ms, r.deltas, r.stream_ms)
  end)

  it("keeps the editor loop at its no-stream baseline while 3,000 deltas pour in at full speed", function()
    local r = run_nvim("fullspeed_test.lua", srv.url, 60)
    assert.equal(3000, r.deltas)
    H.note("nvim: longest loop gap %.1f ms with no stream, %.1f ms while 3000 deltas streamed at full speed"
      .. " (%.0f ms)", r.baseline_gap_ms, r.max_gap_ms, r.stream_ms)
    -- (make bench compares the two over several runs; here only a stall is a failure)
    assert.is_true(r.max_gap_ms < 50, "the editor loop stalled for " .. r.max_gap_ms .. " ms")
  end)

  it("streams the Responses API: iterator in a task, a plain call, callbacks", function()
    local r = run_nvim("responses_test.lua", srv.url, 60)
    assert.equal("running", r.status_at_return)
    assert.is_true(r.text_ok, "the buffer does not hold the whole answer")
    assert.is_true(r.deltas > 10)
    assert.equal(0, r.fast_in_body)
    assert.is_true(r.final_ok and r.plain_ok)
    assert.equal("running", r.cb_status_at_return)
    assert.equal("done", r.cb_status, r.cb_error)
    assert.is_true(r.cb_text_ok and r.cb_final_ok)
    assert.equal(1, r.cb_done)
    assert.equal(0, r.cb_errors)
    assert.equal(0, r.cb_fast)
  end)

  it("cancels mid-stream: iterator, callbacks and task:cancel()", function()
    local r = run_nvim("cancel_test.lua", srv.url, 60)
    assert.is_true(r.iter_raised)
    assert.equal("cancelled", r.iter_kind)
    assert.equal("cancelled", r.iter_result_kind)
    assert.equal(0, r.iter_after_cancel)
    assert.is_true(r.iter_partial_ok, "the partial result differs from what arrived")
    assert.is_true(r.iter_server_cancelled, "the simulator did not see the connection close")
    assert.is_true(r.iter_server_tokens < 100, "the simulator went on streaming after the cancel")
    assert.equal("cancelled", r.cb_status)
    assert.equal("cancelled", r.cb_status_now)   -- status() changes at once
    assert.equal("cancelled", r.cb_kind)
    assert.equal(1, r.cb_errors)
    assert.equal(0, r.cb_done)
    assert.equal(0, r.cb_after)
    assert.is_true(r.cb_server_cancelled)
    assert.equal("cancelled", r.task_status)
    assert.equal("cancelled", r.task_kind)
    H.note("nvim cancel: simulator stopped after %d tokens (of 400)", r.iter_server_tokens)
  end)

  it("runs examples/nvim: :OpenRouterAsk streams, <C-c> cancels", function()
    local r = run_nvim("example_test.lua", slow.url, 60)
    assert.is_true(r.returned_running)
    assert.is_true(r.first_ok, "first answer: " .. table.concat(r.first_lines or {}, " | "))
    assert.is_true(r.second_cancelled, "second answer: " .. table.concat(r.second_lines or {}, " | "))
    assert.is_true(r.second_partial)
    assert.is_true(r.max_gap_ms < 50)
  end)
end)
