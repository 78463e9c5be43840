local errors = require("openrouter.errors")

describe("errors", function()
  it("makes objects with a kind, a message and retryable", function()
    local e = errors.new{ kind = "http", status = 503, message = "overloaded" }
    assert.is_true(errors.is(e))
    assert.is_true(e.retryable)
    assert.is_false(errors.new{ kind = "http", status = 400, message = "bad" }.retryable)
    assert.is_true(errors.new{ kind = "network", message = "reset" }.retryable)
    assert.is_false(errors.new{ kind = "protocol", message = "x" }.retryable)
    assert.is_false(errors.is({}))
  end)

  it("prints readably", function()
    local e = errors.new{ kind = "http", status = 429, code = 429, message = "slow down",
                          retry_after = 3, request_id = "gen-1" }
    assert.are.equal("openrouter http error (HTTP 429): slow down (retry after 3 s) [gen-1]", tostring(e))
    local v = errors.validation({ { path = "provider.sort", message = "expected string" } })
    assert.truthy(tostring(v):find("provider.sort: expected string", 1, true))
  end)

  it("validation merges duplicate entries (same path and message), keeping the first place", function()
    local v = errors.validation({
      { path = "a", message = "x" }, { path = "b", message = "y" }, { path = "a", message = "x" },
      { path = "a", message = "z" },
    })
    assert.are.same({ { path = "a", message = "x" }, { path = "b", message = "y" }, { path = "a", message = "z" } },
      v.errors)
  end)

  it("raises the object itself inside pcall", function()
    local e = errors.new{ kind = "timeout", message = "idle timeout", which = "idle" }
    local ok, got = pcall(errors.raise, e)
    assert.is_false(ok)
    assert.are.equal(e, got)
  end)
end)
