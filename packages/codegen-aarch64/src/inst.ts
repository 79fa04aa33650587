/**
 * AArch64 machine instructions, as data.
 *
 * An `Inst` is one A64 instruction form (occasionally a fixed pair, such as
 * the two-target `cond_br`) over *physical* registers: a plain object with a
 * `kind` discriminant and the operands that form needs. `emit.ts` turns an
 * `Inst` into a 32-bit word in a `MachBuffer`; `print.ts` turns it into the
 * text GNU objdump prints for that word. Lowering builds these objects;
 * register allocation will rewrite their register fields.
 *
 * The forms are the ones a WebAssembly scalar backend needs: wide moves,
 * add/sub and logical operations in their shifted-register, extended-register
 * and immediate forms, multiply/divide, bitfield moves (which give the
 * immediate shifts and the extensions), bit reversal and counting,
 * conditional select/compare, loads and stores of every width and addressing
 * mode, load/store pair, PC-relative addresses and literal loads, branches
 * through labels, scalar floating point, and the few NEON instructions
 * popcount needs.
 *
 * Conventions:
 * * Operand names follow the Arm ARM: `rd` destination, `rn`/`rm`/`ra`
 *   sources, `rt`/`rt2` transfer registers of loads and stores.
 * * `size` is the operand size in bytes: 4 = W registers, 8 = X registers
 *   (FP: 4 = S, 8 = D, 16 = Q). 32-bit forms zero the upper half of the
 *   destination, as the hardware does.
 * * Whether a `Gpr` field may be `sp` or `xzr` is the ISA's rule for that
 *   slot (noted on each form as "SP" or "ZR" where it matters); the encoder
 *   rejects the other one (invariant (Reg31) in `encode.ts`).
 * * Immediates are stored as the values the assembler syntax shows, except
 *   where the form is about the raw fields (`bit_field`'s `immr`/`imms`,
 *   `mov_wide`'s `imm16`); `emit` validates and packs them. Logical
 *   immediates are `bigint` values (any 64-bit pattern).
 * * A memory operand may carry a trap code: emission then records a trap at
 *   the instruction (a heap access that can fault).
 *
 * Several assembler mnemonics are aliases of a more general form (`mov`,
 * `cmp`, `lsl #n`, `uxtb`, `cset`, `mul`…). They are not separate kinds:
 * the constructors at the end of this file build the general form, and the
 * printer chooses the alias exactly where objdump does.
 */
import type { MachLabel, RelocExternalName, TrapCodeNumber } from '@derrick/codegen';
import { xzr, type Gpr, type Size, type Vreg } from './regs.js';

// ---------------------------------------------------------------------------
// Condition codes
// ---------------------------------------------------------------------------

/** Condition codes by their 4-bit encoding. Each code's inverse is `cond ^ 1` (except al/nv). */
export const Cond = {
  /** equal (Z) */
  Eq: 0,
  Ne: 1,
  /** unsigned ≥ (carry set, "cs") */
  Hs: 2,
  /** unsigned < (carry clear, "cc") */
  Lo: 3,
  /** negative */
  Mi: 4,
  Pl: 5,
  /** overflow; FP: unordered */
  Vs: 6,
  Vc: 7,
  /** unsigned > */
  Hi: 8,
  /** unsigned ≤ */
  Ls: 9,
  /** signed ≥ */
  Ge: 10,
  /** signed < */
  Lt: 11,
  /** signed > */
  Gt: 12,
  /** signed ≤ */
  Le: 13,
  Al: 14,
  Nv: 15,
} as const;

export type Cond = (typeof Cond)[keyof typeof Cond];

/** Names as objdump prints them (`b.cs`, not `b.hs`). */
export const COND_NAMES: readonly string[] = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];

/** The opposite condition. `al`/`nv` (both "always") have none. */
export function invertCond(c: Cond): Cond {
  if (c === Cond.Al || c === Cond.Nv) throw new RangeError(`condition ${COND_NAMES[c]} has no inverse`);
  return (c ^ 1) as Cond;
}

// ---------------------------------------------------------------------------
// Operands
// ---------------------------------------------------------------------------

export type ShiftOp = 'lsl' | 'lsr' | 'asr' | 'ror';
export const SHIFT_OPS: readonly ShiftOp[] = ['lsl', 'lsr', 'asr', 'ror'];

/** A shifted register operand's shift: `rm, lsr #3`. `ror` only for logical operations. */
export interface RegShift {
  readonly op: ShiftOp;
  readonly amount: number;
}

/** Extensions of the extended-register operand (`add x0, sp, w1, uxtw #2`). */
export type ExtendOp = 'uxtb' | 'uxth' | 'uxtw' | 'uxtx' | 'sxtb' | 'sxth' | 'sxtw' | 'sxtx';
export const EXTEND_OPS: readonly ExtendOp[] = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'];

/** Extension of a load/store index register: `lsl` (64-bit index), `uxtw`/`sxtw` (32-bit), `sxtx`. */
export type IndexExtend = 'lsl' | 'uxtw' | 'sxtw' | 'sxtx';
export const INDEX_EXTENDS: readonly IndexExtend[] = ['lsl', 'uxtw', 'sxtw', 'sxtx'];

