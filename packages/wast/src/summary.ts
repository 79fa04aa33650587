/**
 * Results of running scripts: per file, per command kind, and totals.
 *
 * The shapes here are serialised as-is by `derrick wast --json`, which other
 * tools read: add fields only with care, never rename.
 *
 * *Count-invariant*: for a file and for a summary,
 * `passed + failed + skipped` equals the number of commands counted, and
 * equals the sum of the same three fields over `byCommand`. Every failure
 * counted in `failed` has exactly one entry in `failures`.
 */

/** How commands are keyed in `byCommand`. */
export type WastCommandKey =
  | 'module'
  | 'register'
  | 'invoke'
  | 'get'
  | 'assert_return'
  | 'assert_trap'
  | 'assert_exhaustion'
  /** `assert_malformed` on a binary module: tests our decoder. */
  | 'assert_malformed'
  /** `assert_malformed` on a text or quoted module: tests wabt's text parser. */
  | 'assert_malformed_text'
  | 'assert_invalid'
  | 'assert_unlinkable'
  | 'assert_uninstantiable'
  /** A form the script parser could not read (syntax error, unknown command). */
  | 'script';

export interface WastCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface WastFailure {
  /** 1-based line of the command in the script. */
  readonly line: number;
  /** The command's key (see `WastCommandKey`). */
  readonly command: string;
  readonly message: string;
}

export interface WastFileResult extends WastCounts {
  readonly file: string;
  readonly failures: WastFailure[];
  readonly byCommand: Record<string, WastCounts>;
}

export interface WastSummary extends WastCounts {
  readonly byCommand: Record<string, WastCounts>;
  readonly files: WastFileResult[];
}

export function emptyCounts(): WastCounts {
  return { passed: 0, failed: 0, skipped: 0 };
}

/** Adds one command's outcome to a file result (keeps the Count-invariant). */
export function recordOutcome(
  result: WastFileResult,
  key: string,
  outcome: 'passed' | 'skipped' | { readonly failed: string },
  line: number,
): void {
  const counts = (result.byCommand[key] ??= emptyCounts());
  if (outcome === 'passed' || outcome === 'skipped') {
    counts[outcome]++;
    result[outcome]++;
  } else {
    counts.failed++;
    result.failed++;
    result.failures.push({ line, command: key, message: outcome.failed });
  }
}

/** Totals over several files. */
export function summarize(files: readonly WastFileResult[]): WastSummary {
  const summary: WastSummary = { ...emptyCounts(), byCommand: {}, files: [...files] };
  for (const file of files) {
    summary.passed += file.passed;
    summary.failed += file.failed;
    summary.skipped += file.skipped;
    for (const [key, counts] of Object.entries(file.byCommand)) {
      const total = (summary.byCommand[key] ??= emptyCounts());
      total.passed += counts.passed;
      total.failed += counts.failed;
      total.skipped += counts.skipped;
    }
  }
  return summary;
}
