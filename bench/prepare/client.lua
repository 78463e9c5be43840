--- Request preparation on this client: validate + encode one value, as
-- client:chat() / client:stream() do before sending.
--
--   lua bench/prepare/client.lua ITERS RUNS
--
-- Prints RESULT case=request|provider ns= wall_ns= encoder= : nanoseconds of
-- CPU (os.clock: robust on a loaded machine) per validate + encode, the
-- median of RUNS runs of ITERS calls each; wall_ns the same in wall time.
-- validate: openrouter.validate_request / validate_provider (public).
-- encode: openrouter.json.encode when that module exists (the C codec),
-- else lua-cjson's encode, which the client uses today.
local uv = require("luv")
local openrouter = require("openrouter")
local B = require("benchlib")
local values = require("prepare.values")

local iters, runs = tonumber(arg[1]) or 100000, tonumber(arg[2]) or 5

local function encoder()
  local ok, json = pcall(require, "openrouter.json")
  if ok and type(json) == "table" and type(json.encode) == "function" then
    return json.encode, "openrouter.json"
  end
  if not ok and not tostring(json):find("not found", 1, true) then error(json, 0) end
  return require("cjson").encode, "cjson"
end
local encode, encoder_name = encoder()

-- the schemas are live: an invalid value fails
assert(not openrouter.validate_provider{ sort = "cheapest" })
assert(not openrouter.validate_request{ model = "gpt-4o", messages = {} })

local cases = {
  { "request", openrouter.validate_request, values.request },
  { "provider", openrouter.validate_provider, values.provider },
}

for _, c in ipairs(cases) do
  local name, validate, value = c[1], c[2], c[3]
  local function prepare(v)
    assert(validate(v))
    return encode(v)
  end
  assert(#prepare(value) > 10)
  for _ = 1, math.floor(iters / 10) do prepare(value) end    -- warm up
  local ns, wall = {}, {}
  for r = 1, runs do
    local c0, t0 = os.clock(), uv.hrtime()
    for _ = 1, iters do prepare(value) end
    ns[r] = (os.clock() - c0) * 1e9 / iters
    wall[r] = (uv.hrtime() - t0) / iters
  end
  B.result{ case = name, ns = B.median(ns), wall_ns = B.median(wall), encoder = encoder_name }
end
