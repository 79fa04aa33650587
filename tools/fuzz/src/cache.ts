/**
 * Fuzz target: the incremental compilation cache (issue 8).
 *
 * # What it checks
 *
 * Three properties, each on inputs drawn from a seeded generator:
 *
 * * **reload** — a function compiled through the cache, then looked up again
 *   through a *new* `FunctionCache` over the same store (for the disk store: a
 *   new `DiskCacheStore` on the same directory), hits, and the reloaded code
 *   is identical: the payload is byte-for-byte the serialized fresh stencil,
 *   and finishing it (`apply(params)`) gives exactly the fresh compile's
 *   finished code.
 * * **names** — changing only the `FunctionParameters` (every name-table
 *   entry renamed, the base source location moved) leaves the key unchanged,
 *   hits, and the cached stencil finished with the *new* parameters equals a
 *   fresh compile of the renamed function.
 * * **mutation** — changing any one instruction (opcode, argument, branch
 *   target), immediate, type, relative source location or declaration of the
 *   stencil (`stencil-mutations.ts`) changes the key.
 *
 * Inputs, per iteration:
 *
 * * a random IR function (`random-function.ts`, calls through the name table,
 *   random relative source locations), compiled by the x64 or the AArch64
 *   backend with the mid-end optimizer, as `DerrickCompiler` does;
 * * a random wasm module (an i32 expression body calling another function),
 *   compiled end to end by `DerrickCompiler` with a cache store (both cache
 *   levels): warm compile → all hits and the same text; the same body with
 *   its callee at another index behind padding functions → a hit that
 *   finishes to a fresh compile; a `nop` (only relative source locations
 *   move), a local's type, or one constant changed → a miss.
 *
 * # Reproducing a failure
 *
 * Iteration `i` of a run with seed `S` draws everything from seed `S + i`, so
 * a failure (`CacheFuzzFailure`) names the one seed that reproduces it alone:
 * `pnpm fuzz:cache --seed <failure.seed> --iterations 1`. Its message carries
 * the property, what was changed, and the input: the random function as CLIF
 * (a few dozen lines) or the wasm module as WAT.
 *
 * # Checking the checker
 *
 * `CacheFuzzHooks` replaces the pieces under test — the key, the payload
 * codec, how a hit is finished, the store — so a test can plant a known bug
 * and see the matching property fail (`cache.test.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  type CacheKeyIsa,
  CacheKeyer,
  type CacheKvStore,
  DiskCacheStore,
  FunctionCache,
  MemoryCacheStore,
  cacheKeyToHex,
  consoleCacheLogger,
  silentCacheLogger,
} from '@derrick/cache';
import {
  type CompiledCode,
  type CompiledCodeStencil,
  type TargetIsa,
  deserializeCompiledCodeStencil,
  optimize,
  serializeCompiledCodeStencil,
  sharedSettingsBuilder,
} from '@derrick/codegen';
import { aarch64IsaBuilder } from '@derrick/codegen-aarch64';
import { type Function, type FunctionParameters, printFunction, userExternalName } from '@derrick/codegen-ir';
import { x64IsaBuilder } from '@derrick/codegen-x64';
import { DerrickCompilerBuilder, RUNTIME_ABI, codegenCompilerVersion, setCompilerCacheLogger } from '@derrick/compiler';
import { type CompiledBody, type Compiler, type ModuleTranslation, decodeModule } from '@derrick/environ';
import { watToBinary } from '@derrick/wast';
import { Rng, randomFunction } from './random-function.js';
import { mutationSites } from './stencil-mutations.js';

export type CacheFuzzProperty = 'reload' | 'names' | 'mutation' | 'wasm-reload' | 'wasm-names' | 'wasm-change';

/** Replaceable pieces, for planting bugs (tests of the fuzz target itself). */
export interface CacheFuzzHooks {
  /** The key of `f` (default: `defaultKey`, the compiler's `CacheKeyer` over `f.stencil`). */
  key?: (f: Function, defaultKey: Uint8Array) => Uint8Array;
  /** Payload encoding (default: `serializeCompiledCodeStencil`). */
  serialize?: (code: CompiledCodeStencil) => Uint8Array;
  /** Payload decoding (default: `deserializeCompiledCodeStencil`). */
  deserialize?: (bytes: Uint8Array) => CompiledCodeStencil;
  /**
   * Finish a cached stencil for the function being compiled (default:
   * `code.apply(params)`); `storedWith` are the parameters of the function
   * whose compile stored the entry.
   */
  finish?: (code: CompiledCodeStencil, params: FunctionParameters, storedWith: FunctionParameters) => CompiledCode;
  /** Wrap the store the wasm-level checks compile against. */
  wasmStore?: (inner: CacheKvStore) => CacheKvStore;
}

