/**
 * `validateFunction`: checks that a `RegAllocFunction` and `MachineEnv` keep
 * the contract stated on `RegAllocFunction`. The allocator itself only checks
 * what it must to stay memory-safe and to not loop; this is the full check,
 * run by tests, the fuzzer, and `allocateRegisters` with `validate: true`.
 *
 * Dominance of uses by defs is checked by the allocator's liveness (a vreg
 * live into the entry block is a use not dominated by its def).
 */
import { InstFlags, RegAllocError, type MachineEnv, type RegAllocFunction } from './function.js';
import {
  ConstraintKind,
  MAX_VREGS,
  OperandKind,
  OperandPos,
  formatPReg,
  operand,
  operandConstraint,
  operandData,
  operandKind,
  operandPos,
  operandVReg,
  pregClass,
} from './operand.js';

function fail(msg: string, inst = -1, vreg = -1): never {
  throw new RegAllocError('InvalidInput', msg, inst, vreg);
}

export function validateEnv(env: MachineEnv): void {
  const seen = new Set<number>();
  for (let cls = 0; cls < 2; cls++) {
    const regs = env.regs[cls] ?? [];
    if (regs.length > 64) fail(`class ${cls} has more than 64 allocatable registers`);
    for (const r of regs) {
      if (pregClass(r) !== cls) fail(`register ${formatPReg(r)} listed under class ${cls}`);
      if (seen.has(r)) fail(`register ${formatPReg(r)} listed twice`);
      seen.add(r);
    }
    const s = env.scratch[cls] ?? -1;
    if (s >= 0) {
      if (pregClass(s) !== cls) fail(`scratch ${formatPReg(s)} has the wrong class`);
      if (seen.has(s)) fail(`scratch ${formatPReg(s)} is also allocatable`);
    }
  }
}

