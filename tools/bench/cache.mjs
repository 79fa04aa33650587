// The incremental compilation cache against issue 8's targets (uses the built dist):
//   node tools/bench/cache.mjs [--runs N] [--skip-whole] [QUICKJS.wasm]  → one JSON object on stdout
//
// (a) QuickJS: cold compile (empty on-disk cache) vs fully warm, for the
//     function-compilation phase (compileFunction over every defined function,
//     in process) and for the whole `derrick compile --cache DIR` (a child
//     process; wall time and its --timings compile_ms).   Target: ≥20× / ≥5×.
// (b) one i32.const in one function body changed (same LEB length), then
//     recompiled with the warm cache: cost as % of cold.   Target: ≤5 %.
// (c) a generated module with many identical function bodies: no cache vs an
//     empty cache, and the hits.                          Target: ≥20 % saved.
//     Whole-compile figures of the child process are single runs.
// (d) hit rate across related modules: the shared bench programs compiled in
//     sequence into one cache; and QuickJS vs its one-constant variant.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskCacheStore, MemoryCacheStore } from '../../packages/cache/dist/index.js';
import { FuncTranslator, earlyFunctionCacheOf, functionCacheOf, vmOffsetsForModule } from '../../packages/compiler/dist/index.js';
import { deserializeCompiledCodeStencil, serializeCompiledCodeStencil } from '../../packages/codegen/dist/index.js';
import { decodeModule } from '../../packages/environ/dist/index.js';
import { watToBinary } from '../../packages/wast/dist/index.js';
import { compiler, min, quiet, r1 } from './cache-common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const skipWhole = args.includes('--skip-whole');
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');
const require = createRequire(path.join(root, 'package.json'));
const quickjs = positional[0] ?? path.join(path.dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json')), 'dist', 'emscripten-module.wasm');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'derrick-bench-cache-'));

/** The function-compilation phase: every defined function, one thread. */
function compilePhase(translation, store) {
  const c = compiler(store);
  const t0 = performance.now();
  for (let i = 0; i < translation.numDefinedFuncs; i++) c.compileFunction(translation, i);
  const ms = performance.now() - t0;
  return { ms, ...c.statistics(), keyMs: (functionCacheOf(c)?.keyTimeMs ?? 0) + (earlyFunctionCacheOf(c)?.keyTimeMs ?? 0), earlyHits: earlyFunctionCacheOf(c)?.statistics.hits ?? 0 };
}

const derrickBin = path.join(root, 'packages/cli/dist/bin.js');
function wholeCompile(file, cacheDir) {
  const out = path.join(tmp, 'out.cwasm');
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [derrickBin, 'compile', file, '--cache', cacheDir, '--timings', '-o', out], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`derrick compile failed: ${child.stderr}`);
  const err = child.stderr;
  const wall = performance.now() - t0;
  const m = /functions=(\d+) cache_hits=(\d+) cache_misses=(\d+) compile_ms=([\d.]+)/.exec(err);
  return { wall_ms: r1(wall), compile_ms: +m[4], functions: +m[1], hits: +m[2], misses: +m[3], cwasm: fs.readFileSync(out) };
}

/** Change one single-byte-LEB `i32.const` immediate in one function body, keeping the module valid. */
function mutateOneConstant(bytes, translation) {
  const n = translation.numDefinedFuncs;
  for (let k = 0; k < n; k++) {
    const body = translation.functionBodies[(Math.floor(n / 2) + k) % n];
    for (let p = body.codeStart; p + 1 < body.codeEnd; p++) {
      if (bytes[p] !== 0x41 || bytes[p + 1] > 0x3f) continue;
      const copy = bytes.slice();
      copy[p + 1] ^= 1;
      try {
        const t = decodeModule(copy);
        compiler().compileFunction(t, body.funcIndex - t.numImportedFuncs);
        return { bytes: copy, translation: t, defIndex: body.funcIndex - t.numImportedFuncs, offset: p };
      } catch {
        // Not an instruction boundary, or the change made the body invalid: next candidate.
      }
    }
  }
  throw new Error('no mutable i32.const found');
}

const result = { node: process.version, cpus: os.cpus().length, runs };

