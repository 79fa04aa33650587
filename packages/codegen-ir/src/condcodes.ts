/**
 * Condition codes for `icmp`/`icmp_imm` (`IntCC`) and `fcmp` (`FloatCC`).
 *
 * Both are small integers stored in an instruction's `aux` slot. Names,
 * meanings and the text spelling follow Cranelift's `condcodes.rs`:
 *
 * * IntCC: `eq ne slt sge sgt sle ult uge ugt ule`.
 * * FloatCC: `ord uno eq ne one ueq lt le gt ge ult ule ugt uge`. Note that
 *   `ne` is *unordered or not equal* (true when either side is NaN), the
 *   negation of `eq`; `one` is the ordered variant.
 */

export enum IntCC {
  Equal = 0,
  NotEqual = 1,
  SignedLessThan = 2,
  SignedGreaterThanOrEqual = 3,
  SignedGreaterThan = 4,
  SignedLessThanOrEqual = 5,
  UnsignedLessThan = 6,
  UnsignedGreaterThanOrEqual = 7,
  UnsignedGreaterThan = 8,
  UnsignedLessThanOrEqual = 9,
}

const INTCC_NAMES = ['eq', 'ne', 'slt', 'sge', 'sgt', 'sle', 'ult', 'uge', 'ugt', 'ule'] as const;

export function intCCName(cc: IntCC): string {
  return INTCC_NAMES[cc] ?? `intcc${cc as number}`;
}

export function parseIntCC(s: string): IntCC | undefined {
  const i = (INTCC_NAMES as readonly string[]).indexOf(s);
  return i < 0 ? undefined : (i as IntCC);
}

/** The condition that is true exactly when `cc` is false. */
export function intCCInverse(cc: IntCC): IntCC {
  // Pairs are adjacent: (eq, ne), (slt, sge), (sgt, sle), (ult, uge), (ugt, ule).
  return (cc ^ 1) as IntCC;
}

/** The condition with swapped operands: `a cc b` == `b swapped(cc) a`. */
export function intCCSwapArgs(cc: IntCC): IntCC {
  switch (cc) {
    case IntCC.SignedLessThan:
      return IntCC.SignedGreaterThan;
    case IntCC.SignedGreaterThan:
      return IntCC.SignedLessThan;
    case IntCC.SignedGreaterThanOrEqual:
      return IntCC.SignedLessThanOrEqual;
    case IntCC.SignedLessThanOrEqual:
      return IntCC.SignedGreaterThanOrEqual;
    case IntCC.UnsignedLessThan:
      return IntCC.UnsignedGreaterThan;
    case IntCC.UnsignedGreaterThan:
      return IntCC.UnsignedLessThan;
    case IntCC.UnsignedGreaterThanOrEqual:
      return IntCC.UnsignedLessThanOrEqual;
    case IntCC.UnsignedLessThanOrEqual:
      return IntCC.UnsignedGreaterThanOrEqual;
    default:
      return cc;
  }
}

export enum FloatCC {
  Ordered = 0,
  Unordered = 1,
  Equal = 2,
  NotEqual = 3,
  OrderedNotEqual = 4,
  UnorderedOrEqual = 5,
  LessThan = 6,
  LessThanOrEqual = 7,
  GreaterThan = 8,
  GreaterThanOrEqual = 9,
  UnorderedOrLessThan = 10,
  UnorderedOrLessThanOrEqual = 11,
  UnorderedOrGreaterThan = 12,
  UnorderedOrGreaterThanOrEqual = 13,
}

const FLOATCC_NAMES = ['ord', 'uno', 'eq', 'ne', 'one', 'ueq', 'lt', 'le', 'gt', 'ge', 'ult', 'ule', 'ugt', 'uge'] as const;

export function floatCCName(cc: FloatCC): string {
  return FLOATCC_NAMES[cc] ?? `floatcc${cc as number}`;
}

export function parseFloatCC(s: string): FloatCC | undefined {
  const i = (FLOATCC_NAMES as readonly string[]).indexOf(s);
  return i < 0 ? undefined : (i as FloatCC);
}

/** The condition that is true exactly when `cc` is false (NaN-aware). */
export function floatCCInverse(cc: FloatCC): FloatCC {
  switch (cc) {
    case FloatCC.Ordered:
      return FloatCC.Unordered;
    case FloatCC.Unordered:
      return FloatCC.Ordered;
    case FloatCC.Equal:
      return FloatCC.NotEqual;
    case FloatCC.NotEqual:
      return FloatCC.Equal;
    case FloatCC.OrderedNotEqual:
      return FloatCC.UnorderedOrEqual;
    case FloatCC.UnorderedOrEqual:
      return FloatCC.OrderedNotEqual;
    case FloatCC.LessThan:
      return FloatCC.UnorderedOrGreaterThanOrEqual;
    case FloatCC.LessThanOrEqual:
      return FloatCC.UnorderedOrGreaterThan;
    case FloatCC.GreaterThan:
      return FloatCC.UnorderedOrLessThanOrEqual;
    case FloatCC.GreaterThanOrEqual:
      return FloatCC.UnorderedOrLessThan;
    case FloatCC.UnorderedOrLessThan:
      return FloatCC.GreaterThanOrEqual;
    case FloatCC.UnorderedOrLessThanOrEqual:
      return FloatCC.GreaterThan;
    case FloatCC.UnorderedOrGreaterThan:
      return FloatCC.LessThanOrEqual;
    case FloatCC.UnorderedOrGreaterThanOrEqual:
      return FloatCC.LessThan;
  }
}

/** Evaluate a float condition given the IEEE relation of the operands. */
export function evalFloatCC(cc: FloatCC, a: number, b: number): boolean {
  const uno = Number.isNaN(a) || Number.isNaN(b);
  switch (cc) {
    case FloatCC.Ordered:
      return !uno;
    case FloatCC.Unordered:
      return uno;
    case FloatCC.Equal:
      return a === b;
    case FloatCC.NotEqual:
      return a !== b;
    case FloatCC.OrderedNotEqual:
      return !uno && a !== b;
    case FloatCC.UnorderedOrEqual:
      return uno || a === b;
    case FloatCC.LessThan:
      return a < b;
    case FloatCC.LessThanOrEqual:
      return a <= b;
    case FloatCC.GreaterThan:
      return a > b;
    case FloatCC.GreaterThanOrEqual:
      return a >= b;
    case FloatCC.UnorderedOrLessThan:
      return uno || a < b;
    case FloatCC.UnorderedOrLessThanOrEqual:
      return uno || a <= b;
    case FloatCC.UnorderedOrGreaterThan:
      return uno || a > b;
    case FloatCC.UnorderedOrGreaterThanOrEqual:
      return uno || a >= b;
  }
}
