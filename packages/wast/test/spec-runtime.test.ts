/**
 * The whole WebAssembly 2.0 spec testsuite on real compiled code: the runner,
 * the runtime-backed executor (`executor-runtime.ts`) and the compiler, on
 * the host (x86-64).
 *
 * The wast package must not depend on a compiler, so this test reaches
 * `@derrick/compiler` by path, test-only. Files without SIMD must pass every
 * command except `KNOWN_FAILURES` (each with its reason; the list can only
 * shrink). SIMD code generation is not implemented yet: in `simd_*` files
 * every failure must be that typed "not supported" error or its consequence
 * (no module instantiated), never a crash or a wrong result.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CompilerBuilder } from '@derrick/environ';
import { runtimeExecutor } from '../src/executor-runtime.js';
import { runWastFile } from '../src/runner.js';
import { summarize, type WastSummary } from '../src/summary.js';

/** `file:line` → why it is expected to fail. */
const KNOWN_FAILURES: Readonly<Record<string, string>> = {
  'select.wast:323': 'wabt encoding gap (see spec.test.ts)',
};

const suiteDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/testsuite/core-2.0');

async function loadCompiler(): Promise<(() => CompilerBuilder) | undefined> {
  try {
    const compiler = (await import('../../compiler/src/index.js')) as Record<string, unknown>;
    const factory = compiler['compilerBuilder'];
    return typeof factory === 'function' ? (factory as () => CompilerBuilder) : undefined;
  } catch {
    return undefined;
  }
}

const factory = await loadCompiler();

const SIMD_CONSEQUENCES = /SIMD is not supported|no module is instantiated/;

describe('spec testsuite on the runtime (x86-64)', () => {
  it('the compiler exports its builder', () => {
    expect(factory).toBeTypeOf('function');
  });

  it('passes every command of every non-SIMD script, except the known failures; SIMD fails only as unsupported', async () => {
    expect(existsSync(suiteDir)).toBe(true);
    const executor = runtimeExecutor({ compilerBuilder: factory! });
    const files = readdirSync(suiteDir).filter((f) => f.endsWith('.wast')).sort();
    expect(files.length).toBe(146);
    const plain = [];
    const simd = [];
    for (const file of files) {
      const r = await runWastFile(path.join(suiteDir, file), { executor });
      (file.startsWith('simd_') ? simd : plain).push(r);
    }
    const summary: WastSummary = summarize(plain);
    const failures = summary.files.flatMap((f) => f.failures.map((x) => `${path.basename(f.file)}:${x.line}: ${x.command}: ${x.message}`));
    const unexpected = failures.filter((f) => !(f.split(': ')[0]! in KNOWN_FAILURES));
    expect(unexpected).toEqual([]);
    expect(summary.skipped).toBe(0);
    expect(summary.byCommand['assert_return']?.passed).toBeGreaterThan(20_000);
    const simdUnexpected = summarize(simd).files.flatMap((f) =>
      f.failures.filter((x) => !SIMD_CONSEQUENCES.test(x.message)).map((x) => `${path.basename(f.file)}:${x.line}: ${x.message}`),
    );
    expect(simdUnexpected).toEqual([]);
    console.log(`non-SIMD spec files: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  }, 1_800_000);

  // The engine above compiles for the host with its CPU features inferred
  // (popcnt, lzcnt, tzcnt, roundss, fma…). An explicit `x86_64` target is the
  // baseline (SSE2 only), so these runs cover every fallback sequence.
  it('passes the integer and float scripts with the baseline target too (no CPU feature flags)', async () => {
    const executor = runtimeExecutor({ compilerBuilder: factory!, configure: (c) => c.target('x86_64') });
    const files = ['i32', 'i64', 'f32', 'f64', 'conversions', 'int_exprs', 'float_exprs', 'float_misc', 'f32_bitwise', 'f64_bitwise'];
    const results = [];
    for (const f of files) results.push(await runWastFile(path.join(suiteDir, `${f}.wast`), { executor }));
    const summary = summarize(results);
    expect(summary.files.flatMap((f) => f.failures.map((x) => `${path.basename(f.file)}:${x.line}: ${x.message}`))).toEqual([]);
    expect(summary.skipped).toBe(0);
    expect(summary.byCommand['assert_return']?.passed).toBeGreaterThan(5_000);
  }, 600_000);
});
