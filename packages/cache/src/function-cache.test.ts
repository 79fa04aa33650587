import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFunction, userExternalName } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { CORPUS, corpusFunction } from '../test/corpus.js';
import {
  type CacheKvStore,
  CacheCheckError,
  type CacheKeyIsa,
  CacheKeyer,
  CountingStore,
  DiskCacheStore,
  FunctionCache,
  MemoryCacheStore,
  assertSameCompiledBytes,
  cacheKeyToHex,
  decodeCacheEntry,
  encodeCacheEntry,
} from './index.js';

const ISA: CacheKeyIsa = { triple: 'x86_64-unknown-linux-gnu', isaFlags: { has_sse41: 'true' }, sharedFlags: { opt_level: 'speed' } };

/** Stand-in for the backend: "compiled code" that depends only on the stencil. */
function fakeCompile(stencilBytes: Uint8Array): Uint8Array {
  return Uint8Array.from(stencilBytes, (b, i) => (b * 3 + i) & 0xff);
}

function capture(): { lines: string[]; warn: (m: string) => void } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m) };
}

describe('FunctionCache', () => {
  it('misses, stores, then hits the same payload; counts both', () => {
    const cache = new FunctionCache(new MemoryCacheStore());
    const f = corpusFunction(0);
    const miss = cache.lookup(f.stencil, ISA) as { key: Uint8Array; payload: Uint8Array | undefined; check: boolean };
    expect(miss.payload).toBeUndefined();
    expect(miss.check).toBe(false);
    const code = fakeCompile(f.stencil.canonicalBytes());
    expect(cache.store(miss.key, code)).toBe(true);
    const hit = cache.lookup(corpusFunction(0).stencil, ISA) as typeof miss;
    expect(hit.key).toEqual(miss.key);
    expect(hit.payload).toEqual(code);
    expect(cache.statistics.snapshot()).toMatchObject({ hits: 1, misses: 1, inserts: 1, errors: 0, corrupt: 0 });
    expect(cache.keyTimeMs).toBeGreaterThan(0);
  });

  it('a function that differs only in its name table hits (and its code is finished with the new names by the caller)', () => {
    const cache = new FunctionCache(new MemoryCacheStore());
    const keyer = new CacheKeyer(ISA);
    const f = corpusFunction(0);
    const first = cache.lookup(f.stencil, keyer) as { key: Uint8Array };
    cache.store(first.key, fakeCompile(f.stencil.canonicalBytes()));
    const renamed = parseFunction(CORPUS[0]!.replace('u0:7', 'u0:8'));
    expect(renamed.params.userNamedFunc(0)).toEqual(userExternalName(0, 8));
    const hit = cache.lookup(renamed.stencil, keyer) as { payload?: Uint8Array };
    expect(hit.payload).toEqual(fakeCompile(renamed.stencil.canonicalBytes()));
    // A one-instruction change misses.
    const changed = parseFunction(CORPUS[0]!.replace('iadd_imm v5, -1', 'iadd_imm v5, -2'));
    expect((cache.lookup(changed.stencil, keyer) as { payload?: Uint8Array }).payload).toBeUndefined();
  });

  it('a damaged or foreign value in the store is a counted miss, never handed out (PayloadUnderItsKey)', () => {
    const mem = new MemoryCacheStore();
    const log = capture();
    const cache = new FunctionCache(mem, { logger: log });
    const f = corpusFunction(1);
    const { key } = cache.lookup(f.stencil, ISA) as { key: Uint8Array };
    mem.insert(key, new Uint8Array([1, 2, 3])); // not an envelope
    expect((cache.lookup(f.stencil, ISA) as { payload?: Uint8Array }).payload).toBeUndefined();
    const other = corpusFunction(2);
    const otherKey = (cache.lookup(other.stencil, ISA) as { key: Uint8Array }).key;
    mem.insert(key, encodeCacheEntry(new Uint8Array([9]), otherKey)); // a valid envelope for another key
    expect((cache.lookup(f.stencil, ISA) as { payload?: Uint8Array }).payload).toBeUndefined();
    expect(cache.statistics.snapshot()).toMatchObject({ hits: 0, misses: 4, corrupt: 2 });
    expect(log.lines[0]).toMatch(/rejected a damaged or foreign entry/);
  });

  it('swallows store errors: a throwing store is a miss and a failed insert, counted and warned (CacheNeverFailsCompile)', () => {
    const throwing: CacheKvStore = {
      get: () => {
        throw new Error('backend down');
      },
      insert: () => {
        throw new Error('disk full');
      },
    };
    const log = capture();
    const cache = new FunctionCache(throwing, { logger: log });
    const r = cache.lookup(corpusFunction(0).stencil, ISA) as { key: Uint8Array; payload?: Uint8Array };
    expect(r.payload).toBeUndefined();
    expect(cache.store(r.key, new Uint8Array(10))).toBe(false);
    expect(cache.statistics.snapshot()).toMatchObject({ misses: 1, errors: 2, inserts: 0 });
    expect(log.lines).toEqual([
      'incremental cache: get failed, treated as a miss: backend down',
      'incremental cache: insert failed, value not cached: disk full',
    ]);
  });

  it('works with an async store, and a rejecting one is a miss', async () => {
    const backing = new Map<string, Uint8Array>();
    const asyncStore: CacheKvStore = {
      get: async (k) => backing.get(cacheKeyToHex(k)),
      insert: async (k, v) => {
        backing.set(cacheKeyToHex(k), v.slice());
        return true;
      },
    };
    const cache = new FunctionCache(asyncStore);
    const f = corpusFunction(2);
    const miss = await cache.lookup(f.stencil, ISA);
    expect(miss.payload).toBeUndefined();
    expect(await cache.store(miss.key, new Uint8Array([1, 2, 3]))).toBe(true);
    expect((await cache.lookup(f.stencil, ISA)).payload).toEqual(new Uint8Array([1, 2, 3]));

    const rejecting: CacheKvStore = { get: () => Promise.reject(new Error('timeout')), insert: () => Promise.reject(new Error('timeout')) };
    const c2 = new FunctionCache(rejecting, { logger: capture() });
    const r = await c2.lookup(f.stencil, ISA);
    expect(r.payload).toBeUndefined();
    expect(await c2.store(r.key, new Uint8Array(1))).toBe(false);
    expect(c2.statistics.snapshot()).toMatchObject({ misses: 1, errors: 2 });
  });

  it('limits warnings from a store that fails every time', () => {
    const log = capture();
    const cache = new FunctionCache({ get: () => Promise.reject(new Error('x')), insert: () => false }, { logger: log, warningLimit: 3 });
    return Promise.all(Array.from({ length: 10 }, () => cache.lookup(corpusFunction(0).stencil, ISA))).then(() => {
      expect(log.lines.length).toBe(4);
      expect(log.lines[3]).toMatch(/further cache warnings suppressed/);
      expect(cache.statistics.errors).toBe(10);
    });
  });

  it('check mode: reports hits for checking; verifyHit passes on equal code and explains a difference', () => {
    const cache = new FunctionCache(new MemoryCacheStore(), { checkMode: true });
    const f = corpusFunction(0);
    const miss = cache.lookup(f.stencil, ISA) as { key: Uint8Array; payload?: Uint8Array; check: boolean };
    expect(miss.check).toBe(false);
    const code = fakeCompile(f.stencil.canonicalBytes());
    cache.store(miss.key, code);
    const hit = cache.lookup(f.stencil, ISA) as { key: Uint8Array; payload: Uint8Array; check: boolean };
    expect(hit.check).toBe(true);
    cache.verifyHit(hit, fakeCompile(f.stencil.canonicalBytes()), 'u0:3');
    expect(cache.checks).toBe(1);
    const wrong = code.slice();
    wrong[40]! ^= 1;
    expect(() => cache.verifyHit(hit, wrong, 'u0:3')).toThrow(CacheCheckError);
    expect(() => cache.verifyHit(hit, wrong, 'u0:3')).toThrow(new RegExp(`u0:3 \\(key ${cacheKeyToHex(hit.key)}\\)`));
  });

  it('end to end through a DiskCacheStore: a second process-like cache hits, and a damaged file misses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'derrick-fc-'));
    try {
      const a = new FunctionCache(new DiskCacheStore(dir));
      const keyer = new CacheKeyer(ISA);
      for (let i = 0; i < CORPUS.length; i++) {
        const f = corpusFunction(i);
        const r = a.lookup(f.stencil, keyer) as { key: Uint8Array; payload?: Uint8Array };
        expect(r.payload).toBeUndefined();
        expect(a.store(r.key, fakeCompile(f.stencil.canonicalBytes()))).toBe(true);
      }
      const disk = new DiskCacheStore(dir, { logger: capture() });
      const b = new FunctionCache(disk);
      for (let i = 0; i < CORPUS.length; i++) {
        const f = corpusFunction(i);
        expect((b.lookup(f.stencil, keyer) as { payload?: Uint8Array }).payload).toEqual(fakeCompile(f.stencil.canonicalBytes()));
      }
      const k0 = (b.lookup(corpusFunction(0).stencil, keyer) as { key: Uint8Array }).key;
      writeFileSync(disk.entryPath(k0), 'garbage');
      expect((b.lookup(corpusFunction(0).stencil, keyer) as { payload?: Uint8Array }).payload).toBeUndefined();
      expect(disk.statistics.corrupt).toBe(1);
      expect(b.statistics.snapshot()).toMatchObject({ hits: CORPUS.length + 1, misses: 1 });
      expect(readdirSync(dir)).toContain('CACHEDIR.TAG');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('assertSameCompiledBytes', () => {
  it('passes on equal bytes', () => {
    expect(() => assertSameCompiledBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]), 'f')).not.toThrow();
  });

  it('names the context, the sizes, the count and offset of differences, and shows both sides', () => {
    const a = Uint8Array.from({ length: 64 }, (_, i) => i);
    const b = a.slice();
    b[0x21] = 0xee;
    b[0x30] = 0xdd;
    let err: CacheCheckError | undefined;
    try {
      assertSameCompiledBytes(a, b, 'wasm function 12 (u0:12)');
    } catch (e) {
      err = e as CacheCheckError;
    }
    expect(err).toBeInstanceOf(CacheCheckError);
    expect(err!.offset).toBe(0x21);
    expect(err!.message).toBe(
      [
        'incremental cache check failed for wasm function 12 (u0:12): the cached code differs from a fresh compile',
        '  cached 64 bytes, fresh 64 bytes; 2 byte(s) differ, first at offset 0x21',
        '  cached @0x0018: 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f',
        '  fresh  @0x0018: 18 19 1a 1b 1c 1d 1e 1f 20 ee 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f',
        ' '.repeat('  fresh  @0x0018: 18 19 1a 1b 1c 1d 1e 1f 20 '.length) + '^^',
        '  (the cache key misses an input code generation reads, or compilation/serialization is not deterministic)',
      ].join('\n'),
    );
  });

  it('reports a length difference where one side is a prefix of the other', () => {
    expect(() => assertSameCompiledBytes(new Uint8Array([1, 2, 3, 4]), new Uint8Array([1, 2, 3]), 'f')).toThrow(
      /cached 4 bytes, fresh 3 bytes; 1 byte\(s\) differ, first at offset 0x3/,
    );
  });
});

describe('CountingStore', () => {
  it('counts a plain store and passes values through', () => {
    const mem = new MemoryCacheStore();
    const c = new CountingStore(mem);
    const k = new Uint8Array(32);
    expect(c.get(k)).toBeUndefined();
    expect(c.insert(k, new Uint8Array(5))).toBe(true);
    expect(c.get(k)).toEqual(new Uint8Array(5));
    expect(c.statistics.snapshot()).toEqual({ hits: 1, misses: 1, inserts: 1, errors: 0, corrupt: 0, evictions: 0, bytesRead: 5, bytesWritten: 5 });
    expect(c.statistics.hitRate).toBe(0.5);
    expect(c.statistics.format()).toBe('hits=1 misses=1 inserts=1 errors=0 corrupt=0 evictions=0 bytes_read=5 bytes_written=5 hit_rate=50.0%');
  });

  it('treats a non-bytes value and an insert that returns false sensibly', () => {
    const log = capture();
    const c = new CountingStore({ get: () => 'oops' as unknown as Uint8Array, insert: () => false }, { logger: log });
    expect(c.get(new Uint8Array(32))).toBeUndefined();
    expect(c.insert(new Uint8Array(32), new Uint8Array(1))).toBe(false);
    expect(c.statistics.snapshot()).toMatchObject({ misses: 1, corrupt: 1, inserts: 0, errors: 0 });
  });

  it('decodes through validate, which only sees fetched values', () => {
    const mem = new MemoryCacheStore();
    const k = new Uint8Array(32).fill(3);
    const c = new CountingStore(mem, { validate: (key, v) => decodeCacheEntry(v, key) });
    mem.insert(k, encodeCacheEntry(new Uint8Array([7, 7]), k));
    expect(c.get(k)).toEqual(new Uint8Array([7, 7]));
  });
});
