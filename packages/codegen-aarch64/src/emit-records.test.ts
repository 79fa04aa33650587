/**
 * What emission records besides words — traps, call sites, relocations,
 * deferred traps — and the operands it rejects: every immediate one past
 * its boundary, every register-31 slot given the wrong register, and the
 * register combinations the architecture leaves unpredictable.
 * (Word-level correctness is `emit.test.ts`, against objdump.)
 */
import { describe, expect, it } from 'vitest';
import { createAArch64Buffer, emit } from './emit.js';
import { AArch64EncodeError } from './encode.js';
import {
  memLiteral,
  memOffset,
  memPostIndex,
  memPreIndex,
  memReg,
  memUnscaled,
  pairOffset,
  pairPostIndex,
  pairPreIndex,
  type Inst,
} from './inst.js';
import { printInst } from './print.js';
import { sp, vreg, x0, x1, x2, x3, xzr } from './regs.js';

function run(insts: Inst[]) {
  const buf = createAArch64Buffer();
  for (const i of insts) emit(i, buf);
  return { buf, fin: buf.finish() };
}

describe('AArch64 emission records', () => {
  it('records a trap at a memory access that can trap, and at udf', () => {
    const { fin } = run([
      { kind: 'mov', size: 8, rd: x0, rm: x1 },
      { kind: 'load', op: 'ldr_x', rt: x0, addr: memOffset(x1, 8, 2) },
      { kind: 'store', op: 'strh', rt: x0, addr: memReg(x1, x2, 'uxtw', true, 2) },
      { kind: 'fpu_load', size: 8, rt: vreg(1), addr: memUnscaled(x1, -8, 5) },
      { kind: 'store_pair', size: 8, rt: x0, rt2: x1, addr: pairOffset(x2, 16, 4) },
      { kind: 'load', op: 'ldr_x', rt: x0, addr: memOffset(x1, 8) },
      { kind: 'udf', trap: 6 },
    ]);
    expect(fin.traps).toEqual([
      { offset: 4, code: 2 },
      { offset: 8, code: 2 },
      { offset: 12, code: 5 },
      { offset: 16, code: 4 },
      { offset: 24, code: 6 },
    ]);
  });

  it('defers the udf of a conditional trap to the end, with its record', () => {
    const { fin } = run([
      { kind: 'trap_if', cond: { kind: 'zero', size: 4, rt: x1 }, trap: 3 },
      { kind: 'trap_if', cond: { kind: 'bit_not_zero', rt: x2, bit: 40 }, trap: 7 },
      { kind: 'ret' },
    ]);
    expect(fin.traps).toEqual([
      { offset: 12, code: 3 },
      { offset: 16, code: 7 },
    ]);
    const w = (at: number) => new DataView(fin.data.buffer, fin.data.byteOffset + at, 4).getUint32(0, true);
    expect(w(0)).toBe(0x3400_0000 | (3 << 5) | 1); // cbz w1, +12
    expect(w(4) >>> 0).toBe((0xb700_0000 | (8 << 19) | (3 << 5) | 2) >>> 0); // tbnz x2, #40, +12
    expect(w(12)).toBe(0xc11f);
  });

  it('records call sites at return addresses and an Arm64Call relocation for external names', () => {
    const buf = createAArch64Buffer();
    const f = buf.getLabel();
    buf.bindLabel(f);
    emit({ kind: 'nop' }, buf);
    emit({ kind: 'call', target: { kind: 'name', name: { kind: 'user', ref: 2 } } }, buf);
    emit({ kind: 'call', target: { kind: 'label', label: f } }, buf);
    emit({ kind: 'call_ind', rn: x3 }, buf);
    const fin = buf.finish();
    expect(fin.callSites).toEqual([{ retAddr: 8 }, { retAddr: 12 }, { retAddr: 16 }]);
    expect(fin.relocs).toEqual([{ offset: 4, kind: 'Arm64Call', target: { kind: 'name', name: { kind: 'user', ref: 2 } }, addend: 0 }]);
  });

  it('the two-target branch loses its unconditional half when the not-taken block follows', () => {
    const buf = createAArch64Buffer();
    const a = buf.getLabel();
    const b = buf.getLabel();
    emit({ kind: 'cond_br', cond: { kind: 'cond', cond: 0 }, taken: a, notTaken: b }, buf);
    buf.bindLabel(b);
    emit({ kind: 'nop' }, buf);
    buf.bindLabel(a);
    emit({ kind: 'ret' }, buf);
    const { data } = buf.finish();
    expect(data.length).toBe(12);
    expect(new DataView(data.buffer).getUint32(0, true)).toBe(0x5400_0000 | (2 << 5)); // b.eq +8
  });
});

