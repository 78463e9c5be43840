---@meta _
-- LuaLS definitions: the client, its options and the per-call options.

---Seconds.  `idle` is the longest silence (keep-alive comments count as
---bytes); before the first byte `first_byte` applies if set, else `idle`.
---@class openrouter.Timeout
---@field connect? number     default 10
---@field first_byte? number  default: none (idle applies)
---@field idle? number        default 60
---@field total? number       default 600

---Bytes.  Past a limit: a "protocol" error and the connection is closed.
---@class openrouter.Limits
---@field max_event? integer   one SSE event (default 64 MiB: image output arrives in one event)
---@field max_body? integer    a response body (default 256 MiB)
---@field max_header? integer  the response headers (default 64 KiB)

---@alias openrouter.LoopName "blocking"|"nvim"|"luv"|"ngx"|"manual"

---Options of openrouter.new; every field is optional.
---@class openrouter.ClientOptions
---@field api_key? string           default OPENROUTER_API_KEY; sent only as Authorization: Bearer
---@field base_url? string          default OPENROUTER_BASE_URL, else https://openrouter.ai/api/v1
---@field app_url? string           HTTP-Referer
---@field app_title? string         X-OpenRouter-Title and X-Title
---@field headers? table<string, string>  extra headers of every request
---@field timeout? openrouter.Timeout
---@field limits? openrouter.Limits
---@field max_retries? integer      default 2: 408/409/429/5xx/524/529 and connection errors, before anything arrived
---@field validate? boolean         default true: check requests against the schemas before sending
---@field ca_file? string           TLS: a CA bundle
---@field ca_path? string           TLS: a directory of CA certificates
---@field insecure? boolean         true turns TLS verification off (warns)
---@field debug? boolean|fun(line: string)  trace requests, events and timings (the key redacted); default OPENROUTER_DEBUG=1
---@field loop? openrouter.LoopName|openrouter.LoopAdapter  how waiting happens (default "blocking"; "ngx" inside OpenResty)
---@field max_connections? integer  connections open at once, more requests queue (default 64, lower when ulimit -n is small; 0: no limit)
---@field max_idle_connections? integer  idle connections kept for reuse (default 20)
---@field idle_connection_timeout? number  seconds an idle connection may be reused after its last request (default 60)

---Options of one call (client:chat, client:stream, conversation turns).
---With any of on_chunk, on_text, on_done, on_error the call returns an
---openrouter.Handle at once instead (callback style).
---@class openrouter.CallOptions
---@field headers? table<string, string>  extra headers of this call
---@field timeout? openrouter.Timeout     merged over the client's
---@field limits? openrouter.Limits       merged over the client's
---@field validate? boolean
---@field max_retries? integer
---@field on_chunk? fun(chunk: openrouter.StreamChunk, handle: openrouter.Handle)  every chunk (streams)
---@field on_text? fun(text: string, handle: openrouter.Handle)   content deltas (streams), coalesced by coalesce_ms
---@field on_done? fun(final: openrouter.ChatResponse, handle: openrouter.Handle)  the response; exactly one of on_done / on_error fires
---@field on_error? fun(err: openrouter.Error, handle: openrouter.Handle)
---@field coalesce_ms? number           at most one on_text per this many milliseconds
---@field max_steps? integer            tool runs: requests at most (default 8)
---@field on_tool_call? fun(call: openrouter.ToolCallRecord)   tool runs: before a tool runs
---@field on_tool_result? fun(call: openrouter.ToolCallRecord, result: any)  tool runs: after it ran

---Options of stream:text().
---@class openrouter.TextOptions
---@field coalesce_ms? number  join the deltas of this many milliseconds into one string

---A client: one libcurl multi handle, many requests in flight.
---`tostring(client)` is "openrouter.Client(<base_url>)"; the API key is
---never in it.  The fields are the options as resolved.
---@class openrouter.Client
---@field base_url string
---@field app_url? string
---@field app_title? string
---@field headers table<string, string>
---@field timeout openrouter.Timeout
---@field limits openrouter.Limits
---@field max_retries integer
---@field validate boolean
---@field ca_file? string
---@field ca_path? string
---@field insecure boolean
---@field max_connections integer
---@field max_idle_connections integer
---@field idle_connection_timeout number
local Client = {}

---A chat completion: the decoded response, or nil and an error object (an
---invalid request: kind "validation", nothing sent).  `req.stream = true`
---streams under the hood and returns the accumulation.  Tools with `run`
---make it a tool run (opts.max_steps); a json_schema response_format
---validates the content (message.parsed).  With callbacks in `opts` it
---returns an openrouter.Handle at once.
---@param req openrouter.ChatRequest
---@param opts? openrouter.CallOptions
---@return openrouter.ChatResponse|nil res
---@return openrouter.Error|nil err
---@overload fun(self: openrouter.Client, req: openrouter.ChatRequest, opts: openrouter.CallOptions): openrouter.Handle|nil, openrouter.Error|nil
function Client:chat(req, opts) end

