/**
 * The incremental compilation cache inside `DerrickCompiler` (mission M5,
 * issue 8; Cranelift's `compile_with_cache`).
 *
 * # The problem
 *
 * `compileFunction` turns a translated function into a `CompiledCodeStencil`
 * by optimizing it (unless `opt_level=none`) and lowering it. Both steps
 * depend only on the `FunctionStencil` and the target, so the result can be
 * looked up by a key over exactly those, and the `FunctionParameters` (the
 * callee name table, the base source location) applied afterwards.
 *
 * # The approach
 *
 * Two keys into one store. `compileFunctionCached` (what `compileFunction`
 * calls) first tries a key over the translator's inputs — the body's bytes
 * and the module's non-code sections — whose hit skips translation too (the
 * first level, at the end of this file). On a miss it translates and calls
 * `compileWithCache(compiler, stencil, defIndex, compile)`, the second level:
 *
 * 1. key = `CacheKeyer.key(stencil)` over the stencil **as translated**,
 *    before `optimize` mutates it in place; the keyer covers the triple, all
 *    shared flags (`opt_level` included, so the optimized-or-not decision is
 *    in the key) except the check-mode flag, all ISA flags, and
 *    `compilerVersion` (below);
 * 2. hit → `deserializeCompiledCodeStencil(payload)`; optimize and lowering
 *    are skipped;
 * 3. miss → `compile()`, serialize, insert.
 *
 * **Compiler version.** The key must change when the code generator does.
 * `COMPILER_VERSION` = `fingerprintSources` over the `src` and `dist`
 * directories of `environ` (the vmctx layout), `codegen-ir`, `codegen`,
 * `codegen-x64`, `codegen-aarch64` and `compiler`, computed once per
 * process on first use (a few ms). Both
 * `src` and `dist` are hashed so a stale build can never store old code
 * under a new source's key. Where those directories cannot be read (a
 * published install without sources), the fallback is
 * `derrick-<FALLBACK_VERSION>` — bump it by hand with any code-generation
 * change that ships.
 *
 * Invariants.
 * * (CacheNeverFailsCompile) a store error, an async store (the compiler is
 *   synchronous; it cannot wait), or a payload that does not deserialize is a
 *   miss plus a warning, never a failed compile. Only check mode throws, by
 *   design, when a cached stencil differs from a fresh one.
 * * (KeyBeforeOptimize) the key is computed before `compile()` runs.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CacheKeyer,
  type CacheLookup,
  cacheKeyToHex,
  type CacheLogger,
  FunctionCache,
  consoleCacheLogger,
  fingerprintSources,
} from '@derrick/cache';
import {
  type CompiledCodeStencil,
  type SharedFlags,
  type TargetIsa,
  deserializeCompiledCodeStencil,
  serializeCompiledCodeStencil,
} from '@derrick/codegen';
import { createHash } from 'node:crypto';
import { type Function as IrFunction, FunctionParameters, type FunctionStencil } from '@derrick/codegen-ir';
import type { CacheStore, ModuleTranslation } from '@derrick/environ';

/** The hand-bumped fallback when the code generator's files cannot be fingerprinted. */
export const FALLBACK_VERSION = '0.1.0+cache1';

/** The shared flag that turns on check mode; not in the key (a checked run reuses an unchecked cache). */
export const CACHE_CHECKS_FLAG = 'enable_incremental_compilation_cache_checks';

/**
 * The packages whose code decides the machine code of a function. `environ`
 * is one of them: its `VMOffsets` layout is baked into every translated
 * memory, table and global access, and a first-level hit skips translation,
 * so a layout change must change the key.
 */
const CODEGEN_PACKAGES = ['environ', 'codegen-ir', 'codegen', 'codegen-x64', 'codegen-aarch64', 'compiler'];

let compilerVersion: string | undefined;

/** `fingerprintSources` of the code generator, once per process (see the module comment). */
export function codegenCompilerVersion(): string {
  if (compilerVersion !== undefined) return compilerVersion;
  try {
    // This file is packages/compiler/{src,dist}/cache-plumbing.{ts,js}.
    const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const dirs = CODEGEN_PACKAGES.flatMap((p) => ['src', 'dist'].map((d) => join(packages, p, d))).filter((d) => existsSync(d));
    compilerVersion = dirs.some((d) => d.endsWith(join('codegen', 'src')) || d.endsWith(join('codegen', 'dist')))
      ? `derrick-src-${fingerprintSources(dirs)}`
      : `derrick-${FALLBACK_VERSION}`;
  } catch {
    compilerVersion = `derrick-${FALLBACK_VERSION}`;
  }
  return compilerVersion;
}

