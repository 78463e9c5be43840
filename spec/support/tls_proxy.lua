-- A local TLS endpoint for specs: nginx on loopback with a throw-away CA,
-- HTTP/2 enabled, proxying to a plain-HTTP upstream (the simulator).
--   local tls = require("support.tls_proxy")
--   local p = tls.start(upstream_url)   -- { url=, ca_file=, ca_path=, stop= }
local M = {}

local function sh(cmd)
  local ok, how, code = os.execute(cmd)
  if type(ok) == "number" then return ok == 0 end          -- 5.1
  return ok == true and how == "exit" and code == 0
end

local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "w"))
  f:write(s)
  f:close()
end

M.nginx = os.getenv("NGINX") or "/usr/sbin/nginx"

--- Make a CA and a server certificate for 127.0.0.1 and localhost in dir.
local function make_certs(dir)
  local q = "'" .. dir .. "'"
  assert(sh(table.concat({
    "cd ", q, " && ",
    "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=openrouter-spec-ca'",
    " -keyout ca.key -out ca.pem >/dev/null 2>&1 && ",
    "openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout server.key -out server.csr",
    " >/dev/null 2>&1 && ",
    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\n' > ext.cnf && ",
    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2",
    " -extfile ext.cnf -out server.pem >/dev/null 2>&1 && ",
    "mkdir capath && cp ca.pem capath/ && openssl rehash capath >/dev/null 2>&1",
  })), "could not make certificates with openssl")
end

function M.start(upstream)
  local host_port = assert(upstream:match("^http://([^/]+)"), "upstream must be http://host:port/...")
  local dir = assert(io.popen("mktemp -d /tmp/openrouter-tls.XXXXXX")):read("*l")
  make_certs(dir)
  for attempt = 1, 20 do
    local port = 20000 + (os.time() * 7 + attempt * 7919 + math.random(0, 9999)) % 40000
    write(dir .. "/nginx.conf", ([[
worker_processes 1;
daemon on;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %s/body;
  proxy_temp_path %s/proxy;
  fastcgi_temp_path %s/fastcgi;
  uwsgi_temp_path %s/uwsgi;
  scgi_temp_path %s/scgi;
  server {
    listen 127.0.0.1:%d ssl http2;
    ssl_certificate %s/server.pem;
    ssl_certificate_key %s/server.key;
    location / {
      proxy_pass http://%s;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 30s;
    }
  }
}
]]):format(dir, dir, dir, dir, dir, dir, dir, port, dir, dir, host_port))
    if sh(("'%s' -p '%s' -c '%s/nginx.conf' >/dev/null 2>&1"):format(M.nginx, dir, dir)) then
      local pid = read(dir .. "/nginx.pid")
      return {
        url = ("https://127.0.0.1:%d/api/v1"):format(port),
        ca_file = dir .. "/ca.pem",
        ca_path = dir .. "/capath",
        dir = dir,
        stop = function()
          if pid then sh("kill -QUIT " .. pid:match("%d+") .. " 2>/dev/null; sleep 0.2") end
          sh("rm -rf '" .. dir .. "'")
        end,
      }
    end
    local log = read(dir .. "/error.log") or ""
    if not log:find("Address already in use", 1, true) then
      sh("rm -rf '" .. dir .. "'")
      error("nginx did not start: " .. log)
    end
  end
  sh("rm -rf '" .. dir .. "'")
  error("nginx: no free port found")
end

return M
