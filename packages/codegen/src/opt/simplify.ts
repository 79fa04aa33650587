/**
 * Constant folding and algebraic simplification, as a table of rules.
 *
 * Problem. The wasm translator emits IR one operator at a time: constants
 * are materialised with `iconst` and then used by a two-operand `iadd`, an
 * address is `uextend` + `iadd_imm` + `iadd_imm`, `i32.eqz` feeding `br_if`
 * is `uextend(icmp_imm eq x, 0)` feeding `brif`, and a constant condition
 * still gets a `brif` and a `select`. Each of these is one small local
 * rewrite, and there are many of them; what matters is that each is exactly
 * right (wrap-around, trap preservation, NaN bits) and easy to audit.
 *
 * Approach. Like Cranelift's ISLE `opts/*.isle` files, the rewrites are data:
 * `RULES` maps each opcode to a list of rules tried in order (the list
 * order is the priority: constant folding first, because a folded constant
 * subsumes every other rewrite; then rewrites that return an existing value,
 * because they remove an instruction without creating one; then rewrites
 * that change the instruction's form). Each rule has a name (counted in
 * `OptStats.rules`), a kind (`fold`, `simplify`, `branch`; the stats group
 * by kind) and a one-line comment saying what it covers.
 *
 * A rule looks at one instruction through a `SimplifyContext` — the forward
 * pass (forward-pass.ts) implements it — and answers with a `Rewrite`:
 *
 * * a `Value`: the instruction's (single) result is replaced by it. The value
 *   either exists already (`iadd x, 0 → x`), is a constant from
 *   `cx.constant` (deduplicated against the value-numbering table), or is
 *   the result of new instructions the rule built with `cx.ins()`, which
 *   inserts them just before the instruction; the pass then simplifies and
 *   numbers those too.
 * * `MUTATED`: the rule edited the instruction in place (swapped operands,
 *   retargeted an operand); the pass runs the rules on it again.
 * * `REMOVED`: the instruction must go; whatever replaces it (a `jump` for a
 *   folded `brif`, a rebuilt `trapnz`) was inserted with `cx.ins()`.
 * * `TRAPS`: the rule inserted an unconditional `trap` before the
 *   instruction; the pass removes the instruction and the rest of its block.
 *
 * Invariants every rule keeps.
 * * (TrapsPreserved) an instruction that may trap on its operands is only
 *   removed when the operands prove it cannot (`udiv x, 4`, `trapnz 0`),
 *   and a trap that must happen is kept or made explicit (`trapnz 1` →
 *   `trap`). `sdiv x, 0` stays `sdiv x, 0`.
 * * (SameType) a replacement value has the type of the replaced result.
 * * (DominatingOperands) rules only use operands of the instruction, values
 *   that define those operands' operands, or constants materialised at the
 *   instruction, so every value they return dominates the instruction.
 * * (Terminates) each rule strictly shrinks the instruction (fewer
 *   instructions, a constant operand folded into an immediate, a chain of
 *   defs shortened) or canonicalises it in one direction (constants to the
 *   right), so repeated application stops; the pass also caps the rounds.
 *
 * Not done (yet): reassociation across different opcodes, strength
 * reduction of `sdiv` by powers of two, float identities that depend on NaN
 * payloads or signed zeros (`fadd x, 0.0`), known-bits analysis.
 */
import {
  type Block,
  type BlockCall,
  type DataFlowGraph,
  type Function,
  I8,
  type Inst,
  type InstBuilder,
  IntCC,
  Opcode,
  type TrapCode,
  type Type,
  type Value,
  floatCCInverse,
  intCCInverse,
  intCCSwapArgs,
  isInt,
  isVector,
  typeBits,
} from '@derrick/codegen-ir';
import {
  allOnes,
  binaryToImm,
  bitsToNumber,
  evalFloatCC,
  evalIntCC,
  foldConversion,
  foldExtend,
  foldFloat,
  foldIntBinary,
  foldIntImm,
  foldIntUnary,
  intCCReflexive,
} from './const-eval.js';

// ---------------------------------------------------------------------------
// The contract between rules and the pass that applies them

/** A rule's answer: a replacement value (≥ 0) or one of the markers below. */
export type Rewrite = number;
/** The rule does not apply. */
export const NO_CHANGE = -1;
/** The instruction was edited in place; run the rules on it again. */
export const MUTATED = -2;
/** Remove the instruction; replacements were inserted before it. */
export const REMOVED = -3;
/** A `trap` was inserted before the instruction; remove it and the rest of the block. */
export const TRAPS = -4;

/** Known value of a condition on the current path (`knownCond`). */
export const COND_UNKNOWN = -1;
export const COND_ZERO = 0;
export const COND_NONZERO = 1;

export interface SimplifyContext {
  readonly func: Function;
  readonly dfg: DataFlowGraph;
  /** The bit pattern of `v` if an `iconst`/`f32const`/`f64const` defines it. */
  constOf(v: Value): bigint | undefined;
  /** The instruction defining `v`, or -1 for a block parameter. */
  defOf(v: Value): Inst;
  /** What dominating branches and conditional traps say about `v` (COND_*). */
  knownCond(v: Value): number;
  /** A constant of type `ty` with bit pattern `bits`, available at the instruction. */
  constant(ty: Type, bits: bigint): Value;
  /** A builder that inserts before the instruction being simplified. */
  ins(): InstBuilder;
}

export type RuleKind = 'fold' | 'simplify' | 'branch';

// Operand shape bits (`Rule.needs`, `operandShape`).
/** Operand 0 / 1 is defined by a constant. */
export const ARG0_CONST = 1;
export const ARG1_CONST = 2;
/** Every operand is a constant (and there is at least one). */
export const ALL_CONST = 4;
/** Some operand is a constant. */
export const ANY_CONST = 8;
/** Operands 0 and 1 are the same value. */
export const SAME_01 = 16;
/** Operand 0 is defined by an instruction (not a block parameter). */
export const ARG0_INST = 32;

function isConstOpcode(op: Opcode): boolean {
  return op === Opcode.Iconst || op === Opcode.F32const || op === Opcode.F64const;
}

