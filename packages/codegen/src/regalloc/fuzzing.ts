/**
 * Random valid inputs for the allocator: machine environments with few
 * registers, and SSA functions over random CFGs (loops included, critical
 * edges split) with every operand form — any/reg/fixed/reuse/stack, early
 * and late, calls with clobbers, moves, block parameters.
 *
 * Used by the fuzz test (thousands of seeds through the checker) and the
 * throughput benchmark. Deterministic for a seed (own PRNG, no Math.random).
 *
 * Every generated instruction is *feasible*: per class, the registers it
 * needs at its early and late points (register-constrained operands, fixed
 * registers, clobbers) fit in the class. The allocator must then succeed,
 * because everything else can be spilled.
 */
import { RegAllocFunctionBuilder } from './builder.js';
import type { MachineEnv, RegAllocFunction } from './function.js';
import { effectiveOperand } from './validate.js';
import {
  ConstraintKind,
  OperandKind,
  OperandPos,
  PRegSet,
  RegClass,
  operand,
  preg,
  type Operand,
  type PReg,
} from './operand.js';

/** mulberry32: small, fast, good enough for fuzzing. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

/** A machine environment plus the calling convention the generator uses for calls. */
export interface FuzzMachine {
  env: MachineEnv;
  /** Per class: registers for call arguments and results. */
  argRegs: PReg[][];
  retRegs: PReg[][];
  callClobbers: PRegSet;
}

export interface FuzzMachineOptions {
  /** Allocatable registers per class. */
  numRegs: [number, number];
  /** Of which callee-saved (at the end of the preference order). */
  numCalleeSaved: [number, number];
  scratch: boolean;
}

export function makeMachine(o: FuzzMachineOptions): FuzzMachine {
  const regs: PReg[][] = [[], []];
  const calleeSaved = new PRegSet();
  const callClobbers = new PRegSet();
  const scratch: PReg[] = [-1, -1];
  const argRegs: PReg[][] = [[], []];
  const retRegs: PReg[][] = [[], []];
  for (let cls = 0; cls < 2; cls++) {
    const n = o.numRegs[cls]!;
    const ncs = Math.min(o.numCalleeSaved[cls]!, n);
    for (let hw = 0; hw < n; hw++) {
      const r = preg(cls as RegClass, hw);
      regs[cls]!.push(r);
      if (hw >= n - ncs) calleeSaved.add(r);
      else callClobbers.add(r);
    }
    if (o.scratch) {
      scratch[cls] = preg(cls as RegClass, n);
      callClobbers.add(scratch[cls]!);
    }
    const callerSaved = regs[cls]!.filter((r) => !calleeSaved.has(r));
    const pool = callerSaved.length > 0 ? callerSaved : regs[cls]!;
    argRegs[cls] = pool.slice(0, Math.min(2, pool.length));
    retRegs[cls] = pool.slice(0, Math.min(2, pool.length));
  }
  return { env: { regs, calleeSaved, scratch }, argRegs, retRegs, callClobbers };
}

/** A random small machine: 2–4 registers per class, some callee-saved, scratch or not. */
export function randomMachine(rng: Rng): FuzzMachine {
  const n0 = 2 + rng.int(3);
  const n1 = 2 + rng.int(3);
  return makeMachine({
    numRegs: [n0, n1],
    numCalleeSaved: [rng.int(Math.min(3, n0)), rng.int(Math.min(3, n1))],
    scratch: rng.chance(0.5),
  });
}

/** An x86-64-like machine: 15 int registers (5 callee-saved), 16 float (none callee-saved). */
export function x64LikeMachine(): FuzzMachine {
  const m = makeMachine({ numRegs: [14, 15], numCalleeSaved: [5, 0], scratch: true });
  return m;
}

