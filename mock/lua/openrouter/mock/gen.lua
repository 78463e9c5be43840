--- What a simulated model answers, and how it looks on the wire.
--
-- A completion is prepared from the request and the endpoint that serves
-- it; its content is produced lazily, piece by piece (one piece = one
-- content chunk = one completion token), so a long stream costs no memory.
--   mock/lorem   deterministic words: X-Mock-Tokens, else max_tokens, else
--                16 pieces; the text is exactly that long (finish "stop")
--   mock/tools   with tools in the request: parallel tool calls; once
--                tool results follow the last user message, the results
--                back as text (unless tool_choice forces another call)
--   other models the last user message back, in pieces of up to 4
--                characters (never inside a UTF-8 sequence); max_tokens
--                cuts it (finish_reason "length")
-- With tools in the request and a last user message starting with "call ",
-- any model answers with tool calls (until tool results follow it).  Reasoning (request `reasoning`,
-- `include_reasoning`, a `:thinking` model, or a reasoning model) comes
-- first, as delta.reasoning + delta.reasoning_details.
-- With response_format json_schema, every model but mock/echo answers with
-- an instance of the schema (instance.lua, seeded by X-Mock-Seed, else by
-- the prompt); json_object: an object {"content": <the usual answer>}.
-- The JSON text streams in pieces of up to 4 characters; max_tokens cuts it.
-- ctx.text (POST /completions): a text_completion, choices[].text, no tools,
-- no reasoning.
local json = require("openrouter.mock.json")

local M = {}

local concat, format, floor = table.concat, string.format, math.floor
local escape = json.escape
local null = json.null

M.echo_piece_chars = 4

M.words = {
  "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit",
  "sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore",
  "magna", "aliqua", "enim", "ad", "minim", "veniam", "quis", "nostrud",
  "exercitation", "ullamco", "laboris", "nisi", "aliquip", "ex", "ea", "commodo",
  "consequat", "duis", "aute", "irure", "in", "reprehenderit", "voluptate",
  "velit", "esse", "cillum", "fugiat", "nulla", "pariatur", "excepteur", "sint",
  "occaecat", "cupidatat", "non", "proident", "sunt", "culpa", "qui", "officia",
  "deserunt", "mollit", "anim", "id", "est", "laborum", "at", "vero",
}

