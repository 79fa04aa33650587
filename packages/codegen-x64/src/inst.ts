/**
 * x86-64 machine instructions, as data.
 *
 * An `Inst` is one x64 instruction form (occasionally a fixed pair, such as
 * the two-target `jcond`) over *physical* registers: a plain object with a
 * `kind` discriminant and the operands that form needs. `emit.ts` turns an
 * `Inst` into bytes in a `MachBuffer`; `print.ts` turns it into the Intel
 * syntax objdump prints. Lowering builds these objects; register allocation
 * (later) will rewrite their register fields.
 *
 * The forms are the ones a WebAssembly scalar backend needs — integer ALU,
 * multiply/divide, shifts, bit counts, flags to value (`setcc`, `cmov`),
 * loads/stores with zero/sign extension, control flow through labels, calls,
 * and scalar SSE float arithmetic/conversion — plus the 128-bit moves v128
 * will build on.
 *
 * Conventions:
 * * Two-operand forms read and write `dst` (`add dst, src`); `src` may be a
 *   register, memory (`RegMem`) or, where the ISA has it, an immediate
 *   (`RegMemImm`).
 * * `size` is the operand size in bytes; 32-bit forms zero the upper half of
 *   a 64-bit destination, as the hardware does.
 * * Immediates are JavaScript numbers holding a signed 32-bit value (unsigned
 *   32-bit spellings of 32-bit operands are accepted and wrapped); only
 *   `movabs` takes a full 64-bit `bigint`.
 * * A memory operand may carry a trap code: emission then records a trap at
 *   the instruction's first byte (a heap access that can fault).
 */
import type { MachLabel, RelocExternalName, TrapCodeNumber } from '@derrick/codegen';
import type { Gpr, Xmm } from './regs.js';

// ---------------------------------------------------------------------------
// Operands
// ---------------------------------------------------------------------------

/** Scale of an index register: index × 2^shift. */
export type Shift = 0 | 1 | 2 | 3;

/**
 * A memory address.
 * * `base_disp`   — [base + disp]
 * * `base_index`  — [base + index·2^shift + disp] (index ≠ rsp)
 * * `rip_label`   — [rip + (label − end of instruction)]: constants, jump tables
 */
export type Amode =
  | { readonly kind: 'base_disp'; readonly base: Gpr; readonly disp: number; readonly trap?: TrapCodeNumber }
  | {
      readonly kind: 'base_index';
      readonly base: Gpr;
      readonly index: Gpr;
      readonly shift: Shift;
      readonly disp: number;
      readonly trap?: TrapCodeNumber;
    }
  | { readonly kind: 'rip_label'; readonly label: MachLabel };

export type RegMem<R> = { readonly kind: 'reg'; readonly reg: R } | { readonly kind: 'mem'; readonly addr: Amode };
export type RegMemImm<R> = RegMem<R> | { readonly kind: 'imm'; readonly imm: number };

export type GprMem = RegMem<Gpr>;
export type GprMemImm = RegMemImm<Gpr>;
export type XmmMem = RegMem<Xmm>;

/** `[base + disp]` */
export function mem(base: Gpr, disp = 0, trap?: TrapCodeNumber): Amode {
  return trap === undefined ? { kind: 'base_disp', base, disp } : { kind: 'base_disp', base, disp, trap };
}

/** `[base + index·2^shift + disp]` */
export function memIndex(base: Gpr, index: Gpr, shift: Shift, disp = 0, trap?: TrapCodeNumber): Amode {
  return trap === undefined
    ? { kind: 'base_index', base, index, shift, disp }
    : { kind: 'base_index', base, index, shift, disp, trap };
}

/** `[rip + label]` */
export function ripLabel(label: MachLabel): Amode {
  return { kind: 'rip_label', label };
}

export function reg<R>(r: R): RegMem<R> {
  return { kind: 'reg', reg: r };
}

export function addr<R>(a: Amode): RegMem<R> {
  return { kind: 'mem', addr: a };
}

export function imm(value: number): { readonly kind: 'imm'; readonly imm: number } {
  return { kind: 'imm', imm: value };
}

// ---------------------------------------------------------------------------
// Condition codes
// ---------------------------------------------------------------------------

/**
 * Condition codes by their 4-bit encoding (the low nibble of `jcc`, `setcc`,
 * `cmovcc`). Each code's inverse is `cc ^ 1`.
 */
