// What relative calls buy (issue 7, item 5): Derrick's default — calls
// between functions of a module as relative calls resolved at text layout,
// an image with zero relocations — against the benchmark baseline
// `linkopt_absolute_calls_baseline`: absolute calls through a register
// (x86-64 `movabs r11, imm64; call r11`), one `Abs8` relocation per call
// site in `.rela.text`, patched by the loader before the code is sealed.
//
//   node tools/bench/calls.mjs [FILE.wasm] [--runs N] [--reps N] [--procs N] [--kernels fib,quicksort]
//
// (`pnpm bench` runs it with the other benchmarks.)
//
// 1. Publish time of a large real-world module (QuickJS from
//    @jitl/quickjs-wasmfile-release-sync): the module is compiled once per
//    mode (`Module.new`, one thread) and serialized; then, after 2 warm-up
//    runs, alternating the modes (and which goes first) in each of N runs,
//    the median of
//    * `deserialize_ms`: `Module.deserialize(engine, bytes)`, the whole public
//      path from image bytes to callable code (it also re-decodes and
//      re-validates the embedded wasm binary, the same cost in both modes);
//    * `read_ms`: `readCwasm(bytes)` alone (checksum, ELF parse, which parses
//      `.rela.text` too);
//    * `publish_ms`: the code-publishing part of it — the image's relocations
//      turned into `CodeRelocation`s (`loaderRelocations`) and
//      `CodeMemory.publish` (mmap read-write, copy, patch, mprotect
//      read-execute) — on an image already read.
// 2. Call-heavy kernels of shared/bench (default fib(39) and quicksort), each
//    mode in a fresh process (derrick-kernel.mjs), median of `--reps` timed
//    calls; `--procs` (default 3) such process pairs, alternating which mode
//    starts; the median of the per-process medians, and the ratio
//    absolute / relative.
//
// Prints one JSON object. Uses the built dist/ (run `pnpm build` first).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { compilerBuilder } from '../../packages/compiler/dist/index.js';
import { CodeMemory } from '../../packages/jit/dist/index.js';
import { readCwasm } from '../../packages/object/dist/index.js';
import { Config, Engine, Module } from '../../packages/runtime/dist/index.js';
// Internal, not part of the runtime's API: the loader's own relocation step.
import { loaderRelocations } from '../../packages/runtime/dist/compiled-module.js';