/**
 * A load/store address. `rn` is an SP slot. `offset`s are in bytes.
 * * `offset`     — `[rn, #offset]`, unsigned, a multiple of the access size,
 *                  at most 4095 × size (the scaled 12-bit form).
 * * `unscaled`   — `[rn, #offset]`, −256…255 (`ldur`/`stur`).
 * * `pre_index`  — `[rn, #offset]!`, −256…255; rn += offset before access.
 * * `post_index` — `[rn], #offset`, −256…255; rn += offset after access.
 * * `reg`        — `[rn, rm{, extend {#s}}]`: rm (ZR slot) extended by
 *                  `extend` and, if `shifted`, scaled by the access size
 *                  (s = log2 size). `lsl`/`sxtx` take an X index, `uxtw`/`sxtw` a W index.
 * * `literal`    — the PC-relative literal at `label` (`ldr x0, label`),
 *                  a `Ldr19` use: ±1 MiB.
 */
export type Amode =
  | { readonly kind: 'offset'; readonly rn: Gpr; readonly offset: number; readonly trap?: TrapCodeNumber }
  | { readonly kind: 'unscaled'; readonly rn: Gpr; readonly offset: number; readonly trap?: TrapCodeNumber }
  | { readonly kind: 'pre_index'; readonly rn: Gpr; readonly offset: number; readonly trap?: TrapCodeNumber }
  | { readonly kind: 'post_index'; readonly rn: Gpr; readonly offset: number; readonly trap?: TrapCodeNumber }
  | {
      readonly kind: 'reg';
      readonly rn: Gpr;
      readonly rm: Gpr;
      readonly extend: IndexExtend;
      readonly shifted: boolean;
      readonly trap?: TrapCodeNumber;
    }
  | { readonly kind: 'literal'; readonly label: MachLabel };

/**
 * A load/store-pair address; `offset` is a multiple of the register size,
 * −64…63 times it. `offset`: `[rn, #off]`; `pre_index`: `[rn, #off]!`;
 * `post_index`: `[rn], #off`.
 */
export interface PairAmode {
  readonly kind: 'offset' | 'pre_index' | 'post_index';
  readonly rn: Gpr;
  readonly offset: number;
  readonly trap?: TrapCodeNumber;
}

/** `[rn, #offset]` in its scaled unsigned form. */
export function memOffset(rn: Gpr, offset = 0, trap?: TrapCodeNumber): Amode {
  return trap === undefined ? { kind: 'offset', rn, offset } : { kind: 'offset', rn, offset, trap };
}

/** `[rn, #offset]` as `ldur`/`stur` (−256…255). */
export function memUnscaled(rn: Gpr, offset: number, trap?: TrapCodeNumber): Amode {
  return trap === undefined ? { kind: 'unscaled', rn, offset } : { kind: 'unscaled', rn, offset, trap };
}

/** `[rn, #offset]!` */
export function memPreIndex(rn: Gpr, offset: number, trap?: TrapCodeNumber): Amode {
  return trap === undefined ? { kind: 'pre_index', rn, offset } : { kind: 'pre_index', rn, offset, trap };
}

/** `[rn], #offset` */
export function memPostIndex(rn: Gpr, offset: number, trap?: TrapCodeNumber): Amode {
  return trap === undefined ? { kind: 'post_index', rn, offset } : { kind: 'post_index', rn, offset, trap };
}

/** `[rn, rm{, extend {#log2 size}}]` */
export function memReg(rn: Gpr, rm: Gpr, extend: IndexExtend = 'lsl', shifted = false, trap?: TrapCodeNumber): Amode {
  return trap === undefined
    ? { kind: 'reg', rn, rm, extend, shifted }
    : { kind: 'reg', rn, rm, extend, shifted, trap };
}

/** The literal at `label` (`ldr` literal). */
export function memLiteral(label: MachLabel): Amode {
  return { kind: 'literal', label };
}

/**
 * `[rn, #offset]` for an access of `accessSize` bytes in whichever
 * immediate form encodes it — scaled if aligned and in range, else
 * unscaled — or undefined when neither does (the offset must then go
 * through a register).
 */
export function memImm(rn: Gpr, offset: number, accessSize: number, trap?: TrapCodeNumber): Amode | undefined {
  if (!Number.isInteger(offset)) return undefined;
  if (offset >= 0 && offset % accessSize === 0 && offset / accessSize <= 4095) return memOffset(rn, offset, trap);
  if (offset >= -256 && offset <= 255) return memUnscaled(rn, offset, trap);
  return undefined;
}

export function pairOffset(rn: Gpr, offset = 0, trap?: TrapCodeNumber): PairAmode {
  return trap === undefined ? { kind: 'offset', rn, offset } : { kind: 'offset', rn, offset, trap };
}

export function pairPreIndex(rn: Gpr, offset: number): PairAmode {
  return { kind: 'pre_index', rn, offset };
}

export function pairPostIndex(rn: Gpr, offset: number): PairAmode {
  return { kind: 'post_index', rn, offset };
}

/**
 * The condition of a conditional branch (and of `trap_if`):
 * `b.cond` (flags), `cbz`/`cbnz` (register zero / non-zero), `tbz`/`tbnz`
 * (bit `bit` of `rt` zero / non-zero). `b.cond`, `cbz` and `cbnz` reach
 * ±1 MiB (`Branch19`), `tbz`/`tbnz` ±32 KiB (`Branch14`).
 */
