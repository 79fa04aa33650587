import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Function, parseFunction } from '@derrick/codegen-ir';
import { CacheKeyer, DiskCacheStore, FunctionCache } from '@derrick/cache';

// The compiler builds one keyer per target and one FunctionCache per store.
const keyer = new CacheKeyer({
  triple: 'x86_64-unknown-linux-gnu',
  isaFlags: { has_sse41: 'true', has_popcnt: 'true' },
  sharedFlags: { opt_level: 'speed' },
  compilerVersion: 'derrick-dev',
});
export const dir = mkdtempSync(join(tmpdir(), 'derrick-cache-example-'));
const cache = new FunctionCache(new DiskCacheStore(dir, { maxBytes: 64 << 20 }));

// Stand-in for `serialize(compileStencil(stencil))` in the backend.
const compile = (f: Function): Uint8Array => f.stencil.canonicalBytes().map((b) => b ^ 0x5a);

function compileCached(clif: string): { hit: boolean; code: Uint8Array } {
  const func = parseFunction(clif);
  const r = cache.lookup(func.stencil, keyer);
  if (r instanceof Promise) throw new Error('the disk store is synchronous');
  if (r.payload !== undefined) return { hit: true, code: r.payload }; // then apply func.params
  const code = compile(func);
  cache.store(r.key, code);
  return { hit: false, code };
}

const body = (callee: string, at: number): string => `function u0:1(i64 vmctx, i32) -> i32 wasmtime {
    sig0 = (i64 vmctx, i32) -> i32 wasmtime
    fn0 = colocated ${callee} sig0
block0(v0: i64, v1: i32):
@${at.toString(16).padStart(4, '0')}    v2 = call fn0(v0, v1)
@${(at + 4).toString(16).padStart(4, '0')}    return v2
}`;

export const results = [
  compileCached(body('u0:7', 0x100)).hit, // first time: miss
  compileCached(body('u0:7', 0x100)).hit, // same function: hit
  compileCached(body('u0:9', 0x2000)).hit, // other callee, other offset: still a hit
];
export const stats = cache.statistics.format();
// results: [false, true, true]
// stats:   hits=2 misses=1 inserts=1 errors=0 corrupt=0 evictions=0 bytes_read=… hit_rate=66.7%
