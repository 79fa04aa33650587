/**
 * Live ranges, use records, fixed-register ranges and hints.
 *
 * Problem. Linear scan needs, per vreg, the exact set of positions where its
 * value is live (a sorted list of half-open ranges, with holes where it is
 * dead), the positions where it is used and how (a register is required, or
 * only preferred), and, per physical register, the positions where no vreg
 * may occupy it (fixed operands and clobbers).
 *
 * Approach. One backward walk over the blocks in reverse layout order and
 * the instructions of each block in reverse (Wimmer & Franz, "BuildIntervals",
 * but with exact live-out sets from liveness.ts so no loop fix-up is needed):
 * a vreg live out of b gets `[blockFrom, blockTo)`; a use at position u adds
 * `[blockFrom, u+1)`; the def cuts the first range to start at the def
 * position. Because the walk visits positions in decreasing order, each new
 * range either merges with the vreg's lowest range or precedes it, so ranges
 * are built sorted without any sort; the same holds for use records, which
 * are written back to front into a CSR array sized by liveness.ts.
 *
 * How operands become ranges (i = instruction; positions 2i early, 2i+1 late):
 *
 * | operand                       | vreg live from/to        | fixed range on preg   |
 * |-------------------------------|--------------------------|-----------------------|
 * | early use                     | ... 2i+1                 | fixed: [2i, 2i+1)     |
 * | late use                      | ... 2i+2                 | fixed: [2i, 2i+2)     |
 * | late def                      | 2i+1 ...                 | fixed: [2i+1, 2i+2)   |
 * | early def                     | 2i ...                   | fixed: [2i, 2i+2)     |
 * | reuse def (of a non-fixed use)| 2i ... (must be in a reg)| —                     |
 * | reuse def of a fixed(P) use   | as a late def fixed(P)   | [2i+1, 2i+2)          |
 * | clobber of P                  | —                        | [2i+1, 2i+2), no owner|
 *
 * Fixed operands are satisfied by copies (moves.ts): the operand's
 * allocation is P itself, and the vreg is copied into P before the
 * instruction (uses) or out of P after it (defs). The vreg's own live range
 * carries only a *hint* for P. A fixed range records its *owner* vreg, which
 * may overlap it (if the owner sits in P anyway, the copy is a no-op); every
 * other vreg must keep out. A clobbered register that is also a fixed def
 * target gets only the def's owned range (the def lands after the clobber).
 *
 * A reuse def starts at 2i, the gap where its input is copied into its
 * register; the allocator lets it share the input's register when the input
 * dies at this instruction (see linearscan.ts, "reuse exemption").
 *
 * Post-invariant (sorted-ranges): for each vreg, `rFrom/rTo[vRangeStart[v] ..
 * vRangeStart[v+1])` are disjoint, non-adjacent and ascending; within one
 * block a vreg's coverage is one contiguous range, so a lifetime hole always
 * ends at a block start (or never).
 */
import {
  USE_DEF,
  USE_MUST_REG,
  USE_SHOULD_REG,
  USE_STACK_DEF,
  VF_DEF_IN_SLOT,
  VF_NEEDS_SLOT,
  VF_PARAM,
  growI32,
  type RegAllocContext,
} from './context.js';
import { InstFlags, type MachineEnv, type RegAllocFunction } from './function.js';
import { computeLiveOut } from './liveness.js';
import { ConstraintKind, OperandKind, OperandPos } from './operand.js';

