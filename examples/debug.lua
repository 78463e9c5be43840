-- Tracing: `debug = true` writes each request line and its headers, the
-- status, every SSE event and the timings to stderr; `debug = function(line)`
-- gets the lines instead.  The key is [REDACTED] in every line.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/debug.lua [model]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/debug.lua
--
-- OPENROUTER_DEBUG=1 in the environment turns `debug = true` on for every
-- client that does not set it (the `openrouter` command line too).
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end
key = key or "sk-or-simulator"
local model = arg[1] or (base and "mock/lorem" or "openai/gpt-4o-mini")
local req = { model = model, messages = { { role = "user", content = "Say three words." } }, max_tokens = 3 }

-- 1. a function: keep the lines (into a log file, a buffer, ...)
local lines = {}
local client = openrouter.new{
  api_key = key,
  app_title = "openrouter-lua examples",
  debug = function(line) lines[#lines + 1] = line end,
}
assert(client:chat(req))
print(("chat: %d trace lines:"):format(#lines))
for _, line in ipairs(lines) do print("  " .. line) end

local leaked = false
for _, line in ipairs(lines) do
  if line:find(key, 1, true) then leaked = true end
end
print("the key appears in the trace: " .. tostring(leaked))

-- 2. true: the same for a stream, to stderr (an event line per chunk)
local traced = openrouter.new{ api_key = key, app_title = "openrouter-lua examples", debug = true }
local stream = assert(traced:stream(req))
local final = assert(stream:result())
print("streamed: " .. final.choices[1].message.content)
