-- openrouter.sse: the WHATWG event-stream parser through the Lua binding.
-- Every case is replayed whole, split in two at every offset, and one byte at
-- a time; each replay must give exactly the expected result.
local sse = require("openrouter.sse")

local unpack = table.unpack or unpack -- luacheck: ignore

-- Feed `input` cut at the given offsets; collect everything observable.
local function run(input, cuts, opts)
  local p = sse.new(opts)
  local events, prev = {}, 0
  local function feed(piece)
    for _, ev in ipairs(p:feed(piece)) do events[#events + 1] = ev end
  end
  for _, c in ipairs(cuts) do
    feed(input:sub(prev + 1, c))
    prev = c
  end
  feed(input:sub(prev + 1))
  local r = {
    events = events,
    last_event_id = p.last_event_id,
    retry = p.retry,
    comments = p.comments,
  }
  r.err, r.err_offset = p:error()
  r.clean, r.reason = p:finish()
  p:close()
  return r
end

-- The replays of an input: whole, every two-piece split, byte at a time.
local function replays(input)
  local list = { { "whole", {} } }
  for i = 0, #input do list[#list + 1] = { "split at " .. i, { i } } end
  local bytes = {}
  for i = 1, #input - 1 do bytes[#bytes + 1] = i end
  list[#list + 1] = { "byte at a time", bytes }
  return list
end

-- want: events (default {}), last_event_id, retry, comments (default 0),
-- err, err_offset, clean (default true), reason.
local function check(input, want, opts)
  local expected = {
    events = want.events or {},
    last_event_id = want.last_event_id,
    retry = want.retry,
    comments = want.comments or 0,
    err = want.err,
    err_offset = want.err_offset,
    clean = want.clean ~= false,
    reason = want.reason,
  }
  for _, mode in ipairs(replays(input)) do
    local name, cuts = unpack(mode)
    assert.same(expected, run(input, cuts, opts), name)
  end
end

local function ev(data, type_, id)
  return { type = type_ or "message", data = data, id = id or "" }
end

local INCOMPLETE = "incomplete event discarded"

describe("openrouter.sse", function()
  describe("line endings", function()
    it("LF", function() check("data: hello\n\n", { events = { ev("hello") } }) end)
    it("CRLF", function() check("data: hello\r\n\r\n", { events = { ev("hello") } }) end)
    it("CR", function() check("data: hello\r\r", { events = { ev("hello") } }) end)
    it("mixed in one event", function()
      check("data: a\rdata: b\ndata: c\r\n\r\n", { events = { ev("a\nb\nc") } })
    end)
    it("CR then LF split across feeds is one line end", function()
      -- the split replays cut between every CR and its LF
      check("data: a\r\n\r\ndata: b\r\n\r\n", { events = { ev("a"), ev("b") } })
    end)
    it("CR CR LF LF is three line ends", function()
      check("data: x\r\r\n\n", { events = { ev("x") } })
    end)
    it("LF CR is two line ends", function()
      check("data: x\n\rdata: y\n\r", { events = { ev("x"), ev("y") } })
    end)
    it("a CR as the last byte ends an empty line, which dispatches", function()
      check("data: x\n\r", { events = { ev("x") } })
    end)
    it("a CR as the last byte ending a field line leaves the event incomplete", function()
      check("data: x\r", { clean = false, reason = INCOMPLETE })
    end)
  end)

  describe("byte order mark", function()
    it("is stripped at the start", function()
      check("\239\187\191data: x\n\n", { events = { ev("x") } })
    end)
    it("is stripped once only", function()
      -- the second BOM becomes part of the field name: "\239\187\191data" is ignored
      check("\239\187\191\239\187\191data: x\n\n", {})
    end)
    it("is kept in a value", function()
      check("\239\187\191data: \239\187\191x\n\n", { events = { ev("\239\187\191x") } })
    end)
    it("is kept when not at the start of the stream", function()
      check("data: x\n\n\239\187\191data: y\n\n", { events = { ev("x") } })
    end)
    it("a partial BOM is content", function()
      check("\239\187data: x\n\n", {})
      check("\239\187:c\ndata: x\n\n", { events = { ev("x") } }) -- a field named "\239\187"
      check("\239\187", { clean = false, reason = INCOMPLETE })
    end)
    it("a BOM alone is a clean empty stream", function()
      check("\239\187\191", {})
    end)
  end)

  describe("comments", function()
    it("are not events and are counted", function()
      check(": hello\n:\n::x\n\ndata: a\n: mid\n\n", { events = { ev("a") }, comments = 4 })
    end)
    it("followed by a blank line dispatch nothing", function()
      check(": c\n\n", { comments = 1 })
    end)
    it("at the end of the stream are clean", function()
      check("data: a\n\n: bye\n", { events = { ev("a") }, comments = 1 })
    end)
  end)

  describe("fields", function()
    it("a line without a colon is a field name with an empty value", function()
      check("data\n\n", { events = { ev("") } })
      check("data\ndata\n\n", { events = { ev("\n") } })
    end)
    it("strips exactly one leading space", function()
      check("data:  two\n\n", { events = { ev(" two") } })
      check("data:x\n\n", { events = { ev("x") } })
      check("data: \n\n", { events = { ev("") } })
      check("data:\tx\n\n", { events = { ev("\tx") } })
    end)
    it("keeps colons in the value", function()
      check("data: a:b: c\n\n", { events = { ev("a:b: c") } })
    end)
    it("joins data lines with LF", function()
      check("data: a\ndata: b\ndata:\ndata: c\n\n", { events = { ev("a\nb\n\nc") } })
    end)
    it("keeps NUL bytes in data", function()
      check("data: a\0b\n\n", { events = { ev("a\0b") } })
    end)
    it("ignores unknown and differently-cased names", function()
      check("foo: bar\ndat: x\nData: y\nEvent: z\nID: 1\ndata : w\ndata: a\n\n",
        { events = { ev("a") } })
    end)
  end)

  describe("event type", function()
    it("is set by event and reset after each dispatch", function()
      check("event: add\ndata: 1\n\ndata: 2\n\n",
        { events = { ev("1", "add"), ev("2") } })
    end)
    it("is reset by a blank line even without a dispatch", function()
      check("event: x\n\ndata: 1\n\n", { events = { ev("1") } })
    end)
    it("is message when the event field is empty", function()
      check("event:\ndata: 1\n\n", { events = { ev("1") } })
    end)
  end)

  describe("event id", function()
    it("persists across events", function()
      check("id: 1\ndata: a\n\ndata: b\n\n",
        { events = { ev("a", nil, "1"), ev("b", nil, "1") }, last_event_id = "1" })
    end)
    it("is taken when it comes after data in the same event", function()
      check("data: a\nid: 3\n\n", { events = { ev("a", nil, "3") }, last_event_id = "3" })
    end)
    it("is ignored when it contains NUL", function()
      check("id: 1\n\nid: 2\0x\ndata: a\n\n",
        { events = { ev("a", nil, "1") }, last_event_id = "1" })
    end)
    it("is reset by an empty id (last_event_id becomes nil)", function()
      check("id: 1\ndata: a\n\nid\ndata: b\n\n",
        { events = { ev("a", nil, "1"), ev("b") } })
    end)
    it("is committed by a blank line without data", function()
      check("id: 7\n\n", { last_event_id = "7" })
    end)
    it("is not committed without a blank line", function()
      check("id: 1\n\nid: 2\n", { last_event_id = "1", clean = false, reason = INCOMPLETE })
    end)
  end)

  describe("retry", function()
    it("takes ASCII digits only", function()
      check("retry: 1500\n\n", { retry = 1500 })
      check("retry: 7\n\nretry: 15x\nretry: -1\nretry:\nretry:  5\nretry: 1.5\nretry\n\n",
        { retry = 7 })
      check("retry: 5\nretry:0\n\n", { retry = 0 })
    end)
    it("is an integer", function()
      local p = sse.new()
      p:feed("retry: 3000\n")
      assert.equal("3000", tostring(p.retry))
    end)
  end)

  describe("dispatch", function()
    it("does not dispatch an empty data buffer", function()
      check("\n\n\r\n\r\r", {})
      check("event: x\n\n", {})
    end)
    it("discards an incomplete event at the end", function()
      check("data: a\n", { clean = false, reason = INCOMPLETE })
      check("data: a\n\ndata: b", { events = { ev("a") }, clean = false, reason = INCOMPLETE })
      check("data: a\n\nfoo\n", { events = { ev("a") }, clean = false, reason = INCOMPLETE })
      check(": bye", { clean = false, reason = INCOMPLETE })
    end)
    it("an empty stream is clean", function()
      check("", {})
    end)
  end)

  describe("max_event_bytes", function()
    local small = { max_event_bytes = 16 }
    it("allows an event at the limit", function()
      check("data: 0123456789\n\n", { events = { ev("0123456789") } }, small)
    end)
    it("is a sticky error with the offset of the first byte past the limit", function()
      local err = "event too big at byte 16"
      check("data: 0123456789a\n\ndata: x\n\n",
        { err = "event too big", err_offset = 16, clean = false, reason = err }, small)
      check("data: 0123456789abc",
        { err = "event too big", err_offset = 16, clean = false, reason = err }, small)
    end)
    it("counts data lines and the type together", function()
      check("data: 12345\ndata: 67890\n\n",
        { err = "event too big", err_offset = 22, clean = false,
          reason = "event too big at byte 22" }, small)
      check("event: 012345678\ndata: 12345\n\n",
        { err = "event too big", err_offset = 24, clean = false,
          reason = "event too big at byte 24" }, small)
    end)
    it("keeps the events dispatched before the error", function()
      check("data: a\n\ndata: 0123456789abcdef\n\ndata: b\n\n",
        { events = { ev("a") }, err = "event too big", err_offset = 25, clean = false,
          reason = "event too big at byte 25" }, small)
    end)
    it("then feed returns empty arrays", function()
      local p = sse.new(small)
      local first = p:feed("data: a\n\ndata: 0123456789abcdef\n\ndata: b\n\n")
      assert.same({ ev("a") }, first)
      assert.same({}, p:feed("data: c\n\n"))
      local reason, offset = p:error()
      assert.equal("event too big", reason)
      assert.equal(25, offset)
      assert.same({ false, "event too big at byte 25" }, { p:finish() })
    end)
    it("counts a partial BOM that ends the stream (found by fuzz_sse)", function()
      -- EF BB then the end: not a BOM, so a first line of 2 bytes; known at finish
      local p = sse.new{ max_event_bytes = 1 }
      assert.same({}, p:feed("\239\187"))
      assert.is_nil(p:error())
      assert.same({ false, "event too big at byte 1" }, { p:finish() })
      assert.same({ "event too big", 1 }, { p:error() })
      p:close()
      check("\239\187", { clean = false, reason = INCOMPLETE }, { max_event_bytes = 2 })
    end)
    it("defaults to 1 MiB", function()
      local big = string.rep("x", 1048576 - 6)
      local input = "data: " .. big .. "\n\n"
      for _, cuts in ipairs({ {}, { 1 }, { 7 }, { 1048575 }, { 1048576 }, { 1048577 },
                              { 4096, 65536, 1000000 } }) do
        local r = run(input, cuts)
        assert.equal(1, #r.events)
        assert.equal(big, r.events[1].data)
        assert.is_nil(r.err)
      end
      local p = sse.new()
      p:feed("data: " .. big .. "y")
      assert.same({ "event too big", 1048576 }, { p:error() })
    end)
  end)

  describe("an OpenRouter stream", function()
    local chunk = '{"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4o",'
      .. '"object":"chat.completion.chunk","created":1,"choices":[{"index":0,'
      .. '"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}'
    it("yields the chunks and [DONE], counting keep-alives", function()
      check(": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\ndata: " .. chunk
        .. "\n\ndata: [DONE]\n\n",
        { events = { ev(chunk), ev("[DONE]") }, comments = 2 })
    end)
    it("survives arbitrary chunking of a long stream", function()
      local parts, want = {}, {}
      for i = 1, 500 do
        if i % 50 == 0 then parts[#parts + 1] = ": OPENROUTER PROCESSING\n\n" end
        local data = chunk:gsub('"Hi"', '"tok' .. i .. '"')
        parts[#parts + 1] = "data: " .. data .. "\n\n"
        want[#want + 1] = ev(data)
      end
      parts[#parts + 1] = "data: [DONE]\n\n"
      want[#want + 1] = ev("[DONE]")
      local input = table.concat(parts)
      local seed = 12345
      local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n end
      for _ = 1, 20 do
        local cuts, at = {}, 0
        while true do
          at = at + 1 + rand(300)
          if at >= #input then break end
          cuts[#cuts + 1] = at
        end
        local r = run(input, cuts)
        assert.same(want, r.events)
        assert.equal(10, r.comments)
        assert.is_true(r.clean)
      end
    end)
  end)

  describe("the object", function()
    it("has __name openrouter.sse and prints as such", function()
      local p = sse.new()
      assert.equal("openrouter.sse", getmetatable(p).__name)
      assert.truthy(tostring(p):find("^openrouter%.sse"))
    end)
    it("exposes nil last_event_id and retry before they are set", function()
      local p = sse.new()
      assert.is_nil(p.last_event_id)
      assert.is_nil(p.retry)
      assert.equal(0, p.comments)
      assert.is_nil(p.nonexistent)
      assert.is_nil(p:error())
    end)
    it("raises on misuse", function()
      local p = sse.new()
      assert.has_error(function() p:feed(42) end)
      assert.has_error(function() p:feed() end)
      assert.has_error(function() p.feed({}, "x") end)
      assert.has_error(function() sse.new(5) end)
      assert.has_error(function() sse.new{ max_event_bytes = 0 } end)
      assert.has_error(function() sse.new{ max_event_bytes = 1.5 } end)
      assert.has_error(function() sse.new{ max_event_bytes = "10" } end)
    end)
    it("close is idempotent and later use raises", function()
      local p = sse.new()
      p:feed("data: a\n\nid: 1\n\n")
      p:close()
      p:close()
      assert.has_error(function() p:feed("data: b\n\n") end)
      assert.has_error(function() p:finish() end)
      assert.is_nil(p.last_event_id)
      assert.truthy(tostring(p):find("closed"))
    end)
    it("finish readies the parser for a reconnection", function()
      local p = sse.new()
      assert.same({ ev("a", nil, "5") },
        p:feed("\239\187\191id: 5\ndata: a\n\nretry: 10\nid: 6\ndata: lost\n"))
      assert.same({ false, INCOMPLETE }, { p:finish() })
      assert.same({ ev("b", nil, "5") }, p:feed("\239\187\191data: b\n\n"))
      assert.equal("5", p.last_event_id)
      assert.equal(10, p.retry)
      assert.is_true(p:finish())
    end)
    it("is freed by the garbage collector", function()
      for _ = 1, 200 do sse.new():feed("data: " .. string.rep("x", 10000)) end
      collectgarbage()
      collectgarbage()
    end)
    if _VERSION == "Lua 5.4" then
      it("closes as a to-be-closed variable", function()
        local f = assert(load([[
          local sse, seen = ...
          do
            local p <close> = sse.new()
            seen.p = p
            p:feed("data: a\n")
          end
        ]]))
        local seen = {}
        f(sse, seen)
        assert.has_error(function() seen.p:feed("x") end)
      end)
    end
  end)
end)
