/**
 * `loadConstant`: the sequence must leave exactly the value in the register
 * (ExactValue), and be as short as the strategies promise. Sequences are
 * evaluated by a small interpreter of `movz`/`movn`/`movk`/`orr #imm` that
 * decodes the *emitted words* (so the encoder is part of what is checked).
 */
import { describe, expect, it } from 'vitest';
import { loadConstant } from './constants.js';
import { createAArch64Buffer, emit } from './emit.js';
import { halfwords } from './imms.js';
import { sp, x0, x7, xzr, type Size } from './regs.js';

const M64 = (1n << 64n) - 1n;

/** DecodeBitMasks, immediate form (Arm ARM). */
function bitMask(n: number, immr: number, imms: number, m: number): bigint {
  const len = 31 - Math.clz32((n << 6) | (~imms & 0x3f));
  const esize = 1 << len;
  const s = imms & (esize - 1);
  const r = immr & (esize - 1);
  const elem = (1n << BigInt(s + 1)) - 1n;
  const emask = (1n << BigInt(esize)) - 1n;
  const rot = r === 0 ? elem : ((elem >> BigInt(r)) | (elem << BigInt(esize - r))) & emask;
  let out = 0n;
  for (let i = 0; i < m; i += esize) out |= rot << BigInt(i);
  return out;
}

/** Run the emitted words on one register; return its final value and the instruction count. */
function run(value: bigint, size: Size): { result: bigint; count: number } {
  const insts = loadConstant(x7, value, size);
  const buf = createAArch64Buffer();
  for (const i of insts) emit(i, buf);
  const data = buf.finish().data;
  let reg = 0xdead_beef_dead_beefn; // garbage before the sequence
  for (let off = 0; off < data.length; off += 4) {
    const w = new DataView(data.buffer, data.byteOffset + off, 4).getUint32(0, true);
    expect(w & 31).toBe(7);
    const sf = w >>> 31;
    const width = sf ? 64 : 32;
    const wmask = sf ? M64 : 0xffff_ffffn;
    if ((w & 0x1f80_0000) === 0x1280_0000) {
      // move wide
      const opc = (w >>> 29) & 3;
      const hw = (w >>> 21) & 3;
      const imm = BigInt((w >>> 5) & 0xffff) << BigInt(16 * hw);
      if (opc === 2) reg = imm;
      else if (opc === 0) reg = ~imm & wmask;
      else if (opc === 3) reg = ((reg & ~(0xffffn << BigInt(16 * hw))) | imm) & wmask;
      else throw new Error(`bad move-wide opc in ${w.toString(16)}`);
    } else if ((w & 0x7f80_0000) === 0x3200_0000) {
      // orr (immediate) from the zero register
      expect((w >>> 5) & 31).toBe(31);
      reg = bitMask((w >>> 22) & 1, (w >>> 16) & 0x3f, (w >>> 10) & 0x3f, width);
    } else {
      throw new Error(`unexpected word ${w.toString(16)}`);
    }
    reg &= wmask; // W writes zero the upper half
  }
  return { result: reg, count: insts.length };
}

function naiveCost(value: bigint, size: Size): number {
  const hw = halfwords(value, size);
  return Math.max(1, Math.min(hw.filter((h) => h !== 0).length, hw.filter((h) => h !== 0xffff).length));
}

describe('loadConstant', () => {
  it('materializes structured and random values exactly, never longer than movz/movn + movk', () => {
    const values: bigint[] = [0n, 1n, -1n, 0xffffn, 0x10000n, 0xffff_0000n, 0x1234_5678n, 0x8000_0000_0000_0000n];
    for (let i = 0; i < 64; i++) values.push(1n << BigInt(i), ~(1n << BigInt(i)), (1n << BigInt(i)) - 1n);
    let seed = 7;
    const rnd = (): bigint => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return BigInt(seed);
    };
    for (let i = 0; i < 3000; i++) {
      const hw = [0, 1, 2, 3].map(() => [0n, 0xffffn, rnd() & 0xffffn][Number(rnd() % 3n)]!);
      values.push(hw[0]! | (hw[1]! << 16n) | (hw[2]! << 32n) | (hw[3]! << 48n));
      values.push((rnd() << 32n) | rnd());
    }
    for (const v of values) {
      for (const size of [4, 8] as const) {
        const want = BigInt.asUintN(size * 8, v);
        const { result, count } = run(v, size);
        expect(result, `0x${want.toString(16)} (${size})`).toBe(want);
        expect(count).toBeLessThanOrEqual(naiveCost(v, size));
      }
    }
  });

  it('uses one instruction for movz, movn and logical-immediate values', () => {
    expect(loadConstant(x0, 0x1234_0000n)).toEqual([{ kind: 'mov_wide', op: 'movz', size: 8, rd: x0, imm16: 0x1234, shift: 16 }]);
    expect(loadConstant(x0, -2n)).toEqual([{ kind: 'mov_wide', op: 'movn', size: 8, rd: x0, imm16: 1, shift: 0 }]);
    expect(loadConstant(x0, -1n, 4)).toEqual([{ kind: 'mov_wide', op: 'movn', size: 4, rd: x0, imm16: 0, shift: 0 }]);
    expect(loadConstant(x0, 0x00ff_00ff_00ff_00ffn)).toEqual([{ kind: 'alu_rr_imm_logic', op: 'orr', size: 8, rd: x0, rn: xzr, imm: 0x00ff_00ff_00ff_00ffn }]);
    expect(loadConstant(x0, 0x5555_5555n, 4)).toHaveLength(1);
  });

  it('uses orr + movk when a logical immediate agrees in three halfwords', () => {
    // 0x0000_00ff_ffff_1234: a run 0x0000_00ff_ffff_0000 with the low halfword patched.
    const seq = loadConstant(x0, 0x0000_00ff_ffff_1234n);
    expect(seq).toHaveLength(2);
    expect(seq[0]).toMatchObject({ kind: 'alu_rr_imm_logic', op: 'orr' });
    expect(seq[1]).toMatchObject({ kind: 'mov_wide', op: 'movk', imm16: 0x1234, shift: 0 });
    // A replicated 16-bit pattern with one odd halfword.
    expect(loadConstant(x0, 0x0f0f_0f0f_1234_0f0fn)).toHaveLength(2);
    // A replicated 32-bit pattern with one odd halfword.
    expect(loadConstant(x0, 0x0000_ffff_abcd_ffffn)).toHaveLength(2);
    expect(run(0x0f0f_0f0f_1234_0f0fn, 8).result).toBe(0x0f0f_0f0f_1234_0f0fn);
    // Nothing shorter than four for four unrelated halfwords.
    expect(loadConstant(x0, 0x1234_5678_9abc_def0n)).toHaveLength(4);
  });

  it('rejects sp and the zero register as destinations', () => {
    expect(() => loadConstant(sp, 1n)).toThrow(RangeError);
    expect(() => loadConstant(xzr, 1n)).toThrow(RangeError);
  });
});
