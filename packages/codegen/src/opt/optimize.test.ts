/**
 * The whole pipeline: the README example (read from README.md, so the
 * documentation cannot rot), the optimization levels, the statistics, input
 * with value aliases, and the example's executed-instruction count.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CallConv,
  Function,
  FunctionBuilder,
  I32,
  Interpreter,
  IntCC,
  Signature,
  UserFuncName,
  abiParam,
  parseFunction,
  printFunction,
  verifyFunction,
} from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { countInsts, optimize } from './optimize.js';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'README.md'), 'utf8');

/** The `clif` code blocks of the README's "Example" section: [input, output]. */
function readmeExample(): [string, string] {
  const section = readme.slice(readme.indexOf('## Example'), readme.indexOf('## Internals'));
  const blocks = [...section.matchAll(/```clif\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBe(2);
  return [blocks[0]!, blocks[1]!];
}

const GUARDED_LOOP = `
function %guarded(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 0
    brif v0, block1(v0, v2), block2(v2)
block1(v3: i32, v4: i32):
    v5 = imul v1, v1
    v6 = iadd v4, v5
    v7 = iadd_imm v3, -1
    brif v7, block1(v7, v6), block2(v6)
block2(v8: i32):
    return v8
}
`;

describe('optimize', () => {
  it('turns the README example into the README result', () => {
    const [input, output] = readmeExample();
    const func = parseFunction(input);
    const stats = optimize(func, { optLevel: 'speed', verify: true });
    expect(printFunction(func)).toBe(output);
    expect(stats.instsBefore).toBe(23);
    expect(stats.instsAfter).toBe(countInsts(func));
    expect(stats.licmHoisted).toBe(6);
    expect(stats.rules['brif-peel-condition']).toBe(2);
  });

  it('runs the README example loop in fewer instructions (printed)', () => {
    const [input] = readmeExample();
    const steps = (optimized: boolean): { result: unknown; perIteration: number } => {
      const func = parseFunction(input);
      if (optimized) optimize(func, { optLevel: 'speed' });
      const run = (n: number): { result: unknown; steps: number } => {
        const interp = new Interpreter([func]);
        const vmctx = interp.memory.allocate(128);
        const heap = interp.memory.allocate(65536);
        const vm = new DataView(interp.memory.regionBytes(vmctx).buffer, interp.memory.regionBytes(vmctx).byteOffset);
        vm.setBigUint64(64, BigInt(heap), true);
        vm.setBigUint64(72, 65536n, true);
        new DataView(interp.memory.regionBytes(heap).buffer, interp.memory.regionBytes(heap).byteOffset).setInt32(20, 7, true);
        const result = interp.callFunction(func, [BigInt(vmctx), 16n, BigInt(n)]);
        return { result, steps: (interp as unknown as { steps: number }).steps };
      };
      const a = run(100);
      const b = run(200);
      return { result: a.result, perIteration: (b.steps - a.steps) / 100 };
    };
    const before = steps(false);
    const after = steps(true);
    expect(after.result).toEqual(before.result);
    expect(after.result).toEqual({ values: [2100n] });
    console.log(`README example: ${before.perIteration} -> ${after.perIteration} executed instructions per iteration`);
    expect(after.perIteration).toBeLessThan(before.perIteration);
  });

  it("optLevel 'none' leaves the function alone", () => {
    const [input] = readmeExample();
    const func = parseFunction(input);
    const text = printFunction(func);
    const stats = optimize(func, { optLevel: 'none' });
    expect(printFunction(func)).toBe(text);
    expect(stats.instsBefore).toBe(0);
    expect(stats.rounds).toBe(0);
  });

  it("'speed' creates a preheader for a guarded loop, 'speed_and_size' does not", () => {
    const speed = parseFunction(GUARDED_LOOP);
    const s1 = optimize(speed, { optLevel: 'speed', verify: true });
    expect(s1.preheadersCreated).toBe(1);
    expect(s1.licmHoisted).toBe(1);
    // The new preheader's parameters had one incoming edge each and were then removed.
    expect(printFunction(speed)).toBe(`function %guarded(i32, i32) -> i32 fast {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 0
    brif v0, block3, block2(v2)

block3:
    v5 = imul.i32 v1, v1
    jump block1(v0, v2)

block1(v3: i32, v4: i32):
    v6 = iadd v4, v5
    v7 = iadd_imm v3, -1
    brif v7, block1(v7, v6), block2(v6)

block2(v8: i32):
    return v8
}
`);
    const size = parseFunction(GUARDED_LOOP);
    const s2 = optimize(size, { optLevel: 'speed_and_size', verify: true });
    expect(s2.preheadersCreated).toBe(0);
    expect(s2.licmHoisted).toBe(0);
  });

  it('handles value aliases left by SSA construction', () => {
    // A loop whose variable is never redefined: the builder removes the
    // trivial block parameter and leaves an alias behind.
    const func = new Function(UserFuncName.testcase('aliases'), new Signature(CallConv.Fast, [abiParam(I32)], [abiParam(I32)]));
    const b = new FunctionBuilder(func);
    const entry = b.createBlock();
    const header = b.createBlock();
    const exit = b.createBlock();
    const [p] = b.appendBlockParamsForFunctionParams(entry) as [number];
    const x = b.declareVar(I32);
    const n = b.declareVar(I32);
    b.switchToBlock(entry);
    b.sealBlock(entry);
    b.defVar(x, b.ins().iaddImm(p, 5));
    b.defVar(n, b.ins().iconst(I32, 3));
    b.ins().jump(header, []);
    b.switchToBlock(header);
    const k = b.ins().iaddImm(b.useVar(n), -1);
    b.defVar(n, k);
    b.ins().brif(b.ins().icmpImm(IntCC.NotEqual, k, 0), header, [], exit, []);
    b.sealBlock(header);
    b.sealBlock(exit);
    b.switchToBlock(exit);
    b.ins().return_([b.ins().iadd(b.useVar(x), b.useVar(x))]);
    b.finalize();
    expect(verifyFunction(func)).toEqual([]);
    const before = new Interpreter([func]).call('aliases', [10n]);
    optimize(func, { optLevel: 'speed', verify: true });
    expect(new Interpreter([func]).call('aliases', [10n])).toEqual(before);
  });
});
