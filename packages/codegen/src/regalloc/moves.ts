/**
 * Reifying the allocation: operand allocations and the move edits.
 *
 * Problem. After linear scan each vreg is a chain of children with
 * locations. The program must now (a) name a location for every operand,
 * and (b) move values wherever the location a consumer expects differs from
 * where the producer left the value.
 *
 * Approach. Operand allocations are looked up per operand (binary search in
 * the vreg's children; most vregs have one). Moves are generated from five
 * sources, each tagged with a program point and a priority, then sorted, and
 * each (point, priority) group — a set of moves that happen in parallel — is
 * sequentialized by the parallel move resolver (moveresolver.ts):
 *
 * | priority at `before(i)` | moves                                                       |
 * |-------------------------|-------------------------------------------------------------|
 * | 0 EDGE_IN               | into a single-predecessor block from its predecessor's end  |
 * | 1 PARAM_STORE           | spill-at-def store of a block parameter                     |
 * | 2 SPLIT                 | between consecutive children of a vreg inside a block       |
 * | 3 USE_COPY              | into fixed-register uses; reused input into its def's reg   |
 * | 4 EDGE_OUT              | out of a single-successor block, before its branch          |
 *
 * | priority at `after(i)`  | moves                                                       |
 * |-------------------------|-------------------------------------------------------------|
 * | 0 DEF                   | fixed/stack def to the vreg's location; spill-at-def store  |
 *
 * Each group reads the state its predecessor group left: SPLIT moves put
 * values where they live at `2i`, which is where USE_COPY moves read them;
 * EDGE_OUT reads locations at the block's last position, after SPLIT moves at
 * the branch. Edge moves: where a block has one successor they go before its
 * branch (the branch has no operands, by contract); otherwise the successor
 * has one predecessor (no critical edges) and they go at its head.
 *
 * Spill at definition. A vreg with a slot is stored right after its def
 * (block parameters: at their block's head, after the edge moves), unless it
 * was defined into its slot. Hence a transition from a register child to the
 * stack never needs a move — not within a block, not on an edge — and only
 * reloads remain.
 *
 * Post-invariant (edits-sorted): edits come out sorted by program point, in
 * execution order within a point, and never move stack to stack.
 */
import {
  LOC_STACK,
  VF_DEF_IN_SLOT,
  growF64,
  growI32,
  growU8,
  type RegAllocContext,
} from './context.js';
import type { MachineEnv, RegAllocFunction, RegAllocStats } from './function.js';
import { EditBuffer, ParallelMoveResolver } from './moveresolver.js';
import { ConstraintKind, OperandKind, OperandPos } from './operand.js';
import { allocNewSlot } from './spillslots.js';

const PRIO_EDGE_IN = 0;
const PRIO_PARAM_STORE = 1;
const PRIO_SPLIT = 2;
const PRIO_USE_COPY = 3;
const PRIO_EDGE_OUT = 4;
const PRIO_DEF = 0;

/** 2^26: move index field of the sort key. */
const IDX_MUL = 0x4000000;

export class MoveGenerator {
  private mvKey = new Float64Array(64);
  private mvFrom = new Int32Array(64);
  private mvTo = new Int32Array(64);
  private mvCls = new Uint8Array(64);
  private numMoves = 0;
  private multi = new Uint32Array(16);
  readonly resolver = new ParallelMoveResolver();
  readonly edits = new EditBuffer();

  /** Fills `ctx.allocs` and `this.edits`. */
  run(ctx: RegAllocContext, f: RegAllocFunction, env: MachineEnv, stats: RegAllocStats): void {
    this.numMoves = 0;
    this.edits.reset();
    flattenChildren(ctx, f);
    const allocs = computeOperandAllocs(ctx, f);
    this.collectInstMoves(ctx, f, allocs);
    this.collectSplitMoves(ctx, f);
    this.collectEdgeMoves(ctx, f, stats);
    this.sequentialize(ctx, env);
  }

  private add(point: number, prio: number, from: number, to: number, cls: number): void {
    const n = this.numMoves;
    if (n >= this.mvKey.length) {
      this.mvKey = growF64(this.mvKey, n + 1);
      this.mvFrom = growI32(this.mvFrom, n + 1);
      this.mvTo = growI32(this.mvTo, n + 1);
      this.mvCls = growU8(this.mvCls, n + 1);
    }
    this.mvKey[n] = (point * 8 + prio) * IDX_MUL + n;
    this.mvFrom[n] = from;
    this.mvTo[n] = to;
    this.mvCls[n] = cls;
    this.numMoves = n + 1;
  }

