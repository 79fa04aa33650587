/**
 * x64 machine instructions at the VCode level (`MInst`): the forms of
 * `inst.ts`, but over *virtual* registers in SSA form, plus the
 * pseudo-instructions whose expansion needs internal control flow or fixed
 * registers (checked division, float↔int conversion sequences, fmin/fmax,
 * jump tables, calls, the function's entry and return).
 *
 * A register field holds a vreg while lowering and register allocation run;
 * `visitOperands` (below) names every register field with its constraint and
 * stores the visitor's result back, so at emission the same call rewrites
 * each field to its allocated hardware encoding (codegen's vcode.ts,
 * OneVisitOrder). Two-address x86 forms keep their input (`src1`) and output
 * (`dst`) as separate vregs; the output reuses the input's register
 * (`defReuse`), so the emitter can check `dst === src1` and emit the
 * two-operand instruction.
 *
 * Conventions for pseudo-instruction temporaries: a sequence may clobber the
 * scratch registers `r11` and `xmm15` (never allocated, only used by the
 * allocator between instructions); any other temporary is an early def.
 */
import { type AbiPseudoInst, InstFlags, type MachInstAdapter, type OperandVisitor, type PRegSet } from '@derrick/codegen';
import type { ExternalName } from '@derrick/codegen-ir';
import type { AluOp, BitCountOp, CC, ExtMode, MulDivOp, Shift, ShiftOp, UnaryOp, XmmMovOp, XmmRmROp } from './inst.js';

/** A register field: a vreg before allocation, a hardware encoding after. */
export type R = number;

/** A memory address at the VCode level. */
export type VAmode =
  | { readonly kind: 'reg_disp'; base: R; readonly disp: number }
  | { readonly kind: 'reg_index'; base: R; index: R; readonly shift: Shift; readonly disp: number }
  /** Explicit stack slot `slot` + `disp` (SP-relative once the frame is laid out). */
  | { readonly kind: 'slot'; readonly slot: number; readonly disp: number }
  /** An incoming stack argument: `[rbp + 16 + disp]`. */
  | { readonly kind: 'incoming_arg'; readonly disp: number }
  /** An outgoing stack argument: `[rsp + disp]`. */
  | { readonly kind: 'outgoing_arg'; readonly disp: number }
  /** The return area this function provides to its callees: `[rsp + retAreaOffset + disp]`. */
  | { readonly kind: 'ret_area'; readonly disp: number }
  /** A constant in the pool: `[rip + label]`. */
  | { readonly kind: 'const'; readonly bytes: Uint8Array; readonly align: number };

export type VRM = { readonly kind: 'reg'; reg: R } | { readonly kind: 'mem'; readonly addr: VAmode };
export type VRMI = VRM | { readonly kind: 'imm'; readonly imm: number };

export type CallTargetM =
  | { readonly kind: 'name'; readonly name: ExternalName; readonly colocated: boolean }
  | { readonly kind: 'reg'; reg: R };

/** Float-to-int conversion flavours. */
export interface CvtF2I {
  /** Source float size: 4 = f32, 8 = f64. */
  readonly srcSize: 4 | 8;
  /** Destination integer width in bits. */
  readonly dstBits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  /** Saturating (`_sat`) rather than trapping. */
  readonly sat: boolean;
}

/** `ceil floor trunc nearest` */
export type RoundKind = 'ceil' | 'floor' | 'trunc' | 'nearest';

