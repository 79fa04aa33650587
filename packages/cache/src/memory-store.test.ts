import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from './index.js';

const k = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? n : i));
const v = (n: number, len = 100): Uint8Array => new Uint8Array(len).fill(n);
const hex = (n: number): string => Buffer.from(k(n)).toString('hex');

describe('MemoryCacheStore', () => {
  it('stores, returns and counts', () => {
    const s = new MemoryCacheStore();
    expect(s.get(k(1))).toBeUndefined();
    expect(s.insert(k(1), v(1))).toBe(true);
    expect(s.get(k(1))).toEqual(v(1));
    expect(s.get(k(2))).toBeUndefined();
    expect(s.statistics.snapshot()).toMatchObject({ hits: 1, misses: 2, inserts: 1, bytesRead: 100, bytesWritten: 100, evictions: 0 });
    expect(s.totalBytes).toBe(132);
    expect(s.entryCount).toBe(1);
  });

  it('keeps its own copy of an inserted value (OwnCopy)', () => {
    const s = new MemoryCacheStore();
    const val = v(7);
    s.insert(k(1), val);
    val.fill(0);
    expect(s.get(k(1))).toEqual(v(7));
  });

  it('evicts least recently used first; a get refreshes (LruOrder)', () => {
    const s = new MemoryCacheStore({ maxBytes: 3 * 132 });
    s.insert(k(1), v(1));
    s.insert(k(2), v(2));
    s.insert(k(3), v(3));
    expect(s.keysByRecency()).toEqual([hex(1), hex(2), hex(3)]);
    s.get(k(1)); // 1 is now the most recent
    expect(s.keysByRecency()).toEqual([hex(2), hex(3), hex(1)]);
    s.insert(k(4), v(4)); // evicts 2
    expect(s.has(k(2))).toBe(false);
    expect(s.keysByRecency()).toEqual([hex(3), hex(1), hex(4)]);
    s.insert(k(5), v(5)); // evicts 3
    expect(s.keysByRecency()).toEqual([hex(1), hex(4), hex(5)]);
    expect(s.statistics.evictions).toBe(2);
  });

  it('respects the byte bound after every insert, with values of mixed sizes (MemoryBound)', () => {
    const s = new MemoryCacheStore({ maxBytes: 1000 });
    for (let n = 0; n < 200; n++) {
      s.insert(k(n & 0xff), v(n, (n * 37) % 400));
      expect(s.totalBytes).toBeLessThanOrEqual(1000);
    }
    let sum = 0;
    for (const h of s.keysByRecency()) sum += 32 + s.get(Buffer.from(h, 'hex'))!.length;
    expect(sum).toBe(s.totalBytes);
  });

  it('respects an entry-count bound', () => {
    const s = new MemoryCacheStore({ maxEntries: 2 });
    s.insert(k(1), v(1));
    s.insert(k(2), v(2));
    s.insert(k(3), v(3));
    expect(s.entryCount).toBe(2);
    expect(s.has(k(1))).toBe(false);
  });

  it('refuses an entry larger than the whole bound instead of emptying itself', () => {
    const s = new MemoryCacheStore({ maxBytes: 200 });
    s.insert(k(1), v(1));
    expect(s.insert(k(2), v(2, 500))).toBe(false);
    expect(s.get(k(1))).toEqual(v(1));
    expect(s.statistics.inserts).toBe(1);
  });

  it('replacing a key updates the byte count', () => {
    const s = new MemoryCacheStore();
    s.insert(k(1), v(1, 100));
    s.insert(k(1), v(2, 10));
    expect(s.totalBytes).toBe(42);
    expect(s.entryCount).toBe(1);
    expect(s.get(k(1))).toEqual(v(2, 10));
    expect(s.delete(k(1))).toBe(true);
    expect(s.totalBytes).toBe(0);
    s.insert(k(3), v(3));
    s.clear();
    expect(s.entryCount).toBe(0);
    expect(s.totalBytes).toBe(0);
  });

  it('get and insert stay O(1): 200k operations on a full store finish in well under 2 s', () => {
    const s = new MemoryCacheStore({ maxEntries: 1000 });
    const keys = Array.from({ length: 4000 }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => (i >> (j % 2 ? 8 : 0)) & 0xff ^ j));
    const val = v(1, 16);
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) {
      s.insert(keys[i % 4000]!, val);
      s.get(keys[(i * 7) % 4000]!);
    }
    const ms = performance.now() - t0;
    expect(s.entryCount).toBe(1000);
    expect(ms).toBeLessThan(2000);
  });
});
