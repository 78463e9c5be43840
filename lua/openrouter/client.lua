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
local checks = require("openrouter.checks")
local responses = require("openrouter.responses")       -- the Responses API

local M = {}

M.USER_AGENT = "openrouter-lua/" .. core.version
M.DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
M.DEFAULT_TIMEOUT = { connect = 10, idle = 60, total = 600 }
M.DEFAULT_LIMITS = { max_event = 64 * 1048576, max_body = 256 * 1048576, max_header = 65536 }
--- Connections: at most 64 open at once (more requests queue), 20 kept
--- idle for reuse, each reused only within 60 s of its last request.  On a
--- process allowed few file descriptors (ulimit -n), max_connections is
--- at most half of what is left above 16: see M.default_max_connections.
M.DEFAULT_POOL = { max_connections = 64, max_idle_connections = 20, idle_connection_timeout = 60 }

--- The default max_connections: 64, or (ulimit -n - 16) / 2 when that is
--- lower (at least 1), so that a starved process queues requests instead
--- of running out of descriptors.
---@return integer
function M.default_max_connections()
  local n = M.DEFAULT_POOL.max_connections
  local limit = core.fd_limit()
  if limit then n = math.max(1, math.min(n, math.floor((limit - 16) / 2))) end
  return n
end

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
  return "openrouter.Client(" .. M.redact_url(self.base_url) .. ")"
end

local function merge(defaults, over)
  local t = {}
  for k, v in pairs(defaults) do t[k] = v end
  if over then for k, v in pairs(over) do t[k] = v end end
  return t
end

------------------------------------------------------------- base_url

--- `url` with any user:password@ taken out: the one way a URL is printed.
---@param url string
---@return string
function M.redact_url(url)
  return (tostring(url):gsub("^(%a[%w+.%-]*://)[^/?#]*@", "%1"))
end

--- Check a base URL: an absolute http:// or https:// URL with a host, no
--- credentials, no query or fragment.  Returns scheme, host; or nil and
--- what is wrong (the URL is never quoted with credentials in it).
---@param url string
---@return string|nil scheme
---@return string host_or_problem
function M.parse_base_url(url)
  local scheme, rest = url:match("^(%a[%w+.%-]*)://(.*)$")
  local authority = (rest or url):match("^[^/?#]*")
  if authority:find("@", 1, true) then
    return nil, "must not carry credentials (user:password@): the key belongs in api_key"
  end
  if url:find("[%s%c]") then return nil, "contains a space or a control character" end
  if not scheme then
    return nil, "is not an absolute http:// or https:// URL ('" .. url .. "' has no scheme)"
  end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then
    return nil, "must be an http:// or https:// URL, not " .. scheme .. "://"
  end
  if rest:find("[?#]") then return nil, "must not have a query or a fragment" end
  local host, port = authority:match("^(%[[%x:.]+%])(.*)$")
  if not host then host, port = authority:match("^([%w.%-_~%%]*)(.*)$") end
  if host == nil or host == "" then return nil, "has no host" end
  if port ~= "" then
    local n = tonumber(port:match("^:(%d+)$"))
    if not n or n < 1 or n > 65535 then return nil, "has a bad port '" .. port .. "'" end
  end
  return scheme, host:lower()
end

local function loopback(host)
  return host == "localhost" or host:sub(-10) == ".localhost" or host == "[::1]"
    or host:match("^127%.%d+%.%d+%.%d+$") ~= nil or host:match("^%[::ffff:127%.[%d.]+%]$") ~= nil
end

-- The host is OpenRouter's own: every endpoint needs a key there.
local function openrouter_host(host)
  return host == "openrouter.ai" or host:sub(-14) == ".openrouter.ai"
end

