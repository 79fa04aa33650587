/**
 * Test helpers: WebAssembly text → binary (wabt, test-only), and engines
 * backed by the toy compiler.
 */
import type wabtInit = require('wabt');
import { ElfWriter, type ElfRelocation, STT_FUNC, readCwasm, writeCwasm } from '@derrick/object';
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

/**
 * A precompiled module rebuilt from its parts, for tests that tamper with
 * images: the same text, function symbols and Derrick sections (each passed
 * through `section`), and the `.text` relocations `relocations` returns
 * (given the original ones and the function symbols; default: the original).
 */
export function rebuildCwasm(
  cwasm: Uint8Array,
  edit: {
    section?: (name: string, data: Uint8Array) => Uint8Array;
    relocations?: (original: readonly ElfRelocation[], functions: readonly { name: string }[]) => readonly ElfRelocation[];
  } = {},
): Uint8Array {
  const original = readCwasm(cwasm);
  const elf = original.elf;
  const functions = elf
    .symbols()
    .filter((s) => s.type === STT_FUNC)
    .map((s) => ({ name: s.name, offset: s.value, size: s.size }));
  const w = new ElfWriter(original.machine).setText(original.text, functions);
  for (const s of elf.sections) {
    if (s.name.startsWith('.derrick.')) w.addCustomSection(s.name, edit.section?.(s.name, elf.sectionData(s)) ?? elf.sectionData(s));
  }
  const relocs: ElfRelocation[] = elf.relocationsFor('.text').map((r) => ({ offset: r.offset, kind: r.kind!, symbol: r.symbol!.name, addend: r.addend ?? 0 }));
  for (const r of edit.relocations?.(relocs, functions) ?? relocs) w.addRelocation(r);
  return writeCwasm(w.finish());
}
