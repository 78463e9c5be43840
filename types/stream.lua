---@meta _
-- LuaLS definitions: streams (a chat stream, a tool run's stream, a
-- conversation turn's stream) and the running work of callback-style calls
-- and tasks (Handle, Task).

---@alias openrouter.JobStatus "running"|"done"|"error"|"cancelled"

---A streaming chat completion.  `for chunk in stream do ... end` yields the
---decoded chunks and raises the error object on failure.  Released (its
---transfer cancelled) when collected; in Lua 5.4 `local s <close> = ...`
---cancels it at the end of the block.
---@class openrouter.Stream
---@field request_id? string  the generation id (X-Generation-Id or the chunks' id)
---@overload fun(): openrouter.StreamChunk|nil
local Stream = {}

---The next decoded chunk, nil at the end.  With `timeout` (seconds): false
---when it passed and no chunk came (`next(0)` polls: the transfers take one
---non-blocking step).  Raises the error object when the stream failed
---(after the chunks that arrived before it).
---@param timeout? number
---@return openrouter.StreamChunk|false|nil
function Stream:next(timeout) end

---An iterator over the content deltas of the first choice.  With
---`{ coalesce_ms = N }` at most one string per N ms: the deltas that
---arrived in between, joined.  Raises the error object on failure.
---@param opts? openrouter.TextOptions
---@return fun(): string|nil
function Stream:text(opts) end

---An iterator over progressively completed values of the first choice's
---JSON content (structured outputs): each differs from the one before; the
---last is the validated `parsed`.  Raises the error object on a mismatch
---(kind "output") or a failure.
---@return fun(): any
function Stream:objects() end

---Read to the end: the accumulated response, shaped like client:chat's
---(content, reasoning, reasoning_details, tool_calls merged by index,
---usage, provider), or nil and the error object (`err.partial`).
---@return openrouter.ChatResponse|nil final
---@return openrouter.Error|nil err
function Stream:result() end

---What has accumulated so far (also after an error or a cancel).
---@return openrouter.ChatResponse
function Stream:partial() end

---The error that ended the stream, if any.
---@return openrouter.Error|nil
function Stream:error() end

---Close the connection now; later reads raise a "cancelled" error.
function Stream:cancel() end

---The same as stream:cancel() (and `<close>`).
function Stream:close() end

---The HTTP status (0 before the response line).
---@return integer
function Stream:status() end

---The response headers, names lower-cased.
---@return table<string, string>
function Stream:headers() end

---Transfer details: bytes, keep-alive comments, timings, HTTP version,
---events after [DONE].
---@return openrouter.StreamInfo
function Stream:info() end

---The stream of a tool run: the Stream interface over the chunks of every
---step, in order; the tools run inside the iteration between steps.
---status(), headers(), info() and request_id are the current step's.
---@class openrouter.ToolStream
---@field request_id? string  the current step's generation id
---@overload fun(): openrouter.StreamChunk|nil
local ToolStream = {}

---The next chunk of whichever step, nil at the end; with `timeout`
---(seconds), false when it passed first.  Raises the error object.
---@param timeout? number
---@return openrouter.StreamChunk|false|nil
function ToolStream:next(timeout) end

---The content deltas of the first choice, over every step.
---@param opts? openrouter.TextOptions
---@return fun(): string|nil
function ToolStream:text(opts) end

---Partial values of the JSON content (structured outputs), as on a Stream.
---@return fun(): any
function ToolStream:objects() end

---Read to the end: the final response with `steps` and `messages`, or nil
---and the error object (kind "tool" when max_steps was reached).
---@return openrouter.ChatResponse|nil final
---@return openrouter.Error|nil err
function ToolStream:result() end

---The current step's accumulation, with the steps and messages so far.
---@return openrouter.ChatResponse
function ToolStream:partial() end

---The error that ended the run, if any.
---@return openrouter.Error|nil
function ToolStream:error() end

---Cancel the current step's transfer and every later step.
function ToolStream:cancel() end

---The same as cancel().
function ToolStream:close() end

---The current step's HTTP status.
---@return integer
function ToolStream:status() end

---The current step's response headers.
---@return table<string, string>
function ToolStream:headers() end

---The current step's transfer details.
---@return openrouter.StreamInfo
function ToolStream:info() end

---The steps so far.
---@return openrouter.ToolStep[]
function ToolStream:steps() end

---A streamed conversation turn: the Stream interface over the reply; when
---it completes (the iteration ends, result()), the turn joins the history.
---@class openrouter.ConversationStream
---@field request_id? string
---@overload fun(): openrouter.StreamChunk|nil
local ConversationStream = {}

---The next chunk, nil at the end (the reply is in the history then); with
---`timeout` (seconds), false when it passed first.
---@param timeout? number
---@return openrouter.StreamChunk|false|nil
function ConversationStream:next(timeout) end

---The content deltas of the reply.
---@param opts? openrouter.TextOptions
---@return fun(): string|nil
function ConversationStream:text(opts) end

---Partial values of the reply's JSON content (structured outputs).
---@return fun(): any
function ConversationStream:objects() end

---Read to the end: the response (the turn joined the history), or nil and
---the error (it did not).
---@return openrouter.ChatResponse|nil
---@return openrouter.Error|nil
function ConversationStream:result() end

---What has accumulated so far.
---@return openrouter.ChatResponse
function ConversationStream:partial() end

---The error that ended the turn, if any.
---@return openrouter.Error|nil
function ConversationStream:error() end

---Close the connection now; the history stays as it was.
function ConversationStream:cancel() end

---The same as cancel().
function ConversationStream:close() end

---The HTTP status.
---@return integer
function ConversationStream:status() end

---The response headers.
---@return table<string, string>
function ConversationStream:headers() end

---Transfer details.
---@return openrouter.StreamInfo
function ConversationStream:info() end

---What a Handle and a Task share: work that runs, then ends "done" with
---values, or "error" / "cancelled" with an error.
---@class openrouter.Job
local Job = {}

---"running", "done", "error" or "cancelled".
---@return openrouter.JobStatus
function Job:status() end

---The error that ended it (status "error" or "cancelled"), else nil.
---@return openrouter.Error|any
function Job:error() end

---The values it ended with (status "done"); nil and the error when it
---failed; nothing while it runs.
---@return any ...
function Job:result() end

---A callback-style request (client:chat / client:stream with on_done,
---on_error, on_chunk or on_text): exactly one of on_done / on_error fires,
---once.  result() gives the final response when done.
---@class openrouter.Handle : openrouter.Job
---@field stream? openrouter.Stream|openrouter.ToolStream|openrouter.ConversationStream  the stream (stream handles)
local Handle = {}

---Cancel: the connection closes now, status() is "cancelled" at once, and
---on_error(err) with kind "cancelled" follows (unless it had finished).
function Handle:cancel() end

---What a stream has accumulated so far (stream handles), else nil.
---@return openrouter.ChatResponse|nil
function Handle:partial() end

---A task of openrouter.async.
---@class openrouter.Task : openrouter.Job
local Task = {}

---Cancel the task: the request it waits on is cancelled at once (its
---connection closed) and every later wait of the task raises a "cancelled"
---error.  No effect on a finished task.
function Task:cancel() end

---A Responses API stream: the Stream interface over typed events
---(iteration, next, text, result, partial, cancel, ...); no objects().
---@class openrouter.ResponsesStream : openrouter.Stream
