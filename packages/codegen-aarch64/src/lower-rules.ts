/**
 * AArch64 lowering rules, as data: for every scalar IR opcode, one or more
 * `LowerRule`s — a pattern and the machine code it emits — with explicit
 * priorities (Cranelift's ISLE rules in TypeScript form), dispatched like
 * x64's: an opcode's rules are tried from the highest priority down; a rule
 * returns `false` without emitting when its pattern does not match. Every
 * opcode ends with a rule that always matches (priority 0).
 *
 * Merging happens through the helpers of `AArch64Lower` (lower.ts):
 * constants become immediates (`aluImm`, `cmpImm`), address arithmetic is
 * folded into addressing modes (`amode`), and `condFlags` re-emits an
 * `icmp`/`fcmp` as a compare for a flags consumer (`brif`, `select`,
 * `trapz`/`trapnz`).
 */
import { CodegenError } from '@derrick/codegen';
import { F32, I16, I32, I64, I8, type Inst, Opcode, OPCODE_COUNT, type Type, type Value, isFloat, isInt, opcodeName, typeBits, typeName } from '@derrick/codegen-ir';
import { Cond, type Dp1Op, type Dp2Op, type FpuRROp, type FpuRRROp, type LoadOp, type LogicOp, type StoreOp } from './inst.js';
import { encodeLogicalImm } from './imms.js';
import { type AArch64Lower, floatCondOf, invertCond, opSize } from './lower.js';
import { G, type R } from './minst.js';
import { xzr, type Size, type Vreg } from './regs.js';

export interface LowerRule {
  readonly name: string;
  readonly opcodes: readonly Opcode[];
  /** Higher runs first. */
  readonly priority: number;
  /** The case this rule covers and why its priority. */
  readonly doc: string;
  readonly lower: (cx: AArch64Lower, inst: Inst) => boolean;
}

const O = Opcode;
const bits = (ty: Type): number => typeBits(ty);
const isNarrow = (ty: Type): boolean => ty === I8 || ty === I16;
const fsize = (ty: Type): 4 | 8 => (ty === F32 ? 4 : 8);
const V = (r: R): Vreg => r as Vreg;

function logicImm(cx: AArch64Lower, opName: 'and' | 'orr' | 'eor', size: Size, a: R, imm: bigint, dst: R): void {
  const u = BigInt.asUintN(size * 8, imm);
  if (encodeLogicalImm(u, size) !== undefined) {
    cx.op({ kind: 'alu_rr_imm_logic', op: opName, size, rd: G(dst), rn: G(a), imm: u }, ['rn'], ['rd']);
  } else {
    cx.alu(opName, size, a, cx.constReg(u, size), dst);
  }
}

function unary(cx: AArch64Lower, kind: Dp1Op, size: Size, src: R, dst: R = cx.tmpInt()): R {
  cx.op({ kind: 'bit_rr', op: kind, size, rd: G(dst), rn: G(src) }, ['rn'], ['rd']);
  return dst;
}
function dp2(cx: AArch64Lower, kind: Dp2Op, size: Size, a: R, b: R, dst: R = cx.tmpInt()): R {
  cx.op({ kind: 'alu_2src', op: kind, size, rd: G(dst), rn: G(a), rm: G(b) }, ['rn', 'rm'], ['rd']);
  return dst;
}
function madd(cx: AArch64Lower, kind: 'madd' | 'msub', size: Size, n: R, m: R, a: R | undefined, dst: R): void {
  if (a === undefined) cx.op({ kind: 'alu_rrrr', op: kind, size, rd: G(dst), rn: G(n), rm: G(m), ra: xzr }, ['rn', 'rm'], ['rd']);
  else cx.op({ kind: 'alu_rrrr', op: kind, size, rd: G(dst), rn: G(n), rm: G(m), ra: G(a) }, ['rn', 'rm', 'ra'], ['rd']);
}
function fpuRR(cx: AArch64Lower, kind: FpuRROp, size: 4 | 8, src: R, dst: R): void {
  cx.op({ kind: 'fpu_rr', op: kind, size, rd: V(dst), rn: V(src) }, ['rn'], ['rd']);
}
function fpuRRR(cx: AArch64Lower, kind: FpuRRROp, size: 4 | 8, a: R, b: R, dst: R): void {
  cx.op({ kind: 'fpu_rrr', op: kind, size, rd: V(dst), rn: V(a), rm: V(b) }, ['rn', 'rm'], ['rd']);
}

/** Shift/rotate by a constant `n` (already reduced modulo the width). */
function shiftConst(cx: AArch64Lower, op: Opcode, ty: Type, x: Value, n: number, dst: R): void {
  const w = bits(ty);
  const size = opSize(ty);
  const sb = size * 8;
  if (n === 0) {
    cx.emit({ kind: 'mov', float: false, size: 8, src: cx.put(x), dst });
    return;
  }
  switch (op) {
    case O.Ishl:
      cx.bitfield('ubfm', size, cx.put(x), (sb - n) % sb, sb - 1 - n, dst);
      return;
    case O.Ushr:
      // ubfx: bits n..w-1 of x (the bits above w are ignored).
      cx.bitfield('ubfm', size, cx.put(x), n, w - 1, dst);
      return;
    case O.Sshr:
      cx.bitfield('sbfm', size, cx.put(x), n, w - 1, dst);
      return;
    default: {
      // Rotates: ror by n (rotr) or w − n (rotl); narrow values are replicated across 32 bits first.
      const r = op === O.Rotr ? n : (w - n) % w;
      const src = isNarrow(ty) ? replicate(cx, ty, x) : cx.put(x);
      cx.op({ kind: 'extr', size, rd: G(dst), rn: G(src), rm: G(src), lsb: r }, ['rn', 'rm'], ['rd']);
    }
  }
}

