/**
 * Cache-check mode: compare cached compiled code with a fresh compile.
 *
 * Cranelift's `enable_incremental_compilation_cache_checks` recompiles every
 * hit and asserts the results are equal; it is how a key that misses an input
 * (the cache serving code a fresh compile would not produce) is caught. Here
 * the comparison is over the serialized `CompiledCode` stencils: the same
 * bytes the cache stores, so this checks the serializer's determinism too.
 *
 * When they differ, the message says where, with both sides in hex around
 * the first difference — enough to start from the disassembly, without a
 * debugger.
 */

export class CacheCheckError extends Error {
  override readonly name = 'CacheCheckError';
  readonly kind = 'cache-check';
  constructor(
    message: string,
    /** Offset of the first differing byte. */
    readonly offset: number,
  ) {
    super(message);
  }
}

function hexWindow(bytes: Uint8Array, from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(i < bytes.length ? bytes[i]!.toString(16).padStart(2, '0') : '--');
  return parts.join(' ');
}

/**
 * Throw a `CacheCheckError` unless `cached` and `fresh` are byte-for-byte
 * equal. `context` names the function (and anything else that helps: the
 * key in hex, the module).
 */
export function assertSameCompiledBytes(cached: Uint8Array, fresh: Uint8Array, context: string): void {
  const n = Math.min(cached.length, fresh.length);
  let first = -1;
  let differing = Math.abs(cached.length - fresh.length);
  for (let i = 0; i < n; i++) {
    if (cached[i] !== fresh[i]) {
      if (first < 0) first = i;
      differing++;
    }
  }
  if (first < 0 && cached.length === fresh.length) return;
  if (first < 0) first = n; // One is a prefix of the other.
  const from = Math.max(0, first - 8) & ~7;
  const to = from + 24;
  const at = from.toString(16).padStart(4, '0');
  const cachedLabel = `  cached @0x${at}: `;
  const freshLabel = `  fresh  @0x${at}: `;
  const caret = ' '.repeat(freshLabel.length + (first - from) * 3) + '^^';
  const lines = [
    `incremental cache check failed for ${context}: the cached code differs from a fresh compile`,
    `  cached ${cached.length} bytes, fresh ${fresh.length} bytes; ${differing} byte(s) differ, first at offset 0x${first.toString(16)}`,
    cachedLabel + hexWindow(cached, from, to),
    freshLabel + hexWindow(fresh, from, to),
    caret,
    `  (the cache key misses an input code generation reads, or compilation/serialization is not deterministic)`,
  ];
  throw new CacheCheckError(lines.join('\n'), first);
}
