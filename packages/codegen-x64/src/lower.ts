/**
 * The x64 lowering backend: the `LowerBackend` the machine-independent
 * driver (codegen's lower.ts) calls, and the helpers the rules in
 * `lower-rules.ts` are written with.
 *
 * The rules themselves are data (`X64_LOWER_RULES`): for each IR opcode, a
 * list of rules sorted by priority; `lowerInst` tries them in order and the
 * first whose pattern matches emits. This file holds what the rules share:
 * operand helpers that merge definitions into their users (constants into
 * immediates, single-use loads into memory operands, address arithmetic into
 * addressing modes, compares into flags), width handling for i8/i16
 * values, and the x64 instructions of the ABI glue (arguments, calls,
 * returns), whose steps are codegen's `MachLowerBackend`.
 *
 * Invariant (NarrowBitsUndefined): a value of type i8, i16 or i32 lives in
 * the low bits of a 64-bit register; the bits above its width are
 * undefined. Every rule whose result depends on those bits (compares,
 * divisions, right shifts, conversions, address computation, bit counts)
 * extends its operand first (`extendTo32`, `zeroExtend64`); every other rule
 * may leave garbage above the width.
 *
 * Invariant (FlagsAdjacent): an instruction that reads the flags (`jcond`,
 * `setcc`, `cmov`, `trap_if`, `xmm_cmove`) is emitted in the same group as,
 * and right after, the instruction that sets them; only register-allocator
 * moves (`mov`, which leave the flags alone) can come between them.
 */
import {
  type AbiLoadArea,
  type AbiPseudoInst,
  type AbiStoreArea,
  CodegenError,
  type Lower,
  MachLowerBackend,
  type MachLowerSpec,
} from '@derrick/codegen';
import {
  FloatCC,
  type FunctionStencil,
  I32,
  I64,
  F32,
  F64,
  type Inst,
  IntCC,
  Opcode,
  type Type,
  type Value,
  isFloat,
  typeBits,
  typeName,
} from '@derrick/codegen-ir';
import { CALL_CLOBBERS, X64_CLOBBER_SETS, computeSigABI } from './abi.js';
import { CC, type ExtMode } from './inst.js';
import { type CallTargetM, type MInst, type R, type VAmode, type VRM, type VRMI, minstAdapter } from './minst.js';
import type { X64Flags } from './settings.js';
import { dispatchLowering } from './lower-rules.js';

/** Operand size for a type's integer operations: 8 for i64, else 4. */
export function opSize(ty: Type): 4 | 8 {
  return ty === I64 ? 8 : 4;
}

const INTCC_TO_CC: readonly CC[] = [CC.E, CC.NE, CC.L, CC.GE, CC.G, CC.LE, CC.B, CC.AE, CC.A, CC.BE];

/** x86 condition for an `IntCC` after `cmp lhs, rhs`. */
export function ccOfIntCC(cc: IntCC): CC {
  return INTCC_TO_CC[cc]!;
}

/** Is `cc` a signed comparison (operands need sign extension when narrow)? */
export function isSignedIntCC(cc: IntCC): boolean {
  return cc >= IntCC.SignedLessThan && cc <= IntCC.SignedLessThanOrEqual;
}

/** The flags test for an `fcmp` after `ucomis lhs, rhs` (with `swap`, `ucomis rhs, lhs`). */
export interface FloatFlags {
  readonly swap: boolean;
  readonly cc: CC;
  /** A second condition, combined with `combine` (only `eq`: E and NP; `ne`: NE or P). */
  readonly cc2?: CC;
  readonly combine?: 'and' | 'or';
}

