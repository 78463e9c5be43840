---@meta _
-- LuaLS definitions: the chat request (OpenRouter's ChatRequest, the body of
-- POST /chat/completions) and what goes in it.  Field lists follow
-- OpenRouter's OpenAPI document; enums that the client checks before
-- sending (openrouter.validate_request) match lua/openrouter/schemas/ and
-- spec/types_spec.lua keeps the two equal.  Unknown keys pass through to the
-- server, so a field missing here is still sent.

------------------------------------------------------------------ enums

---@alias openrouter.Role
---| "system"
---| "developer"
---| "user"
---| "assistant"
---| "tool"

---A model slug "author/slug", optionally with a variant (":nitro", ":floor",
---":free", ...), or "openrouter/auto".
---@alias openrouter.ModelSlug string

---@alias openrouter.ReasoningEffort
---| "max"
---| "xhigh"
---| "high"
---| "medium"
---| "low"
---| "minimal"
---| "none"

---@alias openrouter.ReasoningSummary "auto"|"concise"|"detailed"

---@alias openrouter.ToolChoiceMode
---| "none"      # never call a tool
---| "auto"      # the model decides
---| "required"  # call at least one tool

---@alias openrouter.ResponseFormatType
---| "text"
---| "json_object"
---| "json_schema"
---| "grammar"      # output constrained by a grammar (`grammar`)
---| "python"       # output that is Python code

---@alias openrouter.ContentPartType
---| "text"
---| "image_url"
---| "file"
---| "input_audio"
---| "video_url"
---| "input_video"  # the older name of a video_url part

---@alias openrouter.ImageDetail
---| "auto"
---| "low"
---| "high"
---| "original"

---@alias openrouter.AudioFormat
---| "wav"
---| "mp3"
---| "flac"
---| "m4a"
---| "ogg"
---| "aiff"
---| "aac"
---| "pcm16"
---| "pcm24"

---@alias openrouter.Quantization
---| "int4"
---| "int8"
---| "fp4"
---| "mxfp4"
---| "nvfp4"
---| "fp6"
---| "fp8"
---| "mxfp8"
---| "fp16"
---| "bf16"
---| "fp32"
---| "unknown"

---@alias openrouter.ProviderSort
---| "price"       # cheapest first
---| "throughput"  # fastest tokens/s first
---| "latency"     # lowest time to first token first
---| "exacto"

---@alias openrouter.SortPartition "model"|"none"

---@alias openrouter.DataCollection
---| "allow"  # providers that may store or train on your data too
---| "deny"   # only providers that do not collect user data

---@alias openrouter.Modality "text"|"image"|"audio"

---@alias openrouter.ServiceTier "auto"|"default"|"fast"|"flex"|"priority"|"scale"

--------------------------------------------------------------- messages

---A content part of a message: one of the part types below.
---@alias openrouter.ContentPart
---| openrouter.TextPart
---| openrouter.ImagePart
---| openrouter.FilePart
---| openrouter.AudioPart
---| openrouter.VideoPart

---@class openrouter.TextPart
---@field type "text"
---@field text string
---@field cache_control? openrouter.CacheControl  Anthropic-style cache breakpoint
---@field prompt_cache_breakpoint? { mode: "explicit" }  OpenAI-style cache breakpoint

---@class openrouter.ImageUrl
---@field url string  an https:// URL or a data: URL (openrouter.image makes one from a file)
---@field detail? openrouter.ImageDetail

---@class openrouter.ImagePart
---@field type "image_url"
---@field image_url openrouter.ImageUrl

---@class openrouter.FileData
---@field filename? string
---@field file_data? string  a data: URL (base64) or a URL
---@field file_id? string    a previously uploaded file

---@class openrouter.FilePart
---@field type "file"
---@field file openrouter.FileData

---@class openrouter.InputAudio
---@field data string  base64 of the audio bytes
---@field format openrouter.AudioFormat|string

---@class openrouter.AudioPart
---@field type "input_audio"
---@field input_audio openrouter.InputAudio

---A video: type "video_url" (or the older "input_video", same shape).
---@class openrouter.VideoPart
---@field type "video_url"|"input_video"
---@field video_url { url: string }  a URL of the video (data: URLs too)

