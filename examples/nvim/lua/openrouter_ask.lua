--- A minimal Neovim plugin on openrouter: :OpenRouterAsk {prompt} streams
-- the answer into a scratch buffer while you keep editing; <C-c> in that
-- buffer cancels (the connection closes at once).
--
-- Install: put examples/nvim on 'runtimepath' and the openrouter module
-- on package.path/cpath (luarocks --lua-version=5.1 install, or see
-- docs/hosts.md).  The key comes from $OPENROUTER_API_KEY, never from a
-- command line; $OPENROUTER_BASE_URL points it at a simulator.
-- Options: vim.g.openrouter_model (default "openai/gpt-4o-mini").
-- luacheck: globals vim
local openrouter = require("openrouter")

local M = {}

local client
local function get_client()
  client = client or openrouter.new{ loop = "nvim", app_title = "openrouter.nvim example" }
  return client
end

-- Append text to the end of buf, honouring newlines.
local function append(buf, text)
  if not vim.api.nvim_buf_is_valid(buf) then return end
  local pieces = vim.split(text, "\n", { plain = true })
  local last = vim.api.nvim_buf_get_lines(buf, -2, -1, false)[1] or ""
  pieces[1] = last .. pieces[1]
  vim.api.nvim_buf_set_lines(buf, -2, -1, false, pieces)
end

local function scratch(prompt)
  vim.cmd("botright new")
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].swapfile = false
  vim.api.nvim_buf_set_name(buf, "openrouter://answer/" .. buf)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "> " .. prompt, "" })
  return buf
end

--- Ask `prompt`; returns the task (openrouter.async) and the buffer.
function M.ask(prompt)
  local buf = scratch(prompt)
  local req = {
    model = vim.g.openrouter_model or "openai/gpt-4o-mini",
    messages = { { role = "user", content = prompt } },
  }
  local stream
  local task = openrouter.async(function()
    local err
    stream, err = get_client():stream(req)
    if not stream then return append(buf, "\n-- " .. tostring(err)) end
    -- the loop body runs in a safe context (vim.schedule): the editor API is fine here
    local ok, e = pcall(function()
      for text in stream:text{ coalesce_ms = 30 } do append(buf, text) end
    end)
    if ok then
      local final = stream:result()
      local u = final and final.usage or {}
      append(buf, ("\n-- done: %s, %d tokens"):format(tostring(final and final.model), u.total_tokens or 0))
    elseif type(e) == "table" and e.kind == "cancelled" then
      append(buf, "\n-- cancelled")
    else
      append(buf, "\n-- error: " .. tostring(e))
    end
  end)
  vim.keymap.set({ "n", "i" }, "<C-c>", function()
    if stream then stream:cancel() else task:cancel() end
  end, { buffer = buf, desc = "cancel the OpenRouter answer" })
  M.last = { task = task, buf = buf }
  return task, buf
end

return M
