// Memory per in-flight stream of the openai npm SDK, for bench/run.lua: the
// same measurement as bench/memory/client.lua.  After a warm-up stream, RSS
// and the JS heap are read (after gc); CONCURRENT paced mock/lorem streams
// are started and each is read up to its first chunk; RSS and heap again;
// then every stream is read to its end and checked.
//
//   node --expose-gc bench/node/memory.mjs URL CONCURRENT
//
// Prints RESULT kind=concurrent streams= rss_kb= heap_kb= (per stream).
import OpenAI from "openai";

const [url, concurrentArg] = process.argv.slice(2);
const n = Number(concurrentArg);
const client = new OpenAI({ baseURL: url, apiKey: "sk-or-bench", maxRetries: 0, timeout: 120000 });
const request = { model: "mock/lorem", messages: [{ role: "user", content: "go" }], stream: true };
const paced = { headers: { "X-Mock-Tokens": "40", "X-Mock-Delay-Ms": "50" } };

async function drain(it, first) {
  let text = first.value.choices[0]?.delta?.content || "";
  for (let r = await it.next(); !r.done; r = await it.next()) text += r.value.choices[0]?.delta?.content || "";
  return text;
}

const settle = async () => {
  for (let i = 0; i < 4; i++) { global.gc(); await new Promise((r) => setTimeout(r, 10)); }
  const m = process.memoryUsage();
  return [m.rss / 1024, (m.heapUsed + m.external) / 1024];
};

{
  const s = await client.chat.completions.create(request, { headers: { "X-Mock-Tokens": "20" } });
  for await (const _ of s) { /* warm up */ }
}
const [rss0, heap0] = await settle();
const streams = await Promise.all(Array.from({ length: n }, () => client.chat.completions.create(request, paced)));
const iters = streams.map((s) => s[Symbol.asyncIterator]());
const firsts = await Promise.all(iters.map((it) => it.next()));
if (firsts.some((f) => f.done)) throw new Error("a stream ended early");
const [rss1, heap1] = await settle();
const texts = await Promise.all(iters.map((it, i) => drain(it, firsts[i])));
if (texts.some((t) => t !== texts[0] || t.length < 40)) throw new Error("streams differ");
console.log(`RESULT kind=concurrent streams=${n} rss_kb=${(rss1 - rss0) / n} heap_kb=${(heap1 - heap0) / n}`);
