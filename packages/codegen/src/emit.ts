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
 * (LoopHeadersAligned) A loop header — a block that some block at or after
 * it in the final order branches to, so a back edge enters it — starts at a
 * multiple of the backend's `loopAlignment`, padded with no-ops. Entering
 * the loop from above may execute that padding once; every iteration jumps
 * straight to the aligned header. `emitVCode` returns the alignment the
 * code's start must then have for the placement to hold in the image.
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
  /**
   * Loop headers start at a multiple of this many bytes from the function's
   * start (LoopHeadersAligned); 1 = no alignment. A power of two.
   */
  readonly loopAlignment: number;
  /** `len` bytes of no-op instructions (padding that may be executed). */
  emitNops(len: number, buf: MachBuffer<K>): void;
}

const rewriter = new AllocationRewriter();

/**
 * Emit `vcode` with the allocation `ra` into `buf` (labels 0..numBlocks-1 are
 * the blocks). Returns the alignment the code's start needs: the backend's
 * `loopAlignment` when a loop header was aligned, else 1.
 */
export function emitVCode<I, K extends LabelUse<K>>(
  vcode: VCode<I>,
  ra: RegAllocOutput,
  buf: MachBuffer<K>,
  backend: EmitBackend<I, K>,
): number {
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
  /** Emit an island (jumped around) if `size` more bytes would miss a deadline. */
  const islandBefore = (size: number): void => {
    if (!buf.islandNeeded(size)) return;
    setLoc(DEFAULT_SRCLOC);
    const around = buf.getLabel();
    backend.emitJump(around, buf);
    buf.emitIsland(size);
    buf.bindLabel(around);
  };
  const loopAlign = backend.loopAlignment;
  const padTo = (): number => (loopAlign - (buf.curOffset() & (loopAlign - 1))) & (loopAlign - 1);
  let needAlign = 1;

  for (let b = 0; b < nb; b++) {
    if (loopAlign > 1 && b !== vcode.entryBlock && isLoopHeader(vcode, b)) {
      needAlign = loopAlign;
      if (padTo() > 0) {
        islandBefore(loopAlign + worst);
        setLoc(DEFAULT_SRCLOC);
        backend.emitNops(padTo(), buf);
      }
    }
    buf.bindLabel(blockLabel(b));
    if (b === vcode.entryBlock) {
      setLoc(DEFAULT_SRCLOC);
      backend.emitPrologue(buf);
    }
    const end = vcode.blockStart[b + 1]!;
    for (let i = vcode.blockStart[b]!; i < end; i++) {
      islandBefore(worst);
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
  return needAlign;
}

/** Does a block at or after `b` in the final order branch to `b` (LoopHeadersAligned)? */
function isLoopHeader<I>(vcode: VCode<I>, b: number): boolean {
  for (let k = vcode.predStart[b]!; k < vcode.predStart[b + 1]!; k++) if (vcode.preds[k]! >= b) return true;
  return false;
}
