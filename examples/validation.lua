-- Validation before sending: requests and provider preferences are checked
-- against OpenRouter's schemas, and any JSON Schema compiles to a validator.
--
--   lua examples/validation.lua                 (no server needed for 1-3)
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/validation.lua
--
-- Paths are readable and 1-based, as in Lua: messages[1].role, provider.order[2].
local openrouter = require("openrouter")

local function show(title, ok, errs)
  print(title .. ": " .. (ok and "valid" or (#errs .. " problem(s)")))
  for _, e in ipairs(errs or {}) do print(("  %s: %s"):format(e.path, e.message)) end
end

-- 1. a whole chat request (unknown top-level keys pass: new API fields are never blocked)
show("request", openrouter.validate_request{
  model = "openai/gpt-4o",
  messages = { { role = "robot", content = "Hello" } },
  temperature = 3,
  some_future_field = true,
})

-- 2. provider preferences alone, with a suggestion for a misspelt option
show("provider", openrouter.validate_provider{ allowFallbacks = false, sort = "cheapest", order = { "OpenAI" } })
show("provider", openrouter.validate_provider{ allow_fallbacks = false, sort = "price" })

-- 3. any JSON Schema (draft 7), compiled once by the C engine, then used often
local point = openrouter.schema.compile{
  type = "object",
  properties = {
    x = { type = "number" },
    y = { type = "number" },
    label = { type = "string", maxLength = 8 },
  },
  required = { "x", "y" },
  additionalProperties = false,
}
show("point", point:validate{ x = 1, y = 2 })
show("point", point:validate{ x = "1", label = "far too long", z = 0 })

-- 4. the client checks before sending: an invalid request returns nil, err
--    (kind "validation", err.errors) and nothing goes out
local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then return end
local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local bad = { model = "openai/gpt-4o-mini", messages = { { role = "user", content = "Hi" } },
              provider = { order = { "OpenAI", 42 } }, max_tokens = 0 }
local res, err = client:chat(bad)
assert(res == nil)
print(("client:chat: %s error, %d entries, retryable %s"):format(err.kind, #err.errors, tostring(err.retryable)))
print(tostring(err))
-- validate = false (per call or per client) skips the check: the server judges
res, err = client:chat(bad, { validate = false })
print("validate = false: " .. (res and "sent and answered" or ("sent, and the server said: " .. err.message)))
