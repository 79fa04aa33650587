/**
 * The shape of a subcommand. Each subcommand lives in one file under
 * `commands/` and exports a `CliCommand`; `main.ts` lists them. Adding `run`,
 * `compile`, `settings`, `explore`, `cache` or `clif` is one new file plus one
 * line in that list.
 */

import type { Command } from 'commander';
import type { Colors, CliIo } from './io.js';

export interface CliContext {
  readonly io: CliIo;
  readonly colors: Colors;
  /** Records the process exit code (the highest code set wins). */
  setExitCode(code: number): void;
}

export interface CliCommand {
  /** The subcommand's name (`derrick <name> …`). */
  readonly name: string;
  /** Adds the subcommand, its options and its action to `program`. */
  register(program: Command, ctx: CliContext): void;
}
