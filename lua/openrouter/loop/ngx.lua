--- The OpenResty adapter (nginx with the lua module): waiting never blocks
-- the worker.  Any handler that may yield (rewrite, access, content,
-- ngx.timer) can iterate a stream directly:
--
--   local client = openrouter.new{ loop = "ngx" }   -- once per worker
--   for text in client:stream(req):text() do ngx.print(text); ngx.flush(true) end
--
-- Two transports (docs/hosts.md "ngx -- cosockets, and when libcurl"):
--
--  * cosockets (the default): HTTP/1.1 on ngx.socket.tcp
--    (openrouter.transport.ngx); a handler that waits for its request
--    reads the socket itself, so a delta costs one socket read and one
--    resume, and nothing runs while nothing arrives.
--  * libcurl: the client's libcurl multi, pumped with the non-blocking
--    perform() by one timer per client and worker every `interval`
--    seconds (5 ms by default, sooner when libcurl or a deadline asks)
--    while transfers run; a waiting handler sleeps on an ngx.semaphore
--    that the pump posts when its request has news.  For what only
--    libcurl does (HTTP/2, ca_file/ca_path, proxies, https to an IP
--    address): a client that needs one of those gets it by itself, or
--    ask for it: require("openrouter.loop.ngx").new{ transport = "curl" }.
-- luacheck: globals ngx
local core = require("openrouter.core")
local async = require("openrouter.async")
local is_ready = require("openrouter.loop.driver").is_ready
local cosocket = require("openrouter.transport.ngx")

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

--- An adapter.  opts.transport: "cosocket" (the default, where the client
--- can use it: openrouter.transport.ngx's usable()) or "curl";
--- opts.interval: seconds between pumps of the libcurl transport (0.005).
function M.new(opts)
  opts = opts or {}
  local interval = opts.interval or 0.005
  local transport = opts.transport or "cosocket"
  if transport ~= "cosocket" and transport ~= "curl" then
    error("openrouter.loop.ngx: 'transport' must be \"cosocket\" or \"curl\"", 2)
  end
  local ok_sem, semaphore = pcall(require, "ngx.semaphore")
  if not ok_sem then semaphore = nil end
  local A = { name = "ngx", interval = interval, transport = transport }

  function A.attach(client)
    local st = { waiters = {}, pumping = false, live = setmetatable({}, { __mode = "k" }) }
    if transport == "cosocket" then
      st.cosocket, st.why_curl = cosocket.usable(client)
    else
      st.cosocket, st.why_curl = false, "transport = \"curl\""
    end
    return st   -- client._loopstate
  end

  --- Start a request on the client's transport.
  function A.request(client, o)
    local st = client._loopstate
    if st.cosocket and not st.closed then
      -- what nginx lacks (a resolver, a trust store) sends the request,
      -- and the client's later ones, to libcurl, with one warning
      local req = cosocket.request(o, function(why)
        if st.cosocket then
          st.cosocket, st.why_curl = false, why
          ngx.log(ngx.WARN, "openrouter: ", why, ": this client uses libcurl from now on",
            " (the libcurl pump; docs/hosts.md says how to stay on cosockets)")
        end
        local creq = client._multi:request(o)
        A.kick(client)
        return creq
      end)
      st.live[req] = true
      return req
    end
    return client._multi:request(o)
  end

  --- Which transport the client's requests take, and why not cosockets.
  function A.transport_of(client)
    local st = client._loopstate
    return st.cosocket and "cosocket" or "curl", st.why_curl
  end

  --- Cosocket requests of the client still in flight.
  function A.inflight(client)
    local n = 0
    for req in pairs(client._loopstate.live) do
      local _, ended = req:pending()
      if not ended then n = n + 1 end
    end
    return n
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

  -- A cosocket request: its socket work happens right here, in the
  -- waiting coroutine.  The hot path of a stream (once per delta): no
  -- allocation, the phase checked once per request and coroutine.
  local current_co = coroutine.running
  local function wait_cosocket(client, req, deadline)
    local co = current_co()
    local task
    if req._checked ~= co then
      check_phase()
      req._checked, req._task = co, async.current() or false
    end
    task = req._task
    if task then
      async.check_cancelled()
      local w = req._w
      if not w then
        w = { req = req, client = client }
        req._w = w
      end
      w.task, w.deadline = task, deadline
      task._waiting = w
      req:_wait(deadline)
      task._waiting = nil
      return async.check_cancelled()
    end
    return req:_wait(deadline)
  end

  function A.wait(client, req, deadline, cond)
    if req and req._cosocket and not cond then return wait_cosocket(client, req, deadline) end
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
      if not st.cosocket then ensure_pump(client, st) end
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
    local st = client._loopstate
    local running = client._multi:perform()
    wake(st)
    return running + #st.waiters + A.inflight(client)
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
    for req in pairs(st.live) do req:cancel() end
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
