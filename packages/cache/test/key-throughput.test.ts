/**
 * Hashing throughput: how long the key costs per function. The key is
 * computed for every function of every compile, hit or miss, so it must be
 * small next to a compile. Prints MB/s of canonical bytes and functions/s.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheKeyer, DiskCacheStore, FunctionCache, MemoryCacheStore, decodeCacheEntry, encodeCacheEntry, xxhash32 } from '../src/index.js';
import { syntheticFunction } from './synthetic.js';

const ISA = {
  triple: 'x86_64-unknown-linux-gnu',
  isaFlags: { has_sse3: 'true', has_ssse3: 'true', has_sse41: 'true', has_sse42: 'true', has_popcnt: 'true', has_avx: 'false' },
  sharedFlags: { opt_level: 'speed', enable_verifier: 'false', enable_probestack: 'false', regalloc_checker: 'false' },
};

/**
 * Time `f`: the best of several batches of about `batchMs` each (the machine
 * is shared, so the minimum is the figure least disturbed by other work).
 * Returned as `{ iters, ms }` of that best batch.
 */
function timeIt(batchMs: number, f: () => void, batches = 9): { iters: number; ms: number } {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    if (performance.now() - t0 >= batchMs / 4) break;
    n *= 2;
  }
  let best = { iters: n, ms: Number.POSITIVE_INFINITY };
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    const ms = performance.now() - t0;
    if (ms < best.ms) best = { iters: n, ms };
  }
  return best;
}

it('measures key throughput on wasm-sized functions', () => {
  const rows: string[] = [];
  for (const blocks of [4, 25, 100]) {
    const func = syntheticFunction(blocks);
    const insts = [...func.layout.blocks()].reduce((n, b) => n + [...func.layout.blockInsts(b)].length, 0);
    const bytes = func.stencil.canonicalBytes();
    const keyer = new CacheKeyer(ISA);
    const nodeKeyer = new CacheKeyer(ISA, { sha256: 'node' });
    const enc = timeIt(40, () => func.stencil.canonicalBytes());
    const hash = timeIt(40, () => keyer.keyOfCanonicalBytes(bytes));
    const nodeHash = timeIt(40, () => nodeKeyer.keyOfCanonicalBytes(bytes));
    const full = timeIt(40, () => keyer.key(func.stencil));
    const nodeFull = timeIt(40, () => nodeKeyer.key(func.stencil));
    const mbps = (t: { iters: number; ms: number }): string => ((bytes.length * t.iters) / 1e6 / (t.ms / 1e3)).toFixed(0);
    const us = (t: { iters: number; ms: number }): string => ((t.ms * 1e3) / t.iters).toFixed(1);
    const perSec = (t: { iters: number; ms: number }): string => String(Math.round((t.iters / t.ms) * 1e3));
    rows.push(
      `${String(insts).padStart(5)} insts ${String(bytes.length).padStart(6)} B | ` +
        `canonicalBytes ${us(enc)} µs (${mbps(enc)} MB/s) | sha256 noble ${us(hash)} µs (${mbps(hash)} MB/s), node ${us(nodeHash)} µs (${mbps(nodeHash)} MB/s) | ` +
        `whole key: noble ${us(full)} µs = ${perSec(full)} functions/s, node ${us(nodeFull)} µs = ${perSec(nodeFull)} functions/s`,
    );
    expect(nodeKeyer.key(func.stencil)).toEqual(keyer.key(func.stencil));
    expect(keyer.key(func.stencil)).toEqual(keyer.key(func.stencil));
  }
  // Raw rates on a large buffer, and the envelope on a typical 4 KiB payload.
  const big = new Uint8Array(4 << 20).map((_, i) => (i * 31) & 0xff);
  const rawNoble = timeIt(40, () => new CacheKeyer(ISA).keyOfCanonicalBytes(big));
  const rawXxh = timeIt(40, () => xxhash32(big));
  const mib = (t: { iters: number; ms: number }): string => ((4.194304 * t.iters) / (t.ms / 1e3)).toFixed(0);
  rows.push(`4 MiB buffer: sha256 noble ${mib(rawNoble)} MB/s, xxhash32 ${mib(rawXxh)} MB/s`);
  const payload = big.subarray(0, 4096);
  const key = new CacheKeyer(ISA).keyOfCanonicalBytes(payload);
  const entry = encodeCacheEntry(payload, key);
  const encT = timeIt(40, () => encodeCacheEntry(payload, key));
  const decT = timeIt(40, () => decodeCacheEntry(entry, key));
  rows.push(`envelope, 4 KiB payload: encode ${((encT.ms * 1e3) / encT.iters).toFixed(1)} µs, decode ${((decT.ms * 1e3) / decT.iters).toFixed(1)} µs`);
  console.log('cache key throughput\n' + rows.join('\n'));
});

it('measures a warm lookup: key + store read + envelope checks, per function', () => {
  const dir = mkdtempSync(join(tmpdir(), 'derrick-cache-bench-'));
  try {
    const funcs = Array.from({ length: 64 }, (_, i) => syntheticFunction(25, i));
    const payload = new Uint8Array(4096).map((_, i) => i & 0xff);
    const rows: string[] = [];
    for (const [name, mk] of [
      ['memory', () => new MemoryCacheStore()],
      ['disk', () => new DiskCacheStore(dir)],
    ] as const) {
      for (const sha of ['noble', 'node'] as const) {
        const cache = new FunctionCache(mk());
        const keyer = new CacheKeyer(ISA, { sha256: sha });
        for (const f of funcs) {
          const r = cache.lookup(f.stencil, keyer) as { key: Uint8Array };
          cache.store(r.key, payload);
        }
        let n = 0;
        const t = timeIt(40, () => {
          const r = cache.lookup(funcs[n++ % funcs.length]!.stencil, keyer) as { payload?: Uint8Array };
          if (r.payload === undefined) throw new Error('expected a hit');
        });
        rows.push(`${name.padEnd(6)} store, sha256 ${sha.padEnd(5)}: ${((t.ms * 1e3) / t.iters).toFixed(1)} µs per warm lookup (255-inst function, 4 KiB payload)`);
      }
    }
    console.log('warm lookups\n' + rows.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
