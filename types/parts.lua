---@meta openrouter.parts
-- LuaLS definitions: content parts from files (require("openrouter.parts"),
-- also openrouter.parts; openrouter.image/file/audio are its functions).

---@class openrouter.ImageOptions
---@field detail? openrouter.ImageDetail
---@field max_bytes? integer  default parts.limits.image
---@field mime? string        skip the guess ("image/png", ...)

---@class openrouter.FileOptions
---@field filename? string    default: the last segment of the path or URL
---@field max_bytes? integer  default parts.limits.file
---@field mime? string

---@class openrouter.AudioOptions
---@field format? openrouter.AudioFormat  skip the guess ("pcm16" for raw PCM)
---@field max_bytes? integer  default parts.limits.audio

---Size limits in bytes of a file (base64 adds a third), changeable for
---every later call.
---@class openrouter.PartLimits
---@field image integer  default 20 MiB
---@field file integer   default 32 MiB
---@field audio integer  default 25 MiB

---require("openrouter.parts").
---@class openrouter.parts
---@field limits openrouter.PartLimits
---@field DETAILS openrouter.ImageDetail[]        the `detail` values image() takes
---@field AUDIO_FORMATS openrouter.AudioFormat[]  the `format` values audio() takes
local parts = {}

---An image part (see openrouter.image).
---@param path_or_url string
---@param opts? openrouter.ImageOptions
---@return openrouter.ImagePart|nil
---@return openrouter.Error|nil
function parts.image(path_or_url, opts) end

---A file part (see openrouter.file).
---@param path_or_url string
---@param opts? openrouter.FileOptions
---@return openrouter.FilePart|nil
---@return openrouter.Error|nil
function parts.file(path_or_url, opts) end

---An audio part (see openrouter.audio).
---@param path string
---@param opts? openrouter.AudioOptions
---@return openrouter.AudioPart|nil
---@return openrouter.Error|nil
function parts.audio(path, opts) end

return parts
