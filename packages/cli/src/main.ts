/**
 * The `derrick` command line.
 *
 * `main(argv, io)` is the whole CLI as a function: it parses `argv` (the
 * arguments after the program name) with commander, runs the subcommand,
 * writes only through `io`, and returns the exit code. It never calls
 * `process.exit` and never lets an exception escape, so tests run it
 * in-process and `bin.ts` is three lines.
 *
 * Error policy: bad input (unknown flag, missing file, unknown target) prints
 * `error: <what and where>` on stderr with exit code 2; a command that ran and
 * found problems exits 1; an unexpected exception is a bug and prints
 * `internal error: <message>` (exit 70) — still without a stack trace unless
 * `DERRICK_DEBUG` is set.
 */

import { Command, CommanderError } from 'commander';
import type { CliCommand, CliContext } from './command.js';
import { cacheCommand } from './commands/cache.js';
import { clifCommand } from './commands/clif.js';
import { compileCommand } from './commands/compile.js';
import { runCommand } from './commands/run.js';
import { settingsCommand } from './commands/settings.js';
import { validateCommand } from './commands/validate.js';
import { wastCommand } from './commands/wast.js';
import { CliError, EXIT_OK, EXIT_USAGE } from './errors.js';
import { colors as makeColors, processIo, type CliIo } from './io.js';

/** Every subcommand, in `--help` order. */
export const COMMANDS: readonly CliCommand[] = [runCommand, compileCommand, settingsCommand, validateCommand, wastCommand, clifCommand, cacheCommand];

export const VERSION = '0.1.0';

const EXIT_INTERNAL = 70;

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = EXIT_OK;
  const colors = makeColors(io);
  const ctx: CliContext = {
    io,
    colors,
    setExitCode(code) {
      exitCode = Math.max(exitCode, code);
    },
  };

  const program = new Command('derrick')
    .description('Derrick: a WebAssembly compiler and runtime')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(s.startsWith('error: ') ? `${colors.red('error')}: ${s.slice(7)}` : s),
    })
    .exitOverride();
  // Subcommands created after this point inherit exitOverride, the output
  // configuration and showHelpAfterError from `program`.
  for (const command of COMMANDS) command.register(program, ctx);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message. `--help` and `--version`
      // arrive here with exit code 0; everything else (unknown option,
      // missing argument, no command at all) is a usage error.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof CliError) {
      io.stderr(`${colors.red('error')}: ${e.message}\n`);
      return Math.max(exitCode, e.exitCode);
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`${colors.red('internal error')}: ${message}\n`);
    if (process.env['DERRICK_DEBUG'] !== undefined && e instanceof Error && e.stack !== undefined) io.stderr(`${e.stack}\n`);
    return EXIT_INTERNAL;
  }
  return exitCode;
}
