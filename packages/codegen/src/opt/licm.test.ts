/**
 * Loop-invariant code motion (licm.ts).
 *
 * Each case: CLIF in, the passes, the exact printed result.
 */
import { parseFunction, printFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type PassName, runPasses } from './optimize.js';

const PASSES: PassName[] = ['licm'];

function run(input: string): string {
  const func = parseFunction(input);
  runPasses(func, PASSES, { verify: true });
  return printFunction(func);
}

describe('licm', () => {
  it('hoist: hoists a vmctx readonly load and pure arithmetic into the existing preheader', () => {
    const input = `
function %hoist(i64 vmctx, i32) -> i64 {
block0(v0: i64, v1: i32):
    v2 = iconst.i64 0
    jump block1(v1, v2)
block1(v3: i32, v4: i64):
    v5 = load.i64 notrap aligned readonly v0+16
    v6 = uextend.i64 v1
    v7 = iadd v5, v6
    v8 = iadd v4, v7
    v9 = iadd_imm v3, -1
    brif v9, block1(v9, v8), block2
block2:
    return v8
}
`;
    expect(run(input)).toBe(`function %hoist(i64 vmctx, i32) -> i64 fast {
block0(v0: i64, v1: i32):
    v2 = iconst.i64 0
    v5 = load.i64 notrap aligned readonly v0+16
    v6 = uextend.i64 v1
    v7 = iadd v5, v6
    jump block1(v1, v2)

block1(v3: i32, v4: i64):
    v8 = iadd v4, v7
    v9 = iadd_imm v3, -1
    brif v9, block1(v9, v8), block2

block2:
    return v8
}
`);
  });

  it('guarded: creates a preheader for a loop entered from a brif; never hoists a division that may trap', () => {
    const input = `
function %guarded(i64 vmctx, i32, i32) -> i32 {
block0(v0: i64, v1: i32, v2: i32):
    brif v1, block1(v1), block2
block1(v3: i32):
    v4 = imul v2, v2
    v5 = sdiv v3, v2
    v6 = iadd v4, v5
    v7 = iadd_imm v3, -1
    brif v7, block1(v7), block2
block2:
    return v2
}
`;
    expect(run(input)).toBe(`function %guarded(i64 vmctx, i32, i32) -> i32 fast {
block0(v0: i64, v1: i32, v2: i32):
    brif v1, block3(v1), block2

block3(v8: i32):
    v4 = imul.i32 v2, v2
    jump block1(v8)

block1(v3: i32):
    v5 = sdiv v3, v2
    v6 = iadd.i32 v4, v5
    v7 = iadd_imm v3, -1
    brif v7, block1(v7), block2

block2:
    return v2
}
`);
  });

  it('guarded_load: does not hoist a readonly load above the trap that guards it', () => {
    const input = `
function %guarded_load(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    jump block1(v1)
block1(v2: i64):
    v3 = icmp_imm eq v0, 0
    trapnz v3, user1
    v4 = load.i64 notrap aligned readonly v0
    v5 = iadd v2, v4
    v6 = icmp_imm ult v5, 100
    brif v6, block1(v5), block2
block2:
    return v5
}
`;
    expect(run(input)).toBe(`function %guarded_load(i64, i64) -> i64 fast {
block0(v0: i64, v1: i64):
    v3 = icmp_imm eq v0, 0
    jump block1(v1)

block1(v2: i64):
    trapnz.i8 v3, user1
    v4 = load.i64 notrap aligned readonly v0
    v5 = iadd v2, v4
    v6 = icmp_imm ult v5, 100
    brif v6, block1(v5), block2

block2:
    return v5
}
`);
  });

  it('table_entry: retargets every br_table entry into the header to the new preheader', () => {
    const input = `
function %table_entry(i32, i64, i64) -> i64 {
block0(v0: i32, v1: i64, v2: i64):
    br_table v0, block2(v2), [block1(v1), block1(v2)]
block1(v3: i64):
    v4 = imul v1, v2
    v5 = iadd v3, v4
    v6 = icmp_imm ult v5, 1000
    brif v6, block1(v5), block2(v5)
block2(v7: i64):
    return v7
}
`;
    expect(run(input)).toBe(`function %table_entry(i32, i64, i64) -> i64 fast {
block0(v0: i32, v1: i64, v2: i64):
    br_table v0, block2(v2), [block3(v1), block3(v2)]

block3(v8: i64):
    v4 = imul.i64 v1, v2
    jump block1(v8)

block1(v3: i64):
    v5 = iadd v3, v4
    v6 = icmp_imm ult v5, 1000
    brif v6, block1(v5), block2(v5)

block2(v7: i64):
    return v7
}
`);
  });

  it('nested: hoists out of the inner loop, then on out of the outer one', () => {
    const input = `
function %nested(i64 vmctx, i32) -> i64 {
block0(v0: i64, v1: i32):
    v2 = iconst.i64 0
    jump block1(v1, v2)
block1(v3: i32, v4: i64):
    v5 = iconst.i32 3
    jump block2(v5, v4)
block2(v6: i32, v7: i64):
    v8 = load.i64 notrap aligned readonly v0+8
    v9 = uextend.i64 v1
    v10 = imul v8, v9
    v11 = iadd v7, v10
    v12 = iadd_imm v6, -1
    brif v12, block2(v12, v11), block3
block3:
    v13 = iadd_imm v3, -1
    brif v13, block1(v13, v11), block4
block4:
    return v11
}
`;
    expect(run(input)).toBe(`function %nested(i64 vmctx, i32) -> i64 fast {
block0(v0: i64, v1: i32):
    v2 = iconst.i64 0
    v8 = load.i64 notrap aligned readonly v0+8
    v9 = uextend.i64 v1
    v10 = imul v8, v9
    jump block1(v1, v2)

block1(v3: i32, v4: i64):
    v5 = iconst.i32 3
    jump block2(v5, v4)

block2(v6: i32, v7: i64):
    v11 = iadd v7, v10
    v12 = iadd_imm v6, -1
    brif v12, block2(v12, v11), block3

block3:
    v13 = iadd_imm.i32 v3, -1
    brif v13, block1(v13, v11), block4

block4:
    return v11
}
`);
  });

  describe('VmctxStable: the memory length out of small loops without calls or vmctx stores', () => {
    const loop = (body: string): string => `
function %len(i64 vmctx, i32, i64) -> i32 {
    fn0 = %g(i64 vmctx)
block0(v0: i64, v1: i32, v9: i64):
    jump block1(v1)
block1(v2: i32):
    v3 = load.i64 notrap aligned vmctx v0+40
    v4 = iadd_imm v3, -4
    ${body}
    v5 = iadd_imm v2, -1
    brif v5, block1(v5), block2
block2:
    return v5
}
`;
    /** The block a `load.i64 … vmctx v0+40` ends up in. */
    const lengthBlock = (input: string): string => {
      let block = '';
      for (const line of run(input).split('\n')) {
        const m = /^(block\d+)/.exec(line);
        if (m) block = m[1]!;
        if (line.includes('vmctx v0+40')) return block;
      }
      throw new Error('no length load');
    };

    it('hoists it, and the bound derived from it, past heap stores', () => {
      const out = run(loop('store.i32 notrap heap v2, v9'));
      expect(lengthBlock(loop('store.i32 notrap heap v2, v9'))).toBe('block0');
      expect(out).toMatch(/block0[^]*v4 = iadd_imm v3, -4[^]*block1/);
    });

    it('keeps it in a loop with a call (the callee may grow the memory)', () => {
      expect(lengthBlock(loop('call fn0(v0)'))).toBe('block1');
    });

    it('keeps it in a loop with a store that may alias the vmctx region', () => {
      expect(lengthBlock(loop('store.i32 notrap aligned vmctx v2, v0+48'))).toBe('block1');
      expect(lengthBlock(loop('store.i32 notrap v2, v9'))).toBe('block1'); // no region: may alias anything
    });
  });
});
