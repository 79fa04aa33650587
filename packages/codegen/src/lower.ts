/**
 * The lowering driver: IR function in, VCode out. Machine-independent; the
 * per-opcode rules live in the backend (`LowerBackend`).
 *
 * # The problem
 *
 * Each IR instruction must become one or more machine instructions, but the
 * best machine code often covers *several* IR instructions at once: an
 * `icmp` feeding a `brif` is one `cmp` + `jcc` (no boolean in a register), an
 * `iconst` feeding an `iadd` is an immediate operand, a `load` feeding an
 * `iadd` is a memory operand. A rule for the user must be able to look at its
 * operands' definitions, decide to merge them, and the merged definition must
 * then not be emitted on its own — unless something else still needs it.
 *
 * # The approach (Cranelift's `machinst/lower.rs`)
 *
 * 1. **Block order** (`computeBlockOrder`): reverse postorder of the
 *    reachable IR blocks; every critical edge (from a block with several
 *    successors to one with several predecessors) gets an *edge block*
 *    holding one jump, placed right after its source. Block 0 is the entry.
 * 2. **Use counts and colors**: one forward pass counts the uses of every
 *    value, marks values used outside their defining block as *needed*, and
 *    gives every instruction a *color*: the number of side-effecting
 *    instructions before it in its block. A load may only be merged into a
 *    user of the same color-after-the-load, i.e. with no store, call, trap or
 *    other load between them.
 * 3. **Backwards lowering**: the instructions of a block are lowered last to
 *    first, so every use is seen before its definition. A backend rule calls
 *    `put(v)` for each operand it needs in a register, which marks `v`
 *    *needed*; a rule that merges a definition instead (`sinkLoad`, reading
 *    an `iconst`, re-emitting an `icmp` as flags) does not. When the driver
 *    reaches an instruction that is *pure* and none of whose results is
 *    needed, it skips it — the merge made it dead. Side-effecting
 *    instructions are always lowered, except loads a user has sunk.
 * 4. Each IR instruction's machine instructions are emitted in forward order
 *    into a group; groups are reversed at the end of the block, and the
 *    function-argument pseudo-instruction goes first in the entry block.
 *
 * Invariants:
 *
 * * (DefBeforeSkip) an instruction is skipped only if it is pure and no
 *   result was `put` by a user lowered before it (later in the block), and
 *   no result is used in another block or as a block argument.
 * * (SinkOnce) a sunk load has exactly one use, in the same block, with no
 *   side effect between it and the user; it is then never lowered on its own.
 * * (OneVRegPerValue) every IR value (after alias resolution) maps to one
 *   vreg, created on first request by its user or its definition.
 */
import {
  type Block,
  type DataFlowGraph,
  type FunctionStencil,
  type Inst,
  type Layout,
  Opcode,
  OpFlag,
  OPCODE_INFO,
  type Type,
  type Value,
  opcodeName,
  typeName,
} from '@derrick/codegen-ir';
import { CodegenError } from './codegen-error.js';
import type { RegClass } from './regalloc/index.js';
import { type VCode, VCodeBuilder, type MachInstAdapter } from './vcode.js';
import { scratchI32, scratchU8 } from './scratch.js';

/** What the driver needs from a backend. */
export interface LowerBackend<I> {
  readonly adapter: MachInstAdapter<I>;
  /** The register class a value of `type` lives in; throws `unsupported` for types the backend lacks. */
  regClassOf(type: Type): RegClass;
  /** Called once before any block is lowered. */
  startFunction(ctx: Lower<I>): void;
  /** Lower one non-terminator instruction (emit through `ctx.emit`). */
  lowerInst(ctx: Lower<I>, inst: Inst): void;
  /**
   * Lower a terminator. `targets[k]` is the VCode block of the k-th entry of
   * `dfg.branchDestinations(inst)` (an edge block when the edge was split).
   */
  lowerBranch(ctx: Lower<I>, inst: Inst, targets: readonly number[]): void;
  /** Emit the pseudo-instruction that defines the function's parameters (`ctx.def` of each). */
  lowerArgs(ctx: Lower<I>, params: readonly Value[]): void;
  /** An unconditional jump to VCode block `target` (for edge blocks). */
  genJump(target: number): I;
}

