import { describe, expect, it } from 'vitest';
import { RegAllocFunctionBuilder } from './builder.js';
import { checkAllocation, formatFunction } from './checker.js';
import { RegAllocError, type MachineEnv, type RegAllocFunction, type RegAllocOutput } from './function.js';
import {
  PRegSet,
  RegClass,
  defAny,
  defFixed,
  defReg,
  defReuse,
  defStack,
  isRegAlloc,
  preg,
  useAny,
  useFixed,
  useReg,
  useStack,
  OperandPos,
} from './operand.js';
import { allocateRegisters } from './regalloc.js';

const I = (n: number): number => preg(RegClass.Int, n);
const F = (n: number): number => preg(RegClass.Float, n);

/** r0..r3 caller-saved, r4..r5 callee-saved; f0..f3 caller-saved; scratch r15/f15. */
function env(scratch = true): MachineEnv {
  return {
    regs: [
      [I(0), I(1), I(2), I(3), I(4), I(5)],
      [F(0), F(1), F(2), F(3)],
    ],
    calleeSaved: PRegSet.of(I(4), I(5)),
    scratch: scratch ? [I(15), F(15)] : [-1, -1],
  };
}
const CALL_CLOBBERS = PRegSet.of(I(0), I(1), I(2), I(3), F(0), F(1), F(2), F(3));

function run(f: RegAllocFunction, e: MachineEnv = env()): RegAllocOutput {
  const out = allocateRegisters(f, e, { validate: true });
  checkAllocation(f, e, out);
  if (process.env.RA_DUMP) console.log(formatFunction(f, out));
  return out;
}

/** Edits placed at program points of instructions in [from, to). */
function editsIn(out: RegAllocOutput, from: number, to: number): number {
  let n = 0;
  for (let k = 0; k < out.numEdits; k++) {
    const inst = out.editPoint[k]! >> 1;
    if (inst >= from && inst < to) n++;
  }
  return n;
}

