-- Neovim host test: cancel mid-stream from outside the streaming code (a
-- deferred function, as a keymap would): the iteration ends with kind
-- "cancelled", the partial text stays readable, nothing arrives after,
-- and the simulator saw the connection close.  Then the same with a
-- callback-style handle, and with task:cancel().
-- luacheck: globals vim
local root = assert(os.getenv("OPENROUTER_ROOT"))
local lib = dofile(root .. "/spec/hosts/nvim/lib.lua")
local openrouter = require("openrouter")
local R = lib.result

local client = openrouter.new{ loop = "nvim", base_url = lib.url, api_key = "sk-or-test" }
local long = {
  model = "mock/lorem", messages = { { role = "user", content = "talk" } },
}
local slow = { headers = { ["X-Mock-Tokens"] = "400", ["X-Mock-Delay-Ms"] = "10" } }

-- Sleep inside a task without a stream: let the loop run for `ms`.
local function pause(ms)
  local s = assert(client:stream(long, { headers = { ["X-Mock-Tokens"] = "1", ["X-Mock-Delay-Ms"] = tostring(ms) } }))
  s:result()
end

local function record_of(id)
  -- poll the simulator until it has noticed the close (at most ~1 s)
  for _ = 1, 20 do
    local g = client:generation(id)
    if g and g.data and g.data.cancelled then return g.data end
    pause(50)
  end
  local g = client:generation(id)
  return g and g.data or {}
end

openrouter.async(lib.guard(function()
  -- 1. iterator + stream:cancel() from a deferred function
  local s = assert(client:stream(long, slow))
  local got, after_cancel, cancelled_at = {}, 0, nil
  local ok, err = pcall(function()
    for text in s:text() do
      if cancelled_at then after_cancel = after_cancel + 1 end
      got[#got + 1] = text
      if #got == 5 then
        vim.defer_fn(function() cancelled_at = vim.loop.hrtime(); s:cancel() end, 0)
      end
    end
  end)
  R.iter_raised = not ok
  R.iter_kind = type(err) == "table" and err.kind or tostring(err)
  R.iter_after_cancel = after_cancel
  R.iter_received = #got
  local partial = type(err) == "table" and err.partial
  R.iter_partial_ok = partial and partial.choices[1].message.content == table.concat(got) or false
  local final, ferr = s:result()
  R.iter_result_kind = final == nil and ferr and ferr.kind or "no error"
  local rec = record_of(s.request_id or s:headers()["x-generation-id"])
  R.iter_server_cancelled = rec.cancelled == true
  R.iter_server_tokens = rec.tokens_completion

  -- 2. callback style, cancelled by a "keymap" after a few deltas
  local cb = { text = 0, after = 0, done = 0, errors = 0 }
  local h
  h = client:stream(long, {
    headers = slow.headers,
    on_text = function()
      if h and h:status() == "cancelled" then cb.after = cb.after + 1 end
      cb.text = cb.text + 1
      if cb.text == 5 then vim.defer_fn(function() h:cancel(); cb.status_now = h:status() end, 0) end
    end,
    on_done = function() cb.done = cb.done + 1 end,
    on_error = function(e) cb.errors = cb.errors + 1; cb.kind = e.kind end,
  })
  while h:status() == "running" or (cb.errors + cb.done) == 0 do pause(20) end
  pause(100)   -- would anything fire late?
  R.cb_status, R.cb_status_now, R.cb_kind = h:status(), cb.status_now, cb.kind
  R.cb_errors, R.cb_done, R.cb_after = cb.errors, cb.done, cb.after
  local rec2 = record_of(h.stream.request_id or h.stream:headers()["x-generation-id"])
  R.cb_server_cancelled = rec2.cancelled == true

  -- 3. task:cancel() on a task blocked in an iteration
  local inner_got = 0
  local inner = openrouter.async(function()
    for _ in assert(client:stream(long, slow)):text() do inner_got = inner_got + 1 end
  end)
  pause(150)
  inner:cancel()
  pause(50)
  R.task_status = inner:status()
  R.task_kind = inner:error() and inner:error().kind
  R.task_got = inner_got
  lib.finish()
end))
