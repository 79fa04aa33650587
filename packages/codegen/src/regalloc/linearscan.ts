/**
 * Linear scan with interval splitting (Wimmer & Mössenböck 2005; Wimmer &
 * Franz 2010), over the live ranges of liveranges.ts.
 *
 * Problem. Give every position where a vreg is live a location — one of the
 * class's allocatable registers, or the vreg's spill slot — such that no two
 * vregs share a register at a position, no vreg sits in a register blocked by
 * a fixed range it does not own, and every position where a use *must* be in
 * a register (a `reg` or `reuse` operand) is covered by a register.
 *
 * Approach. A vreg's lifetime is cut into *children*: consecutive, disjoint
 * position spans `[start, end)`, each with one location. A child does not
 * copy ranges; its ranges are the vreg's ranges clipped to its span, so a
 * split costs O(1) memory. Children are processed in order of start
 * position (a bucket queue, since positions are small integers and splits
 * only create children that start later than the current position). For each:
 *
 * 1. *tryAllocateFree*: a register's *free-until* position is the first
 *    position where it stops being free for this child (occupied by an
 *    active child, an inactive one whose future ranges intersect, or a fixed
 *    range owned by another vreg). It is computed lazily, register by
 *    register: first the hints (the reused input's register, the fixed
 *    operand register, the block param/arg partner's register), then the
 *    preference order, stopping at the first register free for the whole
 *    child. If none is, take the register free the longest and split the
 *    child before it stops being free.
 * 2. *allocateBlocked*: otherwise, the register whose occupants are next
 *    needed furthest away (an occupant that must be in its register at this
 *    instruction cannot be evicted; a value the innermost loop used this
 *    iteration and carries around its back edge counts as needed at the
 *    loop's end — LoopAwareEviction). If that is still sooner than this
 *    child's first use, this child goes to the stack (split before its next
 *    must-register use); else it takes the register and the occupants are
 *    split: an active occupant goes to the stack from just after its last
 *    use (moved back to a loop boundary if one is in between, so it enters
 *    the loop on the stack and the back edge needs no reload) until its next
 *    must-register use; the future of an inactive one goes back into the
 *    queue.
 *
 * Split positions are always even — a gap between instructions, where a move
 * can go — and are moved backwards to the end of the least-nested block in
 * range (`optimalSplitPos`), so reloads land in front of loops rather than in
 * them. A reuse def's first child is queued after the other children
 * starting at its position, so the input it reuses is placed first.
 *
 * Spilling is "spill at definition" (the SSA property that a value never
 * changes): a vreg with any stack child is stored to its slot once, right
 * after its def, so moving a value from a register to its slot later costs
 * nothing and only reloads remain (see moves.ts).
 *
 * Reuse exemption. A reuse def d starts at 2i, where its input u is copied
 * into d's register; u is still live at 2i. If u's current range ends at
 * 2i+1 (u dies here), d may take u's register: the copy is then a no-op and
 * every other operand reading u at 2i reads the same, unchanged, register.
 * u's child is retired from `active` (to `inactive` if it has later ranges,
 * which d is checked not to intersect).
 *
 * Invariants:
 * - (one-active) at the current position each register holds at most one
 *   active child: `regActive[r]`.
 * - (monotone-queue) every child pushed to the queue starts after the
 *   current position, so the bucket scan never goes backwards.
 * - (must-reg) a must-register use at position u lies in a register child:
 *   a stack child is always split before `floorEven(u)`, which is > the
 *   current position (else the child could not have been put on the stack).
 * - (tight-bounds) a child's start and end-1 are covered positions of its
 *   vreg; `end` is the end of its last covered range.
 */
import {
  INF,
  LOC_STACK,
  LOC_UNASSIGNED,
  USE_MUST_REG,
  USE_SHOULD_REG,
  USE_STACK_DEF,
  VF_DEF_IN_SLOT,
  type RegAllocContext,
} from './context.js';
import { RegAllocError, type MachineEnv, type RegAllocFunction, type RegAllocStats } from './function.js';

