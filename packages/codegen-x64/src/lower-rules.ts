/**
 * x64 lowering rules, as data: for every scalar IR opcode, one or more
 * `LowerRule`s — a pattern and the machine code it emits — with explicit
 * priorities (Cranelift's ISLE rules in TypeScript form).
 *
 * `dispatchLowering` tries an opcode's rules from the highest priority down;
 * a rule returns `false` when its pattern does not match, *without having
 * emitted anything*, and `true` when it lowered the instruction. Every
 * opcode ends with a rule that always matches (priority 0), so a missing
 * lowering can only be a type the backend does not support, reported as
 * `CodegenError('unsupported')`. Each rule's `doc` says which case it covers
 * and, for the higher priorities, why it wins.
 *
 * Merging happens through the operand helpers of `X64Lower` (lower.ts):
 * `rmi` turns an `iconst` into an immediate and a single-use load into a
 * memory operand; `amode` folds address arithmetic; `condFlags` re-emits an
 * `icmp`/`fcmp` as a compare for a flags consumer. The driver then skips the
 * merged definitions when nothing else needs them.
 */
import { CodegenError } from '@derrick/codegen';
import {
  F32,
  F64,
  I16,
  I32,
  I64,
  I8,
  type Inst,
  Opcode,
  OPCODE_COUNT,
  type Type,
  type Value,
  isFloat,
  isInt,
  opcodeName,
  typeBits,
  typeName,
} from '@derrick/codegen-ir';
import { CC, RoundMode, type AluOp, type ShiftOp, type XmmRmROp } from './inst.js';
import {
  type Cond,
  SIGN_BIT,
  type X64Lower,
  extModeOf,
  imm32For,
  invertCond,
  movConst,
  opSize,
  splatConst,
} from './lower.js';
import type { MInst, R, RoundKind, VAmode } from './minst.js';

export interface LowerRule {
  readonly name: string;
  readonly opcodes: readonly Opcode[];
  /** Higher runs first. */
  readonly priority: number;
  /** The case this rule covers and why its priority. */
  readonly doc: string;
  /** Emit and return true, or return false having emitted nothing. */
  readonly lower: (cx: X64Lower, inst: Inst) => boolean;
}

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

const O = Opcode;

function bits(ty: Type): number {
  return typeBits(ty);
}

function isNarrow(ty: Type): boolean {
  return ty === I8 || ty === I16;
}

/** `dst = a op b` on integers; commutative ops put an immediate/memory operand second. */
function aluBinary(cx: X64Lower, inst: Inst, op: AluOp, commutative: boolean): void {
  const ty = cx.ty(inst);
  const size = opSize(ty);
  let a = cx.arg(inst, 0);
  let b = cx.arg(inst, 1);
  if (commutative && !cx.isImmOrSinkable(b, size) && cx.isImmOrSinkable(a, size)) [a, b] = [b, a];
  const src2 = cx.rmi(b, size, inst);
  cx.emit({ kind: 'alu', op, size, src1: cx.put(a), src2, dst: cx.def(cx.result(inst)) });
}

/**
 * An `lea` addressing mode computing `x + y` in the width `size` (LeaAdd): a
 * single-use `iadd_imm` feeding either side moves into the displacement,
 * and a single-use left shift by 1–3 (`ishl_imm`) of either side becomes
 * the scaled index. Only the low `size` bytes of the sum are kept, so the
 * operands' undefined upper bits (i32 values) do not matter. Undefined when
 * an i64 displacement does not fit 32 bits.
 */
function leaAdd(cx: X64Lower, x: Value, y: Value, size: 4 | 8): VAmode | undefined {
  const norm = (d: bigint): bigint => (size === 4 ? BigInt.asIntN(32, d) : BigInt.asIntN(64, d));
  let disp = 0n;
  const peelImm = (v: Value): Value => {
    const i = localDef(cx, v, O.IaddImm);
    if (i < 0) return v;
    disp += norm(cx.dfg.imm64(i));
    return cx.dfg.arg(i, 0);
  };
  let base = peelImm(x);
  let index = peelImm(y);
  disp = norm(disp);
  if (size === 8 && (disp < -0x8000_0000n || disp > 0x7fff_ffffn)) return undefined;
  /** The shifted value and the shift, when `v` is a single-use `ishl_imm` by 1–3. */
  const scaled = (v: Value): { of: Value; shift: 1 | 2 | 3 } | undefined => {
    const i = localDef(cx, v, O.IshlImm);
    const k = i < 0 ? 0 : Number(cx.dfg.imm64(i) & 63n);
    return k >= 1 && k <= 3 ? { of: cx.dfg.arg(i, 0), shift: k as 1 | 2 | 3 } : undefined;
  };
  let s = scaled(index);
  if (s === undefined) {
    s = scaled(base);
    if (s !== undefined) base = index;
  }
  if (s !== undefined) index = s.of;
  return { kind: 'reg_index', base: cx.put(base), index: cx.put(index), shift: s?.shift ?? 0, disp: Number(disp) };
}

/**
 * The single-use definition of `v` by `op` in the block being lowered
 * (MergeLocal), or -1. Single use: merging a value that is computed anyway
 * for another user only lengthens its operands' live ranges.
 */
function localDef(cx: X64Lower, v: Value, op: Opcode): Inst {
  const i = cx.ctx.localDefOf(v, op);
  return i >= 0 && cx.ctx.uses(v) === 1 ? i : -1;
}

/** `dst = x op imm` for the `*_imm` opcodes (the immediate is in the type's width). */
function aluImm(cx: X64Lower, inst: Inst, op: AluOp): void {
  const ty = cx.ty(inst);
  const size = opSize(ty);
  const c = cx.dfg.imm64(inst);
  const src2 = cx.immOrReg(c, size);
  cx.emit({ kind: 'alu', op, size, src1: cx.put(cx.arg(inst, 0)), src2, dst: cx.def(cx.result(inst)) });
}

function aluR(cx: X64Lower, op: AluOp, size: 4 | 8, src1: R, src2: R, dst = cx.tmpInt()): R {
  cx.emit({ kind: 'alu', op, size, src1, src2: { kind: 'reg', reg: src2 }, dst });
  return dst;
}
function aluI(cx: X64Lower, op: AluOp, size: 4 | 8, src1: R, imm: bigint, dst = cx.tmpInt()): R {
  cx.emit({ kind: 'alu', op, size, src1, src2: cx.immOrReg(imm, size), dst });
  return dst;
}
function shiftI(cx: X64Lower, op: ShiftOp, size: 4 | 8, src: R, amount: number, dst = cx.tmpInt()): R {
  cx.emit({ kind: 'shift', op, size, src, amount, dst });
  return dst;
}

/**
 * Shift or rotate `x` by the constant `n` (already reduced modulo the
 * width). i8/i16: right shifts extend first, rotates replicate the value
 * across 32 bits so a 32-bit rotate yields the narrow rotate in the low bits.
 */
function shiftByConst(cx: X64Lower, op: ShiftOp, ty: Type, x: Value, n: number, dst: R): void {
  const w = bits(ty);
  if (!isNarrow(ty)) {
    cx.emit({ kind: 'shift', op, size: opSize(ty), src: cx.put(x), amount: n, dst });
    return;
  }
  cx.emit({ kind: 'shift', op, size: 4, src: narrowShiftSource(cx, op, ty, x), amount: n % w, dst });
}

/** The 32-bit operand a narrow shift/rotate works on (see `shiftByConst`). */
function narrowShiftSource(cx: X64Lower, op: ShiftOp, ty: Type, x: Value): R {
  switch (op) {
    case 'shl':
      return cx.put(x);
    case 'shr':
      return cx.extendTo32(x, false);
    case 'sar':
      return cx.extendTo32(x, true);
    default: {
      const z = cx.extendTo32(x, false);
      const rep = cx.tmpInt();
      cx.emit({ kind: 'imul_imm', size: 4, src: { kind: 'reg', reg: z }, imm: ty === I8 ? 0x0101_0101 : 0x0001_0001, dst: rep });
      return rep;
    }
  }
}