export function validateFunction(f: RegAllocFunction, env: MachineEnv): void {
  validateEnv(env);
  const nb = f.numBlocks;
  const ni = f.numInsts;
  if (f.numVRegs > MAX_VREGS) fail(`${f.numVRegs} vregs exceed the limit of ${MAX_VREGS}`);
  if (nb < 1) fail('function has no blocks');
  if (f.entryBlock < 0 || f.entryBlock >= nb) fail(`entry block ${f.entryBlock} out of range`);
  if (f.blockStart.length !== nb + 1 || f.blockStart[0] !== 0 || f.blockStart[nb] !== ni)
    fail('blockStart must have numBlocks+1 entries from 0 to numInsts');
  for (let b = 0; b < nb; b++) {
    if (f.blockStart[b + 1]! <= f.blockStart[b]!) fail(`block ${b} is empty or out of order`);
  }
  if (f.operandStart.length !== ni + 1) fail('operandStart must have numInsts+1 entries');
  if (f.succStart[nb] !== f.succs.length || f.branchArgStart.length !== f.succs.length + 1)
    fail('succStart/branchArgStart do not match succs');

  // Successor/predecessor agreement and critical edges.
  const edgeCount = new Map<number, number>();
  for (let b = 0; b < nb; b++) {
    for (let k = f.succStart[b]!; k < f.succStart[b + 1]!; k++) {
      const s = f.succs[k]!;
      if (s < 0 || s >= nb) fail(`block ${b} has successor ${s} out of range`);
      const key = b * nb + s;
      edgeCount.set(key, (edgeCount.get(key) ?? 0) + 1);
    }
  }
  for (let b = 0; b < nb; b++) {
    for (let k = f.predStart[b]!; k < f.predStart[b + 1]!; k++) {
      const p = f.preds[k]!;
      const key = p * nb + b;
      const c = edgeCount.get(key) ?? 0;
      if (c === 0) fail(`block ${b} lists predecessor ${p}, which does not branch to it`);
      edgeCount.set(key, c - 1);
    }
  }
  for (const [key, c] of edgeCount) {
    if (c !== 0) fail(`edge ${Math.floor(key / nb)} -> ${key % nb} is missing from the predecessor list`);
  }
  for (let b = 0; b < nb; b++) {
    const nsucc = f.succStart[b + 1]! - f.succStart[b]!;
    for (let k = f.succStart[b]!; k < f.succStart[b + 1]!; k++) {
      const s = f.succs[k]!;
      const npred = f.predStart[s + 1]! - f.predStart[s]!;
      if (nsucc > 1 && npred > 1) fail(`critical edge ${b} -> ${s}`);
    }
  }
  if (f.predStart[f.entryBlock + 1]! !== f.predStart[f.entryBlock]!) fail('the entry block has predecessors');
  if (f.paramStart[f.entryBlock + 1]! !== f.paramStart[f.entryBlock]!) fail('the entry block has parameters');

  // SSA: one def per vreg.
  const defined = new Uint8Array(f.numVRegs);
  const define = (v: number, inst: number): void => {
    if (v < 0 || v >= f.numVRegs) fail(`vreg ${v} out of range`, inst);
    if (defined[v]) fail('vreg defined twice', inst, v);
    defined[v] = 1;
  };
  for (let b = 0; b < nb; b++) {
    for (let k = f.paramStart[b]!; k < f.paramStart[b + 1]!; k++) define(f.params[k]!, f.blockStart[b]!);
  }

  // Within its def block, a vreg is used only after its def (dominance across
  // blocks is checked by liveness: an undominated use is live into the entry).
  const defInst = new Int32Array(f.numVRegs).fill(-1);
  const defBlock = new Int32Array(f.numVRegs).fill(-1);
  for (let b = 0; b < nb; b++) {
    for (let k = f.paramStart[b]!; k < f.paramStart[b + 1]!; k++) {
      defBlock[f.params[k]!] = b;
      defInst[f.params[k]!] = f.blockStart[b]! - 1;
    }
    for (let i = f.blockStart[b]!; i < f.blockStart[b + 1]!; i++) {
      for (let k = f.operandStart[i]!; k < f.operandStart[i + 1]!; k++) {
        const op = f.operands[k]!;
        if (operandKind(op) === OperandKind.Def && operandVReg(op) < f.numVRegs) {
          defBlock[operandVReg(op)] = b;
          defInst[operandVReg(op)] = i;
        }
      }
    }
  }
  for (let b = 0; b < nb; b++) {
    for (let i = f.blockStart[b]!; i < f.blockStart[b + 1]!; i++) {
      for (let k = f.operandStart[i]!; k < f.operandStart[i + 1]!; k++) {
        const op = f.operands[k]!;
        const v = operandVReg(op);
        if (operandKind(op) === OperandKind.Use && v < f.numVRegs && defBlock[v] === b && defInst[v]! >= i)
          fail('use before its def in the same block', i, v);
      }
    }
  }

  const scratch = new Set<number>();
  for (const s of env.scratch) if (s >= 0) scratch.add(s);

  for (let b = 0; b < nb; b++) {
    const from = f.blockStart[b]!;
    const to = f.blockStart[b + 1]!;
    const nsucc = f.succStart[b + 1]! - f.succStart[b]!;
    for (let i = from; i < to; i++) {
      const flags = f.instFlags[i]!;
      const isTerm = (flags & (InstFlags.Ret | InstFlags.Branch)) !== 0;
      if (i === to - 1) {
        if (!isTerm) fail(`block ${b} does not end in a branch or return`, i);
        if (flags & InstFlags.Ret && nsucc !== 0) fail(`return ending block ${b} has successors`, i);
        if (flags & InstFlags.Branch && nsucc === 0) fail(`branch ending block ${b} has no successors`, i);
        if (flags & InstFlags.Branch && nsucc === 1 && f.operandStart[i + 1]! > f.operandStart[i]!)
          fail(`single-successor branch ending block ${b} has operands`, i);
      } else if (isTerm) {
        fail(`branch or return in the middle of block ${b}`, i);
      }
      const o0 = f.operandStart[i]!;
      const o1 = f.operandStart[i + 1]!;
      let uses = 0;
      let defs = 0;
      for (let k = o0; k < o1; k++) {
        const op = f.operands[k]!;
        const v = operandVReg(op);
        if (v >= f.numVRegs) fail(`operand ${k - o0} names vreg ${v} out of range`, i);
        const cls = f.vregClass[v]!;
        const c = operandConstraint(op);
        if (c > ConstraintKind.Stack) fail(`operand ${k - o0} has an unknown constraint`, i, v);
        if (operandKind(op) === OperandKind.Def) {
          defs++;
          if (isTerm) fail('branches and returns may not define vregs', i, v);
          define(v, i);
        } else {
          uses++;
          if (c === ConstraintKind.Reuse) fail('a use cannot have a reuse constraint', i, v);
        }
        if (c === ConstraintKind.Fixed) {
          const p = operandData(op);
          if (pregClass(p) !== cls) fail(`fixed register ${formatPReg(p)} has the wrong class`, i, v);
          if (scratch.has(p)) fail(`fixed register ${formatPReg(p)} is the scratch register`, i, v);
        }
        if (c === ConstraintKind.Reuse) {
          const u = operandData(op);
          if (u >= o1 - o0) fail('reuse names an operand out of range', i, v);
          const uop = f.operands[o0 + u]!;
          if (operandKind(uop) !== OperandKind.Use) fail('reuse names an operand that is not a use', i, v);
          const uc = operandConstraint(uop);
          if (uc === ConstraintKind.Stack) fail('reuse of a stack-constrained use', i, v);
          if (f.vregClass[operandVReg(uop)] !== cls) fail('reuse of a use of another class', i, v);
          if (operandPos(uop) !== OperandPos.Early) fail('the reused use must be early', i, v);
          for (let k2 = o0; k2 < o1; k2++) {
            const o2 = f.operands[k2]!;
            if (k2 !== k && operandConstraint(o2) === ConstraintKind.Reuse && operandData(o2) === u)
              fail('two defs reuse the same use', i, v);
          }
        }
      }
      if (flags & InstFlags.Move && (uses !== 1 || defs !== 1)) fail('a move must have one use and one def', i);
      checkFixedConflicts(f, i, o0, o1);
    }
    // Branch arguments.
    for (let k = f.succStart[b]!; k < f.succStart[b + 1]!; k++) {
      const s = f.succs[k]!;
      const np = f.paramStart[s + 1]! - f.paramStart[s]!;
      const na = f.branchArgStart[k + 1]! - f.branchArgStart[k]!;
      if (np !== na) fail(`edge ${b} -> ${s} passes ${na} args to ${np} params`, to - 1);
      for (let j = 0; j < na; j++) {
        const a = f.branchArgs[f.branchArgStart[k]! + j]!;
        const p = f.params[f.paramStart[s]! + j]!;
        if (a < 0 || a >= f.numVRegs) fail(`branch arg ${a} out of range`, to - 1);
        if (f.vregClass[a] !== f.vregClass[p]) fail(`branch arg v${a} and param v${p} differ in class`, to - 1);
      }
    }
  }
}

