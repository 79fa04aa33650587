/**
 * Little-endian byte cursors: a bounds-checked `ByteReader` and a growable
 * `ByteWriter`, plus strict UTF-8 helpers.
 *
 * Every format in this package (ELF64 LE, the `.derrick.*` metadata sections,
 * the `.cwasm` trailer) is little-endian with fixed-width integers, so two small
 * cursors carry all the byte-level work. The reader is where the
 * typed-failure invariant (see `error.ts`) is kept for sequential formats:
 * every read first checks that the bytes exist and, if not, throws an
 * `ObjectError` of kind `truncated` naming what was being read and the *file*
 * offset (`base + position`), so a metadata section decoded from the middle of
 * an image still reports positions a hex dump of the file can find.
 *
 * The ELF reader does random access rather than sequential reads, so it
 * uses `viewOf` directly after checking its ranges.
 */
import { ObjectError } from './error.js';

// ignoreBOM keeps a leading U+FEFF as part of the string, so every string round-trips.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** A `DataView` over exactly the bytes of `bytes` (which may be a subarray of a larger buffer). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes UTF-8 strictly; malformed sequences become an `ObjectError`. */
export function decodeUtf8(bytes: Uint8Array, what: string, offset: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ObjectError('malformed', `${what} is not valid UTF-8`, offset);
  }
}

/** UTF-8 bytes of `s`; refuses strings with lone surrogates, which would not round-trip. */
export function encodeUtf8(s: string, what: string): Uint8Array {
  const bytes = utf8Encoder.encode(s);
  if (utf8.decode(bytes) !== s) {
    throw new ObjectError('invalid-input', `${what} ${JSON.stringify(s)} contains a lone surrogate and cannot be encoded as UTF-8`);
  }
  return bytes;
}

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  /**
   * @param bytes the bytes to read
   * @param what  names the structure in error messages, e.g. "`.derrick.traps` section"
   * @param base  file offset of `bytes[0]`, added to every offset reported
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
    readonly base = 0,
  ) {
    this.view = viewOf(bytes);
  }

  get position(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** File offset of the cursor. */
  get fileOffset(): number {
    return this.base + this.pos;
  }

  /** Throws `truncated` unless `n` more bytes exist. */
  need(n: number, field: string): void {
    if (n > this.bytes.length - this.pos) {
      throw new ObjectError(
        'truncated',
        `${this.what} ends inside ${field}: need ${n} byte(s), ${this.bytes.length - this.pos} left`,
        this.fileOffset,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  bytesOf(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A `u32` byte length followed by that many bytes of UTF-8. */
  string(field: string): string {
    const at = this.fileOffset;
    const len = this.u32(`the length of ${field}`);
    const bytes = this.bytesOf(len, field);
    return decodeUtf8(bytes, `${this.what}: ${field}`, at);
  }

  /** Throws `malformed` if anything is left: every format here is canonical, with no slack. */
  expectEnd(): void {
    if (this.pos !== this.bytes.length) {
      throw new ObjectError(
        'malformed',
        `${this.what} has ${this.bytes.length - this.pos} unexpected trailing byte(s) after its last field`,
        this.fileOffset,
      );
    }
  }
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(Math.max(8, initialCapacity));
    this.view = viewOf(this.buf);
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = viewOf(next);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.len, v);
    this.len += 1;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.len, v, true);
    this.len += 4;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** A `u32` byte length followed by the UTF-8 bytes; see `ByteReader.string`. */
  string(s: string, what: string): void {
    const b = encodeUtf8(s, what);
    this.u32(b.length);
    this.bytes(b);
  }

  /** A copy of exactly the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Throws `invalid-input` unless `v` is an integer in [0, 2^32). */
export function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
    throw new ObjectError('invalid-input', `${what} must be an integer in [0, 2^32), got ${v}`);
  }
}

