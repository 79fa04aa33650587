/**
 * A pool of small integer lists, the storage behind instruction arguments,
 * instruction results, block parameters and block-call arguments.
 *
 * Problem: an instruction has a variable number of arguments, block params
 * and branch arguments grow while SSA is being constructed, and we want no
 * per-instruction JS objects. Approach (Cranelift's `EntityList`): all lists
 * share one `Int32Array`; a list is a *handle*, the index just past its
 * header. Blocks come in power-of-two size classes (4, 8, 16, … slots
 * including the header) with one free list per class, so lists that grow
 * move to a bigger block and their old block is reused.
 *
 * ```
 *   data[h - 1]              header: length | (sizeClass << 24)
 *   data[h .. h + length)    the elements
 * ```
 *
 * Handle 0 is the empty list and owns no storage.
 *
 * Invariant (ListCapacity): a list of size class k has capacity (4 << k) - 1
 * and length ≤ capacity. Every operation that can change the length returns
 * the (possibly new) handle; callers must store it back.
 */

const LEN_MASK = 0xff_ffff;
const CLASS_SHIFT = 24;

function sizeClassFor(len: number): number {
  let k = 0;
  while ((4 << k) - 1 < len) k++;
  return k;
}

export class ListPool {
  data: Int32Array;
  /** Bump pointer: first never-used slot. Slot 0 is unused so that no handle is 0. */
  private top = 1;
  private freeHeads: number[] = [];

  constructor(initialCapacity = 64) {
    this.data = new Int32Array(Math.max(initialCapacity, 8));
  }

  /** Size hint: room for `n` words without growing. */
  reserve(n: number): void {
    this.ensure(n);
  }

  private ensure(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < n) cap *= 2;
    const d = new Int32Array(cap);
    d.set(this.data.subarray(0, this.top));
    this.data = d;
  }

  /** Allocate a list of `len` elements (contents unspecified unless written). */
  alloc(len: number): number {
    if (len === 0) return 0;
    const k = sizeClassFor(len);
    let start = this.freeHeads[k] ?? -1;
    if (start >= 0) {
      this.freeHeads[k] = this.data[start]!;
    } else {
      const size = 4 << k;
      this.ensure(this.top + size);
      start = this.top;
      this.top += size;
    }
    this.data[start] = len | (k << CLASS_SHIFT);
    return start + 1;
  }

  free(h: number): void {
    if (h === 0) return;
    const start = h - 1;
    const k = this.data[start]! >>> CLASS_SHIFT;
    this.data[start] = this.freeHeads[k] ?? -1;
    this.freeHeads[k] = start;
  }

  len(h: number): number {
    return h === 0 ? 0 : this.data[h - 1]! & LEN_MASK;
  }

  get(h: number, i: number): number {
    return this.data[h + i]!;
  }

  set(h: number, i: number, v: number): void {
    this.data[h + i] = v;
  }

  from(values: ArrayLike<number>): number {
    const h = this.alloc(values.length);
    for (let i = 0; i < values.length; i++) this.data[h + i] = values[i]!;
    return h;
  }

  of1(a: number): number {
    const h = this.alloc(1);
    this.data[h] = a;
    return h;
  }

  of2(a: number, b: number): number {
    const h = this.alloc(2);
    this.data[h] = a;
    this.data[h + 1] = b;
    return h;
  }

  of3(a: number, b: number, c: number): number {
    const h = this.alloc(3);
    this.data[h] = a;
    this.data[h + 1] = b;
    this.data[h + 2] = c;
    return h;
  }

  toArray(h: number): number[] {
    const n = this.len(h);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.data[h + i]!;
    return out;
  }

  /** Append `v`; returns the new handle. */
  push(h: number, v: number): number {
    if (h === 0) return this.of1(v);
    const header = this.data[h - 1]!;
    const len = header & LEN_MASK;
    const k = header >>> CLASS_SHIFT;
    if (len < (4 << k) - 1) {
      this.data[h + len] = v;
      this.data[h - 1] = (len + 1) | (k << CLASS_SHIFT);
      return h;
    }
    const nh = this.alloc(len + 1);
    // `alloc` may have replaced `this.data`.
    this.data.copyWithin(nh, h, h + len);
    this.data[nh + len] = v;
    this.free(h);
    return nh;
  }

  /** Remove element `i`, shifting the rest down; returns the handle (0 when emptied). */
  removeAt(h: number, i: number): number {
    const header = this.data[h - 1]!;
    const len = header & LEN_MASK;
    const k = header >>> CLASS_SHIFT;
    this.data.copyWithin(h + i, h + i + 1, h + len);
    if (len === 1) {
      this.free(h);
      return 0;
    }
    this.data[h - 1] = (len - 1) | (k << CLASS_SHIFT);
    return h;
  }

  clone(): ListPool {
    const p = new ListPool(8);
    p.data = this.data.slice(0, Math.max(this.top, 8));
    p.top = this.top;
    p.freeHeads = this.freeHeads.slice();
    return p;
  }
}
