/**
 * Errors are values with a kind, a reason and a byte offset.
 *
 * `reason` is the reference interpreter's wording (what the spec testsuite's
 * `assert_malformed` / `assert_invalid` expect to find in the message), and
 * the message is `reason[: detail] (at offset 0x…)`, reason first, so that
 * `error.message.includes(expected)` holds for the spec tests.
 *
 * - `DecodeError` (kind `'decode'`): the bytes are not a wasm binary
 *   ("malformed" in the spec's terms).
 * - `ValidationError` (kind `'validate'`): the bytes decode, but the module
 *   is not valid ("invalid").
 */

export type WasmErrorKind = 'decode' | 'validate';

export class WasmError extends Error {
  readonly kind: WasmErrorKind;
  /** Byte offset in the module where the problem was found. */
  readonly offset: number;
  /** The reference interpreter's text for this error, without detail or offset. */
  readonly reason: string;

  constructor(kind: WasmErrorKind, reason: string, offset: number, detail?: string) {
    super(`${reason}${detail ? `: ${detail}` : ''} (at offset 0x${offset.toString(16)})`);
    this.name = 'WasmError';
    this.kind = kind;
    this.reason = reason;
    this.offset = offset;
  }
}

/** The binary is malformed (what `assert_malformed` expects). */
export class DecodeError extends WasmError {
  declare readonly kind: 'decode';
  constructor(reason: string, offset: number, detail?: string) {
    super('decode', reason, offset, detail);
    this.name = 'DecodeError';
  }
}

/** The module decodes but is invalid (what `assert_invalid` expects). */
export class ValidationError extends WasmError {
  declare readonly kind: 'validate';
  constructor(reason: string, offset: number, detail?: string) {
    super('validate', reason, offset, detail);
    this.name = 'ValidationError';
  }
}
