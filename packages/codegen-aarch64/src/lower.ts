/**
 * The AArch64 lowering backend: the `LowerBackend` the machine-independent
 * driver (codegen's lower.ts) calls, and the helpers the rules in
 * `lower-rules.ts` are written with — operand helpers that merge
 * definitions into their users (constants into immediates, address
 * arithmetic into addressing modes, compares into flags), width handling
 * for i8/i16/i32 values, and the A64 instructions of the ABI glue
 * (arguments, calls, returns), whose steps are codegen's `MachLowerBackend`.
 *
 * Invariant (NarrowBitsUndefined): as on x64, a value of type i8, i16 or
 * i32 lives in the low bits of an X register and the bits above its width
 * are undefined. A rule whose result depends on those bits (compares,
 * divisions, right shifts, conversions, addresses, bit counts) extends its
 * operand first (`extendTo32`, `extendTo64`); every other rule may leave
 * garbage above the width.
 *
 * Invariant (FlagsAdjacent): see minst.ts.
 */
import { type AbiLoadArea, type AbiPseudoInst, type AbiStoreArea, CodegenError, type Lower, MachLowerBackend, type MachLowerSpec } from '@derrick/codegen';
import {
  F32,
  FloatCC,
  type FunctionStencil,
  I32,
  I64,
  type Inst,
  IntCC,
  Opcode,
  type Type,
  type Value,
  isFloat,
  typeBits,
} from '@derrick/codegen-ir';
import { AARCH64_CLOBBER_SETS, CALL_CLOBBERS, computeSigABI } from './abi.js';
import { encodeImm12 } from './imms.js';
import { type AluOp, type Amode, Cond, type Inst as AInst, type LoadOp, type StoreOp } from './inst.js';
import { type CallTargetM, G, type MInst, type R, minstAdapter, op } from './minst.js';
import type { AArch64Flags } from './settings.js';
import { dispatchLowering } from './lower-rules.js';
import { xzr, type Size, type Vreg } from './regs.js';

/** Operand size for a type's integer operations: 8 for i64, else 4. */
export function opSize(ty: Type): Size {
  return ty === I64 ? 8 : 4;
}

const INTCC_TO_COND: readonly Cond[] = [Cond.Eq, Cond.Ne, Cond.Lt, Cond.Ge, Cond.Gt, Cond.Le, Cond.Lo, Cond.Hs, Cond.Hi, Cond.Ls];

/** The A64 condition for an `IntCC` after `cmp lhs, rhs`. */
export function condOfIntCC(cc: IntCC): Cond {
  return INTCC_TO_COND[cc]!;
}

export function isSignedIntCC(cc: IntCC): boolean {
  return cc >= IntCC.SignedLessThan && cc <= IntCC.SignedLessThanOrEqual;
}

/**
 * The condition for an `fcmp` after `fcmp a, b` (NZCV: less 1000, equal
 * 0110, greater 0010, unordered 0011). `one` and `ueq` need two conditions
 * (`cc` or `cc2`).
 */
export function floatCondOf(cc: FloatCC): { cc: Cond; cc2?: Cond } {
  switch (cc) {
    case FloatCC.Ordered:
      return { cc: Cond.Vc };
    case FloatCC.Unordered:
      return { cc: Cond.Vs };
    case FloatCC.Equal:
      return { cc: Cond.Eq };
    case FloatCC.NotEqual:
      return { cc: Cond.Ne };
    case FloatCC.OrderedNotEqual:
      return { cc: Cond.Mi, cc2: Cond.Gt };
    case FloatCC.UnorderedOrEqual:
      return { cc: Cond.Eq, cc2: Cond.Vs };
    case FloatCC.LessThan:
      return { cc: Cond.Mi };
    case FloatCC.LessThanOrEqual:
      return { cc: Cond.Ls };
    case FloatCC.GreaterThan:
      return { cc: Cond.Gt };
    case FloatCC.GreaterThanOrEqual:
      return { cc: Cond.Ge };
    case FloatCC.UnorderedOrLessThan:
      return { cc: Cond.Lt };
    case FloatCC.UnorderedOrLessThanOrEqual:
      return { cc: Cond.Le };
    case FloatCC.UnorderedOrGreaterThan:
      return { cc: Cond.Hi };
    case FloatCC.UnorderedOrGreaterThanOrEqual:
      return { cc: Cond.Pl };
    default:
      throw new CodegenError('unsupported', `unknown float condition ${cc as number}`);
  }
}

export function invertCond(c: Cond): Cond {
  return (c ^ 1) as Cond;
}

/** A memory operand over vregs, with the paths of its register fields. */
export interface VAddr {
  readonly addr: Amode;
  readonly uses: readonly string[];
}

