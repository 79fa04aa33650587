/**
 * `Module`: compiled code for one WebAssembly module, ready to instantiate in
 * any store of its engine.
 *
 * `Module.new` compiles (see `compile.ts`) into an image and loads it through
 * the same path as `Module.deserialize`, so a module always runs exactly the
 * bytes `serialize()` returns. `deserialize` verifies the container
 * (`readCwasm`: magic, trailer, checksum, structure) and then the engine
 * compatibility policy (`compatibility.ts`) before any code is mapped.
 */
import { ExternalKind, type ModuleTranslation, decodeModule, validate } from '@derrick/environ';
import { readCwasm, readDerrickImage, writeCwasm } from '@derrick/object';
import { checkCompatibility } from './compatibility.js';
import { compileToImage } from './compile.js';
import { CompiledModule } from './compiled-module.js';
import type { Engine } from './engine.js';
import { importType } from './instance.js';
import { INNER } from './internal.js';
import type { ExportType, ExternType, ImportType } from './types.js';

export class Module {
  /** @internal */
  readonly [INNER]: CompiledModule;
  readonly #image: Uint8Array;

  private constructor(compiled: CompiledModule, image: Uint8Array) {
    this[INNER] = compiled;
    this.#image = image;
  }

  /**
   * Decode, validate and compile a WebAssembly binary. Rejects with a
   * `WasmError` (malformed or invalid), or a `CompileError` — `no-compiler`
   * for an engine without a compiler.
   */
  static async new(engine: Engine, bytes: Uint8Array | ArrayBuffer): Promise<Module> {
    const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    engine.compiler(); // fail fast, before decoding, when there is no compiler
    return Module.fromTranslation(engine, decodeModule(input));
  }

  /** Compile a module that is already decoded and validated (the wast runner has one). */
  static async fromTranslation(engine: Engine, translation: ModuleTranslation): Promise<Module> {
    const image = await compileToImage(engine, translation);
    return new Module(new CompiledModule(engine, readDerrickImage(image), translation), image);
  }

  /**
   * Load a module from `serialize()`'s bytes (a `.cwasm`). Throws an
   * `ObjectError` for a damaged or foreign file and a
   * `RuntimeError('incompatible-module')` naming the differing setting when
   * this engine cannot run it. Works without a compiler.
   */
  static deserialize(engine: Engine, bytes: Uint8Array): Module {
    const image = readCwasm(bytes);
    checkCompatibility(engine, image.engine);
    return new Module(new CompiledModule(engine, image), image.image);
  }

  /** Whether `bytes` is a valid WebAssembly module (decodes and validates). */
  static validate(_engine: Engine, bytes: Uint8Array): boolean {
    return validate(bytes);
  }

  /** The precompiled form (`.cwasm`): the image plus a checksummed trailer. */
  serialize(): Uint8Array {
    return writeCwasm(this.#image);
  }

  get engine(): Engine {
    return this[INNER].engine;
  }

  /** The module's name from its name section, if any. */
  get name(): string | undefined {
    return this[INNER].translation.names.moduleName;
  }

  imports(): ImportType[] {
    const t = this[INNER].translation;
    return t.imports.map((imp) => ({ module: imp.module, name: imp.name, type: importType(t, imp) }));
  }

  exports(): ExportType[] {
    const t = this[INNER].translation;
    return t.exports.map((e) => ({ name: e.name, type: exportType(t, e.kind, e.index) }));
  }
}

function exportType(t: ModuleTranslation, kind: ExternalKind, index: number): ExternType {
  switch (kind) {
    case ExternalKind.Func:
      return { kind: 'func', type: t.funcType(index) };
    case ExternalKind.Table:
      return { kind: 'table', type: t.tables[index]! };
    case ExternalKind.Memory:
      return { kind: 'memory', type: t.memories[index]! };
    case ExternalKind.Global:
      return { kind: 'global', type: t.globals[index]! };
  }
}
