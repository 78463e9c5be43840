--- The two relays of the OpenResty benchmark (bench/relay/nginx.conf):
-- GET /client?id=ID&tokens=N&delay=MS and /cosocket?... stream mock/lorem
-- from UPSTREAM_URL and write each content delta downstream as
-- "data: TEXT\n\n", flushed at once; "event: done" at the end.  Both send
-- X-Bench-Id: ID upstream, by which the driver's tap pairs each delta it
-- forwarded with the one the relay delivered.
-- luacheck: globals ngx
local cjson = require("cjson")

local M = {}

local UPSTREAM = assert(os.getenv("UPSTREAM_URL"), "UPSTREAM_URL")

local function args()
  local a = ngx.req.get_uri_args()
  return a.id or "0", a.tokens or "200", a.delay or "10"
end

local function emit(text)
  ngx.print("data: ", text, "\n\n")
  return ngx.flush(true)
end

-------------------------------------------------------------- (a) this client

local client
function M.client()
  client = client or require("openrouter").new{ loop = "ngx", base_url = UPSTREAM, api_key = "sk-or-bench",
                                                 max_retries = 0 }
  local id, tokens, delay = args()
  ngx.header.content_type = "text/event-stream"
  local s, err = client:stream({ model = "mock/lorem", messages = { { role = "user", content = "relay" } } }, {
    headers = { ["X-Mock-Tokens"] = tokens, ["X-Mock-Delay-Ms"] = delay, ["X-Bench-Id"] = id },
  })
  if not s then return ngx.print("event: error\ndata: ", tostring(err), "\n\n") end
  local ok, e = pcall(function()
    for text in s:text() do
      if not emit(text) then return s:cancel() end
    end
  end)
  ngx.print(ok and "event: done\ndata: ok\n\n" or ("event: error\ndata: " .. tostring(e) .. "\n\n"))
end

-------------------------------------------------- (b) the minimal cosocket client

local host, port, prefix = UPSTREAM:match("^http://([^:/]+):(%d+)(.*)$")
port = tonumber(port)

-- Written the plain way: one request per connection, the response head
-- read line by line, the chunked body de-chunked, split into lines, each
-- `data:` line decoded with cjson, the delta's text printed and flushed.
local function cosocket_stream(id, tokens, delay)
  local sock = ngx.socket.tcp()
  sock:settimeout(60000)
  assert(sock:connect(host, port))
  local body = cjson.encode{ model = "mock/lorem", stream = true,
                             messages = { { role = "user", content = "relay" } } }
  assert(sock:send{
    "POST ", prefix, "/chat/completions HTTP/1.1\r\n",
    "Host: ", host, ":", port, "\r\n",
    "Authorization: Bearer sk-or-bench\r\n",
    "Content-Type: application/json\r\n",
    "Accept: text/event-stream\r\n",
    "X-Mock-Tokens: ", tokens, "\r\n",
    "X-Mock-Delay-Ms: ", delay, "\r\n",
    "X-Bench-Id: ", id, "\r\n",
    "Content-Length: ", #body, "\r\n",
    "Connection: close\r\n\r\n",
    body,
  })
  local status = assert(sock:receive("*l"))
  assert(status:match("^HTTP/1%.%d 200"), status)
  local chunked = false
  while true do
    local line = assert(sock:receive("*l"))
    if line == "" then break end
    if line:lower():match("^transfer%-encoding:%s*chunked") then chunked = true end
  end

  local buf, done = "", false
  local function lines(data)
    buf = buf .. data
    local pos = 1
    while not done do
      local nl = buf:find("\n", pos, true)
      if not nl then break end
      local line = buf:sub(pos, nl - 1)
      pos = nl + 1
      if line:sub(1, 6) == "data: " then
        local payload = line:sub(7)
        if payload == "[DONE]" then
          done = true
        else
          local chunk = cjson.decode(payload)
          local ch = chunk.choices[1]
          local text = ch and ch.delta and ch.delta.content
          if type(text) == "string" and text ~= "" and not emit(text) then done = true end
        end
      end
    end
    buf = buf:sub(pos)
  end

  while not done do
    local data
    if chunked then
      local size = assert(sock:receive("*l"))
      local n = tonumber(size:match("^%x+") or "", 16)
      assert(n, "bad chunk size line")
      if n == 0 then break end
      data = assert(sock:receive(n))
      assert(sock:receive(2))
    else
      local err
      data, err = sock:receiveany(65536)
      if not data then
        if err == "closed" then break end
        error(err)
      end
    end
    lines(data)
  end
  sock:close()
end

function M.cosocket()
  local id, tokens, delay = args()
  ngx.header.content_type = "text/event-stream"
  local ok, e = pcall(cosocket_stream, id, tokens, delay)
  ngx.print(ok and "event: done\ndata: ok\n\n" or ("event: error\ndata: " .. tostring(e) .. "\n\n"))
end

return M
