/**
 * FNV-1a, 64-bit: the `.cwasm` checksum.
 *
 * The checksum guards against corruption (a truncated download, a flipped
 * bit on disk), not against tampering: anyone who can edit a `.cwasm` can
 * recompute it, and a `.cwasm` is native code that must come from a trusted
 * source anyway. FNV-1a is enough for that and has a property worth stating:
 *
 * Invariant (single-byte-detection): changing any one byte of the input
 * always changes the hash. Each step is `h ← (h XOR byte) × P mod 2^64` with
 * `P` odd, so for a fixed `h` the step is injective in the byte, and for a
 * fixed byte it is a bijection on `h`; a difference introduced at one byte
 * survives every later step.
 *
 * The 64-bit state is kept as two 32-bit halves so the loop never touches
 * `BigInt`. `P = 2^40 + 0x1b3`, so `h × P = (h << 40) + h × 0x1b3` mod 2^64:
 * the low word is `lo × 0x1b3` mod 2^32 (`Math.imul`), the high word is
 * `hi × 0x1b3 + carry + (lo << 8)` mod 2^32, where `carry`, the upper bits of
 * `lo × 0x1b3`, is computed from 16-bit halves so every intermediate stays a
 * small integer. Measured on the shared 2-core dev machine over 32 MiB:
 * 250–450 MB/s, against ~160 MB/s for the same loop with float products.
 */

const FNV_PRIME_LOW = 0x1b3;

/** FNV-1a 64 of `bytes`, as an unsigned 64-bit `bigint`. */
export function fnv1a64(bytes: Uint8Array): bigint {
  // Offset basis 0xcbf29ce484222325, as signed 32-bit halves.
  let hi = 0xcbf29ce4 | 0;
  let lo = 0x84222325 | 0;
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i]!;
    const carry = ((lo >>> 16) * FNV_PRIME_LOW + (((lo & 0xffff) * FNV_PRIME_LOW) >>> 16)) >>> 16;
    hi = (Math.imul(hi, FNV_PRIME_LOW) + carry + (lo << 8)) | 0;
    lo = Math.imul(lo, FNV_PRIME_LOW);
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
