/**
 * Warnings from the cache.
 *
 * A cache failure is never a compile failure (a store error is a miss plus a
 * warning), but a broken cache directory would otherwise print one warning per
 * function — a hundred thousand lines for a large module. `WarningLimiter`
 * passes the first `limit` warnings to the injected logger, then one line
 * saying the rest are suppressed; the statistics still count every event.
 */

/** Where the cache reports problems. Inject one to capture or silence warnings. */
export interface CacheLogger {
  warn(message: string): void;
}

/** The default logger: one line on stderr per warning, prefixed `derrick cache:`. */
export const consoleCacheLogger: CacheLogger = {
  warn(message: string): void {
    process.stderr.write(`derrick cache: warning: ${message}\n`);
  },
};

/** A logger that drops everything. */
export const silentCacheLogger: CacheLogger = { warn(): void {} };

export class WarningLimiter {
  private count = 0;

  constructor(
    private readonly logger: CacheLogger,
    private readonly limit = 10,
  ) {}

  /** Number of warnings raised so far, including suppressed ones. */
  get raised(): number {
    return this.count;
  }

  warn(message: string): void {
    this.count++;
    if (this.count <= this.limit) this.logger.warn(message);
    else if (this.count === this.limit + 1) this.logger.warn(`further cache warnings suppressed (limit ${this.limit})`);
  }
}

/** `err.code: err.message` for Node errors, the message otherwise. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
