import { parseFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { computeBlockOrder } from './lower.js';

describe('block lowering order', () => {
  it('is reverse postorder from the entry, taken successor first, without unreachable blocks', () => {
    const f = parseFunction(`
function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block3
block1:
    jump block2
block2:
    return v0
block3:
    return v0
block4:
    return v0
}`);
    const o = computeBlockOrder(f.stencil);
    expect(o.blocks.map((b) => b.irBlock)).toEqual([0, 1, 2, 3]);
    expect(o.irToLowered[4]).toBe(-1);
  });

  it('splits critical edges with an edge block right after the source', () => {
    // block0 has two successors; block2 has two predecessors (block0, block1).
    const f = parseFunction(`
function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2(v0)
block1:
    v1 = iconst.i32 7
    jump block2(v1)
block2(v2: i32):
    return v2
}`);
    const o = computeBlockOrder(f.stencil);
    expect(o.blocks.map((b) => b.irBlock)).toEqual([0, -1, 1, 2]);
    expect(o.blocks[1]!.edgeTarget).toBe(2);
    // block0's destinations: block1 (not split), block2 through the edge block.
    expect(o.succTargets.get(0)).toEqual([2, 1]);
    expect(o.succSplit.get(0)).toEqual([false, true]);
    expect(o.succTargets.get(1)).toEqual([3]);
  });

  it('splits each edge of a br_table that reaches one block twice', () => {
    const f = parseFunction(`
function %f(i32) -> i32 {
block0(v0: i32):
    br_table v0, block2, [block1, block1]
block1:
    return v0
block2:
    return v0
}`);
    const o = computeBlockOrder(f.stencil);
    const split = o.succSplit.get(0)!;
    expect(split).toEqual([false, true, true]);
    const t = o.succTargets.get(0)!;
    expect(new Set(t).size).toBe(3);
  });
});
