-- openrouter.validate: the provider-preferences and chat-request schemas
-- (generated from OpenRouter's OpenAPI document; spec/schemas_spec.lua checks
-- the generation itself).
local validate = require("openrouter.validate")
local null = require("cjson").null

local DASH = "\226\128\148"   -- an em dash, as the messages use

-- { [path] = first message at that path } for a failing validation.
local function errors_of(ok, errors)
  assert.is_false(ok)
  local byp = {}
  for _, e in ipairs(errors) do byp[e.path] = byp[e.path] or e.message end
  return byp
end

local function provider_errors(p) return errors_of(validate.validate_provider(p)) end

local function request(extra)
  local r = { model = "openai/gpt-4o", messages = { { role = "user", content = "hi" } } }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

local function request_errors(extra) return errors_of(validate.validate_request(request(extra))) end

describe("validate_provider", function()
  it("accepts every field set", function()
    assert.is_true(validate.validate_provider({
      order = { "openai", "deepinfra/turbo" },
      only = { "Azure" }, ignore = { "fireworks" },
      allow_fallbacks = false, require_parameters = true,
      data_collection = "deny", zdr = true, enforce_distillable_text = false,
      quantizations = { "int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8",
                        "fp16", "bf16", "fp32", "unknown" },
      sort = { by = "latency", partition = "model" },
      preferred_min_throughput = { p50 = 100, p75 = 80, p90 = 50, p99 = 10 },
      preferred_max_latency = 3,
      max_price = { prompt = 1, completion = "2.50", request = 0, image = 0.01, audio = "3" },
    }))
  end)

  it("accepts nulls where the wire schema does", function()
    assert.is_true(validate.validate_provider({
      order = null, allow_fallbacks = null, data_collection = null, sort = null,
      preferred_min_throughput = null, preferred_max_latency = { p50 = null },
      zdr = null,
    }))
    assert.is_true(validate.validate_provider(null))
    assert.is_true(validate.validate_provider({ sort = "exacto" }))
    assert.is_true(validate.validate_provider({ sort = { by = null, partition = "none" } }))
  end)

  it("suggests allow_fallbacks for allowFallbacks", function()
    local e = provider_errors({ allowFallbacks = false })
    assert.are.equal("unknown field 'allowFallbacks' in provider " .. DASH ..
      " did you mean 'allow_fallbacks'?", e["provider.allowFallbacks"])
  end)

  it("reports each kind of mistake at its path", function()
    local e = provider_errors({
      order = { "openai", 2 },
      data_collection = "maybe",
      quantizations = { "fp8", "q4" },
      sort = "cheapest",
      zdr = "yes",
      preferred_max_latency = "fast",
      max_price = { prompt = true, completion = {} },
      experimental = 1,
    })
    assert.are.equal("expected string, got number", e["provider.order[2]"])
    assert.are.equal('expected one of "deny", "allow", null, got "maybe"', e["provider.data_collection"])
    assert.matches('^expected one of "int4", "int8", .*, got "q4"$', e["provider.quantizations[2]"])
    assert.are.equal('expected one of "price", "throughput", "latency", "exacto", got "cheapest"',
      e["provider.sort"])
    assert.are.equal("expected boolean or null, got string", e["provider.zdr"])
    assert.are.equal("expected number, object or null, got string", e["provider.preferred_max_latency"])
    assert.are.equal("expected string or number, got boolean", e["provider.max_price.prompt"])
    assert.matches("^expected string or number, got ", e["provider.max_price.completion"])
    -- removed from the API in November 2025
    assert.are.equal("unknown field 'experimental' in provider", e["provider.experimental"])
  end)

  it("reports a wrong sort object field", function()
    local e = provider_errors({ sort = { by = "speed" } })
    assert.are.equal('expected one of "price", "throughput", "latency", "exacto", null, got "speed"',
      e["provider.sort.by"])
  end)

  it("rejects a provider that is not an object", function()
    local e = provider_errors("openai")
    assert.are.equal("expected object or null, got string", e["provider"])
  end)
end)

