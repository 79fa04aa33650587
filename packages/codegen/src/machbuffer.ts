/**
 * `MachBuffer`: the byte buffer machine code is emitted into, with labels,
 * label fixups, islands/veneers for short-range references, a constant pool,
 * on-the-fly branch simplification, and the metadata (traps, call sites,
 * relocations, source locations) a compiled function carries.
 *
 * # The problem
 *
 * A backend emits instructions in one forward pass. Three things get in the
 * way of writing final bytes immediately:
 *
 * 1. **Forward references.** A branch to a block that has not been emitted
 *    yet cannot know its displacement.
 * 2. **Limited range.** PC-relative fields are narrow: AArch64 `b.cond`
 *    reaches ±1 MiB, `tbz` ±32 KiB. A reference may end up further from its
 *    target than its field can express.
 * 3. **Poor branch shapes.** Lowering emits every block's terminator as
 *    written (a two-target conditional is `jcc taken; jmp not_taken`), blocks
 *    in an order chosen without regard to fall-through, and many empty edge
 *    blocks that only jump onwards. Most of these branches are redundant.
 *
 * # The approach
 *
 * * **Labels and fixups.** A position is named by a `MachLabel`. Code that
 *   refers to a label records a *fixup* (`useLabelAtOffset(offset, label,
 *   kind)`) and writes placeholder bits; the `kind` is an ISA-defined
 *   `LabelUse` that knows the field's range and how to patch it. Fixups are
 *   resolved when an island is emitted or when the buffer is finished — never
 *   earlier, because branch simplification may still delete or rewrite the
 *   referring branch.
 * * **Deadlines.** A fixup at `offset` can reach at most `offset +
 *   kind.maxPosRange`; that position is its *deadline*. The buffer tracks the
 *   soonest deadline over every unresolved fixup: new fixups go to a pending
 *   list whose minimum deadline is kept incrementally; fixups that survived an
 *   island live in a min-heap ordered by deadline.
 * * **Islands and veneers.** Before each instruction the emitter asks
 *   `islandNeeded(distance)`. When the answer is yes it branches around an
 *   *island* (or places it where control cannot fall in) and calls
 *   `emitIsland(distance)`. The island holds pending constants, deferred trap
 *   instructions and *veneers*: a veneer is a longer-range branch that a short
 *   reference is re-pointed at; the veneer's own field becomes a new fixup of a
 *   longer-range kind (`generateVeneer` → `{useOffset, kind}`).
 *   In an island, each unresolved fixup is classified:
 *   - label known, within range → patched in place;
 *   - label known, backwards beyond `maxNegRange` → veneer;
 *   - label unknown, deadline inside the island window (`deadline <
 *     forcedThreshold`) → veneer (it could not reach past the island);
 *   - label unknown, deadline beyond the window → **re-queued** untouched in
 *     the deadline heap. It keeps its short form; a later island or `finish`
 *     resolves it, most often in place once the label is bound.
 *   The soonest deadline is recomputed from the heap and from the fixups the
 *   island itself created (veneer uses), so after an island it names the next
 *   real obligation, not a stale one. (Cranelift resets its pending deadline
 *   *after* the first pass over pending fixups, forgetting any veneer fixup
 *   created in that pass; this implementation resets it before.)
 * * **Constant pool.** `deferConstant(bytes, align)` returns a label; the bytes
 *   are placed in the next island (or at the end). References to a constant
 *   are ordinary fixups, so their deadlines force the island in time.
 *   Identical constants that are still pending share one label.
 * * **Branch simplification.** The emitter tells the buffer about each branch
 *   it emits (`addUncondBranch`, `addCondBranch` with the bytes of the
 *   inverted condition). The buffer keeps the run of branches that end exactly
 *   at the tail (`latestBranches`); code placed there can still be edited by
 *   truncating the buffer. Whenever a label is bound (and at `finish`) it
 *   applies, until none applies:
 *   - (JumpToNext) a branch whose target resolves to its own end is deleted;
 *   - (Threading) an unconditional branch whose start has labels bound to it
 *     turns those labels into *aliases* of its target, so every reference to
 *     an empty block jumps straight past it — unless the target resolves back
 *     to the branch itself (an infinite loop);
 *   - (Unreachable) an unconditional branch directly after another
 *     unconditional branch, with no labels left at its start, is deleted;
 *   - (Invert) `jcc L1; jmp L2; L1:` becomes `jncc L2; L1:`: the
 *     unconditional is deleted, the conditional's bytes are swapped for the
 *     inverted form and its fixup retargeted.
 *
 * # Invariants
 *
 * These hold between public calls; each mutation site says which it keeps
 * (grep `Post-invariant:`), and each simplification says why it preserves
 * execution (grep `Preserves execution:`).
 *
 * * **(IslandDeadline)** The central one: if `islandNeeded(d)` returned false,
 *   then `curOffset() + d + worstCaseIslandSize ≤ soonest deadline`, where the
 *   worst-case island size counts a veneer (plus alignment padding) for every
 *   unresolved veneer-capable fixup, every pending constant with its alignment
 *   padding, and every deferred trap. An island is never larger than that
 *   worst case, so — whatever order its contents take — every veneer in it
 *   lies before every deadline, provided the emitter keeps the
 * * **(DistanceContract)**: the `d` passed to `islandNeeded` bounds the code
 *   the emitter places before its next check, *plus* the growth of the
 *   worst-case island size that code causes (its new fixups' veneers, new
 *   constants and deferred traps), *plus* the branch it emits around an island
 *   when the next check says yes. (Cranelift passes `worst_case_size +
 *   worst_case_island_growth` for the same reason.) Then, at the next check,
 *   `cur + aroundBranch + worstCaseIslandSize ≤ soonest deadline` still holds,
 *   so an island emitted then is in time.
 * * **(FixupsUntouched)** No fixup is resolved while any branch that owns one
 *   may still be edited: islands clear `latestBranches` before resolving.
 * * **(LatestBranches)** Each entry describes a branch `[start, end)`, its
 *   target, the index of its fixup in `pendingFixups`, and (conditional only)
 *   the inverted bytes, of the same length. Entries are in ascending order,
 *   non-overlapping. Its `labelsAtThisBranch` is *complete* (every non-alias
 *   label bound at `start` is in it) and *precise* (nothing else is); no entry
 *   is an alias.
 * * **(LabelsAtTail)** While `labelsAtTailOff === curOffset()`,
 *   `labelsAtTail` is the complete and precise list of non-alias labels bound
 *   at the tail; once the tail moves on, it is conceptually empty (cleared
 *   lazily). No label is bound beyond the tail.
 * * **(AcyclicAliases)** Following `labelAliases` from any label terminates:
 *   an alias is only created towards a label that does not resolve back to the
 *   aliased one.
 * * **(NoCodeInBranches)** No label is bound strictly inside a registered
 *   branch, and a registered branch carries no trap, call-site or relocation
 *   record, so truncating it only has to move labels at its end.
 */

