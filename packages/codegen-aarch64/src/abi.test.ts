import { CodegenError, RegClass, pregClass, pregHwEnc } from '@derrick/codegen';
import { CallConv, F32, F64, I32, I64, I8, Signature } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { AARCH64_MACHINE_ENV, AAPCS64_CLOBBERS, computeSigABI, gprPReg, vecPReg } from './abi.js';

describe('AAPCS64 argument and result locations', () => {
  it('integers take x0–x7, then 8-byte stack slots in order', () => {
    const a = computeSigABI(Signature.of([I64, I32, I8, I64, I64, I64, I32, I64, I64, I32], [], CallConv.SystemV));
    expect(a.params.slice(0, 8).map((p) => p.loc)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((r) => ({ kind: 'reg', preg: gprPReg(r) })));
    expect(a.params.slice(8).map((p) => p.loc)).toEqual([
      { kind: 'stack', offset: 0 },
      { kind: 'stack', offset: 8 },
    ]);
    expect(a.stackArgSize).toBe(16);
  });

  it('floats take v0–v7 independently of integers', () => {
    const a = computeSigABI(Signature.of([F64, I64, F32, I64, ...Array(7).fill(F64)], [], CallConv.Fast));
    expect(a.params[0]!.loc).toEqual({ kind: 'reg', preg: vecPReg(0) });
    expect(a.params[1]!.loc).toEqual({ kind: 'reg', preg: gprPReg(0) });
    expect(a.params[2]!.loc).toEqual({ kind: 'reg', preg: vecPReg(1) });
    expect(a.params[3]!.loc).toEqual({ kind: 'reg', preg: gprPReg(1) });
    expect(a.params[9]!.loc).toEqual({ kind: 'reg', preg: vecPReg(7) });
    expect(a.params[10]!.loc).toEqual({ kind: 'stack', offset: 0 });
  });

  it('results: x0 x1 and v0 v1, the rest in a return area whose pointer travels in x8', () => {
    const a = computeSigABI(Signature.of([I64, I64, I64, I64, I64, I64, I64, I64], [I32, F64, I64, F32, I8, F64], CallConv.Wasmtime));
    expect(a.rets.map((r) => r.loc)).toEqual([
      { kind: 'reg', preg: gprPReg(0) },
      { kind: 'reg', preg: vecPReg(0) },
      { kind: 'reg', preg: gprPReg(1) },
      { kind: 'reg', preg: vecPReg(1) },
      { kind: 'stack', offset: 0 },
      { kind: 'stack', offset: 8 },
    ]);
    expect(a.retAreaSize).toBe(16);
    // x8 even though all eight argument registers are taken: it is not an argument register.
    expect(a.retAreaPtrIndex).toBe(8);
    expect(a.params[8]!.loc).toEqual({ kind: 'reg', preg: gprPReg(8) });
    expect(a.stackArgSize).toBe(0);
  });

  it('rejects calling conventions it does not implement', () => {
    expect(() => computeSigABI(Signature.of([], [], CallConv.WindowsFastcall))).toThrow(CodegenError);
  });
});

describe('register environment', () => {
  it('never allocates x16, x17 (scratch, IP0/IP1), x18 (platform), x29, x30, nor v31 (scratch)', () => {
    const ints = AARCH64_MACHINE_ENV.regs[RegClass.Int]!.map(pregHwEnc);
    expect(ints).not.toContain(16);
    expect(ints).not.toContain(17);
    expect(ints).not.toContain(18);
    expect(ints).not.toContain(29);
    expect(ints).not.toContain(30);
    expect(ints.every((r) => r <= 28)).toBe(true);
    expect(AARCH64_MACHINE_ENV.regs[RegClass.Float]!.map(pregHwEnc)).not.toContain(31);
    expect(AARCH64_MACHINE_ENV.scratch).toEqual([gprPReg(16), vecPReg(31)]);
  });

  it('callee-saved: x19–x28 and v8–v15, which a call does not clobber', () => {
    for (let r = 19; r <= 28; r++) {
      expect(AARCH64_MACHINE_ENV.calleeSaved.has(gprPReg(r))).toBe(true);
      expect(AAPCS64_CLOBBERS.has(gprPReg(r))).toBe(false);
    }
    for (let r = 8; r <= 15; r++) {
      expect(AARCH64_MACHINE_ENV.calleeSaved.has(vecPReg(r))).toBe(true);
      expect(AAPCS64_CLOBBERS.has(vecPReg(r))).toBe(false);
    }
    for (let r = 0; r <= 17; r++) expect(AAPCS64_CLOBBERS.has(gprPReg(r))).toBe(true);
    expect(pregClass(vecPReg(3))).toBe(RegClass.Float);
  });
});