export function buildLiveRanges(ctx: RegAllocContext, f: RegAllocFunction, env: MachineEnv): void {
  const nv = f.numVRegs;
  const nb = f.numBlocks;
  const blockStart = f.blockStart;
  const operands = f.operands;
  const operandStart = f.operandStart;

  const vRangeHead = ctx.vRangeHead;
  const vFlags = ctx.vFlags;
  const vHintPReg = ctx.vHintPReg;
  const vPartner = ctx.vPartner;
  const vReuseOf = ctx.vReuseOf;
  const vDefPos = ctx.vDefPos;
  const vUseStart = ctx.vUseStart;
  const vUseFill = ctx.vUseFill;
  vRangeHead.fill(-1, 0, nv);
  vFlags.fill(0, 0, nv);
  vHintPReg.fill(-1, 0, nv);
  vPartner.fill(-1, 0, nv);
  vReuseOf.fill(-1, 0, nv);
  for (let v = 0; v < nv; v++) vUseFill[v] = vUseStart[v + 1]!;
  const numUses = vUseStart[nv]!;
  if (ctx.uPos.length < numUses) {
    ctx.uPos = new Int32Array(Math.max(numUses, ctx.uPos.length * 2));
    ctx.uFlags = new Uint8Array(ctx.uPos.length);
  }
  const uPos = ctx.uPos;
  const uFlags = ctx.uFlags;

  const allocatable = ctx.allocatableFor(env);
  const pregFxHead = ctx.pregFxHead;
  pregFxHead.fill(-1);
  ctx.numFxTouched = 0;
  const pregDefStamp = ctx.pregDefStamp;
  pregDefStamp.fill(-1);

  ctx.ensureRangeNodes(f.numInsts * 2 + 16);
  let rlFrom = ctx.rlFrom;
  let rlTo = ctx.rlTo;
  let rlNext = ctx.rlNext;
  let numRange = 0;

  const addRange = (v: number, from: number, to: number): void => {
    const head = vRangeHead[v]!;
    if (head >= 0 && to >= rlFrom[head]!) {
      if (from < rlFrom[head]!) rlFrom[head] = from;
      if (to > rlTo[head]!) rlTo[head] = to;
      return;
    }
    if (numRange >= rlFrom.length) {
      ctx.ensureRangeNodes(numRange + 1);
      rlFrom = ctx.rlFrom;
      rlTo = ctx.rlTo;
      rlNext = ctx.rlNext;
    }
    rlFrom[numRange] = from;
    rlTo[numRange] = to;
    rlNext[numRange] = head;
    vRangeHead[v] = numRange++;
  };
  /** The def at `pos` starts v's live range (or, if v is dead, gives it `[pos, pos+len)`). */
  const setFrom = (v: number, pos: number, len: number): void => {
    const head = vRangeHead[v]!;
    if (head >= 0 && rlFrom[head]! <= pos && pos < rlTo[head]!) rlFrom[head] = pos;
    else addRange(v, pos, pos + len);
  };
  const record = (v: number, pos: number, flags: number): void => {
    const k = --vUseFill[v]!;
    uPos[k] = pos;
    uFlags[k] = flags;
  };

  let numFixed = 0;
  ctx.ensureFixedNodes(64);
  const addFixed = (p: number, from: number, to: number, owner: number): void => {
    if (!allocatable[p]) return;
    const head = pregFxHead[p]!;
    if (head >= 0 && ctx.fxFrom[head] === from && ctx.fxTo[head] === to && ctx.fxOwner[head] === owner) return;
    if (numFixed >= ctx.fxFrom.length) ctx.ensureFixedNodes(numFixed + 1);
    if (head < 0) ctx.fxTouched[ctx.numFxTouched++] = p;
    ctx.fxFrom[numFixed] = from;
    ctx.fxTo[numFixed] = to;
    ctx.fxOwner[numFixed] = owner;
    ctx.fxNext[numFixed] = head;
    pregFxHead[p] = numFixed++;
  };
  const hint = (v: number, p: number): void => {
    if (allocatable[p]) vHintPReg[v] = p;
  };
  const partner = (a: number, b: number): void => {
    if (vPartner[a]! < 0) vPartner[a] = b;
    if (vPartner[b]! < 0) vPartner[b] = a;
  };

  const globalVReg = ctx.globalVReg;
  for (let b = nb - 1; b >= 0; b--) {
    const bFrom = 2 * blockStart[b]!;
    const bTo = 2 * blockStart[b + 1]!;

    // Live out: the whole block.
    const W = computeLiveOut(ctx, f, b);
    const tmp = ctx.liveTmp;
    for (let w = 0; w < W; w++) {
      let m = tmp[w]!;
      while (m !== 0) {
        const low = m & -m;
        m ^= low;
        addRange(globalVReg[w * 32 + (31 - Math.clz32(low))]!, bFrom, bTo);
      }
    }
    // Branch arguments: read at the end of the block by the edge moves.
    for (let e = f.succStart[b]!; e < f.succStart[b + 1]!; e++) {
      const s = f.succs[e]!;
      const p0 = f.paramStart[s]!;
      for (let k = f.branchArgStart[e]!, j = 0; k < f.branchArgStart[e + 1]!; k++, j++) {
        const a = f.branchArgs[k]!;
        addRange(a, bFrom, bTo);
        record(a, bTo - 1, USE_SHOULD_REG);
        // (BackEdgePartner) An argument also passed elsewhere takes its back
        // edge's parameter as partner: a move left on that edge runs on every
        // iteration, one on a loop exit once.
        if (s <= b) vPartner[a] = f.params[p0 + j]!;
        partner(f.params[p0 + j]!, a);
      }
    }

    for (let i = blockStart[b + 1]! - 1; i >= blockStart[b]!; i--) {
      const o0 = operandStart[i]!;
      const o1 = operandStart[i + 1]!;
      const early = 2 * i;
      const late = early + 1;
      const ci = f.instClobbers[i]!;

      // Loop A: everything at the late position (records must be written in
      // decreasing position order), and fixed ranges starting at 2i+1.
      for (let k = o0; k < o1; k++) {
        const op = operands[k]!;
        const v = op & 0xfffff;
        const c = (op >>> 22) & 7;
        if (((op >>> 20) & 1) === OperandKind.Def) {
          if (vDefPos[v] !== late) continue;
          setFrom(v, late, 1);
          let fixedP = -1;
          let flags = USE_DEF;
          if (c === ConstraintKind.Fixed) fixedP = op >>> 25;
          else if (c === ConstraintKind.Reuse) {
            const reused = operands[o0 + (op >>> 25)]!;
            fixedP = reused >>> 25; // a reuse of a fixed use (see defPosition)
            partner(v, reused & 0xfffff);
          } else if (c === ConstraintKind.Reg) flags |= USE_MUST_REG;
          else if (c === ConstraintKind.Any) flags |= USE_SHOULD_REG;
          else if (c === ConstraintKind.Stack) {
            flags |= USE_STACK_DEF;
            vFlags[v]! |= VF_NEEDS_SLOT | VF_DEF_IN_SLOT;
          }
          record(v, late, flags);
          if (fixedP >= 0) {
            addFixed(fixedP, late, late + 1, v);
            pregDefStamp[fixedP] = i;
            hint(v, fixedP);
          }
        } else if (((op >>> 21) & 1) === OperandPos.Late) {
          addRange(v, bFrom, late + 1);
          record(v, late, c === ConstraintKind.Reg ? USE_MUST_REG : c === ConstraintKind.Stack ? 0 : USE_SHOULD_REG);
          if (c === ConstraintKind.Stack) vFlags[v]! |= VF_NEEDS_SLOT;
        }
      }
      if (ci >= 0) {
        // Fixed early defs own [2i, 2i+2), which covers the clobber too.
        for (let k = o0; k < o1; k++) {
          const op = operands[k]!;
          if (((op >>> 20) & 1) === OperandKind.Def && ((op >>> 22) & 7) === ConstraintKind.Fixed)
            pregDefStamp[op >>> 25] = i;
        }
        const bits = f.clobberSets[ci]!.bits;
        for (let w = 3; w >= 0; w--) {
          let m = bits[w]!;
          while (m !== 0) {
            const low = m & -m;
            m ^= low;
            const p = w * 32 + (31 - Math.clz32(low));
            if (pregDefStamp[p] !== i) addFixed(p, late, late + 1, -1);
          }
        }
      }
      // Loop B: the early position, and fixed ranges starting at 2i.
      for (let k = o0; k < o1; k++) {
        const op = operands[k]!;
        const v = op & 0xfffff;
        const c = (op >>> 22) & 7;
        if (((op >>> 20) & 1) === OperandKind.Def) {
          if (vDefPos[v] !== early) continue;
          setFrom(v, early, 2);
          let flags = USE_DEF;
          if (c === ConstraintKind.Fixed) {
            const p = op >>> 25;
            addFixed(p, early, early + 2, v);
            hint(v, p);
          } else if (c === ConstraintKind.Reuse) {
            flags |= USE_MUST_REG;
            const vu = operands[o0 + (op >>> 25)]! & 0xfffff;
            vReuseOf[v] = vu;
            partner(v, vu);
          } else if (c === ConstraintKind.Reg) flags |= USE_MUST_REG;
          else if (c === ConstraintKind.Any) flags |= USE_SHOULD_REG;
          else if (c === ConstraintKind.Stack) {
            flags |= USE_STACK_DEF;
            vFlags[v]! |= VF_NEEDS_SLOT | VF_DEF_IN_SLOT;
          }
          record(v, early, flags);
        } else if (((op >>> 21) & 1) === OperandPos.Early) {
          addRange(v, bFrom, early + 1);
          record(v, early, c === ConstraintKind.Reg ? USE_MUST_REG : c === ConstraintKind.Stack ? 0 : USE_SHOULD_REG);
          if (c === ConstraintKind.Fixed) {
            const p = op >>> 25;
            addFixed(p, early, early + 1, v);
            hint(v, p);
          } else if (c === ConstraintKind.Stack) vFlags[v]! |= VF_NEEDS_SLOT;
        } else if (c === ConstraintKind.Fixed) {
          const p = op >>> 25;
          addFixed(p, early, early + 2, v);
          hint(v, p);
        }
      }
      if (f.instFlags[i]! & InstFlags.Move && o1 - o0 === 2) {
        partner(operands[o0]! & 0xfffff, operands[o0 + 1]! & 0xfffff);
      }
    }

    for (let k = f.paramStart[b]!; k < f.paramStart[b + 1]!; k++) {
      const p = f.params[k]!;
      vFlags[p]! |= VF_PARAM;
      record(p, bFrom, USE_DEF);
    }
  }

  // Flatten ranges into CSR, ascending.
  if (ctx.rFrom.length < numRange) {
    ctx.rFrom = new Int32Array(Math.max(numRange, ctx.rFrom.length * 2));
    ctx.rTo = new Int32Array(ctx.rFrom.length);
  }
  const rFrom = ctx.rFrom;
  const rTo = ctx.rTo;
  const vRangeStart = ctx.vRangeStart;
  let idx = 0;
  for (let v = 0; v < nv; v++) {
    vRangeStart[v] = idx;
    for (let n = vRangeHead[v]!; n >= 0; n = rlNext[n]!) {
      rFrom[idx] = rlFrom[n]!;
      rTo[idx] = rlTo[n]!;
      idx++;
    }
  }
  vRangeStart[nv] = idx;
  ctx.numRangeNodes = numRange;

  // Flatten fixed ranges per preg, ascending.
  ctx.fFrom = growI32(ctx.fFrom, numFixed);
  ctx.fTo = growI32(ctx.fTo, numFixed);
  ctx.fOwner = growI32(ctx.fOwner, numFixed);
  const pregFxStart = ctx.pregFxStart;
  const pregFxEnd = ctx.pregFxEnd;
  pregFxStart.fill(0);
  pregFxEnd.fill(0);
  idx = 0;
  for (let t = 0; t < ctx.numFxTouched; t++) {
    const p = ctx.fxTouched[t]!;
    pregFxStart[p] = idx;
    for (let n = pregFxHead[p]!; n >= 0; n = ctx.fxNext[n]!) {
      ctx.fFrom[idx] = ctx.fxFrom[n]!;
      ctx.fTo[idx] = ctx.fxTo[n]!;
      ctx.fOwner[idx] = ctx.fxOwner[n]!;
      idx++;
    }
    pregFxEnd[p] = idx;
  }
  ctx.numFixedNodes = numFixed;
}
