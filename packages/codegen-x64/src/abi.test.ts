import { CodegenError } from '@derrick/codegen';
import { CallConv, F32, F64, I32, I64, I8, Signature, abiParam, vmctxParam } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { computeSigABI, gprPReg, xmmPReg } from './abi.js';
import { r8, r9, rax, rcx, rdi, rdx, rsi } from './regs.js';

const locs = (s: Signature): string[] =>
  computeSigABI(s).params.map((p) => (p.loc.kind === 'reg' ? `r${p.loc.preg}` : `s${p.loc.offset}`));

describe('x64 argument and result locations', () => {
  it('integers take rdi rsi rdx rcx r8 r9, then 8-byte stack slots in order', () => {
    const s = Signature.of([I64, I32, I8, I64, I64, I64, I32, I64], [], CallConv.SystemV);
    const a = computeSigABI(s);
    expect(a.params.slice(0, 6).map((p) => p.loc)).toEqual([rdi, rsi, rdx, rcx, r8, r9].map((r) => ({ kind: 'reg', preg: gprPReg(r) })));
    expect(a.params.slice(6).map((p) => p.loc)).toEqual([
      { kind: 'stack', offset: 0 },
      { kind: 'stack', offset: 8 },
    ]);
    expect(a.stackArgSize).toBe(16);
  });

  it('floats take xmm0–xmm7 independently of integers', () => {
    const s = Signature.of([F64, I64, F32, I64, ...Array(7).fill(F64)], [], CallConv.Fast);
    const a = computeSigABI(s);
    expect(a.params[0]!.loc).toEqual({ kind: 'reg', preg: xmmPReg(0) });
    expect(a.params[1]!.loc).toEqual({ kind: 'reg', preg: gprPReg(rdi) });
    expect(a.params[2]!.loc).toEqual({ kind: 'reg', preg: xmmPReg(1) });
    expect(a.params[3]!.loc).toEqual({ kind: 'reg', preg: gprPReg(rsi) });
    expect(a.params[9]!.loc).toEqual({ kind: 'reg', preg: xmmPReg(7) });
    expect(a.params[10]!.loc).toEqual({ kind: 'stack', offset: 0 });
    expect(a.stackArgSize).toBe(16);
  });

  it('results: rax rdx and xmm0 xmm1, the rest in a return area whose pointer is a hidden last parameter', () => {
    const s = Signature.of([I64], [I32, F64, I64, F32, I8, F64, I64], CallConv.Wasmtime);
    const a = computeSigABI(s);
    expect(a.rets.map((r) => r.loc)).toEqual([
      { kind: 'reg', preg: gprPReg(rax) },
      { kind: 'reg', preg: xmmPReg(0) },
      { kind: 'reg', preg: gprPReg(rdx) },
      { kind: 'reg', preg: xmmPReg(1) },
      { kind: 'stack', offset: 0 },
      { kind: 'stack', offset: 8 },
      { kind: 'stack', offset: 16 },
    ]);
    expect(a.retAreaSize).toBe(32);
    expect(a.retAreaPtrIndex).toBe(1);
    expect(a.params[1]!.loc).toEqual({ kind: 'reg', preg: gprPReg(rsi) });
    expect(a.params[1]!.purpose).toBe('sret');
  });

  it('finds the vmctx parameter and keeps extensions', () => {
    const s = new Signature(CallConv.Wasmtime, [vmctxParam(I64), abiParam(I8, { extension: 'sext' })], []);
    const a = computeSigABI(s);
    expect(a.vmctxIndex).toBe(0);
    expect(a.params[1]!.extension).toBe('sext');
    expect(locs(s)).toEqual([`r${gprPReg(rdi)}`, `r${gprPReg(rsi)}`]);
  });

  it('rejects conventions it does not implement', () => {
    expect(() => computeSigABI(Signature.of([], [], CallConv.WindowsFastcall))).toThrowError(CodegenError);
    expect(() => computeSigABI(Signature.of([], [], CallConv.AppleAarch64))).toThrowError(/apple_aarch64/);
  });
});