export interface CacheFuzzOptions {
  /** First seed; iteration `i` uses `seed + i`. */
  seed?: number;
  /** Stop after this many iterations (default: unbounded when `timeLimitMs` is set, else 100). */
  iterations?: number;
  /** Stop starting new iterations after this many milliseconds. */
  timeLimitMs?: number;
  /** Which inputs (default both). */
  inputs?: { ir?: boolean; wasm?: boolean };
  /** Mutation sites checked per random IR function (default 24; `Infinity` for all). */
  mutationsPerFunction?: number;
  hooks?: CacheFuzzHooks;
  /** Called after each iteration (progress reports). */
  onIteration?: (iteration: number, seed: number) => void;
}

export interface CacheFuzzResult {
  readonly seed: number;
  readonly iterations: number;
  readonly elapsedMs: number;
  /** Random IR functions compiled, per ISA. */
  readonly irFunctions: { x64: number; aarch64: number };
  /** Cache hits the properties expected and got (reload + names, IR and wasm). */
  readonly hits: number;
  /** Name-table-only changes checked. */
  readonly nameChanges: number;
  /** Of those, changes of a function with callees in its name table (the rest move only the base). */
  readonly nameChangesWithCallees: number;
  /** Stencil mutations whose key was checked to change. */
  readonly mutations: number;
  /** Text mutations skipped because the edited CLIF does not parse (not a stencil). */
  readonly mutationsNotParsed: number;
  /** Random wasm modules compiled end to end. */
  readonly wasmModules: number;
  /** Changed wasm bodies checked to miss. */
  readonly wasmChanges: number;
}

