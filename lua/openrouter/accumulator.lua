--- The accumulator: merges the decoded chunks of a streaming chat
-- completion into a response shaped like a non-streaming chat() answer.
-- A pure function of the chunks: no I/O, no client, no stream.
--
--   local acc = accumulator.new()
--   accumulator.add(acc, chunk)          -- for each decoded chunk, in order
--   accumulator.build(acc)               -- the response so far (fresh tables)
--   accumulator.finished(acc)            -- a choice carried a finish_reason
--   accumulator.count(acc)               -- chunks added
--
-- Merging rules: content, reasoning and refusal pieces are concatenated
-- per choice, and content is null (openrouter.null) when no non-empty
-- piece came (a tool-call-only turn), as in a non-streaming answer;
-- reasoning_details entries are appended in order, an entry merged into
-- the earlier one with the same `index` and `type` (its text, summary and
-- data pieces concatenated; an entry without a type continues the last
-- one at its index): a reasoning.summary and a reasoning.encrypted entry
-- at one index stay two entries, as OpenRouter's non-streaming answer has
-- them; tool_calls are merged by index (id, type and function name kept,
-- arguments concatenated); annotations and images are appended; logprobs
-- arrays (content, refusal) are appended; finish_reason and
-- native_finish_reason keep the last non-null value; every top-level field
-- but choices/object/error (id, model, provider, usage, created,
-- system_fingerprint...) keeps the last value sent.  Where an object
-- belongs (a chunk, choice, delta, tool call, its function, a reasoning
-- detail, logprobs), a JSON array (a table with the codec's array marker)
-- is ignored like any other value that is not an object.  The acc is
-- opaque: use these functions, not its fields.
--
-- This is the reference implementation: streams accumulate in C as they
-- decode (src/accum.c, through core.chunk_decoder), and the specs and the
-- fuzzer check that the two agree on every input.

local core = require("openrouter.core")

local null = core.json_null
local ARRAY_MT = core.json_array_mt
local concat = table.concat

local M = {}

local function is_str(v) return type(v) == "string" end
local function present(v) return v ~= nil and v ~= null end
-- An index usable as a table key: a number, not NaN (cjson decodes NaN).
local function is_key(v) return type(v) == "number" and v == v end
-- An object: a table that is not a decoded JSON array.
local function is_obj(v) return type(v) == "table" and getmetatable(v) ~= ARRAY_MT end

local function new_choice(index)
  return {
    index = index, content = {}, reasoning = {}, refusal = {},
    details = {}, details_at = {}, tools = {}, tools_order = {},
    extra = {}, logprobs = nil,
  }
end

local DETAIL_TEXT = { text = true, summary = true, data = true }

-- An entry continues the one with the same index and type (one without a
-- type continues the last entry at its index); any other is a new entry.
-- details_at[index] = { last = entry, types = { [type] = entry } }.
local function add_detail(c, det)
  if not is_obj(det) then return end
  local at, ty = det.index, det.type
  if not is_key(at) then at = nil end
  local slot = at ~= nil and c.details_at[at] or nil
  local cur
  if slot then
    if is_str(ty) then cur = slot.types[ty] else cur = slot.last end
  end
  if not cur then
    cur = {}
    for k, v in pairs(det) do cur[k] = v end
    c.details[#c.details + 1] = cur
    if at ~= nil then
      if not slot then
        slot = { types = {} }
        c.details_at[at] = slot
      end
      if is_str(ty) then slot.types[ty] = cur end
      slot.last = cur
    end
    return
  end
  for k, v in pairs(det) do
    if DETAIL_TEXT[k] and is_str(v) and is_str(cur[k]) then
      cur[k] = cur[k] .. v
    elseif v ~= null then
      cur[k] = v
    end
  end
end

-- A tool call: its fields, function fields and argument pieces, apart
-- (so that no key of the call can overwrite them).
local function add_tool_call(c, tc)
  if not is_obj(tc) then return end
  local at = tc.index
  if not is_key(at) then at = #c.tools_order end
  local cur = c.tools[at]
  if not cur then
    cur = { index = at, fields = {}, fn = {}, args = {} }
    c.tools[at] = cur
    c.tools_order[#c.tools_order + 1] = at
  end
  for k, v in pairs(tc) do
    if k == "function" and is_obj(v) then
      for fk, fv in pairs(v) do
        if fk == "arguments" then
          if is_str(fv) then cur.args[#cur.args + 1] = fv end
        elseif fv ~= null then
          cur.fn[fk] = fv
        end
      end
    elseif k ~= "index" and v ~= null then
      cur.fields[k] = v
    end
  end
end

-- dst (a list, or what was there before) with the items of src appended,
-- when src is a table; an earlier value that is no list is replaced.
local function append_all(dst, src)
  if type(src) ~= "table" then return dst end
  if type(dst) ~= "table" then dst = {} end
  for i = 1, #src do dst[#dst + 1] = src[i] end
  return dst
end

local KNOWN_DELTA = {
  role = true, content = true, reasoning = true, refusal = true,
  reasoning_details = true, tool_calls = true, annotations = true, images = true,
}

local function add_choice(acc, ch)
  local index = ch.index
  if not is_key(index) then index = 0 end
  local c = acc.choices[index]
  if not c then
    c = new_choice(index)
    acc.choices[index] = c
    acc.order[#acc.order + 1] = index
  end
  local d = ch.delta
  if is_obj(d) then
    if is_str(d.role) then c.role = d.role end
    if is_str(d.content) then c.content[#c.content + 1] = d.content end
    if is_str(d.reasoning) then c.reasoning[#c.reasoning + 1] = d.reasoning end
    if is_str(d.refusal) then c.refusal[#c.refusal + 1] = d.refusal end
    if type(d.reasoning_details) == "table" then
      for _, det in ipairs(d.reasoning_details) do add_detail(c, det) end
    end
    if type(d.tool_calls) == "table" then
      for _, tc in ipairs(d.tool_calls) do add_tool_call(c, tc) end
    end
    c.annotations = append_all(c.annotations, d.annotations)
    c.images = append_all(c.images, d.images)
    for k, v in pairs(d) do
      if not KNOWN_DELTA[k] and v ~= null then c.extra[k] = v end
    end
  end
  if present(ch.finish_reason) then
    c.finish_reason = ch.finish_reason
    acc.finished = true
  end
  if present(ch.native_finish_reason) then
    c.native_finish_reason = ch.native_finish_reason
  end
  local lp = ch.logprobs
  if is_obj(lp) then
    c.logprobs = c.logprobs or {}
    for k, v in pairs(lp) do
      if type(v) == "table" then c.logprobs[k] = append_all(c.logprobs[k], v)
      else c.logprobs[k] = v end
    end
  end
end

--- A new, empty accumulator.
---@return table acc
function M.new()
  return { top = {}, choices = {}, order = {}, finished = false, chunks = 0 }
end

--- Fold one decoded chunk into `acc` (chunks in the order they came).
---@param acc table
---@param chunk table
function M.add(acc, chunk)
  acc.chunks = acc.chunks + 1
  if not is_obj(chunk) then return end
  for k, v in pairs(chunk) do
    if k ~= "choices" and k ~= "object" and k ~= "error" then acc.top[k] = v end
  end
  if type(chunk.choices) == "table" then
    for _, ch in ipairs(chunk.choices) do
      if is_obj(ch) then add_choice(acc, ch) end
    end
  end
end

--- Did a choice carry a finish_reason?
---@param acc table
---@return boolean
function M.finished(acc)
  return acc.finished
end

--- How many chunks were added.
---@param acc table
---@return integer
function M.count(acc)
  return acc.chunks
end

local function nonempty(parts)
  if #parts == 0 then return nil end
  return concat(parts)
end

local function copy_list(t)
  if t == nil then return nil end
  local out = {}
  for i = 1, #t do out[i] = t[i] end
  return out
end

local function build_calls(c)
  local calls = {}
  for i, at in ipairs(c.tools_order) do
    local t = c.tools[at]
    local call = {}
    for k, v in pairs(t.fields) do call[k] = v end
    call.index = t.index
    local fn = {}
    for k, v in pairs(t.fn) do fn[k] = v end
    fn.arguments = concat(t.args)
    call["function"] = fn
    calls[i] = call
  end
  return calls
end

--- The response accumulated so far, in the shape of a non-streaming
--- chat() answer.  Every table in it is new: later add()s do not change it.
---@param acc table
---@return table
function M.build(acc)
  local out = {}
  for k, v in pairs(acc.top) do out[k] = v end
  out.object = "chat.completion"
  local idx = copy_list(acc.order)
  table.sort(idx)
  local choices = {}
  for _, index in ipairs(idx) do
    local c = acc.choices[index]
    local msg = {}
    for k, v in pairs(c.extra) do msg[k] = v end
    msg.role = c.role or "assistant"
    local content = concat(c.content)
    if content == "" then content = null end
    msg.content = content
    msg.reasoning = nonempty(c.reasoning)
    msg.refusal = nonempty(c.refusal)
    if #c.details > 0 then
      local details = {}
      for i, d in ipairs(c.details) do
        local e = {}
        for k, v in pairs(d) do e[k] = v end
        details[i] = e
      end
      msg.reasoning_details = details
    end
    if #c.tools_order > 0 then msg.tool_calls = build_calls(c) end
    msg.annotations = copy_list(c.annotations)
    msg.images = copy_list(c.images)
    local logprobs
    if c.logprobs then
      logprobs = {}
      for k, v in pairs(c.logprobs) do
        logprobs[k] = type(v) == "table" and copy_list(v) or v
      end
    end
    choices[#choices + 1] = {
      index = index, message = msg, finish_reason = c.finish_reason,
      native_finish_reason = c.native_finish_reason, logprobs = logprobs,
    }
  end
  out.choices = choices
  return out
end

return M
