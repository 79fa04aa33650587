/**
 * Layout: the order of blocks in the function and of instructions in blocks.
 *
 * The DFG says what instructions compute; the layout says where they are.
 * As in Cranelift, both orders are doubly linked lists threaded through
 * typed arrays indexed by entity number, so inserting or removing is O(1)
 * and no per-node objects exist. The first block in the layout is the entry
 * block.
 *
 * Each entity has one `Int32Array` record (blocks: prev, next, first inst,
 * last inst, inserted flag; instructions: prev, next, block).
 *
 * Invariants.
 * * (LayoutLinked) `next(prev(x)) === x` for every inserted block and
 *   instruction; `instBlock(i) === -1` exactly when `i` is not inserted.
 * * (InstInInsertedBlock) instructions are only inserted into blocks that are
 *   in the layout.
 */
import type { Block, Inst } from './entities.js';

function grow(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  let cap = Math.max(a.length * 2, 16);
  while (cap < n) cap *= 2;
  const b = new Int32Array(cap);
  b.set(a);
  b.fill(-1, a.length);
  return b;
}

// Block record: prev, next, first inst, last inst, inserted (1) or not (-1).
const BS = 5;
// Instruction record: prev, next, block (-1 when not inserted).
const IS = 3;

export class Layout {
  private first = -1;
  private last = -1;
  // Tiny until told otherwise (see `DataFlowGraph.reserve`).
  private blockRec = new Int32Array(3 * BS).fill(-1);
  private instRec = new Int32Array(5 * IS).fill(-1);

  /** Size hint: room for about `blocks` blocks and `insts` instructions. */
  reserve(blocks: number, insts: number): void {
    this.blockRec = grow(this.blockRec, blocks * BS);
    this.instRec = grow(this.instRec, insts * IS);
  }

  private ensureBlock(b: Block): void {
    if ((b + 1) * BS > this.blockRec.length) this.blockRec = grow(this.blockRec, (b + 1) * BS);
  }

  private ensureInst(i: Inst): void {
    if ((i + 1) * IS > this.instRec.length) this.instRec = grow(this.instRec, (i + 1) * IS);
  }

  // -------------------------------------------------------------------------
  // Blocks

  /** The entry block, or -1 when the layout is empty. */
  entryBlock(): Block {
    return this.first;
  }

  firstBlock(): Block {
    return this.first;
  }

  lastBlock(): Block {
    return this.last;
  }

  isBlockInserted(b: Block): boolean {
    return b >= 0 && (b + 1) * BS <= this.blockRec.length && this.blockRec[b * BS + 4] === 1;
  }

  nextBlock(b: Block): Block {
    return this.blockRec[b * BS + 1]!;
  }

  prevBlock(b: Block): Block {
    return this.blockRec[b * BS]!;
  }

  private initBlock(b: Block, prev: Block, next: Block): void {
    const r = this.blockRec;
    const o = b * BS;
    r[o] = prev;
    r[o + 1] = next;
    r[o + 2] = -1;
    r[o + 3] = -1;
    r[o + 4] = 1;
  }

  appendBlock(b: Block): void {
    this.ensureBlock(b);
    if (this.blockRec[b * BS + 4] === 1) throw new Error(`block${b} is already in the layout`);
    this.initBlock(b, this.last, -1);
    if (this.last >= 0) this.blockRec[this.last * BS + 1] = b;
    else this.first = b;
    this.last = b;
  }

  /** Insert `b` immediately before `before` (which must be in the layout). */
  insertBlockBefore(b: Block, before: Block): void {
    this.ensureBlock(b);
    if (this.blockRec[b * BS + 4] === 1) throw new Error(`block${b} is already in the layout`);
    if (!this.isBlockInserted(before)) throw new Error(`block${before} is not in the layout`);
    const prev = this.blockRec[before * BS]!;
    this.initBlock(b, prev, before);
    this.blockRec[before * BS] = b;
    if (prev >= 0) this.blockRec[prev * BS + 1] = b;
    else this.first = b;
  }

  /** Insert `b` immediately after `after` (which must be in the layout). */
  insertBlockAfter(b: Block, after: Block): void {
    const next = this.blockRec[after * BS + 1]!;
    if (next < 0) this.appendBlock(b);
    else this.insertBlockBefore(b, next);
  }

