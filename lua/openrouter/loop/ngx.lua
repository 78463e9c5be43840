--- The OpenResty adapter (nginx with the lua module): waiting never blocks
-- the worker.  The client's libcurl multi is pumped with the non-blocking
-- perform() by one timer per client and worker, every `interval` seconds
-- (5 ms by default, sooner when libcurl or a deadline asks) while
-- transfers run; a waiting handler sleeps on an ngx.semaphore that the
-- pump posts when its request has news.  Any handler that may yield
-- (rewrite, access, content, ngx.timer) can iterate a stream directly:
--
--   local client = openrouter.new{ loop = "ngx" }   -- once per worker
--   for text in client:stream(req):text() do ngx.print(text); ngx.flush(true) end
--
-- Why not cosockets: see docs/hosts.md (one transport everywhere -- TLS,
-- HTTP/2, timeouts, limits, SSE parsing -- at the cost of a 5 ms pump).
-- luacheck: globals ngx
local core = require("openrouter.core")
local async = require("openrouter.async")
local is_ready = require("openrouter.loop.driver").is_ready

local now = core.now
local M = {}

local function cannot_wait(phase)
  return "openrouter: cannot wait for the network in nginx's '" .. tostring(phase) .. "' phase"
    .. " (it may not yield): call it from a rewrite, access or content handler, or from ngx.timer.at,"
    .. " or pass callbacks (on_done=, on_error=...)"
end

local function check_phase()
  local ok, phase = async.ngx_phase()
  if not ok then error(cannot_wait(phase), 0) end
end

--- An adapter; opts.interval: seconds between pumps (default 0.005).
function M.new(opts)
  opts = opts or {}
  local interval = opts.interval or 0.005
  local ok_sem, semaphore = pcall(require, "ngx.semaphore")
  if not ok_sem then semaphore = nil end
  local A = { name = "ngx", interval = interval }

  function A.attach()
    return { waiters = {}, pumping = false }   -- client._loopstate
  end

  -- Post every waiter that can move on.
  local function wake(st)
    local list, keep = st.waiters, {}
    local t = now()
    for i = 1, #list do
      local w = list[i]
      if not w.gone then
        if is_ready(w, t) then
          w.gone = true
          w.sema:post(1)
        else
          keep[#keep + 1] = w
        end
      end
    end
    st.waiters = keep
  end

  local ensure_pump

  local function pump(premature, client, st)
    local multi = client._multi
    while not premature and not st.closed do
      local running = multi:perform()
      wake(st)
      if running == 0 then break end   -- what still waits has a deadline of its own
      local s = interval
      local ms = multi:timeout()
      if ms >= 0 and ms / 1000 < s then s = ms / 1000 end
      ngx.sleep(s > 0.001 and s or 0.001)
      premature = ngx.worker.exiting()
    end
    st.pumping = false
    if premature then
      for _, w in ipairs(st.waiters) do w.gone = true; w.sema:post(1) end
      st.waiters = {}
    elseif not st.closed and #st.waiters > 0 and multi:timeout() >= 0 then
      ensure_pump(client, st)           -- a request started while we stopped
    end
  end

  function ensure_pump(client, st)
    if st.pumping or st.closed then return end
    st.pumping = true
    local ok, err = ngx.timer.at(0, pump, client, st)
    if not ok then
      st.pumping = false
      error("openrouter: cannot start the ngx pump timer: " .. tostring(err), 0)
    end
  end

  function A.check(_)
    check_phase()
  end

  function A.wait(client, req, deadline, cond)
    check_phase()
    async.check_cancelled()
    local st = client._loopstate
    local task = async.current()
    local w = { req = req, deadline = deadline, cond = cond, task = task, client = client }
    if task then task._waiting = w end
    if not semaphore then
      -- without lua-resty-core: each waiter pumps and sleeps by itself
      client._multi:perform()
      if not is_ready(w, now()) then ngx.sleep(interval) end
      client._multi:perform()
    else
      w.sema = semaphore.new()
      st.waiters[#st.waiters + 1] = w
      ensure_pump(client, st)
      local t = deadline and math.max(0.001, deadline - now()) or 60
      w.sema:wait(t)
      w.gone = true
    end
    if task then task._waiting = nil end
    async.check_cancelled()
  end

  function A.sleep(client, seconds, cond)
    if not cond then
      check_phase()
      return ngx.sleep(seconds)
    end
    local deadline = now() + seconds
    repeat A.wait(client, nil, deadline, cond) until now() >= deadline or cond()
  end

  function A.kick(client)
    local st = client._loopstate
    if not st or st.closed then return end
    wake(st)
    if client._multi:timeout() >= 0 then
      local ok = pcall(ensure_pump, client, st)
      if not ok then wake(st) end
    end
  end

  function A.update(client)
    local running = client._multi:perform()
    wake(client._loopstate)
    return running + #client._loopstate.waiters
  end

  --- Callback-style requests run in a light thread (or a timer where the
  --- phase cannot spawn one); their callbacks may yield (ngx.print...).
  function A.spawn(_, fn)
    if async.ngx_phase() then return async.spawn(fn) end   -- a light thread
    local task, body = async.hosted(fn)
    local ok, err = ngx.timer.at(0, function(premature)
      if not premature then body() end
    end)
    if not ok then error("openrouter: cannot start a timer for callbacks: " .. tostring(err), 0) end
    return task
  end

  function A.report(_, msg)
    ngx.log(ngx.ERR, msg)
  end

  function A.detach(client)
    local st = client._loopstate
    if not st then return end
    st.closed = true
    for _, w in ipairs(st.waiters) do
      if not w.gone then w.gone = true; w.sema:post(1) end
    end
    st.waiters = {}
  end

  return A
end

local A = M.new()
A.new = M.new
return A
