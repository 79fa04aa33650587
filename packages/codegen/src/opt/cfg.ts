/**
 * The control-flow graph of a function, as the mid-end needs it.
 *
 * Problem. Every mid-end pass asks the same questions — "which blocks can
 * this block branch to", "which branches enter this block", "in what order
 * should I visit blocks so that definitions come before uses" — and the IR
 * only answers the first one, one terminator at a time
 * (`dfg.branchDestinations`). Approach: one scan over the terminators of the
 * blocks in the layout, recorded in compressed-row typed arrays (one offset
 * array plus one flat array per relation, indexed by block number), plus an
 * iterative depth-first search for the reverse post-order.
 *
 * Edges are *block calls*, not block pairs: a `brif` whose two targets are
 * the same block contributes two edges, a `br_table` one edge per table
 * entry. Passes that rewrite branch arguments (block-parameter removal) need
 * exactly that view, because every block call carries its own argument list
 * (BlockCallOwned in the IR).
 *
 * Invariants.
 * * (CfgSnapshot) the graph describes the function at the time `compute`
 *   ran. Passes that only *remove* edges (a `brif` folded into a `jump`) may
 *   keep using it as an over-approximation; passes that add or retarget edges
 *   recompute it.
 * * (RpoReachable) `rpo` lists exactly the blocks reachable from the entry,
 *   each once, every block before its successors except along back edges;
 *   `rpoIndex[b] < 0` exactly for unreachable (or non-layout) blocks.
 */
import { type Block, type BlockCall, type DataFlowGraph, type Function, type Inst, InstructionFormat } from '@derrick/codegen-ir';
import { scratchI32 } from '../scratch.js';

/** Call `f` for each block call (outgoing edge) of the terminator `inst`, in order. */
export function forEachBlockCall(dfg: DataFlowGraph, inst: Inst, f: (bc: BlockCall) => void): void {
  switch (dfg.format(inst)) {
    case InstructionFormat.Jump:
      f(dfg.aux(inst));
      return;
    case InstructionFormat.Brif:
      f(dfg.aux(inst));
      f(dfg.aux2(inst));
      return;
    case InstructionFormat.BranchTable: {
      const jt = dfg.jumpTables[dfg.aux(inst)];
      if (jt === undefined) return;
      f(jt.default);
      for (const e of jt.entries) f(e);
      return;
    }
    default:
      return;
  }
}

/** Number of block calls of the terminator `inst`. */
function numBlockCalls(dfg: DataFlowGraph, inst: Inst): number {
  switch (dfg.format(inst)) {
    case InstructionFormat.Jump:
      return 1;
    case InstructionFormat.Brif:
      return 2;
    case InstructionFormat.BranchTable: {
      const jt = dfg.jumpTables[dfg.aux(inst)];
      return jt === undefined ? 0 : 1 + jt.entries.length;
    }
    default:
      return 0;
  }
}

/** Block call `i` of the terminator `inst` (the order of `forEachBlockCall`). */
function blockCallAt(dfg: DataFlowGraph, inst: Inst, i: number): BlockCall {
  switch (dfg.format(inst)) {
    case InstructionFormat.Jump:
      return dfg.aux(inst);
    case InstructionFormat.Brif:
      return i === 0 ? dfg.aux(inst) : dfg.aux2(inst);
    default: {
      const jt = dfg.jumpTables[dfg.aux(inst)]!;
      return i === 0 ? jt.default : jt.entries[i - 1]!;
    }
  }
}

/**
 * Scratch arrays for temporaries, shared by every computation (the mid-end
 * is not re-entrant): typed-array allocations per function showed up in
 * profiles of modules with thousands of tiny functions. Contents are
 * unspecified; callers initialise what they read.
 */
const SCRATCH: Int32Array<ArrayBuffer>[] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

function scratch(k: number, n: number): Int32Array<ArrayBuffer> {
  if (SCRATCH[k]!.length < n) SCRATCH[k] = new Int32Array(Math.max(n, SCRATCH[k]!.length * 2));
  return SCRATCH[k]!;
}

export class ControlFlowGraph {
  /** Number of block ids covered (dfg.numBlocks when computed). */
  numBlocks = 0;
  /** succ[succStart[b] .. succStart[b+1]) are the target blocks of b's edges, with multiplicity. */
  succStart!: Int32Array<ArrayBuffer>;
  succ!: Int32Array<ArrayBuffer>;
  /** pred[predStart[b] .. predStart[b+1]) are the source blocks of the edges into b. */
  predStart!: Int32Array<ArrayBuffer>;
  pred!: Int32Array<ArrayBuffer>;
  /** The block call of each incoming edge, parallel to `pred`. */
  predCall!: Int32Array<ArrayBuffer>;
  /** Reachable blocks in reverse post-order (entry first). */
  rpo!: Int32Array<ArrayBuffer>;
  /** Position of each block in `rpo`, or -1 (RpoReachable). */
  rpoIndex!: Int32Array<ArrayBuffer>;

