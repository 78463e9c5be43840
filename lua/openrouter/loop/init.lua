--- openrouter.loop: the loop-adapter protocol, written down once.
--
-- A client waits through its loop adapter: a table of hooks, chosen with
-- `openrouter.new{ loop = ... }` ("blocking", "luv", "nvim", "ngx",
-- "manual", or a table of your own; docs/hosts.md).  Only `wait` is
-- required; attach() fills in the others with the defaults below, once,
-- so the client and its streams call every hook directly.
--
--   wait(client, req, deadline)   REQUIRED.  Let transfers progress (block,
--                                 or yield the running coroutine) until
--                                 `req` (may be nil) may have news or
--                                 `deadline` (core.now() seconds, may be nil)
--                                 has passed.  Returning early is fine.
--   sleep(client, seconds, cond)  Pause (before a retry).  `cond` (may be
--                                 nil): a function; once it returns true (a
--                                 cancel) the pause may end early.
--                                 Default: wait() until the time is up.
--   attach(client) -> state       The client was made with this adapter.
--                                 What it returns is kept as
--                                 client._loopstate, the adapter's own
--                                 per-client state.  Default: nothing.
--   detach(client)                client:close() closed the transport.
--   kick(client)                  A request was started or cancelled: look
--                                 at the transfers again soon, and wake whoever
--                                 waits on a request that has ended.
--   check(client)                 Raise a clear error if waiting is
--                                 impossible here (e.g. outside a task).
--   spawn(client, fn) -> task     Run fn (a callback-style request) where it
--                                 may wait.  Default: fn() now, nil.
--   report(client, msg)           An error with no caller left to return
--                                 to (a callback raised, a task failed):
--                                 raise it where the host reports errors.
--                                 Default: error(msg).
--   update(client) -> n           client:update(): advance without
--                                 blocking; a count of pending work.
--                                 Default: the multi's perform().
--   request(client, opts) -> req  Start an HTTP request (opts as the
--                                 core's multi:request) on the transport
--                                 this adapter uses; the result has the
--                                 core request's methods (ltransport.c).
--                                 Default: client._multi:request(opts).
--   pause(client)                 Give the host's loop a turn (an editor
--                                 tick, a frame) and go on: a stream calls
--                                 it when it has handed out items for a
--                                 while (2 ms) without waiting, so a long
--                                 queue never holds the host up.  Default:
--                                 nothing (a blocking adapter has no loop).
--
-- Event loops build theirs with openrouter.loop.driver (luv, nvim, manual).

local core = require("openrouter.core")

local M = {}

--- The hooks of the protocol, in the order documented above.
M.HOOKS = { "wait", "sleep", "attach", "detach", "kick", "check", "spawn", "report", "update", "request",
            "pause" }

local DEFAULTS = {
  sleep = function(client, seconds, cond)
    local wait = client._loop.wait
    local deadline = core.now() + seconds
    while core.now() < deadline and not (cond and cond()) do wait(client, nil, deadline) end
  end,
  attach = function() return nil end,
  detach = function() end,
  kick = function() end,
  check = function() end,
  spawn = function(_, fn)
    fn()
    return nil
  end,
  report = function(_, msg) error(msg, 0) end,
  update = function(client) return client._multi:perform() end,
  request = function(client, opts) return client._multi:request(opts) end,
  pause = function() end,
}

--- The adapter for the `loop` option: a name under openrouter.loop, a
--- table, or nil (the default: "ngx" inside OpenResty, else "blocking").
--- Misuse raises at `level` (the caller of openrouter.new).
---@param loop string|table|nil
---@param level integer|nil
---@return table adapter
function M.resolve(loop, level)
  level = (level or 1) + 1
  if loop == nil then
    -- blocking an nginx worker is never right: inside OpenResty the default is "ngx"
    local ngx = rawget(_G, "ngx")
    loop = (type(ngx) == "table" and type(ngx.get_phase) == "function") and "ngx" or "blocking"
  end
  if type(loop) == "table" then
    if type(loop.wait) ~= "function" then
      error("openrouter.new: a loop adapter needs a wait(client) function", level)
    end
    return loop
  end
  if type(loop) ~= "string" or not loop:match("^[%w_]+$") then
    error("openrouter.new: 'loop' must be an adapter name or table", level)
  end
  local ok, mod = pcall(require, "openrouter.loop." .. loop)
  if not ok then
    error("openrouter.new: loop '" .. loop .. "' is not available: " .. tostring(mod), level)
  end
  return mod
end

--- Attach `adapter` to `client`: client._loop becomes a table with every
--- hook (the adapter's, else the default) and the adapter's other fields;
--- client._loopstate is what its attach() returned.
---@param client table
---@param adapter table
function M.attach(client, adapter)
  local hooks = {}
  for k, v in pairs(adapter) do hooks[k] = v end
  for _, name in ipairs(M.HOOKS) do
    local f = adapter[name]
    if f ~= nil and type(f) ~= "function" then
      error("openrouter.new: loop adapter field '" .. name .. "' must be a function", 3)
    end
    hooks[name] = f or DEFAULTS[name]
  end
  client._loop = hooks
  client._loopstate = hooks.attach(client)
end

return M