-- Text of a message content: a string, or the text parts of an array joined
-- with no separator.
local function content_text(content)
  if type(content) == "string" then return content end
  if type(content) == "table" then
    local out = {}
    for _, part in ipairs(content) do
      if type(part) == "table" and part.type == "text" and type(part.text) == "string" then
        out[#out + 1] = part.text
      elseif type(part) == "string" then
        out[#out + 1] = part
      end
    end
    return concat(out)
  end
  return ""
end
M.content_text = content_text

--- The text of the last user message ("" when there is none).
function M.last_user_text(body)
  local msgs = body.messages
  for k = #msgs, 1, -1 do
    local m = msgs[k]
    if type(m) == "table" and m.role == "user" then
      return json.sanitize(content_text(m.content))
    end
  end
  return ""
end

--- A stable 31-bit hash of a string (same value under every Lua).
local function hash(s, h)
  h = h or 5381
  for k = 1, #s do
    h = (h * 33 + s:byte(k)) % 2147483647
  end
  return h
end
M.hash = hash

local function prompt_tokens(body)
  local n = 0
  for _, m in ipairs(body.messages) do
    if type(m) == "table" then
      n = n + 4 + floor((#content_text(m.content) + 3) / 4)
    end
  end
  return n
end

local function reasoning_wanted(body, model, variant)
  local r = body.reasoning
  if type(r) == "table" then
    if r.enabled == false or r.effort == "none" then return false end
    return true, r.exclude == true
  end
  if body.include_reasoning == true then return true, false end
  if variant == "thinking" or model.reasoning then
    return true, body.include_reasoning == false
  end
  return false
end

-- Deterministic arguments for a tool from its JSON-Schema parameters.
local function tool_arguments(tool, text, k)
  local params = type(tool["function"]) == "table" and tool["function"].parameters
  local props = type(params) == "table" and params.properties
  if type(props) ~= "table" then return "{}" end
  local names = {}
  for name in pairs(props) do names[#names + 1] = tostring(name) end
  table.sort(names)
  local args = json.object()
  local first_string = true
  for _, name in ipairs(names) do
    local p = props[name]
    local t = type(p) == "table" and p.type
    local v
    if type(p) == "table" and type(p.enum) == "table" and p.enum[1] ~= nil then
      v = p.enum[1]
    elseif t == "integer" or t == "number" then
      v = k
    elseif t == "boolean" then
      v = true
    elseif t == "array" then
      v = json.array()
    elseif t == "object" then
      v = json.object()
    else
      v = first_string and (text ~= "" and text or "value") or (name .. "-" .. k)
      first_string = false
    end
    json.put(args, name, v)
  end
  return json.encode(args)
end

local function tool_name(tool)
  local f = type(tool) == "table" and tool["function"]
  return type(f) == "table" and type(f.name) == "string" and f.name or "tool"
end

--- A legacy completions request (a `prompt`) as the chat request the
-- router and the models understand: the prompt is the one user message (a
-- list of prompts: joined by newlines; token lists: their numbers).
function M.completion_as_chat(body)
  local t = {}
  for k, v in pairs(body) do t[k] = v end
  local p = body.prompt
  local text
  if type(p) == "string" then
    text = p
  else
    local parts = {}
    for _, item in ipairs(type(p) == "table" and p or {}) do
      if type(item) == "table" then
        local nums = {}
        for i, n in ipairs(item) do nums[i] = tostring(n) end
        parts[#parts + 1] = concat(nums, " ")
      else
        parts[#parts + 1] = tostring(item)
      end
    end
    text = concat(parts, type(p) == "table" and type(p[1]) == "number" and " " or "\n")
  end
  t.prompt = nil
  t.tools, t.tool_choice = nil, nil
  t.messages = { { role = "user", content = text } }
  return t
end

--- The contents of the tool results after the last user message, joined
-- by newlines, or nil when there are none (the model has not called yet).
function M.tool_results(body)
  local out = {}
  for k = #body.messages, 1, -1 do
    local m = body.messages[k]
    if type(m) == "table" then
      if m.role == "user" then break end
      if m.role == "tool" then table.insert(out, 1, json.sanitize(content_text(m.content))) end
    end
  end
  if #out == 0 then return nil end
  return concat(out, "\n")
end

-- Plans the tool calls, or nil when the answer is not a tool call.  Once
-- tool results answer the calls, the model answers with text, unless
-- tool_choice forces another call.
local function plan_tools(body, model_id, user_text, id)
  if type(body.tools) ~= "table" or #body.tools == 0 then return nil end
  if body.tool_choice == "none" then return nil end
  local forced = body.tool_choice == "required" or type(body.tool_choice) == "table"
  if not forced and M.tool_results(body) then return nil end
  if not (model_id == "mock/tools" or user_text:sub(1, 5) == "call " or forced) then return nil end
  local tools = body.tools
  local picks = { tools[1], tools[2] or tools[1] }
  if type(body.tool_choice) == "table" and type(body.tool_choice["function"]) == "table" then
    local want = body.tool_choice["function"].name
    for _, t in ipairs(tools) do
      if tool_name(t) == want then picks = { t } end
    end
  end
  if body.parallel_tool_calls == false then picks = { picks[1] } end
  local arg_text = user_text:sub(1, 5) == "call " and user_text:sub(6) or user_text
  local calls = {}
  for k, t in ipairs(picks) do
    local args = tool_arguments(t, arg_text, k)
    calls[k] = {
      index = k - 1,
      id = format("call_%08x%08x", hash(id, k), hash(args, k * 7)),
      name = tool_name(t),
      arguments = args,
    }
  end
  -- argument fragments of up to 6 characters, interleaved across calls
  local frags = {}
  local pos = {}
  for k, c in ipairs(calls) do pos[k] = 1; c.pieces = 0 end
  local more = true
  while more do
    more = false
    for k, c in ipairs(calls) do
      local a = c.arguments
      if pos[k] <= #a then
        local e = json.advance(a, pos[k], 6)
        frags[#frags + 1] = { call = c, text = a:sub(pos[k], e) }
        pos[k] = e + 1
        c.pieces = c.pieces + 1
        more = true
      end
    end
  end
  return { calls = calls, fragments = frags }
end

-- Completion -----------------------------------------------------------------

local Comp = {}
Comp.__index = Comp

--- Prepares the answer.  ctx: body (decoded request), headers (request
-- headers, lowercased), cand (router candidate), id ("gen-..."), created.
function M.prepare(ctx)
  local body, cand = ctx.body, ctx.cand
  local model, e = cand.model, cand.endpoint
  local user_text = M.last_user_text(body)
  local c = setmetatable({
    id = ctx.id, created = ctx.created, body = body, text = ctx.text or nil,
    model = cand.response_model, provider = e.provider, endpoint = e,
    prompt_tokens = prompt_tokens(body), user_text = user_text,
    n_content = 0, cut = false,
  }, Comp)
  local want, hidden = reasoning_wanted(body, model, cand.variant)
  if want and not ctx.text then
    local r = format("The user wrote %d characters. I will answer with %s.",
      #user_text, model.id == "mock/lorem" and "lorem ipsum" or "the same text")
    local pieces = {}
    for w in r:gmatch("%S+") do pieces[#pieces + 1] = (#pieces > 0 and " " or "") .. w end
    c.reasoning = { text = r, pieces = pieces, hidden = hidden }
  end
  if not ctx.text then c.tools = plan_tools(body, model.id, user_text, ctx.id) end
  -- after tool results, echo models answer with the results
  if not c.tools then c.user_text = M.tool_results(body) or user_text end

  local max_tokens = tonumber(body.max_tokens) or tonumber(body.max_completion_tokens)
  if max_tokens then max_tokens = floor(max_tokens) end
  local mock_tokens = tonumber(ctx.headers["x-mock-tokens"] or "")
  if model.id == "mock/lorem" then
    local n = 16
    if mock_tokens then
      n = floor(mock_tokens)
    elseif max_tokens then
      n = max_tokens
    end
    c.kind, c.limit = "lorem", math.max(n, 0)
    c.seed = hash(user_text, hash(model.id))
  else
    c.kind = "echo"
    c.limit = max_tokens
  end
  -- structured outputs: JSON instead (mock/echo echoes on, so that a test
  -- chooses the exact text, a wrong one included)
  local rf = body.response_format
  if not c.tools and model.id ~= "mock/echo" and type(rf) == "table"
     and (rf.type == "json_schema" or rf.type == "json_object") then
    local seed = tonumber(ctx.headers["x-mock-seed"] or "") or hash(user_text, hash(model.id))
    c.user_text = M.structured_text(c, rf, seed)
    c.kind = "echo"
    c.limit = max_tokens
    c.n_content, c.cut = 0, false
  end
  return c
end

--- The JSON text a model answers to a response_format: for json_schema an
-- instance of the schema (openrouter.mock.instance, seeded), for
-- json_object (or a json_schema without a schema) an object holding what
-- the model would have said.
function M.structured_text(c, rf, seed)
  local js = rf.json_schema
  local s = rf.type == "json_schema" and type(js) == "table" and js.schema or nil
  if type(s) == "table" or type(s) == "boolean" then
    local value = require("openrouter.mock.instance").generate(s, { seed = seed })
    if value ~= nil then return json.encode(value) end
    return "{}"
  end
  return json.encode(json.object("content", c:full_content()))
end

--- Returns a function giving the next content piece, or nil at the end:
-- for mock/lorem the index of a word in M.words and whether it is the
-- first piece; for the others the piece of text.
function Comp:content_pieces()
  if self.tools then return function() return nil end end
  if self.kind == "lorem" then
    local nw = #M.words
    local x = self.seed % 2147483647
    if x == 0 then x = 1 end
    local i, limit = 0, self.limit
    return function()
      if i >= limit then return nil end
      i = i + 1
      self.n_content = i
      x = (x * 48271) % 2147483647
      local w = x % nw + 1
      return w, i == 1   -- the word index and whether it is the first
    end
  end
  local s, pos, n = self.user_text, 1, #self.user_text
  local limit = self.limit
  local step = M.echo_piece_chars
  return function()
    if pos > n then return nil end
    if limit and self.n_content >= limit then
      self.cut = true
      return nil
    end
    local e = json.advance(s, pos, step)
    local piece = s:sub(pos, e)
    pos = e + 1
    self.n_content = self.n_content + 1
    return piece
  end
end

--- The whole content as one string (non-streaming answers).
function Comp:full_content()
  local next_piece = self:content_pieces()
  local out = {}
  if self.kind == "lorem" then
    local words = M.words
    while true do
      local w, first = next_piece()
      if not w then break end
      out[#out + 1] = first and words[w] or (" " .. words[w])
    end
  else
    while true do
      local p = next_piece()
      if not p then break end
      out[#out + 1] = p
    end
  end
  return concat(out)
end

function Comp:finish_reason()
  if self.tools then return "tool_calls" end
  if self.cut then return "length" end
  return "stop"
end

function Comp:completion_tokens()
  local n = self.n_content
  if self.reasoning then n = n + #self.reasoning.pieces end
  if self.tools then n = n + #self.tools.fragments + #self.tools.calls end
  return n
end

function Comp:cost()
  local e = self.endpoint
  return (self.prompt_tokens * e.prompt + self:completion_tokens() * e.completion) / 1e6 + e.request
end

--- The usage object, as JSON text.
function Comp:usage_json()
  local e = self.endpoint
  local p, c = self.prompt_tokens, self:completion_tokens()
  local r = self.reasoning and #self.reasoning.pieces or 0
  return concat({
    '{"prompt_tokens":', p, ',"completion_tokens":', c, ',"total_tokens":', p + c,
    ',"cost":', json.number(self:cost()), ',"is_byok":false',
    ',"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0}',
    ',"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":',
    json.number(p * e.prompt / 1e6), ',"upstream_inference_completions_cost":',
    json.number(c * e.completion / 1e6), '}',
    ',"completion_tokens_details":{"reasoning_tokens":', r, ',"image_tokens":0}}',
  })
end

-- Streaming ------------------------------------------------------------------

-- Chunk templates: HEAD .. content .. TAIL; CLOSE ends the content part of
-- a choice (the delta object of a chat chunk; nothing for a text one).
function Comp:templates()
  if self.text then
    local head = concat({ 'data: {"id":"', self.id, '","provider":"', escape(self.provider),
      '","model":"', escape(self.model), '","object":"text_completion","created":',
      self.created, ',"choices":[{"index":0,"text":' })
    return head, ',"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n', ""
  end
  local head = concat({ 'data: {"id":"', self.id, '","provider":"', escape(self.provider),
    '","model":"', escape(self.model), '","object":"chat.completion.chunk","created":',
    self.created, ',"choices":[{"index":0,"delta":{"role":"assistant","content":' })
  local tail = '},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n'
  return head, tail, "}"
end

--- Stream steps for the SSE writer (see sse.lua).  `fault` changes them;
-- `on_end(finish_reason)` runs just before the last event is written.
function Comp:stream_steps(fault, on_end)
  local head, tail, close = self:templates()
  local steps = { ": OPENROUTER PROCESSING\n\n", head .. '""' .. tail }

  if self.reasoning and not self.reasoning.hidden and not self.text then
    for _, p in ipairs(self.reasoning.pieces) do
      local ep = escape(p)
      steps[#steps + 1] = concat({ head, '"","reasoning":"', ep,
        '","reasoning_details":[{"type":"reasoning.text","text":"', ep,
        '","format":"unknown","index":0}]', tail })
    end
  end

  -- content (or tool calls) as one lazy generator
  local gen
  if self.tools then
    local list, k = {}, 0
    for _, c in ipairs(self.tools.calls) do
      list[#list + 1] = concat({ head, 'null,"tool_calls":[{"index":', c.index, ',"id":"', c.id,
        '","type":"function","function":{"name":"', escape(c.name), '","arguments":""}}]', tail })
    end
    for _, f in ipairs(self.tools.fragments) do
      list[#list + 1] = concat({ head, 'null,"tool_calls":[{"index":', f.call.index,
        ',"function":{"arguments":"', escape(f.text), '"}}]', tail })
    end
    gen = function()
      k = k + 1
      return list[k]
    end
  elseif self.kind == "lorem" then
    -- one pre-rendered event per word: the hot path is a table lookup
    local first, later = {}, {}
    for w, word in ipairs(M.words) do
      first[w] = head .. '"' .. word .. '"' .. tail
      later[w] = head .. '" ' .. word .. '"' .. tail
    end
    local next_piece = self:content_pieces()
    gen = function()
      local w, is_first = next_piece()
      if not w then return nil end
      return is_first and first[w] or later[w]
    end
  else
    local next_piece = self:content_pieces()
    gen = function()
      local p = next_piece()
      if not p then return nil end
      return head .. '"' .. escape(p) .. '"' .. tail
    end
  end

  -- gen limited to n events (the underlying generator continues after)
  local function take(n)
    local k = 0
    return { gen = function()
      if k >= n then return nil end
      k = k + 1
      return gen()
    end }
  end

  local function finish_chunk()
    local fr = self:finish_reason()
    return concat({ head, '""', close, ',"finish_reason":"', fr, '","native_finish_reason":"', fr,
      '","logprobs":null}]}\n\n' })
  end
  local object = self.text and "text_completion" or "chat.completion.chunk"
  local function usage_chunk()
    if on_end then on_end(self:finish_reason()) end
    return concat({ 'data: {"id":"', self.id, '","provider":"', escape(self.provider), '","model":"',
      escape(self.model), '","object":"', object, '","created":', self.created,
      ',"choices":[],"usage":', self:usage_json(), '}\n\n' })
  end

  fault = fault or {}
  if fault.garbage then
    local body = fault.garbage == "binary" and require("openrouter.mock.faults").junk(512)
      or require("openrouter.mock.faults").html
    if on_end then on_end("error") end
    return { body, { finish = true } }
  end
  if fault.huge_event then
    local size = fault.huge_event
    local pre = head .. '"'
    local post = '"' .. tail
    -- "data: " and the final "\n\n" are not part of the event's value
    local fill = size - (#pre - 6) - (#post - 2)
    if fill < 0 then fill = 0 end
    local stage, left = 0, fill
    local block = string.rep("x", 16384)
    steps[#steps + 1] = { bytes = function()
      if stage == 0 then stage = 1; return pre end
      if stage == 1 then
        if left > 0 then
          local n = left < #block and left or #block
          left = left - n
          return n == #block and block or block:sub(1, n)
        end
        stage = 2
        return post
      end
      return nil
    end }
    self.n_content = self.n_content + 1
  end
  if fault.midstream_error then
    local code = tonumber(fault.midstream_error)
    local code_json = code and tostring(code)
      or (fault.midstream_error == true and "502" or '"' .. escape(fault.midstream_error) .. '"')
    steps[#steps + 1] = take(3)
    steps[#steps + 1] = { once = function()
      if on_end then on_end("error") end
      return concat({ 'data: {"id":"', self.id, '","provider":"', escape(self.provider),
        '","model":"', escape(self.model), '","object":"', object, '","created":',
        self.created, ',"error":{"code":', code_json,
        ',"message":"Provider disconnected unexpectedly","metadata":{"provider_name":"',
        escape(self.provider), '"}},"choices":[{"index":0,',
        self.text and '"text":"",' or '"delta":{"content":""},',
        '"finish_reason":"error","native_finish_reason":"error","logprobs":null}]}\n\n' })
    end }
    steps[#steps + 1] = { finish = true }
    return steps
  end
  if fault.no_done then
    steps[#steps + 1] = take(3)
    steps[#steps + 1] = { call = function() if on_end then on_end(null) end end }
    steps[#steps + 1] = { finish = true }
    return steps
  end
  if fault.bad_json then
    steps[#steps + 1] = take(2)
    steps[#steps + 1] = concat({ 'data: {"id":"', self.id,
      '","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"', '\n\n' })
  end
  if fault.stall_ms then
    steps[#steps + 1] = take(3)
    steps[#steps + 1] = { sleep = fault.stall_ms }
  end
  steps[#steps + 1] = { gen = gen }
  steps[#steps + 1] = { once = finish_chunk }
  steps[#steps + 1] = { once = usage_chunk }
  steps[#steps + 1] = "data: [DONE]\n\n"
  steps[#steps + 1] = { finish = true }
  return steps
end

-- Non-streaming --------------------------------------------------------------

--- The whole chat.completion response body (JSON text).  With
-- `midstream_error`, the body carries the error (HTTP 200, as OpenRouter
-- does once generation has started).
function Comp:response_json(fault)
  local O, A = json.object, json.array
  local content = self:full_content()
  local message
  local fr = self:finish_reason()
  local err
  if fault and fault.midstream_error then
    fr = "error"
    local code = tonumber(fault.midstream_error) or (fault.midstream_error == true and 502)
      or fault.midstream_error
    err = O("code", code, "message", "Provider disconnected unexpectedly",
      "metadata", O("provider_name", self.provider))
  end
  local reasoning, details = null, nil
  if self.reasoning and not self.reasoning.hidden then
    reasoning = self.reasoning.text
    details = A{ O("type", "reasoning.text", "text", self.reasoning.text, "format", "unknown", "index", 0) }
  end
  local tool_calls
  if self.tools then
    tool_calls = A()
    for _, c in ipairs(self.tools.calls) do
      tool_calls[#tool_calls + 1] = O("id", c.id, "type", "function", "index", c.index,
        "function", O("name", c.name, "arguments", c.arguments))
    end
  end
  if self.text then
    return json.encode(O(
      "id", self.id, "provider", self.provider, "model", self.model,
      "object", "text_completion", "created", self.created, "system_fingerprint", null,
      "error", err,
      "choices", A{ O("text", content, "index", 0, "logprobs", null, "finish_reason", fr,
        "native_finish_reason", fr) },
      "usage", json.raw(self:usage_json())))
  end
  message = O("role", "assistant", "content", self.tools and null or content, "refusal", null,
    "reasoning", reasoning, "reasoning_details", details, "tool_calls", tool_calls)
  return json.encode(O(
    "id", self.id, "provider", self.provider, "model", self.model,
    "object", "chat.completion", "created", self.created, "system_fingerprint", null,
    "error", err,
    "choices", A{ O("logprobs", null, "finish_reason", fr, "native_finish_reason", fr,
      "index", 0, "message", message) },
    "usage", json.raw(self:usage_json())))
end

return M
