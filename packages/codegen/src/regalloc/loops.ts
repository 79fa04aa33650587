/**
 * Approximate loop depth per block, and the span (first and last block in
 * layout) of the innermost loop containing it, for the allocator's
 * heuristics only: where to place split points, so reloads land outside
 * loops, and which register to free (a value the loop needs again on its
 * next iteration is not evicted for one the loop never uses).
 *
 * An edge q -> h with h at or before q in the layout is taken as a back edge;
 * its natural loop is h plus every block that reaches q backwards without
 * passing through h. Back edges to one header are merged into one loop. For
 * reducible code laid out in reverse postorder this is the exact loop nesting
 * depth; for other layouts it over-approximates, which only makes the split
 * heuristic less effective, never wrong.
 */
import type { RegAllocContext } from './context.js';
import type { RegAllocFunction } from './function.js';

export function computeLoopDepth(ctx: RegAllocContext, f: RegAllocFunction): void {
  const nb = f.numBlocks;
  const depth = ctx.loopDepth;
  depth.fill(0, 0, nb);
  const first = ctx.loopFirst;
  const last = ctx.loopLast;
  first.fill(-1, 0, nb);
  last.fill(-1, 0, nb);
  const succStart = f.succStart;
  const succs = f.succs;
  // Find headers: blocks with a predecessor at or after them in layout.
  let anyLoop = false;
  for (let b = 0; b < nb && !anyLoop; b++) {
    for (let e = succStart[b]!; e < succStart[b + 1]!; e++) if (succs[e]! <= b) anyLoop = true;
  }
  if (!anyLoop) return;
  const stamp = new Int32Array(nb).fill(-1);
  const work = new Int32Array(nb);
  const members = new Int32Array(nb);
  for (let h = 0; h < nb; h++) {
    let top = 0;
    for (let k = f.predStart[h]!; k < f.predStart[h + 1]!; k++) {
      const q = f.preds[k]!;
      if (q >= h && stamp[q] !== h) {
        stamp[q] = h;
        work[top++] = q;
      }
    }
    if (top === 0) continue;
    stamp[h] = h;
    depth[h]!++;
    // Headers are visited in layout order, so an inner loop's header comes
    // after its outer loop's: the last span written to a block is its
    // innermost loop's. The span is [h, the loop's last block].
    let end = h;
    let n = 0;
    members[n++] = h;
    while (top > 0) {
      const b = work[--top]!;
      if (b === h) continue; // a self-loop: the header is counted already
      depth[b]!++;
      members[n++] = b;
      if (b > end) end = b;
      for (let k = f.predStart[b]!; k < f.predStart[b + 1]!; k++) {
        const p = f.preds[k]!;
        if (stamp[p] !== h) {
          stamp[p] = h;
          work[top++] = p;
        }
      }
    }
    for (let k = 0; k < n; k++) {
      first[members[k]!] = h;
      last[members[k]!] = end;
    }
  }
}
