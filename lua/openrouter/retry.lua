--- Retry policy: which failures are tried again, and after how long.  One
-- place for chat() (and every JSON request) and for streams.
--
--   local policy = retry.new(max_retries)
--   -- after a failed attempt:
--   local delay = policy:failed(err)     -- seconds to wait, or nil: give up
--                                        -- (then err.attempts lists every try)
--
-- A failure is retried when the error is `retryable` (408/409/429/5xx/524/
-- 529 and connection errors, see openrouter.errors), tries are left, and
-- the server's hint (Retry-After...) is at most BACKOFF.max_hint seconds.
-- Streams are retried only before their first chunk.

local M = {}

--- Seconds: the first delay, the longest, the random part taken off each
--- (a fraction), and the longest server hint still waited for.
M.BACKOFF = { base = 0.5, cap = 8, jitter = 0.25, max_hint = 60 }

--- Backoff before retry `attempt` (1-based): base * 2^(attempt-1), capped,
--- minus up to `jitter` of it; a server hint wins.
---@param attempt integer
---@param hint number|nil
---@return number
function M.backoff(attempt, hint)
  local b = M.BACKOFF
  if hint then return hint end
  local d = math.min(b.base * 2 ^ (attempt - 1), b.cap)
  return d - d * b.jitter * math.random()
end

--- Should `err` be retried after `attempt` tries (1-based) with
--- `max_retries` allowed?  The delay, or nil.
---@param err openrouter.Error
---@param attempt integer
---@param max_retries integer
---@return number|nil
function M.delay(err, attempt, max_retries)
  if attempt > max_retries or not err.retryable then return nil end
  local hint = err.retry_after
  if hint and hint > M.BACKOFF.max_hint then return nil end
  return M.backoff(attempt, hint)
end

---@class openrouter.RetryPolicy
---@field attempts table   one { status=, kind=, delay= } per failed try
local Policy = {}
Policy.__index = Policy

--- A policy for one request.
---@param max_retries integer
---@return openrouter.RetryPolicy
function M.new(max_retries)
  return setmetatable({ max_retries = max_retries or 0, attempts = {} }, Policy)
end

--- Record a failed attempt.  Returns the delay before the next one, or nil
--- when the request gives up (then err.attempts is the list of attempts).
--- `allowed` = false: this failure may not be retried whatever it is.
---@param err openrouter.Error
---@param allowed boolean|nil
---@return number|nil
function Policy:failed(err, allowed)
  local n = #self.attempts + 1
  local delay = nil
  if allowed ~= false then delay = M.delay(err, n, self.max_retries) end
  self.attempts[n] = { status = err.status, kind = err.kind, delay = delay }
  if not delay then err.attempts = self.attempts end
  return delay
end

return M
