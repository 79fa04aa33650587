/**
 * Printing AArch64 instructions in the syntax GNU objdump uses
 * (`aarch64-linux-gnu-objdump -d`): `ldr x0, [x1, w2, uxtw #3]`.
 *
 * Matching objdump exactly lets the golden tests compare the printed intent
 * of an `Inst` with an independent decoding of its bytes, token for token.
 * Most of the work is choosing the *preferred alias* exactly where objdump
 * does, because A64 makes many mnemonics aliases of a general form and the
 * disassembler prints the alias whenever its condition holds:
 *
 * * `orr rd, zr, rm` → `mov`; `orn rd, zr, rm` → `mvn`; `sub rd, zr, rm` →
 *   `neg`; `subs`/`adds`/`ands` with rd = zr → `cmp`/`cmn`/`tst`;
 *   `add rd, rn, #0` with sp → `mov`.
 * * `movz`/`movn` → `mov #value` unless the halfword is 0 at a non-zero
 *   shift (and, for a W register, unless `movn` would give 0xffff····);
 *   `orr rd, zr, #imm` → `mov #imm` unless one `movz`/`movn` could produce
 *   the value in rd (the Arm ARM's MoveWidePreferred; never for rd = sp,
 *   which a move-wide cannot write).
 * * `ubfm`/`sbfm` → `lsl`/`lsr`/`asr #n`, `uxtb`/`uxth` (W only),
 *   `sxtb`/`sxth`/`sxtw`, `ubfiz`/`sbfiz`, else `ubfx`/`sbfx`.
 * * `extr rd, rn, rn` → `ror`; `madd`/`msub` with ra = zr → `mul`/`mneg`;
 *   `lslv`… → `lsl`…; `csinc`/`csinv`/`csneg` → `cset`/`csetm`/`cinc`/
 *   `cinv`/`cneg`; `umov` of S/D lanes → `mov`; vector `orr` → `mov`.
 * * The extended-register form with sp prints `uxtx` (`uxtw` for W) as
 *   `lsl #n`, or nothing when n = 0.
 *
 * Numbers follow objdump too: arithmetic, logical and move immediates in
 * hex (`#0x10`), memory offsets, shift amounts and bit positions in decimal
 * (`[x1, #-8]`, `lsl #3`, `tbz w0, #3`), `udf` in decimal, FP immediates
 * as `%.18e`. objdump's trailing comments (`// #1`, `// b.none`) are not
 * part of the text it is compared with.
 *
 * PC-relative targets print as the absolute address objdump computes when
 * the caller supplies the instruction's address (`pc`) and label offsets;
 * otherwise as `label3`. A form that emits two instructions (`cond_br`)
 * prints one line per instruction, joined by `\n`.
 */
import type { MachLabel } from '@derrick/codegen';
import { encodeMovn, encodeMovz } from './imms.js';
import {
  COND_NAMES,
  LOAD_STORE_INFO,
  type Amode,
  type BranchCond,
  type Cond,
  type Inst,
  type LoadOp,
  type PairAmode,
  type RegShift,
  type StoreOp,
} from './inst.js';
import { gprName, sp, vregName, xzr, type Gpr, type ScalarSize, type Size, type Vreg } from './regs.js';

/** Where the instruction is and where labels are, for PC-relative operands. */
export interface PrintContext {
  /** Address of the instruction's first byte. */
  readonly pc?: number;
  /** Offset of a label, if known. */
  readonly labelOffset?: (label: MachLabel) => number | undefined;
}

function hex(v: number | bigint): string {
  return '0x' + BigInt(v).toString(16);
}

/** `0x…` of an address as objdump shows it (64-bit wrap-around for negatives). */
function addrText(a: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(a)).toString(16);
}

function labelText(l: MachLabel, ctx: PrintContext | undefined): string {
  const o = ctx?.labelOffset?.(l);
  return o === undefined ? `label${l}` : addrText(o);
}

function g(r: Gpr, size: Size): string {
  return gprName(r, size);
}

function v(r: Vreg, size: ScalarSize): string {
  return vregName(r, size);
}

function cond(c: Cond): string {
  return COND_NAMES[c]!;
}

function invCond(c: Cond): string {
  return COND_NAMES[c ^ 1]!;
}

function shiftText(s: RegShift | undefined): string {
  if (s === undefined || (s.op === 'lsl' && s.amount === 0)) return '';
  return `, ${s.op} #${s.amount}`;
}

/** An FP immediate as C's `%.18e`. */
export function fpImmText(value: number): string {
  return value.toExponential(18).replace(/e([+-])(\d)$/, 'e$10$2');
}