---@class openrouter.CacheControl
---@field type "ephemeral"
---@field ttl? string  "5m" or "1h"

---A message of a chat request: the fields of every role's variant.  `content`
---is a string or a list of parts (system and developer messages: text parts
---only); `tool_call_id` answers a tool call (role "tool"); `tool_calls`,
---`reasoning`, `reasoning_details`, `images` and `audio` come back in
---assistant messages and are sent again as they came.
---@class openrouter.Message
---@field role openrouter.Role
---@field content? string|openrouter.ContentPart[]  nil (or openrouter.null) only for an assistant message that calls tools
---@field name? string
---@field tool_call_id? string                  role "tool": the id of the call this answers
---@field tool_calls? openrouter.ToolCall[]      role "assistant"
---@field reasoning? string                     role "assistant"
---@field reasoning_details? openrouter.ReasoningDetail[]  role "assistant": send back unchanged
---@field refusal? string                       role "assistant"
---@field model? string                         role "assistant": the model that wrote it
---@field images? { image_url: { url: string } }[]  role "assistant": generated images
---@field audio? { id?: string, data?: string, transcript?: string, expires_at?: integer }  role "assistant": audio output

------------------------------------------------------------------ tools

---@class openrouter.FunctionDef
---@field name string  1 to 64 of [A-Za-z0-9_-]
---@field description? string
---@field parameters? table  a JSON Schema of the arguments (an object schema)
---@field strict? boolean

---A tool of the request: a function tool as the API takes it, an
---openrouter.Tool (which carries `run`: the client then runs the tool loop),
---or an OpenRouter server tool ({ type = "openrouter:web_search", ... }).
---@class openrouter.ToolDef
---@field type "function"|string
---@field function? openrouter.FunctionDef
---@field parameters? table  a server tool's settings
---@field cache_control? openrouter.CacheControl

---@class openrouter.NamedToolChoice
---@field type "function"|string  "function", or a server tool type to force
---@field function? { name: string }

---@alias openrouter.ToolChoice openrouter.ToolChoiceMode|openrouter.NamedToolChoice

-------------------------------------------------------- response format

---@class openrouter.JsonSchemaConfig
---@field name string       1 to 64 of [A-Za-z0-9_-]
---@field schema? table     the JSON Schema (draft 7) the content must match; the client validates it on arrival
---@field description? string
---@field strict? boolean

---`{ type = "json_schema", json_schema = { name =, schema =, strict = } }`
---makes the client decode and validate every choice's content
---(message.parsed); `{ type = "json_object" }` decodes it.
---@class openrouter.ResponseFormat
---@field type openrouter.ResponseFormatType
---@field json_schema? openrouter.JsonSchemaConfig  type "json_schema"
---@field grammar? string                          type "grammar": the grammar the output follows

-------------------------------------------------------------- reasoning

---@class openrouter.ReasoningConfig
---@field effort? openrouter.ReasoningEffort
---@field max_tokens? integer  a token budget for reasoning (not with effort)
---@field exclude? boolean     reason, but leave the reasoning out of the response
---@field enabled? boolean
---@field summary? openrouter.ReasoningSummary

------------------------------------------------------------------ routing

---@class openrouter.SortConfig
---@field by? openrouter.ProviderSort
---@field partition? openrouter.SortPartition  "model" (default): sort within each model of `models`

---@class openrouter.Percentiles
---@field p50? number
---@field p75? number
---@field p90? number
---@field p99? number

---Prices in USD (per million tokens for prompt and completion): numbers or
---decimal strings.
---@class openrouter.MaxPrice
---@field prompt? number|string
---@field completion? number|string
---@field request? number|string
---@field image? number|string
---@field audio? number|string

---OpenRouter's provider preferences (the request's `provider` field).  The
---object is closed: a misspelt key is a validation error with a suggestion.
---@class openrouter.ProviderPreferences
---@field order? string[]                provider slugs to try in this order
---@field only? string[]                 allow only these providers
---@field ignore? string[]               never use these providers
---@field allow_fallbacks? boolean       default true: other providers when the listed ones fail
---@field require_parameters? boolean    only providers that support every parameter sent
---@field data_collection? openrouter.DataCollection
---@field zdr? boolean                   only Zero-Data-Retention endpoints
---@field enforce_distillable_text? boolean  only models whose authors allow distillation
---@field quantizations? openrouter.Quantization[]
---@field sort? openrouter.ProviderSort|openrouter.SortConfig
---@field max_price? openrouter.MaxPrice
---@field preferred_min_throughput? number|openrouter.Percentiles  tokens/s
---@field preferred_max_latency? number|openrouter.Percentiles     seconds