/** An i8/i16 value replicated across a 32-bit register (so a 32-bit rotate rotates it). */
function replicate(cx: AArch64Lower, ty: Type, x: Value): R {
  const z = cx.extendTo32(x, false);
  const m = cx.constReg(ty === I8 ? 0x0101_0101n : 0x0001_0001n, 4);
  const t = cx.tmpInt();
  madd(cx, 'madd', 4, z, m, undefined, t);
  return t;
}

function shiftByImm(cx: AArch64Lower, inst: Inst, c: bigint): void {
  const ty = cx.ty(inst);
  const n = Number(BigInt.asUintN(64, c) % BigInt(bits(ty)));
  shiftConst(cx, SHIFT_OPS[cx.dfg.opcode(inst)]!, ty, cx.arg(inst, 0), n, cx.def(cx.result(inst)));
}

function constOf(cx: AArch64Lower, v: Value): bigint | undefined {
  return cx.ctx.constValue(v);
}

const SHIFT_OPS: Partial<Record<Opcode, Opcode>> = {
  [O.Ishl]: O.Ishl,
  [O.Ushr]: O.Ushr,
  [O.Sshr]: O.Sshr,
  [O.Rotl]: O.Rotl,
  [O.Rotr]: O.Rotr,
  [O.IshlImm]: O.Ishl,
  [O.UshrImm]: O.Ushr,
  [O.SshrImm]: O.Sshr,
  [O.RotlImm]: O.Rotl,
  [O.RotrImm]: O.Rotr,
};

function loadOpOf(op: Opcode, ty: Type): LoadOp {
  const x = ty === I64;
  switch (op) {
    case O.Uload8:
      return 'ldrb';
    case O.Sload8:
      return x ? 'ldrsb_x' : 'ldrsb_w';
    case O.Uload16:
      return 'ldrh';
    case O.Sload16:
      return x ? 'ldrsh_x' : 'ldrsh_w';
    case O.Uload32:
      return 'ldr_w';
    case O.Sload32:
      return 'ldrsw';
    default:
      return ty === I8 ? 'ldrb' : ty === I16 ? 'ldrh' : ty === I32 ? 'ldr_w' : 'ldr_x';
  }
}
const LOAD_BYTES: Record<LoadOp, number> = { ldrb: 1, ldrsb_w: 1, ldrsb_x: 1, ldrh: 2, ldrsh_w: 2, ldrsh_x: 2, ldr_w: 4, ldrsw: 4, ldr_x: 8 };

function storeOpOf(width: number, ty: Type): StoreOp {
  const b = width !== 0 ? width : bits(ty) / 8;
  return b === 1 ? 'strb' : b === 2 ? 'strh' : b === 4 ? 'str_w' : 'str_x';
}

/** `select`-style: flags from `cond`, then csel/fcsel of `a` (true) and `b`. */
function selectInto(cx: AArch64Lower, ty: Type, a: Value, b: Value, dst: R, flags: () => Cond): void {
  const ra = cx.put(a);
  const rb = cx.put(b);
  const c = flags();
  if (isFloat(ty)) cx.op({ kind: 'fpu_csel', size: fsize(ty), rd: V(dst), rn: V(ra), rm: V(rb), cond: c }, ['rn', 'rm'], ['rd']);
  else cx.csel(8, dst, ra, rb, c);
}

/** Materialize an `fcmp` as 0/1 in `dst`. */
function fcmpInto(cx: AArch64Lower, inst: Inst, dst: R): void {
  const f = floatCondOf(cx.dfg.floatCC(inst));
  cx.emitFcmp(inst);
  if (f.cc2 === undefined) {
    cx.cset(dst, f.cc);
    return;
  }
  // dst = cc || cc2: t = cset cc2; dst = cc ? 1 : t  (csinc dst, t, xzr, !cc → !cc ? t : 0+1).
  const t = cx.cset(cx.tmpInt(), f.cc2);
  cx.op({ kind: 'csel', op: 'csinc', size: 4, rd: G(dst), rn: G(t), rm: xzr, cond: invertCond(f.cc) }, ['rn'], ['rd']);
}

