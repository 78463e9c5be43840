--- Client: one libcurl multi handle, many requests in flight.
-- This file: the options and the constructor, starting a request, the JSON
-- request loop, and the public API.  Elsewhere: waiting (the loop adapter,
-- openrouter.loop), errors from responses (openrouter.http_errors), retry
-- policy (openrouter.retry), streams (openrouter.stream), callback style
-- (openrouter.callbacks).

local core = require("openrouter.core")
local json = require("openrouter.json")
local errors = require("openrouter.errors")
local http_errors = require("openrouter.http_errors")
local retry = require("openrouter.retry")
local stream_mod = require("openrouter.stream")
local callbacks = require("openrouter.callbacks")
local trace = require("openrouter.trace")
local loop = require("openrouter.loop")
local tool_mod = require("openrouter.tool")             -- hook: tool runs
local structured = require("openrouter.structured")     -- hook: structured outputs

local M = {}

M.USER_AGENT = "openrouter-lua/" .. core.version
M.DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
M.DEFAULT_TIMEOUT = { connect = 10, idle = 60, total = 600 }
M.DEFAULT_LIMITS = { max_event = 64 * 1048576, max_body = 256 * 1048576, max_header = 65536 }

-- The API key lives here, not in the client table: it cannot show up in
-- tostring(client), a dump of the client, or an error.
local secrets = setmetatable({}, { __mode = "k" })

---@class openrouter.Client
---@field base_url string
---@field timeout table
---@field max_retries integer
local Client = {}
Client.__index = Client
Client.__name = "openrouter.Client"

function Client:__tostring()
  return "openrouter.Client(" .. self.base_url .. ")"
end

local function merge(defaults, over)
  local t = {}
  for k, v in pairs(defaults) do t[k] = v end
  if over then for k, v in pairs(over) do t[k] = v end end
  return t
end

local function check_opt(opts, name, kind)
  local v = opts[name]
  if v ~= nil and type(v) ~= kind then
    error("openrouter.new: '" .. name .. "' must be a " .. kind, 3)
  end
  return v
end

--- Make a client. Every option is optional; see the README.
---@param opts table|nil
---@return openrouter.Client
function M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then error("openrouter.new: options must be a table", 2) end
  local key = check_opt(opts, "api_key", "string")
  if key == nil then key = os.getenv("OPENROUTER_API_KEY") end
  local base = check_opt(opts, "base_url", "string") or os.getenv("OPENROUTER_BASE_URL")
  if base == nil or base == "" then base = M.DEFAULT_BASE_URL end
  base = base:gsub("/+$", "")
  check_opt(opts, "timeout", "table")
  check_opt(opts, "headers", "table")
  check_opt(opts, "limits", "table")
  local retries = check_opt(opts, "max_retries", "number") or 2
  local adapter = loop.resolve(opts.loop, 2)
  local self = setmetatable({
    base_url = base,
    app_url = check_opt(opts, "app_url", "string"),
    app_title = check_opt(opts, "app_title", "string"),
    timeout = merge(M.DEFAULT_TIMEOUT, opts.timeout),
    limits = merge(M.DEFAULT_LIMITS, opts.limits),
    max_retries = retries,
    headers = merge({}, opts.headers),
    validate = opts.validate ~= false,
    ca_file = check_opt(opts, "ca_file", "string"),
    ca_path = check_opt(opts, "ca_path", "string"),
    insecure = opts.insecure == true,
    _multi = core.multi_new(),
    _trace = trace.new(opts.debug, key),
  }, Client)
  loop.attach(self, adapter)          -- self._loop: every hook; self._loopstate
  if self.insecure then
    io.stderr:write("openrouter: WARNING: TLS certificate verification is off (insecure = true)\n")
  end
  secrets[self] = key
  return self
end

------------------------------------------------------------- internals

