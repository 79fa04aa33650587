// Whole-module compile of one module by Derrick on one thread, in its own
// process: node derrick-compile.mjs FILE.wasm [--repeat N]
//   → JSON {compile_ms, warm_ms?, text_bytes, peak_rss_mb}
// compile_ms is the first compile (V8 is still optimizing Derrick's own
// JavaScript); with --repeat N ≥ 2, warm_ms is the fastest of compiles 2..N
// of the same module by the same engine (no cache: each one is a full
// compile), what a long-running embedder sees. Peak RSS covers the first.
import fs from 'node:fs';
import { compilerBuilder } from '../../packages/compiler/dist/index.js';
import { Config, Engine, Module } from '../../packages/runtime/dist/index.js';

const args = process.argv.slice(2);
const repeatAt = args.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 1;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeat');
const bytes = new Uint8Array(fs.readFileSync(file));
const engine = new Engine(new Config().compilerBuilder(compilerBuilder).optLevel('speed').parallelCompilation(false));
const t0 = process.hrtime.bigint();
const module = await Module.new(engine, bytes);
const t1 = process.hrtime.bigint();
// The kernel's high-water mark (KiB): the compile is synchronous, so sampling
// from a timer would never run during it.
const peakKiB = process.resourceUsage().maxRSS;
const warm = [];
for (let i = 1; i < repeat; i++) {
  const s = process.hrtime.bigint();
  await Module.new(engine, bytes);
  warm.push(Number(process.hrtime.bigint() - s) / 1e6);
}
console.log(
  JSON.stringify({
    compile_ms: +(Number(t1 - t0) / 1e6).toFixed(1),
    ...(warm.length > 0 ? { warm_ms: +Math.min(...warm).toFixed(1) } : {}),
    text_bytes: module.serialize().length,
    peak_rss_mb: +(peakKiB / 1024).toFixed(1),
  }),
);
