/**
 * The allocator's vocabulary as packed integers: register classes, physical
 * registers, operands, allocations and program points.
 *
 * Everything here is a plain `number` so that the lowering can keep operands
 * in a `Uint32Array` and the allocator can hand allocations back in an
 * `Int32Array` — no object per operand, per the hot-path rule of style.md.
 *
 * | value        | encoding                                                        |
 * |--------------|-----------------------------------------------------------------|
 * | `PReg`       | `(class << 6) \| hwEnc` — 0..63 int, 64..127 float/vector        |
 * | `Allocation` | `>= 0`: a `PReg`; `< 0`: spill slot `~alloc` (slot 0 is -1)      |
 * | `Operand`    | u32: vreg (20 bits) · kind · position · constraint (3) · data (7) |
 * | `ProgPoint`  | `inst * 2 + 0` (before inst) or `inst * 2 + 1` (after inst)     |
 */

/** Register classes. `Float` also holds 128-bit vectors. */
export const RegClass = { Int: 0, Float: 1 } as const;
export type RegClass = (typeof RegClass)[keyof typeof RegClass];
export const NUM_REG_CLASSES = 2;

/** A physical register: `(class << 6) | hwEnc`. */
export type PReg = number;
/** Number of distinct `PReg` values (two classes of 64). */
export const NUM_PREGS = 128;

export function preg(cls: RegClass, hwEnc: number): PReg {
  return (cls << 6) | hwEnc;
}
export function pregClass(p: PReg): RegClass {
  return (p >>> 6) as RegClass;
}
export function pregHwEnc(p: PReg): number {
  return p & 63;
}

/** A set of physical registers: a 128-bit bitmask. */
export class PRegSet {
  readonly bits = new Uint32Array(4);

