/**
 * The runtime contract, for every backend: array-to-wasm and wasm-to-array
 * trampolines, host calls through koffi callbacks, traps unwinding through
 * several frames and through host functions, re-entrancy, the trap record
 * (code and pc), non-colocated calls, and the prologue stack check. Run by
 * codegen-x64's `test/trampolines.native.test.ts` (natively) and
 * codegen-aarch64's `test/trampolines.emulated.test.ts` (in Unicorn), each
 * passing a `TrampolineExecutor` built on its harness.
 *
 * Why here: the suite is shared by the two backends, which must not depend
 * on each other (test/layering.ts), so it lives in the package both depend
 * on — as the test-only subpath `@derrick/codegen/test-support` (a `source`
 * condition only, outside `src/`: never built, shipped or part of the API).
 * The root `test/` directory cannot resolve `@derrick/*` modules, and
 * `@derrick/jit` may not reach codegen-ir. Codegen may not depend on jit
 * either, so what the suite needs from it (publishing code, entering it,
 * host-call registration) comes through the executor; the structural types
 * here and in `harness.ts` are the slices of jit's `CodeMemory`,
 * `ArrayCallEntry` and `HostCallRegistration` that the suite uses.
 */
import { TrapCode, parseFunctions, trapCodeName } from '@derrick/codegen-ir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArrayEntry,
  type CodeImage,
  type CompilingIsa,
  type FakeRuntime,
  type LayoutItem,
  type NativeMemory,
  TEST_RUNTIME_ABI,
  type TextModule,
  funcKey,
} from './harness.js';

/** A registered host-call target (jit's `HostCallRegistration`). */
export interface HostCall {
  readonly address: bigint;
  unregister(): void;
  rethrowPendingException(): void;
}

/** What differs between running a backend's code natively and in the emulator. */
export interface TrampolineExecutor<C extends CodeImage = CodeImage> {
  readonly isa: CompilingIsa;
  /** The registers results are returned in, for a test name: `rax/rdx/xmm0/xmm1`. */
  readonly resultRegisters: string;
  /** A fresh fake runtime; the suite disposes of it. */
  runtime(): FakeRuntime;
  /** Lay `items` out in one text section, resolve the calls between them, publish. */
  link(items: readonly LayoutItem[]): TextModule<C>;
  /** Publish `text` with absolute (`Abs8`) relocations to `target` addresses. */
  publish(text: Uint8Array, relocations?: readonly { kind: 'Abs8'; offset: number; target: bigint }[]): C;
  /** The array-call entry at `offset` of `code`. */
  arrayCallEntry(code: C, offset: number): ArrayEntry;
  /** jit's `registerHostCall`. */
  registerHostCall(fn: (vmctx: bigint, index: number, values: bigint, count: number) => number | bigint): HostCall;
  /** jit's `nativeView`. */
  nativeView(address: bigint, length: number): ArrayBuffer;
}

const f64 = (x: number): bigint => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
};
const asF64 = (b: bigint): number => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, b, true);
  return dv.getFloat64(0, true);
};

