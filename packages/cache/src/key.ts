/**
 * The cache key: sha256 over everything that determines a function's
 * compiled code.
 *
 * Problem. The incremental cache may only return code that a fresh compile
 * would produce. So the key must change whenever anything the code
 * generator reads changes — the function's IR, the target, every setting —
 * and must not change for things it does not read (the callee name table,
 * the function's offset in the module), or identical bodies never hit.
 *
 * Approach (Cranelift's `CacheKey`, #4551). The key is sha256 of a
 * self-delimiting byte string:
 *
 * ```
 *   field(KEY_DOMAIN)                          "derrick-cache-key" + CACHE_FORMAT_VERSION
 *   field(triple)
 *   map(sharedFlags)                           count, then (field(name), field(value))*
 *   map(isaFlags)                                 in ascending code-unit order of name
 *   field(compilerVersion) or absent-marker
 *   field(stencil.canonicalBytes())
 * ```
 *
 * where `field(x)` = one tag byte, a u32 little-endian byte length, the UTF-8
 * (or raw) bytes. Every part is length-prefixed, so the encoding is
 * injective: no two different inputs produce the same byte string (a flag
 * value cannot "absorb" the next flag's name, `{a: "b=c"}` ≠ `{"a=b": "c"}`).
 *
 * Everything before the stencil depends only on the target, so it is hashed
 * once per `CacheKeyer` and the sha256 state is cloned per function: a key
 * costs one state copy plus hashing the stencil's canonical bytes, and no
 * buffer is concatenated.
 *
 * What the stencil's canonical bytes cover, and the holes found in them, is
 * in this package's README ("What the key covers").
 *
 * Invariants.
 * * (KeyOrderFree) the key does not depend on the insertion order of the
 *   flag records: names are sorted with a locale-independent comparison.
 * * (KeyInjective) distinct (domain, triple, flags, compilerVersion,
 *   stencil bytes) tuples have distinct pre-images (length-prefixing), so a
 *   key collision is a sha256 collision.
 * * (KeyVersioned) `CACHE_FORMAT_VERSION` is in the pre-image: bump it when
 *   the key layout or the meaning of cached values changes, and every old
 *   entry becomes unreachable.
 */
import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import type { FunctionStencil } from '@derrick/codegen-ir';

/**
 * Version of the cache format: the key layout and the meaning of the value
 * (the serialized `CompiledCode` stencil). Bump on any change to either.
 */
export const CACHE_FORMAT_VERSION = 1;

const KEY_DOMAIN = `derrick-cache-key/${CACHE_FORMAT_VERSION}`;

/** Everything outside the stencil that changes the generated code. */
export interface CacheKeyIsa {
  /** Target triple, e.g. `x86_64-unknown-linux-gnu`. */
  triple: string;
  /** ISA-specific flags (`has_sse41` …), every one the backend reads, by name. */
  isaFlags: Record<string, string>;
  /** Shared settings (`opt_level` …), every one the backend reads, by name. */
  sharedFlags: Record<string, string>;
  /**
   * Identity of the code generator build (a package version, or a
   * fingerprint of its sources — see `fingerprintSources`). Without it, a
   * persistent cache keeps serving code from before a code-generator change.
   */
  compilerVersion?: string;
}

/** The size of a key in bytes. */
export const CACHE_KEY_SIZE = 32;

type NobleSha256 = ReturnType<typeof sha256.create>;

/**
 * Which sha256 implementation computes keys. Both give the same keys (it is
 * the same function); `noble` (`@noble/hashes`, pure JavaScript, the
 * default) runs anywhere, `node` (`node:crypto`, OpenSSL) is several times
 * faster on function-sized inputs — see README, "Measured".
 */
export type Sha256Implementation = 'noble' | 'node';

export interface CacheKeyerOptions {
  sha256?: Sha256Implementation;
}

const TAG_DOMAIN = 1;
const TAG_TRIPLE = 2;
const TAG_SHARED = 3;
const TAG_ISA = 4;
const TAG_COMPILER = 5;
const TAG_NO_COMPILER = 6;
const TAG_STENCIL = 7;
const TAG_NAME = 8;
const TAG_VALUE = 9;

