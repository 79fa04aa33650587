import { describe, expect, it } from 'vitest';
import type { WasmDecoder } from './decoder.js';
import { WastExecutionError, type WastExecutor } from './executor.js';
import { runWastText } from './runner.js';
import type { WastFileResult } from './summary.js';
import type { WastValue } from './values.js';

/** Does `bytes` contain the ASCII text `marker` (e.g. in an export name)? */
function contains(bytes: Uint8Array, marker: string): boolean {
  return Buffer.from(bytes).includes(marker);
}

class FakeWasmError extends Error {
  constructor(
    readonly kind: 'decode' | 'validate',
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * A decoder with scripted behaviour: short input is malformed, a bad magic is
 * malformed, an export named "INVALID" makes the module invalid, one named
 * "CRASH" makes the decoder itself throw a non-WasmError.
 */
const fakeDecoder: WasmDecoder = {
  decode(bytes) {
    if (bytes.length < 8) throw new FakeWasmError('decode', 'unexpected end', bytes.length);
    if (!contains(bytes.subarray(0, 4), '\0asm')) throw new FakeWasmError('decode', 'magic header not detected', 0);
    if (contains(bytes, 'INVALID')) throw new FakeWasmError('validate', 'type mismatch: expected i32', 0x2a);
    if (contains(bytes, 'CRASH')) throw new TypeError('decoder bug');
    return { bytes };
  },
};

/** An executor whose exports behave according to their names. */
function fakeExecutor(): WastExecutor<{ bytes: Uint8Array }> {
  const registered: string[] = [];
  return {
    async instantiate({ bytes }) {
      if (contains(bytes, 'UNLINK')) throw new WastExecutionError('unlinkable', 'unknown import "m" "f"');
      if (contains(bytes, 'TRAPSTART')) throw new WastExecutionError('trap', 'unreachable executed');
      return { bytes };
    },
    register(as) {
      registered.push(as);
    },
    async invoke(_instance, field, args): Promise<WastValue[]> {
      switch (field) {
        case 'one':
          return [{ type: 'i32', value: 1 }];
        case 'echo':
          return [...args];
        case 'nan':
          return [{ type: 'f32', bits: 0x7fc00000 }];
        case 'div':
          throw new WastExecutionError('trap', 'integer divide by zero');
        case 'deep':
          throw new WastExecutionError('exhaustion', 'call stack exhausted');
        default:
          return [];
      }
    },
    async get() {
      return { type: 'i64', value: 5n };
    },
  };
}

function counts(result: WastFileResult, key: string): [number, number, number] {
  const c = result.byCommand[key];
  return c === undefined ? [0, 0, 0] : [c.passed, c.failed, c.skipped];
}

function checkCountInvariant(result: WastFileResult): void {
  const sum = Object.values(result.byCommand).reduce(
    (a, c) => [a[0] + c.passed, a[1] + c.failed, a[2] + c.skipped],
    [0, 0, 0],
  );
  expect(sum).toEqual([result.passed, result.failed, result.skipped]);
  expect(result.failures).toHaveLength(result.failed);
}

const SCRIPT = String.raw`
(module $m (func (export "one") (result i32) (i32.const 1)))
(register "m" $m)
(invoke "one")
(get "g")
(assert_return (invoke "one") (i32.const 1))
(assert_trap (invoke "div") "integer divide by zero")
(assert_exhaustion (invoke "deep") "call stack exhausted")
(assert_malformed (module binary "\00asm") "unexpected end")
(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end")
(assert_malformed (module quote "(func (i32.const 0x1_0000_0000))") "constant out of range")
(assert_malformed (module quote "(func)") "this text is fine")
(assert_invalid (module (func (export "INVALID"))) "type mismatch")
(assert_invalid (module (func (export "INVALID"))) "unknown type")
(assert_invalid (module binary "") "type mismatch")
(assert_unlinkable (module (import "m" "UNLINK" (func))) "unknown import")
(assert_unlinkable (module binary "\00asm") "unknown import")
(assert_uninstantiable (module (func (export "TRAPSTART"))) "unreachable")
(assert_trap (module (func (export "TRAPSTART"))) "unreachable")
`;

describe('without an executor (Skip-invariant)', () => {
  it('checks decoding and text conversion, and skips everything that needs execution', async () => {
    const r = await runWastText(SCRIPT, 'script.wast', { decoder: fakeDecoder });
    checkCountInvariant(r);
    expect(counts(r, 'module')).toEqual([0, 0, 1]);
    expect(counts(r, 'register')).toEqual([0, 0, 1]);
    expect(counts(r, 'invoke')).toEqual([0, 0, 1]);
    expect(counts(r, 'get')).toEqual([0, 0, 1]);
    expect(counts(r, 'assert_return')).toEqual([0, 0, 1]);
    expect(counts(r, 'assert_trap')).toEqual([0, 0, 2]);
    expect(counts(r, 'assert_exhaustion')).toEqual([0, 0, 1]);
    expect(counts(r, 'assert_malformed')).toEqual([1, 1, 0]);
    expect(counts(r, 'assert_malformed_text')).toEqual([1, 1, 0]);
    expect(counts(r, 'assert_invalid')).toEqual([1, 2, 0]);
    expect(counts(r, 'assert_unlinkable')).toEqual([0, 1, 1]);
    expect(counts(r, 'assert_uninstantiable')).toEqual([0, 0, 1]);
    expect(r.failures.map((f) => [f.line, f.command])).toEqual([
      [10, 'assert_malformed'],
      [12, 'assert_malformed_text'],
      [14, 'assert_invalid'],
      [15, 'assert_invalid'],
      [17, 'assert_unlinkable'],
    ]);
    expect(r.failures[0]!.message).toMatch(/decoded and validated; expected malformed/);
    expect(r.failures[1]!.message).toMatch(/wabt accepted text/);
    expect(r.failures[2]!.message).toMatch(/wrong validation error: expected "unknown type", got: type mismatch: expected i32 \(at offset 0x2a\)/);
    expect(r.failures[3]!.message).toMatch(/got a decode error: unexpected end/);
    expect(r.failures[4]!.message).toMatch(/module is malformed: unexpected end/);
  });

  it('counts a failing plain module as a failure, with the decoder message', async () => {
    const r = await runWastText('(module (func (export "INVALID")))', 'x.wast', { decoder: fakeDecoder });
    expect(counts(r, 'module')).toEqual([0, 1, 0]);
    expect(r.failures[0]!.message).toBe('module is invalid: type mismatch: expected i32 (at offset 0x2a)');
  });

  it('reports a text module wabt cannot parse, with the script position', async () => {
    const r = await runWastText('\n\n  (module (func (call $nowhere)))', 'pos.wast', { decoder: fakeDecoder });
    expect(counts(r, 'module')).toEqual([0, 1, 0]);
    expect(r.failures[0]!.line).toBe(3);
    expect(r.failures[0]!.message).toMatch(/wabt could not convert the module: pos\.wast:3:\d+: error: undefined function variable/);
  });
});

describe('with an executor', () => {
  it('runs and checks actions and instantiation', async () => {
    const r = await runWastText(SCRIPT, 'script.wast', { decoder: fakeDecoder, executor: fakeExecutor });
    checkCountInvariant(r);
    expect(counts(r, 'module')).toEqual([1, 0, 0]);
    expect(counts(r, 'register')).toEqual([1, 0, 0]);
    expect(counts(r, 'invoke')).toEqual([1, 0, 0]);
    expect(counts(r, 'get')).toEqual([1, 0, 0]);
    expect(counts(r, 'assert_return')).toEqual([1, 0, 0]);
    expect(counts(r, 'assert_trap')).toEqual([2, 0, 0]);
    expect(counts(r, 'assert_exhaustion')).toEqual([1, 0, 0]);
    expect(counts(r, 'assert_unlinkable')).toEqual([1, 1, 0]);
    expect(counts(r, 'assert_uninstantiable')).toEqual([1, 0, 0]);
  });

  it('compares results bitwise and reports mismatches', async () => {
    const r = await runWastText(
      String.raw`(module)
      (assert_return (invoke "echo" (f32.const -0)) (f32.const 0))
      (assert_return (invoke "echo" (f32.const nan:0x600000)) (f32.const nan:arithmetic))
      (assert_return (invoke "echo" (f32.const nan:0x600000)) (f32.const nan:canonical))
      (assert_return (invoke "nan") (f32.const nan:canonical))
      (assert_return (invoke "echo" (v128.const i32x4 0x7fc00000 1 2 3)) (v128.const f32x4 nan:canonical 0x1p-149 0x1p-148 0x1.8p-148))
      (assert_return (invoke "echo" (i64.const -1)) (i64.const 0xffffffffffffffff))
      (assert_return (invoke "echo" (ref.extern 1)) (ref.extern))
      (assert_return (invoke "echo" (ref.null extern)) (ref.extern))
      (assert_return (invoke "one") (either (i32.const 0) (i32.const 1)))
      (assert_return (invoke "one"))
      (assert_trap (invoke "one") "unreachable")
      (assert_trap (invoke "div") "integer overflow")
      (assert_return (invoke $nope "one") (i32.const 1))`,
      'cmp.wast',
      { decoder: fakeDecoder, executor: fakeExecutor },
    );
    checkCountInvariant(r);
    expect(r.failures.map((f) => f.line)).toEqual([2, 4, 9, 11, 12, 13, 14]);
    expect(r.failures[0]!.message).toBe('"echo" result 0: expected f32 0 (0x00000000), got f32 -0 (0x80000000)');
    expect(r.failures[3]!.message).toBe('"one" returned 1 value(s), expected 0');
    expect(r.failures[4]!.message).toMatch(/returned \[i32 1\]; expected a trap/);
    expect(r.failures[5]!.message).toBe('wrong trap message: expected "integer overflow", got "integer divide by zero"');
    expect(r.failures[6]!.message).toBe('unknown module $nope');
  });
});

describe('Containment-invariant', () => {
  it('records a crash as a failure of that command and goes on', async () => {
    const r = await runWastText(
      `(module (func (export "CRASH")))
       (assert_invalid (module (func (export "INVALID"))) "type mismatch")`,
      'crash.wast',
      { decoder: fakeDecoder },
    );
    checkCountInvariant(r);
    expect(r.failures).toEqual([{ line: 1, command: 'module', message: 'internal error: decoder bug' }]);
    expect(counts(r, 'assert_invalid')).toEqual([1, 0, 0]);
  });

  it('records a malformed command and keeps going; a syntax error stops reading after running what came before', async () => {
    const r = await runWastText(
      `(assert_invalid (module (func (export "INVALID"))) "type mismatch")
       (assert_return (invoke "f") (i32.const 99999999999))
       (assert_invalid (module (func (export "INVALID"))) "type mismatch")
       (module "unterminated`,
      'syntax.wast',
      { decoder: fakeDecoder },
    );
    checkCountInvariant(r);
    expect(counts(r, 'assert_invalid')).toEqual([2, 0, 0]);
    expect(r.failures.map((f) => [f.line, f.command])).toEqual([
      [2, 'assert_return'],
      [4, 'script'],
    ]);
    expect(r.failures[0]!.message).toMatch(/syntax error: constant out of range/);
    expect(r.failures[1]!.message).toMatch(/syntax error: unclosed string literal/);
  });
});

describe('failureMessageMatches', () => {
  it('needs the expected text, except the element index of "uninitialized element N"', async () => {
    const { failureMessageMatches } = await import('./runner.js');
    expect(failureMessageMatches('integer divide by zero (in wasm function 1)', 'integer divide by zero')).toBe(true);
    expect(failureMessageMatches('integer overflow', 'integer divide by zero')).toBe(false);
    expect(failureMessageMatches('uninitialized element (in wasm function 3)', 'uninitialized element 2')).toBe(true);
    expect(failureMessageMatches('undefined element', 'uninitialized element 2')).toBe(false);
  });
});