const v0 = vreg(0);
const v1 = vreg(1);

/** Instructions the encoder must reject, each with the reason in its title. */
const REJECTED: [string, Inst][] = [
  // moves
  ['movz shift 32 on W', { kind: 'mov_wide', op: 'movz', size: 4, rd: x0, imm16: 1, shift: 32 }],
  ['movk shift 8', { kind: 'mov_wide', op: 'movk', size: 8, rd: x0, imm16: 1, shift: 8 }],
  ['movz shift 64', { kind: 'mov_wide', op: 'movz', size: 8, rd: x0, imm16: 1, shift: 64 }],
  ['movz imm16 0x10000', { kind: 'mov_wide', op: 'movz', size: 8, rd: x0, imm16: 0x10000, shift: 0 }],
  ['movn imm16 −1', { kind: 'mov_wide', op: 'movn', size: 8, rd: x0, imm16: -1, shift: 0 }],
  ['movz to sp', { kind: 'mov_wide', op: 'movz', size: 8, rd: sp, imm16: 1, shift: 0 }],
  ['mov sp, xzr', { kind: 'mov', size: 8, rd: sp, rm: xzr }],
  ['mov xzr, sp', { kind: 'mov', size: 8, rd: xzr, rm: sp }],
  // shifted register
  ['add rd sp (shifted register)', { kind: 'alu_rrr', op: 'add', size: 8, rd: sp, rn: x1, rm: x2 }],
  ['add rn sp (shifted register)', { kind: 'alu_rrr', op: 'add', size: 8, rd: x0, rn: sp, rm: x2 }],
  ['orr rm sp', { kind: 'alu_rrr', op: 'orr', size: 8, rd: x0, rn: x1, rm: sp }],
  ['shift 32 on W', { kind: 'alu_rrr', op: 'add', size: 4, rd: x0, rn: x1, rm: x2, shift: { op: 'lsl', amount: 32 } }],
  ['shift 64 on X', { kind: 'alu_rrr', op: 'eor', size: 8, rd: x0, rn: x1, rm: x2, shift: { op: 'lsr', amount: 64 } }],
  ['shift −1', { kind: 'alu_rrr', op: 'and', size: 8, rd: x0, rn: x1, rm: x2, shift: { op: 'lsl', amount: -1 } }],
  ['ror on add', { kind: 'alu_rrr', op: 'sub', size: 8, rd: x0, rn: x1, rm: x2, shift: { op: 'ror', amount: 1 } }],
  // arithmetic immediate
  ['imm12 4096', { kind: 'alu_rr_imm12', op: 'add', size: 8, rd: x0, rn: x1, imm12: 4096, lsl12: false }],
  ['imm12 −1', { kind: 'alu_rr_imm12', op: 'sub', size: 8, rd: x0, rn: x1, imm12: -1, lsl12: false }],
  ['add imm rn xzr', { kind: 'alu_rr_imm12', op: 'add', size: 8, rd: x0, rn: xzr, imm12: 1, lsl12: false }],
  ['add imm rd xzr', { kind: 'alu_rr_imm12', op: 'add', size: 8, rd: xzr, rn: x1, imm12: 1, lsl12: false }],
  ['subs imm rd sp', { kind: 'alu_rr_imm12', op: 'subs', size: 8, rd: sp, rn: x1, imm12: 1, lsl12: false }],
  // logical immediate
  ['logical imm 0', { kind: 'alu_rr_imm_logic', op: 'and', size: 8, rd: x0, rn: x1, imm: 0n }],
  ['logical imm all-ones', { kind: 'alu_rr_imm_logic', op: 'orr', size: 8, rd: x0, rn: x1, imm: -1n }],
  ['logical imm 32-bit all-ones', { kind: 'alu_rr_imm_logic', op: 'eor', size: 4, rd: x0, rn: x1, imm: 0xffff_ffffn }],
  ['logical imm 0b101', { kind: 'alu_rr_imm_logic', op: 'and', size: 4, rd: x0, rn: x1, imm: 5n }],
  ['logical imm wider than W', { kind: 'alu_rr_imm_logic', op: 'and', size: 4, rd: x0, rn: x1, imm: 0x1_0000_00ffn }],
  ['logical imm wider than X', { kind: 'alu_rr_imm_logic', op: 'and', size: 8, rd: x0, rn: x1, imm: 1n << 64n }],
  ['and imm rn sp', { kind: 'alu_rr_imm_logic', op: 'and', size: 8, rd: x0, rn: sp, imm: 1n }],
  ['and imm rd xzr', { kind: 'alu_rr_imm_logic', op: 'and', size: 8, rd: xzr, rn: x1, imm: 1n }],
  ['ands imm rd sp', { kind: 'alu_rr_imm_logic', op: 'ands', size: 8, rd: sp, rn: x1, imm: 1n }],
  // extended register
  ['extend amount 5', { kind: 'alu_rrr_extend', op: 'add', size: 8, rd: x0, rn: x1, rm: x2, extend: 'uxtw', amount: 5 }],
  ['extend rm sp', { kind: 'alu_rrr_extend', op: 'add', size: 8, rd: x0, rn: x1, rm: sp, extend: 'uxtx', amount: 0 }],
  ['extend rn xzr', { kind: 'alu_rrr_extend', op: 'add', size: 8, rd: x0, rn: xzr, rm: x2, extend: 'uxtx', amount: 0 }],
  ['extend add rd xzr', { kind: 'alu_rrr_extend', op: 'add', size: 8, rd: xzr, rn: x1, rm: x2, extend: 'uxtx', amount: 0 }],
  ['extend adds rd sp', { kind: 'alu_rrr_extend', op: 'adds', size: 8, rd: sp, rn: x1, rm: x2, extend: 'uxtx', amount: 0 }],
  // multiply, divide, bitfield, misc
  ['madd ra sp', { kind: 'alu_rrrr', op: 'madd', size: 8, rd: x0, rn: x1, rm: x2, ra: sp }],
  ['smulh rd sp', { kind: 'mul_high', op: 'smulh', rd: sp, rn: x1, rm: x2 }],
  ['udiv rn sp', { kind: 'alu_2src', op: 'udiv', size: 4, rd: x0, rn: sp, rm: x2 }],
  ['ubfm immr 32 on W', { kind: 'bit_field', op: 'ubfm', size: 4, rd: x0, rn: x1, immr: 32, imms: 0 }],
  ['sbfm imms 64', { kind: 'bit_field', op: 'sbfm', size: 8, rd: x0, rn: x1, immr: 0, imms: 64 }],
  ['sbfm rd sp', { kind: 'bit_field', op: 'sbfm', size: 8, rd: sp, rn: x1, immr: 0, imms: 7 }],
  ['extr lsb 32 on W', { kind: 'extr', size: 4, rd: x0, rn: x1, rm: x2, lsb: 32 }],
  ['rev32 on W', { kind: 'bit_rr', op: 'rev32', size: 4, rd: x0, rn: x1 }],
  ['clz rn sp', { kind: 'bit_rr', op: 'clz', size: 8, rd: x0, rn: sp }],
  ['csel rm sp', { kind: 'csel', op: 'csel', size: 8, rd: x0, rn: x1, rm: sp, cond: 0 }],
  ['ccmp nzcv 16', { kind: 'ccmp', op: 'ccmp', size: 8, rn: x0, rm: x1, nzcv: 16, cond: 0 }],
  ['ccmp imm5 32', { kind: 'ccmp_imm', op: 'ccmp', size: 8, rn: x0, imm5: 32, nzcv: 0, cond: 0 }],
  ['ccmp rn sp', { kind: 'ccmp_imm', op: 'ccmn', size: 8, rn: sp, imm5: 1, nzcv: 0, cond: 0 }],
  // loads and stores
  ['ldr x misaligned scaled offset', { kind: 'load', op: 'ldr_x', rt: x0, addr: memOffset(x1, 4) }],
  ['ldr x scaled offset 4096·8', { kind: 'load', op: 'ldr_x', rt: x0, addr: memOffset(x1, 4096 * 8) }],
  ['ldrb scaled offset 4096', { kind: 'load', op: 'ldrb', rt: x0, addr: memOffset(x1, 4096) }],
  ['ldr negative scaled offset', { kind: 'load', op: 'ldr_w', rt: x0, addr: memOffset(x1, -4) }],
  ['ldur offset 256', { kind: 'load', op: 'ldr_x', rt: x0, addr: memUnscaled(x1, 256) }],
  ['stur offset −257', { kind: 'store', op: 'str_w', rt: x0, addr: memUnscaled(x1, -257) }],
  ['pre-index offset 256', { kind: 'load', op: 'ldr_x', rt: x0, addr: memPreIndex(x1, 256) }],
  ['post-index writeback to rt', { kind: 'load', op: 'ldr_x', rt: x1, addr: memPostIndex(x1, 8) }],
  ['pre-index store writeback to rt', { kind: 'store', op: 'str_x', rt: x1, addr: memPreIndex(x1, -8) }],
  ['load base xzr', { kind: 'load', op: 'ldr_x', rt: x0, addr: memOffset(xzr, 0) }],
  ['load rt sp', { kind: 'load', op: 'ldr_x', rt: sp, addr: memOffset(x1, 0) }],
  ['load index sp', { kind: 'load', op: 'ldr_x', rt: x0, addr: memReg(x1, sp) }],
  ['ldrb from a literal', { kind: 'load', op: 'ldrb', rt: x0, addr: memLiteral(0 as never) }],
  ['store to a literal', { kind: 'store', op: 'str_x', rt: x0, addr: memLiteral(0 as never) }],
  ['fp store to a literal', { kind: 'fpu_store', size: 8, rt: v0, addr: memLiteral(0 as never) }],
  ['ldr q misaligned scaled offset', { kind: 'fpu_load', size: 16, rt: v0, addr: memOffset(x1, 8) }],
  ['ldp misaligned offset', { kind: 'load_pair', size: 8, rt: x0, rt2: x1, addr: pairOffset(x2, 4) }],
  ['ldp offset 64·8', { kind: 'load_pair', size: 8, rt: x0, rt2: x1, addr: pairOffset(x2, 512) }],
  ['stp offset −65·4', { kind: 'store_pair', size: 4, rt: x0, rt2: x1, addr: pairPreIndex(x2, -260) }],
  ['ldp rt = rt2', { kind: 'load_pair', size: 8, rt: x0, rt2: x0, addr: pairOffset(x2, 0) }],
  ['ldp fp rt = rt2', { kind: 'fpu_load_pair', size: 8, rt: v1, rt2: v1, addr: pairOffset(x2, 0) }],
  ['stp writeback to rt2', { kind: 'store_pair', size: 8, rt: x0, rt2: x2, addr: pairPostIndex(x2, 16) }],
  ['stp rt sp', { kind: 'store_pair', size: 8, rt: sp, rt2: x1, addr: pairOffset(x2, 0) }],
  ['ldp base xzr', { kind: 'load_pair', size: 8, rt: x0, rt2: x1, addr: pairOffset(xzr, 0) }],
  ['adrp pages 2^20', { kind: 'adrp', rd: x0, pages: 1 << 20 }],
  ['adr rd sp', { kind: 'adr', rd: sp, label: 0 as never }],
  // control flow
  ['b.al as a conditional branch', { kind: 'cond_jump', cond: { kind: 'cond', cond: 14 }, target: 0 as never }],
  ['b.nv as a conditional trap', { kind: 'trap_if', cond: { kind: 'cond', cond: 15 }, trap: 1 }],
  ['tbz bit 64', { kind: 'cond_jump', cond: { kind: 'bit_zero', rt: x0, bit: 64 }, target: 0 as never }],
  ['cbz sp', { kind: 'cond_jump', cond: { kind: 'zero', size: 8, rt: sp }, target: 0 as never }],
  ['br sp', { kind: 'jump_ind', rn: sp }],
  ['ret sp', { kind: 'ret', rn: sp }],
  ['brk 0x10000', { kind: 'brk', imm16: 0x10000 }],
  // floating point, NEON
  ['fmov #0.0', { kind: 'fmov_imm', size: 8, rd: v0, value: 0 }],
  ['fmov #0.1', { kind: 'fmov_imm', size: 4, rd: v0, value: 0.1 }],
  ['fmov #NaN', { kind: 'fmov_imm', size: 8, rd: v0, value: NaN }],
  ['fcvt s to s', { kind: 'fpu_cvt', from: 4, to: 4, rd: v0, rn: v1 }],
  ['fmov to sp', { kind: 'fmov_to_gpr', size: 8, rd: sp, rn: v0 }],
  ['scvtf from sp', { kind: 'int_to_fpu', op: 'scvtf', srcSize: 8, dstSize: 8, rd: v0, rn: sp }],
  ['fcvtzs to sp', { kind: 'fpu_to_int', op: 'fcvtzs', srcSize: 8, dstSize: 8, rd: sp, rn: v0 }],
  ['umov b lane 16', { kind: 'umov', size: 1, rd: x0, rn: v0, lane: 16 }],
  ['umov d lane 2', { kind: 'umov', size: 8, rd: x0, rn: v0, lane: 2 }],
  ['umov to sp', { kind: 'umov', size: 4, rd: sp, rn: v0, lane: 0 }],
];

