// Whole-module compile time of a large real-world module (QuickJS from
// @jitl/quickjs-wasmfile-release-sync): Derrick on one thread vs V8 TurboFan
// eager and single-threaded (--no-liftoff --no-wasm-lazy-compilation
// --single-threaded; without the lazy flag V8 only validates), each in a
// fresh process, the median of N runs. The headline figure is the first
// compile of a fresh process. Each process then compiles the module four
// more times; the fastest of those is the "warm" figure — for Derrick, the
// compile once V8 has optimized Derrick's own JavaScript (a long-running
// embedder's case), for V8 the same module with a fresh custom section.
//
//   node tools/bench/compile.mjs [FILE.wasm] [--runs N]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');
const require = createRequire(path.join(root, 'package.json'));
const file = positional[0] ?? path.join(path.dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json')), 'dist', 'emscripten-module.wasm');

const json = (argv) => JSON.parse(execFileSync(process.execPath, argv, { encoding: 'utf8' }).trim().split('\n').at(-1));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const derrick = [];
const v8 = [];
for (let i = 0; i < runs; i++) {
  derrick.push(json([path.join(here, 'derrick-compile.mjs'), file, '--repeat', '5']));
  v8.push(json(['--no-liftoff', '--no-wasm-lazy-compilation', '--single-threaded', path.join(here, 'v8-compile.cjs'), file, '--repeat', '5']));
}
const d = median(derrick.map((r) => r.compile_ms));
const v = median(v8.map((r) => r.compile_ms));
const dWarm = median(derrick.map((r) => r.warm_ms));
const vWarm = median(v8.map((r) => r.warm_ms));
const bytes = fs.statSync(file).size;
console.log(JSON.stringify({
  benchmark: 'compile',
  command: `node tools/bench/compile.mjs --runs ${runs}`,
  module: path.basename(file),
  module_bytes: bytes,
  derrick_single_thread_ms: d,
  v8_turbofan_single_thread_ms: v,
  ratio_vs_turbofan: +(d / v).toFixed(2),
  derrick_warm_ms: dWarm,
  v8_turbofan_warm_ms: vWarm,
  warm_ratio_vs_turbofan: +(dWarm / vWarm).toFixed(2),
  derrick_mb_per_s: +(bytes / 1e6 / (d / 1000)).toFixed(2),
  derrick_peak_rss_mb: Math.max(...derrick.map((r) => r.peak_rss_mb)),
  v8_peak_rss_mb: Math.max(...v8.map((r) => r.peak_rss_mb)),
}, null, 2));