/** One block of the lowered order: an IR block, or an edge block on a split critical edge. */
export interface LoweredBlock {
  /** The IR block, or -1 for an edge block. */
  readonly irBlock: Block;
  /** Edge block: the IR block it jumps to, and the block call (target + args) it carries. */
  readonly edgeTarget: Block;
  readonly edgeCall: number;
}

export interface BlockOrder {
  readonly blocks: readonly LoweredBlock[];
  /** VCode block of each IR block (-1 if unreachable). */
  readonly irToLowered: Int32Array;
  /**
   * Per IR block `b`, its terminator's destinations in `branchDestinations`
   * order are edges `succStart[b] .. succStart[b + 1]` (none for an
   * unreachable block or one without a terminator yet).
   */
  readonly succStart: Int32Array;
  /** Per edge: the VCode block it goes to (an edge block where the edge was split). */
  readonly succTarget: Int32Array;
  /** Per edge: 1 when it was split (its args travel on the edge block). */
  readonly succIsSplit: Uint8Array;
  /** `succTarget` as a map by IR block (reachable blocks only; built on first use). */
  readonly succTargets: ReadonlyMap<Block, readonly number[]>;
  /** `succIsSplit` as a map by IR block (reachable blocks only; built on first use). */
  readonly succSplit: ReadonlyMap<Block, readonly boolean[]>;
}

/**
 * Reverse postorder with critical edges split (step 1 of the module comment).
 * Typed arrays throughout: it runs once per function, and its maps and
 * per-block arrays were a visible share of lowering's allocation.
 */
