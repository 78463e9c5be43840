--- openrouter.loop.driver: builds loop adapters for event loops.  The
-- luv, nvim and manual adapters are made with it; so can one for any other
-- loop that can watch a file descriptor and run a timer.
--
--   local driver = require("openrouter.loop.driver")
--   local adapter = driver.new{
--     name = "myloop",
--     -- Watch `fd` for what = "in" | "out" | "inout", or stop: what = "remove".
--     -- Call ready(readable, writable) whenever it is ready.  `prev` is what
--     -- this function returned last time for the same fd (nil the first time).
--     watch = function(fd, what, ready, prev) ... return handle end,
--     -- Call fire() once, `ms` milliseconds from now, replacing the timer
--     -- `prev`; ms == nil: stop and release `prev`.
--     timer = function(ms, fire, prev) ... return handle end,
--     -- optional: run fn soon, where user code may run (Neovim: vim.schedule)
--     defer = function(fn) ... end,
--     -- optional: an error escaped a task or a callback: raise it where the
--     -- host reports errors.  Default: client:update() raises it.
--     report = function(msg) ... end,
--   }
--   local client = openrouter.new{ loop = adapter }
--
-- Without watch and timer the adapter is pumped: the host calls
-- client:update() (non-blocking) as often as it likes, e.g. once a frame.
--
-- How it works: the client's libcurl multi runs in socket mode; every
-- socket libcurl wants watched gets a watcher, and libcurl's timer plus our
-- own deadlines (multi:timeout()) get one timer.  When a socket is ready or
-- the timer fires, the driver calls socket_action, then resumes each task
-- (openrouter.async) whose request has news (req:pending()), whose
-- deadline passed, or whose wake condition holds.  Waiting outside a task
-- raises: nothing here ever blocks.

local core = require("openrouter.core")
local async = require("openrouter.async")

local now = core.now
local M = {}

-- The adapter's per-client state: what attach() returned (openrouter.loop).
local function state(client)
  local st = client._loopstate
  if not st then error("openrouter: this client's loop adapter was not attached", 3) end
  return st
end

------------------------------------------------------------- waking

-- Can waiter w move on?  (Shared with the ngx adapter.)
local function is_ready(w, t)
  if w.task and w.task._cancelled then return true end
  if w.cond and w.cond() then return true end
  if w.deadline and t >= w.deadline then return true end
  local req = w.req
  if req then
    local n, done = req:pending()
    return n > 0 or done
  end
  return w.deadline == nil and w.cond == nil   -- a bare wait: any progress
end

local sync

