/**
 * `RegAllocContext`: every buffer the allocator's phases share, as typed
 * arrays that are grown on demand and reused from one function to the next.
 *
 * Allocating a module means running the allocator on thousands of small
 * functions; allocating fresh arrays for each one would make the garbage
 * collector a large share of the cost. A context is not thread-safe and not
 * re-entrant: use one per worker.
 *
 * Positions. Instruction i has two positions, `2i` (early: uses are read,
 * early defs written) and `2i+1` (late: late defs written). A block b spans
 * positions `[2*blockStart[b], 2*blockStart[b+1])`. A live range is a
 * half-open position interval. Moves happen in the gaps between positions;
 * the gap before position `2i` is `before(i)`, the gap after `2i+1` is
 * `after(i)` (the same machine point as `before(i+1)` inside a block).
 */

import type { MachineEnv } from './function.js';

export const INF = 0x3fffffff;

/** `Child.loc` values besides a `PReg`. */
export const LOC_UNASSIGNED = -2;
export const LOC_STACK = -1;

/** Use-record flags. */
export const USE_MUST_REG = 1; // must be in a register here
export const USE_SHOULD_REG = 2; // a register is preferred here (counts as a use for spill heuristics)
export const USE_DEF = 4; // the def of the vreg
export const USE_STACK_DEF = 8; // a def constrained to the stack

/** Per-vreg flags. */
export const VF_NEEDS_SLOT = 1; // has a stack-constrained operand
export const VF_DEF_IN_SLOT = 2; // defined directly into its slot (stack def)
export const VF_PARAM = 4; // a block parameter

export function growI32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}
export function growU8(a: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}
export function growF64(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}

export class RegAllocContext {
  // ---- per instruction / block (liveness.ts)
  instBlock = new Int32Array(0);
  loopDepth = new Int32Array(0);
  /** Per block: the first and last block of the innermost loop containing it, or -1 (loops.ts). */
  loopFirst = new Int32Array(0);
  loopLast = new Int32Array(0);

  // ---- per vreg (liveness.ts, liveranges.ts)
  vDefBlock = new Int32Array(0);
  vDefPos = new Int32Array(0);
  vDefInst = new Int32Array(0); // -1 for block params
  vUseStart = new Int32Array(0); // CSR into uPos/uFlags, length numVRegs+1
  vGlobal = new Int32Array(0); // global index (live across blocks) or -1
  vFlags = new Uint8Array(0);
  vHintPReg = new Int32Array(0);
  vPartner = new Int32Array(0);
  vReuseOf = new Int32Array(0);
  vRangeStart = new Int32Array(0); // CSR into rFrom/rTo, length numVRegs+1
  vFirstChild = new Int32Array(0);
  vLastReg = new Int32Array(0);
  vSlot = new Int32Array(0);
  vGenStamp = new Int32Array(0);
  vUseFill = new Int32Array(0);

  // ---- liveness
  numGlobals = 0;
  liveWords = 0;
  globalVReg = new Int32Array(0);
  liveIn = new Uint32Array(0);
  liveTmp = new Uint32Array(0);
  genStart = new Int32Array(0); // per block CSR into genList (global indices)
  genList = new Int32Array(0);
  gdefStart = new Int32Array(0); // per block CSR into gdefList (global indices defined there)
  gdefFill = new Int32Array(0); // per block fill cursor while building gdefList
  gdefList = new Int32Array(0);

  // ---- use records (CSR by vreg)
  uPos = new Int32Array(0);
  uFlags = new Uint8Array(0);

  // ---- ranges: build-time linked pool, then CSR by vreg
  rlFrom = new Int32Array(0);
  rlTo = new Int32Array(0);
  rlNext = new Int32Array(0);
  vRangeHead = new Int32Array(0);
  numRangeNodes = 0;
  rFrom = new Int32Array(0);
  rTo = new Int32Array(0);

  // ---- fixed ranges per preg: build-time linked pool, then CSR by preg
  fxFrom = new Int32Array(0);
  fxTo = new Int32Array(0);
  fxOwner = new Int32Array(0);
  fxNext = new Int32Array(0);
  numFixedNodes = 0;
  pregFxHead = new Int32Array(128);
  pregFxStart = new Int32Array(128); // fixed ranges of p: [pregFxStart[p], pregFxEnd[p])
  pregFxEnd = new Int32Array(128);
  fxTouched = new Int32Array(128); // pregs with fixed ranges this function
  numFxTouched = 0;
  fFrom = new Int32Array(0);
  fTo = new Int32Array(0);
  fOwner = new Int32Array(0);
  pregDefStamp = new Int32Array(128);

