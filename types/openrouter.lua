---@meta openrouter
-- LuaLS definitions of require("openrouter"), for completion and checks in
-- editors (Neovim's lua_ls and others).  Point `workspace.library` at this
-- folder (the rock installs it: see README, "Editor support").  Nothing
-- here runs: these are declarations only.
--
-- spec/types_spec.lua holds these files to the real module: every public
-- function and field must be declared here, and every function declared
-- here must exist.

---The OpenRouter API client module.
---@class openrouter
---@field version string               the library's version ("dev-1")
---@field null lightuserdata           JSON null (== cjson.null, openrouter.json.null): a value that encodes as null
---@field errors openrouter.errors     error objects (errors.is, ...)
---@field sse openrouter.sse           the incremental SSE parser
---@field schema openrouter.schema     JSON-Schema (draft 7) validators compiled in C
---@field parts openrouter.parts       content parts from files (parts.limits)
local openrouter = {}

---Make a client.  Every option is optional; the key defaults to
---OPENROUTER_API_KEY, the base URL to OPENROUTER_BASE_URL or
---https://openrouter.ai/api/v1.  Misuse (an option of the wrong type, an
---unknown loop) raises.
---@param opts? openrouter.ClientOptions
---@return openrouter.Client
function openrouter.new(opts) end

---Run `fn(...)` as a task: its waiting calls (chat, stream iteration,
---result(), retry pauses) yield to the host's loop instead of blocking it.
---`fn` runs at once up to its first wait; an error raised before then
---propagates out of async().
---@param fn fun(...): ...
---@param ... any  passed to fn
---@return openrouter.Task
function openrouter.async(fn, ...) end

---Declare a tool the model may call; `run(args, ctx)` answers it.  A
---request whose `tools` hold such tools makes client:chat and
---client:stream run the tool loop.  Misuse raises (a bad name, parameters
---the schema engine cannot honour, `run` not a function, an unknown field).
---@param spec openrouter.ToolSpec
---@return openrouter.Tool
function openrouter.tool(spec) end

---Mark `t` (default: a new table) to encode as a JSON array, `[]` when
---empty (`stop = openrouter.array()`); returns it.  openrouter.json.array.
---@generic T: table
---@param t? T
---@return T
function openrouter.array(t) end

---Mark `t` (default: a new table) to encode as a JSON object, `{}` when
---empty; returns it.  openrouter.json.object.
---@generic T: table
---@param t? T
---@return T
function openrouter.object(t) end

---Check a provider-preferences object (the request's `provider` field).
---Paths in the errors start with "provider".
---@param t openrouter.ProviderPreferences|table
---@return boolean ok
---@return openrouter.SchemaError[]|nil errors
function openrouter.validate_provider(t) end

---Check a whole chat request against the chat-request schema (what
---client:chat and client:stream do before sending).  Unknown top-level keys
---pass.
---@param req openrouter.ChatRequest|table
---@return boolean ok
---@return openrouter.SchemaError[]|nil errors
function openrouter.validate_request(req) end

---Check a Responses API request against the schema generated from the
---OpenAPI document (what client:responses does before sending).
---@param req table
---@return boolean ok
---@return openrouter.SchemaError[]|nil errors
function openrouter.validate_responses(req) end

---An image content part from a file (PNG, JPEG, GIF, WebP; sent as a data
---URL, base64-encoded in C) or an http(s):// or data: URL (as given).
---@param path_or_url string
---@param opts? openrouter.ImageOptions
---@return openrouter.ImagePart|nil part
---@return openrouter.Error|nil err  a validation error naming the file
function openrouter.image(path_or_url, opts) end

---A file content part (PDF, text, ...) from a path or a URL.
---@param path_or_url string
---@param opts? openrouter.FileOptions
---@return openrouter.FilePart|nil part
---@return openrouter.Error|nil err  a validation error naming the file
function openrouter.file(path_or_url, opts) end

---An audio content part from a file (WAV, MP3, AAC, Ogg, FLAC, M4A, AIFF)
---or a data:audio/... URL.
---@param path string
---@param opts? openrouter.AudioOptions
---@return openrouter.AudioPart|nil part
---@return openrouter.Error|nil err  a validation error naming the file
function openrouter.audio(path, opts) end

return openrouter
