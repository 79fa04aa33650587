// Derrick's counterpart of shared/bench/v8bench.js, run in its own process:
//   node derrick-kernel.mjs FILE.wasm EXPORT ARG [reps=5] [SETTING=VALUE ...]
// Compiles (one thread) + instantiates, one warm-up call, then `reps` timed
// calls; prints the same JSON shape as v8bench.js. Uses the built dist/.
// Trailing SETTING=VALUE arguments are compiler settings (`Config.set`), e.g.
// `linkopt_absolute_calls_baseline=true` (tools/bench/calls.mjs).
import fs from 'node:fs';
import { compilerBuilder } from '../../packages/compiler/dist/index.js';
import { Config, Engine, Instance, Module, Store } from '../../packages/runtime/dist/index.js';

const [file, exp, arg, repsS, ...settings] = process.argv.slice(2);
const reps = Number(repsS ?? 5);
const bytes = new Uint8Array(fs.readFileSync(file));
const config = new Config().compilerBuilder(compilerBuilder).optLevel('speed').parallelCompilation(false);
for (const s of settings) {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new Error(`expected SETTING=VALUE, got '${s}'`);
  config.set(s.slice(0, eq), s.slice(eq + 1));
}
const engine = new Engine(config);
const c0 = process.hrtime.bigint();
const module = await Module.new(engine, bytes);
const c1 = process.hrtime.bigint();
const store = new Store(engine);
const f = new Instance(store, module, []).getFunc(exp);
const args = String(arg).split(',').map(Number);
const w0 = process.hrtime.bigint();
const r = f.call(...args);
const w1 = process.hrtime.bigint();
const times = [];
for (let i = 0; i < reps; i++) {
  const t0 = process.hrtime.bigint();
  const r2 = f.call(...args);
  const t1 = process.hrtime.bigint();
  if (r2 !== r) throw new Error(`nondeterministic result ${r} vs ${r2}`);
  times.push(Number(t1 - t0) / 1e6);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({ result: r, median_ms: +sorted[reps >> 1].toFixed(3), times_ms: times.map((t) => +t.toFixed(3)),
  warmup_ms: +(Number(w1 - w0) / 1e6).toFixed(3), compile_ms: +(Number(c1 - c0) / 1e6).toFixed(3) }));
store.dispose();