export function computeBlockOrder(stencil: FunctionStencil): BlockOrder {
  const dfg = stencil.dfg;
  const layout = stencil.layout;
  const entry = layout.entryBlock();
  const nb = dfg.numBlocks;

  // Destinations of every block in the layout (CSR by IR block).
  const succStart = scratchI32(nb + 1);
  for (let b = layout.entryBlock(); b >= 0; b = layout.nextBlock(b)) {
    const last = layout.lastInst(b);
    succStart[b + 1] = last < 0 ? 0 : dfg.numBranchDestinations(last);
  }
  for (let b = 0; b < nb; b++) succStart[b + 1]! += succStart[b]!;
  const numEdges = succStart[nb]!;
  const succCall = scratchI32(numEdges);
  const succBlock = scratchI32(numEdges);
  for (let b = layout.entryBlock(); b >= 0; b = layout.nextBlock(b)) {
    const e0 = succStart[b]!;
    const n = succStart[b + 1]! - e0;
    if (n === 0) continue;
    const last = layout.lastInst(b);
    for (let k = 0; k < n; k++) {
      const bc = dfg.branchDestination(last, k);
      succCall[e0 + k] = bc;
      succBlock[e0 + k] = dfg.blockCallBlock(bc);
    }
  }

  // Iterative DFS for postorder.
  const visited = scratchU8(nb);
  const post = scratchI32(nb);
  let numPost = 0;
  const stack: number[] = [entry, 0];
  visited[entry] = 1;
  while (stack.length > 0) {
    const k = stack.pop()!;
    const b = stack.pop()!;
    const e0 = succStart[b]!;
    const n = succStart[b + 1]! - e0;
    if (k < n) {
      stack.push(b, k + 1);
      // Successors in reverse: the first one finishes last, so it comes
      // first in reverse postorder (a brif's taken block follows it).
      const s = succBlock[e0 + n - 1 - k]!;
      if (!visited[s]) {
        visited[s] = 1;
        stack.push(s, 0);
      }
    } else {
      post[numPost++] = b;
    }
  }

  // Predecessor edge counts (reachable sources only, with multiplicity).
  const predCount = scratchI32(nb);
  for (let j = 0; j < numPost; j++) {
    const b = post[j]!;
    for (let e = succStart[b]!; e < succStart[b + 1]!; e++) predCount[succBlock[e]!]!++;
  }

  const blocks: LoweredBlock[] = [];
  const irToLowered = scratchI32(nb).fill(-1);
  const succTarget = scratchI32(numEdges);
  const succIsSplit = scratchU8(numEdges);
  for (let j = numPost - 1; j >= 0; j--) {
    const b = post[j]!;
    irToLowered[b] = blocks.length;
    blocks.push({ irBlock: b, edgeTarget: -1, edgeCall: -1 });
    const e0 = succStart[b]!;
    const n = succStart[b + 1]! - e0;
    for (let e = e0; e < e0 + n; e++) {
      const t = succBlock[e]!;
      if (n > 1 && predCount[t]! > 1) {
        succIsSplit[e] = 1;
        succTarget[e] = blocks.length; // the edge block, right here
        blocks.push({ irBlock: -1, edgeTarget: t, edgeCall: succCall[e]! });
      }
    }
  }
  for (let j = 0; j < numPost; j++) {
    const b = post[j]!;
    for (let e = succStart[b]!; e < succStart[b + 1]!; e++) if (!succIsSplit[e]) succTarget[e] = irToLowered[succBlock[e]!]!;
  }

  let targetsMap: Map<Block, number[]> | undefined;
  let splitMap: Map<Block, boolean[]> | undefined;
  const reachable = (): Int32Array => post.subarray(0, numPost);
  return {
    blocks,
    irToLowered,
    succStart,
    succTarget,
    succIsSplit,
    get succTargets(): ReadonlyMap<Block, readonly number[]> {
      if (targetsMap === undefined) {
        targetsMap = new Map();
        for (const b of reachable()) targetsMap.set(b, Array.from(succTarget.subarray(succStart[b]!, succStart[b + 1]!)));
      }
      return targetsMap;
    },
    get succSplit(): ReadonlyMap<Block, readonly boolean[]> {
      if (splitMap === undefined) {
        splitMap = new Map();
        for (const b of reachable()) splitMap.set(b, Array.from(succIsSplit.subarray(succStart[b]!, succStart[b + 1]!), (x) => x === 1));
      }
      return splitMap;
    },
  };
}

/** Per opcode: 1 if it bumps the side-effect color (see the module comment). */
const BUMPS_COLOR: Uint8Array = Uint8Array.from(OPCODE_INFO, (info) =>
  (info.flags & (OpFlag.SideEffects | OpFlag.CanStore | OpFlag.CanLoad | OpFlag.CanTrap | OpFlag.Call)) !== 0 ? 1 : 0,
);
/** Per opcode: 0 = never pure, 1 = pure, 2 = pure when its memory access cannot trap (loads). */
const PURITY: Uint8Array = Uint8Array.from(OPCODE_INFO, (info) => {
  const f = info.flags;
  if ((f & (OpFlag.SideEffects | OpFlag.CanStore | OpFlag.Call | OpFlag.Terminator)) !== 0) return 0;
  if ((f & OpFlag.CanTrap) !== 0) return (f & OpFlag.CanLoad) !== 0 ? 2 : 0;
  return 1;
});
/** The arguments of a split edge: they travel on its edge block. */
const NO_ARGS: number[] = [];
const IS_TERMINATOR: Uint8Array = Uint8Array.from(OPCODE_INFO, (info) => ((info.flags & OpFlag.Terminator) !== 0 ? 1 : 0));

/**
 * The lowering context a backend's rules work with: value → vreg mapping,
 * operand queries (constants, single uses, sinkable loads) and the emission
 * buffer of the current IR instruction.
 */
