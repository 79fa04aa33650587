/**
 * Loop-invariant code motion: compute once before the loop what every
 * iteration would compute the same way.
 *
 * Problem. Wasm loops recompute values that do not change across
 * iterations: address arithmetic on loop-invariant locals, `uextend` of an
 * invariant index, comparisons of invariant values, and — above all — the
 * vmctx loads the translator emits for every memory access (the memory base
 * is `readonly`). GVN cannot remove them: the first occurrence is inside the
 * loop and dominates only the rest of the iteration.
 *
 * Approach.
 * 1. Loops (loops.ts) are found on a fresh CFG and dominator tree.
 * 2. Each loop gets a preheader: a block outside the loop that every entry
 *    into the loop passes through, immediately before the header. If the
 *    header has exactly one entering edge and it is the only edge out of a
 *    block ending in `jump`, that block is the preheader. Otherwise a new
 *    block is created with the header's parameter types, ending in
 *    `jump header(params…)`, and every entering block call is retargeted to
 *    it (arguments unchanged). Back edges keep targeting the header. The
 *    entry block can never be a header (the IR forbids branches to it), so
 *    every header has an entering edge from somewhere. With preheaders
 *    created, the analysis is recomputed so the new blocks belong to the
 *    right enclosing loops.
 * 3. Loops are visited inner first (InnerFirst); each loop's blocks in
 *    reverse post-order, each block's instructions in order. An instruction
 *    moves to the end of the preheader (before its `jump`) when it is
 *    hoistable and every operand is defined outside the loop — by then an
 *    operand hoisted just before counts as outside. Constants are not
 *    hoisted for their own sake (backends fold them into immediates, and a
 *    hoisted constant only occupies a register across the loop); a constant
 *    inside the loop that a hoisted instruction needs moves along with it.
 *
 * Hoistable (`hoistable`):
 * * instructions that can neither trap nor have effects nor read memory
 *   (moving them is speculation, which is harmless for them), including
 *   divisions whose divisor is a constant that cannot trap;
 * * `readonly notrap` loads whose address is the function's `vmctx`
 *   parameter: the ABI makes the vmctx valid for the whole call, and
 *   `readonly` says the bytes do not change, so loading them earlier, or
 *   even when the loop body would not have run, reads the same value and
 *   cannot fault;
 * * other `readonly notrap` loads only from the loop header, and only
 *   before any instruction there that may trap or has effects: such a load
 *   runs on every entry into the loop before control can leave it, so
 *   running it once in the preheader is not speculation. (`notrap` is a
 *   promise about the executions that happen; hoisting a load above the
 *   bounds check or null check that guards it would break that promise —
 *   this is why Cranelift later added a separate `can_move` flag.)
 *
 * * `notrap` loads of the `vmctx` alias region (the memory's current
 *   length, which the bounds checks read) whose address is the vmctx or a
 *   pointer loaded `readonly` from it, out of a loop with no call and no
 *   store that may alias the vmctx region (VmctxStable): only calls
 *   (`memory.grow` is a builtin call) and vmctx stores change those bytes,
 *   so every iteration would read what the preheader reads; the address is
 *   valid for the whole call, so the load cannot fault there either.
 *
 * Not done: hoisting out of irreducible loops, hoisting loads of other
 * regions that are not `readonly`, sinking, rematerialisation,
 * register-pressure heuristics.
 *
 * Invariants.
 * * (PreheaderDominates) the preheader dominates the header and is outside
 *   the loop, so a value defined there dominates every use in the loop
 *   (HeaderDominatesBody) and is computed at most once per loop entry.
 * * (OperandsOutside) an instruction is moved only when each operand is
 *   defined outside the loop (or is a constant moved with it), so the moved
 *   instruction's operands dominate its new position.
 * * (NoNewTraps) a hoisted instruction cannot trap or have effects where the
 *   original did not run, by the rules above.
 * * (NoEntryBranch) no block call ever targets the entry block.
 */
import {
  type Block,
  type BlockCall,
  FuncCursor,
  type Function,
  type Inst,
  MemFlags,
  Opcode,
  OPCODE_INFO,
  OpFlag,
  type Value,
} from '@derrick/codegen-ir';
import { ControlFlowGraph } from './cfg.js';
import { mayTrap } from './dce.js';
import { DominatorTree } from './domtree.js';
import { type Loop, LoopAnalysis } from './loops.js';

export interface LicmOptions {
  /** May new preheader blocks be created (adds a block and a jump per loop that needs one)? */
  createPreheaders: boolean;
}

export interface LicmResult {
  hoisted: number;
  preheadersCreated: number;
}

const EFFECTS = OpFlag.Terminator | OpFlag.Call | OpFlag.SideEffects | OpFlag.CanStore;

function isConstant(op: Opcode): boolean {
  return op === Opcode.Iconst || op === Opcode.F32const || op === Opcode.F64const;
}

