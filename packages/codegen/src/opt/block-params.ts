/**
 * Redundant block parameters: parameters that always receive the same value.
 *
 * Problem. Block parameters are Derrick's phi nodes. SSA construction
 * removes the trivially redundant ones it sees (Braun et al.), but it does
 * not cascade, and the mid-end creates new ones: once a `brif` is folded,
 * the surviving edge may be the only one into its target, so every
 * parameter of that block is fed one value; once two arguments are merged
 * by GVN, a loop-carried parameter may be fed "itself or x" on every edge.
 * The translator also initialises locals to zero on several paths, so a
 * parameter can receive `iconst 0` from every edge — different
 * instructions, same constant.
 *
 * Approach. For each parameter p of each non-entry block, look at its
 * argument in every incoming block call (after substitution). If every
 * argument is p itself or one value w, p is replaced by w. If every argument
 * is p itself or a constant, and all those constants have the same type and
 * bits (Cranelift's `remove_constant_phis` case), p is replaced by a fresh
 * constant at the top of the block (the next forward pass merges it with
 * its dominating twins). The parameter is detached and its argument
 * dropped from every incoming block call. Removing one parameter can make
 * another redundant (its argument on some edge was the removed one), so the
 * scan repeats until nothing changes.
 *
 * Invariants.
 * * (ReplacementDominates) w dominates the block: w is passed on every edge
 *   into the block, so its definition dominates the end of every
 *   predecessor, hence every path into the block (the block is reachable
 *   and not the entry, so it has a predecessor; w cannot be defined in the
 *   block itself, since some edge comes from outside the block's dominance
 *   region — that is the classic argument for phi elimination).
 * * (ParamArgsInStep) as in dce.ts: parameter and arguments go together.
 * * The CFG must be current; unreachable blocks must have been removed.
 */
import { FuncCursor, type Function, Opcode, type Value } from '@derrick/codegen-ir';
import type { ControlFlowGraph } from './cfg.js';
import type { Substitution } from './substitution.js';

/** Same constant (same opcode, type and immediate bits)? Both must be constant definitions. */
function sameConstant(func: Function, a: Value, b: Value): boolean {
  const dfg = func.dfg;
  const da = dfg.valueInst(a);
  const db = dfg.valueInst(b);
  if (da < 0 || db < 0) return false;
  const op = dfg.opcode(da);
  if (op !== Opcode.Iconst && op !== Opcode.F32const && op !== Opcode.F64const) return false;
  return op === dfg.opcode(db) && dfg.ctrlType(da) === dfg.ctrlType(db) && dfg.immLo(da) === dfg.immLo(db) && dfg.immHi(da) === dfg.immHi(db);
}

/**
 * Remove parameters that always receive the same value or the same
 * constant. Replacements go into `subst`; sweep afterwards. Returns the
 * number of parameters removed.
 */
export function removeRedundantBlockParams(func: Function, cfg: ControlFlowGraph, subst: Substitution): number {
  const dfg = func.dfg;
  const layout = func.layout;
  const entry = layout.entryBlock();
  let removed = 0;
  for (let pass = 0; pass < 64; pass++) {
    let changed = false;
    for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
      if (b === entry) continue;
      const e0 = cfg.predStart[b]!;
      const e1 = cfg.predStart[b + 1]!;
      if (e0 === e1) continue; // unreachable: removed before this pass runs
      for (let k = dfg.numBlockParams(b) - 1; k >= 0; k--) {
        const p = dfg.blockParam(b, k);
        let same = -1;
        let constant = false;
        let ok = true;
        for (let e = e0; e < e1; e++) {
          const a = subst.resolve(dfg.resolveAliases(dfg.blockCallArg(cfg.predCall[e]!, k)));
          if (a === p || a === same) continue;
          if (same < 0) {
            same = a;
            continue;
          }
          if (sameConstant(func, a, same)) {
            constant = true;
            continue;
          }
          ok = false;
          break;
        }
        if (!ok || same < 0) continue;
        let w = same;
        if (constant) {
          // A fresh copy of the constant at the top of the block (ReplacementDominates).
          const d = dfg.valueInst(same);
          const cur = new FuncCursor(func).atInst(layout.firstInst(b));
          const ins = cur.ins();
          const op = dfg.opcode(d);
          w =
            op === Opcode.Iconst
              ? ins.iconst(dfg.ctrlType(d), dfg.immBits(d))
              : op === Opcode.F32const
                ? ins.f32constBits(dfg.ieee32Bits(d))
                : ins.f64constBits(dfg.ieee64Bits(d));
        }
        subst.replace(p, w);
        dfg.removeBlockParam(b, k);
        for (let e = e0; e < e1; e++) dfg.removeBlockCallArg(cfg.predCall[e]!, k);
        removed++;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return removed;
}
