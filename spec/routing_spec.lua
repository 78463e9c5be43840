-- Requests are validated before sending; routing options go through as
-- written and the response says what served.
local openrouter = require("openrouter")
local mock = require("support.mock_server")

describe("routing through the client", function()
  local srv, c

  setup(function()
    srv = mock.start()
    c = openrouter.new{ base_url = srv.url, api_key = "sk-or-routing", max_retries = 0 }
  end)
  teardown(function() if srv then srv.stop() end end)

  local function req(model, provider, extra)
    local r = { model = model, provider = provider, max_tokens = 4,
                messages = { { role = "user", content = "hi" } } }
    for k, v in pairs(extra or {}) do r[k] = v end
    return r
  end

  it("an invalid request returns a validation error and sends nothing", function()
    -- a closed port: had anything been sent, this would be a network error
    local closed = openrouter.new{ base_url = "http://127.0.0.1:1/api/v1", api_key = "k", max_retries = 0 }
    local res, err = closed:chat(req("mistralai/mixtral-8x7b-instruct", { allowFallbacks = false }))
    assert.is_nil(res)
    assert.are.equal("validation", err.kind)
    assert.are.equal("provider.allowFallbacks", err.errors[1].path)
    assert.truthy(err.errors[1].message:find("did you mean 'allow_fallbacks'", 1, true))
    local s, serr = closed:stream(req("openai/gpt-4o", { sort = "cheapest" }))
    assert.is_nil(s)
    assert.are.equal("validation", serr.kind)
    assert.are.equal("provider.sort", serr.errors[1].path)
  end)

  it("validate = false sends it anyway", function()
    -- sent: the simulator, like the real API, answers 400 with the same verdict
    local res, herr = c:chat(req("mock/echo", nil, { temperature = 7 }), { validate = false })
    assert.is_nil(res)
    assert.are.equal("http", herr.kind)
    assert.are.equal(400, herr.status)
    assert.are.equal("temperature", herr.metadata.errors[1].path)
    local _, err = c:chat(req("mock/echo", nil, { temperature = 7 }))
    assert.are.equal("validation", err.kind)
    assert.are.equal("temperature", err.errors[1].path)
  end)

  it("unknown top-level keys pass validation", function()
    assert.is_table(assert(c:chat(req("mock/echo", nil, { some_future_field = { x = 1 } }))))
  end)

  it("order and allow_fallbacks decide the provider", function()
    local m = "mistralai/mixtral-8x7b-instruct"
    local res = assert(c:chat(req(m, { order = { "together", "deepinfra" } })))
    assert.are.equal("Together", res.provider)
    res = assert(c:chat(req(m, { order = { "together", "deepinfra" } }),
      { headers = { ["X-Mock-Down"] = "together" } }))
    assert.are.equal("DeepInfra", res.provider)
    local _, err = c:chat(req(m, { order = { "together" }, allow_fallbacks = false }),
      { headers = { ["X-Mock-Down"] = "together" } })
    assert.are.equal(503, err.status)
  end)

  it("variants and sort go through as written; the response names the base model", function()
    local m = "meta-llama/llama-3.3-70b-instruct"
    local nitro = assert(c:chat(req(m .. ":nitro")))
    local by_tp = assert(c:chat(req(m, { sort = "throughput" })))
    assert.are.equal(by_tp.provider, nitro.provider)
    assert.are.equal(m, nitro.model)
    local floor = assert(c:chat(req(m .. ":floor")))
    local by_price = assert(c:chat(req(m, { sort = "price" })))
    assert.are.equal(by_price.provider, floor.provider)
  end)

  it("a models fallback list says which model served", function()
    local res = assert(c:chat(req("mistralai/mixtral-8x7b-instruct", nil,
      { models = { "meta-llama/llama-3.1-8b-instruct" } }),
      { headers = { ["X-Mock-Down"] = "mistralai/mixtral-8x7b-instruct" } }))
    assert.are.equal("meta-llama/llama-3.1-8b-instruct", res.model)
  end)

  it("streams say what served too", function()
    local s = assert(c:stream(req("openai/gpt-4o", { only = { "azure" } })))
    local final = assert(s:result())
    assert.are.equal("Azure", final.provider)
    assert.are.equal("openai/gpt-4o", final.model)
  end)
end)
