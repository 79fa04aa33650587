/**
 * The cache-entry envelope: a fixed header in front of every value the
 * cache stores, so that a wrong or damaged blob is rejected cheaply and
 * treated as a miss instead of being handed to the deserializer.
 *
 * Problem. A cache value travels through stores Derrick does not control (a
 * directory other processes and other Derrick versions write into, a
 * user-supplied key-value store). What comes back may be truncated (a crash
 * between write and rename on a file system without ordered metadata), have
 * flipped bits, belong to a different format version, or be a file that was
 * copied under the wrong name. Handing any of those to the `CompiledCode`
 * deserializer would at best throw deep inside it and at worst produce
 * machine code that is subtly wrong.
 *
 * Approach. A 32-byte header, all integers little-endian:
 *
 * ```
 *   0  magic        8 bytes  89 'D' 'R' 'K' 'C' 0d 0a 1a
 *   8  version      u32      ENTRY_FORMAT_VERSION
 *  12  length       u32      payload length in bytes
 *  16  checksum     2 × u32  XXH32 of the payload, seeds 0 and 0x9e3779b1
 *  24  key tag      8 bytes  first 8 bytes of the cache key (zero when unbound)
 *  32  payload
 * ```
 *
 * (The magic borrows PNG's trick: a high-bit byte, CR LF and ^Z, so a blob
 * mangled by a text-mode copy never matches.)
 *
 * Invariants.
 * * (EnvelopeRejectsDamage) `decodeCacheEntry(e')` is `undefined` for every
 *   `e'` obtained from a valid envelope `e` by changing any one byte or by
 *   truncating it. Header bytes are each compared exactly (magic, version,
 *   tag) or against the byte count (length); a payload byte change always
 *   changes both checksum halves (DetectsOneWordChange in `checksum.ts`).
 *   Truncation changes the byte count, which must equal `32 + length`
 *   exactly.
 * * (EnvelopeBindsKey) when both sides pass the key, an envelope stored under
 *   one key is never accepted under another (up to a 2⁻⁶⁴ tag collision).
 *
 * The checksum is for accidents, not adversaries: anyone who can write the
 * cache directory can write machine code Derrick will run. XXH32 (twice,
 * for 64 bits) was chosen over sha256 and FNV-1a because it is ~10× faster in
 * JavaScript and provably detects every single-byte error (`checksum.ts`).
 */

import { xxhash32 } from './checksum.js';

/** Seeds of the two XXH32 halves of the 64-bit checksum. */
const SEED_LO = 0;
const SEED_HI = 0x9e3779b1;

/** `\x89DRKC\r\n\x1a`. */
export const ENTRY_MAGIC: readonly number[] = [0x89, 0x44, 0x52, 0x4b, 0x43, 0x0d, 0x0a, 0x1a];
/** Bump when the header layout changes. */
export const ENTRY_FORMAT_VERSION = 1;
export const ENTRY_HEADER_SIZE = 32;

/** Why `inspectCacheEntry` rejected a blob. */
export type EntryRejection = 'short' | 'magic' | 'version' | 'length' | 'checksum' | 'key';

export type EntryInspection = { ok: true; payload: Uint8Array } | { ok: false; reason: EntryRejection };

/**
 * Wrap `payload` in an envelope. With `key`, the envelope is bound to it
 * (EnvelopeBindsKey); the payload is copied.
 */
export function encodeCacheEntry(payload: Uint8Array, key?: Uint8Array): Uint8Array {
  if (payload.length > 0xffff_ffff) throw new RangeError(`cache payload too large: ${payload.length} bytes`);
  const out = new Uint8Array(ENTRY_HEADER_SIZE + payload.length);
  out.set(ENTRY_MAGIC, 0);
  const view = new DataView(out.buffer, out.byteOffset, ENTRY_HEADER_SIZE);
  view.setUint32(8, ENTRY_FORMAT_VERSION, true);
  view.setUint32(12, payload.length, true);
  view.setUint32(16, xxhash32(payload, SEED_LO), true);
  view.setUint32(20, xxhash32(payload, SEED_HI), true);
  if (key !== undefined) out.set(key.subarray(0, 8), 24);
  out.set(payload, ENTRY_HEADER_SIZE);
  return out;
}

/**
 * Check an envelope and say why it is rejected, if it is. The returned
 * payload is a view into `bytes` (no copy).
 */
export function inspectCacheEntry(bytes: Uint8Array, key?: Uint8Array): EntryInspection {
  if (bytes.length < ENTRY_HEADER_SIZE) return { ok: false, reason: 'short' };
  for (let i = 0; i < ENTRY_MAGIC.length; i++) {
    if (bytes[i] !== ENTRY_MAGIC[i]) return { ok: false, reason: 'magic' };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, ENTRY_HEADER_SIZE);
  if (view.getUint32(8, true) !== ENTRY_FORMAT_VERSION) return { ok: false, reason: 'version' };
  const length = view.getUint32(12, true);
  if (bytes.length !== ENTRY_HEADER_SIZE + length) return { ok: false, reason: 'length' };
  if (key !== undefined) {
    for (let i = 0; i < 8; i++) {
      if (bytes[24 + i] !== (key[i] ?? 0)) return { ok: false, reason: 'key' };
    }
  }
  if (
    view.getUint32(16, true) !== xxhash32(bytes, SEED_LO, ENTRY_HEADER_SIZE, bytes.length) ||
    view.getUint32(20, true) !== xxhash32(bytes, SEED_HI, ENTRY_HEADER_SIZE, bytes.length)
  ) {
    return { ok: false, reason: 'checksum' };
  }
  return { ok: true, payload: bytes.subarray(ENTRY_HEADER_SIZE) };
}

/**
 * The payload of a valid envelope (a view into `bytes`), or `undefined` for
 * anything damaged, truncated, of another format version, or (when `key` is
 * given) stored under another key. Never throws.
 */
export function decodeCacheEntry(bytes: Uint8Array, key?: Uint8Array): Uint8Array | undefined {
  const r = inspectCacheEntry(bytes, key);
  return r.ok ? r.payload : undefined;
}
