/**
 * Dead code elimination: unreachable blocks, dead instructions, dead block
 * parameters.
 *
 * Problem. Every other mid-end pass leaves garbage behind: a folded `brif`
 * orphans a block, a merged instruction's operands lose their last use, an
 * `icmp` whose `brif` was peeled down to the raw condition is no longer
 * read. Loops make the garbage cyclic: a loop counter that only feeds its
 * own increment is live by a use count but dead in fact.
 *
 * Approach.
 * * Unreachable blocks: whatever the reverse post-order of a fresh
 *   `ControlFlowGraph` does not reach is removed from the layout (its
 *   instructions leave with it).
 * * Instructions and parameters: mark and sweep ("aggressive" DCE, as in
 *   the Cytron et al. formulation restricted to data dependences). Roots
 *   are the instructions that must run regardless of their results — those
 *   with side effects, terminators, calls, stores, and anything that may
 *   trap. From the roots, liveness flows backwards: a live instruction makes
 *   its operands live; a live block parameter makes the corresponding
 *   argument of every incoming block call live. Block-call arguments are not
 *   roots by themselves, so a value that only circulates through block
 *   parameters, and the parameters carrying it, die together. Everything
 *   unmarked is swept; a dead parameter of a non-entry block is removed
 *   together with its argument in every incoming block call.
 *
 * What counts as removable (`isRemovable`): no side effects and no trap —
 * where "may trap" is decided per instruction: a load with `notrap` cannot
 * (the flag is the front end's promise that the address is valid), a
 * division by a constant other than 0 (and, for `sdiv`, −1) cannot, a
 * float-to-int conversion of a constant that converts exactly cannot.
 * `stack_load` cannot trap. Calls, stores, conditional traps,
 * `uadd_overflow_trap` and loads that may fault always stay.
 *
 * Invariants.
 * * (RootsComplete) every instruction for which `isRemovable` is false is
 *   marked live, so no effect is lost.
 * * (ParamArgsInStep) a parameter is removed iff its argument is removed
 *   from every block call into its block, at the same index, so branch
 *   arities keep matching (the CFG passed in lists every incoming call).
 * * (EntryParamsKept) the entry block's parameters are the signature's and
 *   are never removed.
 */
import {
  type DataFlowGraph,
  type Function,
  type Inst,
  MemFlags,
  Opcode,
  OPCODE_INFO,
  OpFlag,
  type Value,
  typeBits,
} from '@derrick/codegen-ir';
import type { ControlFlowGraph } from './cfg.js';
import { foldConversion } from './const-eval.js';
import { scratchU8 } from '../scratch.js';

const ALWAYS_LIVE = OpFlag.Terminator | OpFlag.Call | OpFlag.SideEffects | OpFlag.CanStore;

/** The constant bit pattern of `v`, if an `iconst`/`f32const`/`f64const` defines it. */
function constOf(dfg: DataFlowGraph, v: Value): bigint | undefined {
  const d = dfg.valueInst(v);
  if (d < 0) return undefined;
  switch (dfg.opcode(d)) {
    case Opcode.Iconst:
      return BigInt.asUintN(typeBits(dfg.ctrlType(d)), dfg.immBits(d));
    case Opcode.F32const:
      return BigInt(dfg.ieee32Bits(d));
    case Opcode.F64const:
      return dfg.ieee64Bits(d);
    default:
      return undefined;
  }
}

/**
 * Can `inst` be deleted when its results are unused? False for anything
 * with an effect, including a possible trap (RootsComplete).
 */
export function isRemovable(dfg: DataFlowGraph, inst: Inst): boolean {
  const op = dfg.opcode(inst);
  const flags = OPCODE_INFO[op]!.flags;
  if ((flags & ALWAYS_LIVE) !== 0) return false;
  if ((flags & OpFlag.CanTrap) === 0) return true;
  return !mayTrap(dfg, inst);
}