/**
 * Two operands pinned to one register at overlapping times must be the same
 * value: two uses of one vreg, or a use read early and a def written late.
 * A late use in a clobbered register is impossible (the clobber destroys it).
 */
function checkFixedConflicts(f: RegAllocFunction, i: number, o0: number, o1: number): void {
  const ops: number[] = [];
  for (let k = o0; k < o1; k++) ops.push(effectiveOperand(f.operands, o0, k));
  for (let a = 0; a < ops.length; a++) {
    const oa = ops[a]!;
    if (operandConstraint(oa) !== ConstraintKind.Fixed) continue;
    const pa = operandData(oa);
    const [fa, ta] = fixedSpan(oa);
    for (let b = a + 1; b < ops.length; b++) {
      const ob = ops[b]!;
      if (operandConstraint(ob) !== ConstraintKind.Fixed || operandData(ob) !== pa) continue;
      const [fb, tb] = fixedSpan(ob);
      if (fa < tb && fb < ta) {
        const sameUse =
          operandKind(oa) === OperandKind.Use &&
          operandKind(ob) === OperandKind.Use &&
          operandVReg(oa) === operandVReg(ob);
        if (!sameUse) fail(`two operands need ${formatPReg(pa)} at the same time`, i);
      }
    }
    const ci = f.instClobbers[i]!;
    if (ci >= 0 && f.clobberSets[ci]!.has(pa) && operandKind(oa) === OperandKind.Use && ta > 1)
      fail(`late use fixed to clobbered register ${formatPReg(pa)}`, i);
  }
}

/** A reuse of a fixed(P) use is a late def fixed to P; every other operand is itself. */
export function effectiveOperand(operands: ArrayLike<number>, o0: number, k: number): number {
  const op = operands[k]!;
  if (operandKind(op) === OperandKind.Def && operandConstraint(op) === ConstraintKind.Reuse) {
    const reused = operands[o0 + operandData(op)]!;
    if (operandConstraint(reused) === ConstraintKind.Fixed)
      return operand(operandVReg(op), OperandKind.Def, OperandPos.Late, ConstraintKind.Fixed, operandData(reused));
  }
  return op;
}

/** The sub-instruction span [from, to) (0 = early, 1 = late) an operand holds its register. */
function fixedSpan(op: number): [number, number] {
  const late = operandPos(op) === OperandPos.Late;
  if (operandKind(op) === OperandKind.Use) return late ? [0, 2] : [0, 1];
  return late ? [1, 2] : [0, 2];
}
