/**
 * The allocator's contract: what the lowering hands in (`RegAllocFunction`,
 * `MachineEnv`), what comes back (`RegAllocOutput`), and how it fails
 * (`RegAllocError`).
 *
 * The input is a struct of typed arrays in CSR form (an offsets array of
 * length n+1 and a flat payload array), the shape VCode keeps anyway, so no
 * per-block or per-instruction object is created or read. See README.md in
 * this folder for the full contract with its invariants.
 */
import type { Operand, PReg, PRegSet } from './operand.js';

/** Per-instruction flags (`RegAllocFunction.instFlags`). */
export const InstFlags = {
  /** A return: ends a block with no successor. */
  Ret: 1,
  /** A branch: ends a block with one or more successors. */
  Branch: 2,
  /** `dst = src` (one use, one def): the allocator hints both to one register. */
  Move: 4,
} as const;

/**
 * A function in SSA form over virtual registers, as the allocator sees it.
 *
 * Invariants the lowering guarantees (checked by `validateFunction`, which
 * `allocateRegisters` runs when `options.validate` is set):
 * - blocks are laid out in order: block b covers instructions
 *   `[blockStart[b], blockStart[b+1])`, `blockStart[0] = 0`,
 *   `blockStart[numBlocks] = numInsts`, every block is non-empty;
 * - the last instruction of each block, and only it, is `Ret` or `Branch`;
 *   a `Ret` block has no successors, a `Branch` block has at least one;
 * - no critical edges: no edge from a block with several successors to a
 *   block with several predecessors; the entry block has no predecessors and
 *   no parameters;
 * - a branch ending a block with a single successor has no operands (its
 *   block arguments are `branchArgs`, not operands);
 * - SSA: every vreg is defined once (an instruction def or a block parameter)
 *   and every use is dominated by its def; branch arguments are uses at the
 *   end of the branching block;
 * - preds/succs agree (each edge appears once in each list).
 */
export interface RegAllocFunction {
  readonly numInsts: number;
  readonly numBlocks: number;
  readonly numVRegs: number;
  readonly entryBlock: number;
  /** `RegClass` of each vreg. */
  readonly vregClass: Uint8Array;
  /** Length `numBlocks + 1`: block b is `[blockStart[b], blockStart[b+1])`. */
  readonly blockStart: Int32Array;
  /** Successors of b: `succs[succStart[b] .. succStart[b+1])`. Edge id = index into `succs`. */
  readonly succStart: Int32Array;
  readonly succs: Int32Array;
  /** Predecessors of b: `preds[predStart[b] .. predStart[b+1])`. */
  readonly predStart: Int32Array;
  readonly preds: Int32Array;
  /** Block parameters (vregs) of b: `params[paramStart[b] .. paramStart[b+1])`. */
  readonly paramStart: Int32Array;
  readonly params: Int32Array;
  /**
   * Arguments on edge e (e = `succStart[b] + k`, b's k-th successor):
   * `branchArgs[branchArgStart[e] .. branchArgStart[e+1])`, one per parameter
   * of the successor. Length of `branchArgStart` = `succs.length + 1`.
   */
  readonly branchArgStart: Int32Array;
  readonly branchArgs: Int32Array;
  /** Operands of inst i: `operands[operandStart[i] .. operandStart[i+1])`. */
  readonly operandStart: Int32Array;
  readonly operands: Uint32Array | Int32Array | readonly Operand[];
  /** `InstFlags` of each instruction. */
  readonly instFlags: Uint8Array;
  /** Per instruction: index into `clobberSets`, or -1 for none. */
  readonly instClobbers: Int32Array;
  /** The distinct clobber sets (typically one per calling convention). */
  readonly clobberSets: readonly PRegSet[];
}

/**
 * The machine: which registers may be allocated, in which order of
 * preference, which of them the ABI must save if used, and the scratch
 * registers reserved for move resolution.
 */
export interface MachineEnv {
  /**
   * Allocatable registers per class (index = `RegClass`), in preference
   * order: caller-saved first, then callee-saved. At most 64 per class.
   */
  readonly regs: readonly (readonly PReg[])[];
  /** Registers the prologue must save if the function writes them. */
  readonly calleeSaved: PRegSet;
  /**
   * Per class: a register never allocated, used to break move cycles and
   * stack-to-stack moves; or -1, in which case the allocator breaks cycles
   * through an extra spill slot and borrows (saves/restores) an allocatable
   * register for stack-to-stack moves. Must not appear in `regs` or in any
   * fixed constraint.
   */
  readonly scratch: readonly PReg[];
}

export interface RegAllocOptions {
  /** Run `validateFunction` on the input first (slower; for debugging and tests). */
  readonly validate?: boolean;
}

export interface RegAllocStats {
  /** Interval pieces created by splitting (beyond one per vreg). */
  splits: number;
  /** Vregs that received a spill slot. */
  spilledVRegs: number;
  /** Move edits by kind. */
  regMoves: number;
  loads: number;
  stores: number;
  /** Edge moves (block-parameter and live-in transfers) before sequentialization. */
  edgeMoves: number;
}

/**
 * The result. Edits are sorted by `ProgPoint` and, at one point, listed in
 * execution order: emit, for each instruction i, the edits at `before(i)`,
 * then the instruction, then the edits at `after(i)`.
 */
export interface RegAllocOutput {
  /** One `Allocation` per operand, parallel to `RegAllocFunction.operands`. */
  readonly allocs: Int32Array;
  readonly numEdits: number;
  /** `ProgPoint` of each edit. */
  readonly editPoint: Int32Array;
  /** Source and destination `Allocation` of each move edit (never both stack). */
  readonly editFrom: Int32Array;
  readonly editTo: Int32Array;
  /**
   * Size of the spill area in 8-byte units. An int slot takes one unit, a
   * float/vector slot two (16 bytes, 16-byte aligned relative to the area).
   * Slot `s` lives at byte offset `s * 8` of the spill area.
   */
  readonly numSpillSlots: number;
  /** Callee-saved registers the function writes (the prologue saves these). */
  readonly calleeSavedUsed: PRegSet;
  readonly stats: RegAllocStats;
}

export type RegAllocErrorKind =
  /** The input breaks the contract (caught by validation or during allocation). */
  | 'InvalidInput'
  /** An instruction needs more registers at once than the class provides. */
  | 'TooManyRegisterOperands'
  /** A broken allocator invariant: a bug here, please report with the input. */
  | 'Internal';

/** A failed allocation: what went wrong, and where. */
export class RegAllocError extends Error {
  constructor(
    readonly kind: RegAllocErrorKind,
    message: string,
    /** The instruction concerned, or -1. */
    readonly inst = -1,
    /** The vreg concerned, or -1. */
    readonly vreg = -1,
  ) {
    super(`regalloc: ${kind}: ${message}${inst >= 0 ? ` (inst ${inst})` : ''}${vreg >= 0 ? ` (v${vreg})` : ''}`);
    this.name = 'RegAllocError';
  }
}
