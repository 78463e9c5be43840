--- The Neovim adapter: libcurl's sockets and timer on Neovim's own libuv
-- loop (vim.uv, or vim.loop before 0.10), and every resumption of user
-- code -- tasks, callbacks -- through vim.schedule, never in a fast
-- callback, so the editor API is legal in a loop body or a callback.
--
--   local client = openrouter.new{ loop = "nvim" }
--   openrouter.async(function()
--     for text in client:stream(req):text() do
--       vim.api.nvim_buf_set_lines(buf, -2, -1, false, { text })
--     end
--   end)
--
-- The socket work itself (socket_action: copying bytes, parsing SSE) runs
-- in the fast callbacks; what those find is handed over in one scheduled
-- sweep, however many sockets were ready.  An error that escapes a task or
-- a callback is raised from a scheduled callback, where Neovim shows it.
-- luacheck: globals vim
local driver = require("openrouter.loop.driver")
local luv = require("openrouter.loop.luv")

local M = {}

function M.new()
  if type(rawget(_G, "vim")) ~= "table" or not (vim.uv or vim.loop) then
    error("openrouter loop 'nvim': not running inside Neovim", 0)
  end
  local uv = vim.uv or vim.loop
  local watch, timer = luv.hooks(uv)
  local adapter = driver.new{
    name = "nvim", watch = watch, timer = timer,
    defer = vim.schedule,
    report = function(msg)
      vim.schedule(function() error(msg, 0) end)
    end,
  }
  adapter.uv = uv
  return adapter
end

local A = M.new()
A.new = M.new
return A
