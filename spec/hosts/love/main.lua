-- LÖVE host test: loop = "manual", client:update() in love.update.
-- Streams (an iterator inside openrouter.async, callbacks with coalescing,
-- a non-streaming chat with callbacks, and a few more at once) while the
-- game draws; records the slowest update() and writes a JSON result to
-- $HOST_RESULT.  Exit status: 0 all good, 1 a check failed, 2 timed out.
-- luacheck: globals love
local root = assert(os.getenv("OPENROUTER_ROOT"), "OPENROUTER_ROOT")
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/jit/?.so;" .. package.cpath
local openrouter = require("openrouter")
local cjson = require("cjson")

local client = openrouter.new{ loop = "manual", base_url = os.getenv("MOCK_URL"), api_key = "sk-or-test" }
local R = { frames = 0, max_update_ms = 0, updates = 0 }
local prompt = string.rep("The game keeps drawing while the words arrive. ", 6)
local npc = ""
local pending = 0
local started

local function finish(code)
  R.exit = code
  local f = assert(io.open(assert(os.getenv("HOST_RESULT")), "w"))
  f:write(cjson.encode(R))
  f:close()
  love.event.quit(code)
end

local function one_done()
  pending = pending - 1
  if pending == 0 then
    local ok = R.iter_ok and R.cb_ok and R.chat_ok and R.many_ok
    finish(ok and 0 or 1)
  end
end

function love.load()
  started = love.timer.getTime()
  -- 1. iterator inside openrouter.async: moves on as client:update() brings data
  pending = pending + 1
  openrouter.async(function()
    local ok, err = pcall(function()
      local s = assert(client:stream({ model = "mock/echo", messages = { { role = "user", content = prompt } } },
        { headers = { ["X-Mock-Delay-Ms"] = "10" } }))
      for text in s:text() do npc = npc .. text end
    end)
    R.iter_ok = ok and npc == prompt
    R.iter_err = not ok and tostring(err) or nil
    one_done()
  end)
  R.async_returned_running = true
  -- 2. callbacks, coalesced
  pending = pending + 1
  local parts, calls = {}, 0
  client:stream({ model = "mock/lorem", messages = { { role = "user", content = "x" } } }, {
    headers = { ["X-Mock-Tokens"] = "60", ["X-Mock-Delay-Ms"] = "3" },
    coalesce_ms = 25,
    on_text = function(t) calls = calls + 1; parts[#parts + 1] = t end,
    on_done = function(final)
      R.cb_ok = table.concat(parts) == final.choices[1].message.content and calls >= 2
      R.cb_calls = calls
      one_done()
    end,
    on_error = function(e) R.cb_err = tostring(e); one_done() end,
  })
  -- 3. non-streaming chat with callbacks
  pending = pending + 1
  client:chat({ model = "mock/echo", messages = { { role = "user", content = "hello npc" } } }, {
    on_done = function(res) R.chat_ok = res.choices[1].message.content == "hello npc"; one_done() end,
    on_error = function(e) R.chat_err = tostring(e); one_done() end,
  })
  -- 4. eight more streams at once
  pending = pending + 1
  local left, good = 8, 0
  for i = 1, 8 do
    openrouter.async(function()
      local s = assert(client:stream({ model = "mock/echo", messages = { { role = "user", content = "npc " .. i } } },
        { headers = { ["X-Mock-Delay-Ms"] = "5" } }))
      local final = s:result()
      if final and final.choices[1].message.content == "npc " .. i then good = good + 1 end
      left = left - 1
      if left == 0 then R.many_ok = good == 8; one_done() end
    end)
  end
end

function love.update()
  local t0 = love.timer.getTime()
  local ok, err = pcall(client.update, client)
  local ms = (love.timer.getTime() - t0) * 1000
  if not ok then R.update_error = tostring(err); return finish(1) end
  R.updates = R.updates + 1
  if ms > R.max_update_ms then R.max_update_ms = ms end
  if love.timer.getTime() - started > 30 then R.timed_out = true; finish(2) end
end

function love.draw()
  R.frames = R.frames + 1
  love.graphics.printf(npc, 10, 10, 460)
end
