--- Request preparation on this client: validate + encode one value, the way
-- client:chat() / client:stream() make a request body.
--
--   lua bench/prepare/client.lua ITERS RUNS
--
-- Prints RESULT case=request|provider ns= wall_ns= path= : nanoseconds of
-- CPU (os.clock: robust on a loaded machine) per call, the median of RUNS
-- runs of ITERS calls each; wall_ns the same in wall time.  The path is the
-- client's own: openrouter.validate.prepare (the body of client:chat) and
-- prepare_provider (a provider object alone), which validate and encode in
-- one walk (src/schema_encode.c).  Each first shows it is live: an invalid
-- value fails, and the text is what the codec writes for the value.
local uv = require("luv")
local B = require("benchlib")
local values = require("prepare.values")
local validate = require("openrouter.validate")
local json = require("openrouter.json")

local iters, runs = tonumber(arg[1]) or 100000, tonumber(arg[2]) or 5

-- the schemas are live: an invalid value fails
assert(not validate.prepare_provider{ sort = "cheapest" })
assert(not validate.prepare{ model = "gpt-4o", messages = {} })

local cases = {
  { "request", validate.prepare, values.request },
  { "provider", validate.prepare_provider, values.provider },
}

for _, c in ipairs(cases) do
  local name, prepare, value = c[1], c[2], c[3]
  local body = assert(prepare(value))
  assert(#body == #assert(json.encode(value)), "the body is the value's JSON")
  for _ = 1, math.floor(iters / 10) do prepare(value) end    -- warm up
  local ns, wall = {}, {}
  for r = 1, runs do
    local c0, t0 = os.clock(), uv.hrtime()
    for _ = 1, iters do prepare(value) end
    ns[r] = (os.clock() - c0) * 1e9 / iters
    wall[r] = (uv.hrtime() - t0) / iters
  end
  B.result{ case = name, ns = B.median(ns), wall_ns = B.median(wall), path = "validate.prepare" }
end
