-- openrouter.retry: the backoff and the per-request policy that chat()
-- and streams share.
local retry = require("openrouter.retry")
local errors = require("openrouter.errors")

describe("retry", function()
  local function http(status, extra)
    local f = { kind = "http", status = status, message = "x" }
    for k, v in pairs(extra or {}) do f[k] = v end
    return errors.new(f)
  end

  it("backs off exponentially, capped, minus up to the jitter", function()
    local b = retry.BACKOFF
    for attempt = 1, 8 do
      local full = math.min(b.base * 2 ^ (attempt - 1), b.cap)
      for _ = 1, 20 do
        local d = retry.backoff(attempt)
        assert.is_true(d <= full and d >= full * (1 - b.jitter), attempt .. ": " .. d)
      end
    end
    assert.equal(7, retry.backoff(1, 7))          -- a server hint wins
  end)

  it("delays only retryable errors, while tries are left, for hints up to max_hint", function()
    assert.is_number(retry.delay(http(503), 1, 2))
    assert.is_number(retry.delay(errors.new{ kind = "network", message = "reset" }, 2, 2))
    assert.is_nil(retry.delay(http(503), 3, 2))      -- no tries left
    assert.is_nil(retry.delay(http(400), 1, 2))      -- not retryable
    assert.is_nil(retry.delay(errors.new{ kind = "protocol", message = "x" }, 1, 2))
    assert.equal(3, retry.delay(http(429, { retry_after = 3 }), 1, 2))
    assert.is_nil(retry.delay(http(429, { retry_after = retry.BACKOFF.max_hint + 1 }), 1, 2))
  end)

  it("a policy records every attempt and lists them on the error it gives up with", function()
    local p = retry.new(2)
    local e1, e2, e3 = http(503), http(502), http(500)
    assert.is_number(p:failed(e1))
    assert.is_number(p:failed(e2))
    assert.is_nil(p:failed(e3))
    assert.equal(3, #e3.attempts)
    assert.same({ 503, 502, 500 }, { e3.attempts[1].status, e3.attempts[2].status, e3.attempts[3].status })
    assert.is_number(e3.attempts[1].delay)
    assert.is_nil(e3.attempts[3].delay)
    assert.is_nil(e1.attempts)
  end)

  it("a policy gives up at once when the failure may not be retried", function()
    local p = retry.new(5)
    local e = http(503)
    assert.is_nil(p:failed(e, false))
    assert.same({ { status = 503, kind = "http" } }, e.attempts)
    local none = retry.new()
    local e2 = http(503)
    assert.is_nil(none:failed(e2))
    assert.equal(1, #e2.attempts)
  end)
end)
