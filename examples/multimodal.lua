-- An image, a PDF and an audio clip in one message.
--
--   real API:   OPENROUTER_API_KEY=sk-or-... lua examples/multimodal.lua [model] [image] [pdf] [audio]
--   simulator:  OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 lua examples/multimodal.lua
--
-- Without paths it sends the small samples in spec/fixtures/.  The
-- simulator's mock/echo model answers with the text part only.
local openrouter = require("openrouter")

local base = os.getenv("OPENROUTER_BASE_URL")
local key = os.getenv("OPENROUTER_API_KEY")
if not base and not key then
  io.stderr:write("set OPENROUTER_API_KEY (real API) or OPENROUTER_BASE_URL (a simulator)\n")
  os.exit(2)
end

local here = (arg[0]:match("^(.*)[/\\]") or ".")
local fixtures = here .. "/../spec/fixtures/"
local model = arg[1] or (base and "mock/echo" or "google/gemini-2.5-flash")
local image_path = arg[2] or fixtures .. "pixels.png"
local pdf_path = arg[3] or fixtures .. "hello.pdf"
local audio_path = arg[4] or fixtures .. "tone.wav"

-- Each helper returns a content part, or nil and a validation error that
-- names the file (missing, unreadable, unknown type, too large).
local function must(part, err)
  if not part then
    io.stderr:write(tostring(err), "\n")
    os.exit(1)
  end
  return part
end

local image = must(openrouter.image(image_path, { detail = "low" }))
local pdf = must(openrouter.file(pdf_path))
local audio = must(openrouter.audio(audio_path))

print(("image: %s, %d characters of data URL"):format(image.image_url.url:match("^data:([^;]+)"),
  #image.image_url.url))
print(("file:  %s, %d characters of data URL"):format(pdf.file.filename, #pdf.file.file_data))
print(("audio: %s, %d characters of base64"):format(audio.input_audio.format, #audio.input_audio.data))

local client = openrouter.new{ api_key = key or "sk-or-simulator", app_title = "openrouter-lua examples" }
local res, err = client:chat{
  model = model,
  messages = {
    { role = "user", content = {
      { type = "text", text = "Describe the image, the document and the sound in one line each." },
      image, pdf, audio,
    } },
  },
}
if not res then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
print(res.choices[1].message.content)
local u = res.usage or {}
print(string.format("[%s via %s] %d prompt tokens", tostring(res.model), tostring(res.provider),
  u.prompt_tokens or 0))
