-- Plain luv host test: lua5.4 + lua-luv, many concurrent streams on one
-- loop (loop = "luv"): iterators in openrouter.async tasks, callback
-- handles, and cancellations, while a 10 ms timer measures loop gaps.
-- Prints one JSON line.  Environment: MOCK_URL, STREAMS (default 200).
local uv = require("luv")
local cjson = require("cjson")
local openrouter = require("openrouter")

local N = tonumber(os.getenv("STREAMS") or "200")
local client = openrouter.new{ loop = "luv", base_url = assert(os.getenv("MOCK_URL")), api_key = "sk-or-test" }
local R = { streams = N, iter_ok = 0, cb_ok = 0, cancelled_ok = 0, bad = {} }

local last, max_gap = uv.hrtime(), 0
local meter = uv.new_timer()
meter:start(10, 10, function()
  local t = uv.hrtime()
  max_gap = math.max(max_gap, (t - last) / 1e6)
  last = t
end)

local left = N
local function done()
  left = left - 1
  if left == 0 then meter:stop(); meter:close() end
end

local t0 = uv.hrtime()
for i = 1, N do
  local prompt = ("stream number %d says hello to the loop"):format(i)
  local req = { model = "mock/echo", messages = { { role = "user", content = prompt } } }
  local opts = { headers = { ["X-Mock-Delay-Ms"] = "5" } }
  local kind = i % 4
  if kind == 0 then            -- callbacks
    opts.on_text = function() end
    opts.on_done = function(final)
      if final.choices[1].message.content == prompt then R.cb_ok = R.cb_ok + 1 end
      done()
    end
    opts.on_error = function(e) R.bad[#R.bad + 1] = tostring(e); done() end
    client:stream(req, opts)
  elseif kind == 1 then        -- cancelled after its third delta
    openrouter.async(function()
      local s = assert(client:stream(req, opts))
      local n = 0
      local ok, e = pcall(function()
        for _ in s:text() do
          n = n + 1
          if n == 3 then s:cancel() end
        end
      end)
      if not ok and e.kind == "cancelled" and #e.partial.choices[1].message.content > 0 then
        R.cancelled_ok = R.cancelled_ok + 1
      else
        R.bad[#R.bad + 1] = "cancel: " .. tostring(e)
      end
      done()
    end)
  else                         -- iterators
    openrouter.async(function()
      local parts = {}
      for text in assert(client:stream(req, opts)):text() do parts[#parts + 1] = text end
      if table.concat(parts) == prompt then R.iter_ok = R.iter_ok + 1 else R.bad[#R.bad + 1] = "iter " .. i end
      done()
    end)
  end
end
R.start_ms = (uv.hrtime() - t0) / 1e6
uv.run()
R.total_ms = (uv.hrtime() - t0) / 1e6
R.max_gap_ms = max_gap
R.left = left
print(cjson.encode(R))
