/**
 * The cache fuzz target's bounded run in CI (`pnpm test`), and proof that each
 * of its properties can fail: a bug planted through `CacheFuzzHooks` is
 * caught by the property that guards against it, with a seed that reproduces
 * the failure alone.
 */
import { createHash } from 'node:crypto';
import type { CacheKvStore } from '@derrick/cache';
import { deserializeCompiledCodeStencil } from '@derrick/codegen';
import { describe, expect, it } from 'vitest';
import { CacheFuzzFailure, type CacheFuzzHooks, type CacheFuzzOptions, type CacheFuzzProperty, runCacheFuzz } from './cache.js';

const SEED = 0x1cac4e;

async function failure(options: CacheFuzzOptions): Promise<CacheFuzzFailure> {
  try {
    await runCacheFuzz(options);
  } catch (e) {
    if (e instanceof CacheFuzzFailure) return e;
    throw e;
  }
  throw new Error('the planted bug was not caught');
}

/** The planted bug is caught by `property`, and the reported seed alone reproduces it. */
async function caught(property: CacheFuzzProperty, hooks: CacheFuzzHooks, inputs: CacheFuzzOptions['inputs'], what: RegExp): Promise<void> {
  const f = await failure({ seed: SEED, iterations: 30, inputs, hooks });
  expect(f.property).toBe(property);
  expect(f.detail).toMatch(what);
  expect(f.message).toContain(`--seed ${f.seed} --iterations 1`);
  const again = await failure({ seed: f.seed, iterations: 1, inputs, hooks });
  expect([again.property, again.detail]).toEqual([f.property, f.detail]);
}

const sha = (...parts: (Uint8Array | string)[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

describe('cache fuzz target (bounded run)', () => {
  it('every property holds over random IR functions (x64 and AArch64) and random wasm modules', async () => {
    const n = 120;
    const r = await runCacheFuzz({ seed: SEED, iterations: n });
    console.log(`cache fuzz: ${JSON.stringify({ ...r, elapsedMs: Math.round(r.elapsedMs) })}`);
    expect(r.iterations).toBe(n);
    expect(r.irFunctions).toEqual({ x64: n / 2, aarch64: n / 2 });
    // reload + names, for each IR function and each wasm module.
    expect(r.hits).toBe(4 * n);
    expect(r.nameChanges).toBe(n);
    expect(r.nameChangesWithCallees).toBeGreaterThan(n / 4);
    // 24 per function (all of them for the few functions with fewer sites).
    expect(r.mutations + r.mutationsNotParsed).toBeGreaterThan(23 * n);
    expect(r.mutationsNotParsed).toBeLessThan(r.mutations / 10);
    expect(r.wasmModules).toBe(n);
    expect(r.wasmChanges).toBeGreaterThanOrEqual(2 * n);
  });

  it('every mutation site of a few functions changes the key', async () => {
    const r = await runCacheFuzz({ seed: SEED + 1000, iterations: 4, inputs: { wasm: false }, mutationsPerFunction: Infinity });
    expect(r.mutations).toBeGreaterThan(4 * 24);
  });

  it('stops at the time limit', async () => {
    const r = await runCacheFuzz({ seed: SEED, timeLimitMs: 1, inputs: { wasm: false } });
    expect(r.iterations).toBe(1);
  });
});

describe('cache fuzz target: each property catches a planted bug', () => {
  it('mutation: a key blind to relative source locations', async () => {
    const key: CacheFuzzHooks['key'] = (f) => {
      const g = f.clone();
      for (const b of g.layout.blocks()) for (const i of g.layout.blockInsts(b)) g.stencil.setRelSrcLoc(i, 0xffff_ffff);
      return sha(g.stencil.canonicalBytes());
    };
    await caught('mutation', { key }, { wasm: false }, /relative source location/);
  });

  it('mutation: a key over only the first half of the canonical encoding', async () => {
    const key: CacheFuzzHooks['key'] = (f) => {
      const c = f.stencil.canonicalBytes();
      return sha(c.subarray(0, c.length >> 1));
    };
    await caught('mutation', { key }, { wasm: false }, /the key did not change/);
  });

  it('names: a key that covers the name table and the base location', async () => {
    const key: CacheFuzzHooks['key'] = (f, k) => sha(k, f.params.toString());
    await caught('names', { key }, { wasm: false }, /the key changed/);
  });

  it('names: a hit finished with the parameters it was stored with', async () => {
    const finish: CacheFuzzHooks['finish'] = (code, _params, storedWith) => code.apply(storedWith);
    await caught('names', { finish }, { wasm: false }, /differs from a fresh compile/);
  });

  it('reload: a codec that loses a byte of code', async () => {
    const deserialize: CacheFuzzHooks['deserialize'] = (bytes) => {
      const s = deserializeCompiledCodeStencil(bytes.slice());
      s.code[s.code.length >> 1]! ^= 0x10;
      return s;
    };
    await caught('reload', { deserialize }, { wasm: false }, /reloaded stencil differs/);
  });

  it('wasm-reload: a store that loses what it was given', async () => {
    const wasmStore = (): CacheKvStore => ({ get: () => undefined, insert: () => true });
    await caught('wasm-reload', { wasmStore }, { ir: false }, /missed/);
  });
});
