-- The SSE parser on its own: bytes in, in pieces of any size, events out
-- (WHATWG rules).  The client uses it for every stream; use it for any
-- other text/event-stream source.
--
--   lua examples/sse.lua                        (no server needed)
local openrouter = require("openrouter")

local p = openrouter.sse.new{ max_event_bytes = 1024 * 1024 }   -- the limit for one event

-- A stream as OpenRouter might send it: a keep-alive comment, a reconnection
-- time, events with ids and types, a data field over two lines.
local wire = table.concat({
  ": OPENROUTER PROCESSING\n\n",
  "retry: 3000\n",
  "id: 1\ndata: {\"delta\":\"Hel\"}\n\n",
  "id: 2\r\ndata: {\"delta\":\"lo\"}\r\n\r\n",          -- CRLF works too
  "event: note\ndata: first line\ndata: second line\n\n",
  "data: [DONE]\n\n",
  "data: cut off here",                                   -- no blank line: never dispatched
})

-- feed it a few bytes at a time: the events do not depend on the split
local events = {}
for i = 1, #wire, 7 do
  for _, ev in ipairs(p:feed(wire:sub(i, i + 6))) do events[#events + 1] = ev end
end
for i, ev in ipairs(events) do
  print(("event %d: type=%s id=%s data=%s"):format(i, ev.type, ev.id, (ev.data:gsub("\n", "\\n"))))
end
print(("last_event_id %s, retry %d ms, %d comment line(s)"):format(p.last_event_id, p.retry, p.comments))

-- finish() ends the stream: false and a reason when an incomplete event was dropped
local clean, reason = p:finish()
print(("finish: %s (%s)"):format(tostring(clean), tostring(reason)))

-- the same parser can read a new stream (a reconnection): last_event_id and retry persist
for _, ev in ipairs(p:feed("data: again\n\n")) do
  print(("after reconnecting: %s, id still %s"):format(ev.data, ev.id))
end
print("finish: " .. tostring((p:finish())))
p:close()