export type BranchCond =
  | { readonly kind: 'cond'; readonly cond: Cond }
  | { readonly kind: 'zero'; readonly size: Size; readonly rt: Gpr }
  | { readonly kind: 'not_zero'; readonly size: Size; readonly rt: Gpr }
  | { readonly kind: 'bit_zero'; readonly rt: Gpr; readonly bit: number }
  | { readonly kind: 'bit_not_zero'; readonly rt: Gpr; readonly bit: number };

/** The branch condition that holds exactly when `c` does not. */
export function invertBranchCond(c: BranchCond): BranchCond {
  switch (c.kind) {
    case 'cond':
      return { kind: 'cond', cond: invertCond(c.cond) };
    case 'zero':
      return { kind: 'not_zero', size: c.size, rt: c.rt };
    case 'not_zero':
      return { kind: 'zero', size: c.size, rt: c.rt };
    case 'bit_zero':
      return { kind: 'bit_not_zero', rt: c.rt, bit: c.bit };
    case 'bit_not_zero':
      return { kind: 'bit_zero', rt: c.rt, bit: c.bit };
  }
}

/** A call's destination: a label in this buffer, or an external name (`Arm64Call` relocation). */
export type CallTarget =
  | { readonly kind: 'label'; readonly label: MachLabel }
  | { readonly kind: 'name'; readonly name: RelocExternalName };

// ---------------------------------------------------------------------------
// Operation enumerations
// ---------------------------------------------------------------------------

export type MovWideOp = 'movz' | 'movn' | 'movk';
export const MOV_WIDE_OPS: readonly MovWideOp[] = ['movz', 'movn', 'movk'];

/** Add/subtract, with `s` = set flags. */
export type AddSubOp = 'add' | 'adds' | 'sub' | 'subs';
export const ADD_SUB_OPS: readonly AddSubOp[] = ['add', 'adds', 'sub', 'subs'];

/** Logical operations of the shifted-register form (`bic`/`orn`/`eon`/`bics` invert rm). */
export type LogicOp = 'and' | 'ands' | 'orr' | 'eor' | 'bic' | 'bics' | 'orn' | 'eon';
export const LOGIC_OPS: readonly LogicOp[] = ['and', 'ands', 'orr', 'eor', 'bic', 'bics', 'orn', 'eon'];

/** Operations of the shifted-register form. */
export type AluOp = AddSubOp | LogicOp;
export const ALU_OPS: readonly AluOp[] = [...ADD_SUB_OPS, ...LOGIC_OPS];

/** Logical operations that take a bitmask immediate. */
export type LogicImmOp = 'and' | 'ands' | 'orr' | 'eor';
export const LOGIC_IMM_OPS: readonly LogicImmOp[] = ['and', 'ands', 'orr', 'eor'];

/** rd = ra ± rn·rm. */
export type MaddOp = 'madd' | 'msub';

/** High 64 bits of the 128-bit product (64-bit only). */
export type MulHighOp = 'smulh' | 'umulh';

/** Data processing, two sources: divisions and variable shifts (amount mod size). */
export type Dp2Op = 'udiv' | 'sdiv' | 'lslv' | 'lsrv' | 'asrv' | 'rorv';
export const DP2_OPS: readonly Dp2Op[] = ['udiv', 'sdiv', 'lslv', 'lsrv', 'asrv', 'rorv'];

/** Signed/unsigned bitfield move; `lsl/lsr/asr #n`, `[us]bfx`, `[us]bfiz`, `sxt*`/`uxt*` are its aliases. */
export type BitfieldOp = 'sbfm' | 'ubfm';

/** Data processing, one source. `rev32` is 64-bit only. */
export type Dp1Op = 'rbit' | 'rev16' | 'rev32' | 'rev' | 'clz' | 'cls';
export const DP1_OPS: readonly Dp1Op[] = ['rbit', 'rev16', 'rev32', 'rev', 'clz', 'cls'];

/** rd = cond ? rn : f(rm) with f = id, +1, ~, −. */
export type CselOp = 'csel' | 'csinc' | 'csinv' | 'csneg';
export const CSEL_OPS: readonly CselOp[] = ['csel', 'csinc', 'csinv', 'csneg'];

/** Conditional compare (`ccmp`: flags of rn − rm) / compare negative (`ccmn`: rn + rm). */
export type CcmpOp = 'ccmp' | 'ccmn';

/**
 * Integer loads, by what they read and produce: `ldrb`/`ldrh`/`ldr_w` zero-extend
 * into a W register (and so into X); `ldrsb_w`/`ldrsh_w` sign-extend to 32 bits,
 * `ldrsb_x`/`ldrsh_x`/`ldrsw` to 64; `ldr_x` reads 64 bits.
 */
export type LoadOp = 'ldrb' | 'ldrsb_w' | 'ldrsb_x' | 'ldrh' | 'ldrsh_w' | 'ldrsh_x' | 'ldr_w' | 'ldrsw' | 'ldr_x';
export const LOAD_OPS: readonly LoadOp[] = ['ldrb', 'ldrsb_w', 'ldrsb_x', 'ldrh', 'ldrsh_w', 'ldrsh_x', 'ldr_w', 'ldrsw', 'ldr_x'];

/** Integer stores of the low 1, 2, 4 or 8 bytes of `rt`. */
export type StoreOp = 'strb' | 'strh' | 'str_w' | 'str_x';
export const STORE_OPS: readonly StoreOp[] = ['strb', 'strh', 'str_w', 'str_x'];

