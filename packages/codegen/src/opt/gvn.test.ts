/**
 * Global value numbering (gvn.ts), run as the forward pass with only value numbering enabled, followed by DCE.
 *
 * Each case: CLIF in, the passes, the exact printed result.
 */
import { parseFunction, printFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type PassName, runPasses } from './optimize.js';

const PASSES: PassName[] = ['gvn', 'dce'];

function run(input: string): string {
  const func = parseFunction(input);
  runPasses(func, PASSES, { verify: true });
  return printFunction(func);
}

describe('gvn', () => {
  it('pure: merges identical pure instructions, commutative operands in either order', () => {
    const input = `
function %pure(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iadd v0, v1
    v3 = iadd v1, v0
    v4 = isub v0, v1
    v5 = isub v1, v0
    v6 = imul v2, v3
    v7 = imul v4, v5
    v8 = iadd v6, v7
    return v8
}
`;
    expect(run(input)).toBe(`function %pure(i32, i32) -> i32 fast {
block0(v0: i32, v1: i32):
    v2 = iadd v0, v1
    v4 = isub v0, v1
    v5 = isub v1, v0
    v6 = imul v2, v2
    v7 = imul v4, v5
    v8 = iadd v6, v7
    return v8
}
`);
  });

  it('loads: merges readonly loads only where the first dominates; never non-readonly loads', () => {
    const input = `
function %loads(i64 vmctx, i32) -> i64 {
block0(v0: i64, v1: i32):
    v2 = load.i64 notrap aligned readonly v0+8
    v3 = load.i64 notrap aligned v0+16
    brif v1, block1, block2
block1:
    v4 = load.i64 notrap aligned readonly v0+8
    v5 = load.i64 notrap aligned v0+16
    v6 = load.i64 notrap aligned readonly v0+24
    v7 = iadd v4, v5
    v8 = iadd v7, v6
    jump block3(v8)
block2:
    v9 = load.i64 notrap aligned readonly v0+24
    jump block3(v9)
block3(v10: i64):
    v11 = load.i64 notrap aligned readonly v0+8
    v12 = iadd v10, v11
    v13 = iadd v12, v3
    return v13
}
`;
    expect(run(input)).toBe(`function %loads(i64 vmctx, i32) -> i64 fast {
block0(v0: i64, v1: i32):
    v2 = load.i64 notrap aligned readonly v0+8
    v3 = load.i64 notrap aligned v0+16
    brif v1, block1, block2

block1:
    v5 = load.i64 notrap aligned v0+16
    v6 = load.i64 notrap aligned readonly v0+24
    v7 = iadd.i64 v2, v5
    v8 = iadd v7, v6
    jump block3(v8)

block2:
    v9 = load.i64 notrap aligned readonly v0+24
    jump block3(v9)

block3(v10: i64):
    v12 = iadd v10, v2
    v13 = iadd v12, v3
    return v13
}
`);
  });

  it('effects: never merges calls; merges an identical division and bounds check', () => {
    const input = `
function %effects(i32, i32) -> i32 {
    sig0 = (i32) -> i32
    fn0 = %g sig0
block0(v0: i32, v1: i32):
    v2 = call fn0(v0)
    v3 = call fn0(v0)
    v4 = udiv v0, v1
    v5 = icmp ugt v0, v1
    trapnz v5, heap_oob
    v6 = udiv v0, v1
    v7 = icmp ugt v0, v1
    trapnz v7, heap_oob
    v8 = iadd v2, v3
    v9 = iadd v4, v6
    v10 = iadd v8, v9
    return v10
}
`;
    expect(run(input)).toBe(`function %effects(i32, i32) -> i32 fast {
    sig0 = (i32) -> i32 fast
    fn0 = %g sig0

block0(v0: i32, v1: i32):
    v2 = call fn0(v0)
    v3 = call fn0(v0)
    v4 = udiv v0, v1
    v5 = icmp ugt v0, v1
    trapnz v5, heap_oob
    v8 = iadd v2, v3
    v9 = iadd v4, v4
    v10 = iadd v8, v9
    return v10
}
`);
  });
});
