/**
 * Global value numbering: which instructions may be merged, and the scoped
 * table that finds an identical dominating instruction.
 *
 * Problem. The translator computes the same things repeatedly: the memory
 * base and bound for every access, `uextend` of the same index, constants,
 * the same bounds-check comparison and `trapnz` in both arms of a diamond's
 * dominator. Two instructions with the same opcode, type, immediates and
 * operands compute the same value — if the instruction is a function of its
 * operands. The second one can then use the first one's result, provided the
 * first one dominates it.
 *
 * Approach. Dominator-based value numbering (the scheme Cranelift's egraph
 * pass uses for its "pure" nodes, and older LLVM's EarlyCSE): the forward
 * pass walks the dominator tree top-down; entering a block opens a scope,
 * leaving it closes the scope and forgets everything the block added. An
 * instruction looked up in the table therefore only ever finds an identical
 * instruction that dominates it.
 *
 * The table is a chained hash table in typed arrays. Entries are pushed at
 * the head of their bucket and scopes are closed by popping entries in
 * reverse insertion order, so the entry being popped is always the head of
 * its bucket (ScopeLifo) and closing a scope is O(entries added).
 *
 * What may be merged (`gvnCandidate`):
 * * pure instructions (no side effects, cannot trap, no memory access):
 *   arithmetic, comparisons, conversions that cannot trap, constants,
 *   `select`, `stack_addr`, `func_addr`;
 * * loads marked `readonly`: the memory does not change while the function
 *   runs, so an identical dominating load (same address value, offset,
 *   flags, type) already produced the value — and, if it could trap, it
 *   already did not;
 * * idempotent trapping instructions — `sdiv`/`udiv`/`srem`/`urem`,
 *   `fcvt_to_sint/uint`, `uadd_overflow_trap`, `trapz`/`trapnz`: when an
 *   identical instruction dominates, it either trapped (and this one is
 *   never reached) or did not (and this one would not either).
 *
 * Never merged: calls, stores, loads without `readonly` (a store or call in
 * between may change memory), `stack_load`, `get_stack_pointer`, branches.
 *
 * Key. Opcode, controlling type, the two auxiliary immediates (condition
 * code, memory flags, offset, trap code, stack slot, function reference),
 * the 64-bit immediate, and the operands; for commutative operations the
 * operands in ascending order. Source locations are not part of the key.
 *
 * Invariants.
 * * (KeyComplete) two instructions with equal keys compute the same results
 *   from the same operands: every field an opcode reads is in the key, and
 *   fields it does not use are zero (`dfg.makeInst` clears them).
 * * (ScopeLifo) entries are removed in reverse order of insertion.
 * * (TableDominates) every entry visible during a lookup dominates the
 *   instruction being looked up (by the walk order and ScopeLifo).
 */
import {
  type DataFlowGraph,
  type Inst,
  IntCC,
  MemFlags,
  Opcode,
  OPCODE_INFO,
  OpFlag,
  type Type,
  typeBits,
} from '@derrick/codegen-ir';

/** The `readonly` bit of `MemFlags.bits`, read off the class rather than hard-coded. */
const READONLY_BIT = MemFlags.new().withReadonly().bits & ~MemFlags.new().bits;

const NOT_MERGEABLE = OpFlag.Terminator | OpFlag.Branch | OpFlag.Call | OpFlag.CanStore | OpFlag.Return;

/** May `inst` be replaced by an identical dominating instruction? */
export function gvnCandidate(dfg: DataFlowGraph, inst: Inst): boolean {
  const op = dfg.opcode(inst);
  const flags = OPCODE_INFO[op]!.flags;
  if ((flags & NOT_MERGEABLE) !== 0) return false;
  if ((flags & OpFlag.CanLoad) !== 0) {
    // Loads: only from memory that does not change (stack_load never).
    return op !== Opcode.StackLoad && (dfg.aux(inst) & READONLY_BIT) !== 0;
  }
  switch (op) {
    case Opcode.Nop:
    case Opcode.GetStackPointer:
      return false;
    case Opcode.Trapz:
    case Opcode.Trapnz:
    case Opcode.UaddOverflowTrap:
      return true;
    default:
      // Anything else with side effects (none today besides the above) is not merged.
      if ((flags & OpFlag.SideEffects) !== 0) return false;
      return dfg.numResults(inst) === 1;
  }
}

/** Operations whose two operands may be swapped without changing the result. */
function isCommutative(dfg: DataFlowGraph, inst: Inst, op: Opcode): boolean {
  switch (op) {
    case Opcode.Iadd:
    case Opcode.Imul:
    case Opcode.Umulhi:
    case Opcode.Smulhi:
    case Opcode.Band:
    case Opcode.Bor:
    case Opcode.Bxor:
    case Opcode.Smin:
    case Opcode.Smax:
    case Opcode.Umin:
    case Opcode.Umax:
      return true;
    case Opcode.Icmp: {
      const cc = dfg.intCC(inst);
      return cc === IntCC.Equal || cc === IntCC.NotEqual;
    }
    default:
      return false;
  }
}

function mix(h: number, x: number): number {
  const k = Math.imul(h ^ x, 0x9e37_79b1);
  return (k << 13) | (k >>> 19);
}

/**
 * The scoped value-numbering table. Usage: fill the probe with `probeInst`
 * or `probeConst`, then `find()`; if absent, `insert(inst)` adds the probed
 * instruction under the probe's key.
 */
export class GvnTable {
  private buckets = new Int32Array(256).fill(-1);
  private mask = 255;
  private entInst = new Int32Array(256);
  private entHash = new Int32Array(256);
  private entNext = new Int32Array(256);
  private n = 0;
  private marks: number[] = [];

