-- luacheck: portable across 5.1-5.4 and LuaJIT
std = "min"
max_line_length = 120
exclude_files = { "build/**" }
files["spec/**/*.lua"] = { std = "+busted" }
files["spec/**/*_spec.lua"] = { std = "+busted" }
files["lua/openrouter/errors.lua"] = { read_globals = { "jit" } }
files["bench/**/*.lua"] = { read_globals = { "jit" } }
-- types/: LuaLS declarations (bodies are empty, the locals only name classes,
-- and a type signature cannot be wrapped): unused arguments, write-only class
-- tables and long annotation lines are their nature.
files["types/**/*.lua"] = { unused_args = false, ignore = { "241" }, max_line_length = false }
