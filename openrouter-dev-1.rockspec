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
-- Only the library: LuaRocks looks for a header in $(CURL_DIR)/include
-- alone, and Debian keeps curl.h under /usr/include/<multiarch>, where the
-- compiler finds it by itself.  CURL_DIR still points at another prefix.
external_dependencies = {
  CURL = { library = "curl" },
}
-- The builtin backend, as the Lua modules need it: no cmake to install.
-- The sources are every src/*.c and the defines the Makefile's ORC_DEFS
-- (tools/test-rocks checks both); the exports are in the source
-- (src/orc.h), so this build, like the Makefile's, exports only
-- luaopen_openrouter_core.
build = {
  type = "builtin",
  modules = {
    ["openrouter.core"] = {
      sources = {
        "src/accum.c", "src/base64.c", "src/buf.c", "src/cdec.c", "src/chunk.c", "src/core.c",
        "src/http1.c",
        "src/json.c", "src/lbase64.c", "src/lchunk.c", "src/lclass.c", "src/lhttp1.c",
        "src/ljson_decode.c", "src/ljson_encode.c", "src/lschema.c", "src/lsse.c",
        "src/ltransport.c", "src/regex.c", "src/schema.c", "src/schema_check.c",
        "src/schema_compile.c", "src/schema_encode.c", "src/schema_report.c", "src/schema_value.c",
        "src/sse.c", "src/transport.c",
      },
      defines = { "_POSIX_C_SOURCE=200809L" },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
    ["openrouter.accumulator"] = "lua/openrouter/accumulator.lua",
    ["openrouter.async"] = "lua/openrouter/async.lua",
    ["openrouter.callbacks"] = "lua/openrouter/callbacks.lua",
    ["openrouter.checks"] = "lua/openrouter/checks.lua",
    ["openrouter.client"] = "lua/openrouter/client.lua",
    ["openrouter.conversation"] = "lua/openrouter/conversation.lua",
    ["openrouter.errors"] = "lua/openrouter/errors.lua",
    ["openrouter.http_errors"] = "lua/openrouter/http_errors.lua",
    ["openrouter.json"] = "lua/openrouter/json.lua",
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
    ["openrouter.schemas.embeddings_request"] = "lua/openrouter/schemas/embeddings_request.lua",
    ["openrouter.schemas.model_variants"] = "lua/openrouter/schemas/model_variants.lua",
    ["openrouter.schemas.provider"] = "lua/openrouter/schemas/provider.lua",
    ["openrouter.schemas.responses_request"] = "lua/openrouter/schemas/responses_request.lua",
    ["openrouter.sse"] = "lua/openrouter/sse.lua",
    ["openrouter.stream"] = "lua/openrouter/stream.lua",
    ["openrouter.structured"] = "lua/openrouter/structured.lua",
    ["openrouter.tool"] = "lua/openrouter/tool.lua",
    ["openrouter.transport.ngx"] = "lua/openrouter/transport/ngx.lua",
    ["openrouter.trace"] = "lua/openrouter/trace.lua",
    ["openrouter.validate"] = "lua/openrouter/validate.lua",
  },
  install = {
    bin = { openrouter = "bin/openrouter" },
  },
  -- LuaLS definitions (README: Editor support): <rock dir>/types
  copy_directories = { "types" },
}