/** A small growable buffer for the (short) target part of the pre-image. */
class PreimageWriter {
  private buf = new Uint8Array(256);
  private len = 0;
  private readonly enc = new TextEncoder();

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  header(tag: number, length: number): void {
    this.ensure(5);
    writeHeader(this.buf, this.len, tag, length);
    this.len += 5;
  }

  field(tag: number, s: string): void {
    const bytes = this.enc.encode(s);
    this.header(tag, bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  map(tag: number, rec: Record<string, string>): void {
    // KeyOrderFree: sort by UTF-16 code units, never by locale.
    const names = Object.keys(rec).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.header(tag, names.length);
    for (const n of names) {
      const v = rec[n];
      if (typeof v !== 'string') throw new TypeError(`cache key: flag ${n} has a ${typeof v} value, expected a string`);
      this.field(TAG_NAME, n);
      this.field(TAG_VALUE, v);
    }
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function writeHeader(buf: Uint8Array, at: number, tag: number, length: number): void {
  buf[at] = tag;
  buf[at + 1] = length & 0xff;
  buf[at + 2] = (length >>> 8) & 0xff;
  buf[at + 3] = (length >>> 16) & 0xff;
  buf[at + 4] = (length >>> 24) & 0xff;
}

/** The target-dependent prefix of the key pre-image (exposed for tests and tools). */
export function isaPreimage(isa: CacheKeyIsa): Uint8Array {
  const w = new PreimageWriter();
  w.field(TAG_DOMAIN, KEY_DOMAIN);
  w.field(TAG_TRIPLE, isa.triple);
  w.map(TAG_SHARED, isa.sharedFlags);
  w.map(TAG_ISA, isa.isaFlags);
  if (isa.compilerVersion === undefined) w.header(TAG_NO_COMPILER, 0);
  else w.field(TAG_COMPILER, isa.compilerVersion);
  return w.bytes().slice();
}

/**
 * Computes keys for one target. Build one per compiler (the target part is
 * hashed once) and call `key` per function.
 */
export class CacheKeyer {
  readonly sha256: Sha256Implementation;
  private readonly noblePrefix: NobleSha256 | undefined;
  private readonly nobleScratch: NobleSha256 | undefined;
  private readonly nodePrefix: ReturnType<typeof createHash> | undefined;
  private readonly header = new Uint8Array(5);

  constructor(
    readonly isa: Readonly<CacheKeyIsa>,
    options: CacheKeyerOptions = {},
  ) {
    this.sha256 = options.sha256 ?? 'noble';
    const pre = isaPreimage(isa);
    if (this.sha256 === 'node') {
      this.nodePrefix = createHash('sha256').update(pre);
    } else {
      this.noblePrefix = sha256.create().update(pre);
      this.nobleScratch = sha256.create();
    }
  }

  /** The key of `stencil` for this keyer's target. */
  key(stencil: FunctionStencil): Uint8Array {
    return this.keyOfCanonicalBytes(stencil.canonicalBytes());
  }

  /** The key for stencil canonical bytes already computed by the caller. */
  keyOfCanonicalBytes(canonical: Uint8Array): Uint8Array {
    writeHeader(this.header, 0, TAG_STENCIL, canonical.length);
    const out = new Uint8Array(CACHE_KEY_SIZE);
    if (this.nodePrefix !== undefined) {
      const d = this.nodePrefix.copy().update(this.header).update(canonical).digest();
      out.set(d);
    } else {
      // Clone the target prefix into a reused state: no allocation per key.
      const h = this.noblePrefix!._cloneInto(this.nobleScratch);
      h.update(this.header);
      h.update(canonical);
      h.digestInto(out);
    }
    return out;
  }
}

/**
 * sha256 key of `stencil` compiled for `isa` (32 bytes). For many functions
 * of one target, a `CacheKeyer` avoids re-hashing the target part.
 */
export function computeCacheKey(stencil: FunctionStencil, isa: CacheKeyIsa, options?: CacheKeyerOptions): Uint8Array {
  return new CacheKeyer(isa, options).key(stencil);
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of a key (the on-disk file name, the memory store's map key). */
export function cacheKeyToHex(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += HEX[key[i]!]!;
  return s;
}
