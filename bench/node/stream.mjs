// Streaming peers on node, for bench/run.lua (never a dependency of the module).
//
//   node bench/node/stream.mjs WAY URL TOKENS MODE
//     WAY  openai: the openai npm SDK, `for await (const chunk of stream)`
//          esp:    fetch + eventsource-parser + JSON.parse
//     MODE text:   take each chunk's delta text; result: also accumulate it
//
// Prints RESULT chunks= wall= cpu= (seconds): wall from the request to the
// end of the stream, cpu = process.cpuUsage() (user + system, every thread
// of this process) over the same span.  A short stream warms up first.
import OpenAI from "openai";
import { createParser } from "eventsource-parser";

const [way, url, tokensArg, mode] = process.argv.slice(2);
const tokens = Number(tokensArg);
if (!["openai", "esp"].includes(way) || !url || !tokens || !["text", "result"].includes(mode)) {
  console.error("usage: stream.mjs openai|esp URL TOKENS text|result");
  process.exit(2);
}
const request = { model: "mock/lorem", messages: [{ role: "user", content: "go" }], stream: true };

async function viaOpenAI(n, onText) {
  const client = new OpenAI({ baseURL: url, apiKey: "sk-or-bench", maxRetries: 0 });
  const stream = await client.chat.completions.create(request, { headers: { "X-Mock-Tokens": String(n) } });
  let finish = null;
  for await (const chunk of stream) {
    const ch = chunk.choices[0];
    if (!ch) continue;
    const text = ch.delta && ch.delta.content;
    if (text) onText(text);
    if (ch.finish_reason) finish = ch.finish_reason;
  }
  return finish;
}

async function viaParser(n, onText) {
  const res = await fetch(url + "/chat/completions", {
    method: "POST",
    headers: { "Authorization": "Bearer sk-or-bench", "Content-Type": "application/json",
               "X-Mock-Tokens": String(n) },
    body: JSON.stringify(request),
  });
  let finish = null;
  const parser = createParser({
    onEvent(ev) {
      if (ev.data === "[DONE]") return;
      const chunk = JSON.parse(ev.data);
      const ch = chunk.choices[0];
      if (!ch) return;
      const text = ch.delta && ch.delta.content;
      if (text) onText(text);
      if (ch.finish_reason) finish = ch.finish_reason;
    },
  });
  const decoder = new TextDecoder();
  for await (const bytes of res.body) parser.feed(decoder.decode(bytes, { stream: true }));
  return finish;
}

const run = way === "openai" ? viaOpenAI : viaParser;
await run(100, () => {});                       // warm up

let count = 0;
const parts = [];
const onText = mode === "result" ? (t) => { count++; parts.push(t); } : () => { count++; };
if (global.gc) global.gc();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const finish = await run(tokens, onText);
const content = mode === "result" ? parts.join("") : null;
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
if (count !== tokens) throw new Error(`expected ${tokens} content chunks, got ${count}`);
if (finish !== "stop") throw new Error("no finish_reason");
if (content !== null && content.length <= tokens) throw new Error("short result");
console.log(`RESULT chunks=${count} wall=${wall} cpu=${(cpu.user + cpu.system) / 1e6}`);
