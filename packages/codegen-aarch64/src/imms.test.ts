/**
 * Immediate encoders, checked exhaustively against decoders written
 * independently from the Arm ARM's pseudocode (DecodeBitMasks,
 * VFPExpandImm), not from the encoders.
 */
import { describe, expect, it } from 'vitest';
import { encodeFpImm8, encodeImm12, encodeLogicalImm, encodeMovn, encodeMovz, fpImm8Value, halfwords, isLogicalImm } from './imms.js';

/** DecodeBitMasks(immN, imms, immr, immediate = TRUE, M): the wmask, or undefined when reserved. */
function decodeBitMasks(n: number, imms: number, immr: number, m: number): bigint | undefined {
  // len = HighestSetBit(immN:NOT(imms))
  const combined = (n << 6) | (~imms & 0x3f);
  let len = -1;
  for (let b = 6; b >= 0; b--) {
    if ((combined >> b) & 1) {
      len = b;
      break;
    }
  }
  if (len < 1) return undefined;
  const esize = 1 << len;
  if (esize > m) return undefined;
  const levels = esize - 1;
  const s = imms & levels;
  const r = immr & levels;
  if (s === levels) return undefined; // immediate: all-ones element is reserved
  // welem = ZeroExtend(Ones(S + 1), esize); wmask = Replicate(ROR(welem, R))
  let elem = 0n;
  for (let i = 0; i <= s; i++) elem |= 1n << BigInt(i);
  let rot = elem;
  for (let i = 0; i < r; i++) rot = (rot >> 1n) | ((rot & 1n) << BigInt(esize - 1));
  let out = 0n;
  for (let i = 0; i < m; i += esize) out |= rot << BigInt(i);
  return out;
}

/** VFPExpandImm for 64 bits, built bit by bit from the pseudocode. */
function vfpExpandImm64(imm8: number): number {
  const bit = (i: number): number => (imm8 >> i) & 1;
  const sign = bit(7);
  // exp = NOT(imm8<6>):Replicate(imm8<6>, 8):imm8<5:4>
  let exp = (1 - bit(6)) << 10;
  for (let i = 0; i < 8; i++) exp |= bit(6) << (2 + i);
  exp |= (imm8 >> 4) & 3;
  const frac = imm8 & 15; // imm8<3:0>:Zeros(48)
  const buf = new DataView(new ArrayBuffer(8));
  buf.setBigUint64(0, (BigInt(sign) << 63n) | (BigInt(exp) << 52n) | (BigInt(frac) << 48n));
  return buf.getFloat64(0);
}

describe('logical immediates', () => {
  for (const size of [4, 8] as const) {
    const m = size * 8;
    it(`every valid (N, immr, imms) of ${m} bits decodes to a value that encodes back to its canonical fields`, () => {
      const values = new Set<bigint>();
      let valid = 0;
      const failures: string[] = [];
      for (let n = 0; n <= (size === 8 ? 1 : 0); n++) {
        for (let immr = 0; immr < 64; immr++) {
          if (size === 4 && immr >= 32) continue; // immr<5> must be 0 in 32-bit forms
          for (let imms = 0; imms < 64; imms++) {
            const v = decodeBitMasks(n, imms, immr, m);
            if (v === undefined) continue;
            valid++;
            values.add(v);
            const esize = 1 << (31 - Math.clz32((n << 6) | (~imms & 0x3f)));
            const f = encodeLogicalImm(v, size);
            // immr bits above log2(esize) are ignored by the decoding: the encoder writes them as 0.
            if (f === undefined || f.n !== n || f.imms !== imms || f.immr !== (immr & (esize - 1))) {
              if (failures.length < 10) failures.push(`N=${n} immr=${immr} imms=${imms} → 0x${v.toString(16)} → ${JSON.stringify(f)}`);
            }
          }
        }
      }
      expect(failures).toEqual([]);
      expect(values.size).toBe(size === 8 ? 5334 : 1302);
      expect(valid).toBeGreaterThan(values.size);
    });
  }

  it('rejects 0, all-ones and values that are not one rotated run per element', () => {
    for (const size of [4, 8] as const) {
      expect(encodeLogicalImm(0n, size)).toBeUndefined();
      expect(encodeLogicalImm(-1n, size)).toBeUndefined();
      expect(encodeLogicalImm(size === 8 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn, size)).toBeUndefined();
      expect(isLogicalImm(0b101n, size)).toBe(false);
      expect(isLogicalImm(0x1234n, size)).toBe(false);
    }
    expect(isLogicalImm(0x0000_ffff_0000_fffen, 8)).toBe(false); // elements differ
    expect(isLogicalImm(0xffff_ffffn, 8)).toBe(true);
    expect(isLogicalImm(0xffff_ffffn, 4)).toBe(false); // all-ones at 32 bits
    expect(isLogicalImm(0x1_0000_0001n, 4)).toBe(true); // taken modulo 2^32: 1
  });

  it('agrees with the decoder on random 64-bit values (membership in the decoded set)', () => {
    const all = new Set<bigint>();
    for (let n = 0; n <= 1; n++) for (let immr = 0; immr < 64; immr++) for (let imms = 0; imms < 64; imms++) {
      const v = decodeBitMasks(n, imms, immr, 64);
      if (v !== undefined) all.add(v);
    }
    const list = [...all];
    let seed = 12345;
    const rnd = (): bigint => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return BigInt(seed);
    };
    for (let i = 0; i < 20000; i++) {
      // Mix random values with near-misses of valid ones (one bit flipped).
      const base = i % 2 === 0 ? (rnd() << 32n) | rnd() : list[Number(rnd() % BigInt(list.length))]! ^ (1n << (rnd() % 64n));
      const v = BigInt.asUintN(64, base);
      expect(isLogicalImm(v, 8)).toBe(all.has(v));
    }
  });
});

