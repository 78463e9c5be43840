-- Neovim host test: the editor loop's longest gap with no stream (the
-- baseline), then while 3,000 deltas pour in at full speed and each is
-- appended to a buffer (loop = "nvim", openrouter.async).  The client is
-- set up first, as a plugin's setup does; both gaps are reported.
-- luacheck: globals vim
local root = assert(os.getenv("OPENROUTER_ROOT"))
local lib = dofile(root .. "/spec/hosts/nvim/lib.lua")
local openrouter = require("openrouter")
local R = lib.result

local client = openrouter.new{ loop = "nvim", base_url = lib.url, api_key = "sk-or-test" }
local req = { model = "mock/lorem", messages = { { role = "user", content = "go" } } }
local DELTAS = 3000

local buf = vim.api.nvim_create_buf(false, true)

local function stream()
  local stop_meter = lib.gap_meter()
  R.deltas = 0
  local t0 = lib.uv.hrtime()
  openrouter.async(lib.guard(function()
    local s = assert(client:stream(req, { headers = { ["X-Mock-Tokens"] = tostring(DELTAS) } }))
    for text in s:text() do
      R.deltas = R.deltas + 1
      local last = vim.api.nvim_buf_get_lines(buf, -2, -1, false)[1] or ""
      vim.api.nvim_buf_set_lines(buf, -2, -1, false, { last .. text })
    end
    R.stream_ms = lib.ms_since(t0)
    -- a few more ticks after the end, as the baseline had
    vim.defer_fn(function()
      R.max_gap_ms, R.ticks = stop_meter()
      lib.finish()
    end, 100)
  end))
end

-- the baseline: 500 ms of the same timer with nothing streaming
local stop_base = lib.gap_meter()
vim.defer_fn(function()
  R.baseline_gap_ms, R.baseline_ticks = stop_base()
  stream()
end, 500)