/** A property failed: `seed` reproduces it with `iterations: 1`. */
export class CacheFuzzFailure extends Error {
  constructor(
    readonly seed: number,
    readonly property: CacheFuzzProperty,
    /** What was changed or compared. */
    readonly detail: string,
    /** The failing input: CLIF of the random function, or WAT of the module. */
    readonly input: string,
    options?: ErrorOptions,
  ) {
    super(
      `cache fuzz: property "${property}" failed at seed ${seed}: ${detail}\n` +
        `reproduce: pnpm fuzz:cache --seed ${seed} --iterations 1\n` +
        `input:\n${input}`,
      options,
    );
    this.name = 'CacheFuzzFailure';
  }
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

export async function runCacheFuzz(options: CacheFuzzOptions = {}): Promise<CacheFuzzResult> {
  const seed = (options.seed ?? 1) >>> 0;
  const limit = options.iterations ?? (options.timeLimitMs !== undefined ? Infinity : 100);
  const deadline = options.timeLimitMs !== undefined ? performance.now() + options.timeLimitMs : Infinity;
  const ir = options.inputs?.ir ?? true;
  const wasm = options.inputs?.wasm ?? true;
  const hooks = options.hooks ?? {};
  const stats = { irFunctions: { x64: 0, aarch64: 0 }, hits: 0, nameChanges: 0, nameChangesWithCallees: 0, mutations: 0, mutationsNotParsed: 0, wasmModules: 0, wasmChanges: 0 };
  const targets = [target('x64'), target('aarch64')];
  const diskRoot = mkdtempSync(join(tmpdir(), 'derrick-fuzz-cache-'));
  const t0 = performance.now();
  let i = 0;
  setCompilerCacheLogger(silentCacheLogger);
  try {
    for (; i < limit && (i === 0 || performance.now() < deadline); i++) {
      const s = (seed + i) >>> 0;
      const dir = join(diskRoot, String(i));
      if (ir) irIteration(s, targets[s % 2]!, s % 4 < 2 ? 'memory' : dir, options.mutationsPerFunction ?? 24, hooks, stats);
      rmSync(dir, { recursive: true, force: true });
      if (wasm) await wasmIteration(s, hooks, stats);
      options.onIteration?.(i, s);
    }
  } finally {
    rmSync(diskRoot, { recursive: true, force: true });
    setCompilerCacheLogger(consoleCacheLogger);
  }
  return { seed, iterations: i, elapsedMs: performance.now() - t0, ...stats };
}

// ---------------------------------------------------------------------------
// Random IR functions through a FunctionCache
// ---------------------------------------------------------------------------

interface Target {
  readonly name: 'x64' | 'aarch64';
  readonly isa: TargetIsa;
  readonly keyIsa: CacheKeyIsa;
}

function target(name: 'x64' | 'aarch64'): Target {
  // opt_level=speed: `compileStencil` runs the mid-end, and the key must say so.
  const isa = (name === 'x64' ? x64IsaBuilder() : aarch64IsaBuilder()).finish(sharedSettingsBuilder().set('opt_level', 'speed').finish());
  const str = (entries: [string, unknown][]): Record<string, string> => Object.fromEntries(entries.map(([n, v]) => [n, String(v)]));
  // The same target description the compiler's keyer is built from (cache-plumbing.ts).
  return { name, isa, keyIsa: { triple: isa.triple, isaFlags: str(isa.isaFlags.entries()), sharedFlags: str(isa.flags.entries()), compilerVersion: codegenCompilerVersion() } };
}

/** A keyer whose key goes through `hooks.key` for the function being looked up. */
class HookedKeyer extends CacheKeyer {
  current: Function | undefined;
  constructor(
    isa: CacheKeyIsa,
    private readonly hook: CacheFuzzHooks['key'],
  ) {
    super(isa, { sha256: 'node' });
  }
  override key(stencil: Parameters<CacheKeyer['key']>[0]): Uint8Array {
    const k = super.key(stencil);
    return this.hook !== undefined && this.current !== undefined ? this.hook(this.current, k) : k;
  }
  keyOf(f: Function): Uint8Array {
    this.current = f;
    try {
      return this.key(f.stencil);
    } finally {
      this.current = undefined;
    }
  }
}

/** What `DerrickCompiler` does on a miss: the mid-end, then the backend — on a copy (optimize mutates). */
function compileStencil(f: Function, isa: TargetIsa): CompiledCodeStencil {
  const g = f.clone();
  optimize(g, { optLevel: isa.flags.get('opt_level') });
  return isa.compileFunction(g.stencil, { runtimeAbi: RUNTIME_ABI });
}

/** A random function whose callee is in the name table and whose instructions carry source locations. */
function irInput(rng: Rng): Function {
  const f = randomFunction(rng, 'fuzz', { traps: rng.chance(0.5), floats: rng.chance(0.7), fma: 'none', calls: rng.chance(0.6), calleeName: 'user', size: rng.int(12) });
  const base = rng.int(0x10_0000);
  let loc = base;
  for (const b of f.layout.blocks()) {
    for (const inst of f.layout.blockInsts(b)) {
      loc += rng.int(6);
      if (rng.chance(0.85)) f.setSrcLoc(inst, loc);
    }
  }
  return f;
}

const sync = <T>(x: T | Promise<T>): T => {
  if (x instanceof Promise) throw new Error('the fuzz target expects a synchronous store');
  return x;
};

function irIteration(seed: number, t: Target, storeKind: 'memory' | string, mutationsPerFunction: number, hooks: CacheFuzzHooks, stats: { irFunctions: Record<string, number>; hits: number; nameChanges: number; nameChangesWithCallees: number; mutations: number; mutationsNotParsed: number }): void {
  const rng = new Rng(seed);
  const f = irInput(rng);
  const input = `; ${t.name}, ${storeKind === 'memory' ? 'memory' : 'disk'} store\n${printFunction(f)}`;
  const fail = (property: CacheFuzzProperty, detail: string, cause?: unknown): never => {
    throw new CacheFuzzFailure(seed, property, detail, input, cause !== undefined ? { cause } : undefined);
  };
  const serialize = hooks.serialize ?? serializeCompiledCodeStencil;
  const deserialize = hooks.deserialize ?? deserializeCompiledCodeStencil;
  const finish = hooks.finish ?? ((code, params) => code.apply(params));
  const keyer = new HookedKeyer(t.keyIsa, hooks.key);
  const memory = new MemoryCacheStore();
  const openStore = (): CacheKvStore => (storeKind === 'memory' ? memory : new DiskCacheStore(storeKind, { logger: silentCacheLogger }));
  const lookup = (g: Function): { key: Uint8Array; payload: Uint8Array | undefined; cache: FunctionCache } => {
    const cache = new FunctionCache(openStore(), { logger: silentCacheLogger });
    keyer.current = g;
    try {
      return { ...sync(cache.lookup(g.stencil, keyer)), cache };
    } finally {
      keyer.current = undefined;
    }
  };

  // Compile through the cache: a miss, stored.
  let fresh: CompiledCodeStencil;
  try {
    fresh = compileStencil(f, t.isa);
  } catch (e) {
    return fail('reload', `the ${t.name} backend rejected the random function: ${(e as Error).message}`, e);
  }
  stats.irFunctions[t.name]!++;
  const freshBytes = serializeCompiledCodeStencil(fresh);
  const first = lookup(f);
  if (first.payload !== undefined) fail('reload', 'an empty store hit');
  if (!sync(first.cache.store(first.key, serialize(fresh)))) fail('reload', 'the store refused the entry');

  // reload: a new cache over the same store hits, and the code is identical.
  const again = lookup(f);
  if (again.payload === undefined) fail('reload', `no hit for key ${cacheKeyToHex(again.key)} right after storing it`);
  let reloaded: CompiledCodeStencil;
  try {
    reloaded = deserialize(again.payload!);
  } catch (e) {
    return fail('reload', `the cached payload does not deserialize: ${(e as Error).message}`, e);
  }
  if (!bytesEqual(serializeCompiledCodeStencil(reloaded), freshBytes)) fail('reload', 'the reloaded stencil differs from the fresh one');
  if (!isDeepStrictEqual(finish(reloaded, f.params, f.params), fresh.apply(f.params))) fail('reload', 'the reloaded code, finished, differs from the fresh compile');
  stats.hits++;

  // names: rename every name-table entry and move the base; same key, a hit, finishes to a fresh compile.
  const g = f.clone();
  const renamed: string[] = [];
  g.params.userNamedFuncs().forEach((_, ref) => {
    const name = userExternalName(rng.int(4), rng.int(100_000));
    g.params.resetUserFuncName(ref, name);
    renamed.push(`u${name.namespace}:${name.index}`);
  });
  if (g.params.baseSrcLoc !== 0xffff_ffff) g.params.baseSrcLoc = (g.params.baseSrcLoc + 1 + rng.int(0x7000_0000)) >>> 0;
  const what = `names [${renamed.join(', ')}], base ${g.params.baseSrcLoc.toString(16)}`;
  if (!bytesEqual(keyer.keyOf(g), keyer.keyOf(f))) fail('names', `the key changed with only the parameters changed (${what})`);
  const hit = lookup(g);
  if (hit.payload === undefined) fail('names', `no hit after changing only the parameters (${what})`);
  const finished = finish(deserialize(hit.payload!), g.params, f.params);
  if (!isDeepStrictEqual(finished, compileStencil(g, t.isa).apply(g.params))) fail('names', `the cached code finished with the new parameters differs from a fresh compile (${what})`);
  stats.hits++;
  stats.nameChanges++;
  if (renamed.length > 0) stats.nameChangesWithCallees++;

  // mutation: one change to the stencil changes the key.
  const k0 = keyer.keyOf(f);
  const sites = mutationSites(f);
  const picks = mutationsPerFunction >= sites.length ? sites.map((_, n) => n) : Array.from({ length: mutationsPerFunction }, () => rng.int(sites.length));
  for (const n of picks) {
    const site = sites[n]!;
    const r = rng.int(1 << 16);
    let mutated: Function;
    try {
      mutated = site.apply(f.clone(), r);
    } catch (e) {
      // A text edit (opcode, type) whose result the parser rejects — e.g. a type
      // narrowed below an immediate — is not a stencil: nothing to key.
      if (site.textual === true) {
        stats.mutationsNotParsed++;
        continue;
      }
      throw e;
    }
    if (bytesEqual(keyer.keyOf(mutated), k0)) fail('mutation', `the key did not change with ${site.what} (r=${r})`);
    stats.mutations++;
  }
}

// ---------------------------------------------------------------------------
// Random wasm bodies through DerrickCompiler
// ---------------------------------------------------------------------------

type Expr = { op: 'const'; v: number } | { op: 'local'; i: number } | { op: 'bin'; name: string; a: Expr; b: Expr } | { op: 'un'; name: string; a: Expr };
const BIN = ['i32.add', 'i32.sub', 'i32.mul', 'i32.and', 'i32.or', 'i32.xor', 'i32.shl', 'i32.shr_u', 'i32.rotl', 'i32.lt_s', 'i32.eq', 'i32.div_u'];
const UN = ['i32.eqz', 'i32.clz', 'i32.popcnt'];

function randomExpr(rng: Rng, depth: number): Expr {
  const k = depth <= 0 ? rng.int(2) : rng.int(5);
  if (k === 0) return { op: 'const', v: rng.int(2001) - 1000 };
  if (k === 1) return { op: 'local', i: rng.int(3) };
  if (k === 2) return { op: 'un', name: rng.pick(UN), a: randomExpr(rng, depth - 1) };
  return { op: 'bin', name: rng.pick(BIN), a: randomExpr(rng, depth - 1), b: randomExpr(rng, depth - 1) };
}
const wat = (e: Expr): string =>
  e.op === 'const' ? `(i32.const ${e.v})` : e.op === 'local' ? `(local.get ${e.i})` : e.op === 'un' ? `(${e.name} ${wat(e.a)})` : `(${e.name} ${wat(e.a)} ${wat(e.b)})`;
const hasConst = (e: Expr): boolean => e.op === 'const' || (e.op !== 'local' && (hasConst(e.a) || (e.op === 'bin' && hasConst(e.b))));
const bumpFirstConst = (e: Expr): Expr => {
  if (e.op === 'const') return { op: 'const', v: e.v + 1 };
  if (e.op === 'local') return e;
  if (hasConst(e.a)) return { ...e, a: bumpFirstConst(e.a) };
  return e.op === 'bin' ? { ...e, b: bumpFirstConst(e.b) } : e;
};
/** The body under test: locals 0–1 are parameters, 2 holds a call's result. */
const body = (e: Expr, callee: string, prefix = '', local = '(local i32)') =>
  `(func (param i32 i32) (result i32) ${local} ${prefix}(local.set 2 (call ${callee} (local.get 0))) ${wat(e)})`;
const CALLEE = '(func $f (param i32) (result i32) (local.get 0))';
const PAD = '(func (param i32) (result i32) (i32.const 5))';

function compileModule(c: Compiler, t: ModuleTranslation): { bodies: (CompiledBody & { code: CompiledCodeStencil; params?: FunctionParameters; cacheHit: boolean })[]; text: Uint8Array } {
  const bodies: CompiledBody[] = [];
  for (let i = 0; i < t.numDefinedFuncs; i++) bodies.push(c.compileFunction(t, i) as CompiledBody);
  return { bodies: bodies as never, text: c.buildText(t, bodies).text };
}

async function wasmIteration(seed: number, hooks: CacheFuzzHooks, stats: { hits: number; wasmModules: number; wasmChanges: number }): Promise<void> {
  const rng = new Rng(seed ^ 0x5eed_0001);
  const e = randomExpr(rng, 1 + rng.int(4));
  const pad = rng.int(4);
  const triple = rng.chance(0.5) ? 'x86_64' : 'aarch64';
  const mod = (...funcs: string[]) => `(module ${funcs.join(' ')})`;
  const A = mod(CALLEE, body(e, '$f'));
  const input = `;; ${triple}\n${A}`;
  const fail = (property: CacheFuzzProperty, detail: string): never => {
    throw new CacheFuzzFailure(seed, property, detail, input);
  };
  const memory = new MemoryCacheStore();
  const store = hooks.wasmStore !== undefined ? hooks.wasmStore(memory) : memory;
  const compiler = (withStore = true): Compiler => {
    const b = new DerrickCompilerBuilder(triple);
    b.set('opt_level', 'speed');
    if (withStore) b.enableIncrementalCompilation(store);
    return b.build();
  };
  const translate = async (text: string) => decodeModule(await watToBinary(text));
  const finished = (b: { code: CompiledCodeStencil; params?: FunctionParameters }) => b.code.apply(b.params!);

  // wasm-reload: compiled twice through one store: the second is all hits, with the same text.
  const ta = await translate(A);
  const first = compileModule(compiler(), ta);
  const again = compileModule(compiler(), ta);
  stats.wasmModules++;
  if (!again.bodies.every((b) => b.cacheHit)) fail('wasm-reload', 'a warm compile of the same module missed');
  if (!isDeepStrictEqual(finished(again.bodies[1]!), finished(first.bodies[1]!))) fail('wasm-reload', 'the warm compile finished to different code');
  if (!bytesEqual(again.text, first.text)) fail('wasm-reload', 'the warm compile laid out a different text section');
  stats.hits++;

  // wasm-names: the same body, its callee at index `pad` instead of 0, in another module: a hit, finishing to a fresh compile.
  const tb = await translate(mod(...Array.from({ length: pad }, () => PAD), CALLEE, body(e, '$f')));
  const b = compileModule(compiler(), tb);
  if (!b.bodies[pad + 1]!.cacheHit) fail('wasm-names', `the same body with its callee at index ${pad} missed`);
  if (!isDeepStrictEqual(finished(b.bodies[pad + 1]!), finished(compileModule(compiler(false), tb).bodies[pad + 1]!))) fail('wasm-names', `with its callee at index ${pad}, the cached body finished differently from a fresh compile`);
  stats.hits++;

  // wasm-change: a change of the stencil misses.
  const changes: [string, string][] = [
    // Only relative source locations move (a `nop` emits no IR).
    ['a nop before the body (relative source locations move)', body(e, '$f', '(nop) ')],
    // An unused local's type: i32 → i64 (the used local moves to index 3).
    ['a local of another type', body(e, '$f', '', '(local i64) (local i32)').replaceAll('local.get 2', 'local.get 3').replace('local.set 2', 'local.set 3')],
  ];
  if (hasConst(e)) changes.push(['the first constant + 1', body(bumpFirstConst(e), '$f')]);
  for (const [what, changed] of changes) {
    const c = compileModule(compiler(), await translate(mod(CALLEE, changed)));
    if (c.bodies[1]!.cacheHit) fail('wasm-change', `${what}: still a hit`);
    stats.wasmChanges++;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