/** The entering (non-back-edge) block calls into `header`. */
function enteringCalls(cfg: ControlFlowGraph, domtree: DominatorTree, header: Block): { preds: Block[]; calls: BlockCall[] } {
  const preds: Block[] = [];
  const calls: BlockCall[] = [];
  for (let e = cfg.predStart[header]!; e < cfg.predStart[header + 1]!; e++) {
    const p = cfg.pred[e]!;
    if (!cfg.isReachable(p) || domtree.dominates(header, p)) continue;
    preds.push(p);
    calls.push(cfg.predCall[e]!);
  }
  return { preds, calls };
}

/**
 * The block that can serve as `header`'s preheader as the function stands,
 * or -1 if one must be created.
 */
function existingPreheader(func: Function, cfg: ControlFlowGraph, domtree: DominatorTree, header: Block): Block {
  const { preds } = enteringCalls(cfg, domtree, header);
  if (preds.length !== 1) return -1;
  const p = preds[0]!;
  const term = func.layout.lastInst(p);
  if (term < 0 || func.dfg.opcode(term) !== Opcode.Jump) return -1;
  return p;
}

/** Create a preheader for `header` and retarget the entering calls to it (NoEntryBranch: it is never the entry). */
function createPreheader(func: Function, cfg: ControlFlowGraph, domtree: DominatorTree, header: Block): Block {
  const dfg = func.dfg;
  const { calls } = enteringCalls(cfg, domtree, header);
  const ph = dfg.makeBlock();
  const args: Value[] = [];
  for (const p of dfg.blockParams(header)) args.push(dfg.appendBlockParam(ph, dfg.typeOf(p)));
  func.layout.insertBlockBefore(ph, header);
  const cur = new FuncCursor(func).atBottom(ph);
  const first = func.layout.firstInst(header);
  if (first >= 0 && func.stencil.relSrcLoc(first) !== 0xffff_ffff) cur.srcLoc = func.srcLoc(first);
  cur.ins().jump(header, args);
  for (const bc of calls) dfg.setBlockCallBlock(bc, ph);
  return ph;
}

/**
 * VmctxStable applies to loops of at most this many blocks. A hoisted
 * memory length — and the bounds derived from it, which follow it out —
 * stays live across the whole loop; in a large loop (an interpreter's
 * dispatch loop) that register pressure cost more than the loads saved
 * (measured: the interp kernel 1.9× slower, while matmul and sha256 gained
 * 6–8 %).
 */
const MAX_VMCTX_HOIST_BLOCKS = 4;

class Hoister {
  hoisted = 0;
  private vmctx: Value = -1;

  constructor(
    private readonly func: Function,
    private readonly loops: LoopAnalysis,
  ) {
    const entry = func.layout.entryBlock();
    const sig = func.signature.params;
    const params = func.dfg.blockParams(entry);
    for (let i = 0; i < sig.length && i < params.length; i++) {
      if (sig[i]!.purpose === 'vmctx') this.vmctx = params[i]!;
    }
  }

  private readonly vmctxWriters = new Map<number, boolean>();

  /**
   * May an instruction of `loop` change vmctx-region memory: a call (the
   * callee may, and builtins such as `memory.grow` do) or a store whose alias
   * region is `vmctx` or unspecified? Stores to `heap`, `table` or stack
   * slots cannot alias it.
   */
  private writesVmctx(loop: Loop): boolean {
    let w = this.vmctxWriters.get(loop.index);
    if (w !== undefined) return w;
    w = false;
    const dfg = this.func.dfg;
    const layout = this.func.layout;
    for (const b of loop.blocks) {
      for (let i = layout.firstInst(b); i >= 0 && !w; i = layout.nextInst(i)) {
        const op = dfg.opcode(i);
        if (op === Opcode.Call || op === Opcode.CallIndirect) w = true;
        else if ((OPCODE_INFO[op]!.flags & OpFlag.CanStore) !== 0 && op !== Opcode.StackStore) {
          const region = MemFlags.fromBits(dfg.aux(i)).aliasRegion;
          w = region !== 'heap' && region !== 'table';
        }
      }
      if (w) break;
    }
    this.vmctxWriters.set(loop.index, w);
    return w;
  }

  /** Is `v` the vmctx parameter, or a pointer loaded `readonly notrap` from it (valid for the whole call)? */
  private isVmctxPointer(v: Value): boolean {
    if (this.vmctx < 0) return false;
    if (v === this.vmctx) return true;
    const dfg = this.func.dfg;
    const d = dfg.valueInst(v);
    if (d < 0 || (OPCODE_INFO[dfg.opcode(d)]!.flags & OpFlag.CanLoad) === 0 || dfg.opcode(d) === Opcode.StackLoad) return false;
    const mf = MemFlags.fromBits(dfg.aux(d));
    return mf.readonly && mf.notrap && dfg.arg(d, 0) === this.vmctx;
  }

  /** Is `v` defined outside `loop` (as things stand, hoisted instructions included)? */
  private outside(loop: number, v: Value): boolean {
    const dfg = this.func.dfg;
    const d = dfg.valueInst(v);
    const b = d >= 0 ? this.func.layout.instBlock(d) : dfg.valueParamBlock(v);
    return !this.loops.contains(loop, b);
  }

