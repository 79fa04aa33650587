/**
 * `derrick clif test FILE.clif...` — run Cranelift-style IR run tests.
 *
 * Each file holds `test run` / `test interpret` headers, functions in CLIF
 * text, and `; run: %f(1, 2) == 3` lines; every run line is executed by
 * `@derrick/codegen-ir`'s reference interpreter. Prints each failure with its
 * file and line, a per-file count, and a final `N passed, N failed` line;
 * exits 1 when anything failed. A file that does not parse counts as one
 * failure at the line of the parse error.
 */

import { runClifTests } from '@derrick/codegen-ir';
import type { Command } from 'commander';
import type { CliCommand, CliContext } from '../command.js';
import { CliError, EXIT_FAILURE } from '../errors.js';
import { readInputFile } from '../input.js';

async function testFiles(ctx: CliContext, files: string[]): Promise<void> {
  const { io, colors } = ctx;
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let text: string;
    try {
      text = new TextDecoder().decode(await readInputFile(io.cwd, file));
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      io.stderr(`${colors.red('error')}: ${e.message}\n`);
      ctx.setExitCode(e.exitCode);
      failed++;
      continue;
    }
    const report = runClifTests(text, file);
    for (const f of report.failures) {
      const where = `${file}:${f.line}: `;
      const message = f.message.startsWith(where) ? f.message.slice(where.length) : f.message;
      io.stdout(`  ${colors.red('FAIL')} ${where}${message}\n`);
    }
    io.stdout(`${file}: ${report.passed} passed, ${report.failed} failed\n`);
    passed += report.passed;
    failed += report.failed;
  }
  io.stdout(`${passed} passed, ${failed} failed\n`);
  if (failed > 0) ctx.setExitCode(EXIT_FAILURE);
}

export const clifCommand: CliCommand = {
  name: 'clif',
  register(program: Command, ctx: CliContext): void {
    const clif = program.command('clif').description('work with Derrick IR in CLIF text form');
    clif
      .command('test')
      .description('run `; run:` tests of .clif files through the IR interpreter')
      .argument('<file...>', '.clif files')
      .action(async (files: string[]) => testFiles(ctx, files));
  },
};
