-- One chat completion, not streamed.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/chat.lua [model] [prompt]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/chat.lua
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local model = arg[1] or (base and "mock/echo" or "openai/gpt-4o-mini")
local prompt = arg[2] or "Say hello in three languages."

local res, err = client:chat{
  model = model,
  messages = {
    { role = "system", content = "You are terse." },
    { role = "user", content = prompt },
  },
}
if not res then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
print(res.choices[1].message.content)
local u = res.usage or {}
print(string.format("[%s via %s] %d tokens, cost $%.6f, generation %s",
  tostring(res.model), tostring(res.provider), u.total_tokens or 0, u.cost or 0, tostring(res.id)))
