-- Neovim host test: the Responses API with loop = "nvim": a stream read in
-- openrouter.async (text deltas into a buffer, then result()), a plain
-- client:responses() in the same task, and a callback-style stream.
-- luacheck: globals vim
local root = assert(os.getenv("OPENROUTER_ROOT"))
local lib = dofile(root .. "/spec/hosts/nvim/lib.lua")
local openrouter = require("openrouter")
local uv, R = lib.uv, lib.result

local client = openrouter.new{ loop = "nvim", base_url = lib.url, api_key = "sk-or-test" }
local prompt = string.rep("The Responses API streams into Neovim too. ", 4)
local req = { model = "mock/echo", input = prompt }
local paced = { headers = { ["X-Mock-Delay-Ms"] = "5" } }

local pending = 2
local function one_done()
  pending = pending - 1
  if pending == 0 then lib.finish() end
end

local buf = vim.api.nvim_create_buf(false, true)
R.fast_in_body, R.deltas = 0, 0
local task = openrouter.async(lib.guard(function()
  local s = assert(client:responses_stream(req, paced))
  for text in s:text() do
    if vim.in_fast_event() then R.fast_in_body = R.fast_in_body + 1 end
    R.deltas = R.deltas + 1
    local last = vim.api.nvim_buf_get_lines(buf, -2, -1, false)[1] or ""
    vim.api.nvim_buf_set_lines(buf, -2, -1, false, { last .. text })
  end
  R.text_ok = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") == prompt
  local final = assert(s:result())
  R.final_ok = final.status == "completed" and final.output_text == prompt
  local res = assert(client:responses(req))
  R.plain_ok = res.output_text == prompt
  one_done()
end))
R.status_at_return = task:status()

local cb = { text = {}, done = 0, errors = 0, fast = 0 }
local h = client:responses_stream(req, {
  headers = { ["X-Mock-Delay-Ms"] = "3" },
  on_text = function(text)
    if vim.in_fast_event() then cb.fast = cb.fast + 1 end
    cb.text[#cb.text + 1] = text
  end,
  on_done = function(final)
    cb.done = cb.done + 1
    R.cb_final_ok = final.output_text == prompt
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
  R.cb_done, R.cb_errors, R.cb_fast = cb.done, cb.errors, cb.fast
  one_done()
end))
