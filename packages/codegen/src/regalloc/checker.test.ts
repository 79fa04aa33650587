import { describe, expect, it } from 'vitest';
import { RegAllocFunctionBuilder } from './builder.js';
import { CheckerError, checkAllocation } from './checker.js';
import type { MachineEnv, RegAllocFunction, RegAllocOutput } from './function.js';
import { DEFAULT_FUZZ_OPTIONS, Rng, randomFunction, randomMachine } from './fuzzing.js';
import { PRegSet, RegClass, before, defReg, preg, useFixed, useReg, OperandPos } from './operand.js';
import { RegisterAllocator } from './regalloc.js';

const I = (n: number): number => preg(RegClass.Int, n);
const ENV: MachineEnv = {
  regs: [[I(0), I(1), I(2), I(3)], []],
  calleeSaved: PRegSet.of(I(3)),
  scratch: [I(15), -1],
};

/** A hand-made output: allocations per operand, edits as [point, from, to]. */
function output(allocs: number[], edits: [number, number, number][] = [], slots = 0, calleeSaved: number[] = []): RegAllocOutput {
  return {
    allocs: Int32Array.from(allocs),
    numEdits: edits.length,
    editPoint: Int32Array.from(edits.map((e) => e[0])),
    editFrom: Int32Array.from(edits.map((e) => e[1])),
    editTo: Int32Array.from(edits.map((e) => e[2])),
    numSpillSlots: slots,
    calleeSavedUsed: PRegSet.of(...calleeSaved),
    stats: { splits: 0, spilledVRegs: 0, regMoves: 0, loads: 0, stores: 0, edgeMoves: 0 },
  };
}

/** v0 = def; call clobbering r0..r2; use v0. */
function callFunction(): RegAllocFunction {
  const b = new RegAllocFunctionBuilder();
  const b0 = b.newBlock();
  const v0 = b.newVReg(RegClass.Int);
  b.inst(b0, [defReg(v0)]);
  b.inst(b0, [], PRegSet.of(I(0), I(1), I(2)));
  b.inst(b0, [useReg(v0)]);
  b.ret(b0);
  return b.finish();
}

/** block0: v0 = def; jump block1(v0). block1(v1): use v1; ret. */
function paramFunction(): RegAllocFunction {
  const b = new RegAllocFunctionBuilder();
  const b0 = b.newBlock();
  const b1 = b.newBlock();
  const v0 = b.newVReg(RegClass.Int);
  const v1 = b.newVReg(RegClass.Int);
  b.inst(b0, [defReg(v0)]);
  b.jump(b0, b1, [v0]);
  b.blockParam(b1, v1);
  b.ret(b1, [useReg(v1)]);
  return b.finish();
}

describe('allocation checker', () => {
  it('accepts a correct hand-made allocation', () => {
    checkAllocation(callFunction(), ENV, output([I(3), I(3)], [], 0, [I(3)]));
  });

  it('catches a value assumed to survive a clobber', () => {
    expect(() => checkAllocation(callFunction(), ENV, output([I(0), I(0)]))).toThrow(/holds nothing/);
  });

  it('catches an unreported callee-saved register', () => {
    expect(() => checkAllocation(callFunction(), ENV, output([I(3), I(3)]))).toThrow(/callee-saved/);
  });

  it('catches a missing block-parameter move, and accepts it when present', () => {
    const f = paramFunction();
    expect(() => checkAllocation(f, ENV, output([I(0), I(1)]))).toThrow(CheckerError);
    checkAllocation(f, ENV, output([I(0), I(1)], [[before(1), I(0), I(1)]]));
  });

  it('catches a stack-to-stack move and an edit after a terminator', () => {
    const f = paramFunction();
    expect(() =>
      checkAllocation(f, ENV, output([I(0), I(0)], [[before(1), ~0, ~1]], 2)),
    ).toThrow(/stack-to-stack/);
    expect(() => checkAllocation(f, ENV, output([I(0), I(0)], [[2 * 1 + 1, I(0), I(1)]]))).toThrow(/after a block terminator/);
  });

  it('catches constraint violations: fixed register, register class, early def aliasing a use', () => {
    const b = new RegAllocFunctionBuilder();
    const b0 = b.newBlock();
    const v0 = b.newVReg(RegClass.Int);
    const v1 = b.newVReg(RegClass.Int);
    b.inst(b0, [defReg(v0)]);
    b.inst(b0, [useReg(v0), defReg(v1, OperandPos.Early)]);
    b.ret(b0, [useFixed(v1, I(1))]);
    const f = b.finish();
    checkAllocation(f, ENV, output([I(0), I(0), I(1), I(1)]));
    expect(() => checkAllocation(f, ENV, output([I(0), I(0), I(1), I(2)]))).toThrow(/needs r1/);
    expect(() => checkAllocation(f, ENV, output([I(0), I(0), I(0), I(1)], [[before(2), I(0), I(1)]]))).toThrow(
      /share r0/,
    );
  });

  it('rejects mutated allocator outputs (dropped edits, swapped allocations) in most cases', () => {
    // Mutation testing of the checker itself: start from correct outputs and
    // break them; a checker that misses most of these would be useless.
    const ra = new RegisterAllocator();
    let mutants = 0;
    let caught = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(seed);
      const m = randomMachine(rng);
      const f = randomFunction(rng, m, DEFAULT_FUZZ_OPTIONS);
      const out = ra.run(f, m.env);
      if (out.numEdits > 0) {
        const k = seed % out.numEdits;
        const keep = [...Array(out.numEdits).keys()].filter((i) => i !== k);
        const dropped: RegAllocOutput = {
          ...out,
          numEdits: keep.length,
          editPoint: Int32Array.from(keep.map((i) => out.editPoint[i]!)),
          editFrom: Int32Array.from(keep.map((i) => out.editFrom[i]!)),
          editTo: Int32Array.from(keep.map((i) => out.editTo[i]!)),
        };
        mutants++;
        try {
          checkAllocation(f, m.env, dropped);
        } catch (e) {
          if (!(e instanceof CheckerError)) throw e;
          caught++;
        }
      }
      // Move one register operand to another register of its class.
      for (let k = 0; k < out.allocs.length; k++) {
        const a = out.allocs[k]!;
        if (a < 0) continue;
        const regs = m.env.regs[a >>> 6]!;
        const other = regs[(regs.indexOf(a) + 1) % regs.length]!;
        if (other === a) continue;
        const allocs = out.allocs.slice();
        allocs[k] = other;
        mutants++;
        try {
          checkAllocation(f, m.env, { ...out, allocs });
        } catch (e) {
          if (!(e instanceof CheckerError)) throw e;
          caught++;
        }
        break;
      }
    }
    console.log(`checker mutation test: caught ${caught} of ${mutants} mutants`);
    expect(mutants).toBeGreaterThan(300);
    expect(caught / mutants).toBeGreaterThan(0.8);
  });
});