const LOAD_MNEMONIC: Record<LoadOp | StoreOp, string> = {
  ldrb: 'ldrb',
  ldrsb_w: 'ldrsb',
  ldrsb_x: 'ldrsb',
  ldrh: 'ldrh',
  ldrsh_w: 'ldrsh',
  ldrsh_x: 'ldrsh',
  ldr_w: 'ldr',
  ldrsw: 'ldrsw',
  ldr_x: 'ldr',
  strb: 'strb',
  strh: 'strh',
  str_w: 'str',
  str_x: 'str',
};

/** `ldr` → `ldur`, `ldrsb` → `ldursb`, `strh` → `sturh`. */
function unscaledMnemonic(m: string): string {
  return m.slice(0, 2) + 'u' + m.slice(2);
}

function offsetText(offset: number): string {
  return offset === 0 ? '' : `, #${offset}`;
}

/** The address operand of a load/store of `bytes` bytes (literals need the context). */
export function amodeText(a: Amode, bytes: number, ctx?: PrintContext): string {
  switch (a.kind) {
    case 'offset':
    case 'unscaled':
      return `[${g(a.rn, 8)}${offsetText(a.offset)}]`;
    case 'pre_index':
      return `[${g(a.rn, 8)}, #${a.offset}]!`;
    case 'post_index':
      return `[${g(a.rn, 8)}], #${a.offset}`;
    case 'reg': {
      const wide = a.extend === 'lsl' || a.extend === 'sxtx';
      const index = g(a.rm, wide ? 8 : 4);
      const amount = a.shifted ? ` #${Math.log2(bytes)}` : '';
      if (a.extend === 'lsl') return a.shifted ? `[${g(a.rn, 8)}, ${index}, lsl${amount}]` : `[${g(a.rn, 8)}, ${index}]`;
      return `[${g(a.rn, 8)}, ${index}, ${a.extend}${amount}]`;
    }
    case 'literal':
      return labelText(a.label, ctx);
  }
}

function pairAmodeText(a: PairAmode): string {
  switch (a.kind) {
    case 'offset':
      return `[${g(a.rn, 8)}${offsetText(a.offset)}]`;
    case 'pre_index':
      return `[${g(a.rn, 8)}, #${a.offset}]!`;
    case 'post_index':
      return `[${g(a.rn, 8)}], #${a.offset}`;
  }
}

function loadStoreText(mnemonic: string, rt: string, a: Amode, bytes: number, ctx: PrintContext | undefined): string {
  const m = a.kind === 'unscaled' ? unscaledMnemonic(mnemonic) : mnemonic;
  return `${m} ${rt}, ${amodeText(a, bytes, ctx)}`;
}

/** The text of a conditional branch on `c` to `target` (already formatted). */
function condBranchText(c: BranchCond, target: string): string {
  switch (c.kind) {
    case 'cond':
      return `b.${cond(c.cond)} ${target}`;
    case 'zero':
      return `cbz ${g(c.rt, c.size)}, ${target}`;
    case 'not_zero':
      return `cbnz ${g(c.rt, c.size)}, ${target}`;
    case 'bit_zero':
      return `tbz ${g(c.rt, c.bit < 32 ? 4 : 8)}, #${c.bit}, ${target}`;
    case 'bit_not_zero':
      return `tbnz ${g(c.rt, c.bit < 32 ? 4 : 8)}, #${c.bit}, ${target}`;
  }
}

function mask(size: Size): bigint {
  return (1n << BigInt(size * 8)) - 1n;
}

