import { describe, expect, it } from 'vitest';
import {
  CallConv,
  Function,
  FunctionBuilder,
  FunctionBuilderContext,
  I32,
  I64,
  F64,
  IntCC,
  Interpreter,
  MemFlags,
  Signature,
  UserFuncName,
  abiParam,
  printFunction,
  verifyFunction,
  vmctxParam,
} from './index.js';

function newFunc(name: string, params: number[], returns: number[]): { func: Function; b: FunctionBuilder } {
  const func = new Function(UserFuncName.testcase(name), Signature.of(params, returns));
  return { func, b: new FunctionBuilder(func) };
}

/** sum(n) = n + (n-1) + ... + 1 with two variables, the way a wasm loop is translated. */
function buildSumLoop(b: FunctionBuilder): void {
  const entry = b.createBlock();
  const header = b.createBlock();
  const body = b.createBlock();
  const exit = b.createBlock();
  const n = b.declareVar(I32);
  const acc = b.declareVar(I32);
  b.appendBlockParamsForFunctionParams(entry);
  b.switchToBlock(entry);
  b.sealBlock(entry);
  b.defVar(n, b.blockParams(entry)[0]!);
  b.defVar(acc, b.ins().iconst(I32, 0));
  b.ins().jump(header);
  b.switchToBlock(header); // not sealed: the back edge is not known yet
  const c = b.ins().icmpImm(IntCC.Equal, b.useVar(n), 0);
  b.ins().brif(c, exit, [], body, []);
  b.switchToBlock(body);
  b.sealBlock(body);
  b.defVar(acc, b.ins().iadd(b.useVar(acc), b.useVar(n)));
  b.defVar(n, b.ins().iaddImm(b.useVar(n), -1));
  b.ins().jump(header);
  b.sealBlock(header);
  b.switchToBlock(exit);
  b.sealBlock(exit);
  b.ins().return_([b.useVar(acc)]);
  b.finalize();
}

