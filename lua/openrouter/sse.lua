--- Incremental Server-Sent-Events parser (WHATWG HTML, "Parsing an event
--- stream"), backed by the C core. Feed it bytes in pieces of any size: the
--- events never depend on how the stream was split.
---
---     local p = require("openrouter.sse").new{ max_event_bytes = 1048576 }
---     for _, ev in ipairs(p:feed(bytes)) do print(ev.type, ev.data, ev.id) end
---     local clean, reason = p:finish()
local core = require("openrouter.core")

---@class openrouter.SseEvent
---@field type string  event type; "message" when the event had no (or an empty) `event` field
---@field data string  the event's data lines joined with "\n"
---@field id string    the last event ID at dispatch; "" when none

---@class openrouter.SseOptions
---@field max_event_bytes? integer  limit for one event: data + type + the line being read (default 1048576)

---A parser (userdata "openrouter.sse").
---`feed(bytes)` returns the events completed by these bytes (maybe none); it raises
---only on misuse (bytes not a string, a closed parser). Once an error is sticky,
---it returns the events dispatched before the error, then empty arrays.
---`finish()` ends the stream: true, or false + reason ("incomplete event discarded",
---or the sticky error with its byte offset); the parser may then be fed a new stream
---(a reconnection: the BOM is checked again, `last_event_id` and `retry` persist).
---`error()` returns nil, or the sticky error's reason ("event too big", "out of memory")
---and the byte offset in the stream where it arose.
---`close()` frees the buffers now (also done by __gc and __close); idempotent.
---@class openrouter.SseParser
---@field last_event_id string|nil  the last event ID string; nil when empty (never set, or reset by an empty `id`)
---@field retry integer|nil         reconnection time in ms from the last valid `retry` field; nil when never set
---@field comments integer          comment lines seen (OpenRouter sends `: OPENROUTER PROCESSING` keep-alives)
---@field feed fun(self: openrouter.SseParser, bytes: string): openrouter.SseEvent[]
---@field finish fun(self: openrouter.SseParser): boolean, string?
---@field error fun(self: openrouter.SseParser): string?, integer?
---@field close fun(self: openrouter.SseParser)

local M = {}

---A new parser.
---@param opts? openrouter.SseOptions
---@return openrouter.SseParser
function M.new(opts)
  return core.sse_new(opts)
end

return M
