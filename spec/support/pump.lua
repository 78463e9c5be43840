-- Pump client:update() until cond() holds; fail after `seconds` (default 10).
local core = require("openrouter.core")

return function(client, cond, seconds)
  local deadline = core.now() + (seconds or 10)
  while not cond() do
    assert(core.now() < deadline, "timed out waiting")
    client:update()
    core.sleep(0.001)
  end
end
