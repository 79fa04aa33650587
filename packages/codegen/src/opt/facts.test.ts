/**
 * Redundant-branch simplification: the forward pass's condition facts from dominating brif arms and conditional traps.
 *
 * Each case: CLIF in, the passes, the exact printed result.
 */
import { parseFunction, printFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type PassName, runPasses } from './optimize.js';

const PASSES: PassName[] = ['forward', 'dce'];

function run(input: string): string {
  const func = parseFunction(input);
  runPasses(func, PASSES, { verify: true });
  return printFunction(func);
}

describe('facts', () => {
  it('nested: folds a branch, select and trap on a condition a dominating brif decided', () => {
    const input = `
function %nested(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = icmp ult v0, v1
    brif v2, block1, block4
block1:
    v3 = icmp ult v0, v1
    brif v3, block2, block3
block2:
    v4 = select v2, v0, v1
    return v4
block3:
    return v1
block4:
    v5 = icmp_imm eq v2, 0
    trapz v5, user1
    return v0
}
`;
    expect(run(input)).toBe(`function %nested(i32, i32) -> i32 fast {
block0(v0: i32, v1: i32):
    v2 = icmp ult v0, v1
    brif v2, block1, block4

block1:
    jump block2

block2:
    return v0

block4:
    return v0
}
`);
  });

  it('after_trap: folds a branch on a condition a dominating trapnz checked', () => {
    const input = `
function %after_trap(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = icmp ugt v0, v1
    trapnz v2, heap_oob
    v3 = icmp ugt v0, v1
    brif v3, block1, block2
block1:
    v4 = iconst.i64 1
    return v4
block2:
    return v0
}
`;
    expect(run(input)).toBe(`function %after_trap(i64, i64) -> i64 fast {
block0(v0: i64, v1: i64):
    v2 = icmp ugt v0, v1
    trapnz v2, heap_oob
    jump block2

block2:
    return v0
}
`);
  });
});