// ---------------------------------------------------------------------------
// Basic types
// ---------------------------------------------------------------------------

/** A byte offset from the start of the buffer. */
export type CodeOffset = number;

declare const machLabelBrand: unique symbol;

/**
 * A symbolic position in a `MachBuffer`. Block `i` of a function uses label
 * `i` (after `reserveLabelsForBlocks`); `getLabel` allocates more.
 */
export type MachLabel = number & { readonly [machLabelBrand]: true };

/** The label of block `index` (valid after `reserveLabelsForBlocks`). */
export function blockLabel(index: number): MachLabel {
  return index as MachLabel;
}

import { scratchU32, scratchU8 } from './scratch.js';

/** Sentinel for "no offset yet" in label tables (Cranelift's spelling). */
export const UNKNOWN_LABEL_OFFSET = 0xffff_ffff;
const NO_ALIAS = 0xffff_ffff;

/** Trap code, as codegen-ir's `TrapCode` (1..255). Local until aligned. */
export type TrapCodeNumber = number;

/** A relative source location (codegen-ir's `RelSourceLoc`): `0xffff_ffff` is "none". */
export type RelSourceLocNumber = number;

/**
 * Relocation kinds this buffer can record. Named as in Cranelift's `Reloc`
 * (the ELF writer maps them to `R_X86_64_*` / `R_AARCH64_*`).
 */
export type Reloc =
  | 'Abs4'
  | 'Abs8'
  | 'X86PCRel4'
  | 'X86CallPCRel4'
  | 'X86CallPLTRel4'
  | 'X86GOTPCRel4'
  | 'Arm64Call';

/**
 * The name a relocation refers to outside the buffer. Structurally the same
 * as codegen-ir's `ExternalName` (user name by table ref, libcall, test-case
 * name); kept local so codegen does not depend on an IR still being written.
 */
export type RelocExternalName =
  | { readonly kind: 'user'; readonly ref: number }
  | { readonly kind: 'libcall'; readonly libcall: number }
  | { readonly kind: 'testcase'; readonly name: string };

/** What a relocation targets while code is being emitted. */
export type RelocTarget =
  | { readonly kind: 'name'; readonly name: RelocExternalName }
  | { readonly kind: 'label'; readonly label: MachLabel };

/** What a relocation targets after `finish`: a label has become an offset. */
export type FinalizedRelocTarget =
  | { readonly kind: 'name'; readonly name: RelocExternalName }
  | { readonly kind: 'offset'; readonly offset: CodeOffset };

export interface MachReloc<T = RelocTarget> {
  /** Offset of the bytes to patch. */
  readonly offset: CodeOffset;
  readonly kind: Reloc;
  readonly target: T;
  readonly addend: number;
}

export interface MachTrap {
  /** Offset of the instruction that traps. */
  readonly offset: CodeOffset;
  readonly code: TrapCodeNumber;
}

export interface MachCallSite {
  /** Offset just after the call instruction (the return address). */
  readonly retAddr: CodeOffset;
}

export interface MachSrcLoc {
  /** Code range `[start, end)` attributed to `loc`. */
  readonly start: CodeOffset;
  readonly end: CodeOffset;
  readonly loc: RelSourceLocNumber;
}

/**
 * How one kind of PC-relative field refers to a label (Cranelift's
 * `MachInstLabelUse`). Each ISA defines its kinds as objects implementing
 * this; `K` is the ISA's kind type, so a veneer hands back one of the same
 * ISA's kinds.
 */
