--- The default loop adapter: waiting blocks the calling thread inside
-- libcurl's poll, at most a second at a time (or until `deadline`).
-- Callback-style requests run to completion before the call returns.
--
-- A loop adapter is a table (docs/hosts.md describes every field):
--   wait(client, req, deadline)   -- required: let transfers progress (block or yield)
--                                 -- until req may have news or deadline passes
--   sleep(client, seconds, cond)  -- pause between retries; may end early when cond()
--   attach(client), detach(client), kick(client), check(client),
--   spawn(client, fn), report(client, msg), update(client)   -- optional
-- Event loops build theirs with openrouter.loop.driver.
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