  /** May `inst` (in `block`) run in the preheader instead (NoNewTraps)? */
  private hoistable(inst: Inst, loop: Loop, block: Block, headerClean: boolean): boolean {
    const dfg = this.func.dfg;
    const op = dfg.opcode(inst);
    const flags = OPCODE_INFO[op]!.flags;
    if ((flags & EFFECTS) !== 0 || dfg.numResults(inst) !== 1) return false;
    if (op === Opcode.GetStackPointer || isConstant(op)) return false;
    if ((flags & OpFlag.CanLoad) !== 0) {
      if (op === Opcode.StackLoad) return false;
      const mf = MemFlags.fromBits(dfg.aux(inst));
      if (!mf.notrap) return false;
      if (!mf.readonly) {
        // (VmctxStable) a vmctx-region load whose address is a vmctx pointer
        // reads the same value on every iteration of a loop that neither
        // calls nor stores anything that may alias the vmctx region.
        if (loop.blocks.length > MAX_VMCTX_HOIST_BLOCKS) return false;
        if (mf.aliasRegion !== 'vmctx' || !this.isVmctxPointer(dfg.arg(inst, 0)) || this.writesVmctx(loop)) return false;
      }
      if (this.vmctx >= 0 && dfg.arg(inst, 0) === this.vmctx) return true;
      return block === loop.header && headerClean;
    }
    if ((flags & OpFlag.CanTrap) !== 0) return !mayTrap(dfg, inst);
    return true;
  }

  /**
   * Hoist what can be hoisted out of `loop` into `preheader`; with
   * `preheader === -1`, only report whether anything could be (a dry run
   * that decides whether a preheader is worth creating).
   */
  hoistLoop(loop: Loop, preheader: Block): boolean {
    const func = this.func;
    const dfg = func.dfg;
    const layout = func.layout;
    const dryRun = preheader < 0;
    const term = dryRun ? -1 : layout.lastInst(preheader);
    for (const b of loop.blocks) {
      let headerClean = b === loop.header;
      for (let inst = layout.firstInst(b); inst >= 0; ) {
        const next = layout.nextInst(inst);
        if (this.hoistable(inst, loop, b, headerClean)) {
          let ok = true;
          const n = dfg.numArgs(inst);
          for (let i = 0; i < n && ok; i++) {
            const a = dfg.arg(inst, i);
            if (this.outside(loop.index, a)) continue;
            const d = dfg.valueInst(a);
            ok = d >= 0 && isConstant(dfg.opcode(d));
          }
          if (ok && dryRun) return true;
          if (ok) {
            // OperandsOutside: constants from inside the loop come along first.
            for (let i = 0; i < n; i++) {
              const a = dfg.arg(inst, i);
              if (this.outside(loop.index, a)) continue;
              const d = dfg.valueInst(a);
              layout.removeInst(d);
              layout.insertInstBefore(d, term);
            }
            layout.removeInst(inst);
            layout.insertInstBefore(inst, term);
            this.hoisted++;
            inst = next;
            continue;
          }
        }
        const op = dfg.opcode(inst);
        if ((OPCODE_INFO[op]!.flags & (EFFECTS | OpFlag.CanTrap)) !== 0 && mayTrapOrEffect(func, inst)) headerClean = false;
        inst = next;
      }
    }
    return false;
  }
}

/** Does `inst` possibly trap or have an effect (for the header-prefix rule)? */
function mayTrapOrEffect(func: Function, inst: Inst): boolean {
  const flags = OPCODE_INFO[func.dfg.opcode(inst)]!.flags;
  if ((flags & EFFECTS) !== 0) return true;
  return mayTrap(func.dfg, inst);
}

/**
 * Hoist loop invariants to preheaders. The function must have no
 * unreachable blocks and no pending substitutions; `current` may pass a CFG
 * and dominator tree that describe it as it is.
 */
export function hoistLoopInvariants(
  func: Function,
  opts: LicmOptions,
  current?: { cfg: ControlFlowGraph; domtree: DominatorTree },
): LicmResult {
  let cfg = current?.cfg ?? ControlFlowGraph.compute(func);
  let domtree = current?.domtree ?? DominatorTree.compute(cfg);
  let loops = LoopAnalysis.compute(cfg, domtree);
  if (loops.loops.length === 0) return { hoisted: 0, preheadersCreated: 0 };

  // Preheaders first, then recompute so new blocks sit in their enclosing loops.
  let created = 0;
  if (opts.createPreheaders) {
    const probe = new Hoister(func, loops);
    for (const l of loops.loops) {
      if (existingPreheader(func, cfg, domtree, l.header) >= 0) continue;
      if (!probe.hoistLoop(l, -1)) continue; // nothing to hoist: no block for nothing
      createPreheader(func, cfg, domtree, l.header);
      created++;
    }
    if (created > 0) {
      cfg = ControlFlowGraph.compute(func);
      domtree = DominatorTree.compute(cfg);
      loops = LoopAnalysis.compute(cfg, domtree);
    }
  }

  const h = new Hoister(func, loops);
  for (const l of loops.loops) {
    const ph = existingPreheader(func, cfg, domtree, l.header);
    if (ph < 0) continue;
    h.hoistLoop(l, ph);
  }
  return { hoisted: h.hoisted, preheadersCreated: created };
}
