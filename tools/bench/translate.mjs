// wasm → IR translation throughput of @derrick/compiler (and translation +
// IR verification), on every defined function of one module.
//
//   node tools/bench/translate.mjs [FILE.wasm] [--seconds N]
//
// Default input: the QuickJS build shipped by @jitl/quickjs-wasmfile-release-sync
// (a large real-world module). Needs `pnpm build` first (uses dist/).
//
// The reference figure is V8 compiling the same bytes eagerly with its
// baseline compiler, Liftoff (`new WebAssembly.Module` with lazy compilation
// off, a fresh custom section each run so V8's module cache never hits) —
// decode + validate + machine code, on V8's background threads. It is a
// different job from wasm → IR, printed for scale: the whole Derrick pipeline
// (decode, translate, optimize, lower, allocate, emit) is what should
// eventually be held against it.
import fs from 'node:fs';
import v8 from 'node:v8';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { decodeModule } from '../../packages/environ/dist/index.js';
import { verifyFunction } from '../../packages/codegen-ir/dist/index.js';
import { FuncTranslator, vmOffsetsForModule } from '../../packages/compiler/dist/index.js';

v8.setFlagsFromString('--no-wasm-lazy-compilation');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const secondsArg = args.indexOf('--seconds');
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 3;
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seconds');

function defaultModule() {
  const require = createRequire(path.join(root, 'package.json'));
  const pkg = path.dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json'));
  return path.join(pkg, 'dist', 'emscripten-module.wasm');
}

const file = positional[0] ?? defaultModule();
const bytes = new Uint8Array(fs.readFileSync(file));
const t = decodeModule(bytes);
const offsets = vmOffsetsForModule(t);
const n = t.numDefinedFuncs;
let codeBytes = 0;
for (const b of t.functionBodies) codeBytes += b.codeEnd - b.entryStart;

/** Runs `fn` repeatedly; its time is what it returns (if a number) or its wall time. */
function measure(fn, minRuns = 3) {
  fn(); // warm up
  const times = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline || times.length < minRuns) {
    const t0 = performance.now();
    const r = fn();
    times.push(typeof r === 'number' ? r : performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], best: times[0], runs: times.length };
}

let irInsts = 0;
let verifyErrors = 0;
function translateAll(verify) {
  const translator = new FuncTranslator();
  let insts = 0;
  for (let i = 0; i < n; i++) {
    const f = translator.translate(t, i, offsets);
    insts += f.dfg.numInsts;
    if (verify) verifyErrors += verifyFunction(f).length;
  }
  irInsts = insts;
}

const mb = codeBytes / 1e6;
const figures = (m) => ({
  medianMs: +m.median.toFixed(1),
  bestMs: +m.best.toFixed(1),
  functionsPerSec: Math.round(n / (m.median / 1000)),
  mbPerSec: +(mb / (m.median / 1000)).toFixed(2),
  irInstsPerSec: Math.round(irInsts / (m.median / 1000)),
  runs: m.runs,
});

const translate = measure(() => translateAll(false));
const translateVerify = measure(() => translateAll(true));
if (verifyErrors > 0) throw new Error(`${verifyErrors} verifier errors`);
/** `bytes` plus a custom section `derrick-bench-<i>` (defeats V8's native module cache). */
function withNonce(i) {
  const name = new TextEncoder().encode(`derrick-bench-${i}`);
  const out = new Uint8Array(bytes.length + 3 + name.length);
  out.set(bytes);
  let p = bytes.length;
  out[p++] = 0; // custom section
  out[p++] = name.length + 1; // section size (< 128)
  out[p++] = name.length;
  out.set(name, p);
  return out;
}
let nonce = 0;
const v8Baseline = measure(() => {
  const b = withNonce(nonce++);
  const t0 = performance.now();
  new WebAssembly.Module(b);
  return performance.now() - t0;
});

const result = {
  benchmark: 'translate',
  module: path.relative(root, file),
  bytes: bytes.length,
  codeBytes,
  functions: n,
  irInsts,
  translate: figures(translate),
  translateVerify: figures(translateVerify),
  v8Liftoff: { medianMs: +v8Baseline.median.toFixed(1), mbPerSec: +(mb / (v8Baseline.median / 1000)).toFixed(1), runs: v8Baseline.runs },
};
result.ratioToV8Liftoff = +(translate.median / v8Baseline.median).toFixed(2);
console.log(JSON.stringify(result, null, 2));
