/**
 * NaN canonicalization (nan-canonicalization.ts): which operations get
 * wrapped, the exact IR, that the result verifies, and — through the IR
 * interpreter — that a NaN result becomes the canonical NaN while every
 * other result, and the bitwise operations, keep their bits.
 */
import { Interpreter, parseFunction, printFunction, verifyFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { CANONICAL_NAN_F32, CANONICAL_NAN_F64, canonicalizeNans } from './nan-canonicalization.js';

const SRC = `
function %f(f32, f32, f64) -> f32, f64, f32 {
block0(v0: f32, v1: f32, v2: f64):
    v3 = fdiv v0, v1
    v4 = fneg v3
    v5 = sqrt v2
    v6 = fadd v4, v0
    return v6, v5, v4
}
`;

function run(func: ReturnType<typeof parseFunction>, args: bigint[]): bigint[] {
  const r = new Interpreter([func]).callFunction(func, args);
  if ('trap' in r) throw new Error(`trapped: ${r.trap}`);
  return [...r.values];
}

describe('canonicalizeNans', () => {
  it('wraps each NaN-producing float result in fcmp uno + select of the canonical NaN', () => {
    const func = parseFunction(SRC);
    expect(canonicalizeNans(func)).toBe(3); // fdiv, sqrt, fadd; not fneg
    expect(verifyFunction(func)).toEqual([]);
    expect(printFunction(func)).toBe(`function %f(f32, f32, f64) -> f32, f64, f32 fast {
block0(v0: f32, v1: f32, v2: f64):
    v7 = fdiv v0, v1
    v8 = fcmp uno v7, v7
    v9 = f32const +NaN
    v10 = select v8, v9, v7
    v3 -> v10
    v4 = fneg v10
    v11 = sqrt v2
    v12 = fcmp uno v11, v11
    v13 = f64const +NaN
    v14 = select v12, v13, v11
    v5 -> v14
    v15 = fadd v4, v0
    v16 = fcmp uno v15, v15
    v17 = f32const +NaN
    v18 = select v16, v17, v15
    v6 -> v18
    return v18, v14, v4
}
`);
  });

  it('makes NaN results canonical and leaves every other bit pattern alone', () => {
    const plain = parseFunction(SRC);
    const canon = parseFunction(SRC);
    canonicalizeNans(canon);
    const f32 = (x: number): bigint => BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]!);
    const f64 = (x: number): bigint => new BigUint64Array(new Float64Array([x]).buffer)[0]!;
    // Ordinary values: identical.
    for (const args of [
      [f32(6), f32(3), f64(2)],
      [f32(-0), f32(1), f64(0)],
      [f32(1), f32(0), f64(Infinity)],
    ]) {
      expect(run(canon, args)).toEqual(run(plain, args));
    }
    // 0/0 and sqrt(-1): canonical NaNs; fneg of the canonical NaN flips only the sign (bitwise, kept).
    const [sum, root, neg] = run(canon, [f32(0), f32(0), f64(-1)]);
    expect(sum).toBe(BigInt(CANONICAL_NAN_F32));
    expect(root).toBe(CANONICAL_NAN_F64);
    expect(neg).toBe(BigInt(CANONICAL_NAN_F32) | 0x8000_0000n);
    // A NaN input with a payload through fadd: canonical too.
    const [sum2] = run(canon, [0x7fa0_0001n, f32(1), f64(1)]);
    expect(sum2).toBe(BigInt(CANONICAL_NAN_F32));
  });

  it('leaves a function without float arithmetic unchanged', () => {
    const src = `
function %g(f32, i32) -> f32, i32 {
block0(v0: f32, v1: i32):
    v2 = fabs v0
    v3 = fcopysign v2, v0
    v4 = iadd v1, v1
    return v3, v4
}
`;
    const func = parseFunction(src);
    expect(canonicalizeNans(func)).toBe(0);
    expect(printFunction(func)).toBe(printFunction(parseFunction(src)));
  });
});
