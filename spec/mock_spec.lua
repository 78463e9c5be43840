-- The bundled OpenRouter simulator, checked with raw HTTP requests through
-- the library's transport (support.raw_http: the C core's libcurl multi, not
-- the project's client), and with a plain TCP socket (luv) for the bytes a
-- client sends on purpose that no HTTP library would.
local mock_server = require("support.mock_server")
local raw = require("support.raw_http")
local core = require("openrouter.core")
local cjson = require("cjson")
local uv = require("luv")

local null = cjson.null

-- helpers -----------------------------------------------------------------------

local srv

local function auth(h)
  h = h or {}
  if h.Authorization == nil then h.Authorization = "Bearer sk-or-v1-test-key-0123456789" end
  if h.Authorization == false then h.Authorization = nil end
  return h
end

local function chat(body, headers, opts)
  opts = opts or {}
  opts.method = "POST"
  opts.path = "/chat/completions"
  opts.headers = auth(headers)
  opts.body = type(body) == "string" and body or cjson.encode(body)
  return raw.request(srv.url, opts)
end

local function get(path, headers, opts)
  opts = opts or {}
  opts.method = "GET"
  opts.path = path
  opts.headers = headers or auth()
  return raw.request(srv.url, opts)
end

local function decode(r)
  return cjson.decode(r.body)
end

local function user(text, extra)
  local b = { model = "mock/echo", messages = { { role = "user", content = text } } }
  for k, v in pairs(extra or {}) do b[k] = v end
  return b
end

