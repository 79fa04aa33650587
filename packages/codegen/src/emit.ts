/**
 * The emission driver: VCode + register allocation → bytes in a `MachBuffer`.
 *
 * For each block in order it binds the block's label, emits the prologue at
 * the top of the entry block, and for each instruction: the allocator's
 * edits at `before(i)` (moves, spills, reloads), the instruction with its
 * register fields rewritten to the allocated registers (the backend's
 * `visitOperands` driven by an `AllocationRewriter`, see vcode.ts), then the
 * edits at `after(i)`. Source locations open and close around runs of
 * instructions from the same IR instruction; out-of-line code the backend
 * collected (trap stubs) goes after the last block.
 *
 * Invariant (EditsInOrder): the allocator's edits are sorted by program
 * point, and at one point listed in execution order, so one forward cursor
 * places each edit exactly once.
 *
 * Before each instruction the driver asks `islandNeeded` with the backend's
 * worst-case instruction size (MachBuffer's DistanceContract) and, if an
 * island is due, jumps around it. On x64 (±2 GiB reach, no veneers) this
 * never fires inside a function.
 */
import { DEFAULT_SRCLOC } from '@derrick/codegen-ir';
import { type LabelUse, type MachBuffer, type MachLabel, blockLabel } from './machbuffer.js';
import { type Allocation, type RegAllocOutput, progPointInst, progPointIsAfter } from './regalloc/index.js';
import { AllocationRewriter, type VCode } from './vcode.js';

export interface EmitBackend<I, K extends LabelUse<K>> {
  /**
   * Bytes one instruction with its edits can take, plus the island growth it
   * may cause and a jump around an island (DistanceContract).
   */
  readonly worstCaseInstSize: number;
  /** The prologue, at the start of the entry block. */
  emitPrologue(buf: MachBuffer<K>): void;
  /** One instruction whose register fields now hold hardware encodings. */
  emitInst(inst: I, buf: MachBuffer<K>): void;
  /** A register allocator edit. */
  emitMove(from: Allocation, to: Allocation, buf: MachBuffer<K>): void;
  /** An unconditional jump to `label` (around an island). */
  emitJump(label: MachLabel, buf: MachBuffer<K>): void;
  /** Out-of-line code after the last block (trap stubs). */
  emitEnd(buf: MachBuffer<K>): void;
}

const rewriter = new AllocationRewriter();

/** Emit `vcode` with the allocation `ra` into `buf` (labels 0..numBlocks-1 are the blocks). */
export function emitVCode<I, K extends LabelUse<K>>(
  vcode: VCode<I>,
  ra: RegAllocOutput,
  buf: MachBuffer<K>,
  backend: EmitBackend<I, K>,
): void {
  const nb = vcode.numBlocks;
  buf.reserveLabelsForBlocks(nb);
  const adapter = vcode.adapter;
  const insts = vcode.insts;
  const locs = vcode.instSrcLoc;
  const editPoint = ra.editPoint;
  const editFrom = ra.editFrom;
  const editTo = ra.editTo;
  const numEdits = ra.numEdits;
  let e = 0;
  let openLoc = DEFAULT_SRCLOC;
  const setLoc = (loc: number): void => {
    if (loc === openLoc) return;
    if (openLoc !== DEFAULT_SRCLOC) buf.endSrcloc();
    if (loc !== DEFAULT_SRCLOC) buf.startSrcloc(loc);
    openLoc = loc;
  };
  const worst = backend.worstCaseInstSize;

  for (let b = 0; b < nb; b++) {
    buf.bindLabel(blockLabel(b));
    if (b === vcode.entryBlock) {
      setLoc(DEFAULT_SRCLOC);
      backend.emitPrologue(buf);
    }
    const end = vcode.blockStart[b + 1]!;
    for (let i = vcode.blockStart[b]!; i < end; i++) {
      if (buf.islandNeeded(worst)) {
        setLoc(DEFAULT_SRCLOC);
        const around = buf.getLabel();
        backend.emitJump(around, buf);
        buf.emitIsland(worst);
        buf.bindLabel(around);
      }
      setLoc(locs[i]!);
      // (EditsInOrder) before(i), the instruction, after(i).
      while (e < numEdits && progPointInst(editPoint[e]!) === i && !progPointIsAfter(editPoint[e]!)) {
        backend.emitMove(editFrom[e]!, editTo[e]!, buf);
        e++;
      }
      const inst = insts[i]!;
      rewriter.reset(ra.allocs, vcode.operandStart[i]!);
      adapter.visitOperands(inst, rewriter);
      backend.emitInst(inst, buf);
      while (e < numEdits && progPointInst(editPoint[e]!) === i) {
        backend.emitMove(editFrom[e]!, editTo[e]!, buf);
        e++;
      }
    }
  }
  setLoc(DEFAULT_SRCLOC);
  if (e !== numEdits) throw new Error(`emitVCode: ${numEdits - e} register-allocator edits were not placed`);
  backend.emitEnd(buf);
}