const FLAG = 'linkopt_absolute_calls_baseline';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const benchDir = path.resolve(root, '../shared/bench');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('--runs', '11'));
const reps = opt('--reps', '5');
const procs = Number(opt('--procs', '3'));
const kernelNames = opt('--kernels', 'fib,quicksort').split(',').filter((k) => k.length > 0);
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const require = createRequire(path.join(root, 'package.json'));
const file = positional[0] ?? path.join(path.dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json')), 'dist', 'emscripten-module.wasm');

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (t0, t1) => Number(t1 - t0) / 1e6;
const round = (x, d = 3) => +x.toFixed(d);
// A full GC before each timed deserialize, so one mode does not pay for the other's garbage.
v8.setFlagsFromString('--expose-gc');
const gc = globalThis.gc ?? vm.runInNewContext('gc');
const WARMUP_RUNS = 2;

// ---- 1. Publish time -------------------------------------------------------
const wasm = new Uint8Array(fs.readFileSync(file));
const modes = [
  { mode: 'relative', baseline: false },
  { mode: 'absolute', baseline: true },
];
for (const m of modes) {
  const config = new Config().compilerBuilder(compilerBuilder).optLevel('speed').parallelCompilation(false);
  if (m.baseline) config.set(FLAG, 'true');
  m.engine = new Engine(config);
  const c0 = process.hrtime.bigint();
  m.bytes = (await Module.new(m.engine, wasm)).serialize();
  m.compile_ms = ms(c0, process.hrtime.bigint());
  const image = readCwasm(m.bytes);
  m.relocations = image.elf.relocationsFor('.text').length;
  m.text_bytes = image.text.length;
  m.deserialize = [];
  m.read = [];
  m.publish = [];
  console.error(`${m.mode}: compiled in ${round(m.compile_ms, 0)} ms, image ${m.bytes.length} bytes, ${m.relocations} relocations`);
}

for (let run = -WARMUP_RUNS; run < runs; run++) {
  const record = run >= 0;
  // Alternate which mode goes first, so neither always runs on a warmer heap.
  for (const m of run % 2 === 0 ? modes : [...modes].reverse()) {
    gc();
    const t0 = process.hrtime.bigint();
    const module = Module.deserialize(m.engine, m.bytes);
    const t1 = process.hrtime.bigint();
    if (module.exports().length === 0) throw new Error('no exports');
    if (record) m.deserialize.push(ms(t0, t1));

    const r0 = process.hrtime.bigint();
    const image = readCwasm(m.bytes);
    const r1 = process.hrtime.bigint();
    if (record) m.read.push(ms(r0, r1));

    const p0 = process.hrtime.bigint();
    const code = CodeMemory.publish(image.text, { relocations: loaderRelocations(image) });
    const p1 = process.hrtime.bigint();
    code.dispose();
    if (record) m.publish.push(ms(p0, p1));
  }
}

// ---- 2. Call-heavy kernels -------------------------------------------------
const manifest = JSON.parse(fs.readFileSync(path.join(benchDir, 'manifest.json'), 'utf8'));
function runJson(argv) {
  const out = execFileSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1));
}
const kernels = [];
for (const name of kernelNames) {
  const k = manifest.kernels.find((x) => x.name === name);
  if (k === undefined) throw new Error(`no kernel '${name}' in shared/bench/manifest.json`);
  const wasmFile = path.join(benchDir, `${k.name}.wasm`);
  const kernelArgs = [path.join(here, 'derrick-kernel.mjs'), wasmFile, k.export, k.args.join(','), reps];
  const results = { relative: [], absolute: [] };
  for (let p = 0; p < procs; p++) {
    for (const mode of p % 2 === 0 ? ['relative', 'absolute'] : ['absolute', 'relative']) {
      const r = runJson(mode === 'relative' ? kernelArgs : [...kernelArgs, `${FLAG}=true`]);
      if (r.result !== k.expected) throw new Error(`${k.name} (${mode} calls): got ${r.result}, expected ${k.expected}`);
      results[mode].push(r.median_ms);
    }
  }
  const relative_ms = median(results.relative);
  const absolute_ms = median(results.absolute);
  const row = {
    kernel: k.name,
    call: `${k.export}(${k.args.join(', ')})`,
    relative_ms,
    absolute_ms,
    ratio_absolute_vs_relative: round(absolute_ms / relative_ms),
    relative_process_medians_ms: results.relative,
    absolute_process_medians_ms: results.absolute,
  };
  kernels.push(row);
  console.error(`${k.name}: relative ${row.relative_ms} ms, absolute ${row.absolute_ms} ms (x${row.ratio_absolute_vs_relative})`);
}

const [rel, abs] = modes;
const summary = (m) => ({
  image_bytes: m.bytes.length,
  text_bytes: m.text_bytes,
  relocations: m.relocations,
  deserialize_ms: round(median(m.deserialize)),
  read_ms: round(median(m.read)),
  publish_ms: round(median(m.publish)),
});
console.log(JSON.stringify({
  benchmark: 'calls',
  command: `node tools/bench/calls.mjs --runs ${runs} --reps ${reps} --procs ${procs} --kernels ${kernelNames.join(',')}`,
  module: path.basename(file),
  module_bytes: wasm.length,
  publish: {
    runs,
    relative: summary(rel),
    absolute: summary(abs),
    ratio_text_bytes_absolute_vs_relative: round(abs.text_bytes / rel.text_bytes),
    ratio_deserialize_absolute_vs_relative: round(median(abs.deserialize) / median(rel.deserialize)),
    ratio_read_absolute_vs_relative: round(median(abs.read) / median(rel.read)),
    ratio_publish_absolute_vs_relative: round(median(abs.publish) / median(rel.publish)),
  },
  kernels,
}, null, 2));
