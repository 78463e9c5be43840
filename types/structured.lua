---@meta openrouter.structured
-- LuaLS definitions: the JSON completer behind stream:objects()
-- (require("openrouter.structured")).

---require("openrouter.structured").
---@class openrouter.structured
local structured = {}

---The longest prefix of `text` (JSON as it arrives) closed into a value the
---full text keeps: open strings, arrays and objects closed; a dangling key,
---a trailing comma or an unfinished number or literal dropped.  nil before
---any value.  `final`: the text is all there is (a number at its end is
---complete).
---@param text string
---@param final? boolean
---@return string|nil
function structured.complete(text, final) end

return structured
