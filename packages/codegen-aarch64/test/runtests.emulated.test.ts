/**
 * Every `.clif` run test of codegen-ir, compiled by the AArch64 backend and
 * run in the emulator (libunicorn) — the same files and commands the
 * interpreter and the x64 native run tests pass.
 *
 * Skipped, with a reason: expected memory faults (no signal handlers),
 * i32 pointers to stack slots (the interpreter's 32-bit address space), and
 * functions calling libcalls (their C implementations are x86-64 code).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSharedFlags } from '@derrick/codegen';
import { runClifTests } from '@derrick/codegen-ir';
import { afterAll, describe, expect, it } from 'vitest';
import { type AArch64Isa, aarch64IsaBuilder } from '../src/index.js';
import { EmulatedClifExecutor } from './emulator-harness.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../codegen-ir/test/runtests');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.clif'))
  .sort();

const totals = { passed: 0, failed: 0, skipped: 0, nan: 0 };
const skipReasons = new Map<string, number>();

describe('emulated run tests (aarch64)', () => {
  const isa = aarch64IsaBuilder(undefined, { validateRegalloc: true }).finish(defaultSharedFlags()) as AArch64Isa;
  for (const file of files) {
    it(file, () => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const exec = new EmulatedClifExecutor(isa, text);
      try {
        const report = runClifTests(text, file, exec);
        totals.passed += report.passed;
        totals.failed += report.failed;
        totals.skipped += report.skipped;
        totals.nan += exec.stats.nanMatches;
        for (const [r, n] of exec.stats.skips) skipReasons.set(r, (skipReasons.get(r) ?? 0) + n);
        expect(report.failures.map((f) => f.message)).toEqual([]);
      } finally {
        exec.dispose();
      }
    });
  }
});

afterAll(() => {
  console.log(`emulated run lines: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped; ${totals.nan} matched as some NaN`);
  for (const [r, n] of skipReasons) console.log(`  skipped ${n}: ${r}`);
});
