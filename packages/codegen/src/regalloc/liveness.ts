/**
 * Liveness: which vregs are live into each block, as bitsets.
 *
 * Problem. Live ranges are built per block from the set of vregs live out of
 * it (liveranges.ts); that set must be exact, or values stay in registers
 * where they are dead (and edge moves copy garbage).
 *
 * Approach. Standard backward dataflow, `liveIn(b) = gen(b) ∪ (liveOut(b) \
 * defs(b))`, `liveOut(b) = ∪ liveIn(succ)`, solved with a worklist seeded
 * in reverse layout order (for an RPO layout one pass settles everything but
 * what flows around loop back edges; a block whose live-in set grows
 * re-queues its predecessors). Two SSA facts keep it cheap:
 *
 * - Only *global* vregs — used in a block other than the one defining them —
 *   can be live across a block boundary, and they are a small fraction of all
 *   vregs. Each global gets a dense index; the bitsets have one bit per
 *   global, not per vreg.
 * - Each vreg has one def, so `defs(b)` is a short list (the globals defined
 *   in b), not a bitset; `gen(b)` likewise (globals used in b but defined
 *   elsewhere — in SSA a use in the defining block always follows the def).
 *
 * Branch arguments are uses at the end of the branching block. Block
 * parameters are defs at the start of their block.
 *
 * Post-invariant (exact-liveness): bit g of `liveIn(b)` is set iff global g
 * is live at the start of b. A vreg live into the entry block is a use not
 * dominated by its def and is reported as `InvalidInput`.
 *
 * This pass also fills the per-vreg def facts and use-record counts that the
 * range builder needs, and `instBlock`.
 */
import type { RegAllocContext } from './context.js';
import { RegAllocError, type RegAllocFunction } from './function.js';
import { ConstraintKind, OperandKind, OperandPos } from './operand.js';

/** The position at which a def operand's vreg starts to be live. See liveranges.ts. */
export function defPosition(op: number, inst: number, operands: ArrayLike<number>, o0: number): number {
  const c = (op >>> 22) & 7;
  if (c === ConstraintKind.Reuse) {
    const reused = operands[o0 + (op >>> 25)]!;
    // A reuse of a fixed use is a fixed def of the same register (late).
    return ((reused >>> 22) & 7) === ConstraintKind.Fixed ? 2 * inst + 1 : 2 * inst;
  }
  return ((op >>> 21) & 1) === OperandPos.Early ? 2 * inst : 2 * inst + 1;
}

