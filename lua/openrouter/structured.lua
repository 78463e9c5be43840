--- Structured outputs: a response_format of type "json_schema" (or
-- "json_object") makes the answer's content JSON.  It is decoded and, for
-- json_schema, validated against the schema with the C schema engine on
-- arrival: choices[i].message.parsed holds the table; a mismatch is an
-- error of kind "output".
--
--   local res, err = client:chat{ model =, messages =, response_format = {
--     type = "json_schema", json_schema = { name = "person", schema = { ... } } } }
--   res.choices[1].message.parsed            --> the decoded, validated table
--   for obj in client:stream(req):objects() do show(obj) end   -- partial tables
--
-- The partial tables come from a tolerant, incremental JSON completer:
-- given the text so far it closes open strings, arrays and objects, drops a
-- dangling key, a trailing comma or an unfinished number or literal, and the
-- result decodes to a value whose every part the full answer will keep
-- (strings grow, containers gain members; nothing changes or disappears).

local errors = require("openrouter.errors")
local schema = require("openrouter.schema")

-- The JSON codec, in one place.
local json = require("openrouter.json")
local null = json.null
local function decode(s)                -- raises, with the reason
  local v, err = json.decode(s)
  if v == nil then error(err.message, 0) end
  return v
end

local M = {}

local byte, find, sub = string.byte, string.find, string.sub

------------------------------------------------------------ the format

-- Compiled validators by schema table (a request reused turn after turn
-- compiles its schema once).
local compiled = setmetatable({}, { __mode = "k" })

local function validator_of(s)
  local v = compiled[s]
  if v == nil then
    v = schema.compile(s)
    compiled[s] = v
  end
  return v
end

-- The kind of structured output a response_format asks for: "json_schema",
-- "json_object" or nil, and the schema table (json_schema only).
local function wanted(format)
  if type(format) ~= "table" then return nil end
  local kind = format.type
  if kind == "json_object" then return kind end
  if kind == "json_schema" then
    local js = format.json_schema
    local s = type(js) == "table" and js.schema or nil
    return kind, (type(s) == "table" or type(s) == "boolean") and s or nil, type(js) == "table" and js.name or nil
  end
  return nil
end

--- Before a request is sent: compile its response_format schema (cached).
--- Raises "<fname>: response_format.json_schema.schema: ..." when the
--- schema engine cannot honour it.  Anything else about the request is the
--- request validator's business.
---@param req any
---@param fname string|nil  "client:chat", for the message
function M.check(req, fname)
  if type(req) ~= "table" then return end
  local kind, s = wanted(req.response_format)
  if kind ~= "json_schema" or s == nil then return end
  local ok, err = pcall(validator_of, s)
  if not ok then
    error((fname or "openrouter") .. ": response_format.json_schema.schema: " .. tostring(err), 3)
  end
end

local function output_error(res, list, what, fields)
  local e = errors.validation(list, what)
  e.kind = "output"
  e.partial = res
  for k, v in pairs(fields or {}) do e[k] = v end
  return e
end

-- Parse one message's content.  Returns the value, or nil, a list of
-- {path=, message=}, a summary and extra error fields.
local function parse_message(msg, finish, kind, s, name)
  local content = msg.content
  if type(content) ~= "string" or content == "" then
    local why = "the answer has no content"
    if type(msg.refusal) == "string" and msg.refusal ~= "" then
      why = "the model refused: " .. msg.refusal
    end
    return nil, { { path = "", message = why } }, "no structured output"
  end
  local ok, value = pcall(decode, content)
  if not ok then
    local why = "not JSON: " .. tostring(value):gsub("^.-: ", "")
    if finish == "length" then why = why .. " (finish_reason 'length': the output was cut off)" end
    return nil, { { path = "", message = why } }, "output is not JSON"
  end
  if kind == "json_schema" and s ~= nil then
    local valid, list = validator_of(s):validate(value)
    if not valid then
      return nil, list, "output does not match the schema" .. (type(name) == "string" and (" '" .. name .. "'") or ""),
        { value = value }
    end
  end
  return value
end

