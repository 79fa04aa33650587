/**
 * `CodegenError`: why compiling a function failed. Errors are values with a
 * kind, a message saying what and where, and — when there is one — the IR
 * instruction concerned.
 */

export type CodegenErrorKind =
  /** The IR does not verify (`enable_verifier`). */
  | 'verifier'
  /** The backend has no lowering for this input (an opcode, a type, a feature). */
  | 'unsupported'
  /** The flags ask for something the ISA cannot do (e.g. SIMD without SSE4.1). */
  | 'invalid-settings'
  /** A limit of the implementation: frame too large, too many values. */
  | 'implementation-limit'
  /** Register allocation failed (a lowering or allocator bug). */
  | 'regalloc';

export class CodegenError extends Error {
  override readonly name = 'CodegenError';
  constructor(
    readonly kind: CodegenErrorKind,
    message: string,
    /** The IR instruction concerned, or -1. */
    readonly inst = -1,
  ) {
    super(inst >= 0 ? `${message} (inst${inst})` : message);
  }
}
