--- The default loop adapter: waiting blocks the calling thread inside
-- libcurl's poll, at most `slice` seconds at a time.
--
-- An adapter is a table with:
--   wait(client)   -- let transfers progress at least once (block or yield)
--   sleep(client, seconds)  -- pause (used between retries)

local M = { name = "blocking" }

function M.wait(client)
  client._multi:wait(1)
end

function M.sleep(client, seconds)
  local multi = client._multi
  local core = require("openrouter.core")
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
