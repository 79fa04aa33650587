/**
 * Every `.clif` run test of codegen-ir, compiled by the x64 backend and run
 * natively — the same files and commands the interpreter passes — once with
 * baseline ISA flags (SSE2 only: every fallback sequence) and once with all
 * flags the host supports (lzcnt, tzcnt, popcnt, roundss, FMA…).
 *
 * Commands that cannot mean the same thing natively are skipped, with a
 * reason: expected memory faults (there are no signal handlers; generated
 * code must bound-check explicitly) and i32 pointers to stack slots (the
 * interpreter's address space is 32-bit, the native stack is not).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSharedFlags } from '@derrick/codegen';
import { runClifTests } from '@derrick/codegen-ir';
import { hostX64Features } from '@derrick/jit';
import { afterAll, describe, expect, it } from 'vitest';
import { type X64Isa, X64_SETTINGS, x64IsaBuilder } from '../src/index.js';
import { NativeClifExecutor } from './native-harness.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../codegen-ir/test/runtests');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.clif'))
  .sort();

function isaWith(flags: 'baseline' | 'host-all'): X64Isa {
  const b = x64IsaBuilder(undefined, { validateRegalloc: true });
  if (flags === 'host-all') {
    const host = hostX64Features() as unknown as Record<string, boolean>;
    for (const d of X64_SETTINGS.settings) if (host[d.name]) b.settings.enable(d.name);
  }
  return b.finish(defaultSharedFlags()) as X64Isa;
}

const totals = { passed: 0, failed: 0, skipped: 0, nanSign: 0 };
const skipReasons = new Map<string, number>();

for (const flags of ['baseline', 'host-all'] as const) {
  describe(`native run tests (${flags} ISA flags)`, () => {
    const isa = isaWith(flags);
    for (const file of files) {
      it(file, () => {
        const text = readFileSync(path.join(dir, file), 'utf8');
        const exec = new NativeClifExecutor(isa, text);
        try {
          const report = runClifTests(text, file, exec);
          totals.passed += report.passed;
          totals.failed += report.failed;
          totals.skipped += report.skipped;
          totals.nanSign += exec.stats.nanSignMatches;
          for (const [r, n] of exec.stats.skips) skipReasons.set(`${flags}: ${r}`, (skipReasons.get(`${flags}: ${r}`) ?? 0) + n);
          expect(report.failures.map((f) => f.message)).toEqual([]);
        } finally {
          exec.dispose();
        }
      });
    }
  });
}

afterAll(() => {
  console.log(`native run lines: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped; ${totals.nanSign} matched up to the sign of a generated NaN`);
  for (const [r, n] of skipReasons) console.log(`  skipped ${n}: ${r}`);
});