/** The shape bits of `inst`'s operands. */
export function operandShape(dfg: DataFlowGraph, inst: Inst): number {
  const n = dfg.numArgs(inst);
  if (n === 0) return 0;
  let shape = 0;
  let all = true;
  for (let i = 0; i < n; i++) {
    const d = dfg.valueInst(dfg.arg(inst, i));
    const isConst = d >= 0 && isConstOpcode(dfg.opcode(d));
    if (isConst) {
      shape |= ANY_CONST;
      if (i === 0) shape |= ARG0_CONST;
      else if (i === 1) shape |= ARG1_CONST;
    } else {
      all = false;
    }
    if (i === 0 && d >= 0) shape |= ARG0_INST;
  }
  if (all) shape |= ALL_CONST;
  if (n >= 2 && dfg.arg(inst, 0) === dfg.arg(inst, 1)) shape |= SAME_01;
  return shape;
}

export interface Rule {
  readonly name: string;
  readonly kind: RuleKind;
  /** Dense number of the rule (index into `RULE_NAMES`), for cheap hit counting. */
  readonly id: number;
  /**
   * Operand shape the rule needs (`ARG0_CONST | ARG1_CONST`, …; all bits
   * must hold, 0 = always tried). The pass computes the instruction's shape
   * once (`operandShape`) and skips rules that cannot apply, so most
   * instructions cost a mask test per rule instead of a call.
   */
  readonly needs: number;
  apply(cx: SimplifyContext, inst: Inst): Rewrite;
}

// ---------------------------------------------------------------------------
// Helpers

const mask = (v: bigint, bits: number): bigint => BigInt.asUintN(bits, v);

// Immediate tests on the two 32-bit halves, without BigInt: `iadd_imm` and
// `icmp_imm` are the most common instructions the translator emits, and
// these rules look at every one. Immediates are stored masked to the
// controlling type's width (ImmMasked), so equal values have equal halves.
function immIs(dfg: DataFlowGraph, inst: Inst, lo: number, hi: number): boolean {
  return dfg.immLo(inst) === lo >>> 0 && dfg.immHi(inst) === hi >>> 0;
}
/** Halves of the all-ones, signed-minimum and signed-maximum patterns of `bits` bits. */
function onesHalves(bits: number): [number, number] {
  return bits >= 64 ? [0xffff_ffff, 0xffff_ffff] : bits === 32 ? [0xffff_ffff, 0] : [(1 << bits) - 1, 0];
}
function sminHalves(bits: number): [number, number] {
  return bits >= 64 ? [0, 0x8000_0000] : [(1 << (bits - 1)) >>> 0, 0];
}
function smaxHalves(bits: number): [number, number] {
  return bits >= 64 ? [0xffff_ffff, 0x7fff_ffff] : [((1 << (bits - 1)) >>> 0) - 1, 0];
}
/** log2 of the immediate if it is a power of two, else -1. */
function immLog2(dfg: DataFlowGraph, inst: Inst): number {
  const lo = dfg.immLo(inst);
  const hi = dfg.immHi(inst);
  if (hi === 0) return lo !== 0 && (lo & (lo - 1)) === 0 ? 31 - Math.clz32(lo) : -1;
  return lo === 0 && (hi & (hi - 1)) === 0 ? 63 - Math.clz32(hi) : -1;
}

/** All-ones patterns by width (BigInt arithmetic per call showed up in profiles). */
const ONES: readonly bigint[] = Array.from({ length: 65 }, (_, b) => allOnes(b));

function isPow2(c: bigint): boolean {
  return c > 0n && (c & (c - 1n)) === 0n;
}

function log2(c: bigint): number {
  return c.toString(2).length - 1;
}

/** Is `v` known to be 0 or 1 (a comparison result)? */
function isBool(cx: SimplifyContext, v: Value): boolean {
  const d = cx.defOf(v);
  if (d < 0) return false;
  const op = cx.dfg.opcode(d);
  return op === Opcode.Icmp || op === Opcode.IcmpImm || op === Opcode.Fcmp;
}

/** The `x` of `v = op x` if `v` is defined by `op`, else -1. */
function unaryOperand(cx: SimplifyContext, v: Value, op: Opcode): Value {
  const d = cx.defOf(v);
  return d >= 0 && cx.dfg.opcode(d) === op ? cx.dfg.arg(d, 0) : -1;
}

/**
 * A condition `c` tested for non-zero, seen through the wrappers the
 * translator puts around booleans: `uextend b` (same zeroness as `b`),
 * `icmp_imm ne x, 0` (same as `x`) and `icmp_imm eq x, 0` (the opposite of
 * `x`). Returns the innermost value and whether the sense flipped, or
 * undefined when `c` is none of these.
 */