export interface LabelUse<K extends LabelUse<K>> {
  /** For messages and debugging: `JmpRel32`, `Branch19`, … */
  readonly name: string;
  /** Largest forward distance `labelOffset - useOffset` the field reaches. */
  readonly maxPosRange: number;
  /** Largest backward distance `useOffset - labelOffset` the field reaches. */
  readonly maxNegRange: number;
  /** Bytes the field occupies, starting at the use offset. */
  readonly patchSize: number;
  /** Alignment (bytes, power of two) a veneer for this kind must have. */
  readonly align: number;
  readonly supportsVeneer: boolean;
  /** Bytes of a veneer (0 when `supportsVeneer` is false). */
  readonly veneerSize: number;
  /**
   * Write the reference to `labelOffset` into `bytes` — a view of exactly
   * `patchSize` bytes located at `useOffset`. Throws if out of range.
   */
  patch(bytes: Uint8Array, useOffset: CodeOffset, labelOffset: CodeOffset): void;
  /**
   * Write a veneer into `bytes` — a zeroed view of `veneerSize` bytes at
   * `veneerOffset` — and return the veneer's own label use, which the buffer
   * records as a new fixup against the original label.
   */
  generateVeneer(bytes: Uint8Array, veneerOffset: CodeOffset): { useOffset: CodeOffset; kind: K };
}

export type MachBufferErrorKind =
  | 'unbound-label'
  | 'label-already-bound'
  | 'out-of-range'
  | 'veneer-unsupported'
  | 'invalid-argument';

/** An error raised by the buffer: a kind, a message, and the offset involved. */
export class MachBufferError extends Error {
  override readonly name = 'MachBufferError';
  constructor(
    readonly kind: MachBufferErrorKind,
    message: string,
    readonly offset?: CodeOffset,
  ) {
    super(offset === undefined ? message : `${message} (at code offset ${offset})`);
  }
}

/** The result of `MachBuffer.finish`: final bytes and metadata, no fixups left. */
export interface MachBufferFinalized {
  readonly data: Uint8Array;
  readonly relocs: readonly MachReloc<FinalizedRelocTarget>[];
  readonly traps: readonly MachTrap[];
  readonly callSites: readonly MachCallSite[];
  /** Sorted by `start`, non-overlapping. */
  readonly srclocs: readonly MachSrcLoc[];
}

export interface MachBufferOptions {
  /** Bytes of the ISA's trap instruction, placed for `deferTrap` (x64 `ud2`). */
  readonly trapOpcode?: Uint8Array;
  /** Instruction alignment: deferred traps are aligned to it and islands end aligned to it. */
  readonly codeAlign?: number;
}

// ---------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------

interface Fixup<K> {
  label: MachLabel;
  readonly offset: CodeOffset;
  readonly kind: K;
  readonly deadline: number;
  /** Insertion order, to break deadline ties deterministically. */
  readonly seq: number;
}

interface Branch {
  readonly start: CodeOffset;
  readonly end: CodeOffset;
  target: MachLabel;
  /** Index of the branch's fixup in `pendingFixups`. */
  readonly fixup: number;
  /** Conditional branches: the bytes of the inverted branch (same length). */
  inverted: Uint8Array | undefined;
  labelsAtThisBranch: MachLabel[];
}

interface PendingConstant {
  readonly label: MachLabel;
  readonly align: number;
  readonly bytes: Uint8Array;
  readonly key: string;
}

interface PendingTrap {
  readonly label: MachLabel;
  readonly code: TrapCodeNumber;
}

/**
 * Above this many labels at one branch, skip simplifying it: a long run of
 * `jmp next; next:` would otherwise move an ever-growing label list on every
 * bind (quadratic). Leaving one harmless branch per N labels is allowed —
 * simplification is always optional.
 */
const LABEL_LIST_THRESHOLD = 100;

