// Hit rate of the incremental compilation cache across a group of related
// modules (issue 8), using the built dist:
//   node tools/bench/related.mjs [--runs N]   → one JSON object on stdout
//
// Pairs (A, B), each measured in both directions:
//   * two versions of one real program: QuickJS 0.31.0 → 0.32.0 and
//     0.29.0 → 0.32.0 (root devDependencies `quickjs-wasmfile-prev` / `-old`,
//     npm aliases of @jitl/quickjs-wasmfile-release-sync);
//   * one C program at two optimization levels: the eight kernels of
//     ../shared/bench linked into one module, built here with `clang
//     --target=wasm32` at -O1, -O2, -O3 and -Os. Needs `clang` and `wasm-ld` on
//     PATH; without them this part is reported as not run, with the reason.
//
// For each direction: compile A cold into a fresh on-disk cache (DiskCacheStore,
// the function-compilation phase in process, as cache.mjs (a)), then B against
// that warm cache. Reported: B's functions, hits (and how many of them were
// first-level hits), misses, hit rate, and B's compile time warm-from-A vs
// cold (empty cache of its own), best of --runs.
//
// `bodies` explains the hit rate from the wasm itself: how many of B's bodies
// have a byte-identical body (locals + code) with the same signature in A, how
// many more are identical once callees, call_indirect and block types are
// compared by signature (function indices shift between versions; the stencil
// names callees only through the name table, so such bodies can hit), and how
// many of either kind missed.
// The missed ones are translated in both modules and classified: differing
// only in constant vmctx offsets (a layout that moved with the import count:
// 210 of 236 QuickJS 0.31 → 0.32 misses before environ's VMOffsets put the
// function imports after memories, tables and globals — invariant
// vmctx-offsets-stable — and 1 after), or only in relative source locations
// (a call index whose LEB128 length changed shifts every later
// instruction's position, which is part of the stencil by design); the first
// stencil difference of a few is shown.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskCacheStore } from '../../packages/cache/dist/index.js';
import { printFunction } from '../../packages/codegen-ir/dist/index.js';
import { FuncTranslator, earlyFunctionCacheOf, vmOffsetsForModule } from '../../packages/compiler/dist/index.js';
import { OperatorReader, decodeModule } from '../../packages/environ/dist/index.js';
import { compiler, min, quiet, r1 } from './cache-common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const require = createRequire(path.join(root, 'package.json'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'derrick-bench-related-'));

/** The function-compilation phase over every defined function; which ones hit. */
function compilePhase(translation, store) {
  const c = compiler(store);
  const hit = new Uint8Array(translation.numDefinedFuncs);
  const t0 = performance.now();
  for (let i = 0; i < translation.numDefinedFuncs; i++) hit[i] = c.compileFunction(translation, i).cacheHit ? 1 : 0;
  const ms = performance.now() - t0;
  return { ms, hit, ...c.statistics(), earlyHits: earlyFunctionCacheOf(c)?.statistics.hits ?? 0 };
}

let dirs = 0;
const freshDir = () => path.join(tmp, `d${dirs++}`);

// ---------------------------------------------------------------------------
// What the wasm says: identical bodies.
// ---------------------------------------------------------------------------

const sigString = (t) => `${t.params.join(',')}->${t.results.join(',')}`;

/** Per defined function: [raw key, key with call targets and type indices by signature]. */
function bodyKeys(t) {
  const bytes = t.bytes;
  const hex = (a, b) => Buffer.from(bytes.subarray(a, b)).toString('latin1');
  const reader = new OperatorReader(bytes, 0, 0);
  const out = [];
  for (const body of t.functionBodies) {
    const sig = sigString(t.types[body.typeIndex]);
    const raw = `${sig}|${hex(body.localsStart, body.codeEnd)}`;
    // Normalized: every `call f` becomes `call <import index or "defined">:<signature>`,
    // `call_indirect` and block types compare by signature; everything else byte for byte.
    let norm = `${sig}|${hex(body.localsStart, body.codeStart)}|`;
    reader.pos = body.codeStart;
    reader.end = body.codeEnd;
    let from = body.codeStart;
    while (!reader.atEnd) {
      const op = reader.read();
      if (op === 0x10) {
        const callee = reader.index;
        const who = callee < t.numImportedFuncs ? `import${callee}` : 'defined';
        norm += `${hex(from, reader.offset)}<call ${who}:${sigString(t.funcType(callee))}>`;
        from = reader.pos;
      } else if (op === 0x11) {
        norm += `${hex(from, reader.offset)}<call_indirect ${sigString(t.types[reader.index])} table${reader.index2}>`;
        from = reader.pos;
      } else if ((op === 0x02 || op === 0x03 || op === 0x04) && reader.blockType >= 0) {
        norm += `${hex(from, reader.offset)}<block ${op} ${sigString(t.types[reader.blockType])}>`;
        from = reader.pos;
      }
    }
    norm += hex(from, body.codeEnd);
    out.push([raw, norm]);
  }
  return out;
}

