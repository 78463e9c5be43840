--- Runs busted spec files inside an nginx worker (a content handler), so
-- that the very specs the libcurl path passes (spec/faults_spec.lua,
-- spec/client_spec.lua, ...) run through the cosocket transport, where
-- openrouter.new's default loop is "ngx".  busted itself does not run in
-- nginx; this is the part of it those specs use: describe, it, setup,
-- teardown, before_each, after_each, finally, with luassert's assert.
--
--   local runner = require("spec_runner")
--   local report = runner.run({ "spec/faults_spec.lua" }, { mock = srv, tls = proxy })
--   --> { tests = { { name =, ok =, err = }, ... }, requests = { cosocket = n, curl = n } }
--
-- `fixtures` replaces the helpers that start processes: mock.start()
-- returns fixtures.mock (the simulator the host spec started), and
-- tls_proxy.start() returns fixtures.tls (its TLS front).
-- luacheck: globals ngx setfenv
local M = {}

local function node(name, parent)
  return { name = name, parent = parent, children = {}, setup = {}, teardown = {},
           before = {}, after = {} }
end

local function full_name(n, leaf)
  local parts = { leaf }
  while n and n.name do
    table.insert(parts, 1, n.name)
    n = n.parent
  end
  return table.concat(parts, " ")
end

local function traceback(e)
  if type(e) == "table" and getmetatable(e) and getmetatable(e).__tostring == nil and e.message then
    e = e.message
  end
  return debug.traceback(tostring(e), 2)
end

-- Run the tests of a tree, in order.  `chain`: before_each functions from
-- the root down.
local function run_node(n, report, befores, afters)
  local ok, err = true, nil
  for _, f in ipairs(n.setup) do
    ok, err = xpcall(f, traceback)
    if not ok then break end
  end
  local b, a = {}, {}
  for _, f in ipairs(befores) do b[#b + 1] = f end
  for _, f in ipairs(n.before) do b[#b + 1] = f end
  for _, f in ipairs(n.after) do a[#a + 1] = f end
  for _, f in ipairs(afters) do a[#a + 1] = f end
  for _, c in ipairs(n.children) do
    if not ok then
      report[#report + 1] = { name = full_name(n, c.name), ok = false, err = "setup failed: " .. tostring(err) }
    elseif c.fn then
      local finals = {}
      M.current_finally = finals
      local tok, terr = true, nil
      for _, f in ipairs(b) do
        tok, terr = xpcall(f, traceback)
        if not tok then break end
      end
      if tok then tok, terr = xpcall(c.fn, traceback) end
      for _, f in ipairs(finals) do pcall(f) end
      for _, f in ipairs(a) do pcall(f) end
      M.current_finally = nil
      report[#report + 1] = { name = full_name(n, c.name), ok = tok, err = terr and tostring(terr) or nil }
    else
      run_node(c, report, b, a)
    end
  end
  for _, f in ipairs(n.teardown) do pcall(f) end
end

--- Load and run spec files; the report (see the top of the file).
---@param files string[]
---@param fixtures table
function M.run(files, fixtures)
  local luassert = require("luassert")
  package.loaded["support.mock_server"] = {
    start = function() return fixtures.mock end,
    shared = function() return fixtures.mock end,
    root = fixtures.root,
  }
  package.loaded["support.tls_proxy"] = { start = function() return fixtures.tls end }
  package.loaded["host_fixtures"] = fixtures

  -- which transport each request took
  local counts = { cosocket = 0, curl = 0 }
  local adapter = require("openrouter.loop.ngx")
  local orig = adapter.request
  adapter.request = function(client, o)
    local req = orig(client, o)
    local k = req._cosocket and "cosocket" or "curl"
    counts[k] = counts[k] + 1
    return req
  end

  local report = {}
  for _, file in ipairs(files) do
    local root = node(nil, nil)
    local cur = root
    local env = setmetatable({}, { __index = _G })
    env.assert = luassert
    function env.describe(name, fn)
      local n = node(name, cur)
      cur.children[#cur.children + 1] = n
      local saved = cur
      cur = n
      fn()
      cur = saved
    end
    function env.it(name, fn)
      cur.children[#cur.children + 1] = { name = name, fn = fn }
    end
    function env.pending(name)
      cur.children[#cur.children + 1] = { name = name, fn = function() end }
    end
    function env.setup(fn) cur.setup[#cur.setup + 1] = fn end
    function env.teardown(fn) cur.teardown[#cur.teardown + 1] = fn end
    function env.before_each(fn) cur.before[#cur.before + 1] = fn end
    function env.after_each(fn) cur.after[#cur.after + 1] = fn end
    function env.finally(fn)
      local f = M.current_finally
      if f then f[#f + 1] = fn end
    end
    env.lazy_setup, env.lazy_teardown = env.setup, env.teardown
    local chunk, err = loadfile(fixtures.root .. "/" .. file)
    if not chunk then
      report[#report + 1] = { name = file, ok = false, err = err }
    else
      setfenv(chunk, env)
      local ok, lerr = xpcall(chunk, traceback)
      if not ok then
        report[#report + 1] = { name = file, ok = false, err = "loading: " .. tostring(lerr) }
      else
        local before = #report
        run_node(root, report, {}, {})
        for i = before + 1, #report do report[i].file = file end
      end
    end
  end
  adapter.request = orig
  return { tests = report, requests = counts }
end

return M