  static compute(func: Function): ControlFlowGraph {
    const cfg = new ControlFlowGraph();
    cfg.compute(func);
    return cfg;
  }

  compute(func: Function): void {
    const dfg = func.dfg;
    const layout = func.layout;
    const n = dfg.numBlocks;
    this.numBlocks = n;

    // Terminators by block number (-1 for blocks not in the layout): the
    // edges are walked three times (count, targets, sources) without
    // temporary edge arrays.
    const term = scratch(0, n);
    for (let b = 0; b < n; b++) term[b] = layout.isBlockInserted(b) ? layout.lastInst(b) : -1;

    // 1. Successor counts.
    const succStart = scratchI32(n + 1);
    let m = 0;
    for (let b = 0; b < n; b++) {
      succStart[b] = m;
      const t = term[b]!;
      if (t >= 0) m += numBlockCalls(dfg, t);
    }
    succStart[n] = m;

    // 2. Successor blocks; predecessor counts.
    const succ = scratchI32(m);
    const predStart = scratchI32(n + 1);
    for (let b = 0; b < n; b++) {
      const t = term[b]!;
      if (t < 0) continue;
      let e = succStart[b]!;
      const k = numBlockCalls(dfg, t);
      for (let i = 0; i < k; i++) {
        const s = dfg.blockCallBlock(blockCallAt(dfg, t, i));
        succ[e++] = s;
        predStart[s + 1]++;
      }
    }
    for (let b = 0; b < n; b++) predStart[b + 1] += predStart[b]!;

    // 3. Predecessors and the block call of each incoming edge (counting sort by target).
    const fill = scratch(1, n);
    fill.set(predStart.subarray(0, n));
    const pred = scratchI32(m);
    const predCall = scratchI32(m);
    for (let b = 0; b < n; b++) {
      const t = term[b]!;
      if (t < 0) continue;
      const k = numBlockCalls(dfg, t);
      for (let i = 0; i < k; i++) {
        const bc = blockCallAt(dfg, t, i);
        const at = fill[dfg.blockCallBlock(bc)]++;
        pred[at] = b;
        predCall[at] = bc;
      }
    }
    this.succStart = succStart;
    this.succ = succ;
    this.predStart = predStart;
    this.pred = pred;
    this.predCall = predCall;

    this.computeRpo(layout.entryBlock());
  }

  private computeRpo(entry: Block): void {
    const n = this.numBlocks;
    const rpoIndex = scratchI32(n).fill(-1); // -2 while on the DFS (seen), then the index
    const post = scratch(0, n);
    let np = 0;
    if (entry >= 0) {
      // Iterative DFS: stack of (block, next successor edge index).
      const stackB = scratch(1, n);
      const stackE = scratch(2, n);
      stackB[0] = entry;
      stackE[0] = this.succStart[entry]!;
      rpoIndex[entry] = -2;
      let sp = 1;
      while (sp > 0) {
        const b = stackB[sp - 1]!;
        const e = stackE[sp - 1]!;
        if (e < this.succStart[b + 1]!) {
          stackE[sp - 1] = e + 1;
          const s = this.succ[e]!;
          if (rpoIndex[s] === -1) {
            rpoIndex[s] = -2;
            stackB[sp] = s;
            stackE[sp] = this.succStart[s]!;
            sp++;
          }
        } else {
          post[np++] = b;
          sp--;
        }
      }
    }
    const rpo = scratchI32(np);
    for (let i = 0; i < np; i++) {
      const b = post[np - 1 - i]!;
      rpo[i] = b;
      rpoIndex[b] = i;
    }
    this.rpo = rpo;
    this.rpoIndex = rpoIndex;
  }

  /** Is there an edge to a block not later in reverse post-order (a loop, reducible or not)? */
  hasRetreatingEdge(): boolean {
    const rpo = this.rpo;
    for (let i = 0; i < rpo.length; i++) {
      const b = rpo[i]!;
      for (let e = this.succStart[b]!; e < this.succStart[b + 1]!; e++) if (this.rpoIndex[this.succ[e]!]! <= i) return true;
    }
    return false;
  }

  isReachable(b: Block): boolean {
    return b < this.rpoIndex.length && this.rpoIndex[b]! >= 0;
  }

  numPreds(b: Block): number {
    return this.predStart[b + 1]! - this.predStart[b]!;
  }

  numSuccs(b: Block): number {
    return this.succStart[b + 1]! - this.succStart[b]!;
  }
}