--- Make a client. Every option is optional; see the README.  Misuse (an
--- unknown option, a wrong type, a bad base_url) raises.
---@param opts table|nil
---@return openrouter.Client
function M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then error("openrouter.new: options must be a table (" .. checks.got(opts) .. ")", 2) end
  if type(rawget(opts, "new")) == "function" then
    error("openrouter.new: called as openrouter:new{...} (with a colon); use openrouter.new{...}", 2)
  end
  checks.client(opts, 2)
  local key = opts.api_key
  if key == nil then key = os.getenv("OPENROUTER_API_KEY") end
  local base, from = opts.base_url, "base_url"
  if base == nil then
    base, from = os.getenv("OPENROUTER_BASE_URL"), "OPENROUTER_BASE_URL"
    if base == "" then base = nil end
  end
  base = (base or M.DEFAULT_BASE_URL):gsub("/+$", "")
  local scheme, host = M.parse_base_url(base)
  if not scheme then error("openrouter.new: " .. from .. " " .. host, 2) end
  local adapter = loop.resolve(opts.loop, 2)
  local self = setmetatable({
    base_url = base,
    app_url = opts.app_url,
    app_title = opts.app_title,
    timeout = merge(M.DEFAULT_TIMEOUT, opts.timeout),
    limits = merge(M.DEFAULT_LIMITS, opts.limits),
    max_retries = opts.max_retries or 2,
    headers = merge({}, opts.headers),
    validate = opts.validate ~= false,
    ca_file = opts.ca_file,
    ca_path = opts.ca_path,
    insecure = opts.insecure == true,
    max_connections = opts.max_connections or M.default_max_connections(),
    max_idle_connections = opts.max_idle_connections or M.DEFAULT_POOL.max_idle_connections,
    idle_connection_timeout = opts.idle_connection_timeout or M.DEFAULT_POOL.idle_connection_timeout,
    _host = host,
    _trace = trace.new(opts.debug, key),
  }, Client)
  self._multi = core.multi_new{
    max_connections = self.max_connections,
    max_idle = self.max_idle_connections,
    idle_age = math.ceil(self.idle_connection_timeout),
  }
  loop.attach(self, adapter)          -- self._loop: every hook; self._loopstate
  if self.insecure then
    io.stderr:write("openrouter: WARNING: TLS certificate verification is off (insecure = true)\n")
  end
  if scheme == "http" and key ~= nil and key ~= "" and not loopback(host) then
    io.stderr:write("openrouter: WARNING: the API key goes in cleartext over http:// to ", host,
      " (use https://)\n")
  end
  secrets[self] = key
  return self
end

------------------------------------------------------------- internals

-- HTTP token characters (RFC 9110 5.6.2): what a header name may hold.
local NOT_TOKEN = "[^%w!#$%%&'*+%-.^_`|~]"