/** A binary min-heap of fixups ordered by (deadline, seq). */
class FixupHeap<K> {
  private readonly items: Fixup<K>[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Fixup<K> | undefined {
    return this.items[0];
  }

  push(f: Fixup<K>): void {
    const a = this.items;
    a.push(f);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): Fixup<K> | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less<K>(x: Fixup<K>, y: Fixup<K>): boolean {
  return x.deadline < y.deadline || (x.deadline === y.deadline && x.seq < y.seq);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function bytesKey(bytes: Uint8Array, align: number): string {
  let s = `${align}:`;
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

// ---------------------------------------------------------------------------
// MachBuffer
// ---------------------------------------------------------------------------

export class MachBuffer<K extends LabelUse<K>> {
  private data = scratchU8(1024);
  private len = 0;

  private labelOffsets = scratchU32(16);
  private labelAliases = scratchU32(16);
  private labelCount = 0;

  /** Fixups recorded since the last island, in emission order (branches index into it). */
  private pendingFixups: Fixup<K>[] = [];
  /** Soonest deadline among `pendingFixups` (may be conservative after truncation). */
  private pendingDeadline = Infinity;
  /** Fixups that survived an island, by deadline. */
  private readonly fixupHeap = new FixupHeap<K>();
  private fixupSeq = 0;
  /** Worst-case veneer bytes (with alignment padding) for all unresolved fixups. */
  private veneerReserve = 0;

  private pendingConstants: PendingConstant[] = [];
  private pendingConstantsSize = 0;
  private readonly pendingConstantByKey = new Map<string, MachLabel>();
  private pendingTraps: PendingTrap[] = [];

  private latestBranches: Branch[] = [];
  private labelsAtTail: MachLabel[] = [];
  private labelsAtTailOff = 0;

  private readonly relocs: MachReloc[] = [];
  private readonly traps: MachTrap[] = [];
  private readonly callSites: MachCallSite[] = [];
  private srclocs: { start: CodeOffset; end: CodeOffset; loc: RelSourceLocNumber }[] = [];
  private curSrcloc: { start: CodeOffset; loc: RelSourceLocNumber } | undefined;

  private readonly trapOpcode: Uint8Array | undefined;
  private readonly codeAlign: number;
  private finished = false;

  constructor(options: MachBufferOptions = {}) {
    this.trapOpcode = options.trapOpcode;
    this.codeAlign = options.codeAlign ?? 1;
    if (!isPowerOfTwo(this.codeAlign)) {
      throw new MachBufferError('invalid-argument', `codeAlign must be a power of two, got ${this.codeAlign}`);
    }
  }

  // ---- Bytes --------------------------------------------------------------

  /** Offset of the next byte to be emitted. */
  curOffset(): CodeOffset {
    return this.len;
  }

  private reserve(n: number): number {
    const at = this.len;
    const need = at + n;
    if (need > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < need) cap *= 2;
      const next = scratchU8(cap);
      next.set(this.data.subarray(0, at));
      this.data = next;
    }
    this.len = need;
    // Post-invariant (LabelsAtTail): the tail moved forward, so a list that
    // described the old tail is now conceptually empty; no label can be bound
    // at the new tail yet.
    return at;
  }

  put1(value: number): void {
    const at = this.reserve(1);
    this.data[at] = value;
  }

  /** Little-endian 16-bit value (signed or unsigned). */
  put2(value: number): void {
    const at = this.reserve(2);
    this.data[at] = value;
    this.data[at + 1] = value >> 8;
  }

  /** Little-endian 32-bit value; accepts −2³¹ … 2³²−1. */
  put4(value: number): void {
    if (!(value >= -0x8000_0000 && value <= 0xffff_ffff)) {
      throw new MachBufferError('invalid-argument', `put4: ${value} does not fit in 32 bits`, this.len);
    }
    const at = this.reserve(4);
    const d = this.data;
    d[at] = value;
    d[at + 1] = value >>> 8;
    d[at + 2] = value >>> 16;
    d[at + 3] = value >>> 24;
  }

  /** Little-endian 64-bit value (any bigint; taken modulo 2⁶⁴). */
  put8(value: bigint): void {
    const v = BigInt.asUintN(64, value);
    const lo = Number(v & 0xffff_ffffn);
    const hi = Number(v >> 32n);
    this.put4(lo);
    this.put4(hi);
  }

  putBytes(bytes: ArrayLike<number>): void {
    const at = this.reserve(bytes.length);
    this.data.set(bytes, at);
  }

  /**
   * Append `len` zero bytes and return a view of them to fill in. The view is
   * only valid until the next append.
   */
  getAppendedSpace(len: number): Uint8Array {
    const at = this.reserve(len);
    const view = this.data.subarray(at, at + len);
    view.fill(0);
    return view;
  }

  /** Pad with `fill` bytes up to a multiple of `align` (a power of two). */
  alignTo(align: number, fill = 0): void {
    if (!isPowerOfTwo(align)) throw new MachBufferError('invalid-argument', `alignment ${align} is not a power of two`);
    const pad = (align - (this.len & (align - 1))) & (align - 1);
    if (pad > 0) {
      const at = this.reserve(pad);
      this.data.fill(fill, at, at + pad);
    }
  }

  /** A copy of the bytes emitted so far (fixups not yet applied). */
  bytes(): Uint8Array {
    return this.data.slice(0, this.len);
  }

  // ---- Labels -------------------------------------------------------------

  /** Allocate a fresh, unbound label. */
  getLabel(): MachLabel {
    const l = this.labelCount++;
    if (l >= this.labelOffsets.length) {
      const grow = (a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
        const b = scratchU32(a.length * 2);
        b.set(a);
        return b;
      };
      this.labelOffsets = grow(this.labelOffsets);
      this.labelAliases = grow(this.labelAliases);
    }
    this.labelOffsets[l] = UNKNOWN_LABEL_OFFSET;
    this.labelAliases[l] = NO_ALIAS;
    return l as MachLabel;
    // Post-invariant: a new unbound label satisfies every invariant trivially.
  }

  /** Reserve labels 0..n−1 for blocks 0..n−1. Must be the first label allocation. */
  reserveLabelsForBlocks(n: number): void {
    if (this.labelCount !== 0) {
      throw new MachBufferError('invalid-argument', 'reserveLabelsForBlocks must precede any other label allocation');
    }
    for (let i = 0; i < n; i++) this.getLabel();
  }

  /** Number of labels allocated so far. */
  numLabels(): number {
    return this.labelCount;
  }

  private checkLabel(label: MachLabel): void {
    if (!(label >= 0 && label < this.labelCount && Number.isInteger(label))) {
      throw new MachBufferError('invalid-argument', `label${label} was never allocated`);
    }
  }

  /** Bind `label` to the current offset. A label is bound (or aliased) at most once. */
  bindLabel(label: MachLabel): void {
    this.checkLabel(label);
    if (this.labelOffsets[label] !== UNKNOWN_LABEL_OFFSET || this.labelAliases[label] !== NO_ALIAS) {
      throw new MachBufferError('label-already-bound', `label${label} is already bound`, this.len);
    }
    this.labelOffsets[label] = this.len;
    this.lazilyClearLabelsAtTail();
    this.labelsAtTail.push(label);
    // The label is bound at the tail and recorded in the tail list, so
    // (LabelsAtTail) holds before simplification runs.
    this.optimizeBranches();
    // Post-invariant: by `optimizeBranches`.
  }

  /**
   * Make `label` an alias of `target`: every reference to `label` resolves to
   * wherever `target` resolves. `label` must be unbound; throws if the alias
   * would form a cycle.
   */
  aliasLabel(label: MachLabel, target: MachLabel): void {
    this.checkLabel(label);
    this.checkLabel(target);
    if (this.labelOffsets[label] !== UNKNOWN_LABEL_OFFSET || this.labelAliases[label] !== NO_ALIAS) {
      throw new MachBufferError('label-already-bound', `label${label} is already bound`);
    }
    if (this.resolveLabel(target) === label) {
      throw new MachBufferError('invalid-argument', `aliasing label${label} to label${target} would form a cycle`);
    }
    this.labelAliases[label] = target;
    // Post-invariant (AcyclicAliases): checked above. (LabelsAtTail),
    // (LatestBranches): `label` was unbound, so it was in no list.
  }

  /** Follow aliases to the label that is (or will be) actually bound. */
  resolveLabel(label: MachLabel): MachLabel {
    let l: number = label;
    let hops = 0;
    while (this.labelAliases[l] !== NO_ALIAS) {
      l = this.labelAliases[l]!;
      if (++hops > 1_000_000) throw new Error('MachBuffer: cycle in label aliases (AcyclicAliases broken)');
    }
    return l as MachLabel;
  }

  /** Offset `label` resolves to, or `UNKNOWN_LABEL_OFFSET` if not yet bound. */
  resolveLabelOffset(label: MachLabel): number {
    return this.labelOffsets[this.resolveLabel(label)]!;
  }

  /** Offset `label` resolves to, or undefined. */
  labelOffset(label: MachLabel): CodeOffset | undefined {
    const o = this.resolveLabelOffset(label);
    return o === UNKNOWN_LABEL_OFFSET ? undefined : o;
  }

  private lazilyClearLabelsAtTail(): void {
    if (this.len > this.labelsAtTailOff) {
      this.labelsAtTailOff = this.len;
      this.labelsAtTail = [];
    }
    // Post-invariant (LabelsAtTail): either the list already described the
    // tail, or it was conceptually empty and now is actually empty.
  }

  // ---- Fixups -------------------------------------------------------------

  /**
   * Record that the `kind.patchSize` bytes at `offset` refer to `label`. The
   * bytes are patched when an island is emitted or at `finish`; until then
   * they keep whatever the emitter wrote (kinds that add to the existing
   * value, like x64's `PCRel32`, read it as an addend).
   */
  useLabelAtOffset(offset: CodeOffset, label: MachLabel, kind: K): void {
    this.checkLabel(label);
    const deadline = offset + kind.maxPosRange;
    this.pendingFixups.push({ label, offset, kind, deadline, seq: this.fixupSeq++ });
    if (deadline < this.pendingDeadline) this.pendingDeadline = deadline;
    this.veneerReserve += veneerCost(kind);
    // Post-invariant (IslandDeadline): the deadline and the worst-case island
    // size both account for the new fixup before the next `islandNeeded`.
  }

  /**
   * Register an unconditional branch `[start, end)` to `target`, for
   * simplification. Call it after `useLabelAtOffset` for the branch's field
   * and before emitting its bytes (`curOffset() === start`). The branch's
   * bytes must carry no other metadata (NoCodeInBranches).
   */
  addUncondBranch(start: CodeOffset, end: CodeOffset, target: MachLabel): void {
    this.registerBranch(start, end, target, undefined);
  }

  /**
   * Register a conditional branch `[start, end)` to `target`, with the bytes
   * of the same branch on the inverted condition (same length, same field
   * placeholder), for simplification. Call order as for `addUncondBranch`.
   */
  addCondBranch(start: CodeOffset, end: CodeOffset, target: MachLabel, inverted: ArrayLike<number>): void {
    if (inverted.length !== end - start) {
      throw new MachBufferError('invalid-argument', `inverted branch is ${inverted.length} bytes, branch is ${end - start}`, start);
    }
    this.registerBranch(start, end, target, Uint8Array.from(inverted));
  }

  private registerBranch(start: CodeOffset, end: CodeOffset, target: MachLabel, inverted: Uint8Array | undefined): void {
    if (start !== this.len || !(end > start)) {
      throw new MachBufferError('invalid-argument', `branch [${start}, ${end}) must start at the tail (${this.len})`, start);
    }
    const fixup = this.pendingFixups.length - 1;
    const f = this.pendingFixups[fixup];
    if (f === undefined || f.offset < start || f.offset >= end || f.label !== target) {
      throw new MachBufferError('invalid-argument', 'a branch must be registered right after the label use for its field', start);
    }
    this.lazilyClearLabelsAtTail();
    this.latestBranches.push({ start, end, target, fixup, inverted, labelsAtThisBranch: this.labelsAtTail.slice() });
    // Post-invariant (LatestBranches): the branch starts at the tail, after
    // every earlier entry; its label list is a copy of the complete and
    // precise tail list.
  }

  // ---- Constants and deferred traps ----------------------------------------

  /**
   * Place `bytes` (aligned to `align`) in the next island or at the end, and
   * return the label bound to them. Identical constants still pending share
   * a label.
   */
  deferConstant(bytes: ArrayLike<number>, align: number): MachLabel {
    if (!isPowerOfTwo(align)) throw new MachBufferError('invalid-argument', `constant alignment ${align} is not a power of two`);
    const copy = Uint8Array.from(bytes);
    const key = bytesKey(copy, align);
    const existing = this.pendingConstantByKey.get(key);
    if (existing !== undefined) return existing;
    const label = this.getLabel();
    this.pendingConstants.push({ label, align, bytes: copy, key });
    this.pendingConstantByKey.set(key, label);
    this.pendingConstantsSize += copy.length + align - 1;
    return label;
  }

  /**
   * Place a trap instruction (the `trapOpcode` option) with a trap record for
   * `code` in the next island or at the end, and return its label — the
   * out-of-line target of a conditional trap.
   */
  deferTrap(code: TrapCodeNumber): MachLabel {
    if (this.trapOpcode === undefined) {
      throw new MachBufferError('invalid-argument', 'deferTrap needs the trapOpcode option');
    }
    const label = this.getLabel();
    this.pendingTraps.push({ label, code });
    return label;
  }

  // ---- Islands ----------------------------------------------------------------

  /** The soonest deadline of any unresolved fixup (Infinity if none). */
  soonestDeadline(): number {
    const h = this.fixupHeap.peek();
    return h === undefined ? this.pendingDeadline : Math.min(h.deadline, this.pendingDeadline);
  }

  /** Worst-case size of an island emitted now (IslandDeadline). */
  worstCaseIslandSize(): number {
    const trapBytes = this.trapOpcode === undefined ? 0 : this.pendingTraps.length * (this.trapOpcode.length + this.codeAlign - 1);
    return this.veneerReserve + this.pendingConstantsSize + trapBytes + this.codeAlign - 1;
  }

  private worstCaseEndOfIsland(distance: number): number {
    return this.len + distance + this.worstCaseIslandSize();
  }

  /**
   * Must an island be emitted now? `distance` follows (DistanceContract): the
   * most code the emitter places before asking again, plus the island growth
   * that code can cause, plus the branch around an island. False guarantees
   * (IslandDeadline) that an island emitted at the next check is in time.
   */
  islandNeeded(distance: number): boolean {
    const deadline = this.soonestDeadline();
    return deadline !== Infinity && this.worstCaseEndOfIsland(distance) > deadline;
  }

  /**
   * Emit an island here: pending constants, deferred traps and the veneers
   * that cannot wait. Control must not fall into it (branch around it or put
   * it after an unconditional transfer). `distance` is how much code the
   * emitter will place before it next asks `islandNeeded`.
   */
  emitIsland(distance: number, options: { forceVeneers?: boolean } = {}): void {
    this.emitIslandImpl(distance, options.forceVeneers ?? false, false);
  }

  private emitIslandImpl(distance: number, forceVeneers: boolean, final: boolean): void {
    // (FixupsUntouched): resolving fixups below; no branch may be edited after.
    this.latestBranches = [];

    // Code in an island belongs to no source location; resume afterwards.
    const resume = this.curSrcloc?.loc;
    if (this.curSrcloc !== undefined) this.endSrcloc();

    // Everything an island may contain is bounded by the worst case computed
    // now (IslandDeadline); fixups with deadlines at or beyond it can wait.
    const forcedThreshold = this.worstCaseEndOfIsland(distance);

    // Constants and traps first, so fixups against them resolve in this island.
    const constants = this.pendingConstants;
    this.pendingConstants = [];
    this.pendingConstantsSize = 0;
    this.pendingConstantByKey.clear();
    for (const c of constants) {
      this.alignTo(c.align);
      this.bindLabel(c.label);
      this.putBytes(c.bytes);
    }
    const traps = this.pendingTraps;
    this.pendingTraps = [];
    for (const t of traps) {
      this.alignTo(this.codeAlign);
      this.bindLabel(t.label);
      this.addTrap(t.code);
      this.putBytes(this.trapOpcode!);
    }

    // Pending fixups: handle the ones that must or can be handled, park the
    // rest in the deadline heap. Reset the pending deadline *before* handling,
    // so veneer fixups created below are counted.
    const pending = this.pendingFixups;
    this.pendingFixups = [];
    this.pendingDeadline = Infinity;
    for (const f of pending) {
      if (this.shouldApplyFixup(f, forcedThreshold)) this.handleFixup(f, forceVeneers, final);
      else this.fixupHeap.push(f);
    }
    // Heap: in deadline order, until the first fixup that can still wait.
    // Anything after it has a later deadline, so it can wait too (re-queued,
    // not forced).
    for (let f = this.fixupHeap.peek(); f !== undefined; f = this.fixupHeap.peek()) {
      if (!this.shouldApplyFixup(f, forcedThreshold)) break;
      this.fixupHeap.pop();
      this.handleFixup(f, forceVeneers, final);
    }

    this.alignTo(this.codeAlign);
    if (resume !== undefined) this.startSrcloc(resume);
    // Post-invariant (IslandDeadline): every fixup left has a deadline
    // ≥ forcedThreshold ≥ the island's end; `soonestDeadline()` now reads the
    // heap top and the veneer fixups just created.
  }

  private shouldApplyFixup(f: Fixup<K>, forcedThreshold: number): boolean {
    return this.resolveLabelOffset(f.label) !== UNKNOWN_LABEL_OFFSET || f.deadline < forcedThreshold;
  }

  private handleFixup(f: Fixup<K>, forceVeneers: boolean, final: boolean): void {
    this.veneerReserve -= veneerCost(f.kind);
    const labelOffset = this.resolveLabelOffset(f.label);
    if (labelOffset === UNKNOWN_LABEL_OFFSET) {
      if (final) {
        throw new MachBufferError('unbound-label', `label${f.label} is used (${f.kind.name}) but never bound`, f.offset);
      }
      // Unknown target and the deadline falls inside this island: the target
      // will come after the island, beyond the field's reach. Extend it.
      this.emitVeneer(f);
      return;
    }
    let veneerRequired: boolean;
    if (labelOffset >= f.offset) {
      if (labelOffset - f.offset > f.kind.maxPosRange) {
        throw new MachBufferError(
          'out-of-range',
          `${f.kind.name} use of label${f.label} at ${labelOffset} is beyond its range: an island was not emitted in time`,
          f.offset,
        );
      }
      veneerRequired = false;
    } else {
      veneerRequired = f.offset - labelOffset > f.kind.maxNegRange;
    }
    if (veneerRequired || (forceVeneers && f.kind.supportsVeneer)) {
      this.emitVeneer(f);
    } else {
      f.kind.patch(this.data.subarray(f.offset, f.offset + f.kind.patchSize), f.offset, labelOffset);
    }
  }

  private emitVeneer(f: Fixup<K>): void {
    const kind = f.kind;
    if (!kind.supportsVeneer) {
      throw new MachBufferError(
        'veneer-unsupported',
        `${kind.name} use of label${f.label} needs a veneer, which ${kind.name} does not support`,
        f.offset,
      );
    }
    this.alignTo(kind.align);
    const veneerOffset = this.len;
    kind.patch(this.data.subarray(f.offset, f.offset + kind.patchSize), f.offset, veneerOffset);
    const space = this.getAppendedSpace(kind.veneerSize);
    const v = kind.generateVeneer(space, veneerOffset);
    this.useLabelAtOffset(v.useOffset, f.label, v.kind);
  }

  // ---- Branch simplification -----------------------------------------------

  private truncateLastBranch(): void {
    this.lazilyClearLabelsAtTail();
    const b = this.latestBranches.pop()!;
    // State: [code] b.start: labelsAtThisBranch [branch] tail: labelsAtTail
    const removed = this.pendingFixups.splice(b.fixup);
    for (const f of removed) this.veneerReserve -= veneerCost(f.kind);
    // (The pending deadline may now be conservative: it never grows later.)
    this.len = b.start;
    while (this.srclocs.length > 0) {
      const last = this.srclocs[this.srclocs.length - 1]!;
      if (last.end <= b.start) break;
      if (last.start < b.start) {
        last.end = b.start;
        break;
      }
      this.srclocs.pop();
    }
    if (this.curSrcloc !== undefined && this.curSrcloc.start > b.start) this.curSrcloc.start = b.start;
    this.labelsAtTailOff = b.start;
    for (const l of this.labelsAtTail) this.labelOffsets[l] = b.start;
    for (const l of b.labelsAtThisBranch) this.labelsAtTail.push(l);
    // Post-invariant (LabelsAtTail): labels that were at the old tail now sit
    // at the new tail (offsets rewritten; none was an alias), and the labels
    // at the branch start — complete and precise by (LatestBranches) — are
    // added; by (NoCodeInBranches) no other label lay beyond the new tail.
    // (LatestBranches): the removed entry was the last; the others end at or
    // before b.start, so their label lists are unaffected.
  }

  private optimizeBranches(): void {
    this.lazilyClearLabelsAtTail();
    for (;;) {
      const b = this.latestBranches[this.latestBranches.length - 1];
      if (b === undefined) break;
      const cur = this.len;
      // Code follows the branch: nothing here can be edited any more.
      if (b.end < cur) break;
      if (b.labelsAtThisBranch.length > LABEL_LIST_THRESHOLD) break;

      // (JumpToNext) Preserves execution: a branch to its own fall-through
      // has no effect; next PC is the same either way.
      if (this.resolveLabelOffset(b.target) === cur) {
        this.truncateLastBranch();
        continue;
      }

      if (b.inverted === undefined) {
        // (Threading) Preserves execution: an unconditional branch only sets
        // PC; sending its predecessors straight to its target skips one step.
        // Not when the target resolves to the branch itself: then the branch
        // is an infinite loop and must stay, and aliasing would form a cycle
        // (AcyclicAliases) — every label in the list resolves to b.start.
        if (this.resolveLabelOffset(b.target) === b.start) break;
        if (b.labelsAtThisBranch.length > 0) {
          for (const l of b.labelsAtThisBranch) this.labelAliases[l] = b.target;
          b.labelsAtThisBranch = [];
          // Post-invariant (LatestBranches): the labels became aliases and
          // left the list; aliases stay aliases. They were not in
          // labelsAtTail, since the target is not the tail (checked above).
          continue;
        }

        const prev = this.latestBranches[this.latestBranches.length - 2];
        if (prev !== undefined && prev.end === b.start) {
          // (Unreachable) Preserves execution: control reaches an
          // instruction by falling through or by a branch to a label at its
          // start. The previous branch is unconditional (no fall-through) and
          // the label list is empty and complete, so `b` is dead.
          if (prev.inverted === undefined) {
            this.truncateLastBranch();
            continue;
          }
          // (Invert) `prev: jcc L1; b: jmp L2; L1:` → `jncc L2; L1:`.
          // Preserves execution: before, the condition true goes to L1 (the
          // tail), false to L2; after, the inverted condition true goes to L2,
          // false falls through to L1.
          if (this.resolveLabelOffset(prev.target) === cur) {
            const target = b.target;
            this.truncateLastBranch();
            const original = this.data.slice(prev.start, prev.end);
            this.data.set(prev.inverted, prev.start);
            prev.inverted = original;
            prev.target = target;
            this.pendingFixups[prev.fixup]!.label = target;
            // Post-invariant: the edit keeps the length, so offsets, labels
            // and (LatestBranches) are as `truncateLastBranch` left them; the
            // saved original bytes are the inversion of the new ones.
            continue;
          }
        }
      }
      break;
    }
    // All rules need a branch ending at the tail; drop stale entries.
    const last = this.latestBranches[this.latestBranches.length - 1];
    if (last !== undefined && last.end < this.len) this.latestBranches = [];
    // Post-invariant: dropping entries is always allowed (simplification is optional).
  }

  // ---- Metadata -------------------------------------------------------------

  /** Record a trap at the current offset (the instruction about to be emitted). */
  addTrap(code: TrapCodeNumber): void {
    this.traps.push({ offset: this.len, code });
  }

  /** Record a call site: call this right after emitting the call (offset = return address). */
  addCallSite(): void {
    this.callSites.push({ retAddr: this.len });
  }

  /** Record a relocation at the current offset. */
  addReloc(kind: Reloc, target: RelocTarget, addend: number): void {
    this.addRelocAtOffset(this.len, kind, target, addend);
  }

  /** Record a relocation of the bytes at `offset`. */
  addRelocAtOffset(offset: CodeOffset, kind: Reloc, target: RelocTarget, addend: number): void {
    if (target.kind === 'label') this.checkLabel(target.label);
    this.relocs.push({ offset, kind, target, addend });
  }

  /** Attribute code from here until `endSrcloc` to `loc`. */
  startSrcloc(loc: RelSourceLocNumber): void {
    if (this.curSrcloc !== undefined) throw new MachBufferError('invalid-argument', 'startSrcloc while a source location is open', this.len);
    this.curSrcloc = { start: this.len, loc };
  }

  endSrcloc(): void {
    const cur = this.curSrcloc;
    if (cur === undefined) throw new MachBufferError('invalid-argument', 'endSrcloc without startSrcloc', this.len);
    this.curSrcloc = undefined;
    if (this.len > cur.start) this.srclocs.push({ start: cur.start, end: this.len, loc: cur.loc });
  }

  // ---- Finish ---------------------------------------------------------------

  /**
   * Simplify the trailing branches, emit the final island(s) until no
   * constants, traps or fixups remain, and return the bytes and metadata.
   * The buffer cannot be used afterwards.
   */
  finish(options: { forceVeneers?: boolean } = {}): MachBufferFinalized {
    if (this.finished) throw new MachBufferError('invalid-argument', 'finish called twice');
    this.finished = true;
    if (this.curSrcloc !== undefined) this.endSrcloc();
    // As if one last label were bound at the end.
    this.optimizeBranches();
    while (
      this.pendingFixups.length > 0 ||
      this.fixupHeap.size > 0 ||
      this.pendingConstants.length > 0 ||
      this.pendingTraps.length > 0
    ) {
      // Infinite distance: every fixup is handled; an unknown label is an error.
      this.emitIslandImpl(Infinity, options.forceVeneers ?? false, true);
    }
    const relocs = this.relocs.map((r): MachReloc<FinalizedRelocTarget> => {
      if (r.target.kind === 'name') return { offset: r.offset, kind: r.kind, target: r.target, addend: r.addend };
      const o = this.resolveLabelOffset(r.target.label);
      if (o === UNKNOWN_LABEL_OFFSET) {
        throw new MachBufferError('unbound-label', `relocation targets label${r.target.label}, which is never bound`, r.offset);
      }
      return { offset: r.offset, kind: r.kind, target: { kind: 'offset', offset: o }, addend: r.addend };
    });
    // The buffer is finished, so its lists are handed over, not copied.
    // Source ranges are recorded in emission order; only an island emitted
    // while a range was open can put one out of order.
    const srclocs = this.srclocs;
    for (let k = 1; k < srclocs.length; k++) {
      if (srclocs[k]!.start < srclocs[k - 1]!.start) {
        srclocs.sort((a, b) => a.start - b.start);
        break;
      }
    }
    return {
      data: this.data.slice(0, this.len),
      relocs,
      traps: this.traps,
      callSites: this.callSites,
      srclocs,
    };
  }
}

function veneerCost<K extends LabelUse<K>>(kind: K): number {
  return kind.supportsVeneer ? kind.veneerSize + kind.align - 1 : 0;
}
