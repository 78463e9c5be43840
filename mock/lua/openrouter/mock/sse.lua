--- The SSE writer: plays a list of steps onto a streamed HTTP response.
--
-- Steps (an array, played in order):
--   "text"                    an SSE event (or comment) written as is
--   { gen = f }               f() returns the next event text, or nil when
--                             exhausted; called lazily, so a 200,000-event
--                             stream never exists in memory at once
--   { bytes = f }             like gen, but the pieces are parts of one
--                             event (not separate events for X-Mock-Delay-Ms)
--   { once = f }              f() returns one event, built when reached
--   { call = f }              side effect when reached (nothing written)
--   { sleep = ms }            flush, then silence for ms
--   { finish = true }         flush, then the terminating chunk (keep-alive)
--   { cut = true }            flush, then close (FIN) without terminator
--   { reset = true }          flush, then TCP reset
--
-- Events are coalesced into writes of about `batch_bytes`; at most two
-- writes are in flight, the next batch is produced from a write's
-- completion callback: memory stays bounded whatever the stream length and
-- however slowly the client reads.
local uv = require("luv")

local M = {}

M.batch_bytes = 64 * 1024
M.max_inflight = 2
M.comment = ": OPENROUTER PROCESSING\n\n"

local concat = table.concat

--- Plays `steps` on `res` (already started).  opts:
--   delay_ms      pause after every event (X-Mock-Delay-Ms)
--   comment_every with a delay, a processing comment every N events
--   reset_after   total body bytes after which the connection is reset
--   on_end(how)   called once: "finish", "cut", "reset" or "aborted"
function M.play(res, steps, opts)
  opts = opts or {}
  local delay = opts.delay_ms or 0
  local comment_every = opts.comment_every or 8
  local reset_after = opts.reset_after
  local batch_bytes = opts.batch_bytes or M.batch_bytes
  local max_inflight = M.max_inflight

  local i = 1                 -- current step
  local inflight = 0
  local sent = 0              -- body bytes written (payload, no framing)
  local events = 0
  local waiting = false       -- a timer is pending
  local ended = false
  local timer
  local pump

  local function finish(how)
    if ended then return end
    ended = true
    if timer then
      timer:stop()
      if not timer:is_closing() then timer:close() end
      timer = nil
    end
    if opts.on_end then opts.on_end(how) end
  end

  res.on_abort = function() finish("aborted") end

  local function sleep(ms)
    waiting = true
    if not timer then timer = uv.new_timer() end
    timer:start(ms, 0, function()
      waiting = false
      pump()
    end)
  end

  local function on_written(err)
    inflight = inflight - 1
    if err then finish("aborted"); return end
    if not waiting and not ended then pump() end
  end

  -- Produces one batch; returns the payload pieces and what stopped it.
  local function fill()
    local out, n, bytes = {}, 0, 0
    local stop, arg
    while bytes < batch_bytes do
      local step = steps[i]
      if step == nil then stop = "finish"; break end
      local piece, is_event
      if type(step) == "string" then
        piece, is_event = step, true
        i = i + 1
      elseif step.gen then
        piece = step.gen()
        if piece == nil then i = i + 1 else is_event = true end
      elseif step.bytes then
        piece = step.bytes()
        if piece == nil then
          i = i + 1
          is_event = step.event_done ~= false  -- the big event counts once
        end
      elseif step.once then
        piece, is_event = step.once(), true
        i = i + 1
      elseif step.call then
        step.call()
        i = i + 1
      elseif step.sleep then
        i = i + 1
        stop, arg = "sleep", step.sleep
        break
      elseif step.finish then
        i = i + 1; stop = "finish"; break
      elseif step.cut then
        i = i + 1; stop = "cut"; break
      elseif step.reset then
        i = i + 1; stop = "reset"; break
      else
        error("bad SSE step " .. tostring(i))
      end
      if piece and piece ~= "" then
        if delay > 0 and is_event and piece:byte(1) ~= 58 then  -- not a ':' comment
          events = events + 1
          if events > 1 and events % comment_every == 0 then
            n = n + 1; out[n] = M.comment; bytes = bytes + #M.comment
          end
        end
        n = n + 1
        out[n] = piece
        bytes = bytes + #piece
      end
      if delay > 0 and is_event and n > 0 then
        stop, arg = "sleep", delay
        break
      end
    end
    return out, n, bytes, stop, arg
  end

  function pump()
    while not ended and not waiting and inflight < max_inflight do
      if res.done then finish("aborted"); return end
      local out, n, bytes, stop, arg = fill()
      local payload = n == 1 and out[1] or concat(out, "", 1, n)
      if reset_after and sent + bytes >= reset_after then
        payload = payload:sub(1, reset_after - sent)
        stop = "reset"
      end
      sent = sent + #payload
      if #payload > 0 then
        inflight = inflight + 1
        res:chunk(payload, on_written)
        if res.done then finish("aborted"); return end
      end
      if stop == "sleep" then
        sleep(arg)
        return
      elseif stop == "finish" then
        res:finish(); finish("finish"); return
      elseif stop == "cut" then
        res:cut(); finish("cut"); return
      elseif stop == "reset" then
        res:reset(); finish("reset"); return
      end
    end
  end

  pump()
end

return M