const FINISHED = 0;
const COVERS = 1;
const HOLE = 2;

const floorEven = (p: number): number => p & ~1;

export function runLinearScan(
  scan: LinearScan,
  ctx: RegAllocContext,
  f: RegAllocFunction,
  env: MachineEnv,
  stats: RegAllocStats,
): void {
  scan.run(ctx, f, env, stats);
}

/** The scan's state; reusable from one function to the next. */
export class LinearScan {
  private readonly regActive = new Int32Array(128).fill(-1);
  /** Inactive children per register (lists with counts). */
  private readonly inact: Int32Array[] = [];
  private readonly inactN = new Int32Array(128);
  private readonly freeUntil = new Int32Array(128);
  /** Scan step for which `freeUntil[r]` was computed (lazy evaluation). */
  private readonly fuFor = new Int32Array(128);
  private step = 0;
  /** Position each class's active/inactive sets were last brought up to. */
  private readonly advancedTo = new Int32Array(2);
  private readonly nextUse = new Int32Array(128);
  private readonly blockPos = new Int32Array(128);
  private readonly fCur = new Int32Array(128);
  private classRegs: Int32Array[] = [new Int32Array(0), new Int32Array(0)];
  private classRegsKey: readonly (readonly number[])[] | null = null;
  private readonly isAllocatable = new Uint8Array(128);
  private qPos = 0;
  private maxPos = 0;
  private ctx!: RegAllocContext;
  private f!: RegAllocFunction;
  private stats!: RegAllocStats;

  constructor() {
    for (let r = 0; r < 128; r++) this.inact.push(new Int32Array(4));
  }

  run(ctx: RegAllocContext, f: RegAllocFunction, env: MachineEnv, stats: RegAllocStats): void {
    this.ctx = ctx;
    this.f = f;
    this.stats = stats;
    if (this.classRegsKey !== env.regs) {
      this.classRegsKey = env.regs;
      this.classRegs = [Int32Array.from(env.regs[0] ?? []), Int32Array.from(env.regs[1] ?? [])];
      this.isAllocatable.fill(0);
      for (const regs of this.classRegs) for (const r of regs) this.isAllocatable[r] = 1;
    }
    this.fCur.set(ctx.pregFxStart);
    this.regActive.fill(-1);
    this.inactN.fill(0);
    this.fuFor.fill(-1);
    this.step = 0;
    this.advancedTo.fill(-1);
    this.qPos = 0;
    this.maxPos = 2 * f.numInsts + 1;

    const nv = f.numVRegs;
    ctx.bucketHead.fill(-1, 0, this.maxPos + 1);
    ctx.bucketHeadLate.fill(-1, 0, this.maxPos + 1);
    ctx.vLastReg.fill(-1, 0, nv);
    ctx.vSlot.fill(-1, 0, nv);
    ctx.ensureChildren(nv + 16);
    const vRangeStart = ctx.vRangeStart;
    for (let v = 0; v < nv; v++) {
      const r0 = vRangeStart[v]!;
      const r1 = vRangeStart[v + 1]!;
      if (r0 === r1) {
        ctx.vFirstChild[v] = -1;
        continue;
      }
      const c = this.newChild(v, ctx.rFrom[r0]!, ctx.rTo[r1 - 1]!, r0);
      ctx.vFirstChild[v] = c;
      this.push(c);
    }

    const vClass = f.vregClass;
    for (;;) {
      const c = this.pop();
      if (c < 0) break;
      this.step++;
      const pos = ctx.cStart[c]!;
      const v = ctx.cVReg[c]!;
      const cls = vClass[v]!;
      this.advance(cls, pos);
      if (ctx.vFlags[v]! & VF_DEF_IN_SLOT && pos === ctx.vDefPos[v] && this.hasStackDefAt(c, pos)) {
        this.spillFromStart(c, pos);
        continue;
      }
      if (!this.tryAllocateFree(c, pos, cls)) this.allocateBlocked(c, pos, cls);
      const loc = ctx.cLoc[c]!;
      if (loc >= 0) {
        this.regActive[loc] = c;
        ctx.vLastReg[v] = loc;
      }
    }
  }