export const AARCH64_LOWER_RULES: readonly LowerRule[] = [
  // ===== Constants ==========================================================
  {
    name: 'iconst',
    opcodes: [O.Iconst],
    priority: 0,
    doc: 'movz/movn/movk or orr with a logical immediate (loadConstant picks the shortest).',
    lower(cx, inst) {
      cx.emit({ kind: 'iconst', value: cx.dfg.immBits(inst), size: opSize(cx.ty(inst)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'fconst',
    opcodes: [O.F32const, O.F64const],
    priority: 0,
    doc: 'fmov immediate when encodable, fmov from xzr for +0.0, else through x16; payloads bit for bit.',
    lower(cx, inst) {
      const f32 = cx.dfg.opcode(inst) === O.F32const;
      const b = f32 ? BigInt(cx.dfg.ieee32Bits(inst)) : cx.dfg.ieee64Bits(inst);
      cx.emit({ kind: 'fconst', size: f32 ? 4 : 8, bits: b, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  { name: 'nop', opcodes: [O.Nop], priority: 0, doc: 'Nothing to emit.', lower: () => true },

  // ===== Integer arithmetic ===================================================
  {
    name: 'iadd/isub with an immediate',
    opcodes: [O.Iadd, O.Isub],
    priority: 10,
    doc: 'add/sub #imm12 (or the opposite op for a negative constant): no register for the constant.',
    lower(cx, inst) {
      const c = constOf(cx, cx.arg(inst, 1));
      if (c === undefined) return false;
      const size = opSize(cx.ty(inst));
      const s = BigInt.asIntN(size * 8, c);
      if (!(s > -0x1000000n && s < 0x1000000n)) return false;
      cx.aluImm(cx.dfg.opcode(inst) === O.Iadd ? 'add' : 'sub', size, cx.put(cx.arg(inst, 0)), c, cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'iadd/isub',
    opcodes: [O.Iadd, O.Isub],
    priority: 0,
    doc: 'add/sub (shifted register).',
    lower(cx, inst) {
      cx.alu(cx.dfg.opcode(inst) === O.Iadd ? 'add' : 'sub', opSize(cx.ty(inst)), cx.put(cx.arg(inst, 0)), cx.put(cx.arg(inst, 1)), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'imul',
    opcodes: [O.Imul],
    priority: 0,
    doc: 'mul = madd with xzr.',
    lower(cx, inst) {
      madd(cx, 'madd', opSize(cx.ty(inst)), cx.put(cx.arg(inst, 0)), cx.put(cx.arg(inst, 1)), undefined, cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'imul_imm',
    opcodes: [O.ImulImm],
    priority: 0,
    doc: 'mul by a materialized constant.',
    lower(cx, inst) {
      const size = opSize(cx.ty(inst));
      madd(cx, 'madd', size, cx.put(cx.arg(inst, 0)), cx.constReg(cx.dfg.imm64(inst), size), undefined, cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'umulhi/smulhi',
    opcodes: [O.Umulhi, O.Smulhi],
    priority: 0,
    doc: 'i64: umulh/smulh. Narrower: extend to 64 bits, multiply, shift the product right by the width.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const signed = cx.dfg.opcode(inst) === O.Smulhi;
      const dst = cx.def(cx.result(inst));
      if (ty === I64) {
        cx.op({ kind: 'mul_high', op: signed ? 'smulh' : 'umulh', rd: G(dst), rn: G(cx.put(cx.arg(inst, 0))), rm: G(cx.put(cx.arg(inst, 1))) }, ['rn', 'rm'], ['rd']);
        return true;
      }
      const a = cx.extendTo64(cx.arg(inst, 0), signed);
      const b = cx.extendTo64(cx.arg(inst, 1), signed);
      const p = cx.tmpInt();
      madd(cx, 'madd', 8, a, b, undefined, p);
      const w = bits(ty);
      cx.bitfield(signed ? 'sbfm' : 'ubfm', 8, p, w, 63, dst);
      return true;
    },
  },
  {
    name: 'sdiv/udiv/srem/urem',
    opcodes: [O.Sdiv, O.Udiv, O.Srem, O.Urem],
    priority: 0,
    doc: 'The checked div pseudo: int_divz on zero, int_ovf on MIN/-1; remainders through msub. i8/i16 are extended to 32 bits first.',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const ty = cx.ty(inst);
      const signed = op === O.Sdiv || op === O.Srem;
      const rem = op === O.Srem || op === O.Urem;
      const x = cx.extendTo32(cx.arg(inst, 0), signed);
      const y = cx.extendTo32(cx.arg(inst, 1), signed);
      cx.emit({ kind: 'div', size: opSize(ty), signed, rem, narrowBits: isNarrow(ty) ? (bits(ty) as 8 | 16) : 0, x, y, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'ineg',
    opcodes: [O.Ineg],
    priority: 0,
    doc: 'neg = sub from xzr.',
    lower(cx, inst) {
      const dst = cx.def(cx.result(inst));
      cx.op({ kind: 'alu_rrr', op: 'sub', size: opSize(cx.ty(inst)), rd: G(dst), rn: xzr, rm: G(cx.put(cx.arg(inst, 0))) }, ['rm'], ['rd']);
      return true;
    },
  },
  {
    name: 'iabs',
    opcodes: [O.Iabs],
    priority: 0,
    doc: 'cmp x, #0; csneg x, x, ge (narrow values sign-extended first).',
    lower(cx, inst) {
      const size = opSize(cx.ty(inst));
      const x = cx.extendTo32(cx.arg(inst, 0), true);
      cx.cmpImm(size, x, 0n);
      const dst = cx.def(cx.result(inst));
      cx.op({ kind: 'csel', op: 'csneg', size, rd: G(dst), rn: G(x), rm: G(x), cond: Cond.Ge }, ['rn', 'rm'], ['rd']);
      return true;
    },
  },
  {
    name: 'smin/smax/umin/umax',
    opcodes: [O.Smin, O.Smax, O.Umin, O.Umax],
    priority: 0,
    doc: 'cmp + csel on the extended operands.',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const signed = op === O.Smin || op === O.Smax;
      const size = opSize(cx.ty(inst));
      const a = cx.extendTo32(cx.arg(inst, 0), signed);
      const b = cx.extendTo32(cx.arg(inst, 1), signed);
      cx.cmp(size, a, b);
      const c = op === O.Smin ? Cond.Lt : op === O.Smax ? Cond.Gt : op === O.Umin ? Cond.Lo : Cond.Hi;
      cx.csel(size, cx.def(cx.result(inst)), a, b, c);
      return true;
    },
  },
  {
    name: 'iadd_imm/band_imm/bor_imm/bxor_imm',
    opcodes: [O.IaddImm, O.BandImm, O.BorImm, O.BxorImm],
    priority: 0,
    doc: 'add #imm12 / logical immediate when encodable, else a materialized constant.',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const size = opSize(cx.ty(inst));
      const a = cx.put(cx.arg(inst, 0));
      const dst = cx.def(cx.result(inst));
      const imm = cx.dfg.imm64(inst);
      if (op === O.IaddImm) cx.aluImm('add', size, a, imm, dst);
      else logicImm(cx, op === O.BandImm ? 'and' : op === O.BorImm ? 'orr' : 'eor', size, a, imm, dst);
      return true;
    },
  },
  {
    name: 'irsub_imm',
    opcodes: [O.IrsubImm],
    priority: 0,
    doc: 'imm − x = sub(const, x).',
    lower(cx, inst) {
      const size = opSize(cx.ty(inst));
      cx.alu('sub', size, cx.constReg(cx.dfg.imm64(inst), size), cx.put(cx.arg(inst, 0)), cx.def(cx.result(inst)));
      return true;
    },
  },

  // ===== Bitwise ==============================================================
  {
    name: 'bitwise on floats',
    opcodes: [O.Band, O.Bor, O.Bxor, O.BandNot, O.BorNot, O.BxorNot, O.Bnot],
    priority: 20,
    doc: 'Float bit patterns: through integer registers (fmov to GPRs, the integer op, fmov back). Wins over the integer rules, which would allocate the wrong register class.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      if (!isFloat(ty)) return false;
      const op = cx.dfg.opcode(inst);
      const size = fsize(ty);
      const toGpr = (x: Value): R => {
        const t = cx.tmpInt();
        cx.op({ kind: 'fmov_to_gpr', size, rd: G(t), rn: V(cx.put(x)) }, ['rn'], ['rd']);
        return t;
      };
      const a = toGpr(cx.arg(inst, 0));
      let r: R;
      if (op === O.Bnot) {
        r = cx.tmpInt();
        cx.op({ kind: 'alu_rrr', op: 'orn', size, rd: G(r), rn: xzr, rm: G(a) }, ['rm'], ['rd']);
      } else {
        const m: Partial<Record<Opcode, LogicOp>> = { [O.Band]: 'and', [O.Bor]: 'orr', [O.Bxor]: 'eor', [O.BandNot]: 'bic', [O.BorNot]: 'orn', [O.BxorNot]: 'eon' };
        r = cx.alu(m[op]!, size, a, toGpr(cx.arg(inst, 1)));
      }
      cx.op({ kind: 'fmov_from_gpr', size, rd: V(cx.def(cx.result(inst))), rn: G(r) }, ['rn'], ['rd']);
      return true;
    },
  },
  {
    name: 'band/bor/bxor with a logical immediate',
    opcodes: [O.Band, O.Bor, O.Bxor],
    priority: 10,
    doc: 'and/orr/eor #bitmask when the constant is a logical immediate.',
    lower(cx, inst) {
      const c = constOf(cx, cx.arg(inst, 1));
      const size = opSize(cx.ty(inst));
      if (c === undefined || encodeLogicalImm(BigInt.asUintN(size * 8, c), size) === undefined) return false;
      const op = cx.dfg.opcode(inst);
      logicImm(cx, op === O.Band ? 'and' : op === O.Bor ? 'orr' : 'eor', size, cx.put(cx.arg(inst, 0)), c, cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'band/bor/bxor/band_not/bor_not/bxor_not',
    opcodes: [O.Band, O.Bor, O.Bxor, O.BandNot, O.BorNot, O.BxorNot],
    priority: 0,
    doc: 'and/orr/eor/bic/orn/eon (shifted register).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const m: Partial<Record<Opcode, LogicOp>> = { [O.Band]: 'and', [O.Bor]: 'orr', [O.Bxor]: 'eor', [O.BandNot]: 'bic', [O.BorNot]: 'orn', [O.BxorNot]: 'eon' };
      cx.alu(m[op]!, opSize(cx.ty(inst)), cx.put(cx.arg(inst, 0)), cx.put(cx.arg(inst, 1)), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'bnot',
    opcodes: [O.Bnot],
    priority: 0,
    doc: 'mvn = orn with xzr.',
    lower(cx, inst) {
      const dst = cx.def(cx.result(inst));
      cx.op({ kind: 'alu_rrr', op: 'orn', size: opSize(cx.ty(inst)), rd: G(dst), rn: xzr, rm: G(cx.put(cx.arg(inst, 0))) }, ['rm'], ['rd']);
      return true;
    },
  },
  {
    name: 'shift/rotate by a constant',
    opcodes: [O.Ishl, O.Ushr, O.Sshr, O.Rotl, O.Rotr],
    priority: 10,
    doc: 'A constant amount: bitfield moves (lsl/ubfx/sbfx) and extr for rotates, the amount reduced modulo the width — one instruction, and narrow right shifts need no separate extension. Beats the register forms.',
    lower(cx, inst) {
      const c = constOf(cx, cx.arg(inst, 1));
      if (c === undefined) return false;
      shiftByImm(cx, inst, c);
      return true;
    },
  },
  {
    name: 'shift/rotate immediate forms',
    opcodes: [O.IshlImm, O.UshrImm, O.SshrImm, O.RotlImm, O.RotrImm],
    priority: 0,
    doc: 'As a constant amount (above).',
    lower(cx, inst) {
      shiftByImm(cx, inst, cx.dfg.imm64(inst));
      return true;
    },
  },
  {
    name: 'shift/rotate',
    opcodes: [O.Ishl, O.Ushr, O.Sshr, O.Rotl, O.Rotr],
    priority: 0,
    doc: 'lslv/lsrv/asrv/rorv (the hardware takes the amount modulo 32/64, the IR semantics for i32/i64); rotl = rorv by the negated amount; i8/i16 mask the amount (shifts) or replicate the value (rotates).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const ty = cx.ty(inst);
      const size = opSize(ty);
      const dst = cx.def(cx.result(inst));
      const x = cx.arg(inst, 0);
      let amt = cx.put(cx.arg(inst, 1));
      const w = bits(ty);
      if (op === O.Rotl || op === O.Rotr) {
        const src = isNarrow(ty) ? replicate(cx, ty, x) : cx.put(x);
        if (op === O.Rotl) {
          const t = cx.tmpInt();
          cx.op({ kind: 'alu_rrr', op: 'sub', size, rd: G(t), rn: xzr, rm: G(amt) }, ['rm'], ['rd']);
          amt = t;
        }
        dp2(cx, 'rorv', size, src, amt, dst);
        return true;
      }
      if (isNarrow(ty)) {
        const t = cx.tmpInt();
        logicImm(cx, 'and', 4, amt, BigInt(w - 1), t);
        amt = t;
      }
      const src = op === O.Ishl ? cx.put(x) : cx.extendTo32(x, op === O.Sshr);
      dp2(cx, op === O.Ishl ? 'lslv' : op === O.Ushr ? 'lsrv' : 'asrv', size, src, amt, dst);
      return true;
    },
  },
  {
    name: 'clz/cls',
    opcodes: [O.Clz, O.Cls],
    priority: 0,
    doc: 'clz/cls; i8/i16 count on the 32-bit extension and subtract 32 − width.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const isCls = cx.dfg.opcode(inst) === O.Cls;
      const dst = cx.def(cx.result(inst));
      const src = cx.extendTo32(cx.arg(inst, 0), isCls);
      if (!isNarrow(ty)) {
        unary(cx, isCls ? 'cls' : 'clz', opSize(ty), src, dst);
        return true;
      }
      const t = unary(cx, isCls ? 'cls' : 'clz', 4, src);
      cx.aluImm('sub', 4, t, BigInt(32 - bits(ty)), dst);
      return true;
    },
  },
  {
    name: 'ctz',
    opcodes: [O.Ctz],
    priority: 0,
    doc: 'rbit + clz; i8/i16 set bit `width` first so an all-zero value counts to the width.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      let src = cx.put(cx.arg(inst, 0));
      if (isNarrow(ty)) {
        const t = cx.tmpInt();
        logicImm(cx, 'orr', 4, src, 1n << BigInt(bits(ty)), t);
        src = t;
      }
      const size = opSize(ty);
      unary(cx, 'clz', size, unary(cx, 'rbit', size, src), dst);
      return true;
    },
  },
  {
    name: 'popcnt',
    opcodes: [O.Popcnt],
    priority: 0,
    doc: 'NEON: fmov to a vector register, cnt v.8b, addv b, umov (narrow values zero-extended).',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      cx.emit({ kind: 'popcnt', size: opSize(ty), src: cx.extendTo32(cx.arg(inst, 0), false), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'bswap',
    opcodes: [O.Bswap],
    priority: 0,
    doc: 'rev16 (i16), rev w (i32), rev x (i64).',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      const src = cx.put(cx.arg(inst, 0));
      if (ty === I16) unary(cx, 'rev16', 4, src, dst);
      else if (ty === I8) cx.emit({ kind: 'mov', float: false, size: 8, src, dst });
      else unary(cx, 'rev', opSize(ty), src, dst);
      return true;
    },
  },
  {
    name: 'bitrev',
    opcodes: [O.Bitrev],
    priority: 0,
    doc: 'rbit; i8/i16: rbit w then shift right by 32 − width.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      const src = cx.put(cx.arg(inst, 0));
      if (!isNarrow(ty)) {
        unary(cx, 'rbit', opSize(ty), src, dst);
        return true;
      }
      const t = unary(cx, 'rbit', 4, src);
      cx.bitfield('ubfm', 4, t, 32 - bits(ty), 31, dst);
      return true;
    },
  },

  // ===== Comparisons ============================================================
  {
    name: 'icmp/icmp_imm',
    opcodes: [O.Icmp, O.IcmpImm],
    priority: 0,
    doc: 'cmp (imm12/cmn/register) + cset.',
    lower(cx, inst) {
      const rhs = cx.dfg.opcode(inst) === O.Icmp ? cx.arg(inst, 1) : undefined;
      const c = cx.emitIcmp(inst, cx.dfg.intCC(inst), rhs);
      cx.cset(cx.def(cx.result(inst)), c);
      return true;
    },
  },
  {
    name: 'fcmp',
    opcodes: [O.Fcmp],
    priority: 0,
    doc: 'fcmp + cset (one/ueq: two conditions combined with csinc).',
    lower(cx, inst) {
      fcmpInto(cx, inst, cx.def(cx.result(inst)));
      return true;
    },
  },

  // ===== Floating point ===========================================================
  {
    name: 'fadd/fsub/fmul/fdiv/fmin/fmax',
    opcodes: [O.Fadd, O.Fsub, O.Fmul, O.Fdiv, O.Fmin, O.Fmax],
    priority: 0,
    doc: 'The scalar FP forms. AArch64 fmin/fmax already are IEEE 754-2019 minimum/maximum: NaN-propagating, and −0 < +0 — exactly wasm’s fmin/fmax.',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const m: Partial<Record<Opcode, FpuRRROp>> = { [O.Fadd]: 'fadd', [O.Fsub]: 'fsub', [O.Fmul]: 'fmul', [O.Fdiv]: 'fdiv', [O.Fmin]: 'fmin', [O.Fmax]: 'fmax' };
      fpuRRR(cx, m[op]!, fsize(cx.ty(inst)), cx.put(cx.arg(inst, 0)), cx.put(cx.arg(inst, 1)), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'fma',
    opcodes: [O.Fma],
    priority: 0,
    doc: 'fmadd rd = c + a·b, rounded once (base AArch64 has it: no flag needed), behind fcmp checks that give a NaN operand the IR’s priority (a, b, then c).',
    lower(cx, inst) {
      const a = cx.put(cx.arg(inst, 0));
      const b = cx.put(cx.arg(inst, 1));
      const c = cx.put(cx.arg(inst, 2));
      cx.emit({ kind: 'fma', size: fsize(cx.ty(inst)), a, b, c, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'sqrt/fabs/fneg/ceil/floor/trunc/nearest',
    opcodes: [O.Sqrt, O.Fabs, O.Fneg, O.Ceil, O.Floor, O.Trunc, O.Nearest],
    priority: 0,
    doc: 'fsqrt/fabs/fneg and the frint family: frintp (ceil), frintm (floor), frintz (trunc), frintn (nearest, ties to even).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const m: Partial<Record<Opcode, FpuRROp>> = {
        [O.Sqrt]: 'fsqrt',
        [O.Fabs]: 'fabs',
        [O.Fneg]: 'fneg',
        [O.Ceil]: 'frintp',
        [O.Floor]: 'frintm',
        [O.Trunc]: 'frintz',
        [O.Nearest]: 'frintn',
      };
      fpuRR(cx, m[op]!, fsize(cx.ty(inst)), cx.put(cx.arg(inst, 0)), cx.def(cx.result(inst)));
      return true;
    },
  },
  {
    name: 'fcopysign',
    opcodes: [O.Fcopysign],
    priority: 0,
    doc: 'Through integer registers: (a & ~sign) | (b & sign).',
    lower(cx, inst) {
      const size = fsize(cx.ty(inst));
      const sign = size === 4 ? 0x8000_0000n : 0x8000_0000_0000_0000n;
      const a = cx.tmpInt();
      const b = cx.tmpInt();
      cx.op({ kind: 'fmov_to_gpr', size, rd: G(a), rn: V(cx.put(cx.arg(inst, 0))) }, ['rn'], ['rd']);
      cx.op({ kind: 'fmov_to_gpr', size, rd: G(b), rn: V(cx.put(cx.arg(inst, 1))) }, ['rn'], ['rd']);
      const a2 = cx.tmpInt();
      const b2 = cx.tmpInt();
      logicImm(cx, 'and', size, a, ~sign, a2);
      logicImm(cx, 'and', size, b, sign, b2);
      const r = cx.alu('orr', size, a2, b2);
      cx.op({ kind: 'fmov_from_gpr', size, rd: V(cx.def(cx.result(inst))), rn: G(r) }, ['rn'], ['rd']);
      return true;
    },
  },
  {
    name: 'fpromote/fdemote',
    opcodes: [O.Fpromote, O.Fdemote],
    priority: 0,
    doc: 'fcvt between single and double.',
    lower(cx, inst) {
      const from = fsize(cx.typeOf(cx.arg(inst, 0)));
      const to = fsize(cx.ty(inst));
      const dst = cx.def(cx.result(inst));
      const src = cx.put(cx.arg(inst, 0));
      if (from === to) cx.emit({ kind: 'mov', float: true, size: 8, src, dst });
      else cx.op({ kind: 'fpu_cvt', from, to, rd: V(dst), rn: V(src) }, ['rn'], ['rd']);
      return true;
    },
  },
  {
    name: 'fcvt_to_sint/uint (_sat)',
    opcodes: [O.FcvtToSint, O.FcvtToUint, O.FcvtToSintSat, O.FcvtToUintSat],
    priority: 0,
    doc: 'fcvtzs/fcvtzu saturate natively (NaN → 0); the trapping forms check NaN (bad_toint) and range (int_ovf) first; narrow results clamp.',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const signed = op === O.FcvtToSint || op === O.FcvtToSintSat;
      const sat = op === O.FcvtToSintSat || op === O.FcvtToUintSat;
      cx.emit({
        kind: 'cvt_f2i',
        cvt: { srcSize: fsize(cx.typeOf(cx.arg(inst, 0))), dstBits: bits(cx.ty(inst)) as 8 | 16 | 32 | 64, signed, sat },
        src: cx.put(cx.arg(inst, 0)),
        dst: cx.def(cx.result(inst)),
      });
      return true;
    },
  },
  {
    name: 'fcvt_from_sint/uint',
    opcodes: [O.FcvtFromSint, O.FcvtFromUint],
    priority: 0,
    doc: 'scvtf/ucvtf from a W or X register (narrow values extended first).',
    lower(cx, inst) {
      const signed = cx.dfg.opcode(inst) === O.FcvtFromSint;
      const x = cx.arg(inst, 0);
      const src = cx.extendTo32(x, signed);
      cx.op(
        { kind: 'int_to_fpu', op: signed ? 'scvtf' : 'ucvtf', srcSize: opSize(cx.typeOf(x)), dstSize: fsize(cx.ty(inst)), rd: V(cx.def(cx.result(inst))), rn: G(src) },
        ['rn'],
        ['rd'],
      );
      return true;
    },
  },
  {
    name: 'bitcast',
    opcodes: [O.Bitcast],
    priority: 0,
    doc: 'fmov between register files; a move within one.',
    lower(cx, inst) {
      const x = cx.arg(inst, 0);
      const from = cx.typeOf(x);
      const to = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      if (isInt(from) && isFloat(to)) cx.op({ kind: 'fmov_from_gpr', size: opSize(from), rd: V(dst), rn: G(cx.put(x)) }, ['rn'], ['rd']);
      else if (isFloat(from) && isInt(to)) cx.op({ kind: 'fmov_to_gpr', size: opSize(to), rd: G(dst), rn: V(cx.put(x)) }, ['rn'], ['rd']);
      else cx.emit({ kind: 'mov', float: isFloat(from), size: 8, src: cx.put(x), dst });
      return true;
    },
  },

  // ===== Extensions ==================================================================
  {
    name: 'uextend/sextend',
    opcodes: [O.Uextend, O.Sextend],
    priority: 0,
    doc: 'uxtb/uxth/mov w (32-bit writes zero the top) and sxtb/sxth/sxtw.',
    lower(cx, inst) {
      const signed = cx.dfg.opcode(inst) === O.Sextend;
      const x = cx.arg(inst, 0);
      const w = bits(cx.typeOf(x));
      const to = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      if (!signed) {
        if (w === 32) cx.emit({ kind: 'mov', float: false, size: 4, src: cx.put(x), dst });
        else cx.bitfield('ubfm', 4, cx.put(x), 0, w - 1, dst);
      } else cx.bitfield('sbfm', to === I64 ? 8 : 4, cx.put(x), 0, w - 1, dst);
      return true;
    },
  },
  {
    name: 'ireduce',
    opcodes: [O.Ireduce],
    priority: 0,
    doc: 'A move (the bits above the narrower width are undefined anyway).',
    lower(cx, inst) {
      cx.emit({ kind: 'mov', float: false, size: 8, src: cx.put(cx.arg(inst, 0)), dst: cx.def(cx.result(inst)) });
      return true;
    },
  },

  // ===== Selection =============================================================
  {
    name: 'select',
    opcodes: [O.Select, O.SelectSpectreGuard],
    priority: 0,
    doc: 'Flags from the condition (a fused icmp/fcmp, else cmp #0), then csel/fcsel.',
    lower(cx, inst) {
      const c = cx.arg(inst, 0);
      selectInto(cx, cx.ty(inst), cx.arg(inst, 1), cx.arg(inst, 2), cx.def(cx.result(inst)), () => cx.condFlags(c));
      return true;
    },
  },

  // ===== Memory =================================================================
  {
    name: 'loads',
    opcodes: [O.Load, O.Uload8, O.Sload8, O.Uload16, O.Sload16, O.Uload32, O.Sload32],
    priority: 0,
    doc: 'ldr/ldrb/ldrh/ldrs* of the access width, address folded (scaled/unscaled offset, register index, uxtw index).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      if (isFloat(ty)) {
        cx.fload(fsize(ty), cx.amode(cx.arg(inst, 0), cx.dfg.offset(inst), fsize(ty)), dst);
        return true;
      }
      const lop = loadOpOf(op, ty);
      cx.load(lop, cx.amode(cx.arg(inst, 0), cx.dfg.offset(inst), LOAD_BYTES[lop]), dst);
      return true;
    },
  },
  {
    name: 'stores',
    opcodes: [O.Store, O.Istore8, O.Istore16, O.Istore32],
    priority: 0,
    doc: 'str/strb/strh/str w/str s/str d of the access width (a zero constant stores xzr).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const v = cx.arg(inst, 0);
      const ty = cx.typeOf(v);
      if (isFloat(ty)) {
        cx.fstore(fsize(ty), cx.put(v), cx.amode(cx.arg(inst, 1), cx.dfg.offset(inst), fsize(ty)));
        return true;
      }
      const width = op === O.Istore8 ? 1 : op === O.Istore16 ? 2 : op === O.Istore32 ? 4 : 0;
      const sop = storeOpOf(width, ty);
      const a = cx.amode(cx.arg(inst, 1), cx.dfg.offset(inst), width || bits(ty) / 8);
      const c = constOf(cx, v);
      if (c !== undefined && BigInt.asUintN(bits(ty), c) === 0n) {
        cx.op({ kind: 'store', op: sop, rt: xzr, addr: a.addr }, a.uses, []);
      } else cx.store(sop, cx.put(v), a);
      return true;
    },
  },
  {
    name: 'stack_load/stack_store/stack_addr',
    opcodes: [O.StackLoad, O.StackStore, O.StackAddr],
    priority: 0,
    doc: 'Accesses at [sp + slot offset] (frame pseudo-instructions, resolved once the frame is laid out).',
    lower(cx, inst) {
      const op = cx.dfg.opcode(inst);
      const slot = cx.dfg.stackSlot(inst);
      const disp = cx.dfg.offset(inst);
      if (op === O.StackAddr) {
        cx.emit({ kind: 'frame_addr', area: 'slot', slot, disp, dst: cx.def(cx.result(inst)) });
        return true;
      }
      const a = cx.tmpInt();
      cx.emit({ kind: 'frame_addr', area: 'slot', slot, disp, dst: a });
      const va = { addr: { kind: 'offset' as const, rn: G(a), offset: 0 }, uses: ['addr.rn'] };
      if (op === O.StackLoad) {
        const ty = cx.ty(inst);
        if (isFloat(ty)) cx.fload(fsize(ty), va, cx.def(cx.result(inst)));
        else cx.load(loadOpOf(O.Load, ty), va, cx.def(cx.result(inst)));
      } else {
        const v = cx.arg(inst, 0);
        const ty = cx.typeOf(v);
        if (isFloat(ty)) cx.fstore(fsize(ty), cx.put(v), va);
        else cx.store(storeOpOf(0, ty), cx.put(v), va);
      }
      return true;
    },
  },

  // ===== Traps ==================================================================
  {
    name: 'trap',
    opcodes: [O.Trap],
    priority: 0,
    doc: 'A branch to the trap stub (terminator).',
    lower(cx, inst) {
      cx.emit({ kind: 'trap', code: cx.dfg.trapCode(inst) });
      return true;
    },
  },
  {
    name: 'trapz/trapnz on a plain value',
    opcodes: [O.Trapz, O.Trapnz],
    priority: 10,
    doc: 'A condition that is not a fusable compare: cbz/cbnz straight to the trap stub (no cmp). Beats the flags form, which would need cmp #0.',
    lower(cx, inst) {
      const c = cx.arg(inst, 0);
      if (!cx.isPlainCondition(c)) return false;
      const nonzero = cx.dfg.opcode(inst) === O.Trapnz;
      cx.emit({ kind: 'trap_if_zero', nonzero, size: opSize(cx.typeOf(c)), rt: cx.extendTo32(c, false), code: cx.dfg.trapCode(inst) });
      return true;
    },
  },
  {
    name: 'trapz/trapnz',
    opcodes: [O.Trapz, O.Trapnz],
    priority: 0,
    doc: 'Flags from the condition (fused compare, or cmp #0), then b.cond to the trap stub.',
    lower(cx, inst) {
      let c = cx.condFlags(cx.arg(inst, 0));
      if (cx.dfg.opcode(inst) === O.Trapz) c = invertCond(c);
      cx.emit({ kind: 'trap_if', cond: c, code: cx.dfg.trapCode(inst) });
      return true;
    },
  },
  {
    name: 'uadd_overflow_trap',
    opcodes: [O.UaddOverflowTrap],
    priority: 0,
    doc: 'i32/i64: adds, trap on carry (b.hs). i8/i16: 32-bit add of the zero-extended values, trap when a bit above the width is set.',
    lower(cx, inst) {
      const ty = cx.ty(inst);
      const dst = cx.def(cx.result(inst));
      const code = cx.dfg.trapCode(inst);
      if (!isNarrow(ty)) {
        cx.alu('adds', opSize(ty), cx.put(cx.arg(inst, 0)), cx.put(cx.arg(inst, 1)), dst);
        cx.emit({ kind: 'trap_if', cond: Cond.Hs, code });
        return true;
      }
      cx.alu('add', 4, cx.extendTo32(cx.arg(inst, 0), false), cx.extendTo32(cx.arg(inst, 1), false), dst);
      cx.op({ kind: 'alu_rr_imm_logic', op: 'ands', size: 4, rd: xzr, rn: G(dst), imm: BigInt.asUintN(32, ~((1n << BigInt(bits(ty))) - 1n)) }, ['rn'], []);
      cx.emit({ kind: 'trap_if', cond: Cond.Ne, code });
      return true;
    },
  },

  // ===== Control flow ============================================================
  {
    name: 'jump',
    opcodes: [O.Jump],
    priority: 0,
    doc: 'b (the buffer removes jumps to the next block).',
    lower(cx) {
      cx.emit({ kind: 'jmp', target: cx.targets[0]! });
      return true;
    },
  },
  {
    name: 'brif on a plain value',
    opcodes: [O.Brif],
    priority: 10,
    doc: 'A condition that is not a fusable compare: cbnz taken; b not-taken. Beats the flags form (cmp #0 + b.ne).',
    lower(cx, inst) {
      const c = cx.arg(inst, 0);
      if (!cx.isPlainCondition(c)) return false;
      cx.emit({ kind: 'br_zero', nonzero: true, size: opSize(cx.typeOf(c)), rt: cx.extendTo32(c, false), taken: cx.targets[0]!, notTaken: cx.targets[1]! });
      return true;
    },
  },
  {
    name: 'brif',
    opcodes: [O.Brif],
    priority: 0,
    doc: 'Flags from the condition (a fused icmp/fcmp compares directly), then b.cond taken; b not-taken (simplified by the buffer).',
    lower(cx, inst) {
      const c = cx.condFlags(cx.arg(inst, 0));
      cx.emit({ kind: 'br', cond: c, taken: cx.targets[0]!, notTaken: cx.targets[1]! });
      return true;
    },
  },
  {
    name: 'br_table',
    opcodes: [O.BrTable],
    priority: 0,
    doc: 'Bounds check (unsigned), then adr + ldrsw + add + br through an inline table of 32-bit offsets.',
    lower(cx, inst) {
      const t = cx.targets;
      if (t.length === 1) {
        cx.emit({ kind: 'jmp', target: t[0]! });
        return true;
      }
      const idx = cx.arg(inst, 0);
      const r = bits(cx.typeOf(idx)) < 32 ? cx.extendTo32(idx, false) : cx.put(idx);
      cx.emit({ kind: 'jmp_table', idx: r, idx64: cx.typeOf(idx) === I64, defaultTarget: t[0]!, targets: t.slice(1) });
      return true;
    },
  },
  {
    name: 'return',
    opcodes: [O.Return],
    priority: 0,
    doc: 'Results to their ABI locations, then the epilogue and ret.',
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
    doc: 'Colocated callee: bl with an Arm64Call relocation (a Branch26 use in text layout); otherwise ldr x16, =addr (Abs8) + blr x16.',
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
    doc: 'blr reg.',
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
    doc: 'Colocated: adr to the function (not yet: needs a PC-relative relocation kind); otherwise a literal with an Abs8 relocation.',
    lower(cx, inst) {
      const ext = cx.dfg.extFuncs[cx.dfg.funcRef(inst)]!;
      cx.emit({ kind: 'func_addr', name: ext.name, colocated: ext.colocated, dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
  {
    name: 'get_stack_pointer',
    opcodes: [O.GetStackPointer],
    priority: 0,
    doc: 'mov dst, sp (add #0).',
    lower(cx, inst) {
      cx.emit({ kind: 'get_sp', dst: cx.def(cx.result(inst)) });
      return true;
    },
  },
];

export const RULES_BY_OPCODE: readonly (readonly LowerRule[])[] = (() => {
  const table: LowerRule[][] = Array.from({ length: OPCODE_COUNT }, () => []);
  for (const r of AARCH64_LOWER_RULES) for (const op of r.opcodes) table[op]!.push(r);
  for (const list of table) list.sort((a, b) => b.priority - a.priority);
  return table;
})();

/** Lower `inst` with the first matching rule of its opcode. */
export function dispatchLowering(cx: AArch64Lower, inst: Inst): void {
  const op = cx.dfg.opcode(inst);
  const rules = RULES_BY_OPCODE[op]!;
  for (let k = 0; k < rules.length; k++) if (rules[k]!.lower(cx, inst)) return;
  throw new CodegenError('unsupported', `no aarch64 lowering for ${opcodeName(op)}.${typeName(cx.dfg.ctrlType(inst))}`, inst);
}