function peelCondition(cx: SimplifyContext, c: Value): { value: Value; inverted: boolean } | undefined {
  const dfg = cx.dfg;
  const d = cx.defOf(c);
  if (d < 0) return undefined;
  switch (dfg.opcode(d)) {
    case Opcode.Uextend:
      return { value: dfg.arg(d, 0), inverted: false };
    case Opcode.IcmpImm: {
      if (!immIs(dfg, d, 0, 0)) return undefined;
      const cc = dfg.intCC(d);
      if (cc === IntCC.NotEqual) return { value: dfg.arg(d, 0), inverted: false };
      if (cc === IntCC.Equal) return { value: dfg.arg(d, 0), inverted: true };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Copy of a block call's target and arguments, for rebuilding a branch. */
function target(dfg: DataFlowGraph, bc: BlockCall): { block: Block; args: Value[] } {
  return { block: dfg.blockCallBlock(bc), args: dfg.blockCallArgs(bc) };
}

function sameBlockCall(dfg: DataFlowGraph, a: BlockCall, b: BlockCall): boolean {
  if (dfg.blockCallBlock(a) !== dfg.blockCallBlock(b)) return false;
  const n = dfg.blockCallNumArgs(a);
  if (n !== dfg.blockCallNumArgs(b)) return false;
  for (let i = 0; i < n; i++) if (dfg.blockCallArg(a, i) !== dfg.blockCallArg(b, i)) return false;
  return true;
}

/** Replace the instruction by `jump` to the block call `bc` (copied). */
function jumpTo(cx: SimplifyContext, bc: BlockCall): Rewrite {
  const t = target(cx.dfg, bc);
  cx.ins().jump(t.block, t.args);
  return REMOVED;
}

/** Build the `*_imm` instruction `op` on `x` with immediate `imm` (masked by the builder). */
function buildImm(cx: SimplifyContext, op: Opcode, x: Value, imm: bigint): Value {
  const b = cx.ins();
  switch (op) {
    case Opcode.IaddImm:
      return b.iaddImm(x, imm);
    case Opcode.ImulImm:
      return b.imulImm(x, imm);
    case Opcode.IrsubImm:
      return b.irsubImm(x, imm);
    case Opcode.BandImm:
      return b.bandImm(x, imm);
    case Opcode.BorImm:
      return b.borImm(x, imm);
    case Opcode.BxorImm:
      return b.bxorImm(x, imm);
    case Opcode.IshlImm:
      return b.ishlImm(x, imm);
    case Opcode.UshrImm:
      return b.ushrImm(x, imm);
    case Opcode.SshrImm:
      return b.sshrImm(x, imm);
    case Opcode.RotlImm:
      return b.rotlImm(x, imm);
    case Opcode.RotrImm:
      return b.rotrImm(x, imm);
    default:
      throw new Error(`not an immediate opcode: ${op}`);
  }
}

function buildExtend(cx: SimplifyContext, op: Opcode, ty: Type, x: Value): Value {
  const b = cx.ins();
  if (op === Opcode.Uextend) return b.uextend(ty, x);
  if (op === Opcode.Sextend) return b.sextend(ty, x);
  return b.ireduce(ty, x);
}

/** Emit the conditional trap `op` (trapz/trapnz) on `c` with `code`. */
function buildCondTrap(cx: SimplifyContext, op: Opcode, c: Value, code: TrapCode): void {
  if (op === Opcode.Trapz) cx.ins().trapz(c, code);
  else cx.ins().trapnz(c, code);
}

// ---------------------------------------------------------------------------
// The rule table

const RULES: Rule[][] = [];

/** Append rules for each of `ops`, in priority order. */
function rules(ops: readonly Opcode[], list: readonly Rule[]): void {
  for (const op of ops) {
    const l = (RULES[op] ??= []);
    l.push(...list);
  }
}

/** Every rule's name, indexed by `Rule.id`. */
export const RULE_NAMES: string[] = [];

function rule(name: string, kind: RuleKind, needs: number, apply: (cx: SimplifyContext, inst: Inst) => Rewrite): Rule {
  RULE_NAMES.push(name);
  return { name, kind, id: RULE_NAMES.length - 1, needs, apply };
}

/** The rules for `op`, in priority order (empty when none). */
export function rulesFor(op: Opcode): readonly Rule[] {
  return RULES[op] ?? NONE;
}
const NONE: readonly Rule[] = [];

// ===========================================================================
// Integer binary operations

const INT_BINARY = [
  Opcode.Iadd,
  Opcode.Isub,
  Opcode.Imul,
  Opcode.Umulhi,
  Opcode.Smulhi,
  Opcode.Sdiv,
  Opcode.Udiv,
  Opcode.Srem,
  Opcode.Urem,
  Opcode.Smin,
  Opcode.Smax,
  Opcode.Umin,
  Opcode.Umax,
  Opcode.Band,
  Opcode.Bor,
  Opcode.Bxor,
  Opcode.BandNot,
  Opcode.BorNot,
  Opcode.BxorNot,
  Opcode.Ishl,
  Opcode.Ushr,
  Opcode.Sshr,
  Opcode.Rotl,
  Opcode.Rotr,
] as const;

/** Commutative integer operations: constants are moved to the right. */
const COMMUTATIVE = new Set<Opcode>([
  Opcode.Iadd,
  Opcode.Imul,
  Opcode.Umulhi,
  Opcode.Smulhi,
  Opcode.Smin,
  Opcode.Smax,
  Opcode.Umin,
  Opcode.Umax,
  Opcode.Band,
  Opcode.Bor,
  Opcode.Bxor,
]);

rules(INT_BINARY, [
  // Both operands constant: evaluate. Division that would trap is left alone (TrapsPreserved).
  // The bitwise opcodes also accept float types; they are folded on the bits.
  rule('fold-binary', 'fold', ARG0_CONST | ARG1_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    const a = cx.constOf(dfg.arg(inst, 0));
    if (a === undefined) return NO_CHANGE;
    const b = cx.constOf(dfg.arg(inst, 1));
    if (b === undefined) return NO_CHANGE;
    const ty = dfg.ctrlType(inst);
    const r = foldIntBinary(dfg.opcode(inst), typeBits(ty), a, b);
    return r === undefined ? NO_CHANGE : cx.constant(ty, r);
  }),
  // `x op x` for the operations where that is x or a constant.
  rule('binary-same-operand', 'simplify', SAME_01, (cx, inst) => {
    const dfg = cx.dfg;
    const x = dfg.arg(inst, 0);
    if (x !== dfg.arg(inst, 1)) return NO_CHANGE;
    const ty = dfg.ctrlType(inst);
    switch (dfg.opcode(inst)) {
      case Opcode.Band:
      case Opcode.Bor:
      case Opcode.Smin:
      case Opcode.Smax:
      case Opcode.Umin:
      case Opcode.Umax:
        return x;
      case Opcode.Isub:
      case Opcode.Bxor:
      case Opcode.BandNot:
        return isInt(ty) ? cx.constant(ty, 0n) : NO_CHANGE;
      case Opcode.BorNot:
      case Opcode.BxorNot:
        return isInt(ty) ? cx.constant(ty, ONES[typeBits(ty)]!) : NO_CHANGE;
      default:
        return NO_CHANGE;
    }
  }),
  // Constant on the left of a commutative operation: swap it to the right, where the next rules look.
  rule('commute-constant-right', 'simplify', ARG0_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    if (!COMMUTATIVE.has(dfg.opcode(inst)) || !isInt(dfg.ctrlType(inst))) return NO_CHANGE;
    const x = dfg.arg(inst, 0);
    const y = dfg.arg(inst, 1);
    if (cx.constOf(x) === undefined || cx.constOf(y) !== undefined) return NO_CHANGE;
    dfg.setArg(inst, 0, y);
    dfg.setArg(inst, 1, x);
    return MUTATED;
  }),
  // Identities with a constant right operand: `x + 0`, `x * 1`, `x & -1`, `x >> 0`, `x / 1`, …
  rule('binary-identity', 'simplify', ARG1_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    const ty = dfg.ctrlType(inst);
    if (!isInt(ty)) return NO_CHANGE;
    const c = cx.constOf(dfg.arg(inst, 1));
    if (c === undefined) return NO_CHANGE;
    const x = dfg.arg(inst, 0);
    const bits = typeBits(ty);
    const ones = ONES[bits]!;
    switch (dfg.opcode(inst)) {
      case Opcode.Iadd:
      case Opcode.Isub:
      case Opcode.Bor:
      case Opcode.Bxor:
        return c === 0n ? x : NO_CHANGE;
      case Opcode.Imul:
        return c === 1n ? x : c === 0n ? cx.constant(ty, 0n) : NO_CHANGE;
      case Opcode.Band:
        return c === ones ? x : c === 0n ? cx.constant(ty, 0n) : NO_CHANGE;
      case Opcode.Ishl:
      case Opcode.Ushr:
      case Opcode.Sshr:
      case Opcode.Rotl:
      case Opcode.Rotr:
        return (c & BigInt(bits - 1)) === 0n ? x : NO_CHANGE;
      case Opcode.Udiv:
      case Opcode.Sdiv:
        return c === 1n ? x : NO_CHANGE;
      case Opcode.Urem:
        return c === 1n ? cx.constant(ty, 0n) : NO_CHANGE;
      case Opcode.Srem:
        // x srem 1 = 0; x srem -1 = 0, also for MIN (it does not trap).
        return c === 1n || c === ones ? cx.constant(ty, 0n) : NO_CHANGE;
      case Opcode.Umin:
        return c === 0n ? cx.constant(ty, 0n) : c === ones ? x : NO_CHANGE;
      case Opcode.Umax:
        return c === 0n ? x : c === ones ? cx.constant(ty, ones) : NO_CHANGE;
      default:
        return NO_CHANGE;
    }
  }),
  // Division by a power of two that cannot trap: `udiv x, 2^k` → `ushr_imm x, k`, `urem x, 2^k` → `band_imm x, 2^k-1`.
  rule('unsigned-div-pow2', 'simplify', ARG1_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    const op = dfg.opcode(inst);
    if (op !== Opcode.Udiv && op !== Opcode.Urem) return NO_CHANGE;
    const c = cx.constOf(dfg.arg(inst, 1));
    if (c === undefined || !isPow2(c)) return NO_CHANGE;
    const x = dfg.arg(inst, 0);
    return op === Opcode.Udiv ? cx.ins().ushrImm(x, log2(c)) : cx.ins().bandImm(x, c - 1n);
  }),
  // A constant right operand goes into the immediate form: `iadd x, (iconst c)` → `iadd_imm x, c`;
  // `isub x, c` → `iadd_imm x, -c`; `band_not x, c` → `band_imm x, ~c`; shift amounts modulo the width.
  rule('binary-to-imm', 'simplify', ARG1_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    const ty = dfg.ctrlType(inst);
    if (!isInt(ty)) return NO_CHANGE;
    const c = cx.constOf(dfg.arg(inst, 1));
    if (c === undefined) return NO_CHANGE;
    const x = dfg.arg(inst, 0);
    const bits = typeBits(ty);
    const op = dfg.opcode(inst);
    switch (op) {
      case Opcode.Isub:
        return buildImm(cx, Opcode.IaddImm, x, mask(-c, bits));
      case Opcode.BandNot:
        return buildImm(cx, Opcode.BandImm, x, mask(~c, bits));
      case Opcode.BorNot:
        return buildImm(cx, Opcode.BorImm, x, mask(~c, bits));
      case Opcode.BxorNot:
        return buildImm(cx, Opcode.BxorImm, x, mask(~c, bits));
      case Opcode.Ishl:
      case Opcode.Ushr:
      case Opcode.Sshr:
      case Opcode.Rotl:
      case Opcode.Rotr:
        return buildImm(cx, binaryToImm(op)!, x, c & BigInt(bits - 1));
      default: {
        const immOp = binaryToImm(op);
        return immOp === undefined ? NO_CHANGE : buildImm(cx, immOp, x, c);
      }
    }
  }),
  // `isub c, x` → `irsub_imm x, c`.
  rule('isub-constant-left', 'simplify', ARG0_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    if (dfg.opcode(inst) !== Opcode.Isub || !isInt(dfg.ctrlType(inst))) return NO_CHANGE;
    const c = cx.constOf(dfg.arg(inst, 0));
    if (c === undefined) return NO_CHANGE;
    return cx.ins().irsubImm(dfg.arg(inst, 1), c);
  }),
]);