  // ---------------------------------------------------------------------
  // Children and the queue

  private newChild(v: number, start: number, end: number, rangeCur: number): number {
    const ctx = this.ctx;
    const c = ctx.numChildren++;
    if (c >= ctx.cVReg.length) ctx.ensureChildren(c + 1);
    ctx.cVReg[c] = v;
    ctx.cStart[c] = start;
    ctx.cEnd[c] = end;
    ctx.cLoc[c] = LOC_UNASSIGNED;
    ctx.cNext[c] = -1;
    ctx.cRangeCur[c] = rangeCur;
    return c;
  }

  /**
   * Queues child c at its start position. A reuse def's first child waits in
   * a second bucket until the position's other children are placed, so the
   * input it reuses (a block parameter, say) has its register by then.
   */
  private push(c: number): void {
    const ctx = this.ctx;
    const p = ctx.cStart[c]!;
    if (p < this.qPos) throw new RegAllocError('Internal', `queue went backwards at ${p}`);
    const v = ctx.cVReg[c]!;
    const late = ctx.vReuseOf[v]! >= 0 && p === ctx.vDefPos[v] ? 1 : 0;
    const head = late ? ctx.bucketHeadLate : ctx.bucketHead;
    ctx.cQNext[c] = head[p]!;
    head[p] = c;
  }

  private pop(): number {
    const head = this.ctx.bucketHead;
    const headLate = this.ctx.bucketHeadLate;
    const next = this.ctx.cQNext;
    while (this.qPos <= this.maxPos) {
      let c = head[this.qPos]!;
      if (c >= 0) {
        head[this.qPos] = next[c]!;
        return c;
      }
      c = headLate[this.qPos]!;
      if (c >= 0) {
        headLate[this.qPos] = next[c]!;
        return c;
      }
      this.qPos++;
    }
    return -1;
  }

  /** Splits child c so that a new child starts at the first covered position >= sp. Returns it, or -1. */
  private splitAt(c: number, sp: number): number {
    const ctx = this.ctx;
    const v = ctx.cVReg[c]!;
    const rFrom = ctx.rFrom;
    const rTo = ctx.rTo;
    const r1 = ctx.vRangeStart[v + 1]!;
    let k = ctx.cRangeCur[c]!;
    // Position sp may be before the cursor's range only if sp <= current range start.
    while (k > ctx.vRangeStart[v]! && rFrom[k]! >= sp) k--;
    while (k < r1 && rTo[k]! <= sp) k++;
    if (k >= r1) return -1;
    const ns = Math.max(rFrom[k]!, sp);
    if (ns >= ctx.cEnd[c]!) return -1;
    // Parent's tight end: the last covered position before sp.
    let pe: number;
    if (rFrom[k]! < sp) pe = sp;
    else pe = k > ctx.vRangeStart[v]! ? rTo[k - 1]! : ctx.cStart[c]!;
    if (pe <= ctx.cStart[c]!) throw new RegAllocError('Internal', `empty split of v${v} at ${sp}`);
    const n = this.newChild(v, ns, ctx.cEnd[c]!, k);
    ctx.cNext[n] = ctx.cNext[c]!;
    ctx.cNext[c] = n;
    ctx.cEnd[c] = pe;
    this.stats.splits++;
    return n;
  }

  // ---------------------------------------------------------------------
  // Range queries

  /** Where child c stands at scan position pos (advances its range cursor). */
  private coverState(c: number, pos: number): number {
    const ctx = this.ctx;
    if (ctx.cEnd[c]! <= pos) return FINISHED;
    const rTo = ctx.rTo;
    let k = ctx.cRangeCur[c]!;
    while (rTo[k]! <= pos) k++;
    ctx.cRangeCur[c] = k;
    return ctx.rFrom[k]! <= pos ? COVERS : HOLE;
  }

