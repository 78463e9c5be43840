-- Stream a chat completion: the text appears as it is generated, then the
-- usage and cost.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/stream.lua [model] [prompt]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/stream.lua
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{
  api_key = key or "sk-or-simulator",       -- the simulator wants a key, any key
  app_title = "openrouter-lua examples",
}
local model = arg[1] or (base and "mock/lorem" or "openai/gpt-4o-mini")
local prompt = arg[2] or "Write four lines about the Lua programming language."

local stream, err = client:stream{
  model = model,
  messages = { { role = "user", content = prompt } },
  max_tokens = 48,
}
if not stream then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end

for text in stream:text() do
  io.write(text)
  io.flush()
end

local final, ferr = stream:result()
if not final then
  io.stderr:write("\n", tostring(ferr), "\n")
  os.exit(1)
end
local u = final.usage or {}
print(string.format("\n\n[%s via %s] %d prompt + %d completion tokens, cost $%.6f, finish: %s",
  tostring(final.model), tostring(final.provider), u.prompt_tokens or 0, u.completion_tokens or 0,
  u.cost or 0, tostring(final.choices[1] and final.choices[1].finish_reason)))