/** Memory access size in bytes, and register size, of each integer load/store. */
export const LOAD_STORE_INFO: Readonly<Record<LoadOp | StoreOp, { readonly bytes: 1 | 2 | 4 | 8; readonly reg: Size; readonly signed: boolean }>> = {
  ldrb: { bytes: 1, reg: 4, signed: false },
  ldrsb_w: { bytes: 1, reg: 4, signed: true },
  ldrsb_x: { bytes: 1, reg: 8, signed: true },
  ldrh: { bytes: 2, reg: 4, signed: false },
  ldrsh_w: { bytes: 2, reg: 4, signed: true },
  ldrsh_x: { bytes: 2, reg: 8, signed: true },
  ldr_w: { bytes: 4, reg: 4, signed: false },
  ldrsw: { bytes: 4, reg: 8, signed: true },
  ldr_x: { bytes: 8, reg: 8, signed: false },
  strb: { bytes: 1, reg: 4, signed: false },
  strh: { bytes: 2, reg: 4, signed: false },
  str_w: { bytes: 4, reg: 4, signed: false },
  str_x: { bytes: 8, reg: 8, signed: false },
};

/** Scalar FP operand size: 4 = single (S), 8 = double (D). */
export type FpSize = 4 | 8;
/** FP/SIMD register transfer size for loads, stores and moves: S, D or Q. */
export type FpMemSize = 4 | 8 | 16;

/** Fused multiply-add, rounded once: fmadd rd = ra + rn·rm, fmsub ra − rn·rm, fnmadd −ra − rn·rm, fnmsub −ra + rn·rm. */
export type FpuRRRROp = 'fmadd' | 'fmsub' | 'fnmadd' | 'fnmsub';
export const FPU_RRRR_OPS: readonly FpuRRRROp[] = ['fmadd', 'fmsub', 'fnmadd', 'fnmsub'];

export type FpuRRROp = 'fadd' | 'fsub' | 'fmul' | 'fdiv' | 'fmax' | 'fmin' | 'fmaxnm' | 'fminnm';
export const FPU_RRR_OPS: readonly FpuRRROp[] = ['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxnm', 'fminnm'];

/**
 * One-source FP operations. Rounding: `frintn` to nearest even, `frintm`
 * toward −∞ (floor), `frintp` toward +∞ (ceil), `frintz` toward zero
 * (trunc), `frinta` nearest with ties away, `frintx`/`frinti` current mode.
 */
export type FpuRROp = 'fabs' | 'fneg' | 'fsqrt' | 'frintn' | 'frintm' | 'frintp' | 'frintz' | 'frinta' | 'frintx' | 'frinti';
export const FPU_RR_OPS: readonly FpuRROp[] = ['fabs', 'fneg', 'fsqrt', 'frintn', 'frintm', 'frintp', 'frintz', 'frinta', 'frintx', 'frinti'];

export type IntToFpuOp = 'scvtf' | 'ucvtf';
/** Float to integer rounding toward zero; out-of-range inputs saturate, NaN gives 0. */
export type FpuToIntOp = 'fcvtzs' | 'fcvtzu';

/** Across-lanes reductions of `v.8b`: `addv b` (sum mod 256), `uaddlv h` (widening sum). */
export type VecReduceOp = 'addv' | 'uaddlv';

// ---------------------------------------------------------------------------
// Instructions
// ---------------------------------------------------------------------------

