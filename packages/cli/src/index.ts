/**
 * @derrick/cli — the `derrick` command as a library: `main(argv, io)` runs
 * the CLI in-process (see `main.ts`); `bin.ts` is the executable.
 */
export { main, COMMANDS, VERSION } from './main.js';
export { captureIo, processIo, type CliIo } from './io.js';
export { CliError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
export { TARGETS, hostTarget, parseTarget, type TargetInfo } from './target.js';
export type { CliCommand, CliContext } from './command.js';
export { wastJson } from './commands/wast.js';
