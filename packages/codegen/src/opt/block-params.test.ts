/**
 * Redundant block parameters (block-params.ts), followed by DCE.
 *
 * Each case: CLIF in, the passes, the exact printed result.
 */
import { parseFunction, printFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type PassName, runPasses } from './optimize.js';

const PASSES: PassName[] = ['block-params', 'dce'];

function run(input: string): string {
  const func = parseFunction(input);
  runPasses(func, PASSES, { verify: true });
  return printFunction(func);
}

describe('params', () => {
  it('same_value: replaces a parameter that receives the same value on every edge', () => {
    const input = `
function %same_value(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v1, block1, block2
block1:
    jump block3(v0, v1)
block2:
    jump block3(v0, v0)
block3(v2: i32, v3: i32):
    v4 = iadd v2, v3
    return v4
}
`;
    expect(run(input)).toBe(`function %same_value(i32, i32) -> i32 fast {
block0(v0: i32, v1: i32):
    brif v1, block1, block2

block1:
    jump block3(v1)

block2:
    jump block3(v0)

block3(v3: i32):
    v4 = iadd.i32 v0, v3
    return v4
}
`);
  });

  it('same_constant: replaces a parameter that receives equal constants by one constant', () => {
    const input = `
function %same_constant(i32) -> i64 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = iconst.i64 42
    jump block3(v1)
block2:
    v2 = iconst.i64 42
    jump block3(v2)
block3(v3: i64):
    return v3
}
`;
    expect(run(input)).toBe(`function %same_constant(i32) -> i64 fast {
block0(v0: i32):
    brif v0, block1, block2

block1:
    jump block3

block2:
    jump block3

block3:
    v4 = iconst.i64 42
    return v4
}
`);
  });

  it('loop_invariant_param: replaces a loop parameter that receives itself or one value', () => {
    const input = `
function %loop_invariant_param(i32, i64) -> i64 {
block0(v0: i32, v1: i64):
    jump block1(v0, v1)
block1(v2: i32, v3: i64):
    v4 = iadd_imm v2, -1
    brif v4, block1(v4, v3), block2
block2:
    return v3
}
`;
    expect(run(input)).toBe(`function %loop_invariant_param(i32, i64) -> i64 fast {
block0(v0: i32, v1: i64):
    jump block1(v0)

block1(v2: i32):
    v4 = iadd_imm v2, -1
    brif v4, block1(v4), block2

block2:
    return v1
}
`);
  });
});