describe("validate_request", function()
  it("accepts a minimal and a rich request", function()
    assert.is_true(validate.validate_request(request()))
    assert.is_true(validate.validate_request(request({
      models = { "anthropic/claude-3.5-sonnet", "openrouter/auto", "meta-llama/llama-3.1-8b-instruct:free" },
      messages = {
        { role = "system", content = "be brief" },
        { role = "developer", content = "dev note" },
        { role = "user", content = {
          { type = "text", text = "what is this?" },
          { type = "image_url", image_url = { url = "https://x/y.png" } },
          { type = "file", file = { filename = "a.pdf", file_data = "data:..." } },
          { type = "input_audio", input_audio = { data = "AAAA", format = "wav" } },
          { type = "video_url", video_url = { url = "https://x/v.mp4" } },
        } },
        { role = "assistant", content = null,
          tool_calls = { { id = "c1", type = "function", ["function"] = { name = "f", arguments = "{}" } } } },
        { role = "tool", tool_call_id = "c1", content = "42" },
      },
      temperature = 0, top_p = 1, top_k = 0, frequency_penalty = -2, presence_penalty = 2,
      repetition_penalty = 1.1, min_p = 0.1, top_a = 0, seed = 7, max_tokens = 1,
      max_completion_tokens = 100, logit_bias = { ["50256"] = -100 }, logprobs = true,
      top_logprobs = 20,
      response_format = { type = "json_schema", json_schema = { name = "answer_v2", schema = { type = "object" } } },
      stop = { "a", "b", "c", "d" },
      tools = {
        { type = "function", ["function"] = { name = "get_weather", parameters = { type = "object" } } },
        { type = "openrouter:web_search", parameters = { max_results = 3 } },
      },
      tool_choice = { type = "function", ["function"] = { name = "get_weather" } },
      parallel_tool_calls = false,
      reasoning = { effort = "xhigh", exclude = true, enabled = true },
      provider = { order = { "openai" }, sort = "price" },
      plugins = { { id = "web" } },
      user = "u1", session_id = "s1", stream = true, stream_options = { include_usage = true },
    })))
  end)

  it("lets unknown top-level keys through", function()
    assert.is_true(validate.validate_request(request({ some_new_api_field = { 1, 2 }, transforms = { "x" } })))
  end)

  it("accepts every known model variant and openrouter/auto", function()
    assert.are.same({ "nitro", "floor", "free", "exacto", "thinking", "extended", "online" },
      validate.model_variants)
    for _, v in ipairs(validate.model_variants) do
      assert.is_true(validate.validate_request(request({ model = "openai/gpt-4o:" .. v })))
    end
    assert.is_true(validate.validate_request(request({ model = "openrouter/auto" })))
  end)

  it("accepts any model string, as the API does (other variants, no author)", function()
    assert.is_true(validate.validate_request(request({ model = "anthropic/claude-3-opus:beta" })))
    assert.is_true(validate.validate_request(request({ model = "openai/gpt-4o:turbo" })))
    assert.is_true(validate.validate_request(request({ model = "gpt-4o" })))
    assert.is_true(validate.validate_request(request({ models = { "openai/gpt-4o", "x/y:fast" } })))
  end)

  it("rejects a model that is not a string", function()
    local e = request_errors({ model = 4 })
    assert.are.equal("expected string, got number", e["model"])
    e = request_errors({ models = { "openai/gpt-4o", false } })
    assert.are.equal("expected string, got boolean", e["models[2]"])
    e = request_errors({ models = "openai/gpt-4o" })
    assert.are.equal("expected array, got string", e["models"])
  end)

  it("checks messages", function()
    assert.are.equal("missing required field 'messages'",
      errors_of(validate.validate_request({ model = "a/b" })).messages)
    assert.is_true(validate.validate_request({ model = "a/b", prompt = "hi" }))
    local e = request_errors({ messages = {} })
    assert.are.equal("expected at least 1 item, got 0", e["messages"])
    e = request_errors({ messages = {
      { role = "usr", content = "x" },
      { role = "tool", content = "r" },
      { role = "system" },
      { content = "no role" },
      { role = "user", content = { { type = "image", url = "u" } } },
      { role = "user", content = { { type = "text" } } },
      { role = "user", content = 5 },
    } })
    assert.are.equal('expected one of "system", "user", "developer", "assistant", "tool", got "usr" '
      .. DASH .. ' did you mean "user"?', e["messages[1].role"])
    assert.are.equal("missing required field 'tool_call_id'", e["messages[2].tool_call_id"])
    assert.are.equal("missing required field 'content'", e["messages[3].content"])
    assert.are.equal("missing required field 'role'", e["messages[4].role"])
    assert.matches('got "image"', e["messages[5].content[1].type"])
    assert.are.equal("missing required field 'text'", e["messages[6].content[1].text"])
    assert.are.equal("expected string or array, got number", e["messages[7].content"])
    -- an assistant turn needs neither content nor tool calls (reasoning-only, refusal)
    assert.is_true(validate.validate_request(request({ messages = {
      { role = "user", content = "q" }, { role = "assistant" }, { role = "assistant", content = null },
    } })))
  end)

  it("checks sampling ranges and integers", function()
    local e = request_errors({
      temperature = 2.5, top_p = -0.1, top_k = 1.5, frequency_penalty = -3,
      presence_penalty = 3, repetition_penalty = 2.1, min_p = 2, top_a = -1, seed = 0.5,
      max_tokens = 0, max_completion_tokens = 0, top_logprobs = 21, logprobs = "yes",
      logit_bias = { ["1"] = "x" },
    })
    assert.are.equal("expected a number <= 2, got 2.5", e.temperature)
    assert.are.equal("expected a number >= 0, got -0.1", e.top_p)
    assert.are.equal("expected integer or null, got 1.5", e.top_k)
    assert.are.equal("expected a number >= -2, got -3", e.frequency_penalty)
    assert.are.equal("expected a number <= 2, got 3", e.presence_penalty)
    assert.are.equal("expected a number <= 2, got 2.1", e.repetition_penalty)
    assert.are.equal("expected a number <= 1, got 2", e.min_p)
    assert.are.equal("expected a number >= 0, got -1", e.top_a)
    assert.are.equal("expected integer or null, got 0.5", e.seed)
    assert.are.equal("expected a number >= 1, got 0", e.max_tokens)
    assert.are.equal("expected a number >= 1, got 0", e.max_completion_tokens)
    assert.are.equal("expected a number <= 20, got 21", e.top_logprobs)
    assert.are.equal("expected boolean or null, got string", e.logprobs)
    assert.are.equal("expected number, got string", e['logit_bias["1"]'])
  end)

  it("checks response_format, stop, tools and tool_choice", function()
    local e = request_errors({
      response_format = { type = "json_schema", json_schema = { name = string.rep("n", 65) } },
      stop = { "a", "b", "c", "d", "e" },
      tools = {
        { type = "function", ["function"] = { name = string.rep("f", 65) } },
        { type = "function" },
        { ["function"] = { name = "x" } },
      },
      tool_choice = "sometimes",
    })
    assert.are.equal("expected at most 64 characters, got 65", e["response_format.json_schema.name"])
    assert.are.equal("expected at most 4 items, got 5", e.stop)
    assert.are.equal("expected at most 64 characters, got 65", e["tools[1].function.name"])
    assert.are.equal("missing required field 'function'", e["tools[2].function"])
    assert.are.equal("missing required field 'type'", e["tools[3].type"])
    assert.are.equal('expected one of "none", "auto", "required", got "sometimes"', e.tool_choice)
    e = request_errors({ response_format = { type = "json_schema" } })
    assert.are.equal("missing required field 'json_schema'", e["response_format.json_schema"])
    e = request_errors({ response_format = { type = "xml" } })
    assert.matches('got "xml"', e["response_format.type"])
  end)

  it("checks reasoning, plugins, strings and the provider object", function()
    local e = request_errors({
      reasoning = { effort = "hihg", max_tokens = 100 },
      plugins = { { name = "web" } },
      user = 1, session_id = false, stream = "yes",
      provider = { only = { "openai" }, allowFallbacks = true },
    })
    assert.are.equal('expected one of "max", "xhigh", "high", "medium", "low", "minimal", "none", null, '
      .. 'got "hihg" ' .. DASH .. ' did you mean "high"?', e["reasoning.effort"])
    assert.is_nil(e.reasoning)
    assert.are.equal("missing required field 'id'", e["plugins[1].id"])
    assert.are.equal("expected string, got number", e.user)
    assert.are.equal("expected string, got boolean", e.session_id)
    assert.are.equal("expected boolean, got string", e.stream)
    assert.are.equal("unknown field 'allowFallbacks' in provider " .. DASH ..
      " did you mean 'allow_fallbacks'?", e["provider.allowFallbacks"])
  end)
end)
