/**
 * Natural loops: headers, bodies, nesting.
 *
 * Problem. Loop-invariant code motion needs, for each loop, its header (the
 * block every iteration enters through), which blocks belong to it, and the
 * order in which to treat nested loops (inner first, so that an invariant of
 * an inner loop can move on out of the outer one).
 *
 * Approach. A back edge is an edge `latch → header` where the header
 * dominates the latch; the natural loop of a header is the header plus
 * every block that reaches one of its latches without passing through the
 * header. Headers are processed in post-order (inner headers come later in
 * reverse post-order than the headers enclosing them, so post-order meets
 * them first); the backward search from the latches skips over an already
 * discovered inner loop by jumping to its outermost enclosing loop's header
 * and making the current loop that loop's parent — the classic algorithm
 * Cranelift's `loop_analysis.rs` also uses. Membership is stored as the
 * innermost loop of each block, and "is b in L" walks b's loop up the
 * parent chain.
 *
 * Retreating edges to a block that does not dominate their source
 * (irreducible control flow — wasm cannot produce it, hand-written IR can)
 * form no natural loop and are ignored: nothing is hoisted across them.
 *
 * Invariants.
 * * (InnerFirst) `loops` is ordered so that every loop comes before the
 *   loops enclosing it.
 * * (HeaderDominatesBody) a loop's header dominates every block of its body.
 */
import type { Block } from '@derrick/codegen-ir';
import type { ControlFlowGraph } from './cfg.js';
import type { DominatorTree } from './domtree.js';

export interface Loop {
  /** Index in `LoopAnalysis.loops`. */
  readonly index: number;
  readonly header: Block;
  /** The enclosing loop's index, or -1. */
  parent: number;
  /** Nesting depth: 1 for an outermost loop. */
  depth: number;
  /** The body, header first, in reverse post-order. */
  blocks: Block[];
}

export class LoopAnalysis {
  /** Loops, inner before outer (InnerFirst). */
  loops: Loop[] = [];
  /** Innermost loop of each block, or -1. */
  private innermost = new Int32Array(0);

  static compute(cfg: ControlFlowGraph, domtree: DominatorTree): LoopAnalysis {
    const a = new LoopAnalysis();
    a.compute(cfg, domtree);
    return a;
  }

  compute(cfg: ControlFlowGraph, domtree: DominatorTree): void {
    const n = cfg.numBlocks;
    const innermost = new Int32Array(n).fill(-1);
    this.innermost = innermost;
    const loops: Loop[] = [];
    const rpo = cfg.rpo;
    const stack: Block[] = [];
    // Post-order: inner headers first.
    for (let i = rpo.length - 1; i >= 0; i--) {
      const h = rpo[i]!;
      stack.length = 0;
      for (let e = cfg.predStart[h]!; e < cfg.predStart[h + 1]!; e++) {
        const p = cfg.pred[e]!;
        if (cfg.isReachable(p) && domtree.dominates(h, p)) stack.push(p);
      }
      if (stack.length === 0) continue;
      const li = loops.length;
      const loop: Loop = { index: li, header: h, parent: -1, depth: 0, blocks: [] };
      loops.push(loop);
      innermost[h] = li;
      while (stack.length > 0) {
        let b = stack.pop()!;
        let l = innermost[b]!;
        if (l === li) continue;
        if (l >= 0) {
          // Inside an inner loop already found: continue from its outermost ancestor's header.
          while (loops[l]!.parent >= 0) l = loops[l]!.parent;
          if (l === li) continue;
          loops[l]!.parent = li;
          b = loops[l]!.header;
        } else {
          innermost[b] = li;
        }
        for (let e = cfg.predStart[b]!; e < cfg.predStart[b + 1]!; e++) {
          const p = cfg.pred[e]!;
          if (!cfg.isReachable(p)) continue;
          const pl = innermost[p]!;
          if (pl === li) continue;
          stack.push(p);
        }
      }
    }
    // Depths (parents have higher indices, so go from the outermost down).
    for (let i = loops.length - 1; i >= 0; i--) {
      const l = loops[i]!;
      l.depth = l.parent >= 0 ? loops[l.parent]!.depth + 1 : 1;
    }
    // Bodies in reverse post-order (header first: it dominates the body).
    for (let i = 0; i < rpo.length; i++) {
      const b = rpo[i]!;
      for (let l = innermost[b]!; l >= 0; l = loops[l]!.parent) loops[l]!.blocks.push(b);
    }
    this.loops = loops;
  }

  /** The innermost loop containing `b`, or -1. */
  loopOf(b: Block): number {
    return b < this.innermost.length ? this.innermost[b]! : -1;
  }

  /** Is block `b` in loop `loop` (or a loop nested in it)? */
  contains(loop: number, b: Block): boolean {
    for (let l = this.loopOf(b); l >= 0; l = this.loops[l]!.parent) if (l === loop) return true;
    return false;
  }

  /** Loop nesting depth of `b` (0 outside every loop). */
  depth(b: Block): number {
    const l = this.loopOf(b);
    return l < 0 ? 0 : this.loops[l]!.depth;
  }
}
