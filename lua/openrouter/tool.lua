--- Tool runs: tools that carry a `run` function, and the loop that lets a
-- model use them.
--
--   local weather = openrouter.tool{
--     name = "get_weather", description = "Current weather of a city",
--     parameters = { type = "object", properties = { city = { type = "string" } }, required = { "city" } },
--     run = function(args, ctx) return { city = args.city, celsius = 21 } end,
--   }
--   local res, err = client:chat({ model =, messages =, tools = { weather } }, { max_steps = 8 })
--   res.choices[1].message.content   -- the model's answer once it stopped calling tools
--   res.steps, res.messages          -- every step; the whole history, ready to send again
--
-- A request whose `tools` hold such tools makes client:chat and
-- client:stream send, collect the tool calls, check each call's arguments
-- against the tool's `parameters` (the C schema engine, compiled once per
-- tool), call `run` (in the caller's task, so it may wait), append the
-- assistant message and the tool results, and send again -- until the model
-- answers without tool calls or `max_steps` requests were made.  Bad
-- arguments, a tool that raises and an unknown tool name become a tool
-- result that describes the error (the model may correct itself) and are
-- recorded in the step.  client:stream returns a stream over the chunks of
-- every step (see ToolStream below).

local core = require("openrouter.core")
local errors = require("openrouter.errors")
local async = require("openrouter.async")
local callbacks = require("openrouter.callbacks")
local schema = require("openrouter.schema")
local structured = require("openrouter.structured")

-- The JSON codec, in one place: decode and encode raise, with the reason.
local json = require("openrouter.json")
local null = json.null
local function decode(s)
  local v, err = json.decode(s)
  if v == nil then error(err.message, 0) end
  return v
end
local function encode(v)
  local s, err = json.encode(v)
  if s == nil then
    local e = err.errors[1]
    error((e.path ~= "" and (e.path .. ": ") or "") .. e.message, 0)
  end
  return s
end

local now = core.now
local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

local M = {}

M.DEFAULT_MAX_STEPS = 8

------------------------------------------------------------ declaration

-- What a tool keeps out of its JSON form: run and the compiled validator.
local private = setmetatable({}, { __mode = "k" })

---@class openrouter.Tool
---@field name string
---@field description string|nil
---@field parameters table
---@field run fun(args: table, ctx: table): any
local Tool = {}
Tool.__name = "openrouter.Tool"

local SHOWN = { name = true, description = true, parameters = true, strict = true }

function Tool.__index(t, k)
  local p = private[t]
  if k == "run" then return p and p.run end
  if SHOWN[k] then
    local f = rawget(t, "function")
    return type(f) == "table" and f[k] or nil
  end
  return nil
end

function Tool.__tostring(t)
  return "openrouter.Tool(" .. tostring(t.name) .. ")"
end

local FIELDS = { name = true, description = true, parameters = true, run = true, strict = true }

--- Declare a tool.  Its raw fields are the API's function tool
--- `{ type = "function", ["function"] = { name =, description =, parameters = } }`,
--- so it encodes as one; `run` stays out of the JSON.  Raises on misuse,
--- and on `parameters` the schema engine cannot honour.
---@param spec { name: string, description?: string, parameters?: table,
---              run: fun(args: table, ctx: table): any, strict?: boolean }
---@return openrouter.Tool
function M.new(spec)
  if type(spec) ~= "table" then
    error("openrouter.tool: expected a table { name =, description =, parameters =, run = }", 2)
  end
  for k in pairs(spec) do
    if not FIELDS[k] then error("openrouter.tool: unknown field '" .. tostring(k) .. "'", 2) end
  end
  local name = spec.name
  if type(name) ~= "string" or #name > 64 or not name:match("^[%w_%-]+$") then
    error("openrouter.tool: 'name' must be a string of 1 to 64 letters, digits, '_' or '-'", 2)
  end
  local what = "openrouter.tool '" .. name .. "': "
  if spec.description ~= nil and type(spec.description) ~= "string" then
    error(what .. "'description' must be a string", 2)
  end
  if type(spec.run) ~= "function" then error(what .. "'run' must be a function", 2) end
  if spec.strict ~= nil and type(spec.strict) ~= "boolean" then error(what .. "'strict' must be a boolean", 2) end
  local params = spec.parameters
  if params == nil then
    params = { type = "object" }
  elseif type(params) ~= "table" then
    error(what .. "'parameters' must be a table (a JSON Schema)", 2)
  end
  local ok, v = pcall(schema.compile, params)
  if not ok then error(what .. "parameters: " .. tostring(v), 2) end
  local t = setmetatable({
    type = "function",
    ["function"] = { name = name, description = spec.description, parameters = params, strict = spec.strict },
  }, Tool)
  private[t] = { run = spec.run, validator = v }
  return t
end

--- Is `v` a tool made by openrouter.tool?
function M.is(v)
  return getmetatable(v) == Tool
end

--- Does `req` hold tools with `run` (so client:chat/stream run the loop)?
--- (Hook: the first line of Client:chat and Client:stream.)
function M.runnable(req)
  if type(req) ~= "table" or type(req.tools) ~= "table" then return false end
  for _, t in ipairs(req.tools) do
    if getmetatable(t) == Tool then return true end
  end
  return false
end

------------------------------------------------------------- messages

--- The assistant message to send back for a response's message: role,
--- content, tool_calls (id, type, function name and arguments), refusal,
--- reasoning and reasoning_details as they came.
---@param msg table
---@return table
function M.assistant_message(msg)
  local calls = type(msg.tool_calls) == "table" and #msg.tool_calls > 0 and msg.tool_calls or nil
  local content = msg.content
  if calls then
    if content == nil or content == "" then content = null end
  elseif content == nil or content == null then
    content = ""
  end
  local m = { role = "assistant", content = content }
  if calls then
    local list = {}
    for i, c in ipairs(calls) do
      local fn = type(c["function"]) == "table" and c["function"] or {}
      list[i] = {
        id = c.id, type = c.type or "function",
        ["function"] = { name = fn.name, arguments = type(fn.arguments) == "string" and fn.arguments or "" },
      }
    end
    m.tool_calls = list
  end
  if type(msg.refusal) == "string" then m.refusal = msg.refusal end
  if type(msg.reasoning) == "string" then m.reasoning = msg.reasoning end
  if type(msg.reasoning_details) == "table" then m.reasoning_details = msg.reasoning_details end
  return m
end

------------------------------------------------------------------ options

local OWN = { max_steps = true, on_tool_call = true, on_tool_result = true }

-- Split the per-call options into ours and the rest (for client:chat /
-- client:stream).  Misuse raises at `level`.
local function split_opts(opts, fname, level)
  if opts ~= nil and type(opts) ~= "table" then error(fname .. ": options must be a table", level) end
  local own, rest = {}, {}
  for k, v in pairs(opts or {}) do
    if OWN[k] then own[k] = v else rest[k] = v end
  end
  local n = own.max_steps
  if n == nil then
    own.max_steps = M.DEFAULT_MAX_STEPS
  elseif type(n) ~= "number" or n < 1 or n ~= math.floor(n) or n == math.huge then
    error(fname .. ": 'max_steps' must be a positive integer", level)
  end
  for _, k in ipairs{ "on_tool_call", "on_tool_result" } do
    if own[k] ~= nil and type(own[k]) ~= "function" then
      error(fname .. ": '" .. k .. "' must be a function", level)
    end
  end
  return own, rest
end

------------------------------------------------------------------ a run

---@class openrouter.ToolCall
---@field id string
---@field name string
---@field arguments table|nil       the decoded arguments (nil when they are not JSON)
---@field arguments_json string     as the model wrote them
---@field result any                what run returned
---@field content string            the tool result sent to the model
---@field error table|nil           { kind =, message =, errors =, cause =, traceback = }
---@field time number               seconds in run

local Run = {}
Run.__index = Run

local function new_run(client, req, own, rest, fname)
  if type(req.messages) ~= "table" then
    error(fname .. ": a tool run needs 'messages' (a list)", 4)
  end
  local run = setmetatable({
    client = client, req = req, own = own, opts = rest,
    tools = {}, by_name = {}, history = {}, added = {}, steps = {},
  }, Run)
  for i, t in ipairs(req.tools) do
    local fn = type(t) == "table" and rawget(t, "function")
    local name = type(fn) == "table" and fn.name or nil
    if getmetatable(t) == Tool then
      run.tools[i] = { type = "function", ["function"] = fn }
      if name ~= nil then run.by_name[name] = t end
    else
      run.tools[i] = t
      -- declared without run: the caller answers it
      if name ~= nil and run.by_name[name] == nil then run.by_name[name] = false end
    end
  end
  for i, m in ipairs(req.messages) do
    run.history[i] = m
    run.added[i] = m
  end
  return run
end

-- The request of the next step: the caller's, with the history so far
-- and the tools as plain tables (so it is not a tool run again).
function Run:request()
  local r = {}
  for k, v in pairs(self.req) do r[k] = v end
  local msgs = {}
  for i, m in ipairs(self.history) do msgs[i] = m end
  r.messages, r.tools = msgs, self.tools
  self.t0 = now()
  return r
end

local function append(self, m)
  self.history[#self.history + 1] = m
  self.added[#self.added + 1] = m
end

-- Call a user callback protected (it may wait).  Returns nil, or a
-- "callback" error.
local function fire(self, name, ...)
  local f = self.own[name]
  if not f then return nil end
  local args = { n = select("#", ...), ... }
  local ok, err, tb = async.pcall_tb(function() f(unpack(args, 1, args.n)) end)
  if ok then return nil end
  return errors.new{ kind = "callback", message = name .. " raised: " .. tostring(err), cause = err, traceback = tb }
end

-- The text of a tool result that tells the model what went wrong.
local function error_content(e)
  local list = e.errors or { { path = "", message = e.message } }
  local ok, s = pcall(encode, { error = e.message, errors = list })
  if ok then return s end
  return encode({ error = "the tool failed" })
end

-- Handle one call: decode and check its arguments, run the tool.  Returns
-- the record, or nil and an error that ends the run (a callback raised,
-- the task was cancelled).
function Run:call(c, step)
  local fn = type(c["function"]) == "table" and c["function"] or {}
  local rec = {
    id = c.id, name = fn.name, arguments_json = type(fn.arguments) == "string" and fn.arguments or "",
    step = step.index, time = 0,
  }
  -- no arguments at all is an empty object
  local raw = rec.arguments_json
  local ok, args = true, {}
  if raw:match("%S") then ok, args = pcall(decode, raw) end
  if ok then rec.arguments = args end
  local err = fire(self, "on_tool_call", rec)
  if err then return nil, err end
  local tool = self.by_name[rec.name]
  if not tool then
    local names = {}
    for name in pairs(self.by_name) do names[#names + 1] = name end
    table.sort(names)
    rec.error = { kind = "unknown_tool", message = ("unknown tool '%s' (tools: %s)")
      :format(tostring(rec.name), table.concat(names, ", ")) }
  else
    if not ok then
      rec.error = { kind = "arguments", message = "arguments are not JSON: " .. tostring(args):gsub("^.-: ", "") }
    else
      local p = private[tool]
      local valid, list = p.validator:validate(args)
      if not valid then
        local first = list[1]
        rec.error = {
          kind = "arguments", errors = list,
          message = "arguments do not match the parameters: "
            .. (first.path ~= "" and (first.path .. ": ") or "") .. first.message,
        }
      else
        local r1, r2
        local ctx = { client = self.client, call = rec, step = step.index, messages = self.history,
                      request = self.req }
        local t0 = now()
        local rok, rerr, tb = async.pcall_tb(function() r1, r2 = p.run(args, ctx) end)
        rec.time = now() - t0
        if not rok then
          -- a cancelled task must stop, not tell the model
          if errors.is(rerr) and rerr.kind == "cancelled" then return nil, rerr end
          -- the model is told what went wrong, not where in your files
          local why = type(rerr) == "string" and rerr:gsub("^[^\n:]+:%d+: ", "") or tostring(rerr)
          rec.error = { kind = "run", message = "the tool raised: " .. why, cause = rerr, traceback = tb }
        elseif r1 == nil and r2 ~= nil then
          rec.error = { kind = "run", message = "the tool failed: " .. tostring(r2), cause = r2 }
        else
          rec.result = r1
          if type(r1) == "string" then
            rec.content = r1
          else
            local eok, s = pcall(encode, r1 == nil and null or r1)
            if eok then
              rec.content = s
            else
              rec.error = { kind = "result", message = "the result cannot be encoded as JSON: " .. tostring(s) }
            end
          end
        end
      end
    end
  end
  if rec.error then
    rec.error.path = rec.error.errors and rec.error.errors[1].path or ""
    rec.content = error_content(rec.error)
  end
  err = fire(self, "on_tool_result", rec, rec.result)
  if err then return nil, err end
  return rec
end

-- A step's response arrived.  Returns "done" (no tool calls: the answer),
-- "handoff" (a call to a tool declared without run: the caller answers),
-- "continue", "limit" (max_steps reached), or nil and an error that ends
-- the run.
function Run:step(res)
  local n = #self.steps + 1
  local step = { index = n, messages = self.added, response = res, tool_calls = {},
                 time = now() - (self.t0 or now()) }
  self.steps[n] = step
  self.added = {}
  local choice = type(res.choices) == "table" and res.choices[1]
  local msg = type(choice) == "table" and type(choice.message) == "table" and choice.message or {}
  local calls = type(msg.tool_calls) == "table" and #msg.tool_calls > 0 and msg.tool_calls or nil
  append(self, M.assistant_message(msg))
  if not calls then return "done" end
  for _, c in ipairs(calls) do
    local fn = type(c) == "table" and c["function"]
    if type(fn) == "table" and self.by_name[fn.name] == false then return "handoff" end
  end
  local t0 = now()
  for i, c in ipairs(calls) do
    local rec, err = self:call(type(c) == "table" and c or {}, step)
    if not rec then return nil, err end
    step.tool_calls[i] = rec
    append(self, { role = "tool", tool_call_id = rec.id, content = rec.content })
  end
  step.tools_time = now() - t0
  if n >= self.own.max_steps then return "limit" end
  return "continue"
end

-- The result of the run: a copy of the last response with steps and
-- messages (the last step keeps the response itself: no cycle).
function Run:result(res)
  local out = {}
  for k, v in pairs(res) do out[k] = v end
  out.steps, out.messages = self.steps, self.history
  return out
end

-- The error for max_steps reached.
function Run:limit_error(res)
  return errors.new{
    kind = "tool",
    message = ("the model still calls tools after max_steps = %d steps"):format(self.own.max_steps),
    partial = self:result(res), steps = self.steps, messages = self.history,
  }
end

-- An error that ended the run: give it the steps so far.
function Run:fail(err)
  if type(err) == "table" then
    if err.steps == nil then err.steps = self.steps end
    if err.messages == nil then err.messages = self.history end
  end
  return err
end

local function cancelled_error()
  return errors.new{ kind = "cancelled", message = "request cancelled" }
end

----------------------------------------------------------------- chat

local function validate_first(client, req, opts)
  local v = opts.validate
  if v == nil then v = client.validate end
  if not v then return true end
  local ok, list = require("openrouter.validate").validate_request(req)
  if not ok then return nil, errors.validation(list) end
  return true
end

--- client:chat for a tool run (the hook at the top of Client:chat).
---@param client openrouter.Client
---@param req table
---@param opts table|nil  client:chat's options plus max_steps, on_tool_call, on_tool_result
---@return table|openrouter.Handle|nil
---@return openrouter.Error|nil
function M.chat(client, req, opts)
  if callbacks.wanted(opts) then
    local cbs, plain = callbacks.split(opts, "chat")
    structured.check(req, "client:chat")           -- a bad schema raises here, not in the task
    if req.stream then
      local s, err = M.stream(client, req, plain)
      if not s then return nil, err end
      return callbacks.stream(client, s, cbs)
    end
    local own, rest = split_opts(plain, "client:chat", 4)
    local run = new_run(client, req, own, rest, "client:chat")
    local ok, err = validate_first(client, run:request(), rest)
    if not ok then return nil, err end
    return callbacks.chat(client, req, plain, cbs)
  end
  local own, rest = split_opts(opts, "client:chat", 4)
  if req.stream then
    local s, err = M.stream(client, req, opts)
    if not s then return nil, err end
    return s:result()
  end
  local run = new_run(client, req, own, rest, "client:chat")
  -- a callback-style handle's cancel (callbacks.chat passes its token)
  local token = rest._token
  while true do
    if token and token.cancelled then return nil, run:fail(cancelled_error()) end
    local res, err = client:chat(run:request(), rest)
    if not res then return nil, run:fail(err) end
    local what
    what, err = run:step(res)
    if not what then return nil, run:fail(err) end
    if what == "limit" then return nil, run:limit_error(res) end
    if what ~= "continue" then return run:result(res) end
  end
end

----------------------------------------------------------- ToolStream

--- The stream of a tool run: the Stream interface over every step.
--- Iteration yields the chunks of each step in order; between steps the
--- tools run inside the iteration (in a task they may wait).  result()
--- gives the final response with steps and messages; cancel() cancels the
--- current step's transfer and every later step; status(), headers(),
--- info() and request_id are the current step's.
---@class openrouter.ToolStream
local ToolStream = {}
ToolStream.__name = "openrouter.ToolStream"

function ToolStream.__index(self, k)
  local m = ToolStream[k]
  if m ~= nil then return m end
  if k == "request_id" then return rawget(self, "_cur").request_id end
  return nil
end

function ToolStream:__tostring()
  local st = self._final and "done" or (self._err and self._err.kind) or "open"
  return "openrouter.ToolStream(step " .. #self._run.steps + (self._final and 0 or 1) .. ", " .. st .. ")"
end

--- client:stream for a tool run (the hook at the top of Client:stream).
---@param client openrouter.Client
---@param req table
---@param opts table|nil
---@return openrouter.ToolStream|openrouter.Handle|nil
---@return openrouter.Error|nil
function M.stream(client, req, opts)
  if callbacks.wanted(opts) then
    local cbs, plain = callbacks.split(opts, "stream")
    local s, err = M.stream(client, req, plain)
    if not s then return nil, err end
    return callbacks.stream(client, s, cbs)
  end
  local own, rest = split_opts(opts, "client:stream", 4)
  local run = new_run(client, req, own, rest, "client:stream")
  local s, err = client:stream(run:request(), rest)
  if not s then return nil, err end
  return setmetatable({ _client = client, _loop = client._loop, _run = run, _cur = s, _opts = rest }, ToolStream)
end

function ToolStream:_fail(e)
  if self._err == nil then self._err = self._run:fail(e) end
  return self._err
end

-- The next item of any step -- a chunk (`poll` = "_poll") or a text delta
-- ("_poll_text": no chunk tables are built) -- nil at the end, or false
-- when `deadline` (core.now() seconds) passed first.  Raises the error
-- object.
local function poll(self, deadline, method)
  while true do
    if self._err then errors.raise(self._err) end
    if self._final then return nil end
    local cur = self._cur
    local ok, chunk = async.pcall(cur[method], cur, deadline)
    if not ok then
      if errors.is(chunk) then errors.raise(self:_fail(chunk)) end
      error(chunk, 0)
    end
    if chunk ~= nil then return chunk end
    -- this step is over: its response, then the tools
    local res, err = cur:result()
    if not res then errors.raise(self:_fail(err)) end
    local what
    what, err = self._run:step(res)
    if not what then errors.raise(self:_fail(err)) end
    if self._err then errors.raise(self._err) end          -- cancelled while the tools ran
    if what == "limit" then errors.raise(self:_fail(self._run:limit_error(res))) end
    if what ~= "continue" then
      self._final = self._run:result(res)
      return nil
    end
    local s
    s, err = self._client:stream(self._run:request(), self._opts)
    if not s then errors.raise(self:_fail(err)) end
    self._cur = s
  end
end

function ToolStream:_poll(deadline) return poll(self, deadline, "_poll") end
-- the coalescer's text path (openrouter.stream.texts)
function ToolStream:_poll_text(deadline) return poll(self, deadline, "_poll_text") end

--- The next decoded chunk (of whichever step), or nil at the end; with
--- `timeout` (seconds), false when it passed first (as Stream:next).
--- Raises the error object when the run failed.
---@param timeout number|nil
---@return table|false|nil
function ToolStream:next(timeout)
  if timeout == nil then return self:_poll(nil) end
  if type(timeout) ~= "number" then error("stream:next: 'timeout' must be a number of seconds", 2) end
  return self:_poll(core.now() + timeout)
end

ToolStream.__call = ToolStream.next

--- Read to the end: the final response with steps and messages, or nil
--- and the error object.
---@return table|nil
---@return openrouter.Error|nil
function ToolStream:result()
  while true do
    local ok, chunk = async.pcall(self._poll, self, nil)
    if not ok then
      if errors.is(chunk) then return nil, chunk end
      error(chunk, 0)
    end
    if chunk == nil then break end
  end
  if self._err then return nil, self._err end
  return self._final
end

--- What has arrived so far: the current step's accumulation, with the
--- steps and messages so far.
---@return table
function ToolStream:partial()
  if self._final then return self._final end
  local p = self._cur:partial()
  local steps, msgs = {}, {}
  for i, st in ipairs(self._run.steps) do steps[i] = st end
  for i, m in ipairs(self._run.history) do msgs[i] = m end
  p.steps, p.messages = steps, msgs
  return p
end

--- The error that ended the run, if any.
function ToolStream:error()
  return self._err
end

--- Cancel the current step's transfer and every later step.
function ToolStream:cancel()
  if self._final or self._err then return end
  self._cur:cancel()
  local e = self._cur:error()
  if not (errors.is(e) and e.kind == "cancelled") then e = cancelled_error() end
  e.partial = e.partial or self._cur:partial()
  self:_fail(e)
end

ToolStream.close = ToolStream.cancel
ToolStream.__close = ToolStream.cancel

--- The current step's HTTP status, headers and transfer details.
function ToolStream:status() return self._cur:status() end
function ToolStream:headers() return self._cur:headers() end
function ToolStream:info() return self._cur:info() end

--- Text deltas (with coalesce_ms) and partial objects, as on a Stream.
ToolStream.text = require("openrouter.stream").Stream.text
ToolStream.objects = structured.objects

--- The steps so far.
function ToolStream:steps() return self._run.steps end

M.Tool = Tool
M.ToolStream = ToolStream
-- For specs: a run without a client request (Run:step(res) on a response).
M._new_run = function(client, req, opts)
  local own, rest = split_opts(opts, "tool._new_run", 2)
  return new_run(client, req, own, rest, "tool._new_run")
end

-- every public method checks its self (openrouter.checks)
require("openrouter.checks").methods(ToolStream, "stream")

return M
