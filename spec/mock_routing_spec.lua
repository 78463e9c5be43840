-- The simulator's provider routing, one spec per example of OpenRouter's
-- provider-routing documentation, checked with raw HTTP requests through the
-- library's transport (support.raw_http), on one keep-alive session.
-- X-Mock-Route lists the provider slugs in the order the router tried them
-- (up to the one that served); X-Mock-Down makes providers fail, so the
-- whole planned order can be observed.
local mock_server = require("support.mock_server")
local raw = require("support.raw_http")
local cjson = require("cjson")

local srv, conn

local function ask(body, headers)
  headers = headers or {}
  headers.Authorization = "Bearer sk-or-v1-routing"
  body.messages = body.messages or { { role = "user", content = "Hello" } }
  local r = conn:request{ method = "POST", path = "/chat/completions", headers = headers,
    body = cjson.encode(body) }
  assert.is_true(r.complete, r.error)
  local b = cjson.decode(r.body)
  local route = {}
  for s in (r.headers["x-mock-route"] or ""):gmatch("[^,]+") do route[#route + 1] = s end
  return { status = r.status, body = b, route = route, provider = b.provider, model = b.model,
    route_models = r.headers["x-mock-route-models"] }
end

-- Every endpoint of a model fails: the 503 shows the complete planned order.
local function planned(body, slugs, headers)
  headers = headers or {}
  headers["X-Mock-Down"] = table.concat(slugs, ",")
  local a = ask(body, headers)
  assert.are.equal(503, a.status)
  return a.route
end

local function endpoints(model)
  local r = conn:request{ method = "GET", path = "/models/" .. model .. "/endpoints" }
  local out = {}
  for _, e in ipairs(cjson.decode(r.body).data.endpoints) do out[e.tag] = e end
  return out
end

local function no_endpoints(a, pattern)
  assert.are.equal(503, a.status)
  assert.are.equal(503, a.body.error.code)
  assert.truthy(a.body.error.message:find(pattern), a.body.error.message)
  assert.are.same({}, a.route)
end

local MIXTRAL = "mistralai/mixtral-8x7b-instruct"
local L8 = "meta-llama/llama-3.1-8b-instruct"
local L70 = "meta-llama/llama-3.3-70b-instruct"
local R1 = "deepseek/deepseek-r1"
local L70_ALL = { "deepinfra", "lambda", "together", "groq", "fireworks" }

describe("simulated provider routing", function()
  setup(function()
    srv = mock_server.start()
    conn = raw.session(srv.url)
  end)
  teardown(function()
    conn:close()
    srv.stop()
  end)

  describe("catalog", function()
    it("serves each model from several providers with routing attributes", function()
      local mix = endpoints(MIXTRAL)
      assert.truthy(mix.together and mix.deepinfra and mix.fireworks)
      assert.is_nil(mix.openai)
      local collects, private = false, false
      for _, e in pairs(mix) do
        if e.data_collection == "allow" then collects = true else private = true end
      end
      assert.is_true(collects and private)
      local quants = {}
      for _, e in pairs(endpoints(L8)) do quants[e.quantization] = true end
      assert.is_true(quants.fp8 and quants.bf16)
      local gpt = endpoints("openai/gpt-4o")
      assert.truthy(gpt.openai and gpt.azure)
      local bal = endpoints("mock/balanced")
      assert.are.equal("0.000001", bal["provider-a"].pricing.prompt)
      assert.are.equal("0.000002", bal["provider-b"].pricing.prompt)
      assert.are.equal("0.000003", bal["provider-c"].pricing.prompt)
      assert.truthy(bal["provider-b"].uptime_last_30m < bal["provider-a"].uptime_last_30m)
    end)
  end)

  describe("price-based load balancing (the documented example)", function()
    it("routes first to A 9x as often as to C, never first to B", function()
      local first = { ["provider-a"] = 0, ["provider-b"] = 0, ["provider-c"] = 0 }
      for seed = 1, 2000 do
        local a = ask({ model = "mock/balanced" }, { ["X-Mock-Seed"] = tostring(seed) })
        first[a.route[1]] = first[a.route[1]] + 1
      end
      assert.are.equal(0, first["provider-b"])
      assert.are.equal(2000, first["provider-a"] + first["provider-c"])
      local ratio = first["provider-a"] / first["provider-c"]
      assert.truthy(ratio > 7.5 and ratio < 11, ("A/C = %.2f"):format(ratio))
    end)

    it("falls back from A to C, and to B (recent outages) last", function()
      local route = planned({ model = "mock/balanced" }, { "Provider A", "Provider B", "Provider C" },
        { ["X-Mock-Seed"] = "1" })
      assert.are.same({ "provider-a", "provider-c", "provider-b" }, route)
      local a = ask({ model = "mock/balanced" }, { ["X-Mock-Seed"] = "1", ["X-Mock-Down"] = "provider-a,provider-c" })
      assert.are.equal("Provider B", a.provider)
    end)

    it("draws the same route for the same X-Mock-Seed", function()
      for seed = 1, 20 do
        local h = function() return { ["X-Mock-Seed"] = tostring(seed) } end
        assert.are.same(planned({ model = L70 }, L70_ALL, h()), planned({ model = L70 }, L70_ALL, h()))
      end
    end)
  end)

  describe("order", function()
    it("skips a provider that does not host the model, tries Together, then falls back", function()
      local a = ask({ model = MIXTRAL, provider = { order = { "openai", "together" } } })
      assert.are.equal("Together", a.provider)
      assert.are.same({ "together" }, a.route)
      local b = ask({ model = MIXTRAL, provider = { order = { "openai", "together" } } },
        { ["X-Mock-Down"] = "together" })
      assert.are.equal(200, b.status)
      assert.are.equal("together", b.route[1])
      assert.are.equal(2, #b.route)
      assert.are_not.equal("Together", b.provider)
    end)

    it("with allow_fallbacks false, fails when Together fails", function()
      local prefs = { order = { "openai", "together" }, allow_fallbacks = false }
      assert.are.equal("Together", ask({ model = MIXTRAL, provider = prefs }).provider)
      local a = ask({ model = MIXTRAL, provider = prefs }, { ["X-Mock-Down"] = "together" })
      assert.are.equal(503, a.status)
      assert.are.same({ "together" }, a.route)
    end)

    it("targets a provider endpoint variant by its exact slug", function()
      local a = ask({ model = R1, provider = { order = { "deepinfra/turbo" }, allow_fallbacks = false } })
      assert.are.same({ "deepinfra/turbo" }, a.route)
      assert.are.equal("DeepInfra", a.provider)
    end)

    it("lets a base slug match its variants, and names match case-insensitively", function()
      local route = planned({ model = R1, provider = { order = { "DeepInfra" }, allow_fallbacks = false } },
        { "deepinfra" })
      table.sort(route)
      assert.are.same({ "deepinfra", "deepinfra/turbo" }, route)
    end)
  end)

  describe("allow_fallbacks: false alone", function()
    it("uses only the first choice", function()
      for seed = 1, 10 do
        local a = ask({ model = L70, provider = { allow_fallbacks = false } },
          { ["X-Mock-Seed"] = tostring(seed), ["X-Mock-Down"] = table.concat(L70_ALL, ",") })
        assert.are.equal(503, a.status)
        assert.are.equal(1, #a.route)
      end
    end)
  end)

  describe("only and ignore", function()
    it("only: ['azure'] serves GPT-4o from Azure", function()
      for seed = 1, 10 do
        local a = ask({ model = "openai/gpt-4o", provider = { only = { "azure" } } },
          { ["X-Mock-Seed"] = tostring(seed) })
        assert.are.equal("Azure", a.provider)
        assert.are.same({ "azure" }, a.route)
      end
    end)

    it("ignore: ['deepinfra'] never tries DeepInfra for Llama 3.3 70B", function()
      for seed = 1, 30 do
        local route = planned({ model = L70, provider = { ignore = { "deepinfra" } } }, L70_ALL,
          { ["X-Mock-Seed"] = tostring(seed) })
        assert.are.equal(4, #route)
        for _, s in ipairs(route) do assert.are_not.equal("deepinfra", s) end
      end
    end)

    it("answers 503 when only names providers that do not serve the model", function()
      local a = ask({ model = L70, provider = { only = { "azure" } } })
      no_endpoints(a, "No allowed providers")
      assert.are.equal("table", type(a.body.error.metadata.available_providers))
    end)
  end)

  describe("quantizations", function()
    it("['fp8'] routes Llama 3.1 8B only to fp8 endpoints", function()
      local eps = endpoints(L8)
      local fp8 = 0
      for _, e in pairs(eps) do if e.quantization == "fp8" then fp8 = fp8 + 1 end end
      for seed = 1, 20 do
        local route = planned({ model = L8, provider = { quantizations = { "fp8" } } },
          { "deepinfra", "novita", "lambda", "fireworks" }, { ["X-Mock-Seed"] = tostring(seed) })
        assert.are.equal(fp8, #route)
        for _, s in ipairs(route) do assert.are.equal("fp8", eps[s].quantization) end
      end
    end)
  end)

  describe("data policies", function()
    it("data_collection: 'deny' excludes providers that may store data", function()
      local eps = endpoints(MIXTRAL)
      for seed = 1, 20 do
        local route = planned({ model = MIXTRAL, provider = { data_collection = "deny" } },
          { "together", "deepinfra", "fireworks" }, { ["X-Mock-Seed"] = tostring(seed) })
        assert.are.equal(2, #route)
        for _, s in ipairs(route) do assert.are.equal("deny", eps[s].data_collection) end
      end
      no_endpoints(ask({ model = MIXTRAL, provider = { data_collection = "deny", only = { "fireworks" } } }),
        "data policy")
    end)

    it("zdr: true routes only to zero-data-retention endpoints", function()
      local a = ask({ model = "openai/gpt-4o", provider = { zdr = true } })
      assert.are.equal("Azure", a.provider)
      no_endpoints(ask({ model = MIXTRAL, provider = { zdr = true, ignore = { "deepinfra" } } }), "data policy")
    end)

    it("enforce_distillable_text excludes models that forbid distillation", function()
      no_endpoints(ask({ model = "openai/gpt-4o", provider = { enforce_distillable_text = true } }),
        "distillation")
      assert.are.equal(200, ask({ model = L70, provider = { enforce_distillable_text = true } }).status)
    end)
  end)

  describe("require_parameters", function()
    it("with response_format json_object, skips providers without JSON mode", function()
      local body = { model = MIXTRAL, response_format = { type = "json_object" },
        provider = { require_parameters = true } }
      local seen = {}
      for seed = 1, 40 do
        local route = planned(body, { "together", "deepinfra", "fireworks" }, { ["X-Mock-Seed"] = tostring(seed) })
        for _, s in ipairs(route) do seen[s] = true end
        assert.are.equal(2, #route)
      end
      assert.is_nil(seen.deepinfra)
      -- without require_parameters, DeepInfra still gets such requests
      local any = false
      for seed = 1, 40 do
        local a = ask({ model = MIXTRAL, response_format = { type = "json_object" } },
          { ["X-Mock-Seed"] = tostring(seed) })
        if a.route[1] == "deepinfra" then any = true end
      end
      assert.is_true(any)
    end)

    it("a request with tools goes only to tool-capable providers", function()
      local tools = { { type = "function", ["function"] = { name = "f", parameters = { type = "object" } } } }
      local eps = endpoints(L70)
      for seed = 1, 20 do
        local route = planned({ model = L70, tools = tools }, L70_ALL, { ["X-Mock-Seed"] = tostring(seed) })
        for _, s in ipairs(route) do
          local ok = false
          for _, p in ipairs(eps[s].supported_parameters) do if p == "tools" then ok = true end end
          assert.is_true(ok, s)
        end
        assert.are.equal(4, #route)  -- every provider but Lambda
      end
      no_endpoints(ask({ model = MIXTRAL, tools = tools, provider = { only = { "deepinfra" } } }), "No ")
    end)
  end)

  describe("sort, :nitro and :floor", function()
    it("sort: 'throughput' tries the fastest first, without load balancing", function()
      for seed = 1, 5 do
        assert.are.same({ "groq", "together", "fireworks", "lambda", "deepinfra" },
          planned({ model = L70, provider = { sort = "throughput" } }, L70_ALL, { ["X-Mock-Seed"] = tostring(seed) }))
      end
      assert.are.equal("Groq", ask({ model = L70, provider = { sort = "throughput" } }).provider)
    end)

    it("sort: 'price' tries the cheapest first", function()
      assert.are.same({ "lambda", "deepinfra", "groq", "together", "fireworks" },
        planned({ model = L70, provider = { sort = "price" } }, L70_ALL))
    end)

    it("sort: 'latency' tries the lowest latency first", function()
      assert.are.same({ "fireworks", "groq", "together", "deepinfra", "lambda" },
        planned({ model = L70, provider = { sort = { by = "latency" } } }, L70_ALL))
    end)

    it(":nitro is sort by throughput, and the response names the base model", function()
      assert.are.same({ "groq", "together", "fireworks", "lambda", "deepinfra" },
        planned({ model = L70 .. ":nitro" }, L70_ALL))
      local a = ask({ model = L70 .. ":nitro" })
      assert.are.equal("Groq", a.provider)
      assert.are.equal(L70, a.model)
    end)

    it(":floor is sort by price", function()
      assert.are.same(planned({ model = L70, provider = { sort = "price" } }, L70_ALL),
        planned({ model = L70 .. ":floor" }, L70_ALL))
      assert.are.equal("Lambda", ask({ model = L70 .. ":floor" }).provider)
    end)

    it("preferred_max_latency moves slower endpoints to the end", function()
      assert.are.same({ "groq", "fireworks", "lambda", "deepinfra", "together" },
        planned({ model = L70, provider = { sort = "price", preferred_max_latency = 0.3 } }, L70_ALL))
    end)
  end)

  describe("max_price", function()
    it("routes only to endpoints within the per-million prices", function()
      local eps = endpoints(L70)
      for seed = 1, 10 do
        local route = planned({ model = L70, provider = { max_price = { prompt = 0.3, completion = 0.5 } } },
          L70_ALL, { ["X-Mock-Seed"] = tostring(seed) })
        table.sort(route)
        assert.are.same({ "deepinfra", "lambda" }, route)
        for _, s in ipairs(route) do
          assert.truthy(tonumber(eps[s].pricing.prompt) * 1e6 <= 0.3 + 1e-9)
        end
      end
    end)

    it("the documented {prompt: 1, completion: 2} excludes R1's providers, 2.2 admits two", function()
      no_endpoints(ask({ model = R1, provider = { max_price = { prompt = 1, completion = 2 } } }), "max_price")
      local route = planned({ model = R1, provider = { max_price = { prompt = 1, completion = "2.2" } } },
        { "deepinfra", "deepseek", "together", "fireworks" })
      table.sort(route)
      assert.are.same({ "deepinfra", "deepseek" }, route)
    end)
  end)

  describe("models fallback", function()
    it("tries the next model when every provider of the first fails", function()
      local a = ask({ models = { "openai/gpt-4o", MIXTRAL } }, { ["X-Mock-Down"] = "openai,azure" })
      assert.are.equal(200, a.status)
      assert.are.equal(MIXTRAL, a.model)
      local tried = {}
      for k = 1, 2 do tried[#tried + 1] = a.route[k] end
      table.sort(tried)
      assert.are.same({ "azure", "openai" }, tried)
      assert.are.equal(3, #a.route)
      assert.truthy(a.route_models:find("^openai/gpt%-4o,openai/gpt%-4o," .. MIXTRAL:gsub("%-", "%%-")))
    end)

    it("accepts a whole model id in X-Mock-Down, and serves the primary when it is up", function()
      assert.are.equal(MIXTRAL, ask({ models = { "openai/gpt-4o", MIXTRAL } },
        { ["X-Mock-Down"] = "openai/gpt-4o" }).model)
      assert.are.equal("openai/gpt-4o", ask({ models = { "openai/gpt-4o", MIXTRAL } }).model)
      assert.are.equal("openai/gpt-4o", ask({ model = "openai/gpt-4o", models = { MIXTRAL } }).model)
    end)

    it("partition 'none' sorts the endpoints of all models together", function()
      local body = { models = { "mock/balanced", L70 },
        provider = { sort = { by = "throughput", partition = "none" } } }
      local a = ask(body)
      assert.are.equal(L70, a.model)
      assert.are.equal("Groq", a.provider)
      body.provider.sort.partition = "model"
      assert.are.equal("mock/balanced", ask(body).model)
    end)

    it("answers 400 when a listed model does not exist", function()
      local a = ask({ models = { "openai/gpt-4o", "no/such-model" } })
      assert.are.equal(400, a.status)
      assert.are.equal("no/such-model is not a valid model ID", a.body.error.message)
    end)
  end)

  describe("openrouter/auto", function()
    it("picks a catalog model from the prompt, deterministically", function()
      local function auto(text) return ask({ model = "openrouter/auto",
        messages = { { role = "user", content = text } } }).model end
      assert.are.equal("openai/gpt-4o", auto("please fix this Lua code"))
      assert.are.equal(R1, auto("why is the sky blue?"))
      local m = auto("tell me a story about a cat")
      assert.are_not.equal("openrouter/auto", m)
      assert.are.equal(m, auto("tell me a story about a cat"))
      assert.truthy(endpoints(m))
    end)

    it("respects the auto-router plugin's allowed_models", function()
      local a = ask({ model = "openrouter/auto", messages = { { role = "user", content = "fix my code" } },
        plugins = { { id = "auto-router", allowed_models = { MIXTRAL } } } })
      assert.are.equal(MIXTRAL, a.model)
    end)
  end)

  describe("other variants and limits", function()
    it(":free routes to the free endpoint and keeps the :free id", function()
      local a = ask({ model = L70 .. ":free" })
      assert.are.equal(L70 .. ":free", a.model)
      assert.are.equal(0, a.body.usage.cost)
    end)

    it("max_tokens beyond an endpoint's limit skips it", function()
      assert.are.same({ "lambda" }, planned({ model = L8, max_tokens = 20000 },
        { "deepinfra", "novita", "lambda", "fireworks" }))
    end)
  end)
end)