  /** Remove a block; its instructions leave the layout too. */
  removeBlock(b: Block): void {
    if (!this.isBlockInserted(b)) throw new Error(`block${b} is not in the layout`);
    const r = this.blockRec;
    for (let i = r[b * BS + 2]!; i >= 0; ) {
      const n = this.instRec[i * IS + 1]!;
      this.instRec[i * IS] = -1;
      this.instRec[i * IS + 1] = -1;
      this.instRec[i * IS + 2] = -1;
      i = n;
    }
    const p = r[b * BS]!;
    const n = r[b * BS + 1]!;
    if (p >= 0) r[p * BS + 1] = n;
    else this.first = n;
    if (n >= 0) r[n * BS] = p;
    else this.last = p;
    r.fill(-1, b * BS, b * BS + BS);
  }

  *blocks(): IterableIterator<Block> {
    for (let b = this.first; b >= 0; b = this.blockRec[b * BS + 1]!) yield b;
  }

  blockList(): Block[] {
    const out: Block[] = [];
    for (let b = this.first; b >= 0; b = this.blockRec[b * BS + 1]!) out.push(b);
    return out;
  }

  // -------------------------------------------------------------------------
  // Instructions

  firstInst(b: Block): Inst {
    return this.blockRec[b * BS + 2]!;
  }

  lastInst(b: Block): Inst {
    return this.blockRec[b * BS + 3]!;
  }

  nextInst(i: Inst): Inst {
    return this.instRec[i * IS + 1]!;
  }

  prevInst(i: Inst): Inst {
    return this.instRec[i * IS]!;
  }

  /** The block containing `i`, or -1 if it is not in the layout. */
  instBlock(i: Inst): Block {
    return (i + 1) * IS <= this.instRec.length ? this.instRec[i * IS + 2]! : -1;
  }

  isInstInserted(i: Inst): boolean {
    return this.instBlock(i) >= 0;
  }

  appendInst(i: Inst, b: Block): void {
    this.ensureInst(i);
    const r = this.instRec;
    const br = this.blockRec;
    if (b < 0 || (b + 1) * BS > br.length || br[b * BS + 4] !== 1) throw new Error(`block${b} is not in the layout`);
    if (r[i * IS + 2]! >= 0) throw new Error(`inst${i} is already in the layout`);
    const last = br[b * BS + 3]!;
    r[i * IS] = last;
    r[i * IS + 1] = -1;
    r[i * IS + 2] = b;
    if (last >= 0) r[last * IS + 1] = i;
    else br[b * BS + 2] = i;
    br[b * BS + 3] = i;
  }

  /** Insert `i` immediately before `before` (which must be in the layout). */
  insertInstBefore(i: Inst, before: Inst): void {
    this.ensureInst(i);
    const b = this.instBlock(before);
    if (b < 0) throw new Error(`inst${before} is not in the layout`);
    const r = this.instRec;
    if (r[i * IS + 2]! >= 0) throw new Error(`inst${i} is already in the layout`);
    const prev = r[before * IS]!;
    r[i * IS] = prev;
    r[i * IS + 1] = before;
    r[i * IS + 2] = b;
    r[before * IS] = i;
    if (prev >= 0) r[prev * IS + 1] = i;
    else this.blockRec[b * BS + 2] = i;
  }

  /** Insert `i` as the first instruction of `b`. */
  prependInst(i: Inst, b: Block): void {
    const f = this.blockRec[b * BS + 2]!;
    if (f < 0) this.appendInst(i, b);
    else this.insertInstBefore(i, f);
  }

  removeInst(i: Inst): void {
    const b = this.instBlock(i);
    if (b < 0) throw new Error(`inst${i} is not in the layout`);
    const r = this.instRec;
    const p = r[i * IS]!;
    const n = r[i * IS + 1]!;
    if (p >= 0) r[p * IS + 1] = n;
    else this.blockRec[b * BS + 2] = n;
    if (n >= 0) r[n * IS] = p;
    else this.blockRec[b * BS + 3] = p;
    r[i * IS] = -1;
    r[i * IS + 1] = -1;
    r[i * IS + 2] = -1;
  }

  *blockInsts(b: Block): IterableIterator<Inst> {
    for (let i = this.blockRec[b * BS + 2]!; i >= 0; i = this.instRec[i * IS + 1]!) yield i;
  }

  clone(): Layout {
    const l = new Layout();
    l.first = this.first;
    l.last = this.last;
    l.blockRec = this.blockRec.slice();
    l.instRec = this.instRec.slice();
    return l;
  }
}
