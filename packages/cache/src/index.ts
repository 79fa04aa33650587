/**
 * @derrick/cache — public API: the incremental compilation cache (mission M5).
 * See README.md for the contract, the on-disk layout and the invariants.
 */
export {
  CACHE_FORMAT_VERSION,
  CACHE_KEY_SIZE,
  type CacheKeyIsa,
  CacheKeyer,
  type CacheKeyerOptions,
  type Sha256Implementation,
  computeCacheKey,
  cacheKeyToHex,
  isaPreimage,
} from './key.js';
export {
  ENTRY_FORMAT_VERSION,
  ENTRY_HEADER_SIZE,
  ENTRY_MAGIC,
  type EntryInspection,
  type EntryRejection,
  encodeCacheEntry,
  decodeCacheEntry,
  inspectCacheEntry,
} from './envelope.js';
export { xxhash32 } from './checksum.js';
export { CACHE_COUNTER_NAMES, CacheStatistics, type CacheStatsSnapshot } from './statistics.js';
export { type CacheLogger, consoleCacheLogger, silentCacheLogger } from './logger.js';
export {
  type CacheKvStore,
  type CountedCacheKvStore,
  CountingStore,
  type CountingStoreOptions,
  type MaybePromise,
} from './store.js';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-store.js';
export {
  DiskCacheStore,
  type DiskCacheStoreOptions,
  type DiskCacheStats,
  type DiskCacheUsage,
  type DiskFs,
} from './disk-store.js';
export { FunctionCache, type FunctionCacheOptions, type CacheLookup } from './function-cache.js';
export { CacheCheckError, assertSameCompiledBytes } from './check.js';
export { fingerprintSources } from './fingerprint.js';