// (a) QuickJS cold vs warm.
const qjsBytes = new Uint8Array(fs.readFileSync(quickjs));
const qjs = decodeModule(qjsBytes);
{
  const cold = [];
  const warm = [];
  let last;
  compilePhase(qjs, undefined); // JIT warm-up: every measurement below runs on optimized compiler code
  // Where a hit's time goes: translation (wasm → IR, needed for the key), key, decode.
  const tr = new FuncTranslator();
  const offsets = vmOffsetsForModule(qjs);
  let t0 = performance.now();
  for (let i = 0; i < qjs.numDefinedFuncs; i++) tr.translate(qjs, i, offsets);
  const translateMs = performance.now() - t0;
  const stencils = [];
  const c0 = compiler();
  for (let i = 0; i < qjs.numDefinedFuncs; i++) stencils.push(serializeCompiledCodeStencil(c0.compileFunction(qjs, i).code));
  t0 = performance.now();
  for (const b of stencils) deserializeCompiledCodeStencil(b);
  const deserializeMs = performance.now() - t0;
  for (let r = 0; r < runs; r++) {
    const dir = path.join(tmp, `a${r}`);
    cold.push(compilePhase(qjs, new DiskCacheStore(dir, { logger: quiet })));
    warm.push((last = compilePhase(qjs, new DiskCacheStore(dir, { logger: quiet }))));
  }
  const noCache = compilePhase(qjs, undefined);
  const coldMemory = compilePhase(qjs, new MemoryCacheStore());
  result.a_function_phase = {
    module: path.basename(quickjs),
    functions: qjs.numDefinedFuncs,
    no_cache_ms: r1(noCache.ms),
    cold_ms: r1(min(cold.map((x) => x.ms))),
    cold_memory_store_ms: r1(coldMemory.ms),
    warm_ms: r1(min(warm.map((x) => x.ms))),
    warm_hits: last.cacheHits,
    warm_misses: last.cacheMisses,
    speedup: r1(min(cold.map((x) => x.ms)) / min(warm.map((x) => x.ms))),
    speedup_vs_no_cache: r1(noCache.ms / min(warm.map((x) => x.ms))),
    warm_first_level_hits: last.earlyHits,
    // Measured separately (noisy on a shared machine): the two known parts of a warm hit.
    warm_parts_ms: {
      keys: r1(last.keyMs),
      deserialize_stencils: r1(deserializeMs),
    },
    translate_wasm_to_ir_ms_skipped_by_first_level: r1(translateMs),
    serialized_stencil_bytes: stencils.reduce((a, b) => a + b.length, 0),
  };
  if (!skipWhole) {
    const dir = path.join(tmp, 'whole');
    const c = wholeCompile(quickjs, dir);
    const w = wholeCompile(quickjs, dir);
    result.a_whole_compile = {
      cold_wall_ms: c.wall_ms,
      warm_wall_ms: w.wall_ms,
      speedup_wall: r1(c.wall_ms / w.wall_ms),
      cold_compile_ms: c.compile_ms,
      warm_compile_ms: w.compile_ms,
      speedup_compile: r1(c.compile_ms / w.compile_ms),
      warm_hits: w.hits,
      warm_misses: w.misses,
      identical_cwasm: c.cwasm.equals(w.cwasm),
    };
  }
}

// (b) one function changed.
const mutated = mutateOneConstant(qjsBytes, qjs);
{
  const dir = path.join(tmp, 'a0');
  const m = compilePhase(mutated.translation, new DiskCacheStore(dir, { logger: quiet }));
  result.b_one_function_changed = {
    changed_function: mutated.defIndex,
    byte_offset: mutated.offset,
    ms: r1(m.ms),
    hits: m.cacheHits,
    misses: m.cacheMisses,
    percent_of_cold: r1((100 * m.ms) / result.a_function_phase.cold_ms),
  };
  if (!skipWhole) {
    const file = path.join(tmp, 'quickjs-mutated.wasm');
    fs.writeFileSync(file, mutated.bytes);
    const w = wholeCompile(file, path.join(tmp, 'whole'));
    result.b_one_function_changed.whole_wall_ms = w.wall_ms;
    result.b_one_function_changed.whole_compile_ms = w.compile_ms;
    result.b_one_function_changed.whole_percent_of_cold_compile = r1((100 * w.compile_ms) / result.a_whole_compile.cold_compile_ms);
  }
}

// (c) many identical bodies.
{
  const distinct = 40;
  const copies = 25;
  const body = (k) => `(func (param i32 i32) (result i32) (local i32 i32)
    (local.set 2 (i32.const ${k}))
    (block (loop
      (br_if 1 (i32.ge_u (local.get 3) (local.get 1)))
      (local.set 2 (i32.add (i32.mul (local.get 2) (i32.const ${k * 7 + 3})) (i32.xor (local.get 0) (local.get 3))))
      (local.set 2 (i32.rotl (local.get 2) (i32.const ${(k % 31) + 1})))
      (if (i32.eqz (i32.and (local.get 2) (i32.const 1))) (then (local.set 2 (i32.shr_u (local.get 2) (i32.const 1)))))
      (local.set 3 (i32.add (local.get 3) (i32.const 1)))
      (br 0)))
    (local.get 2))`;
  const funcs = [];
  for (let c = 0; c < copies; c++) for (let k = 0; k < distinct; k++) funcs.push(body(k));
  const t = decodeModule(await watToBinary(`(module ${funcs.join('\n')})`));
  const none = [];
  const cached = [];
  let stats;
  for (let r = 0; r < Math.max(runs, 2); r++) {
    none.push(compilePhase(t, undefined).ms);
    const s = compilePhase(t, new DiskCacheStore(path.join(tmp, `c${r}`), { logger: quiet }));
    cached.push(s.ms);
    stats = s;
  }
  result.c_identical_bodies = {
    functions: t.numDefinedFuncs,
    distinct_bodies: distinct,
    no_cache_ms: r1(min(none)),
    empty_cache_ms: r1(min(cached)),
    hits: stats.cacheHits,
    misses: stats.cacheMisses,
    saving_percent: r1(100 * (1 - min(cached) / min(none))),
  };
}

// (d) related modules.
{
  const store = new MemoryCacheStore();
  const bench = '/work/shared/bench';
  const files = fs.existsSync(bench) ? fs.readdirSync(bench).filter((f) => f.endsWith('.wasm')).sort() : [];
  const per = [];
  let hits = 0;
  let total = 0;
  for (const f of files) {
    const s = compilePhase(decodeModule(new Uint8Array(fs.readFileSync(path.join(bench, f)))), store);
    per.push({ module: f, functions: s.functions, hits: s.cacheHits });
    hits += s.cacheHits;
    total += s.functions;
  }
  const mem = new MemoryCacheStore();
  compilePhase(qjs, mem);
  const v = compilePhase(mutated.translation, mem);
  result.d_related_modules = {
    shared_bench_programs: { modules: per, hit_rate_percent: total === 0 ? 0 : r1((100 * hits) / total) },
    quickjs_vs_one_constant_variant: { functions: v.functions, hits: v.cacheHits, hit_rate_percent: r1((100 * v.cacheHits) / v.functions) },
    note: 'two QuickJS versions, and one C program at -O1/-O2/-O3/-Os: tools/bench/related.mjs',
  };
}

fs.rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
