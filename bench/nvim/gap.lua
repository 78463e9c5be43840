--- Neovim: the editor loop's longest gap while a stream pours into a buffer.
-- Run by bench/run.lua inside `nvim --headless -u NONE -i NONE -n`:
--
--   BENCH_ROOT=repo MOCK_URL=url BENCH_MODE=baseline|client|curl BENCH_TOKENS=3000
--   BENCH_WINDOW_MS=1500 BENCH_RESULT=file.json  nvim --headless ... -c "luafile bench/nvim/gap.lua"
--
-- A 10 ms repeating timer records the longest gap between its runs (how
-- long the loop was busy) over a fixed window that opens 200 ms after
-- start-up (Neovim's own start is not measured); 100 ms into it one
-- stream of BENCH_TOKENS mock/lorem deltas starts at full speed, each delta
-- appended to a scratch buffer:
--   baseline  no stream: the loop's own noise
--   client    this client, loop = "nvim", `for text in s:text()` in openrouter.async
--   curl      the plugin way: vim.fn.jobstart{"curl", "-sN", ...}, on_stdout lines,
--             vim.json.decode, the delta's text appended
-- Writes { max_gap_ms, ticks, deltas, stream_ms, ok } as JSON to BENCH_RESULT.
-- luacheck: globals vim
local root = assert(os.getenv("BENCH_ROOT"), "BENCH_ROOT")
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/jit/?.so;" .. package.cpath

local uv = vim.uv or vim.loop
local url = assert(os.getenv("MOCK_URL"), "MOCK_URL")
local mode = os.getenv("BENCH_MODE") or "baseline"
local tokens = tonumber(os.getenv("BENCH_TOKENS") or "") or 3000
local window = tonumber(os.getenv("BENCH_WINDOW_MS") or "") or 1500
local R = { mode = mode, deltas = 0 }

local function finish()
  local f = assert(io.open(assert(os.getenv("BENCH_RESULT"), "BENCH_RESULT"), "w"))
  f:write(vim.fn.json_encode(R))
  f:close()
  vim.cmd("qa!")
end

local function fail(err)
  R.error = tostring(err)
  finish()
end

-- the buffer the deltas go to: the last line grows, as a chat window's does
local buf = vim.api.nvim_create_buf(false, true)
local function append(text)
  local last = vim.api.nvim_buf_get_lines(buf, -2, -1, false)[1] or ""
  vim.api.nvim_buf_set_lines(buf, -2, -1, false, { last .. text })
  R.deltas = R.deltas + 1
end

local t_start, t_end
local function started() t_start = uv.hrtime() end
local function ended(ok)
  t_end = uv.hrtime()
  R.stream_ms = (t_end - t_start) / 1e6
  R.ok = ok and R.deltas == tokens
end

-- A plugin loads the module and makes its client when it is set up, not
-- while the user types: done before the window opens (its cost is
-- measured on its own, R.setup_ms), so the gap measured is the stream's.
local setup_done
local function setup()
  if not setup_done then
    local t = uv.hrtime()
    local openrouter = require("openrouter")
    local client = openrouter.new{ loop = "nvim", base_url = url, api_key = "sk-or-bench", max_retries = 0 }
    require("openrouter.validate").prepare({ model = "mock/lorem", messages = { { role = "user", content = "warm" } } })
    R.setup_ms = (uv.hrtime() - t) / 1e6
    setup_done = { openrouter, client }
  end
  return setup_done[1], setup_done[2]
end
if mode == "client" then setup() end

local streams = {
  baseline = function() started(); ended(true); R.ok = true end,

  client = function()
    local openrouter, client = setup()
    local req = { model = "mock/lorem", messages = { { role = "user", content = "go" } } }
    openrouter.async(function()
      local ok, err = pcall(function()
        started()
        local s = assert(client:stream(req, { headers = { ["X-Mock-Tokens"] = tostring(tokens) } }))
        for text in s:text() do append(text) end
      end)
      if not ok then R.error = tostring(err) end
      ended(ok)
    end)
  end,

  curl = function()
    local body = vim.fn.json_encode{ model = "mock/lorem", stream = true,
                                     messages = { { role = "user", content = "go" } } }
    local partial = ""
    local function line(l)
      if l:sub(1, 6) ~= "data: " then return end
      local payload = l:sub(7)
      if payload == "[DONE]" then return end
      local chunk = vim.json.decode(payload)
      local ch = chunk.choices[1]
      local text = ch and ch.delta and ch.delta.content
      if type(text) == "string" and text ~= "" then append(text) end
    end
    started()
    local job = vim.fn.jobstart({ "curl", "-sN", "-X", "POST", url .. "/chat/completions",
      "-H", "Authorization: Bearer sk-or-bench", "-H", "Content-Type: application/json",
      "-H", "X-Mock-Tokens: " .. tokens, "-d", body }, {
      on_stdout = function(_, data)
        -- data: lines; the first continues the previous call's last (partial) one
        data[1] = partial .. data[1]
        partial = data[#data]
        for i = 1, #data - 1 do line(data[i]) end
      end,
      on_exit = function(_, code)
        if partial ~= "" then line(partial) end
        ended(code == 0)
      end,
    })
    if job <= 0 then fail("jobstart failed") end
  end,
}
assert(streams[mode], "BENCH_MODE: baseline, client or curl")

-- the meter: a 10 ms timer, the longest gap between two of its runs
local meter = uv.new_timer()
local last, max, ticks, t0 = 0, 0, 0, 0

local function tick()
  local now = uv.hrtime()
  local gap = (now - last) / 1e6
  if gap > max then max = gap end
  last, ticks = now, ticks + 1
  if (now - t0) / 1e6 >= window and t_end then
    meter:stop()
    meter:close()
    R.max_gap_ms, R.ticks = max, ticks
    vim.schedule(finish)
  end
end

local function open_window()
  last = uv.hrtime()
  t0 = last
  meter:start(10, 10, tick)
  vim.defer_fn(function()
    local ok, err = pcall(streams[mode])
    if not ok then fail(err) end
  end, 100)
end

vim.defer_fn(open_window, 200)

-- hard stop
vim.defer_fn(function() fail("timed out") end, window + 30000)