-- The request's headers, merged by case-insensitive name: per call over
-- client over defaults, one line each, in that order of first mention; a
-- false value leaves the header out.  Returns the list of "Name: value"
-- lines and whether an Authorization header is among them; or nil and a
-- validation error (nothing is sent).
local function header_list(self, opts, sse)
  local order, name_of, value_of = {}, {}, {}
  local bad
  local function set(name, value, source)
    local low = name:lower()
    if source and source[low] and source[low] ~= name then
      bad = bad or { path = "headers." .. name, message = "the same header twice ('" .. source[low]
        .. "' and '" .. name .. "'): header names are case-insensitive" }
    end
    if source then source[low] = name end
    if name_of[low] == nil and value_of[low] == nil then order[#order + 1] = low end
    name_of[low], value_of[low] = name, value
  end
  local key = secrets[self]
  if key ~= nil and key ~= "" then set("Authorization", "Bearer " .. key) end
  set("Content-Type", "application/json")
  set("Accept", sse and "text/event-stream" or "application/json")
  set("User-Agent", M.USER_AGENT)
  if self.app_url then set("HTTP-Referer", self.app_url) end
  if self.app_title then
    set("X-OpenRouter-Title", self.app_title)
    set("X-Title", self.app_title)
  end
  for _, t in ipairs({ self.headers, opts.headers or {} }) do
    local seen = {}
    for name, value in pairs(t) do set(name, value, seen) end
  end
  local list, auth = {}, false
  for _, low in ipairs(order) do
    local name, value = name_of[low], value_of[low]
    if value ~= false then
      value = tostring(value)
      -- never echo the value: it may be the key
      if name == "" or name:find(NOT_TOKEN) then
        local shown = name:gsub("%c", "?")
        bad = bad or { path = "headers." .. shown, message = "'" .. shown .. "' is not a valid header name"
          .. " (letters, digits and !#$%&'*+-.^_`|~ only; no spaces, colons, CR, LF or NUL)" }
      elseif value:find("[\r\n%z]") then
        bad = bad or { path = "headers." .. name,
          message = "the value contains CR, LF or NUL (header injection)" }
      end
      list[#list + 1] = name .. ": " .. value
      if low == "authorization" then auth = true end
    end
  end
  if bad then return nil, errors.validation({ bad }, "invalid header") end
  return list, auth
end

-- Start one HTTP request on the multi.  Returns the core request, or nil
-- and a validation error (nothing sent).
local function start(self, method, path, body, sse, opts)
  local headers, auth = header_list(self, opts, sse)
  if not headers then return nil, auth end
  if not auth and openrouter_host(self._host) then
    return nil, errors.validation({ { path = "api_key", message = "no API key: set OPENROUTER_API_KEY, or pass"
      .. " api_key to openrouter.new (" .. self._host .. " answers 401 without one)" } }, "cannot send")
  end
  local to = merge(self.timeout, opts.timeout)
  local lim = merge(self.limits, opts.limits)
  if self._trace then self._trace:request(method, M.redact_url(self.base_url) .. path, headers, body, sse) end
  local req = self._loop.request(self, {      -- the adapter's transport (libcurl, or cosockets)
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
  })
  self._loop.kick(self)
  return req
end

-- client:_start(method, path, body, sse, opts): for the other request
-- kinds (openrouter.responses).
Client._start = start

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
-- `opts` were checked by the public method (checks.call).
function Client:_json(method, path, body, opts)
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

-- Cycles: the encoder stops at the first table it meets again; this walk,
-- run only then, names where the cycle closes and what it refers back to.
local function key_path(prefix, k)
  if type(k) == "number" then return prefix .. "[" .. tostring(k) .. "]" end
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then
    return prefix == "" and k or (prefix .. "." .. k)
  end
  return prefix .. "[" .. (type(k) == "string" and ("%q"):format(k) or tostring(k)) .. "]"
end

-- A validation error naming where `t` refers back to a table that holds
-- it (the path where the cycle closes), else nil.  Shared tables that are
-- not cyclic are fine.
local function find_cycle(t)
  local open = {}                  -- table -> its path, while it is being walked
  local function walk(v, path, depth)
    open[v] = path
    if depth < 1000 then           -- deeper: lua-cjson's own nesting limit reports it
      for k, x in pairs(v) do
        if type(x) == "table" then
          local p = key_path(path, k)
          local back = open[x]
          if back then
            return { path = p, message = "cyclic table: refers back to "
              .. (back == "" and "the request itself" or back) .. " (JSON cannot encode a cycle)" }
          end
          local e = walk(x, p, depth + 1)
          if e then return e end
        end
      end
    end
    open[v] = nil
    return nil
  end
  local e = walk(t, "", 0)
  return e and errors.validation({ e }, "invalid request") or nil
end

-- An encoding failure caused by a cycle gets find_cycle's error.
local function cycle_or(req, err)
  local first = err and type(err.errors) == "table" and err.errors[1]
  if first and tostring(first.message):find("cycl") then return find_cycle(req) or err end
  return err
end

-- Check the request, then (unless `bodyless`) make the body: validated
-- unless `validate` is off, and encoded as JSON in the same walk, the schema
-- shaping empty tables (openrouter.validate.prepare).  Returns opts and the
-- body, or nil and a validation error (nothing is sent).  `opts` were
-- checked by the public method (checks.call).
local function check_request(self, req, opts, fname, bodyless)
  if type(req) ~= "table" then
    checks.raise("client:" .. fname .. ": request must be a table (" .. checks.got(req) .. ")")
  end
  opts = opts or {}
  if bodyless then return opts end
  if opts._body then return opts, opts._body end          -- prepared by a callback-style call
  local validate = opts.validate
  if validate == nil then validate = self.validate end
  local body, err = require("openrouter.validate").prepare(req, validate ~= false)
  if not body then return nil, cycle_or(req, err) end
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
  opts = checks.call(opts, "chat", true, 2)
  if type(req) ~= "table" then checks.raise("client:chat: request must be a table (" .. checks.got(req) .. ")") end
  if tool_mod.runnable(req) then return tool_mod.chat(self, req, opts) end  -- hook: tool runs
  structured.check(req, "client:chat")                                      -- hook: structured outputs
  if callbacks.wanted(opts) then
    local cbs, plain = callbacks.split(opts)
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
  opts = checks.call(opts, "stream", true, 2)
  if type(req) ~= "table" then checks.raise("client:stream: request must be a table (" .. checks.got(req) .. ")") end
  if tool_mod.runnable(req) then return tool_mod.stream(self, req, opts) end  -- hook: tool runs
  structured.check(req, "client:stream")                                      -- hook: structured outputs
  if callbacks.wanted(opts) then
    local cbs, plain = callbacks.split(opts)
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

--- The Responses API (POST /responses): the response object (with
--- `output_text`), or nil and an error.  `req.stream = true` streams and
--- returns the final response; on_done= / on_error= in opts: a handle.
---@param req table   { model =, input = string|items, instructions =, tools =, ... }
---@param opts table|nil  { headers=, timeout=, limits=, validate=, max_retries=, on_done=, on_error= }
---@return table|openrouter.Handle|nil
---@return openrouter.Error|nil
function Client:responses(req, opts)
  opts = checks.call(opts, "responses", true, 2)
  local res, err = responses.create(self, req, opts)   -- not a tail call: error levels
  return res, err
end

--- A streaming Responses request: an iterator of its typed events
--- (response.created, response.output_text.delta, ..., response.completed);
--- :text() the output text deltas, :result() the final response object.
--- Callbacks in opts (on_chunk=, on_text=, on_done=, on_error=,
--- coalesce_ms=): a handle instead.
---@param req table
---@param opts table|nil
---@return openrouter.ResponsesStream|openrouter.Handle|nil
---@return openrouter.Error|nil
function Client:responses_stream(req, opts)
  opts = checks.call(opts, "responses_stream", true, 2)
  local s, err = responses.stream(self, req, opts)     -- not a tail call: error levels
  return s, err
end

local function urlencode(s, keep)
  return (s:gsub(keep or "[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function query_value(v, name, fname)
  local t = type(v)
  if t == "string" then return v end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if v == math.floor(v) and v > -2 ^ 53 and v < 2 ^ 53 then return string.format("%d", v) end
    return string.format("%.17g", v)
  end
  if t == "table" then  -- a list: comma-separated, as the API's filters take them
    local parts = {}
    for i, x in ipairs(v) do parts[i] = query_value(x, name, fname) end
    return table.concat(parts, ",")
  end
  checks.raise("client:" .. fname .. ": query parameter '" .. name .. "' must be a string, number, boolean or list")
end

-- "?a=1&b=x,y" from a table (keys sorted), "" for nil or {}.
local function query(params, fname)
  if params == nil then return "" end
  if type(params) ~= "table" then checks.raise("client:" .. fname .. ": query parameters must be a table") end
  local keys = {}
  for k in pairs(params) do
    if type(k) ~= "string" then checks.raise("client:" .. fname .. ": query parameter names must be strings") end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = urlencode(k) .. "=" .. urlencode(query_value(params[k], k, fname))
  end
  return #parts > 0 and ("?" .. table.concat(parts, "&")) or ""
end

--- The model catalog (GET /models).  `params`: the documented filters
--- (category, supported_parameters, output_modalities, input_modalities,
--- q, context, providers, model_authors, sort, offset, limit...); a list
--- value is sent comma-separated, a boolean as "true"/"false".
---@param params table|nil
---@param opts table|nil
function Client:models(params, opts)
  if params ~= nil and type(params) ~= "table" then
    checks.raise("client:models: params must be a table (" .. checks.got(params) .. ")")
  end
  opts = checks.call(opts, "models", false, 2)
  return self:_json("GET", "/models" .. query(params, "models"), nil, opts)
end

--- The endpoints (providers) serving a model (GET /models/{author}/{slug}/endpoints).
---@param model_id string   "author/slug", e.g. "openai/gpt-4o"
---@param opts table|nil
function Client:endpoints(model_id, opts)
  local author, slug
  if type(model_id) == "string" then author, slug = model_id:match("^([^/]+)/(.+)$") end
  if not author then checks.raise("client:endpoints: model_id must be a string 'author/slug'") end
  opts = checks.call(opts, "endpoints", false, 2)
  local keep = "[^%w%-%._~:@!$&'()*+,;=]"    -- what a path segment may hold
  return self:_json("GET", "/models/" .. urlencode(author, keep) .. "/" .. urlencode(slug, keep)
    .. "/endpoints", nil, opts)
end

--- The providers OpenRouter routes to (GET /providers).
function Client:providers(opts)
  opts = checks.call(opts, "providers", false, 2)
  return self:_json("GET", "/providers", nil, opts)
end

--- The embeddings models (GET /embeddings/models).  `params`: offset, limit.
function Client:embedding_models(params, opts)
  opts = checks.call(opts, "embedding_models", false, 2)
  return self:_json("GET", "/embeddings/models" .. query(params, "embedding_models"), nil, opts)
end

--- How many models there are (GET /models/count): { data = { count = N } }.
--- `params`: output_modalities.
function Client:models_count(params, opts)
  opts = checks.call(opts, "models_count", false, 2)
  return self:_json("GET", "/models/count" .. query(params, "models_count"), nil, opts)
end

--- The stored prompt and completion of a generation (GET /generation/content?id=).
function Client:generation_content(id, opts)
  if type(id) ~= "string" or id == "" then checks.raise("client:generation_content: id must be a non-empty string") end
  opts = checks.call(opts, "generation_content", false, 2)
  return self:_json("GET", "/generation/content" .. query({ id = id }, "generation_content"), nil, opts)
end

local METHODS = { GET = true, POST = true, PUT = true, PATCH = true, DELETE = true }

--- Any endpoint of the API, with the same headers, retries, timeouts and
--- error objects: the decoded JSON answer, or nil and an error.
--- `method`: GET, POST, PUT, PATCH or DELETE (any case); `path`: under the
--- base URL ("/keys", "/presets/x"); params: `query` (as for models()),
--- `body` (a table, sent as JSON, or a string sent as is), and the per-call
--- options headers=, timeout=, limits=, max_retries=.
---@param method string
---@param path string
---@param params table|nil  { query =, body =, headers =, timeout =, limits =, max_retries = }
---@return table|nil
---@return openrouter.Error|nil
function Client:request(method, path, params)
  if type(method) ~= "string" or not METHODS[method:upper()] then
    checks.raise("client:request: method must be GET, POST, PUT, PATCH or DELETE")
  end
  method = method:upper()
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" or path:find("[%s%c]") then
    checks.raise("client:request: path must be a string that starts with '/' (no spaces or control characters)")
  end
  if params ~= nil and type(params) ~= "table" then checks.raise("client:request: params must be a table") end
  params = params or {}
  local body = params.body
  local call = {}
  for k, v in pairs(params) do if k ~= "query" and k ~= "body" then call[k] = v end end
  call = checks.call(call, "request", false, 2)
  if body ~= nil and type(body) ~= "table" and type(body) ~= "string" then
    checks.raise("client:request: body must be a table or a string")
  end
  if body ~= nil and method == "GET" then checks.raise("client:request: a GET request has no body") end
  local qs = query(params.query, "request")
  if qs ~= "" and path:find("?", 1, true) then qs = "&" .. qs:sub(2) end
  local err
  if type(body) == "table" then
    body, err = json.encode(body)
    if not body then return nil, cycle_or(params.body, err) end
  elseif body == nil and method ~= "GET" and method ~= "DELETE" then
    body = ""                                     -- a POST with no body: Content-Length: 0
  end
  return self:_json(method, path .. qs, body, call)
end

--- Stats of a generation (GET /generation?id=).
function Client:generation(id, opts)
  if type(id) ~= "string" then checks.raise("client:generation: id must be a string (" .. checks.got(id) .. ")") end
  opts = checks.call(opts, "generation", false, 2)
  return self:_json("GET", "/generation" .. query({ id = id }, "generation"), nil, opts)
end

--- The current API key's limits and usage (GET /key).
function Client:key(opts)
  opts = checks.call(opts, "key", false, 2)
  return self:_json("GET", "/key", nil, opts)
end

--- Credits bought and used (GET /credits).
function Client:credits(opts)
  opts = checks.call(opts, "credits", false, 2)
  return self:_json("GET", "/credits", nil, opts)
end

-- encode: a function of req -> body | nil, err.
local function post_json(self, path, req, opts, fname, encode)
  if type(req) ~= "table" then
    checks.raise("client:" .. fname .. ": request must be a table (" .. checks.got(req) .. ")")
  end
  opts = checks.call(opts, fname, false, 3)
  local body, err = encode(req)
  if not body then return nil, cycle_or(req, err) end
  return self:_json("POST", path, body, opts)
end

--- Legacy text completions (POST /completions).
function Client:completions(req, opts)
  local res, err = post_json(self, "/completions", req, opts, "completions", json.encode)
  return res, err
end

-- The embeddings schema shapes empty tables; it does not validate (it never did).
local function embeddings_body(req)
  return require("openrouter.validate").prepare_embeddings(req, false)
end

--- Embeddings (POST /embeddings).
function Client:embeddings(req, opts)
  local res, err = post_json(self, "/embeddings", req, opts, "embeddings", embeddings_body)
  return res, err
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

-- every public method checks its self: client.chat{...} raises "use client:chat(...)"
checks.methods(Client, "client")

M.Client = Client
return M