/** Shift or rotate by a register amount (taken modulo the width). */
function shiftByReg(cx: X64Lower, inst: Inst, op: ShiftOp): void {
  const ty = cx.ty(inst);
  const x = cx.arg(inst, 0);
  const amt = cx.arg(inst, 1);
  const dst = cx.def(cx.result(inst));
  const c = constAmount(cx, amt);
  if (c !== undefined) {
    shiftByConst(cx, op, ty, x, Number(c % BigInt(bits(ty))), dst);
    return;
  }
  if (!isNarrow(ty)) {
    cx.emit({ kind: 'shift_cl', op, size: opSize(ty), src: cx.put(x), amount: cx.put(amt), dst });
    return;
  }
  // Rotates of the replicated value need no masking (the period divides 32).
  const rotate = op === 'rol' || op === 'ror';
  const src = narrowShiftSource(cx, op, ty, x);
  const amount = rotate ? cx.put(amt) : aluI(cx, 'and', 4, cx.put(amt), BigInt(bits(ty) - 1));
  cx.emit({ kind: 'shift_cl', op, size: 4, src, amount, dst });
}

function constAmount(cx: X64Lower, v: Value): bigint | undefined {
  const c = cx.ctx.constValue(v);
  return c === undefined ? undefined : BigInt.asUintN(bits(cx.typeOf(v)), c);
}

/** `clz` of a register holding a `w`-bit value (w = 32 or 64), as a w-bit count. */
function clzReg(cx: X64Lower, x: R, w: 32 | 64): R {
  const size = w === 64 ? 8 : 4;
  const dst = cx.tmpInt();
  if (cx.isaFlags.get('has_lzcnt')) {
    cx.emit({ kind: 'bit_count', op: 'lzcnt', size, src: { kind: 'reg', reg: x }, dst });
    return dst;
  }
  bsrClz(cx, x, w, w, dst);
  return dst;
}

/** `clz` through `bsr`: (bits-1) - index, with index := -1 for a zero input. */
function bsrClz(cx: X64Lower, x: R, opBits: 32 | 64, valueBits: number, dst: R): void {
  const size = opBits === 64 ? 8 : 4;
  const minus1 = cx.constReg(-1n, size);
  const top = cx.constReg(BigInt(valueBits - 1), size);
  const idx = cx.tmpInt();
  cx.emit({ kind: 'bit_count', op: 'bsr', size, src: { kind: 'reg', reg: x }, dst: idx });
  const idx2 = cx.tmpInt();
  cx.emit({ kind: 'cmov', cc: CC.E, size, src1: idx, src2: { kind: 'reg', reg: minus1 }, dst: idx2 });
  aluR(cx, 'sub', size, top, idx2, dst);
}

/** Swap adjacent bit groups: ((x >> s) & m) | ((x & m) << s). */
function swapBits(cx: X64Lower, x: R, s: number, mask: bigint, size: 4 | 8): R {
  const m = size === 8 ? cx.constReg(mask, 8) : -1;
  const andM = (r: R): R => (m >= 0 ? aluR(cx, 'and', size, r, m) : aluI(cx, 'and', size, r, mask));
  const hi = andM(shiftI(cx, 'shr', size, x, s));
  const lo = shiftI(cx, 'shl', size, andM(x), s);
  return aluR(cx, 'or', size, hi, lo);
}

/** Population count by bit twiddling (no POPCNT). `x` has no bits above `size`. */
function popcntTwiddle(cx: X64Lower, x: R, size: 4 | 8, dst: R): void {
  const K = (v: bigint): bigint => (size === 8 ? v : v & 0xffff_ffffn);
  const m1 = K(0x5555_5555_5555_5555n);
  const m2 = K(0x3333_3333_3333_3333n);
  const m4 = K(0x0f0f_0f0f_0f0f_0f0fn);
  const h01 = K(0x0101_0101_0101_0101n);
  const and = (r: R, m: bigint): R => (size === 8 ? aluR(cx, 'and', 8, r, cx.constReg(m, 8)) : aluI(cx, 'and', 4, r, m));
  const t1 = and(shiftI(cx, 'shr', size, x, 1), m1);
  const x1 = aluR(cx, 'sub', size, x, t1);
  const x2 = aluR(cx, 'add', size, and(x1, m2), and(shiftI(cx, 'shr', size, x1, 2), m2));
  const x3 = and(aluR(cx, 'add', size, x2, shiftI(cx, 'shr', size, x2, 4)), m4);
  let x4: R;
  if (size === 8) {
    x4 = cx.tmpInt();
    cx.emit({ kind: 'imul', size: 8, src1: x3, src2: { kind: 'reg', reg: cx.constReg(h01, 8) }, dst: x4 });
  } else {
    x4 = cx.tmpInt();
    cx.emit({ kind: 'imul_imm', size: 4, src: { kind: 'reg', reg: x3 }, imm: Number(h01) | 0, dst: x4 });
  }
  shiftI(cx, 'shr', size, x4, size * 8 - 8, dst);
}

/** Trap with `code` when `cond` holds (flags already set). */
function trapIfCond(cx: X64Lower, cond: Cond, code: number): void {
  if (cond.cc2 === undefined) {
    cx.emit({ kind: 'trap_if', cc: cond.cc, code });
  } else if (cond.combine === 'or') {
    cx.emit({ kind: 'trap_if', cc: cond.cc, code });
    cx.emit({ kind: 'trap_if', cc: cond.cc2, code });
  } else {
    const t = cx.tmpInt();
    cx.emit({ kind: 'setcc2', cc1: cond.cc, cc2: cond.cc2, combine: 'and', dst: t });
    cx.emit({ kind: 'test', size: 4, lhs: t, rhs: { kind: 'reg', reg: t } });
    cx.emit({ kind: 'trap_if', cc: CC.NE, code });
  }
}

/** `dst = cond ? a : b` (flags set by `setFlags`, called after the operands are ready). */
function selectInto(cx: X64Lower, ty: Type, a: Value, b: Value, dst: R, setFlags: () => Cond): void {
  if (isFloat(ty)) {
    const ra = cx.put(a);
    const rb = cx.put(b);
    let cond = setFlags();
    let [t, f] = [ra, rb];
    if (cond.combine === 'and') {
      cond = invertCond(cond);
      [t, f] = [f, t];
    }
    cx.emit(cond.cc2 === undefined ? { kind: 'xmm_cmove', cc: cond.cc, src1: f, src2: t, dst } : { kind: 'xmm_cmove', cc: cond.cc, cc2: cond.cc2, src1: f, src2: t, dst });
    return;
  }
  const size = opSize(ty);
  const ra = cx.put(a);
  const rb = cx.put(b);
  let cond = setFlags();
  let [t, f] = [ra, rb];
  if (cond.combine === 'and') {
    cond = invertCond(cond);
    [t, f] = [f, t];
  }
  cx.emit(
    cond.cc2 === undefined
      ? { kind: 'cmov', cc: cond.cc, size, src1: f, src2: { kind: 'reg', reg: t }, dst }
      : { kind: 'cmov', cc: cond.cc, cc2: cond.cc2, size, src1: f, src2: { kind: 'reg', reg: t }, dst },
  );
}