export interface FuzzFunctionOptions {
  /** Blocks before pruning unreachable ones and splitting critical edges. */
  minBlocks?: number;
  maxBlocks: number;
  maxInstsPerBlock: number;
  /** Probability that an instruction is a call. */
  callProb: number;
  /** Probability that the layout is a random permutation rather than reverse postorder. */
  shuffleLayoutProb: number;
  /** How far back (in blocks) a back edge may jump; small values give loop-nest-like CFGs. */
  maxBackEdgeDistance?: number;
  /** Percent of general-instruction uses that are fixed / stack constrained (rest: any, reg). */
  fixedUsePct?: number;
  stackUsePct?: number;
  /** Probability that a general instruction clobbers the caller-saved registers. */
  clobberProb?: number;
  /** Probability that a use picks one of the 6 most recently defined values (locality). */
  localUseProb?: number;
  /** Other uses pick among the last `useWindow` available values (3% of them: any). */
  useWindow?: number;
}

/** Closer to compiled code: few fixed/stack operands, uses near defs, rarer calls. */
export const REALISTIC_FUZZ_OPTIONS: FuzzFunctionOptions = {
  maxBlocks: 12,
  maxInstsPerBlock: 12,
  callProb: 0.03,
  shuffleLayoutProb: 0,
  maxBackEdgeDistance: 4,
  fixedUsePct: 3,
  stackUsePct: 1,
  clobberProb: 0,
  localUseProb: 0.7,
  useWindow: 40,
};

export const DEFAULT_FUZZ_OPTIONS: FuzzFunctionOptions = {
  maxBlocks: 10,
  maxInstsPerBlock: 8,
  callProb: 0.08,
  shuffleLayoutProb: 0.25,
};

interface GenBlock {
  succs: number[];
  kind: 'ret' | 'jump' | 'branch';
}

/** A random CFG: entry 0 has no predecessors, every block reachable, no critical edges. */
function randomCfg(rng: Rng, minBlocks: number, maxBlocks: number, maxBack = Infinity): GenBlock[] {
  const n = minBlocks + rng.int(maxBlocks - minBlocks + 1);
  let blocks: GenBlock[] = [];
  for (let b = 0; b < n; b++) {
    if (n === 1 || b === n - 1 || rng.chance(Math.min(0.12, 4 / n))) {
      blocks.push({ succs: [], kind: 'ret' });
      continue;
    }
    const target = (backProb: number): number => {
      if (rng.chance(backProb)) {
        // A back edge (or to an earlier block), never the entry.
        const lo = Math.max(1, b - maxBack);
        return lo + rng.int(b + 1 - lo);
      }
      return b + 1 + rng.int(Math.min(3, n - 1 - b));
    };
    if (rng.chance(0.5)) {
      blocks.push({ succs: [target(0)], kind: 'jump' });
    } else {
      const k = rng.chance(0.15) ? 3 : 2;
      const succs: number[] = [];
      for (let j = 0; j < k; j++) {
        const t = target(j === 0 ? 0 : 0.4);
        if (!succs.includes(t)) succs.push(t);
      }
      blocks.push({ succs, kind: succs.length === 1 ? 'jump' : 'branch' });
    }
  }
  // Keep blocks reachable from the entry.
  const reach = new Array<boolean>(n).fill(false);
  const stack = [0];
  reach[0] = true;
  while (stack.length > 0) {
    const b = stack.pop()!;
    for (const s of blocks[b]!.succs)
      if (!reach[s]) {
        reach[s] = true;
        stack.push(s);
      }
  }
  const remap = new Array<number>(n).fill(-1);
  const kept: GenBlock[] = [];
  for (let b = 0; b < n; b++)
    if (reach[b]) {
      remap[b] = kept.length;
      kept.push(blocks[b]!);
    }
  for (const b of kept) b.succs = b.succs.map((s) => remap[s]!);
  blocks = kept;
  // Split critical edges.
  const npred = new Array<number>(blocks.length).fill(0);
  for (const b of blocks) for (const s of b.succs) npred[s]!++;
  const orig = blocks.length;
  for (let b = 0; b < orig; b++) {
    const blk = blocks[b]!;
    if (blk.succs.length < 2) continue;
    for (let j = 0; j < blk.succs.length; j++) {
      const s = blk.succs[j]!;
      if (npred[s]! > 1) {
        const x = blocks.length;
        blocks.push({ succs: [s], kind: 'jump' });
        blk.succs[j] = x;
      }
    }
  }
  return blocks;
}

