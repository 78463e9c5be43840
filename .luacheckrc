-- luacheck: portable across 5.1-5.4 and LuaJIT
std = "min"
max_line_length = 120
exclude_files = { "build/**" }
files["spec/**/*.lua"] = { std = "+busted" }
files["spec/**/*_spec.lua"] = { std = "+busted" }
files["lua/openrouter/errors.lua"] = { read_globals = { "jit" } }
files["bench/**/*.lua"] = { read_globals = { "jit" } }
