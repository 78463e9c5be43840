--- The client's request schemas (lua/openrouter/schemas/*.lua) and the
-- measured values (bench/prepare/values.lua) as JSON, for ajv in
-- bench/node/prepare.mjs: the same schema and the same values on both sides.
--
--   lua bench/prepare/schemas_json.lua DIR
--     -> DIR/provider.json, DIR/chat_request.json, DIR/values.json
local cjson = require("cjson")

local dir = assert(arg[1], "usage: schemas_json.lua DIR")
local function write(name, value)
  local f = assert(io.open(dir .. "/" .. name .. ".json", "w"))
  f:write(cjson.encode(value), "\n")
  f:close()
end
for _, name in ipairs{ "provider", "chat_request" } do
  write(name, require("openrouter.schemas." .. name))
end
write("values", require("prepare.values"))