export const CC = {
  O: 0,
  NO: 1,
  /** below (unsigned <), carry */
  B: 2,
  /** above or equal (unsigned ≥), no carry */
  AE: 3,
  /** equal, zero */
  E: 4,
  NE: 5,
  /** below or equal (unsigned ≤) */
  BE: 6,
  /** above (unsigned >) */
  A: 7,
  S: 8,
  NS: 9,
  /** parity (unordered after ucomis*) */
  P: 10,
  NP: 11,
  /** less (signed <) */
  L: 12,
  /** greater or equal (signed ≥) */
  GE: 13,
  /** less or equal (signed ≤) */
  LE: 14,
  /** greater (signed >) */
  G: 15,
} as const;

export type CC = (typeof CC)[keyof typeof CC];

export function invertCC(cc: CC): CC {
  return (cc ^ 1) as CC;
}

/** Suffixes as objdump spells them: `je`, `setae`, `cmovg`. */
export const CC_NAMES: readonly string[] = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

// ---------------------------------------------------------------------------
// Operation enumerations
// ---------------------------------------------------------------------------

export type AluOp = 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp';
export const ALU_OPS: readonly AluOp[] = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

export type ShiftOp = 'rol' | 'ror' | 'shl' | 'shr' | 'sar';
export const SHIFT_OPS: readonly ShiftOp[] = ['rol', 'ror', 'shl', 'shr', 'sar'];

/** `mul`/`imul` (one operand): rdx:rax = rax · src. `div`/`idiv`: rax, rdx = rdx:rax ÷ src. */
export type MulDivOp = 'mul' | 'imul' | 'div' | 'idiv';
export const MUL_DIV_OPS: readonly MulDivOp[] = ['mul', 'imul', 'div', 'idiv'];

export type UnaryOp = 'not' | 'neg';

export type BitCountOp = 'bsf' | 'bsr' | 'lzcnt' | 'tzcnt' | 'popcnt';
export const BIT_COUNT_OPS: readonly BitCountOp[] = ['bsf', 'bsr', 'lzcnt', 'tzcnt', 'popcnt'];

/**
 * Extension modes, named by (from, to): b = 8, w = 16, l = 32, q = 64 bits.
 * `movzx` with `lq` is `mov r32, r/m32` (32-bit writes zero the top half);
 * `movsx` with `lq` is `movsxd`.
 */
export type ExtMode = 'bl' | 'bq' | 'wl' | 'wq' | 'lq';
export const EXT_MODES: readonly ExtMode[] = ['bl', 'bq', 'wl', 'wq', 'lq'];

/** Moves between XMM registers and memory (loads, stores and reg–reg). */
export type XmmMovOp = 'movss' | 'movsd' | 'movaps' | 'movapd' | 'movups' | 'movupd' | 'movdqa' | 'movdqu' | 'movq';
export const XMM_MOV_OPS: readonly XmmMovOp[] = ['movss', 'movsd', 'movaps', 'movapd', 'movups', 'movupd', 'movdqa', 'movdqu', 'movq'];

/** Two-operand SSE forms `op xmm, xmm/m`. */
export type XmmRmROp =
  | 'addss'
  | 'addsd'
  | 'subss'
  | 'subsd'
  | 'mulss'
  | 'mulsd'
  | 'divss'
  | 'divsd'
  | 'sqrtss'
  | 'sqrtsd'
  | 'minss'
  | 'minsd'
  | 'maxss'
  | 'maxsd'
  | 'cvtss2sd'
  | 'cvtsd2ss'
  | 'andps'
  | 'andpd'
  | 'andnps'
  | 'andnpd'
  | 'orps'
  | 'orpd'
  | 'xorps'
  | 'xorpd'
  | 'pxor'
  | 'pand'
  | 'por';
export const XMM_RM_R_OPS: readonly XmmRmROp[] = [
  'addss', 'addsd', 'subss', 'subsd', 'mulss', 'mulsd', 'divss', 'divsd', 'sqrtss', 'sqrtsd', 'minss', 'minsd',
  'maxss', 'maxsd', 'cvtss2sd', 'cvtsd2ss', 'andps', 'andpd', 'andnps', 'andnpd', 'orps', 'orpd', 'xorps', 'xorpd',
  'pxor', 'pand', 'por',
];

export type XmmCmpOp = 'ucomiss' | 'ucomisd';
export type XmmRoundOp = 'roundss' | 'roundsd';
/** The imm8 rounding modes of `roundss`/`roundsd` (bit 3 would suppress precision exceptions). */
export const RoundMode = { Nearest: 0, Floor: 1, Ceil: 2, Trunc: 3 } as const;