export type Inst =
  // ---- moves and constants
  /**
   * `movz`/`movn`/`movk rd, #imm16, lsl #shift` (rd ZR). `shift` is 0 or 16
   * (4-byte), 0/16/32/48 (8-byte). movz: rd = imm16 << shift; movn: rd =
   * ~(imm16 << shift); movk: replace that halfword of rd.
   */
  | { readonly kind: 'mov_wide'; readonly op: MovWideOp; readonly size: Size; readonly rd: Gpr; readonly imm16: number; readonly shift: number }
  /**
   * `mov rd, rm`: `orr rd, zr, rm` (both ZR), or, when either is sp,
   * `add rd, rn, #0` (both SP slots; xzr then cannot be used).
   */
  | { readonly kind: 'mov'; readonly size: Size; readonly rd: Gpr; readonly rm: Gpr }
  // ---- integer arithmetic and logic
  /**
   * `op rd, rn, rm{, shift #amount}` — shifted register (rd, rn, rm ZR).
   * Add/sub take `lsl`/`lsr`/`asr`; logical operations also `ror`.
   * Aliases: `cmp`/`cmn`/`tst` (rd = xzr), `neg`/`negs`/`mvn`/`mov` (rn = xzr).
   */
  | {
      readonly kind: 'alu_rrr';
      readonly op: AluOp;
      readonly size: Size;
      readonly rd: Gpr;
      readonly rn: Gpr;
      readonly rm: Gpr;
      readonly shift?: RegShift;
    }
  /**
   * `op rd, rn, #imm12{, lsl #12}` (rn SP; rd SP for add/sub, ZR for
   * adds/subs). Aliases: `mov` to/from sp (`add #0`), `cmp`/`cmn` (rd = xzr).
   */
  | {
      readonly kind: 'alu_rr_imm12';
      readonly op: AddSubOp;
      readonly size: Size;
      readonly rd: Gpr;
      readonly rn: Gpr;
      readonly imm12: number;
      readonly lsl12: boolean;
    }
  /**
   * `op rd, rn, #imm` with a bitmask immediate (rn ZR; rd SP for
   * and/orr/eor, ZR for ands). `imm` must be a logical immediate of the
   * size (`imms.ts`). Aliases: `tst` (ands, rd = xzr), `mov` (orr, rn = xzr).
   */
  | { readonly kind: 'alu_rr_imm_logic'; readonly op: LogicImmOp; readonly size: Size; readonly rd: Gpr; readonly rn: Gpr; readonly imm: bigint }
  /**
   * `op rd, rn, rm, extend #amount` — extended register (rn SP; rd SP for
   * add/sub, ZR for adds/subs; rm ZR; amount 0–4). rm is an X register for
   * `uxtx`/`sxtx`, else a W register.
   */
  | {
      readonly kind: 'alu_rrr_extend';
      readonly op: AddSubOp;
      readonly size: Size;
      readonly rd: Gpr;
      readonly rn: Gpr;
      readonly rm: Gpr;
      readonly extend: ExtendOp;
      readonly amount: number;
    }
  /** `madd`/`msub rd, rn, rm, ra` (all ZR). Aliases `mul`/`mneg` (ra = xzr). */
  | { readonly kind: 'alu_rrrr'; readonly op: MaddOp; readonly size: Size; readonly rd: Gpr; readonly rn: Gpr; readonly rm: Gpr; readonly ra: Gpr }
  /** `smulh`/`umulh xd, xn, xm`. */
  | { readonly kind: 'mul_high'; readonly op: MulHighOp; readonly rd: Gpr; readonly rn: Gpr; readonly rm: Gpr }
  /** `udiv sdiv lslv lsrv asrv rorv rd, rn, rm` (division by zero gives 0; no trap). */
  | { readonly kind: 'alu_2src'; readonly op: Dp2Op; readonly size: Size; readonly rd: Gpr; readonly rn: Gpr; readonly rm: Gpr }
  /** `sbfm`/`ubfm rd, rn, #immr, #imms` (raw fields, each < size·8). */
  | { readonly kind: 'bit_field'; readonly op: BitfieldOp; readonly size: Size; readonly rd: Gpr; readonly rn: Gpr; readonly immr: number; readonly imms: number }
  /** `extr rd, rn, rm, #lsb`: bits lsb… of rn:rm. `ror #n` is `extr rd, rn, rn, #n`. */
  | { readonly kind: 'extr'; readonly size: Size; readonly rd: Gpr; readonly rn: Gpr; readonly rm: Gpr; readonly lsb: number }
  /** `rbit rev16 rev32 rev clz cls rd, rn`. */
  | { readonly kind: 'bit_rr'; readonly op: Dp1Op; readonly size: Size; readonly rd: Gpr; readonly rn: Gpr }
  /** `csel csinc csinv csneg rd, rn, rm, cond`. Aliases `cset`/`csetm`/`cinc`/`cinv`/`cneg`. */
  | { readonly kind: 'csel'; readonly op: CselOp; readonly size: Size; readonly rd: Gpr; readonly rn: Gpr; readonly rm: Gpr; readonly cond: Cond }
  /** `ccmp`/`ccmn rn, rm, #nzcv, cond`: flags = cond ? compare(rn, rm) : nzcv. */
  | { readonly kind: 'ccmp'; readonly op: CcmpOp; readonly size: Size; readonly rn: Gpr; readonly rm: Gpr; readonly nzcv: number; readonly cond: Cond }
  /** `ccmp`/`ccmn rn, #imm5, #nzcv, cond`. */
  | { readonly kind: 'ccmp_imm'; readonly op: CcmpOp; readonly size: Size; readonly rn: Gpr; readonly imm5: number; readonly nzcv: number; readonly cond: Cond }
  // ---- loads and stores
  /** Integer load into `rt` (ZR). `literal` addresses only for `ldr_w`, `ldr_x`, `ldrsw`. */
  | { readonly kind: 'load'; readonly op: LoadOp; readonly rt: Gpr; readonly addr: Amode }
  /** Integer store of `rt` (ZR). */
  | { readonly kind: 'store'; readonly op: StoreOp; readonly rt: Gpr; readonly addr: Amode }
  /** `ldp rt, rt2, addr` (rt, rt2 ZR and distinct). */
  | { readonly kind: 'load_pair'; readonly size: Size; readonly rt: Gpr; readonly rt2: Gpr; readonly addr: PairAmode }
  /** `stp rt, rt2, addr`. */
  | { readonly kind: 'store_pair'; readonly size: Size; readonly rt: Gpr; readonly rt2: Gpr; readonly addr: PairAmode }
  /** `ldr s/d/q`. */
  | { readonly kind: 'fpu_load'; readonly size: FpMemSize; readonly rt: Vreg; readonly addr: Amode }
  /** `str s/d/q`. */
  | { readonly kind: 'fpu_store'; readonly size: FpMemSize; readonly rt: Vreg; readonly addr: Amode }
  | { readonly kind: 'fpu_load_pair'; readonly size: FpMemSize; readonly rt: Vreg; readonly rt2: Vreg; readonly addr: PairAmode }
  | { readonly kind: 'fpu_store_pair'; readonly size: FpMemSize; readonly rt: Vreg; readonly rt2: Vreg; readonly addr: PairAmode }
  /** `adr rd, label` (rd ZR): a `Adr21` use, ±1 MiB. */
  | { readonly kind: 'adr'; readonly rd: Gpr; readonly label: MachLabel }
  /** `adrp rd, #pages`: rd = (pc & ~0xfff) + pages·4096, pages a signed 21-bit count. */
  | { readonly kind: 'adrp'; readonly rd: Gpr; readonly pages: number }
  // ---- control flow
  /** `b label` (`Branch26`), registered with the buffer for simplification. */
  | { readonly kind: 'jump'; readonly target: MachLabel }
  /** One-target conditional branch, registered with its inverse. */
  | { readonly kind: 'cond_jump'; readonly cond: BranchCond; readonly target: MachLabel }
  /** Two-target branch: `b<cond> taken; b notTaken` (the buffer usually removes one). */
  | { readonly kind: 'cond_br'; readonly cond: BranchCond; readonly taken: MachLabel; readonly notTaken: MachLabel }
  /** Branch on `cond` to an out-of-line `udf` (deferred to the next island) that records `trap`. */
  | { readonly kind: 'trap_if'; readonly cond: BranchCond; readonly trap: TrapCodeNumber }
  /** `br rn`. */
  | { readonly kind: 'jump_ind'; readonly rn: Gpr }
  /** `bl` to a label (`Branch26`) or an external name (`Arm64Call`); records a call site. */
  | { readonly kind: 'call'; readonly target: CallTarget }
  /** `blr rn`; records a call site. */
  | { readonly kind: 'call_ind'; readonly rn: Gpr }
  /** `ret` (through x30, or `rn`). */
  | { readonly kind: 'ret'; readonly rn?: Gpr }
  /** The trap instruction (`udf #0xc11f`) with a trap record. */
  | { readonly kind: 'udf'; readonly trap: TrapCodeNumber }
  /** `brk #imm16` (debugger breakpoint). */
  | { readonly kind: 'brk'; readonly imm16: number }
  | { readonly kind: 'nop' }
  // ---- floating point
  /** `fmov s/d` between FP registers; size 16: `mov vd.16b, vn.16b`. */
  | { readonly kind: 'fpu_move'; readonly size: FpMemSize; readonly rd: Vreg; readonly rn: Vreg }
  /** `fmov wd, sn` / `fmov xd, dn` (bit copy; rd ZR). */
  | { readonly kind: 'fmov_to_gpr'; readonly size: Size; readonly rd: Gpr; readonly rn: Vreg }
  /** `fmov sd, wn` / `fmov dd, xn` (bit copy; rn ZR: `fmov d0, xzr` is +0.0). */
  | { readonly kind: 'fmov_from_gpr'; readonly size: Size; readonly rd: Vreg; readonly rn: Gpr }
  /** `fmov sd/dd, #value`: ±(16…31)/16 · 2^(−3…4) only (`fpImm8`). */
  | { readonly kind: 'fmov_imm'; readonly size: FpSize; readonly rd: Vreg; readonly value: number }
  /** `fadd fsub fmul fdiv fmax fmin fmaxnm fminnm rd, rn, rm`. */
  | { readonly kind: 'fpu_rrr'; readonly op: FpuRRROp; readonly size: FpSize; readonly rd: Vreg; readonly rn: Vreg; readonly rm: Vreg }
  /** `fabs fneg fsqrt frint* rd, rn`. */
  | { readonly kind: 'fpu_rrrr'; readonly op: FpuRRRROp; readonly size: FpSize; readonly rd: Vreg; readonly rn: Vreg; readonly rm: Vreg; readonly ra: Vreg }
  | { readonly kind: 'fpu_rr'; readonly op: FpuRROp; readonly size: FpSize; readonly rd: Vreg; readonly rn: Vreg }
  /** `fcvt`: convert between single and double (`from` ≠ `to`). */
  | { readonly kind: 'fpu_cvt'; readonly from: FpSize; readonly to: FpSize; readonly rd: Vreg; readonly rn: Vreg }
  /** `fcmp rn, rm` or `fcmp rn, #0.0`. Unordered sets C and V (so `vs` = unordered). */
  | { readonly kind: 'fpu_cmp'; readonly size: FpSize; readonly rn: Vreg; readonly rm: Vreg | 'zero' }
  /** `fcsel rd, rn, rm, cond`. */
  | { readonly kind: 'fpu_csel'; readonly size: FpSize; readonly rd: Vreg; readonly rn: Vreg; readonly rm: Vreg; readonly cond: Cond }
  /** `scvtf`/`ucvtf` from a W/X register (rn ZR) to S/D. */
  | { readonly kind: 'int_to_fpu'; readonly op: IntToFpuOp; readonly srcSize: Size; readonly dstSize: FpSize; readonly rd: Vreg; readonly rn: Gpr }
  /** `fcvtzs`/`fcvtzu` from S/D to a W/X register (rd ZR). */
  | { readonly kind: 'fpu_to_int'; readonly op: FpuToIntOp; readonly srcSize: FpSize; readonly dstSize: Size; readonly rd: Gpr; readonly rn: Vreg }
  // ---- NEON (popcount)
  /** `cnt vd.8b, vn.8b`: population count of each byte. */
  | { readonly kind: 'vec_cnt'; readonly rd: Vreg; readonly rn: Vreg }
  /** `addv bd, vn.8b` / `uaddlv hd, vn.8b`. Writing a scalar zeroes the rest of vd. */
  | { readonly kind: 'vec_reduce'; readonly op: VecReduceOp; readonly rd: Vreg; readonly rn: Vreg }
  /** `umov rd, vn.<b|h|s|d>[lane]` (rd ZR; X destination only for 8-byte lanes). */
  | { readonly kind: 'umov'; readonly size: 1 | 2 | 4 | 8; readonly rd: Gpr; readonly rn: Vreg; readonly lane: number };