/** `ucomis a, b`: unordered sets ZF PF CF; a < b sets CF; a == b sets ZF. */
export function floatFlagsOf(cc: FloatCC): FloatFlags {
  switch (cc) {
    case FloatCC.Ordered:
      return { swap: false, cc: CC.NP };
    case FloatCC.Unordered:
      return { swap: false, cc: CC.P };
    case FloatCC.Equal:
      return { swap: false, cc: CC.E, cc2: CC.NP, combine: 'and' };
    case FloatCC.NotEqual:
      return { swap: false, cc: CC.NE, cc2: CC.P, combine: 'or' };
    case FloatCC.OrderedNotEqual:
      return { swap: false, cc: CC.NE };
    case FloatCC.UnorderedOrEqual:
      return { swap: false, cc: CC.E };
    case FloatCC.GreaterThan:
      return { swap: false, cc: CC.A };
    case FloatCC.GreaterThanOrEqual:
      return { swap: false, cc: CC.AE };
    case FloatCC.LessThan:
      return { swap: true, cc: CC.A };
    case FloatCC.LessThanOrEqual:
      return { swap: true, cc: CC.AE };
    case FloatCC.UnorderedOrLessThan:
      return { swap: false, cc: CC.B };
    case FloatCC.UnorderedOrLessThanOrEqual:
      return { swap: false, cc: CC.BE };
    case FloatCC.UnorderedOrGreaterThan:
      return { swap: true, cc: CC.B };
    case FloatCC.UnorderedOrGreaterThanOrEqual:
      return { swap: true, cc: CC.BE };
    default:
      throw new CodegenError('unsupported', `unknown float condition ${cc as number}`);
  }
}

/** A condition ready for a flags consumer: `cc` (or `cc combine cc2`). */
export interface Cond {
  readonly cc: CC;
  readonly cc2?: CC;
  readonly combine?: 'and' | 'or';
}

/** The negation of a condition (De Morgan for two-flag conditions). */
export function invertCond(c: Cond): Cond {
  if (c.cc2 === undefined) return { cc: (c.cc ^ 1) as CC };
  return { cc: (c.cc ^ 1) as CC, cc2: (c.cc2 ^ 1) as CC, combine: c.combine === 'and' ? 'or' : 'and' };
}

