--- What openrouter.Task (openrouter.async) and openrouter.Handle
-- (callback-style requests) share: work that runs, then ends "done" with
-- values, or "error" / "cancelled" with an error.  Each class adds its own
-- cancel().

local errors = require("openrouter.errors")

local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

local M = {}

---@class openrouter.Job
local Job = {}
Job.__index = Job

--- "running", "done", "error" or "cancelled".
---@return string
function Job:status() return self._status end

--- The error that ended it (status "error" or "cancelled"), else nil.
function Job:error() return self._err end

--- The values it ended with (status "done"); nil and the error when it
--- failed; nothing while it runs.
function Job:result()
  if self._status == "done" then
    local r = self._ret
    return unpack(r, 1, r.n)
  end
  if self._err ~= nil then return nil, self._err end
  return nil
end

-- End "done" with these values.
function Job:_done(...)
  self._status, self._ret = "done", { n = select("#", ...), ... }
end

-- End with `err`: "cancelled" for a cancelled error object, else "error".
function Job:_failed(err)
  self._err = err
  self._status = (errors.is(err) and err.kind == "cancelled") and "cancelled" or "error"
end

--- A class deriving from Job, named `name` (__name, tostring "name(status)").
---@param name string
---@return table
function M.class(name)
  local C = setmetatable({}, { __index = Job })
  C.__index = C
  C.__name = name
  C.__tostring = function(self) return name .. "(" .. self._status .. ")" end
  return C
end

--- A running job of class `C`, made of `fields`.
---@param C table
---@param fields table
---@return table
function M.new(C, fields)
  fields._status = "running"
  return setmetatable(fields, C)
end

M.Job = Job
return M
