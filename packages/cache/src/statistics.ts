/**
 * Cache counters.
 *
 * One `CacheStatistics` object per store (and one per `FunctionCache`)
 * counts what happened through it in this process. The counters are plain
 * numbers, bumped inline on the hot path; `snapshot()` gives a frozen copy
 * for reports (`derrick cache stats`, `--timings`, benchmarks).
 *
 * Meaning of each counter (the same for every store):
 *
 * | counter | bumped when |
 * |---|---|
 * | `hits` | `get` returned a value |
 * | `misses` | `get` returned nothing — absent, corrupt, stale or failed |
 * | `inserts` | `insert` stored a value |
 * | `errors` | an operation failed (I/O error, a store that threw); the operation became a miss or a failed insert |
 * | `corrupt` | a value was found but rejected (damaged, truncated, wrong key); also a miss |
 * | `evictions` | an entry was dropped to respect a size bound |
 * | `bytesRead` | bytes of values returned by hits |
 * | `bytesWritten` | bytes of values stored by inserts |
 *
 * Invariant (MissesCoverFailures): every `get` bumps exactly one of `hits`
 * and `misses`; `corrupt` and `errors` are sub-counts that never replace a
 * miss. So `hits + misses` is the number of lookups.
 */

export interface CacheStatsSnapshot {
  readonly hits: number;
  readonly misses: number;
  readonly inserts: number;
  readonly errors: number;
  readonly corrupt: number;
  readonly evictions: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export const CACHE_COUNTER_NAMES = [
  'hits',
  'misses',
  'inserts',
  'errors',
  'corrupt',
  'evictions',
  'bytesRead',
  'bytesWritten',
] as const satisfies readonly (keyof CacheStatsSnapshot)[];

export class CacheStatistics implements CacheStatsSnapshot {
  hits = 0;
  misses = 0;
  inserts = 0;
  errors = 0;
  corrupt = 0;
  evictions = 0;
  bytesRead = 0;
  bytesWritten = 0;

  /** Number of lookups (`hits + misses`, by MissesCoverFailures). */
  get lookups(): number {
    return this.hits + this.misses;
  }

  /** `hits / lookups`, or 0 before the first lookup. */
  get hitRate(): number {
    const n = this.lookups;
    return n === 0 ? 0 : this.hits / n;
  }

  snapshot(): CacheStatsSnapshot {
    const s: Record<string, number> = {};
    for (const k of CACHE_COUNTER_NAMES) s[k] = this[k];
    return Object.freeze(s as unknown as CacheStatsSnapshot);
  }

  /** Add another set of counters into this one (e.g. per-worker statistics). */
  add(o: CacheStatsSnapshot): void {
    for (const k of CACHE_COUNTER_NAMES) this[k] += o[k];
  }

  reset(): void {
    for (const k of CACHE_COUNTER_NAMES) this[k] = 0;
  }

  /** `hits=3 misses=1 … hit_rate=75.0%` — one line, stable order. */
  format(): string {
    const parts = CACHE_COUNTER_NAMES.map((k) => `${snake(k)}=${this[k]}`);
    parts.push(`hit_rate=${(this.hitRate * 100).toFixed(1)}%`);
    return parts.join(' ');
  }
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}