function compareBodies(a, b, warm) {
  const ka = bodyKeys(a);
  const kb = bodyKeys(b);
  const rawA = new Map(ka.map(([raw], i) => [raw, i]));
  const normA = new Map(ka.map(([, norm], i) => [norm, i]));
  let identical = 0;
  let identicalHit = 0;
  let modCalls = 0;
  let modCallsHit = 0;
  let hitsOther = 0;
  const missedIdentical = [];
  const missedModCalls = [];
  kb.forEach(([raw, norm], i) => {
    const h = warm.hit[i] === 1;
    if (rawA.has(raw)) {
      identical++;
      if (h) identicalHit++;
      else missedIdentical.push([rawA.get(raw), i]);
    } else if (normA.has(norm)) {
      modCalls++;
      if (h) modCallsHit++;
      else missedModCalls.push([normA.get(norm), i]);
    } else if (h) hitsOther++;
  });
  const result = {
    byte_identical_with_same_signature: identical,
    byte_identical_hits: identicalHit,
    // Not byte-identical, but identical with callees, call_indirect and block types compared by signature.
    identical_modulo_function_and_type_indices: modCalls,
    identical_modulo_function_and_type_indices_hits: modCallsHit,
    hits_among_other_bodies: hitsOther,
    missed_byte_identical: missedIdentical.length,
    missed_identical_modulo_indices: missedModCalls.length,
  };
  const missed = [...missedIdentical, ...missedModCalls];
  if (missed.length > 0) {
    const explained = explainMisses(a, b, missed);
    // Misses whose translated IR differs only in constant offsets into the vmctx
    // (the vmctx layout, or a call_indirect's module type index into `type_ids`).
    result.missed_differing_only_in_vmctx_offsets = explained.filter((e) => e.only_vmctx_offsets).length;
    // A call's function index whose LEB128 length changed moves every later instruction's relative location.
    result.missed_differing_only_in_relative_source_locations = explained.filter((e) => e.only_source_locations).length;
    result.missed_examples = explained.slice(0, 3).map(({ only_vmctx_offsets: _, only_source_locations: __, ...e }) => e);
  }
  return result;
}

/** Two IR lines that are the same vmctx load or store but for its constant offset. */
const vmctxOffsetOnly = (x, y) => x !== undefined && y !== undefined && / vmctx /.test(x) && x.replace(/\+\d+$/, '') === y.replace(/\+\d+$/, '');

/** The first line where the two translated functions' printed stencils differ. */
function explainMisses(a, b, pairs) {
  const tr = new FuncTranslator();
  const oa = vmOffsetsForModule(a);
  const ob = vmOffsetsForModule(b);
  return pairs.map(([ia, ib]) => {
    const fa = tr.translate(a, ia, oa);
    const fb = tr.translate(b, ib, ob);
    // Source locations relative to the function's base, as the key sees them.
    const lines = (f) =>
      printFunction(f)
        .replace(/@([0-9a-f]{4,})/g, (_, h) => `@+${parseInt(h, 16) - f.params.baseSrcLoc}`)
        .split('\n')
        .map((l) => l.trim().replace(/\s+/g, ' '));
    const la = lines(fa);
    const lb = lines(fb);
    // The function name and the name-table declarations, which the key ignores, are not differences.
    const ignored = (l) => /^\s*fn\d+ = |^function /.test(l ?? '');
    const diff = [];
    for (let n = 0; n < Math.max(la.length, lb.length); n++) if (la[n] !== lb[n] && !(ignored(la[n]) && ignored(lb[n]))) diff.push(n);
    const n = diff[0];
    return {
      a_function: a.numImportedFuncs + ia,
      b_function: b.numImportedFuncs + ib,
      differing_ir_lines: diff.length,
      only_vmctx_offsets: diff.length > 0 && diff.every((k) => vmctxOffsetOnly(la[k], lb[k])),
      only_source_locations: diff.length > 0 && diff.every((k) => la[k] !== undefined && la[k].replace(/^@\+\d+ /, '') === lb[k]?.replace(/^@\+\d+ /, '')),
      first_difference: n === undefined ? null : { a: la[n], b: lb[n] },
    };
  });
}

// ---------------------------------------------------------------------------
// One pair, both directions.
// ---------------------------------------------------------------------------

const hitBytes = (t, hit) => t.functionBodies.reduce((n, body, i) => n + (hit[i] === 1 ? body.codeEnd - body.localsStart : 0), 0);

