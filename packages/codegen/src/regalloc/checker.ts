/**
 * The allocation checker: an independent proof that an allocator output
 * preserves the program's dataflow.
 *
 * Approach (after regalloc2's checker). Abstract interpretation over the
 * output program — the instructions with their allocations plus the edits.
 * The abstract state maps every location (physical register or spill slot)
 * to the set of vregs whose current value it holds. Transfer functions:
 *
 * - a move edit `to := from` copies the set;
 * - an instruction first checks each use (the vreg is in the set of its
 *   allocation, the allocation satisfies the constraint), then empties its
 *   clobbered registers, then, for each def, removes the vreg from every
 *   location (an older instance of the value, e.g. from a previous loop
 *   iteration, is dead) and sets its allocation to `{vreg}`;
 * - on an edge into a block with parameters, every location holding the
 *   argument `a_j` also holds the parameter `p_j` (simultaneously for all j,
 *   after dropping stale parameter labels).
 *
 * Block entry states are the intersection over incoming edges, iterated to a
 * fixpoint from "unknown" (top). States only shrink, so an error found in an
 * intermediate state is an error in the final one.
 *
 * It also checks the operand rules an instruction relies on: a def shares a
 * location with a use only if the use is early and the def late, or the def
 * reuses that use; two defs never share; early defs conflict with all uses;
 * stack slots are in range and aligned for their class; no move goes stack
 * to stack; edits are sorted and none follows a block terminator; every
 * callee-saved register written is reported in `calleeSavedUsed`.
 */
import { InstFlags, type MachineEnv, type RegAllocFunction, type RegAllocOutput } from './function.js';
import {
  ConstraintKind,
  OperandKind,
  OperandPos,
  formatAllocation,
  formatOperand,
  formatPReg,
  operandConstraint,
  operandData,
  operandKind,
  operandPos,
  operandVReg,
  pregClass,
} from './operand.js';

export class CheckerError extends Error {
  constructor(
    message: string,
    readonly inst: number,
  ) {
    super(`regalloc checker: ${message}${inst >= 0 ? ` (inst ${inst})` : ''}`);
    this.name = 'CheckerError';
  }
}

type LocSet = ReadonlySet<number> | null;
type State = LocSet[];

export function checkAllocation(f: RegAllocFunction, env: MachineEnv, out: RegAllocOutput): void {
  new Checker(f, env, out).run();
}

class Checker {
  private readonly numLocs: number;
  private readonly allocatable = new Set<number>();
  private readonly writable = new Set<number>();
  private readonly editStart: Int32Array; // per ProgPoint: first edit index
  private readonly entry: (State | undefined)[];

  constructor(
    private readonly f: RegAllocFunction,
    private readonly env: MachineEnv,
    private readonly out: RegAllocOutput,
  ) {
    this.numLocs = 128 + out.numSpillSlots;
    for (const regs of env.regs) for (const r of regs) this.allocatable.add(r);
    for (const r of this.allocatable) this.writable.add(r);
    for (const s of env.scratch) if (s >= 0) this.writable.add(s);
    for (let k = 0; k < f.operands.length; k++) {
      const op = f.operands[k]!;
      if (operandConstraint(op) === ConstraintKind.Fixed) this.writable.add(operandData(op));
    }
    const np = 2 * f.numInsts + 1;
    this.editStart = new Int32Array(np + 1);
    let prev = -1;
    for (let e = 0; e < out.numEdits; e++) {
      const p = out.editPoint[e]!;
      if (p < prev) throw new CheckerError(`edits not sorted at edit ${e}`, p >> 1);
      if (p < 0 || p >= np) throw new CheckerError(`edit ${e} at point ${p} out of range`, -1);
      prev = p;
      this.editStart[p + 1]!++;
    }
    for (let p = 0; p < np; p++) this.editStart[p + 1]! += this.editStart[p]!;
    this.entry = new Array(f.numBlocks);
  }

  run(): void {
    const f = this.f;
    this.checkCalleeSaved();
    this.entry[f.entryBlock] = new Array<LocSet>(this.numLocs).fill(null);
    const work: number[] = [f.entryBlock];
    const queued = new Uint8Array(f.numBlocks);
    queued[f.entryBlock] = 1;
    while (work.length > 0) {
      const b = work.shift()!;
      queued[b] = 0;
      const state = this.entry[b]!.slice();
      this.runBlock(b, state);
      for (let e = f.succStart[b]!; e < f.succStart[b + 1]!; e++) {
        const s = f.succs[e]!;
        const edgeState = this.applyEdge(state, b, e, s);
        if (this.meet(s, edgeState) && !queued[s]) {
          queued[s] = 1;
          work.push(s);
        }
      }
    }
  }

  private checkCalleeSaved(): void {
    const { f, env, out } = this;
    const written = (r: number, what: string, inst: number): void => {
      if (r >= 0 && env.calleeSaved.has(r) && !out.calleeSavedUsed.has(r))
        throw new CheckerError(`callee-saved ${formatPReg(r)} written by ${what} but not reported`, inst);
    };
    for (let e = 0; e < out.numEdits; e++) written(out.editTo[e]!, 'an edit', out.editPoint[e]! >> 1);
    for (let i = 0; i < f.numInsts; i++) {
      for (let k = f.operandStart[i]!; k < f.operandStart[i + 1]!; k++) {
        if (operandKind(f.operands[k]!) === OperandKind.Def) written(out.allocs[k]!, 'a def', i);
      }
    }
  }

