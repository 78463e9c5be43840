-- Shared by the Neovim host tests (run with `nvim --headless -u NONE -l`-ish:
-- `-c "luafile X"`).  Environment: OPENROUTER_ROOT (the repository),
-- MOCK_URL (the simulator), HOST_RESULT (where the JSON result goes).
-- luacheck: globals vim
local root = assert(os.getenv("OPENROUTER_ROOT"), "OPENROUTER_ROOT")
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/jit/?.so;" .. package.cpath

local uv = vim.uv or vim.loop
local M = { uv = uv, root = root, url = assert(os.getenv("MOCK_URL"), "MOCK_URL"), result = {} }

local finished = false
--- Write the result as JSON and quit Neovim.
function M.finish()
  if finished then return end
  finished = true
  local f = assert(io.open(assert(os.getenv("HOST_RESULT"), "HOST_RESULT"), "w"))
  f:write(vim.fn.json_encode(M.result))
  f:close()
  vim.cmd("qa!")
end

--- Run `fn` protected; a failure is recorded and ends the test.
function M.guard(fn)
  return function(...)
    local ok, err = xpcall(fn, debug.traceback, ...)
    if not ok then
      M.result.error = tostring(err)
      M.finish()
    end
  end
end

--- A 10 ms repeating timer that records the longest gap between its runs:
--- how long the editor's loop stalled.
function M.gap_meter()
  local t = uv.new_timer()
  local last, max, ticks = uv.hrtime(), 0, 0
  t:start(10, 10, function()
    local now = uv.hrtime()
    local gap = (now - last) / 1e6
    if gap > max then max = gap end
    last, ticks = now, ticks + 1
  end)
  return function()
    t:stop()
    if not t:is_closing() then t:close() end
    return max, ticks
  end
end

function M.ms_since(t0) return (uv.hrtime() - t0) / 1e6 end

-- Hard stop: whatever happens, write what we have and quit.
vim.defer_fn(function()
  M.result.timed_out = true
  M.finish()
end, tonumber(os.getenv("HOST_DEADLINE_MS") or "40000"))

return M