function direction(nameA, a, nameB, b) {
  const warm = [];
  const cold = [];
  for (let r = 0; r < runs; r++) {
    // Cold before or after the warm pair, alternately: neither always runs
    // right after A's thousands of file writes (best of runs is reported).
    if (r % 2 === 1) cold.push(compilePhase(b, new DiskCacheStore(freshDir(), { logger: quiet })));
    const dir = freshDir();
    compilePhase(a, new DiskCacheStore(dir, { logger: quiet }));
    warm.push(compilePhase(b, new DiskCacheStore(dir, { logger: quiet })));
    if (r % 2 === 0) cold.push(compilePhase(b, new DiskCacheStore(freshDir(), { logger: quiet })));
  }
  const w = warm[warm.length - 1];
  return {
    from: nameA,
    to: nameB,
    functions: b.numDefinedFuncs,
    hits: w.cacheHits,
    first_level_hits: w.earlyHits,
    misses: w.cacheMisses,
    hit_rate_percent: r1((100 * w.cacheHits) / b.numDefinedFuncs),
    // Hits weighted by body size: what share of the compile work they can save.
    hit_body_bytes_percent: r1((100 * hitBytes(b, w.hit)) / hitBytes(b, new Uint8Array(b.numDefinedFuncs).fill(1))),
    warm_from_a_ms: r1(min(warm.map((x) => x.ms))),
    cold_ms: r1(min(cold.map((x) => x.ms))),
    time_percent_of_cold: r1((100 * min(warm.map((x) => x.ms))) / min(cold.map((x) => x.ms))),
    bodies: compareBodies(a, b, w),
  };
}

function pair(nameA, fileA, nameB, fileB) {
  const a = decodeModule(new Uint8Array(fs.readFileSync(fileA)));
  const b = decodeModule(new Uint8Array(fs.readFileSync(fileB)));
  return { a: nameA, b: nameB, a_functions: a.numDefinedFuncs, b_functions: b.numDefinedFuncs, directions: [direction(nameA, a, nameB, b), direction(nameB, b, nameA, a)] };
}

const result = { command: 'node tools/bench/related.mjs' + (runsArg >= 0 ? ` --runs ${runs}` : ''), node: process.version, cpus: os.cpus().length, runs };

// JIT warm-up, so the first measured compile does not pay for it.
const qjsFile = (pkg) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'emscripten-module.wasm');
const version = (pkg) => JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
compilePhase(decodeModule(new Uint8Array(fs.readFileSync(qjsFile('@jitl/quickjs-wasmfile-release-sync')))), undefined);

// Two versions of one program.
result.quickjs_versions = [];
for (const prev of ['quickjs-wasmfile-prev', 'quickjs-wasmfile-old']) {
  let file;
  try {
    file = qjsFile(prev);
  } catch {
    result.quickjs_versions.push({ not_run: `${prev} is not installed (pnpm install)` });
    continue;
  }
  const cur = '@jitl/quickjs-wasmfile-release-sync';
  result.quickjs_versions.push(pair(`quickjs ${version(prev)}`, file, `quickjs ${version(cur)}`, qjsFile(cur)));
}

// One C program at several optimization levels.
{
  const bench = path.resolve(root, '../shared/bench');
  const sources = fs.existsSync(bench) ? fs.readdirSync(bench).filter((f) => f.endsWith('.c') && f !== 'native_main.c').sort() : [];
  const has = (tool) => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;
  if (sources.length === 0) result.c_optimization_levels = { not_run: `no C kernels in ${bench}` };
  else if (!has('clang') || !has('wasm-ld')) result.c_optimization_levels = { not_run: 'clang and wasm-ld (clang --target=wasm32) are not on PATH' };
  else {
    /** All kernels in one module: each one's `run` renamed `run_<kernel>` so they link together. */
    const build = (level) => {
      const objects = sources.map((s) => {
        const o = path.join(tmp, `${path.basename(s, '.c')}-${level}.o`);
        const c = spawnSync('clang', ['--target=wasm32', `-${level}`, '-nostdlib', '-c', `-Drun=run_${path.basename(s, '.c')}`, '-o', o, path.join(bench, s)], { encoding: 'utf8' });
        if (c.status !== 0) throw new Error(`clang -${level} ${s}: ${c.stderr}`);
        return o;
      });
      const out = path.join(tmp, `kernels-${level}.wasm`);
      const l = spawnSync('clang', ['--target=wasm32', '-nostdlib', '-Wl,--no-entry', '-Wl,--export-dynamic', '-o', out, ...objects], { encoding: 'utf8' });
      if (l.status !== 0) throw new Error(`link -${level}: ${l.stderr}`);
      return out;
    };
    const t0 = performance.now();
    const files = Object.fromEntries(['O1', 'O2', 'O3', 'Os'].map((l) => [l, build(l)]));
    result.c_optimization_levels = {
      program: `the ${sources.length} kernels of shared/bench (${sources.join(', ')}) linked into one module`,
      clang: spawnSync('clang', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
      build_ms: r1(performance.now() - t0),
      pairs: [
        pair('-O1', files.O1, '-O2', files.O2),
        pair('-O2', files.O2, '-O3', files.O3),
        pair('-O2', files.O2, '-Os', files.Os),
      ],
    };
  }
}

fs.rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
