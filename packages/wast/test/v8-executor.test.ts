/**
 * The runner's execution path against a real engine (V8, test-only executor):
 * numeric spec scripts whose every `assert_return` and `assert_trap` must
 * pass. This checks exact literal parsing (`float_literals.wast` compares bit
 * patterns of decimal and hex literals), NaN patterns, i64 handling, and the
 * trap/exhaustion plumbing.
 */

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runWastFile } from '../src/runner.js';
import { v8Decoder, v8Executor } from './v8-executor.js';

const suiteDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/testsuite/core-2.0');

// Scripts whose every execution command V8 can check. Left out, as V8
// limitations rather than runner ones: conversions.wast (one V8 message for
// both "integer overflow" and "invalid conversion to integer"), select,
// float_misc, float_exprs (signalling NaNs are quieted crossing into JS), and
// the table/segment scripts (V8's trap wording does not say which table trap).
const SCRIPTS = [
  'address.wast',
  'block.wast',
  'br_table.wast',
  'call.wast',
  'endianness.wast',
  'exports.wast',
  'f32.wast',
  'f32_bitwise.wast',
  'f32_cmp.wast',
  'f64.wast',
  'f64_bitwise.wast',
  'f64_cmp.wast',
  'fac.wast',
  'float_literals.wast',
  'func_ptrs.wast',
  'global.wast',
  'i32.wast',
  'i64.wast',
  'int_exprs.wast',
  'int_literals.wast',
  'left-to-right.wast',
  'loop.wast',
  'memory.wast',
  'memory_grow.wast',
  'names.wast',
  'ref_is_null.wast',
  'stack.wast',
  'start.wast',
  'traps.wast',
  'unwind.wast',
];

describe('runner with a V8-backed executor', () => {
  for (const script of SCRIPTS) {
    it(script, async () => {
      const r = await runWastFile(path.join(suiteDir, script), { decoder: v8Decoder, executor: () => v8Executor() });
      const relevant = r.failures.filter((f) => !['assert_malformed', 'assert_invalid'].includes(f.command));
      expect(relevant).toEqual([]);
      expect((r.byCommand['assert_return']?.passed ?? 0) + (r.byCommand['assert_trap']?.passed ?? 0)).toBeGreaterThan(0);
    });
  }
});