  private fail(msg: string, inst: number): never {
    throw new CheckerError(msg, inst);
  }

  private locKey(a: number, inst: number): number {
    if (a >= 0) {
      if (a >= 128) this.fail(`allocation ${a} is not a register`, inst);
      return a;
    }
    const s = ~a;
    if (s >= this.out.numSpillSlots) this.fail(`slot ${s} beyond numSpillSlots ${this.out.numSpillSlots}`, inst);
    return 128 + s;
  }

  private applyEdits(point: number, state: State): void {
    const { out } = this;
    const inst = point >> 1;
    for (let e = this.editStart[point]!; e < this.editStart[point + 1]!; e++) {
      const from = out.editFrom[e]!;
      const to = out.editTo[e]!;
      if (from < 0 && to < 0) this.fail(`stack-to-stack move ${formatAllocation(from)} -> ${formatAllocation(to)}`, inst);
      if (from >= 0 && to >= 0 && pregClass(from) !== pregClass(to))
        this.fail(`move between classes ${formatPReg(from)} -> ${formatPReg(to)}`, inst);
      if (to >= 0 && !this.writable.has(to)) this.fail(`edit writes non-allocatable ${formatPReg(to)}`, inst);
      state[this.locKey(to, inst)] = state[this.locKey(from, inst)]!;
    }
  }

  private runBlock(b: number, state: State): void {
    const f = this.f;
    const from = f.blockStart[b]!;
    const to = f.blockStart[b + 1]!;
    for (let i = from; i < to; i++) {
      this.applyEdits(2 * i, state);
      this.checkInst(i, state);
      if (i === to - 1 && this.editStart[2 * i + 2]! > this.editStart[2 * i + 1]!)
        this.fail('edits after a block terminator', i);
      this.applyEdits(2 * i + 1, state);
    }
  }

  private checkInst(i: number, state: State): void {
    const { f, out } = this;
    const o0 = f.operandStart[i]!;
    const o1 = f.operandStart[i + 1]!;
    const allocs = out.allocs;
    // Uses and constraints.
    for (let k = o0; k < o1; k++) {
      const op = f.operands[k]!;
      const v = operandVReg(op);
      const a = allocs[k]!;
      const cls = f.vregClass[v]!;
      const what = `operand ${k - o0} (${formatOperand(op)}) in ${formatAllocation(a)}`;
      if (a >= 0) {
        if (pregClass(a) !== cls) this.fail(`${what}: register of the wrong class`, i);
      } else {
        const s = ~a;
        if (cls === 1 && (s & 1) !== 0) this.fail(`${what}: float slot not 16-byte aligned`, i);
        if (s + (cls === 1 ? 1 : 0) >= out.numSpillSlots) this.fail(`${what}: slot out of range`, i);
      }
      switch (operandConstraint(op)) {
        case ConstraintKind.Reg:
          if (a < 0 || !this.allocatable.has(a)) this.fail(`${what}: needs an allocatable register`, i);
          break;
        case ConstraintKind.Fixed:
          if (a !== operandData(op)) this.fail(`${what}: needs ${formatPReg(operandData(op))}`, i);
          break;
        case ConstraintKind.Stack:
          if (a >= 0) this.fail(`${what}: needs a stack slot`, i);
          break;
        case ConstraintKind.Reuse:
          if (a !== allocs[o0 + operandData(op)]) this.fail(`${what}: not in the reused operand's location`, i);
          if (a < 0) this.fail(`${what}: a reuse def must be in a register`, i);
          break;
      }
      if (operandKind(op) === OperandKind.Use) {
        const set = state[this.locKey(a, i)];
        if (!set || !set.has(v)) {
          this.fail(`${what}: location holds ${set ? `{${[...set].map((x) => 'v' + x).join(',')}}` : 'nothing'}`, i);
        }
      }
    }
    // Sharing rules.
    for (let x = o0; x < o1; x++) {
      const ox = f.operands[x]!;
      if (operandKind(ox) !== OperandKind.Def) continue;
      for (let y = o0; y < o1; y++) {
        if (y === x || allocs[y] !== allocs[x]) continue;
        const oy = f.operands[y]!;
        if (operandKind(oy) === OperandKind.Def) {
          this.fail(`defs ${x - o0} and ${y - o0} share ${formatAllocation(allocs[x]!)}`, i);
        }
        const reuses = operandConstraint(ox) === ConstraintKind.Reuse && operandData(ox) === y - o0;
        const ok = reuses || (operandPos(ox) === OperandPos.Late && operandPos(oy) === OperandPos.Early);
        if (!ok) this.fail(`def ${x - o0} and use ${y - o0} share ${formatAllocation(allocs[x]!)}`, i);
      }
    }
    // Clobbers, then defs.
    const ci = f.instClobbers[i]!;
    if (ci >= 0) for (const r of f.clobberSets[ci]!.toArray()) state[r] = null;
    for (let k = o0; k < o1; k++) {
      const op = f.operands[k]!;
      if (operandKind(op) !== OperandKind.Def) continue;
      const v = operandVReg(op);
      for (let l = 0; l < state.length; l++) {
        const s = state[l];
        if (s && s.has(v)) {
          const n = new Set(s);
          n.delete(v);
          state[l] = n.size > 0 ? n : null;
        }
      }
    }
    for (let k = o0; k < o1; k++) {
      const op = f.operands[k]!;
      if (operandKind(op) !== OperandKind.Def) continue;
      state[this.locKey(allocs[k]!, i)] = new Set([operandVReg(op)]);
    }
  }