function bytesOfBits(bits: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let v = BigInt.asUintN(n * 8, bits);
  for (let i = 0; i < n; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A 16-byte constant whose every lane (4 or 8 bytes) holds `bits`. */
export function splatConst(bits: bigint, laneBytes: 4 | 8): VAmode {
  const lane = bytesOfBits(bits, laneBytes);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += laneBytes) bytes.set(lane, i);
  return { kind: 'const', bytes, align: 16 };
}

/** A scalar constant of `size` bytes. */
export function scalarConst(bits: bigint, size: 4 | 8): VAmode {
  return { kind: 'const', bytes: bytesOfBits(bits, size), align: size };
}

export const SIGN_BIT: Record<4 | 8, bigint> = { 4: 0x8000_0000n, 8: 0x8000_0000_0000_0000n };

/** What the shared lowering scaffolding needs to know about x64. */
const X64_LOWER_SPEC: MachLowerSpec = { name: 'x64', computeSigABI, callClobbers: CALL_CLOBBERS };

/**
 * The per-function lowering backend (one instance per compiled function):
 * codegen's `MachLowerBackend` (state, small helpers, ABI glue) with the x64
 * rules' operand helpers and instructions.
 */
export class X64Lower extends MachLowerBackend<MInst, X64Flags, CallTargetM> {
  constructor(stencil: FunctionStencil, isaFlags: X64Flags) {
    super(stencil, isaFlags, minstAdapter(X64_CLOBBER_SETS), X64_LOWER_SPEC);
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

  protected override genAbiLoad(area: AbiLoadArea, offset: number, type: Type, dst: R): MInst {
    const src: VAmode = { kind: area, disp: offset };
    return isFloat(type) ? { kind: 'xmm_load', op: type === F32 ? 'movss' : 'movsd', src, dst } : { kind: 'load', size: 8, src, dst };
  }

  protected override genAbiStore(area: AbiStoreArea, offset: number, type: Type, src: R): MInst {
    const dst: VAmode = area === 'outgoing_arg' ? { kind: 'outgoing_arg', disp: offset } : { kind: 'reg_disp', base: this.retAreaPtr, disp: offset };
    return isFloat(type) ? { kind: 'xmm_store', op: type === F32 ? 'movss' : 'movsd', src, dst } : { kind: 'store', size: 8, src, dst };
  }

  protected override genRetAreaAddr(dst: R): MInst {
    return { kind: 'lea', size: 8, src: { kind: 'ret_area', disp: 0 }, dst };
  }

  override extendTo64(v: Value, signed: boolean): R {
    return signed ? this.signExtend64(v) : this.zeroExtend64(v);
  }

  // ---- Operand helpers the rules use -------------------------------------------

  /**
   * If `v` is an `iconst` usable as the signed 32-bit immediate of a
   * `size`-byte operation on type `ty`, that immediate. For narrow types and
   * i32 any constant works (only the low bits matter); an i64 constant must
   * be a sign-extended 32-bit value.
   */
  immOf(v: Value, size: 4 | 8): number | undefined {
    const c = this.ctx.constValue(v);
    if (c === undefined) return undefined;
    return imm32For(c, size);
  }

  /** `v` as a register, an immediate, or (single-use load of the right width) a memory operand. */
  rmi(v: Value, size: 4 | 8, user: Inst): VRMI {
    const imm = this.immOf(v, size);
    if (imm !== undefined) return { kind: 'imm', imm };
    return this.rm(v, size, user);
  }

  /** `v` as a register or (`user` ≥ 0) a sunk single-use load of exactly `size` bytes. */
  rm(v: Value, size: 4 | 8, user: Inst): VRM {
    const ty = this.typeOf(v);
    if (user >= 0 && ((ty === I32 && size === 4) || (ty === I64 && size === 8))) {
      const load = this.loadOfWidth(v, size);
      if (load >= 0 && this.ctx.sinkLoad(v, user) === load) {
        return { kind: 'mem', addr: this.amode(this.dfg.arg(load, 0), this.dfg.offset(load)) };
      }
    }
    return { kind: 'reg', reg: this.put(v) };
  }

  /** A float operand: register or (`user` ≥ 0) a sunk single-use float load of the same type. */
  xrm(v: Value, user: Inst): VRM {
    const ty = this.typeOf(v);
    const i = this.ctx.defInst(v);
    if (user >= 0 && i >= 0 && this.dfg.opcode(i) === Opcode.Load && this.dfg.ctrlType(i) === ty && (ty === F32 || ty === F64)) {
      if (this.ctx.sinkLoad(v, user) === i) return { kind: 'mem', addr: this.amode(this.dfg.arg(i, 0), this.dfg.offset(i)) };
    }
    return { kind: 'reg', reg: this.put(v) };
  }

  private loadOfWidth(v: Value, size: 4 | 8): Inst {
    const i = this.ctx.defInst(v);
    if (i < 0) return -1;
    const op = this.dfg.opcode(i);
    if (op === Opcode.Load && this.dfg.ctrlType(i) === (size === 8 ? I64 : I32)) return i;
    return -1;
  }

  /** Would `rmi(v)` give a non-register operand (so `v` is better as the second operand)? */
  isImmOrSinkable(v: Value, size: 4 | 8): boolean {
    if (this.immOf(v, size) !== undefined) return true;
    return this.loadOfWidth(v, size) >= 0 && this.ctx.uses(v) === 1;
  }

  /**
   * The address `base + offset` as an addressing mode, merging `iadd x, y`
   * (base + index) and `iadd x, const` / `iadd_imm` (displacement) of the
   * same block (MergeLocal) when the address is 64-bit. A 32-bit address is zero-extended first
   * (NarrowBitsUndefined).
   */
  amode(addr: Value, offset: number): VAmode {
    const ty = this.typeOf(addr);
    if (ty !== I64) {
      return { kind: 'reg_disp', base: this.zeroExtend64(addr), disp: offset };
    }
    const add = this.ctx.localDefOf(addr, Opcode.Iadd);
    if (add >= 0) {
      const x = this.dfg.arg(add, 0);
      const y = this.dfg.arg(add, 1);
      const cy = this.ctx.constValue(y);
      const cx = this.ctx.constValue(x);
      if (cy !== undefined && fitsDisp(BigInt.asIntN(64, cy) + BigInt(offset))) {
        return { kind: 'reg_disp', base: this.put(x), disp: Number(BigInt.asIntN(64, cy) + BigInt(offset)) };
      }
      if (cx !== undefined && fitsDisp(BigInt.asIntN(64, cx) + BigInt(offset))) {
        return { kind: 'reg_disp', base: this.put(y), disp: Number(BigInt.asIntN(64, cx) + BigInt(offset)) };
      }
      return { kind: 'reg_index', base: this.put(x), index: this.put(y), shift: 0, disp: offset };
    }
    const addi = this.ctx.localDefOf(addr, Opcode.IaddImm);
    if (addi >= 0) {
      const d = this.dfg.imm64(addi) + BigInt(offset);
      if (fitsDisp(d)) return { kind: 'reg_disp', base: this.put(this.dfg.arg(addi, 0)), disp: Number(d) };
    }
    return { kind: 'reg_disp', base: this.put(addr), disp: offset };
  }

  /**
   * Does the register holding the i32 `v` have bits 32–63 clear (ZeroedUpper32)?
   * True when `v` is defined by an instruction whose lowering here always
   * writes a 32-bit destination — x86-64 zero-extends every 32-bit register
   * write: constants (`mov r32, imm`), 32-bit add/sub/and/or/xor/lea (register
   * and immediate forms), shifts by a non-zero constant, and 32-bit loads or
   * narrow loads extended to 32 bits. The allocator's moves, spills and
   * reloads are 64-bit, so the property survives them, and a block
   * parameter qualifies when every argument that can reach it does (the
   * largest such set, found once per function by `zeroedParams`). The
   * entry block's parameters, call results and everything else do not.
   */
  zeroedUpper32(v: Value): boolean {
    if (this.typeOf(v) !== I32) return false;
    const d = this.ctx.defInst(v);
    if (d < 0) return this.zeroedParams().has(this.dfg.resolveAliases(v));
    return this.zeroedByDef(d);
  }

  /** ZeroedUpper32 for a value defined by `d` (see `zeroedUpper32`). */
  private zeroedByDef(d: Inst): boolean {
    switch (this.dfg.opcode(d)) {
      case Opcode.Iconst:
      case Opcode.Iadd:
      case Opcode.IaddImm:
      case Opcode.Isub:
      case Opcode.Band:
      case Opcode.Bor:
      case Opcode.Bxor:
      case Opcode.BandImm:
      case Opcode.BorImm:
      case Opcode.BxorImm:
      case Opcode.Load:
      case Opcode.Uload8:
      case Opcode.Sload8:
      case Opcode.Uload16:
      case Opcode.Sload16:
        return true;
      case Opcode.IshlImm:
      case Opcode.UshrImm:
      case Opcode.SshrImm:
        // A shift by 0 may leave its destination unwritten.
        return (this.dfg.imm64(d) & 31n) !== 0n;
      default:
        return false;
    }
  }

  private zeroedParamSet: Set<Value> | undefined;

  /**
   * The i32 block parameters whose every incoming argument is ZeroedUpper32:
   * start from all i32 parameters of non-entry blocks and drop, until nothing
   * changes, each one with an argument that neither qualifies by its
   * definition nor is a parameter still in the set.
   */
  private zeroedParams(): Set<Value> {
    if (this.zeroedParamSet !== undefined) return this.zeroedParamSet;
    const dfg = this.dfg;
    const layout = this.stencil.layout;
    const entry = layout.entryBlock();
    const set = new Set<Value>();
    for (let b = entry; b >= 0; b = layout.nextBlock(b)) {
      if (b === entry) continue;
      for (let k = 0; k < dfg.numBlockParams(b); k++) {
        const p = dfg.blockParam(b, k);
        if (dfg.typeOf(p) === I32) set.add(p);
      }
    }
    const argOk = (a: Value): boolean => {
      const r = dfg.resolveAliases(a);
      const d = dfg.valueInst(r);
      return d >= 0 ? dfg.typeOf(r) === I32 && this.zeroedByDef(d) : set.has(r);
    };
    for (let changed = set.size > 0; changed; ) {
      changed = false;
      for (let b = entry; b >= 0; b = layout.nextBlock(b)) {
        const last = layout.lastInst(b);
        if (last < 0) continue;
        for (let e = 0; e < dfg.numBranchDestinations(last); e++) {
          const bc = dfg.branchDestination(last, e);
          const target = dfg.blockCallBlock(bc);
          for (let k = 0; k < dfg.blockCallNumArgs(bc); k++) {
            const p = dfg.blockParam(target, k);
            if (set.has(p) && !argOk(dfg.blockCallArg(bc, k))) {
              set.delete(p);
              changed = true;
            }
          }
        }
      }
    }
    this.zeroedParamSet = set;
    return set;
  }

  /** `v` zero-extended to 64 bits, in a register (i64 values, and i32 values under ZeroedUpper32, as they are). */
  zeroExtend64(v: Value): R {
    const ty = this.typeOf(v);
    if (ty === I64 || this.zeroedUpper32(v)) return this.put(v);
    const t = this.tmpInt();
    this.emit({ kind: 'movzx', ext: extModeOf(ty, 'l'), src: { kind: 'reg', reg: this.put(v) }, dst: t });
    return t;
  }

  /** `v` sign-extended to 64 bits. */
  signExtend64(v: Value): R {
    const ty = this.typeOf(v);
    if (ty === I64) return this.put(v);
    const t = this.tmpInt();
    this.emit({ kind: 'movsx', ext: extModeOf(ty, 'q'), src: { kind: 'reg', reg: this.put(v) }, dst: t });
    return t;
  }

  /**
   * `v` with its bits above the width defined, for a 32-bit (or 64-bit, for
   * i64) operation: i8/i16 are zero- or sign-extended to 32 bits; i32 and
   * i64 are returned as they are (32-bit operations ignore the upper half).
   */
  extendTo32(v: Value, signed: boolean): R {
    const ty = this.typeOf(v);
    if (ty === I32 || ty === I64) return this.put(v);
    const t = this.tmpInt();
    this.emit({ kind: signed ? 'movsx' : 'movzx', ext: extModeOf(ty, 'l'), src: { kind: 'reg', reg: this.put(v) }, dst: t });
    return t;
  }

  /** Materialize an integer constant (`value` as a 64-bit pattern) in a fresh register. */
  constReg(value: bigint, size: 4 | 8): R {
    const t = this.tmpInt();
    this.emit(movConst(value, size, t));
    return t;
  }

  /**
   * Set the flags for `v` as a condition (non-zero = true) and return the
   * condition that is true when `v` is: a `icmp`/`fcmp` definition is
   * re-emitted as a compare (no boolean materialized); anything else is
   * tested against zero over its whole width.
   */
  condFlags(v: Value, user: Inst): Cond {
    // Re-emitting the compare here may also merge a load into it, but only
    // when this is the compare's only use: otherwise the compare is lowered
    // on its own as well, and needs the load in a register (SinkOnce).
    const sinkUser = this.ctx.uses(v) === 1 ? user : -1;
    const icmp = this.ctx.localDefOf(v, Opcode.Icmp);
    if (icmp >= 0) return { cc: this.emitIcmp(icmp, this.dfg.intCC(icmp), this.dfg.arg(icmp, 1), sinkUser) };
    const icmpImm = this.ctx.localDefOf(v, Opcode.IcmpImm);
    if (icmpImm >= 0) return { cc: this.emitIcmp(icmpImm, this.dfg.intCC(icmpImm), undefined, sinkUser) };
    const fcmp = this.ctx.localDefOf(v, Opcode.Fcmp);
    if (fcmp >= 0) return this.emitFcmp(fcmp, sinkUser);
    const ty = this.typeOf(v);
    const r = this.extendTo32(v, false);
    this.emit({ kind: 'test', size: opSize(ty), lhs: r, rhs: { kind: 'reg', reg: r } });
    return { cc: CC.NE };
  }

  /**
   * Emit `cmp` for an integer compare `icmp` (rhs value, or the `icmp_imm`
   * immediate when `rhs` is undefined) and return the x86 condition. A load
   * operand may be merged when `user` (the instruction the cmp is emitted
   * for) is ≥ 0.
   */
  emitIcmp(icmp: Inst, cc: IntCC, rhs: Value | undefined, user: Inst): CC {
    const lhs = this.dfg.arg(icmp, 0);
    const ty = this.typeOf(lhs);
    const size = opSize(ty);
    const narrow = typeBits(ty) < 32;
    const signed = isSignedIntCC(cc);
    const l = narrow ? this.extendTo32(lhs, signed) : this.put(lhs);
    let r: VRMI;
    if (rhs === undefined) {
      const c = BigInt.asUintN(typeBits(ty), this.dfg.imm64(icmp));
      r = this.immOrReg(narrow ? extendConst(c, typeBits(ty), signed) : c, size);
    } else if (narrow) {
      const c = this.ctx.constValue(rhs);
      r = c !== undefined ? this.immOrReg(extendConst(c, typeBits(ty), signed), 4) : { kind: 'reg', reg: this.extendTo32(rhs, signed) };
    } else {
      r = this.rmi(rhs, size, user);
    }
    this.emit({ kind: 'cmp', size, lhs: l, rhs: r });
    return ccOfIntCC(cc);
  }

  /** An immediate if `value` fits `size`'s imm32, else a register holding it. */
  immOrReg(value: bigint, size: 4 | 8): VRMI {
    const imm = imm32For(value, size);
    if (imm !== undefined) return { kind: 'imm', imm };
    return { kind: 'reg', reg: this.constReg(value, size) };
  }

  /** Emit `ucomis` for `fcmp` and return its condition. */
  emitFcmp(fcmp: Inst, user: Inst): Cond {
    const f = floatFlagsOf(this.dfg.floatCC(fcmp));
    const a = this.dfg.arg(fcmp, 0);
    const b = this.dfg.arg(fcmp, 1);
    const [l, r] = f.swap ? [b, a] : [a, b];
    const op = this.typeOf(a) === F32 ? 'ucomiss' : 'ucomisd';
    this.emit({ kind: 'xmm_cmp', op, lhs: this.put(l), rhs: this.xrm(r, user) });
    return f.cc2 === undefined ? { cc: f.cc } : { cc: f.cc, cc2: f.cc2, combine: f.combine! };
  }
}

/** The signed imm32 to use for `value` in a `size`-byte operation, or undefined. */
export function imm32For(value: bigint, size: 4 | 8): number | undefined {
  if (size === 4) return Number(BigInt.asIntN(32, value));
  const s = BigInt.asIntN(64, value);
  return s >= -0x8000_0000n && s <= 0x7fff_ffffn ? Number(s) : undefined;
}

function fitsDisp(d: bigint): boolean {
  return d >= -0x8000_0000n && d <= 0x7fff_ffffn;
}

/** Extend a `bits`-wide constant to 32 bits, signed or unsigned. */
export function extendConst(c: bigint, bits: number, signed: boolean): bigint {
  return signed ? BigInt.asUintN(32, BigInt.asIntN(bits, c)) : BigInt.asUintN(bits, c);
}

/** Extension mode from an integer type to 32 (`l`) or 64 (`q`) bits. */
export function extModeOf(from: Type, to: 'l' | 'q'): ExtMode {
  const bits = typeBits(from);
  if (bits === 8) return to === 'l' ? 'bl' : 'bq';
  if (bits === 16) return to === 'l' ? 'wl' : 'wq';
  if (bits === 32) return 'lq';
  throw new CodegenError('unsupported', `no extension from ${typeName(from)}`);
}

/** The cheapest move of a 64-bit constant pattern into `dst` at operand size `size`. */
export function movConst(value: bigint, size: 4 | 8, dst: R): MInst {
  const u = BigInt.asUintN(size * 8, value);
  if (u <= 0xffff_ffffn) return { kind: 'mov_ri', size: 4, imm: Number(u) | 0, dst };
  const s = BigInt.asIntN(64, u);
  if (s >= -0x8000_0000n && s <= 0x7fff_ffffn) return { kind: 'mov_ri', size: 8, imm: Number(s), dst };
  return { kind: 'movabs', imm: u, dst };
}