/** Could this potentially-trapping instruction trap, given what its operands are known to be? */
export function mayTrap(dfg: DataFlowGraph, inst: Inst): boolean {
  const op = dfg.opcode(inst);
  switch (op) {
    case Opcode.Load:
    case Opcode.Uload8:
    case Opcode.Sload8:
    case Opcode.Uload16:
    case Opcode.Sload16:
    case Opcode.Uload32:
    case Opcode.Sload32:
      return !MemFlags.fromBits(dfg.aux(inst)).notrap;
    case Opcode.Udiv:
    case Opcode.Urem:
    case Opcode.Srem: {
      const c = constOf(dfg, dfg.arg(inst, 1));
      return c === undefined || c === 0n;
    }
    case Opcode.Sdiv: {
      const c = constOf(dfg, dfg.arg(inst, 1));
      const bits = typeBits(dfg.ctrlType(inst));
      return c === undefined || c === 0n || c === BigInt.asUintN(bits, -1n);
    }
    case Opcode.FcvtToSint:
    case Opcode.FcvtToUint: {
      const x = dfg.arg(inst, 0);
      const c = constOf(dfg, x);
      return c === undefined || foldConversion(op, dfg.typeOf(x), dfg.ctrlType(inst), c) === undefined;
    }
    default:
      return true;
  }
}

/** Remove every block the CFG does not reach from the entry. Returns how many were removed. */
export function removeUnreachableBlocks(func: Function, cfg: ControlFlowGraph): number {
  const layout = func.layout;
  let removed = 0;
  for (let b = layout.firstBlock(); b >= 0; ) {
    const next = layout.nextBlock(b);
    if (!cfg.isReachable(b)) {
      layout.removeBlock(b);
      removed++;
    }
    b = next;
  }
  return removed;
}

export interface DceResult {
  instsRemoved: number;
  paramsRemoved: number;
}

/**
 * Mark-and-sweep dead code elimination over instructions and block
 * parameters. `cfg` must be current (every block call into each block is
 * listed, ParamArgsInStep); operands must not name replaced values.
 */
export function eliminateDeadCode(func: Function, cfg: ControlFlowGraph): DceResult {
  const dfg = func.dfg;
  const layout = func.layout;
  const live = scratchU8(dfg.numValues);
  const liveInst = scratchU8(dfg.numInsts);
  const work: Value[] = [];

  const markValue = (v0: Value): void => {
    const v = dfg.resolveAliases(v0);
    if (live[v]) return;
    live[v] = 1;
    work.push(v);
  };
  const markInst = (inst: Inst): void => {
    if (liveInst[inst]) return;
    liveInst[inst] = 1;
    const pool = dfg.pool;
    const h = dfg.argList(inst);
    const n = pool.len(h);
    for (let i = 0; i < n; i++) markValue(pool.data[h + i]!);
  };

  // Roots (RootsComplete).
  for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
    for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) {
      if (!isRemovable(dfg, i)) markInst(i);
    }
  }
  // Propagate.
  while (work.length > 0) {
    const v = work.pop()!;
    const d = dfg.valueInst(v);
    if (d >= 0) {
      markInst(d);
      continue;
    }
    const b = dfg.valueParamBlock(v);
    if (b < 0) continue;
    const num = dfg.valueNum(v);
    for (let e = cfg.predStart[b]!; e < cfg.predStart[b + 1]!; e++) markValue(dfg.blockCallArg(cfg.predCall[e]!, num));
  }

  // Sweep instructions.
  let instsRemoved = 0;
  for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
    for (let i = layout.firstInst(b); i >= 0; ) {
      const next = layout.nextInst(i);
      if (!liveInst[i]) {
        layout.removeInst(i);
        instsRemoved++;
      }
      i = next;
    }
  }

  // Sweep parameters (EntryParamsKept, ParamArgsInStep).
  let paramsRemoved = 0;
  const entry = layout.entryBlock();
  for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
    if (b === entry) continue;
    for (let k = dfg.numBlockParams(b) - 1; k >= 0; k--) {
      if (live[dfg.blockParam(b, k)]) continue;
      dfg.removeBlockParam(b, k);
      for (let e = cfg.predStart[b]!; e < cfg.predStart[b + 1]!; e++) dfg.removeBlockCallArg(cfg.predCall[e]!, k);
      paramsRemoved++;
    }
  }
  return { instsRemoved, paramsRemoved };
}