/** `Inst` as objdump prints its encoding. */
export function printInst(inst: Inst, ctx?: PrintContext): string {
  switch (inst.kind) {
    case 'mov_wide': {
      const rd = g(inst.rd, inst.size);
      if (inst.op === 'movk') return `movk ${rd}, #${hex(inst.imm16)}${inst.shift === 0 ? '' : `, lsl #${inst.shift}`}`;
      const value = BigInt(inst.imm16) << BigInt(inst.shift);
      const alias = !(inst.imm16 === 0 && inst.shift !== 0) && !(inst.op === 'movn' && inst.size === 4 && inst.imm16 === 0xffff);
      if (alias) return `mov ${rd}, #${hex(inst.op === 'movz' ? value : ~value & mask(inst.size))}`;
      return `${inst.op} ${rd}, #${hex(inst.imm16)}${inst.shift === 0 ? '' : `, lsl #${inst.shift}`}`;
    }
    case 'mov':
      return `mov ${g(inst.rd, inst.size)}, ${g(inst.rm, inst.size)}`;

    case 'alu_rrr': {
      const s = inst.size;
      const sh = shiftText(inst.shift);
      const rd = g(inst.rd, s);
      const rn = g(inst.rn, s);
      const rm = g(inst.rm, s);
      switch (inst.op) {
        case 'adds':
          if (inst.rd === xzr) return `cmn ${rn}, ${rm}${sh}`;
          break;
        case 'sub':
          if (inst.rn === xzr) return `neg ${rd}, ${rm}${sh}`;
          break;
        case 'subs':
          if (inst.rd === xzr) return `cmp ${rn}, ${rm}${sh}`;
          if (inst.rn === xzr) return `negs ${rd}, ${rm}${sh}`;
          break;
        case 'ands':
          if (inst.rd === xzr) return `tst ${rn}, ${rm}${sh}`;
          break;
        case 'orr':
          if (inst.rn === xzr && sh === '') return `mov ${rd}, ${rm}`;
          break;
        case 'orn':
          if (inst.rn === xzr) return `mvn ${rd}, ${rm}${sh}`;
          break;
        default:
          break;
      }
      return `${inst.op} ${rd}, ${rn}, ${rm}${sh}`;
    }
    case 'alu_rr_imm12': {
      const s = inst.size;
      const imm = `#${hex(inst.imm12)}${inst.lsl12 ? ', lsl #12' : ''}`;
      if (inst.op === 'add' && inst.imm12 === 0 && !inst.lsl12 && (inst.rd === sp || inst.rn === sp)) {
        return `mov ${g(inst.rd, s)}, ${g(inst.rn, s)}`;
      }
      if (inst.op === 'subs' && inst.rd === xzr) return `cmp ${g(inst.rn, s)}, ${imm}`;
      if (inst.op === 'adds' && inst.rd === xzr) return `cmn ${g(inst.rn, s)}, ${imm}`;
      return `${inst.op} ${g(inst.rd, s)}, ${g(inst.rn, s)}, ${imm}`;
    }
    case 'alu_rr_imm_logic': {
      const s = inst.size;
      const value = BigInt.asUintN(s * 8, inst.imm);
      const imm = `#${hex(value)}`;
      if (inst.op === 'ands' && inst.rd === xzr) return `tst ${g(inst.rn, s)}, ${imm}`;
      // A move-wide cannot write sp, so with sp the alias is always preferred.
      const moveWide = inst.rd !== sp && (encodeMovz(value, s) !== undefined || encodeMovn(value, s) !== undefined);
      if (inst.op === 'orr' && inst.rn === xzr && !moveWide) {
        return `mov ${g(inst.rd, s)}, ${imm}`;
      }
      return `${inst.op} ${g(inst.rd, s)}, ${g(inst.rn, s)}, ${imm}`;
    }
    case 'alu_rrr_extend': {
      const s = inst.size;
      const wideRm = s === 8 && (inst.extend === 'uxtx' || inst.extend === 'sxtx');
      const rm = g(inst.rm, wideRm ? 8 : 4);
      let ext: string;
      const lslAlias = (inst.rd === sp || inst.rn === sp) && inst.extend === (s === 8 ? 'uxtx' : 'uxtw');
      if (lslAlias) ext = inst.amount === 0 ? '' : `, lsl #${inst.amount}`;
      else ext = `, ${inst.extend}${inst.amount === 0 ? '' : ` #${inst.amount}`}`;
      if ((inst.op === 'subs' || inst.op === 'adds') && inst.rd === xzr) {
        return `${inst.op === 'subs' ? 'cmp' : 'cmn'} ${g(inst.rn, s)}, ${rm}${ext}`;
      }
      return `${inst.op} ${g(inst.rd, s)}, ${g(inst.rn, s)}, ${rm}${ext}`;
    }
    case 'alu_rrrr': {
      const s = inst.size;
      if (inst.ra === xzr) return `${inst.op === 'madd' ? 'mul' : 'mneg'} ${g(inst.rd, s)}, ${g(inst.rn, s)}, ${g(inst.rm, s)}`;
      return `${inst.op} ${g(inst.rd, s)}, ${g(inst.rn, s)}, ${g(inst.rm, s)}, ${g(inst.ra, s)}`;
    }
    case 'mul_high':
      return `${inst.op} ${g(inst.rd, 8)}, ${g(inst.rn, 8)}, ${g(inst.rm, 8)}`;
    case 'alu_2src': {
      const s = inst.size;
      // The variable shifts print without their `v`.
      const m = { udiv: 'udiv', sdiv: 'sdiv', lslv: 'lsl', lsrv: 'lsr', asrv: 'asr', rorv: 'ror' }[inst.op];
      return `${m} ${g(inst.rd, s)}, ${g(inst.rn, s)}, ${g(inst.rm, s)}`;
    }
    case 'bit_field': {
      const s = inst.size;
      const top = s * 8 - 1;
      const { immr, imms } = inst;
      const rd = g(inst.rd, s);
      const rn = g(inst.rn, s);
      if (inst.op === 'ubfm') {
        if (imms !== top && imms + 1 === immr) return `lsl ${rd}, ${rn}, #${top - imms}`;
        if (imms === top) return `lsr ${rd}, ${rn}, #${immr}`;
        if (imms < immr) return `ubfiz ${rd}, ${rn}, #${top + 1 - immr}, #${imms + 1}`;
        if (s === 4 && immr === 0 && imms === 7) return `uxtb ${rd}, ${g(inst.rn, 4)}`;
        if (s === 4 && immr === 0 && imms === 15) return `uxth ${rd}, ${g(inst.rn, 4)}`;
        return `ubfx ${rd}, ${rn}, #${immr}, #${imms - immr + 1}`;
      }
      if (imms === top) return `asr ${rd}, ${rn}, #${immr}`;
      if (imms < immr) return `sbfiz ${rd}, ${rn}, #${top + 1 - immr}, #${imms + 1}`;
      if (immr === 0 && imms === 7) return `sxtb ${rd}, ${g(inst.rn, 4)}`;
      if (immr === 0 && imms === 15) return `sxth ${rd}, ${g(inst.rn, 4)}`;
      if (s === 8 && immr === 0 && imms === 31) return `sxtw ${rd}, ${g(inst.rn, 4)}`;
      return `sbfx ${rd}, ${rn}, #${immr}, #${imms - immr + 1}`;
    }
    case 'extr': {
      const s = inst.size;
      if (inst.rn === inst.rm) return `ror ${g(inst.rd, s)}, ${g(inst.rn, s)}, #${inst.lsb}`;
      return `extr ${g(inst.rd, s)}, ${g(inst.rn, s)}, ${g(inst.rm, s)}, #${inst.lsb}`;
    }
    case 'bit_rr':
      return `${inst.op} ${g(inst.rd, inst.size)}, ${g(inst.rn, inst.size)}`;
    case 'csel': {
      const s = inst.size;
      const rd = g(inst.rd, s);
      const always = inst.cond >= 14;
      if (!always && inst.rn === inst.rm && inst.op !== 'csel') {
        if (inst.rn === xzr && inst.op === 'csinc') return `cset ${rd}, ${invCond(inst.cond)}`;
        if (inst.rn === xzr && inst.op === 'csinv') return `csetm ${rd}, ${invCond(inst.cond)}`;
        const alias = inst.op === 'csinc' ? 'cinc' : inst.op === 'csinv' ? 'cinv' : 'cneg';
        return `${alias} ${rd}, ${g(inst.rn, s)}, ${invCond(inst.cond)}`;
      }
      return `${inst.op} ${rd}, ${g(inst.rn, s)}, ${g(inst.rm, s)}, ${cond(inst.cond)}`;
    }
    case 'ccmp':
      return `${inst.op} ${g(inst.rn, inst.size)}, ${g(inst.rm, inst.size)}, #${hex(inst.nzcv)}, ${cond(inst.cond)}`;
    case 'ccmp_imm':
      return `${inst.op} ${g(inst.rn, inst.size)}, #${hex(inst.imm5)}, #${hex(inst.nzcv)}, ${cond(inst.cond)}`;

    case 'load':
    case 'store': {
      const info = LOAD_STORE_INFO[inst.op];
      return loadStoreText(LOAD_MNEMONIC[inst.op], g(inst.rt, info.reg), inst.addr, info.bytes, ctx);
    }
    case 'fpu_load':
    case 'fpu_store':
      return loadStoreText(inst.kind === 'fpu_load' ? 'ldr' : 'str', v(inst.rt, inst.size), inst.addr, inst.size, ctx);
    case 'load_pair':
    case 'store_pair':
      return `${inst.kind === 'load_pair' ? 'ldp' : 'stp'} ${g(inst.rt, inst.size)}, ${g(inst.rt2, inst.size)}, ${pairAmodeText(inst.addr)}`;
    case 'fpu_load_pair':
    case 'fpu_store_pair':
      return `${inst.kind === 'fpu_load_pair' ? 'ldp' : 'stp'} ${v(inst.rt, inst.size)}, ${v(inst.rt2, inst.size)}, ${pairAmodeText(inst.addr)}`;
    case 'adr':
      return `adr ${g(inst.rd, 8)}, ${labelText(inst.label, ctx)}`;
    case 'adrp': {
      const target = ctx?.pc === undefined ? `page${inst.pages >= 0 ? '+' : ''}${inst.pages}` : addrText(Math.floor(ctx.pc / 4096) * 4096 + inst.pages * 4096);
      return `adrp ${g(inst.rd, 8)}, ${target}`;
    }

    case 'jump':
      return `b ${labelText(inst.target, ctx)}`;
    case 'cond_jump':
      return condBranchText(inst.cond, labelText(inst.target, ctx));
    case 'cond_br':
      return `${condBranchText(inst.cond, labelText(inst.taken, ctx))}\nb ${labelText(inst.notTaken, ctx)}`;
    case 'trap_if':
      return condBranchText(inst.cond, `trap${inst.trap}`);
    case 'jump_ind':
      return `br ${g(inst.rn, 8)}`;
    case 'call':
      return `bl ${inst.target.kind === 'label' ? labelText(inst.target.label, ctx) : JSON.stringify(inst.target.name)}`;
    case 'call_ind':
      return `blr ${g(inst.rn, 8)}`;
    case 'ret':
      return inst.rn === undefined || inst.rn === 30 ? 'ret' : `ret ${g(inst.rn, 8)}`;
    case 'udf':
      return `udf #${0xc11f}`;
    case 'brk':
      return `brk #${hex(inst.imm16)}`;
    case 'nop':
      return 'nop';

    case 'fpu_move':
      return inst.size === 16 ? `mov v${inst.rd}.16b, v${inst.rn}.16b` : `fmov ${v(inst.rd, inst.size)}, ${v(inst.rn, inst.size)}`;
    case 'fmov_to_gpr':
      return `fmov ${g(inst.rd, inst.size)}, ${v(inst.rn, inst.size)}`;
    case 'fmov_from_gpr':
      return `fmov ${v(inst.rd, inst.size)}, ${g(inst.rn, inst.size)}`;
    case 'fmov_imm':
      return `fmov ${v(inst.rd, inst.size)}, #${fpImmText(inst.value)}`;
    case 'fpu_rrr':
      return `${inst.op} ${v(inst.rd, inst.size)}, ${v(inst.rn, inst.size)}, ${v(inst.rm, inst.size)}`;
    case 'fpu_rrrr':
      return `${inst.op} ${v(inst.rd, inst.size)}, ${v(inst.rn, inst.size)}, ${v(inst.rm, inst.size)}, ${v(inst.ra, inst.size)}`;
    case 'fpu_rr':
      return `${inst.op} ${v(inst.rd, inst.size)}, ${v(inst.rn, inst.size)}`;
    case 'fpu_cvt':
      return `fcvt ${v(inst.rd, inst.to)}, ${v(inst.rn, inst.from)}`;
    case 'fpu_cmp':
      return `fcmp ${v(inst.rn, inst.size)}, ${inst.rm === 'zero' ? '#0.0' : v(inst.rm, inst.size)}`;
    case 'fpu_csel':
      return `fcsel ${v(inst.rd, inst.size)}, ${v(inst.rn, inst.size)}, ${v(inst.rm, inst.size)}, ${cond(inst.cond)}`;
    case 'int_to_fpu':
      return `${inst.op} ${v(inst.rd, inst.dstSize)}, ${g(inst.rn, inst.srcSize)}`;
    case 'fpu_to_int':
      return `${inst.op} ${g(inst.rd, inst.dstSize)}, ${v(inst.rn, inst.srcSize)}`;

    case 'vec_cnt':
      return `cnt v${inst.rd}.8b, v${inst.rn}.8b`;
    case 'vec_reduce':
      return inst.op === 'addv' ? `addv b${inst.rd}, v${inst.rn}.8b` : `uaddlv h${inst.rd}, v${inst.rn}.8b`;
    case 'umov': {
      const lane = { 1: 'b', 2: 'h', 4: 's', 8: 'd' }[inst.size];
      const m = inst.size >= 4 ? 'mov' : 'umov';
      return `${m} ${g(inst.rd, inst.size === 8 ? 8 : 4)}, v${inst.rn}.${lane}[${inst.lane}]`;
    }
  }
}
