---@meta openrouter.sse
-- LuaLS definitions: the incremental Server-Sent-Events parser
-- (require("openrouter.sse"), also openrouter.sse), WHATWG-exact, in C.

---@class openrouter.SseEvent
---@field type string  the event type; "message" when the event had no (or an empty) `event` field
---@field data string  the data lines joined with "\n"
---@field id string    the last event ID at dispatch; "" when none

---@class openrouter.SseOptions
---@field max_event_bytes? integer  one event's limit: data + type + the line being read (default 1048576)

---A parser (a userdata).  Feed it bytes in pieces of any size: the events
---never depend on how the stream was split.
---@class openrouter.SseParser
---@field last_event_id? string  the last event ID; nil when never set or reset by an empty `id`
---@field retry? integer         reconnection time in ms from the last valid `retry` field
---@field comments integer       comment lines seen (OpenRouter's ": OPENROUTER PROCESSING" keep-alives)
local SseParser = {}

---The events these bytes complete (maybe none).  Raises only on misuse
---(bytes not a string, a closed parser); once an error is sticky, the
---events dispatched before it, then empty arrays.
---@param bytes string
---@return openrouter.SseEvent[]
function SseParser:feed(bytes) end

---End the stream: true, or false and the reason ("incomplete event
---discarded", or the sticky error with its byte offset).  The parser may
---then be fed a new stream (last_event_id and retry persist).
---@return boolean clean
---@return string|nil reason
function SseParser:finish() end

---nil, or the sticky error's reason ("event too big", "out of memory") and
---the byte offset where it arose.
---@return string|nil reason
---@return integer|nil offset
function SseParser:error() end

---Free the buffers now (also done when collected, and by `<close>`).
function SseParser:close() end

---require("openrouter.sse").
---@class openrouter.sse
local sse = {}

---A new parser.
---@param opts? openrouter.SseOptions
---@return openrouter.SseParser
function sse.new(opts) end

return sse
