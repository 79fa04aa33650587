/**
 * The parallel move resolver: turns a set of moves that semantically happen
 * at once (`dst_k := src_k` for all k, every source read before any
 * destination is written) into a sequence of single moves.
 *
 * Approach. A move may be emitted once no pending move still reads its
 * destination. Keep, for each pending move, the number of pending moves that
 * read its destination (`readers`); emit moves whose count is zero, and each
 * emission decrements the count of the move that writes the emitted move's
 * source (each location is written by at most one move, so that is a single
 * lookup). When nothing is ready, every pending move's destination is read
 * by exactly one pending move (n moves, n destinations each read at least
 * once, n reads in total), so what remains is a set of disjoint simple
 * cycles. Break one: copy one destination's old value to a temporary,
 * redirect its reader to the temporary, and the cycle unwinds as a chain.
 *
 * Temporaries and stack-to-stack moves (machines cannot move memory to
 * memory):
 * - with a scratch register for the class (`MachineEnv.scratch`), a cycle
 *   of registers is broken through it, and a stack-to-stack move becomes
 *   `scratch := src; dst := scratch`;
 * - a cycle that involves a stack slot is broken through a dedicated
 *   *cycle slot* (so the scratch stays free for its stack-to-stack moves);
 * - without a scratch register, register cycles also use the cycle slot, and
 *   a stack-to-stack move borrows an allocatable register:
 *   `save := R; R := src; dst := R; R := save` with a dedicated *borrow slot*.
 * Emergency slots are allocated lazily, once per function and class.
 *
 * Post-invariant (sequential-equivalence): executing the emitted moves in
 * order leaves every destination holding its source's value from before the
 * group, never writes a location that is not a destination except the
 * scratch register and the emergency slots (and a borrowed register, which is
 * restored), and never moves stack to stack. The unit tests check this by
 * simulation over all permutations of small sets.
 */
import { growI32, growU8 } from './context.js';

/** Growable edit list (ProgPoint, from, to). */
export class EditBuffer {
  n = 0;
  point = new Int32Array(64);
  from = new Int32Array(64);
  to = new Int32Array(64);

  reset(): void {
    this.n = 0;
  }
  push(point: number, from: number, to: number): void {
    const n = this.n;
    if (n >= this.point.length) {
      this.point = growI32(this.point, n + 1);
      this.from = growI32(this.from, n + 1);
      this.to = growI32(this.to, n + 1);
    }
    this.point[n] = point;
    this.from[n] = from;
    this.to[n] = to;
    this.n = n + 1;
  }
}

/** Maps an Allocation to a dense key: registers 0..127, slot s at 128+s. */
const keyOf = (a: number): number => (a >= 0 ? a : 128 + ~a);

export class ParallelMoveResolver {
  private n = 0;
  private src = new Int32Array(16);
  private dst = new Int32Array(16);
  private cls = new Uint8Array(16);
  private done = new Uint8Array(16);
  private fromTemp = new Uint8Array(16);
  private readers = new Int32Array(16);
  private ready = new Int32Array(16);
  private writer = new Int32Array(256).fill(-1);

  /** Per class: scratch register or -1. */
  readonly scratch = new Int32Array([-1, -1]);
  /** Per class: register borrowed for stack-to-stack moves when there is no scratch. */
  readonly borrowReg = new Int32Array([-1, -1]);
  private readonly cycleSlot = new Int32Array([-1, -1]);
  private readonly borrowSlot = new Int32Array([-1, -1]);

  /** Allocates an emergency slot of the given class; returns its slot index. */
  allocSlot: (cls: number) => number = () => {
    throw new Error('ParallelMoveResolver: no slot allocator');
  };

  /** Forgets emergency slots (call once per function). */
  resetFunction(): void {
    this.cycleSlot.fill(-1);
    this.borrowSlot.fill(-1);
    this.n = 0;
  }

  get size(): number {
    return this.n;
  }

  add(src: number, dst: number, cls: number): void {
    const n = this.n;
    if (n >= this.src.length) {
      this.src = growI32(this.src, n + 1);
      this.dst = growI32(this.dst, n + 1);
      this.cls = growU8(this.cls, n + 1);
      this.done = growU8(this.done, n + 1);
      this.fromTemp = growU8(this.fromTemp, n + 1);
      this.readers = growI32(this.readers, n + 1);
      this.ready = growI32(this.ready, n + 1);
    }
    this.src[n] = src;
    this.dst[n] = dst;
    this.cls[n] = cls;
    this.n = n + 1;
  }