  /** Fixed-use copies, reuse copies, def copies and spill-at-def stores; parameter stores. */
  private collectInstMoves(ctx: RegAllocContext, f: RegAllocFunction, allocs: Int32Array): void {
    const operands = f.operands;
    const operandStart = f.operandStart;
    const vClass = f.vregClass;
    const vSlot = ctx.vSlot;
    const vUseStart = ctx.vUseStart;
    const vFlags = ctx.vFlags;
    for (let b = 0; b < f.numBlocks; b++) {
      const first = f.blockStart[b]!;
      for (let k = f.paramStart[b]!; k < f.paramStart[b + 1]!; k++) {
        const p = f.params[k]!;
        if (ctx.vFirstChild[p]! < 0 || vSlot[p]! < 0) continue;
        const loc = locAt(ctx, p, 2 * first);
        if (loc >= 0) this.add(2 * first, PRIO_PARAM_STORE, loc, ~vSlot[p]!, vClass[p]!);
      }
      for (let i = first; i < f.blockStart[b + 1]!; i++) {
        const o0 = operandStart[i]!;
        const o1 = operandStart[i + 1]!;
        for (let k = o0; k < o1; k++) {
          const op = operands[k]!;
          const v = op & 0xfffff;
          const c = (op >>> 22) & 7;
          const cls = vClass[v]!;
          if (((op >>> 20) & 1) === OperandKind.Use) {
            if (c === ConstraintKind.Fixed) {
              const from = locAt(ctx, v, 2 * i);
              if (from !== allocs[k]) this.add(2 * i, PRIO_USE_COPY, from, allocs[k]!, cls);
            }
            continue;
          }
          // A def.
          const a = allocs[k]!;
          if (c === ConstraintKind.Reuse) {
            const reused = operands[o0 + (op >>> 25)]!;
            if (((reused >>> 22) & 7) !== ConstraintKind.Fixed) {
              const from = locAt(ctx, reused & 0xfffff, 2 * i);
              if (from !== a) this.add(2 * i, PRIO_USE_COPY, from, a, cls);
            }
          }
          if (vUseStart[v + 1]! - vUseStart[v]! <= 1) continue; // dead def
          const loc = locAt(ctx, v, ctx.vDefPos[v]!);
          if (loc !== a) this.add(2 * i + 1, PRIO_DEF, a, loc, cls);
          const slot = vSlot[v]!;
          if (slot >= 0 && loc >= 0 && !(vFlags[v]! & VF_DEF_IN_SLOT)) this.add(2 * i + 1, PRIO_DEF, a, ~slot, cls);
        }
      }
    }
  }

  /** Moves between consecutive children of a vreg that meet inside a block. */
  private collectSplitMoves(ctx: RegAllocContext, f: RegAllocFunction): void {
    const vChildStart = ctx.vChildStart;
    const chPos = ctx.chPos;
    const chEnd = ctx.chEnd;
    const chAlloc = ctx.chAlloc;
    const instBlock = ctx.instBlock;
    const blockStart = f.blockStart;
    for (let v = 0; v < f.numVRegs; v++) {
      const c1 = vChildStart[v + 1]!;
      for (let j = vChildStart[v]! + 1; j < c1; j++) {
        const pos = chPos[j]!;
        if (chEnd[j - 1] !== pos) continue; // a lifetime hole in between: nothing to carry
        if (2 * blockStart[instBlock[pos >>> 1]!]! === pos) continue; // resolved on the edges
        const from = chAlloc[j - 1]!;
        const to = chAlloc[j]!;
        if (from === to || (from >= 0 && to < 0)) continue; // same place, or spilled at def
        this.add(pos, PRIO_SPLIT, from, to, f.vregClass[v]!);
      }
    }
  }

  /** Block-parameter and live-in transfers on every CFG edge. */
  private collectEdgeMoves(ctx: RegAllocContext, f: RegAllocFunction, stats: RegAllocStats): void {
    const W = ctx.liveWords;
    const liveIn = ctx.liveIn;
    const globalVReg = ctx.globalVReg;
    const vClass = f.vregClass;
    if (this.multi.length < W) this.multi = new Uint32Array(Math.max(W, this.multi.length * 2));
    const multi = this.multi;
    multi.fill(0, 0, W);
    const vChildStart = ctx.vChildStart;
    for (let g = 0; g < ctx.numGlobals; g++) {
      const v = globalVReg[g]!;
      if (vChildStart[v + 1]! - vChildStart[v]! > 1) multi[g >>> 5]! |= 1 << (g & 31);
    }
    for (let b = 0; b < f.numBlocks; b++) {
      const e0 = f.succStart[b]!;
      const e1 = f.succStart[b + 1]!;
      const endPos = 2 * f.blockStart[b + 1]! - 1;
      const single = e1 - e0 === 1;
      for (let e = e0; e < e1; e++) {
        const s = f.succs[e]!;
        const startPos = 2 * f.blockStart[s]!;
        const point = single ? endPos - 1 : startPos;
        const prio = single ? PRIO_EDGE_OUT : PRIO_EDGE_IN;
        const base = s * W;
        for (let w = 0; w < W; w++) {
          // Only vregs with several children can change location on an edge.
          let m = liveIn[base + w]! & multi[w]!;
          while (m !== 0) {
            const low = m & -m;
            m ^= low;
            const v = globalVReg[w * 32 + (31 - Math.clz32(low))]!;
            const from = locAt(ctx, v, endPos);
            const to = locAt(ctx, v, startPos);
            if (from === to || (from >= 0 && to < 0)) continue;
            this.add(point, prio, from, to, vClass[v]!);
            stats.edgeMoves++;
          }
        }
        const p0 = f.paramStart[s]!;
        for (let k = f.branchArgStart[e]!, j = 0; k < f.branchArgStart[e + 1]!; k++, j++) {
          const p = f.params[p0 + j]!;
          if (ctx.vFirstChild[p]! < 0) continue; // dead parameter
          const a = f.branchArgs[k]!;
          const from = locAt(ctx, a, endPos);
          const to = locAt(ctx, p, startPos);
          if (from === to) continue;
          this.add(point, prio, from, to, vClass[p]!);
          stats.edgeMoves++;
        }
      }
    }
  }

