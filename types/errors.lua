---@meta openrouter.errors
-- LuaLS definitions: error objects (require("openrouter.errors"), also
-- openrouter.errors).

---@alias openrouter.ErrorKind
---| "validation"  # the request or a header is invalid; nothing was sent (errors)
---| "http"        # the server answered 4xx/5xx (body, attempts)
---| "api"         # an error inside a 200 response, e.g. a mid-stream error chunk (chunk)
---| "network"     # connection refused or reset, DNS, TLS
---| "timeout"     # `which` timeout fired
---| "cancelled"   # stream:cancel(), handle:cancel(), task:cancel(), client:close()
---| "callback"    # a user callback raised; the request was cancelled (cause, traceback)
---| "tool"        # a tool run reached max_steps (partial, steps, messages)
---| "output"      # a structured output is not JSON or does not match its schema (errors, partial, value)
---| "protocol"    # not SSE, a bad event, a stream cut short, a limit exceeded (body)

---@alias openrouter.TimeoutKind "connect"|"first_byte"|"idle"|"total"

---One failed try of a request (err.attempts).
---@class openrouter.Attempt
---@field kind openrouter.ErrorKind
---@field status? integer
---@field delay? number  seconds waited before the next try (nil: gave up)

---Every failure a caller can meet.  Prints readably (`tostring(err)`, and
---uncaught in every Lua's standalone interpreter).
---@class openrouter.Error
---@field kind openrouter.ErrorKind
---@field message string
---@field retryable boolean            worth retrying (network errors, 408/409/429/5xx/524/529)
---@field status? integer              the HTTP status
---@field code? integer|string         OpenRouter's error code, or libcurl's reason (network)
---@field metadata? table              OpenRouter's error metadata (provider_name, raw, ...)
---@field retry_after? number          seconds the server asked to wait
---@field request_id? string           the generation id
---@field which? openrouter.TimeoutKind  timeout: the one that fired
---@field errors? openrouter.SchemaError[]  validation, output: what is wrong, where
---@field partial? openrouter.ChatResponse  streams, tool runs, outputs: what had arrived
---@field body? string                 http, protocol: the response body (or the bad event)
---@field attempts? openrouter.Attempt[]  every failed try, when a request gave up after retries
---@field chunk? openrouter.StreamChunk  api: the error chunk
---@field cause? any                   callback: what the callback raised
---@field traceback? string            callback: where
---@field steps? openrouter.ToolStep[]   tool runs: the steps so far
---@field messages? openrouter.Message[] tool runs: the history so far
---@field value? any                   output: the decoded content
---@field choice? integer              output: the choice whose content failed
---@field file? string                 parts: the path
---@field reason? "missing"|"unreadable"|"not_a_file"|"empty"|"unknown_type"|"too_large"|"url"  parts: why the file was refused

---require("openrouter.errors").
---@class openrouter.errors
---@field RETRYABLE_STATUS table<integer, true>  the HTTP statuses retried (408, 409, 429, 500, 502, 503, 504, 524, 529)
local errors = {}

---Is `v` an openrouter error object?
---@param v any
---@return boolean
function errors.is(v) end

---Make an error object (for loop adapters, tools and tests).  `fields.kind`
---is required; `message` defaults to the kind, `retryable` is derived.
---@param fields { kind: openrouter.ErrorKind|string, message?: string, [string]: any }
---@return openrouter.Error
function errors.new(fields) end

---A "cancelled" error: `what` ("stream", "request", "task") was cancelled;
---`reason` says by what; `fields`: more fields (request_id, attempts, ...).
---@param what string
---@param reason? string
---@param fields? table
---@return openrouter.Error
function errors.cancelled(what, reason, fields) end

---A "validation" error from a list of { path =, message = }.
---@param list openrouter.SchemaError[]
---@param what? string  the message's start (default "invalid request")
---@return openrouter.Error
function errors.validation(list, what) end

---Raise `e` so that it prints readably everywhere (on plain Lua 5.1, at
---the top level, as its string).
---@param e openrouter.Error
function errors.raise(e) end

return errors
