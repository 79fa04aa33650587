/**
 * Test helpers: WebAssembly text → binary (wabt, test-only), and engines
 * backed by the toy compiler.
 */
import type wabtInit = require('wabt');
import { type CompilerBuilder, Config, Engine, Module } from '../src/index.js';
import { type ToyOptions, toyCompilerBuilder } from './toy/toy-compiler.js';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

const FEATURES = { mutable_globals: true, sat_float_to_int: true, sign_extension: true, simd: true, multi_value: true, bulk_memory: true, reference_types: true };

/** The binary of a text module. */
export async function wat(text: string): Promise<Uint8Array> {
  wabt ??= import('wabt').then((mod) => (mod as unknown as { default: typeof wabtInit }).default());
  const w = await wabt;
  const input = new TextEncoder().encode(text);
  const exact = new Uint8Array(input.length); // wabt reads view.buffer whole
  exact.set(input);
  const module = w.parseWat('<input>', exact, FEATURES);
  try {
    module.resolveNames();
    return module.toBinary({}).buffer.slice();
  } finally {
    module.destroy();
  }
}

/** A config whose compiler is the toy compiler. */
export function toyConfig(options: ToyOptions = {}): Config {
  return new Config().compilerBuilder(toyCompilerBuilder(options));
}

/** An engine backed by the toy compiler. */
export function toyEngine(configure: (c: Config) => Config = (c) => c): Engine {
  return new Engine(configure(toyConfig()));
}

/** Compile a text module. */
export async function compileWat(engine: Engine, text: string): Promise<Module> {
  return Module.new(engine, await wat(text));
}

/** A compiler to run the shared suites (`suites/`) with. */
export interface Backend {
  readonly name: string;
  readonly factory: () => CompilerBuilder;
}

export const TOY: Backend = { name: 'toy compiler', factory: toyCompilerBuilder() };

/** An engine of `backend`, with optional further configuration. */
export function engineOf(backend: Backend, configure: (c: Config) => Config = (c) => c): Engine {
  return new Engine(configure(new Config().compilerBuilder(backend.factory)));
}
