-- Every example runs against the simulator, so none can rot.
local mock = require("support.mock_server")

describe("examples", function()
  local srv
  setup(function() srv = mock.start() end)
  teardown(function() if srv then srv.stop() end end)

  local function run(script, args)
    local v = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
    local lua = v == "jit" and "luajit" or ("lua" .. v)
    local cmd = ("OPENROUTER_BASE_URL=%q OPENROUTER_API_KEY=sk-or-examples LUA_PATH=%q LUA_CPATH=%q %s %s %s 2>&1")
      :format(srv.url, package.path, package.cpath, lua, script, args or "")
    local p = io.popen(cmd .. "; echo \"exit=$?\"")
    local out = p:read("*a")
    p:close()
    return out, tonumber(out:match("exit=(%d+)%s*$"))
  end

  it("chat.lua answers", function()
    local out, code = run("examples/chat.lua", "mock/echo 'hello from the spec'")
    assert.are.equal(0, code, out)
    assert.truthy(out:find("hello from the spec", 1, true), out)
    assert.truthy(out:find("via Mock", 1, true), out)
  end)

  it("stream.lua streams and prints usage and cost", function()
    local out, code = run("examples/stream.lua")
    assert.are.equal(0, code, out)
    assert.truthy(out:find("completion tokens, cost %$"), out)
    assert.truthy(out:find("finish: stop", 1, true), out)
  end)

  it("provider_routing.lua walks every option", function()
    local out, code = run("examples/provider_routing.lua")
    assert.are.equal(0, code, out)
    assert.truthy(out:find("order Together, DeepInfra%s+%-> mistralai/mixtral%-8x7b%-instruct via Together"), out)
    assert.truthy(out:find("falls back%s+%-> [^\n]* via DeepInfra"), out)
    assert.truthy(out:find("only Azure%s+%-> openai/gpt%-4o via Azure"), out)
    assert.truthy(out:find("did you mean 'allow_fallbacks'", 1, true), out)
    assert.is_nil(out:find("Provider B", 1, true), out)
  end)

  it("tools.lua runs tools in chat and stream", function()
    local out, code = run("examples/tools.lua")
    assert.are.equal(0, code, out)
    assert.truthy(out:find('step 1: get_weather({"city":"Oslo"}) -> {"city":"Oslo","celsius":4}', 1, true), out)
    assert.truthy(out:find("2 steps, 5 messages in the history", 1, true), out)
    assert.truthy(out:find("[calling convert_temperature", 1, true), out)
    assert.truthy(out:find("[2 steps, finish: stop]", 1, true), out)
  end)

  it("structured.lua validates, streams partial tables and reports a mismatch", function()
    local out, code = run("examples/structured.lua")
    assert.are.equal(0, code, out)
    assert.truthy(out:find("Pancakes for 4:", 1, true), out)
    assert.truthy(out:find("%d+ partial tables; the last is the validated recipe: Pancakes, 3 ingredients"), out)
    assert.truthy(out:find("servings: expected a number >= 1, got 0", 1, true), out)
  end)

  it("conversation.lua keeps the history across turns and forks", function()
    local out, code = run("examples/conversation.lua")
    assert.are.equal(0, code, out)
    assert.truthy(out:find("history: system user assistant user assistant tool tool assistant user assistant", 1,
      true), out)
    assert.truthy(out:find("fork: Forget my name.", 1, true), out)
    assert.truthy(out:find("usage: 4 requests", 1, true), out)
  end)
end)