export type InstKind = Inst['kind'];

/**
 * The most bytes one `Inst` emits inline: 8 (`cond_br`); everything else is
 * one 4-byte word. (`trap_if` also defers a 4-byte `udf` to the next island.)
 */
export const MAX_INST_SIZE = 8;

/**
 * The `distance` an emitter passes to `MachBuffer.islandNeeded` before each
 * `Inst` (the buffer's DistanceContract): the instruction itself
 * (`MAX_INST_SIZE`), the most the worst-case island size can grow by
 * emitting it — `cond_br` adds a `Branch19` and a `Branch26` fixup, whose
 * veneers cost 4 + 3 and 20 + 3 bytes with alignment padding (`trap_if`'s
 * veneer and deferred `udf` cost less) — and the `b` around an island with
 * its own possible 20-byte veneer.
 */
export const ISLAND_CHECK_DISTANCE = MAX_INST_SIZE + (4 + 3) + (20 + 3) + 4 + (20 + 3);

// ---------------------------------------------------------------------------
// Alias constructors
// ---------------------------------------------------------------------------

/** `mov rd, rm` (either may be sp). */
export function mov(size: Size, rd: Gpr, rm: Gpr): Inst {
  return { kind: 'mov', size, rd, rm };
}

/** `cmp rn, rm{, shift}`: `subs zr, rn, rm`. */
export function cmp(size: Size, rn: Gpr, rm: Gpr, shift?: RegShift): Inst {
  return shift === undefined
    ? { kind: 'alu_rrr', op: 'subs', size, rd: xzr, rn, rm }
    : { kind: 'alu_rrr', op: 'subs', size, rd: xzr, rn, rm, shift };
}