  /** First position >= pos covered by both children, or INF. */
  private nextIntersection(a: number, b: number, pos: number): number {
    const ctx = this.ctx;
    const rFrom = ctx.rFrom;
    const rTo = ctx.rTo;
    const va = ctx.cVReg[a]!;
    const vb = ctx.cVReg[b]!;
    let i = ctx.cRangeCur[a]!;
    let j = ctx.cRangeCur[b]!;
    const ea = ctx.vRangeStart[va + 1]!;
    const eb = ctx.vRangeStart[vb + 1]!;
    const sa = ctx.cStart[a]!;
    const sb = ctx.cStart[b]!;
    const enda = ctx.cEnd[a]!;
    const endb = ctx.cEnd[b]!;
    while (i < ea && j < eb) {
      const af = Math.max(rFrom[i]!, sa);
      if (af >= enda) return INF;
      const bf = Math.max(rFrom[j]!, sb);
      if (bf >= endb) return INF;
      const at = Math.min(rTo[i]!, enda);
      const bt = Math.min(rTo[j]!, endb);
      const lo = Math.max(af, bf, pos);
      if (lo < at && lo < bt) return lo;
      if (at <= bt) i++;
      else j++;
    }
    return INF;
  }

  /** First position >= pos where child c is covered and preg r is blocked for it, or INF. */
  private fixedIntersection(r: number, c: number, pos: number): number {
    const ctx = this.ctx;
    const fFrom = ctx.fFrom;
    const fTo = ctx.fTo;
    const fe = ctx.pregFxEnd[r]!;
    let k = this.fCur[r]!;
    while (k < fe && fTo[k]! <= pos) k++;
    this.fCur[r] = k;
    if (k >= fe) return INF;
    const v = ctx.cVReg[c]!;
    const end = ctx.cEnd[c]!;
    const start = ctx.cStart[c]!;
    const rFrom = ctx.rFrom;
    const rTo = ctx.rTo;
    const re = ctx.vRangeStart[v + 1]!;
    let j = ctx.cRangeCur[c]!;
    for (; k < fe; k++) {
      const ff = fFrom[k]!;
      if (ff >= end) return INF;
      if (ctx.fOwner[k] === v) continue;
      const lo0 = ff > pos ? ff : pos;
      while (j < re && rTo[j]! <= lo0) j++;
      if (j >= re) return INF;
      const cf = Math.max(rFrom[j]!, start);
      if (cf >= end) return INF;
      const lo = cf > lo0 ? cf : lo0;
      if (lo < fTo[k]!) return lo;
    }
    return INF;
  }

  /** First use position of child c at or after `from` with a flag in `mask`, or INF. */
  /**
   * When occupant child `a` is next needed in a register, seen from `pos`
   * (LoopAwareEviction): its next use in layout order — except that a value
   * the innermost loop around `pos` used earlier in this iteration, and
   * which is still live at the loop's last block (so the back edge carries
   * it to the next iteration), is needed again at the loop's end. Without
   * that, such a loop invariant looks unused (no later use in layout order)
   * and is evicted before values the loop never touches, then reloaded on
   * every iteration.
   */
  private neededAgainAt(a: number, pos: number): number {
    const u = this.nextUseFrom(a, pos, USE_MUST_REG | USE_SHOULD_REG);
    const ctx = this.ctx;
    const b = ctx.instBlock[pos >>> 1]!;
    const lastB = ctx.loopLast[b]!;
    if (lastB < 0) return u;
    const blockStart = this.f.blockStart;
    const loopEnd = 2 * blockStart[lastB + 1]!;
    if (u < loopEnd) return u;
    if (this.prevUseBefore(a, pos) < 2 * blockStart[ctx.loopFirst[b]!]!) return u;
    return this.vregLiveAt(ctx.cVReg[a]!, loopEnd - 1) ? loopEnd : u;
  }

