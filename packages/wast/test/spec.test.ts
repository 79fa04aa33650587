/**
 * The official WebAssembly 2.0 spec testsuite, all 146 scripts.
 *
 * Without an executor the runner checks what needs no execution: every text
 * module converts (wabt), every binary/valid module decodes and validates,
 * every `assert_malformed` / `assert_invalid` is rejected by our decoder with
 * the reference interpreter's message. The suite directory is part of the
 * workspace's environment (`../shared/testsuite/core-2.0` beside the repo);
 * its absence is a failure, not a skip.
 */

import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runWastFile } from '../src/runner.js';
import { summarize, type WastSummary } from '../src/summary.js';

/**
 * `assert_invalid` modules whose wabt binary is not a faithful encoding of the
 * text, so our decoder is handed a different module than the script means.
 * Each entry says why no wabt option fixes it. The test fails if an entry
 * goes stale, so this list cannot hide anything else.
 */
const WABT_ENCODING_GAPS: Readonly<Record<string, string>> = {
  'select.wast:323':
    'wabt writes `select (result)` (typed select with zero result types, 0x1c 0x00) as the untyped `select` 0x1b, ' +
    'which is a different invalid module ("type mismatch" instead of "invalid result arity")',
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const suiteDir = path.resolve(repoRoot, '../shared/testsuite/core-2.0');

function failuresOf(summary: WastSummary, keys: readonly string[]): string[] {
  return summary.files.flatMap((f) =>
    f.failures
      .filter((x) => keys.includes(x.command))
      .map((x) => `${path.basename(f.file)}:${x.line}: ${x.command}: ${x.message}`),
  );
}

describe('spec testsuite core-2.0', () => {
  let summary: WastSummary;

  beforeAll(async () => {
    if (!existsSync(suiteDir)) throw new Error(`spec testsuite not found at ${suiteDir}`);
    const files = readdirSync(suiteDir)
      .filter((f) => f.endsWith('.wast'))
      .sort();
    const results = [];
    for (const file of files) results.push(await runWastFile(path.join(suiteDir, file)));
    summary = summarize(results);
  }, 120_000);

  it('finds all 146 scripts', () => {
    expect(summary.files).toHaveLength(146);
  });

  it('runs every command of every script without a crash or a syntax error', () => {
    const crashes = summary.files.flatMap((f) =>
      f.failures
        .filter((x) => x.command === 'script' || x.message.startsWith('internal error') || x.message.startsWith('syntax error'))
        .map((x) => `${path.basename(f.file)}:${x.line}: ${x.message}`),
    );
    expect(crashes).toEqual([]);
  });

  it('keeps the counts consistent (Count-invariant)', () => {
    const byCommand = Object.values(summary.byCommand).reduce((n, c) => n + c.passed + c.failed + c.skipped, 0);
    expect(byCommand).toBe(summary.passed + summary.failed + summary.skipped);
    expect(summary.files.reduce((n, f) => n + f.failures.length, 0)).toBe(summary.failed);
    // The suite's size, as a guard against silently dropped commands.
    expect(summary.passed + summary.failed + summary.skipped).toBeGreaterThan(50_000);
  });

  it('converts every text module with wabt, and wabt rejects every malformed text module', () => {
    expect(failuresOf(summary, ['assert_malformed_text'])).toEqual([]);
    const wabtFailures = summary.files.flatMap((f) => f.failures.filter((x) => x.message.startsWith('wabt')));
    expect(wabtFailures).toEqual([]);
  });

  it('never passes a command that needs execution (Skip-invariant: there is no executor)', () => {
    for (const key of ['register', 'invoke', 'get', 'assert_return', 'assert_exhaustion']) {
      const c = summary.byCommand[key];
      if (c !== undefined) expect([key, c.passed]).toEqual([key, 0]);
    }
  });

  it('rejects every assert_malformed and assert_invalid module with the expected message', () => {
    const failures = failuresOf(summary, ['assert_malformed', 'assert_invalid']);
    const unexplained = failures.filter((f) => !(f.split(': ')[0]! in WABT_ENCODING_GAPS));
    expect(unexplained).toEqual([]);
    // Stale entries: a gap that no longer fails must be removed from the list.
    expect(failures.map((f) => f.split(': ')[0])).toEqual(Object.keys(WABT_ENCODING_GAPS));
    expect(summary.byCommand['assert_malformed']?.passed).toBeGreaterThan(0);
    expect(summary.byCommand['assert_invalid']?.passed).toBeGreaterThan(0);
  });

  it('decodes and validates every module the suite expects to be valid', () => {
    expect(failuresOf(summary, ['module', 'assert_unlinkable', 'assert_uninstantiable', 'assert_trap'])).toEqual([]);
  });
});
