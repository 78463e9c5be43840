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

  it("prints what the upstream provider said: metadata.provider_name and the start of metadata.raw", function()
    local raw = '{\n  "error": {\n    "code": 400,\n    "status": "INVALID_ARGUMENT"\n  }\n}\n'
    local e = errors.new{ kind = "http", status = 400, code = 400, message = "Provider returned error",
                          metadata = { provider_name = "Google AI Studio", raw = raw }, request_id = "gen-2" }
    assert.are.equal('openrouter http error (HTTP 400): Provider returned error (provider Google AI Studio:'
      .. ' { "error": { "code": 400, "status": "INVALID_ARGUMENT" } }) [gen-2]', tostring(e))
    local long = errors.new{ kind = "api", code = 502, message = "Provider returned error",
                             metadata = { raw = string.rep("x", 199) .. "\195\169" .. string.rep("y", 300) } }
    assert.are.equal("openrouter api error (code 502): Provider returned error (" .. string.rep("x", 199) .. "...)",
      tostring(long))
    assert.are.equal("openrouter http error (HTTP 403): flagged (provider OpenAI)",
      tostring(errors.new{ kind = "http", status = 403, message = "flagged",
                           metadata = { provider_name = "OpenAI", reasons = { "x" } } }))
    assert.are.equal('openrouter api error (code 502): x ({"a":[1,2]})',
      tostring(errors.new{ kind = "api", code = 502, message = "x", metadata = { raw = { a = { 1, 2 } } } }))
    assert.are.equal("openrouter api error (code 502): x (a\\x00b)",
      tostring(errors.new{ kind = "api", code = 502, message = "x", metadata = { raw = "a\0b" } }))
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
