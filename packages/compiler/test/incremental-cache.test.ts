/**
 * The incremental compilation cache inside the compiler (mission M5, issue 8;
 * `src/cache-plumbing.ts`): warm compiles are all hits and produce the same
 * text; check mode passes on a warm cache; a damaged disk entry, a throwing
 * store and an async store are misses with a warning, never a failed
 * compile; a change to the name table only still hits and finishes to what a
 * fresh compile gives; a change to the body misses. The fuzz over random
 * bodies is `tools/fuzz` (`pnpm fuzz:cache`; bounded run in `pnpm test`).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCacheStore, MemoryCacheStore, type CacheKvStore } from '@derrick/cache';
import type { CompiledCodeStencil } from '@derrick/codegen';
import type { FunctionParameters } from '@derrick/codegen-ir';
import { type CacheStore, type CompiledBody, type Compiler, decodeModule, type ModuleTranslation } from '@derrick/environ';
import { watToBinary } from '@derrick/wast';
import { afterEach, describe, expect, it } from 'vitest';
import { DerrickCompilerBuilder, earlyFunctionCacheOf, functionCacheOf, setCompilerCacheLogger } from '../src/index.js';
import { consoleCacheLogger } from '@derrick/cache';

interface Body {
  code: CompiledCodeStencil;
  params?: FunctionParameters;
  cacheHit: boolean;
}

const warnings: string[] = [];
setCompilerCacheLogger({ warn: (m) => warnings.push(m) });
afterEach(() => {
  warnings.length = 0;
});

function compiler(store?: CacheStore, settings: Record<string, string> = {}): Compiler {
  const b = new DerrickCompilerBuilder('x86_64');
  for (const [n, v] of Object.entries(settings)) b.set(n, v);
  if (store !== undefined) b.enableIncrementalCompilation(store);
  return b.build();
}

function compileAll(c: Compiler, t: ModuleTranslation): { bodies: Body[]; text: Uint8Array; rest: unknown } {
  const bodies: CompiledBody[] = [];
  // DerrickCompiler compiles synchronously.
  for (let i = 0; i < t.numDefinedFuncs; i++) bodies.push(c.compileFunction(t, i) as CompiledBody);
  const { text, ...rest } = c.buildText(t, bodies);
  return { bodies: bodies as unknown as Body[], text, rest };
}

const finished = (b: Body) => b.code.apply(b.params!);

const MODULE = `(module
  (memory 1)
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $sq2 (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $sum (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (call $sq (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func $mem (param i32) (result i64) (i64.load offset=8 (local.get 0)))
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "main") (param i32) (result i32) (i32.add (call $sum (local.get 0)) (call $sq2 (local.get 0)))))`;

const translate = async (wat: string) => decodeModule(await watToBinary(wat));

describe('incremental cache in DerrickCompiler', () => {
  it('a second compile with the same store is all hits and gives the same text; identical bodies hit within one module', async () => {
    const t = await translate(MODULE);
    const store = new MemoryCacheStore();
    const cold = compiler(store);
    const a = compileAll(cold, t);
    // $sq and $sq2 have identical bodies: the second one hits already.
    expect(cold.statistics()).toEqual({ functions: 6, cacheHits: 1, cacheMisses: 5 });
    const warm = compiler(store);
    const b = compileAll(warm, t);
    expect(warm.statistics()).toEqual({ functions: 6, cacheHits: 6, cacheMisses: 0 });
    expect(b.bodies.every((x) => x.cacheHit)).toBe(true);
    expect(b.text).toEqual(a.text);
    const fresh = compileAll(compiler(), t);
    expect(b.text).toEqual(fresh.text);
    // Locations, traps and the address map too (identical bodies have their own base source locations).
    expect(a.rest).toEqual(fresh.rest);
    expect(b.rest).toEqual(fresh.rest);
    expect(warnings).toEqual([]);
  });

  it('check mode on a warm cache recompiles every hit and passes', async () => {
    const t = await translate(MODULE);
    const store = new MemoryCacheStore();
    compileAll(compiler(store), t);
    const checked = compiler(store, { enable_incremental_compilation_cache_checks: 'true' });
    const r = compileAll(checked, t);
    expect(checked.statistics().cacheHits).toBe(6);
    // Every hit is a first-level one (same module): each was translated, compiled and compared.
    expect(earlyFunctionCacheOf(checked as never)!.checks).toBe(6);
    expect(functionCacheOf(checked as never)!.checks).toBe(0);
    expect(r.text).toEqual(compileAll(compiler(), t).text);
  });

  it('the key covers opt_level: an unoptimized compile does not hit optimized code', async () => {
    const t = await translate(MODULE);
    const store = new MemoryCacheStore();
    compileAll(compiler(store), t);
    const none = compiler(store, { opt_level: 'none' });
    compileAll(none, t);
    expect(none.statistics().cacheHits).toBe(1); // only $sq2 after $sq
  });

  it('a damaged disk entry is a counted miss and the output is still right', async () => {
    const t = await translate(MODULE);
    const dir = mkdtempSync(join(tmpdir(), 'derrick-icache-'));
    const fresh = compileAll(compiler(), t).text;
    compileAll(compiler(new DiskCacheStore(dir, { logger: { warn: () => {} } })), t);
    const entries = readdirSync(dir)
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)));
    // 5 distinct stencils + 5 first-level entries (one per distinct body).
    expect(entries.length).toBe(10);
    for (const e of entries) {
      const bytes = readFileSync(e);
      bytes[bytes.length - 3]! ^= 0x40;
      writeFileSync(e, bytes);
    }
    const diskStore = new DiskCacheStore(dir, { logger: { warn: () => {} } });
    const c = compiler(diskStore);
    const r = compileAll(c, t);
    expect(r.text).toEqual(fresh);
    // Every first-level read finds a damaged entry (then every stencil read does too),
    // except $sq2's, which $sq's recompile has just rewritten.
    expect(diskStore.statistics.corrupt).toBe(10);
    expect(c.statistics()).toEqual({ functions: 6, cacheHits: 1, cacheMisses: 5 });
    // A second pass over the repaired cache is all hits again.
    const again = compiler(new DiskCacheStore(dir, { logger: { warn: () => {} } }));
    expect(compileAll(again, t).text).toEqual(fresh);
    expect(again.statistics().cacheHits).toBe(6);
  });

  it('a store that throws, or that is async, is a miss with a warning — never a failed compile', async () => {
    const t = await translate(MODULE);
    const fresh = compileAll(compiler(), t).text;
    const throwing: CacheKvStore = {
      get: () => {
        throw new Error('disk on fire');
      },
      insert: () => {
        throw new Error('disk on fire');
      },
    };
    const c = compiler(throwing);
    expect(compileAll(c, t).text).toEqual(fresh);
    // $sq2 reuses $sq's result from memory (ModuleMemo); the store answers nothing.
    expect(c.statistics()).toEqual({ functions: 6, cacheHits: 1, cacheMisses: 5 });
    expect(warnings.some((w) => w.includes('disk on fire'))).toBe(true);
    warnings.length = 0;
    const asyncStore: CacheKvStore = { get: async () => undefined, insert: async () => true };
    const d = compiler(asyncStore);
    expect(compileAll(d, t).text).toEqual(fresh);
    expect(warnings.filter((w) => w.includes('asynchronous'))).toHaveLength(1);
  });

  it('first level: an unchanged module hits before translation; one changed body misses alone; a data change falls back to the stencil key', async () => {
    const store = new MemoryCacheStore();
    const base = (k: number, data: string) =>
      `(module (memory 1) (data (i32.const 0) "${data}")
        (func $a (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func $b (param i32) (result i32) (i32.mul (local.get 0) (i32.const ${k})))
        (func (param i32) (result i32) (call $b (call $a (local.get 0)))))`;
    const t0 = await translate(base(5, 'x'));
    compileAll(compiler(store), t0);
    const warm = compiler(store);
    compileAll(warm, t0);
    expect(earlyFunctionCacheOf(warm as never)!.statistics.hits).toBe(3);
    expect(functionCacheOf(warm as never)!.statistics.hits + functionCacheOf(warm as never)!.statistics.misses).toBe(0);
    const one = compiler(store);
    const r1 = compileAll(one, await translate(base(6, 'x')));
    expect(r1.bodies.map((b) => b.cacheHit)).toEqual([true, false, true]);
    expect(r1.text).toEqual(compileAll(compiler(), await translate(base(6, 'x'))).text);
    const data = compiler(store);
    const r2 = compileAll(data, await translate(base(5, 'y')));
    expect(r2.bodies.every((b) => b.cacheHit)).toBe(true);
    expect(earlyFunctionCacheOf(data as never)!.statistics.hits).toBe(0);
    expect(functionCacheOf(data as never)!.statistics.hits).toBe(3);
    expect(r2.text).toEqual(compileAll(compiler(), await translate(base(5, 'y'))).text);
  });

  it('changing only the name table hits, and finishes to what a fresh compile gives; changing the body misses', async () => {
    const caller = (callee: string) => `(func (param i32) (result i32) (i32.add (call ${callee} (local.get 0)) (i32.const 7)))`;
    const id = '(func $id (param i32) (result i32) (local.get 0))';
    const other = '(func (param i32) (result i32) (i32.const 3))';
    // A: the caller is function 1 and calls function 0; B: padded, the caller is function 3, calls function 2.
    const A = `(module ${id} ${caller('$id')})`;
    const B = `(module ${other} ${other} ${id} ${caller('$id')})`;
    const ta = await translate(A);
    const tb = await translate(B);
    const store = new MemoryCacheStore();
    compileAll(compiler(store), ta);
    const c = compiler(store);
    const rb = compileAll(c, tb);
    expect(rb.bodies[3]!.cacheHit).toBe(true);
    const freshB = compileAll(compiler(), tb);
    expect(finished(rb.bodies[3]!)).toEqual(finished(freshB.bodies[3]!));
    expect(finished(rb.bodies[3]!).relocs.map((r) => r.target)).not.toEqual([]);
    expect(rb.text).toEqual(freshB.text);
    // One immediate changed: a miss.
    const tc = await translate(`(module ${id} (func (param i32) (result i32) (i32.add (call $id (local.get 0)) (i32.const 8))))`);
    const d = compiler(store);
    expect(compileAll(d, tc).bodies[1]!.cacheHit).toBe(false);
  });
});

// The seeded fuzz over random wasm bodies (reload identical, renamed callee
// hits, changed body misses) and random IR functions is the fuzz target
// `tools/fuzz/src/cache.ts`; its bounded run is `tools/fuzz/src/cache.test.ts`.

// Keep the default logger for anything else in this process.
process.on('exit', () => setCompilerCacheLogger(consoleCacheLogger));