/** `cmn rn, rm`: `adds zr, rn, rm`. */
export function cmn(size: Size, rn: Gpr, rm: Gpr): Inst {
  return { kind: 'alu_rrr', op: 'adds', size, rd: xzr, rn, rm };
}

/** `tst rn, rm`: `ands zr, rn, rm`. */
export function tst(size: Size, rn: Gpr, rm: Gpr): Inst {
  return { kind: 'alu_rrr', op: 'ands', size, rd: xzr, rn, rm };
}

/** `cmp rn, #imm12{, lsl #12}`: `subs zr, rn, #imm` (rn may be sp). */
export function cmpImm(size: Size, rn: Gpr, imm12: number, lsl12 = false): Inst {
  return { kind: 'alu_rr_imm12', op: 'subs', size, rd: xzr, rn, imm12, lsl12 };
}

/** `cmn rn, #imm12`: `adds zr, rn, #imm`. */
export function cmnImm(size: Size, rn: Gpr, imm12: number, lsl12 = false): Inst {
  return { kind: 'alu_rr_imm12', op: 'adds', size, rd: xzr, rn, imm12, lsl12 };
}

/** `tst rn, #imm`: `ands zr, rn, #imm` (a logical immediate). */
export function tstImm(size: Size, rn: Gpr, imm: bigint): Inst {
  return { kind: 'alu_rr_imm_logic', op: 'ands', size, rd: xzr, rn, imm };
}

/** `neg rd, rm`: `sub rd, zr, rm`. */
export function neg(size: Size, rd: Gpr, rm: Gpr): Inst {
  return { kind: 'alu_rrr', op: 'sub', size, rd, rn: xzr, rm };
}

/** `mvn rd, rm`: `orn rd, zr, rm`. */
export function mvn(size: Size, rd: Gpr, rm: Gpr): Inst {
  return { kind: 'alu_rrr', op: 'orn', size, rd, rn: xzr, rm };
}

/** `mul rd, rn, rm`: `madd rd, rn, rm, zr`. */
export function mul(size: Size, rd: Gpr, rn: Gpr, rm: Gpr): Inst {
  return { kind: 'alu_rrrr', op: 'madd', size, rd, rn, rm, ra: xzr };
}

/** `mneg rd, rn, rm`: `msub rd, rn, rm, zr`. */
export function mneg(size: Size, rd: Gpr, rn: Gpr, rm: Gpr): Inst {
  return { kind: 'alu_rrrr', op: 'msub', size, rd, rn, rm, ra: xzr };
}

function bits(size: Size): number {
  return size * 8;
}

function checkShift(size: Size, n: number, what: string): void {
  if (!(Number.isInteger(n) && n >= 0 && n < bits(size))) throw new RangeError(`${what}: shift ${n} out of range for ${bits(size)} bits`);
}

function checkField(size: Size, lsb: number, width: number, what: string): void {
  if (!(Number.isInteger(lsb) && Number.isInteger(width) && lsb >= 0 && width >= 1 && lsb + width <= bits(size))) {
    throw new RangeError(`${what}: field #${lsb}, #${width} does not fit in ${bits(size)} bits`);
  }
}