function reversePostorder(blocks: GenBlock[]): number[] {
  const seen = new Array<boolean>(blocks.length).fill(false);
  const post: number[] = [];
  const visit = (b: number): void => {
    seen[b] = true;
    for (const s of blocks[b]!.succs) if (!seen[s]) visit(s);
    post.push(b);
  };
  visit(0);
  return post.reverse();
}

function dominators(blocks: GenBlock[], rpo: number[]): number[] {
  const n = blocks.length;
  const preds: number[][] = blocks.map(() => []);
  blocks.forEach((b, i) => b.succs.forEach((s) => preds[s]!.push(i)));
  const index = new Array<number>(n).fill(-1);
  rpo.forEach((b, i) => (index[b] = i));
  const idom = new Array<number>(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (index[a]! > index[b]!) a = idom[a]!;
      while (index[b]! > index[a]!) b = idom[b]!;
    }
    return a;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const b of rpo) {
      if (b === 0) continue;
      let nd = -1;
      for (const p of preds[b]!) {
        if (idom[p] === -1) continue;
        nd = nd === -1 ? p : intersect(p, nd);
      }
      if (nd !== idom[b]) {
        idom[b] = nd;
        changed = true;
      }
    }
  }
  return idom;
}

interface InstSpec {
  ops: Operand[];
  clobbers: PRegSet | null;
  move: boolean;
}

class FunctionGen {
  private readonly classes: number[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly m: FuzzMachine,
    private readonly o: FuzzFunctionOptions,
  ) {}

  private newVReg(cls: number): number {
    this.classes.push(cls);
    return this.classes.length - 1;
  }

  generate(): RegAllocFunction {
    const rng = this.rng;
    const blocks = randomCfg(rng, this.o.minBlocks ?? 1, this.o.maxBlocks, this.o.maxBackEdgeDistance);
    const rpo = reversePostorder(blocks);
    const idom = dominators(blocks, rpo);
    // Layout: reverse postorder, or a random permutation.
    let layout = rpo.slice();
    if (rng.chance(this.o.shuffleLayoutProb)) {
      for (let i = layout.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [layout[i], layout[j]] = [layout[j]!, layout[i]!];
      }
    }
    const pos = new Array<number>(blocks.length);
    layout.forEach((b, i) => (pos[b] = i));

    const params: number[][] = blocks.map(() => []);
    const insts: InstSpec[][] = blocks.map(() => []);
    const termOps: Operand[][] = blocks.map(() => []);
    const args: number[][][] = blocks.map((b) => b.succs.map(() => []));
    const availEnd: number[][] = new Array(blocks.length);
    for (const b of rpo) {
      if (b !== 0) {
        const np = rng.chance(0.6) ? rng.int(4) : 0;
        for (let j = 0; j < np; j++) params[b]!.push(this.newVReg(rng.int(2)));
      }
    }
    for (const b of rpo) {
      const avail = b === 0 ? [] : [...availEnd[idom[b]!]!];
      avail.push(...params[b]!);
      const ni = rng.int(this.o.maxInstsPerBlock + 1);
      for (let k = 0; k < ni; k++) {
        const spec = this.genInst(avail);
        insts[b]!.push(spec);
        for (const op of spec.ops) if (((op >>> 20) & 1) === OperandKind.Def) avail.push(op & 0xfffff);
      }
      availEnd[b] = avail;
    }
    // Terminators (after all blocks so successors' params are known).
    for (const b of rpo) {
      const blk = blocks[b]!;
      const avail = availEnd[b]!;
      const ensure = (cls: number): number => {
        const window = this.o.useWindow ?? Infinity;
        const cands = avail.slice(Math.max(0, avail.length - window)).filter((v) => this.classes[v] === cls);
        if (cands.length > 0 && !rng.chance(0.1)) return rng.pick(cands);
        const v = this.newVReg(cls);
        insts[b]!.push({ ops: [operand(v, OperandKind.Def, OperandPos.Late, rng.chance(0.5) ? ConstraintKind.Reg : ConstraintKind.Any)], clobbers: null, move: false });
        avail.push(v);
        return v;
      };
      if (blk.kind === 'ret') {
        const nr = rng.int(3);
        const used = new Set<number>();
        for (let j = 0; j < nr; j++) {
          const cls = rng.int(2);
          const v = ensure(cls);
          const rr = this.m.retRegs[cls]!;
          if (rng.chance(0.6) && rr.length > 0) {
            const p = rr[j % rr.length]!;
            if (used.has(p)) continue;
            used.add(p);
            termOps[b]!.push(operand(v, OperandKind.Use, OperandPos.Early, ConstraintKind.Fixed, p));
          } else termOps[b]!.push(operand(v, OperandKind.Use, OperandPos.Early, rng.chance(0.5) ? ConstraintKind.Reg : ConstraintKind.Any));
        }
      } else if (blk.kind === 'branch') {
        const v = ensure(rng.int(2));
        termOps[b]!.push(operand(v, OperandKind.Use, rng.chance(0.8) ? OperandPos.Early : OperandPos.Late, rng.chance(0.5) ? ConstraintKind.Reg : ConstraintKind.Any));
      }
      blk.succs.forEach((s, j) => {
        for (const p of params[s]!) args[b]![j]!.push(ensure(this.classes[p]!));
      });
    }

    const fb = new RegAllocFunctionBuilder();
    for (const c of this.classes) fb.newVReg(c as RegClass);
    for (let i = 0; i < layout.length; i++) fb.newBlock();
    for (const b of layout) {
      const lb = pos[b]!;
      for (const p of params[b]!) fb.blockParam(lb, p);
      for (const spec of insts[b]!) {
        if (spec.move) fb.move(lb, spec.ops);
        else fb.inst(lb, spec.ops, spec.clobbers);
      }
      const blk = blocks[b]!;
      if (blk.kind === 'ret') fb.ret(lb, termOps[b]!);
      else
        fb.branch(
          lb,
          termOps[b]!,
          blk.succs.map((s, j) => [pos[s]!, args[b]![j]!] as const),
        );
    }
    return fb.finish(pos[0]!);
  }