/** Load of `ty` (with the access width/extension of `op`) from `addr` into `dst`. */
function loadInto(cx: X64Lower, op: Opcode, ty: Type, addr: VAmode, dst: R): void {
  switch (op) {
    case O.Uload8:
      cx.emit({ kind: 'movzx', ext: 'bl', src: { kind: 'mem', addr }, dst });
      return;
    case O.Sload8:
      cx.emit({ kind: 'movsx', ext: ty === I64 ? 'bq' : 'bl', src: { kind: 'mem', addr }, dst });
      return;
    case O.Uload16:
      cx.emit({ kind: 'movzx', ext: 'wl', src: { kind: 'mem', addr }, dst });
      return;
    case O.Sload16:
      cx.emit({ kind: 'movsx', ext: ty === I64 ? 'wq' : 'wl', src: { kind: 'mem', addr }, dst });
      return;
    case O.Uload32:
      cx.emit({ kind: 'load', size: 4, src: addr, dst });
      return;
    case O.Sload32:
      cx.emit({ kind: 'movsx', ext: 'lq', src: { kind: 'mem', addr }, dst });
      return;
    default:
      break;
  }
  if (ty === F32 || ty === F64) cx.emit({ kind: 'xmm_load', op: ty === F32 ? 'movss' : 'movsd', src: addr, dst });
  else if (ty === I8) cx.emit({ kind: 'movzx', ext: 'bl', src: { kind: 'mem', addr }, dst });
  else if (ty === I16) cx.emit({ kind: 'movzx', ext: 'wl', src: { kind: 'mem', addr }, dst });
  else if (ty === I32 || ty === I64) cx.emit({ kind: 'load', size: ty === I64 ? 8 : 4, src: addr, dst });
  else throw cx.unsupported(`loads of ${typeName(ty)}`);
}

/** Store `v` (narrowed to `width` bytes, 0 = its type's width) to `addr`. */
function storeTo(cx: X64Lower, v: Value, width: number, addr: VAmode): void {
  const ty = cx.typeOf(v);
  if (isFloat(ty)) {
    cx.emit({ kind: 'xmm_store', op: ty === F32 ? 'movss' : 'movsd', src: cx.put(v), dst: addr });
    return;
  }
  if (!isInt(ty)) throw cx.unsupported(`stores of ${typeName(ty)}`);
  const size = (width || typeBits(ty) / 8) as 1 | 2 | 4 | 8;
  const c = cx.ctx.constValue(v);
  if (c !== undefined) {
    const imm = size === 8 ? imm32For(c, 8) : Number(BigInt.asIntN(size * 8, c));
    if (imm !== undefined) {
      cx.emit({ kind: 'store_imm', size, imm, dst: addr });
      return;
    }
  }
  cx.emit({ kind: 'store', size, src: cx.put(v), dst: addr });
}

const XMM_BIN_OPS: Partial<Record<Opcode, [XmmRmROp, XmmRmROp]>> = {
  [O.Fadd]: ['addss', 'addsd'],
  [O.Fsub]: ['subss', 'subsd'],
  [O.Fmul]: ['mulss', 'mulsd'],
  [O.Fdiv]: ['divss', 'divsd'],
};

const ROUND_KIND: Partial<Record<Opcode, RoundKind>> = {
  [O.Ceil]: 'ceil',
  [O.Floor]: 'floor',
  [O.Trunc]: 'trunc',
  [O.Nearest]: 'nearest',
};
const ROUND_MODE: Record<RoundKind, number> = {
  ceil: RoundMode.Ceil,
  floor: RoundMode.Floor,
  trunc: RoundMode.Trunc,
  nearest: RoundMode.Nearest,
};

const SHIFT_OF: Partial<Record<Opcode, ShiftOp>> = {
  [O.Ishl]: 'shl',
  [O.Ushr]: 'shr',
  [O.Sshr]: 'sar',
  [O.Rotl]: 'rol',
  [O.Rotr]: 'ror',
  [O.IshlImm]: 'shl',
  [O.UshrImm]: 'shr',
  [O.SshrImm]: 'sar',
  [O.RotlImm]: 'rol',
  [O.RotrImm]: 'ror',
};

const floatSize = (ty: Type): 4 | 8 => (ty === F32 ? 4 : 8);

// ---------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------

