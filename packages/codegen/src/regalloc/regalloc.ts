/**
 * Register allocation for Derrick: linear scan with interval splitting over
 * SSA with block parameters.
 *
 * # The problem
 *
 * The lowering produces VCode: machine instructions over an unbounded supply
 * of virtual registers (vregs), in SSA form, with block parameters instead of
 * phis. Each instruction says, per operand, how it reads or writes its vreg
 * (early/late, use/def) and where the value must be: anywhere, in some
 * register, in one fixed register (call arguments, `div` in rax/rdx, shift
 * counts in rcx), in the same register as an input (x86 two-address forms),
 * or on the stack. Calls clobber the caller-saved registers. The allocator
 * must give every operand a physical register or a spill slot satisfying its
 * constraint, and insert the moves, loads and stores that carry each value
 * from where it was produced to where it is consumed — including across
 * control-flow edges, where block arguments become block parameters.
 *
 * It runs on every function of every module, in TypeScript, so it must be
 * fast: linear in the size of the function in practice, with no per-operand
 * objects. And the code it produces is measured against V8's TurboFan, so it
 * must keep hot values in registers, keep reloads out of loops, and coalesce
 * block parameters and two-address operands.
 *
 * # The approach, phase by phase (one file each)
 *
 * 1. `liveness.ts` — exact live-in sets per block, as bitsets over only the
 *    vregs that cross blocks ("globals"), by backward dataflow.
 * 2. `loops.ts` — approximate loop depth per block (heuristics only).
 * 3. `liveranges.ts` — one backward walk builds each vreg's sorted live
 *    ranges and use records, and each physical register's fixed ranges
 *    (fixed operands, clobbers), plus hints. Fixed-register operands become
 *    copies: the vreg is only *hinted* toward the register.
 * 4. `linearscan.ts` — Wimmer-style linear scan over interval children:
 *    allocate a free register (hint first), else evict the occupant needed
 *    furthest away, else spill; split at gaps, moved to loop boundaries.
 * 5. `spillslots.ts` — one slot per spilled vreg, shared between vregs whose
 *    lifetimes do not overlap.
 * 6. `moves.ts` — operand allocations, then every move (edges, splits,
 *    fixed copies, reuse copies, spill-at-def stores) grouped by program
 *    point and priority and sequentialized by `moveresolver.ts`.
 *
 * `checker.ts` verifies any output by abstract interpretation; the fuzzer
 * (`fuzzing.ts`, `regalloc.fuzz.test.ts`) runs it on random functions.
 *
 * # Invariants the whole pipeline rests on
 *
 * - (ssa-value) A vreg's value never changes once defined. This is what
 *   makes spill-at-definition sound and a register-to-stack transition free.
 * - (gap-moves) Values change location only in the gaps between
 *   instructions (even positions); an instruction reads and writes each
 *   operand in one place.
 * - (copy-fixed) A fixed-register operand's allocation is its register; the
 *   vreg reaches it through a copy, so the core scan never has to place a
 *   vreg in a specific register — it only avoids registers blocked by fixed
 *   ranges it does not own.
 * - (no-critical-edges) Every edge has an end where its moves can go without
 *   affecting another edge: the predecessor's tail (single successor) or the
 *   successor's head (single predecessor).
 *
 * # Scratch registers
 *
 * With `MachineEnv.scratch[cls]` set, move cycles among registers and
 * stack-to-stack moves go through that register (never allocated). Without,
 * cycles go through an extra spill slot and a stack-to-stack move borrows the
 * class's first allocatable register around it (save, use, restore).
 */
import { RegAllocContext } from './context.js';
import type { MachineEnv, RegAllocFunction, RegAllocOptions, RegAllocOutput, RegAllocStats } from './function.js';
import { LinearScan, runLinearScan } from './linearscan.js';
import { computeLiveness } from './liveness.js';
import { buildLiveRanges } from './liveranges.js';
import { computeLoopDepth } from './loops.js';
import { MoveGenerator } from './moves.js';
import { OperandKind, PRegSet } from './operand.js';
import { assignSpillSlots } from './spillslots.js';
import { validateFunction } from './validate.js';

/**
 * A register allocator with reusable buffers. Keep one per compilation
 * thread and call `run` for each function: after the first few functions it
 * allocates almost nothing but its outputs.
 */
export class RegisterAllocator {
  private readonly ctx = new RegAllocContext();
  private readonly moves = new MoveGenerator();
  private readonly scan = new LinearScan();

  run(f: RegAllocFunction, env: MachineEnv, options: RegAllocOptions = {}): RegAllocOutput {
    if (options.validate) validateFunction(f, env);
    const ctx = this.ctx;
    const stats: RegAllocStats = { splits: 0, spilledVRegs: 0, regMoves: 0, loads: 0, stores: 0, edgeMoves: 0 };
    ctx.prepare(f.numVRegs, f.numInsts, f.numBlocks);
    computeLiveness(ctx, f);
    computeLoopDepth(ctx, f);
    buildLiveRanges(ctx, f, env);
    runLinearScan(this.scan, ctx, f, env, stats);
    assignSpillSlots(ctx, f, stats);
    this.moves.run(ctx, f, env, stats);

    // One allocation for all typed outputs.
    const edits = this.moves.edits;
    const n = edits.n;
    const nops = f.operands.length;
    const buf = new Int32Array(nops + 3 * n);
    buf.set(ctx.allocs.subarray(0, nops));
    buf.set(edits.point.subarray(0, n), nops);
    buf.set(edits.from.subarray(0, n), nops + n);
    buf.set(edits.to.subarray(0, n), nops + 2 * n);
    const allocs = buf.subarray(0, nops);
    const editPoint = buf.subarray(nops, nops + n);
    const editFrom = buf.subarray(nops + n, nops + 2 * n);
    const editTo = buf.subarray(nops + 2 * n, nops + 3 * n);
    const calleeSavedUsed = new PRegSet();
    const cs = env.calleeSaved;
    for (let k = 0; k < n; k++) {
      const from = editFrom[k]!;
      const to = editTo[k]!;
      if (to >= 0) {
        if (from >= 0) stats.regMoves++;
        else stats.loads++;
        if (cs.has(to)) calleeSavedUsed.add(to);
      } else stats.stores++;
    }
    for (let c = 0; c < ctx.numChildren; c++) {
      const loc = ctx.cLoc[c]!;
      if (loc >= 0 && cs.has(loc)) calleeSavedUsed.add(loc);
    }
    const operands = f.operands;
    for (let k = 0; k < operands.length; k++) {
      const op = operands[k]!;
      const a = allocs[k]!;
      if (a >= 0 && ((op >>> 20) & 1) === OperandKind.Def && cs.has(a)) calleeSavedUsed.add(a);
    }
    return {
      allocs,
      numEdits: n,
      editPoint,
      editFrom,
      editTo,
      numSpillSlots: ctx.numSlots,
      calleeSavedUsed,
      stats,
    };
  }
}

let shared: RegisterAllocator | null = null;

/** Allocates registers for one function (with a module-wide shared `RegisterAllocator`). */
export function allocateRegisters(f: RegAllocFunction, env: MachineEnv, options?: RegAllocOptions): RegAllocOutput {
  shared ??= new RegisterAllocator();
  return shared.run(f, env, options);
}