/** What the compiler needs to reach the cache: one per compiler. */
interface CompilerCacheState {
  readonly cache: FunctionCache;
  /** The first level: keys taken before translation (see `compileFunctionCached`). */
  readonly early: FunctionCache;
  readonly keyer: CacheKeyer;
  readonly logger: CacheLogger;
  asyncWarned: boolean;
  /** Per module this compiler compiles: first-level key (hex) → its result (ModuleMemo). */
  readonly memos: WeakMap<ModuleTranslation, Map<string, { code: CompiledCodeStencil; params: FunctionParameters; baseDelta: number | undefined }>>;
}

/** The parts of `DerrickCompiler` this file reads. */
export interface CachingCompiler {
  readonly isa: TargetIsa;
  readonly shared: SharedFlags;
  readonly cacheStore?: CacheStore | undefined;
}

const states = new WeakMap<CachingCompiler, CompilerCacheState | null>();

/** Where cache warnings go (tests replace it). */
let cacheLogger: CacheLogger = consoleCacheLogger;
export function setCompilerCacheLogger(logger: CacheLogger): void {
  cacheLogger = logger;
}

function stateOf(compiler: CachingCompiler): CompilerCacheState | null {
  let s = states.get(compiler);
  if (s !== undefined) return s;
  const store = compiler.cacheStore;
  if (store === undefined) s = null;
  else {
    const sharedFlags: Record<string, string> = {};
    for (const [n, v] of compiler.shared.entries()) if (n !== CACHE_CHECKS_FLAG) sharedFlags[n] = String(v);
    const isaFlags: Record<string, string> = {};
    for (const [n, v] of compiler.isa.isaFlags.entries()) isaFlags[n] = String(v);
    const logger = cacheLogger;
    s = {
      cache: new FunctionCache(store, { checkMode: compiler.shared.get(CACHE_CHECKS_FLAG) === true, logger }),
      early: new FunctionCache(store, { checkMode: compiler.shared.get(CACHE_CHECKS_FLAG) === true, logger, label: 'incremental cache (first level)' }),
      keyer: new CacheKeyer({ triple: compiler.isa.triple, isaFlags, sharedFlags, compilerVersion: codegenCompilerVersion() }, { sha256: 'node' }),
      logger,
      asyncWarned: false,
      memos: new WeakMap(),
    };
  }
  states.set(compiler, s);
  return s;
}

/** The compiler's `FunctionCache` (statistics, checks), if it has a store. */
export function functionCacheOf(compiler: CachingCompiler): FunctionCache | undefined {
  return stateOf(compiler)?.cache;
}

export interface CachedCompile {
  readonly code: CompiledCodeStencil;
  readonly cacheHit: boolean;
  /** The serialized stencil — the stored payload on a hit, the fresh bytes on a miss — for the first level to reuse. */
  readonly serialized?: Uint8Array;
}

/**
 * Compile `stencil` through the compiler's cache (a plain `compile()` when it
 * has none). `compile` optimizes and lowers; it runs after the key is taken
 * (KeyBeforeOptimize).
 */
export function compileWithCache(
  compiler: CachingCompiler,
  stencil: FunctionStencil,
  defIndex: number,
  compile: () => CompiledCodeStencil,
): CachedCompile {
  const s = stateOf(compiler);
  if (s === null) return { code: compile(), cacheHit: false };
  const looked = s.cache.lookup(stencil, s.keyer);
  let hit: CacheLookup;
  if (looked instanceof Promise) {
    // The compiler is synchronous: an async store cannot answer in time.
    looked.catch(() => undefined);
    if (!s.asyncWarned) {
      s.asyncWarned = true;
      s.logger.warn('the cache store is asynchronous; the compiler is synchronous, so lookups are treated as misses');
    }
    return { code: compile(), cacheHit: false };
  }
  hit = looked;
  if (hit.payload !== undefined) {
    let cached: CompiledCodeStencil | undefined;
    try {
      cached = deserializeCompiledCodeStencil(hit.payload);
    } catch (e) {
      s.logger.warn(`wasm function ${defIndex}: cached code does not deserialize (${e instanceof Error ? e.message : String(e)}); recompiling`);
      s.cache.statistics.corrupt++;
      s.cache.statistics.hits--;
      s.cache.statistics.misses++;
      hit = { key: hit.key, payload: undefined, check: false };
    }
    if (cached !== undefined) {
      if (hit.check) s.cache.verifyHit(hit, serializeCompiledCodeStencil(compile()), `wasm function ${defIndex}`);
      return { code: cached, cacheHit: true, serialized: hit.payload };
    }
  }
  const code = compile();
  let bytes: Uint8Array | undefined;
  try {
    bytes = serializeCompiledCodeStencil(code);
  } catch (e) {
    s.logger.warn(`wasm function ${defIndex}: not cached (${e instanceof Error ? e.message : String(e)})`);
  }
  if (bytes !== undefined) {
    const inserted = s.cache.store(hit.key, bytes);
    if (inserted instanceof Promise) inserted.catch(() => undefined);
  }
  return bytes === undefined ? { code, cacheHit: false } : { code, cacheHit: false, serialized: bytes };
}