  static of(...regs: PReg[]): PRegSet {
    const s = new PRegSet();
    for (const r of regs) s.add(r);
    return s;
  }
  add(p: PReg): this {
    this.bits[p >>> 5]! |= 1 << (p & 31);
    return this;
  }
  remove(p: PReg): this {
    this.bits[p >>> 5]! &= ~(1 << (p & 31));
    return this;
  }
  has(p: PReg): boolean {
    return (this.bits[p >>> 5]! & (1 << (p & 31))) !== 0;
  }
  union(o: PRegSet): this {
    for (let i = 0; i < 4; i++) this.bits[i]! |= o.bits[i]!;
    return this;
  }
  isEmpty(): boolean {
    return (this.bits[0]! | this.bits[1]! | this.bits[2]! | this.bits[3]!) === 0;
  }
  /** The members, ascending. */
  toArray(): PReg[] {
    const out: PReg[] = [];
    for (let w = 0; w < 4; w++) {
      let m = this.bits[w]!;
      while (m !== 0) {
        const low = m & -m;
        out.push(w * 32 + (31 - Math.clz32(low)));
        m ^= low;
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// Allocations

/** Where an operand lives: a `PReg` (>= 0) or a spill slot (< 0, `~slot`). */
export type Allocation = number;

export function allocReg(p: PReg): Allocation {
  return p;
}
export function allocStack(slot: number): Allocation {
  return ~slot;
}
export function isRegAlloc(a: Allocation): boolean {
  return a >= 0;
}
export function isStackAlloc(a: Allocation): boolean {
  return a < 0;
}
/** The spill slot of a stack allocation. Slots are 8-byte units: byte offset = slot * 8. */
export function allocSlot(a: Allocation): number {
  return ~a;
}

// ---------------------------------------------------------------------------
// Operands

export const OperandKind = { Use: 0, Def: 1 } as const;
export type OperandKind = (typeof OperandKind)[keyof typeof OperandKind];

/**
 * When an operand is read or written. An `Early` use reads at the start of the
 * instruction (its register can be reused by a `Late` def); a `Late` use keeps
 * its register for the whole instruction. A `Late` def is written at the end
 * (may share a register with dying early uses); an `Early` def is written at
 * the start and conflicts with every use of the instruction.
 */
export const OperandPos = { Early: 0, Late: 1 } as const;
export type OperandPos = (typeof OperandPos)[keyof typeof OperandPos];

export const ConstraintKind = {
  /** Register or spill slot. */
  Any: 0,
  /** Any allocatable register of the vreg's class. */
  Reg: 1,
  /** Exactly the given physical register. */
  Fixed: 2,
  /** (Defs only) the same register as use operand `data` of this instruction. */
  Reuse: 3,
  /** The vreg's spill slot. */
  Stack: 4,
} as const;
export type ConstraintKind = (typeof ConstraintKind)[keyof typeof ConstraintKind];

/** A packed operand (u32). Build with `operand()` or the shorthands below. */
export type Operand = number;

/** Largest number of virtual registers a function may have (20-bit vreg field). */
export const MAX_VREGS = 1 << 20;

export function operand(
  vreg: number,
  kind: OperandKind,
  pos: OperandPos,
  constraint: ConstraintKind,
  data = 0,
): Operand {
  return (vreg | (kind << 20) | (pos << 21) | (constraint << 22) | (data << 25)) >>> 0;
}

export function operandVReg(op: Operand): number {
  return op & 0xfffff;
}
export function operandKind(op: Operand): OperandKind {
  return ((op >>> 20) & 1) as OperandKind;
}
export function operandPos(op: Operand): OperandPos {
  return ((op >>> 21) & 1) as OperandPos;
}
export function operandConstraint(op: Operand): ConstraintKind {
  return ((op >>> 22) & 7) as ConstraintKind;
}
/** The `PReg` of a `Fixed` operand, or the reused operand index of a `Reuse` def. */
export function operandData(op: Operand): number {
  return op >>> 25;
}

// Shorthands for the common forms.
export const useAny = (v: number, pos: OperandPos = OperandPos.Early): Operand =>
  operand(v, OperandKind.Use, pos, ConstraintKind.Any);
export const useReg = (v: number, pos: OperandPos = OperandPos.Early): Operand =>
  operand(v, OperandKind.Use, pos, ConstraintKind.Reg);
export const useFixed = (v: number, p: PReg, pos: OperandPos = OperandPos.Early): Operand =>
  operand(v, OperandKind.Use, pos, ConstraintKind.Fixed, p);
export const useStack = (v: number, pos: OperandPos = OperandPos.Early): Operand =>
  operand(v, OperandKind.Use, pos, ConstraintKind.Stack);
export const defAny = (v: number, pos: OperandPos = OperandPos.Late): Operand =>
  operand(v, OperandKind.Def, pos, ConstraintKind.Any);
export const defReg = (v: number, pos: OperandPos = OperandPos.Late): Operand =>
  operand(v, OperandKind.Def, pos, ConstraintKind.Reg);
export const defFixed = (v: number, p: PReg, pos: OperandPos = OperandPos.Late): Operand =>
  operand(v, OperandKind.Def, pos, ConstraintKind.Fixed, p);
export const defStack = (v: number, pos: OperandPos = OperandPos.Late): Operand =>
  operand(v, OperandKind.Def, pos, ConstraintKind.Stack);
/** A def that must land in the register of use operand `useIndex` (x86 two-address forms). */
export const defReuse = (v: number, useIndex: number): Operand =>
  operand(v, OperandKind.Def, OperandPos.Late, ConstraintKind.Reuse, useIndex);

// ---------------------------------------------------------------------------
// Program points

/** `inst * 2` = before `inst`, `inst * 2 + 1` = after `inst`. */
export type ProgPoint = number;
export const before = (inst: number): ProgPoint => inst * 2;
export const after = (inst: number): ProgPoint => inst * 2 + 1;
export const progPointInst = (p: ProgPoint): number => p >>> 1;
export const progPointIsAfter = (p: ProgPoint): boolean => (p & 1) === 1;

/** Human-readable forms, for errors, tests and debugging. */
export function formatPReg(p: PReg): string {
  return (pregClass(p) === RegClass.Int ? 'r' : 'f') + pregHwEnc(p);
}
export function formatAllocation(a: Allocation): string {
  return a >= 0 ? formatPReg(a) : `stack${~a}`;
}
export function formatOperand(op: Operand): string {
  const c = operandConstraint(op);
  const cs =
    c === ConstraintKind.Any
      ? 'any'
      : c === ConstraintKind.Reg
        ? 'reg'
        : c === ConstraintKind.Fixed
          ? `fixed(${formatPReg(operandData(op))})`
          : c === ConstraintKind.Reuse
            ? `reuse(${operandData(op)})`
            : 'stack';
  return `${operandKind(op) === OperandKind.Use ? 'use' : 'def'} v${operandVReg(op)} ${operandPos(op) === OperandPos.Early ? 'early' : 'late'} ${cs}`;
}