/** The boundary values just inside each rejected limit encode fine. */
const ACCEPTED: Inst[] = [
  { kind: 'mov_wide', op: 'movz', size: 4, rd: x0, imm16: 0xffff, shift: 16 },
  { kind: 'mov_wide', op: 'movk', size: 8, rd: xzr, imm16: 0, shift: 48 },
  { kind: 'alu_rrr', op: 'add', size: 4, rd: x0, rn: x1, rm: x2, shift: { op: 'asr', amount: 31 } },
  { kind: 'alu_rr_imm12', op: 'add', size: 8, rd: sp, rn: sp, imm12: 4095, lsl12: true },
  { kind: 'alu_rr_imm_logic', op: 'and', size: 4, rd: sp, rn: xzr, imm: -2n },
  { kind: 'alu_rr_imm_logic', op: 'and', size: 8, rd: x0, rn: x1, imm: 0xffff_ffff_ffff_fffen },
  { kind: 'alu_rrr_extend', op: 'adds', size: 8, rd: xzr, rn: sp, rm: xzr, extend: 'sxtx', amount: 4 },
  { kind: 'bit_field', op: 'ubfm', size: 4, rd: x0, rn: x1, immr: 31, imms: 31 },
  { kind: 'ccmp_imm', op: 'ccmp', size: 8, rn: xzr, imm5: 31, nzcv: 15, cond: 15 },
  { kind: 'load', op: 'ldr_x', rt: xzr, addr: memOffset(sp, 4095 * 8) },
  { kind: 'load', op: 'ldr_x', rt: x0, addr: memUnscaled(sp, -256) },
  { kind: 'load', op: 'ldr_x', rt: x0, addr: memPostIndex(x1, 255) },
  { kind: 'store', op: 'str_x', rt: xzr, addr: memPreIndex(sp, -256) },
  { kind: 'load_pair', size: 8, rt: x0, rt2: x1, addr: pairPreIndex(sp, -512) },
  { kind: 'store_pair', size: 4, rt: x0, rt2: x0, addr: pairPostIndex(sp, 252) },
  { kind: 'adrp', rd: xzr, pages: -(1 << 20) },
  { kind: 'brk', imm16: 0xffff },
  { kind: 'umov', size: 1, rd: x0, rn: v0, lane: 15 },
  { kind: 'fmov_imm', size: 8, rd: v0, value: -31 },
];

