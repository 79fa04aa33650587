/**
 * The runtime-backed executor, driven by the script runner, on real machine
 * code. The compiler here is the runtime's test-only toy compiler (straight-
 * line integer code, calls, memories, tables, globals, bulk operations); the
 * real compiler runs the whole spec suite through the same executor
 * (`spec-runtime.test.ts`, enabled once `@derrick/compiler` provides a
 * builder).
 */
import { describe, expect, it } from 'vitest';
import { runWastText } from '../src/runner.js';
import { runtimeExecutor } from '../src/executor-runtime.js';
import { toyCompilerBuilder } from '../../runtime/test/toy/toy-compiler.js';

const executor = runtimeExecutor({ compilerBuilder: toyCompilerBuilder() });

async function run(script: string) {
  const r = await runWastText(script, 'inline.wast', { executor });
  return r;
}

describe('runtime executor', () => {
  it('runs modules, invocations and assertions', async () => {
    const r = await run(`
      (module $m
        (global $g (export "g") (mut i32) (i32.const 7))
        (global (export "big") i64 (i64.const -1))
        (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
        (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
        (func (export "set") (param i32) local.get 0 global.set $g)
        (func $loop (export "loop") (param i32) (result i32) local.get 0 call $loop)
        (func (export "boom") unreachable)
        (func (export "null") (result funcref) ref.null func)
        (func (export "self") (result funcref) ref.func $loop)
        (func (export "ext") (param externref) (result externref) local.get 0))
      (assert_return (invoke "add" (i32.const 1) (i32.const -2)) (i32.const -1))
      (assert_return (invoke "div" (i32.const 7) (i32.const 2)) (i32.const 3))
      (assert_trap (invoke "div" (i32.const 7) (i32.const 0)) "integer divide by zero")
      (assert_trap (invoke "boom") "unreachable")
      (assert_exhaustion (invoke "loop" (i32.const 0)) "call stack exhausted")
      (assert_return (get "g") (i32.const 7))
      (invoke "set" (i32.const 9))
      (assert_return (get $m "g") (i32.const 9))
      (assert_return (get "big") (i64.const -1))
      (assert_return (invoke "null") (ref.null func))
      (assert_return (invoke "self") (ref.func))
      (assert_return (invoke "ext" (ref.extern 3)) (ref.extern 3))
      (assert_return (invoke "ext" (ref.null extern)) (ref.null extern))
    `);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(14);
  });

  it('provides spectest and links registered instances', async () => {
    const r = await run(`
      (module
        (import "spectest" "print_i32" (func $print (param i32)))
        (import "spectest" "global_i32" (global $g i32))
        (import "spectest" "global_f32" (global $gf f32))
        (import "spectest" "memory" (memory 1))
        (import "spectest" "table" (table 10 funcref))
        (global (export "f") f32 (global.get $gf))
        (func (export "g") (result i32) global.get $g call $print global.get $g)
        (func (export "mem") (param i32) (result i32) local.get 0 i32.const 5 i32.store memory.size))
      (assert_return (invoke "g") (i32.const 666))
      (assert_return (invoke "mem" (i32.const 65532)) (i32.const 1))
      (assert_trap (invoke "mem" (i32.const 65533)) "out of bounds memory access")
      (assert_return (get "f") (f32.const 666.6))
      (module $A (func (export "five") (result i32) i32.const 5) (memory (export "m") 1))
      (register "A" $A)
      (module (import "A" "five" (func $five (result i32))) (func (export "ten") (result i32) call $five call $five i32.add))
      (assert_return (invoke "ten") (i32.const 10))
      (assert_unlinkable (module (import "A" "six" (func))) "unknown import")
      (assert_unlinkable (module (import "A" "five" (func (result i64)))) "incompatible import type")
      (assert_unlinkable (module (import "spectest" "memory" (memory 3))) "incompatible import type")
      (assert_unlinkable (module (import "spectest" "global_i32" (global (mut i32)))) "incompatible import type")
    `);
    expect(r.failures).toEqual([]);
    expect(r.failed).toBe(0);
  });

  it('reports instantiation traps, keeping earlier writes of the failed module', async () => {
    const r = await run(`
      (module $M (memory (export "m") 1) (func (export "load") (param i32) (result i32) local.get 0 i32.load))
      (register "M" $M)
      (assert_uninstantiable
        (module (import "M" "m" (memory 1)) (data (i32.const 0) "\\01") (data (i32.const 65536) "\\02"))
        "out of bounds memory access")
      (assert_return (invoke $M "load" (i32.const 0)) (i32.const 1))
      (assert_trap (module (func $s unreachable) (start $s)) "unreachable")
      (assert_uninstantiable (module (table 1 funcref) (func $f) (elem (i32.const 1) $f)) "out of bounds table access")
    `);
    expect(r.failures).toEqual([]);
    expect(r.failed).toBe(0);
  });

  it('reports what the compiler cannot do as a failure, not as a pass', async () => {
    const r = await run(`
      (module (func (export "f") (result i32) (block (result i32) (i32.const 1))))
      (assert_return (invoke "f") (i32.const 1))
    `);
    expect(r.failed).toBe(2);
    expect(r.failures[0]!.message).toMatch(/toy compiler: instruction block/);
  });
});