// ---------------------------------------------------------------------------
// The first level: a key taken before translation
// ---------------------------------------------------------------------------
//
// A hit on the stencil key above still pays for translation (wasm → IR),
// which measured ~75 % of a warm compile of QuickJS. The first level keys a
// function by what the translator reads, so a hit skips translation too:
//
//   L1 key = keyer(triple, flags, compilerVersion) over
//            0xff "DL1" · sha256(module bytes outside the code section) · body bytes (size prefix to end)
//   L1 value = "DL1" version · base delta · name table · serialized stencil
//
// (TranslatorInputs) the translator reads the body's bytes and the module's
// non-code sections (types, imports, function/table/memory/global sections,
// elements, …) — never another body — and its relative source locations are
// relative to the body's `localsStart`, so equal L1 keys give equal stencils
// and equal name tables; the base source location is re-derived from the
// body's position. Over-coverage (a data or name-section change misses the
// first level) falls back to the stencil key, which still hits.
// (ModuleMemo) within one module, a body identical to an earlier one reuses
// that one's result from memory (no store read, no decode); the memo lives as
// long as the compiler and the `ModuleTranslation`.
// (DomainSeparated) stencil canonical bytes start with a short length byte,
// never 0xff, so an L1 pre-image is never a stencil's; and an L1 value has
// its own magic, so even a confused entry is rejected as a miss.

const L1_MAGIC = [0x44, 0x4c, 0x31] as const; // "DL1"
const L1_VERSION = 1;
const NO_BASE = 0;

const envHashes = new WeakMap<ModuleTranslation, Uint8Array>();

/** sha256 of the module bytes outside the code section, once per module. */
function moduleEnvHash(t: ModuleTranslation): Uint8Array {
  let h = envHashes.get(t);
  if (h !== undefined) return h;
  const b = t.bytes;
  const hash = createHash('sha256');
  // Walk the section headers: id byte, uleb size.
  let p = 8;
  let start = 0;
  hash.update(b.subarray(0, 8));
  while (p < b.length) {
    const id = b[p]!;
    let q = p + 1;
    let size = 0;
    let scale = 1;
    for (;;) {
      const x = b[q++]!;
      size += (x & 0x7f) * scale;
      if (x < 0x80) break;
      scale *= 0x80;
    }
    if (id === 10) {
      hash.update(b.subarray(start, p));
      start = q + size;
    }
    p = q + size;
  }
  hash.update(b.subarray(start));
  h = new Uint8Array(hash.digest());
  envHashes.set(t, h);
  return h;
}

function earlyPreimage(t: ModuleTranslation, defIndex: number): Uint8Array {
  // Not the function's own index: nothing the translator produces depends on it
  // (TranslatorInputs), so identical bodies of one module share an entry.
  const body = t.functionBodies[defIndex]!;
  const env = moduleEnvHash(t);
  const code = t.bytes.subarray(body.entryStart, body.codeEnd);
  const out = new Uint8Array(4 + 32 + code.length);
  out.set([0xff, ...L1_MAGIC]);
  out.set(env, 4);
  out.set(code, 36);
  return out;
}

function uleb(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function encodeEarly(params: FunctionParameters, localsStart: number, stencilBytes: Uint8Array): Uint8Array | undefined {
  const head: number[] = [...L1_MAGIC, L1_VERSION];
  const base = params.baseSrcLoc;
  if (base === 0xffffffff) uleb(head, NO_BASE);
  else if (base >= localsStart) uleb(head, base - localsStart + 1);
  else return undefined;
  const names = params.userNamedFuncs();
  uleb(head, names.length);
  for (const n of names) {
    uleb(head, n.namespace);
    uleb(head, n.index);
  }
  const out = new Uint8Array(head.length + stencilBytes.length);
  out.set(head);
  out.set(stencilBytes, head.length);
  return out;
}

function decodeEarly(bytes: Uint8Array, localsStart: number): { params: FunctionParameters; stencil: CompiledCodeStencil } {
  let p = 0;
  const byte = (): number => {
    if (p >= bytes.length) throw new Error('truncated first-level entry');
    return bytes[p++]!;
  };
  const u = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const x = byte();
      v += (x & 0x7f) * scale;
      if (x < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 35) throw new Error('bad integer in first-level entry');
    }
  };
  for (const m of L1_MAGIC) if (byte() !== m) throw new Error('not a first-level entry');
  if (byte() !== L1_VERSION) throw new Error('first-level entry of another version');
  const params = new FunctionParameters();
  const base = u();
  if (base !== NO_BASE) params.ensureBaseSrcLoc(localsStart + base - 1);
  const n = u();
  for (let i = 0; i < n; i++) {
    const ref = params.ensureUserFuncName({ namespace: u(), index: u() });
    if (ref !== i) throw new Error('first-level entry has a duplicate name');
  }
  return { params, stencil: deserializeCompiledCodeStencil(bytes.subarray(p)) };
}

