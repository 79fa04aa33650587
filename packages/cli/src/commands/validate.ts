/**
 * `derrick validate FILE...` — decode and validate modules.
 *
 * A `.wasm` file (or any file starting with the `\0asm` magic) is decoded and
 * validated by `@derrick/environ`; anything else is taken as text and turned
 * into a binary by wabt first (through `@derrick/wast`'s `watToBinary`). Each
 * valid file prints `FILE: valid`; each failure prints
 * `error: FILE: <message> (at offset 0x…)` on stderr and makes the exit code 1.
 */

import { environDecoder, formatWasmError, isWasmError, watToBinary, WatError } from '@derrick/wast';
import type { Command } from 'commander';
import type { CliCommand, CliContext } from '../command.js';
import { CliError, EXIT_FAILURE } from '../errors.js';
import { readInputFile } from '../input.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function isBinary(path: string, bytes: Uint8Array): boolean {
  if (path.endsWith('.wasm')) return true;
  if (path.endsWith('.wat') || path.endsWith('.wast')) return false;
  return WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/** wabt's "F:L:C: error: msg" lines become "F:L:C: msg"; the source excerpt is kept. */
function formatWatError(e: WatError): string {
  return e.message.replace(/^(.*?): error: /gm, '$1: ');
}

async function validateFile(ctx: CliContext, path: string): Promise<boolean> {
  const { io, colors } = ctx;
  const bytes = await readInputFile(io.cwd, path);
  let binary = bytes;
  if (!isBinary(path, bytes)) {
    try {
      binary = await watToBinary(bytes, { filename: path });
    } catch (e) {
      if (!(e instanceof WatError)) throw e;
      io.stderr(`${colors.red('error')}: ${formatWatError(e)}\n`);
      return false;
    }
  }
  try {
    environDecoder.decode(binary);
  } catch (e) {
    const message = isWasmError(e) ? formatWasmError(e) : e instanceof Error ? e.message : String(e);
    io.stderr(`${colors.red('error')}: ${path}: ${message}\n`);
    return false;
  }
  io.stdout(`${path}: valid\n`);
  return true;
}

export const validateCommand: CliCommand = {
  name: 'validate',
  register(program: Command, ctx: CliContext): void {
    program
      .command('validate')
      .description('decode and validate WebAssembly modules (.wasm binaries or .wat text)')
      .argument('<file...>', 'module files (.wasm or .wat)')
      .action(async (files: string[]) => {
        for (const file of files) {
          try {
            if (!(await validateFile(ctx, file))) ctx.setExitCode(EXIT_FAILURE);
          } catch (e) {
            // An unreadable file is reported and the others are still validated.
            if (!(e instanceof CliError)) throw e;
            ctx.io.stderr(`${ctx.colors.red('error')}: ${e.message}\n`);
            ctx.setExitCode(e.exitCode);
          }
        }
      });
  },
};