// ===========================================================================
// Integer operations with an immediate

const INT_IMM = [
  Opcode.IaddImm,
  Opcode.ImulImm,
  Opcode.IrsubImm,
  Opcode.BandImm,
  Opcode.BorImm,
  Opcode.BxorImm,
  Opcode.IshlImm,
  Opcode.UshrImm,
  Opcode.SshrImm,
  Opcode.RotlImm,
  Opcode.RotrImm,
] as const;

/** Operations whose immediates combine when nested: `(x op a) op b = x op (a op b)`. */
const ASSOCIATIVE_IMM = new Set<Opcode>([Opcode.IaddImm, Opcode.ImulImm, Opcode.BandImm, Opcode.BorImm, Opcode.BxorImm]);

rules(INT_IMM, [
  // Constant operand: evaluate.
  rule('fold-imm', 'fold', ARG0_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    const a = cx.constOf(dfg.arg(inst, 0));
    if (a === undefined) return NO_CHANGE;
    const ty = dfg.ctrlType(inst);
    const r = foldIntImm(dfg.opcode(inst), typeBits(ty), a, dfg.immBits(inst));
    return r === undefined ? NO_CHANGE : cx.constant(ty, r);
  }),
  // Identities: `iadd_imm x, 0`, `imul_imm x, 1`, `band_imm x, -1`, `bor_imm x, 0`, shifts by 0 (mod width), …
  rule('imm-identity', 'simplify', 0, (cx, inst) => {
    const dfg = cx.dfg;
    const ty = dfg.ctrlType(inst);
    const bits = typeBits(ty);
    const x = dfg.arg(inst, 0);
    const zero = immIs(dfg, inst, 0, 0);
    const [olo, ohi] = onesHalves(bits);
    switch (dfg.opcode(inst)) {
      case Opcode.IaddImm:
      case Opcode.BxorImm:
        return zero ? x : NO_CHANGE;
      case Opcode.BorImm:
        return zero ? x : immIs(dfg, inst, olo, ohi) ? cx.constant(ty, ONES[bits]!) : NO_CHANGE;
      case Opcode.ImulImm:
        return immIs(dfg, inst, 1, 0) ? x : zero ? cx.constant(ty, 0n) : NO_CHANGE;
      case Opcode.BandImm:
        return immIs(dfg, inst, olo, ohi) ? x : zero ? cx.constant(ty, 0n) : NO_CHANGE;
      case Opcode.IshlImm:
      case Opcode.UshrImm:
      case Opcode.SshrImm:
      case Opcode.RotlImm:
      case Opcode.RotrImm:
        return (dfg.immLo(inst) & (bits - 1)) === 0 ? x : NO_CHANGE;
      default:
        return NO_CHANGE;
    }
  }),
  // Nested immediates of one associative operation: `iadd_imm (iadd_imm x, a), b` → `iadd_imm x, a+b`
  // (the translator's address arithmetic), likewise imul/band/bor/bxor.
  rule('imm-reassociate', 'simplify', ARG0_INST, (cx, inst) => {
    const dfg = cx.dfg;
    const op = dfg.opcode(inst);
    if (!ASSOCIATIVE_IMM.has(op)) return NO_CHANGE;
    const d = cx.defOf(dfg.arg(inst, 0));
    if (d < 0 || dfg.opcode(d) !== op) return NO_CHANGE;
    const bits = typeBits(dfg.ctrlType(inst));
    const combined = foldIntImm(op, bits, mask(dfg.immBits(d), bits), dfg.immBits(inst))!;
    return buildImm(cx, op, dfg.arg(d, 0), combined);
  }),
  // `iadd_imm (irsub_imm x, a), b` → `irsub_imm x, a+b`; `irsub_imm (iadd_imm x, a), b` → `irsub_imm x, b-a`.
  rule('rsub-reassociate', 'simplify', ARG0_INST, (cx, inst) => {
    const dfg = cx.dfg;
    const op = dfg.opcode(inst);
    if (op !== Opcode.IaddImm && op !== Opcode.IrsubImm) return NO_CHANGE;
    const d = cx.defOf(dfg.arg(inst, 0));
    if (d < 0) return NO_CHANGE;
    const inner = dfg.opcode(d);
    const bits = typeBits(dfg.ctrlType(inst));
    const a = dfg.immBits(d);
    const b = dfg.immBits(inst);
    if (op === Opcode.IaddImm && inner === Opcode.IrsubImm) return cx.ins().irsubImm(dfg.arg(d, 0), mask(a + b, bits));
    if (op === Opcode.IrsubImm && inner === Opcode.IaddImm) return cx.ins().irsubImm(dfg.arg(d, 0), mask(b - a, bits));
    return NO_CHANGE;
  }),
  // `imul_imm x, 2^k` → `ishl_imm x, k`.
  rule('imul-pow2', 'simplify', 0, (cx, inst) => {
    const dfg = cx.dfg;
    if (dfg.opcode(inst) !== Opcode.ImulImm) return NO_CHANGE;
    const k = immLog2(dfg, inst);
    if (k <= 0) return NO_CHANGE; // not a power of two, or 1 (imm-identity's case)
    return cx.ins().ishlImm(dfg.arg(inst, 0), k);
  }),
]);