/** What the shared lowering scaffolding needs to know about AArch64. */
const AARCH64_LOWER_SPEC: MachLowerSpec = { name: 'aarch64', computeSigABI, callClobbers: CALL_CLOBBERS };

/**
 * The per-function lowering backend (one instance per compiled function):
 * codegen's `MachLowerBackend` (state, small helpers, ABI glue) with the
 * A64 instruction builders and operand helpers the rules use.
 */
export class AArch64Lower extends MachLowerBackend<MInst, AArch64Flags, CallTargetM> {
  constructor(stencil: FunctionStencil, isaFlags: AArch64Flags) {
    super(stencil, isaFlags, minstAdapter(AARCH64_CLOBBER_SETS), AARCH64_LOWER_SPEC);
  }

  // ---- LowerBackend ------------------------------------------------------------

  override lowerInst(_ctx: Lower<MInst>, inst: Inst): void {
    dispatchLowering(this, inst);
  }

  override lowerBranch(_ctx: Lower<MInst>, inst: Inst, targets: readonly number[]): void {
    this.targets = targets;
    dispatchLowering(this, inst);
  }

  // ---- What MachLowerBackend's ABI glue builds with -------------------------------

  protected override pseudo(m: AbiPseudoInst<CallTargetM>): MInst {
    return m;
  }

  protected override genAbiLoad(area: AbiLoadArea, offset: number, type: Type, rt: R): MInst {
    return isFloat(type)
      ? { kind: 'frame_mem', store: false, area, slot: 0, disp: offset, fpSize: type === F32 ? 4 : 8, rt }
      : { kind: 'frame_mem', store: false, area, slot: 0, disp: offset, op: 'ldr_x', rt };
  }

  /** `ret_area_ptr`: through the pointer the caller passed in x8 (kept in `retAreaPtr`). */
  protected override genAbiStore(area: AbiStoreArea, offset: number, type: Type, rt: R): MInst {
    if (area === 'ret_area_ptr') {
      const addr: Amode = { kind: 'offset', rn: G(this.retAreaPtr), offset };
      return isFloat(type)
        ? op({ kind: 'fpu_store', size: type === F32 ? 4 : 8, rt: rt as Vreg, addr }, ['rt', 'addr.rn'], [])
        : op({ kind: 'store', op: 'str_x', rt: G(rt), addr }, ['rt', 'addr.rn'], []);
    }
    return isFloat(type)
      ? { kind: 'frame_mem', store: true, area, slot: 0, disp: offset, fpSize: type === F32 ? 4 : 8, rt }
      : { kind: 'frame_mem', store: true, area, slot: 0, disp: offset, op: 'str_x', rt };
  }

  protected override genRetAreaAddr(dst: R): MInst {
    return { kind: 'frame_addr', area: 'ret_area', slot: 0, disp: 0, dst };
  }

  // ---- Instruction builders (register fields are vregs) -------------------------