export type MInst =
  // ---- pseudo-instructions the shared ABI glue builds: `args` (defines the
  // parameters arriving in registers), `ret` (epilogue and return), `jmp`,
  // `call` (codegen's lower-backend.ts)
  | AbiPseudoInst<CallTargetM>
  // ---- pseudo: function boundary
  /**
   * Defines `dst` with no particular value (emits nothing): a scratch register
   * for a terminator, which may not define vregs itself — it takes the vreg
   * as a late use and overwrites it (the vreg is dead afterwards).
   */
  | { readonly kind: 'undef'; dst: R }
  // ---- moves and constants
  | { readonly kind: 'mov_rr'; readonly size: 4 | 8; src: R; dst: R }
  | { readonly kind: 'mov_ri'; readonly size: 4 | 8; readonly imm: number; dst: R }
  | { readonly kind: 'movabs'; readonly imm: bigint; dst: R }
  | { readonly kind: 'load'; readonly size: 4 | 8; readonly src: VAmode; dst: R }
  | { readonly kind: 'movzx'; readonly ext: ExtMode; readonly src: VRM; dst: R }
  | { readonly kind: 'movsx'; readonly ext: ExtMode; readonly src: VRM; dst: R }
  | { readonly kind: 'store'; readonly size: 1 | 2 | 4 | 8; src: R; readonly dst: VAmode }
  | { readonly kind: 'store_imm'; readonly size: 1 | 2 | 4 | 8; readonly imm: number; readonly dst: VAmode }
  | { readonly kind: 'lea'; readonly size: 4 | 8; readonly src: VAmode; dst: R }
  | { readonly kind: 'get_sp'; dst: R }
  | { readonly kind: 'func_addr'; readonly name: ExternalName; readonly colocated: boolean; dst: R }
  // ---- integer arithmetic
  /** `dst = src1 op src2` (dst reuses src1). `op` is never `cmp`. */
  | { readonly kind: 'alu'; readonly op: AluOp; readonly size: 4 | 8; src1: R; readonly src2: VRMI; dst: R }
  | { readonly kind: 'cmp'; readonly size: 4 | 8; lhs: R; readonly rhs: VRMI }
  | { readonly kind: 'test'; readonly size: 4 | 8; lhs: R; readonly rhs: VRMI }
  | { readonly kind: 'imul'; readonly size: 4 | 8; src1: R; readonly src2: VRM; dst: R }
  | { readonly kind: 'imul_imm'; readonly size: 4 | 8; readonly src: VRM; readonly imm: number; dst: R }
  /** One-operand `mul`/`imul`: rdx:rax = rax · src2. */
  | { readonly kind: 'mul_wide'; readonly op: Extract<MulDivOp, 'mul' | 'imul'>; readonly size: 4 | 8; src1: R; src2: R; lo: R; hi: R }
  /**
   * Checked division/remainder through `div`/`idiv` with the dividend in rax:
   * traps `int_divz` on a zero divisor; signed division traps `int_ovf` on
   * MIN / -1 (MIN of `narrowBits` when the operands were widened from i8/i16);
   * signed remainder of MIN by -1 is 0. Result in rax (quotient) or rdx (remainder).
   */
  | {
      readonly kind: 'div_seq';
      readonly size: 4 | 8;
      readonly signed: boolean;
      readonly rem: boolean;
      readonly narrowBits: 0 | 8 | 16;
      dividend: R;
      divisor: R;
      dst: R;
      /** The other of rax/rdx, clobbered. */
      other: R;
    }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly size: 4 | 8; src: R; dst: R }
  | { readonly kind: 'shift'; readonly op: ShiftOp; readonly size: 4 | 8; src: R; readonly amount: number; dst: R }
  | { readonly kind: 'shift_cl'; readonly op: ShiftOp; readonly size: 4 | 8; src: R; amount: R; dst: R }
  | { readonly kind: 'bit_count'; readonly op: BitCountOp; readonly size: 4 | 8; readonly src: VRM; dst: R }
  | { readonly kind: 'bswap'; readonly size: 4 | 8; src: R; dst: R }
  | { readonly kind: 'setcc'; readonly cc: CC; dst: R }
  /** `dst = cc1 combine cc2` (float `eq`/`ne`: two flags). Clobbers r11. */
  | { readonly kind: 'setcc2'; readonly cc1: CC; readonly cc2: CC; readonly combine: 'and' | 'or'; dst: R }
  /** `dst = (cc || cc2) ? src2 : src1` (dst reuses src1). */
  | { readonly kind: 'cmov'; readonly cc: CC; readonly cc2?: CC; readonly size: 4 | 8; src1: R; readonly src2: VRM; dst: R }
  // ---- SSE
  | { readonly kind: 'xmm_mov_rr'; src: R; dst: R }
  | { readonly kind: 'xmm_load'; readonly op: XmmMovOp; readonly src: VAmode; dst: R }
  | { readonly kind: 'xmm_store'; readonly op: XmmMovOp; src: R; readonly dst: VAmode }
  /** A float constant: `xorps` for +0.0, else a load from the constant pool. */
  | { readonly kind: 'xmm_const'; readonly size: 4 | 8; readonly bits: bigint; dst: R }
  | { readonly kind: 'gpr_to_xmm'; readonly size: 4 | 8; readonly src: VRM; dst: R }
  | { readonly kind: 'xmm_to_gpr'; readonly size: 4 | 8; src: R; dst: R }
  /** `dst = src1 op src2` (dst reuses src1). */
  | { readonly kind: 'xmm_bin'; readonly op: XmmRmROp; src1: R; readonly src2: VRM; dst: R }
  /** `dst = src1 op src2` in the AVX three-operand form (has_avx): dst is free, no copy of src1. */
  | { readonly kind: 'xmm_bin_vex'; readonly op: XmmRmROp; src1: R; readonly src2: VRM; dst: R }
  /** Scalar unary forms writing the low lane only (`sqrtss`, `cvtss2sd`, …): `dst = op src`. */
  | { readonly kind: 'xmm_un'; readonly op: XmmRmROp; readonly src: VRM; dst: R }
  | { readonly kind: 'xmm_cmp'; readonly op: 'ucomiss' | 'ucomisd'; lhs: R; readonly rhs: VRM }
  | { readonly kind: 'xmm_round'; readonly op: 'roundss' | 'roundsd'; readonly mode: number; readonly src: VRM; dst: R }
  | { readonly kind: 'cvt_i2f'; readonly op: 'cvtsi2ss' | 'cvtsi2sd'; readonly srcSize: 4 | 8; readonly src: VRM; dst: R }
  /** WebAssembly `fmin`/`fmax` (NaN-propagating, -0 < +0); dst reuses lhs. */
  | { readonly kind: 'xmm_minmax_seq'; readonly isMin: boolean; readonly size: 4 | 8; lhs: R; rhs: R; dst: R }
  /** Float → int, trapping or saturating (see `CvtF2I`); clobbers r11 and xmm15. */
  | { readonly kind: 'cvt_f2i_seq'; readonly cvt: CvtF2I; src: R; dst: R }
  /** u64 → float by halving when the top bit is set; `tmp` is an early-def temporary. */
  | { readonly kind: 'cvt_u64_f_seq'; readonly dstSize: 4 | 8; src: R; dst: R; tmp: R }
  /** ceil/floor/trunc/nearest without SSE4.1; clobbers r11 and xmm15. src is a late use, dst an early def. */
  | { readonly kind: 'round_seq'; readonly size: 4 | 8; readonly mode: RoundKind; src: R; dst: R }
  /** `dst = (cc || cc2) ? src2 : src1` for XMM registers (a branch around a move); dst reuses src1. */
  | { readonly kind: 'xmm_cmove'; readonly cc: CC; readonly cc2?: CC; src1: R; src2: R; dst: R }
  /** `dst = a·b + c`, rounded once: `vfmadd132` (needs FMA) or, for f32, an exact f64 sequence. */
  | { readonly kind: 'fma'; readonly size: 4 | 8; readonly hw: boolean; a: R; b: R; c: R; dst: R }
  // ---- control flow (targets are VCode block indices)
  /**
   * `cc` (or, with `cc2`: `cc combine cc2`) → `taken`, else `notTaken`.
   */
  | { readonly kind: 'jcond'; readonly cc: CC; readonly cc2?: CC; readonly combine?: 'and' | 'or'; readonly taken: number; readonly notTaken: number }
  /**
   * `br_table`: index bounds check, then an indirect jump through an inline
   * table of 32-bit offsets. `tmp1`/`tmp2` are late uses of `undef` vregs,
   * overwritten here (a branch cannot define temporaries).
   */
  | {
      readonly kind: 'jmp_table';
      idx: R;
      /**
       * 8/16/32 when the index must be zero-extended from that width (a copy
       * into tmp2); 64 when the register already holds the whole index, an
       * i64 or an i32 under ZeroedUpper32 (used in place, no copy).
       */
      readonly idxBits: 8 | 16 | 32 | 64;
      tmp1: R;
      tmp2: R;
      readonly defaultTarget: number;
      readonly targets: readonly number[];
    }
  /** An unconditional trap (terminator). */
  | { readonly kind: 'trap'; readonly code: number }
  /** Trap if `cc` holds (flags set by the previous instruction). */
  | { readonly kind: 'trap_if'; readonly cc: CC; readonly code: number };