// ===========================================================================
// Integer unary operations

const INT_UNARY = [
  Opcode.Ineg,
  Opcode.Iabs,
  Opcode.Bnot,
  Opcode.Clz,
  Opcode.Cls,
  Opcode.Ctz,
  Opcode.Popcnt,
  Opcode.Bswap,
  Opcode.Bitrev,
] as const;

rules(INT_UNARY, [
  // Constant operand: evaluate (`bnot` also on float bits).
  rule('fold-unary', 'fold', ARG0_CONST, (cx, inst) => {
    const dfg = cx.dfg;
    const a = cx.constOf(dfg.arg(inst, 0));
    if (a === undefined) return NO_CHANGE;
    const ty = dfg.ctrlType(inst);
    const r = foldIntUnary(dfg.opcode(inst), typeBits(ty), a);
    return r === undefined ? NO_CHANGE : cx.constant(ty, r);
  }),
  // Involutions: `ineg (ineg x)`, `bnot (bnot x)`, `bswap (bswap x)`, `bitrev (bitrev x)` → x.
  rule('involution', 'simplify', ARG0_INST, (cx, inst) => {
    const dfg = cx.dfg;
    const op = dfg.opcode(inst);
    if (op !== Opcode.Ineg && op !== Opcode.Bnot && op !== Opcode.Bswap && op !== Opcode.Bitrev) return NO_CHANGE;
    const x = unaryOperand(cx, dfg.arg(inst, 0), op);
    return x >= 0 ? x : NO_CHANGE;
  }),
]);

// ===========================================================================
// Comparisons

rules(
  [Opcode.Icmp],
  [
    rule('fold-icmp', 'fold', ARG0_CONST | ARG1_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const a = cx.constOf(dfg.arg(inst, 0));
      if (a === undefined) return NO_CHANGE;
      const b = cx.constOf(dfg.arg(inst, 1));
      if (b === undefined) return NO_CHANGE;
      return cx.constant(I8, evalIntCC(dfg.intCC(inst), a, b, typeBits(dfg.ctrlType(inst))) ? 1n : 0n);
    }),
    // `icmp cc x, x` is decided by whether cc is reflexive.
    rule('icmp-same-operand', 'simplify', SAME_01, (cx, inst) => {
      const dfg = cx.dfg;
      if (dfg.arg(inst, 0) !== dfg.arg(inst, 1)) return NO_CHANGE;
      return cx.constant(I8, intCCReflexive(dfg.intCC(inst)) ? 1n : 0n);
    }),
    // A constant operand becomes the immediate: `icmp cc x, c` → `icmp_imm cc x, c`; on the left, cc is swapped.
    rule('icmp-to-imm', 'simplify', ANY_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const x = dfg.arg(inst, 0);
      const y = dfg.arg(inst, 1);
      const cy = cx.constOf(y);
      if (cy !== undefined) return cx.ins().icmpImm(dfg.intCC(inst), x, cy);
      const cxv = cx.constOf(x);
      if (cxv !== undefined) return cx.ins().icmpImm(intCCSwapArgs(dfg.intCC(inst)), y, cxv);
      return NO_CHANGE;
    }),
  ],
);

