--- openrouter.async: run code in a coroutine whose waiting calls yield to
-- the host's event loop instead of blocking it.
--
--   local task = openrouter.async(function()
--     for text in client:stream(req):text() do ... end   -- yields while waiting
--   end)
--   task:status()   --> "running" | "done" | "error" | "cancelled"
--   task:cancel()   -- closes the connection the task waits on; its waits raise "cancelled"
--
-- The function runs at once, up to its first wait, and async returns then.
-- A loop adapter resumes the task when the request it waits for can move
-- (see openrouter.loop.driver).  Under the blocking loop nothing yields,
-- so the function simply runs to the end before async returns.
--
-- Errors: an error raised before the first wait propagates out of async()
-- itself.  One raised later has no caller to return to: the task records
-- it (task:error()) and the client's loop adapter re-raises it where the
-- host reports errors (Neovim: vim.schedule; luv: a loop callback; manual:
-- the next client:update()).  Catch inside the function to handle it.
--
-- Inside OpenResty, async() spawns an ngx light thread (ngx.thread.spawn)
-- when the current phase may yield; a handler may also call openrouter
-- directly without async().

local errors = require("openrouter.errors")
local job = require("openrouter.job")
local checks = require("openrouter.checks")

local M = {}

local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

-- PUC Lua 5.1 cannot yield across pcall (a C call), nor from inside a
-- for-in iterator; LuaJIT and 5.2+ can.
local PUC51 = _VERSION == "Lua 5.1" and not rawget(_G, "jit")
M.PUC51 = PUC51

-- What a task yields to its resumer while it waits: nothing else may be
-- yielded to us.
local SUSPEND = setmetatable({}, { __tostring = function() return "openrouter.async.SUSPEND" end })
M.SUSPEND = SUSPEND

local tasks = setmetatable({}, { __mode = "k" })   -- coroutine -> task

---@class openrouter.Task : openrouter.Job
local Task = job.class("openrouter.Task")

--- Cancel the task: the request it is waiting on is cancelled at once (its
--- connection closed), and every later wait of the task raises an error
--- object of kind "cancelled".  No effect on a finished task.
function Task:cancel()
  if self._status ~= "running" or self._cancelled then return end
  self._cancelled = true
  local w = self._waiting
  if w then
    if w.req then w.req:cancel() end
    if w.client then w.client._loop.kick(w.client) end
  end
end

local function cancelled_error()
  return errors.cancelled("task")
end

--- The running task, or nil when the current coroutine is not one of ours.
---@return openrouter.Task|nil
function M.current()
  local co = coroutine.running()
  return co and tasks[co] or nil
end

-- Record the end of a task after a resume returned.
local function settle(task, ok, ...)
  if coroutine.status(task.co) == "dead" then
    task._waiting = nil
    if ok then
      task:_done(...)
      return true
    end
    local err = ...
    if PUC51 and type(err) == "string" and err:find("yield across", 1, true) then
      err = err .. " (Lua 5.1 cannot yield inside a for-in iterator or a pcall: in a task, iterate with"
        .. " `local c = stream:next()` in a while loop, use openrouter.async's pcall, or use callbacks)"
    end
    task:_failed(err)
    task._trace = debug.traceback(task.co, "", 0):gsub("^\n", "")
    return false, err
  end
  if ok and (...) == SUSPEND then return true end
  -- the function (or code it called) yielded something of its own
  local msg = "openrouter.async: a task yielded a value of its own (" .. tostring((...))
    .. "); inside a task only openrouter's waiting calls may yield"
  task:_failed(msg)
  return false, msg
end

--- Resume a suspended task.  Returns true, or false and the error that
--- ended it.  Used by loop adapters.
function M.resume(task)
  if task._status ~= "running" then return true end
  task._waiting = nil
  return settle(task, coroutine.resume(task.co))
end

--- Suspend the running task until a loop adapter resumes it.  `w` is the
--- adapter's record of what the task waits for ({ req=, client= }); it
--- lets task:cancel() cancel that request.  Raises a cancelled error when
--- the task was cancelled.
function M.suspend(w)
  local task = M.current()
  if not task then error("openrouter.async.suspend: not inside an openrouter.async task", 2) end
  if task._cancelled then errors.raise(cancelled_error()) end
  task._waiting = w
  coroutine.yield(SUSPEND)
  if task._cancelled then errors.raise(cancelled_error()) end
end

