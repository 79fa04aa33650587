/**
 * `CacheKvStore`: the interface every cache store implements, and
 * `CountingStore`, which turns any store into one that counts and never
 * throws.
 *
 * The interface is structurally the same as `CacheStore` in
 * `@derrick/environ` (this package may not import environ; the compiler
 * passes the configured store straight through). Keys are 32-byte cache keys
 * (`computeCacheKey`), values opaque bytes. Either method may be synchronous
 * or return a promise; callers handle both (`MaybePromise`). The stores in
 * this package are synchronous, so a synchronous compiler loop pays nothing
 * for the generality.
 *
 * Contract for implementations:
 * * `get` returns exactly the bytes given to a previous `insert` of the same
 *   key, or `undefined`. It may forget entries at any time (eviction).
 * * `insert` returns `false` when the value was not stored. Inserting an
 *   existing key replaces it (values are content-addressed, so the old and
 *   new value are equal in practice).
 * * Values handed out by `get` must not be mutated by the caller; values
 *   given to `insert` may be reused by the caller afterwards (stores copy or
 *   serialize them).
 *
 * Third-party stores may throw or reject; `CountingStore` is where that is
 * absorbed (a thrown `get` is a miss, a thrown `insert` is `false`, both
 * counted as errors and reported through the logger).
 */
import { type CacheLogger, WarningLimiter, consoleCacheLogger, describeError } from './logger.js';
import { CacheStatistics } from './statistics.js';

export type MaybePromise<T> = T | Promise<T>;

export interface CacheKvStore {
  get(key: Uint8Array): MaybePromise<Uint8Array | undefined>;
  /** Returns false when the value could not be stored. */
  insert(key: Uint8Array, value: Uint8Array): MaybePromise<boolean>;
}

/** A store that keeps its own statistics (all stores of this package do). */
export interface CountedCacheKvStore extends CacheKvStore {
  readonly statistics: CacheStatistics;
}

export function isPromiseLike<T>(x: MaybePromise<T>): x is Promise<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Apply `f` to a value or to the value of a promise, staying synchronous when `x` is. */
export function mapMaybe<T, U>(x: MaybePromise<T>, f: (v: T) => U, onError: (e: unknown) => U): MaybePromise<U> {
  return isPromiseLike(x) ? x.then(f, onError) : f(x);
}

export interface CountingStoreOptions {
  logger?: CacheLogger;
  /** A name for warnings (`"redis store"`, a directory). */
  label?: string;
  /** Warnings passed to the logger before the rest are suppressed. */
  warningLimit?: number;
  /**
   * Check (and transform) a fetched value: return what `get` should return,
   * or undefined to reject it — counted as `corrupt` and a miss. The function
   * cache uses this to open the entry envelope.
   */
  validate?: (key: Uint8Array, value: Uint8Array) => Uint8Array | undefined;
}

/**
 * Counts hits, misses, inserts, errors and bytes of any `CacheKvStore`, and
 * absorbs its failures (a cache failure is never a compile failure).
 */
export class CountingStore implements CountedCacheKvStore {
  readonly statistics = new CacheStatistics();
  private readonly warnings: WarningLimiter;
  private readonly label: string;
  private readonly validate: ((key: Uint8Array, value: Uint8Array) => Uint8Array | undefined) | undefined;

  constructor(
    readonly inner: CacheKvStore,
    options: CountingStoreOptions = {},
  ) {
    this.warnings = new WarningLimiter(options.logger ?? consoleCacheLogger, options.warningLimit);
    this.label = options.label ?? 'cache store';
    this.validate = options.validate;
  }

  get(key: Uint8Array): MaybePromise<Uint8Array | undefined> {
    let r: MaybePromise<Uint8Array | undefined>;
    try {
      r = this.inner.get(key);
    } catch (e) {
      return this.getFailed(e);
    }
    return mapMaybe(r, (v) => this.countGet(key, v), (e) => this.getFailed(e));
  }

  insert(key: Uint8Array, value: Uint8Array): MaybePromise<boolean> {
    let r: MaybePromise<boolean>;
    try {
      r = this.inner.insert(key, value);
    } catch (e) {
      return this.insertFailed(e);
    }
    return mapMaybe(
      r,
      (ok) => {
        if (ok === true) {
          this.statistics.inserts++;
          this.statistics.bytesWritten += value.length;
          return true;
        }
        return false;
      },
      (e) => this.insertFailed(e),
    );
  }

  private countGet(key: Uint8Array, v: Uint8Array | undefined): Uint8Array | undefined {
    if (v instanceof Uint8Array) {
      let out: Uint8Array | undefined;
      try {
        out = this.validate === undefined ? v : this.validate(key, v);
      } catch {
        out = undefined;
      }
      if (out !== undefined) {
        this.statistics.hits++;
        this.statistics.bytesRead += v.length;
        return out;
      }
      this.statistics.corrupt++;
      this.statistics.misses++;
      this.warnings.warn(`${this.label}: rejected a damaged or foreign entry (${v.length} bytes); treated as a miss`);
      return undefined;
    }
    if (v !== undefined) {
      // A store that returned something that is not bytes: treat as corrupt.
      this.statistics.corrupt++;
      this.warnings.warn(`${this.label}: get returned a ${typeof v}, not bytes; treated as a miss`);
    }
    this.statistics.misses++;
    return undefined;
  }

  private getFailed(e: unknown): undefined {
    this.statistics.errors++;
    this.statistics.misses++;
    this.warnings.warn(`${this.label}: get failed, treated as a miss: ${describeError(e)}`);
    return undefined;
  }

  private insertFailed(e: unknown): false {
    this.statistics.errors++;
    this.warnings.warn(`${this.label}: insert failed, value not cached: ${describeError(e)}`);
    return false;
  }
}