export type MInstKind = MInst['kind'];

function visitAmode(a: VAmode, v: OperandVisitor): void {
  if (a.kind === 'reg_disp') a.base = v.use(a.base);
  else if (a.kind === 'reg_index') {
    a.base = v.use(a.base);
    a.index = v.use(a.index);
  }
}

function visitRM(rm: VRM | VRMI, v: OperandVisitor): void {
  if (rm.kind === 'reg') rm.reg = v.use(rm.reg);
  else if (rm.kind === 'mem') visitAmode(rm.addr, v);
}

/**
 * Name every register field of `inst` with its constraint (OneVisitOrder):
 * uses before defs, in field order. See the module comment.
 */
export function visitOperands(inst: MInst, v: OperandVisitor): void {
  switch (inst.kind) {
    // The most frequent kinds first: a string switch is a chain of
    // comparisons, and jumps and traps are about a third of all MInsts.
    case 'jmp':
    case 'trap':
    case 'trap_if':
    case 'jcond':
      return;
    case 'args':
      for (let k = 0; k < inst.regs.length; k++) inst.regs[k] = v.defFixed(inst.regs[k]!, inst.pregs[k]!);
      return;
    case 'ret':
      for (let k = 0; k < inst.regs.length; k++) inst.regs[k] = v.useFixed(inst.regs[k]!, inst.pregs[k]!);
      return;
    case 'mov_rr':
    case 'xmm_mov_rr':
    case 'xmm_to_gpr':
      inst.src = v.use(inst.src);
      inst.dst = v.def(inst.dst);
      return;
    case 'undef':
    case 'mov_ri':
    case 'movabs':
    case 'get_sp':
    case 'func_addr':
    case 'setcc':
    case 'setcc2':
    case 'xmm_const':
      inst.dst = v.def(inst.dst);
      return;
    case 'load':
    case 'lea':
    case 'xmm_load':
      visitAmode(inst.src, v);
      inst.dst = v.def(inst.dst);
      return;
    case 'movzx':
    case 'movsx':
    case 'gpr_to_xmm':
    case 'bit_count':
    case 'imul_imm':
    case 'xmm_un':
    case 'xmm_round':
    case 'cvt_i2f':
      visitRM(inst.src, v);
      inst.dst = v.def(inst.dst);
      return;
    case 'xmm_bin_vex':
      inst.src1 = v.use(inst.src1);
      visitRM(inst.src2, v);
      inst.dst = v.def(inst.dst);
      return;
    case 'store':
    case 'xmm_store':
      inst.src = v.use(inst.src);
      visitAmode(inst.dst, v);
      return;
    case 'store_imm':
      visitAmode(inst.dst, v);
      return;
    case 'alu':
    case 'imul':
    case 'xmm_bin':
    case 'cmov': {
      const i0 = v.count;
      inst.src1 = v.use(inst.src1);
      visitRM(inst.src2, v);
      inst.dst = v.defReuse(inst.dst, i0);
      return;
    }
    case 'cmp':
    case 'test':
    case 'xmm_cmp':
      inst.lhs = v.use(inst.lhs);
      visitRM(inst.rhs, v);
      return;
    case 'mul_wide':
      inst.src1 = v.useFixed(inst.src1, RAX);
      inst.src2 = v.use(inst.src2);
      inst.lo = v.defFixed(inst.lo, RAX);
      inst.hi = v.defFixed(inst.hi, RDX);
      return;
    case 'div_seq':
      inst.dividend = v.useFixed(inst.dividend, RAX);
      // Late: the divisor is read after rdx is written by cdq/cqo.
      inst.divisor = v.useLate(inst.divisor);
      inst.dst = v.defFixed(inst.dst, inst.rem ? RDX : RAX);
      inst.other = v.defFixed(inst.other, inst.rem ? RAX : RDX);
      return;
    case 'unary':
    case 'shift':
    case 'bswap': {
      const i0 = v.count;
      inst.src = v.use(inst.src);
      inst.dst = v.defReuse(inst.dst, i0);
      return;
    }
    case 'shift_cl': {
      const i0 = v.count;
      inst.src = v.use(inst.src);
      inst.amount = v.useFixed(inst.amount, RCX);
      inst.dst = v.defReuse(inst.dst, i0);
      return;
    }
    case 'xmm_minmax_seq': {
      const i0 = v.count;
      inst.lhs = v.use(inst.lhs);
      inst.rhs = v.use(inst.rhs);
      inst.dst = v.defReuse(inst.dst, i0);
      return;
    }
    case 'xmm_cmove': {
      const i0 = v.count;
      inst.src1 = v.use(inst.src1);
      inst.src2 = v.use(inst.src2);
      inst.dst = v.defReuse(inst.dst, i0);
      return;
    }
    case 'cvt_f2i_seq':
      inst.src = v.use(inst.src);
      inst.dst = v.def(inst.dst);
      return;
    case 'cvt_u64_f_seq':
      inst.src = v.use(inst.src);
      inst.dst = v.def(inst.dst);
      inst.tmp = v.defEarly(inst.tmp);
      return;
    case 'round_seq':
      inst.src = v.useLate(inst.src);
      inst.dst = v.defEarly(inst.dst);
      return;
    case 'fma': {
      const i0 = v.count;
      inst.a = v.use(inst.a);
      inst.b = v.useLate(inst.b);
      inst.c = v.useLate(inst.c);
      inst.dst = v.defReuse(inst.dst, i0);
      return;
    }
    case 'jmp_table':
      inst.idx = v.use(inst.idx);
      inst.tmp1 = v.useLate(inst.tmp1);
      inst.tmp2 = v.useLate(inst.tmp2);
      return;
    case 'call':
      if (inst.target.kind === 'reg') inst.target.reg = v.use(inst.target.reg);
      for (let k = 0; k < inst.uses.length; k++) inst.uses[k] = v.useFixed(inst.uses[k]!, inst.usePregs[k]!);
      for (let k = 0; k < inst.defs.length; k++) inst.defs[k] = v.defFixed(inst.defs[k]!, inst.defPregs[k]!);
      return;
  }
}

