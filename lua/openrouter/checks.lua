--- Misuse raises with a clear message: the one place that knows every
-- option (of openrouter.new and of the per-call `opts`), checks its type,
-- suggests the option meant when a name is misspelled, and checks the
-- `self` of every public method.
--
-- A feature that adds an option registers it here, in one line:
--
--   checks.CLIENT.my_option = checks.integer(1)          -- openrouter.new{...}
--   checks.CALL.my_option = checks.boolean               -- every request's opts
--   checks.CHAT.max_steps = checks.integer(1)            -- chat() and stream() only
--   checks.CHAT.on_tool_call = checks.func
--
-- A check is function(value, name) -> nil, or a message that names the
-- option ("'timeout.total' must be ..."); it runs only for a non-nil value.
-- Unknown names raise ("unknown option 'apikey' (did you mean 'api_key'?)").
-- Messages never quote a string value: it may be the API key.

local M = {}

------------------------------------------------------------ did you mean

-- Edit distance (insert, delete, substitute, swap neighbours), case and
-- '_'/'-' ignored: "apikey" -> "api_key", "conect" -> "connect".
local function distance(a, b)
  a = a:lower():gsub("[_%-]", "")
  b = b:lower():gsub("[_%-]", "")
  local la, lb = #a, #b
  if la == 0 or lb == 0 then return la + lb end
  local prev2, prev = {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    local cur = { [0] = i }
    local ca = a:byte(i)
    for j = 1, lb do
      local cost = (ca == b:byte(j)) and 0 or 1
      local d = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and ca == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d = math.min(d, prev2[j - 2] + 1)
      end
      cur[j] = d
    end
    prev2, prev = prev, cur
  end
  return prev[lb]
end

--- The name in `names` (a set or a list of tables of names) closest to
--- `name`, when it is close enough to be a likely typo; else nil.
---@param name string
---@param ... table   sets { [name] = anything }
---@return string|nil
function M.suggest(name, ...)
  if type(name) ~= "string" then return nil end
  local best, best_d = nil, math.huge
  for i = 1, select("#", ...) do
    local set = select(i, ...)
    for k in pairs(set or {}) do
      if type(k) == "string" and k:sub(1, 1) ~= "_" then
        local d = distance(name, k)
        if d < best_d or (d == best_d and best and k < best) then best, best_d = k, d end
      end
    end
  end
  local limit = #name <= 4 and 1 or 2
  if best_d <= limit then return best end
  return nil
end

local function keyname(k)
  if type(k) == "string" then return k end
  return "[" .. tostring(k) .. "]"
end

local function unknown(prefix, k, ...)
  local s = ("unknown option '%s%s'"):format(prefix, keyname(k))
  local hint = M.suggest(k, ...)
  if hint then s = s .. (" (did you mean '%s%s'?)"):format(prefix, hint) end
  return s
end

-- What a bad value was, without quoting strings (the key may be one).
local function got(v)
  local t = type(v)
  if t == "number" then return "got " .. tostring(v) end
  if t == "boolean" then return "got " .. tostring(v) end
  if t == "string" then return v == "" and "got an empty string" or "got a string" end
  return "got a " .. t
end
M.got = got

------------------------------------------------------------------ checks

local function finite(v) return type(v) == "number" and v == v and v > -math.huge and v < math.huge end

--- Checks of one type.
function M.type(kind)
  local article = kind:match("^[aeiou]") and "an " or "a "
  return function(v, name)
    if type(v) ~= kind then return ("'%s' must be %s%s, %s"):format(name, article, kind, got(v)) end
  end
end
M.string = M.type("string")
M.boolean = M.type("boolean")
M.func = M.type("function")
M.table = M.type("table")

--- An integer >= min.
function M.integer(min)
  return function(v, name)
    if not finite(v) or v % 1 ~= 0 or v < min then
      return ("'%s' must be an integer >= %d, %s"):format(name, min, got(v))
    end
  end
end

--- A finite number >= min; `what` says what it counts ("seconds").
function M.number(min, what)
  return function(v, name)
    if not finite(v) or v < min then
      return ("'%s' must be a number of %s >= %s, %s"):format(name, what, tostring(min), got(v))
    end
  end
end

--- A non-empty string.
function M.nonempty(v, name)
  if type(v) ~= "string" or v == "" then
    return ("'%s' must be a non-empty string, %s"):format(name, got(v))
  end
end

--- One of several checks.
function M.either(a, b, what)
  return function(v, name)
    if a(v, name) and b(v, name) then return ("'%s' must be %s, %s"):format(name, what, got(v)) end
  end
end

--- A table whose keys are in `fields` ({ key = check }).
function M.fields(fields)
  return function(v, name)
    if type(v) ~= "table" then return ("'%s' must be a table, %s"):format(name, got(v)) end
    for k, x in pairs(v) do
      local check = fields[k]
      if not check then return unknown(name .. ".", k, fields) end
      local msg = check(x, name .. "." .. k)
      if msg then return msg end
    end
  end
end

--- A table of headers { [name] = value }: string names, string or number
--- values (false leaves a default header out).  Whether a name or value
--- can be sent is checked at request time (a validation error).
function M.headers(v, name)
  if type(v) ~= "table" then
    return ("'%s' must be a table { [name] = value }, %s"):format(name, got(v))
  end
  for k, x in pairs(v) do
    if type(k) ~= "string" then
      return ("'%s' must be keyed by header names, not by %s (an array?)"):format(name, keyname(k))
    end
    local t = type(x)
    if t ~= "string" and t ~= "number" and x ~= false then
      return ("'%s[\"%s\"]' must be a string, a number or false, %s"):format(
        name, k:gsub("[%c\"]", "?"), got(x))
    end
  end
end

local seconds = M.number(0, "seconds")   -- 0: none

M.TIMEOUT = { connect = seconds, first_byte = seconds, idle = seconds, total = seconds }
M.LIMITS = { max_event = M.integer(1), max_body = M.integer(1), max_header = M.integer(1) }

------------------------------------------------------------ the options

--- openrouter.new{...}.  base_url and loop have checks of their own too
--- (client.lua: the URL rule; openrouter.loop: the adapter).
M.CLIENT = {
  api_key = M.string,
  base_url = M.nonempty,
  app_url = M.string,
  app_title = M.string,
  headers = M.headers,
  timeout = M.fields(M.TIMEOUT),
  limits = M.fields(M.LIMITS),
  max_retries = M.integer(0),
  validate = M.boolean,
  ca_file = M.string,
  ca_path = M.string,
  insecure = M.boolean,
  debug = M.either(M.boolean, M.func, "true, false or a function(line)"),
  loop = M.either(M.string, M.table, "an adapter name or table"),
  max_connections = M.integer(0),
  max_idle_connections = M.integer(1),
  idle_connection_timeout = M.number(1, "seconds"),
}

--- The opts of every request (chat, stream, models, key, ...).
M.CALL = {
  headers = M.headers,
  timeout = M.fields(M.TIMEOUT),
  limits = M.fields(M.LIMITS),
  validate = M.boolean,
  max_retries = M.integer(0),
  _token = M.table,               -- internal: the cancel token of a callback-style chat
  _body = M.string,               -- internal: the body a callback-style chat prepared once
}

--- The opts of chat() and stream() only, on top of M.CALL.
M.CHAT = {
  on_chunk = M.func,
  on_text = M.func,
  on_done = M.func,
  on_error = M.func,
  coalesce_ms = M.number(0, "milliseconds"),
  max_steps = M.integer(1),       -- tool runs (openrouter.tool)
  on_tool_call = M.func,
  on_tool_result = M.func,
}

--- The options of stream:text{...}.
M.TEXT = {
  coalesce_ms = M.number(0, "milliseconds"),
}

-- Where misuse is reported: the first frame outside this library (skipping
-- C functions such as pcall, and 5.1's tail-call markers), so the message
-- points at the caller's line on every Lua however deep the library's own
-- calls go.  The library is every Lua file beside this one (and below it).
local LIB = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "\0"

--- Raise `msg` at the user's frame (see above).
---@param msg string
function M.raise(msg)
  local level = 2
  while true do
    local info = debug.getinfo(level, "S")
    if not info then break end
    local src = info.source or ""
    if info.what ~= "C" and info.what ~= "tail" and src:sub(2, #LIB + 1) ~= LIB then break end
    level = level + 1
  end
  error(msg, level)
end

-- Check `opts` against the option tables; raise (at the user's frame:
-- M.raise) with `where` ("openrouter.new").  The level arguments of this
-- module's functions are kept for their callers; M.raise finds the frame.
local function check(opts, where, _level, t1, t2)
  for k, v in pairs(opts) do
    local c = t1[k] or (t2 and t2[k])
    if not c then M.raise(where .. ": " .. unknown("", k, t1, t2)) end
    local msg = c(v, k)
    if msg then M.raise(where .. ": " .. msg) end
  end
end

--- Check an options table (nil is fine) against the option tables `t1`
--- (and `t2`); misuse raises at `level` (1: the caller of this function)
--- as "<where>: ...".  Returns opts, or {} for nil.
---@param opts table|nil
---@param where string
---@param level integer
---@param t1 table
---@param t2 table|nil
---@return table
function M.options(opts, where, level, t1, t2)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    M.raise(("%s: options must be a table (%s)"):format(where, got(opts)))
  end
  check(opts, where, level + 1, t1, t2)
  return opts
end

--- Check the options of openrouter.new; misuse raises at `level` (1: the
--- caller of this function).
---@param opts table
---@param level integer
function M.client(opts, level)
  check(opts, "openrouter.new", level + 1, M.CLIENT)
end

--- Check the per-call options of client:<fname>; `chat`: chat() or
--- stream() (callbacks allowed).  Returns opts, or {} for nil.
---@param opts table|nil
---@param fname string
---@param chat boolean
---@param level integer
---@return table
function M.call(opts, fname, chat, level)
  -- not a tail call: `level + 1` counts this function's frame
  local checked = M.options(opts, "client:" .. fname, level + 1, M.CALL, chat and M.CHAT or nil)
  return checked
end

------------------------------------------------------------ method self

-- How to name what a method was called on.
local function what(v)
  if v == nil then return "nil" end
  local mt = getmetatable(v)
  local name = type(mt) == "table" and rawget(mt, "__name")
  if type(name) == "string" then return "an " .. name end
  local t = type(v)
  return (t:match("^[aeiou]") and "an " or "a ") .. t
end

--- Make every public method of class `C` (a function field whose name
--- does not start with "_") check its self: `client.chat{...}` or
--- `stream.result()` raise "use client:chat(...)" instead of failing deep
--- inside.  Methods `C` inherits from `parent` (a table of methods) are
--- copied in, checked the same way.  Call it once the class is complete.
---@param C table      the class (the metatable of its instances)
---@param noun string  how the docs name an instance ("client", "stream")
---@param parent table|nil
local originals = setmetatable({}, { __mode = "k" })   -- wrapper -> method

function M.methods(C, noun, parent)
  local function wrap(name, f)
    f = originals[f] or f
    local usage = ("%s:%s(...)"):format(noun, name)
    local w = function(self, ...)
      if getmetatable(self) ~= C then
        M.raise(("%s.%s: called on %s, not a %s; use %s"):format(noun, name, what(self), noun, usage))
      end
      return f(self, ...)
    end
    originals[w] = f
    return w
  end
  local all = {}
  for _, src in ipairs({ parent or {}, C }) do
    for name, f in pairs(src) do
      if type(name) == "string" and name:sub(1, 1) ~= "_" and type(f) == "function" then all[name] = f end
    end
  end
  for name, f in pairs(all) do C[name] = wrap(name, f) end
  return C
end

return M