--- After a response is decoded: for a structured response_format, decode
--- (and validate) the content of every choice into message.parsed.  A
--- message that calls tools is left alone (a step of a tool run).
--- Returns res, or nil and an error of kind "output": err.errors lists
--- { path=, message= }, err.partial is the response, err.value the decoded
--- content when it was JSON but failed the schema, err.choice the index.
---@param format table|nil  the request's response_format
---@param res table         a chat response (chat() or stream:result())
---@return table|nil
---@return openrouter.Error|nil
function M.attach(format, res)
  local kind, s, name = wanted(format)
  if kind == nil or type(res) ~= "table" or type(res.choices) ~= "table" then return res end
  for i, choice in ipairs(res.choices) do
    local msg = type(choice) == "table" and choice.message
    if type(msg) == "table" and not (type(msg.tool_calls) == "table" and #msg.tool_calls > 0) then
      local value, list, what, fields = parse_message(msg, choice.finish_reason, kind, s, name)
      if value == nil then
        fields = fields or {}
        fields.choice = i
        return nil, output_error(res, list, what, fields)
      end
      msg.parsed = value
    end
  end
  return res
end

---------------------------------------------------------- the completer

local WS = { [32] = true, [9] = true, [10] = true, [13] = true }
local NUMBER = {}
for c in ("0123456789+-.eE"):gmatch(".") do NUMBER[byte(c)] = true end
local LITERAL = { ["true"] = true, ["false"] = true, ["null"] = true }

---@class openrouter.JsonCompleter
local Completer = {}
Completer.__index = Completer

--- A new incremental completer: feed it text, ask for a completion.
---@return openrouter.JsonCompleter
function M.completer()
  return setmetatable({
    text = "", pos = 0,                   -- bytes scanned
    -- frames: kind "root" | "{" | "["; st: what comes next; cut: bytes
    -- kept when the member being written must be dropped
    stack = { { kind = "root", st = "value", cut = 0 } },
    tok = nil, tok_start = nil,           -- "string" | "key" | "number" | "literal"
    esc = 0, esc_start = nil,             -- in a string: 1 after "\", 2..5 in "\uXXXX"
    bad = false,
  }, Completer)
end

-- A value ended at byte i (inclusive) in the innermost frame.
local function value_done(self, i)
  local f = self.stack[#self.stack]
  f.cut = i
  f.st = f.kind == "root" and "end" or "next"
end

-- A value starts at byte i with character c, in a frame expecting one.
local function start_value(self, c, i)
  local st = self.stack
  if c == 34 then                          -- "
    self.tok, self.tok_start = "string", i
  elseif c == 123 or c == 91 then          -- { [
    st[#st + 1] = { kind = c == 123 and "{" or "[", st = c == 123 and "key?" or "value?", cut = i }
  elseif NUMBER[c] then
    self.tok, self.tok_start = "number", i
  elseif c >= 97 and c <= 122 then         -- a..z: true, false, null
    self.tok, self.tok_start = "literal", i
  else
    self.bad = true
  end
end

-- Scan a string token from byte i; returns the next byte to scan.
local function scan_string(self, s, i, n)
  while i <= n do
    local e = self.esc
    if e == 1 then
      self.esc = byte(s, i) == 117 and 2 or 0      -- \u: four hex digits follow
      i = i + 1
    elseif e >= 2 then
      self.esc = e == 5 and 0 or e + 1
      i = i + 1
    else
      local at = find(s, '[\\"]', i)
      if not at then return n + 1 end
      if byte(s, at) == 92 then
        self.esc, self.esc_start = 1, at
        i = at + 1
      else
        local f = self.stack[#self.stack]
        if self.tok == "key" then
          f.st = "colon"
        else
          value_done(self, at)
        end
        self.tok = nil
        return at + 1
      end
    end
  end
  return i
end

--- Add text (the next piece of the answer).
---@param piece string
function Completer:feed(piece)
  if self.bad or piece == "" then return end
  local s = self.text .. piece
  self.text = s
  local n, i = #s, self.pos + 1
  local stack = self.stack
  while i <= n and not self.bad do
    local tok = self.tok
    if tok == "string" or tok == "key" then
      i = scan_string(self, s, i, n)
    else
      local c = byte(s, i)
      if tok == "number" and NUMBER[c] then
        i = i + 1
      elseif tok == "literal" and c >= 97 and c <= 122 then
        i = i + 1
      else
        if tok then                                  -- a number or literal ended before c
          self.tok = nil
          if tok == "literal" and not LITERAL[sub(s, self.tok_start, i - 1)] then
            self.bad = true
            break
          end
          value_done(self, i - 1)
        end
        local f = stack[#stack]
        local st = f.st
        if WS[c] then                                  -- luacheck: ignore 542
          -- whitespace between tokens
        elseif st == "value" or st == "value?" then
          if c == 93 and st == "value?" then          -- ] of an empty array
            stack[#stack] = nil
            value_done(self, i)
          else
            start_value(self, c, i)
          end
        elseif st == "key?" or st == "key" then
          if c == 34 then
            self.tok, self.tok_start = "key", i
          elseif c == 125 and st == "key?" then       -- } of an empty object
            stack[#stack] = nil
            value_done(self, i)
          else
            self.bad = true
          end
        elseif st == "colon" then
          if c == 58 then f.st = "value" else self.bad = true end
        elseif st == "next" then
          if c == 44 then
            f.st = f.kind == "{" and "key" or "value"
          elseif (c == 125 and f.kind == "{") or (c == 93 and f.kind == "[") then
            stack[#stack] = nil
            value_done(self, i)
          else
            self.bad = true
          end
        else                                          -- root "end": only whitespace may follow
          self.bad = true
        end
        i = i + 1
      end
    end
  end
  self.pos = n
end

--- The text so far made whole: a JSON text, or nil when nothing of a
--- value can be shown yet (or the text is not JSON).  `final`: the text is
--- all there is, so a number at its very end is complete.
---@param final boolean|nil
---@return string|nil
function Completer:complete(final)
  if self.bad then return nil end
  local s, stack = self.text, self.stack
  local f = stack[#stack]
  local keep, tail = f.cut, ""
  local tok = self.tok
  if tok == "string" then
    keep = self.esc > 0 and self.esc_start - 1 or #s
    -- a high surrogate (\uD800-\uDBFF) decodes only with the low one after it
    local at = find(sub(s, keep - 5, keep), "^\\u[dD][89abAB]%x%x$")
    if at and keep - 5 > self.tok_start then
      local b = keep - 6                               -- count the backslashes before it
      while byte(s, b) == 92 do b = b - 1 end
      if (keep - 6 - b) % 2 == 0 then keep = keep - 6 end
    end
    tail = '"'
  elseif (tok == "literal" and LITERAL[sub(s, self.tok_start)]) or (tok == "number" and final) then
    keep = #s
  end
  -- tok "key", "number", an unfinished literal, a dangling key or comma:
  -- the innermost frame's member is dropped (keep = its cut)
  if keep == 0 then return nil end                     -- no top-level value yet
  local out = { sub(s, 1, keep), tail }
  for k = #stack, 2, -1 do
    out[#out + 1] = stack[k].kind == "{" and "}" or "]"
  end
  return table.concat(out)
end

--- One-shot: the completion of `text` (see Completer:complete).
---@param text string
---@param final boolean|nil
---@return string|nil
function M.complete(text, final)
  local c = M.completer()
  c:feed(text)
  return c:complete(final)
end

--- The value of the text so far (a partial table), or nil.
---@param text string
---@param final boolean|nil
---@return any
function M.partial_value(text, final)
  local t = M.complete(text, final)
  if t == nil then return nil end
  local ok, v = pcall(decode, t)
  if ok then return v end
  return nil
end

------------------------------------------------------- stream:objects()

local function deep_equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not deep_equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end
M.deep_equal = deep_equal

local function delta_content(chunk)
  local ch = type(chunk.choices) == "table" and chunk.choices[1]
  local d = type(ch) == "table" and ch.delta
  local s = type(d) == "table" and d.content
  if type(s) == "string" and s ~= "" then return s end
  return nil
end

--- stream:objects(): an iterator over progressively completed values of
--- the first choice's JSON content, as it arrives; each differs from the
--- one before.  At the end the content is decoded and validated (the
--- request's response_format; without one, decoded only) and that value
--- comes last unless it equals the last partial one.  Raises the error
--- object when the stream fails or the output does not match (kind
--- "output").  Installed as Stream.objects (and on tool-run streams).
---@param self openrouter.Stream
---@return fun(): any
function M.objects(self)
  local c, id = M.completer(), nil
  local last_text, last_value, have, done = nil, nil, false, false
  return function()
    if done then return nil end
    while true do
      local chunk = self:next()
      if chunk == nil then
        done = true
        local final, err = self:result()
        if not final then errors.raise(err) end
        local choice = type(final.choices) == "table" and final.choices[1]
        local msg = type(choice) == "table" and choice.message or {}
        local value = msg.parsed
        if value == nil then
          local list, what
          value, list, what = parse_message(msg, choice and choice.finish_reason, "json_object")
          if value == nil then errors.raise(output_error(final, list, what, { choice = 1 })) end
        end
        if have and deep_equal(value, last_value) then return nil end
        return value
      end
      -- every step of a tool run is a new generation: start again
      if chunk.id ~= id then
        if id ~= nil then c = M.completer(); last_text = nil end
        id = chunk.id
      end
      local piece = delta_content(chunk)
      if piece then
        c:feed(piece)
        local text = c:complete()
        if text and text ~= last_text then
          last_text = text
          local ok, value = pcall(decode, text)
          if ok and value ~= null and not (have and deep_equal(value, last_value)) then
            last_value, have = value, true
            return value
          end
        end
      end
    end
  end
end

return M
