rockspec_format = "3.0"
package = "openrouter"
version = "dev-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "OpenRouter API client: chat, streaming, provider routing, request validation",
  detailed = [[
A Lua module with a C core for the OpenRouter API: OpenAI-compatible chat
completions plus OpenRouter's routing. libcurl multi transport, an exact
WHATWG Server-Sent-Events parser, JSON-Schema validation of requests, and
coroutine-based streaming iterators for scripts, Neovim, OpenResty and games.
Needs libcurl's development headers (Debian: libcurl4-openssl-dev).
]],
  license = "MIT",
  labels = { "openrouter", "llm", "http", "sse" },
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson",
}
external_dependencies = {
  CURL = { header = "curl/curl.h", library = "curl" },
}
build = {
  type = "builtin",
  modules = {
    ["openrouter.core"] = {
      sources = {
        "src/core.c", "src/lclass.c", "src/sse.c", "src/lsse.c", "src/schema.c", "src/lschema.c",
        "src/transport.c", "src/ltransport.c", "src/base64.c", "src/lbase64.c",
      },
      defines = { "_POSIX_C_SOURCE=200809L" },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
    ["openrouter.accumulator"] = "lua/openrouter/accumulator.lua",
    ["openrouter.async"] = "lua/openrouter/async.lua",
    ["openrouter.callbacks"] = "lua/openrouter/callbacks.lua",
    ["openrouter.client"] = "lua/openrouter/client.lua",
    ["openrouter.conversation"] = "lua/openrouter/conversation.lua",
    ["openrouter.errors"] = "lua/openrouter/errors.lua",
    ["openrouter.http_errors"] = "lua/openrouter/http_errors.lua",
    ["openrouter"] = "lua/openrouter/init.lua",
    ["openrouter.job"] = "lua/openrouter/job.lua",
    ["openrouter.loop"] = "lua/openrouter/loop/init.lua",
    ["openrouter.loop.blocking"] = "lua/openrouter/loop/blocking.lua",
    ["openrouter.loop.driver"] = "lua/openrouter/loop/driver.lua",
    ["openrouter.loop.luv"] = "lua/openrouter/loop/luv.lua",
    ["openrouter.loop.manual"] = "lua/openrouter/loop/manual.lua",
    ["openrouter.loop.ngx"] = "lua/openrouter/loop/ngx.lua",
    ["openrouter.loop.nvim"] = "lua/openrouter/loop/nvim.lua",
    ["openrouter.parts"] = "lua/openrouter/parts.lua",
    ["openrouter.responses"] = "lua/openrouter/responses.lua",
    ["openrouter.retry"] = "lua/openrouter/retry.lua",
    ["openrouter.schema"] = "lua/openrouter/schema.lua",
    ["openrouter.schemas.chat_request"] = "lua/openrouter/schemas/chat_request.lua",
    ["openrouter.schemas.draft7"] = "lua/openrouter/schemas/draft7.lua",
    ["openrouter.schemas.model_variants"] = "lua/openrouter/schemas/model_variants.lua",
    ["openrouter.schemas.provider"] = "lua/openrouter/schemas/provider.lua",
    ["openrouter.sse"] = "lua/openrouter/sse.lua",
    ["openrouter.stream"] = "lua/openrouter/stream.lua",
    ["openrouter.structured"] = "lua/openrouter/structured.lua",
    ["openrouter.tool"] = "lua/openrouter/tool.lua",
    ["openrouter.trace"] = "lua/openrouter/trace.lua",
    ["openrouter.validate"] = "lua/openrouter/validate.lua",
  },
  install = {
    bin = { openrouter = "bin/openrouter" },
  },
}