/** Define the trampoline tests (in the calling test file) for the backend `x` runs. */
export function defineTrampolineSuite<C extends CodeImage>(x: TrampolineExecutor<C>): void {
  type Module = TextModule<C>;
  const isa = x.isa;
  let rt: FakeRuntime;
  beforeAll(() => {
    rt = x.runtime();
  });
  afterAll(() => rt.dispose());

  const entry = (mod: Module, key: string): ArrayEntry => x.arrayCallEntry(mod.memory, mod.offsets.get(key)!);

  /** Compile every function of `src` (plus an entry trampoline per function) into one module. */
  function build(src: string): { mod: Module } {
    const items: LayoutItem[] = [];
    for (const f of parseFunctions(src)) {
      items.push({ key: funcKey(f), code: isa.compileFunction(f.stencil, { runtimeAbi: TEST_RUNTIME_ABI }).apply(f.params) });
      if (f.signature.specialParamIndex('vmctx') >= 0) {
        items.push({ key: `entry:${funcKey(f)}`, code: isa.emitArrayToWasmTrampoline(f.signature, TEST_RUNTIME_ABI).apply(f.params) });
      }
    }
    return { mod: x.link(items) };
  }

  function call(mod: Module, name: string, args: bigint[], nresults: number): { status: bigint; results: bigint[] } {
    args.forEach((a, k) => (rt.slots[2 * k] = BigInt.asUintN(64, a)));
    rt.resetStackLimit();
    const status = entry(mod, `entry:${name}`).call(rt.vmctx.address, mod.address(name), rt.values.address, Math.max(args.length, nresults));
    return { status, results: Array.from({ length: nresults }, (_, k) => rt.slots[2 * k]!) };
  }

  describe('array-to-wasm entry', () => {
    it(`passes arguments beyond the registers on the stack and results beyond ${x.resultRegisters} through the return area`, () => {
      const ints = Array.from({ length: 9 }, (_, i) => `i64`);
      const floats = Array.from({ length: 10 }, () => 'f64');
      const params = ['i64 vmctx', ...ints.flatMap((t, i) => [t, floats[i] ?? 'f64']), 'f64'];
      // v0 vmctx, then alternating i64/f64 (v1..v18), then one more f64 (v19).
      const intVals = params.map((_, k) => k).filter((k) => k >= 1 && k <= 18 && k % 2 === 1);
      const fltVals = params.map((_, k) => k).filter((k) => (k >= 1 && k <= 18 && k % 2 === 0) || k === 19);
      let body = '';
      let n = 20;
      let isum = `v${intVals[0]}`;
      for (const v of intVals.slice(1)) {
        body += `    v${n} = iadd ${isum}, v${v}\n`;
        isum = `v${n++}`;
      }
      let fsum = `v${fltVals[0]}`;
      for (const v of fltVals.slice(1)) {
        body += `    v${n} = fadd ${fsum}, v${v}\n`;
        fsum = `v${n++}`;
      }
      const src = `function %many(${params.join(', ')}) -> i64, f64, i64, f64, i64, f64, i64, f64 wasmtime {
  block0(${params.map((p, k) => `v${k}: ${p.split(' ')[0]}`).join(', ')}):
  ${body}    return ${isum}, ${fsum}, v${intVals[8]}, v${fltVals[9]}, v${intVals[0]}, v${fltVals[0]}, ${isum}, v19
  }`;
      const { mod } = build(src);
      try {
        const args: bigint[] = [];
        const iv = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 1000n];
        const fv = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 100.25];
        for (let k = 0; k < 9; k++) args.push(iv[k]!, f64(fv[k]!));
        args.push(f64(fv[9]!));
        const { status, results } = call(mod, 'many', args, 8);
        expect(status).toBe(0n);
        const isumV = iv.reduce((a, b) => a + b, 0n);
        const fsumV = fv.reduce((a, b) => a + b, 0);
        expect(results[0]).toBe(isumV);
        expect(asF64(results[1]!)).toBe(fsumV);
        expect(results[2]).toBe(1000n);
        expect(asF64(results[3]!)).toBe(100.25);
        expect(results[4]).toBe(1n);
        expect(asF64(results[5]!)).toBe(0.5);
        expect(results[6]).toBe(isumV);
        expect(asF64(results[7]!)).toBe(100.25);
        expect(rt.entrySp).toBe(0n);
      } finally {
        mod.dispose();
      }
    });

    it('a trap several frames deep unwinds to the entry: status 1, trap code and pc recorded, entry_sp restored', () => {
      const { mod } = build(`
  function %divide(i64 vmctx, i32, i32) -> i32 wasmtime {
  block0(v0: i64, v1: i32, v2: i32):
      v3 = udiv v1, v2
      return v3
  }
  function %deep(i64 vmctx, i32, i32) -> i32 wasmtime {
      fn0 = colocated %deep(i64 vmctx, i32, i32) -> i32 wasmtime
      fn1 = colocated %divide(i64 vmctx, i32, i32) -> i32 wasmtime
  block0(v0: i64, v1: i32, v2: i32):
      brif v1, block1, block2
  block1:
      v3 = iadd_imm v1, -1
      v4 = call fn0(v0, v3, v2)
      v5 = iadd_imm v4, 1
      return v5
  block2:
      v6 = iconst.i32 1000
      v7 = call fn1(v0, v6, v2)
      return v7
  }`);
      try {
        expect(call(mod, 'deep', [10n, 10n], 1)).toEqual({ status: 0n, results: [110n] });
        for (let i = 0; i < 200; i++) {
          const r = call(mod, 'deep', [BigInt(i % 17), 0n], 1);
          expect(r.status).toBe(1n);
          expect(trapCodeName(rt.trapCode)).toBe('int_divz');
          expect(rt.entrySp).toBe(0n);
        }
        // The recorded pc is the trap site of `divide`, which has a trap record there.
        const divide = isa.compileFunction(parseFunctions(`function %divide(i64 vmctx, i32, i32) -> i32 wasmtime {
  block0(v0: i64, v1: i32, v2: i32):
      v3 = udiv v1, v2
      return v3
  }`)[0]!.stencil, { runtimeAbi: TEST_RUNTIME_ABI });
        const pc = Number(rt.trapPc - mod.address('divide'));
        expect(divide.traps).toContainEqual({ offset: pc, code: TrapCode.INTEGER_DIVISION_BY_ZERO });
        expect(call(mod, 'deep', [3n, 5n], 1)).toEqual({ status: 0n, results: [203n] });
      } finally {
        mod.dispose();
      }
    });

    it('the prologue stack check turns runaway recursion into stk_ovf', () => {
      const { mod } = build(`
  function %runaway(i64 vmctx, i64) -> i64 wasmtime {
      fn0 = colocated %runaway(i64 vmctx, i64) -> i64 wasmtime
  block0(v0: i64, v1: i64):
      v2 = iadd_imm v1, 1
      v3 = call fn0(v0, v2)
      return v3
  }`);
      try {
        for (let k = 0; k < 3; k++) {
          expect(call(mod, 'runaway', [0n], 1).status).toBe(1n);
          expect(trapCodeName(rt.trapCode)).toBe('stk_ovf');
          expect(rt.entrySp).toBe(0n);
        }
      } finally {
        mod.dispose();
      }
    });
  });

  describe('wasm-to-array exit and host calls', () => {
    const SRC = `
  function %caller(i64 vmctx, i64, i64, i64, f64) -> i64, f64 wasmtime {
      sig0 = (i64 vmctx, i64, f64) -> i64, f64 wasmtime
  block0(v0: i64, v1: i64, v2: i64, v3: i64, v4: f64):
      ; v1: host function context, v2: the wasm-to-array trampoline
      v5, v6 = call_indirect sig0, v2(v1, v3, v4)
      v7 = iadd_imm v5, 1
      return v7, v6
  }
  function %reenter(i64 vmctx, i32, i32) -> i32 wasmtime {
  block0(v0: i64, v1: i32, v2: i32):
      v3 = udiv v1, v2
      return v3
  }`;
    const sig0 = parseFunctions(SRC)[0]!.dfg.signatures[0]!;

    function withHost(fn: (values: BigUint64Array, count: number) => number | bigint, body: (mod: Module, ctx: NativeMemory, exit: bigint) => void): void {
      const { mod } = build(SRC);
      const exitCode = x.publish(isa.emitWasmToArrayTrampoline(sig0, TEST_RUNTIME_ABI).code);
      const reg = x.registerHostCall((_vmctx, index, values, count) => {
        expect(index).toBe(5);
        return fn(new BigUint64Array(x.nativeView(values, 16 * count)), count);
      });
      const ctx = rt.allocate(32);
      const w = new BigUint64Array(ctx.buffer, 0, 4);
      w[0] = 0x484b5244n;
      w[1] = reg.address;
      w[2] = 5n;
      w[3] = rt.store.address;
      try {
        body(mod, ctx, exitCode.functionAddress(0));
        reg.rethrowPendingException();
      } finally {
        ctx.dispose();
        reg.unregister();
        exitCode.dispose();
        mod.dispose();
      }
    }

    it('spills arguments to 16-byte slots, calls the host, loads its results', () => {
      withHost(
        (v, count) => {
          expect(count).toBe(2);
          v[0] = v[0]! * 3n;
          v[2] = f64(asF64(v[2]!) * 2);
          return 0;
        },
        (mod, ctx, exit) => {
          const r = call(mod, 'caller', [ctx.address, exit, 14n, f64(1.25)], 2);
          expect(r.status).toBe(0n);
          expect(r.results[0]).toBe(43n);
          expect(asF64(r.results[1]!)).toBe(2.5);
        },
      );
    });

    it('a non-zero host status unwinds like a trap, with the code the host stored', () => {
      withHost(
        () => {
          rt.storeWords[2] = 77n;
          return 1;
        },
        (mod, ctx, exit) => {
          for (let k = 0; k < 50; k++) {
            const r = call(mod, 'caller', [ctx.address, exit, 1n, f64(0)], 2);
            expect(r.status).toBe(1n);
            expect(rt.trapCode).toBe(77);
            expect(rt.entrySp).toBe(0n);
          }
        },
      );
    });

    it('re-entrancy: the host calls back into wasm; an inner trap unwinds only the inner entry', () => {
      let inner: { status: bigint; trap: number }[] = [];
      let modRef: Module | undefined;
      const innerValues = rt.allocate(64);
      try {
        withHost(
          (v) => {
            const mod = modRef!;
            const slots = new BigUint64Array(innerValues.buffer, 0, 4);
            slots[0] = 100n;
            slots[2] = v[0]!; // divisor: the caller's i64 argument (0 traps)
            const outerSp = rt.entrySp;
            const status = entry(mod, 'entry:reenter').call(rt.vmctx.address, mod.address('reenter'), innerValues.address, 2);
            inner.push({ status, trap: rt.trapCode });
            // The inner entry restored the outer entry's entry_sp on both exits.
            if (rt.entrySp !== outerSp) throw new Error('entry_sp not restored by the inner entry');
            v[0] = status === 0n ? slots[0]! : 999n;
            return 0;
          },
          (mod, ctx, exit) => {
            modRef = mod;
            inner = [];
            const ok = call(mod, 'caller', [ctx.address, exit, 7n, f64(3)], 2);
            expect(ok.status).toBe(0n);
            expect(ok.results[0]).toBe(15n); // 100 / 7 = 14, + 1
            const trapped = call(mod, 'caller', [ctx.address, exit, 0n, f64(3)], 2);
            expect(trapped.status).toBe(0n); // the outer activation carries on
            expect(trapped.results[0]).toBe(1000n);
            expect(inner).toEqual([
              { status: 0n, trap: inner[0]!.trap },
              { status: 1n, trap: TrapCode.INTEGER_DIVISION_BY_ZERO },
            ]);
            expect(rt.entrySp).toBe(0n);
          },
        );
      } finally {
        innerValues.dispose();
      }
    });
  });

  describe('calls that are not colocated', () => {
    it('load the callee address (Abs8) and call through a register; func_addr likewise', () => {
      const callee = build(`
  function %target(i64 vmctx, i64) -> i64 wasmtime {
  block0(v0: i64, v1: i64):
      v2 = imul_imm v1, 7
      return v2
  }`);
      try {
        const [caller] = parseFunctions(`
  function %far_caller(i64 vmctx, i64) -> i64, i64 wasmtime {
      fn0 = %target(i64 vmctx, i64) -> i64 wasmtime
  block0(v0: i64, v1: i64):
      v2 = call fn0(v0, v1)
      v3 = func_addr.i64 fn0
      return v2, v3
  }`);
        const code = isa.compileFunction(caller!.stencil, { runtimeAbi: TEST_RUNTIME_ABI }).apply(caller!.params);
        expect(code.relocs.map((r) => r.kind)).toEqual(['Abs8', 'Abs8']);
        const target = callee.mod.address('target');
        const tramp = isa.emitArrayToWasmTrampoline(caller!.signature, TEST_RUNTIME_ABI);
        const text = new Uint8Array(((code.code.length + 15) & ~15) + tramp.code.length);
        text.set(code.code);
        const trampAt = (code.code.length + 15) & ~15;
        text.set(tramp.code, trampAt);
        const mem = x.publish(text, code.relocs.map((r) => ({ kind: 'Abs8' as const, offset: r.offset, target })));
        try {
          rt.slots[0] = 6n;
          rt.resetStackLimit();
          const status = x.arrayCallEntry(mem, trampAt).call(rt.vmctx.address, mem.functionAddress(0), rt.values.address, 2);
          expect(status).toBe(0n);
          expect(rt.slots[0]).toBe(42n);
          expect(rt.slots[2]).toBe(target);
        } finally {
          mem.dispose();
        }
      } finally {
        callee.mod.dispose();
      }
    });
  });
}