export const X64_LOWER_RULES: readonly LowerRule[] = [
  // ===== Constants ==========================================================
  {
    name: 'iconst',
    opcodes: [O.Iconst],
    priority: 0,
    doc: 'mov r32, imm (zero-extends) / mov r64, simm32 / movabs, whichever is shortest for the bit pattern.',
    lower(cx, inst) {
      cx.emit(movConst(cx.dfg.immBits(inst), opSize(cx.ty(inst)), cx.def(cx.result(inst))));
      return true;
    },
  },
  {
    name: 'fconst',
    opcodes: [O.F32const, O.F64const],
    priority: 0,
    doc: 'xorps for +0.0, else a constant-pool load; payloads are kept bit for bit.',
    lower(cx, inst) {
      const f32 = cx.dfg.opcode(inst) === O.F32const;
      const bitsV = f32 ? BigInt(cx.dfg.ieee32Bits(inst)) : cx.dfg.ieee64Bits(inst);
      cx.emit({ kind: 'xmm_const', size: f32 ? 4 : 8, bits: bitsV, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'nop',
    opcodes: [O.Nop],
    priority: 0,
    doc: 'Nothing to emit (the driver skips it anyway: it has no results).',
    lower() {
      return true;
    },
  },

  // ===== Integer arithmetic ===================================================
  {
    name: 'iadd',
    opcodes: [O.Iadd],
    priority: 0,
    doc:
      'Two registers: lea dst, [a + b·2^k + d] (three-address, so no copy when an operand stays live), folding a single-use ishl_imm by 1–3 into the scale and single-use iadd_imm operands into d. Otherwise add dst, imm/mem: a constant operand becomes the immediate, a single-use load the memory operand (either side: add commutes).',
    lower(cx, inst) {
      const size = opSize(cx.ty(inst));
      const a = cx.arg(inst, 0);
      const b = cx.arg(inst, 1);
      if (!cx.isImmOrSinkable(a, size) && !cx.isImmOrSinkable(b, size)) {
        const src = leaAdd(cx, a, b, size);
        if (src !== undefined) {
          cx.emit({ kind: 'lea', size, src, dst: cx.def(cx.result(inst)) });
          return true;
        }
      }
      aluBinary(cx, inst, 'add', true);
      return true;
    },
  },
  {
    name: 'isub',
    opcodes: [O.Isub],
    priority: 0,
    doc: 'sub dst, reg/imm/mem (only the right operand can merge).',
    lower(cx, inst) {
      aluBinary(cx, inst, 'sub', false);
      return true;
    },
  },
  {
    name: 'imul by constant',
    opcodes: [O.Imul],
    priority: 10,
    doc: 'imul dst, src, imm32 (three-operand form, no copy) when either operand is a constant that fits; beats the register form.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const size = opSize(ty);
      for (const [k, o] of [
        [1, 0],
        [0, 1],
      ] as const) {
        const imm = cx.immOf(cx.arg(inst, k), size);
        if (imm !== undefined) {
          cx.emit({ kind: 'imul_imm', size, src: cx.rm(cx.arg(inst, o), size, inst), imm, dst: cx.def(cx.result(inst)) });
          return true;
        }
      }
      return false;
    },
  },
  {
    name: 'imul',
    opcodes: [O.Imul],
    priority: 0,
    doc: 'imul dst, reg/mem (the low bits of the product are the same signed or unsigned).',
    lower(cx, inst) {
      const size = opSize(cx.ty(inst));
      let a = cx.arg(inst, 0);
      let b = cx.arg(inst, 1);
      if (!cx.isImmOrSinkable(b, size) && cx.isImmOrSinkable(a, size)) [a, b] = [b, a];
      const src2 = cx.rm(b, size, inst);
      cx.emit({ kind: 'imul', size, src1: cx.put(a), src2, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'umulhi/smulhi i32/i64',
    opcodes: [O.Umulhi, O.Smulhi],
    priority: 10,
    doc: 'One-operand mul/imul: rdx:rax = rax · src; the high half is rdx.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      if (ty !== I32 && ty !== I64) return false;
      const lo = cx.tmpInt();
      cx.emit({
        kind: 'mul_wide',
        op: cx.dfg.opcode(inst) === O.Umulhi ? 'mul' : 'imul',
        size: opSize(ty),
        src1: cx.put(cx.arg(inst, 0)),
        src2: cx.put(cx.arg(inst, 1)),
        lo,
        hi: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'umulhi/smulhi i8/i16',
    opcodes: [O.Umulhi, O.Smulhi],
    priority: 0,
    doc: 'Extend both operands to 32 bits; the full product fits, its high half is a shift away.',
    lower(cx, inst) {
      const signed = cx.dfg.opcode(inst) === O.Smulhi;
      const w = bits(cx.ty(inst));
      const p = cx.tmpInt();
      cx.emit({ kind: 'imul', size: 4, src1: cx.extendTo32(cx.arg(inst, 0), signed), src2: { kind: 'reg', reg: cx.extendTo32(cx.arg(inst, 1), signed) }, dst: p });
      shiftI(cx, signed ? 'sar' : 'shr', 4, p, w, cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'div/rem',
    opcodes: [O.Sdiv, O.Udiv, O.Srem, O.Urem],
    priority: 0,
    doc: 'Checked div/idiv (div_seq): int_divz on zero, int_ovf on MIN/-1 (sdiv), MIN%-1 = 0 (srem); i8/i16 operands are extended to 32 bits first.',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const ty = cx.ty(inst);
      const signed = op === O.Sdiv || op === O.Srem;
      const rem = op === O.Srem || op === O.Urem;
      const narrow = isNarrow(ty);
      const dividend = narrow ? cx.extendTo32(cx.arg(inst, 0), signed) : cx.put(cx.arg(inst, 0));
      const divisor = narrow ? cx.extendTo32(cx.arg(inst, 1), signed) : cx.put(cx.arg(inst, 1));
      cx.emit({
        kind: 'div_seq',
        size: opSize(ty),
        signed,
        rem,
        narrowBits: narrow ? (bits(ty) as 8 | 16) : 0,
        dividend,
        divisor,
        dst: cx.def(cx.result(inst)),
        other: cx.tmpInt(),
      });
      return true;
    },
  },
  {
    name: 'ineg',
    opcodes: [O.Ineg],
    priority: 0,
    doc: 'neg (two\'s complement; wraps).',
    lower(cx, inst) {
      cx.emit({ kind: 'unary', op: 'neg', size: opSize(cx.ty(inst)), src: cx.put(cx.arg(inst, 0)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'iabs',
    opcodes: [O.Iabs],
    priority: 0,
    doc: 't = -x; dst = (t < 0) ? x : t — neg sets SF for the cmov; i8/i16 sign-extended first; MIN stays MIN.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const size = opSize(ty);
      const x = cx.extendTo32(cx.arg(inst, 0), true);
      const t = cx.tmpInt();
      cx.emit({ kind: 'unary', op: 'neg', size, src: x, dst: t });
      cx.emit({ kind: 'cmov', cc: CC.S, size, src1: t, src2: { kind: 'reg', reg: x }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'smin/smax/umin/umax',
    opcodes: [O.Smin, O.Smax, O.Umin, O.Umax],
    priority: 0,
    doc: 'cmp a, b; dst = b; cmovCC dst, a (i8/i16 extended the way the comparison needs).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const ty = cx.ty(inst);
      const size = opSize(ty);
      const signed = op === O.Smin || op === O.Smax;
      const a = cx.extendTo32(cx.arg(inst, 0), signed);
      const b = cx.extendTo32(cx.arg(inst, 1), signed);
      const cc = op === O.Smin ? CC.L : op === O.Smax ? CC.G : op === O.Umin ? CC.B : CC.A;
      cx.emit({ kind: 'cmp', size, lhs: a, rhs: { kind: 'reg', reg: b } });
      cx.emit({ kind: 'cmov', cc, size, src1: b, src2: { kind: 'reg', reg: a }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },

  // ===== Integer arithmetic with an immediate ================================
  {
    name: 'iadd_imm/band_imm/bor_imm/bxor_imm',
    opcodes: [O.IaddImm, O.BandImm, O.BorImm, O.BxorImm],
    priority: 0,
    doc:
      'iadd_imm with an imm32: lea dst, [x + imm] (three-address). Not folded further: (x + y) + imm as one three-component lea measured slower (the interp kernel 1.7×, on AMD EPYC). Otherwise the ALU immediate form (a 64-bit immediate that does not fit imm32 is materialized).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      if (op === O.IaddImm) {
        const size = opSize(cx.ty(inst));
        const imm = imm32For(cx.dfg.imm64(inst), size);
        if (imm !== undefined) {
          cx.emit({ kind: 'lea', size, src: { kind: 'reg_disp', base: cx.put(cx.arg(inst, 0)), disp: imm }, dst: cx.def(cx.result(inst)) });
          return true;
        }
      }
      aluImm(cx, inst, op === O.IaddImm ? 'add' : op === O.BandImm ? 'and' : op === O.BorImm ? 'or' : 'xor');
      return true;
    },
  },
  {
    name: 'imul_imm',
    opcodes: [O.ImulImm],
    priority: 0,
    doc: 'imul dst, src, imm32 (or a materialized constant for a wide i64 immediate).',
    lower(cx, inst) {
      const size = opSize(cx.ty(inst));
      const c = cx.dfg.imm64(inst);
      const imm = imm32For(c, size);
      const dst = cx.def(cx.result(inst));
      if (imm !== undefined) cx.emit({ kind: 'imul_imm', size, src: cx.rm(cx.arg(inst, 0), size, inst), imm, dst });
      else cx.emit({ kind: 'imul', size, src1: cx.put(cx.arg(inst, 0)), src2: { kind: 'reg', reg: cx.constReg(c, size) }, dst });
      return true;
    },
  },
  {
    name: 'irsub_imm',
    opcodes: [O.IrsubImm],
    priority: 0,
    doc: 'imm - x = (-x) + imm.',
    lower(cx, inst) {
      const size = opSize(cx.ty(inst));
      const t = cx.tmpInt();
      cx.emit({ kind: 'unary', op: 'neg', size, src: cx.put(cx.arg(inst, 0)), dst: t });
      aluI(cx, 'add', size, t, cx.dfg.imm64(inst), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'shift/rotate by immediate',
    opcodes: [O.IshlImm, O.UshrImm, O.SshrImm, O.RotlImm, O.RotrImm],
    priority: 0,
    doc: 'The imm8 form with the amount reduced modulo the width; i8/i16 as in shiftByConst.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const n = Number(BigInt.asUintN(64, cx.dfg.imm64(inst)) % BigInt(bits(ty)));
      shiftByConst(cx, SHIFT_OF[cx.dfg.opcode(inst)]!, ty, cx.arg(inst, 0), n, cx.def(cx.result(inst)));
      return true;
    },
  },

  // ===== Bitwise ==============================================================
  {
    name: 'band/bor/bxor on floats',
    opcodes: [O.Band, O.Bor, O.Bxor],
    priority: 10,
    doc: 'andps/orps/xorps when the operands are floats (bit patterns stay in XMM registers).',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      if (!isFloat(ty)) return false;
      const op = cx.dfg.opcode(inst);
      cx.emit({
        kind: 'xmm_bin',
        op: op === O.Band ? 'andps' : op === O.Bor ? 'orps' : 'xorps',
        src1: cx.put(cx.arg(inst, 0)),
        src2: { kind: 'reg', reg: cx.put(cx.arg(inst, 1)) },
        dst: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'band/bor/bxor',
    opcodes: [O.Band, O.Bor, O.Bxor],
    priority: 0,
    doc: 'and/or/xor dst, reg/imm/mem (commutative).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      aluBinary(cx, inst, op === O.Band ? 'and' : op === O.Bor ? 'or' : 'xor', true);
      return true;
    },
  },
  {
    name: 'bnot on floats',
    opcodes: [O.Bnot],
    priority: 10,
    doc: 'xorps with an all-ones constant.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      if (!isFloat(ty)) return false;
      cx.emit({ kind: 'xmm_bin', op: 'xorps', src1: cx.put(cx.arg(inst, 0)), src2: { kind: 'mem', addr: splatConst(-1n, 8) }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'bnot',
    opcodes: [O.Bnot],
    priority: 0,
    doc: 'not (one\'s complement).',
    lower(cx, inst) {
      cx.emit({ kind: 'unary', op: 'not', size: opSize(cx.ty(inst)), src: cx.put(cx.arg(inst, 0)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'band_not on floats',
    opcodes: [O.BandNot],
    priority: 10,
    doc: 'andnps computes ~dst & src: dst = b, src = a.',
    lower(cx, inst) {
      if (!isFloat(cx.ty(inst))) return false;
      cx.emit({ kind: 'xmm_bin', op: 'andnps', src1: cx.put(cx.arg(inst, 1)), src2: { kind: 'reg', reg: cx.put(cx.arg(inst, 0)) }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'band_not/bor_not/bxor_not',
    opcodes: [O.BandNot, O.BorNot, O.BxorNot],
    priority: 0,
    doc: 'a op ~b: not b, then the ALU op (floats: the complement through xorps with all ones).',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const op = cx.dfg.opcode(inst);
      const dst = cx.def(cx.result(inst));
      if (isFloat(ty)) {
        const nb = cx.tmpFloat();
        cx.emit({ kind: 'xmm_bin', op: 'xorps', src1: cx.put(cx.arg(inst, 1)), src2: { kind: 'mem', addr: splatConst(-1n, 8) }, dst: nb });
        cx.emit({ kind: 'xmm_bin', op: op === O.BorNot ? 'orps' : 'xorps', src1: cx.put(cx.arg(inst, 0)), src2: { kind: 'reg', reg: nb }, dst });
        return true;
      }
      const size = opSize(ty);
      const nb = cx.tmpInt();
      cx.emit({ kind: 'unary', op: 'not', size, src: cx.put(cx.arg(inst, 1)), dst: nb });
      aluR(cx, op === O.BandNot ? 'and' : op === O.BorNot ? 'or' : 'xor', size, cx.put(cx.arg(inst, 0)), nb, dst);
      return true;
    },
  },
  {
    name: 'shift/rotate',
    opcodes: [O.Ishl, O.Ushr, O.Sshr, O.Rotl, O.Rotr],
    priority: 0,
    doc: 'A constant amount uses the imm8 form; otherwise the amount goes to cl (fixed rcx). The hardware masks cl by 31/63, which is the IR semantics for i32/i64; i8/i16 mask explicitly (rotates replicate instead).',
    lower(cx, inst) {
      shiftByReg(cx, inst, SHIFT_OF[cx.dfg.opcode(inst)]!);
      return true;
    },
  },
  {
    name: 'clz with lzcnt',
    opcodes: [O.Clz],
    priority: 10,
    doc: 'lzcnt (has_lzcnt); i8/i16: lzcnt of the zero-extended value minus (32 - width). Beats bsr+cmov.',
    lower(cx, inst) {
      if (!cx.isaFlags.get('has_lzcnt')) return false;
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      if (!isNarrow(ty)) {
        cx.emit({ kind: 'bit_count', op: 'lzcnt', size: opSize(ty), src: cx.rm(cx.arg(inst, 0), opSize(ty), inst), dst });
      } else {
        const c = clzReg(cx, cx.extendTo32(cx.arg(inst, 0), false), 32);
        aluI(cx, 'sub', 4, c, BigInt(32 - bits(ty)), dst);
      }
      return true;
    },
  },
  {
    name: 'clz',
    opcodes: [O.Clz],
    priority: 0,
    doc: 'bsr + cmov: (width-1) - index of the top set bit, with index -1 for zero.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const x = cx.extendTo32(cx.arg(inst, 0), false);
      bsrClz(cx, x, ty === I64 ? 64 : 32, bits(ty), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'cls',
    opcodes: [O.Cls],
    priority: 0,
    doc: 'clz(x ^ (x >> (w-1))) - 1, on the sign-extended value (i8/i16 correct by w - width).',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const w = ty === I64 ? 64 : 32;
      const size = opSize(ty);
      const x = cx.extendTo32(cx.arg(inst, 0), true);
      const s = shiftI(cx, 'sar', size, x, w - 1);
      const t = aluR(cx, 'xor', size, x, s);
      const c = clzReg(cx, t, w);
      aluI(cx, 'sub', size, c, BigInt(1 + (w - bits(ty))), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'ctz with tzcnt',
    opcodes: [O.Ctz],
    priority: 10,
    doc: 'tzcnt (has_bmi1); i8/i16: set bit `width` first so the count stops there. Beats bsf+cmov.',
    lower(cx, inst) {
      if (!cx.isaFlags.get('has_bmi1')) return false;
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      if (!isNarrow(ty)) {
        cx.emit({ kind: 'bit_count', op: 'tzcnt', size: opSize(ty), src: cx.rm(cx.arg(inst, 0), opSize(ty), inst), dst });
      } else {
        const x = aluI(cx, 'or', 4, cx.put(cx.arg(inst, 0)), 1n << BigInt(bits(ty)));
        cx.emit({ kind: 'bit_count', op: 'tzcnt', size: 4, src: { kind: 'reg', reg: x }, dst });
      }
      return true;
    },
  },
  {
    name: 'ctz',
    opcodes: [O.Ctz],
    priority: 0,
    doc: 'bsf + cmov: the index of the lowest set bit, or the width for zero.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const size = opSize(ty);
      const x = cx.extendTo32(cx.arg(inst, 0), false);
      const w = cx.constReg(BigInt(bits(ty)), size);
      const idx = cx.tmpInt();
      cx.emit({ kind: 'bit_count', op: 'bsf', size, src: { kind: 'reg', reg: x }, dst: idx });
      cx.emit({ kind: 'cmov', cc: CC.E, size, src1: idx, src2: { kind: 'reg', reg: w }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'popcnt with popcnt',
    opcodes: [O.Popcnt],
    priority: 10,
    doc: 'popcnt (has_popcnt), on the zero-extended value for i8/i16. Beats the bit-twiddling sequence.',
    lower(cx, inst) {
      if (!cx.isaFlags.get('has_popcnt')) return false;
      const ty = cx.ty(inst);
      const src = isNarrow(ty) ? { kind: 'reg' as const, reg: cx.extendTo32(cx.arg(inst, 0), false) } : cx.rm(cx.arg(inst, 0), opSize(ty), inst);
      cx.emit({ kind: 'bit_count', op: 'popcnt', size: opSize(ty), src, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'popcnt',
    opcodes: [O.Popcnt],
    priority: 0,
    doc: 'The SWAR population count: pairs, nibbles, bytes, then a multiply sums the bytes.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      popcntTwiddle(cx, cx.extendTo32(cx.arg(inst, 0), false), opSize(ty), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'bswap',
    opcodes: [O.Bswap],
    priority: 0,
    doc: 'bswap for i32/i64; i16: bswap32 then shift the swapped pair down; i8: a move.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const x = cx.put(cx.arg(inst, 0));
      const dst = cx.def(cx.result(inst));
      if (ty === I8) cx.emit({ kind: 'mov_rr', size: 8, src: x, dst });
      else if (ty === I16) {
        const t = cx.tmpInt();
        cx.emit({ kind: 'bswap', size: 4, src: x, dst: t });
        shiftI(cx, 'shr', 4, t, 16, dst);
      } else cx.emit({ kind: 'bswap', size: opSize(ty), src: x, dst });
      return true;
    },
  },
  {
    name: 'bitrev',
    opcodes: [O.Bitrev],
    priority: 0,
    doc: 'Swap bits, pairs and nibbles with masks, then bswap; i8/i16 reverse 32 bits and shift down.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const size = opSize(ty);
      let x = cx.put(cx.arg(inst, 0));
      x = swapBits(cx, x, 1, 0x5555_5555_5555_5555n & (size === 8 ? -1n : 0xffff_ffffn), size);
      x = swapBits(cx, x, 2, 0x3333_3333_3333_3333n & (size === 8 ? -1n : 0xffff_ffffn), size);
      x = swapBits(cx, x, 4, 0x0f0f_0f0f_0f0f_0f0fn & (size === 8 ? -1n : 0xffff_ffffn), size);
      const dst = cx.def(cx.result(inst));
      if (isNarrow(ty)) {
        const t = cx.tmpInt();
        cx.emit({ kind: 'bswap', size: 4, src: x, dst: t });
        shiftI(cx, 'shr', 4, t, 32 - bits(ty), dst);
      } else cx.emit({ kind: 'bswap', size, src: x, dst });
      return true;
    },
  },

  // ===== Comparisons ==========================================================
  {
    name: 'icmp',
    opcodes: [O.Icmp, O.IcmpImm],
    priority: 0,
    doc: 'cmp + setcc (a branch, select or trap on the result re-emits the cmp and skips the boolean).',
    lower(cx, inst) {
      const imm = cx.dfg.opcode(inst) === O.IcmpImm;
      const cc = cx.emitIcmp(inst, cx.dfg.intCC(inst), imm ? undefined : cx.arg(inst, 1), inst);
      cx.emit({ kind: 'setcc', cc, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fcmp',
    opcodes: [O.Fcmp],
    priority: 0,
    doc: 'ucomiss/ucomisd (operands swapped for lt/le/ugt/uge) + setcc; eq/ne combine two flags.',
    lower(cx, inst) {
      const c = cx.emitFcmp(inst, inst);
      const dst = cx.def(cx.result(inst));
      if (c.cc2 === undefined) cx.emit({ kind: 'setcc', cc: c.cc, dst });
      else cx.emit({ kind: 'setcc2', cc1: c.cc, cc2: c.cc2, combine: c.combine!, dst });
      return true;
    },
  },

  // ===== Floating point ========================================================
  {
    name: 'fadd/fsub/fmul/fdiv',
    opcodes: [O.Fadd, O.Fsub, O.Fmul, O.Fdiv],
    priority: 0,
    doc: 'addss/addsd…: dst = lhs op rhs, rhs may be a single-use load; with has_avx the three-operand vaddss/vaddsd… (no copy of lhs). A NaN operand propagates as the first NaN quieted, as the IR says.',
    lower(cx, inst) {
      const ops = XMM_BIN_OPS[cx.dfg.opcode(inst)]!;
      const op = cx.ty(inst) === F32 ? ops[0] : ops[1];
      const src2 = cx.xrm(cx.arg(inst, 1), inst);
      const src1 = cx.put(cx.arg(inst, 0));
      const dst = cx.def(cx.result(inst));
      cx.emit(cx.isaFlags.get('has_avx') ? { kind: 'xmm_bin_vex', op, src1, src2, dst } : { kind: 'xmm_bin', op, src1, src2, dst });
      return true;
    },
  },
  {
    name: 'fma with FMA',
    opcodes: [O.Fma],
    priority: 10,
    doc: 'vfmadd132ss/sd (has_fma): one rounding in hardware.',
    lower(cx, inst) {
      if (!cx.isaFlags.get('has_fma')) return false;
      const ty = cx.ty(inst);
      cx.emit({ kind: 'fma', size: floatSize(ty), hw: true, a: cx.put(cx.arg(inst, 0)), b: cx.put(cx.arg(inst, 1)), c: cx.put(cx.arg(inst, 2)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fma f32',
    opcodes: [O.Fma],
    priority: 5,
    doc: 'Without FMA, f32: the product is exact in f64; the f64 sum is rounded to odd (toward zero, sticky bit from MXCSR.PE) so the final f32 rounding is correct.',
    lower(cx, inst) {
      if (cx.ty(inst) !== F32) return false;
      cx.emit({ kind: 'fma', size: 4, hw: false, a: cx.put(cx.arg(inst, 0)), b: cx.put(cx.arg(inst, 1)), c: cx.put(cx.arg(inst, 2)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fma f64 without FMA',
    opcodes: [O.Fma],
    priority: 0,
    doc: 'No correct inline sequence yet: unsupported without has_fma.',
    lower(cx) {
      throw new CodegenError('unsupported', 'fma.f64 needs has_fma on x64 (no fused multiply-add fallback yet)', cx.ctx.currentInst);
    },
  },
  {
    name: 'sqrt',
    opcodes: [O.Sqrt],
    priority: 0,
    doc: 'sqrtss/sqrtsd (correctly rounded; NaN operands propagate quieted).',
    lower(cx, inst) {
      cx.emit({ kind: 'xmm_un', op: cx.ty(inst) === F32 ? 'sqrtss' : 'sqrtsd', src: cx.xrm(cx.arg(inst, 0), inst), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fabs/fneg',
    opcodes: [O.Fabs, O.Fneg],
    priority: 0,
    doc: 'andps with ~sign / xorps with sign, 16-byte constants from the pool (bitwise: NaN payloads unchanged).',
    lower(cx, inst) {
      const size = floatSize(cx.ty(inst));
      const abs = cx.dfg.opcode(inst) === O.Fabs;
      const mask = abs ? ~SIGN_BIT[size] & (size === 4 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn) : SIGN_BIT[size];
      cx.emit({ kind: 'xmm_bin', op: abs ? 'andps' : 'xorps', src1: cx.put(cx.arg(inst, 0)), src2: { kind: 'mem', addr: splatConst(mask, size) }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fcopysign',
    opcodes: [O.Fcopysign],
    priority: 0,
    doc: '(x & ~sign) | (y & sign).',
    lower(cx, inst) {
      const size = floatSize(cx.ty(inst));
      const full = size === 4 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
      const mag = cx.tmpFloat();
      const sign = cx.tmpFloat();
      cx.emit({ kind: 'xmm_bin', op: 'andps', src1: cx.put(cx.arg(inst, 0)), src2: { kind: 'mem', addr: splatConst(~SIGN_BIT[size] & full, size) }, dst: mag });
      cx.emit({ kind: 'xmm_bin', op: 'andps', src1: cx.put(cx.arg(inst, 1)), src2: { kind: 'mem', addr: splatConst(SIGN_BIT[size], size) }, dst: sign });
      cx.emit({ kind: 'xmm_bin', op: 'orps', src1: mag, src2: { kind: 'reg', reg: sign }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fmin/fmax',
    opcodes: [O.Fmin, O.Fmax],
    priority: 0,
    doc: 'xmm_minmax_seq: NaN if either is NaN (first NaN quieted), -0 < +0 through or/and of equal operands.',
    lower(cx, inst) {
      cx.emit({
        kind: 'xmm_minmax_seq',
        isMin: cx.dfg.opcode(inst) === O.Fmin,
        size: floatSize(cx.ty(inst)),
        lhs: cx.put(cx.arg(inst, 0)),
        rhs: cx.put(cx.arg(inst, 1)),
        dst: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'ceil/floor/trunc/nearest with SSE4.1',
    opcodes: [O.Ceil, O.Floor, O.Trunc, O.Nearest],
    priority: 10,
    doc: 'roundss/roundsd with the mode immediate (has_sse41): one instruction, beats the fallback sequence.',
    lower(cx, inst) {
      if (!cx.isaFlags.get('has_sse41')) return false;
      const ty = cx.ty(inst);
      cx.emit({
        kind: 'xmm_round',
        op: ty === F32 ? 'roundss' : 'roundsd',
        mode: ROUND_MODE[ROUND_KIND[cx.dfg.opcode(inst)]!],
        src: cx.xrm(cx.arg(inst, 0), inst),
        dst: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'ceil/floor/trunc/nearest',
    opcodes: [O.Ceil, O.Floor, O.Trunc, O.Nearest],
    priority: 0,
    doc: 'round_seq: |x| ≥ 2^mantissa (or NaN: quieted) is already integral; else trunc through cvtt/cvtsi (then ±1 for floor/ceil) or nearest through ±2^mantissa, sign restored.',
    lower(cx, inst) {
      cx.emit({ kind: 'round_seq', size: floatSize(cx.ty(inst)), mode: ROUND_KIND[cx.dfg.opcode(inst)]!, src: cx.put(cx.arg(inst, 0)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },

  // ===== Conversions ===========================================================
  {
    name: 'uextend of a zero-extended i32',
    opcodes: [O.Uextend],
    priority: 10,
    doc: 'i32 → i64 when the i32 comes from an instruction whose 32-bit form already cleared bits 32–63 (ZeroedUpper32): a 64-bit register move, which the allocator coalesces away.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      if (cx.ty(inst) !== I64 || !cx.zeroedUpper32(x)) return false;
      cx.emit({ kind: 'mov_rr', size: 8, src: cx.put(x), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'uextend',
    opcodes: [O.Uextend],
    priority: 0,
    doc: 'movzx from the source width (mov r32, r32 from i32); a single-use load of the source width is merged.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      cx.emit({ kind: 'movzx', ext: extModeOf(cx.typeOf(x), 'l'), src: { kind: 'reg', reg: cx.put(x) }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'sextend',
    opcodes: [O.Sextend],
    priority: 0,
    doc: 'movsx/movsxd from the source width to 32 or 64 bits.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      cx.emit({ kind: 'movsx', ext: extModeOf(cx.typeOf(x), cx.ty(inst) === I64 ? 'q' : 'l'), src: { kind: 'reg', reg: cx.put(x) }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'ireduce',
    opcodes: [O.Ireduce],
    priority: 0,
    doc: 'A register move (the allocator usually coalesces it): the high bits become undefined, which narrow values allow.',
    lower(cx, inst) {
      cx.emit({ kind: 'mov_rr', size: 8, src: cx.put(cx.arg(inst, 0)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fpromote/fdemote',
    opcodes: [O.Fpromote, O.Fdemote],
    priority: 0,
    doc: 'cvtss2sd / cvtsd2ss (NaNs are quieted with their payload shifted, as the IR says).',
    lower(cx, inst) {
      cx.emit({ kind: 'xmm_un', op: cx.dfg.opcode(inst) === O.Fpromote ? 'cvtss2sd' : 'cvtsd2ss', src: cx.xrm(cx.arg(inst, 0), inst), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fcvt_to_sint/uint (trapping and saturating)',
    opcodes: [O.FcvtToSint, O.FcvtToUint, O.FcvtToSintSat, O.FcvtToUintSat],
    priority: 0,
    doc: 'cvt_f2i_seq: cvttss2si/cvttsd2si with range checks (bad_toint for NaN, int_ovf out of range; the _sat forms clamp and give 0 for NaN).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const x = cx.arg(inst, 0);
      cx.emit({
        kind: 'cvt_f2i_seq',
        cvt: {
          srcSize: floatSize(cx.typeOf(x)),
          dstBits: bits(cx.ty(inst)) as 8 | 16 | 32 | 64,
          signed: op === O.FcvtToSint || op === O.FcvtToSintSat,
          sat: op === O.FcvtToSintSat || op === O.FcvtToUintSat,
        },
        src: cx.put(x),
        dst: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'fcvt_from_sint',
    opcodes: [O.FcvtFromSint],
    priority: 0,
    doc: 'cvtsi2ss/cvtsi2sd from 32 or 64 bits (i8/i16 sign-extended to 32): one rounding.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      const xt = cx.typeOf(x);
      cx.emit({
        kind: 'cvt_i2f',
        op: cx.ty(inst) === F32 ? 'cvtsi2ss' : 'cvtsi2sd',
        srcSize: xt === I64 ? 8 : 4,
        src: { kind: 'reg', reg: cx.extendTo32(x, true) },
        dst: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'fcvt_from_uint u64',
    opcodes: [O.FcvtFromUint],
    priority: 10,
    doc: 'cvt_u64_f_seq: below 2^63 a signed conversion; above, halve (keeping the low bit sticky), convert, double.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      if (cx.typeOf(x) !== I64) return false;
      cx.emit({ kind: 'cvt_u64_f_seq', dstSize: floatSize(cx.ty(inst)), src: cx.put(x), dst: cx.def(cx.result(inst)), tmp: cx.tmpInt() });
      return true;
    },
  },
  {
    name: 'fcvt_from_uint',
    opcodes: [O.FcvtFromUint],
    priority: 0,
    doc: 'u8/u16/u32: zero-extend (u32 to 64 bits) and convert as signed: exact range, one rounding.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      const xt = cx.typeOf(x);
      const wide = xt === I32;
      cx.emit({
        kind: 'cvt_i2f',
        op: cx.ty(inst) === F32 ? 'cvtsi2ss' : 'cvtsi2sd',
        srcSize: wide ? 8 : 4,
        src: { kind: 'reg', reg: wide ? cx.zeroExtend64(x) : cx.extendTo32(x, false) },
        dst: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'bitcast',
    opcodes: [O.Bitcast],
    priority: 0,
    doc: 'movd/movq between GPR and XMM; a move within a class.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      const from = cx.typeOf(x);
      const to = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      if (isInt(from) && isFloat(to)) cx.emit({ kind: 'gpr_to_xmm', size: opSize(from), src: { kind: 'reg', reg: cx.put(x) }, dst });
      else if (isFloat(from) && isInt(to)) cx.emit({ kind: 'xmm_to_gpr', size: opSize(to), src: cx.put(x), dst });
      else if (isFloat(from)) cx.emit({ kind: 'xmm_mov_rr', src: cx.put(x), dst });
      else cx.emit({ kind: 'mov_rr', size: 8, src: cx.put(x), dst });
      return true;
    },
  },

  // ===== Selection =============================================================
  {
    name: 'select',
    opcodes: [O.Select, O.SelectSpectreGuard],
    priority: 0,
    doc: 'Flags from the condition (a fused icmp/fcmp, else test), then cmov — or, for floats, a branch around a movaps.',
    lower(cx, inst) {
      const c = cx.arg(inst, 0);
      selectInto(cx, cx.ty(inst), cx.arg(inst, 1), cx.arg(inst, 2), cx.def(cx.result(inst)), () => cx.condFlags(c, inst));
      return true;
    },
  },

  // ===== Memory =================================================================
  {
    name: 'loads',
    opcodes: [O.Load, O.Uload8, O.Sload8, O.Uload16, O.Sload16, O.Uload32, O.Sload32],
    priority: 0,
    doc: 'mov / movzx / movsx / movss / movsd with the address folded into the addressing mode. Memory faults are not trap sites (no signal handlers): the code that can fault is expected to be bounds-checked explicitly.',
    lower(cx, inst) {
      const addr = cx.amode(cx.arg(inst, 0), cx.dfg.offset(inst));
      loadInto(cx, cx.dfg.opcode(inst), cx.ty(inst), addr, cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'stores',
    opcodes: [O.Store, O.Istore8, O.Istore16, O.Istore32],
    priority: 0,
    doc: 'mov [addr], reg/imm of the access width (a constant becomes the immediate); movss/movsd for floats.',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const width = op === O.Istore8 ? 1 : op === O.Istore16 ? 2 : op === O.Istore32 ? 4 : 0;
      storeTo(cx, cx.arg(inst, 0), width, cx.amode(cx.arg(inst, 1), cx.dfg.offset(inst)));
      return true;
    },
  },
  {
    name: 'stack_load',
    opcodes: [O.StackLoad],
    priority: 0,
    doc: 'A load from [rsp + slot offset].',
    lower(cx, inst) {
      loadInto(cx, O.Load, cx.ty(inst), { kind: 'slot', slot: cx.dfg.stackSlot(inst), disp: cx.dfg.offset(inst) }, cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'stack_store',
    opcodes: [O.StackStore],
    priority: 0,
    doc: 'A store to [rsp + slot offset].',
    lower(cx, inst) {
      storeTo(cx, cx.arg(inst, 0), 0, { kind: 'slot', slot: cx.dfg.stackSlot(inst), disp: cx.dfg.offset(inst) });
      return true;
    },
  },
  {
    name: 'stack_addr',
    opcodes: [O.StackAddr],
    priority: 0,
    doc: 'lea [rsp + slot offset].',
    lower(cx, inst) {
      cx.emit({ kind: 'lea', size: opSize(cx.ty(inst)), src: { kind: 'slot', slot: cx.dfg.stackSlot(inst), disp: cx.dfg.offset(inst) }, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },

  // ===== Traps ==================================================================
  {
    name: 'trap',
    opcodes: [O.Trap],
    priority: 0,
    doc: 'A jump to the trap stub (terminator).',
    lower(cx, inst) {
      cx.emit({ kind: 'trap', code: cx.dfg.trapCode(inst) });
      return true;
    },
  },
  {
    name: 'trapz/trapnz',
    opcodes: [O.Trapz, O.Trapnz],
    priority: 0,
    doc: 'Flags from the condition (fused compare or test), then jcc to the out-of-line trap stub.',
    lower(cx, inst) {
      let cond = cx.condFlags(cx.arg(inst, 0), inst);
      if (cx.dfg.opcode(inst) === O.Trapz) cond = invertCond(cond);
      trapIfCond(cx, cond, cx.dfg.trapCode(inst));
      return true;
    },
  },
  {
    name: 'uadd_overflow_trap i32/i64',
    opcodes: [O.UaddOverflowTrap],
    priority: 10,
    doc: 'add, then jc to the trap stub: the carry is the unsigned overflow.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      if (ty !== I32 && ty !== I64) return false;
      aluBinary(cx, inst, 'add', true);
      cx.emit({ kind: 'trap_if', cc: CC.B, code: cx.dfg.trapCode(inst) });
      return true;
    },
  },
  {
    name: 'uadd_overflow_trap i8/i16',
    opcodes: [O.UaddOverflowTrap],
    priority: 0,
    doc: 'Zero-extended 32-bit add; overflow when any bit above the width is set.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      aluR(cx, 'add', 4, cx.extendTo32(cx.arg(inst, 0), false), cx.extendTo32(cx.arg(inst, 1), false), dst);
      cx.emit({ kind: 'test', size: 4, lhs: dst, rhs: { kind: 'imm', imm: ~((1 << bits(ty)) - 1) } });
      cx.emit({ kind: 'trap_if', cc: CC.NE, code: cx.dfg.trapCode(inst) });
      return true;
    },
  },

  // ===== Control flow ============================================================
  {
    name: 'jump',
    opcodes: [O.Jump],
    priority: 0,
    doc: 'jmp (the block arguments travel on the edge; the buffer removes jumps to the next block).',
    lower(cx) {
      cx.emit({ kind: 'jmp', target: cx.targets[0]! });
      return true;
    },
  },
  {
    name: 'brif',
    opcodes: [O.Brif],
    priority: 0,
    doc: 'Flags from the condition (a fused icmp/fcmp compares directly), then jcc taken; jmp not-taken (simplified by the buffer).',
    lower(cx, inst) {
      const c = cx.condFlags(cx.arg(inst, 0), inst);
      cx.emit(
        c.cc2 === undefined
          ? { kind: 'jcond', cc: c.cc, taken: cx.targets[0]!, notTaken: cx.targets[1]! }
          : { kind: 'jcond', cc: c.cc, cc2: c.cc2, combine: c.combine!, taken: cx.targets[0]!, notTaken: cx.targets[1]! },
      );
      return true;
    },
  },
  {
    name: 'br_table',
    opcodes: [O.BrTable],
    priority: 0,
    doc: 'Bounds check (unsigned, so negative indices take the default), then an indirect jump through an inline table of 32-bit offsets.',
    lower(cx, inst) {
      const idx = cx.arg(inst, 0);
      const t = cx.targets;
      if (t.length === 1) {
        cx.emit({ kind: 'jmp', target: t[0]! });
        return true;
      }
      // An i32 index whose upper bits are already clear is used in place (ZeroedUpper32).
      const b = cx.zeroedUpper32(idx) ? 64 : bits(cx.typeOf(idx));
      const tmp1 = cx.tmpInt();
      const tmp2 = cx.tmpInt();
      cx.emit({ kind: 'undef', dst: tmp1 });
      cx.emit({ kind: 'undef', dst: tmp2 });
      cx.emit({
        kind: 'jmp_table',
        idx: cx.put(idx),
        idxBits: b as 8 | 16 | 32 | 64,
        tmp1,
        tmp2,
        defaultTarget: t[0]!,
        targets: t.slice(1),
      });
      return true;
    },
  },
  {
    name: 'return',
    opcodes: [O.Return],
    priority: 0,
    doc: 'Results to their ABI locations (overflow ones through the return-area pointer), then the epilogue and ret.',
    lower(cx, inst) {
      cx.lowerReturn(cx.dfg.instArgs(inst));
      return true;
    },
  },

  // ===== Calls ===================================================================
  {
    name: 'call',
    opcodes: [O.Call],
    priority: 0,
    doc: 'Colocated callee: call rel32 with an X86CallPCRel4 relocation; otherwise movabs r11, addr (Abs8) + call r11.',
    lower(cx, inst) {
      const ext = cx.dfg.extFuncs[cx.dfg.funcRef(inst)]!;
      const sig = cx.dfg.signatures[ext.signature]!;
      cx.lowerCall(inst, sig, { kind: 'name', name: ext.name, colocated: ext.colocated }, cx.dfg.instArgs(inst));
      return true;
    },
  },
  {
    name: 'call_indirect',
    opcodes: [O.CallIndirect],
    priority: 0,
    doc: 'call reg: the callee address in any register not needed for arguments.',
    lower(cx, inst) {
      const sig = cx.dfg.signatures[cx.dfg.sigRef(inst)]!;
      const args = cx.dfg.instArgs(inst);
      cx.lowerCall(inst, sig, { kind: 'reg', reg: cx.put(args[0]!) }, args.slice(1));
      return true;
    },
  },
  {
    name: 'func_addr',
    opcodes: [O.FuncAddr],
    priority: 0,
    doc: 'Colocated: lea rip-relative (X86PCRel4); otherwise movabs (Abs8).',
    lower(cx, inst) {
      const ext = cx.dfg.extFuncs[cx.dfg.funcRef(inst)]!;
      cx.emit({ kind: 'func_addr', name: ext.name, colocated: ext.colocated, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },

  // ===== Machine state ===========================================================
  {
    name: 'get_stack_pointer',
    opcodes: [O.GetStackPointer],
    priority: 0,
    doc: 'mov dst, rsp.',
    lower(cx, inst) {
      cx.emit({ kind: 'get_sp', dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
];

/** Rules per opcode, highest priority first (built once). */
export const RULES_BY_OPCODE: readonly (readonly LowerRule[])[] = (() => {
  const table: LowerRule[][] = Array.from({ length: OPCODE_COUNT }, () => []);
  for (const r of X64_LOWER_RULES) for (const op of r.opcodes) table[op]!.push(r);
  for (const list of table) list.sort((a, b) => b.priority - a.priority);
  return table;
})();

/** Lower `inst` with the first matching rule of its opcode. */
export function dispatchLowering(cx: X64Lower, inst: Inst): void {
  const op = cx.dfg.opcode(inst);
  const rules = RULES_BY_OPCODE[op]!;
  for (let k = 0; k < rules.length; k++) if (rules[k]!.lower(cx, inst)) return;
  throw new CodegenError('unsupported', `no x64 lowering for ${opcodeName(op)}.${typeName(cx.dfg.ctrlType(inst))}`, inst);
}
