-- Neovim host test: stream from the simulator into a buffer with
-- loop = "nvim", iterator style inside openrouter.async and callback style
-- with coalesce_ms, while a 10 ms timer measures the editor loop's gaps.
-- luacheck: globals vim
local root = assert(os.getenv("OPENROUTER_ROOT"))
local lib = dofile(root .. "/spec/hosts/nvim/lib.lua")
local openrouter = require("openrouter")
local uv, R = lib.uv, lib.result

local client = openrouter.new{ loop = "nvim", base_url = lib.url, api_key = "sk-or-test" }
local prompt = string.rep("Neovim keeps redrawing while the answer streams in. ", 8)
local req = { model = "mock/echo", messages = { { role = "user", content = prompt } } }
local paced = { headers = { ["X-Mock-Delay-Ms"] = "8" } }

local stop_meter = lib.gap_meter()
local pending = 2
local function one_done()
  pending = pending - 1
  if pending > 0 then return end
  R.max_gap_ms, R.ticks = stop_meter()
  lib.finish()
end

-- 1. iterator style: every delta appended with nvim_buf_set_lines in the loop body
local buf = vim.api.nvim_create_buf(false, true)
R.fast_in_body, R.deltas = 0, 0
local t0 = uv.hrtime()
local task = openrouter.async(lib.guard(function()
  local s = assert(client:stream(req, paced))
  for text in s:text() do
    if vim.in_fast_event() then R.fast_in_body = R.fast_in_body + 1 end
    R.deltas = R.deltas + 1
    local last = vim.api.nvim_buf_get_lines(buf, -2, -1, false)[1] or ""
    vim.api.nvim_buf_set_lines(buf, -2, -1, false, { last .. text })
  end
  R.buffer = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
  R.text_ok = R.buffer == prompt
  R.stream_ms = lib.ms_since(t0)
  R.status_after = "see task"
  one_done()
end))
R.async_return_ms = lib.ms_since(t0)
R.status_at_return = task:status()

-- 2. callback style, text coalesced to at most one on_text per 40 ms
local cb = { calls = 0, text = {}, stamps = {}, fast = 0, done = 0, errors = 0 }
local h = client:stream(req, {
  headers = { ["X-Mock-Delay-Ms"] = "4" },
  coalesce_ms = 40,
  on_text = function(text)
    if vim.in_fast_event() then cb.fast = cb.fast + 1 end
    cb.calls = cb.calls + 1
    cb.text[#cb.text + 1] = text
    cb.stamps[#cb.stamps + 1] = uv.hrtime()
  end,
  on_done = function(final)
    cb.done = cb.done + 1
    R.cb_final_ok = final.choices[1].message.content == prompt
  end,
  on_error = function(err)
    cb.errors = cb.errors + 1
    R.cb_error = tostring(err)
  end,
})
R.cb_status_at_return = h:status()
local poll = uv.new_timer()
poll:start(20, 20, vim.schedule_wrap(function()
  if h:status() == "running" then return end
  poll:stop()
  poll:close()
  R.cb_status = h:status()
  R.cb_text_ok = table.concat(cb.text) == prompt
  R.cb_calls, R.cb_done, R.cb_errors, R.cb_fast = cb.calls, cb.done, cb.errors, cb.fast
  local min = math.huge
  for i = 2, #cb.stamps do
    local d = (cb.stamps[i] - cb.stamps[i - 1]) / 1e6
    if d < min then min = d end
  end
  R.cb_min_spacing_ms = min ~= math.huge and min or nil
  one_done()
end))