  /** Whether one of vreg v's live ranges covers position p. */
  private vregLiveAt(v: number, p: number): boolean {
    const ctx = this.ctx;
    for (let k = ctx.vRangeStart[v]!; k < ctx.vRangeStart[v + 1]!; k++) {
      if (ctx.rFrom[k]! > p) return false;
      if (p < ctx.rTo[k]!) return true;
    }
    return false;
  }

  private nextUseFrom(c: number, from: number, mask: number): number {
    const ctx = this.ctx;
    const v = ctx.cVReg[c]!;
    const uPos = ctx.uPos;
    let lo = ctx.vUseStart[v]!;
    const last = ctx.vUseStart[v + 1]!;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (uPos[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    const end = ctx.cEnd[c]!;
    const uFlags = ctx.uFlags;
    for (let k = lo; k < last; k++) {
      const p = uPos[k]!;
      if (p >= end) break;
      if (uFlags[k]! & mask) return p;
    }
    return INF;
  }

  /** Last use position of child c before `pos`, or -1. */
  private prevUseBefore(c: number, pos: number): number {
    const ctx = this.ctx;
    const v = ctx.cVReg[c]!;
    const uPos = ctx.uPos;
    const first = ctx.vUseStart[v]!;
    let lo = first;
    let hi = ctx.vUseStart[v + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (uPos[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    if (lo === first) return -1;
    const p = uPos[lo - 1]!;
    return p >= ctx.cStart[c]! ? p : -1;
  }

  /** Whether child c starts at a stack-constrained def (then it starts on the stack). */
  private hasStackDefAt(c: number, pos: number): boolean {
    const ctx = this.ctx;
    const v = ctx.cVReg[c]!;
    for (let k = ctx.vUseStart[v]!; k < ctx.vUseStart[v + 1]!; k++) {
      if (ctx.uPos[k] === pos && ctx.uFlags[k]! & USE_STACK_DEF) return true;
    }
    return false;
  }

  /**
   * An even split position in [lo, hi] (hi even): hi, or the end of a less
   * deeply nested block in between, so the move lands outside a loop.
   */
  private optimalSplitPos(lo: number, hi: number): number {
    if (lo >= hi) return hi;
    const ctx = this.ctx;
    const depth = ctx.loopDepth;
    const blockStart = this.f.blockStart;
    let b = ctx.instBlock[hi >>> 1]!;
    let bestDepth = depth[b]!;
    let best = hi;
    for (let n = 0; n < 64 && bestDepth > 0 && b > 0; n++) {
      const bs = 2 * blockStart[b]!;
      if (bs < lo) break;
      b--;
      if (depth[b]! < bestDepth) {
        bestDepth = depth[b]!;
        best = bs;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------------
  // Active / inactive bookkeeping

  private advance(cls: number, pos: number): void {
    if (this.advancedTo[cls] === pos) return;
    this.advancedTo[cls] = pos;
    const regs = this.classRegs[cls]!;
    const regActive = this.regActive;
    const inactN = this.inactN;
    for (let i = 0; i < regs.length; i++) {
      const r = regs[i]!;
      const a = regActive[r]!;
      if (a >= 0) {
        const st = this.coverState(a, pos);
        if (st !== COVERS) {
          regActive[r] = -1;
          if (st === HOLE) this.addInactive(r, a);
        }
      }
      let n = inactN[r]!;
      if (n === 0) continue;
      const list = this.inact[r]!;
      for (let k = 0; k < n; ) {
        const b = list[k]!;
        const st = this.coverState(b, pos);
        if (st === HOLE) {
          k++;
          continue;
        }
        list[k] = list[--n]!;
        if (st === COVERS) {
          if (regActive[r]! >= 0)
            throw new RegAllocError('Internal', `register ${r} doubly occupied at ${pos} by #${regActive[r]} and #${b}`);
          regActive[r] = b;
        }
      }
      inactN[r] = n;
    }
  }

  private addInactive(r: number, a: number): void {
    let list = this.inact[r]!;
    const n = this.inactN[r]!;
    if (n >= list.length) {
      const bigger = new Int32Array(list.length * 2);
      bigger.set(list);
      this.inact[r] = list = bigger;
    }
    list[n] = a;
    this.inactN[r] = n + 1;
  }

  /**
   * The active child of the reused input whose register a reuse def starting
   * at pos may take (see "Reuse exemption" above), or -1.
   */
  private reuseExempt(c: number, pos: number): number {
    const ctx = this.ctx;
    const v = ctx.cVReg[c]!;
    const vu = ctx.vReuseOf[v]!;
    if (vu < 0 || ctx.cStart[c] !== ctx.vDefPos[v]) return -1;
    const r = ctx.vLastReg[vu]!;
    if (r < 0) return -1;
    const a = this.regActive[r]!;
    if (a < 0 || ctx.cVReg[a] !== vu) return -1;
    const k = ctx.cRangeCur[a]!;
    if (Math.min(ctx.rTo[k]!, ctx.cEnd[a]!) !== pos + 1) return -1;
    return a;
  }

  /**
   * Takes the reused input's child out of `active` once its register went to
   * the reuse def. Its ranges after this instruction (past a lifetime hole)
   * become a new child in the same register, inactive until then — the old
   * child still covers the current position and must not come back.
   */
  private retireExempt(a: number, pos: number): void {
    const ctx = this.ctx;
    const r = ctx.cLoc[a]!;
    this.regActive[r] = -1;
    if (ctx.cEnd[a]! > pos + 1) {
      const n = this.splitAt(a, pos + 1);
      if (n >= 0) {
        ctx.cLoc[n] = r;
        this.addInactive(r, n);
      }
    }
  }

  // ---------------------------------------------------------------------
  // Allocation

  /**
   * The first position >= pos at which register r stops being free for
   * child c (0 if occupied now), computed on demand and cached per child.
   */
  private freeUntilFor(r: number, c: number, pos: number, ex: number): number {
    if (this.fuFor[r] === this.step) return this.freeUntil[r]!;
    this.fuFor[r] = this.step;
    let fu = INF;
    const a = this.regActive[r]!;
    if (a >= 0) {
      if (a !== ex) {
        this.freeUntil[r] = 0;
        return 0;
      }
      fu = this.nextIntersection(a, c, pos + 1);
    }
    const n = this.inactN[r]!;
    if (n > 0) {
      const list = this.inact[r]!;
      for (let k = 0; k < n; k++) {
        const x = this.nextIntersection(list[k]!, c, pos);
        if (x < fu) fu = x;
      }
    }
    if (fu > pos) {
      const x = this.fixedIntersection(r, c, pos);
      if (x < fu) fu = x;
    }
    this.freeUntil[r] = fu;
    return fu;
  }

  private tryAllocateFree(c: number, pos: number, cls: number): boolean {
    const ctx = this.ctx;
    const regs = this.classRegs[cls]!;
    const nr = regs.length;
    const v = ctx.cVReg[c]!;
    const end = ctx.cEnd[c]!;
    const ex = this.reuseExempt(c, pos);
    const exReg = ex >= 0 ? ctx.cLoc[ex]! : -1;

    // Whole-child candidates: the reused input's register, the fixed-operand
    // hint, the partner's register, then the preference order.
    let pick = -1;
    if (exReg >= 0 && this.freeUntilFor(exReg, c, pos, ex) >= end) pick = exReg;
    if (pick < 0) {
      const h = ctx.vHintPReg[v]!;
      if (h >= 0 && h >>> 6 === cls && this.isAllocatable[h] && this.freeUntilFor(h, c, pos, ex) >= end) pick = h;
    }
    if (pick < 0) {
      const pv = ctx.vPartner[v]!;
      if (pv >= 0) {
        const h = ctx.vLastReg[pv]!;
        if (h >= 0 && h >>> 6 === cls && this.freeUntilFor(h, c, pos, ex) >= end) pick = h;
      }
    }
    let best = -1;
    let bestFree = pos;
    if (pick < 0) {
      for (let i = 0; i < nr; i++) {
        const r = regs[i]!;
        const fu = this.freeUntilFor(r, c, pos, ex);
        if (fu >= end) {
          pick = r;
          break;
        }
        if (fu > bestFree) {
          bestFree = fu;
          best = r;
        }
      }
    }
    if (pick >= 0) {
      if (pick === exReg) this.retireExempt(ex, pos);
      ctx.cLoc[c] = pick;
      return true;
    }

    // Partially free: the register free the longest, then split.
    if (best < 0) return false;
    const maxSplit = floorEven(bestFree);
    if (maxSplit <= pos) return false;
    const sp = this.optimalSplitPos(pos + 1, maxSplit);
    const n = this.splitAt(c, sp);
    if (n >= 0) this.push(n);
    if (best === exReg) this.retireExempt(ex, pos);
    ctx.cLoc[c] = best;
    return true;
  }

  private isClassReg(r: number, cls: number): boolean {
    const regs = this.classRegs[cls]!;
    for (let i = 0; i < regs.length; i++) if (regs[i] === r) return true;
    return false;
  }

  private allocateBlocked(c: number, pos: number, cls: number): void {
    const ctx = this.ctx;
    const regs = this.classRegs[cls]!;
    const nr = regs.length;
    const nextUse = this.nextUse;
    const blockPos = this.blockPos;
    const regActive = this.regActive;
    const end = ctx.cEnd[c]!;
    const s = floorEven(pos);

    const firstUse = this.nextUseFrom(c, pos, USE_MUST_REG | USE_SHOULD_REG);
    const firstMust = this.nextUseFrom(c, pos, USE_MUST_REG);
    const mustNow = firstMust < INF && floorEven(firstMust) <= pos;

    for (let i = 0; i < nr; i++) {
      const r = regs[i]!;
      nextUse[r] = INF;
      blockPos[r] = INF;
    }
    const ex = this.reuseExempt(c, pos);
    const exReg = ex >= 0 ? ctx.cLoc[ex]! : -1;
    for (let i = 0; i < nr; i++) {
      const r = regs[i]!;
      const a = regActive[r]!;
      if (a < 0) continue;
      if (r === exReg) {
        if (this.nextIntersection(a, c, pos + 1) < INF) nextUse[r] = this.nextUseFrom(a, pos + 1, USE_MUST_REG | USE_SHOULD_REG);
        continue;
      }
      // An occupant that must be in its register at this instruction cannot be evicted.
      if (this.nextUseFrom(a, s, USE_MUST_REG) < s + 2) nextUse[r] = -1;
      else nextUse[r] = this.neededAgainAt(a, pos);
    }
    for (let i = 0; i < nr; i++) {
      const r = regs[i]!;
      const ni = this.inactN[r]!;
      if (ni === 0 || nextUse[r]! < 0) continue;
      const list = this.inact[r]!;
      for (let k = 0; k < ni; k++) {
        const a = list[k]!;
        if (this.nextIntersection(a, c, pos) === INF) continue;
        const u = this.neededAgainAt(a, pos);
        if (u < nextUse[r]!) nextUse[r] = u;
      }
    }
    // A register is usable if its occupants can be evicted and no fixed range
    // blocks it within the current instruction; among those, take the one
    // whose occupants (or fixed range) are needed furthest away.
    let reg = -1;
    let regUse = -1;
    for (let i = 0; i < nr; i++) {
      const r = regs[i]!;
      const bp = this.fixedIntersection(r, c, pos);
      blockPos[r] = bp;
      if (nextUse[r]! < 0 || floorEven(bp) <= pos) continue;
      const u = bp < nextUse[r]! ? bp : nextUse[r]!;
      if (u > regUse) {
        regUse = u;
        reg = r;
      }
    }

    if (!mustNow && (reg < 0 || regUse < firstUse)) {
      // Everybody else needs their register sooner: this child goes to the stack.
      this.spillFromStart(c, pos);
      return;
    }
    if (reg < 0) {
      throw new RegAllocError(
        'TooManyRegisterOperands',
        `no register of class ${cls} can be freed for v${ctx.cVReg[c]} at position ${pos}`,
        pos >>> 1,
        ctx.cVReg[c]!,
      );
    }
    if (blockPos[reg]! < end) {
      const sp = this.optimalSplitPos(pos + 1, floorEven(blockPos[reg]!));
      const n = this.splitAt(c, sp);
      if (n >= 0) this.push(n);
    }
    ctx.cLoc[c] = reg;

    // Evict the occupants.
    const a = regActive[reg]!;
    if (a >= 0) {
      regActive[reg] = -1;
      if (reg === exReg) {
        if (this.nextIntersection(a, c, pos + 1) < INF) {
          const n = this.splitAt(a, pos + 1);
          if (n >= 0) this.push(n);
        } else this.retireExempt(a, pos);
      } else this.splitAndSpill(a, pos, s);
    }
    const list = this.inact[reg]!;
    let n2 = this.inactN[reg]!;
    for (let i = 0; i < n2; ) {
      const b = list[i]!;
      if (this.nextIntersection(b, c, pos) === INF) {
        i++;
        continue;
      }
      list[i] = list[--n2]!;
      // b is in a lifetime hole at pos; its future goes back to the queue.
      const next = ctx.rFrom[ctx.cRangeCur[b]!]!;
      if (ctx.cStart[b]! >= next) {
        ctx.cLoc[b] = LOC_UNASSIGNED; // nothing of b lies before: requeue it whole
        this.push(b);
      } else {
        const n = this.splitAt(b, next);
        if (n >= 0) this.push(n);
      }
    }
    this.inactN[reg] = n2;
  }

  /** Child c goes to the stack from its start; split before its next must-register use. */
  private spillFromStart(c: number, pos: number): void {
    const ctx = this.ctx;
    ctx.cLoc[c] = LOC_STACK;
    const m = this.nextUseFrom(c, pos, USE_MUST_REG);
    if (m < INF) {
      const hi = floorEven(m);
      if (hi <= pos) throw new RegAllocError('Internal', `cannot spill v${ctx.cVReg[c]} at ${pos}`);
      const n = this.splitAt(c, this.optimalSplitPos(pos + 1, hi));
      if (n >= 0) this.push(n);
    }
  }

  /**
   * Evicts active child a (at scan position pos, split point s = floorEven(pos)):
   * its part from s goes to the stack until its next must-register use.
   */
  private splitAndSpill(a: number, pos: number, s: number): void {
    const ctx = this.ctx;
    let st = a;
    if (ctx.cStart[a]! < s) {
      // Spill as early as the last use allows, at a loop boundary if there is
      // one: if a loop header lies in between, the value then enters the loop
      // on the stack and the back edge needs no reload.
      const lastUse = this.prevUseBefore(a, pos);
      const lo = Math.max(ctx.cStart[a]!, lastUse) + 1;
      st = this.splitAt(a, this.optimalSplitPos(lo, s));
      if (st < 0) return;
    }
    ctx.cLoc[st] = LOC_STACK;
    const m = this.nextUseFrom(st, ctx.cStart[st]!, USE_MUST_REG);
    if (m < INF) {
      const lo = Math.max(pos + 1, ctx.cStart[st]! + 1);
      const n = this.splitAt(st, this.optimalSplitPos(lo, floorEven(m)));
      if (n >= 0) this.push(n);
    }
  }
}