  // ---- interval children (linearscan.ts)
  numChildren = 0;
  cVReg = new Int32Array(0);
  cStart = new Int32Array(0);
  cEnd = new Int32Array(0);
  cLoc = new Int32Array(0);
  cNext = new Int32Array(0);
  cRangeCur = new Int32Array(0);
  cQNext = new Int32Array(0);
  bucketHead = new Int32Array(0);
  bucketHeadLate = new Int32Array(0);

  // ---- flattened children (moves.ts): CSR by vreg
  vChildStart = new Int32Array(0);
  chPos = new Int32Array(0);
  chAlloc = new Int32Array(0);
  chEnd = new Int32Array(0);

  // ---- operand allocations (moves.ts), copied into the output
  allocs = new Int32Array(0);

  // ---- spill slots
  numSlots = 0;

  private allocatableKey: MachineEnv | null = null;
  private allocatable = new Uint8Array(128);

  /** `allocatable[preg]` = 1 for the env's allocatable registers (cached per env). */
  allocatableFor(env: MachineEnv): Uint8Array {
    if (this.allocatableKey !== env) {
      this.allocatableKey = env;
      this.allocatable.fill(0);
      for (const regs of env.regs) for (const r of regs) this.allocatable[r] = 1;
    }
    return this.allocatable;
  }

  /** Sizes every per-vreg/inst/block buffer for a function; pools grow on demand. */
  prepare(numVRegs: number, numInsts: number, numBlocks: number): void {
    const nv = numVRegs + 1;
    this.vDefBlock = growI32(this.vDefBlock, nv);
    this.vDefPos = growI32(this.vDefPos, nv);
    this.vDefInst = growI32(this.vDefInst, nv);
    this.vUseStart = growI32(this.vUseStart, nv);
    this.vGlobal = growI32(this.vGlobal, nv);
    this.vFlags = growU8(this.vFlags, nv);
    this.vHintPReg = growI32(this.vHintPReg, nv);
    this.vPartner = growI32(this.vPartner, nv);
    this.vReuseOf = growI32(this.vReuseOf, nv);
    this.vRangeStart = growI32(this.vRangeStart, nv);
    this.vFirstChild = growI32(this.vFirstChild, nv);
    this.vLastReg = growI32(this.vLastReg, nv);
    this.vSlot = growI32(this.vSlot, nv);
    this.vGenStamp = growI32(this.vGenStamp, nv);
    this.vUseFill = growI32(this.vUseFill, nv);
    this.vRangeHead = growI32(this.vRangeHead, nv);
    this.vChildStart = growI32(this.vChildStart, nv);
    this.instBlock = growI32(this.instBlock, numInsts + 1);
    this.loopDepth = growI32(this.loopDepth, numBlocks + 1);
    this.loopFirst = growI32(this.loopFirst, numBlocks + 1);
    this.loopLast = growI32(this.loopLast, numBlocks + 1);
    this.genStart = growI32(this.genStart, numBlocks + 1);
    this.gdefStart = growI32(this.gdefStart, numBlocks + 1);
    this.gdefFill = growI32(this.gdefFill, numBlocks + 1);
    this.bucketHead = growI32(this.bucketHead, 2 * numInsts + 2);
    this.bucketHeadLate = growI32(this.bucketHeadLate, 2 * numInsts + 2);
    this.numRangeNodes = 0;
    this.numFixedNodes = 0;
    this.numChildren = 0;
    this.numSlots = 0;
  }

  ensureRangeNodes(n: number): void {
    if (this.rlFrom.length >= n) return;
    this.rlFrom = growI32(this.rlFrom, n);
    this.rlTo = growI32(this.rlTo, n);
    this.rlNext = growI32(this.rlNext, n);
  }

  ensureFixedNodes(n: number): void {
    if (this.fxFrom.length >= n) return;
    this.fxFrom = growI32(this.fxFrom, n);
    this.fxTo = growI32(this.fxTo, n);
    this.fxOwner = growI32(this.fxOwner, n);
    this.fxNext = growI32(this.fxNext, n);
  }

  ensureChildren(n: number): void {
    if (this.cVReg.length >= n) return;
    this.cVReg = growI32(this.cVReg, n);
    this.cStart = growI32(this.cStart, n);
    this.cEnd = growI32(this.cEnd, n);
    this.cLoc = growI32(this.cLoc, n);
    this.cNext = growI32(this.cNext, n);
    this.cRangeCur = growI32(this.cRangeCur, n);
    this.cQNext = growI32(this.cQNext, n);
  }
}
