// Request preparation on node, for bench/run.lua: ajv validation + JSON.stringify
// of the same values against the same schemas as the Lua client
// (bench/prepare/schemas_json.lua writes them).
//
//   node bench/node/prepare.mjs DIR ITERS RUNS
//
// Prints RESULT case=request|provider ns= wall_ns= : nanoseconds of CPU
// (process.cpuUsage: user + system of the process, its GC and compiler
// threads included) per validate + stringify, the median of RUNS runs of
// ITERS calls each; wall_ns the same in wall time.
import { readFileSync } from "node:fs";
import Ajv from "ajv";

const [dir, itersArg, runsArg] = process.argv.slice(2);
const iters = Number(itersArg) || 100000, runs = Number(runsArg) || 5;
const load = (name) => JSON.parse(readFileSync(`${dir}/${name}.json`, "utf8"));
const provider = load("provider"), chat = load("chat_request"), values = load("values");

const ajv = new Ajv({ strict: false });
ajv.addSchema(provider);
const validateRequest = ajv.compile(chat);
const validateProvider = ajv.getSchema(provider.$id);
// the schemas are live: an invalid value fails on both
if (validateProvider({ sort: "cheapest" }) || validateRequest({ model: "gpt-4o", messages: [] })) {
  throw new Error("ajv accepted an invalid value: the schemas did not load");
}

const median = (xs) => {
  const t = [...xs].sort((a, b) => a - b), n = t.length;
  return n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
};

let sink = 0;
for (const [name, validate, value] of [["request", validateRequest, values.request],
                                       ["provider", validateProvider, values.provider]]) {
  const prepare = (v) => {
    if (!validate(v)) throw new Error(name + " invalid: " + JSON.stringify(validate.errors));
    return JSON.stringify(v);
  };
  for (let i = 0; i < iters / 10; i++) sink += prepare(value).length;   // warm up
  const ns = [], wall = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) sink += prepare(value).length;
    const c = process.cpuUsage(c0);
    ns.push((c.user + c.system) * 1000 / iters);
    wall.push(Number(process.hrtime.bigint() - t0) / iters);
  }
  console.log(`RESULT case=${name} ns=${median(ns)} wall_ns=${median(wall)}`);
}
if (sink === 0) console.log("unreachable");
