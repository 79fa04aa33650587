/**
 * The dominator tree, with O(1) dominance queries and a preorder for walks.
 *
 * Problem. Global value numbering may reuse a value only where its
 * definition dominates the reuse; LICM needs to recognise back edges and
 * where a loop's body ends; the block-parameter pass needs to know that a
 * replacement dominates the block it is substituted into. All of them ask
 * "does a dominate b" many times, and GVN walks the tree top-down with a
 * scope per node.
 *
 * Approach. Cooper, Harvey and Kennedy's iterative algorithm ("A Simple,
 * Fast Dominance Algorithm") over the reverse post-order of the
 * `ControlFlowGraph`: `idom` converges in two or three sweeps on reducible
 * graphs. The tree's children are then stored compressed (children listed in
 * RPO, so walks are deterministic), and one iterative DFS numbers every
 * node with preorder entry/exit stamps, so `a dom b ⇔ pre[a] ≤ pre[b] ∧
 * last[b] ≤ last[a]` costs two comparisons (the verifier uses the same
 * trick; walking the idom chain instead made its dominance checks linear in
 * tree depth).
 *
 * Invariants.
 * * (DomReachableOnly) only blocks reachable from the entry are in the tree;
 *   `idom[b] === -1` for the others and every query involving them is false.
 * * (IdomEntrySelf) `idom[entry] === entry`.
 * * (PreorderDominates) `preorder` lists each reachable block after its
 *   immediate dominator, so visiting in that order sees every definition
 *   before every use it dominates.
 */
import type { Block } from '@derrick/codegen-ir';
import type { ControlFlowGraph } from './cfg.js';
import { scratchI32 } from '../scratch.js';

export class DominatorTree {
  /** Immediate dominator per block; entry → itself; unreachable → -1 (DomReachableOnly, IdomEntrySelf). */
  idom!: Int32Array<ArrayBuffer>;
  /** Children of each block in the tree: child[childStart[b] .. childStart[b+1]). */
  childStart!: Int32Array<ArrayBuffer>;
  child!: Int32Array<ArrayBuffer>;
  /** Reachable blocks in dominator-tree preorder (PreorderDominates). */
  preorder!: Int32Array<ArrayBuffer>;
  private pre!: Int32Array<ArrayBuffer>;
  private last!: Int32Array<ArrayBuffer>;

  static compute(cfg: ControlFlowGraph): DominatorTree {
    const t = new DominatorTree();
    t.compute(cfg);
    return t;
  }

  compute(cfg: ControlFlowGraph): void {
    const n = cfg.numBlocks;
    const rpo = cfg.rpo;
    const rpoIndex = cfg.rpoIndex;
    const idom = scratchI32(n).fill(-1);
    this.idom = idom;
    if (rpo.length === 0) {
      this.childStart = scratchI32(n + 1);
      this.child = scratchI32(0);
      this.preorder = scratchI32(0);
      this.pre = scratchI32(n).fill(-1);
      this.last = scratchI32(n).fill(-1);
      return;
    }
    const entry = rpo[0]!;
    idom[entry] = entry;
    // Cooper–Harvey–Kennedy: intersect the already-processed predecessors.
    let changed = true;
    while (changed) {
      changed = false;
      for (let i = 1; i < rpo.length; i++) {
        const b = rpo[i]!;
        let d = -1;
        for (let e = cfg.predStart[b]!; e < cfg.predStart[b + 1]!; e++) {
          const p = cfg.pred[e]!;
          if (idom[p]! < 0) continue; // unreachable or not processed yet
          if (d < 0) {
            d = p;
            continue;
          }
          let x = p;
          let y = d;
          while (x !== y) {
            while (rpoIndex[x]! > rpoIndex[y]!) x = idom[x]!;
            while (rpoIndex[y]! > rpoIndex[x]!) y = idom[y]!;
          }
          d = x;
        }
        if (d !== idom[b]) {
          idom[b] = d;
          changed = true;
        }
      }
    }

    // Children, in RPO order.
    const childStart = scratchI32(n + 1);
    for (let i = 1; i < rpo.length; i++) childStart[idom[rpo[i]!]! + 1]++;
    for (let b = 0; b < n; b++) childStart[b + 1] += childStart[b]!;
    const fill = childStart.slice(0, n);
    const child = scratchI32(Math.max(rpo.length - 1, 0));
    for (let i = 1; i < rpo.length; i++) {
      const b = rpo[i]!;
      child[fill[idom[b]!]++] = b;
    }
    this.childStart = childStart;
    this.child = child;

    // Preorder numbering (iterative DFS).
    const pre = scratchI32(n).fill(-1);
    const last = scratchI32(n).fill(-1);
    const preorder = scratchI32(rpo.length);
    const stackB = scratchI32(rpo.length);
    const stackC = scratchI32(rpo.length);
    let sp = 0;
    let counter = 0;
    stackB[0] = entry;
    stackC[0] = childStart[entry]!;
    pre[entry] = counter;
    preorder[counter++] = entry;
    sp = 1;
    while (sp > 0) {
      const b = stackB[sp - 1]!;
      const c = stackC[sp - 1]!;
      if (c < childStart[b + 1]!) {
        stackC[sp - 1] = c + 1;
        const k = child[c]!;
        pre[k] = counter;
        preorder[counter++] = k;
        stackB[sp] = k;
        stackC[sp] = childStart[k]!;
        sp++;
      } else {
        last[b] = counter - 1;
        sp--;
      }
    }
    this.pre = pre;
    this.last = last;
    this.preorder = preorder;
  }

  isReachable(b: Block): boolean {
    return b >= 0 && b < this.pre.length && this.pre[b]! >= 0;
  }

  /** Does block `a` dominate block `b` (reflexive)? False if either is unreachable. */
  dominates(a: Block, b: Block): boolean {
    const pa = this.pre[a]!;
    const pb = this.pre[b]!;
    if (pa < 0 || pb < 0) return false;
    return pa <= pb && this.last[b]! <= this.last[a]!;
  }

  /** Children of `b` in the tree. */
  children(b: Block): Int32Array {
    return this.child.subarray(this.childStart[b]!, this.childStart[b + 1]!);
  }
}