rules(
  [Opcode.IcmpImm],
  [
    rule('fold-icmp-imm', 'fold', ARG0_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const a = cx.constOf(dfg.arg(inst, 0));
      if (a === undefined) return NO_CHANGE;
      const bits = typeBits(dfg.ctrlType(inst));
      return cx.constant(I8, evalIntCC(dfg.intCC(inst), a, mask(dfg.immBits(inst), bits), bits) ? 1n : 0n);
    }),
    // Comparisons that hold for every x: `ult x, 0` is false, `ule x, UMAX` true, `slt x, SMIN` false, …
    rule('icmp-imm-trivial', 'simplify', 0, (cx, inst) => {
      const dfg = cx.dfg;
      const bits = typeBits(dfg.ctrlType(inst));
      const is = (h: [number, number]): boolean => immIs(dfg, inst, h[0], h[1]);
      let r: boolean | undefined;
      switch (dfg.intCC(inst)) {
        case IntCC.UnsignedLessThan:
          r = immIs(dfg, inst, 0, 0) ? false : undefined;
          break;
        case IntCC.UnsignedGreaterThanOrEqual:
          r = immIs(dfg, inst, 0, 0) ? true : undefined;
          break;
        case IntCC.UnsignedGreaterThan:
          r = is(onesHalves(bits)) ? false : undefined;
          break;
        case IntCC.UnsignedLessThanOrEqual:
          r = is(onesHalves(bits)) ? true : undefined;
          break;
        case IntCC.SignedLessThan:
          r = is(sminHalves(bits)) ? false : undefined;
          break;
        case IntCC.SignedGreaterThanOrEqual:
          r = is(sminHalves(bits)) ? true : undefined;
          break;
        case IntCC.SignedGreaterThan:
          r = is(smaxHalves(bits)) ? false : undefined;
          break;
        case IntCC.SignedLessThanOrEqual:
          r = is(smaxHalves(bits)) ? true : undefined;
          break;
        default:
          r = undefined;
      }
      return r === undefined ? NO_CHANGE : cx.constant(I8, r ? 1n : 0n);
    }),
    // `x == 0` / `x != 0` where a dominating branch or trap decided x.
    rule('icmp-imm-known-condition', 'simplify', 0, (cx, inst) => {
      const dfg = cx.dfg;
      const cc = dfg.intCC(inst);
      if ((cc !== IntCC.Equal && cc !== IntCC.NotEqual) || !immIs(dfg, inst, 0, 0)) return NO_CHANGE;
      const k = cx.knownCond(dfg.arg(inst, 0));
      if (k === COND_UNKNOWN) return NO_CHANGE;
      const isZero = k === COND_ZERO;
      return cx.constant(I8, (cc === IntCC.Equal) === isZero ? 1n : 0n);
    }),
    // On a boolean b (a comparison result): `b != 0` and `b == 1` are b itself.
    rule('icmp-imm-bool-identity', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const b = dfg.arg(inst, 0);
      if (dfg.typeOf(b) !== I8 || !isBool(cx, b)) return NO_CHANGE;
      const cc = dfg.intCC(inst);
      if ((cc === IntCC.NotEqual && immIs(dfg, inst, 0, 0)) || (cc === IntCC.Equal && immIs(dfg, inst, 1, 0))) return b;
      return NO_CHANGE;
    }),
    // On a boolean b: `b == 0` and `b != 1` are the inverted comparison.
    rule('icmp-imm-bool-invert', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const b = dfg.arg(inst, 0);
      if (dfg.typeOf(b) !== I8 || !isBool(cx, b)) return NO_CHANGE;
      const cc = dfg.intCC(inst);
      if (!((cc === IntCC.Equal && immIs(dfg, inst, 0, 0)) || (cc === IntCC.NotEqual && immIs(dfg, inst, 1, 0)))) return NO_CHANGE;
      const d = cx.defOf(b);
      switch (dfg.opcode(d)) {
        case Opcode.Icmp:
          return cx.ins().icmp(intCCInverse(dfg.intCC(d)), dfg.arg(d, 0), dfg.arg(d, 1));
        case Opcode.IcmpImm:
          return cx.ins().icmpImm(intCCInverse(dfg.intCC(d)), dfg.arg(d, 0), dfg.immBits(d));
        case Opcode.Fcmp:
          return cx.ins().fcmp(floatCCInverse(dfg.floatCC(d)), dfg.arg(d, 0), dfg.arg(d, 1));
        default:
          return NO_CHANGE;
      }
    }),
    // Equality through a zero extension: `icmp_imm eq (uextend x), c` → `icmp_imm eq x, c` when c fits x,
    // and a constant when it does not.
    rule('icmp-imm-through-uextend', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const cc = dfg.intCC(inst);
      if (cc !== IntCC.Equal && cc !== IntCC.NotEqual) return NO_CHANGE;
      const x = unaryOperand(cx, dfg.arg(inst, 0), Opcode.Uextend);
      if (x < 0) return NO_CHANGE;
      const c = mask(dfg.immBits(inst), typeBits(dfg.ctrlType(inst)));
      if (c >> BigInt(typeBits(dfg.typeOf(x))) !== 0n) return cx.constant(I8, cc === IntCC.NotEqual ? 1n : 0n);
      return cx.ins().icmpImm(cc, x, c);
    }),
  ],
);

rules(
  [Opcode.Fcmp],
  [
    rule('fold-fcmp', 'fold', ARG0_CONST | ARG1_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const a = cx.constOf(dfg.arg(inst, 0));
      if (a === undefined) return NO_CHANGE;
      const b = cx.constOf(dfg.arg(inst, 1));
      if (b === undefined) return NO_CHANGE;
      const ty = dfg.ctrlType(inst);
      return cx.constant(I8, evalFloatCC(dfg.floatCC(inst), bitsToNumber(a, ty), bitsToNumber(b, ty)) ? 1n : 0n);
    }),
  ],
);

// ===========================================================================
// Extensions, reductions, bitcasts