---A streaming chat completion: iterate it for the chunks, stream:text()
---for the text, stream:result() for the accumulated response.  nil and an
---error when the request is invalid (nothing sent).  Tools with `run`
---give an openrouter.ToolStream; callbacks in `opts` give an
---openrouter.Handle.
---@param req openrouter.ChatRequest
---@param opts? openrouter.CallOptions
---@return openrouter.Stream|nil stream
---@return openrouter.Error|nil err
---@overload fun(self: openrouter.Client, req: openrouter.ChatRequest, opts?: openrouter.CallOptions): openrouter.ToolStream|nil, openrouter.Error|nil
---@overload fun(self: openrouter.Client, req: openrouter.ChatRequest, opts: openrouter.CallOptions): openrouter.Handle|nil, openrouter.Error|nil
function Client:stream(req, opts) end

---The model catalog (GET /models).
---@param params? openrouter.ModelsParams  query parameters
---@param opts? openrouter.CallOptions
---@return openrouter.ModelList|nil
---@return openrouter.Error|nil
function Client:models(params, opts) end

---Stats of a generation (GET /generation?id=): model, provider, tokens,
---cost, latency, finish reason.
---@param id string  the "gen-..." id (response.id, stream.request_id)
---@param opts? openrouter.CallOptions
---@return openrouter.Generation|nil
---@return openrouter.Error|nil
function Client:generation(id, opts) end

---The Responses API (POST /responses): the response object (with
---`output_text` filled in), or nil and an error object.  `req.stream =
---true` streams and returns the final response; callbacks in `opts`
---return an openrouter.Handle instead.
---@param req table
---@param opts? openrouter.CallOptions
---@return table|openrouter.Handle|nil
---@return openrouter.Error|nil
function Client:responses(req, opts) end

---A streaming Responses request: an iterator of its typed events
---(response.output_text.delta, ..., response.completed); text() the output
---text deltas, result() the final response object.  Callbacks in `opts`
---return an openrouter.Handle instead.
---@param req table
---@param opts? openrouter.CallOptions
---@return openrouter.ResponsesStream|openrouter.Handle|nil
---@return openrouter.Error|nil
function Client:responses_stream(req, opts) end

---Any endpoint of the API with the same headers, retries, timeouts and
---error objects: the decoded JSON answer, or nil and an error.
---@param method "GET"|"POST"|"PUT"|"PATCH"|"DELETE"|string
---@param path string  under the base URL, e.g. "/keys"
---@param params? { query?: table, body?: table|string, headers?: table<string, string>, timeout?: openrouter.Timeout, limits?: openrouter.Limits, max_retries?: integer }
---@return table|nil
---@return openrouter.Error|nil
function Client:request(method, path, params) end

---The endpoints (providers) serving a model (GET /models/{author}/{slug}/endpoints).
---@param model_id string  "author/slug"
---@param opts? openrouter.CallOptions
---@return table|nil
---@return openrouter.Error|nil
function Client:endpoints(model_id, opts) end

---The providers OpenRouter routes to (GET /providers).
---@param opts? openrouter.CallOptions
---@return table|nil
---@return openrouter.Error|nil
function Client:providers(opts) end

---The embeddings models (GET /embeddings/models).
---@param params? table  offset, limit
---@param opts? openrouter.CallOptions
---@return table|nil
---@return openrouter.Error|nil
function Client:embedding_models(params, opts) end

---How many models there are (GET /models/count): { data = { count = N } }.
---@param params? table  output_modalities
---@param opts? openrouter.CallOptions
---@return table|nil
---@return openrouter.Error|nil
function Client:models_count(params, opts) end

---The stored prompt and completion of a generation (GET /generation/content?id=).
---@param id string  the "gen-..." id
---@param opts? openrouter.CallOptions
---@return table|nil
---@return openrouter.Error|nil
function Client:generation_content(id, opts) end

---The current API key's label, usage, limit and rate limit (GET /key).
---@param opts? openrouter.CallOptions
---@return openrouter.KeyInfo|nil
---@return openrouter.Error|nil
function Client:key(opts) end

---Credits bought and used (GET /credits).
---@param opts? openrouter.CallOptions
---@return openrouter.Credits|nil
---@return openrouter.Error|nil
function Client:credits(opts) end

---Legacy text completions (POST /completions): the decoded response.
---@param req openrouter.CompletionRequest
---@param opts? openrouter.CallOptions
---@return table|nil
---@return openrouter.Error|nil
function Client:completions(req, opts) end

---Embeddings (POST /embeddings).
---@param req openrouter.EmbeddingsRequest
---@param opts? openrouter.CallOptions
---@return openrouter.Embeddings|nil
---@return openrouter.Error|nil
function Client:embeddings(req, opts) end

---Start a conversation: a history kept across turns.  `spec.system`
---becomes the first message, `spec.messages` an earlier history (copied);
---every other field is a request default of every turn.
---@param spec? openrouter.ConversationSpec
---@return openrouter.Conversation
function Client:conversation(spec) end

---Advance every request without blocking, resume the tasks and callbacks
---that can move on, and re-raise an error one of them left behind.  The
---"manual" loop needs it once per frame; elsewhere it is harmless.
---@return integer pending  work still pending, 0 when idle
function Client:update() end

---Close the client's transport: every request in flight is cancelled.
function Client:close() end
