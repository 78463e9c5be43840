--- Client: one libcurl multi handle, many requests in flight.

local core = require("openrouter.core")
local cjson = require("cjson")
local errors = require("openrouter.errors")
local stream_mod = require("openrouter.stream")
local callbacks = require("openrouter.callbacks")
local trace = require("openrouter.trace")
local tool_mod = require("openrouter.tool")             -- hook: tool runs
local structured = require("openrouter.structured")     -- hook: structured outputs

local json = cjson.new()
local null = cjson.null

local M = {}

M.USER_AGENT = "openrouter-lua/" .. core.version
M.DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
M.DEFAULT_TIMEOUT = { connect = 10, idle = 60, total = 600 }
M.DEFAULT_LIMITS = { max_event = 1048576, max_body = 64 * 1048576, max_header = 65536 }
M.BACKOFF = { base = 0.5, cap = 8, jitter = 0.25, max_hint = 60 }

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

local function resolve_loop(loop)
  if loop == nil then
    -- blocking an nginx worker is never right: inside OpenResty the default is "ngx"
    local ngx = rawget(_G, "ngx")
    loop = (type(ngx) == "table" and type(ngx.get_phase) == "function") and "ngx" or "blocking"
  end
  if type(loop) == "table" then
    if type(loop.wait) ~= "function" then
      error("openrouter.new: a loop adapter needs a wait(client) function", 3)
    end
    return loop
  end
  if type(loop) ~= "string" or not loop:match("^[%w_]+$") then
    error("openrouter.new: 'loop' must be an adapter name or table", 3)
  end
  local ok, mod = pcall(require, "openrouter.loop." .. loop)
  if not ok then
    error("openrouter.new: loop '" .. loop .. "' is not available: " .. tostring(mod), 3)
  end
  return mod
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
    _loop = resolve_loop(opts.loop),
    _multi = core.multi_new(),
    _trace = trace.sink(opts.debug),
  }, Client)
  if self._loop.attach then self._loop.attach(self) end
  if self.insecure then
    io.stderr:write("openrouter: WARNING: TLS certificate verification is off (insecure = true)\n")
  end
  secrets[self] = key
  return self
end

------------------------------------------------------------- internals

--- Printable preview of bytes from the server (for error messages).
function M._preview(s, n)
  n = n or 160
  local cut = #s > n
  s = s:sub(1, n):gsub("[%z\1-\8\11-\31\127]", function(c)
    return string.format("\\x%02x", c:byte())
  end):gsub("\n", "\\n"):gsub("\r", "\\r")
  return "'" .. s .. (cut and "...'" or "'")
end
Client._preview = M._preview

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
function Client:_start(method, path, body, sse, opts)
  local headers, err = header_list(self, opts, sse)
  if not headers then return nil, err end
  local to = merge(self.timeout, opts.timeout)
  local lim = merge(self.limits, opts.limits)
  if self._trace then
    trace.request(self._trace, secrets[self], method, self.base_url .. path, headers, body, sse)
  end
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
  self:_kick()
  return req
end

--- Let transfers progress: blocks or yields, per the loop adapter, until
--- `req` (optional) may have news or `deadline` (core.now() seconds,
--- optional) has passed.  Adapters may return earlier.
function Client:_wait(req, deadline)
  self._loop.wait(self, req, deadline)
end

--- Pause (between retries).  `cond` (optional): a function; when it turns
--- true (a cancel), an adapter that can tell may end the pause early.
function Client:_sleep(seconds, cond)
  if self._loop.sleep then return self._loop.sleep(self, seconds, cond) end
  local deadline = core.now() + seconds
  while core.now() < deadline and not (cond and cond()) do self._loop.wait(self, nil, deadline) end
end

--- Debug trace (debug = true or OPENROUTER_DEBUG=1): one SSE event.
function Client:_trace_event(ev)
  trace.event(self._trace, secrets[self], ev)
end

--- Debug trace: a request is over (status, timings, the error if any).
function Client:_trace_done(req, err)
  trace.done(self._trace, secrets[self], req, err)
end

--- A request was started or cancelled: tell the loop adapter.
function Client:_kick()
  local kick = self._loop.kick
  if kick then kick(self) end
end

--- Raise a clear error when waiting is impossible here (e.g. the nvim
--- loop outside openrouter.async).
function Client:_check_wait()
  local check = self._loop.check
  if check then check(self) end
end

--- Run fn where it may wait: a task of the loop, or (blocking loop) now.
function Client:_spawn(fn)
  local spawn = self._loop.spawn
  if spawn then return spawn(self, fn) end
  fn()
  return nil
end

