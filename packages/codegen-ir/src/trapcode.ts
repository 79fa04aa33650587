/**
 * Trap codes: why an instruction trapped.
 *
 * A `TrapCode` is a small integer in 1..255 so that it fits in the trap-code
 * byte of `MemFlags` (0 there means "this access cannot trap", `notrap`).
 *
 * Cranelift reserves five codes for itself (`stk_ovf heap_oob int_ovf
 * int_divz bad_toint`) and leaves the rest to the embedder as `user1..`.
 * Derrick's IR is only ever produced for WebAssembly, so the wasm trap reasons
 * the translator needs are named here too (`unreachable table_oob
 * indirect_call_to_null bad_sig`), and user codes `user0..user239` remain for
 * anything else. The spelling in text is the name; `user<N>` for user codes.
 *
 * Invariant (TrapCodeFitsByte): every code is in 1..255.
 */

export type TrapCode = number;

export const TrapCode = {
  STACK_OVERFLOW: 1,
  HEAP_OUT_OF_BOUNDS: 2,
  INTEGER_OVERFLOW: 3,
  INTEGER_DIVISION_BY_ZERO: 4,
  BAD_CONVERSION_TO_INTEGER: 5,
  UNREACHABLE: 6,
  TABLE_OUT_OF_BOUNDS: 7,
  INDIRECT_CALL_TO_NULL: 8,
  BAD_SIGNATURE: 9,
  /** A user-defined trap code `user<n>`, n in 0..USER_MAX. */
  user(n: number): TrapCode {
    if (!Number.isInteger(n) || n < 0 || n > USER_MAX) throw new RangeError(`user trap code out of range: ${n}`);
    return USER_BASE + n;
  },
} as const;

const USER_BASE = 16;
/** Largest `n` accepted by `TrapCode.user(n)`. */
export const USER_MAX = 255 - USER_BASE;

const NAMES: readonly string[] = [
  '',
  'stk_ovf',
  'heap_oob',
  'int_ovf',
  'int_divz',
  'bad_toint',
  'unreachable',
  'table_oob',
  'indirect_call_to_null',
  'bad_sig',
];

/** The named (non-user) trap codes. */
export const NAMED_TRAP_CODES: readonly TrapCode[] = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Is `code` a user code? Returns its number, or undefined. */
export function userTrapNumber(code: TrapCode): number | undefined {
  return code >= USER_BASE && code <= 255 ? code - USER_BASE : undefined;
}

export function isValidTrapCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1 && code < NAMES.length) || (code >= USER_BASE && code <= 255));
}

/** Text spelling: `int_divz`, `user3`. */
export function trapCodeName(code: TrapCode): string {
  const user = userTrapNumber(code);
  if (user !== undefined) return `user${user}`;
  const name = NAMES[code];
  return name === undefined || name === '' ? `trap${code}` : name;
}

/** Parse a trap code's text spelling; undefined if it is not one. */
export function parseTrapCode(s: string): TrapCode | undefined {
  const i = NAMES.indexOf(s);
  if (i > 0) return i;
  const m = /^user(0|[1-9][0-9]*)$/.exec(s);
  if (m) {
    const n = Number(m[1]);
    if (n <= USER_MAX) return USER_BASE + n;
  }
  return undefined;
}
