/**
 * `derrick run [--target T] [--set name=value]... [--enable NAME]... [--invoke NAME] FILE.wasm|FILE.wat|FILE.cwasm [ARGS...]`
 * — compile (or load a precompiled) module, instantiate it, call an export.
 * A `.cwasm` (from `derrick compile`) is verified (checksum, structure) and
 * checked against this engine and host before any of it runs; a damaged or
 * incompatible one exits 1 with the reason. Without `--target`, a `.cwasm`
 * for another architecture than the host's (AArch64 on x86-64) is loaded by
 * an engine for its target, and its code runs in the emulator.
 *
 * Like `wasmtime run` for core modules: without `--invoke`, the module's
 * `_start` export is called if there is one (instantiation alone runs the
 * start function). Arguments are parsed by the export's parameter types
 * (i32/i64 as decimal or 0x hex, f32/f64 as numbers, `nan`, `inf`); each
 * result is printed on its own line (integers signed, as wasm's `.const`
 * text does). A trap prints its message on stderr and exits 1; bad input
 * exits 2 — never a stack trace.
 */
import { type Engine, Instance, Linker, Module, Store, Trap, type Val, f32FromBits, f64FromBits } from '@derrick/runtime';
import { ValType } from '@derrick/environ';
import type { Command } from 'commander';
import type { CliCommand, CliContext } from '../command.js';
import { addEngineOptions, createEngine, type EngineOptions } from '../engine-options.js';
import { CliError, EXIT_FAILURE } from '../errors.js';
import { readInputFile } from '../input.js';
import { foreignCwasmTarget, moduleFileKind, wasmBinary } from '../module-input.js';

interface RunOptions extends EngineOptions {
  invoke?: string;
}

function parseArg(type: number, text: string, index: number): Val {
  const bad = (): never => {
    throw new CliError(`argument ${index + 1} ('${text}') is not a valid ${typeName(type)}`);
  };
  switch (type) {
    case ValType.I32: {
      if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(text)) bad();
      const v = BigInt(text.replace(/^\+/, ''));
      if (v < -(2n ** 31n) || v >= 2n ** 32n) bad();
      return { type: 'i32', value: Number(BigInt.asIntN(32, v)) };
    }
    case ValType.I64: {
      if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(text)) bad();
      const v = BigInt(text.replace(/^\+/, ''));
      if (v < -(2n ** 63n) || v >= 2n ** 64n) bad();
      return { type: 'i64', value: BigInt.asIntN(64, v) };
    }
    case ValType.F32:
    case ValType.F64: {
      const n = /^[-+]?nan$/i.test(text) ? NaN : /^[-+]?inf(inity)?$/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
      if (Number.isNaN(n) && !/nan/i.test(text)) bad();
      if (type === ValType.F32) {
        const f = new Float32Array([n]);
        return { type: 'f32', bits: new Uint32Array(f.buffer)[0]! };
      }
      const d = new Float64Array([n]);
      return { type: 'f64', bits: new BigUint64Array(d.buffer)[0]! };
    }
    default:
      throw new CliError(`argument ${index + 1}: parameters of type ${typeName(type)} cannot be given on the command line`);
  }
}

function typeName(type: number): string {
  return ({ [ValType.I32]: 'i32', [ValType.I64]: 'i64', [ValType.F32]: 'f32', [ValType.F64]: 'f64', [ValType.V128]: 'v128' } as Record<number, string>)[type] ?? 'reference';
}

export function formatVal(v: Val): string {
  switch (v.type) {
    case 'i32':
      return String(v.value | 0);
    case 'i64':
      return String(BigInt.asIntN(64, v.value));
    case 'f32':
      return String(f32FromBits(v.bits));
    case 'f64':
      return String(f64FromBits(v.bits));
    case 'v128':
      return `0x${[...v.bytes].reverse().map((b) => b.toString(16).padStart(2, '0')).join('')}`;
    case 'funcref':
      return v.value === null ? 'null' : '<funcref>';
    case 'externref':
      return v.value === null ? 'null' : '<externref>';
  }
}

async function run(ctx: CliContext, file: string, args: string[], options: RunOptions): Promise<void> {
  const { io } = ctx;
  const bytes = await readInputFile(io.cwd, file);
  const kind = moduleFileKind(file, bytes);
  // An AArch64 .cwasm on an x86-64 host: an engine for its target (its code runs emulated).
  const foreign = kind === 'cwasm' && options.target === undefined ? foreignCwasmTarget(bytes) : undefined;
  const engine: Engine = createEngine(foreign === undefined ? options : { ...options, target: foreign }, io.cwd);
  const binary = kind === 'cwasm' ? undefined : await wasmBinary(file, bytes);

  let module: Module;
  try {
    module = binary === undefined ? Module.deserialize(engine, bytes) : await Module.new(engine, binary);
  } catch (e) {
    throw new CliError(`${file}: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
  }

  const store = new Store(engine);
  try {
    let instance: Instance;
    try {
      instance = new Linker(engine).instantiate(store, module);
    } catch (e) {
      if (e instanceof Trap) {
        io.stderr(`error: ${file}: ${e.message}\n`);
        ctx.setExitCode(EXIT_FAILURE);
        return;
      }
      throw new CliError(`${file}: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
    }
    const name = options.invoke ?? (instance.getFunc('_start') !== undefined ? '_start' : undefined);
    if (name === undefined) {
      if (args.length > 0) throw new CliError(`${file}: arguments given, but no --invoke and no _start export`);
      return;
    }
    const func = instance.getFunc(name);
    if (func === undefined) throw new CliError(`${file}: no exported function named '${name}'`);
    const ty = func.ty();
    if (args.length !== ty.params.length) {
      throw new CliError(`'${name}' takes ${ty.params.length} argument(s), got ${args.length}`);
    }
    const vals = ty.params.map((t, i) => parseArg(t, args[i]!, i));
    let results: Val[];
    try {
      results = func.callVals(vals);
    } catch (e) {
      if (e instanceof Trap) {
        io.stderr(`error: wasm trap: ${e.message}\n`);
        ctx.setExitCode(EXIT_FAILURE);
        return;
      }
      throw e;
    }
    for (const r of results) io.stdout(`${formatVal(r)}\n`);
  } finally {
    store.dispose();
  }
}

export const runCommand: CliCommand = {
  name: 'run',
  register(program: Command, ctx: CliContext): void {
    const command = program
      .command('run')
      .description('run a WebAssembly module (.wasm, .wat or precompiled .cwasm), optionally invoking an export')
      .argument('<file>', 'module file')
      .argument('[args...]', 'arguments for the invoked function')
      .option('--invoke <name>', 'exported function to call (default: _start, if exported)');
    addEngineOptions(command).action(async (file: string, args: string[], options: RunOptions) => run(ctx, file, args, options));
  },
};