describe('register allocation', () => {
  it('allocates straight-line code without moves when registers suffice', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const x = b.newVReg(RegClass.Int);
    const y = b.newVReg(RegClass.Int);
    const z = b.newVReg(RegClass.Int);
    b.inst(b0, [defReg(x)]);
    b.inst(b0, [defReg(y)]);
    b.inst(b0, [useReg(x), useReg(y), defReg(z)]);
    b.ret(b0, [useReg(z)]);
    const out = run(b.finish());
    expect(out.numEdits).toBe(0);
    expect(out.numSpillSlots).toBe(0);
    expect(out.calleeSavedUsed.isEmpty()).toBe(true);
  });

  it('coalesces a loop counter through block params and a reuse def: no moves in the loop', () => {
    const b = new RegAllocFunctionBuilder();
    const entry = b.newBlock();
    const header = b.newBlock();
    const latch = b.newBlock();
    const exit = b.newBlock();
    const zero = b.newVReg(RegClass.Int);
    const limit = b.newVReg(RegClass.Int);
    const i = b.newVReg(RegClass.Int);
    const next = b.newVReg(RegClass.Int);
    b.inst(entry, [defReg(zero)]);
    b.inst(entry, [defReg(limit)]);
    b.jump(entry, header, [zero]);
    b.blockParam(header, i);
    b.inst(header, [useReg(i), defReuse(next, 0)]); // next = i + 1
    b.branch(header, [useReg(next), useAny(limit)], [
      [latch, []],
      [exit, []],
    ]);
    b.jump(latch, header, [next]);
    b.ret(exit, [useFixed(next, I(0))]);
    const f = b.finish();
    const out = run(f);
    expect(editsIn(out, f.blockStart[header]!, f.blockStart[exit]!)).toBe(0);
  });

  it('keeps a value live across a call in a callee-saved register', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const x = b.newVReg(RegClass.Int);
    const arg = b.newVReg(RegClass.Int);
    const res = b.newVReg(RegClass.Int);
    const sum = b.newVReg(RegClass.Int);
    b.inst(b0, [defReg(x)]);
    b.inst(b0, [defReg(arg)]);
    b.inst(b0, [useFixed(arg, I(1)), defFixed(res, I(0))], CALL_CLOBBERS);
    b.inst(b0, [useReg(res), useReg(x), defReuse(sum, 0)]);
    b.ret(b0, [useFixed(sum, I(0))]);
    const f = b.finish();
    const out = run(f);
    // x (operand 1 of inst 3) sits in r4 or r5 and was never spilled.
    const xAlloc = out.allocs[f.operandStart[3]! + 1]!;
    expect(xAlloc === I(4) || xAlloc === I(5)).toBe(true);
    expect(out.calleeSavedUsed.has(xAlloc)).toBe(true);
    expect(out.stats.loads + out.stats.stores).toBe(0);
  });

  it('spills around a call when no callee-saved register is left', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const vs = [0, 1, 2].map(() => b.newVReg(RegClass.Int));
    for (const v of vs) b.inst(b0, [defReg(v)]);
    b.inst(b0, [], CALL_CLOBBERS);
    b.inst(b0, vs.map((v) => useReg(v)));
    b.ret(b0);
    const out = run(b.finish());
    expect(out.stats.spilledVRegs).toBe(1);
    expect(out.stats.loads).toBe(1);
  });

  it('places div operands in fixed registers (x86 rax/rdx) and clobbers nothing else', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const lo = b.newVReg(RegClass.Int);
    const hi = b.newVReg(RegClass.Int);
    const d = b.newVReg(RegClass.Int);
    const q = b.newVReg(RegClass.Int);
    const r = b.newVReg(RegClass.Int);
    const keep = b.newVReg(RegClass.Int);
    b.inst(b0, [defReg(keep)]);
    b.inst(b0, [defReg(lo)]);
    b.inst(b0, [defReg(hi)]);
    b.inst(b0, [defReg(d)]);
    // idiv: rdx:rax / d -> rax (quotient), rdx (remainder)
    b.inst(b0, [useFixed(lo, I(0)), useFixed(hi, I(2)), useReg(d), defFixed(q, I(0)), defFixed(r, I(2))]);
    b.inst(b0, [useReg(q), useReg(r), useReg(keep)]);
    b.ret(b0);
    const f = b.finish();
    const out = run(f);
    const o = f.operandStart[4]!;
    expect([...out.allocs.subarray(o, o + 5)]).toEqual([I(0), I(2), out.allocs[o + 2], I(0), I(2)]);
    expect(out.allocs[o + 2]).not.toBe(I(0));
    expect(out.allocs[o + 2]).not.toBe(I(2));
  });

  it('inserts a copy for a reuse def whose input lives on, and none when it dies', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const a = b.newVReg(RegClass.Int);
    const c = b.newVReg(RegClass.Int);
    const d = b.newVReg(RegClass.Int);
    b.inst(b0, [defReg(a)]);
    b.inst(b0, [useReg(a), defReuse(c, 0)]); // a lives on: copy needed
    b.inst(b0, [useReg(c), useAny(a), defReuse(d, 0)]); // c dies: no copy
    b.ret(b0, [useReg(d)]);
    const f = b.finish();
    const out = run(f);
    expect(editsIn(out, 1, 2)).toBe(1);
    expect(editsIn(out, 2, 3)).toBe(0);
    expect(out.allocs[f.operandStart[1]!]).toBe(out.allocs[f.operandStart[1]! + 1]);
  });

  it('resolves swapped block params in a loop (cycle) with and without a scratch register', () => {
    for (const scratch of [true, false]) {
      const b = new RegAllocFunctionBuilder();
      const entry = b.newBlock();
      const header = b.newBlock();
      const latch = b.newBlock();
      const exit = b.newBlock();
      const x0 = b.newVReg(RegClass.Float);
      const y0 = b.newVReg(RegClass.Float);
      const x = b.newVReg(RegClass.Float);
      const y = b.newVReg(RegClass.Float);
      b.inst(entry, [defReg(x0)]);
      b.inst(entry, [defReg(y0)]);
      b.jump(entry, header, [x0, y0]);
      b.blockParam(header, x);
      b.blockParam(header, y);
      b.branch(header, [useReg(x), useReg(y)], [
        [latch, []],
        [exit, []],
      ]);
      b.jump(latch, header, [y, x]);
      b.ret(exit, [useFixed(x, F(0)), useFixed(y, F(1))]);
      run(b.finish(), env(scratch));
    }
  });

  it('honours stack constraints (use and def) and any-operands on the stack', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const a = b.newVReg(RegClass.Int);
    const s = b.newVReg(RegClass.Float);
    const t = b.newVReg(RegClass.Float);
    b.inst(b0, [defReg(a)]);
    b.inst(b0, [useStack(a), defStack(s)]);
    b.inst(b0, [useReg(s), defAny(t)]);
    b.ret(b0, [useStack(t), useReg(a)]);
    const f = b.finish();
    const out = run(f);
    expect(isRegAlloc(out.allocs[f.operandStart[1]!]!)).toBe(false);
    expect(isRegAlloc(out.allocs[f.operandStart[1]! + 1]!)).toBe(false);
    // Float slots are 16 bytes: two units, aligned.
    expect(~out.allocs[f.operandStart[1]! + 1]! % 2).toBe(0);
  });

  /**
   * entry → header ⇄ latch, header → exit: `body(header)` fills the header
   * (values from `before(entry)`), which then branches on a fresh condition;
   * the exit returns `after` (used there). Returns the function and blocks.
   */
  function loopWithPressure(before: (b: RegAllocFunctionBuilder, entry: number) => number, body: (b: RegAllocFunctionBuilder, header: number) => void) {
    const b = new RegAllocFunctionBuilder();
    const entry = b.newBlock();
    const header = b.newBlock();
    const latch = b.newBlock();
    const exit = b.newBlock();
    const after = before(b, entry);
    b.jump(entry, header);
    body(b, header);
    const cond = b.newVReg(RegClass.Int);
    b.inst(header, [defReg(cond)]);
    b.branch(header, [useReg(cond)], [
      [latch, []],
      [exit, []],
    ]);
    b.jump(latch, header);
    b.ret(exit, [useReg(after)]);
    return { f: b.finish(), header, exit };
  }

  /** No edit in [from, to) loads from the stack, and the whole function has `loads` loads. */
  function expectNoLoadsIn(out: RegAllocOutput, from: number, to: number, loads: number): void {
    for (let k = 0; k < out.numEdits; k++) {
      const inst = out.editPoint[k]! >> 1;
      if (inst >= from && inst < to) expect(out.editFrom[k]! >= 0, `edit ${k}`).toBe(true);
    }
    expect(out.stats.loads).toBe(loads);
  }

  it('keeps reloads out of a loop when the value is only used after it', () => {
    // v is live through a loop that needs every register; it is used after the loop.
    const { f, header, exit } = loopWithPressure(
      (b, entry) => {
        const v = b.newVReg(RegClass.Int);
        b.inst(entry, [defReg(v)]);
        return v;
      },
      (b, header) => {
        const tmps = [0, 1, 2, 3, 4, 5].map(() => b.newVReg(RegClass.Int));
        for (const t of tmps) b.inst(header, [defReg(t)]);
        b.inst(header, tmps.map((t) => useReg(t)));
      },
    );
    // No load inside the loop: v's reload happens in the exit block.
    expectNoLoadsIn(run(f), f.blockStart[header]!, f.blockStart[exit]!, 1);
  });

  it('evicts a value the loop never uses before an invariant it needs on the next iteration (LoopAwareEviction)', () => {
    // `outer` is only used after the loop; `inv` at the top of every
    // iteration. The loop body needs all six registers but one at once.
    let inv = -1;
    const { f, header, exit } = loopWithPressure(
      (b, entry) => {
        const outer = b.newVReg(RegClass.Int);
        inv = b.newVReg(RegClass.Int);
        b.inst(entry, [defReg(outer)]);
        b.inst(entry, [defReg(inv)]);
        return outer;
      },
      (b, header) => {
        const t0 = b.newVReg(RegClass.Int);
        b.inst(header, [useReg(inv), defReg(t0)]);
        const tmps = [0, 1, 2, 3].map(() => b.newVReg(RegClass.Int));
        for (const t of tmps) b.inst(header, [defReg(t)]);
        b.inst(header, [useReg(t0), ...tmps.map((t) => useReg(t))]);
      },
    );
    // Nothing is loaded inside the loop; `outer` is reloaded once, after it.
    expectNoLoadsIn(run(f), f.blockStart[header]!, f.blockStart[exit]!, 1);
  });

  it('coalesces a move whose source dies (the lowering then emits nothing)', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const a = b.newVReg(RegClass.Int);
    const c = b.newVReg(RegClass.Int);
    b.inst(b0, [defReg(a)]);
    b.move(b0, [useReg(a), defAny(c)]);
    b.ret(b0, [useReg(c)]);
    const f = b.finish();
    const out = run(f);
    expect(out.allocs[f.operandStart[1]!]).toBe(out.allocs[f.operandStart[1]! + 1]);
    expect(out.numEdits).toBe(0);
  });

  it('tolerates unreachable blocks and an entry block that is not first', () => {
    const b = new RegAllocFunctionBuilder();
    const dead = b.newBlock();
    const entry = b.newBlock();
    const exit = b.newBlock();
    const x = b.newVReg(RegClass.Int);
    const y = b.newVReg(RegClass.Int);
    b.inst(dead, [useReg(x), defReg(y)]);
    b.ret(dead, [useReg(y)]);
    b.inst(entry, [defReg(x)]);
    b.jump(entry, exit);
    b.ret(exit, [useFixed(x, I(0))]);
    const f = b.finish(entry);
    // Not validated (the dead block uses x without a dominating def); still allocatable.
    const out = allocateRegisters(f, env());
    checkAllocation(f, env(), out);
  });

  it('reports callee-saved registers written by fixed defs', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const a = b.newVReg(RegClass.Int);
    b.inst(b0, [defFixed(a, I(5))]);
    b.ret(b0, [useAny(a)]);
    const out = run(b.finish());
    expect(out.calleeSavedUsed.toArray()).toEqual([I(5)]);
  });

  it('rejects an instruction needing more registers than the class has', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const vs = [0, 1, 2, 3, 4].map(() => b.newVReg(RegClass.Float));
    for (const v of vs) b.inst(b0, [defReg(v)]);
    b.inst(b0, vs.map((v) => useReg(v, OperandPos.Late)));
    b.ret(b0);
    expect(() => allocateRegisters(b.finish(), env())).toThrow(RegAllocError);
  });

  it('rejects a critical edge and a use without a def', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const b1 = b.newBlock();
    const b2 = b.newBlock();
    const c = b.newVReg(RegClass.Int);
    b.inst(b0, [defReg(c)]);
    b.branch(b0, [useReg(c)], [
      [b1, []],
      [b2, []],
    ]);
    b.jump(b1, b2);
    b.ret(b2);
    expect(() => allocateRegisters(b.finish(), env(), { validate: true })).toThrow(/critical edge/);

    const u = new RegAllocFunctionBuilder();
    const u0 = u.newBlock();
    const v = u.newVReg(RegClass.Int);
    u.ret(u0, [useReg(v)]);
    expect(() => allocateRegisters(u.finish(), env())).toThrow(/never defined/);
  });
});
