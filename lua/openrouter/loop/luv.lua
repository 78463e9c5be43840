--- The luv adapter: libcurl's sockets watched by uv poll handles, its timer
-- (with openrouter's own deadlines) by one uv timer, on the default libuv
-- loop.  Waiting calls must run inside openrouter.async; they yield, and
-- the loop (uv.run()) resumes them when their request has news.
--
--   local uv = require("luv")
--   local client = openrouter.new{ loop = "luv" }
--   openrouter.async(function()
--     for text in client:stream(req):text() do io.write(text) end
--   end)
--   uv.run()
--
-- An error that escapes a task or a callback is raised from a uv callback,
-- which is how luv reports errors (luv's default prints it and exits).
-- Inside Neovim this adapter uses vim.uv / vim.loop, but resumes tasks in
-- fast callbacks: use loop = "nvim" there.
local driver = require("openrouter.loop.driver")

local M = {}

--- The uv module: Neovim's or luvit's when running there, else lua-luv.
function M.find_uv()
  local vim = rawget(_G, "vim")
  if type(vim) == "table" and (vim.uv or vim.loop) then return vim.uv or vim.loop end
  local ok, uv = pcall(require, "luv")
  if ok then return uv end
  ok, uv = pcall(require, "uv")      -- luvit
  if ok then return uv end
  error("openrouter loop 'luv': lua-luv is not installed (require 'luv' failed)", 0)
end

local EVENTS = { ["in"] = "r", out = "w", inout = "rw" }

--- The watch and timer hooks over a uv module (shared with the nvim adapter).
function M.hooks(uv)
  local function watch(fd, what, ready, poll)
    if what == "remove" then
      if poll then
        poll:stop()
        if not poll:is_closing() then poll:close() end
      end
      return nil
    end
    poll = poll or assert(uv.new_poll(fd))
    poll:start(EVENTS[what], function(err, events)
      if err or not events then return ready(false, false) end   -- let libcurl find out
      ready(events:find("r", 1, true) ~= nil, events:find("w", 1, true) ~= nil)
    end)
    return poll
  end
  local function timer(ms, fire, t)
    if ms == nil then
      if t then
        t:stop()
        if not t:is_closing() then t:close() end
      end
      return nil
    end
    t = t or assert(uv.new_timer())
    t:start(ms, 0, fire)
    return t
  end
  return watch, timer
end

--- defer(fn) on a uv idle handle: fn runs once the current loop phase is
--- over, so however many sockets were ready in one poll, one sweep.
function M.idle_defer(uv)
  local idle, queue = nil, {}
  local function run()
    idle:stop()
    local q = queue
    queue = {}
    for i = 1, #q do q[i]() end
  end
  return function(fn)
    queue[#queue + 1] = fn
    if #queue == 1 then
      idle = idle or assert(uv.new_idle())
      idle:start(run)
    end
  end
end

--- A luv adapter on a given uv module (default: M.find_uv()).
function M.new(uv)
  uv = uv or M.find_uv()
  local watch, timer = M.hooks(uv)
  local adapter = driver.new{
    name = "luv", watch = watch, timer = timer, defer = M.idle_defer(uv),
    report = function(msg)
      -- raise from a loop callback of its own, where luv reports errors
      local t = uv.new_timer()
      t:start(0, 0, function()
        t:close()
        error(msg, 0)
      end)
    end,
  }
  adapter.uv = uv
  return adapter
end

-- The module is the default adapter, plus new/hooks/find_uv.
local A = M.new()
for k, v in pairs(M) do A[k] = v end
return A
