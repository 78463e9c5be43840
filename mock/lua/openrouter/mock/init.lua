--- The local OpenRouter simulator (server side, on lua-luv).
--
--   local mock = require("openrouter.mock")
--   local srv = assert(mock.start{ host = "127.0.0.1", port = 0 })
--   print(srv.url)          -- http://127.0.0.1:PORT/api/v1
--   uv.run()                -- serves until srv:close()
--
-- Endpoints (under /api/v1): POST /chat/completions, POST /completions,
-- POST /embeddings, POST /responses, GET /models, /models/count,
-- /models/{author}/{slug}/endpoints, /embeddings/models, /providers,
-- /generation?id=, /generation/content?id=, /key, /credits.  Request bodies
-- are checked with the openrouter library's validator (validate.lua): 400
-- in OpenRouter's error shape where the real API would.  Request headers
-- steer it: X-Mock-Tokens, X-Mock-Delay-Ms,
-- X-Mock-Fault (see faults.lua), X-Mock-Seed, X-Mock-Down, X-Mock-Replay
-- (a recorded response, see replay.lua).  Responses to
-- chat requests carry X-Generation-Id, X-Mock-Route (provider slugs in the
-- order the router tried them) and X-Mock-Route-Models (the model of each).
local uv = require("luv")
local http = require("openrouter.mock.http")
local sse = require("openrouter.mock.sse")
local json = require("openrouter.mock.json")
local models = require("openrouter.mock.models")
local router = require("openrouter.mock.router")
local faults = require("openrouter.mock.faults")
local gen = require("openrouter.mock.gen")
local replay = require("openrouter.mock.replay")
local embed = require("openrouter.mock.embed")
local responses = require("openrouter.mock.responses")

local M = {}

M.PREFIX = "/api/v1"
M.MAX_GENERATIONS = 10000
M.TOTAL_CREDITS = 100

local O, A, null = json.object, json.array, json.null
local format = string.format

-- Errors -----------------------------------------------------------------------

local default_messages = {
  [400] = "Bad Request", [401] = "No auth credentials found",
  [402] = "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
  [403] = "Forbidden: your input was flagged", [404] = "Not Found",
  [408] = "Request timed out", [409] = "Conflict",
  [429] = "Rate limit exceeded: simulated", [500] = "Internal Server Error",
  [502] = "Provider returned error", [503] = "No available providers",
  [504] = "Gateway timeout", [524] = "Provider timed out", [529] = "Provider overloaded",
}

local function error_body(code, message, metadata)
  return json.encode(O("error", O("code", code, "message", message or default_messages[code] or "Error",
    "metadata", metadata)))
end
M.error_body = error_body

local function send_error(res, code, message, metadata, headers)
  res:send(code, headers, error_body(code, message, metadata))
end

-- State ------------------------------------------------------------------------

local function new_state()
  return { generations = {}, order = {}, first = 1, usage = 0, seq = 0 }
end

local function new_id(state)
  state.seq = state.seq + 1
  local t = uv.hrtime()
  return format("gen-%d-%06x%08x", os.time(), state.seq % 0x1000000, math.floor(t / 1000) % 0x100000000)
end