-- content of the chunks of an SSE response, and the chunks themselves
local function content_of(chunks)
  local out = {}
  for _, c in ipairs(chunks) do
    local ch = c.choices and c.choices[1]
    if ch and ch.delta and type(ch.delta.content) == "string" then out[#out + 1] = ch.delta.content end
  end
  return table.concat(out)
end

local function data_events(r)
  local out = {}
  for _, ev in ipairs(r.events or {}) do
    if ev.data then out[#out + 1] = ev.data end
  end
  return out
end

local function content_chunks(chunks)
  local n = 0
  for _, c in ipairs(chunks) do
    local ch = c.choices and c.choices[1]
    if ch and ch.delta and type(ch.delta.content) == "string" and ch.delta.content ~= ""
      and ch.finish_reason == null then
      n = n + 1
    end
  end
  return n
end

local function valid_utf8(s)
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    local len = c < 0x80 and 1 or (c >= 0xC2 and c <= 0xDF) and 2 or (c >= 0xE0 and c <= 0xEF) and 3
      or (c >= 0xF0 and c <= 0xF4) and 4 or nil
    if not len then return false end
    for k = 1, len - 1 do
      local d = s:byte(i + k)
      if not d or d < 0x80 or d > 0xBF then return false end
    end
    i = i + len
  end
  return true
end

local function error_shape(r, code)
  assert.are.equal(code, r.status)
  assert.truthy((r.headers["content-type"] or ""):find("application/json", 1, true))
  local b = decode(r)
  assert.are.equal("table", type(b.error))
  assert.are.equal(code, b.error.code)
  assert.are.equal("string", type(b.error.message))
  assert.truthy(#b.error.message > 0)
  return b
end

local function alive(pid)
  local a, _, c = os.execute("kill -0 " .. pid .. " 2>/dev/null && ! grep -qs ') Z' /proc/" .. pid .. "/stat")
  return a == true or a == 0 or c == 0
end

local function vm_rss_kb(pid)
  local f = io.open("/proc/" .. pid .. "/status")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)"))
end

local function sleep_ms(ms)
  core.sleep(ms / 1000)
end

-- A plain TCP connection (luv), for the bytes on the wire: requests no HTTP
-- library would send, and the framing of a response.
local Tcp = {}
Tcp.__index = Tcp

local function loop_until(cond, seconds)
  local deadline = core.now() + seconds
  while not cond() and core.now() < deadline do uv.run("nowait"); core.sleep(0.002) end
  return cond()
end

local function tcp(url)
  local host, port = url:match("^http://([^:/]+):(%d+)")
  local c = setmetatable({ sock = uv.new_tcp(), got = {}, eof = false }, Tcp)
  local connected, cerr = false, nil
  c.sock:connect(host, tonumber(port), function(err) cerr = err; connected = true end)
  assert(loop_until(function() return connected end, 5) and not cerr, cerr)
  c.sock:read_start(function(err, data)
    if data then c.got[#c.got + 1] = data else c.eof = true; c.err = err end
  end)
  return c
end

-- A request as bytes; `path` is under /api/v1.
local function request_bytes(method, path, headers, body, version)
  local out = { method, " /api/v1", path, " HTTP/", version or "1.1", "\r\nHost: 127.0.0.1\r\n" }
  for k, v in pairs(headers or {}) do out[#out + 1] = k .. ": " .. v .. "\r\n" end
  if body then out[#out + 1] = "Content-Type: application/json\r\nContent-Length: " .. #body .. "\r\n" end
  out[#out + 1] = "\r\n"
  out[#out + 1] = body or ""
  return table.concat(out)
end

function Tcp:send(bytes)
  local done, werr = false, nil
  self.sock:write(bytes, function(err) werr = err; done = true end)
  return loop_until(function() return done end, 5) and werr == nil
end

-- All bytes received so far.
function Tcp:text()
  return table.concat(self.got)
end

-- Reads until a whole response is in (Content-Length, chunked, or up to
-- the peer's close) or `seconds` pass; returns { status, headers, body,
-- chunks (how many), text } of the first response.
function Tcp:read(seconds)
  local function parse()
    local text = self:text()
    local head, rest = text:match("^(.-)\r\n\r\n(.*)$")
    if not head then return nil end
    local r = { text = text, headers = {}, status = tonumber(head:match("^HTTP/1%.1 (%d%d%d)")) }
    for k, v in head:gmatch("\r\n([^:\r\n]+):%s*([^\r\n]*)") do r.headers[k:lower()] = v end
    local n = tonumber(r.headers["content-length"])
    if r.headers["transfer-encoding"] == "chunked" then
      -- de-chunk, counting the chunks; nil until the last-chunk is in
      local parts, pos = {}, 1
      while true do
        local size, data = rest:match("^(%x+)\r\n()", pos)
        if not size then return nil end
        size = tonumber(size, 16)
        if size == 0 then break end
        if #rest < data + size + 1 then return nil end
        parts[#parts + 1] = rest:sub(data, data + size - 1)
        pos = data + size + 2
      end
      r.body, r.chunks = table.concat(parts), #parts
    elseif n and #rest >= n then
      r.body = rest:sub(1, n)
    elseif not n and self.eof then
      r.body = rest  -- close-delimited
    else
      return nil
    end
    return r
  end
  loop_until(function() return self.eof or parse() ~= nil end, seconds or 5)
  return parse() or { text = self:text(), headers = {} }
end

-- True once the peer has closed the connection (waits up to `seconds`).
function Tcp:closed(seconds)
  return loop_until(function() return self.eof end, seconds or 2)
end

function Tcp:close()
  if not self.sock:is_closing() then self.sock:close() end
  uv.run("nowait")
end

-- specs -------------------------------------------------------------------------

describe("openrouter-mock", function()
  setup(function()
    srv = mock_server.start()
  end)
  teardown(function()
    srv.stop()
  end)

  describe("process", function()
    it("prints its URL and runs as a known pid", function()
      assert.truthy(srv.url:match("^http://127%.0%.0%.1:%d+/api/v1$"))
      assert.are.equal("number", type(srv.pid))
      assert.is_true(alive(srv.pid))
    end)

    it("stops on SIGTERM and frees its port", function()
      local other = mock_server.start()
      assert.is_true(alive(other.pid))
      assert.are.equal(200, get("/models").status)
      other.stop()
      assert.is_false(alive(other.pid))
      local r = raw.request(other.url, { path = "/models" })
      assert.are.equal(0, r.status)
      assert.truthy(r.error)
    end)

    it("exits with --exit-with-parent when the process that started it is gone", function()
      -- a shell starts it, prints its pid, and exits after 0.5 s
      local f = io.popen("sh -c '" .. mock_server.bin
        .. " --port 0 --exit-with-parent </dev/null 2>/dev/null & echo $!; sleep 0.5'")
      local pid = tonumber(f:read("*l"))
      local line = f:read("*l")
      assert.truthy(line:match("^listening http://"))
      assert.is_true(alive(pid))
      f:close()  -- returns when the shell has exited
      local gone = false
      for _ = 1, 300 do
        if not alive(pid) then gone = true; break end
        sleep_ms(10)
      end
      assert.is_true(gone)
    end)

    it("reports a clear error when it cannot start", function()
      local ok, err = pcall(mock_server.start, { args = { "--no-such-flag" }, quiet = true })
      assert.is_false(ok)
      assert.truthy(tostring(err):find("did not come up", 1, true))
    end)
  end)

  describe("GET /models", function()
    it("lists the simulated catalog in OpenRouter's model shape", function()
      local r = get("/models", {})  -- no key needed, as on openrouter.ai
      assert.are.equal(200, r.status)
      local data = decode(r).data
      local ids = {}
      for _, m in ipairs(data) do
        ids[m.id] = m
        assert.are.equal("string", type(m.canonical_slug))
        assert.are.equal("string", type(m.name))
        assert.are.equal("number", type(m.created))
        assert.are.equal("string", type(m.description))
        assert.are.equal("number", type(m.context_length))
        assert.are.equal("string", type(m.architecture.modality))
        assert.are.equal("table", type(m.architecture.input_modalities))
        assert.are.equal("table", type(m.architecture.output_modalities))
        assert.are.equal("string", type(m.architecture.tokenizer))
        assert.are.equal("string", type(m.pricing.prompt))
        assert.are.equal("string", type(m.pricing.completion))
        assert.truthy(tonumber(m.pricing.prompt))
        assert.are.equal("table", type(m.top_provider))
        assert.are.equal("boolean", type(m.top_provider.is_moderated))
        assert.are.equal("table", type(m.supported_parameters))
      end
      for _, id in ipairs({ "mock/echo", "mock/lorem", "mock/tools", "mock/balanced", "openai/gpt-4o",
        "mistralai/mixtral-8x7b-instruct", "meta-llama/llama-3.1-8b-instruct",
        "meta-llama/llama-3.3-70b-instruct", "deepseek/deepseek-r1", "openrouter/auto" }) do
        assert.truthy(ids[id], id)
      end
      assert.are.equal("0.0000025", ids["openai/gpt-4o"].pricing.prompt)
      assert.are.equal("0.00001", ids["openai/gpt-4o"].pricing.completion)
      assert.are.equal(128000, ids["openai/gpt-4o"].top_provider.context_length)
    end)

    it("filters by ?supported_parameters=", function()
      local all = decode(get("/models")).data
      local tools = decode(get("/models?supported_parameters=tools")).data
      assert.truthy(#tools > 0 and #tools < #all)
      for _, m in ipairs(tools) do
        local found = false
        for _, p in ipairs(m.supported_parameters) do if p == "tools" then found = true end end
        assert.is_true(found, m.id)
      end
    end)
  end)

  describe("GET /models/{author}/{slug}/endpoints", function()
    it("lists a model's endpoints in OpenRouter's endpoints shape", function()
      local r = get("/models/deepseek/deepseek-r1/endpoints")
      assert.are.equal(200, r.status)
      local d = decode(r).data
      assert.are.equal("deepseek/deepseek-r1", d.id)
      local tags = {}
      for _, e in ipairs(d.endpoints) do
        tags[e.tag] = e
        assert.are.equal("string", type(e.provider_name))
        assert.are.equal("string", type(e.pricing.prompt))
        assert.are.equal("string", type(e.quantization))
        assert.are.equal("number", type(e.context_length))
        assert.are.equal("number", type(e.uptime_last_30m))
        assert.are.equal("number", type(e.latency_last_30m.p50))
        assert.are.equal("number", type(e.throughput_last_30m.p50))
        assert.are.equal("table", type(e.supported_parameters))
      end
      assert.truthy(tags.deepinfra)
      assert.truthy(tags["deepinfra/turbo"])
      assert.are.equal("DeepInfra", tags["deepinfra/turbo"].provider_name)
    end)

    it("answers 404 in OpenRouter's error shape for an unknown model", function()
      error_shape(get("/models/nobody/nothing/endpoints"), 404)
    end)
  end)

  describe("POST /chat/completions, non-streaming", function()
    it("answers in OpenRouter's chat.completion shape", function()
      local r = chat(user("Hello there"))
      assert.are.equal(200, r.status)
      local b = decode(r)
      assert.truthy(b.id:match("^gen%-"))
      assert.are.equal(b.id, r.headers["x-generation-id"])
      assert.are.equal("Mock", b.provider)
      assert.are.equal("mock/echo", b.model)
      assert.are.equal("chat.completion", b.object)
      assert.are.equal("number", type(b.created))
      local c = b.choices[1]
      assert.are.equal(0, c.index)
      assert.are.equal(null, c.logprobs)
      assert.are.equal("stop", c.finish_reason)
      assert.are.equal("stop", c.native_finish_reason)
      assert.are.equal("assistant", c.message.role)
      assert.are.equal("Hello there", c.message.content)
      assert.are.equal(null, c.message.refusal)
      assert.are.equal(null, c.message.reasoning)
      local u = b.usage
      assert.are.equal(u.prompt_tokens + u.completion_tokens, u.total_tokens)
      assert.are.equal("number", type(u.cost))
      assert.truthy(u.cost > 0)
      assert.are.equal("table", type(u.prompt_tokens_details))
      assert.are.equal("table", type(u.completion_tokens_details))
    end)

    it("echoes the joined text parts of an array content", function()
      local r = chat({ model = "mock/echo", messages = { { role = "user", content = {
        { type = "text", text = "one " },
        { type = "image_url", image_url = { url = "data:image/png;base64,AAAA" } },
        { type = "text", text = "two" },
      } } } })
      assert.are.equal("one two", decode(r).choices[1].message.content)
    end)

    it("echoes the last user message, not earlier ones", function()
      local r = chat({ model = "mock/echo", messages = {
        { role = "system", content = "be brief" },
        { role = "user", content = "first" },
        { role = "assistant", content = "ok" },
        { role = "user", content = "second" },
      } })
      assert.are.equal("second", decode(r).choices[1].message.content)
    end)
  end)

  describe("POST /chat/completions, streaming", function()
    it("streams OpenRouter's chunk shapes, usage and [DONE]", function()
      local text = "Grüße, 世界! 😀 naïve café"
      local r = chat(user(text, { stream = true }))
      assert.are.equal(200, r.status)
      assert.truthy(r.headers["content-type"]:find("text/event-stream", 1, true))
      assert.is_true(r.chunked)
      local gid = r.headers["x-generation-id"]
      assert.truthy(gid:match("^gen%-"))
      -- a processing comment comes before the first chunk
      assert.are.equal("OPENROUTER PROCESSING", r.events[1].comment)
      local datas = data_events(r)
      assert.are.equal("[DONE]", datas[#datas])
      local chunks = raw.chunks(r)
      local first = chunks[1]
      assert.are.equal(gid, first.id)
      assert.are.equal("chat.completion.chunk", first.object)
      assert.are.equal("Mock", first.provider)
      assert.are.equal("mock/echo", first.model)
      assert.are.same({ role = "assistant", content = "" }, first.choices[1].delta)
      assert.are.equal(null, first.choices[1].finish_reason)
      assert.are.equal(null, first.choices[1].native_finish_reason)
      assert.are.equal(null, first.choices[1].logprobs)
      -- every content piece is whole UTF-8, and they join to the message
      for k = 2, #chunks - 2 do
        local d = chunks[k].choices[1].delta
        assert.is_true(valid_utf8(d.content))
        assert.are.equal("assistant", d.role)
        assert.are.equal(null, chunks[k].choices[1].finish_reason)
      end
      assert.are.equal(text, content_of(chunks))
      local fin = chunks[#chunks - 1]
      assert.are.equal("stop", fin.choices[1].finish_reason)
      assert.are.equal("stop", fin.choices[1].native_finish_reason)
      local usage = chunks[#chunks]
      assert.are.same({}, usage.choices)
      assert.are.equal(#chunks - 3, usage.usage.completion_tokens)
      assert.are.equal(usage.usage.prompt_tokens + usage.usage.completion_tokens, usage.usage.total_tokens)
      assert.are.equal("number", type(usage.usage.cost))
      for _, c in ipairs(chunks) do assert.are.equal(gid, c.id) end
    end)

    it("cuts at max_tokens with finish_reason length", function()
      local r = chat(user("abcdefghijklmnopqrstuvwxyz", { stream = true, max_tokens = 3 }))
      local chunks = raw.chunks(r)
      assert.are.equal(3, content_chunks(chunks))
      assert.are.equal("abcdefghijkl", content_of(chunks))
      assert.are.equal("length", chunks[#chunks - 1].choices[1].finish_reason)
    end)

    it("refuses an HTTP/1.0 request with 505, and closes", function()
      local c = tcp(srv.url)
      assert.is_true(c:send(request_bytes("POST", "/chat/completions", auth(),
        cjson.encode(user("old client", { stream = true })), "1.0")))
      local r = c:read()
      error_shape(r, 505)
      assert.are.equal("close", r.headers.connection)
      assert.is_true(c:closed(2))
      c:close()
    end)
  end)

  describe("mock/lorem", function()
    local function lorem(extra, headers)
      local b = { model = "mock/lorem", stream = true, messages = { { role = "user", content = "seed text" } } }
      for k, v in pairs(extra or {}) do b[k] = v end
      return raw.chunks(chat(b, headers))
    end

    it("produces 16 content chunks by default", function()
      local chunks = lorem()
      assert.are.equal(16, content_chunks(chunks))
      assert.are.equal("stop", chunks[#chunks - 1].choices[1].finish_reason)
    end)

    it("produces exactly max_tokens chunks", function()
      local chunks = lorem({ max_tokens = 7 })
      assert.are.equal(7, content_chunks(chunks))
      assert.are.equal("stop", chunks[#chunks - 1].choices[1].finish_reason)
      assert.are.equal(7, chunks[#chunks].usage.completion_tokens)
    end)

    it("takes the chunk count from X-Mock-Tokens over max_tokens", function()
      local chunks = lorem({ max_tokens = 7 }, { ["X-Mock-Tokens"] = "40" })
      assert.are.equal(40, content_chunks(chunks))
      assert.are.equal("stop", chunks[#chunks - 1].choices[1].finish_reason)
    end)

    it("says the same words for the same request", function()
      local a, b = content_of(lorem()), content_of(lorem())
      assert.are.equal(a, b)
      assert.are.equal(16, select(2, a:gsub("%S+", "")))
      assert.are_not.equal(a, content_of(raw.chunks(chat({ model = "mock/lorem", stream = true,
        messages = { { role = "user", content = "another seed" } } }))))
    end)

    it("gives the same text without streaming", function()
      local streamed = content_of(lorem())
      local b = decode(chat({ model = "mock/lorem", messages = { { role = "user", content = "seed text" } } }))
      assert.are.equal(streamed, b.choices[1].message.content)
    end)
  end)

  describe("reasoning", function()
    it("streams delta.reasoning and reasoning_details before the content", function()
      local chunks = raw.chunks(chat(user("think first", { stream = true, reasoning = { effort = "high" } })))
      local seen_content, reasoning = false, {}
      for _, c in ipairs(chunks) do
        local d = c.choices[1] and c.choices[1].delta
        if d and d.reasoning then
          assert.is_false(seen_content)
          reasoning[#reasoning + 1] = d.reasoning
          local det = d.reasoning_details[1]
          assert.are.equal("reasoning.text", det.type)
          assert.are.equal(d.reasoning, det.text)
          assert.are.equal(0, det.index)
          assert.are.equal("string", type(det.format))
        elseif d and d.content and d.content ~= "" then
          seen_content = true
        end
      end
      assert.truthy(#reasoning > 3)
      assert.are.equal("think first", content_of(chunks))
      assert.are.equal(#reasoning, chunks[#chunks].usage.completion_tokens_details.reasoning_tokens)
    end)

    it("reasons for a :thinking model and reports the base slug", function()
      local b = decode(chat({ model = "mock/echo:thinking", messages = { { role = "user", content = "hm" } } }))
      assert.are.equal("mock/echo", b.model)
      local m = b.choices[1].message
      assert.are.equal("string", type(m.reasoning))
      assert.are.equal(m.reasoning, m.reasoning_details[1].text)
      assert.are.equal("hm", m.content)
    end)

    it("hides the reasoning with exclude, but counts its tokens", function()
      local chunks = raw.chunks(chat(user("x", { stream = true, reasoning = { exclude = true } })))
      for _, c in ipairs(chunks) do
        assert.is_nil(c.choices[1] and c.choices[1].delta.reasoning)
      end
      assert.truthy(chunks[#chunks].usage.completion_tokens_details.reasoning_tokens > 0)
    end)
  end)

  describe("tool calls", function()
    local tools = {
      { type = "function", ["function"] = { name = "get_weather", parameters = { type = "object",
        properties = { city = { type = "string" }, days = { type = "integer" } }, required = { "city" } } } },
      { type = "function", ["function"] = { name = "get_time", parameters = { type = "object",
        properties = { zone = { type = "string" } } } } },
    }

    it("streams two parallel calls split across interleaved chunks", function()
      local r = chat({ model = "mock/tools", stream = true, tools = tools,
        messages = { { role = "user", content = "Paris" } } })
      local chunks = raw.chunks(r)
      local calls, order, heads = {}, {}, 0
      for _, c in ipairs(chunks) do
        local d = c.choices[1] and c.choices[1].delta
        if d and d.tool_calls then
          assert.are.equal(1, #d.tool_calls)
          local tc = d.tool_calls[1]
          order[#order + 1] = tc.index
          if tc.id then
            heads = heads + 1
            assert.are.equal("function", tc.type)
            assert.are.equal("", tc["function"].arguments)
            calls[tc.index] = { id = tc.id, name = tc["function"].name, args = {} }
          else
            -- a fragment: only index and function.arguments
            assert.is_nil(tc.type)
            assert.is_nil(tc["function"].name)
            local t = calls[tc.index].args
            t[#t + 1] = tc["function"].arguments
          end
        end
      end
      assert.are.equal(2, heads)
      assert.are.equal("get_weather", calls[0].name)
      assert.are.equal("get_time", calls[1].name)
      assert.are_not.equal(calls[0].id, calls[1].id)
      -- interleaved: index 1 appears before index 0 is finished
      local last0, first1 = 0, math.huge
      for k, idx in ipairs(order) do
        if idx == 0 then last0 = k end
        if idx == 1 and k < first1 then first1 = k end
      end
      assert.truthy(first1 < last0)
      local a0 = cjson.decode(table.concat(calls[0].args))
      assert.are.equal("Paris", a0.city)
      assert.are.equal(1, a0.days)
      assert.are.equal("table", type(cjson.decode(table.concat(calls[1].args))))
      assert.are.equal("tool_calls", chunks[#chunks - 1].choices[1].finish_reason)
    end)

    it("calls tools from any model when the message starts with 'call '", function()
      local b = decode(chat({ model = "mock/echo", tools = { tools[1] },
        messages = { { role = "user", content = "call Oslo" } } }))
      local m = b.choices[1].message
      assert.are.equal("tool_calls", b.choices[1].finish_reason)
      assert.are.equal(2, #m.tool_calls)
      assert.are.equal("get_weather", m.tool_calls[1]["function"].name)
      assert.are.equal("Oslo", cjson.decode(m.tool_calls[1]["function"].arguments).city)
    end)

    it("answers normally when the message does not ask for a call", function()
      local b = decode(chat({ model = "mock/echo", tools = tools,
        messages = { { role = "user", content = "hello" } } }))
      assert.are.equal("hello", b.choices[1].message.content)
      assert.are.equal("stop", b.choices[1].finish_reason)
    end)
  end)

  describe("GET /generation, /key, /credits", function()
    it("returns the stats of a generation it served", function()
      local r = chat(user("count me", { stream = true }))
      local gid = r.headers["x-generation-id"]
      local usage = raw.chunks(r)
      usage = usage[#usage].usage
      local g = get("/generation?id=" .. gid)
      assert.are.equal(200, g.status)
      local d = decode(g).data
      assert.are.equal(gid, d.id)
      assert.are.equal("mock/echo", d.model)
      assert.are.equal("Mock", d.provider_name)
      assert.is_true(d.streamed)
      assert.are.equal("stop", d.finish_reason)
      assert.are.equal(usage.prompt_tokens, d.tokens_prompt)
      assert.are.equal(usage.completion_tokens, d.tokens_completion)
      assert.truthy(math.abs(usage.cost - d.total_cost) < 1e-12)
      assert.are.equal("string", type(d.created_at))
    end)

    it("answers 404 for an unknown generation and 400 without an id", function()
      error_shape(get("/generation?id=gen-unknown"), 404)
      error_shape(get("/generation"), 400)
    end)

    it("describes the key without revealing it", function()
      local r = get("/key")
      assert.are.equal(200, r.status)
      assert.is_nil(r.body:find("test-key-0123456789", 1, true))
      local d = decode(r).data
      assert.are.equal("string", type(d.label))
      assert.are.equal("number", type(d.usage))
      assert.are.equal(false, d.is_free_tier)
      assert.are.equal(null, d.limit)
      assert.are.equal(null, d.limit_remaining)
      assert.are.equal("number", type(d.rate_limit.requests))
      assert.are.equal("string", type(d.rate_limit.interval))
    end)

    it("accounts usage in /credits", function()
      local before = decode(get("/credits")).data
      assert.are.equal("number", type(before.total_credits))
      chat(user("spend"))
      local after = decode(get("/credits")).data
      assert.truthy(after.total_usage > before.total_usage)
      assert.are.equal(before.total_credits, after.total_credits)
    end)
  end)

  describe("errors", function()
    it("answers 401 without a key, or with an empty one", function()
      error_shape(chat(user("x"), { Authorization = false }), 401)
      error_shape(chat(user("x"), { Authorization = "Bearer " }), 401)
      error_shape(chat(user("x"), { Authorization = "Basic abc" }), 401)
      error_shape(get("/key", {}), 401)
      error_shape(get("/credits", {}), 401)
      error_shape(get("/generation?id=x", {}), 401)
    end)

    it("answers 400 for malformed JSON and for missing or empty messages", function()
      error_shape(chat("{not json"), 400)
      error_shape(chat("[1,2]"), 400)
      error_shape(chat({ model = "mock/echo" }), 400)
      error_shape(chat({ model = "mock/echo", messages = {} }), 400)
      error_shape(chat({ model = "mock/echo", messages = { "hi" } }), 400)
    end)

    it("answers 400 'is not a valid model ID' for an unknown model", function()
      local b = error_shape(chat({ model = "nope/nothing", messages = { { role = "user", content = "x" } } }), 400)
      assert.are.equal("nope/nothing is not a valid model ID", b.error.message)
    end)

    it("answers 404 for an unknown path and 405 for a wrong method", function()
      error_shape(get("/nowhere"), 404)
      error_shape(raw.request(srv.url, { raw_path = "/other/api", headers = auth() }), 404)
      error_shape(get("/chat/completions"), 405)
    end)
  end)

  describe("X-Mock-Delay-Ms", function()
    it("paces a stream and sends processing comments every so often", function()
      local r = chat({ model = "mock/lorem", stream = true, max_tokens = 10,
        messages = { { role = "user", content = "x" } } }, { ["X-Mock-Delay-Ms"] = "20" })
      assert.truthy(r.elapsed_ms >= 200, r.elapsed_ms)
      local comments, datas = 0, 0
      for _, ev in ipairs(r.events) do
        if ev.comment then comments = comments + 1 else datas = datas + 1 end
      end
      assert.truthy(comments >= 2)
      assert.truthy(comments < datas / 2)
    end)

    it("delays a non-streaming answer", function()
      local r = chat(user("late"), { ["X-Mock-Delay-Ms"] = "150" })
      assert.truthy(r.elapsed_ms >= 140)
      assert.are.equal("late", decode(r).choices[1].message.content)
    end)
  end)

  describe("X-Mock-Fault", function()
    local lorem = { model = "mock/lorem", stream = true, messages = { { role = "user", content = "x" } } }
    local plain = { model = "mock/lorem", messages = { { role = "user", content = "x" } } }

    it("status=CODE;retry_after=S answers OpenRouter's error with Retry-After", function()
      for _, body in ipairs({ lorem, plain }) do
        local r = chat(body, { ["X-Mock-Fault"] = "status=429;retry_after=2" })
        local b = error_shape(r, 429)
        assert.are.equal("2", r.headers["retry-after"])
        assert.are.equal(2, b.error.metadata.retry_after)
      end
      error_shape(chat(lorem, { ["X-Mock-Fault"] = "status=502" }), 502)
      error_shape(get("/models", { ["X-Mock-Fault"] = "status=503" }), 503)
      error_shape(get("/key", auth({ ["X-Mock-Fault"] = "status=500" })), 500)
    end)

    it("times=N applies a fault to the first N requests only", function()
      local h = { ["X-Mock-Fault"] = "status=503;times=2;key=" .. tostring(os.time()) .. math.random(1e6) }
      assert.are.equal(503, chat(plain, h).status)
      assert.are.equal(503, chat(plain, h).status)
      assert.are.equal(200, chat(plain, h).status)
    end)

    it("midstream_error sends an error chunk after a few chunks, then ends", function()
      local r = chat(lorem, { ["X-Mock-Fault"] = "midstream_error" })
      assert.are.equal(200, r.status)
      assert.is_true(r.complete)
      local datas = data_events(r)
      assert.are_not.equal("[DONE]", datas[#datas])
      local chunks = raw.chunks(r)
      assert.are.equal(3, content_chunks(chunks))
      local last = chunks[#chunks]
      assert.are.equal(502, last.error.code)
      assert.are.equal("string", type(last.error.message))
      assert.are.equal("chat.completion.chunk", last.object)
      assert.are.equal(r.headers["x-generation-id"], last.id)
      assert.are.equal("error", last.choices[1].finish_reason)
      assert.are.equal("", last.choices[1].delta.content)
      local s = raw.chunks(chat(lorem, { ["X-Mock-Fault"] = "midstream_error=server_error" }))
      assert.are.equal("server_error", s[#s].error.code)
      local b = decode(chat(plain, { ["X-Mock-Fault"] = "midstream_error" }))
      assert.are.equal(502, b.error.code)
      assert.are.equal("error", b.choices[1].finish_reason)
    end)

    it("no_done ends cleanly without a finish reason or [DONE]", function()
      local r = chat(lorem, { ["X-Mock-Fault"] = "no_done" })
      assert.is_true(r.complete)
      local chunks = raw.chunks(r)
      assert.are.equal(3, content_chunks(chunks))
      for _, c in ipairs(chunks) do
        assert.are.equal(null, c.choices[1].finish_reason)
      end
      for _, d in ipairs(data_events(r)) do assert.are_not.equal("[DONE]", d) end
      -- without streaming: a body shorter than its Content-Length, then FIN
      local p = chat(plain, { ["X-Mock-Fault"] = "no_done" })
      assert.is_false(p.complete)
      assert.are.equal("eof", p.error)
    end)

    it("reset_after_bytes=N resets the connection after N body bytes", function()
      local r = chat(lorem, { ["X-Mock-Fault"] = "reset_after_bytes=300" })
      assert.are.equal(200, r.status)
      assert.is_false(r.complete)
      assert.are.equal("ECONNRESET", r.error)
      assert.are.equal(300, r.body_bytes)
      local p = chat(plain, { ["X-Mock-Fault"] = "reset_after_bytes=40" })
      assert.are.equal("ECONNRESET", p.error)
      assert.are.equal(40, #p.body)
      assert.are.equal('{"id":"gen-', p.body:sub(1, 11))
    end)

    it("stall_ms=N goes silent mid-stream, then continues", function()
      local times = {}
      local t0 = core.now()
      local r = chat(lorem, { ["X-Mock-Fault"] = "stall_ms=300" }, { on_progress = function()
        times[#times + 1] = (core.now() - t0) * 1000
      end })
      assert.is_true(r.complete)
      local gap = 0
      for k = 2, #times do gap = math.max(gap, times[k] - times[k - 1]) end
      assert.truthy(gap >= 280, gap)
      assert.are.equal(16, content_chunks(raw.chunks(r)))
      local datas = data_events(r)
      assert.are.equal("[DONE]", datas[#datas])
      local p = chat(plain, { ["X-Mock-Fault"] = "stall_ms=200" })
      assert.truthy(p.elapsed_ms >= 190)
      assert.are.equal(16, select(2, decode(p).choices[1].message.content:gsub("%S+", "")))
    end)

    it("garbage answers 200 with a body that is not SSE", function()
      local r = chat(lorem, { ["X-Mock-Fault"] = "garbage" })
      assert.are.equal(200, r.status)
      assert.truthy(r.headers["content-type"]:find("text/event-stream", 1, true))
      assert.truthy(r.body:find("<html>", 1, true))
      assert.are.equal(0, #data_events(r))
      local bin = chat(lorem, { ["X-Mock-Fault"] = "garbage=binary" })
      assert.truthy(bin.body:find("%z") or bin.body:find("[\128-\255]"))
      local p = chat(plain, { ["X-Mock-Fault"] = "garbage" })
      assert.are.equal(200, p.status)
      assert.is_false(pcall(cjson.decode, p.body))
    end)

    it("bad_json sends one data event that is not JSON", function()
      local r = chat(lorem, { ["X-Mock-Fault"] = "bad_json" })
      local bad = 0
      for _, d in ipairs(data_events(r)) do
        if d ~= "[DONE]" and not pcall(cjson.decode, d) then bad = bad + 1 end
      end
      assert.are.equal(1, bad)
      assert.is_false(pcall(cjson.decode, chat(plain, { ["X-Mock-Fault"] = "bad_json" }).body))
    end)

    it("huge_event=BYTES sends one event of that size, progressively", function()
      local r = chat(lorem, { ["X-Mock-Fault"] = "huge_event=300000" })
      assert.is_true(r.complete)
      local big
      for _, d in ipairs(data_events(r)) do
        if #d > 1000 then assert.is_nil(big); big = d end
      end
      assert.are.equal(300000, #big)
      local c = cjson.decode(big)
      assert.truthy(c.choices[1].delta.content:match("^x+$"))
      -- on the wire: in many chunks, not one buffered string
      local conn = tcp(srv.url)
      conn:send(request_bytes("POST", "/chat/completions", auth({ ["X-Mock-Fault"] = "huge_event=300000" }),
        cjson.encode(lorem)))
      local pieces = conn:read().chunks
      conn:close()
      assert.truthy(pieces > 2)
    end)
  end)

  describe("HTTP/1.1", function()
    it("keeps a connection alive across many requests", function()
      local s = raw.session(srv.url)
      for k = 1, 30 do
        local r = s:request{ method = "POST", path = "/chat/completions", headers = auth(),
          body = cjson.encode(user("n" .. k, { stream = k % 2 == 0 })) }
        assert.are.equal(200, r.status)
        assert.are.equal("keep-alive", r.headers.connection)
        assert.are.equal(k == 1 and 1 or 0, r.new_connections)  -- one connection throughout
      end
      s:close()
    end)

    it("answers one request at a time: a pipelined one is dropped, then it closes", function()
      local c = tcp(srv.url)
      assert.is_true(c:send(request_bytes("POST", "/chat/completions", auth({ ["X-Mock-Delay-Ms"] = "100" }),
        cjson.encode(user("first"))) .. request_bytes("GET", "/credits", auth())))
      assert.is_true(c:closed(5))
      local r = c:read()
      assert.are.equal("first", decode(r).choices[1].message.content)
      assert.are.equal("close", r.headers.connection)
      assert.are.equal(1, select(2, c:text():gsub("HTTP/1%.1 %d%d%d", "")))
      c:close()
    end)

    it("serves many concurrent connections", function()
      local s = raw.session(srv.url)
      local started = {}
      for k = 1, 40 do
        started[k] = s:start{ method = "POST", path = "/chat/completions",
          headers = auth({ ["X-Mock-Delay-Ms"] = "5" }),
          body = cjson.encode(user("conn " .. k, { stream = true })) }
      end
      local conns = 0
      for k, h in ipairs(started) do
        local r = s:finish(h)
        assert.are.equal("conn " .. k, content_of(raw.chunks(r)))
        conns = conns + r.new_connections
      end
      assert.are.equal(40, conns)
      s:close()
    end)

    it("ignores Expect: 100-continue: no interim response, the answer once the body is in", function()
      local c = tcp(srv.url)
      local body = cjson.encode(user("expect"))
      local head = request_bytes("POST", "/chat/completions", auth({ Expect = "100-continue" }), body)
      assert.is_true(c:send(head:sub(1, #head - #body)))
      assert.is_false(loop_until(function() return #c:text() > 0 end, 0.2))
      assert.is_true(c:send(body))
      local r = c:read()
      assert.is_nil(r.text:find("100 Continue", 1, true))
      assert.are.equal("expect", decode(r).choices[1].message.content)
      c:close()
    end)

    it("refuses a chunked request body with 411", function()
      -- libcurl frames the body in chunks when told Transfer-Encoding: chunked
      local r = raw.request(srv.url, { method = "POST", path = "/chat/completions",
        headers = auth({ ["Transfer-Encoding"] = "chunked" }), body = cjson.encode(user("chunked body")) })
      error_shape(r, 411)
    end)

    it("bounds header and body sizes", function()
      error_shape(get("/models", { ["X-Big"] = string.rep("a", 40000) }), 431)
      local c = tcp(srv.url)
      c:send("POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
      error_shape(c:read(), 413)
      assert.is_true(c:closed(2))
      c:close()
    end)

    it("rejects a malformed request line with 400", function()
      local c = tcp(srv.url)
      c:send("NONSENSE\r\n\r\n")
      error_shape(c:read(), 400)
      c:close()
    end)
  end)

  describe("robustness", function()
    it("does not buffer a stream its client does not read (backpressure)", function()
      local before = vm_rss_kb(srv.pid)
      if not before then return pending("no /proc") end
      local s = raw.session(srv.url)
      -- 200,000 chunks is about 55 MB; the transport queues at most 4 MiB of
      -- events, then it pauses the transfer and reads none of the rest
      local h = s:start{ method = "POST", path = "/chat/completions", stream = true,
        headers = auth({ ["X-Mock-Tokens"] = "200000" }),
        body = cjson.encode({ model = "mock/lorem", stream = true,
          messages = { { role = "user", content = "x" } } }) }
      assert.is_true(s:run(function() return h.req:info().paused end, 5))
      sleep_ms(400)
      local during = vm_rss_kb(srv.pid)
      assert.truthy(during - before < 20000, ("RSS grew by %d kB"):format(during - before))
      s:close()
      assert.are.equal(200, get("/models").status)
    end)

    it("survives a client that disconnects mid-stream, marking it cancelled", function()
      local gid
      local r = chat({ model = "mock/lorem", stream = true, messages = { { role = "user", content = "x" } } },
        { ["X-Mock-Tokens"] = "100000", ["X-Mock-Delay-Ms"] = "1" },
        { on_progress = function(_, resp)
          gid = resp.headers["x-generation-id"]
          return false
        end })
      assert.are.equal("stopped", r.error)
      sleep_ms(150)
      local d = decode(get("/generation?id=" .. gid)).data
      assert.is_true(d.cancelled)
      assert.are.equal(200, chat(user("still here")).status)
    end)
  end)
end)