// PRegs of the fixed registers named above (class Int = 0, so PReg = encoding).
const RAX = 0;
const RCX = 1;
const RDX = 2;

function instFlags(inst: MInst): number {
  switch (inst.kind) {
    case 'ret':
    case 'trap':
      return InstFlags.Ret;
    case 'jmp':
    case 'jcond':
    case 'jmp_table':
      return InstFlags.Branch;
    case 'mov_rr':
      return inst.size === 8 ? InstFlags.Move : 0;
    case 'xmm_mov_rr':
      return InstFlags.Move;
    default:
      return 0;
  }
}

function rmText(rm: VRM | VRMI): string {
  if (rm.kind === 'reg') return `v${rm.reg}`;
  if (rm.kind === 'imm') return `#${rm.imm}`;
  return amodeVText(rm.addr);
}

function amodeVText(a: VAmode): string {
  switch (a.kind) {
    case 'reg_disp':
      return `[v${a.base}${a.disp ? `${a.disp >= 0 ? '+' : ''}${a.disp}` : ''}]`;
    case 'reg_index':
      return `[v${a.base}+v${a.index}*${1 << a.shift}${a.disp ? `+${a.disp}` : ''}]`;
    case 'slot':
      return `[ss${a.slot}+${a.disp}]`;
    case 'incoming_arg':
      return `[in+${a.disp}]`;
    case 'outgoing_arg':
      return `[out+${a.disp}]`;
    case 'ret_area':
      return `[retarea+${a.disp}]`;
    case 'const':
      return `[const ${Array.from(a.bytes, (b) => b.toString(16).padStart(2, '0')).join('')}]`;
  }
}

