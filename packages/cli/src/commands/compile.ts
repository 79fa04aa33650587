/**
 * `derrick compile [--target T] [--set name=value]... [--enable NAME]... [--cache DIR] [--timings] [-o OUT.cwasm] FILE.wasm|FILE.wat`
 * — compile a module ahead of time into a precompiled `.cwasm`
 * (`Module.serialize()`), which `derrick run FILE.cwasm` and
 * `Module.deserialize` load without compiling.
 *
 * Like `wasmtime compile`: the output defaults to the input's path with the
 * extension replaced by `.cwasm`; `--target`, `--set` and `--enable` are the
 * engine options `run` takes (see `engine-options.ts`: no `--target` = the host with
 * its CPU features, so the artifact is for this machine; `--target x86_64` =
 * portable x86-64). The bytes depend only on the module and the settings —
 * not on the order of the `--set`/`--enable` flags, nor on the run — so compiling twice
 * gives identical files — with or without `--cache DIR` (the incremental
 * cache), warm or cold. `--timings` prints one line on stderr:
 * `functions=N cache_hits=H cache_misses=M compile_ms=T` (T = the whole
 * `Module.new`: decode, validate, compile, link).
 *
 * Errors: a `.cwasm` given as input says to run it instead; unknown settings,
 * bad values and impossible combinations (SIMD without SSE4.1) exit 2 naming
 * the setting; an invalid module or one the compiler cannot handle exits 1.
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Module } from '@derrick/runtime';
import type { Command } from 'commander';
import type { CliCommand, CliContext } from '../command.js';
import { addEngineOptions, createEngine, type EngineOptions } from '../engine-options.js';
import { CliError, EXIT_FAILURE, describeFsError } from '../errors.js';
import { readInputFile, resolvePath } from '../input.js';
import { moduleFileKind, wasmBinary } from '../module-input.js';

interface CompileOptions extends EngineOptions {
  output?: string;
  timings?: boolean;
}

/** `dir/name.wasm` → `dir/name.cwasm` (`name.wat`, `name` alike). */
export function defaultOutput(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.cwasm`);
}

async function compile(ctx: CliContext, file: string, options: CompileOptions): Promise<void> {
  const { io } = ctx;
  const bytes = await readInputFile(io.cwd, file);
  if (moduleFileKind(file, bytes) === 'cwasm') {
    throw new CliError(
      `${file}: this is a precompiled module (.cwasm), not a WebAssembly module; run it with \`derrick run ${file}\` ` +
        '(or load it with Module.deserialize) — `derrick compile` takes a .wasm or .wat file',
    );
  }
  const engine = createEngine(options, io.cwd);
  const binary = await wasmBinary(file, bytes);
  let module: Module;
  const t0 = performance.now();
  try {
    module = await Module.new(engine, binary);
  } catch (e) {
    throw new CliError(`${file}: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
  }
  if (options.timings === true) {
    // Exactly one line (a contract: tools/bench/cache.mjs reads it).
    const ms = performance.now() - t0;
    const s = engine.compiler().statistics();
    io.stderr(`functions=${s.functions} cache_hits=${s.cacheHits} cache_misses=${s.cacheMisses} compile_ms=${ms.toFixed(1)}\n`);
  }
  const output = options.output ?? defaultOutput(file);
  try {
    await writeFile(resolvePath(io.cwd, output), module.serialize());
  } catch (e) {
    throw new CliError(`${output}: ${describeFsError(e)}`);
  }
}

export const compileCommand: CliCommand = {
  name: 'compile',
  register(program: Command, ctx: CliContext): void {
    const command = program
      .command('compile')
      .description('compile a WebAssembly module (.wasm or .wat) into a precompiled .cwasm for `derrick run`')
      .argument('<file>', 'module file')
      .option('-o, --output <file>', 'where to write the .cwasm (default: FILE with the extension .cwasm)')
      .option('--timings', 'print `functions=N cache_hits=H cache_misses=M compile_ms=T` on stderr');
    addEngineOptions(command).action(async (file: string, options: CompileOptions) => compile(ctx, file, options));
  },
};