local function remember(state, rec)
  state.generations[rec.id] = rec
  local order = state.order
  order[#order + 1] = rec.id
  while #order - state.first + 1 > M.MAX_GENERATIONS do
    state.generations[order[state.first]] = nil
    order[state.first] = nil
    state.first = state.first + 1
  end
end

local function iso8601(t)
  return os.date("!%Y-%m-%dT%H:%M:%S.000Z", t)
end

-- Request helpers ----------------------------------------------------------------

local function bearer(req)
  local h = req.headers.authorization
  if not h then return nil end
  local key = h:match("^[Bb][Ee][Aa][Rr][Ee][Rr]%s+(.-)%s*$")
  if not key or key == "" then return nil end
  return key
end

local function parse_query(qs)
  local q = {}
  for pair in (qs or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    local function dec(s)
      return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
    end
    q[dec(k)] = dec(v)
  end
  return q
end

local function header_list(s)
  if not s or s == "" then return nil end
  local out = {}
  for item in s:gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

-- Answers with the status fault, when one applies; returns true if it did.
local function status_fault(res, fault)
  if not fault.status then return false end
  local code = math.floor(fault.status)
  local headers, meta = {}, nil
  if fault.retry_after then
    headers[#headers + 1] = { "Retry-After", tostring(fault.retry_after) }
    meta = O("retry_after", fault.retry_after)
  end
  if code == 502 then meta = meta or O("provider_name", "Mock") end
  if code < 400 then
    res:send(code, headers, "{}")
  else
    send_error(res, code, nil, meta, headers)
  end
  return true
end

-- GET endpoints --------------------------------------------------------------------

local models_cache

local function get_models(_, req, res)
  local body, err
  if (req.query_string or "") == "" then
    models_cache = models_cache or models.models_json()
    body = models_cache
  else
    body, err = models.models_json(parse_query(req.query_string))
    if not body then return send_error(res, 400, err) end
  end
  res:send(200, nil, body)
end

-- GET /models/count, /embeddings/models, /providers
local function get_listing(render)
  return function(_, req, res)
    local body, err = render(parse_query(req.query_string))
    if not body then return send_error(res, 400, err) end
    res:send(200, nil, body)
  end
end
local get_models_count = get_listing(models.count_json)
local get_embedding_models = get_listing(models.embedding_models_json)
local get_providers = get_listing(models.providers_json)

local function get_endpoints(_, _, res, id)
  local body = models.endpoints_json(id)
  if not body then
    return send_error(res, 404, "Model " .. id .. " not found")
  end
  res:send(200, nil, body)
end

local function get_generation(state, req, res)
  local q = parse_query(req.query_string)
  if not q.id or q.id == "" then
    return send_error(res, 400, "Missing generation id (?id=gen-...)")
  end
  local g = state.generations[q.id]
  if not g then
    return send_error(res, 404, "Generation " .. q.id .. " not found")
  end
  res:send(200, nil, json.encode(O("data", O(
    "id", g.id, "upstream_id", g.upstream_id, "total_cost", g.cost, "cache_discount", null,
    "upstream_inference_cost", null, "created_at", iso8601(g.created), "model", g.model,
    "app_id", null, "streamed", g.streamed, "cancelled", g.cancelled,
    "provider_name", g.provider, "latency", g.latency, "moderation_latency", null,
    "generation_time", g.generation_time, "finish_reason", g.finish_reason,
    "native_finish_reason", g.finish_reason, "tokens_prompt", g.tokens_prompt,
    "tokens_completion", g.tokens_completion, "native_tokens_prompt", g.tokens_prompt,
    "native_tokens_completion", g.tokens_completion, "native_tokens_reasoning", g.tokens_reasoning,
    "native_tokens_cached", 0, "num_media_prompt", null, "num_media_completion", null,
    "num_search_results", null, "origin", g.origin or "", "usage", g.cost, "is_byok", false))))
end

-- GET /generation/content?id=: the stored prompt and completion (the
-- completion a generation was to give, rendered again: the models are
-- deterministic), and the error a failed one ended with.
local function get_generation_content(state, req, res)
  local q = parse_query(req.query_string)
  if not q.id or q.id == "" then
    return send_error(res, 400, "Missing generation id (?id=gen-...)")
  end
  local g = state.generations[q.id]
  if not g then
    return send_error(res, 404, "Generation " .. q.id .. " not found")
  end
  local comp = gen.prepare(g.ctx)
  local completion = comp.tools and null or comp:full_content()
  local reasoning = comp.reasoning and not comp.reasoning.hidden and comp.reasoning.text or null
  local err = null
  if g.error then
    err = O("status", g.error.status, "message", g.error.message, "provider_name", g.provider,
      "raw", null, "previous_errors", A())
  end
  res:send(200, nil, json.encode(O("data", O(
    "input", O("messages", g.ctx.body.messages),
    "output", O("completion", completion, "reasoning", reasoning),
    "error", err))))
end

local function mask(key)
  if #key <= 12 then return "sk-...***" end
  return key:sub(1, 8) .. "..." .. key:sub(-3)
end

local function get_key(state, _, res, key)
  res:send(200, nil, json.encode(O("data", O(
    "label", mask(key), "usage", state.usage, "limit", null, "is_free_tier", false,
    "limit_remaining", null, "is_provisioning_key", false,
    "rate_limit", O("requests", 1000, "interval", "10s")))))
end

local function get_credits(state, _, res)
  res:send(200, nil, json.encode(O("data", O(
    "total_credits", M.TOTAL_CREDITS, "total_usage", state.usage))))
end

-- Chat completions ---------------------------------------------------------------

local function all_user_text(body)
  local out = {}
  for _, m in ipairs(body.messages) do
    if type(m) == "table" and m.role == "user" then out[#out + 1] = gen.content_text(m.content) end
  end
  return table.concat(out, "\n")
end

-- The decoded JSON object of a POST body, or nil after answering 400.
local function json_body(req, res)
  local body, err = json.decode(req.body or "")
  if body == nil then
    return send_error(res, 400, "Invalid JSON in request body: " .. tostring(err))
  end
  if type(body) ~= "table" then
    return send_error(res, 400, "Request body must be a JSON object")
  end
  return body
end

-- Routes a chat-shaped request body, prepares the completion and records
-- the generation.  Returns { comp, rec, account, headers, delay, stream },
-- or nil when it has answered with an error.  `legacy`: a text_completion
-- (POST /completions) instead of a chat completion.
local function generate(state, req, res, body, fault, legacy)
  local h = req.headers
  local seed = tonumber(h["x-mock-seed"] or "")
  local cands, status, message, meta = router.plan(body, {
    seed = seed, prompt = all_user_text(body) })
  if not cands then
    send_error(res, status, message, meta)
    return nil
  end

  -- try candidates in order; X-Mock-Down ones fail
  local down = header_list(h["x-mock-down"])
  local tried, tried_models, chosen = {}, {}, nil
  for _, c in ipairs(cands) do
    tried[#tried + 1] = c.endpoint.tag
    tried_models[#tried_models + 1] = c.response_model
    if not router.is_down(down, c) then chosen = c; break end
  end
  local route_headers = {
    { "X-Mock-Route", table.concat(tried, ",") },
    { "X-Mock-Route-Models", table.concat(tried_models, ",") },
  }
  if not chosen then
    send_error(res, 503, "No available providers: every endpoint tried failed ("
      .. table.concat(tried, ", ") .. ")", O("tried_providers", A(tried)), route_headers)
    return nil
  end

  local id = new_id(state)
  local created = os.time()
  local ctx = { body = body, headers = h, cand = chosen, id = id, created = created, text = legacy }
  local comp = gen.prepare(ctx)
  local stream = body.stream == true
  local rec = {
    id = id, upstream_id = "up-" .. id:sub(5), model = comp.model, provider = comp.provider,
    created = created, streamed = stream, cancelled = false, finish_reason = null,
    tokens_prompt = comp.prompt_tokens, tokens_completion = 0, tokens_reasoning = 0,
    cost = 0, latency = 0, generation_time = 0, origin = h["http-referer"],
    ctx = ctx,   -- GET /generation/content renders the completion again from it
  }
  remember(state, rec)
  local t0 = uv.hrtime()
  local accounted = false
  local function account(finish_reason)
    if accounted then return end
    accounted = true
    rec.finish_reason = finish_reason or null
    rec.tokens_completion = comp:completion_tokens()
    rec.tokens_reasoning = comp.reasoning and #comp.reasoning.pieces or 0
    rec.cost = comp:cost()
    rec.generation_time = math.floor((uv.hrtime() - t0) / 1e6)
    rec.latency = rec.generation_time
    state.usage = state.usage + rec.cost
  end

  local headers = {
    { "X-Generation-Id", id },
    route_headers[1], route_headers[2],
  }
  local delay = tonumber(h["x-mock-delay-ms"] or "") or state.delay_ms or 0
  delay = delay > 0 and math.floor(delay) or 0
  if fault.midstream_error then rec.error = { status = 502, message = "Provider disconnected unexpectedly" } end
  return { comp = comp, rec = rec, account = account, headers = headers, delay = delay, stream = stream }
end

-- A non-streaming body, with the wire faults (garbage: `text` is nil).
local function deliver(res, headers, text, fault, account)
  if fault.garbage then
    text = fault.garbage == "binary" and faults.junk(512) or faults.html
    account("error")
    headers[#headers + 1] = { "Content-Type", fault.garbage == "binary"
      and "application/octet-stream" or "text/html" }
    return res:send(200, headers, text)
  end
  if fault.bad_json then
    text = text:sub(1, math.floor(#text / 2))
    return res:send(200, headers, text)
  end
  if fault.reset_after_bytes then
    local n = math.max(0, math.min(fault.reset_after_bytes, #text))
    res:start_fixed(200, headers, #text)
    if n > 0 then res:raw(text:sub(1, n)) end
    return res:reset()
  end
  if fault.no_done then
    res:start_fixed(200, headers, #text)
    res:raw(text:sub(1, math.floor(#text / 2)))
    return res:cut()
  end
  if fault.stall_ms then
    local half = math.floor(#text / 2)
    res:start_fixed(200, headers, #text)
    res:raw(text:sub(1, half))
    local t = uv.new_timer()
    res.on_abort = function() t:stop(); if not t:is_closing() then t:close() end end
    t:start(fault.stall_ms, 0, function()
      t:close()
      if res.done then return end
      res:raw(text:sub(half + 1))
      res:complete()
    end)
    return
  end
  res:send(200, headers, text)
end

-- Stream `steps` (sse.lua) as the answer of generation `g`.
local function play(res, g, steps, fault)
  local headers, rec = g.headers, g.rec
  headers[#headers + 1] = { "Content-Type", "text/event-stream" }
  headers[#headers + 1] = { "Cache-Control", "no-cache" }
  res:start(200, headers)
  sse.play(res, steps, {
    delay_ms = g.delay,
    reset_after = fault.reset_after_bytes,
    on_end = function(how)
      if how ~= "finish" then
        rec.cancelled = (how == "aborted")
        g.account(rec.finish_reason ~= null and rec.finish_reason or null)
      end
    end,
  })
end

-- respond() now, or after `delay` ms (X-Mock-Delay-Ms); a client that goes
-- away meanwhile cancels the generation.
local function respond_later(res, rec, delay, respond)
  local function go()
    if res.done then return end
    respond()
  end
  if delay > 0 then
    local t = uv.new_timer()
    res.on_abort = function()
      rec.cancelled = true
      t:stop(); if not t:is_closing() then t:close() end
    end
    t:start(delay, 0, function()
      t:close()
      go()
    end)
  else
    go()
  end
end

-- Chat completions, and legacy completions (`legacy`: a `prompt` for
-- `messages`, a text_completion back).
local function chat(state, req, res, fault, legacy)
  local body = json_body(req, res)
  if not body then return end
  local errors
  if legacy then errors = state.validate.completions(body) else errors = state.validate.chat(body) end
  if errors then
    return send_error(res, 400, state.validate.error_parts(errors))
  end
  if legacy then body = gen.completion_as_chat(body) end
  if body.messages == nil and body.prompt == nil then
    return send_error(res, 400, 'Input required: specify "prompt" or "messages"')
  end
  if type(body.messages) ~= "table" or #body.messages == 0 then
    return send_error(res, 400, "messages must be a non-empty array")
  end
  for k, m in ipairs(body.messages) do
    if type(m) ~= "table" or type(m.role) ~= "string" then
      return send_error(res, 400, format("messages[%d] must be an object with a role", k - 1))
    end
  end

  local g = generate(state, req, res, body, fault, legacy)
  if not g then return end
  local comp, rec, account, headers, delay = g.comp, g.rec, g.account, g.headers, g.delay

  if g.stream then return play(res, g, comp:stream_steps(fault, account), fault) end

  -- non-streaming
  respond_later(res, rec, delay, function()
    if fault.garbage then return deliver(res, headers, nil, fault, account) end
    local text = comp:response_json(fault)
    account(fault.midstream_error and "error" or comp:finish_reason())
    deliver(res, headers, text, fault)
  end)
end

-- Responses API --------------------------------------------------------------------

local function responses_route(state, req, res, fault)
  local body = json_body(req, res)
  if not body then return end
  local errors = state.validate.responses(body)
  if errors then
    return send_error(res, 400, state.validate.error_parts(errors))
  end
  local chat_body, err = responses.chat_body(body)
  if not chat_body then return send_error(res, 400, err) end
  local g = generate(state, req, res, chat_body, fault)
  if not g then return end
  local comp, rec, account, headers, delay = g.comp, g.rec, g.account, g.headers, g.delay
  comp.request = body

  if g.stream then return play(res, g, responses.stream_steps(comp, fault, account), fault) end
  respond_later(res, rec, delay, function()
    if fault.garbage then return deliver(res, headers, nil, fault, account) end
    local text = responses.response_json(comp, fault)
    account(fault.midstream_error and "error" or comp:finish_reason())
    deliver(res, headers, text, fault)
  end)
end

-- Embeddings -----------------------------------------------------------------------

local function embeddings(state, req, res)
  local body = json_body(req, res)
  if not body then return end
  local errors = state.validate.embeddings(body)
  if errors then
    return send_error(res, 400, state.validate.error_parts(errors))
  end
  local text, cost_or_status, message = embed.respond(body, new_id(state))
  if not text then return send_error(res, cost_or_status, message) end
  state.usage = state.usage + cost_or_status
  res:send(200, nil, text)
end

-- Dispatch -------------------------------------------------------------------------

local function handler(state)
  return function(req, res)
    local path = req.path
    if path:sub(1, #M.PREFIX + 1) ~= M.PREFIX .. "/" then
      return send_error(res, 404, "Not Found: " .. path)
    end
    local sub = path:sub(#M.PREFIX + 1):gsub("/+$", "")
    local method = req.method
    if req.headers["x-mock-replay"] then
      return replay.serve(state.replay_dir, req.headers["x-mock-replay"], res, send_error)
    end
    local fault = faults.parse(req.headers["x-mock-fault"], req.headers["x-mock-scenario"])
    if fault.spent then fault = {} end

    local function need(m)
      if method == m or (m == "GET" and method == "HEAD") then return true end
      send_error(res, 405, "Method " .. method .. " not allowed on " .. path,
        nil, { { "Allow", m } })
      return false
    end

    if sub == "/models" then
      if not need("GET") then return end
      if status_fault(res, fault) then return end
      return get_models(state, req, res)
    end
    local ep_id = sub:match("^/models/([^/]+/[^/]+)/endpoints$")
    if ep_id then
      if not need("GET") then return end
      if status_fault(res, fault) then return end
      return get_endpoints(state, req, res, ep_id)
    end

    local public = { ["/models/count"] = get_models_count, ["/embeddings/models"] = get_embedding_models,
      ["/providers"] = get_providers }
    if public[sub] then
      if not need("GET") then return end
      if status_fault(res, fault) then return end
      return public[sub](state, req, res)
    end

    local known = { ["/chat/completions"] = "POST", ["/responses"] = "POST", ["/generation"] = "GET",
      ["/generation/content"] = "GET", ["/key"] = "GET", ["/credits"] = "GET",
      ["/completions"] = "POST", ["/embeddings"] = "POST" }
    if not known[sub] then
      return send_error(res, 404, "Not Found: " .. path)
    end
    if not need(known[sub]) then return end
    if status_fault(res, fault) then return end
    local key = bearer(req)
    if not key then
      return send_error(res, 401, "No auth credentials found")
    end
    if sub == "/chat/completions" then
      return chat(state, req, res, fault)
    elseif sub == "/completions" then
      return chat(state, req, res, fault, true)
    elseif sub == "/embeddings" then
      return embeddings(state, req, res)
    elseif sub == "/responses" then
      return responses_route(state, req, res, fault)
    elseif sub == "/generation" then
      return get_generation(state, req, res)
    elseif sub == "/generation/content" then
      return get_generation_content(state, req, res)
    elseif sub == "/key" then
      return get_key(state, req, res, key)
    else
      return get_credits(state, req, res)
    end
  end
end

-- Server ---------------------------------------------------------------------------

--- Starts serving on the running luv loop.  opts: host ("127.0.0.1"),
-- port (0: a free one), log (function(line) or nil), delay_ms (the
-- X-Mock-Delay-Ms of requests that do not send one; default 0), replay_dir
-- (where X-Mock-Replay finds recordings; without it the header is refused).
-- Returns an object { url, host, port, close = function }, or nil, err
-- (also when the openrouter library, which validates requests, cannot be
-- loaded: the simulator never serves without validation).
function M.start(opts)
  opts = opts or {}
  local state = new_state()
  state.delay_ms = opts.delay_ms
  state.replay_dir = opts.replay_dir
  local ok, validate = pcall(require, "openrouter.mock.validate")
  if ok then ok, validate = pcall(function()
    validate.check_library()
    return validate
  end) end
  if not ok then return nil, tostring(validate) end
  state.validate = validate
  local server, err = http.listen{
    host = opts.host or "127.0.0.1", port = opts.port or 0,
    handler = handler(state), log = opts.log,
  }
  if not server then return nil, err end
  local ip, port = server:address()
  local shown = ip:find(":") and ("[" .. ip .. "]") or ip
  return {
    host = ip, port = port, state = state, server = server,
    url = "http://" .. shown .. ":" .. port .. M.PREFIX,
    close = function() server:close() end,
  }
end

local usage = [[
usage: openrouter-mock [--host 127.0.0.1] [--port N] [--delay-ms D] [--verbose]
                       [--exit-with-parent] [--replay-dir DIR]

Serves a simulated OpenRouter API until killed (SIGTERM/SIGINT exit cleanly).
The first line of stdout is "listening http://HOST:PORT/api/v1" (--port 0,
the default, picks a free port); nothing else is written to stdout.
--delay-ms D paces every stream by D ms between chunks unless the request
sends X-Mock-Delay-Ms.  --verbose logs one line per request to stderr.
--exit-with-parent exits when the process that started it is gone
(checked every 250 ms).  --replay-dir DIR lets a request's X-Mock-Replay:
NAME header be answered with the response recorded in DIR/NAME.
]]

--- Command-line entry point; returns the process exit code.
function M.main(args)
  local host, port, verbose, watch_parent, delay, bad = "127.0.0.1", 0, false, false, nil, false
  local replay_dir
  local k = 1
  while k <= #args do
    local a = args[k]
    if a == "--host" then host = args[k + 1]; k = k + 1
    elseif a:match("^%-%-host=") then host = a:match("=(.*)")
    elseif a == "--port" then port = tonumber(args[k + 1]); k = k + 1
    elseif a:match("^%-%-port=") then port = tonumber(a:match("=(.*)"))
    elseif a == "--delay-ms" then
      delay = tonumber(args[k + 1])
      bad = bad or not delay or delay < 0
      k = k + 1
    elseif a == "--verbose" or a == "-v" then verbose = true
    elseif a == "--exit-with-parent" then watch_parent = true
    elseif a == "--replay-dir" then
      replay_dir = args[k + 1]
      bad = bad or not replay_dir
      k = k + 1
    elseif a == "--help" or a == "-h" then io.stdout:write(usage); return 0
    else
      io.stderr:write("openrouter-mock: unknown argument " .. tostring(a) .. "\n" .. usage)
      return 2
    end
    k = k + 1
  end
  if bad or not host or not port or port < 0 or port > 65535 then
    io.stderr:write("openrouter-mock: bad --host, --port, --delay-ms or --replay-dir\n" .. usage)
    return 2
  end

  -- a broken connection must be an error return, never a fatal SIGPIPE
  local sigpipe = uv.new_signal()
  sigpipe:start("sigpipe", function() end)

  local log
  if verbose then
    log = function(line) io.stderr:write("[openrouter-mock] ", line, "\n") end
  end
  local srv, err = M.start{ host = host, port = port, log = log, delay_ms = delay, replay_dir = replay_dir }
  if not srv then
    io.stderr:write("openrouter-mock: ", tostring(err), "\n")
    return 1
  end

  local handles = { sigpipe }
  local function stop()
    srv.close()
    for _, h in ipairs(handles) do
      if not h:is_closing() then h:close() end
    end
    uv.stop()
  end
  for _, sig in ipairs({ "sigterm", "sigint", "sighup" }) do
    local s = uv.new_signal()
    s:start(sig, stop)
    handles[#handles + 1] = s
  end
  if watch_parent then
    -- orphaned (the parent exited or was killed): our parent pid changes
    local ppid = uv.os_getppid()
    local t = uv.new_timer()
    t:start(250, 250, function()
      if uv.os_getppid() ~= ppid then stop() end
    end)
    handles[#handles + 1] = t
  end

  io.stdout:write("listening ", srv.url, "\n")
  io.stdout:flush()
  uv.run("default")
  return 0
end

return M
