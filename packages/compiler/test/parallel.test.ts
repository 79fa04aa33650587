/**
 * Parallel compilation on worker threads (`src/parallel/`): the bodies a
 * pool returns are byte-identical to a sequential compile's (SameCompiler),
 * on a small module with the thresholds lowered and on QuickJS with the
 * default ones; a failing function rejects with its own `CompileError`
 * (FirstErrorWins); a worker that cannot start is an error naming it
 * (DeadWorkerIsAnError). Workers run the built `dist/` (CI builds first).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serializeCompiledCodeStencil } from '@derrick/codegen';
import { CompileError, decodeModule, type CompiledBody, type ModuleTranslation } from '@derrick/environ';
import { watToBinary } from '@derrick/wast';
import { afterAll, describe, expect, it } from 'vitest';
import { CompilePool, DerrickCompiler, DerrickCompilerBuilder, workerScriptAvailable } from '../src/index.js';
import type { TextBody } from '../src/text-builder.js';

const compilers: DerrickCompiler[] = [];
afterAll(async () => {
  await Promise.all(compilers.map((c) => c.close()));
});

function compiler(settings: Record<string, string> = {}, triple = 'x86_64'): DerrickCompiler {
  const b = new DerrickCompilerBuilder(triple);
  for (const [n, v] of Object.entries(settings)) b.set(n, v);
  const c = b.build() as DerrickCompiler;
  compilers.push(c);
  return c;
}

/** `workers` worker threads, plus the calling thread when `callerWorks`. */
function forceParallel(c: DerrickCompiler, workers = 2, callerWorks = false): DerrickCompiler {
  c.parallel = { minFunctions: 1, minCodeBytes: 0, maxThreads: workers + (callerWorks ? 1 : 0), callerWorks };
  return c;
}

function bytesOf(b: CompiledBody): { code: Uint8Array; params: string } {
  const t = b as unknown as TextBody;
  return { code: serializeCompiledCodeStencil(t.code), params: t.params?.toString() ?? '' };
}

const SMALL = `(module
  (memory 1)
  (global $g (mut i32) (i32.const 7))
  (table 4 funcref)
  (type $t (func (param i32) (result i32)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (param i32 i32) (result i32) (local $acc i32)
    (block $out (loop $l (br_if $out (i32.ge_u (local.get 0) (local.get 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.load (local.get 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 4))) (br $l)))
    (local.get $acc))
  (func $f64 (param f64 f64) (result f64) (f64.add (f64.mul (local.get 0) (local.get 1)) (f64.sqrt (local.get 0))))
  (func $ind (param i32) (result i32) (call_indirect (type $t) (local.get 0) (local.get 0)))
  (func $glob (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
  (func $div (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  (func $same1 (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $same2 (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
)`;

describe.skipIf(!workerScriptAvailable())('parallel compilation', () => {
  it('gives the bodies of a sequential compile, byte for byte, in the order asked', async () => {
    const t = decodeModule(await watToBinary(SMALL));
    const seq = compiler();
    const par = forceParallel(compiler());
    const order = [8, 0, 3, 1, 2, 4, 5, 6, 7, 0];
    const expected = order.map((i) => bytesOf(seq.compileFunction(t, i)));
    const got = (await par.compileFunctions(t, order)).map(bytesOf);
    expect(par.statistics().workers).toBe(2);
    expect(got).toEqual(expected);
    // The pool is kept: a second module goes to the same, now warm, workers.
    const again = (await par.compileFunctions(decodeModule(await watToBinary(SMALL)), [1, 2])).map(bytesOf);
    expect(again).toEqual([expected[3], expected[4]]);
    // The calling thread working beside one worker: the same bodies.
    const both = forceParallel(compiler(), 1, true);
    expect((await both.compileFunctions(t, order)).map(bytesOf)).toEqual(expected);
    expect(both.statistics()).toMatchObject({ workers: 1, functions: order.length });
  });

  it('also for AArch64 and opt_level=none (the worker gets every setting)', async () => {
    const t = decodeModule(await watToBinary(SMALL));
    const settings = { opt_level: 'none', linkopt_padding_between_functions: '16' };
    const seq = compiler(settings, 'aarch64');
    const par = forceParallel(compiler(settings, 'aarch64'), 1);
    const all = Array.from({ length: t.numDefinedFuncs }, (_, i) => i);
    expect((await par.compileFunctions(t, all)).map(bytesOf)).toEqual(all.map((i) => bytesOf(seq.compileFunction(t, i))));
  });

  it('rejects with the failing function’s CompileError', async () => {
    const wat = SMALL.replace(/\)\s*$/, '(func $v (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))');
    const t = decodeModule(await watToBinary(wat));
    const all = Array.from({ length: t.numDefinedFuncs }, (_, i) => i);
    let sequential: unknown;
    try {
      all.forEach((i) => compiler().compileFunction(t, i));
    } catch (e) {
      sequential = e;
    }
    expect(sequential).toBeInstanceOf(CompileError);
    for (const callerWorks of [false, true]) {
      const err = await forceParallel(compiler(), 1, callerWorks).compileFunctions(t, all).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CompileError);
      expect((err as CompileError).kind).toBe((sequential as CompileError).kind);
      expect((err as CompileError).message).toBe((sequential as CompileError).message);
    }
  });

  it('reports a worker that cannot start as a CompileError naming it', async () => {
    const t = decodeModule(await watToBinary(SMALL));
    const pool = new CompilePool({ triple: 'x86_64', settings: [['opt_levle', 'speed']] }, 1);
    const err = await pool.compile(t, [0, 1]).catch((e: unknown) => e);
    await pool.close();
    expect(err).toBeInstanceOf(CompileError);
    expect((err as Error).message).toMatch(/compile worker thread \d+ failed: .*opt_levle/);
  });

  it('compiles QuickJS on worker threads with the default size thresholds, identically', { timeout: 120_000 }, async () => {
    const require = createRequire(import.meta.url);
    const file = join(dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json')), 'dist', 'emscripten-module.wasm');
    const t: ModuleTranslation = decodeModule(new Uint8Array(readFileSync(file)));
    const all = Array.from({ length: t.numDefinedFuncs }, (_, i) => i);
    const par = compiler();
    par.parallel = { ...par.parallel, maxThreads: 2 };
    const got = await par.compileFunctions(t, all);
    expect(par.statistics().workers).toBe(1);
    const seq = compiler();
    // Compare a spread of functions (all 1,321 would double the test's time).
    for (let i = 0; i < all.length; i += 7) expect(bytesOf(got[i]!), `function ${i}`).toEqual(bytesOf(seq.compileFunction(t, i)));
  });
});
