--- The Responses API of the simulator (POST /responses, OpenRouter's beta).
--
-- The request is read as a chat request: `input` (a string, or message,
-- function_call and function_call_output items) becomes `messages`,
-- `instructions` a system message first, function tools chat tools,
-- `tool_choice` {type="function", name=} the chat form, max_output_tokens
-- max_tokens.  The same models answer it (openrouter.mock.gen), written
-- in the Responses shapes: the response object (output: a reasoning item,
-- then a message or function_call items; usage with input/output tokens
-- and cost), or its typed events as data-only SSE (response.created,
-- response.in_progress, output_item.added, content_part.added,
-- output_text.delta..., output_text.done, content_part.done,
-- output_item.done, response.completed or response.incomplete), then
-- `data: [DONE]`, as OpenRouter's document describes the stream.
local json = require("openrouter.mock.json")

local M = {}

local O, A, null = json.object, json.array, json.null
local concat = table.concat

-- Request --------------------------------------------------------------------

-- The text of Responses content: a string, or the text of its parts.
local function content_text(c)
  if type(c) == "string" then return c end
  local out = {}
  if type(c) == "table" then
    for _, p in ipairs(c) do
      if type(p) == "table" and type(p.text) == "string"
        and (p.type == "input_text" or p.type == "output_text" or p.type == "text") then
        out[#out + 1] = p.text
      elseif type(p) == "string" then
        out[#out + 1] = p
      end
    end
  end
  return concat(out)
end

local ROLES = { user = true, assistant = true, system = true, developer = true }

--- The chat-shaped body of a Responses request, or nil and the 400 message.
function M.chat_body(body)
  local msgs = {}
  local instr = body.instructions
  if type(instr) == "string" and instr ~= "" then
    msgs[1] = { role = "system", content = instr }
  end
  local input = body.input
  if type(input) == "string" then
    msgs[#msgs + 1] = { role = "user", content = input }
  elseif type(input) == "table" then
    for k, item in ipairs(input) do
      if type(item) ~= "table" then
        return nil, ("input[%d] must be an object"):format(k - 1)
      end
      local t = item.type
      if t == "function_call" then
        msgs[#msgs + 1] = { role = "assistant", content = null, tool_calls = { {
          id = item.call_id, type = "function",
          ["function"] = { name = item.name, arguments = item.arguments } } } }
      elseif t == "function_call_output" then
        local out = item.output
        msgs[#msgs + 1] = { role = "tool", tool_call_id = item.call_id,
          content = type(out) == "string" and out or content_text(out) }
      elseif t == "message" or (t == nil and item.role ~= nil) then
        if not ROLES[item.role] then
          return nil, ("input[%d].role must be user, assistant, system or developer"):format(k - 1)
        end
        msgs[#msgs + 1] = { role = item.role == "developer" and "system" or item.role,
          content = content_text(item.content) }
      end
      -- other items (reasoning, ...) carry nothing the simulated models read
    end
  elseif input ~= nil then
    return nil, "input must be a string or an array of input items"
  end
  local has_user = false
  for _, m in ipairs(msgs) do if m.role == "user" or m.role == "tool" then has_user = true end end
  if not has_user then return nil, 'Input required: specify "input"' end

  local chat = {}
  for k, v in pairs(body) do chat[k] = v end
  chat.input, chat.instructions, chat.max_output_tokens = nil, nil, nil
  chat.messages = msgs
  chat.max_tokens = body.max_output_tokens
  if type(body.tools) == "table" then
    local tools = {}
    for _, t in ipairs(body.tools) do
      if type(t) == "table" and t.type == "function" then
        tools[#tools + 1] = { type = "function", ["function"] = {
          name = t.name, description = t.description, parameters = t.parameters } }
      end
    end
    chat.tools = #tools > 0 and tools or nil
  end
  local tc = body.tool_choice
  if type(tc) == "table" and tc.type == "function" then
    chat.tool_choice = { type = "function", ["function"] = { name = tc.name } }
  end
  return chat
end

-- Response object ----------------------------------------------------------------

local function suffix(id) return id:sub(5) end   -- "gen-" taken off

--- The id of the response object of generation `id` ("resp-...").
function M.response_id(id) return "resp-" .. suffix(id) end

local function usage(comp)
  local e = comp.endpoint
  local p, c = comp.prompt_tokens, comp:completion_tokens()
  local r = comp.reasoning and #comp.reasoning.pieces or 0
  return O("input_tokens", p, "input_tokens_details", O("cached_tokens", 0),
    "output_tokens", c, "output_tokens_details", O("reasoning_tokens", r),
    "total_tokens", p + c, "cost", comp:cost(), "is_byok", false,
    "cost_details", O("upstream_inference_cost", null,
      "upstream_inference_input_cost", p * e.prompt / 1e6,
      "upstream_inference_output_cost", c * e.completion / 1e6))
end

-- The response object; `status` "in_progress", "completed", "incomplete"
-- or "failed"; `output` an array; `final`: with usage and completed_at.
local function response(comp, status, output, final, err)
  local function get(k, default)
    local v = comp.request[k]
    if v == nil then return default end
    return v
  end
  local incomplete = null
  if status == "incomplete" then incomplete = O("reason", "max_output_tokens") end
  return O(
    "id", M.response_id(comp.id), "object", "response", "created_at", comp.created,
    "completed_at", final and os.time() or null,
    "model", comp.model, "status", status,
    "error", err or null, "incomplete_details", incomplete,
    "instructions", get("instructions", null), "max_output_tokens", get("max_output_tokens", null),
    "metadata", get("metadata", null), "output", output,
    "parallel_tool_calls", get("parallel_tool_calls", true),
    "temperature", get("temperature", null), "top_p", get("top_p", null),
    "presence_penalty", get("presence_penalty", null), "frequency_penalty", get("frequency_penalty", null),
    "tool_choice", get("tool_choice", "auto"), "tools", get("tools", A()),
    "usage", final and usage(comp) or nil)
end

local function status_of(comp)
  return comp:finish_reason() == "length" and "incomplete" or "completed"
end

local function reasoning_item(comp, status, text)
  return O("type", "reasoning", "id", "rs-" .. suffix(comp.id), "status", status, "summary", A(),
    "content", text and A{ O("type", "reasoning_text", "text", text) } or A())
end

local function call_item(c, status, args)
  return O("type", "function_call", "id", "fc-" .. c.id:sub(6), "call_id", c.id, "name", c.name,
    "arguments", args, "status", status)
end

local function text_part(text)
  return O("type", "output_text", "text", text, "annotations", A(), "logprobs", A())
end

local function message_item(comp, status, text)
  return O("type", "message", "id", "msg-" .. suffix(comp.id), "role", "assistant", "status", status,
    "content", text and A{ text_part(text) } or A())
end

-- The output items of a finished answer whose content is `text`.
local function output(comp, text)
  local out = A()
  if comp.reasoning and not comp.reasoning.hidden then
    out[#out + 1] = reasoning_item(comp, "completed", comp.reasoning.text)
  end
  if comp.tools then
    for _, c in ipairs(comp.tools.calls) do out[#out + 1] = call_item(c, "completed", c.arguments) end
  else
    out[#out + 1] = message_item(comp, status_of(comp), text)
  end
  return out
end

--- The whole response body (JSON text).  With `midstream_error` the
-- response has status "failed" and its error (HTTP 200).
function M.response_json(comp, fault)
  local text = comp:full_content()
  if fault and fault.midstream_error then
    local code = fault.midstream_error == true and "server_error" or tostring(fault.midstream_error)
    return json.encode(response(comp, "failed", A(), true,
      O("code", code, "message", "Provider disconnected unexpectedly")))
  end
  return json.encode(response(comp, status_of(comp), output(comp, text), true))
end

-- Streaming --------------------------------------------------------------------

--- Stream steps for the SSE writer (sse.lua).  `fault` changes them;
-- `on_end(finish_reason)` runs just before the terminal event is written.
function M.stream_steps(comp, fault, on_end)
  fault = fault or {}
  local seq = -1
  -- one data event: its type, the fields of `obj` (an ordered object),
  -- and the sequence number
  local function event(typ, obj)
    seq = seq + 1
    local ev = O("type", typ)
    for _, k in ipairs(obj.keys) do json.put(ev, k, obj.vals[k]) end
    json.put(ev, "sequence_number", seq)
    return "data: " .. json.encode(ev) .. "\n\n"
  end
  local function once(f) return { once = f } end

  local steps = { ": OPENROUTER PROCESSING\n\n" }
  steps[#steps + 1] = once(function()
    return event("response.created", O("response", response(comp, "in_progress", A(), false)))
  end)
  steps[#steps + 1] = once(function()
    return event("response.in_progress", O("response", response(comp, "in_progress", A(), false)))
  end)

  local oi = -1      -- output_index of the current item
  if comp.reasoning and not comp.reasoning.hidden then
    oi = oi + 1
    local r_oi, id = oi, "rs-" .. suffix(comp.id)
    steps[#steps + 1] = once(function()
      return event("response.output_item.added", O("output_index", r_oi,
        "item", reasoning_item(comp, "in_progress")))
    end)
    for _, p in ipairs(comp.reasoning.pieces) do
      steps[#steps + 1] = once(function()
        return event("response.reasoning_text.delta", O("item_id", id, "output_index", r_oi,
          "content_index", 0, "delta", p))
      end)
    end
    steps[#steps + 1] = once(function()
      return event("response.reasoning_text.done", O("item_id", id, "output_index", r_oi,
        "content_index", 0, "text", comp.reasoning.text))
    end)
    steps[#steps + 1] = once(function()
      return event("response.output_item.done", O("output_index", r_oi,
        "item", reasoning_item(comp, "completed", comp.reasoning.text)))
    end)
  end

  -- the deltas (text or call arguments) as one lazy generator, then the
  -- events closing them; `pieces` keeps the text for the .done events
  local pieces, closing = {}, {}
  local gen
  if comp.tools then
    local list = {}
    for _, c in ipairs(comp.tools.calls) do
      oi = oi + 1
      local c_oi, item_id = oi, "fc-" .. c.id:sub(6)
      list[#list + 1] = function()
        return event("response.output_item.added", O("output_index", c_oi, "item", call_item(c, "in_progress", "")))
      end
      for _, f in ipairs(comp.tools.fragments) do
        if f.call == c then
          list[#list + 1] = function()
            return event("response.function_call_arguments.delta", O("item_id", item_id,
              "output_index", c_oi, "delta", f.text))
          end
        end
      end
      list[#list + 1] = function()
        return event("response.function_call_arguments.done", O("item_id", item_id, "output_index", c_oi,
          "name", c.name, "arguments", c.arguments))
      end
      list[#list + 1] = function()
        return event("response.output_item.done", O("output_index", c_oi, "item", call_item(c, "completed",
          c.arguments)))
      end
    end
    local k = 0
    gen = function()
      k = k + 1
      return list[k] and list[k]()
    end
  else
    oi = oi + 1
    local m_oi, item_id = oi, "msg-" .. suffix(comp.id)
    steps[#steps + 1] = once(function()
      return event("response.output_item.added", O("output_index", m_oi,
        "item", message_item(comp, "in_progress")))
    end)
    steps[#steps + 1] = once(function()
      return event("response.content_part.added", O("item_id", item_id, "output_index", m_oi,
        "content_index", 0, "part", text_part("")))
    end)
    local next_piece = comp:content_pieces()
    local words = require("openrouter.mock.gen").words
    gen = function()
      local p, first = next_piece()
      if p == nil then return nil end
      if comp.kind == "lorem" then p = first and words[p] or (" " .. words[p]) end
      pieces[#pieces + 1] = p
      return event("response.output_text.delta", O("item_id", item_id, "output_index", m_oi,
        "content_index", 0, "delta", p, "logprobs", A()))
    end
    closing = {
      function()
        return event("response.output_text.done", O("item_id", item_id, "output_index", m_oi,
          "content_index", 0, "text", concat(pieces), "logprobs", A()))
      end,
      function()
        return event("response.content_part.done", O("item_id", item_id, "output_index", m_oi,
          "content_index", 0, "part", text_part(concat(pieces))))
      end,
      function()
        return event("response.output_item.done", O("output_index", m_oi,
          "item", message_item(comp, status_of(comp), concat(pieces))))
      end,
    }
  end

  local function take(n)
    local k = 0
    return { gen = function()
      if k >= n then return nil end
      k = k + 1
      return gen()
    end }
  end

  if fault.garbage then
    local f = require("openrouter.mock.faults")
    if on_end then on_end("error") end
    return { fault.garbage == "binary" and f.junk(512) or f.html, { finish = true } }
  end
  if fault.midstream_error or fault.response_failed then
    steps[#steps + 1] = take(3)
    local code = fault.midstream_error
    code = (code == true or code == nil) and "server_error" or tostring(code)
    local message = "Provider disconnected unexpectedly"
    if fault.midstream_error then
      steps[#steps + 1] = once(function()
        if on_end then on_end("error") end
        return event("error", O("code", code, "message", message, "param", null))
      end)
    end
    steps[#steps + 1] = once(function()
      if on_end then on_end("error") end
      return event("response.failed", O("response", response(comp, "failed", A(), true,
        O("code", code, "message", message))))
    end)
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
    steps[#steps + 1] = 'data: {"type":"response.output_text.delta","delta":"\n\n'
  end
  if fault.stall_ms then
    steps[#steps + 1] = take(3)
    steps[#steps + 1] = { sleep = fault.stall_ms }
  end
  steps[#steps + 1] = { gen = gen }
  for _, f in ipairs(closing) do steps[#steps + 1] = once(f) end
  steps[#steps + 1] = once(function()
    if on_end then on_end(comp:finish_reason()) end
    local status = status_of(comp)
    return event(status == "incomplete" and "response.incomplete" or "response.completed",
      O("response", response(comp, status, output(comp, concat(pieces)), true)))
  end)
  steps[#steps + 1] = "data: [DONE]\n\n"
  steps[#steps + 1] = { finish = true }
  return steps
end

return M
