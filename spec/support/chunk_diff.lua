--- The chunk decoder (core.chunk_decoder: the C scanner, table builder and
-- accumulator) against the reference, which is what stream.lua did before
-- the decoder: core.json_decode each data event, openrouter.accumulator
-- over the chunks.  Used by spec/stream_decode_spec.lua and by the
-- fuzzer (fuzz/fuzz_chunk.c), so both check the same things.
--
--   local diff = require("support.chunk_diff")
--   local ok, why = diff.check({ '{"choices":[...]}', "[DONE]", ... })
local core = require("openrouter.core")
local accumulator = require("openrouter.accumulator")

local json_decode = core.json_decode
local mtype = rawget(math, "type")

local M = {}

-- stream.lua's text of a chunk: choices[1].delta.content, when not empty.
local function delta_text(chunk)
  local ch = type(chunk.choices) == "table" and chunk.choices[1]
  local d = type(ch) == "table" and ch.delta
  local t = type(d) == "table" and d.content
  if type(t) == "string" and t ~= "" then return t end
  return nil
end
M.delta_text = delta_text

--- The reference over data events: a list of { kind = "chunk", value, text }
--- up to the first { kind = "bad", data } or { kind = "error", value }, and
--- the accumulator and [DONE] state after it.
function M.reference(texts)
  local acc = accumulator.new()
  local out, done, after, id = {}, false, 0, nil
  for _, data in ipairs(texts) do
    if done then
      after = after + 1
    elseif data == "[DONE]" then
      done = true
    else
      local v = json_decode(data)
      if type(v) ~= "table" then
        out[#out + 1] = { kind = "bad", data = data }
        break
      end
      accumulator.add(acc, v)
      if id == nil and type(v.id) == "string" then id = v.id end
      if type(v.error) == "table" then
        out[#out + 1] = { kind = "error", value = v }
        break
      end
      out[#out + 1] = { kind = "chunk", value = v, text = delta_text(v) }
    end
  end
  return out, { build = accumulator.build(acc), count = accumulator.count(acc),
                finished = accumulator.finished(acc), done = done, after = after, id = id }
end

local function same_number(a, b)
  if mtype and mtype(a) ~= mtype(b) then return false end
  if a ~= b then return false end
  if a == 0 then return 1 / a == 1 / b end          -- -0.0 is not 0.0
  return true
end

--- Deep equality of decoded values; with `markers`, tables must carry the
--- same metatables (the codec's array and object markers) too.
function M.same(a, b, markers, path)
  path = path or "value"
  if type(a) ~= type(b) then return false, path .. ": " .. type(a) .. " vs " .. type(b) end
  if type(a) == "number" then
    if same_number(a, b) then return true end
    return false, ("%s: %s vs %s"):format(path, tostring(a), tostring(b))
  end
  if type(a) ~= "table" then
    if a == b then return true end
    return false, ("%s: %q vs %q"):format(path, tostring(a), tostring(b))
  end
  if markers and getmetatable(a) ~= getmetatable(b) then return false, path .. ": markers differ" end
  for k, v in pairs(a) do
    local ok, why = M.same(v, b[k], markers, path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": only in the second" end
  end
  return true
end

local function fail(what, why)
  return false, what .. ": " .. tostring(why)
end

-- The decoder's state against the reference's.
local function same_state(dec, st)
  local ok, why = M.same(st.build, dec:build(), false, "build")
  if not ok then return fail("build()", why) end
  if dec:count() ~= st.count then return fail("count()", dec:count() .. " vs " .. st.count) end
  if dec:finished() ~= st.finished then return fail("finished()", tostring(dec:finished())) end
  if dec:done() ~= st.done then return fail("done()", tostring(dec:done())) end
  if dec:after_done() ~= st.after then return fail("after_done()", dec:after_done() .. " vs " .. st.after) end
  if dec:request_id() ~= st.id then return fail("request_id()", tostring(dec:request_id())) end
  return true
end

local function new_decoder(texts)
  local dec = core.chunk_decoder()
  for _, t in ipairs(texts) do dec:push(t) end
  return dec
end

-- The decoder's failure (false, what, x) against the reference's last item.
local function same_failure(what, x, want)
  if what ~= want.kind then return fail("failure", tostring(what) .. " vs " .. want.kind) end
  if what == "bad" then
    if x ~= want.data then return fail("bad data", x) end
    return true
  end
  return M.same(want.value, x, true, "error chunk")
end

--- Every way of reading the events (next, text, drain) against the
--- reference: true, or false and what differs.
function M.check(texts)
  local ref, st = M.reference(texts)
  local last = ref[#ref]
  local failed = last and last.kind ~= "chunk" and last or nil
  -- next(): each chunk table, then the failure or the end
  local dec = new_decoder(texts)
  for i, r in ipairs(ref) do
    local v, what, x = dec:next()
    if r.kind == "chunk" then
      local ok, why = M.same(r.value, v, true, "chunk " .. i)
      if not ok then return fail("next()", why) end
    else
      if v ~= false then return fail("next()", "no failure at event " .. i) end
      local ok, why = same_failure(what, x, r)
      if not ok then return false, why end
    end
  end
  if not failed and dec:next() ~= nil then return fail("next()", "more than the reference") end
  local ok, why = same_state(dec, st)
  if not ok then return false, "next(): " .. why end
  -- text(): the texts, then the failure or the end
  dec = new_decoder(texts)
  for i, r in ipairs(ref) do
    if r.kind ~= "chunk" then
      local v, what, x = dec:text()
      if v ~= false then return fail("text()", "no failure at event " .. i .. ": " .. tostring(v)) end
      ok, why = same_failure(what, x, r)
      if not ok then return false, why end
    elseif r.text then
      local t = dec:text()
      if t ~= r.text then return fail("text()", ("%q vs %q"):format(tostring(t), r.text)) end
    end
  end
  if not failed and dec:text() ~= nil then return fail("text()", "more than the reference") end
  ok, why = same_state(dec, st)
  if not ok then return false, "text(): " .. why end
  -- drain(): nothing but the failure
  dec = new_decoder(texts)
  local r, what, x = dec:drain()
  if failed then
    if r ~= false then return fail("drain()", "no failure") end
    ok, why = same_failure(what, x, failed)
    if not ok then return false, why end
  elseif r ~= nil then
    return fail("drain()", tostring(r))
  end
  ok, why = same_state(dec, st)
  if not ok then return false, "drain(): " .. why end
  return true
end

return M