  // The probe: the key being looked up.
  private pOpcode = 0;
  private pCtrl = 0;
  private pAux = 0;
  private pAux2 = 0;
  private pLo = 0;
  private pHi = 0;
  private pArgs = new Int32Array(8);
  private pNArgs = 0;
  private pHash = 0;

  private constructor(private dfg: DataFlowGraph) {}

  static create(dfg: DataFlowGraph): GvnTable {
    return new GvnTable(dfg);
  }

  /**
   * Reuse the table for another function. It must be empty (`isEmpty`):
   * then every bucket is empty again by ScopeLifo, and reuse costs nothing
   * however large the table grew.
   */
  reset(dfg: DataFlowGraph): void {
    if (!this.isEmpty()) throw new Error('GvnTable.reset: scopes still open');
    this.dfg = dfg;
  }

  /** No entries and no open scopes. */
  isEmpty(): boolean {
    return this.n === 0 && this.marks.length === 0;
  }

  pushScope(): void {
    this.marks.push(this.n);
  }

  /** Forget every entry added since the matching `pushScope` (ScopeLifo). */
  popScope(): void {
    const mark = this.marks.pop()!;
    for (let e = this.n - 1; e >= mark; e--) {
      const b = this.entHash[e]! & this.mask;
      this.buckets[b] = this.entNext[e]!;
    }
    this.n = mark;
  }

  /** Probe with the key of `inst`. */
  probeInst(inst: Inst): void {
    const dfg = this.dfg;
    const op = dfg.opcode(inst);
    this.pOpcode = op;
    this.pCtrl = dfg.ctrlType(inst);
    this.pAux = dfg.aux(inst);
    this.pAux2 = dfg.aux2(inst);
    this.pLo = dfg.immLo(inst);
    this.pHi = dfg.immHi(inst);
    const n = dfg.numArgs(inst);
    if (n > this.pArgs.length) this.pArgs = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) this.pArgs[i] = dfg.arg(inst, i);
    if (n === 2 && isCommutative(dfg, inst, op) && this.pArgs[0]! > this.pArgs[1]!) {
      const t = this.pArgs[0]!;
      this.pArgs[0] = this.pArgs[1]!;
      this.pArgs[1] = t;
    }
    this.pNArgs = n;
    this.hashProbe();
  }

  /**
   * Probe with the key of a constant: `iconst.ty` (ctrl = ty) or
   * `f32const`/`f64const` (ctrl = INVALID, as the builder makes them), with
   * the immediate's 64-bit pattern.
   */
  probeConst(op: Opcode, ctrl: Type, bits: bigint): void {
    const u = BigInt.asUintN(64, op === Opcode.Iconst ? BigInt.asUintN(typeBits(ctrl), bits) : bits);
    this.pOpcode = op;
    this.pCtrl = ctrl;
    this.pAux = 0;
    this.pAux2 = 0;
    this.pLo = Number(u & 0xffff_ffffn);
    this.pHi = Number(u >> 32n);
    this.pNArgs = 0;
    this.hashProbe();
  }

  private hashProbe(): void {
    let h = mix(0x1234_5678, this.pOpcode | (this.pCtrl << 8));
    h = mix(h, this.pAux);
    h = mix(h, this.pAux2);
    h = mix(h, this.pLo);
    h = mix(h, this.pHi);
    for (let i = 0; i < this.pNArgs; i++) h = mix(h, this.pArgs[i]!);
    this.pHash = h | 0;
  }

  private matches(inst: Inst): boolean {
    const dfg = this.dfg;
    if (dfg.opcode(inst) !== this.pOpcode || dfg.ctrlType(inst) !== this.pCtrl) return false;
    if (dfg.aux(inst) !== this.pAux || dfg.aux2(inst) !== this.pAux2) return false;
    if (dfg.immLo(inst) !== this.pLo || dfg.immHi(inst) !== this.pHi) return false;
    const n = dfg.numArgs(inst);
    if (n !== this.pNArgs) return false;
    if (n === 2 && isCommutative(dfg, inst, this.pOpcode)) {
      let a = dfg.arg(inst, 0);
      let b = dfg.arg(inst, 1);
      if (a > b) {
        const t = a;
        a = b;
        b = t;
      }
      return a === this.pArgs[0] && b === this.pArgs[1];
    }
    for (let i = 0; i < n; i++) if (dfg.arg(inst, i) !== this.pArgs[i]) return false;
    return true;
  }

  /** An instruction in scope with the probe's key, or -1. */
  find(): Inst {
    for (let e = this.buckets[this.pHash & this.mask]!; e >= 0; e = this.entNext[e]!) {
      if (this.entHash[e] === this.pHash && this.matches(this.entInst[e]!)) return this.entInst[e]!;
    }
    return -1;
  }

  /** Add `inst` under the current probe's key (which must be `inst`'s key). */
  insert(inst: Inst): void {
    if (this.n >= this.entInst.length) this.growEntries();
    if (this.n * 2 > this.buckets.length) this.rehash(this.buckets.length * 2);
    const e = this.n++;
    const b = this.pHash & this.mask;
    this.entInst[e] = inst;
    this.entHash[e] = this.pHash;
    this.entNext[e] = this.buckets[b]!;
    this.buckets[b] = e;
  }

  private growEntries(): void {
    const cap = this.entInst.length * 2;
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.entInst = grow(this.entInst);
    this.entHash = grow(this.entHash);
    this.entNext = grow(this.entNext);
  }

  /** Rebuild the buckets; entries are re-pushed in insertion order, so ScopeLifo still holds. */
  private rehash(size: number): void {
    this.buckets = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let e = 0; e < this.n; e++) {
      const b = this.entHash[e]! & this.mask;
      this.entNext[e] = this.buckets[b]!;
      this.buckets[b] = e;
    }
  }
}
