-- Runs examples/nvim: :OpenRouterAsk streams into a scratch buffer, and
-- <C-c> typed in that buffer cancels a second, slower answer.  The
-- simulator runs with --delay-ms so answers take a while.
-- luacheck: globals vim
local root = assert(os.getenv("OPENROUTER_ROOT"))
local lib = dofile(root .. "/spec/hosts/nvim/lib.lua")
local R = lib.result

vim.env.OPENROUTER_BASE_URL = lib.url
vim.env.OPENROUTER_API_KEY = "sk-or-test"
vim.g.openrouter_model = "mock/echo"
vim.opt.runtimepath:append(root .. "/examples/nvim")
vim.cmd("runtime! plugin/openrouter_ask.lua")

local ask = require("openrouter_ask")
local function lines(buf) return vim.api.nvim_buf_get_lines(buf, 0, -1, false) end

local stop_meter = lib.gap_meter()
local prompt1 = "What does the example plugin do?"
vim.cmd("OpenRouterAsk " .. prompt1)
local first = ask.last
R.returned_running = first.task:status() == "running"

local function when(cond, fn)
  local t = lib.uv.new_timer()
  t:start(10, 10, vim.schedule_wrap(function()
    if t:is_closing() or not cond() then return end
    t:stop()
    t:close()
    lib.guard(fn)()
  end))
end

when(function() return first.task:status() ~= "running" end, function()
  R.first_lines = lines(first.buf)
  R.first_ok = R.first_lines[2] == prompt1 and (R.first_lines[3] or ""):find("^%-%- done") ~= nil
  local prompt2 = string.rep("A long question that will be cut short. ", 10)
  vim.cmd("OpenRouterAsk " .. prompt2)
  local second = ask.last
  -- once some text is in, press <C-c> in the answer buffer
  when(function() return #(lines(second.buf)[2] or "") >= 12 end, function()
    vim.api.nvim_set_current_buf(second.buf)
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<C-c>", true, false, true), "mx", false)
    local at_cancel = lines(second.buf)[2]
    when(function() return second.task:status() ~= "running" end, function()
      R.second_lines = lines(second.buf)
      local text = R.second_lines[2] or ""
      R.second_cancelled = R.second_lines[#R.second_lines] == "-- cancelled"
      R.second_partial = #text > 0 and #text < #prompt2 and prompt2:sub(1, #text) == text
      R.second_grew_after_cancel = #text - #at_cancel
      R.max_gap_ms = stop_meter()
      lib.finish()
    end)
  end)
end)
