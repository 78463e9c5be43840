-- bin/openrouter, the command line, run as a subprocess on the Lua under
-- test (OPENROUTER_TEST_LUA) against the simulator: every subcommand, every
-- usage error, API and network errors, --help, and Ctrl-C.
local openrouter = require("openrouter")
local core = require("openrouter.core")
local cjson = require("cjson")
local mock = require("support.mock_server")

local KEY = "sk-or-v1-cli-spec-secret-0123456789abcdef"
local V = os.getenv("OPENROUTER_TEST_LUA") or "5.4"
local LUA = V == "jit" and "luajit" or ("lua" .. V)
local BIN = mock.root .. "/bin/openrouter"
local DEAD = "http://127.0.0.1:1/api/v1"   -- nothing listens on port 1

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function spit(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- The environment of a run: ours, never the caller's model or debug
-- settings.  `env` entries override; a false value unsets.
local function env_prefix(base_url, env)
  local vars = { OPENROUTER_LUA = LUA, OPENROUTER_API_KEY = KEY, OPENROUTER_BASE_URL = base_url }
  for k, v in pairs(env or {}) do vars[k] = v end
  -- env takes every -u before the first NAME=VALUE
  local unset, set = { "env -u OPENROUTER_MODEL -u OPENROUTER_DEBUG" }, {}
  for k, v in pairs(vars) do
    if v == false then unset[#unset + 1] = "-u " .. k
    else set[#set + 1] = k .. "=" .. q(v) end
  end
  return table.concat(unset, " ") .. " " .. table.concat(set, " ")
end

local function command(args)
  local words = { q(BIN) }
  for _, a in ipairs(args) do words[#words + 1] = q(a) end
  return table.concat(words, " ")
end

-- The key must never reach any output.
local function assert_no_key(...)
  for i = 1, select("#", ...) do
    local s = select(i, ...)
    assert.is_nil(s:find(KEY, 1, true), "the API key was printed:\n" .. s)
    assert.is_nil(s:find(KEY:sub(10), 1, true), "part of the API key was printed:\n" .. s)
  end
end

describe("bin/openrouter", function()
  local srv, tmp

  setup(function()
    srv = mock.start()
    tmp = os.tmpname()
  end)
  teardown(function()
    if srv then srv.stop() end
    for _, suffix in ipairs({ "", ".in", ".out", ".err" }) do os.remove(tmp .. suffix) end
  end)

  -- Run the command to the end.  opts: stdin (a string), env, base_url.
  -- Returns stdout, stderr, exit status.
  local function run(args, opts)
    opts = opts or {}
    local input = "/dev/null"
    if opts.stdin then
      input = tmp .. ".in"
      spit(input, opts.stdin)
    end
    local cmd = ("%s %s <%s >%s 2>%s; echo $?"):format(env_prefix(opts.base_url or srv.url, opts.env),
      command(args), input, tmp .. ".out", tmp .. ".err")
    local p = assert(io.popen(cmd, "r"))
    local status = tonumber(p:read("*a"):match("(%d+)%s*$"))
    p:close()
    local out, err = slurp(tmp .. ".out"), slurp(tmp .. ".err")
    assert_no_key(out, err)
    return out, err, status
  end

  local function ok_run(args, opts)
    local out, err, status = run(args, opts)
    assert.are.equal(0, status, "exit " .. tostring(status) .. "; stderr:\n" .. err)
    assert.are.equal("", err)
    return out
  end

  local function json_run(args, opts)
    return cjson.decode(ok_run(args, opts))
  end

  local function lib()
    return openrouter.new{ base_url = srv.url, api_key = KEY, max_retries = 0 }
  end

  describe("chat", function()
    it("streams the answer to a prompt given as arguments", function()
      assert.are.equal("hello from the args\n", ok_run({ "chat", "-m", "mock/echo", "hello", "from", "the args" }))
    end)

    it("reads the prompt from stdin when no argument is given", function()
      local prompt = "héllo → wörld ✓ from stdin\n"
      assert.are.equal(prompt, ok_run({ "chat", "-m", "mock/echo" }, { stdin = prompt }))
      -- an answer without a final newline gets one
      assert.are.equal("no newline\n", ok_run({ "chat", "--model=mock/echo" }, { stdin = "no newline" }))
    end)

    it("takes options after the prompt, and a dashed prompt after --", function()
      assert.are.equal("late option\n", ok_run({ "chat", "late", "option", "-m", "mock/echo" }))
      assert.are.equal("-1 is negative\n", ok_run({ "chat", "-mmock/echo", "--", "-1", "is", "negative" }))
    end)

    it("sends -s as a system message before the prompt", function()
      local plain = json_run({ "chat", "--json", "-m", "mock/echo", "hi" })
      local sys = json_run({ "chat", "--json", "-m", "mock/echo", "-s", "You answer in one short line.", "hi" })
      -- the answer echoes the user message alone: the system text is its own message
      assert.are.equal("hi", sys.choices[1].message.content)
      assert.is_true(sys.usage.prompt_tokens > plain.usage.prompt_tokens)
      local long = json_run({ "chat", "--json", "-m", "mock/echo", "--system", ("x"):rep(400), "hi" })
      assert.is_true(long.usage.prompt_tokens >= plain.usage.prompt_tokens + 100)
    end)

    it("--provider-order reaches the router as provider.order", function()
      local a = json_run({ "chat", "--json", "-m", "openai/gpt-4o", "--provider-order", "azure", "hi" })
      local b = json_run({ "chat", "--json", "-m", "openai/gpt-4o", "--provider-order", "openai,azure", "hi" })
      assert.are.equal("Azure", a.provider)
      assert.are.equal("OpenAI", b.provider)
      local c = json_run({ "chat", "--json", "-m", "mistralai/mixtral-8x7b-instruct",
        "--provider-order=together, deepinfra", "hi" })
      assert.are.equal("Together", c.provider)
    end)

    it("--sort reaches the router as provider.sort", function()
      -- mock/balanced: A is the cheapest, C the fastest and the quickest to answer
      local by = {}
      for _, key in ipairs({ "price", "throughput", "latency" }) do
        by[key] = json_run({ "chat", "--json", "-m", "mock/balanced", "--sort", key, "hi" }).provider
      end
      assert.are.equal("Provider A", by.price)
      assert.are.equal("Provider C", by.throughput)
      assert.are.equal("Provider C", by.latency)
    end)

    it("--max-tokens caps the answer", function()
      for _, n in ipairs({ 3, 7 }) do
        local out = ok_run({ "chat", "-m", "mock/lorem", "--max-tokens", tostring(n), "go" })
        local words = 0
        for _ in out:gmatch("%S+") do words = words + 1 end
        assert.are.equal(n, words, out)
        local res = json_run({ "chat", "--json", "-m", "mock/lorem", "--max-tokens=" .. n, "go" })
        assert.are.equal(n, res.usage.completion_tokens)
      end
    end)

    it("--json prints only the final response, as JSON", function()
      local out = ok_run({ "chat", "--json", "-m", "mock/echo", "json please" })
      assert.are.equal("\n", out:sub(-1))
      local res = cjson.decode(out)
      assert.are.equal("chat.completion", res.object)
      assert.are.equal("json please", res.choices[1].message.content)
      assert.are.equal("stop", res.choices[1].finish_reason)
      assert.are.equal("mock/echo", res.model)
      assert.truthy(res.id:match("^gen%-"))
      assert.is_number(res.usage.cost)
      -- the global position works too
      assert.are.equal("again", json_run({ "--json", "chat", "-m", "mock/echo", "again" }).choices[1].message.content)
    end)

    it("defaults to openrouter/auto, or OPENROUTER_MODEL", function()
      -- the simulated auto router sends prompts about code to openai/gpt-4o
      assert.are.equal("openai/gpt-4o", json_run({ "chat", "--json", "write", "lua", "code" }).model)
      assert.are.equal("mock/echo",
        json_run({ "chat", "--json", "write", "lua", "code" }, { env = { OPENROUTER_MODEL = "mock/echo" } }).model)
    end)
  end)

  describe("models", function()
    local function rows(out)
      local lines = {}
      for line in out:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
      return lines
    end

    -- the printed price is the per-token price of the API times 1e6 ("-": variable)
    local function same_price(api, shown)
      local n = tonumber(api)
      if n < 0 then return shown == "-" end
      local v = tonumber(shown)
      return v ~= nil and math.abs(v - n * 1e6) < 1e-9 * math.max(1, v)
    end

    it("prints id, context length and prices per 1M tokens, aligned", function()
      local data = assert(lib():models()).data
      local lines = rows(ok_run({ "models" }))
      assert.are.equal(#data + 1, #lines)
      assert.truthy(lines[1]:match("^ID%s+CONTEXT%s+PROMPT %$/1M%s+COMPLETION %$/1M$"), lines[1])
      for i, m in ipairs(data) do
        local line = lines[i + 1]
        assert.are.equal(#lines[1], #line, "not aligned:\n" .. lines[1] .. "\n" .. line)
        local id, ctx, p, c = line:match("^(%S+)%s+(%S+)%s+(%S+)%s+(%S+)$")
        assert.are.equal(m.id, id)
        assert.are.equal(m.context_length, tonumber(ctx))
        assert.is_true(same_price(m.pricing.prompt, p), line)
        assert.is_true(same_price(m.pricing.completion, c), line)
      end
    end)

    it("SEARCH keeps the models whose id or name contains it, any case", function()
      local data = assert(lib():models()).data
      local want = {}
      for _, m in ipairs(data) do
        if m.id:lower():find("llama", 1, true) or m.name:lower():find("llama", 1, true) then
          want[#want + 1] = m.id
        end
      end
      assert.is_true(#want >= 2)
      local lines = rows(ok_run({ "models", "LLaMa" }))
      assert.are.equal(#want + 1, #lines)
      for i, id in ipairs(want) do assert.are.equal(id, lines[i + 1]:match("^%S+")) end
      -- by name only: "Mock: Echo"
      lines = rows(ok_run({ "models", "mock: ech" }))
      assert.are.equal(2, #lines)
      assert.are.equal("mock/echo", lines[2]:match("^%S+"))
      -- nothing matches: no table, a note on stderr, success
      local out, err, status = run({ "models", "no-such-model-anywhere" })
      assert.are.equal(0, status)
      assert.are.equal("", out)
      assert.truthy(err:find("no model matches", 1, true), err)
    end)

    it("--json prints the filtered list", function()
      local res = json_run({ "models", "--json", "mixtral" })
      assert.are.equal(1, #res.data)
      assert.are.equal("mistralai/mixtral-8x7b-instruct", res.data[1].id)
      assert.are.equal(0, #json_run({ "models", "--json", "no-such-model-anywhere" }).data)
    end)
  end)

  describe("credits, key, generation", function()
    local function fields(out)
      local t = {}
      for name, value in out:gmatch("([%w_%.]+) +([^\n]*)\n") do t[name] = value end
      return t
    end

    it("credits prints what was bought, used and remains", function()
      local d = assert(lib():credits()).data
      local f = fields(ok_run({ "credits" }))
      assert.are.equal(d.total_credits, tonumber(f.total_credits))
      assert.is_true(math.abs(d.total_usage - tonumber(f.total_usage)) < 1e-9)
      assert.is_true(math.abs(d.total_credits - d.total_usage - tonumber(f.remaining)) < 1e-9)
      assert.are.equal(d.total_credits, json_run({ "credits", "--json" }).data.total_credits)
    end)

    it("key prints the key's label, usage and limits, never the key", function()
      local d = assert(lib():key()).data
      local out = ok_run({ "key" })
      local f = fields(out)
      assert.are.equal(d.label, f.label)
      assert.are.equal("-", f.limit)
      assert.are.equal("1000", f["rate_limit.requests"])
      assert.are.equal(d.label, json_run({ "key", "--json" }).data.label)
    end)

    it("generation ID prints the stats of a generation", function()
      local res = json_run({ "chat", "--json", "-m", "mock/echo", "count me" })
      local f = fields(ok_run({ "generation", res.id }))
      assert.are.equal(res.id, f.id)
      assert.are.equal("mock/echo", f.model)
      assert.are.equal("Mock", f.provider_name)
      assert.are.equal("true", f.streamed)
      assert.are.equal("false", f.cancelled)
      assert.are.equal("stop", f.finish_reason)
      assert.are.equal(res.usage.completion_tokens, tonumber(f.tokens_completion))
      assert.are.equal(res.id, json_run({ "generation", "--json", res.id }).data.id)
    end)
  end)

  describe("errors", function()
    it("exits 2 with a message on every usage error", function()
      local cases = {
        { {}, "missing command" },
        { { "frob" }, "unknown command 'frob'" },
        { { "--frob", "models" }, "unknown option --frob" },
        { { "--base-url" }, "--base-url needs a URL" },
        { { "chat", "--bogus", "hi" }, "unknown option --bogus" },
        { { "chat", "-m" }, "-m needs a value" },
        { { "chat", "-m", "", "hi" }, "non-empty" },
        { { "chat", "--json=yes", "hi" }, "--json takes no value" },
        { { "chat", "--sort", "cheapest", "hi" }, "price, throughput or latency" },
        { { "chat", "--sort=" , "hi" }, "price, throughput or latency" },
        { { "chat", "--max-tokens", "0", "hi" }, "whole number > 0" },
        { { "chat", "--max-tokens", "-3", "hi" }, "whole number > 0" },
        { { "chat", "--max-tokens", "2.5", "hi" }, "whole number > 0" },
        { { "chat", "--max-tokens", "many", "hi" }, "whole number > 0" },
        { { "chat", "--provider-order", ",", "hi" }, "provider names" },
        { { "chat" }, "no prompt" },
        { { "models", "a", "b" }, "unexpected argument 'b'" },
        { { "credits", "now" }, "unexpected argument 'now'" },
        { { "key", "--all" }, "unknown option --all" },
        { { "generation" }, "missing ID" },
        { { "help", "frob" }, "unknown command 'frob'" },
      }
      for _, c in ipairs(cases) do
        local out, err, status = run(c[1], { stdin = c[1][1] == "chat" and " \n" or nil })
        local what = table.concat(c[1], " ")
        assert.are.equal(2, status, what .. ": " .. err)
        assert.are.equal("", out, what)
        assert.truthy(err:find(c[2], 1, true), what .. ": " .. err)
        assert.truthy(err:find("--help", 1, true), what .. ": " .. err)
      end
    end)

    it("exits 1 with the API's message on stderr (a model that does not exist)", function()
      for _, json in ipairs({ false, true }) do
        local out, err, status = run({ "chat", "-m", "nobody/no-such-model", json and "--json" or "hi", "hi" })
        assert.are.equal(1, status, err)
        assert.are.equal("", out)
        assert.truthy(err:find("HTTP 400", 1, true), err)
        assert.truthy(err:find("nobody/no-such-model is not a valid model ID", 1, true), err)
      end
      local out, err, status = run({ "generation", "gen-does-not-exist" })
      assert.are.equal(1, status, err)
      assert.are.equal("", out)
      assert.truthy(err:find("not found", 1, true), err)
    end)

    it("exits 1 on a network error, and --base-url wins over OPENROUTER_BASE_URL", function()
      for _, args in ipairs({ { "credits" }, { "chat", "-m", "mock/echo", "hi" } }) do
        local out, err, status = run(args, { base_url = DEAD })
        assert.are.equal(1, status, err)
        assert.are.equal("", out)
        assert.truthy(err:find("network error", 1, true), err)
      end
      assert.are.equal("over\n", ok_run({ "--base-url", srv.url, "chat", "-m", "mock/echo", "over" },
        { base_url = DEAD }))
      assert.are.equal("after\n", ok_run({ "chat", "--base-url=" .. srv.url, "-m", "mock/echo", "after" },
        { base_url = DEAD }))
      assert.are.equal(100, json_run({ "credits", "--json", "--base-url", srv.url }, { base_url = DEAD })
        .data.total_credits)
    end)

    it("says when the key is missing on a 401", function()
      local out, err, status = run({ "key" }, { env = { OPENROUTER_API_KEY = false } })
      assert.are.equal(1, status)
      assert.are.equal("", out)
      assert.truthy(err:find("HTTP 401", 1, true), err)
      assert.truthy(err:find("OPENROUTER_API_KEY is not set", 1, true), err)
    end)
  end)

  describe("--help", function()
    it("prints the help of the command and each subcommand, exit 0", function()
      local cases = {
        { { "--help" }, "usage: openrouter [" }, { { "-h" }, "usage: openrouter [" },
        { { "help" }, "usage: openrouter [" },
        { { "chat", "--help" }, "usage: openrouter chat" }, { { "help", "chat" }, "usage: openrouter chat" },
        { { "chat", "-m", "x", "-h" }, "usage: openrouter chat" },
        { { "models", "--help" }, "usage: openrouter models" },
        { { "credits", "--help" }, "usage: openrouter credits" },
        { { "key", "--help" }, "usage: openrouter key" },
        { { "generation", "--help" }, "usage: openrouter generation" },
      }
      for _, c in ipairs(cases) do
        -- no server needed, no stdin read
        local out = ok_run(c[1], { base_url = DEAD })
        assert.are.equal(c[2], out:sub(1, #c[2]), table.concat(c[1], " "))
      end
      local main = ok_run({ "--help" })
      for _, cmd in ipairs({ "chat", "models", "credits", "key", "generation" }) do
        assert.truthy(main:find("\n  " .. cmd .. " ", 1, true), cmd)
      end
    end)
  end)

  describe("launcher", function()
    it("runs on the Lua that OPENROUTER_LUA names", function()
      local out = ok_run({ "--version" })
      assert.are.equal("openrouter " .. openrouter.version .. " (", out:sub(1, #openrouter.version + 13))
      local want = V == "jit" and "(LuaJIT 2." or ("(Lua " .. V .. ")")
      assert.truthy(out:find(want, 1, true), out)
    end)

    it("runs through a symlink, from any directory, with no LUA_PATH: the checkout's modules", function()
      local so = io.open(mock.root .. "/build/" .. V .. "/openrouter/core.so")
      if not so then return pending("no build/" .. V .. " in this checkout") end
      so:close()
      local link = tmp .. ".link"
      os.remove(link)
      local a, _, c = os.execute("ln -s " .. q(BIN) .. " " .. q(link))
      assert.is_true(a == true or a == 0 or c == 0)
      local p = assert(io.popen(("cd / && env -u LUA_PATH -u LUA_CPATH -u LUA_INIT OPENROUTER_LUA=%s"
        .. " OPENROUTER_API_KEY=%s %s --base-url %s chat -m mock/echo 'via a link' 2>&1; echo \"exit=$?\"")
        :format(q(LUA), q(KEY), q(link), q(srv.url))))
      local out = p:read("*a")
      p:close()
      os.remove(link)
      assert.are.equal("via a link\nexit=0\n", out)
    end)

    it("exits 127 when no Lua can run it", function()
      local out, err, status = run({ "--version" }, { env = { OPENROUTER_LUA = "no-such-lua" } })
      assert.are.equal(127, status)
      assert.are.equal("", out)
      assert.truthy(err:find("no Lua interpreter", 1, true), err)
    end)
  end)

  describe("Ctrl-C", function()
    -- Start the command in the background with its stdout/stderr in files;
    -- returns { pid=, out=, err=, status= (a function: the exit status once
    -- it has exited, else nil) }.
    local function spawn(base_url, args, env)
      local pidf, stf = tmp .. ".pid", tmp .. ".status"
      os.remove(pidf); os.remove(stf)
      local out, err = tmp .. ".out", tmp .. ".err"
      os.remove(out); os.remove(err)
      os.execute(("( %s %s </dev/null >%s 2>%s & echo $! >%s; wait $!; echo $? >%s.tmp; mv %s.tmp %s )"
        .. " >/dev/null 2>&1 &"):format(env_prefix(base_url, env), command(args), out, err, pidf, stf, stf, stf))
      local pid
      local deadline = core.now() + 5
      while not pid and core.now() < deadline do
        pid = tonumber(slurp(pidf) or "")
        if not pid then core.sleep(0.01) end
      end
      assert(pid, "the command did not start")
      return {
        pid = pid, out = out, err = err,
        status = function() return tonumber(slurp(stf) or "") end,
        cleanup = function() os.remove(pidf); os.remove(stf) end,
      }
    end

    local function wait_for(cond, seconds)
      local deadline = core.now() + seconds
      while core.now() < deadline do
        local v = cond()
        if v then return v end
        core.sleep(0.005)
      end
      return cond()
    end

    local slow
    before_each(function() slow = mock.start{ args = { "--delay-ms", "200" } } end)
    after_each(function() if slow then slow.stop() end end)

    it("cancels the stream at once: connection closed, newline, exit 130", function()
      -- 100 tokens 200 ms apart: 20 s of streaming unless cancelled
      local p = spawn(slow.url, { "chat", "-m", "mock/lorem", "--max-tokens", "100", "go" },
        { OPENROUTER_DEBUG = "1" })
      assert.truthy(wait_for(function() return (slurp(p.out) or ""):find("%a") end, 10), "no text streamed")
      assert.is_nil(p.status(), "the stream ended by itself")
      local t0 = core.now()
      os.execute("kill -INT " .. p.pid)
      local status = wait_for(p.status, 3)
      local elapsed = core.now() - t0
      p.cleanup()
      assert.are.equal(130, status)
      assert.is_true(elapsed < 1, ("exited %.3f s after SIGINT"):format(elapsed))
      local out, err = slurp(p.out), slurp(p.err)
      assert_no_key(out, err)
      assert.are.equal("\n", out:sub(-1))
      assert.is_nil(out:sub(1, -2):find("\n"), "a newline before the end: " .. out)
      local words = 0
      for _ in out:gmatch("%a+") do words = words + 1 end
      assert.is_true(words < 100, out)
      -- the simulator saw the connection close: the generation is cancelled
      local id = err:match('"id":"(gen%-[^"]+)"')
      assert.truthy(id, err)
      local c = openrouter.new{ base_url = slow.url, api_key = KEY, max_retries = 0 }
      local gen = wait_for(function()
        local g = c:generation(id)
        return g and g.data.cancelled == true and g
      end, 2)
      assert.truthy(gen, "the simulator did not see the connection close")
      assert.is_true(gen.data.tokens_completion < 100)
    end)

    it("with --json prints nothing and exits 130", function()
      local p = spawn(slow.url, { "chat", "--json", "-m", "mock/lorem", "--max-tokens", "100", "go" },
        { OPENROUTER_DEBUG = "1" })
      -- the debug trace shows the first event arriving
      assert.truthy(wait_for(function() return (slurp(p.err) or ""):find("< event", 1, true) end, 10))
      local t0 = core.now()
      os.execute("kill -INT " .. p.pid)
      local status = wait_for(p.status, 3)
      local elapsed = core.now() - t0
      p.cleanup()
      assert.are.equal(130, status)
      assert.is_true(elapsed < 1, ("exited %.3f s after SIGINT"):format(elapsed))
      assert.are.equal("", slurp(p.out))
    end)

    it("a stream cut by the server: the partial answer, a newline, the error, exit 1", function()
      local p = spawn(slow.url, { "chat", "-m", "mock/lorem", "--max-tokens", "100", "go" })
      assert.truthy(wait_for(function() return (slurp(p.out) or ""):find("%a") end, 10), "no text streamed")
      slow.stop()
      slow = nil
      local status = wait_for(p.status, 5)
      p.cleanup()
      local out, err = slurp(p.out), slurp(p.err)
      assert.are.equal(1, status, err)
      assert.truthy(out:match("^%a[%a ]*\n$"), out)
      assert.truthy(err:find("^openrouter %a+ error"), err)
      assert_no_key(out, err)
    end)
  end)
end)
