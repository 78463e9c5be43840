-- The simulator as its own rock.  Paths are relative to the repository root:
--   luarocks make --deps-mode=none mock/openrouter-mock-dev-1.rockspec
-- luv and lua-cjson may come from Debian (lua-luv, lua-cjson); openrouter
-- (the library: the simulator validates requests with its schemas) from
-- this repository's openrouter-dev-1.rockspec.
rockspec_format = "3.0"
package = "openrouter-mock"
version = "dev-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "A local OpenRouter API simulator for tests: chat, streaming, routing, wire faults",
  detailed = [[
openrouter-mock serves OpenRouter's API (/api/v1: chat completions and
the Responses API with and without streaming, legacy completions, embeddings, models, endpoints, providers,
generation, key, credits) on 127.0.0.1 from a single luv event loop:
requests validated with the openrouter library's schemas (400 in
OpenRouter's error shape), deterministic answers (JSON instances of a
response_format schema), simulated provider routing, and faults steered
per request (error statuses, mid-stream errors, cut and reset
connections, stalls, garbage).
Meant for the test suites of OpenRouter clients.  Run it as
`openrouter-mock --port 0`; it prints the URL it listens on.
]],
  license = "MIT",
  labels = { "openrouter", "llm", "http", "sse", "testing" },
}
dependencies = {
  "lua >= 5.1",
  "luv",
  "lua-cjson",
  "openrouter",
}
build = {
  type = "builtin",
  modules = {
    ["openrouter.mock"] = "mock/lua/openrouter/mock/init.lua",
    ["openrouter.mock.embed"] = "mock/lua/openrouter/mock/embed.lua",
    ["openrouter.mock.faults"] = "mock/lua/openrouter/mock/faults.lua",
    ["openrouter.mock.gen"] = "mock/lua/openrouter/mock/gen.lua",
    ["openrouter.mock.http"] = "mock/lua/openrouter/mock/http.lua",
    ["openrouter.mock.instance"] = "mock/lua/openrouter/mock/instance.lua",
    ["openrouter.mock.json"] = "mock/lua/openrouter/mock/json.lua",
    ["openrouter.mock.models"] = "mock/lua/openrouter/mock/models.lua",
    ["openrouter.mock.regex"] = "mock/lua/openrouter/mock/regex.lua",
    ["openrouter.mock.replay"] = "mock/lua/openrouter/mock/replay.lua",
    ["openrouter.mock.responses"] = "mock/lua/openrouter/mock/responses.lua",
    ["openrouter.mock.router"] = "mock/lua/openrouter/mock/router.lua",
    ["openrouter.mock.sse"] = "mock/lua/openrouter/mock/sse.lua",
    ["openrouter.mock.validate"] = "mock/lua/openrouter/mock/validate.lua",
  },
  install = {
    bin = { ["openrouter-mock"] = "mock/bin/openrouter-mock" },
  },
}