rules(
  [Opcode.Uextend, Opcode.Sextend, Opcode.Ireduce],
  [
    rule('fold-extend', 'fold', ARG0_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const x = dfg.arg(inst, 0);
      const a = cx.constOf(x);
      if (a === undefined) return NO_CHANGE;
      const ty = dfg.ctrlType(inst);
      const r = foldExtend(dfg.opcode(inst), typeBits(dfg.typeOf(x)), typeBits(ty), a);
      return r === undefined ? NO_CHANGE : cx.constant(ty, r);
    }),
    // Chains collapse: `uextend (uextend x)` → `uextend x`, `sextend (sextend x)` → `sextend x`,
    // `sextend (uextend x)` → `uextend x` (the inner extension clears the sign bit).
    rule('extend-of-extend', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const op = dfg.opcode(inst);
      if (op === Opcode.Ireduce) return NO_CHANGE;
      const d = cx.defOf(dfg.arg(inst, 0));
      if (d < 0) return NO_CHANGE;
      const inner = dfg.opcode(d);
      const ty = dfg.ctrlType(inst);
      if (inner === Opcode.Uextend) return cx.ins().uextend(ty, dfg.arg(d, 0));
      if (inner === Opcode.Sextend && op === Opcode.Sextend) return cx.ins().sextend(ty, dfg.arg(d, 0));
      return NO_CHANGE;
    }),
    // `ireduce (uextend|sextend x)` is x, a narrower extension of x, or a reduction of x;
    // `ireduce (ireduce x)` → `ireduce x`.
    rule('reduce-of-extend', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      if (dfg.opcode(inst) !== Opcode.Ireduce) return NO_CHANGE;
      const d = cx.defOf(dfg.arg(inst, 0));
      if (d < 0) return NO_CHANGE;
      const inner = dfg.opcode(d);
      if (inner !== Opcode.Uextend && inner !== Opcode.Sextend && inner !== Opcode.Ireduce) return NO_CHANGE;
      const x = dfg.arg(d, 0);
      const ty = dfg.ctrlType(inst);
      const from = typeBits(dfg.typeOf(x));
      const to = typeBits(ty);
      if (from === to) return x;
      if (from > to) return cx.ins().ireduce(ty, x);
      return buildExtend(cx, inner, ty, x);
    }),
  ],
);

rules(
  [Opcode.Bitcast, Opcode.Fpromote, Opcode.Fdemote, Opcode.FcvtToSint, Opcode.FcvtToUint, Opcode.FcvtToSintSat, Opcode.FcvtToUintSat, Opcode.FcvtFromSint, Opcode.FcvtFromUint],
  [
    // Constant operand: convert, unless it would trap or produce a NaN (NoTrapFolded, NoNaNFolded).
    rule('fold-conversion', 'fold', ARG0_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const x = dfg.arg(inst, 0);
      const a = cx.constOf(x);
      if (a === undefined) return NO_CHANGE;
      const ty = dfg.ctrlType(inst);
      const r = foldConversion(dfg.opcode(inst), dfg.typeOf(x), ty, a);
      return r === undefined ? NO_CHANGE : cx.constant(ty, r);
    }),
    // `bitcast (bitcast x)` back to x's type is x.
    rule('bitcast-roundtrip', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      if (dfg.opcode(inst) !== Opcode.Bitcast) return NO_CHANGE;
      const x = unaryOperand(cx, dfg.arg(inst, 0), Opcode.Bitcast);
      return x >= 0 && dfg.typeOf(x) === dfg.ctrlType(inst) ? x : NO_CHANGE;
    }),
  ],
);

// ===========================================================================
// Floating point

rules(
  [
    Opcode.Fneg,
    Opcode.Fabs,
    Opcode.Fcopysign,
    Opcode.Fadd,
    Opcode.Fsub,
    Opcode.Fmul,
    Opcode.Fdiv,
    Opcode.Sqrt,
    Opcode.Fmin,
    Opcode.Fmax,
    Opcode.Ceil,
    Opcode.Floor,
    Opcode.Trunc,
    Opcode.Nearest,
  ],
  [
    // All operands constant: bitwise ops always, arithmetic only without NaNs (NoNaNFolded).
    rule('fold-float', 'fold', ALL_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const n = dfg.numArgs(inst);
      const args: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const c = cx.constOf(dfg.arg(inst, i));
        if (c === undefined) return NO_CHANGE;
        args.push(c);
      }
      const ty = dfg.ctrlType(inst);
      const r = foldFloat(dfg.opcode(inst), ty, args);
      return r === undefined ? NO_CHANGE : cx.constant(ty, r);
    }),
    // Sign-bit identities (exact on every payload): `fneg (fneg x)` → x, `fabs (fabs x)` → `fabs x`,
    // `fabs (fneg x)` → `fabs x`.
    rule('float-sign-identity', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const op = dfg.opcode(inst);
      if (op === Opcode.Fneg) {
        const x = unaryOperand(cx, dfg.arg(inst, 0), Opcode.Fneg);
        return x >= 0 ? x : NO_CHANGE;
      }
      if (op === Opcode.Fabs) {
        const a = dfg.arg(inst, 0);
        if (unaryOperand(cx, a, Opcode.Fabs) >= 0) return a;
        const x = unaryOperand(cx, a, Opcode.Fneg);
        if (x >= 0) {
          dfg.setArg(inst, 0, x);
          return MUTATED;
        }
      }
      return NO_CHANGE;
    }),
  ],
);

// ===========================================================================
// Select

rules(
  [Opcode.Select],
  [
    // Constant condition: pick the arm.
    rule('fold-select', 'fold', ARG0_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const c = cx.constOf(dfg.arg(inst, 0));
      if (c === undefined) return NO_CHANGE;
      return dfg.arg(inst, c !== 0n ? 1 : 2);
    }),
    // Both arms equal.
    rule('select-same-arms', 'simplify', 0, (cx, inst) => {
      const dfg = cx.dfg;
      const x = dfg.arg(inst, 1);
      return x === dfg.arg(inst, 2) ? x : NO_CHANGE;
    }),
    // Condition decided by a dominating branch or trap.
    rule('select-known-condition', 'simplify', 0, (cx, inst) => {
      const dfg = cx.dfg;
      const k = cx.knownCond(dfg.arg(inst, 0));
      if (k === COND_UNKNOWN) return NO_CHANGE;
      return dfg.arg(inst, k === COND_NONZERO ? 1 : 2);
    }),
    // Condition wrappers: `select (uextend b)`, `select (b != 0)` → `select b`; `select (b == 0), x, y` → `select b, y, x`.
    rule('select-peel-condition', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const p = peelCondition(cx, dfg.arg(inst, 0));
      if (p === undefined) return NO_CHANGE;
      dfg.setArg(inst, 0, p.value);
      if (p.inverted) {
        const x = dfg.arg(inst, 1);
        dfg.setArg(inst, 1, dfg.arg(inst, 2));
        dfg.setArg(inst, 2, x);
      }
      return MUTATED;
    }),
  ],
);

// ===========================================================================
// Overflow-checked add (the wasm bounds check)

