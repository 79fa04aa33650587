/**
 * Spill slot assignment.
 *
 * Every vreg that needs memory — one of its children is on the stack, or it
 * has a stack-constrained operand — gets one slot for its whole lifetime
 * (its *hull*: from its first live position to its last). One slot per vreg
 * is what makes spill-at-definition sound: the slot, once written after the
 * def, holds the value wherever the vreg is live.
 *
 * Two vregs of the same class share a slot when their hulls are disjoint.
 * Hulls cover every position where the vreg is live, and edge moves read
 * sources at the end of the predecessor (inside the source's hull) and write
 * at the start of the successor (inside the destination's hull), so sharing
 * never lets one value overwrite another that is still needed. Vregs are
 * taken in order of hull start; per class, a min-heap of slots keyed by the
 * end of their current owner's hull gives the first free slot in O(log n).
 *
 * Slots are 8-byte units: an int slot takes one, a float/vector slot two,
 * aligned to two (16 bytes, 16-byte aligned relative to the spill area).
 */
import { LOC_STACK, VF_NEEDS_SLOT, type RegAllocContext } from './context.js';
import type { RegAllocFunction, RegAllocStats } from './function.js';

export function assignSpillSlots(ctx: RegAllocContext, f: RegAllocFunction, stats: RegAllocStats): void {
  const nv = f.numVRegs;
  const vSlot = ctx.vSlot;
  const keys: number[] = [];
  for (let v = 0; v < nv; v++) {
    vSlot[v] = -1;
    let c = ctx.vFirstChild[v]!;
    if (c < 0) continue;
    let needs = (ctx.vFlags[v]! & VF_NEEDS_SLOT) !== 0;
    for (; !needs && c >= 0; c = ctx.cNext[c]!) if (ctx.cLoc[c] === LOC_STACK) needs = true;
    if (!needs) continue;
    keys.push(ctx.rFrom[ctx.vRangeStart[v]!]! * 0x100000 + v);
  }
  if (keys.length === 0) return;
  stats.spilledVRegs = keys.length;
  const sorted = Float64Array.from(keys).sort();
  const heaps: SlotHeap[] = [new SlotHeap(), new SlotHeap()];
  for (let i = 0; i < sorted.length; i++) {
    const key = sorted[i]!;
    const v = key % 0x100000;
    const start = (key - v) / 0x100000;
    const end = ctx.rTo[ctx.vRangeStart[v + 1]! - 1]!;
    const cls = f.vregClass[v]!;
    const heap = heaps[cls]!;
    let slot: number;
    if (heap.size > 0 && heap.minEnd() <= start) {
      slot = heap.popSlot();
    } else {
      slot = allocNewSlot(ctx, cls);
    }
    heap.push(end, slot);
    vSlot[v] = slot;
  }
}

/** A fresh slot of class `cls` (never shared): used for spilled vregs and emergency slots. */
export function allocNewSlot(ctx: RegAllocContext, cls: number): number {
  if (cls === 0) return ctx.numSlots++;
  const s = (ctx.numSlots + 1) & ~1;
  ctx.numSlots = s + 2;
  return s;
}

class SlotHeap {
  private ends: number[] = [];
  private slots: number[] = [];
  get size(): number {
    return this.ends.length;
  }
  minEnd(): number {
    return this.ends[0]!;
  }
  push(end: number, slot: number): void {
    const ends = this.ends;
    const slots = this.slots;
    let i = ends.length;
    ends.push(end);
    slots.push(slot);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ends[p]! <= end) break;
      ends[i] = ends[p]!;
      slots[i] = slots[p]!;
      i = p;
    }
    ends[i] = end;
    slots[i] = slot;
  }
  popSlot(): number {
    const ends = this.ends;
    const slots = this.slots;
    const top = slots[0]!;
    const lastEnd = ends.pop()!;
    const lastSlot = slots.pop()!;
    const n = ends.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && ends[c + 1]! < ends[c]!) c++;
        if (ends[c]! >= lastEnd) break;
        ends[i] = ends[c]!;
        slots[i] = slots[c]!;
        i = c;
      }
      ends[i] = lastEnd;
      slots[i] = lastSlot;
    }
    return top;
  }
}