  private genInst(avail: number[]): InstSpec {
    for (let attempt = 0; attempt < 20; attempt++) {
      const spec = this.tryInst(avail);
      if (spec && feasible(spec, this.m, this.classes)) return spec;
    }
    const v = this.newVReg(this.rng.int(2));
    return { ops: [operand(v, OperandKind.Def, OperandPos.Late, ConstraintKind.Any)], clobbers: null, move: false };
  }

  private tryInst(avail: number[]): InstSpec | null {
    const rng = this.rng;
    const local = this.o.localUseProb ?? 0;
    const pickUse = (cls: number): number => {
      if (local > 0 && rng.chance(local)) {
        for (let k = 0, j = avail.length - 1; k < 6 && j >= 0; j--) {
          if (this.classes[avail[j]!] !== cls) continue;
          k++;
          if (rng.chance(0.4)) return avail[j]!;
        }
      }
      // Uses reach back a bounded distance, or (rarely) to the first few
      // values of the function: long-lived values, like a function's locals.
      const window = this.o.useWindow ?? Infinity;
      const longLived = rng.chance(0.03);
      const from = longLived ? 0 : Math.max(0, avail.length - window);
      const to = longLived ? Math.min(avail.length, 12) : avail.length;
      const c: number[] = [];
      for (let j = from; j < to; j++) if (this.classes[avail[j]!] === cls) c.push(avail[j]!);
      return c.length > 0 ? rng.pick(c) : -1;
    };
    const fixedPct = this.o.fixedUsePct ?? 18;
    const stackPct = this.o.stackUsePct ?? 12;
    const anyPct = Math.round((100 - fixedPct - stackPct) * 0.43);
    const r = rng.next() / 4294967296;
    if (r < this.o.callProb) {
      // A call: fixed args, fixed (or any/stack) results, clobbers.
      const ops: Operand[] = [];
      for (let cls = 0; cls < 2; cls++) {
        const ar = this.m.argRegs[cls]!;
        for (let j = 0; j < ar.length; j++) {
          if (!rng.chance(0.6)) continue;
          const v = pickUse(cls);
          if (v >= 0) ops.push(operand(v, OperandKind.Use, OperandPos.Early, ConstraintKind.Fixed, ar[j]!));
        }
        if (rng.chance(0.2)) {
          const v = pickUse(cls);
          if (v >= 0) ops.push(operand(v, OperandKind.Use, OperandPos.Early, rng.chance(0.5) ? ConstraintKind.Stack : ConstraintKind.Any));
        }
      }
      const cls = rng.int(2);
      const rr = this.m.retRegs[cls]!;
      const nret = rng.int(Math.min(2, rr.length) + 1);
      for (let j = 0; j < nret; j++) ops.push(operand(this.newVReg(cls), OperandKind.Def, OperandPos.Late, ConstraintKind.Fixed, rr[j]!));
      if (rng.chance(0.2)) ops.push(operand(this.newVReg(rng.int(2)), OperandKind.Def, OperandPos.Late, rng.chance(0.5) ? ConstraintKind.Any : ConstraintKind.Stack));
      return { ops, clobbers: this.m.callClobbers, move: false };
    }
    if (r < this.o.callProb + 0.1) {
      const cls = rng.int(2);
      const src = pickUse(cls);
      if (src < 0) return null;
      const dst = this.newVReg(cls);
      const srcReg = rng.chance(0.5);
      return {
        ops: [
          operand(src, OperandKind.Use, OperandPos.Early, srcReg ? ConstraintKind.Reg : ConstraintKind.Any),
          operand(dst, OperandKind.Def, OperandPos.Late, srcReg ? ConstraintKind.Any : ConstraintKind.Reg),
        ],
        clobbers: null,
        move: true,
      };
    }
    // A general instruction.
    const ops: Operand[] = [];
    const nUses = rng.int(4);
    const mainCls = rng.int(2);
    for (let j = 0; j < nUses; j++) {
      const cls = rng.chance(0.8) ? mainCls : 1 - mainCls;
      const v = pickUse(cls);
      if (v < 0) continue;
      const pos = rng.chance(0.75) ? OperandPos.Early : OperandPos.Late;
      const x = rng.int(100);
      if (x < anyPct) ops.push(operand(v, OperandKind.Use, pos, ConstraintKind.Any));
      else if (x < 100 - fixedPct - stackPct) ops.push(operand(v, OperandKind.Use, pos, ConstraintKind.Reg));
      else if (x < 100 - stackPct) {
        const regs = this.m.env.regs[cls]!;
        ops.push(operand(v, OperandKind.Use, pos, ConstraintKind.Fixed, rng.pick(regs)));
      } else ops.push(operand(v, OperandKind.Use, pos, ConstraintKind.Stack));
    }
    const nDefs = rng.int(3);
    for (let j = 0; j < nDefs; j++) {
      const x = rng.int(100);
      if (x < 25) {
        // Reuse an early non-stack use of the same class not reused yet.
        const cands: number[] = [];
        ops.forEach((op, idx) => {
          if (
            ((op >>> 20) & 1) === OperandKind.Use &&
            ((op >>> 21) & 1) === OperandPos.Early &&
            ((op >>> 22) & 7) !== ConstraintKind.Stack &&
            !ops.some((o2) => ((o2 >>> 22) & 7) === ConstraintKind.Reuse && o2 >>> 25 === idx)
          )
            cands.push(idx);
        });
        if (cands.length > 0) {
          const idx = rng.pick(cands);
          const cls = this.classes[ops[idx]! & 0xfffff]!;
          ops.push(operand(this.newVReg(cls), OperandKind.Def, OperandPos.Late, ConstraintKind.Reuse, idx));
          continue;
        }
      }
      const cls = rng.chance(0.8) ? mainCls : 1 - mainCls;
      const v = this.newVReg(cls);
      const pos = rng.chance(0.8) ? OperandPos.Late : OperandPos.Early;
      if (x < 100 - fixedPct - stackPct) ops.push(operand(v, OperandKind.Def, pos, x < 60 ? ConstraintKind.Reg : ConstraintKind.Any));
      else if (x < 100 - stackPct) ops.push(operand(v, OperandKind.Def, pos, ConstraintKind.Fixed, rng.pick(this.m.env.regs[cls]!)));
      else ops.push(operand(v, OperandKind.Def, pos, ConstraintKind.Stack));
    }
    return { ops, clobbers: rng.chance(this.o.clobberProb ?? 0.05) ? this.m.callClobbers : null, move: false };
  }
}

