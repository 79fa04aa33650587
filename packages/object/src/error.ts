/**
 * `ObjectError`: the one error type of `@derrick/object`.
 *
 * Everything this package reads — an ELF image, a `.cwasm` file, a metadata
 * section — may come from disk or from an attacker, so every failure to read
 * is a value with a `kind` a caller can switch on, a message that says what
 * was wrong and where, and the file offset when there is one. Writers throw the
 * same type (kind `invalid-input`) when handed arguments that would produce an
 * image the reader rejects.
 *
 * Invariant (typed-failure): no input makes a reader in this package throw
 * anything but an `ObjectError` — not a `RangeError` from a `DataView`, not a
 * `TypeError` from a `TextDecoder`. The fuzz tests in `test/fuzz.test.ts` hold
 * the package to it.
 */

/** What went wrong, coarsely enough to decide what to tell the user. */
export type ObjectErrorKind =
  /** The input ends before a structure it declares (header, table, string, trailer). */
  | 'truncated'
  /** The input does not start with the magic number of the format asked for. */
  | 'bad-magic'
  /** A well-formed input outside what Derrick handles (ELF32, big-endian, a >2^53 value…). */
  | 'unsupported'
  /** The input is internally inconsistent: an offset out of bounds, a wrong entry size, unsorted table… */
  | 'malformed'
  /** A section the caller needs is not in the image. */
  | 'missing-section'
  /** A versioned format (metadata section, `.cwasm` trailer) carries a version this build does not read. */
  | 'version-mismatch'
  /** The `.cwasm` checksum does not match its bytes: the file was corrupted or edited. */
  | 'checksum-mismatch'
  /** A plain WebAssembly binary was handed to the precompiled-module loader. */
  | 'not-precompiled'
  /** A writer or encoder was given arguments it cannot represent faithfully. */
  | 'invalid-input';

export class ObjectError extends Error {
  override readonly name = 'ObjectError';
  readonly kind: ObjectErrorKind;
  /** Byte offset in the input (file offset when known) where the problem was found. */
  readonly offset: number | undefined;

  constructor(kind: ObjectErrorKind, message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at offset ${hex(offset)})`);
    this.kind = kind;
    this.offset = offset;
  }
}

/** `0x1f0`-style rendering used in every message of this package. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/**
 * A string from the input, quoted for a message and cut to 60 characters, so
 * a hostile name cannot make an error message as large as the file.
 */
export function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}
