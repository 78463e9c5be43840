--- Error objects: every failure a caller can meet is one of these.
-- Fields: kind ("validation", "http", "api", "network", "timeout",
-- "cancelled", "protocol", "callback", "tool", "output"), status, code,
-- message, metadata, retry_after, request_id, retryable, and kind-specific
-- extras (errors, which, partial, body, attempts). They print readably with
-- tostring() and as uncaught errors, with what the upstream provider said
-- (metadata.provider_name and the start of metadata.raw) when known.
-- Building them from HTTP responses and transfers is openrouter.http_errors'
-- job.

local M = {}

---@class openrouter.Error
---@field kind string
---@field message string
---@field status integer|nil
---@field code any
---@field metadata table|nil
---@field retry_after number|nil
---@field request_id string|nil
---@field retryable boolean
---@field which string|nil       timeout that fired: connect/first_byte/idle/total
---@field errors table|nil       validation, output: list of {path=, message=}
---@field partial table|nil      what a stream had accumulated before it failed
local Error = {}
Error.__index = Error
Error.__name = "openrouter.Error"

local RETRYABLE_STATUS = {
  [408] = true, [409] = true, [429] = true, [500] = true, [502] = true,
  [503] = true, [504] = true, [524] = true, [529] = true,
}
M.RETRYABLE_STATUS = RETRYABLE_STATUS

-- What the upstream provider said, from OpenRouter's metadata: " (provider
-- NAME: RAW)", RAW (metadata.raw, JSON-encoded when not a string) with its
-- white space folded and cut after RAW_SHOWN bytes.
local RAW_SHOWN = 200

local function upstream(meta)
  if type(meta) ~= "table" then return "" end
  local name = type(meta.provider_name) == "string" and meta.provider_name or nil
  local raw = meta.raw
  if type(raw) == "table" then
    raw = require("openrouter.json").encode(raw)
  elseif type(raw) ~= "string" then
    raw = nil
  end
  if raw then
    raw = raw:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")
    if #raw > RAW_SHOWN then
      local n = RAW_SHOWN   -- not inside a UTF-8 sequence
      while n > 1 and raw:byte(n + 1) >= 0x80 and raw:byte(n + 1) < 0xC0 do n = n - 1 end
      raw = raw:sub(1, n) .. "..."
    end
    raw = raw:gsub("[%z\1-\31\127]", function(c) return string.format("\\x%02x", c:byte()) end)
    if raw == "" then raw = nil end
  end
  if name and raw then return " (provider " .. name .. ": " .. raw .. ")" end
  if name then return " (provider " .. name .. ")" end
  if raw then return " (" .. raw .. ")" end
  return ""
end

function Error:__tostring()
  local head = "openrouter " .. tostring(self.kind) .. " error"
  if self.status and self.kind ~= "api" then
    head = head .. " (HTTP " .. tostring(self.status) .. ")"
  elseif self.code ~= nil and self.code ~= self.status then
    head = head .. " (code " .. tostring(self.code) .. ")"
  end
  local s = head .. ": " .. tostring(self.message) .. upstream(self.metadata)
  if (self.kind == "validation" or self.kind == "output") and type(self.errors) == "table" and #self.errors > 1 then
    for i = 1, math.min(#self.errors, 10) do
      local e = self.errors[i]
      s = s .. "\n  " .. (e.path ~= "" and e.path or "(root)") .. ": " .. tostring(e.message)
    end
    if #self.errors > 10 then s = s .. "\n  (" .. (#self.errors - 10) .. " more)" end
  end
  if self.retry_after then s = s .. " (retry after " .. tostring(self.retry_after) .. " s)" end
  if self.request_id then s = s .. " [" .. self.request_id .. "]" end
  return s
end

--- Is `v` an openrouter error object?
---@param v any
---@return boolean
function M.is(v)
  return getmetatable(v) == Error
end

--- Make an error object. `fields.kind` and `fields.message` are required.
---@param fields table
---@return openrouter.Error
function M.new(fields)
  assert(type(fields) == "table" and type(fields.kind) == "string", "error needs a kind")
  local e = setmetatable(fields, Error)
  if e.message == nil then e.message = e.kind end
  if e.retryable == nil then
    e.retryable = (e.kind == "network")
      or (e.kind == "http" and RETRYABLE_STATUS[e.status] == true)
      or false
  end
  return e
end

--- A "cancelled" error: `what` ("stream", "request", "task") was
--- cancelled; `reason` (optional) says by what; `fields` (optional): more
--- fields (request_id, status, attempts...).
---@param what string
---@param reason string|nil
---@param fields table|nil
---@return openrouter.Error
function M.cancelled(what, reason, fields)
  local e = fields or {}
  e.kind = "cancelled"
  e.message = what .. " cancelled" .. (reason and (" (" .. reason .. ")") or "")
  return M.new(e)
end

--- A validation error from a list of {path=, message=}; entries with the
--- same path and message (a schema can report one problem twice) appear
--- once, in their first place.
function M.validation(list, what)
  local seen, merged = {}, {}
  for _, e in ipairs(list) do
    local k = tostring(e.path) .. "\0" .. tostring(e.message)
    if not seen[k] then
      seen[k] = true
      merged[#merged + 1] = e
    end
  end
  list = merged
  local first = list[1]
  local msg = (what or "invalid request")
  if first then
    msg = msg .. ": " .. (first.path ~= "" and (first.path .. ": ") or "") .. first.message
  end
  return M.new{ kind = "validation", message = msg, errors = list }
end

-- Lua 5.1's standalone interpreter prints "(error object is not a string)"
-- for a table error: it never calls __tostring (5.2+, LuaJIT do).  So on
-- plain 5.1, when no pcall/xpcall/coroutine stands between us and the
-- top level, raise the readable string: nobody is there to catch the
-- object (the stream that raised it still holds it: stream:error()).
local PLAIN_51 = _VERSION == "Lua 5.1" and not rawget(_G, "jit")

local function caught_above(level)
  if coroutine.running() then return true end    -- 5.1: nil on the main thread
  local pc, xpc = pcall, xpcall
  while true do
    local info = debug.getinfo(level, "f")
    if not info then return false end
    if info.func == pc or info.func == xpc then return true end
    level = level + 1
  end
end

--- Raise `e` (an error object) so that it prints readably everywhere.
function M.raise(e)
  if PLAIN_51 and not caught_above(3) then error(tostring(e), 0) end
  error(e, 0)
end

return M