  private applyEdge(state: State, _b: number, e: number, s: number): State {
    const f = this.f;
    const p0 = f.paramStart[s]!;
    const np = f.paramStart[s + 1]! - p0;
    if (np === 0) return state.slice();
    const params = new Set<number>();
    for (let j = 0; j < np; j++) params.add(f.params[p0 + j]!);
    const a0 = f.branchArgStart[e]!;
    const result: State = new Array<LocSet>(state.length);
    for (let l = 0; l < state.length; l++) {
      const set = state[l];
      if (!set) {
        result[l] = null;
        continue;
      }
      const n = new Set<number>();
      for (const v of set) if (!params.has(v)) n.add(v);
      for (let j = 0; j < np; j++) if (set.has(f.branchArgs[a0 + j]!)) n.add(f.params[p0 + j]!);
      result[l] = n.size > 0 ? n : null;
    }
    return result;
  }

  /** Intersects `incoming` into the entry state of s; true if it changed. */
  private meet(s: number, incoming: State): boolean {
    const cur = this.entry[s];
    if (!cur) {
      this.entry[s] = incoming;
      return true;
    }
    let changed = false;
    for (let l = 0; l < cur.length; l++) {
      const a = cur[l];
      if (!a) continue;
      const b = incoming[l];
      if (!b) {
        cur[l] = null;
        changed = true;
        continue;
      }
      let shrinks = false;
      for (const v of a) if (!b.has(v)) shrinks = true;
      if (shrinks) {
        const n = new Set<number>();
        for (const v of a) if (b.has(v)) n.add(v);
        cur[l] = n.size > 0 ? n : null;
        changed = true;
      }
    }
    return changed;
  }
}

/** A text dump of a function and (optionally) its allocation, for failing tests and debugging. */
export function formatFunction(f: RegAllocFunction, out?: RegAllocOutput): string {
  const lines: string[] = [];
  let e = 0;
  const editsAt = (p: number): void => {
    if (!out) return;
    while (e < out.numEdits && out.editPoint[e]! < p) e++;
    while (e < out.numEdits && out.editPoint[e] === p) {
      lines.push(`      ${formatAllocation(out.editTo[e]!)} := ${formatAllocation(out.editFrom[e]!)}`);
      e++;
    }
  };
  for (let b = 0; b < f.numBlocks; b++) {
    const params: string[] = [];
    for (let k = f.paramStart[b]!; k < f.paramStart[b + 1]!; k++) params.push(`v${f.params[k]}`);
    const preds: number[] = [];
    for (let k = f.predStart[b]!; k < f.predStart[b + 1]!; k++) preds.push(f.preds[k]!);
    lines.push(`block${b}(${params.join(', ')}):  ; preds ${preds.join(',')}${b === f.entryBlock ? ' (entry)' : ''}`);
    for (let i = f.blockStart[b]!; i < f.blockStart[b + 1]!; i++) {
      editsAt(2 * i);
      const ops: string[] = [];
      for (let k = f.operandStart[i]!; k < f.operandStart[i + 1]!; k++) {
        ops.push(formatOperand(f.operands[k]!) + (out ? ` @${formatAllocation(out.allocs[k]!)}` : ''));
      }
      const flags = f.instFlags[i]!;
      const name = flags & InstFlags.Ret ? 'ret' : flags & InstFlags.Branch ? 'br' : flags & InstFlags.Move ? 'mov' : 'op';
      let tail = '';
      if (flags & InstFlags.Branch) {
        const t: string[] = [];
        for (let k = f.succStart[b]!; k < f.succStart[b + 1]!; k++) {
          const args: string[] = [];
          for (let a = f.branchArgStart[k]!; a < f.branchArgStart[k + 1]!; a++) args.push(`v${f.branchArgs[a]}`);
          t.push(`block${f.succs[k]}(${args.join(', ')})`);
        }
        tail = ' -> ' + t.join(', ');
      }
      const ci = f.instClobbers[i]!;
      const clob = ci >= 0 ? ` clobbers{${f.clobberSets[ci]!.toArray().map(formatPReg).join(',')}}` : '';
      lines.push(`  ${i}: ${name} ${ops.join('; ')}${tail}${clob}`);
      editsAt(2 * i + 1);
    }
  }
  return lines.join('\n');
}