/** A readable one-line form of an MInst over vregs (for VCode dumps). */
export function printMInst(inst: MInst): string {
  const parts: string[] = [inst.kind];
  for (const [k, val] of Object.entries(inst)) {
    if (k === 'kind') continue;
    if (val !== null && typeof val === 'object' && 'kind' in val) {
      const o = val as { kind: string };
      if (o.kind === 'reg' || o.kind === 'imm' || o.kind === 'mem') parts.push(`${k}=${rmText(val as VRMI)}`);
      else if (o.kind === 'name') parts.push(`${k}=name`);
      else parts.push(`${k}=${amodeVText(val as VAmode)}`);
    } else if (Array.isArray(val)) {
      parts.push(`${k}=[${val.join(',')}]`);
    } else if (typeof val === 'number' && /^(src|dst|src1|src2|lhs|lo|hi|dividend|divisor|other|tmp|tmp1|tmp2|idx|a|b|c|amount)$/.test(k)) {
      parts.push(`${k}=v${val}`);
    } else {
      parts.push(`${k}=${String(val)}`);
    }
  }
  return parts.join(' ');
}

/** The `MachInstAdapter` of x64 MInsts, given the backend's clobber sets. */
export function minstAdapter(clobberSets: readonly PRegSet[]): MachInstAdapter<MInst> {
  return {
    visitOperands,
    flags: instFlags,
    clobbers: (inst) => (inst.kind === 'call' ? inst.clobbers : -1),
    clobberSets,
    print: printMInst,
  };
}
