-- :OpenRouterAsk {prompt} -- stream an answer into a scratch buffer; <C-c> there cancels.
-- luacheck: globals vim
if vim.g.loaded_openrouter_ask then return end
vim.g.loaded_openrouter_ask = true

vim.api.nvim_create_user_command("OpenRouterAsk", function(cmd)
  require("openrouter_ask").ask(cmd.args)
end, { nargs = "+", desc = "Ask a model through OpenRouter; the answer streams into a scratch buffer" })