--- An error with no caller left (a callback raised, a task failed):
--- raise it where the host reports errors.
function Client:_report(msg)
  local report = self._loop.report
  if report then return report(self, msg) end
  error(msg, 0)
end

-- Fill request_id/status from the response when the error lacks them.
function Client:_decorate(e, req)  -- luacheck: ignore 212/self
  local h = req:headers()
  if e.request_id == nil then e.request_id = h["x-generation-id"] end
  if e.status == nil then
    local st = req:status()
    if st > 0 then e.status = st end
  end
  return e
end

local function http_date_delay(s)
  local months = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                   Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }
  local d, mon, y, hh, mm, ss = s:match("%a+, (%d+) (%a+) (%d+) (%d+):(%d+):(%d+) GMT")
  if not d or not months[mon] then return nil end
  local t = { year = tonumber(y), month = months[mon], day = tonumber(d),
              hour = tonumber(hh), min = tonumber(mm), sec = tonumber(ss), isdst = false }
  -- os.time reads local time; correct by the zone offset of that moment
  local now = os.time()
  local offset = os.difftime(now, os.time(os.date("!*t", now)))
  local delay = os.difftime(os.time(t) + offset, now)
  return delay > 0 and delay or 0
end

--- The server's retry hint in seconds: retry-after-ms, Retry-After
--- (seconds or an HTTP date), then error.availability.retry_after.
function M.retry_hint(headers, err_body)
  local ms = tonumber(headers["retry-after-ms"] or "")
  if ms then return ms / 1000 end
  local ra = headers["retry-after"]
  if ra then
    local s = tonumber(ra)
    if s then return s end
    local d = http_date_delay(ra)
    if d then return d end
  end
  if type(err_body) == "table" then
    local av = err_body.availability or (type(err_body.metadata) == "table" and err_body.metadata.availability)
    if type(av) == "table" and type(av.retry_after) == "number" then return av.retry_after end
  end
  return nil
end

--- An error object for a non-2xx response, from OpenRouter's error body
--- {"error":{"code","message","metadata"}}.
function Client:_http_error(req)
  local status = req:status()
  local body = req:body()
  local ok, doc = pcall(json.decode, body)
  local e = { kind = "http", status = status, body = body }
  local eb = ok and type(doc) == "table" and type(doc.error) == "table" and doc.error or nil
  if eb then
    e.code = eb.code ~= null and eb.code or nil
    e.message = type(eb.message) == "string" and eb.message or ("HTTP " .. status)
    e.metadata = type(eb.metadata) == "table" and eb.metadata or nil
    if type(doc.id) == "string" then e.request_id = doc.id end
    local av = eb.availability or (e.metadata and e.metadata.availability)
    if type(av) == "table" and av.retryable == false then e.retryable = false end
  elseif body ~= "" then
    e.message = "HTTP " .. status .. ": " .. M._preview(body)
  else
    e.message = "HTTP " .. status
  end
  e.retry_after = M.retry_hint(req:headers(), eb)
  return errors.new(self:_decorate(e, req))
end

function Client:_transport_error(req)
  local ok, kind, message, which = req:result()
  if ok ~= false then return nil end
  -- `which` names the timeout or the limit that fired; for a network
  -- error it is libcurl's reason, kept as the code
  local e = { kind = kind, message = message }
  if kind == "network" then e.code = which else e.which = which end
  return errors.new(self:_decorate(e, req))
end

--- Block (or yield) until the request has finished.
function Client:_complete(req)
  while req:result() == nil do self:_wait(req) end
end

--- Backoff before retry `attempt` (1-based): base * 2^(attempt-1), capped,
--- minus up to `jitter` of it; a server hint wins.
function M.backoff(attempt, hint)
  local b = M.BACKOFF
  if hint then return hint end
  local d = math.min(b.base * 2 ^ (attempt - 1), b.cap)
  return d - d * b.jitter * math.random()
end

-- Should `e` be retried after `attempt` tries out of 1 + max_retries?
-- Returns the delay, or nil.
function Client:_retry_delay(e, attempt, max_retries)  -- luacheck: ignore 212/self
  if attempt > max_retries or not e.retryable then return nil end
  local hint = e.retry_after
  if hint and hint > M.BACKOFF.max_hint then return nil end
  return M.backoff(attempt, hint)
end