  private sequentialize(ctx: RegAllocContext, env: MachineEnv): void {
    const n = this.numMoves;
    if (n === 0) return;
    const keys = this.mvKey.subarray(0, n).sort();
    const resolver = this.resolver;
    resolver.resetFunction();
    for (let cls = 0; cls < 2; cls++) {
      resolver.scratch[cls] = env.scratch[cls] ?? -1;
      resolver.borrowReg[cls] = env.regs[cls]?.[0] ?? -1;
    }
    resolver.allocSlot = (cls: number) => allocNewSlot(ctx, cls);
    let groupKey = -1;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      const idx = key % IDX_MUL;
      const gk = (key - idx) / IDX_MUL;
      if (gk !== groupKey) {
        if (groupKey >= 0) resolver.resolve(Math.floor(groupKey / 8), this.edits);
        groupKey = gk;
      }
      resolver.add(this.mvFrom[idx]!, this.mvTo[idx]!, this.mvCls[idx]!);
    }
    resolver.resolve(Math.floor(groupKey / 8), this.edits);
  }
}

/** Children of each vreg as a CSR of (start position, Allocation). */
function flattenChildren(ctx: RegAllocContext, f: RegAllocFunction): void {
  const nv = f.numVRegs;
  const total = ctx.numChildren;
  ctx.chPos = growI32(ctx.chPos, total);
  ctx.chAlloc = growI32(ctx.chAlloc, total);
  ctx.chEnd = growI32(ctx.chEnd, total);
  const chPos = ctx.chPos;
  const chEnd = ctx.chEnd;
  const chAlloc = ctx.chAlloc;
  const vChildStart = ctx.vChildStart;
  let idx = 0;
  for (let v = 0; v < nv; v++) {
    vChildStart[v] = idx;
    const slot = ctx.vSlot[v]!;
    for (let c = ctx.vFirstChild[v]!; c >= 0; c = ctx.cNext[c]!) {
      chPos[idx] = ctx.cStart[c]!;
      chEnd[idx] = ctx.cEnd[c]!;
      const loc = ctx.cLoc[c]!;
      chAlloc[idx] = loc === LOC_STACK ? ~slot : loc;
      idx++;
    }
  }
  vChildStart[nv] = idx;
}

/** The Allocation of vreg v at position pos (pos must be within one of its children). */
export function locAt(ctx: RegAllocContext, v: number, pos: number): number {
  let lo = ctx.vChildStart[v]!;
  let hi = ctx.vChildStart[v + 1]! - 1;
  const chPos = ctx.chPos;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (chPos[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return ctx.chAlloc[lo]!;
}

function computeOperandAllocs(ctx: RegAllocContext, f: RegAllocFunction): Int32Array {
  const operands = f.operands;
  const operandStart = f.operandStart;
  const allocs = (ctx.allocs = growI32(ctx.allocs, operands.length));
  for (let i = 0; i < f.numInsts; i++) {
    const o0 = operandStart[i]!;
    const o1 = operandStart[i + 1]!;
    let hasReuse = false;
    for (let k = o0; k < o1; k++) {
      const op = operands[k]!;
      const v = op & 0xfffff;
      const c = (op >>> 22) & 7;
      let a: number;
      if (c === ConstraintKind.Fixed) a = op >>> 25;
      else if (c === ConstraintKind.Stack) a = ~ctx.vSlot[v]!;
      else if (((op >>> 20) & 1) === OperandKind.Def) {
        if (c === ConstraintKind.Reuse) {
          hasReuse = true;
          const reused = operands[o0 + (op >>> 25)]!;
          a = ((reused >>> 22) & 7) === ConstraintKind.Fixed ? reused >>> 25 : locAt(ctx, v, ctx.vDefPos[v]!);
        } else a = locAt(ctx, v, ctx.vDefPos[v]!);
      } else a = locAt(ctx, v, ((op >>> 21) & 1) === OperandPos.Early ? 2 * i : 2 * i + 1);
      allocs[k] = a;
    }
    if (hasReuse) {
      for (let k = o0; k < o1; k++) {
        const op = operands[k]!;
        if (((op >>> 20) & 1) === OperandKind.Def && ((op >>> 22) & 7) === ConstraintKind.Reuse)
          allocs[o0 + (op >>> 25)] = allocs[k]!;
      }
    }
  }
  return allocs;
}
