--- The default loop adapter: waiting blocks the calling thread inside
-- libcurl's poll, at most a second at a time (or until `deadline`).
-- Callback-style requests run to completion before the call returns (the
-- default spawn).  The adapter protocol is in openrouter.loop (init.lua).
local core = require("openrouter.core")

local M = { name = "blocking" }

function M.wait(client, _, deadline)
  local s = 1
  if deadline then
    s = deadline - core.now()
    if s > 1 then s = 1 elseif s < 0 then s = 0 end
  end
  client._multi:wait(s)
end

function M.sleep(client, seconds)
  local multi = client._multi
  local deadline = core.now() + seconds
  repeat
    local left = deadline - core.now()
    if left > 0 then multi:wait(left) end
    -- wait() returns early only when there is nothing in flight: sleep then
    if left > 0 and core.now() < deadline and multi:timeout() < 0 then
      core.sleep(deadline - core.now())
    end
  until core.now() >= deadline
end

return M
