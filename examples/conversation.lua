-- Conversations: the history kept across turns, usage summed, forks.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/conversation.lua [model]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/conversation.lua
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local model = arg[1] or (base and "mock/echo" or "openai/gpt-4o-mini")

local clock = openrouter.tool{
  name = "get_time",
  description = "The current time (UTC)",
  run = function() return { utc = os.date("!%H:%M") } end,
}

-- every field but system/messages is a request default of every turn
local conv = client:conversation{ model = model, system = "You are terse.", tools = { clock }, max_tokens = 200 }

local function turn(prompt)
  print("> " .. prompt)
  local text, err = conv:say(prompt)
  if not text then
    io.stderr:write(tostring(err), "\n")
    os.exit(1)
  end
  print(text)
end

turn("My name is Ada. Say hello.")
-- with the simulator, "call ..." makes the model call the tool
turn(base and "call the clock" or "What time is it? Use the tool.")

-- a streamed turn: the reply joins the history when the stream completes
local alt = conv:fork()
io.write("> And my name? (streamed)\n")
for text in assert(conv:stream("And my name?")):text() do io.write(text) end
print()

-- the fork went on from the same history, independently
local other = assert(alt:say("Forget my name."))
print("fork: " .. other)

local roles = {}
for _, m in ipairs(conv.messages) do roles[#roles + 1] = m.role end
print(("history: %s"):format(table.concat(roles, " ")))
print(("fork: %d messages; original: %d"):format(#alt.messages, #conv.messages))
print(("usage: %d requests, %d tokens, cost $%.6f"):format(conv.usage.requests, conv.usage.total_tokens,
  conv.usage.cost))