local function header_list(self, opts, sse)
  local list, bad = {}, nil
  local function add(name, value)
    value = tostring(value)
    if name:find("[%c:]") or value:find("[\r\n%z]") then
      bad = bad or name
      return
    end
    list[#list + 1] = name .. ": " .. value
  end
  local key = secrets[self]
  if key ~= nil and key ~= "" then add("Authorization", "Bearer " .. key) end
  add("Content-Type", "application/json")
  add("Accept", sse and "text/event-stream" or "application/json")
  add("User-Agent", M.USER_AGENT)
  if self.app_url then add("HTTP-Referer", self.app_url) end
  if self.app_title then
    add("X-OpenRouter-Title", self.app_title)
    add("X-Title", self.app_title)
  end
  for name, value in pairs(self.headers) do add(name, value) end
  if opts.headers then for name, value in pairs(opts.headers) do add(name, value) end end
  if bad then
    -- never echo the value: it may be the key
    return nil, errors.validation({ {
      path = "headers." .. tostring(bad):gsub("[%c]", "?"),
      message = "header name or value contains CR, LF or NUL (header injection)",
    } }, "invalid header")
  end
  return list
end

-- Start one HTTP request on the multi.  Returns the core request, or nil
-- and a validation error (nothing sent).
local function start(self, method, path, body, sse, opts)
  local headers, err = header_list(self, opts, sse)
  if not headers then return nil, err end
  local to = merge(self.timeout, opts.timeout)
  local lim = merge(self.limits, opts.limits)
  if self._trace then self._trace:request(method, self.base_url .. path, headers, body, sse) end
  local req = self._multi:request{
    url = self.base_url .. path,
    method = method ~= "POST" and method ~= "GET" and method or nil,
    body = body,
    headers = headers,
    stream = sse,
    connect_timeout = to.connect,
    first_byte_timeout = to.first_byte,
    idle_timeout = to.idle,
    total_timeout = to.total,
    max_event = lim.max_event,
    max_body = lim.max_body,
    max_header = lim.max_header,
    ca_file = self.ca_file,
    ca_path = self.ca_path,
    insecure = self.insecure,
  }
  self._loop.kick(self)
  return req
end

-- Block (or yield) until the request has finished; its outcome.
local function complete(self, req)
  local out = req:outcome()
  while not out do
    self._loop.wait(self, req)
    out = req:outcome()
  end
  return out
end

-- The decoded body of a finished JSON request, or nil and its error.
local function json_response(req, out)
  local e = http_errors.response(req, out)
  if e then return nil, e end
  local raw = req:body()
  local doc = json.decode(raw)
  if type(doc) ~= "table" then return nil, http_errors.not_json(req, out, raw) end
  if type(doc.error) == "table" then return nil, http_errors.api(req, out, doc, raw) end
  return doc
end

-- One JSON request/response with retries.  Returns decoded body or nil, err.
function Client:_json(method, path, body, opts)
  opts = opts or {}
  self._loop.check(self)
  local policy = retry.new(opts.max_retries or self.max_retries)
  -- opts._token (callback handles): { cancelled = bool, req = current request }
  local token = opts._token
  local cancelled = token and function() return token.cancelled end
  while true do
    local req, err = start(self, method, path, body, false, opts)
    if not req then return nil, err end
    if token then token.req = req end
    local res
    res, err = json_response(req, complete(self, req))
    if self._trace then self._trace:done(req, err) end
    req:close()
    if res then return res end
    local delay = policy:failed(err)
    if not delay then return nil, err end
    self._loop.sleep(self, delay, cancelled)
    if token and token.cancelled then
      return nil, errors.cancelled("request", nil, { attempts = policy.attempts })
    end
  end
end

-- Check the arguments, then (unless `bodyless`) make the body: validated
-- unless `validate` is off, and encoded as JSON in the same walk, the schema
-- shaping empty tables (openrouter.validate.prepare).  Returns opts and the
-- body, or nil and a validation error (nothing is sent).
local function check_request(self, req, opts, fname, bodyless)
  if type(req) ~= "table" then error("client:" .. fname .. ": request must be a table", 3) end
  if opts ~= nil and type(opts) ~= "table" then error("client:" .. fname .. ": options must be a table", 3) end
  opts = opts or {}
  if bodyless then return opts end
  if opts._body then return opts, opts._body end          -- prepared by a callback-style call
  local validate = opts.validate
  if validate == nil then validate = self.validate end
  local body, err = require("openrouter.validate").prepare(req, validate ~= false)
  if not body then return nil, err end
  return opts, body
end

-------------------------------------------------------------- public API

--- A chat completion.  Returns the decoded response, or nil and an error.
--- `req.stream = true` streams under the hood and returns the accumulation.
--- With on_done= / on_error= in opts it returns a handle at once instead
--- (callback style, docs/hosts.md); nil and an error for an invalid request.
---@param req table
---@param opts table|nil  { headers=, timeout=, limits=, validate=, max_retries=, on_done=, on_error= }
---@return table|openrouter.Handle|nil
---@return openrouter.Error|nil
function Client:chat(req, opts)
  if tool_mod.runnable(req) then return tool_mod.chat(self, req, opts) end  -- hook: tool runs
  structured.check(req, "client:chat")                                      -- hook: structured outputs
  if callbacks.wanted(opts) then
    if type(req) ~= "table" then error("client:chat: request must be a table", 2) end
    local cbs, plain = callbacks.split(opts, "chat")
    if req.stream then
      local s, err = self:stream(req, plain)
      if not s then return nil, err end
      return callbacks.stream(self, s, cbs)
    end
    local o, body = check_request(self, req, plain, "chat")
    if not o then return nil, body end
    local t = {}
    for k, v in pairs(o) do t[k] = v end
    t._body = body
    return callbacks.chat(self, req, t, cbs)
  end
  local o, body = check_request(self, req, opts, "chat", req.stream)
  if not o then return nil, body end
  self._loop.check(self)
  local err
  if req.stream then
    local s
    s, err = self:stream(req, { headers = o.headers, timeout = o.timeout, limits = o.limits,
                                validate = o.validate, max_retries = o.max_retries })
    if not s then return nil, err end
    return s:result()
  end
  local res
  res, err = self:_json("POST", "/chat/completions", body, o)
  if not res then return nil, err end
  return structured.attach(req.response_format, res)                       -- hook: structured outputs
end

--- A streaming chat completion: an iterator of decoded chunks.  With
--- on_chunk= / on_text= / on_done= / on_error= (and coalesce_ms=) in opts,
--- a handle with cancel() and status() instead (docs/hosts.md).
---@param req table
---@param opts table|nil  { headers=, timeout=, limits=, validate=, max_retries=,
---                          on_chunk=, on_text=, on_done=, on_error=, coalesce_ms= }
---@return openrouter.Stream|openrouter.Handle|nil
---@return openrouter.Error|nil
function Client:stream(req, opts)
  if tool_mod.runnable(req) then return tool_mod.stream(self, req, opts) end  -- hook: tool runs
  structured.check(req, "client:stream")                                      -- hook: structured outputs
  if callbacks.wanted(opts) then
    local cbs, plain = callbacks.split(opts, "stream")
    local s, err = self:stream(req, plain)
    if not s then return nil, err end
    return callbacks.stream(self, s, cbs)
  end
  if type(req) ~= "table" then error("client:stream: request must be a table", 2) end
  local t = {}
  for k, v in pairs(req) do t[k] = v end
  t.stream = true
  local o, body = check_request(self, t, opts, "stream")
  if not o then return nil, body end
  local err
  local function restart()
    return start(self, "POST", "/chat/completions", body, true, o)
  end
  local s
  s, err = stream_mod.open(self, restart, retry.new(o.max_retries or self.max_retries))
  if not s then return nil, err end
  s._response_format = req.response_format                                  -- hook: structured outputs
  return s
end

local function urlencode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function query(params)
  if params == nil then return "" end
  local keys = {}
  for k in pairs(params) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = urlencode(k) .. "=" .. urlencode(params[k]) end
  return #parts > 0 and ("?" .. table.concat(parts, "&")) or ""
end

--- The model catalog (GET /models).  `params`: category, supported_parameters...
function Client:models(params, opts)
  return self:_json("GET", "/models" .. query(params), nil, opts)
end

--- Stats of a generation (GET /generation?id=).
function Client:generation(id, opts)
  if type(id) ~= "string" then error("client:generation: id must be a string", 2) end
  return self:_json("GET", "/generation" .. query{ id = id }, nil, opts)
end

--- The current API key's limits and usage (GET /key).
function Client:key(opts)
  return self:_json("GET", "/key", nil, opts)
end

--- Credits bought and used (GET /credits).
function Client:credits(opts)
  return self:_json("GET", "/credits", nil, opts)
end

-- encode: a function of req -> body | nil, err.
local function post_json(self, path, req, opts, fname, encode)
  if type(req) ~= "table" then error("client:" .. fname .. ": request must be a table", 3) end
  local body, err = encode(req)
  if not body then return nil, err end
  return self:_json("POST", path, body, opts)
end

--- Legacy text completions (POST /completions).
function Client:completions(req, opts)
  return post_json(self, "/completions", req, opts, "completions", json.encode)
end

-- The embeddings schema shapes empty tables; it does not validate (it never did).
local function embeddings_body(req)
  return require("openrouter.validate").prepare_embeddings(req, false)
end

--- Embeddings (POST /embeddings).
function Client:embeddings(req, opts)
  return post_json(self, "/embeddings", req, opts, "embeddings", embeddings_body)
end

--- Advance every request without blocking, resume the tasks and
--- callbacks that can move on, and re-raise an error one of them left
--- behind.  The "manual" loop needs it once per frame; on other loops it
--- is harmless.  Returns a count of pending work, 0 when idle.
---@return integer
function Client:update()
  return self._loop.update(self)
end

--- Close the client's transport: every request in flight is cancelled.
function Client:close()
  self._multi:close()
  self._loop.detach(self)
end

Client.conversation = require("openrouter.conversation").new               -- hook: conversations

M.Client = Client
return M