describe('AArch64 operand validation', () => {
  it.each(REJECTED)('rejects %s', (_title, inst) => {
    const buf = createAArch64Buffer();
    buf.getLabel(); // label 0, for the label-carrying forms
    expect(() => emit(inst, buf)).toThrow(AArch64EncodeError);
    // (NoPartialEmission): nothing was written or recorded.
    expect(buf.curOffset()).toBe(0);
    const fin = buf.finish();
    expect([fin.data.length, fin.traps.length, fin.relocs.length]).toEqual([0, 0, 0]);
  });

  it('accepts the values just inside every limit', () => {
    for (const inst of ACCEPTED) {
      const buf = createAArch64Buffer();
      expect(() => emit(inst, buf), printInst(inst)).not.toThrow();
      expect(buf.curOffset()).toBe(4);
    }
  });
});

describe('the README example', () => {
  it('runs as written', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n(import \{ Cond, createAArch64Buffer[\s\S]*?)```/.exec(readme)![1]!;
    // The example, verbatim, minus its import line (the names come from the package index).
    const body = code.split('\n').slice(1).join('\n');
    const api = await import('./index.js');
    const run = new Function('api', `const { ${Object.keys(api).join(', ')} } = api;\n${body}\nreturn { data, traps };`);
    const { data, traps } = run(api) as { data: Uint8Array; traps: { offset: number; code: number }[] };
    // ldr, cmp, b.ge, cbz, orr, movk, ldr d0, ret = 32 bytes; the final island
    // places the constant (8-aligned) at 32, then the deferred udf at 40.
    expect(data.length).toBe(44);
    expect(Array.from(data.subarray(32, 40))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(traps).toEqual([
      { offset: 0, code: 1 },
      { offset: 40, code: 5 },
    ]);
    const w = (at: number): number => new DataView(data.buffer, data.byteOffset + at, 4).getUint32(0, true);
    const off19 = (at: number): number => at + (((w(at) >>> 5) & 0x7ffff) << 13 >> 13) * 4;
    expect(off19(8)).toBe(28); // b.ge → ret
    expect(off19(12)).toBe(40); // cbz → udf
    expect(off19(24)).toBe(32); // ldr d0 → the constant
    expect(printInst({ kind: 'load', op: 'ldr_w', rt: x0, addr: memReg(x1, x2, 'uxtw', true) })).toBe('ldr w0, [x1, w2, uxtw #2]');
  });
});