  /** Sequentializes the pending moves into `out` at `point`, then clears them. */
  resolve(point: number, out: EditBuffer): void {
    const n = this.n;
    this.n = 0;
    if (n === 0) return;
    const src = this.src;
    const dst = this.dst;
    if (n === 1) {
      if (src[0] !== dst[0]) this.emit(point, src[0]!, dst[0]!, this.cls[0]!, out);
      return;
    }
    const done = this.done;
    const fromTemp = this.fromTemp;
    const readers = this.readers;
    let maxKey = 0;
    for (let k = 0; k < n; k++) {
      const a = keyOf(src[k]!);
      const b = keyOf(dst[k]!);
      if (a > maxKey) maxKey = a;
      if (b > maxKey) maxKey = b;
    }
    if (maxKey >= this.writer.length) {
      const w = new Int32Array(Math.max(maxKey + 1, this.writer.length * 2)).fill(-1);
      this.writer = w;
    }
    const writer = this.writer;

    let remaining = 0;
    for (let k = 0; k < n; k++) {
      done[k] = 0;
      fromTemp[k] = 0;
      readers[k] = 0;
      if (src[k] === dst[k]) {
        done[k] = 1;
        continue;
      }
      const key = keyOf(dst[k]!);
      const w = writer[key]!;
      if (w >= 0) {
        if (src[w] !== src[k]) {
          this.clearWriter(n);
          throw new Error(`ParallelMoveResolver: two moves write allocation ${dst[k]} from different sources`);
        }
        done[k] = 1; // duplicate of move w
        continue;
      }
      writer[key] = k;
      remaining++;
    }
    for (let k = 0; k < n; k++) {
      if (done[k]) continue;
      const w = writer[keyOf(src[k]!)]!;
      if (w >= 0 && !done[w]) readers[w]!++;
    }
    const ready = this.ready;
    let top = 0;
    for (let k = 0; k < n; k++) if (!done[k] && readers[k] === 0) ready[top++] = k;

    while (remaining > 0) {
      while (top > 0) {
        const k = ready[--top]!;
        this.emit(point, src[k]!, dst[k]!, this.cls[k]!, out);
        done[k] = 1;
        remaining--;
        if (fromTemp[k]) continue;
        const w = writer[keyOf(src[k]!)]!;
        if (w >= 0 && !done[w] && --readers[w]! === 0) ready[top++] = w;
      }
      if (remaining === 0) break;
      // Only cycles remain. Walk the one through k0 backwards (source -> its writer).
      let k0 = 0;
      while (done[k0]) k0++;
      let hasStack = dst[k0]! < 0;
      let reader = -1;
      for (let j = k0; ; ) {
        const w = writer[keyOf(src[j]!)]!;
        if (dst[j]! < 0) hasStack = true;
        if (w === k0) {
          reader = j;
          break;
        }
        j = w;
      }
      const c = this.cls[k0]!;
      const temp = this.cycleTemp(c, hasStack);
      this.emit(point, dst[k0]!, temp, c, out);
      src[reader] = temp;
      fromTemp[reader] = 1;
      readers[k0] = 0;
      ready[top++] = k0;
    }
    this.clearWriter(n);
  }

  private clearWriter(n: number): void {
    const writer = this.writer;
    for (let k = 0; k < n; k++) {
      const key = keyOf(this.dst[k]!);
      if (writer[key] === k) writer[key] = -1;
    }
  }

  private cycleTemp(cls: number, hasStack: boolean): number {
    const sc = this.scratch[cls]!;
    if (sc >= 0 && !hasStack) return sc;
    let s = this.cycleSlot[cls]!;
    if (s < 0) this.cycleSlot[cls] = s = this.allocSlot(cls);
    return ~s;
  }

  private emit(point: number, from: number, to: number, cls: number, out: EditBuffer): void {
    if (from >= 0 || to >= 0) {
      out.push(point, from, to);
      return;
    }
    const sc = this.scratch[cls]!;
    if (sc >= 0) {
      out.push(point, from, sc);
      out.push(point, sc, to);
      return;
    }
    const r = this.borrowReg[cls]!;
    if (r < 0) throw new Error('ParallelMoveResolver: stack-to-stack move with no register to borrow');
    let s = this.borrowSlot[cls]!;
    if (s < 0) this.borrowSlot[cls] = s = this.allocSlot(cls);
    out.push(point, r, ~s);
    out.push(point, from, r);
    out.push(point, r, to);
    out.push(point, ~s, r);
  }
}