export class Lower<I> {
  readonly dfg: DataFlowGraph;
  readonly layout: Layout;
  readonly vcode: VCodeBuilder<I>;
  readonly order: BlockOrder;

  private valueVReg: Int32Array;
  /** Uses of each value (instruction args + block-call args), aliases resolved. */
  private useCount: Int32Array;
  /** 1 when the value must be materialized (a lowered user `put` it, or it crosses blocks). */
  private needed: Uint8Array;
  /** Color of each instruction (side-effecting instructions before it in its block). */
  private color: Int32Array;
  private sunk: Uint8Array;
  private instBlock: Int32Array;

  // Emission buffer of the current block, in groups (one per IR instruction,
  // produced last-to-first). Counted rather than truncated: `length = 0`
  // frees an array's storage, so every block re-grew all three.
  private tmpInsts: I[] = [];
  private tmpLocs: number[] = [];
  private numTmp = 0;
  private groupEnds: number[] = [];
  private numGroups = 0;
  private curLoc = 0xffff_ffff;
  private curInst: Inst = -1;

  constructor(
    readonly stencil: FunctionStencil,
    readonly backend: LowerBackend<I>,
  ) {
    this.dfg = stencil.dfg;
    this.layout = stencil.layout;
    this.vcode = new VCodeBuilder<I>(backend.adapter);
    this.order = computeBlockOrder(stencil);
    const nv = this.dfg.numValues;
    const ni = this.dfg.numInsts;
    this.valueVReg = scratchI32(nv).fill(-1);
    this.useCount = scratchI32(nv);
    this.needed = scratchU8(nv);
    this.color = scratchI32(ni);
    this.sunk = scratchU8(ni);
    this.instBlock = scratchI32(ni).fill(-1);
    this.analyze();
  }

