/**
 * AArch64 code on an x86-64 host: the real compiler targeting aarch64, the
 * code run by jit's emulated executor (libunicorn). The shared calls suite
 * (calls both ways, traps, host exceptions, re-entrancy) plus the
 * emulator-specific parts: memory.grow, trap codes, the emulated stack limit.
 */
import { describe, expect, it } from 'vitest';
import { Aarch64Emulator } from '@derrick/jit';
import { Func, Instance, Store, Trap, TrapCode, ValType } from '../src/index.js';
import { type Backend, compileWat, engineOf } from './helpers.js';
import { callsSuite } from './suites/calls.js';

const compiler = (await import('../../compiler/src/index.js')) as unknown as { compilerBuilder: Backend['factory'] };
const REAL: Backend = { name: '@derrick/compiler', factory: compiler.compilerBuilder };
const arm = (c: Parameters<NonNullable<Parameters<typeof engineOf>[1]>>[0]) => c.target('aarch64-unknown-linux-gnu');
const onX64 = process.arch === 'x64';

describe.runIf(onX64)('AArch64 code, emulated', () => {
  describe('calls suite', () => callsSuite(REAL, arm));

  it('runs calls, memory.grow, traps with their codes, host imports and exceptions', async () => {
    const engine = engineOf(REAL, arm);
    expect(engine.target).toMatch(/^aarch64/);
    const store = new Store(engine);
    try {
      const boom = new Error('boom');
      const add = Func.wrap(store, { params: [ValType.I32, ValType.I32], results: [ValType.I32] }, (a: number, b: number) => a + b);
      const fail = Func.wrap(store, { params: [], results: [] }, () => {
        throw boom;
      });
      const module = await compileWat(
        engine,
        `(module
          (import "env" "add" (func $add (param i32 i32) (result i32)))
          (import "env" "fail" (func $fail))
          (memory 1)
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
          (func (export "fail") (call $fail))
          (func $deep (export "deep") (param i32) (result i32) (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))`,
      );
      const i = new Instance(store, module, [add, fail]);
      const runs = Aarch64Emulator.shared().stats.runs;
      expect(i.getFunc('fib')!.call(20)).toBe(6765);
      expect(Aarch64Emulator.shared().stats.runs).toBe(runs + 1); // it really ran in the emulator
      expect(i.getFunc('grow')!.call(2)).toBe(1);
      i.getFunc('store')!.call(3 * 65536 - 4, 0x1234_5678);
      expect(i.getFunc('load')!.call(3 * 65536 - 4)).toBe(0x1234_5678);
      expect(() => i.getFunc('load')!.call(3 * 65536 - 3)).toThrow(Trap);
      const trapOf = (f: () => unknown): Trap => {
        try {
          f();
        } catch (e) {
          return e as Trap;
        }
        throw new Error('no trap');
      };
      expect(trapOf(() => i.getFunc('load')!.call(3 * 65536)).code).toBe(TrapCode.MemoryOutOfBounds);
      expect(trapOf(() => i.getFunc('div')!.call(1, 0)).code).toBe(TrapCode.IntegerDivisionByZero);
      expect(trapOf(() => i.getFunc('div')!.call(-0x8000_0000, -1)).code).toBe(TrapCode.IntegerOverflow);
      expect(i.getFunc('add')!.call(40, 2)).toBe(42);
      expect(() => i.getFunc('fail')!.call()).toThrow(boom);
      const deep = trapOf(() => i.getFunc('deep')!.call(0));
      expect(deep).toBeInstanceOf(Trap);
      expect(deep.code).toBe(TrapCode.StackOverflow);
      expect(deep.message).toMatch(/call stack exhausted/);
      // Still usable after the stack overflow.
      expect(i.getFunc('fib')!.call(10)).toBe(55);
    } finally {
      store.dispose();
    }
  });
});