-- One JSON request/response with retries.  Returns decoded body or nil, err.
function Client:_json(method, path, body, opts)
  opts = opts or {}
  self:_check_wait()
  local max_retries = opts.max_retries or self.max_retries
  local attempts = {}
  local attempt = 0
  -- opts._token (callback handles): { cancelled = bool, req = current request }
  local token = opts._token
  local cancelled = token and function() return token.cancelled end
  while true do
    attempt = attempt + 1
    local req, err = self:_start(method, path, body, false, opts)
    if not req then return nil, err end
    if token then token.req = req end
    self:_complete(req)
    local res
    err = self:_transport_error(req)
    if not err then
      local status = req:status()
      if status < 200 or status >= 300 then
        err = self:_http_error(req)
      else
        local raw = req:body()
        local ok, doc = pcall(json.decode, raw)
        if not ok or type(doc) ~= "table" then
          err = errors.new(self:_decorate({
            kind = "protocol", message = "response is not JSON: " .. M._preview(raw), body = raw,
          }, req))
        elseif type(doc.error) == "table" then
          local eb = doc.error
          err = errors.new(self:_decorate({
            kind = "api", code = eb.code ~= null and eb.code or nil,
            message = type(eb.message) == "string" and eb.message or "error in response",
            metadata = type(eb.metadata) == "table" and eb.metadata or nil,
            request_id = type(doc.id) == "string" and doc.id or nil,
            body = raw,
          }, req))
        else
          res = doc
        end
      end
    end
    if self._trace then self:_trace_done(req, err) end
    req:close()
    if res then return res end
    local delay = self:_retry_delay(err, attempt, max_retries)
    attempts[#attempts + 1] = { status = err.status, kind = err.kind, delay = delay }
    if not delay then
      err.attempts = attempts
      return nil, err
    end
    self:_sleep(delay, cancelled)
    if token and token.cancelled then
      return nil, errors.new{ kind = "cancelled", message = "request cancelled", attempts = attempts }
    end
  end
end

local function encode(tbl)
  local ok, body = pcall(json.encode, tbl)
  if not ok then
    return nil, errors.validation({ { path = "", message = "cannot encode as JSON: " .. tostring(body) } },
      "invalid request")
  end
  return body
end

local function check_request(self, req, opts, fname)
  if type(req) ~= "table" then error("client:" .. fname .. ": request must be a table", 3) end
  if opts ~= nil and type(opts) ~= "table" then error("client:" .. fname .. ": options must be a table", 3) end
  opts = opts or {}
  local validate = opts.validate
  if validate == nil then validate = self.validate end
  if validate then
    local v = require("openrouter.validate")
    local ok, list = v.validate_request(req)
    if not ok then return nil, errors.validation(list) end
  end
  return opts
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
    local o, err = check_request(self, req, plain, "chat")
    if not o then return nil, err end
    local t = {}
    for k, v in pairs(o) do t[k] = v end
    t.validate = false
    return callbacks.chat(self, req, t, cbs)
  end
  local o, err = check_request(self, req, opts, "chat")
  if not o then return nil, err end
  self:_check_wait()
  if req.stream then
    local s
    s, err = self:stream(req, { headers = o.headers, timeout = o.timeout, limits = o.limits,
                                validate = false, max_retries = o.max_retries })
    if not s then return nil, err end
    return s:result()
  end
  local body
  body, err = encode(req)
  if not body then return nil, err end
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
  local o, err = check_request(self, req, opts, "stream")
  if not o then return nil, err end
  local t = {}
  for k, v in pairs(req) do t[k] = v end
  t.stream = true
  local body
  body, err = encode(t)
  if not body then return nil, err end
  local function start()
    return self:_start("POST", "/chat/completions", body, true, o)
  end
  local r
  r, err = start()
  if not r then return nil, err end
  local s = stream_mod.new(self, r)
  s._response_format = req.response_format                                  -- hook: structured outputs
  s._restart = start
  s._max_retries = o.max_retries or self.max_retries
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

local function post_json(self, path, req, opts, fname)
  if type(req) ~= "table" then error("client:" .. fname .. ": request must be a table", 3) end
  local body, err = encode(req)
  if not body then return nil, err end
  return self:_json("POST", path, body, opts)
end

--- Legacy text completions (POST /completions).
function Client:completions(req, opts)
  return post_json(self, "/completions", req, opts, "completions")
end

--- Embeddings (POST /embeddings).
function Client:embeddings(req, opts)
  return post_json(self, "/embeddings", req, opts, "embeddings")
end

--- Advance every request without blocking, resume the tasks and
--- callbacks that can move on, and re-raise an error one of them left
--- behind.  The "manual" loop needs it once per frame; on other loops it
--- is harmless.  Returns a count of pending work, 0 when idle.
---@return integer
function Client:update()
  local update = self._loop.update
  if update then return update(self) end
  return self._multi:perform()
end

--- Close the client's transport: every request in flight is cancelled.
function Client:close()
  self._multi:close()
  if self._loop.detach then self._loop.detach(self) end
end

Client.conversation = require("openrouter.conversation").new               -- hook: conversations

M.Client = Client
return M