export interface CachedFunction {
  readonly code: CompiledCodeStencil;
  readonly params: FunctionParameters;
  readonly cacheHit: boolean;
}

/**
 * Compile defined function `defIndex` through both levels of the compiler's
 * cache: first the key over the translator's inputs (a hit skips
 * translation, optimization and lowering), then `translate()` and the
 * stencil key (`compileWithCache`). `compile(func)` optimizes and lowers.
 * Without a store: `compile(translate())`.
 */
export function compileFunctionCached(
  compiler: CachingCompiler,
  translation: ModuleTranslation,
  defIndex: number,
  translate: () => IrFunction,
  compile: (func: IrFunction) => CompiledCodeStencil,
): CachedFunction {
  const s = stateOf(compiler);
  if (s === null) {
    const func = translate();
    return { code: compile(func), params: func.params, cacheHit: false };
  }
  const body = translation.functionBodies[defIndex]!;
  const pre = earlyPreimage(translation, defIndex);
  // (ModuleMemo) an identical body earlier in the same module: reuse its result
  // without a store read or a decode. Skipped in check mode, so every hit is checked.
  let memo = s.memos.get(translation);
  if (memo === undefined) s.memos.set(translation, (memo = new Map()));
  const memoKey = s.early.checkMode ? undefined : cacheKeyToHex(s.keyer.keyOfCanonicalBytes(pre));
  const seen = memoKey === undefined ? undefined : memo.get(memoKey);
  if (seen !== undefined) {
    // The name table is the body's (same bytes); the base is this body's own position.
    const params = seen.params.clone();
    if (seen.baseDelta !== undefined) params.baseSrcLoc = (body.localsStart + seen.baseDelta) >>> 0;
    return { code: seen.code, params, cacheHit: true };
  }
  const remember = (r: CachedFunction): CachedFunction => {
    const base = r.params.baseSrcLoc;
    if (memoKey !== undefined && (base === 0xffffffff || base >= body.localsStart)) {
      memo.set(memoKey, { code: r.code, params: r.params.clone(), baseDelta: base === 0xffffffff ? undefined : base - body.localsStart });
    }
    return r;
  };
  // The keyer hashes whatever `canonicalBytes()` returns (DomainSeparated).
  const looked = s.early.lookup({ canonicalBytes: () => pre } as FunctionStencil, s.keyer);
  let early: CacheLookup | undefined;
  if (looked instanceof Promise) looked.catch(() => undefined);
  else early = looked;
  if (early?.payload !== undefined) {
    let hit: { params: FunctionParameters; stencil: CompiledCodeStencil } | undefined;
    try {
      hit = decodeEarly(early.payload, body.localsStart);
    } catch (e) {
      s.logger.warn(`wasm function ${defIndex}: first-level cache entry rejected (${e instanceof Error ? e.message : String(e)}); recompiling`);
      s.early.statistics.corrupt++;
      s.early.statistics.hits--;
      s.early.statistics.misses++;
      early = { key: early.key, payload: undefined, check: false };
    }
    if (hit !== undefined) {
      if (early.check) {
        const func = translate();
        const fresh = encodeEarly(func.params, body.localsStart, serializeCompiledCodeStencil(compile(func)));
        s.early.verifyHit(early, fresh ?? new Uint8Array(0), `wasm function ${defIndex} (first level)`);
      }
      return remember({ code: hit.stencil, params: hit.params, cacheHit: true });
    }
  }
  const func = translate();
  const r = compileWithCache(compiler, func.stencil, defIndex, () => compile(func));
  if (early !== undefined) {
    let bytes: Uint8Array | undefined;
    try {
      // The stencil's bytes from the second level when it made them (one serialization, not two).
      bytes = encodeEarly(func.params, body.localsStart, r.serialized ?? serializeCompiledCodeStencil(r.code));
    } catch {
      bytes = undefined;
    }
    if (bytes !== undefined) {
      const inserted = s.early.store(early.key, bytes);
      if (inserted instanceof Promise) inserted.catch(() => undefined);
    }
  }
  return remember({ code: r.code, params: func.params, cacheHit: r.cacheHit });
}


/** The compiler's first-level `FunctionCache`, if it has a store. */
export function earlyFunctionCacheOf(compiler: CachingCompiler): FunctionCache | undefined {
  return stateOf(compiler)?.early;
}