/**
 * Whether an instruction can be allocated with the machine's registers, and
 * obeys the operand rules of the contract (see validate.ts).
 */
function feasible(spec: InstSpec, m: FuzzMachine, classes: number[]): boolean {
  const ops = spec.ops.map((_, k) => effectiveOperand(spec.ops, 0, k));
  // Fixed-register conflicts and clobbered late uses.
  for (let a = 0; a < ops.length; a++) {
    const oa = ops[a]!;
    if (((oa >>> 22) & 7) !== ConstraintKind.Fixed) continue;
    const [fa, ta] = span(oa);
    if (spec.clobbers && spec.clobbers.has(oa >>> 25) && ((oa >>> 20) & 1) === OperandKind.Use && ta > 1) return false;
    for (let b = a + 1; b < ops.length; b++) {
      const ob = ops[b]!;
      if (((ob >>> 22) & 7) !== ConstraintKind.Fixed || ob >>> 25 !== oa >>> 25) continue;
      const [fb, tb] = span(ob);
      if (fa < tb && fb < ta) {
        const sameUse =
          ((oa >>> 20) & 1) === OperandKind.Use && ((ob >>> 20) & 1) === OperandKind.Use && (oa & 0xfffff) === (ob & 0xfffff);
        if (!sameUse) return false;
      }
    }
  }
  for (let cls = 0; cls < 2; cls++) {
    const k = m.env.regs[cls]!.length;
    const earlyUses = new Set<number>();
    const lateUses = new Set<number>();
    let earlyDefs = 0;
    let lateDefs = 0;
    const fixedEarly = new Set<number>();
    const fixedLate = new Set<number>();
    for (const op of ops) {
      const v = op & 0xfffff;
      if (classes[v] !== cls) continue;
      const c = (op >>> 22) & 7;
      const isDef = ((op >>> 20) & 1) === OperandKind.Def;
      const late = ((op >>> 21) & 1) === OperandPos.Late;
      if (c === ConstraintKind.Fixed) {
        const p = op >>> 25;
        const [f, t] = span(op);
        if (f === 0) fixedEarly.add(p);
        if (t === 2) fixedLate.add(p);
        continue;
      }
      if (isDef) {
        if (c === ConstraintKind.Reuse) {
          earlyDefs++;
          lateDefs++;
        } else if (c === ConstraintKind.Reg) {
          if (late) lateDefs++;
          else {
            earlyDefs++;
            lateDefs++;
          }
        }
      } else if (c === ConstraintKind.Reg) {
        // A register use occupies its register through the late point if the
        // value lives on (which the generator does not know): count it in both.
        lateUses.add(v);
        earlyUses.add(v);
      } else if (isReused(ops, op)) earlyUses.add(v);
    }
    const clob = new Set<number>(fixedLate);
    if (spec.clobbers) for (const r of m.env.regs[cls]!) if (spec.clobbers.has(r)) clob.add(r);
    const blockedSomewhere = new Set<number>([...clob, ...fixedEarly]);
    if (earlyUses.size + earlyDefs + fixedEarly.size > k) return false;
    if (lateUses.size + lateDefs + clob.size > k) return false;
    // Values in a register through the whole instruction need one blocked at neither point.
    if (lateUses.size + earlyDefs + blockedSomewhere.size > k) return false;
  }
  return true;
}

function isReused(ops: Operand[], op: Operand): boolean {
  const idx = ops.indexOf(op);
  return ops.some((o) => ((o >>> 22) & 7) === ConstraintKind.Reuse && o >>> 25 === idx);
}

function span(op: Operand): [number, number] {
  const late = ((op >>> 21) & 1) === OperandPos.Late;
  if (((op >>> 20) & 1) === OperandKind.Use) return late ? [0, 2] : [0, 1];
  return late ? [1, 2] : [0, 2];
}

export function randomFunction(rng: Rng, m: FuzzMachine, o: FuzzFunctionOptions = DEFAULT_FUZZ_OPTIONS): RegAllocFunction {
  return new FunctionGen(rng, m, o).generate();
}
