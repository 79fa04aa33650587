/**
 * `derrick wast [--target T] [--json] [--cache DIR] FILE...` — run `.wast` spec scripts.
 *
 * Human output: one line per file, `FILE: N passed, N failed, N skipped`,
 * its failures beneath (`  line L: command: message`), and a last line that
 * is exactly `N passed, N failed, N skipped`.
 *
 * `--json` prints one JSON object and nothing else on stdout. Its shape is a
 * contract that other tools read (the spec-suite report, CI dashboards):
 *
 * ```
 * {"target", "passed", "failed", "skipped",
 *  "byCommand": {"assert_return": {"passed", "failed", "skipped"}, …},
 *  "files": [{"file", "passed", "failed", "skipped",
 *             "failures": [{"line", "command", "message"}]}]}
 * ```
 *
 * Exit code 1 when any command failed. A directory operand stands for the
 * `.wast` files in it. Commands run in `@derrick/runtime` with Derrick's
 * compiler for the target (AArch64 emulated on an x86-64 host).
 */

import { InvalidArgumentError, type Command } from 'commander';
import { compilerBuilder } from '@derrick/compiler';
import { Config, Engine } from '@derrick/runtime';
import { runtimeExecutor, runWastFile, summarize, type WastExecutorFactory, type WastFileResult, type WastSummary } from '@derrick/wast';
import type { DiskCacheStore } from '@derrick/cache';
import type { CliCommand, CliContext } from '../command.js';
import { addSettingOptions, applySettingOptions, diskCacheStore } from '../engine-options.js';
import { CliError, describeFsError, EXIT_FAILURE } from '../errors.js';
import { expandInputs, resolvePath } from '../input.js';
import { hostTarget, parseTarget, TARGETS } from '../target.js';

interface WastOptions {
  target: string;
  json: boolean;
  cache?: string;
  set: string[];
  enable: string[];
}

/** The order `byCommand` keys are printed in (unknown keys follow, sorted). */
const COMMAND_ORDER = [
  'module',
  'register',
  'invoke',
  'get',
  'assert_return',
  'assert_trap',
  'assert_exhaustion',
  'assert_malformed',
  'assert_malformed_text',
  'assert_invalid',
  'assert_unlinkable',
  'assert_uninstantiable',
  'script',
];

function orderedByCommand(byCommand: WastSummary['byCommand']): WastSummary['byCommand'] {
  const keys = Object.keys(byCommand).sort((a, b) => {
    const ia = COMMAND_ORDER.indexOf(a);
    const ib = COMMAND_ORDER.indexOf(b);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || a.localeCompare(b);
  });
  const out: WastSummary['byCommand'] = {};
  for (const key of keys) {
    const c = byCommand[key]!;
    out[key] = { passed: c.passed, failed: c.failed, skipped: c.skipped };
  }
  return out;
}

/** The `--json` document (field order is part of the contract's readability). */
export function wastJson(target: string, summary: WastSummary): unknown {
  return {
    target,
    passed: summary.passed,
    failed: summary.failed,
    skipped: summary.skipped,
    byCommand: orderedByCommand(summary.byCommand),
    files: summary.files.map((f) => ({
      file: f.file,
      passed: f.passed,
      failed: f.failed,
      skipped: f.skipped,
      failures: f.failures.map((x) => ({ line: x.line, command: x.command, message: x.message })),
    })),
  };
}

function counts(c: { passed: number; failed: number; skipped: number }): string {
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
}

/**
 * The executor for a target: the runtime with Derrick's compiler. x86-64 code
 * runs natively on an x86-64 host; AArch64 code runs natively on an AArch64
 * host and in the runtime's emulated executor (libunicorn) on an x86-64 one.
 * A target with no executor would get none: its execution commands are
 * counted as skipped, never passed.
 */
function executorFor(options: WastOptions, cache: DiskCacheStore | undefined): WastExecutorFactory | undefined {
  const target = options.target;
  if (target !== 'x86_64' && target !== 'aarch64') return undefined;
  const configure = (c: Config): void => {
    c.target(target);
    applySettingOptions(c, options);
    if (cache !== undefined) c.enableIncrementalCompilation(cache);
  };
  // Settings are checked once, up front: a bad one is one error, not a failure per module.
  try {
    const config = new Config().compilerBuilder(compilerBuilder);
    configure(config);
    new Engine(config);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
  return runtimeExecutor({ compilerBuilder, configure });
}

async function runWast(ctx: CliContext, operands: string[], options: WastOptions): Promise<void> {
  const { io, colors } = ctx;
  const files = await expandInputs(io.cwd, operands, '.wast');
  const executor = executorFor(options, options.cache === undefined ? undefined : diskCacheStore(io.cwd, options.cache));
  const results: WastFileResult[] = [];
  for (const file of files) {
    let result: WastFileResult;
    try {
      result = await runWastFile(resolvePath(io.cwd, file), executor === undefined ? {} : { executor });
    } catch (e) {
      throw new CliError(`${file}: ${describeFsError(e)}`);
    }
    // Report the file as it was named on the command line.
    result = { ...result, file };
    results.push(result);
    if (!options.json) {
      const line = `${file}: ${counts(result)}`;
      io.stdout(`${result.failed > 0 ? colors.red(line) : line}\n`);
      for (const f of result.failures) {
        io.stdout(`  line ${f.line}: ${colors.dim(f.command)}: ${f.message}\n`);
      }
    }
  }
  const summary = summarize(results);
  if (options.json) io.stdout(`${JSON.stringify(wastJson(options.target, summary))}\n`);
  else io.stdout(`${counts(summary)}\n`);
  if (summary.failed > 0) ctx.setExitCode(EXIT_FAILURE);
}

export const wastCommand: CliCommand = {
  name: 'wast',
  register(program: Command, ctx: CliContext): void {
    const command = program
      .command('wast')
      .description('run WebAssembly spec scripts (.wast) and report passed/failed/skipped commands')
      .argument('<file...>', '.wast scripts, or directories of them')
      .option(
        '--target <target>',
        `target architecture (${TARGETS.map((t) => t.name).join(', ')})`,
        (value: string) => {
          try {
            return parseTarget(value);
          } catch (e) {
            throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
          }
        },
        hostTarget(),
      )
      .option('--json', 'print one JSON object with per-file and per-command results', false);
    addSettingOptions(command)
      .option('--cache <dir>', 'incremental compilation cache directory (created if missing; see `derrick cache`)')
      .action(async (files: string[], options: WastOptions) => runWast(ctx, files, options));
  },
};
