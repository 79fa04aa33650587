/**
 * Dead code elimination (dce.ts): instructions, loop-carried dead parameters, unreachable blocks.
 *
 * Each case: CLIF in, the passes, the exact printed result.
 */
import { parseFunction, printFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type PassName, runPasses } from './optimize.js';

const PASSES: PassName[] = ['dce'];

function run(input: string): string {
  const func = parseFunction(input);
  runPasses(func, PASSES, { verify: true });
  return printFunction(func);
}

describe('dce', () => {
  it('dead: removes unused instructions that cannot trap, keeps the ones that may', () => {
    const input = `
function %dead(i64, i32, i32) -> i32 {
block0(v0: i64, v1: i32, v2: i32):
    v3 = iadd v1, v2
    v4 = load.i32 notrap aligned v0
    v5 = load.i32 v0+4
    v6 = sdiv v1, v2
    v7 = iconst.i32 3
    v8 = udiv v1, v7
    v9 = iconst.i32 -1
    v10 = sdiv v1, v9
    v11 = imul v3, v3
    nop
    return v1
}
`;
    expect(run(input)).toBe(`function %dead(i64, i32, i32) -> i32 fast {
block0(v0: i64, v1: i32, v2: i32):
    v5 = load.i32 v0+4
    v6 = sdiv v1, v2
    v9 = iconst.i32 -1
    v10 = sdiv v1, v9
    return v1
}
`);
  });

  it('dead_loop: removes a loop-carried parameter that only feeds itself', () => {
    const input = `
function %dead_loop(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    jump block1(v0, v1)
block1(v2: i32, v3: i32):
    v4 = iadd_imm v3, 7
    v5 = iadd_imm v2, -1
    brif v5, block1(v5, v4), block2
block2:
    return v5
}
`;
    expect(run(input)).toBe(`function %dead_loop(i32) -> i32 fast {
block0(v0: i32):
    jump block1(v0)

block1(v2: i32):
    v5 = iadd_imm v2, -1
    brif v5, block1(v5), block2

block2:
    return v5
}
`);
  });

  it('unreachable: removes blocks the entry does not reach', () => {
    const input = `
function %unreachable(i32) -> i32 {
block0(v0: i32):
    jump block2
block1:
    v1 = iconst.i32 5
    jump block2
block2:
    return v0
}
`;
    expect(run(input)).toBe(`function %unreachable(i32) -> i32 fast {
block0(v0: i32):
    jump block2

block2:
    return v0
}
`);
  });
});