rules(
  [Opcode.UaddOverflowTrap],
  [
    // Both constant and no overflow: the sum. (On overflow the trap stays.)
    rule('fold-uadd-overflow-trap', 'fold', ARG0_CONST | ARG1_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const a = cx.constOf(dfg.arg(inst, 0));
      if (a === undefined) return NO_CHANGE;
      const b = cx.constOf(dfg.arg(inst, 1));
      if (b === undefined) return NO_CHANGE;
      const ty = dfg.ctrlType(inst);
      const s = a + b;
      return s >> BigInt(typeBits(ty)) !== 0n ? NO_CHANGE : cx.constant(ty, s);
    }),
    // Adding zero cannot overflow.
    rule('uadd-overflow-trap-zero', 'simplify', ANY_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      if (cx.constOf(dfg.arg(inst, 1)) === 0n) return dfg.arg(inst, 0);
      if (cx.constOf(dfg.arg(inst, 0)) === 0n) return dfg.arg(inst, 1);
      return NO_CHANGE;
    }),
  ],
);

// ===========================================================================
// Branches

rules(
  [Opcode.Brif],
  [
    // Constant condition: `brif c, A, B` → `jump A` or `jump B`.
    rule('fold-brif', 'branch', ARG0_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const c = cx.constOf(dfg.arg(inst, 0));
      if (c === undefined) return NO_CHANGE;
      return jumpTo(cx, c !== 0n ? dfg.aux(inst) : dfg.aux2(inst));
    }),
    // Condition decided by a dominating branch or trap (redundant branch).
    rule('brif-known-condition', 'branch', 0, (cx, inst) => {
      const dfg = cx.dfg;
      const k = cx.knownCond(dfg.arg(inst, 0));
      if (k === COND_UNKNOWN) return NO_CHANGE;
      return jumpTo(cx, k === COND_NONZERO ? dfg.aux(inst) : dfg.aux2(inst));
    }),
    // Both edges go to the same block with the same arguments.
    rule('brif-same-targets', 'branch', 0, (cx, inst) => {
      const dfg = cx.dfg;
      return sameBlockCall(dfg, dfg.aux(inst), dfg.aux2(inst)) ? jumpTo(cx, dfg.aux(inst)) : NO_CHANGE;
    }),
    // Condition wrappers: `brif (uextend b)`, `brif (b != 0)` → `brif b`; `brif (b == 0), A, B` → `brif b, B, A`.
    rule('brif-peel-condition', 'branch', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const p = peelCondition(cx, dfg.arg(inst, 0));
      if (p === undefined) return NO_CHANGE;
      if (dfg.typeOf(p.value) === dfg.ctrlType(inst)) {
        dfg.setArg(inst, 0, p.value);
        if (p.inverted) {
          const t = dfg.aux(inst);
          dfg.setAux(inst, dfg.aux2(inst));
          dfg.setAux2(inst, t);
        }
        return MUTATED;
      }
      // The controlling type changes: rebuild.
      const t = target(dfg, dfg.aux(inst));
      const e = target(dfg, dfg.aux2(inst));
      if (p.inverted) cx.ins().brif(p.value, e.block, e.args, t.block, t.args);
      else cx.ins().brif(p.value, t.block, t.args, e.block, e.args);
      return REMOVED;
    }),
  ],
);

rules(
  [Opcode.BrTable],
  [
    // Constant index: jump to that entry (or the default).
    rule('fold-br-table', 'branch', ARG0_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const c = cx.constOf(dfg.arg(inst, 0));
      if (c === undefined) return NO_CHANGE;
      const jt = dfg.jumpTables[dfg.jumpTable(inst)]!;
      return jumpTo(cx, c < BigInt(jt.entries.length) ? jt.entries[Number(c)]! : jt.default);
    }),
    // Every entry is the default.
    rule('br-table-same-targets', 'branch', 0, (cx, inst) => {
      const dfg = cx.dfg;
      const jt = dfg.jumpTables[dfg.jumpTable(inst)]!;
      for (const e of jt.entries) if (!sameBlockCall(dfg, e, jt.default)) return NO_CHANGE;
      return jumpTo(cx, jt.default);
    }),
  ],
);

// ===========================================================================
// Conditional traps

rules(
  [Opcode.Trapz, Opcode.Trapnz],
  [
    // Constant condition: the trap never happens (remove it) or always happens (`trap`, TrapsPreserved).
    rule('fold-cond-trap', 'fold', ARG0_CONST, (cx, inst) => {
      const dfg = cx.dfg;
      const c = cx.constOf(dfg.arg(inst, 0));
      if (c === undefined) return NO_CHANGE;
      const traps = (c !== 0n) === (dfg.opcode(inst) === Opcode.Trapnz);
      if (!traps) return REMOVED;
      cx.ins().trap(dfg.trapCode(inst));
      return TRAPS;
    }),
    // Condition decided by a dominating branch or trap: an identical check already passed, typically.
    rule('cond-trap-known-condition', 'simplify', 0, (cx, inst) => {
      const dfg = cx.dfg;
      const k = cx.knownCond(dfg.arg(inst, 0));
      if (k === COND_UNKNOWN) return NO_CHANGE;
      const traps = (k === COND_NONZERO) === (dfg.opcode(inst) === Opcode.Trapnz);
      if (!traps) return REMOVED;
      cx.ins().trap(dfg.trapCode(inst));
      return TRAPS;
    }),
    // Condition wrappers: `trapnz (uextend b)` → `trapnz b`; `trapnz (b == 0)` → `trapz b`; likewise for trapz.
    rule('cond-trap-peel-condition', 'simplify', ARG0_INST, (cx, inst) => {
      const dfg = cx.dfg;
      const p = peelCondition(cx, dfg.arg(inst, 0));
      if (p === undefined) return NO_CHANGE;
      const op = dfg.opcode(inst);
      const newOp = p.inverted ? (op === Opcode.Trapz ? Opcode.Trapnz : Opcode.Trapz) : op;
      if (newOp === op && dfg.typeOf(p.value) === dfg.ctrlType(inst)) {
        dfg.setArg(inst, 0, p.value);
        return MUTATED;
      }
      buildCondTrap(cx, newOp, p.value, dfg.trapCode(inst));
      return REMOVED;
    }),
  ],
);

/** Does `inst` have any rules at all (cheap pre-check for the pass)? */
export function hasRules(op: Opcode): boolean {
  return RULES[op] !== undefined;
}

/** Is the instruction's controlling type one the rules handle (scalars only)? */
export function simplifiable(dfg: DataFlowGraph, inst: Inst): boolean {
  return !isVector(dfg.ctrlType(inst));
}
