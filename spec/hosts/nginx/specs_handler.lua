-- The handler of spec/hosts/nginx/specs.conf: run the spec files named in
-- ?files= (comma-separated, relative to the repository root) with
-- spec_runner.lua and print the report as JSON.
-- luacheck: globals ngx
local cjson = require("cjson")
local runner = require("spec_runner")

local M = {}

function M.run()
  local files = {}
  for f in (ngx.var.arg_files or ""):gmatch("[^,]+") do files[#files + 1] = f end
  local noop = function() end
  local fixtures = {
    root = os.getenv("ROOT"),
    mock = { url = os.getenv("MOCK_URL"), stop = noop },
    raw = { url = os.getenv("RAW_URL") },
    tls = {
      url = os.getenv("TLS_URL"), ca_file = os.getenv("TLS_CA"), ca_path = os.getenv("TLS_CAPATH"),
      port = tonumber(os.getenv("TLS_PORT")), stop = noop,
    },
    location = ngx.var.uri,
  }
  ngx.header.content_type = "application/json"
  ngx.say(cjson.encode(runner.run(files, fixtures)))
end

return M