------------------------------------------------------------------ plugins

---A plugin: `{ id = "web" }`, `{ id = "file-parser", pdf = { engine = "pdf-text" } }`,
---`{ id = "response-healing" }`, `{ id = "auto-router", allowed_models = {...} }`,
---`{ id = "context-compression" }`, `{ id = "moderation" }`, ...; other keys
---are the plugin's settings.
---@class openrouter.Plugin
---@field id "web"|"web-fetch"|"file-parser"|"response-healing"|"context-compression"|"moderation"|"auto-router"|"auto-beta-router"|"pareto-router"|"fusion"|string
---@field enabled? boolean
---@field [string] any

--------------------------------------------------------------- the request

---A chat completion request (OpenRouter's ChatRequest).  `messages` is
---required unless a bare `prompt` is given.  Unknown keys are sent as given.
---@class openrouter.ChatRequest
---@field model? openrouter.ModelSlug   default: your account's default model
---@field models? openrouter.ModelSlug[]  fallbacks, tried in order
---@field messages? openrouter.Message[]
---@field prompt? string                a bare prompt instead of messages
---@field stream? boolean               client:chat with stream = true streams and returns the accumulation
---@field stream_options? { include_usage?: boolean }
---@field temperature? number           0 to 2
---@field top_p? number                 0 to 1
---@field top_k? integer                0 or more
---@field top_a? number                 0 to 1
---@field min_p? number                 0 to 1
---@field frequency_penalty? number     -2 to 2
---@field presence_penalty? number      -2 to 2
---@field repetition_penalty? number    0 to 2
---@field seed? integer
---@field max_tokens? integer           1 or more
---@field max_completion_tokens? integer  1 or more
---@field stop? string|string[]         up to 4 sequences
---@field logit_bias? table<string, number>
---@field logprobs? boolean
---@field top_logprobs? integer         0 to 20
---@field response_format? openrouter.ResponseFormat
---@field tools? (openrouter.ToolDef|openrouter.Tool)[]
---@field tool_choice? openrouter.ToolChoice
---@field parallel_tool_calls? boolean
---@field reasoning? openrouter.ReasoningConfig
---@field reasoning_effort? openrouter.ReasoningEffort  shorthand for reasoning.effort
---@field provider? openrouter.ProviderPreferences
---@field plugins? openrouter.Plugin[]
---@field user? string                  a stable id of your end user
---@field session_id? string            groups related requests
---@field metadata? table<string, string>
---@field modalities? openrouter.Modality[]  output modalities
---@field image_config? table           provider-specific image generation settings
---@field prediction? { type: "content", content: string|openrouter.TextPart[] }
---@field service_tier? openrouter.ServiceTier
---@field cache_control? openrouter.CacheControl  automatic prompt caching
---@field prompt_cache_key? string
---@field prompt_cache_options? { mode: "explicit", ttl?: string }
---@field stop_server_tools_when? table[]  stop conditions of the server-tool loop
---@field trace? { trace_id?: string, trace_name?: string, span_name?: string, generation_name?: string, parent_span_id?: string }
---@field debug? { echo_upstream_body?: boolean }
---@field route? "fallback"|"sort"      deprecated: provider.sort.partition

---A legacy text completion request (POST /completions).
---@class openrouter.CompletionRequest
---@field model? openrouter.ModelSlug
---@field models? openrouter.ModelSlug[]
---@field prompt string|string[]
---@field max_tokens? integer
---@field temperature? number
---@field top_p? number
---@field stop? string|string[]
---@field provider? openrouter.ProviderPreferences
---@field [string] any

---An embeddings request (POST /embeddings).
---@class openrouter.EmbeddingsRequest
---@field model string
---@field input string|string[]|table
---@field dimensions? integer
---@field encoding_format? "float"|"base64"
---@field input_type? string
---@field provider? openrouter.ProviderPreferences
---@field user? string
