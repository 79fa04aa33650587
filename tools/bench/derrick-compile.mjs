// Whole-module compile of one module by Derrick on one thread, in its own
// process: node derrick-compile.mjs FILE.wasm  → JSON {compile_ms, functions, peak_rss_mb}
import fs from 'node:fs';
import { compilerBuilder } from '../../packages/compiler/dist/index.js';
import { Config, Engine, Module } from '../../packages/runtime/dist/index.js';

const bytes = new Uint8Array(fs.readFileSync(process.argv[2]));
const engine = new Engine(new Config().compilerBuilder(compilerBuilder).optLevel('speed').parallelCompilation(false));
let peak = process.memoryUsage().rss;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const t0 = process.hrtime.bigint();
const module = await Module.new(engine, bytes);
const t1 = process.hrtime.bigint();
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(JSON.stringify({ compile_ms: +(Number(t1 - t0) / 1e6).toFixed(1), text_bytes: module.serialize().length, peak_rss_mb: +(peak / 2 ** 20).toFixed(1) }));