-- Resume every waiter that can move on; the others stay.  Never re-entered:
-- a sweep asked for during a sweep runs right after it.
local function sweep(st)
  if st.sweeping then st.again = true; return end
  st.sweeping = true
  repeat
    st.again = false
    local list, keep, run = st.waiters, {}, {}
    local t = now()
    for i = 1, #list do
      local w = list[i]
      if w.task._waiting == w then      -- else stale: the task moved on
        if is_ready(w, t) then run[#run + 1] = w else keep[#keep + 1] = w end
      end
    end
    st.waiters = keep
    for i = 1, #run do
      local task = run[i].task
      if task._waiting == run[i] then
        local ok, err = async.resume(task)
        -- a task ended by its own task:cancel() is no error to report
        if not ok and not (task._cancelled and task._status == "cancelled") then
          local msg = async.describe(task, err)
          -- a report hook that raises must not wedge the sweep: keep it for update()
          if not pcall(st.report, msg) then st.errors[#st.errors + 1] = msg end
        end
      end
    end
  until not st.again
  st.sweeping = false
  sync(st)
end

-- Something may have moved: sweep now, or soon through `defer`.
local function progress(st)
  if st.defer then
    if not st.scheduled then
      st.scheduled = true
      st.defer(st.deferred_sweep)
    end
  else
    sweep(st)
  end
end

------------------------------------------------------------- sockets, timer

local function socket_ready(st, fd)
  local f = st.readies[fd]
  if not f then
    f = function(readable, writable)
      if st.closed then return end
      st.multi:socket_action(fd, readable, writable)
      sync(st)
      progress(st)
    end
    st.readies[fd] = f
  end
  return f
end

local function arm(st, due)
  local t = now()
  -- Never 0 ms from inside the timer's own callback: libuv (before 1.45)
  -- runs a timer re-armed at 0 there again at once, forever.
  local ms = math.max(st.in_timer and 1 or 0, math.ceil((due - t) * 1000))
  st.due = t + ms / 1000
  st.timer_h = st.hooks.timer(ms, st.on_timer, st.timer_h)
end

-- Apply libcurl's socket changes and re-arm the timer for the nearest of
-- libcurl's timeout, our deadlines and the waiters' deadlines.
function sync(st)
  if st.closed or not st.socket then return end
  local hooks, multi, socks = st.hooks, st.multi, st.socks
  local ch = multi:socket_changes()
  for i = 1, #ch, 2 do
    local fd, what = ch[i], ch[i + 1]
    if what == "remove" then
      local h = socks[fd]
      socks[fd], st.readies[fd] = nil, nil
      if h ~= nil then hooks.watch(fd, "remove", nil, h or nil) end
    else
      socks[fd] = hooks.watch(fd, what, socket_ready(st, fd), socks[fd] or nil) or false
    end
  end
  local ms = multi:timeout()
  local due = ms >= 0 and now() + ms / 1000 or nil
  if not st.scheduled then      -- else the scheduled sweep looks at deadlines
    local list = st.waiters
    for i = 1, #list do
      local d = list[i].deadline
      if d and (due == nil or d < due) then due = d end
    end
  end
  if due == nil then
    if st.timer_h ~= nil and not st.kicked then
      hooks.timer(nil, nil, st.timer_h)
      st.timer_h, st.due = nil, nil
    end
  elseif st.due == nil or due < st.due - 0.0005 then
    arm(st, due)
  end
end

------------------------------------------------------------- the adapter

local function not_in_task(name, pumped)
  return "openrouter: this call waits for the network, and the '" .. name .. "' loop must not block"
    .. " its host: run it inside openrouter.async(function() ... end), or pass callbacks"
    .. " (on_chunk=, on_text=, on_done=, on_error=)"
    .. (pumped and ", and call client:update() once per frame" or "")
end

--- Make a loop adapter from a few hooks (see the top of this file).
---@param hooks table
---@return table adapter
function M.new(hooks)
  if type(hooks) ~= "table" then error("driver.new: hooks must be a table", 2) end
  if (hooks.watch == nil) ~= (hooks.timer == nil) then
    error("driver.new: 'watch' and 'timer' go together", 2)
  end
  local name = hooks.name or "custom"
  local pumped = hooks.watch == nil
  local A = { name = name, driver = true }

  function A.attach(client)
    local st = {
      multi = client._multi, hooks = hooks, socket = not pumped,
      defer = hooks.defer, waiters = {}, socks = {}, readies = {}, errors = {},
    }
    st.deferred_sweep = function()
      st.scheduled = false
      sweep(st)
    end
    st.on_timer = function()
      st.due, st.kicked = nil, false
      if st.closed then return end
      st.in_timer = true
      st.multi:socket_action(-1)
      sync(st)
      progress(st)
      st.in_timer = false
    end
    st.report = hooks.report or function(msg) st.errors[#st.errors + 1] = msg end
    if st.socket then st.multi:socket_mode() end
    return st
  end

  --- Raise unless the caller may wait here (inside an openrouter.async task).
  function A.check(client)
    if not async.current() then error(not_in_task(name, pumped), 0) end
    state(client)
  end

  --- Suspend the running task until `req` has news, `deadline` (core.now()
  --- seconds) passes or `cond()` holds; any of them may be nil.
  function A.wait(client, req, deadline, cond)
    if not async.current() then error(not_in_task(name, pumped), 0) end
    async.check_cancelled()
    local st = state(client)
    local w = { task = async.current(), req = req, deadline = deadline, cond = cond, client = client }
    st.waiters[#st.waiters + 1] = w
    -- a sweep syncs once when it is done; elsewhere (a task's first wait,
    -- after draining a paused transfer) look at libcurl now
    if not st.sweeping then sync(st) end
    async.suspend(w)
  end

  function A.sleep(client, seconds, cond)
    local deadline = now() + seconds
    repeat
      A.wait(client, nil, deadline, cond)
    until now() >= deadline or (cond and cond())
  end

  --- Let the host's loop run once (a timer due now) and go on.
  function A.pause(client)
    A.wait(client, nil, now())
  end

  --- A request was started or cancelled: look at libcurl again soon, and
  --- wake whoever waits on a request that has ended.
  function A.kick(client)
    local st = client._loopstate
    if not st or st.closed then return end
    if st.socket and not st.kicked then   -- the timer's callback syncs and sweeps
      st.kicked = true
      arm(st, now())
    end
  end

  --- Advance without blocking; raise an error a task left behind.
  --- Returns a count of pending work (requests in flight plus waiting
  --- tasks), 0 when idle.
  function A.update(client)
    local st = state(client)
    if st.closed then return 0 end
    local running
    if st.socket then
      running = st.multi:socket_action(-1)
      sync(st)
    else
      running = st.multi:perform()
    end
    sweep(st)
    if #st.errors > 0 then error(table.remove(st.errors, 1), 0) end
    return running + #st.waiters
  end

  function A.spawn(_, fn)
    return async.spawn(fn)
  end

  function A.report(client, msg)
    state(client).report(msg)
  end

  --- The client closed its transport: release watchers and the timer, and
  --- let waiting tasks see their cancelled requests.
  function A.detach(client)
    local st = client._loopstate
    if not st or st.closed then return end
    st.closed = true
    if st.socket then
      for fd, h in pairs(st.socks) do hooks.watch(fd, "remove", nil, h or nil) end
      st.socks, st.readies = {}, {}
      if st.timer_h ~= nil then hooks.timer(nil, nil, st.timer_h) end
      st.timer_h = nil
    end
    progress(st)
  end

  return A
end

M.is_ready = is_ready

return M
