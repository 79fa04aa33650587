// Execution speed of every kernel of shared/bench under Derrick and under
// Node's V8 (TurboFan: --no-liftoff; Liftoff: --liftoff-only), side by side
// in one run, each mode in a fresh process (like the manifest's figures).
//
//   node tools/bench/kernels.mjs [--reps N] [--only NAME,...]
//
// Prints one JSON object: per kernel the median times and the ratio
// Derrick / TurboFan, and the geometric mean of those ratios.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benchDir = path.resolve(here, '../../../shared/bench');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const reps = opt('--reps', '5');
const only = opt('--only', undefined)?.split(',');
const manifest = JSON.parse(fs.readFileSync(path.join(benchDir, 'manifest.json'), 'utf8'));

function runJson(argv) {
  const out = execFileSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1));
}

const kernels = [];
for (const k of manifest.kernels) {
  if (only && !only.includes(k.name)) continue;
  const wasm = path.join(benchDir, `${k.name}.wasm`);
  const arg = k.args.join(',');
  const derrick = runJson([path.join(here, 'derrick-kernel.mjs'), wasm, k.export, arg, reps]);
  const turbofan = runJson(['--no-liftoff', path.join(benchDir, 'v8bench.js'), wasm, k.export, arg, reps]);
  const liftoff = runJson(['--liftoff-only', path.join(benchDir, 'v8bench.js'), wasm, k.export, arg, reps]);
  for (const [mode, r] of [['derrick', derrick], ['turbofan', turbofan], ['liftoff', liftoff]]) {
    if (r.result !== k.expected) throw new Error(`${k.name} under ${mode}: got ${r.result}, expected ${k.expected}`);
  }
  const row = {
    kernel: k.name,
    derrick_ms: derrick.median_ms,
    turbofan_ms: turbofan.median_ms,
    liftoff_ms: liftoff.median_ms,
    ratio_vs_turbofan: +(derrick.median_ms / turbofan.median_ms).toFixed(3),
    ratio_vs_liftoff: +(derrick.median_ms / liftoff.median_ms).toFixed(3),
    derrick_compile_ms: derrick.compile_ms,
  };
  kernels.push(row);
  console.error(`${k.name}: derrick ${row.derrick_ms} ms, turbofan ${row.turbofan_ms} ms, liftoff ${row.liftoff_ms} ms (x${row.ratio_vs_turbofan} of turbofan)`);
}
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
console.log(JSON.stringify({
  benchmark: 'kernels',
  command: `node tools/bench/kernels.mjs --reps ${reps}`,
  kernels,
  geomean_ratio_vs_turbofan: +geomean(kernels.map((k) => k.ratio_vs_turbofan)).toFixed(3),
  geomean_ratio_vs_liftoff: +geomean(kernels.map((k) => k.ratio_vs_liftoff)).toFixed(3),
}, null, 2));
