-- Callbacks: on_chunk / on_text / on_done / on_error turn a call into a
-- handle; coalesce_ms joins small deltas; handle:cancel() stops it.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/callbacks.lua [model]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/callbacks.lua
--
-- In a plain script (the "blocking" loop) each call runs to its end before
-- it returns, so the handle is already finished; on an event loop (see
-- examples/loops.lua) it returns at once and the loop drives it.  Exactly
-- one of on_done / on_error fires, once, after every on_chunk / on_text.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local model = arg[1] or (base and "mock/lorem" or "openai/gpt-4o-mini")
local req = { model = model, messages = { { role = "user", content = "Write a few lines about Lua." } },
              max_tokens = 24 }

-- 1. every callback: chunks, text, then the accumulated response
local chunks, texts = 0, 0
local h = client:stream(req, {
  on_chunk = function() chunks = chunks + 1 end,
  on_text = function(text)
    texts = texts + 1
    io.write(text)
  end,
  on_done = function(final)
    print(("\n1. done: %d chunks, %d on_text calls, finish %s, %d tokens"):format(chunks, texts,
      tostring(final.choices[1].finish_reason), final.usage and final.usage.total_tokens or 0))
  end,
  on_error = function(err) print("\n1. failed: " .. tostring(err)) end,
})
print("   handle: " .. h:status())

-- 2. coalesce_ms: the deltas that arrive within 50 ms make one on_text
--    (X-Mock-Delay-Ms: the simulator waits 10 ms between chunks)
local deltas, calls = 0, 0
local joined = {}
client:stream(req, {
  headers = base and { ["X-Mock-Delay-Ms"] = "10" } or nil,
  coalesce_ms = 50,
  on_chunk = function(chunk)
    local c = chunk.choices and chunk.choices[1]
    if c and c.delta and type(c.delta.content) == "string" and c.delta.content ~= "" then deltas = deltas + 1 end
  end,
  on_text = function(text)
    calls = calls + 1
    joined[#joined + 1] = text
  end,
  on_done = function(final)
    print(("2. coalesced: %d deltas came as %d on_text calls, same text: %s"):format(
      deltas, calls,
      tostring(table.concat(joined) == final.choices[1].message.content)))
  end,
})

-- 3. cancel from inside a callback (the handle is its last argument):
--    the connection closes, on_error gets a "cancelled" error with the partial
h = client:stream(req, {
  on_text = function(_, handle)
    if #handle:partial().choices[1].message.content >= 10 then handle:cancel() end
  end,
  on_done = function() print("3. not reached") end,
  on_error = function(err)
    print(("3. %s; partial text %q"):format(tostring(err), err.partial.choices[1].message.content))
  end,
})
print(("   status %s, error kind %s"):format(h:status(), h:error().kind))

-- 4. a callback that raises: the request is cancelled, on_error gets kind "callback"
client:stream(req, {
  on_text = function() error("my bug") end,
  on_error = function(err) print(("4. %s error, cause: %s"):format(err.kind, tostring(err.cause))) end,
})

-- 5. chat takes on_done / on_error too, and so does a failure before any text
client:chat(req, {
  on_done = function(res) print("5. chat: " .. res.choices[1].message.content:sub(1, 20) .. "...") end,
})
client:chat(req, {
  headers = base and { ["X-Mock-Fault"] = "status=400" } or { Authorization = "Bearer sk-or-invalid" },
  on_done = function() print("5. not reached") end,
  on_error = function(err) print(("5. on_error: %s, HTTP %s"):format(err.kind, tostring(err.status))) end,
})

-- 6. openrouter.async in a plain script runs the function to its end; on
--    an event loop the same code would yield while waiting
local task = openrouter.async(function(prompt)
  local res = assert(client:chat{ model = model, messages = { { role = "user", content = prompt } },
                                  max_tokens = 5 })
  return res.usage.completion_tokens
end, "count to five")
print(("6. task %s, returned %d"):format(task:status(), task:result()))