describe('arithmetic and move-wide immediates', () => {
  it('imm12 with an optional lsl #12', () => {
    expect(encodeImm12(0)).toEqual({ imm12: 0, lsl12: false });
    expect(encodeImm12(0xfff)).toEqual({ imm12: 0xfff, lsl12: false });
    expect(encodeImm12(0x1000)).toEqual({ imm12: 1, lsl12: true });
    expect(encodeImm12(0xfff000)).toEqual({ imm12: 0xfff, lsl12: true });
    for (const bad of [-1, 0x1001, 0x1000000, 0.5, 0xfff001]) expect(encodeImm12(bad)).toBeUndefined();
  });

  it('movz/movn single-instruction values', () => {
    expect(encodeMovz(0n, 8)).toEqual({ imm16: 0, shift: 0 });
    expect(encodeMovz(0x1234_0000_0000n, 8)).toEqual({ imm16: 0x1234, shift: 32 });
    expect(encodeMovz(0x1_0001n, 8)).toBeUndefined();
    expect(encodeMovn(-1n, 8)).toEqual({ imm16: 0, shift: 0 });
    expect(encodeMovn(0xffff_edcb_ffff_ffffn, 8)).toEqual({ imm16: 0x1234, shift: 32 });
    expect(encodeMovn(0xffff_0000n, 4)).toEqual({ imm16: 0xffff, shift: 0 });
    expect(halfwords(0x1122_3344_5566_7788n, 8)).toEqual([0x7788, 0x5566, 0x3344, 0x1122]);
  });
});

describe('FP immediates', () => {
  it('imm8 values match VFPExpandImm, and every one encodes back to its imm8', () => {
    for (let imm8 = 0; imm8 < 256; imm8++) {
      const v = vfpExpandImm64(imm8);
      expect(fpImm8Value(imm8)).toBe(v);
      expect(encodeFpImm8(v, 8)).toBe(imm8);
      expect(Math.fround(v)).toBe(v); // exact in single precision too
      expect(encodeFpImm8(v, 4)).toBe(imm8);
    }
  });

  it('rejects values outside the set', () => {
    for (const bad of [0, -0, 0.1, 1 / 3, 32, 0.0625, 33, NaN, Infinity, -Infinity, 1 + 1 / 32]) {
      expect(encodeFpImm8(bad, 8)).toBeUndefined();
    }
    expect(encodeFpImm8(0.125, 4)).toBe(0x40);
    expect(encodeFpImm8(31, 8)).toBe(0x3f);
    expect(encodeFpImm8(-1.9375 * 16, 8)).toBe(0xbf);
  });
});