  /** Step 2: use counts, cross-block needs, colors. */
  private analyze(): void {
    const dfg = this.dfg;
    const layout = this.layout;
    const defBlock = (v: Value): Block => {
      const i = dfg.valueInst(v);
      if (i >= 0) return this.instBlock[i]!;
      return dfg.valueParamBlock(v);
    };
    // Instruction → block first (definitions may follow uses in layout order).
    for (const lb of this.order.blocks) {
      if (lb.irBlock < 0) continue;
      for (let i = layout.firstInst(lb.irBlock); i >= 0; i = layout.nextInst(i)) this.instBlock[i] = lb.irBlock;
    }
    for (const lb of this.order.blocks) {
      const b = lb.irBlock;
      if (b < 0) continue;
      let color = 0;
      for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) {
        this.color[i] = color;
        const n = dfg.numArgs(i);
        for (let k = 0; k < n; k++) {
          const v = dfg.resolveAliases(dfg.arg(i, k));
          this.useCount[v]!++;
          if (defBlock(v) !== b) this.needed[v] = 1;
        }
        const op = dfg.opcode(i);
        if (IS_TERMINATOR[op]) {
          for (const bc of dfg.branchDestinations(i)) {
            const m = dfg.blockCallNumArgs(bc);
            for (let k = 0; k < m; k++) {
              const v = dfg.resolveAliases(dfg.blockCallArg(bc, k));
              this.useCount[v]!++;
              this.needed[v] = 1;
            }
          }
        }
        color += BUMPS_COLOR[op]!;
      }
    }
  }

  // ---- Values --------------------------------------------------------------

  /** The vreg of `v`, created on first request (OneVRegPerValue). */
  vregOf(v: Value): number {
    const r = this.dfg.resolveAliases(v);
    let vr = this.valueVReg[r]!;
    if (vr < 0) {
      vr = this.vcode.newVReg(this.backend.regClassOf(this.dfg.typeOf(r)));
      this.valueVReg[r] = vr;
    }
    return vr;
  }

  /** `v` in a register: its vreg, and `v` is now needed (its definition will be lowered). */
  put(v: Value): number {
    const r = this.dfg.resolveAliases(v);
    this.needed[r] = 1;
    return this.vregOf(r);
  }

  /** The vreg a definition writes `v` to. */
  def(v: Value): number {
    return this.vregOf(v);
  }

  /** A fresh temporary vreg. */
  tmp(cls: RegClass): number {
    return this.vcode.newVReg(cls);
  }

  typeOf(v: Value): Type {
    return this.dfg.typeOf(v);
  }

  /** The instruction defining `v` (after aliases), or -1 for a block parameter. */
  defInst(v: Value): Inst {
    return this.dfg.valueInst(v);
  }

  /** Number of uses of `v` in reachable code. */
  uses(v: Value): number {
    return this.useCount[this.dfg.resolveAliases(v)]!;
  }

  /** If `v` is an `iconst`, its value (masked to its type, as stored), else undefined. */
  constValue(v: Value): bigint | undefined {
    const i = this.dfg.valueInst(v);
    if (i < 0 || this.dfg.opcode(i) !== Opcode.Iconst) return undefined;
    return this.dfg.immBits(i);
  }

  /**
   * If `v` is defined by an instruction with opcode `op` — pure, so it can be
   * recomputed at the user — return that instruction, else -1. Merging it
   * does not mark `v` needed.
   */
  pureDefOf(v: Value, op: Opcode): Inst {
    const i = this.dfg.valueInst(v);
    return i >= 0 && this.dfg.opcode(i) === op ? i : -1;
  }

  /**
   * The instruction defining `v` if it is an `op` in the block being
   * lowered, else -1 (MergeLocal). A backend merges a definition into its
   * user (an address into an access, a compare into a branch, a shift into
   * an `lea`) only through this: blocks are lowered one after another, each
   * walked backwards, so a definition from another block may already have
   * been lowered with its own operands merged away — a merge from here would
   * then use values that are never defined.
   */
  localDefOf(v: Value, op: Opcode): Inst {
    const i = this.pureDefOf(v, op);
    return i >= 0 && this.curInst >= 0 && this.instBlock[i] === this.instBlock[this.curInst] ? i : -1;
  }

  /**
   * If `v` is the single-use result of a load in the same block as `user`
   * with no side effect in between, mark the load sunk and return it; the
   * caller then emits the access as a memory operand (SinkOnce). Else -1.
   */
  sinkLoad(v: Value, user: Inst): Inst {
    const r = this.dfg.resolveAliases(v);
    const i = this.dfg.valueInst(r);
    if (i < 0 || this.sunk[i] || this.needed[r]) return -1;
    if ((OPCODE_INFO[this.dfg.opcode(i)]!.flags & OpFlag.CanLoad) === 0 || this.dfg.opcode(i) === Opcode.Call || this.dfg.opcode(i) === Opcode.CallIndirect)
      return -1;
    if (this.useCount[r] !== 1 || this.instBlock[i] !== this.instBlock[user]) return -1;
    // Color after the load must equal the color before the user.
    if (this.color[i]! + 1 !== this.color[user]) return -1;
    this.sunk[i] = 1;
    return i;
  }

  // ---- Emission --------------------------------------------------------------

  /** Append a machine instruction to the current IR instruction's group. */
  emit(inst: I): void {
    this.tmpInsts[this.numTmp] = inst;
    this.tmpLocs[this.numTmp++] = this.curLoc;
  }

  /** The IR instruction being lowered. */
  get currentInst(): Inst {
    return this.curInst;
  }

  private endGroup(): void {
    this.groupEnds[this.numGroups++] = this.numTmp;
  }

  private flushBlock(): void {
    // Groups were produced last-to-first; emit them first-to-last.
    const ends = this.groupEnds;
    const insts = this.tmpInsts;
    for (let g = this.numGroups - 1; g >= 0; g--) {
      const start = g === 0 ? 0 : ends[g - 1]!;
      for (let k = start; k < ends[g]!; k++) this.vcode.push(insts[k]!, this.tmpLocs[k]!);
    }
    this.numTmp = 0;
    this.numGroups = 0;
  }

  private isPure(i: Inst): boolean {
    const p = PURITY[this.dfg.opcode(i)]!;
    // A load that cannot trap may be dropped when unused.
    return p === 1 || (p === 2 && this.dfg.memFlags(i).notrap);
  }

  private anyResultNeeded(i: Inst): boolean {
    const n = this.dfg.numResults(i);
    for (let k = 0; k < n; k++) if (this.needed[this.dfg.result(i, k)]) return true;
    return false;
  }

  /** Run steps 3–4 over every block; returns the finished VCode. */
  run(): VCode<I> {
    const dfg = this.dfg;
    const layout = this.layout;
    this.backend.startFunction(this);
    const entryIr = layout.entryBlock();
    for (const lb of this.order.blocks) {
      this.vcode.beginBlock();
      if (lb.irBlock < 0) {
        // Edge block: a jump carrying the original block call's arguments.
        this.curLoc = 0xffff_ffff;
        const target = this.order.irToLowered[lb.edgeTarget]!;
        this.vcode.push(this.backend.genJump(target), this.curLoc);
        this.vcode.endBlock([target], [this.blockCallArgVRegs(lb.edgeCall)]);
        continue;
      }
      const b = lb.irBlock;
      if (b !== entryIr) {
        const np = dfg.numBlockParams(b);
        for (let k = 0; k < np; k++) this.vcode.addBlockParam(this.vregOf(dfg.blockParam(b, k)));
      }
      const order = this.order;
      const e0 = order.succStart[b]!;
      const e1 = order.succStart[b + 1]!;
      const targets: number[] = [];
      for (let e = e0; e < e1; e++) targets.push(order.succTarget[e]!);
      for (let i = layout.lastInst(b); i >= 0; i = layout.prevInst(i)) {
        this.curInst = i;
        this.curLoc = this.stencil.relSrcLoc(i);
        if (IS_TERMINATOR[dfg.opcode(i)]) {
          this.backend.lowerBranch(this, i, targets);
        } else if (this.sunk[i]) {
          // (SinkOnce) lowered as part of its user.
        } else if (this.isPure(i) && !this.anyResultNeeded(i)) {
          // (DefBeforeSkip) dead, or every use merged it.
        } else {
          this.backend.lowerInst(this, i);
        }
        this.endGroup();
      }
      if (b === entryIr) {
        this.curInst = -1;
        this.curLoc = 0xffff_ffff;
        this.backend.lowerArgs(this, dfg.blockParams(b));
        this.endGroup();
      }
      this.flushBlock();
      const last = layout.lastInst(b);
      const args: number[][] = [];
      for (let e = e0; e < e1; e++) args.push(order.succIsSplit[e] ? NO_ARGS : this.blockCallArgVRegs(dfg.branchDestination(last, e - e0)));
      this.vcode.endBlock(targets, args);
    }
    return this.vcode.finish();
  }

  private blockCallArgVRegs(bc: number): number[] {
    const n = this.dfg.blockCallNumArgs(bc);
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(this.put(this.dfg.blockCallArg(bc, k)));
    return out;
  }

  /** An `unsupported` error naming the current instruction. */
  unsupported(what: string, inst: Inst = this.curInst): CodegenError {
    const op = inst >= 0 ? opcodeName(this.dfg.opcode(inst)) : '?';
    const ty = inst >= 0 ? typeName(this.dfg.ctrlType(inst)) : '';
    return new CodegenError('unsupported', `${what} (${op}${ty ? '.' + ty : ''})`, inst);
  }
}

/** Lower `stencil` with `backend`. */
export function lowerFunction<I>(stencil: FunctionStencil, backend: LowerBackend<I>): { vcode: VCode<I>; lower: Lower<I> } {
  const lower = new Lower(stencil, backend);
  const vcode = lower.run();
  return { vcode, lower };
}
