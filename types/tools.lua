---@meta _
-- LuaLS definitions: tools with `run` (tool runs) and conversations.

---What openrouter.tool takes.
---@class openrouter.ToolSpec
---@field name string          1 to 64 of [A-Za-z0-9_-]
---@field description? string
---@field parameters? table    a JSON Schema of the arguments (default { type = "object" }), compiled once
---@field run fun(args: table, ctx: openrouter.ToolContext): any, any?  the result (a string is sent as is, anything else JSON-encoded), or nil and a message
---@field strict? boolean

---What a tool's run receives besides its arguments.
---@class openrouter.ToolContext
---@field client openrouter.Client      make further requests with it (run may wait)
---@field call openrouter.ToolCallRecord  this call
---@field step integer                  the step, 1-based
---@field messages openrouter.Message[] the history so far
---@field request openrouter.ChatRequest  the caller's request

---A tool made by openrouter.tool.  Its raw fields are the API's function
---tool, so it encodes as one; `name`, `description`, `parameters`, `strict`
---and `run` read through.
---@class openrouter.Tool
---@field type "function"
---@field function openrouter.FunctionDef
---@field name string
---@field description? string
---@field parameters table
---@field strict? boolean
---@field run fun(args: table, ctx: openrouter.ToolContext): any, any?

---@alias openrouter.ToolErrorKind "arguments"|"unknown_tool"|"run"|"result"

---What went wrong with one call; the model received it as the tool result
---`{"error": message, "errors": [...]}` and the run went on.
---@class openrouter.ToolCallError
---@field kind openrouter.ToolErrorKind
---@field message string
---@field path string
---@field errors? openrouter.SchemaError[]  arguments that fail the parameters
---@field cause? any                        run: what it raised or returned
---@field traceback? string                 run: where it raised

---The record of one tool call of a run (on_tool_call, on_tool_result,
---step.tool_calls).
---@class openrouter.ToolCallRecord
---@field id string
---@field name string
---@field step integer               the step it belongs to
---@field arguments? table           decoded (nil when not JSON)
---@field arguments_json string      as the model wrote them
---@field result? any                what run returned
---@field content? string            the tool result sent to the model
---@field error? openrouter.ToolCallError
---@field time number                seconds in run

---One request of a tool run.
---@class openrouter.ToolStep
---@field index integer                   1-based
---@field messages openrouter.Message[]    what this step's request added to the history
---@field response openrouter.ChatResponse
---@field tool_calls openrouter.ToolCallRecord[]
---@field time number                     seconds of the request
---@field tools_time? number              seconds running the tools

---What client:conversation takes: `system`, an earlier `messages`
---history, and request defaults of every turn (model, tools, temperature,
---provider, response_format, ...).
---@class openrouter.ConversationSpec : openrouter.ChatRequest
---@field system? string
---@field messages? openrouter.Message[]

---Sums over every request of every turn (tool steps too): every numeric
---usage field, plus `requests`.
---@class openrouter.ConversationUsage
---@field prompt_tokens number
---@field completion_tokens number
---@field total_tokens number
---@field cost number
---@field requests integer
---@field [string] any

---A conversation: the history kept right across turns.  A failed or
---cancelled turn leaves `messages` and `usage` unchanged.  Turns are
---sequential.
---@class openrouter.Conversation
---@field client openrouter.Client
---@field messages openrouter.Message[]        the history, ready to send
---@field usage openrouter.ConversationUsage
---@field defaults table                        request fields of every turn
local Conversation = {}

---One turn: send `text_or_parts` as the user's message.  Returns the
---reply's text and the response, or nil and the error.  In `opts`, call
---options go to the call and any other key is a request field for this
---turn; with callbacks it returns an openrouter.Handle (on_done fires after
---the history was updated).
---@param text_or_parts string|openrouter.ContentPart[]
---@param opts? openrouter.CallOptions|table
---@return string|nil text
---@return openrouter.ChatResponse|openrouter.Error|nil res_or_err
---@overload fun(self: openrouter.Conversation, text_or_parts: string|openrouter.ContentPart[], opts: openrouter.CallOptions): openrouter.Handle|nil, openrouter.Error|nil
function Conversation:say(text_or_parts, opts) end

---A streamed turn: a stream that appends the reply to the history when it
---completes, or nil and an error (nothing sent).  With callbacks in `opts`,
---an openrouter.Handle.
---@param text_or_parts string|openrouter.ContentPart[]
---@param opts? openrouter.CallOptions|table
---@return openrouter.ConversationStream|nil
---@return openrouter.Error|nil
---@overload fun(self: openrouter.Conversation, text_or_parts: string|openrouter.ContentPart[], opts: openrouter.CallOptions): openrouter.Handle|nil, openrouter.Error|nil
function Conversation:stream(text_or_parts, opts) end

---An independent copy: the history deep-copied, the usage and the request
---defaults copied (tools are shared).
---@return openrouter.Conversation
function Conversation:fork() end