export type IntToFloatOp = 'cvtsi2ss' | 'cvtsi2sd';
export type FloatToIntOp = 'cvttss2si' | 'cvttsd2si';

/** A call's destination: a label in this buffer, or an external name (relocation). */
export type CallTarget =
  | { readonly kind: 'label'; readonly label: MachLabel }
  | { readonly kind: 'name'; readonly name: RelocExternalName };

// ---------------------------------------------------------------------------
// Instructions
// ---------------------------------------------------------------------------

export type Inst =
  // ---- moves and constants
  /** `mov dst, src` (89 /r). */
  | { readonly kind: 'mov_rr'; readonly size: 4 | 8; readonly src: Gpr; readonly dst: Gpr }
  /**
   * `mov dst, imm`. size 4: B8+r id (zero-extends). size 8: REX.W C7 /0 id,
   * `imm` sign-extended from 32 bits.
   */
  | { readonly kind: 'mov_ri'; readonly size: 4 | 8; readonly imm: number; readonly dst: Gpr }
  /** `movabs dst, imm64` (REX.W B8+r io). */
  | { readonly kind: 'movabs'; readonly imm: bigint; readonly dst: Gpr }
  /** `mov dst, [addr]` (8B /r), 32 or 64 bits. */
  | { readonly kind: 'load'; readonly size: 4 | 8; readonly src: Amode; readonly dst: Gpr }
  /** `movzx dst, src` (and `mov r32, r/m32` for `lq`). */
  | { readonly kind: 'movzx'; readonly ext: ExtMode; readonly src: GprMem; readonly dst: Gpr }
  /** `movsx dst, src` (and `movsxd` for `lq`). */
  | { readonly kind: 'movsx'; readonly ext: ExtMode; readonly src: GprMem; readonly dst: Gpr }
  /** `mov [addr], src` of the low `size` bytes of `src`. */
  | { readonly kind: 'store'; readonly size: 1 | 2 | 4 | 8; readonly src: Gpr; readonly dst: Amode }
  /** `mov [addr], imm` (size 8: imm32 sign-extended). */
  | { readonly kind: 'store_imm'; readonly size: 1 | 2 | 4 | 8; readonly imm: number; readonly dst: Amode }
  /** `lea dst, [addr]`. */
  | { readonly kind: 'lea'; readonly size: 4 | 8; readonly src: Amode; readonly dst: Gpr }
  // ---- integer arithmetic
  /** `op dst, src`: add or adc sbb and sub xor cmp (cmp only sets flags). */
  | { readonly kind: 'alu'; readonly op: AluOp; readonly size: 4 | 8; readonly src: GprMemImm; readonly dst: Gpr }
  /** `test dst, src` (flags of dst & src). */
  | { readonly kind: 'test'; readonly size: 4 | 8; readonly src: GprMemImm; readonly dst: Gpr }
  /** `imul dst, src` (0F AF /r). */
  | { readonly kind: 'imul'; readonly size: 4 | 8; readonly src: GprMem; readonly dst: Gpr }
  /** `imul dst, src, imm` (6B /r ib or 69 /r id). */
  | { readonly kind: 'imul_imm'; readonly size: 4 | 8; readonly src: GprMem; readonly imm: number; readonly dst: Gpr }
  /** `mul/imul/div/idiv src` on rdx:rax. */
  | { readonly kind: 'mul_div'; readonly op: MulDivOp; readonly size: 4 | 8; readonly src: GprMem }
  /** `not reg` / `neg reg`. */
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly size: 4 | 8; readonly reg: Gpr }
  /** `bswap reg` (0F C8+r): reverse the bytes of a 32- or 64-bit register. */
  | { readonly kind: 'bswap'; readonly size: 4 | 8; readonly reg: Gpr }
  /** `cdq` (size 4) / `cqo` (size 8): sign-extend rax into rdx. */
  | { readonly kind: 'sign_extend_rax'; readonly size: 4 | 8 }
  /** `op dst, cl` or `op dst, imm8`. */
  | {
      readonly kind: 'shift';
      readonly op: ShiftOp;
      readonly size: 4 | 8;
      readonly amount: number | 'cl';
      readonly dst: Gpr;
    }
  /** `bsf bsr lzcnt tzcnt popcnt dst, src`. */
  | { readonly kind: 'bit_count'; readonly op: BitCountOp; readonly size: 4 | 8; readonly src: GprMem; readonly dst: Gpr }
  /** `setcc dst8`. */
  | { readonly kind: 'setcc'; readonly cc: CC; readonly dst: Gpr }
  /** `cmovcc dst, src`. */
  | { readonly kind: 'cmov'; readonly cc: CC; readonly size: 4 | 8; readonly src: GprMem; readonly dst: Gpr }
  // ---- control flow
  /** `jmp label` (E9 rel32), registered with the buffer for simplification. */
  | { readonly kind: 'jmp'; readonly target: MachLabel }
  /** `jcc label` (0F 8x rel32), registered with its inverse. */
  | { readonly kind: 'jcc'; readonly cc: CC; readonly target: MachLabel }
  /** Two-target branch: `jcc taken; jmp notTaken` (the buffer usually removes one). */
  | { readonly kind: 'jcond'; readonly cc: CC; readonly taken: MachLabel; readonly notTaken: MachLabel }
  /** `jmp r/m64` (FF /4). */
  | { readonly kind: 'jmp_ind'; readonly target: GprMem }
  /** `call rel32` (E8) to a label or an external name; records a call site. */
  | { readonly kind: 'call'; readonly target: CallTarget }
  /** `call r/m64` (FF /2); records a call site. */
  | { readonly kind: 'call_ind'; readonly target: GprMem }
  /** `ret` / `ret imm16`. */
  | { readonly kind: 'ret'; readonly popBytes: number }
  | { readonly kind: 'push'; readonly src: Gpr }
  | { readonly kind: 'pop'; readonly dst: Gpr }
  /** `jcc` to an out-of-line `ud2` (deferred to the next island) that records `trap`. */
  | { readonly kind: 'trap_if'; readonly cc: CC; readonly trap: TrapCodeNumber }
  /** `ud2` with a trap record. */
  | { readonly kind: 'ud2'; readonly trap: TrapCodeNumber }
  | { readonly kind: 'int3' }
  /** `len` bytes of the recommended multi-byte NOPs. */
  | { readonly kind: 'nop'; readonly len: number }
  // ---- SSE
  /** `op dst, src`: register move or load. */
  | { readonly kind: 'xmm_mov'; readonly op: XmmMovOp; readonly src: XmmMem; readonly dst: Xmm }
  /** `op [addr], src`: store. */
  | { readonly kind: 'xmm_store'; readonly op: XmmMovOp; readonly src: Xmm; readonly dst: Amode }
  /** `movd`/`movq xmm, r/m` (66 [REX.W] 0F 6E). */
  | { readonly kind: 'gpr_to_xmm'; readonly size: 4 | 8; readonly src: GprMem; readonly dst: Xmm }
  /** `movd`/`movq r, xmm` (66 [REX.W] 0F 7E). */
  | { readonly kind: 'xmm_to_gpr'; readonly size: 4 | 8; readonly src: Xmm; readonly dst: Gpr }
  /** `op dst, src` scalar/packed arithmetic and logic. */
  | { readonly kind: 'xmm_rm_r'; readonly op: XmmRmROp; readonly src: XmmMem; readonly dst: Xmm }
  /**
   * The AVX three-operand form `vop dst, src1, src2` (VEX.128 of the same
   * 0F-map opcode): dst = src1 op src2; for scalar forms the bits above the
   * scalar come from src1.
   */
  | { readonly kind: 'xmm_rm_r_vex'; readonly op: XmmRmROp; readonly src1: Xmm; readonly src2: XmmMem; readonly dst: Xmm }
  /** `ucomiss`/`ucomisd dst, src` (flags only). */
  | { readonly kind: 'xmm_cmp'; readonly op: XmmCmpOp; readonly src: XmmMem; readonly dst: Xmm }
  /** `roundss`/`roundsd dst, src, mode` (SSE4.1). */
  | { readonly kind: 'xmm_round'; readonly op: XmmRoundOp; readonly mode: number; readonly src: XmmMem; readonly dst: Xmm }
  /** `cvtsi2ss`/`cvtsi2sd dst, src` from a 32- or 64-bit integer. */
  | { readonly kind: 'cvt_int_to_float'; readonly op: IntToFloatOp; readonly srcSize: 4 | 8; readonly src: GprMem; readonly dst: Xmm }
  /** `cvttss2si`/`cvttsd2si dst, src` to a 32- or 64-bit integer (truncating). */
  | { readonly kind: 'cvt_float_to_int'; readonly op: FloatToIntOp; readonly dstSize: 4 | 8; readonly src: XmmMem; readonly dst: Gpr };

export type InstKind = Inst['kind'];

/** Largest encoding of any single x64 instruction (architectural limit). */
export const MAX_INST_SIZE = 15;
