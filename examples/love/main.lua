-- An NPC whose dialogue streams in while the game keeps drawing.
--
--   OPENROUTER_API_KEY=sk-or-... OPENROUTER_ROOT=/path/to/openrouter love examples/love
--   (simulator: OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1, model mock/echo)
--
-- loop = "manual": nothing happens between frames; client:update() in
-- love.update moves the request on without ever blocking the frame, and
-- the openrouter.async coroutine below resumes as the words arrive.
-- Keys: space asks again, escape cancels the current line, q quits.
-- OPENROUTER_EXAMPLE_AUTOQUIT=1 (used by its spec): quit when the first
-- line is complete; exit status 0 when it is, 1 on an error.
-- luacheck: globals love
local root = os.getenv("OPENROUTER_ROOT")
if root then
  package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
  package.cpath = root .. "/build/jit/?.so;" .. package.cpath
end
local openrouter = require("openrouter")

local simulated = os.getenv("OPENROUTER_BASE_URL") ~= nil
local autoquit = os.getenv("OPENROUTER_EXAMPLE_AUTOQUIT") == "1"
local client = openrouter.new{ loop = "manual", app_title = "openrouter LÖVE example" }

local npc = { x = 320, y = 220, phase = 0, line = "", status = "idle", stream = nil }
local questions = {
  "Greet the traveller in one sentence, as a grumpy blacksmith.",
  "Tell the traveller, in two sentences, where the dragon sleeps.",
}
local asked = 0
local slowest = 0

local function ask()
  if npc.stream then npc.stream:cancel() end
  asked = asked % #questions + 1
  npc.line, npc.status = "", "thinking"
  openrouter.async(function()
    local s, err = client:stream{
      model = simulated and "mock/echo" or "openai/gpt-4o-mini",
      messages = { { role = "user", content = questions[asked] } },
      max_tokens = 120,
    }
    if not s then npc.status = "error: " .. tostring(err); return end
    npc.stream = s
    npc.status = "talking"
    local ok, e = pcall(function()
      for text in s:text() do npc.line = npc.line .. text end   -- resumes inside client:update()
    end)
    if npc.stream ~= s then return end   -- a newer question took over
    npc.stream = nil
    if ok then
      npc.status = "done"
    elseif type(e) == "table" and e.kind == "cancelled" then
      npc.status = "interrupted"
    else
      npc.status = "error: " .. tostring(e)
    end
    if autoquit then
      print(npc.line)
      print(("[slowest update %.2f ms]"):format(slowest))
      love.event.quit(ok and 0 or 1)
    end
  end)
end

function love.load()
  love.graphics.setBackgroundColor(0.1, 0.12, 0.16)
  ask()
end

function love.update(dt)
  local t0 = love.timer.getTime()
  client:update()                        -- never blocks
  slowest = math.max(slowest, (love.timer.getTime() - t0) * 1000)
  npc.phase = npc.phase + dt * 3         -- the world keeps moving
end

function love.keypressed(key)
  if key == "space" then ask()
  elseif key == "escape" and npc.stream then npc.stream:cancel()
  elseif key == "q" then love.event.quit() end
end

function love.draw()
  local bob = math.sin(npc.phase) * 6
  love.graphics.setColor(0.9, 0.7, 0.3)
  love.graphics.circle("fill", npc.x, npc.y + bob, 28)
  love.graphics.setColor(1, 1, 1)
  love.graphics.rectangle("line", 20, 20, 600, 130, 8)
  love.graphics.printf(npc.line, 32, 32, 576)
  love.graphics.setColor(0.6, 0.6, 0.6)
  love.graphics.print(("[%s]  space: ask again  escape: interrupt  q: quit"):format(npc.status), 20, 330)
end