  /** Emit one A64 instruction over vregs. */
  op(inst: AInst, uses: readonly string[], defs: readonly string[]): void {
    this.ctx.emit(op(inst, uses, defs));
  }
  /** `dst = a op b` (shifted-register form). */
  alu(opName: AluOp, size: Size, a: R, b: R, dst: R = this.tmpInt()): R {
    this.op({ kind: 'alu_rrr', op: opName, size, rd: G(dst), rn: G(a), rm: G(b) }, ['rn', 'rm'], ['rd']);
    return dst;
  }
  /** `dst = a op #imm` when `imm` is an add/sub immediate, else through a register. */
  aluImm(opName: 'add' | 'sub', size: Size, a: R, imm: bigint, dst: R = this.tmpInt()): R {
    const s = BigInt.asIntN(size * 8, imm);
    let o: 'add' | 'sub' = opName;
    let m = s;
    if (s < 0n && s > -0x1000000n) {
      o = opName === 'add' ? 'sub' : 'add';
      m = -s;
    }
    const enc = m >= 0n && m < 0x1000000n ? encodeImm12(Number(m)) : undefined;
    if (enc !== undefined) {
      this.op({ kind: 'alu_rr_imm12', op: o, size, rd: G(dst), rn: G(a), imm12: enc.imm12, lsl12: enc.lsl12 }, ['rn'], ['rd']);
      return dst;
    }
    return this.alu(opName, size, a, this.constReg(imm, size), dst);
  }
  constReg(value: bigint, size: Size = 8): R {
    const t = this.tmpInt();
    this.emit({ kind: 'iconst', value: BigInt.asUintN(size * 8, value), size, dst: t });
    return t;
  }
  bitfield(kind: 'sbfm' | 'ubfm', size: Size, src: R, immr: number, imms: number, dst: R = this.tmpInt()): R {
    this.op({ kind: 'bit_field', op: kind, size, rd: G(dst), rn: G(src), immr, imms }, ['rn'], ['rd']);
    return dst;
  }
  cmp(size: Size, a: R, b: R): void {
    this.op({ kind: 'alu_rrr', op: 'subs', size, rd: xzr, rn: G(a), rm: G(b) }, ['rn', 'rm'], []);
  }
  /** `cmp a, #imm` (any constant: imm12, negated imm12 via cmn, or a register). */
  cmpImm(size: Size, a: R, imm: bigint): void {
    const s = BigInt.asIntN(size * 8, imm);
    const pos = s >= 0n && s < 0x1000000n ? encodeImm12(Number(s)) : undefined;
    if (pos !== undefined) {
      this.op({ kind: 'alu_rr_imm12', op: 'subs', size, rd: xzr, rn: G(a), imm12: pos.imm12, lsl12: pos.lsl12 }, ['rn'], []);
      return;
    }
    const neg = s < 0n && -s < 0x1000000n ? encodeImm12(Number(-s)) : undefined;
    if (neg !== undefined) {
      this.op({ kind: 'alu_rr_imm12', op: 'adds', size, rd: xzr, rn: G(a), imm12: neg.imm12, lsl12: neg.lsl12 }, ['rn'], []);
      return;
    }
    this.cmp(size, a, this.constReg(imm, size));
  }
  cset(dst: R, cond: Cond): R {
    this.op({ kind: 'csel', op: 'csinc', size: 4, rd: G(dst), rn: xzr, rm: xzr, cond: invertCond(cond) }, [], ['rd']);
    return dst;
  }
  csel(size: Size, dst: R, a: R, b: R, cond: Cond): R {
    this.op({ kind: 'csel', op: 'csel', size, rd: G(dst), rn: G(a), rm: G(b), cond }, ['rn', 'rm'], ['rd']);
    return dst;
  }

  /**
   * `v` with its bits above the width defined for a 32-bit (or, for i64,
   * 64-bit) operation: i8/i16 are zero- or sign-extended to 32 bits.
   */
  extendTo32(v: Value, signed: boolean): R {
    const ty = this.typeOf(v);
    if (ty === I32 || ty === I64) return this.put(v);
    const w = typeBits(ty);
    return this.bitfield(signed ? 'sbfm' : 'ubfm', 4, this.put(v), 0, w - 1);
  }
  /** `v` zero- or sign-extended to 64 bits. */
  override extendTo64(v: Value, signed: boolean): R {
    const ty = this.typeOf(v);
    if (ty === I64) return this.put(v);
    const w = typeBits(ty);
    if (!signed) return this.bitfield('ubfm', 4, this.put(v), 0, w - 1);
    return this.bitfield('sbfm', 8, this.put(v), 0, w - 1);
  }

  /**
   * Set the flags for `v` as a condition (non-zero = true) and return the
   * condition that is true when `v` is: an `icmp`/`fcmp` definition is
   * re-emitted as a compare; anything else is compared with zero.
   */
  condFlags(v: Value): Cond {
    const icmp = this.ctx.localDefOf(v, Opcode.Icmp);
    if (icmp >= 0) return this.emitIcmp(icmp, this.dfg.intCC(icmp), this.dfg.arg(icmp, 1));
    const icmpImm = this.ctx.localDefOf(v, Opcode.IcmpImm);
    if (icmpImm >= 0) return this.emitIcmp(icmpImm, this.dfg.intCC(icmpImm), undefined);
    const fcmp = this.ctx.localDefOf(v, Opcode.Fcmp);
    if (fcmp >= 0) {
      const f = floatCondOf(this.dfg.floatCC(fcmp));
      if (f.cc2 === undefined) {
        this.emitFcmp(fcmp);
        return f.cc;
      }
    }
    const ty = this.typeOf(v);
    this.cmpImm(opSize(ty), this.extendTo32(v, false), 0n);
    return Cond.Ne;
  }

  /**
   * Is `v` a condition `condFlags` would have to compare with zero (not a
   * fusable `icmp`/`icmp_imm`/single-condition `fcmp`)? Then a branch or
   * trap on it is better a `cbz`/`cbnz` on the value itself.
   */
  isPlainCondition(v: Value): boolean {
    if (this.ctx.localDefOf(v, Opcode.Icmp) >= 0 || this.ctx.localDefOf(v, Opcode.IcmpImm) >= 0) return false;
    const fcmp = this.ctx.localDefOf(v, Opcode.Fcmp);
    return fcmp < 0 || floatCondOf(this.dfg.floatCC(fcmp)).cc2 !== undefined;
  }

