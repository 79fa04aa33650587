/**
 * `MemoryCacheStore`: an in-process LRU cache with a byte bound.
 *
 * Use: the cache for one long-lived process (a language server, a test run
 * compiling many related modules, the fuzz target), or the first level in
 * front of a `DiskCacheStore`.
 *
 * Approach. A JavaScript `Map` iterates in insertion order, so a map whose
 * every hit is re-inserted (delete + set) *is* an LRU list: the first key is
 * the least recently used. `get` and `insert` are O(1) (amortized: V8
 * compacts the holes deletion leaves at the front of a map's table when it
 * rehashes).
 *
 * Size of an entry = key length + value length (the bytes the store holds
 * on to; the Map's own overhead is not counted).
 *
 * Invariants.
 * * (MemoryBound) after every `insert`, `totalBytes ≤ maxBytes` and
 *   `entryCount ≤ maxEntries`. An entry larger than `maxBytes` on its own is
 *   refused (`insert` returns false) rather than evicting everything.
 * * (LruOrder) eviction removes entries in order of their last `get` or
 *   `insert`, oldest first.
 * * (OwnCopy) the store copies inserted values, so a caller reusing its
 *   buffer cannot change a cached entry.
 */
import { cacheKeyToHex as keyToHex } from './key.js';
import type { CountedCacheKvStore } from './store.js';
import { CacheStatistics } from './statistics.js';

export interface MemoryCacheStoreOptions {
  /** Bound on the sum of entry sizes. Default 256 MiB. */
  maxBytes?: number;
  /** Optional bound on the number of entries. Default: none. */
  maxEntries?: number;
}

export class MemoryCacheStore implements CountedCacheKvStore {
  readonly statistics = new CacheStatistics();
  readonly maxBytes: number;
  readonly maxEntries: number;
  /** Key hex → value; iteration order = LRU order, oldest first. */
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(options: MemoryCacheStoreOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    if (!(this.maxBytes >= 0) || !(this.maxEntries >= 0)) throw new RangeError('MemoryCacheStore bounds must be non-negative');
  }

  /** Sum of entry sizes (key + value bytes). */
  get totalBytes(): number {
    return this.bytes;
  }

  get entryCount(): number {
    return this.entries.size;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const k = keyToHex(key);
    const v = this.entries.get(k);
    if (v === undefined) {
      this.statistics.misses++;
      return undefined;
    }
    // LruOrder: move to the most recently used end.
    this.entries.delete(k);
    this.entries.set(k, v);
    this.statistics.hits++;
    this.statistics.bytesRead += v.length;
    return v;
  }

  insert(key: Uint8Array, value: Uint8Array): boolean {
    const size = key.length + value.length;
    if (size > this.maxBytes || this.maxEntries < 1) return false;
    const k = keyToHex(key);
    const old = this.entries.get(k);
    if (old !== undefined) {
      this.entries.delete(k);
      this.bytes -= key.length + old.length;
    }
    this.entries.set(k, value.slice()); // OwnCopy
    this.bytes += size;
    this.statistics.inserts++;
    this.statistics.bytesWritten += value.length;
    this.evict(); // Post-invariant: MemoryBound.
    return true;
  }

  /** Is `key` present? Does not count as a use. */
  has(key: Uint8Array): boolean {
    return this.entries.has(keyToHex(key));
  }

  /** Remove one entry; true if it was present. */
  delete(key: Uint8Array): boolean {
    const k = keyToHex(key);
    const v = this.entries.get(k);
    if (v === undefined) return false;
    this.entries.delete(k);
    this.bytes -= key.length + v.length;
    return true;
  }

  /** Keys (hex) from least to most recently used. */
  keysByRecency(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evict(): void {
    while (this.bytes > this.maxBytes || this.entries.size > this.maxEntries) {
      const first = this.entries.entries().next();
      if (first.done === true) break;
      const [k, v] = first.value;
      this.entries.delete(k);
      this.bytes -= k.length / 2 + v.length;
      this.statistics.evictions++;
    }
  }
}
