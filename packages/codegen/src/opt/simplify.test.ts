/**
 * Constant folding and algebraic simplification (simplify.ts), run as the forward pass with only the rules enabled, followed by DCE to clear what they orphan.
 *
 * Each case: CLIF in, the passes, the exact printed result.
 */
import { parseFunction, printFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type PassName, runPasses } from './optimize.js';

const PASSES: PassName[] = ['simplify', 'dce'];

function run(input: string): string {
  const func = parseFunction(input);
  runPasses(func, PASSES, { verify: true });
  return printFunction(func);
}

describe('simplify', () => {
  it('wrap: folds integer arithmetic with wrap-around at every width', () => {
    const input = `
function %wrap(i8, i16) -> i8, i16, i32, i64 {
block0(v0: i8, v1: i16):
    v2 = iconst.i8 127
    v3 = iconst.i8 1
    v4 = iadd v2, v3
    v5 = iconst.i16 300
    v6 = imul v5, v5
    v7 = iconst.i32 -8
    v8 = iconst.i32 33
    v9 = sshr v7, v8
    v10 = iconst.i64 -1
    v11 = umulhi v10, v10
    return v4, v6, v9, v11
}
`;
    expect(run(input)).toBe(`function %wrap(i8, i16) -> i8, i16, i32, i64 fast {
block0(v0: i8, v1: i16):
    v12 = iconst.i8 -128
    v13 = iconst.i16 0x5f90
    v14 = iconst.i32 -4
    v15 = iconst.i64 -2
    return v12, v13, v14, v15
}
`);
  });

  it('div: keeps divisions that trap, strength-reduces the ones that cannot', () => {
    const input = `
function %div(i32) -> i32, i32, i32, i32, i32, i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    v2 = sdiv v0, v1
    v3 = iconst.i32 0x8000_0000
    v4 = iconst.i32 -1
    v5 = sdiv v3, v4
    v6 = iconst.i32 4
    v7 = udiv v0, v6
    v8 = iconst.i32 8
    v9 = urem v0, v8
    v10 = srem v0, v4
    v11 = srem v3, v4
    return v2, v5, v7, v9, v10, v11
}
`;
    expect(run(input)).toBe(`function %div(i32) -> i32, i32, i32, i32, i32, i32 fast {
block0(v0: i32):
    v1 = iconst.i32 0
    v2 = sdiv v0, v1
    v3 = iconst.i32 0x8000_0000
    v4 = iconst.i32 -1
    v5 = sdiv v3, v4
    v12 = ushr_imm v0, 2
    v13 = band_imm v0, 7
    v14 = iconst.i32 0
    v15 = iconst.i32 0
    return v2, v5, v12, v13, v14, v15
}
`);
  });

  it('cmp: folds comparisons and moves constants into icmp_imm (swapping the condition)', () => {
    const input = `
function %cmp(i32, i64) -> i8, i8, i8, i8 {
block0(v0: i32, v1: i64):
    v2 = iconst.i32 7
    v3 = iconst.i32 -3
    v4 = icmp slt v3, v2
    v5 = icmp ult v3, v2
    v6 = icmp sgt v2, v0
    v7 = icmp uge v1, v1
    return v4, v5, v6, v7
}
`;
    expect(run(input)).toBe(`function %cmp(i32, i64) -> i8, i8, i8, i8 fast {
block0(v0: i32, v1: i64):
    v8 = iconst.i8 1
    v9 = iconst.i8 0
    v10 = icmp_imm slt v0, 7
    v11 = iconst.i8 1
    return v8, v9, v10, v11
}
`);
  });

  it('ext: folds extensions and collapses extend/reduce chains', () => {
    const input = `
function %ext(i8, i32) -> i64, i64, i32, i8 {
block0(v0: i8, v1: i32):
    v2 = iconst.i8 -2
    v3 = uextend.i64 v2
    v4 = sextend.i64 v2
    v5 = uextend.i64 v1
    v6 = ireduce.i32 v5
    v7 = uextend.i32 v0
    v8 = uextend.i64 v7
    v9 = ireduce.i8 v8
    return v3, v4, v6, v9
}
`;
    expect(run(input)).toBe(`function %ext(i8, i32) -> i64, i64, i32, i8 fast {
block0(v0: i8, v1: i32):
    v10 = iconst.i64 254
    v11 = iconst.i64 -2
    return v10, v11, v1, v0
}
`);
  });

  it('addr: reassociates the translator\'s address arithmetic down to nothing', () => {
    const input = `
function %addr(i32) -> i64 {
block0(v0: i32):
    v1 = uextend.i64 v0
    v2 = iadd_imm v1, 16
    v3 = iconst.i64 8
    v4 = iadd v3, v2
    v5 = iadd_imm v4, -24
    return v5
}
`;
    expect(run(input)).toBe(`function %addr(i32) -> i64 fast {
block0(v0: i32):
    v1 = uextend.i64 v0
    return v1
}
`);
  });

  it('floats: folds sign-bit float ops and NaN-free arithmetic, leaves NaN arithmetic alone', () => {
    const input = `
function %floats() -> f32, f64, f64, f32 {
block0:
    v0 = f32const 0x1.800000p1
    v1 = fneg v0
    v2 = f64const -0x1.0000000000000p-1022
    v3 = fabs v2
    v4 = f64const 0x1.8000000000000p0
    v5 = fadd v4, v4
    v6 = f32const +NaN:0x1234
    v7 = fadd v6, v0
    return v1, v3, v5, v7
}
`;
    expect(run(input)).toBe(`function %floats() -> f32, f64, f64, f32 fast {
block0:
    v0 = f32const 0x1.800000p1
    v8 = f32const -0x1.800000p1
    v9 = f64const 0x1.0000000000000p-1022
    v10 = f64const 0x1.8000000000000p1
    v6 = f32const +NaN:0x1234
    v7 = fadd v6, v0
    return v8, v9, v10, v7
}
`);
  });

  it('branches: folds constant select/brif and peels uextend(icmp_imm eq x, 0) off a brif', () => {
    const input = `
function %branches(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 1
    v3 = select v2, v0, v1
    brif v2, block1, block2
block1:
    v4 = icmp_imm eq v3, 0
    v5 = uextend.i32 v4
    brif v5, block2, block3
block2:
    return v1
block3:
    return v0
}
`;
    expect(run(input)).toBe(`function %branches(i32, i32) -> i32 fast {
block0(v0: i32, v1: i32):
    jump block1

block1:
    brif.i32 v0, block3, block2

block2:
    return v1

block3:
    return v0
}
`);
  });

  it('traps: removes traps that never fire and turns one that always fires into trap', () => {
    const input = `
function %traps(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    trapnz v1, user1
    v2 = icmp_imm ne v0, 0
    trapnz v2, user2
    v3 = iconst.i8 1
    brif v0, block1, block2
block1:
    trapnz v3, user3
    v4 = iadd_imm v0, 1
    return v4
block2:
    return v1
}
`;
    expect(run(input)).toBe(`function %traps(i32) -> i32 fast {
block0(v0: i32):
    v1 = iconst.i32 0
    trapnz v0, user2
    brif v0, block1, block2

block1:
    trap user3

block2:
    return v1
}
`);
  });

  it('bools: inverts and strips boolean wrappers, narrows equality through uextend', () => {
    const input = `
function %bools(i32, i64, f64) -> i8, i8, i32, i8 {
block0(v0: i32, v1: i64, v2: f64):
    v3 = icmp ult v0, v0
    v4 = icmp_imm slt v1, 5
    v5 = icmp_imm eq v4, 0
    v6 = fcmp lt v2, v2
    v7 = icmp_imm ne v6, 0
    v8 = uextend.i64 v0
    v9 = icmp_imm eq v8, 7
    v10 = icmp_imm eq v8, 0x1_0000_0000
    v11 = uextend.i32 v10
    v12 = icmp_imm ule v0, -1
    return v5, v7, v11, v9
}
`;
    expect(run(input)).toBe(`function %bools(i32, i64, f64) -> i8, i8, i32, i8 fast {
block0(v0: i32, v1: i64, v2: f64):
    v14 = icmp_imm sge v1, 5
    v6 = fcmp lt v2, v2
    v15 = icmp_imm eq v0, 7
    v17 = iconst.i32 0
    return v14, v6, v17, v15
}
`);
  });

  it('conds: peels condition wrappers off trapnz and select (swapping arms for eq 0)', () => {
    const input = `
function %conds(i32, i32, i64) -> i32 {
block0(v0: i32, v1: i32, v2: i64):
    v3 = icmp_imm eq v2, 0
    v4 = uextend.i32 v3
    trapnz v4, int_divz
    v5 = icmp_imm ne v0, 0
    v6 = select v5, v0, v1
    v7 = icmp_imm eq v1, 0
    v8 = select v7, v0, v6
    return v8
}
`;
    expect(run(input)).toBe(`function %conds(i32, i32, i64) -> i32 fast {
block0(v0: i32, v1: i32, v2: i64):
    trapz v2, int_divz
    v6 = select v0, v0, v1
    v8 = select v1, v6, v0
    return v8
}
`);
  });

  it('more_ints: strength-reduces, reassociates immediates, collapses extension chains, keeps overflow checks that may fire', () => {
    const input = `
function %more_ints(i32, i64) -> i32, i32, i64, i32 {
block0(v0: i32, v1: i64):
    v2 = imul_imm v0, 8
    v3 = irsub_imm v0, 10
    v4 = iadd_imm v3, 5
    v5 = ireduce.i16 v0
    v6 = sextend.i32 v5
    v7 = sextend.i64 v6
    v8 = ineg v0
    v9 = ineg v8
    v10 = band_imm v9, 0xff
    v11 = band_imm v10, 0x0f
    v12 = iconst.i64 -1
    v13 = uadd_overflow_trap v1, v12, heap_oob
    v14 = iconst.i64 0
    v15 = uadd_overflow_trap v1, v14, heap_oob
    v16 = iadd v13, v15
    v17 = iadd v16, v7
    return v2, v4, v17, v11
}
`;
    expect(run(input)).toBe(`function %more_ints(i32, i64) -> i32, i32, i64, i32 fast {
block0(v0: i32, v1: i64):
    v18 = ishl_imm v0, 3
    v19 = irsub_imm v0, 15
    v5 = ireduce.i16 v0
    v20 = sextend.i64 v5
    v21 = band_imm v0, 15
    v12 = iconst.i64 -1
    v13 = uadd_overflow_trap v1, v12, heap_oob
    v16 = iadd v13, v1
    v17 = iadd v16, v20
    return v18, v19, v17, v21
}
`);
  });

  it('convs: folds conversions that are exact and cannot trap, leaves the rest', () => {
    const input = `
function %convs() -> i32, i32, i64, f32, f64, i32 {
block0:
    v0 = f64const -0x1.8000000000000p1
    v1 = fcvt_to_sint.i32 v0
    v2 = f64const +NaN
    v3 = fcvt_to_uint.i32 v2
    v4 = fcvt_to_sint_sat.i64 v2
    v5 = iconst.i64 0x7fff_ffff_ffff_ffff
    v6 = fcvt_from_sint.f32 v5
    v7 = iconst.i32 -1
    v8 = fcvt_from_uint.f64 v7
    v9 = bitcast.f32 v7
    v10 = bitcast.i32 v9
    return v1, v3, v4, v6, v8, v10
}
`;
    expect(run(input)).toBe(`function %convs() -> i32, i32, i64, f32, f64, i32 fast {
block0:
    v11 = iconst.i32 -3
    v2 = f64const +NaN
    v3 = fcvt_to_uint.i32 v2
    v12 = iconst.i64 0
    v5 = iconst.i64 0x7fff_ffff_ffff_ffff
    v6 = fcvt_from_sint.f32 v5
    v13 = f64const 0x1.fffffffe00000p31
    v15 = iconst.i32 -1
    return v11, v3, v12, v6, v13, v15
}
`);
  });

  it('table: folds a br_table on a constant index', () => {
    const input = `
function %table(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    br_table v1, block3, [block1, block2]
block1:
    return v0
block2:
    v2 = iconst.i32 2
    return v2
block3:
    v3 = iconst.i32 3
    return v3
}
`;
    expect(run(input)).toBe(`function %table(i32) -> i32 fast {
block0(v0: i32):
    jump block2

block2:
    v2 = iconst.i32 2
    return v2
}
`);
  });

  it('edges: decides comparisons against the extremes and identities at every width', () => {
    const input = `
function %edges(i8, i16, i32, i64) -> i8, i8, i8, i8, i64, i16, i64, i8 {
block0(v0: i8, v1: i16, v2: i32, v3: i64):
    v4 = icmp_imm ule v0, -1
    v5 = icmp_imm sgt v1, 0x7fff
    v6 = icmp_imm slt v3, 0x8000_0000_0000_0000
    v7 = icmp_imm ugt v2, -1
    v8 = band_imm v3, -1
    v9 = bor_imm v1, -1
    v10 = imul_imm v3, 0x1_0000_0000
    v11 = ishl_imm v0, 8
    return v4, v5, v6, v7, v8, v9, v10, v11
}
`;
    expect(run(input)).toBe(`function %edges(i8, i16, i32, i64) -> i8, i8, i8, i8, i64, i16, i64, i8 fast {
block0(v0: i8, v1: i16, v2: i32, v3: i64):
    v12 = iconst.i8 1
    v13 = iconst.i8 0
    v14 = iconst.i8 0
    v15 = iconst.i8 0
    v16 = iconst.i16 -1
    v17 = ishl_imm v3, 32
    return v12, v13, v14, v15, v3, v16, v17, v0
}
`);
  });
});
