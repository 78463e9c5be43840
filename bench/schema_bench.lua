-- ns per validation: a provider object with every field set, and a typical
-- chat request, next to reference rows that calibrate the machine.  Run from
-- the repository root, e.g.
--   LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/5.4/?.so;;" lua5.4 bench/schema_bench.lua
-- or, for one table with a column per Lua built under build/ (5.1 ... jit):
--   lua5.4 bench/schema_bench.lua all
-- An optional number sets the validations per run (default 200000).  Each
-- figure is the best of several runs: the least disturbed by other load.

local RUNS = 7

local provider = {
  order = { "openai", "deepinfra/turbo", "Together" },
  only = { "openai", "azure" },
  ignore = { "fireworks" },
  allow_fallbacks = false,
  require_parameters = true,
  data_collection = "deny",
  zdr = true,
  enforce_distillable_text = false,
  quantizations = { "fp8", "bf16" },
  sort = { by = "throughput", partition = "none" },
  preferred_min_throughput = { p50 = 100, p90 = 50 },
  preferred_max_latency = { p50 = 2, p99 = 10 },
  max_price = { prompt = 1, completion = 2, request = 0, image = "0.5", audio = 0 },
}

local request = {
  model = "openai/gpt-4o:nitro",
  messages = {
    { role = "system", content = "You are terse." },
    { role = "user", content = "What is the capital of France?" },
  },
  temperature = 0.7,
  max_tokens = 256,
  provider = { sort = "price", allow_fallbacks = true },
}

-- A request that goes through the unions: content parts, tool calls,
-- tools (a function and a server tool), a response format.
local rich = {
  model = "anthropic/claude-sonnet-4",
  messages = {
    { role = "system", content = "You are terse." },
    { role = "user", content = {
      { type = "text", text = "What is in this picture, and what is the weather there?" },
      { type = "image_url", image_url = { url = "https://example.com/a.png" } },
    } },
    { role = "assistant", content = "", tool_calls = {
      { id = "call_1", type = "function", ["function"] = { name = "get_weather", arguments = "{}" } },
    } },
    { role = "tool", tool_call_id = "call_1", content = "sunny" },
  },
  tools = {
    { type = "function", ["function"] = { name = "get_weather", parameters = { type = "object" } } },
    { type = "openrouter:web_search", parameters = { max_results = 3 } },
  },
  tool_choice = "auto",
  response_format = { type = "json_schema", json_schema = { name = "answer", schema = { type = "object" } } },
  temperature = 0.2,
  provider = { order = { "anthropic" }, allow_fallbacks = false },
}

-- Every value of a table, as any validator must visit them: the least a
-- pure-Lua walk costs.
local function walk(t, levels)
  local n = 0
  for _, v in pairs(t) do
    n = n + 1
    if type(v) == "table" and levels ~= 1 then n = n + walk(v) end
  end
  return n
end

local ROWS = {
  { "provider, every field (validator:validate)" },
  { "provider, every field (validate_provider)" },
  { "typical chat request (validate_request)" },
  { "chat with parts and tools (validate_request)" },
  { "reference: pairs() over the " .. walk(provider, 1) .. " top-level keys" },
  { "reference: Lua walk over all " .. walk(provider) .. " values" },
}

local function best_ns(f, arg, iters)
  assert(f(arg), "the benchmark input must be valid")
  for _ = 1, math.floor(iters / 10) do f(arg) end                       -- warm up
  local best = math.huge
  for _ = 1, RUNS do
    local t0 = os.clock()
    for _ = 1, iters do f(arg) end
    local ns = (os.clock() - t0) * 1e9 / iters
    if ns < best then best = ns end
  end
  return best
end

-- The figures for the running Lua, in ROWS order.
local function measure(iters)
  local validate = require("openrouter.validate")
  local schema = require("openrouter.schema")
  local pv = schema.compile(require("openrouter.schemas.provider"))
  return {
    best_ns(function(p) return pv:validate(p) end, provider, iters),
    best_ns(validate.validate_provider, provider, iters),
    best_ns(validate.validate_request, request, iters),
    best_ns(validate.validate_request, rich, iters),
    best_ns(function(p)
      for _ in pairs(p) do end
      return true
    end, provider, iters),
    best_ns(walk, provider, iters),
  }
end

local function print_table(names, columns, iters)
  local head = ("%-46s"):format(("ns per call, best of %d runs of %d"):format(RUNS, iters))
  for _, name in ipairs(names) do head = head .. ("%12s"):format(name) end
  print(head)
  for i, row in ipairs(ROWS) do
    local line = ("%-46s"):format(row[1])
    for _, col in ipairs(columns) do
      line = line .. (col[i] and ("%12.0f"):format(col[i]) or ("%12s"):format("-"))
    end
    print(line)
  end
end

local mode = arg and arg[1]
local iters = tonumber((mode == "all" or mode == "--raw") and arg[2] or mode) or 200000

if mode == "--raw" then                  -- for `all`: one figure per line
  for _, ns in ipairs(measure(iters)) do print(ns) end
elseif mode == "all" then
  local script = arg[0]
  local names, columns = {}, {}
  for _, v in ipairs({ "5.1", "5.2", "5.3", "5.4", "jit" }) do
    local lua = v == "jit" and "luajit" or "lua" .. v
    local core = io.open("build/" .. v .. "/openrouter/core.so")
    local found = io.popen("command -v " .. lua .. " 2>/dev/null"):read("*l")
    if core and found then
      core:close()
      local p = io.popen(('LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/%s/?.so;;" %s %s --raw %d')
        :format(v, lua, script, iters))
      local col = {}
      for l in p:lines() do col[#col + 1] = tonumber(l) end
      p:close()
      if #col == #ROWS then
        names[#names + 1] = v == "jit" and "LuaJIT" or "Lua " .. v
        columns[#columns + 1] = col
      end
    end
  end
  print_table(names, columns, iters)
else
  print_table({ jit and "LuaJIT" or _VERSION }, { measure(iters) }, iters)
end
