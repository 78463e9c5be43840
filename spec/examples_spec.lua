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

  it("multimodal.lua sends an image, a PDF and audio", function()
    local out, code = run("examples/multimodal.lua")
    assert.are.equal(0, code, out)
    assert.truthy(out:find("image: image/png, %d+ characters of data URL"), out)
    assert.truthy(out:find("file:  hello.pdf, %d+ characters of data URL"), out)
    assert.truthy(out:find("audio: wav, %d+ characters of base64"), out)
    assert.truthy(out:find("Describe the image, the document and the sound in one line each.", 1, true), out)
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
end)
