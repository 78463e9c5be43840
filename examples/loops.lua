-- Requests that never block their host: openrouter.async tasks and
-- callbacks on the luv loop, then on the manual loop pumped by hand.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/loops.lua [model]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/loops.lua
--
-- Needs lua-luv.  (docs/hosts.md: every loop, Neovim, OpenResty, LÖVE.)
-- Inside a task every waiting call (chat, stream:next, result, a retry
-- pause) yields to the loop.  On PUC Lua 5.1 a task cannot yield from a
-- `for ... in` iterator, so the tasks below read with stream:next().
local openrouter = require("openrouter")
local uv = require("luv")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local model = arg[1] or (base and "mock/lorem" or "openai/gpt-4o-mini")
local slow = base and { ["X-Mock-Delay-Ms"] = "15" } or nil     -- the simulator waits between chunks
local function req(prompt)
  return { model = model, messages = { { role = "user", content = prompt } }, max_tokens = 16 }
end

-- 1. the luv loop: two tasks and a callback stream at once, and a timer
--    that keeps ticking while they wait
local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples",
                               loop = "luv" }
local ticks = 0
local timer = uv.new_timer()
timer:start(10, 10, function() ticks = ticks + 1 end)

local streamed = openrouter.async(function()
  local s = assert(client:stream(req("Stream a short line."), { headers = slow }))
  local n = 0
  while true do
    local chunk = s:next()          -- yields to luv until a chunk is there
    if chunk == nil then break end
    n = n + 1
  end
  return n
end)
local chatted = openrouter.async(function()
  local res = assert(client:chat(req("Answer in one line.")))
  return res.choices[1].message.content
end)
local h = client:stream(req("And a callback stream."), {
  headers = slow,
  on_done = function(final) print("luv: callback stream done, finish " .. final.choices[1].finish_reason) end,
  on_error = function(err) print("luv: callback stream failed: " .. tostring(err)) end,
})
print(("luv: started; tasks %s and %s, handle %s"):format(streamed:status(), chatted:status(), h:status()))

-- run the loop until the requests are done, then stop the timer
local watch = uv.new_check()
watch:start(function()
  if streamed:status() ~= "running" and chatted:status() ~= "running" and h:status() ~= "running" then
    timer:stop(); timer:close(); watch:stop(); watch:close()
  end
end)
uv.run()
print(("luv: %d chunks streamed, chat said %q"):format(streamed:result(), chatted:result():sub(1, 20)))
print(("luv: meanwhile the timer ticked %d times"):format(ticks))
client:close()

-- 2. the manual loop: nothing moves until client:update(), which never
--    blocks; call it once per frame of your own loop
local game = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples",
                             loop = "manual" }
local line = ""
local task = openrouter.async(function()
  local s = assert(game:stream(req("Greet the traveller."), { headers = slow }))
  while true do
    local chunk = s:next()
    if chunk == nil then break end
    local c = chunk.choices and chunk.choices[1]
    if c and c.delta and type(c.delta.content) == "string" then line = line .. c.delta.content end
  end
end)
local frames = 0
while task:status() == "running" do
  game:update()                     -- moves the transfer on, resumes the task
  frames = frames + 1
  uv.sleep(5)                       -- stands in for drawing a frame
end
assert(task:status() == "done", task:error())
print(("manual: %d frames; the line: %s"):format(frames, line))

-- a task can be cancelled from outside: its request stops at once
task = openrouter.async(function()
  return game:chat(req("A reply nobody waits for."), { headers = slow })
end)
task:cancel()
game:update()
print(("manual: cancelled task: %s (%s)"):format(task:status(), tostring(task:error() and task:error().kind)))
