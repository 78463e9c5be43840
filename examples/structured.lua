-- Structured outputs: the answer as a table checked against a JSON Schema,
-- and partial tables while it streams (to fill a form as the model writes).
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/structured.lua [model]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/structured.lua
--
-- Against the simulator the model is mock/echo, which answers with the
-- prompt: the prompt is then the JSON a real model would write.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local model = arg[1] or (base and "mock/echo" or "openai/gpt-4o-mini")
local prompt = base
  and '{"title": "Pancakes", "servings": 4, "ingredients": [{"name": "flour", "grams": 250},'
    .. ' {"name": "milk", "grams": 500}, {"name": "eggs", "grams": 120}]}'
  or "Give me a simple pancake recipe."

local RECIPE = {
  type = "object",
  additionalProperties = false,
  required = { "title", "servings", "ingredients" },
  properties = {
    title = { type = "string" },
    servings = { type = "integer", minimum = 1 },
    ingredients = {
      type = "array",
      items = {
        type = "object",
        additionalProperties = false,
        required = { "name", "grams" },
        properties = { name = { type = "string" }, grams = { type = "number" } },
      },
    },
  },
}

local req = {
  model = model,
  messages = { { role = "user", content = prompt } },
  response_format = { type = "json_schema", json_schema = { name = "recipe", strict = true, schema = RECIPE } },
}

-- 1. chat: message.parsed is the validated table
local res, err = client:chat(req)
if not res then
  io.stderr:write(tostring(err), "\n")        -- kind "output": err.errors lists paths and messages
  os.exit(1)
end
local recipe = res.choices[1].message.parsed
print(("%s for %d:"):format(recipe.title, recipe.servings))
for _, item in ipairs(recipe.ingredients) do print(("  %4d g  %s"):format(item.grams, item.name)) end

-- 2. stream:objects(): a partial table each time the JSON so far means more
local n = 0
local last
for obj in assert(client:stream(req)):objects() do
  n = n + 1
  last = obj
  io.write(("\rform: title=%-12s ingredients=%d "):format('"' .. (obj.title or "") .. '"',
    obj.ingredients and #obj.ingredients or 0))
  io.flush()
end
print(("\n%d partial tables; the last is the validated recipe: %s, %d ingredients"):format(
  n, last.title, #last.ingredients))

-- 3. a mismatch: servings must be an integer >= 1
if base then
  local bad = {}
  for k, v in pairs(req) do bad[k] = v end
  local toast = '{"title": "Toast", "servings": 0, "ingredients": [{"name": "bread"}]}'
  bad.messages = { { role = "user", content = toast } }
  local _, e = client:chat(bad)
  print("mismatch: " .. tostring(e))
end
