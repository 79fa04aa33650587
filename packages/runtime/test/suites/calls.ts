/**
 * Calls in both directions, traps and host exceptions, on real machine code
 * (any backend; the toy compiler today, `@derrick/compiler` once it lands):
 * the runtime's half of the execution model.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Config, Func, Instance, Linker, RuntimeError, Store, Trap, TrapCode, ValType, type Val } from '../../src/index.js';
import { type Backend, compileWat, engineOf } from '../helpers.js';

export function callsSuite(backend: Backend, configure: (c: Config) => Config = (c) => c): void {
  const engine = engineOf(backend, configure);
  let store: Store;
  afterEach(() => store?.dispose());

  async function instantiate(text: string, imports: Parameters<Linker['define']>[2][] = []): Promise<Instance> {
    store = new Store(engine);
    return new Instance(store, await compileWat(engine, text), imports);
  }

  const I32 = ValType.I32;
  const I64 = ValType.I64;

  describe('host → wasm', () => {
    it('passes and returns i32 and i64 values through the 16-byte value slots', async () => {
      const i = await instantiate(`(module
        (func (export "sub") (param i32 i32) (result i32) local.get 0 local.get 1 i32.sub)
        (func (export "mul64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.mul)
        (func (export "five") (param i32 i32 i32 i32 i32) (result i32)
          local.get 0 local.get 1 i32.add local.get 2 i32.add local.get 3 i32.add local.get 4 i32.add)
        (func (export "nothing")))`);
      expect(i.getFunc('sub')!.call(1, 2)).toBe(-1);
      expect(i.getFunc('sub')!.callVals([{ type: 'i32', value: 0 }, { type: 'i32', value: 1 }])).toEqual([{ type: 'i32', value: -1 }]);
      expect(i.getFunc('mul64')!.call(-3n, 0x1_0000_0001n)).toBe(-0x3_0000_0003n);
      expect(i.getFunc('mul64')!.call(2 ** 40, 2)).toBe(2n ** 41n);
      expect(i.getFunc('five')!.call(1, 2, 3, 4, 5)).toBe(15);
      expect(i.getFunc('nothing')!.call()).toBeUndefined();
    });

    it('checks arguments before entering wasm', async () => {
      const i = await instantiate(`(module (func (export "f") (param i32 i64)))`);
      const f = i.getFunc('f')!;
      expect(() => f.call(1)).toThrow(/expects 2 argument\(s\), got 1/);
      expect(() => f.call(1, 'x')).toThrow(RuntimeError);
      expect(() => f.call(1.5, 1n)).toThrow(/expected a value of type i32/);
      expect(() => f.callVals([{ type: 'i64', value: 1n }, { type: 'i64', value: 1n }])).toThrow(/argument 0: expected a i32 value/);
      expect(f.ty()).toEqual({ params: [I32, I64], results: [] });
    });
  });

  describe('wasm → wasm and wasm → host', () => {
    it('calls between functions of one module (relative calls laid out by buildText)', async () => {
      const i = await instantiate(`(module
        (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
        (func (export "f") (param i32) (result i32) local.get 0 call $sq call $sq))`);
      expect(i.getFunc('f')!.call(3)).toBe(81);
    });

    it('calls host functions through wasm-to-array trampolines, with their values', async () => {
      store = new Store(engine);
      const seen: unknown[] = [];
      const log = Func.wrap(store, { params: [I32, I64], results: [I64] }, (a: number, b: bigint) => {
        seen.push(a, b);
        return BigInt(a) + b;
      });
      const module = await compileWat(
        engine,
        `(module (import "env" "log" (func $log (param i32 i64) (result i64)))
          (func (export "f") (result i64) i32.const -7 i64.const 50 call $log))`,
      );
      const i = new Instance(store, module, [log]);
      expect(i.getFunc('f')!.call()).toBe(43n);
      expect(seen).toEqual([-7, 50n]);
    });

    it('re-throws a host exception unchanged, and the store stays usable', async () => {
      store = new Store(engine);
      const boom = new Error('boom');
      let calls = 0;
      const fail = Func.wrap(store, { params: [], results: [] }, () => {
        calls++;
        throw boom;
      });
      const module = await compileWat(engine, `(module (import "env" "fail" (func $fail)) (func (export "f") (result i32) call $fail i32.const 1))`);
      const i = new Instance(store, module, [fail]);
      for (let n = 0; n < 3; n++) {
        try {
          i.getFunc('f')!.call();
          expect.unreachable();
        } catch (e) {
          expect(e).toBe(boom);
        }
      }
      expect(calls).toBe(3);
    });

    it('reports a host function that returns the wrong thing as an exception from that call', async () => {
      store = new Store(engine);
      const bad = Func.new(store, { params: [], results: [I32] }, () => [{ type: 'i64', value: 1n }]);
      const module = await compileWat(engine, `(module (import "env" "bad" (func $bad (result i32))) (func (export "f") (result i32) call $bad))`);
      const i = new Instance(store, module, [bad]);
      expect(() => i.getFunc('f')!.call()).toThrow(/result 0 of a host function: expected a i32 value/);
    });

    it('re-enters: wasm → host → wasm → host …, and unwinds a trap only to the innermost entry', async () => {
      store = new Store(engine);
      const linker = new Linker(engine);
      let depth = 0;
      let inner: Func | undefined;
      linker.funcWrap('env', 'recurse', { params: [I32], results: [I32] }, (n: number) => {
        depth = Math.max(depth, n);
        if (n === 0) return 0;
        if (n === 3) {
          // A trap three levels down is caught here and does not disturb the outer activations.
          expect(() => inner!.call(-1)).toThrow(Trap);
        }
        return (inner!.call(n - 1) as number) + 1;
      });
      // f(n) = 100 / (n + 1) (dropped; it traps for n = -1), then r(n); r(n) = f(n - 1) + 1, r(0) = 0.
      const m3 = await compileWat(
        engine,
        `(module (import "env" "recurse" (func $r (param i32) (result i32)))
          (func (export "f") (param i32) (result i32)
            i32.const 100 local.get 0 i32.const 1 i32.add i32.div_u drop
            local.get 0 call $r))`,
      );
      const i = linker.instantiate(store, m3);
      inner = i.getFunc('f')!;
      expect(inner.call(10)).toBe(10);
      expect(depth).toBe(10);
    });
  });

  it('refuses to dispose a store whose code is running', async () => {
    store = new Store(engine);
    const s = store;
    const dispose = Func.wrap(s, { params: [], results: [] }, () => s.dispose());
    const i = new Instance(s, await compileWat(engine, `(module (import "env" "d" (func $d)) (func (export "f") call $d))`), [dispose]);
    expect(() => i.getFunc('f')!.call()).toThrow(/cannot be disposed while its wasm code is running/);
    expect(s.disposed).toBe(false);
    s.dispose();
    expect(s.disposed).toBe(true);
  });

  describe('traps', () => {
    it('reports the trap code, the wasm function and the module offset', async () => {
      const bytesText = `(module
        (func $a (param i32) (result i32) local.get 0 i32.const 0 i32.div_u)
        (func $b (export "b") (result i32) i32.const 7 call $a)
        (func (export "u") unreachable))`;
      const i = await instantiate(bytesText);
      try {
        i.getFunc('b')!.call();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(Trap);
        const trap = e as Trap;
        expect(trap.code).toBe(TrapCode.IntegerDivisionByZero);
        expect(trap.message).toMatch(/^integer divide by zero \(in wasm function 0, at module offset 0x[0-9a-f]+\)$/);
        expect(trap.funcIndex).toBe(0);
        expect(trap.wasmOffset).toBeGreaterThan(0);
      }
      const u = (() => {
        try {
          i.getFunc('u')!.call();
        } catch (e) {
          return e as Trap;
        }
        return undefined;
      })();
      expect(u?.code).toBe(TrapCode.UnreachableCodeReached);
      expect(u?.funcIndex).toBe(2);
      // The store keeps working after traps.
      expect(() => i.getFunc('b')!.call()).toThrow(/integer divide by zero/);
    });

    it('turns unbounded recursion into "call stack exhausted", repeatably', async () => {
      const i = await instantiate(`(module (func $f (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $f))`);
      for (let n = 0; n < 3; n++) {
        try {
          i.getFunc('f')!.call(0);
          expect.unreachable();
        } catch (e) {
          expect((e as Trap).code).toBe(TrapCode.StackOverflow);
          expect((e as Trap).isStackOverflow).toBe(true);
          expect((e as Trap).message).toMatch(/^call stack exhausted/);
        }
      }
    });

    it('honours max_wasm_stack: a smaller budget exhausts at a smaller depth', async () => {
      const text = `(module (import "env" "tick" (func $tick (param i32) (result i32)))
        (func $f (export "f") (param i32) (result i32) local.get 0 call $tick call $f))`;
      const depthWith = async (bytes: number): Promise<number> => {
        const e = engineOf(backend, (c) => c.maxWasmStack(bytes));
        const s = new Store(e);
        let max = 0;
        const tick = Func.wrap(s, { params: [I32], results: [I32] }, (n: number) => {
          max = Math.max(max, n);
          return n + 1;
        });
        const i = new Instance(s, await compileWat(e, text), [tick]);
        expect(() => i.getFunc('f')!.call(0)).toThrow(/call stack exhausted/);
        s.dispose();
        return max;
      };
      const small = await depthWith(64 * 1024);
      const large = await depthWith(512 * 1024);
      expect(small).toBeGreaterThan(100);
      expect(large).toBeGreaterThan(small * 4);
    });
  });

  describe('Val exactness', () => {
    it('round-trips every integer edge through calls', async () => {
      const i = await instantiate(`(module
        (func (export "id32") (param i32) (result i32) local.get 0)
        (func (export "id64") (param i64) (result i64) local.get 0))`);
      for (const v of [0, 1, -1, 0x7fffffff, -0x80000000]) expect(i.getFunc('id32')!.call(v)).toBe(v);
      for (const v of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
        const out: Val[] = i.getFunc('id64')!.callVals([{ type: 'i64', value: v }]);
        expect(out).toEqual([{ type: 'i64', value: v }]);
      }
    });
  });
}
