/**
 * Errors of the wasm → IR translator, as values.
 *
 * The translator runs on modules that `@derrick/environ` has decoded and
 * validated, so a well-formed input never fails for a reason the *module*
 * could be blamed for. What can fail is the translator's coverage: SIMD
 * (`v128` values and `0xFD`-prefixed operators) is not translated yet. That
 * is reported as a `TranslateError` of kind `'unsupported'`, naming the
 * function and the module byte offset of the instruction (or of the body),
 * so an embedder can fall back or report it like any other compile error.
 *
 * Kind `'internal'` wraps anything else (a broken invariant in the
 * translator or the IR builder); it is a bug, not a property of the input.
 */

export type TranslateErrorKind = 'unsupported' | 'internal';

export class TranslateError extends Error {
  readonly kind: TranslateErrorKind;
  /** Function index (in the module's function index space). */
  readonly funcIndex: number;
  /** Module byte offset of the instruction (or body) concerned. */
  readonly offset: number;
  /** The message without the location suffix. */
  readonly reason: string;

  constructor(kind: TranslateErrorKind, reason: string, funcIndex: number, offset: number, options?: { cause?: unknown }) {
    super(`${reason} (function ${funcIndex}, at offset 0x${offset.toString(16)})`, options);
    this.name = 'TranslateError';
    this.kind = kind;
    this.reason = reason;
    this.funcIndex = funcIndex;
    this.offset = offset;
  }
}

/** The reason given for every SIMD construct (operators and `v128` values). */
export const SIMD_UNSUPPORTED = 'SIMD is not supported by the translator yet';

export function isTranslateError(e: unknown): e is TranslateError {
  return e instanceof TranslateError;
}
