-- openrouter.image/file/audio and the C base64 under them (core.base64,
-- core.base64_file).  Fixtures: spec/fixtures/ (made by spec/fixtures/make.lua);
-- other files are written to temporary paths here.
local core = require("openrouter.core")
local openrouter = require("openrouter")
local parts = require("openrouter.parts")
local validate = require("openrouter.validate")
local mock = require("support.mock_server")

local FIX = "spec/fixtures/"

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- Test's own decoder (RFC 4648 by character ranges), strict about padding.
local VALUE = {}
do
  local abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  for i = 1, 64 do VALUE[abc:sub(i, i)] = i - 1 end
end
local function unbase64(s)
  assert(#s % 4 == 0, "base64 length not a multiple of 4")
  local out, char = {}, string.char
  for i = 1, #s, 4 do
    local a, b, c, d = VALUE[s:sub(i, i)], VALUE[s:sub(i + 1, i + 1)], s:sub(i + 2, i + 2), s:sub(i + 3, i + 3)
    assert(a and b, "bad base64 at " .. i)
    local last = i + 3 == #s
    local cv = c == "=" and last and -1 or assert(VALUE[c], "bad base64 at " .. (i + 2))
    local dv = d == "=" and last and -1 or assert(VALUE[d], "bad base64 at " .. (i + 3))
    local v = a * 262144 + b * 4096 + math.max(cv, 0) * 64 + math.max(dv, 0)
    local x, y, z = math.floor(v / 65536), math.floor(v / 256) % 256, v % 256
    if cv < 0 then
      out[#out + 1] = char(x)
    elseif dv < 0 then
      out[#out + 1] = char(x, y)
    else
      out[#out + 1] = char(x, y, z)
    end
  end
  return table.concat(out)
end

-- A fixed pseudo-random byte string (an LCG), the same under every Lua.
local function bytes(n, seed)
  local x, t, char = seed or 12345, {}, string.char
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    t[i] = char(math.floor(x / 65536) % 256)
  end
  return table.concat(t)
end

local temps = {}
local function temp(content, suffix)
  local path = os.tmpname() .. (suffix or "")
  local f = assert(io.open(path, "wb"))
  f:write(content)
  f:close()
  temps[#temps + 1] = path
  return path
end

-- How many of this process's file descriptors are open on `name` (a path
-- ending), or nil without /proc.  Only those: a count of all of them would
-- race with io.popen closing its pipe.
local function open_on(name)
  local f = io.open("/proc/self/stat", "r")
  if not f then return nil end
  local pid = f:read("*l"):match("^(%d+)")
  f:close()
  local p = io.popen("ls -l /proc/" .. pid .. "/fd 2>/dev/null")
  local listing = p:read("*a")
  p:close()
  local n = 0
  for line in listing:gmatch("[^\n]+") do
    if line:sub(-#name - 1) == "/" .. name then n = n + 1 end
  end
  return n
end

local function have(cmd)
  local ok, _, code = os.execute("command -v " .. cmd .. " >/dev/null 2>&1")
  return ok == true or ok == 0 or code == 0
end

teardown(function()
  for _, p in ipairs(temps) do os.remove(p) end
end)

describe("core.base64", function()
  it("gives RFC 4648's test vectors", function()
    local want = { [""] = "", f = "Zg==", fo = "Zm8=", foo = "Zm9v", foob = "Zm9vYg==",
                   fooba = "Zm9vYmE=", foobar = "Zm9vYmFy" }
    for s, b in pairs(want) do assert.are.equal(b, core.base64(s)) end
  end)

  it("decodes back at every length 0..200, padding as the length says", function()
    local src = bytes(200, 7)
    for n = 0, 200 do
      local s = src:sub(1, n)
      local b = core.base64(s)
      assert.are.equal(4 * math.ceil(n / 3), #b)
      local pad = (3 - n % 3) % 3
      assert.are.equal(("="):rep(pad), b:sub(#b - pad + 1, #b == 0 and 0 or #b))
      assert.are.equal(s, unbase64(b))
    end
  end)

  it("matches coreutils base64 on a larger input", function()
    if not have("base64") then pending("no base64 command") return end
    local path = temp(bytes(100003, 3))
    local p = io.popen("base64 -w0 " .. path)
    local want = p:read("*a")
    p:close()
    assert.are.equal(want, core.base64(slurp(path)))
  end)

  it("raises on a non-string", function()
    assert.has_error(function() core.base64({}) end)
  end)
end)

describe("core.base64_file", function()
  it("encodes a file as core.base64 encodes its bytes, with its size and first 64 bytes", function()
    for _, name in ipairs{ "pixels.png", "gray.jpg", "dot.gif", "tone.wav", "hello.pdf" } do
      local raw = slurp(FIX .. name)
      local text, size, head = core.base64_file(FIX .. name, 1e6)
      assert.are.equal(core.base64(raw), text)
      assert.are.equal(raw, unbase64(text))
      assert.are.equal(#raw, size)
      assert.are.equal(raw:sub(1, 64), head)
    end
  end)

  it("is exact around its 48 KiB read chunks", function()
    local chunk = 3 * 16384
    local src = bytes(3 * chunk + 5, 11)
    for _, n in ipairs{ 0, 1, 2, 3, chunk - 1, chunk, chunk + 1, chunk + 2, 2 * chunk, 2 * chunk + 1,
                        3 * chunk + 5 } do
      local s = src:sub(1, n)
      local text, size = core.base64_file(temp(s), n)
      assert.are.equal(n, size)
      assert.are.equal(core.base64(s), text, "length " .. n)
    end
    assert.are.equal(src, unbase64(core.base64_file(temp(src), #src)))
  end)

  it("reads a file that stat calls empty (a /proc file)", function()
    local f = io.open("/proc/self/cmdline", "rb")
    if not f then pending("no /proc") return end
    f:close()
    local text, size = core.base64_file("/proc/self/cmdline", 1e6)
    local raw = slurp("/proc/self/cmdline")
    assert.is_true(#raw > 0)
    assert.are.equal(raw, unbase64(text))
    assert.are.equal(#raw, size)
  end)

  it("reads a pipe of several chunks (no size known in advance)", function()
    if not have("mkfifo") then pending("no mkfifo") return end
    local src = bytes(150001, 5)
    local file = temp(src)
    local fifo = os.tmpname()
    os.remove(fifo)
    assert(os.execute("mkfifo " .. fifo))
    temps[#temps + 1] = fifo
    os.execute("cat " .. file .. " > " .. fifo .. " &")
    local text, size = core.base64_file(fifo, 1e6)
    assert.are.equal(#src, size)
    assert.are.equal(core.base64(src), text)
  end)

  it("hands the first bytes and the size to prefix and puts its answer in front", function()
    local seen
    local text, size, head = core.base64_file(FIX .. "pixels.png", 1e6, function(h, n)
      seen = { h, n }
      return "data:image/png;base64,"
    end)
    local raw = slurp(FIX .. "pixels.png")
    assert.are.same({ raw:sub(1, 64), #raw }, seen)
    assert.are.equal("data:image/png;base64," .. core.base64(raw), text)
    assert.are.equal(#raw, size)
    assert.are.equal(raw:sub(1, 64), head)
  end)

  it("stops when prefix refuses: nil, its message, 'rejected'", function()
    local a, b, c = core.base64_file(FIX .. "hello.pdf", 1e6, function() return nil, "not today" end)
    assert.are.same({ nil, "not today", "rejected" }, { a, b, c })
  end)

  it("passes an error raised by prefix on", function()
    assert.has_error(function()
      core.base64_file(FIX .. "hello.pdf", 1e6, function() error("boom", 0) end)
    end, "boom")
    assert.has_error(function()
      core.base64_file(FIX .. "hello.pdf", 1e6, function() return 42 end)
    end)
  end)

  it("closes the file on every path, a raised error included, without waiting for the collector", function()
    local before = open_on("hello.pdf")
    if not before then pending("no /proc") return end
    assert.are.equal(0, before)
    collectgarbage("stop")
    for _ = 1, 40 do
      pcall(core.base64_file, FIX .. "hello.pdf", 1e6, function() error("boom") end)
      core.base64_file(FIX .. "hello.pdf", 1e6, function() return nil, "no" end)
      core.base64_file(FIX .. "hello.pdf", 10)
      core.base64_file(FIX .. "hello.pdf", 1e6)
      core.base64_file("/dev/zero", 100)
    end
    local after = { open_on("hello.pdf"), open_on("zero") }
    collectgarbage("restart")
    assert.are.same({ 0, 0 }, after)
  end)

  it("says a missing file is missing", function()
    local a, why, code = core.base64_file(FIX .. "no-such-file.png", 1e6)
    assert.is_nil(a)
    assert.are.equal("missing", code)
    assert.is_truthy(why:find("No such file", 1, true), why)
    assert.are.equal("missing", select(3, core.base64_file("/nonexistent-dir/x/y", 1e6)))
  end)

  it("refuses a directory", function()
    assert.are.same({ nil, "Is a directory", "not_a_file" }, { core.base64_file("spec", 1e6) })
  end)

  it("reports a read error as unreadable", function()
    -- reading /proc/self/mem at offset 0 fails with EIO, even as root
    local f = io.open("/proc/self/mem", "rb")
    if not f then pending("no /proc/self/mem") return end
    f:close()
    local a, why, code = core.base64_file("/proc/self/mem", 1e6)
    assert.is_nil(a)
    assert.are.equal("unreadable", code)
    assert.is_string(why)
  end)

  it("refuses a regular file over the limit from its size, before reading it", function()
    local path = temp("")
    local f = assert(io.open(path, "wb"))
    f:seek("set", 4 * 1024 * 1024 * 1024)   -- a sparse 4 GiB + 1 file
    f:write("x")
    f:close()
    local t0 = os.clock()
    local a, why, code = core.base64_file(path, 1024)
    assert.is_nil(a)
    assert.are.equal("too_large", code)
    assert.are.equal("4294967297 bytes, over the limit of 1024", why)
    assert.is_true(os.clock() - t0 < 0.5)
    os.remove(path)
  end)

  it("takes a file of exactly max_bytes and refuses one byte more", function()
    local s = bytes(1000, 2)
    local path = temp(s)
    assert.are.equal(core.base64(s), (core.base64_file(path, 1000)))
    assert.are.same({ nil, "1000 bytes, over the limit of 999", "too_large" }, { core.base64_file(path, 999) })
    assert.are.same({ nil, "1000 bytes, over the limit of 0", "too_large" }, { core.base64_file(path, 0) })
  end)

  it("stops reading an endless stream at the limit", function()
    local f = io.open("/dev/zero", "rb")
    if not f then pending("no /dev/zero") return end
    f:close()
    assert.are.same({ nil, "more than 200000 bytes, over the limit", "too_large" },
      { core.base64_file("/dev/zero", 200000) })
  end)

  it("raises on misuse", function()
    assert.has_error(function() core.base64_file(nil, 10) end)
    assert.has_error(function() core.base64_file(FIX .. "hello.pdf") end)
    assert.has_error(function() core.base64_file(FIX .. "hello.pdf", -1) end)
    assert.has_error(function() core.base64_file(FIX .. "hello.pdf", 10, "prefix") end)
  end)
end)

-- The bytes behind a part's data URL: mime, decoded bytes.
local function data_url(url)
  local mime, b64 = url:match("^data:([^;,]+);base64,(.*)$")
  assert(mime, "not a base64 data URL: " .. url:sub(1, 40))
  return mime, unbase64(b64)
end

local function fails(reason, fname, path, pattern, part, err)
  assert.is_nil(part)
  assert.is_true(openrouter.errors.is(err))
  assert.are.equal("validation", err.kind)
  assert.are.equal(reason, err.reason)
  assert.are.equal(path, err.file)
  assert.are.equal(fname .. ": '" .. path .. "' ", err.message:sub(1, #fname + #path + 5))
  if pattern then assert.is_truthy(err.message:find(pattern), err.message) end
  assert.are.equal(err.message, err.errors[1].message)
  assert.is_truthy(tostring(err):find(path, 1, true))
end

describe("openrouter.image", function()
  it("sends PNG, JPEG and GIF files as data URLs of their bytes", function()
    for name, mime in pairs{ ["pixels.png"] = "image/png", ["gray.jpg"] = "image/jpeg",
                             ["dot.gif"] = "image/gif" } do
      local part = assert(openrouter.image(FIX .. name))
      assert.are.equal("image_url", part.type)
      local m, raw = data_url(part.image_url.url)
      assert.are.equal(mime, m)
      assert.are.equal(slurp(FIX .. name), raw)
      assert.is_nil(part.image_url.detail)
    end
  end)

  it("sets detail", function()
    for _, d in ipairs{ "auto", "low", "high", "original" } do
      assert.are.equal(d, openrouter.image(FIX .. "pixels.png", { detail = d }).image_url.detail)
    end
    assert.are.same({ type = "image_url", image_url = { url = "https://example.com/a.png", detail = "low" } },
      openrouter.image("https://example.com/a.png", { detail = "low" }))
  end)

  it("passes http, https and data URLs as given", function()
    for _, u in ipairs{ "http://example.com/a.jpg", "https://example.com/a.jpg?x=1", "HTTPS://EXAMPLE.COM/B",
                        "data:image/png;base64,iVBORw0KGgo=" } do
      assert.are.same({ type = "image_url", image_url = { url = u } }, openrouter.image(u))
    end
  end)

  it("knows WebP by its RIFF header", function()
    local webp = "RIFF" .. "\20\0\0\0" .. "WEBPVP8L" .. ("\0"):rep(12)
    local m, raw = data_url(openrouter.image(temp(webp, ".bin")).image_url.url)
    assert.are.equal("image/webp", m)
    assert.are.equal(webp, raw)
  end)

  it("trusts the first bytes over the extension", function()
    local path = temp(slurp(FIX .. "pixels.png"), ".jpg")
    assert.are.equal("image/png", (data_url(openrouter.image(path).image_url.url)))
  end)

  it("falls back on the extension when the first bytes say nothing", function()
    local path = temp("\0\1\2\3 not a real header", ".JPEG")
    assert.are.equal("image/jpeg", (data_url(openrouter.image(path).image_url.url)))
  end)

  it("takes an explicit mime type", function()
    local path = temp("\0\1\2\3", ".dat")
    assert.are.equal("image/avif", (data_url(openrouter.image(path, { mime = "image/avif" }).image_url.url)))
  end)

  it("refuses a PDF, naming the file and what it looks like", function()
    local path = FIX .. "hello.pdf"
    fails("unknown_type", "openrouter.image", path,
      "is not a PNG, JPEG, GIF or WebP image: it looks like a PDF document",
      openrouter.image(path))
  end)

  it("says what an unknown file starts like: text, or bytes in hex", function()
    local txt = temp("hello, world\n", ".dat")
    fails("unknown_type", "openrouter.image", txt, 'it starts like text: "hello, world\\\n"', openrouter.image(txt))
    local bin = temp("\1\2\3\4\5\6\7\8\9\0\255", ".dat")
    fails("unknown_type", "openrouter.image", bin, "its first bytes are 01 02 03 04 05 06 07 08 09 00 ff$",
      openrouter.image(bin))
    local zip = temp("PK\3\4" .. ("\0"):rep(30), ".png")
    fails("unknown_type", "openrouter.image", zip, "looks like a ZIP archive", openrouter.image(zip))
  end)

  it("refuses an empty file", function()
    local path = temp("", ".png")
    fails("empty", "openrouter.image", path, "is empty$", openrouter.image(path))
  end)

  it("refuses a missing file and a directory", function()
    fails("missing", "openrouter.image", FIX .. "nope.png", "cannot be read: No such file or directory",
      openrouter.image(FIX .. "nope.png"))
    fails("not_a_file", "openrouter.image", "spec", "is a directory", openrouter.image("spec"))
  end)

  it("refuses a file over max_bytes or over parts.limits.image", function()
    local path, size = FIX .. "pixels.png", #slurp(FIX .. "pixels.png")
    assert.is_table(openrouter.image(path, { max_bytes = size }))
    fails("too_large", "openrouter.image", path,
      ("is too large: %d bytes, over the limit of %d %%(max_bytes, or openrouter.parts.limits.image%%)$")
        :format(size, size - 1),
      openrouter.image(path, { max_bytes = size - 1 }))
    local saved = parts.limits.image
    assert.are.equal(20 * 1024 * 1024, saved)
    assert.are.equal(parts, openrouter.parts)
    parts.limits.image = size - 1
    local part, err = openrouter.image(path)
    parts.limits.image = saved
    fails("too_large", "openrouter.image", path, nil, part, err)
    assert.is_table(openrouter.image(path))
  end)

  it("raises on misuse", function()
    assert.has_error(function() openrouter.image() end, "openrouter.image: expected a path or URL (string), got nil")
    assert.has_error(function() openrouter.image(FIX .. "pixels.png", "low") end,
      "openrouter.image: options must be a table, got string")
    assert.has_error(function() openrouter.image(FIX .. "pixels.png", { detal = "low" }) end,
      "openrouter.image: unknown option 'detal'")
    assert.has_error(function() openrouter.image(FIX .. "pixels.png", { detail = "max" }) end,
      "openrouter.image: detail must be one of auto, low, high, original, got 'max'")
    assert.has_error(function() openrouter.image(FIX .. "pixels.png", { max_bytes = -1 }) end)
    assert.has_error(function() openrouter.image(FIX .. "pixels.png", { max_bytes = 1.5 }) end)
    assert.has_error(function() openrouter.image(FIX .. "pixels.png", { mime = "" }) end)
    assert.has_error(function() openrouter.image(FIX .. "pixels.png", { filename = "x" }) end)
  end)
end)

describe("openrouter.file", function()
  it("sends a PDF as a data URL with its base name", function()
    local part = assert(openrouter.file(FIX .. "hello.pdf"))
    assert.are.equal("file", part.type)
    assert.are.equal("hello.pdf", part.file.filename)
    local m, raw = data_url(part.file.file_data)
    assert.are.equal("application/pdf", m)
    assert.are.equal(slurp(FIX .. "hello.pdf"), raw)
  end)

  it("takes a filename", function()
    assert.are.equal("report.pdf", openrouter.file(FIX .. "hello.pdf", { filename = "report.pdf" }).file.filename)
  end)

  it("passes URLs as file_data, the file name from the URL's path", function()
    assert.are.same(
      { type = "file", file = { filename = "paper.pdf", file_data = "https://x.org/a/paper.pdf?v=2#p1" } },
      openrouter.file("https://x.org/a/paper.pdf?v=2#p1"))
    assert.are.same(
      { type = "file", file = { filename = "file.pdf", file_data = "data:application/pdf;base64,JVBERi0=" } },
      openrouter.file("data:application/pdf;base64,JVBERi0="))
    assert.are.same({ type = "file", file = { filename = "n.pdf", file_data = "https://x.org/" } },
      openrouter.file("https://x.org/", { filename = "n.pdf" }))
    assert.is_nil(openrouter.file("https://x.org").file.filename)
  end)

  it("sends text files by their extension, and images and audio by their bytes", function()
    local md = temp("# Title\n\nSome text.\n", ".md")
    local m, raw = data_url(openrouter.file(md).file.file_data)
    assert.are.equal("text/markdown", m)
    assert.are.equal("# Title\n\nSome text.\n", raw)
    assert.are.equal("image/png", (data_url(openrouter.file(FIX .. "pixels.png").file.file_data)))
    assert.are.equal("audio/wav", (data_url(openrouter.file(FIX .. "tone.wav").file.file_data)))
  end)

  it("refuses a file of unknown type unless told its mime type", function()
    local path = temp("just words", "")
    fails("unknown_type", "openrouter.file", path, 'is not of a known type: it starts like text: "just words"',
      openrouter.file(path))
    local m = data_url(openrouter.file(path, { mime = "text/plain" }).file.file_data)
    assert.are.equal("text/plain", m)
  end)

  it("has a 32 MiB default limit and takes max_bytes", function()
    assert.are.equal(32 * 1024 * 1024, parts.limits.file)
    fails("too_large", "openrouter.file", FIX .. "hello.pdf", "limits%.file%)$",
      openrouter.file(FIX .. "hello.pdf", { max_bytes = 100 }))
  end)

  it("raises on misuse", function()
    assert.has_error(function() openrouter.file(42) end, "openrouter.file: expected a path or URL (string), got number")
    assert.has_error(function() openrouter.file(FIX .. "hello.pdf", { filename = 3 }) end)
    assert.has_error(function() openrouter.file(FIX .. "hello.pdf", { detail = "low" }) end,
      "openrouter.file: unknown option 'detail'")
  end)
end)

describe("openrouter.audio", function()
  it("sends a WAV file as base64 data with format wav", function()
    local part = assert(openrouter.audio(FIX .. "tone.wav"))
    assert.are.equal("input_audio", part.type)
    assert.are.equal("wav", part.input_audio.format)
    assert.are.equal(slurp(FIX .. "tone.wav"), unbase64(part.input_audio.data))
  end)

  it("knows each documented format by its first bytes", function()
    local pad = ("\0"):rep(32)
    local cases = {
      { "ID3\4\0\0\0\0\0\0" .. pad, "mp3" },
      { "\255\251\144\100" .. pad, "mp3" },            -- MPEG-1 layer III frame
      { "\255\243\144\100" .. pad, "mp3" },            -- MPEG-2 layer III frame
      { "\255\241\80\128" .. pad, "aac" },             -- ADTS, MPEG-4
      { "OggS\0\2" .. pad, "ogg" },
      { "fLaC\0\0\0\34" .. pad, "flac" },
      { "\0\0\0\32ftypM4A \0\0\0\0" .. pad, "m4a" },
      { "\0\0\0\28ftypisom\0\0\2\0" .. pad, "m4a" },
      { "FORM\0\0\0\50AIFFCOMM" .. pad, "aiff" },
      { "FORM\0\0\0\50AIFCFVER" .. pad, "aiff" },
      { "RIFF\36\0\0\0WAVEfmt " .. pad, "wav" },
    }
    for _, c in ipairs(cases) do
      local part = assert(openrouter.audio(temp(c[1], ".bin")))
      assert.are.equal(c[2], part.input_audio.format, ("%q"):format(c[1]:sub(1, 12)))
      assert.are.equal(c[1], unbase64(part.input_audio.data))
    end
  end)

  it("falls back on the extension, and takes an explicit format (raw PCM)", function()
    assert.are.equal("mp3", openrouter.audio(temp("\0\0\0\0 no header", ".MP3")).input_audio.format)
    local raw = temp(bytes(300, 9), ".raw")
    local part = assert(openrouter.audio(raw, { format = "pcm16" }))
    assert.are.same({ "pcm16", bytes(300, 9) }, { part.input_audio.format, unbase64(part.input_audio.data) })
  end)

  it("takes a data:audio URL apart", function()
    assert.are.same({ type = "input_audio", input_audio = { data = "UklGRg==", format = "wav" } },
      openrouter.audio("data:audio/x-wav;base64,UklGRg=="))
    assert.are.equal("ogg", openrouter.audio("data:audio/mpeg;base64,AAAA", { format = "ogg" }).input_audio.format)
    local part, err = openrouter.audio("data:text/plain;base64,AAAA")
    assert.is_nil(part)
    assert.are.equal("unknown_type", err.reason)
  end)

  it("refuses an http(s) URL: the API takes audio only as data", function()
    fails("url", "openrouter.audio", "https://example.com/a.wav", "OpenRouter takes audio only as base64 data",
      openrouter.audio("https://example.com/a.wav"))
  end)

  it("refuses what is not audio, saying what it looks like", function()
    fails("unknown_type", "openrouter.audio", FIX .. "gray.jpg", "it looks like a JPEG image",
      openrouter.audio(FIX .. "gray.jpg"))
    local noext = temp("\0\0\0\0", "")
    fails("unknown_type", "openrouter.audio", noext, "pcm16", openrouter.audio(noext))
  end)

  it("has a 25 MiB default limit and takes max_bytes", function()
    assert.are.equal(25 * 1024 * 1024, parts.limits.audio)
    fails("too_large", "openrouter.audio", FIX .. "tone.wav", "limits%.audio%)$",
      openrouter.audio(FIX .. "tone.wav", { max_bytes = 443 }))
  end)

  it("raises on misuse", function()
    assert.has_error(function() openrouter.audio({}) end)
    assert.has_error(function() openrouter.audio(FIX .. "tone.wav", { format = 1 }) end)
    assert.has_error(function() openrouter.audio(FIX .. "tone.wav", { mime = "audio/wav" }) end,
      "openrouter.audio: unknown option 'mime'")
  end)
end)

describe("parts in a request", function()
  local function request()
    return {
      model = "mock/echo",
      messages = { { role = "user", content = {
        { type = "text", text = "describe these" },
        assert(openrouter.image(FIX .. "pixels.png", { detail = "high" })),
        assert(openrouter.image("https://example.com/cat.jpg")),
        assert(openrouter.file(FIX .. "hello.pdf")),
        assert(openrouter.audio(FIX .. "tone.wav")),
      } } },
    }
  end

  it("pass the chat-request schema", function()
    local ok, errs = validate.validate_request(request())
    assert.is_true(ok, errs and errs[1] and (errs[1].path .. ": " .. errs[1].message))
  end)

  it("go through the client to the simulator, whole", function()
    local srv = mock.start()
    finally(function() srv.stop() end)
    local lines = {}
    local client = openrouter.new{ base_url = srv.url, api_key = "sk-or-parts",
                                   debug = function(l) lines[#lines + 1] = l end }
    local req = request()
    local res, err = client:chat(req)
    assert.is_nil(err)
    assert.are.equal("describe these", res.choices[1].message.content)
    local body_bytes
    for _, l in ipairs(lines) do body_bytes = body_bytes or tonumber(l:match("> body: (%d+) bytes")) end
    local c = req.messages[1].content
    local payload = #c[2].image_url.url + #c[4].file.file_data + #c[5].input_audio.data
    assert.is_true(body_bytes > payload, ("body %s bytes, parts %d"):format(tostring(body_bytes), payload))
  end)
end)
