#!/usr/bin/env lua
-- Generate lua/openrouter/schemas/{provider,chat_request,responses_request,
-- embeddings_request,model_variants}.lua from OpenRouter's OpenAPI document
-- (the part of it kept in tools/schemas/openapi-subset.json) and the overlay
-- tools/schemas/overlay.lua.  `make schemas` runs it.
--
--   lua tools/gen-schemas.lua [--out DIR] [--notes]
--   lua tools/gen-schemas.lua --extract openapi.json --commit C --date D
--                             [--repository R] [--path P]  (refresh the subset first)
--
-- Runs under Lua 5.1-5.4 and LuaJIT with lua-cjson; the output is the same
-- whichever Lua runs it.
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path

local json = require("schemas.json")
local translate = require("schemas.translate")

local SUBSET = dir .. "/schemas/openapi-subset.json"

local function usage(msg)
  io.stderr:write("gen-schemas: ", msg, "\n",
    "usage: gen-schemas.lua [--out DIR] [--notes] [--extract FILE --commit C --date D",
    " [--repository R] [--path P]]\n")
  os.exit(2)
end

local root = dir == "tools" and "." or dir:match("^(.*)/tools$") or dir .. "/.."
local opts = {
  out = root .. "/lua/openrouter/schemas",
  repository = "OpenRouterTeam/docs", path = "openapi/openapi.yaml",
}
local i = 1
while arg[i] do
  local a = arg[i]
  if a == "--notes" then
    opts.notes = true
    i = i + 1
  elseif a:match("^%-%-") and arg[i + 1] then
    opts[a:sub(3)] = arg[i + 1]
    i = i + 2
  else
    usage("unexpected argument " .. a)
  end
end

local function read(path)
  local f, err = io.open(path, "rb")
  if not f then usage(err) end
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local ok, err = pcall(function()
  if opts.extract then
    if not (opts.commit and opts.date) then usage("--extract needs --commit and --date") end
    local subset = translate.extract(json.decode(read(opts.extract)), opts)
    write(SUBSET, json.encode(subset))
    print("wrote " .. SUBSET)
  end
  local overlay = dofile(dir .. "/schemas/overlay.lua")
  local result = translate.generate(json.decode(read(SUBSET)), overlay)
  local names = {}
  for name in pairs(result.files) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local path = opts.out .. "/" .. name .. ".lua"
    write(path, result.files[name])
    print(("wrote %s (%d bytes)"):format(path, #result.files[name]))
    if opts.notes and result.notes[name] then
      for _, n in ipairs(result.notes[name]) do print("  " .. n) end
    end
  end
end)
if not ok then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
