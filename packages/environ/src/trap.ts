/**
 * Trap codes: why a WebAssembly computation stopped abnormally.
 *
 * The numeric values are part of Derrick's compiled-code ABI: generated code
 * stores them into the store context when it traps, the trap table of a
 * precompiled module records them, and the runtime turns them back into a
 * `Trap` with the message the WebAssembly spec testsuite expects. Changing a
 * value is a format change (bump the precompiled-module format version).
 */
export enum TrapCode {
  /** Guest stack exhausted (the prologue's stack-limit check failed). */
  StackOverflow = 1,
  /** A load or store outside the bounds of a linear memory. */
  MemoryOutOfBounds = 2,
  /** Integer overflow: `i32.div_s(INT_MIN, -1)` and friends, or a float too large for a trapping conversion. */
  IntegerOverflow = 3,
  /** Integer division or remainder by zero. */
  IntegerDivisionByZero = 4,
  /** A trapping float-to-int conversion of a NaN. */
  BadConversionToInteger = 5,
  /** `unreachable` executed. */
  UnreachableCodeReached = 6,
  /** A table access (`table.get/set/...`, `call_indirect` index, bulk table op) out of bounds. */
  TableOutOfBounds = 7,
  /** `call_indirect` through a null table entry. */
  IndirectCallToNull = 8,
  /** `call_indirect` whose callee has a different signature. */
  BadSignature = 9,
  /** A host function (import) threw; the runtime re-throws the original exception. */
  HostException = 10,
  /** Internal error inside a runtime builtin; a bug, reported as such. */
  InternalError = 11,
}

/** The messages of the WebAssembly reference interpreter, which the spec testsuite matches. */
const TRAP_MESSAGES: Record<TrapCode, string> = {
  [TrapCode.StackOverflow]: 'call stack exhausted',
  [TrapCode.MemoryOutOfBounds]: 'out of bounds memory access',
  [TrapCode.IntegerOverflow]: 'integer overflow',
  [TrapCode.IntegerDivisionByZero]: 'integer divide by zero',
  [TrapCode.BadConversionToInteger]: 'invalid conversion to integer',
  [TrapCode.UnreachableCodeReached]: 'unreachable',
  [TrapCode.TableOutOfBounds]: 'undefined element: out of bounds table access',
  [TrapCode.IndirectCallToNull]: 'uninitialized element',
  [TrapCode.BadSignature]: 'indirect call type mismatch',
  [TrapCode.HostException]: 'host function raised an exception',
  [TrapCode.InternalError]: 'internal runtime error',
};

export function trapMessage(code: TrapCode): string {
  return TRAP_MESSAGES[code] ?? `unknown trap code ${code as number}`;
}

export function isTrapCode(n: number): n is TrapCode {
  return Number.isInteger(n) && n >= TrapCode.StackOverflow && n <= TrapCode.InternalError;
}
