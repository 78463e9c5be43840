--- openrouter.parts -- content parts for multimodal messages.
--
--   local img = assert(openrouter.image("photo.jpg", { detail = "low" }))
--   local doc = assert(openrouter.file("report.pdf"))
--   local clip = assert(openrouter.audio("question.wav"))
--   client:chat{ model = ..., messages = { { role = "user", content = {
--     { type = "text", text = "What do these show?" }, img, doc, clip } } } }
--
-- Each returns a plain table in the shape of the chat API's content parts:
--   { type = "image_url", image_url = { url = "data:image/png;base64,...", detail = "low" } }
--   { type = "file", file = { filename = "report.pdf", file_data = "data:application/pdf;base64,..." } }
--   { type = "input_audio", input_audio = { data = "<base64>", format = "wav" } }
-- An http(s):// or data: URL is passed as given (image, file); anything else
-- is a path, read and base64-encoded in C (core.base64_file) without the
-- file ever becoming a Lua string.
--
-- The type comes from the file's first bytes, then from its extension; an
-- explicit `mime` (image, file) or `format` (audio) skips the guess.
--
-- Errors: a wrong argument type or option raises.  A file that is missing,
-- unreadable, empty, of an unknown type or over the size limit returns
-- nil, err: a `validation` error naming the file (err.file) with
-- err.reason = "missing" | "unreadable" | "not_a_file" | "empty" |
-- "unknown_type" | "too_large" | "url".
--
-- Limits (bytes of the file, before base64's 4/3): M.limits.image, .file,
-- .audio, or { max_bytes = N } per call.  The defaults are the per-item caps
-- the main providers state: 20 MiB an image (OpenAI's cap; Anthropic's is
-- lower), 32 MiB a document (OpenAI's and Anthropic's PDF request cap),
-- 25 MiB an audio clip (OpenAI's audio upload cap).  OpenRouter states none
-- of its own.
local core = require("openrouter.core")
local errors = require("openrouter.errors")

local M = {}

local MiB = 1024 * 1024

--- Size limits in bytes; change them for every later call.
M.limits = { image = 20 * MiB, file = 32 * MiB, audio = 25 * MiB }

--- The `detail` values of an image part.
M.DETAILS = { "auto", "low", "high", "original" }

--- The `format` values the API documents for input_audio.
M.AUDIO_FORMATS = { "wav", "mp3", "flac", "m4a", "ogg", "aiff", "aac", "pcm16", "pcm24" }

-- Sniffing -------------------------------------------------------------------

-- What the first bytes say: { mime =, what = (for messages), class =
-- "image" | "audio" | "document" | "other", format = (audio) }, or nil.
local function sniff(head)
  local b1, b2 = head:byte(1, 2)
  local riff = head:sub(1, 4) == "RIFF" and head:sub(9, 12)
  if head:sub(1, 8) == "\137PNG\r\n\26\n" then
    return { mime = "image/png", what = "a PNG image", class = "image" }
  elseif head:sub(1, 3) == "\255\216\255" then
    return { mime = "image/jpeg", what = "a JPEG image", class = "image" }
  elseif head:sub(1, 6) == "GIF87a" or head:sub(1, 6) == "GIF89a" then
    return { mime = "image/gif", what = "a GIF image", class = "image" }
  elseif riff == "WEBP" then
    return { mime = "image/webp", what = "a WebP image", class = "image" }
  elseif head:sub(1, 5) == "%PDF-" then
    return { mime = "application/pdf", what = "a PDF document", class = "document" }
  elseif riff == "WAVE" then
    return { mime = "audio/wav", what = "WAV audio", class = "audio", format = "wav" }
  elseif head:sub(1, 4) == "FORM" and (head:sub(9, 12) == "AIFF" or head:sub(9, 12) == "AIFC") then
    return { mime = "audio/aiff", what = "AIFF audio", class = "audio", format = "aiff" }
  elseif head:sub(1, 4) == "OggS" then
    return { mime = "audio/ogg", what = "Ogg audio", class = "audio", format = "ogg" }
  elseif head:sub(1, 4) == "fLaC" then
    return { mime = "audio/flac", what = "FLAC audio", class = "audio", format = "flac" }
  elseif head:sub(1, 3) == "ID3" then
    return { mime = "audio/mpeg", what = "MP3 audio", class = "audio", format = "mp3" }
  elseif head:sub(5, 8) == "ftyp" then
    -- ISO media: M4A/M4B/M4P brands are audio; others (isom, mp42, qt)
    -- are taken as audio only by openrouter.audio.
    local brand = head:sub(9, 12)
    if brand == "M4A " or brand == "M4B " or brand == "M4P " then
      return { mime = "audio/mp4", what = "M4A audio", class = "audio", format = "m4a" }
    end
    return { mime = "video/mp4", what = "an MP4/QuickTime file", class = "media", format = "m4a" }
  elseif b1 == 0xFF and b2 and b2 >= 0xE0 then
    -- an MPEG audio frame: 11 sync bits, version, layer (01 = layer III);
    -- ADTS (AAC) has 12 sync bits and layer 00
    local layer = math.floor(b2 / 2) % 4
    if layer == 1 then
      return { mime = "audio/mpeg", what = "MP3 audio", class = "audio", format = "mp3" }
    elseif layer == 0 and b2 >= 0xF0 then
      return { mime = "audio/aac", what = "AAC audio", class = "audio", format = "aac" }
    end
  end
  -- not accepted anywhere, but worth naming in a message
  if head:sub(1, 4) == "PK\3\4" then return { what = "a ZIP archive (or .docx, .xlsx, .jar)", class = "other" } end
  if head:sub(1, 2) == "\31\139" then return { what = "gzip data", class = "other" } end
  if head:sub(1, 4) == "\127ELF" then return { what = "an ELF executable", class = "other" } end
  if head:sub(1, 2) == "BM" then return { what = "a BMP image", class = "other" } end
  if head:sub(1, 4) == "II*\0" or head:sub(1, 4) == "MM\0*" then
    return { what = "a TIFF image", class = "other" }
  end
  return nil
end

local BY_EXTENSION = {
  png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg", gif = "image/gif", webp = "image/webp",
  pdf = "application/pdf",
  wav = "audio/wav", mp3 = "audio/mpeg", flac = "audio/flac", ogg = "audio/ogg", oga = "audio/ogg",
  m4a = "audio/mp4", aif = "audio/aiff", aiff = "audio/aiff", aac = "audio/aac",
  txt = "text/plain", md = "text/markdown", markdown = "text/markdown", csv = "text/csv",
  json = "application/json", html = "text/html", htm = "text/html", xml = "application/xml",
}

local AUDIO_BY_EXTENSION = {
  wav = "wav", mp3 = "mp3", flac = "flac", ogg = "ogg", oga = "ogg", m4a = "m4a",
  aif = "aiff", aiff = "aiff", aac = "aac",
}

local AUDIO_BY_MIME = {
  ["audio/wav"] = "wav", ["audio/x-wav"] = "wav", ["audio/wave"] = "wav", ["audio/vnd.wave"] = "wav",
  ["audio/mpeg"] = "mp3", ["audio/mp3"] = "mp3", ["audio/flac"] = "flac", ["audio/x-flac"] = "flac",
  ["audio/ogg"] = "ogg", ["audio/mp4"] = "m4a", ["audio/x-m4a"] = "m4a", ["audio/m4a"] = "m4a",
  ["audio/aiff"] = "aiff", ["audio/x-aiff"] = "aiff", ["audio/aac"] = "aac",
}

-- The extension a data: URL's file name gets from its MIME type.
local EXT_OF_MIME = {
  ["image/png"] = "png", ["image/jpeg"] = "jpg", ["image/gif"] = "gif", ["image/webp"] = "webp",
  ["application/pdf"] = "pdf", ["text/plain"] = "txt", ["text/markdown"] = "md", ["text/csv"] = "csv",
  ["application/json"] = "json", ["text/html"] = "html", ["application/xml"] = "xml",
}

local IMAGE_MIME = { ["image/png"] = true, ["image/jpeg"] = true, ["image/gif"] = true, ["image/webp"] = true }

local function basename(path)
  return path:match("([^/\\]+)[/\\]*$") or path
end

local function extension(path)
  local ext = basename(path):match("%.([^.]+)$")
  return ext and ext:lower()
end

-- How the first bytes look, for a message: what sniff named, a bit of
-- text, or the bytes in hex.
local function looks_like(head)
  local k = sniff(head)
  if k then return "it looks like " .. k.what end
  if head == "" then return "it is empty" end
  local sample = head:sub(1, 16)
  if not sample:find("[%z\1-\8\11\12\14-\31\127]") then
    return ("it starts like text: %q"):format(sample)
  end
  return "its first bytes are " .. sample:gsub(".", function(c)
    return ("%02x "):format(c:byte())
  end):sub(1, -2)
end

-- Arguments ------------------------------------------------------------------

local function check_args(fname, src, opts, allowed)
  if type(src) ~= "string" then
    error(("%s: expected a path or URL (string), got %s"):format(fname, type(src)), 3)
  end
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(("%s: options must be a table, got %s"):format(fname, type(opts)), 3)
  end
  for k, v in pairs(opts) do
    local want = allowed[k]
    if not want then
      error(("%s: unknown option '%s'"):format(fname, tostring(k)), 3)
    end
    if want == "size" then
      if type(v) ~= "number" or v < 0 or v ~= math.floor(v) or v ~= v then
        error(("%s: max_bytes must be a non-negative integer, got %s"):format(fname, tostring(v)), 3)
      end
    elseif type(v) ~= "string" or v == "" then
      error(("%s: %s must be a non-empty string, got %s"):format(fname, k, tostring(v)), 3)
    end
  end
  return opts
end

local function limit_of(fname, kind, opts)
  local n = opts.max_bytes or M.limits[kind]
  if type(n) ~= "number" or n < 0 then
    error(("%s: openrouter.parts.limits.%s must be a non-negative number"):format(fname, kind), 3)
  end
  return n
end

local function is_url(src)
  local scheme = src:match("^(%a[%w+.-]*):")
  scheme = scheme and scheme:lower()
  return scheme == "http" or scheme == "https" or scheme == "data", scheme
end

-- Errors ---------------------------------------------------------------------

local function fail(fname, path, reason, text)
  local msg = ("%s: '%s' %s"):format(fname, path, text)
  return nil, errors.new{
    kind = "validation", message = msg, file = path, reason = reason,
    errors = { { path = "", message = msg } },
  }
end

local C_REASON_TEXT = {
  missing = function(why) return "cannot be read: " .. why end,
  unreadable = function(why) return "cannot be read: " .. why end,
  not_a_file = function() return "is a directory, not a file" end,
}

--[[
Read `path` as base64, with `prefix(kind)` deciding from the first bytes:
kind(head) returns the string to put in front (the data URL's head), or
nil, reason, text to refuse the file.
]]
local function encode_file(fname, kind_name, path, max, decide)
  local refusal
  local text, size_or_why, code = core.base64_file(path, max, function(head)
    if head == "" then
      refusal = { "empty", "is empty" }
      return nil, "empty"
    end
    local prefix, reason, why = decide(head)
    if not prefix then
      refusal = { reason, why }
      return nil, why
    end
    return prefix
  end)
  if text then return text end
  if code == "rejected" and refusal then return fail(fname, path, refusal[1], refusal[2]) end
  if code == "too_large" then
    return fail(fname, path, "too_large", ("is too large: %s (max_bytes, or openrouter.parts.limits.%s)")
      :format(size_or_why, kind_name))
  end
  local text_of = C_REASON_TEXT[code]
  return fail(fname, path, code, text_of and text_of(size_or_why) or tostring(size_or_why))
end

-- The MIME type of a file for image/file: the first bytes, then the
-- extension.  `accept(kind_or_mime)` limits the classes.  Returns mime, or
-- nil, reason, text.
local function mime_of(path, head, accept, expected)
  local k = sniff(head)
  if k and k.mime and accept(k.mime) then return k.mime end
  if not k then
    local ext = extension(path)
    local by_ext = ext and BY_EXTENSION[ext]
    if by_ext and accept(by_ext) then return by_ext end
  end
  return nil, "unknown_type", ("is not %s: %s"):format(expected, looks_like(head))
end

-- Public ---------------------------------------------------------------------

local IMAGE_OPTS = { detail = "string", max_bytes = "size", mime = "string" }
local DETAIL_OK = {}
for _, d in ipairs(M.DETAILS) do DETAIL_OK[d] = true end

local function is_image(mime) return IMAGE_MIME[mime] == true end

--- An image part: `{ type = "image_url", image_url = { url =, detail = } }`.
--- `src`: an http(s):// or data: URL, passed as given, or a path to a PNG,
--- JPEG, GIF or WebP file, sent as a data URL.
---@param src string path or URL
---@param opts? { detail?: "auto"|"low"|"high"|"original", max_bytes?: integer, mime?: string }
---@return table|nil part
---@return openrouter.Error|nil err validation error naming the file
function M.image(src, opts)
  local fname = "openrouter.image"
  opts = check_args(fname, src, opts, IMAGE_OPTS)
  if opts.detail ~= nil and not DETAIL_OK[opts.detail] then
    error(("%s: detail must be one of %s, got '%s'"):format(fname, table.concat(M.DETAILS, ", "),
      opts.detail), 2)
  end
  local url
  if is_url(src) then
    url = src
  else
    local err
    url, err = encode_file(fname, "image", src, limit_of(fname, "image", opts), function(head)
      local mime, reason, why = opts.mime, nil, nil
      if not mime then
        mime, reason, why = mime_of(src, head, is_image, "a PNG, JPEG, GIF or WebP image")
      end
      if not mime then return nil, reason, why end
      return "data:" .. mime .. ";base64,"
    end)
    if not url then return nil, err end
  end
  return { type = "image_url", image_url = { url = url, detail = opts.detail } }
end

local FILE_OPTS = { filename = "string", max_bytes = "size", mime = "string" }

local function any_mime() return true end

-- A file name for a URL: the last segment of its path, or for a data: URL
-- "file.<ext>" from its MIME type.
local function url_filename(src, scheme)
  if scheme == "data" then
    local mime = src:match("^[^:]+:([^;,]*)")
    local ext = mime and EXT_OF_MIME[mime:lower()]
    return ext and ("file." .. ext) or nil
  end
  local path = src:match("^[^:]+://[^/?#]*(/[^?#]*)")
  local name = path and path:match("([^/]+)$")
  return name
end

--- A file part (PDFs and other documents): `{ type = "file", file = {
--- filename =, file_data = } }`.  `src`: an http(s):// or data: URL, passed
--- as given, or a path, sent as a data URL.  `filename` defaults to the
--- path's (or URL's) last segment.
---@param src string path or URL
---@param opts? { filename?: string, max_bytes?: integer, mime?: string }
---@return table|nil part
---@return openrouter.Error|nil err validation error naming the file
function M.file(src, opts)
  local fname = "openrouter.file"
  opts = check_args(fname, src, opts, FILE_OPTS)
  local url, scheme = is_url(src)
  local data, filename
  if url then
    data, filename = src, opts.filename or url_filename(src, scheme)
  else
    local err
    data, err = encode_file(fname, "file", src, limit_of(fname, "file", opts), function(head)
      local mime, reason, why = opts.mime, nil, nil
      if not mime then mime, reason, why = mime_of(src, head, any_mime, "of a known type") end
      if not mime then return nil, reason, why end
      return "data:" .. mime .. ";base64,"
    end)
    if not data then return nil, err end
    filename = opts.filename or basename(src)
  end
  return { type = "file", file = { filename = filename, file_data = data } }
end

local AUDIO_OPTS = { format = "string", max_bytes = "size" }

--- An audio part: `{ type = "input_audio", input_audio = { data =, format = } }`.
--- `src`: a path (data is the file's base64, format from its first bytes,
--- then its extension), or a data:audio/...;base64, URL.  OpenRouter takes
--- no audio URLs: an http(s) URL is a validation error.
---@param src string path, or data: URL
---@param opts? { format?: string, max_bytes?: integer }
---@return table|nil part
---@return openrouter.Error|nil err validation error naming the file
function M.audio(src, opts)
  local fname = "openrouter.audio"
  opts = check_args(fname, src, opts, AUDIO_OPTS)
  local url, scheme = is_url(src)
  local format = opts.format
  local data
  if url then
    if scheme ~= "data" then
      return fail(fname, src, "url", "is a URL: OpenRouter takes audio only as base64 data; "
        .. "download it and pass the path")
    end
    local mime, b64 = src:match("^[^:]+:([^;,]*);base64,(.*)$")
    if not mime then return fail(fname, src:sub(1, 40), "unknown_type", "is not a base64 data: URL") end
    format = format or AUDIO_BY_MIME[mime:lower()]
    if not format then
      return fail(fname, src:sub(1, 40), "unknown_type", ("has MIME type '%s', not a known audio type"):format(mime))
    end
    data = b64
  else
    local err
    data, err = encode_file(fname, "audio", src, limit_of(fname, "audio", opts), function(head)
      if format then return "" end
      local k = sniff(head)
      if k and k.format then
        format = k.format
      elseif not k then
        local ext = extension(src)
        format = ext and AUDIO_BY_EXTENSION[ext]
      end
      if not format then
        return nil, "unknown_type", ("is not WAV, MP3, FLAC, Ogg, M4A, AIFF or AAC audio: %s "
          .. "(raw PCM: name it, { format = \"pcm16\" })"):format(looks_like(head))
      end
      return ""
    end)
    if not data then return nil, err end
  end
  return { type = "input_audio", input_audio = { data = data, format = format } }
end

return M