/** `lsl rd, rn, #n`: `ubfm rd, rn, #(−n mod size), #(size−1−n)`. */
export function lslImm(size: Size, rd: Gpr, rn: Gpr, n: number): Inst {
  checkShift(size, n, 'lsl');
  const b = bits(size);
  return { kind: 'bit_field', op: 'ubfm', size, rd, rn, immr: (b - n) % b, imms: b - 1 - n };
}

/** `lsr rd, rn, #n`: `ubfm rd, rn, #n, #(size−1)`. */
export function lsrImm(size: Size, rd: Gpr, rn: Gpr, n: number): Inst {
  checkShift(size, n, 'lsr');
  return { kind: 'bit_field', op: 'ubfm', size, rd, rn, immr: n, imms: bits(size) - 1 };
}

/** `asr rd, rn, #n`: `sbfm rd, rn, #n, #(size−1)`. */
export function asrImm(size: Size, rd: Gpr, rn: Gpr, n: number): Inst {
  checkShift(size, n, 'asr');
  return { kind: 'bit_field', op: 'sbfm', size, rd, rn, immr: n, imms: bits(size) - 1 };
}

/** `ror rd, rn, #n`: `extr rd, rn, rn, #n`. */
export function rorImm(size: Size, rd: Gpr, rn: Gpr, n: number): Inst {
  checkShift(size, n, 'ror');
  return { kind: 'extr', size, rd, rn, rm: rn, lsb: n };
}

/** `ubfx rd, rn, #lsb, #width`: zero-extended bits lsb…lsb+width−1. */
export function ubfx(size: Size, rd: Gpr, rn: Gpr, lsb: number, width: number): Inst {
  checkField(size, lsb, width, 'ubfx');
  return { kind: 'bit_field', op: 'ubfm', size, rd, rn, immr: lsb, imms: lsb + width - 1 };
}

/** `sbfx rd, rn, #lsb, #width`: sign-extended bits lsb…lsb+width−1. */
export function sbfx(size: Size, rd: Gpr, rn: Gpr, lsb: number, width: number): Inst {
  checkField(size, lsb, width, 'sbfx');
  return { kind: 'bit_field', op: 'sbfm', size, rd, rn, immr: lsb, imms: lsb + width - 1 };
}

/** `ubfiz rd, rn, #lsb, #width`: the low `width` bits of rn placed at `lsb`, zeros elsewhere. */
export function ubfiz(size: Size, rd: Gpr, rn: Gpr, lsb: number, width: number): Inst {
  checkField(size, lsb, width, 'ubfiz');
  const b = bits(size);
  return { kind: 'bit_field', op: 'ubfm', size, rd, rn, immr: (b - lsb) % b, imms: width - 1 };
}

/** `sbfiz rd, rn, #lsb, #width`: like `ubfiz`, sign-extended above the field. */
export function sbfiz(size: Size, rd: Gpr, rn: Gpr, lsb: number, width: number): Inst {
  checkField(size, lsb, width, 'sbfiz');
  const b = bits(size);
  return { kind: 'bit_field', op: 'sbfm', size, rd, rn, immr: (b - lsb) % b, imms: width - 1 };
}

/** `sxtb rd, wn` (to W or X). */
export function sxtb(size: Size, rd: Gpr, rn: Gpr): Inst {
  return sbfx(size, rd, rn, 0, 8);
}

/** `sxth rd, wn` (to W or X). */
export function sxth(size: Size, rd: Gpr, rn: Gpr): Inst {
  return sbfx(size, rd, rn, 0, 16);
}

/** `sxtw xd, wn`. */
export function sxtw(rd: Gpr, rn: Gpr): Inst {
  return sbfx(8, rd, rn, 0, 32);
}

/** `uxtb wd, wn` (zero-extends into the X register too). */
export function uxtb(rd: Gpr, rn: Gpr): Inst {
  return ubfx(4, rd, rn, 0, 8);
}

/** `uxth wd, wn`. */
export function uxth(rd: Gpr, rn: Gpr): Inst {
  return ubfx(4, rd, rn, 0, 16);
}

/** `cset rd, cond`: rd = cond ? 1 : 0 (`csinc rd, zr, zr, !cond`). */
export function cset(size: Size, rd: Gpr, cond: Cond): Inst {
  return { kind: 'csel', op: 'csinc', size, rd, rn: xzr, rm: xzr, cond: invertCond(cond) };
}

/** `csetm rd, cond`: rd = cond ? −1 : 0 (`csinv rd, zr, zr, !cond`). */
export function csetm(size: Size, rd: Gpr, cond: Cond): Inst {
  return { kind: 'csel', op: 'csinv', size, rd, rn: xzr, rm: xzr, cond: invertCond(cond) };
}

/** `add rd, rn, #imm12{, lsl #12}` (rd, rn may be sp). */
export function addImm(size: Size, rd: Gpr, rn: Gpr, imm12: number, lsl12 = false): Inst {
  return { kind: 'alu_rr_imm12', op: 'add', size, rd, rn, imm12, lsl12 };
}

/** `sub rd, rn, #imm12{, lsl #12}` (rd, rn may be sp). */
export function subImm(size: Size, rd: Gpr, rn: Gpr, imm12: number, lsl12 = false): Inst {
  return { kind: 'alu_rr_imm12', op: 'sub', size, rd, rn, imm12, lsl12 };
}