export function computeLiveness(ctx: RegAllocContext, f: RegAllocFunction): void {
  const nb = f.numBlocks;
  const nv = f.numVRegs;
  const blockStart = f.blockStart;
  const operands = f.operands;
  const operandStart = f.operandStart;
  const vDefBlock = ctx.vDefBlock;
  const vDefPos = ctx.vDefPos;
  const vDefInst = ctx.vDefInst;
  const vUseStart = ctx.vUseStart;
  const vGlobal = ctx.vGlobal;
  const instBlock = ctx.instBlock;

  vDefBlock.fill(-1, 0, nv);
  vGlobal.fill(-1, 0, nv);
  vUseStart.fill(0, 0, nv + 1);

  // Pass 1: defs, use-record counts (one per operand, branch arg and param).
  for (let b = 0; b < nb; b++) {
    const bFrom = blockStart[b]!;
    const bTo = blockStart[b + 1]!;
    for (let k = f.paramStart[b]!; k < f.paramStart[b + 1]!; k++) {
      const p = f.params[k]!;
      vDefBlock[p] = b;
      vDefPos[p] = 2 * bFrom;
      vDefInst[p] = -1;
      vUseStart[p]!++;
    }
    for (let i = bFrom; i < bTo; i++) {
      instBlock[i] = b;
      const o0 = operandStart[i]!;
      const o1 = operandStart[i + 1]!;
      for (let k = o0; k < o1; k++) {
        const op = operands[k]!;
        const v = op & 0xfffff;
        if (v >= nv) throw new RegAllocError('InvalidInput', `operand names vreg ${v} out of range`, i);
        vUseStart[v]!++;
        if (((op >>> 20) & 1) === OperandKind.Def) {
          vDefBlock[v] = b;
          vDefPos[v] = defPosition(op, i, operands, o0);
          vDefInst[v] = i;
        }
      }
    }
    for (let e = f.succStart[b]!; e < f.succStart[b + 1]!; e++) {
      for (let k = f.branchArgStart[e]!; k < f.branchArgStart[e + 1]!; k++) vUseStart[f.branchArgs[k]!]!++;
    }
  }
  instBlock[f.numInsts] = nb;
  // Exclusive prefix sums: vUseStart[v] .. vUseStart[v+1].
  let acc = 0;
  for (let v = 0; v < nv; v++) {
    const c = vUseStart[v]!;
    vUseStart[v] = acc;
    acc += c;
  }
  vUseStart[nv] = acc;

  // Pass 2: globals and gen lists.
  const vGenStamp = ctx.vGenStamp;
  vGenStamp.fill(-1, 0, nv);
  let numGlobals = 0;
  let globalVReg = ctx.globalVReg;
  let genList = ctx.genList;
  let genCount = 0;
  const genStart = ctx.genStart;
  for (let b = 0; b < nb; b++) {
    genStart[b] = genCount;
    const bTo = blockStart[b + 1]!;
    for (let i = blockStart[b]!; i < bTo; i++) {
      const o1 = operandStart[i + 1]!;
      for (let k = operandStart[i]!; k < o1; k++) {
        const op = operands[k]!;
        if (((op >>> 20) & 1) !== OperandKind.Use) continue;
        const v = op & 0xfffff;
        if (vDefBlock[v] === b || vGenStamp[v] === b) continue;
        vGenStamp[v] = b;
        let g = vGlobal[v]!;
        if (g < 0) {
          g = numGlobals++;
          vGlobal[v] = g;
          if (g >= globalVReg.length) globalVReg = growI32Local(globalVReg, g + 1);
          globalVReg[g] = v;
        }
        if (genCount >= genList.length) genList = growI32Local(genList, genCount + 1);
        genList[genCount++] = g;
      }
    }
    for (let e = f.succStart[b]!; e < f.succStart[b + 1]!; e++) {
      for (let k = f.branchArgStart[e]!; k < f.branchArgStart[e + 1]!; k++) {
        const v = f.branchArgs[k]!;
        if (v < 0 || v >= nv) throw new RegAllocError('InvalidInput', `branch arg ${v} out of range`, bTo - 1);
        if (vDefBlock[v] === b || vGenStamp[v] === b) continue;
        vGenStamp[v] = b;
        let g = vGlobal[v]!;
        if (g < 0) {
          g = numGlobals++;
          vGlobal[v] = g;
          if (g >= globalVReg.length) globalVReg = growI32Local(globalVReg, g + 1);
          globalVReg[g] = v;
        }
        if (genCount >= genList.length) genList = growI32Local(genList, genCount + 1);
        genList[genCount++] = g;
      }
    }
  }
  genStart[nb] = genCount;
  ctx.globalVReg = globalVReg;
  ctx.genList = genList;
  ctx.numGlobals = numGlobals;

  // Globals defined per block (CSR by counting sort).
  const gdefStart = ctx.gdefStart;
  gdefStart.fill(0, 0, nb + 1);
  for (let g = 0; g < numGlobals; g++) {
    const db = vDefBlock[globalVReg[g]!]!;
    if (db >= 0) gdefStart[db + 1]!++;
  }
  for (let b = 0; b < nb; b++) gdefStart[b + 1]! += gdefStart[b]!;
  let gdefList = ctx.gdefList;
  if (gdefList.length < numGlobals) gdefList = ctx.gdefList = new Int32Array(Math.max(numGlobals, gdefList.length * 2));
  const gFill = ctx.gdefFill;
  for (let b = 0; b < nb; b++) gFill[b] = gdefStart[b]!;
  for (let g = 0; g < numGlobals; g++) {
    const db = vDefBlock[globalVReg[g]!]!;
    if (db >= 0) gdefList[gFill[db]!++] = g;
  }

  // Fixpoint.
  const W = (numGlobals + 31) >>> 5;
  ctx.liveWords = W;
  if (ctx.liveIn.length < nb * W) ctx.liveIn = new Uint32Array(Math.max(nb * W, ctx.liveIn.length * 2));
  if (ctx.liveTmp.length < W) ctx.liveTmp = new Uint32Array(Math.max(W, ctx.liveTmp.length * 2));
  const liveIn = ctx.liveIn;
  const tmp = ctx.liveTmp;
  liveIn.fill(0, 0, nb * W);
  if (W > 0) {
    const succStart = f.succStart;
    const succs = f.succs;
    const predStart = f.predStart;
    const preds = f.preds;
    // Worklist in a ring buffer, seeded in reverse layout order (postorder for
    // an RPO layout, so one pass settles everything but loop back edges);
    // a block whose live-in set grows re-queues its predecessors.
    const queue = new Int32Array(nb + 1);
    const queued = new Uint8Array(nb);
    let head = 0;
    let tail = 0;
    for (let b = nb - 1; b >= 0; b--) {
      queue[tail++] = b;
      queued[b] = 1;
    }
    let pending = nb;
    while (pending > 0) {
      const b = queue[head]!;
      head = head === nb ? 0 : head + 1;
      pending--;
      queued[b] = 0;
      {
        tmp.fill(0, 0, W);
        for (let e = succStart[b]!; e < succStart[b + 1]!; e++) {
          const base = succs[e]! * W;
          for (let w = 0; w < W; w++) tmp[w]! |= liveIn[base + w]!;
        }
        for (let k = gdefStart[b]!; k < gdefStart[b + 1]!; k++) {
          const g = gdefList[k]!;
          tmp[g >>> 5]! &= ~(1 << (g & 31));
        }
        for (let k = genStart[b]!; k < genStart[b + 1]!; k++) {
          const g = genList[k]!;
          tmp[g >>> 5]! |= 1 << (g & 31);
        }
        const base = b * W;
        let changed = false;
        for (let w = 0; w < W; w++) {
          if (liveIn[base + w] !== tmp[w]) {
            liveIn[base + w] = tmp[w]!;
            changed = true;
          }
        }
        if (changed) {
          for (let k = predStart[b]!; k < predStart[b + 1]!; k++) {
            const p = preds[k]!;
            if (queued[p]) continue;
            queued[p] = 1;
            queue[tail] = p;
            tail = tail === nb ? 0 : tail + 1;
            pending++;
          }
        }
      }
    }
    const eb = f.entryBlock * W;
    for (let w = 0; w < W; w++) {
      const m = liveIn[eb + w]!;
      if (m !== 0) {
        const g = w * 32 + (31 - Math.clz32(m & -m));
        const v = globalVReg[g]!;
        throw new RegAllocError(
          'InvalidInput',
          vDefBlock[v]! < 0 ? 'vreg used but never defined' : 'use not dominated by its def (live into the entry block)',
          -1,
          v,
        );
      }
    }
  }
}

function growI32Local(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}

/** Iterates the set bits of `liveOut(b)` = ∪ liveIn(succ) into `ctx.liveTmp`; returns the word count. */
export function computeLiveOut(ctx: RegAllocContext, f: RegAllocFunction, b: number): number {
  const W = ctx.liveWords;
  const tmp = ctx.liveTmp;
  const liveIn = ctx.liveIn;
  tmp.fill(0, 0, W);
  for (let e = f.succStart[b]!; e < f.succStart[b + 1]!; e++) {
    const base = f.succs[e]! * W;
    for (let w = 0; w < W; w++) tmp[w]! |= liveIn[base + w]!;
  }
  return W;
}