--- Raise a cancelled error if the running task was cancelled.
function M.check_cancelled()
  local task = M.current()
  if task and task._cancelled then errors.raise(cancelled_error()) end
end

------------------------------------------------------- pcall in tasks


local function forward(co, ok, ...)
  if not ok then return false, ... end
  if coroutine.status(co) == "dead" then return true, ... end
  return forward(co, coroutine.resume(co, coroutine.yield(...)))
end

--- pcall(f, ...) that a task may wait (yield) through, on every Lua: on
--- PUC 5.1 inside a task, f runs in a coroutine of its own whose yields
--- are passed up to the task's resumer.
function M.pcall(f, ...)
  if not PUC51 then return pcall(f, ...) end
  local parent = coroutine.running()
  local task = parent and tasks[parent]
  if not task then return pcall(f, ...) end
  local co = coroutine.create(f)
  tasks[co] = task
  return forward(co, coroutine.resume(co, ...))
end

--- Like M.pcall, but returns ok, err, traceback (of where err was raised).
function M.pcall_tb(f, ...)
  local parent = coroutine.running()
  local task = parent and tasks[parent]
  if PUC51 and task then
    local co = coroutine.create(f)
    tasks[co] = task
    local res = { forward(co, coroutine.resume(co, ...)) }
    if res[1] then return true end
    return false, res[2], (debug.traceback(co, "", 0):gsub("^\n", ""))
  end
  local args = { n = select("#", ...), ... }
  local tb
  local ok, err = xpcall(function() return f(unpack(args, 1, args.n)) end, function(e)
    tb = debug.traceback("", 2):gsub("^\n", "")
    return e
  end)
  if ok then return true end
  return false, err, tb
end

--- A readable report of a task's failure, with its traceback.
function M.describe(task, err)
  err = err == nil and task._err or err
  local s = "openrouter.async task failed: " .. tostring(err)
  if task._trace and task._trace ~= "" then s = s .. "\n" .. task._trace end
  return s
end

------------------------------------------------------------ host hooks

local YIELDABLE_NGX = {
  rewrite = true, access = true, content = true, timer = true,
  ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true,
}

--- Inside OpenResty: the current phase when it may yield, else nil.
function M.ngx_phase()
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.get_phase) ~= "function" then return nil end
  local phase = ngx.get_phase()
  return YIELDABLE_NGX[phase] and phase or nil, phase
end

--- A task whose body runs fn(...) with its status tracked, for hosts that
--- run it themselves (OpenResty light threads and timers).  Returns the
--- task and the body; an error is recorded, then raised again so the host
--- logs it.
function M.hosted(fn, ...)
  local task = job.new(Task, {})
  local args = { n = select("#", ...), ... }
  local function finish(ok, ...)
    if ok then
      task:_done(...)
      return ...
    end
    local err = ...
    task:_failed(err)
    error(err, 0)
  end
  local function body()
    local co = coroutine.running()
    if co then tasks[co] = task end   -- so M.current() and task:cancel() work there too
    return finish(pcall(fn, unpack(args, 1, args.n)))
  end
  return task, body
end

-- OpenResty: a light thread is the native unit of concurrency.
local function spawn_ngx(fn, ...)
  local task, body = M.hosted(fn, ...)
  task._thread = assert(rawget(_G, "ngx").thread.spawn(body))
  return task
end

--- Run fn(...) as a task.  Returns the task.
---@param fn function
---@return openrouter.Task
function M.spawn(fn, ...)
  if type(fn) ~= "function" then error("openrouter.async: expected a function", 2) end
  if M.ngx_phase() then return spawn_ngx(fn, ...) end
  local task = job.new(Task, { co = coroutine.create(fn) })
  tasks[task.co] = task
  local vim = rawget(_G, "vim")
  if type(vim) == "table" and vim.in_fast_event and vim.in_fast_event() then
    -- Neovim's fast callbacks may not touch the editor: start it soon instead
    local args = { n = select("#", ...), ... }
    vim.schedule(function()
      local ok, err = settle(task, coroutine.resume(task.co, unpack(args, 1, args.n)))
      if not ok then error(M.describe(task, err), 0) end
    end)
    return task
  end
  local ok, err = settle(task, coroutine.resume(task.co, ...))
  if not ok then error(err, 0) end   -- as if fn had been called directly
  return task
end

-- every public method checks its self: task.status() raises "use task:status(...)"
checks.methods(Task, "task", job.Job)

M.Task = Task
return M
