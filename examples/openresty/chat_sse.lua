--- GET /chat?q=...&model=...&order=a,b&only=...&ignore=...&sort=price|throughput|latency
--        &allow_fallbacks=true|false&data_collection=allow|deny&max_price=N
-- streams the answer as Server-Sent Events:
--   event: delta  data: {"text": "..."}          one per delta, flushed at once
--   event: done   data: {"provider":, "model":, "usage": {...}}
--   event: error  data: {"kind":, "message":}
-- The handler waits inside content_by_lua: it yields to nginx, so the
-- worker keeps serving everything else.  A browser that disconnects
-- cancels the upstream request (lua_check_client_abort on).
-- luacheck: globals ngx
local openrouter = require("openrouter")
local cjson = require("cjson.safe")

local M = {}

-- One client per worker, made on first use (not in init_by_lua: forked
-- workers must not share the master's connections).
local client
local function get_client()
  client = client or openrouter.new{ loop = "ngx", app_title = "openrouter OpenResty example" }
  return client
end

local function one(v)
  if type(v) == "table" then return v[#v] end
  return v
end

local function list(s)
  local out = {}
  for item in tostring(s):gmatch("[^,%s]+") do out[#out + 1] = item end
  return out
end

--- Provider preferences from the query string, or nil when there are none.
function M.provider_from(args)
  local p = {}
  for _, k in ipairs{ "order", "only", "ignore" } do
    if args[k] then p[k] = list(one(args[k])) end
  end
  if args.sort then p.sort = one(args.sort) end
  if args.data_collection then p.data_collection = one(args.data_collection) end
  if args.allow_fallbacks then p.allow_fallbacks = one(args.allow_fallbacks) ~= "false" end
  if args.require_parameters then p.require_parameters = one(args.require_parameters) == "true" end
  if args.max_price then p.max_price = { completion = tonumber(one(args.max_price)) } end
  return next(p) and p or nil
end

local function event(name, data)
  ngx.print("event: ", name, "\ndata: ", cjson.encode(data), "\n\n")
  return ngx.flush(true)
end

function M.chat()
  local args = ngx.req.get_uri_args()
  local q = one(args.q)
  if type(q) ~= "string" or q == "" then
    ngx.status = 400
    return ngx.say("missing ?q=")
  end
  local provider = M.provider_from(args)
  if provider then
    local ok, errs = openrouter.validate_provider(provider)
    if not ok then
      ngx.status = 400
      ngx.header.content_type = "application/json"
      return ngx.say(cjson.encode{ error = "invalid provider preferences", details = errs })
    end
  end
  ngx.header.content_type = "text/event-stream"
  ngx.header.cache_control = "no-cache"
  ngx.header["X-Accel-Buffering"] = "no"
  local s, err = get_client():stream{
    model = one(args.model) or "openai/gpt-4o-mini",
    messages = { { role = "user", content = q } },
    provider = provider,
  }
  if not s then return event("error", { kind = err.kind, message = err.message }) end
  ngx.on_abort(function() s:cancel() end)
  local ok, e = pcall(function()
    for text in s:text() do
      if not event("delta", { text = text }) then return s:cancel() end   -- the browser left
    end
  end)
  if not ok then
    return event("error", { kind = type(e) == "table" and e.kind or "error", message = tostring(e) })
  end
  local final, ferr = s:result()
  if not final then return event("error", { kind = ferr.kind, message = ferr.message }) end
  event("done", { provider = final.provider, model = final.model, usage = final.usage })
end

local PAGE = [[<!doctype html>
<meta charset="utf-8"><title>openrouter on OpenResty</title>
<form id="f"><input id="q" size="60" value="Write a haiku about nginx."> <button>Ask</button></form>
<pre id="out" style="white-space: pre-wrap"></pre>
<script>
document.getElementById("f").onsubmit = function (ev) {
  ev.preventDefault();
  var out = document.getElementById("out");
  out.textContent = "";
  var q = encodeURIComponent(document.getElementById("q").value);
  var es = new EventSource("/chat?sort=price&q=" + q);
  es.addEventListener("delta", function (e) { out.textContent += JSON.parse(e.data).text; });
  es.addEventListener("done", function (e) { out.textContent += "\n\n[" + e.data + "]"; es.close(); });
  es.addEventListener("error", function (e) {
    if (e.data) out.textContent += "\n\n[error " + e.data + "]";
    es.close();
  });
};
</script>
]]

function M.page()
  ngx.header.content_type = "text/html; charset=utf-8"
  ngx.print(PAGE)
end

return M