describe('FunctionBuilder: SSA construction', () => {
  it('turns loop variables into block parameters', () => {
    const { func, b } = newFunc('sum', [I32], [I32]);
    buildSumLoop(b);
    expect(verifyFunction(func)).toEqual([]);
    expect(printFunction(func)).toBe(
      [
        'function %sum(i32) -> i32 fast {',
        'block0(v0: i32):',
        '    v1 = iconst.i32 0',
        '    jump block1(v0, v1)',
        '',
        'block1(v2: i32, v4: i32):',
        '    v3 = icmp_imm eq v2, 0',
        '    brif v3, block3, block2',
        '',
        'block2:',
        '    v5 = iadd.i32 v4, v2',
        '    v6 = iadd_imm.i32 v2, -1',
        '    jump block1(v6, v5)',
        '',
        'block3:',
        '    return v4',
        '}',
        '',
      ].join('\n'),
    );
    expect(new Interpreter([func]).call('sum', [100n])).toEqual({ values: [5050n] });
  });

  it('removes a parameter whose incoming values are all the same (loop-invariant variable)', () => {
    const { func, b } = newFunc('inv', [I32, I32], [I32]);
    const entry = b.createBlock();
    const header = b.createBlock();
    const exit = b.createBlock();
    const k = b.declareVar(I32); // never changes in the loop
    const i = b.declareVar(I32);
    b.appendBlockParamsForFunctionParams(entry);
    b.switchToBlock(entry);
    b.sealBlock(entry);
    const [p0, p1] = b.blockParams(entry) as [number, number];
    b.defVar(k, p0);
    b.defVar(i, p1);
    b.ins().jump(header);
    b.switchToBlock(header);
    const sum = b.ins().iadd(b.useVar(k), b.useVar(i)); // k becomes an incomplete param here
    b.defVar(i, b.ins().iaddImm(b.useVar(i), -1));
    b.ins().brif(b.useVar(i), header, [], exit, []);
    b.sealBlock(header);
    b.switchToBlock(exit);
    b.sealBlock(exit);
    b.ins().return_([b.ins().iadd(sum, b.useVar(k))]);
    b.finalize();
    expect(verifyFunction(func)).toEqual([]);
    // Only `i` needs a parameter; `k`'s parameter was trivial and became an alias of v0.
    expect(func.dfg.blockParams(header).length).toBe(1);
    const text = printFunction(func);
    expect(text).toContain('block1(v3: i32):');
    expect(text).toMatch(/v2 -> v0/);
    // After finalize, no instruction argument refers to an alias.
    for (let inst = 0; inst < func.dfg.numInsts; inst++) {
      for (const a of func.dfg.instArgs(inst)) expect(func.dfg.isAlias(a)).toBe(false);
    }
    // The last iteration computes k + 1; the exit adds k again.
    expect(new Interpreter([func]).call('inv', [10n, 3n])).toEqual({ values: [21n] });
  });

  it('materializes a zero for a variable used before any definition', () => {
    const { func, b } = newFunc('undef', [], [I64, F64]);
    const entry = b.createBlock();
    b.switchToBlock(entry);
    b.sealBlock(entry);
    const x = b.declareVar(I64);
    const y = b.declareVar(F64);
    b.ins().nop();
    b.ins().return_([b.useVar(x), b.useVar(y)]);
    b.finalize();
    expect(verifyFunction(func)).toEqual([]);
    const text = printFunction(func);
    expect(text.indexOf('f64const 0.0')).toBeLessThan(text.indexOf('nop'));
    expect(text.indexOf('iconst.i64 0')).toBeLessThan(text.indexOf('nop'));
    expect(new Interpreter([func]).call('undef', [])).toEqual({ values: [0n, 0n] });
  });

  it('appends arguments to every br_table target that reaches a block', () => {
    const { func, b } = newFunc('bt', [I32], [I32]);
    const entry = b.createBlock();
    const target = b.createBlock();
    const other = b.createBlock();
    const x = b.declareVar(I32);
    b.appendBlockParamsForFunctionParams(entry);
    b.switchToBlock(entry);
    b.sealBlock(entry);
    const idx = b.blockParams(entry)[0]!;
    b.defVar(x, b.ins().iconst(I32, 7));
    const jt = b.createJumpTable(other, [target, other, target]);
    b.ins().brTable(idx, jt);
    b.switchToBlock(other);
    b.sealBlock(other);
    b.defVar(x, b.ins().iconst(I32, 9));
    b.ins().jump(target);
    b.sealBlock(target);
    b.switchToBlock(target);
    b.ins().return_([b.useVar(x)]);
    b.finalize();
    expect(verifyFunction(func)).toEqual([]);
    expect(printFunction(func)).toContain('br_table v0, block2, [block1(v1), block2, block1(v1)]');
    const interp = new Interpreter([func]);
    expect(interp.call('bt', [0n])).toEqual({ values: [7n] });
    expect(interp.call('bt', [1n])).toEqual({ values: [9n] });
    expect(interp.call('bt', [2n])).toEqual({ values: [7n] });
    expect(interp.call('bt', [3n])).toEqual({ values: [9n] });
  });

  it('keeps user block parameters first and passes explicit arguments', () => {
    const { func, b } = newFunc('merge', [I32], [I32]);
    const entry = b.createBlock();
    const join = b.createBlock();
    const r = b.appendBlockParam(join, I32); // a wasm block result
    const x = b.declareVar(I32);
    b.appendBlockParamsForFunctionParams(entry);
    b.switchToBlock(entry);
    b.sealBlock(entry);
    const p = b.blockParams(entry)[0]!;
    b.defVar(x, p);
    const t = b.createBlock();
    b.ins().brif(p, t, [], join, [p]);
    b.switchToBlock(t);
    b.sealBlock(t);
    b.defVar(x, b.ins().iconst(I32, 100));
    b.ins().jump(join, [b.ins().iconst(I32, 1)]);
    b.sealBlock(join);
    b.switchToBlock(join);
    b.ins().return_([b.ins().iadd(r, b.useVar(x))]);
    b.finalize();
    expect(verifyFunction(func)).toEqual([]);
    expect(func.dfg.blockParams(join)[0]).toBe(r);
    const interp = new Interpreter([func]);
    expect(interp.call('merge', [0n])).toEqual({ values: [0n] });
    expect(interp.call('merge', [5n])).toEqual({ values: [101n] });
  });

  it('survives very long chains of blocks (no recursion on the JS stack)', () => {
    const { func, b } = newFunc('chain', [I64], [I64]);
    const entry = b.createBlock();
    const x = b.declareVar(I64);
    b.appendBlockParamsForFunctionParams(entry);
    b.switchToBlock(entry);
    b.sealBlock(entry);
    b.defVar(x, b.blockParams(entry)[0]!);
    let cur = entry;
    for (let i = 0; i < 20000; i++) {
      const next = b.createBlock();
      b.ins().jump(next);
      b.sealBlock(next);
      b.switchToBlock(next);
      cur = next;
    }
    // A diamond every step for another 2000 steps: merges create parameters.
    for (let i = 0; i < 2000; i++) {
      const t = b.createBlock();
      const e = b.createBlock();
      const j = b.createBlock();
      b.ins().brif(b.ins().icmpImm(IntCC.UnsignedLessThan, b.useVar(x), i), t, [], e, []);
      b.sealBlock(t);
      b.sealBlock(e);
      b.switchToBlock(t);
      b.defVar(x, b.ins().iaddImm(b.useVar(x), 1));
      b.ins().jump(j);
      b.switchToBlock(e);
      b.ins().jump(j);
      b.sealBlock(j);
      b.switchToBlock(j);
      cur = j;
    }
    b.ins().return_([b.useVar(x)]);
    b.finalize();
    expect(cur).toBeGreaterThan(0);
    expect(verifyFunction(func)).toEqual([]);
    // x catches up with i at every step: x = 1999 at the end.
    expect(new Interpreter([func]).call('chain', [0n])).toEqual({ values: [1999n] });
  });

  it('reuses a FunctionBuilderContext across functions', () => {
    const ctx = new FunctionBuilderContext();
    for (let i = 0; i < 3; i++) {
      const func = new Function(UserFuncName.user(0, i), Signature.of([I32], [I32]));
      buildSumLoop(new FunctionBuilder(func, ctx));
      expect(verifyFunction(func)).toEqual([]);
    }
  });

  it('tags instructions with source locations relative to the first one', () => {
    const sig = new Signature(CallConv.SystemV, [abiParam(I32), vmctxParam(I64)], [abiParam(I32)]);
    const func = new Function(UserFuncName.testcase('locs'), sig);
    const b = new FunctionBuilder(func);
    const entry = b.createBlock();
    b.appendBlockParamsForFunctionParams(entry);
    b.switchToBlock(entry);
    b.sealBlock(entry);
    b.setSrcLoc(0x1000);
    const v = b.ins().load(I32, MemFlags.trusted(), b.blockParams(entry)[1]!, 16);
    b.setSrcLoc(0x1007);
    const w = b.ins().iadd(v, b.blockParams(entry)[0]!);
    const ret = b.ins().return_([w]);
    b.finalize();
    expect(func.params.baseSrcLoc).toBe(0x1000);
    expect(func.stencil.relSrcLoc(ret)).toBe(7);
    expect(func.srcLoc(ret)).toBe(0x1007);
    expect(printFunction(func)).toBe(
      [
        'function %locs(i32, i64 vmctx) -> i32 system_v {',
        '                                block0(v0: i32, v1: i64):',
        '@1000                               v2 = load.i32 notrap aligned v1+16',
        '@1007                               v3 = iadd v2, v0',
        '@1007                               return v3',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('FunctionBuilder: misuse is reported', () => {
  it('rejects instructions after a terminator', () => {
    const { b } = newFunc('f', [], []);
    const e = b.createBlock();
    b.switchToBlock(e);
    b.ins().return_();
    expect(() => b.ins().nop()).toThrow(/already filled/);
  });

  it('rejects a branch to a sealed block', () => {
    const { b } = newFunc('f', [], []);
    const e = b.createBlock();
    const t = b.createBlock();
    b.sealBlock(t);
    b.switchToBlock(e);
    expect(() => b.ins().jump(t)).toThrow(/block1 is sealed/);
  });

  it('rejects user parameters appended after predecessors exist', () => {
    const { b } = newFunc('f', [], []);
    const e = b.createBlock();
    const t = b.createBlock();
    b.switchToBlock(e);
    b.ins().jump(t);
    expect(() => b.appendBlockParam(t, I32)).toThrow(/user parameters/);
  });

  it('rejects defining a variable with a value of another type', () => {
    const { b } = newFunc('f', [], []);
    const e = b.createBlock();
    b.switchToBlock(e);
    const x = b.declareVar(I32);
    expect(() => b.defVar(x, b.ins().iconst(I64, 1))).toThrow(/variable 0 has type i32, value v0 has type i64/);
  });

  it('refuses to finalize with an unsealed block', () => {
    const { b } = newFunc('f', [], []);
    const e = b.createBlock();
    b.switchToBlock(e);
    b.ins().return_();
    expect(() => b.finalize()).toThrow(/block0 is not sealed/);
  });
});
