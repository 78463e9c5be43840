-- Failures: every one is an error object (kind, status, code, message,
-- retryable, ...) that prints readably; retries happen on their own.
--
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/errors.lua
--
-- The simulator fails on request: the X-Mock-Fault header, sent per call
-- through opts.headers, names the failure (see the README's simulator
-- section).  The real API fails less to order, so this example wants one.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
if not base then
  io.stderr:write("set OPENROUTER_BASE_URL to a simulator (mock/bin/openrouter-mock --port 0)\n")
  os.exit(2)
end

local client = openrouter.new{
  api_key = os.getenv("OPENROUTER_API_KEY") or "sk-or-simulator",
  app_title = "openrouter-lua examples",
  max_retries = 2,                          -- the default: 2 more tries after the first
}
local req = { model = "mock/lorem", messages = { { role = "user", content = "Tell me something." } },
              max_tokens = 12 }

-- `times=N` faults only the first N requests of a scenario; a fresh
-- scenario name per run keeps reruns against one simulator alike.
local run = tostring(os.time()) .. "-" .. tostring(math.random(1e9))
local function fault(spec, scenario)
  return { headers = { ["X-Mock-Fault"] = spec, ["X-Mock-Scenario"] = scenario and (scenario .. run) or nil } }
end

-- 1. a 503, then success: retried after a pause (0.5 s x 2^n, or the
--    server's Retry-After), and you only see the answer
local res, err = client:chat(req, fault("status=503;times=1", "once-"))
print("1. after one 503: " .. (res and ("answered by " .. res.model) or tostring(err)))

-- 2. a 503 every time: the error comes back after every try; err.attempts
--    lists them.  (retry_after=0: the server asks for no pause)
res, err = client:chat(req, fault("status=503;retry_after=0"))
assert(res == nil)
print("2. " .. tostring(err))
print(("   kind %s, status %d, retryable %s, %d attempts"):format(err.kind, err.status,
  tostring(err.retryable), #err.attempts))

-- 3. per call, max_retries = 0 gives up at once
res, err = client:chat(req, { max_retries = 0, headers = { ["X-Mock-Fault"] = "status=429;retry_after=0" } })
assert(res == nil)
print(("3. 429 with max_retries = 0: %d attempt, retryable %s"):format(#err.attempts, tostring(err.retryable)))

-- 4. a 400 is never retried: asking again cannot help
res, err = client:chat(req, fault("status=400"))
assert(res == nil)
print(("4. %s: code %s, retryable %s, %d attempt"):format(err.kind, tostring(err.code), tostring(err.retryable),
  #err.attempts))

-- 5. a stream that fails midway (an error chunk inside the 200): no retry,
--    since text already reached you; err.partial is what had arrived
local stream = assert(client:stream(req, fault("midstream_error")))
local got = {}
local ok, serr = pcall(function()
  for text in stream:text() do got[#got + 1] = text end
end)
assert(not ok)
print(("5. %s after %d deltas"):format(tostring(serr), #got))
print(("   err.partial holds %q"):format(serr.partial.choices[1].message.content))

-- 6. the connection reset after 600 bytes: a network error, retryable in
--    itself, but a stream is retried only before its first chunk;
--    stream:result() returns it (rather than raising) with the partial response
stream = assert(client:stream(req, fault("reset_after_bytes=600")))
res, err = stream:result()
assert(res == nil)
print(("6. %s error (%s), retryable %s, partial %q"):format(err.kind, tostring(err.code),
  tostring(err.retryable), err.partial.choices[1] and err.partial.choices[1].message.content or ""))

-- 7. errors are tables you can test; openrouter.errors.is tells them apart
print("7. is an error object: " .. tostring(openrouter.errors.is(err)) .. ", a string is not: "
  .. tostring(openrouter.errors.is("oops")))
