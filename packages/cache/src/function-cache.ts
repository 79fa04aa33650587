/**
 * `FunctionCache`: what the compiler calls, once per function.
 *
 * ```
 *   const cache = new FunctionCache(store, { checkMode });
 *   const keyer = new CacheKeyer(isa);                 // once per compiler
 *   const hit = await cache.lookup(func.stencil, keyer);
 *   if (hit.payload !== undefined && !hit.check) return finish(deserialize(hit.payload), func.params);
 *   const code = compileStencil(func.stencil);          // a miss (or a hit to check)
 *   const bytes = serialize(code);
 *   if (hit.payload !== undefined) cache.verifyHit(hit, bytes, describe(func));
 *   else await cache.store(hit.key, bytes);
 *   return finish(code, func.params);
 * ```
 *
 * It composes the pieces: the key (`key.ts`), the entry envelope
 * (`envelope.ts`, bound to the key, so a value only ever comes back under
 * the key it was stored with), and a `CountingStore` around whatever store
 * the user configured, so that every store failure becomes a counted miss or
 * a counted failed insert, never an exception in the compiler.
 *
 * Payloads are the serialized `CompiledCode` stencil; this package never
 * looks inside them (it cannot depend on the backend's serializer, and does
 * not need to).
 *
 * Invariants.
 * * (CacheNeverFailsCompile) `lookup` and `store` never throw or reject
 *   because of the store or the stored bytes. (They do throw for a malformed
 *   `isa`: that is a compiler bug, not a cache condition.) `verifyHit` throws
 *   by design, in check mode only.
 * * (PayloadUnderItsKey) a payload returned for key K was stored for K,
 *   intact (EnvelopeRejectsDamage, EnvelopeBindsKey).
 */
import { assertSameCompiledBytes } from './check.js';
import { decodeCacheEntry, encodeCacheEntry } from './envelope.js';
import { type CacheKeyIsa, CacheKeyer, cacheKeyToHex } from './key.js';
import type { CacheLogger } from './logger.js';
import type { CacheStatistics } from './statistics.js';
import { type CacheKvStore, CountingStore, type MaybePromise, mapMaybe } from './store.js';
import type { FunctionStencil } from '@derrick/codegen-ir';

export interface FunctionCacheOptions {
  /**
   * Cache-check mode: every hit is reported with `check: true`, and the
   * caller recompiles and calls `verifyHit`. For tests and fuzzing.
   */
  checkMode?: boolean;
  logger?: CacheLogger;
  /** Warnings passed to the logger before the rest are suppressed. */
  warningLimit?: number;
  /** Name of the store in warnings. */
  label?: string;
}

export interface CacheLookup {
  /** The function's cache key; pass it to `store` after a miss. */
  readonly key: Uint8Array;
  /** The cached payload (serialized `CompiledCode` stencil) on a hit. */
  readonly payload: Uint8Array | undefined;
  /** A hit in check mode: recompile and call `verifyHit`. */
  readonly check: boolean;
}

export class FunctionCache {
  /** Hits, misses, inserts, errors, corrupt entries and bytes, as seen by the compiler. */
  readonly statistics: CacheStatistics;
  readonly checkMode: boolean;
  /** Hits verified against a fresh compile (check mode). */
  checks = 0;
  /** Milliseconds spent computing keys (canonical encoding + sha256). */
  keyTimeMs = 0;
  private readonly kv: CountingStore;

  constructor(store: CacheKvStore, options: FunctionCacheOptions = {}) {
    this.checkMode = options.checkMode ?? false;
    this.kv = new CountingStore(store, {
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.warningLimit !== undefined ? { warningLimit: options.warningLimit } : {}),
      label: options.label ?? 'incremental cache',
      validate: (key, bytes) => decodeCacheEntry(bytes, key),
    });
    this.statistics = this.kv.statistics;
  }

  /**
   * The key of `stencil` for a target. Pass a `CacheKeyer` built once per
   * compiler; a plain `CacheKeyIsa` is re-encoded on every call (safe if the
   * caller mutates it, a few microseconds slower).
   */
  key(stencil: FunctionStencil, isa: CacheKeyIsa | CacheKeyer): Uint8Array {
    const t0 = performance.now();
    const keyer = isa instanceof CacheKeyer ? isa : new CacheKeyer(isa);
    const key = keyer.key(stencil);
    this.keyTimeMs += performance.now() - t0;
    return key;
  }

  /** Compute the key and look it up. Never throws because of the store (CacheNeverFailsCompile). */
  lookup(stencil: FunctionStencil, isa: CacheKeyIsa | CacheKeyer): MaybePromise<CacheLookup> {
    const key = this.key(stencil, isa);
    return mapMaybe(
      this.kv.get(key),
      (payload) => ({ key, payload, check: payload !== undefined && this.checkMode }),
      () => ({ key, payload: undefined, check: false }),
    );
  }

  /** Store a compiled function's payload under `key`; false (counted) when the store failed. */
  store(key: Uint8Array, payload: Uint8Array): MaybePromise<boolean> {
    let entry: Uint8Array;
    try {
      entry = encodeCacheEntry(payload, key);
    } catch {
      this.statistics.errors++;
      return false;
    }
    return this.kv.insert(key, entry);
  }

  /**
   * Check mode: assert that the cached payload of `lookup` equals the
   * payload of a fresh compile. Throws `CacheCheckError` with a diff.
   */
  verifyHit(lookup: CacheLookup, freshPayload: Uint8Array, context: string): void {
    if (lookup.payload === undefined) throw new Error('verifyHit called for a miss');
    this.checks++;
    assertSameCompiledBytes(lookup.payload, freshPayload, `${context} (key ${cacheKeyToHex(lookup.key)})`);
  }
}
