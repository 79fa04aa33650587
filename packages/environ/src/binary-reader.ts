/**
 * A cursor over the bytes of a module: LEB128 integers, names, lengths.
 *
 * The reader's rules are the binary format's, with the reference
 * interpreter's error wording:
 *
 *   - An unsigned/signed LEB128 for an N-bit integer may use at most
 *     ceil(N / 7) bytes; overlong encodings within that count are fine. A
 *     further continuation bit is "integer representation too long"; unused
 *     bits of the last byte that are not zero (unsigned) or not a copy of the
 *     sign bit (signed) are "integer too large". The "too large" check of a
 *     byte comes before its continuation check, as in the reference.
 *   - Reading past `end` is "unexpected end of section or function".
 *   - A length prefix (of a section, a body, a name, a byte vector) is
 *     checked against the bytes left *counting the prefix itself*, as the
 *     reference does: `len > end - (offset of the prefix)` is "length out of
 *     bounds"; a length that passes but still runs past `end` is "unexpected
 *     end".
 *
 * Invariant (cursor-bounds): `0 <= pos <= end <= bytes.length` after every
 * method returns; no method reads `bytes[i]` for `i >= end`. Every failure is
 * a thrown `DecodeError`; nothing else escapes.
 */
import { DecodeError } from './errors.js';

const UNEXPECTED_END = 'unexpected end of section or function';

export class BinaryReader {
  readonly bytes: Uint8Array;
  /** Next byte to read. */
  pos: number;
  /** Hard limit: bytes at or after `end` are never read. */
  end: number;
  /** Low 32 bits (unsigned) of the last `readVarS64`. */
  lo = 0;
  /** High 32 bits (unsigned) of the last `readVarS64`. */
  hi = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  unexpectedEnd(offset = this.pos): never {
    throw new DecodeError(UNEXPECTED_END, offset);
  }

  readU8(): number {
    const p = this.pos;
    if (p >= this.end) this.unexpectedEnd();
    this.pos = p + 1;
    return this.bytes[p]!;
  }

  /** A little-endian u32 (raw bits of an f32). */
  readU32LE(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.unexpectedEnd(this.end);
    const b = this.bytes;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** An unsigned LEB128 u32, as a number in [0, 2^32). */
  readVarU32(): number {
    const p = this.pos;
    if (p < this.end) {
      const b = this.bytes[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    return this.readVarU32Slow();
  }

  private readVarU32Slow(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      const at = this.pos;
      const b = this.readU8();
      if (i === 4) {
        if ((b & 0x70) !== 0) throw new DecodeError('integer too large', at);
        if (b & 0x80) throw new DecodeError('integer representation too long', this.pos);
        return (result | (b << 28)) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  /** A signed LEB128 i32, as a number in [-2^31, 2^31). */
  readVarS32(): number {
    const p = this.pos;
    if (p < this.end) {
      const b = this.bytes[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b < 0x40 ? b : b - 0x80;
      }
    }
    let result = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      const at = this.pos;
      const b = this.readU8();
      if (i === 4) {
        const m = b & 0x78;
        if (m !== 0 && m !== 0x78) throw new DecodeError('integer too large', at);
        if (b & 0x80) throw new DecodeError('integer representation too long', this.pos);
        return result | (b << 28);
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) return (result << (32 - shift)) >> (32 - shift);
    }
  }

  /** A signed LEB128 s33 (block types), as a number in [-2^32, 2^32). */
  readVarS33(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      const at = this.pos;
      const b = this.readU8();
      if (i === 4) {
        const m = b & 0x70;
        if (m !== 0 && m !== 0x70) throw new DecodeError('integer too large', at);
        if (b & 0x80) throw new DecodeError('integer representation too long', this.pos);
        result += (b & 0x1f) * scale;
        return b & 0x10 ? result - 2 ** 33 : result;
      }
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - scale : result;
    }
  }

  /**
   * A signed LEB128 i64. The result is left in `lo` and `hi` (two unsigned
   * 32-bit halves) so the hot path allocates no bigint.
   */
  readVarS64(): void {
    const p = this.pos;
    if (p < this.end) {
      const b = this.bytes[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        const v = b < 0x40 ? b : b - 0x80;
        this.lo = v >>> 0;
        this.hi = v < 0 ? 0xffffffff : 0;
        return;
      }
    }
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      const at = this.pos;
      const b = this.readU8();
      if (i === 9) {
        const m = b & 0x7f;
        if (m !== 0 && m !== 0x7f) throw new DecodeError('integer too large', at);
        if (b & 0x80) throw new DecodeError('integer representation too long', this.pos);
        hi |= (b & 1) << 31;
        break;
      }
      const v = b & 0x7f;
      if (shift < 32) {
        lo |= v << shift;
        if (shift > 25) hi |= v >>> (32 - shift);
      } else {
        hi |= v << (shift - 32);
      }
      shift += 7;
      if ((b & 0x80) === 0) {
        if (b & 0x40) {
          if (shift < 32) {
            lo |= -1 << shift;
            hi = -1;
          } else {
            hi |= -1 << (shift - 32);
          }
        }
        break;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A signed LEB128 i64 as a bigint. */
  readVarS64BigInt(): bigint {
    this.readVarS64();
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /**
   * A one-byte type code (value type, reference type, function type form).
   * The reference reads these as 7-bit signed LEB128s, so a continuation bit
   * is "integer representation too long".
   */
  readTypeCode(): number {
    const b = this.readU8();
    if (b & 0x80) throw new DecodeError('integer representation too long', this.pos);
    return b;
  }

  /** A u32 length prefix checked against the bytes left (see the essay). */
  readLength(): number {
    const at = this.pos;
    const n = this.readVarU32();
    if (n > this.end - at) throw new DecodeError('length out of bounds', at, `length ${n}`);
    return n;
  }

  /** Skip `n` bytes. */
  skip(n: number): void {
    if (n < 0 || n > this.end - this.pos) this.unexpectedEnd(this.end);
    this.pos += n;
  }

  /** A name: a length-prefixed, valid UTF-8 string. */
  readName(): string {
    const n = this.readLength();
    const start = this.pos;
    if (n > this.end - start) this.unexpectedEnd(this.end);
    const bad = utf8Error(this.bytes, start, start + n);
    if (bad >= 0) throw new DecodeError('malformed UTF-8 encoding', bad);
    this.pos = start + n;
    return decodeUtf8(this.bytes, start, start + n);
  }
}

/**
 * Offset of the first byte of an invalid UTF-8 sequence in `bytes[start,end)`,
 * or -1 when the range is valid UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequence).
 */
export function utf8Error(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= end) return i; // truncated sequence
    const c1 = bytes[i + 1]!;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decode bytes already known to be valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return utf8Decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return utf8Decoder.decode(bytes.subarray(start, end));
}
