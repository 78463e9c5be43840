-- Handlers of spec/hosts/nginx/nginx.conf.  One client per worker, made
-- on first use (never in init_by_lua: a forked worker must not share the
-- master's libcurl multi).
-- luacheck: globals ngx
local openrouter = require("openrouter")

local M = {}

local client
local by_interval = {}   -- ?interval=ms: libcurl clients whose pump runs at that pace (measurements)
local function get()
  local ms = tonumber(ngx.var.arg_interval or "")
  if ms then
    by_interval[ms] = by_interval[ms] or openrouter.new{
      loop = require("openrouter.loop.ngx").new{ transport = "curl", interval = ms / 1000 },
      base_url = os.getenv("MOCK_URL"), api_key = "sk-or-test",
    }
    return by_interval[ms]
  end
  client = client or openrouter.new{ loop = "ngx", base_url = os.getenv("MOCK_URL"), api_key = "sk-or-test" }
  return client
end

local function request()
  return { model = "mock/lorem", messages = { { role = "user", content = "stream" } } }
end

local function headers()
  local args = ngx.req.get_uri_args()
  return { ["X-Mock-Tokens"] = args.tokens or "40", ["X-Mock-Delay-Ms"] = args.delay or "20" }
end

function M.stream()
  ngx.header.content_type = "text/event-stream"
  local s, err = get():stream(request(), { headers = headers() })
  if not s then
    ngx.status = 500
    return ngx.say(tostring(err))
  end
  ngx.on_abort(function() s:cancel() end)
  local ok, e = pcall(function()
    for text in s:text() do
      if not s.announced then          -- tell the test which generation this is
        s.announced = true
        ngx.print(": gen ", tostring(s.request_id), "\n\n")
      end
      ngx.print("data: ", text, "\n\n")
      if not ngx.flush(true) then return s:cancel() end
    end
  end)
  if ok then
    ngx.print("event: done\ndata: ", s:result().usage.completion_tokens, "\n\n")
  else
    ngx.print("event: error\ndata: ", tostring(e), "\n\n")
  end
end

function M.callbacks()
  ngx.header.content_type = "text/event-stream"
  local h, err = get():stream(request(), {
    headers = headers(),
    on_text = function(text)
      ngx.print("data: ", text, "\n\n")
      ngx.flush(true)
    end,
    on_done = function(final)
      ngx.print("event: done\ndata: ", final.usage.completion_tokens, "\n\n")
    end,
    on_error = function(e)
      ngx.print("event: error\ndata: ", tostring(e), "\n\n")
    end,
  })
  if not h then return ngx.say(tostring(err)) end
  -- the handler may return: nginx finishes the request when the light thread ends
end

function M.chat()
  local res, err = get():chat{ model = "mock/echo", messages = { { role = "user", content = "echo me" } } }
  ngx.say(res and res.choices[1].message.content or tostring(err))
end

-- The Responses API in a handler: a stream read with the iterator, a plain
-- call, and a callback-style stream, one line each.
function M.responses()
  local c = get()
  local req = { model = "mock/echo", input = "responses in nginx" }
  local s, err = c:responses_stream(req, { headers = { ["X-Mock-Delay-Ms"] = "5" } })
  if not s then return ngx.say(tostring(err)) end
  local parts = {}
  for text in s:text() do parts[#parts + 1] = text end
  local final, ferr = s:result()
  ngx.say("stream: ", table.concat(parts), " | ", final and final.status or tostring(ferr))
  local res, e = c:responses(req)
  ngx.say("plain: ", res and res.output_text or tostring(e))
  local texts, result = {}, nil
  local h = c:responses_stream(req, {
    on_text = function(t) texts[#texts + 1] = t end,
    on_done = function(f) result = f.output_text end,
    on_error = function(x) result = tostring(x) end,
  })
  while h:status() == "running" do ngx.sleep(0.005) end
  ngx.say("callbacks: ", table.concat(texts), " | ", tostring(result))
end

function M.badphase()
  local ok, err = pcall(function()
    return get():chat{ model = "mock/echo", messages = { { role = "user", content = "x" } } }
  end)
  return ok and "no error" or tostring(err)
end

function M.inflight()
  local busy = client and (client._multi:timeout() >= 0 or client._loop.inflight(client) > 0)
  ngx.say(busy and "busy" or "idle")
end

--- Which transport the handlers' client uses ("cosocket" or "curl").
function M.transport()
  ngx.say((get()._loop.transport_of(get())))
end

return M