  /** Emit `cmp` for an integer compare and return its condition. */
  emitIcmp(icmp: Inst, cc: IntCC, rhs: Value | undefined): Cond {
    const lhs = this.dfg.arg(icmp, 0);
    const ty = this.typeOf(lhs);
    const size = opSize(ty);
    const w = typeBits(ty);
    const narrow = w < 32;
    const signed = isSignedIntCC(cc);
    const l = narrow ? this.extendTo32(lhs, signed) : this.put(lhs);
    const c = rhs === undefined ? this.dfg.imm64(icmp) : this.ctx.constValue(rhs);
    if (c !== undefined) {
      const u = BigInt.asUintN(w, c);
      const ext = signed ? BigInt.asIntN(w, u) : u;
      this.cmpImm(size, l, ext);
    } else {
      this.cmp(size, l, narrow ? this.extendTo32(rhs!, signed) : this.put(rhs!));
    }
    return condOfIntCC(cc);
  }

  /** Emit `fcmp a, b` for an `fcmp` instruction. */
  emitFcmp(fcmp: Inst): void {
    const a = this.dfg.arg(fcmp, 0);
    const b = this.dfg.arg(fcmp, 1);
    const size = this.typeOf(a) === F32 ? 4 : 8;
    this.op({ kind: 'fpu_cmp', size, rn: this.put(a) as Vreg, rm: this.put(b) as Vreg }, ['rn', 'rm'], []);
  }

  /**
   * The address `base + offset` for an access of `bytes` bytes: folds
   * `iadd x, y` (register index) and `iadd x, const` (offset) when the
   * address is 64-bit; a 32-bit address is zero-extended.
   */
  amode(addr: Value, offset: number, bytes: number): VAddr {
    const ty = this.typeOf(addr);
    let base: R;
    let off = BigInt(offset);
    if (ty !== I64) base = this.extendTo64(addr, false);
    else {
      const add = this.ctx.localDefOf(addr, Opcode.Iadd);
      const addi = this.ctx.localDefOf(addr, Opcode.IaddImm);
      if (add >= 0) {
        const x = this.dfg.arg(add, 0);
        const y = this.dfg.arg(add, 1);
        const cy = this.ctx.constValue(y);
        if (cy !== undefined) {
          base = this.put(x);
          off += BigInt.asIntN(64, cy);
        } else if (offset === 0) {
          const ue = this.ctx.localDefOf(y, Opcode.Uextend);
          if (ue >= 0 && this.typeOf(this.dfg.arg(ue, 0)) === I32) {
            return { addr: { kind: 'reg', rn: G(this.put(x)), rm: G(this.put(this.dfg.arg(ue, 0))), extend: 'uxtw', shifted: false }, uses: ['addr.rn', 'addr.rm'] };
          }
          return { addr: { kind: 'reg', rn: G(this.put(x)), rm: G(this.put(y)), extend: 'lsl', shifted: false }, uses: ['addr.rn', 'addr.rm'] };
        } else base = this.put(addr);
      } else if (addi >= 0) {
        base = this.put(this.dfg.arg(addi, 0));
        off += BigInt.asIntN(64, this.dfg.imm64(addi));
      } else base = this.put(addr);
    }
    if (off >= 0n && off % BigInt(bytes) === 0n && off / BigInt(bytes) < 4096n) {
      return { addr: { kind: 'offset', rn: G(base), offset: Number(off) }, uses: ['addr.rn'] };
    }
    if (off >= -256n && off <= 255n) return { addr: { kind: 'unscaled', rn: G(base), offset: Number(off) }, uses: ['addr.rn'] };
    const o = this.constReg(off, 8);
    return { addr: { kind: 'reg', rn: G(base), rm: G(o), extend: 'lsl', shifted: false }, uses: ['addr.rn', 'addr.rm'] };
  }

  load(opName: LoadOp, a: VAddr, dst: R): void {
    this.op({ kind: 'load', op: opName, rt: G(dst), addr: a.addr }, a.uses, ['rt']);
  }
  store(opName: StoreOp, src: R, a: VAddr): void {
    this.op({ kind: 'store', op: opName, rt: G(src), addr: a.addr }, ['rt', ...a.uses], []);
  }
  fload(size: 4 | 8, a: VAddr, dst: R): void {
    this.op({ kind: 'fpu_load', size, rt: dst as Vreg, addr: a.addr }, a.uses, ['rt']);
  }
  fstore(size: 4 | 8, src: R, a: VAddr): void {
    this.op({ kind: 'fpu_store', size, rt: src as Vreg, addr: a.addr }, ['rt', ...a.uses], []);
  }
}
