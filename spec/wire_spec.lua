-- The bytes on the wire: requests through the client (client:chat, stream,
-- embeddings) to a capturing server on loopback, which records each body
-- and answers with a chosen response.  The five lua-cjson defects, as the
-- client used to send them (cjson.encode, in DEBIAN_CJSON: the "before")
-- and as it sends them now (the schema's encoding pass, src/schema_encode.c:
-- the "after"), and responses decoded by the core's codec, sent back.
local openrouter = require("openrouter")
local json = require("openrouter.json")
local validate = require("openrouter.validate")
local cjson = require("cjson")
local mock = require("support.mock_server")

local math_type = rawget(math, "type")          -- 5.3+
local DEBIAN_CJSON = cjson._VERSION == "2.1.0" and cjson.empty_array == nil

-- The capturing server: a separate process (luv), so that any client loop
-- works.  Each request's body is appended to a file as "<length>\n<body>\n";
-- every request is answered 200 with the response file's JSON (chat) or, for
-- "stream": true, with that JSON as one SSE chunk and [DONE].
local SERVER = [=[
local uv = require("luv")
local out, response = arg[1], arg[2]
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("*a"); f:close(); return s end
local server = uv.new_tcp()
assert(server:bind("127.0.0.1", 0))
local function answer(c, body)
  local f = assert(io.open(out, "ab"))
  f:write(#body, "\n", body, "\n")
  f:close()
  local resp, ctype = slurp(response), "application/json"
  if body:find('"stream":true', 1, true) then
    resp, ctype = "data: " .. resp .. "\n\ndata: [DONE]\n\n", "text/event-stream"
  end
  c:write("HTTP/1.1 200 OK\r\nContent-Type: " .. ctype .. "\r\nContent-Length: " .. #resp ..
    "\r\nConnection: close\r\n\r\n" .. resp, function() c:close() end)
end
server:listen(64, function()
  local c = uv.new_tcp()
  server:accept(c)
  local buf = ""
  c:read_start(function(_, data)
    if not data then if not c:is_closing() then c:close() end return end
    buf = buf .. data
    local h = buf:find("\r\n\r\n", 1, true)
    if not h then return end
    if buf:sub(1, h):lower():find("expect: 100%-continue") and not buf:find("HTTP/1.1 100", 1, true) then
      c:write("HTTP/1.1 100 Continue\r\n\r\n")
    end
    local len = tonumber(buf:sub(1, h):lower():match("content%-length:%s*(%d+)")) or 0
    if #buf >= h + 3 + len then answer(c, buf:sub(h + 4, h + 3 + len)); buf = "" end
  end)
end)
local idle = uv.new_timer()
idle:start(120000, 0, function() os.exit(0) end)       -- a failsafe
io.stdout:write(server:getsockname().port, " ", uv.os_getpid(), "\n")
io.stdout:flush()
uv.run()
]=]

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- Start a capturing server answering with `response` (a JSON text).
local function capture(response)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  local script, out, resp = dir .. "/capture.lua", dir .. "/bodies", dir .. "/response.json"
  write(script, SERVER)
  write(out, "")
  write(resp, response)
  local lua = "lua5.4"
  for _, l in ipairs{ "lua5.4", "lua5.3", "luajit", "lua5.2", "lua5.1" } do
    if os.execute(l .. " -e 'require(\"luv\")' >/dev/null 2>&1") then lua = l; break end
  end
  local p = assert(io.popen(("%s '%s' '%s' '%s'"):format(lua, script, out, resp), "r"))
  local port, pid = p:read("*l"):match("^(%d+) (%d+)$")
  assert(port, "the capturing server did not start")
  local cap = { url = "http://127.0.0.1:" .. port .. "/api/v1" }
  function cap.bodies()
    local f = assert(io.open(out, "rb"))
    local s = f:read("*a")
    f:close()
    local list, i = {}, 1
    while i <= #s do
      local nl = s:find("\n", i, true)
      local len = tonumber(s:sub(i, nl - 1))
      list[#list + 1] = s:sub(nl + 1, nl + len)
      i = nl + len + 2
    end
    return list
  end
  function cap.last() local b = cap.bodies(); return b[#b] end
  function cap.respond(text) write(resp, text) end
  function cap.stop()
    os.execute("kill " .. pid .. " 2>/dev/null")
    p:close()
    os.execute("rm -rf '" .. dir .. "'")
  end
  return cap
end

local CHAT_RESPONSE = [[{"id":"gen-1","object":"chat.completion","created":1735000000,
"model":"openai/gpt-4o","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",
"content":"Paris.","refusal":null,"tool_calls":[],"annotations":[],"audio":{}}}],
"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"cost":0.00012}}]]

local function msgs(text) return { { role = "user", content = text } } end

describe("the bytes on the wire", function()
  local cap, client

  setup(function()
    cap = capture(CHAT_RESPONSE)
    client = openrouter.new{ api_key = "k", base_url = cap.url, max_retries = 0 }
  end)

  teardown(function()
    if client then client:close() end
    if cap then cap.stop() end
  end)

  -- client:chat(req); the body it sent, asserting success.
  local function sent(req, opts)
    local n = #cap.bodies()
    local res, err = client:chat(req, opts)
    assert(res, err and tostring(err))
    local bodies = cap.bodies()
    assert.equal(n + 1, #bodies)
    return bodies[#bodies], res
  end

  it("provider = { ignore = {} } goes out as an array: the schema says so, no marker needed", function()
    local req = { model = "m", messages = msgs("hi"), provider = { ignore = {} } }
    if DEBIAN_CJSON then assert.equal('{"ignore":{}}', cjson.encode(req.provider)) end  -- before
    assert.truthy(sent(req):find('"provider":{"ignore":[]}', 1, true))
  end)

  it("tools = {} goes out as []", function()
    local req = { model = "m", messages = msgs("hi"), tools = {} }
    if DEBIAN_CJSON then assert.equal("{}", cjson.encode(req.tools)) end               -- before
    assert.truthy(sent(req):find('"tools":[]', 1, true))
  end)

  it("stop = {} goes out as [] (anyOf string | array | null: only the array admits a table)", function()
    local req = { model = "m", messages = msgs("hi"), stop = {} }
    if DEBIAN_CJSON then assert.equal("{}", cjson.encode(req.stop)) end                -- before
    assert.truthy(sent(req):find('"stop":[]', 1, true))
  end)

  it("where the schema wants an object, or says nothing, an empty table is {}", function()
    local body = sent{ model = "m", messages = msgs("hi"), metadata = {}, x_extension = {} }
    assert.truthy(body:find('"metadata":{}', 1, true))
    assert.truthy(body:find('"x_extension":{}', 1, true))
    -- a marker speaks where the schema does not
    body = sent{ model = "m", messages = msgs("hi"), x_extension = openrouter.array() }
    assert.truthy(body:find('"x_extension":[]', 1, true))
  end)

  it("seed = 1234567890123456 goes out exact", function()
    local req = { model = "m", messages = msgs("hi"), seed = 1234567890123456 }
    if DEBIAN_CJSON then                                                               -- before
      assert.equal('{"seed":1.2345678901235e+15}', cjson.encode({ seed = req.seed }))
    end
    assert.truthy(sent(req):find('"seed":1234567890123456', 1, true))
    assert.truthy(sent{ model = "m", messages = msgs("hi"), temperature = 0.7 }:find('"temperature":0.7', 1, true))
  end)

  it("invalid UTF-8: a validation error naming the path, and nothing is sent", function()
    local n = #cap.bodies()
    if DEBIAN_CJSON then assert.equal('"caf\233"', cjson.encode("caf\233")) end        -- before
    local res, err = client:chat{ model = "m", messages = msgs("caf\233") }
    assert.is_nil(res)
    assert.equal("validation", err.kind)
    assert.equal("messages[1].content", err.errors[1].path)
    assert.matches("invalid UTF%-8", err.errors[1].message)
    -- also with validation off, and in a key, and on the stream path
    res, err = client:chat({ model = "m", messages = msgs("ok"), ["caf\233"] = 1 }, { validate = false })
    assert.is_nil(res)
    assert.equal("validation", err.kind)
    assert.matches("invalid UTF%-8 in a key", err.errors[1].message)
    local s
    s, err = client:stream{ model = "m", messages = msgs("caf\233") }
    assert.is_nil(s)
    assert.equal("messages[1].content", err.errors[1].path)
    assert.equal(n, #cap.bodies())
  end)

  it("NaN, functions and cycles: validation errors with the path, nothing sent", function()
    local n = #cap.bodies()
    local res, err = client:chat{ model = "m", messages = msgs("hi"), temperature = 0 / 0 }
    assert.is_nil(res)
    assert.equal("temperature", err.errors[1].path)
    res, err = client:chat({ model = "m", messages = msgs("hi"), x = { f = print } }, { validate = false })
    assert.is_nil(res)
    assert.equal("x.f", err.errors[1].path)
    local loop = {}
    loop.self = loop
    res, err = client:chat({ model = "m", messages = msgs("hi"), x = loop }, { validate = false })
    assert.is_nil(res)
    assert.equal("x.self", err.errors[1].path)
    assert.matches("cycle", err.errors[1].message)
    assert.equal(n, #cap.bodies())
  end)

  it("a marker the schema contradicts is a validation error, not a surprise upstream", function()
    local n = #cap.bodies()
    local res, err = client:chat{ model = "m", messages = msgs("hi"), stop = openrouter.object() }
    assert.is_nil(res)
    assert.equal("stop", err.errors[1].path)
    assert.equal(n, #cap.bodies())
  end)

  it("usage.prompt_tokens is an integer (5.3+), null is openrouter.null, cost a float", function()
    local _, res = sent{ model = "m", messages = msgs("hi") }
    assert.equal(12, res.usage.prompt_tokens)
    assert.equal("12", tostring(res.usage.prompt_tokens))
    if math_type then
      assert.equal("integer", math_type(res.usage.prompt_tokens))
      assert.equal("float", math_type(res.usage.cost))
    end
    assert.equal(openrouter.null, res.choices[1].message.refusal)
    assert.equal(cjson.null, res.choices[1].message.refusal)
  end)

  it("a response message with [] and {} sent back as history keeps its shape", function()
    local _, res = sent{ model = "m", messages = msgs("capital of France?") }
    local m = res.choices[1].message
    local body = sent{ model = "m", messages = { msgs("capital of France?")[1], m, msgs("and Italy?")[1] } }
    assert.truthy(body:find('"tool_calls":[]', 1, true))      -- the schema and the marker agree
    assert.truthy(body:find('"annotations":[]', 1, true))     -- no schema: the decoded marker
    assert.truthy(body:find('"audio":{}', 1, true))
    assert.truthy(body:find('"refusal":null', 1, true))
  end)

  it("a table decoded by cjson is sent as it is; cjson.null is null", function()
    local m = cjson.decode('{"role":"assistant","content":null,"tool_calls":[]}')
    local body = sent{ model = "m", messages = { msgs("hi")[1], m } }
    assert.truthy(body:find('"content":null', 1, true))
    assert.truthy(body:find('"tool_calls":[]', 1, true))      -- the schema again
  end)

  it("stream: the same body with stream = true", function()
    local s = assert(client:stream{ model = "m", messages = msgs("hi"), tools = {}, seed = 1234567890123456 })
    s:result()
    local body = cap.last()
    assert.truthy(body:find('"stream":true', 1, true))
    assert.truthy(body:find('"tools":[]', 1, true))
    assert.truthy(body:find('"seed":1234567890123456', 1, true))
  end)

  it("validate = false still shapes empty tables by the schema, and validates nothing", function()
    local body = sent({ model = "m", messages = msgs("hi"), stop = {}, temperature = 99 }, { validate = false })
    assert.truthy(body:find('"stop":[]', 1, true))
    assert.truthy(body:find('"temperature":99', 1, true))
    local res, err = client:chat{ model = "m", messages = msgs("hi"), temperature = 99 }
    assert.is_nil(res)
    assert.equal("temperature", err.errors[1].path)
  end)

  it("callback style: the body prepared once, the same bytes", function()
    local n, done = #cap.bodies(), nil
    local h = assert(client:chat({ model = "m", messages = msgs("hi"), tools = {} },
      { on_done = function(r) done = r end, on_error = function(e) error(tostring(e)) end }))
    while not done do client:update() end
    assert.truthy(h)
    assert.equal(n + 1, #cap.bodies())
    assert.truthy(cap.last():find('"tools":[]', 1, true))
  end)

  it("embeddings: the schema shapes the body", function()
    local n = #cap.bodies()
    client:embeddings{ model = "m", input = "hello", dimensions = 1234567890123 }
    assert.equal(n + 1, #cap.bodies())
    assert.truthy(cap.last():find('"dimensions":1234567890123', 1, true))
  end)
end)

describe("responses through the client", function()
  local srv, client

  setup(function()
    srv = mock.shared()
    client = openrouter.new{ api_key = "k", base_url = srv.url, max_retries = 0 }
  end)

  teardown(function() if client then client:close() end end)

  it("the simulator's usage counts are integers (5.3+)", function()
    local res = assert(client:chat{ model = "mock/echo", messages = msgs("one two three") })
    assert.equal("number", type(res.usage.prompt_tokens))
    if math_type then
      assert.equal("integer", math_type(res.usage.prompt_tokens))
      assert.equal("integer", math_type(res.usage.completion_tokens))
      assert.equal("integer", math_type(res.created))
    end
  end)

  it("an error body's code is an integer, its metadata decoded", function()
    local res, err = client:chat({ model = "mock/echo", messages = msgs("hi") },
      { headers = { ["X-Mock-Fault"] = "status=429" } })
    assert.is_nil(res)
    assert.equal(429, err.status)
    assert.equal(429, err.code)
    assert.equal("string", type(err.message))
    if math_type then assert.equal("integer", math_type(err.code)) end
  end)
end)

describe("validate.prepare", function()
  it("is what client:chat sends: one walk, validated and encoded", function()
    local body = assert(validate.prepare{ model = "m", messages = msgs("hi"), tools = {} })
    assert.equal('[]', body:match('"tools":(%[%])'))
    local v = json.decode(body)
    assert.equal("hi", v.messages[1].content)
    local b2, err = validate.prepare{ model = "m", messages = {} }
    assert.is_nil(b2)
    assert.equal("validation", err.kind)
    assert.equal("messages", err.errors[1].path)
  end)

  it("prepare_provider reports under provider", function()
    local body = assert(validate.prepare_provider{ ignore = {}, order = { "a" } })
    assert.truthy(body:find('"ignore":[]', 1, true))
    local b2, err = validate.prepare_provider{ order = { 1 } }
    assert.is_nil(b2)
    assert.equal("provider.order[1]", err.errors[1].path)
  end)
end)
