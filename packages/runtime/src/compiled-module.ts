/**
 * `CompiledModule`: a module's code loaded into this process, with everything
 * instantiation and calls need to find their way around it.
 *
 * It is built from a verified image (`readDerrickImage`), whether the image
 * was just compiled or deserialized: the wasm binary from `.derrick.info` is
 * decoded (and so re-validated), the function table and the trampoline list
 * are checked against it, and the text is published as executable memory
 * when the image's architecture is the host's — or when it is AArch64 on an
 * x86-64 host: that code runs in the emulated executor (jit's
 * `Aarch64Emulator`, over the same host memory; a missing libunicorn is a
 * `not-executable` error naming the package to install). An image for another
 * architecture loads (it can be inspected and re-serialized) but cannot be
 * instantiated (`not-executable`); neither can an image whose ISA flags name
 * a CPU feature the host lacks (compiled with `has_avx2` on a host without
 * AVX2 — `Module.deserialize` refuses those earlier, `compatibility.ts`).
 *
 * Relocations. A Derrick image has none: calls between functions were
 * resolved while the text was laid out. The one exception is the benchmark
 * baseline `linkopt_absolute_calls_baseline`: its image records that flag
 * among its shared flags and carries a `.rela.text` of `R_X86_64_64` /
 * `R_AARCH64_ABS64` against the functions' symbols, which `loaderRelocations`
 * turns into `CodeRelocation`s that `CodeMemory.publish` patches between
 * copying the text and sealing it. Any other image with relocations is
 * refused.
 *
 * Type indices. A module may declare one signature at several type indices;
 * the compiler makes trampolines only for the first index of each signature
 * (`typeRep[t]`, the representative), and lookups go through it.
 *
 * Invariants:
 *
 * * (complete-image) after construction, every defined function has code,
 *   every signature of a defined function has an array-to-wasm trampoline,
 *   and every signature of an imported function has a wasm-to-array
 *   trampoline — or construction failed.
 * * (code-owned) the `CodeMemory` lives exactly as long as this object; every
 *   raw code address handed out (vmctx, funcrefs) is stored only in native
 *   records of instances that hold this object.
 */
import { type ModuleTranslation, VMOffsets, decodeModule } from '@derrick/environ';
import { Aarch64Emulator, type ArrayCallEntry, CodeMemory, type CodeRelocation, type EmulatedArrayCallEntry, JitError } from '@derrick/jit';
import { type DerrickImage, STT_FUNC } from '@derrick/object';
import { registerCode } from './code-registry.js';
import { ABSOLUTE_CALLS_BASELINE_FLAG, missingHostIsaFlag } from './compatibility.js';
import { type Engine, hostArchitecture } from './engine.js';
import { RuntimeError, type TrapSite } from './errors.js';
import { type TrampolineKind, decodeModuleInfo } from './module-image.js';
import { funcTypeKey } from './types.js';

/** The `VMOffsets` of a translation (the compiler computes the same from the same counts). */
export function vmOffsetsFor(t: ModuleTranslation): VMOffsets {
  return new VMOffsets({
    numTypes: t.types.length,
    numImportedFunctions: t.numImportedFuncs,
    numImportedTables: t.numImportedTables,
    numImportedMemories: t.numImportedMemories,
    numImportedGlobals: t.numImportedGlobals,
    numDefinedFunctions: t.numDefinedFuncs,
    numDefinedTables: t.tables.length - t.numImportedTables,
    numDefinedMemories: t.memories.length - t.numImportedMemories,
    numDefinedGlobals: t.globals.length - t.numImportedGlobals,
  });
}

/** For each type index, the first index with the same signature. */
export function typeRepresentatives(t: ModuleTranslation): Uint32Array {
  const first = new Map<string, number>();
  const rep = new Uint32Array(t.types.length);
  t.types.forEach((ty, i) => {
    const key = funcTypeKey(ty);
    const r = first.get(key);
    if (r === undefined) first.set(key, i);
    rep[i] = r ?? i;
  });
  return rep;
}

/**
 * The relocations the loader applies to an image's text: none for a Derrick
 * image, and for the `linkopt_absolute_calls_baseline` benchmark baseline
 * (recorded in the image's shared flags) one `Abs8` per absolute call,
 * resolved against the called function's offset in the text. Throws
 * `RuntimeError('incompatible-module')` for relocations in any other image,
 * or of any other kind or target.
 */
export function loaderRelocations(image: DerrickImage): CodeRelocation[] {
  const sections = image.elf.relocationSections();
  if (sections.length === 0) return [];
  const fail = (what: string): never => {
    throw new RuntimeError('incompatible-module', `the compiled image is incomplete: ${what}`);
  };
  if (image.engine.sharedFlags[ABSOLUTE_CALLS_BASELINE_FLAG] !== 'true') {
    fail('it has relocations left for the loader; Derrick images resolve every call at layout time');
  }
  const abs8 = image.machine === 'x86_64' ? 'R_X86_64_64' : 'R_AARCH64_ABS64';
  const out: CodeRelocation[] = [];
  for (const s of sections) {
    const text = s.target;
    if (text?.name !== '.text') fail(`relocation section ${s.section.name} does not apply to .text`);
    for (const r of s.entries) {
      const sym = r.symbol;
      if (r.kind !== abs8 || sym === undefined || sym.type !== STT_FUNC || sym.sectionIndex !== text!.index || r.addend === undefined) {
        fail(`${ABSOLUTE_CALLS_BASELINE_FLAG} images carry only ${abs8} relocations against functions of .text; found type ${r.type} against ${sym?.name ?? 'no symbol'} at 0x${r.offset.toString(16)}`);
      }
      out.push({ kind: 'Abs8', offset: r.offset, targetOffset: sym!.value, addend: BigInt(r.addend!) });
    }
  }
  return out;
}

/** Whether code for `machine` runs in the AArch64 emulator on this host. */
export function isEmulated(machine: string): boolean {
  return machine === 'aarch64' && hostArchitecture() === 'x86_64';
}

let startedEmulator: Aarch64Emulator | undefined;

/** The emulator `emulator()` last returned, if it is still live (never creates one). */
export function runningEmulator(): Aarch64Emulator | undefined {
  return startedEmulator?.disposed === false ? startedEmulator : undefined;
}

/** The process-wide AArch64 emulator; a missing libunicorn becomes a `not-executable` RuntimeError. */
export function emulator(): Aarch64Emulator {
  try {
    return (startedEmulator = Aarch64Emulator.shared());
  } catch (error) {
    if (error instanceof JitError) {
      throw new RuntimeError('not-executable', `AArch64 code cannot run on this x86-64 host without the emulator: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

export class CompiledModule {
  readonly translation: ModuleTranslation;
  readonly offsets: VMOffsets;
  /** Module type index → engine-wide canonical id. */
  readonly typeIds: Uint32Array;
  /** Module type index → its representative (first equal) type index. */
  readonly typeRep: Uint32Array;
  /** Defined function index → text offset. */
  readonly #funcOffsets: Int32Array;
  readonly #trampolines: Map<string, number>;
  readonly #code: CodeMemory | undefined;
  /** Why the code cannot run on this host although it is for this architecture (a missing CPU feature). */
  readonly #notExecutable: string | undefined;
  readonly #entries = new Map<number, ArrayCallEntry | EmulatedArrayCallEntry>();
  /** Whether the code runs in the AArch64 emulator (an AArch64 image on an x86-64 host). */
  readonly emulated: boolean;

  constructor(
    readonly engine: Engine,
    readonly image: DerrickImage,
    /** The module's translation when the image was just compiled from it (saves decoding it again). */
    translation?: ModuleTranslation,
  ) {
    const fail = (what: string): never => {
      throw new RuntimeError('incompatible-module', `the compiled image is incomplete: ${what}`);
    };
    if (image.info === undefined) fail('it has no .derrick.info section (it was not produced by Module.serialize)');
    const info = decodeModuleInfo(image.info!);
    const t = translation ?? decodeModule(info.wasm);
    this.translation = t;
    this.offsets = vmOffsetsFor(t);
    this.typeRep = typeRepresentatives(t);
    this.typeIds = Uint32Array.from(t.types, (ty) => engine.types.idOf(ty));

    // (complete-image)
    this.#funcOffsets = new Int32Array(t.numDefinedFuncs).fill(-1);
    const functions = image.functions;
    for (let d = 0; d < t.numDefinedFuncs; d++) {
      const entry = functions?.forFunction(t.numImportedFuncs + d);
      if (entry === undefined) fail(`no code for wasm function ${t.numImportedFuncs + d}`);
      this.#funcOffsets[d] = entry!.offset;
    }
    this.#trampolines = new Map();
    for (const tr of info.trampolines) {
      if (tr.typeIndex >= t.types.length || tr.offset + tr.length > image.text.length) fail(`trampoline ${tr.kind} for type ${tr.typeIndex} is out of range`);
      this.#trampolines.set(`${tr.kind}:${this.typeRep[tr.typeIndex]}`, tr.offset);
    }
    for (let f = 0; f < t.numFuncs; f++) {
      const kind: TrampolineKind = t.isImportedFunc(f) ? 'wasm-to-array' : 'array-to-wasm';
      const rep = this.typeRep[t.functions[f]!]!;
      if (!this.#trampolines.has(`${kind}:${rep}`)) fail(`no ${kind} trampoline for type ${rep}, which function ${f} has`);
    }

    const relocations = loaderRelocations(image);
    this.emulated = isEmulated(image.machine);
    const missing = image.machine === hostArchitecture() ? missingHostIsaFlag(image.engine.target, image.engine.isaFlags) : undefined;
    this.#notExecutable = missing?.message;
    if ((image.machine === hostArchitecture() || this.emulated) && image.text.length > 0 && missing === undefined) {
      const code = CodeMemory.publish(image.text, { relocations });
      this.#code = code;
      registerCode(code.address, code.address + BigInt(code.textSize), this);
      for (const [key, offset] of this.#trampolines) {
        const [kind, rep] = key.split(':');
        if (kind === 'wasm-to-array') engine.offerWasmToArrayTrampoline(this.typeIds[Number(rep)]!, code.address + BigInt(offset), this);
      }
    }
  }

  /** Whether this host can run the code (it is for the host's architecture, or AArch64 run emulated on x86-64). */
  get executable(): boolean {
    return this.#code !== undefined || ((this.image.machine === hostArchitecture() || this.emulated) && this.image.text.length === 0 && this.#notExecutable === undefined);
  }

  #requireCode(): CodeMemory {
    if (this.#notExecutable !== undefined) throw new RuntimeError('not-executable', this.#notExecutable);
    if (this.emulated) emulator();
    if (this.#code === undefined) {
      throw new RuntimeError(
        'not-executable',
        `this module was compiled for ${this.image.machine} (target '${this.image.engine.target}'), ` +
          `which this ${hostArchitecture() ?? process.arch} host cannot execute (natively or emulated)`,
      );
    }
    return this.#code;
  }

  /** Fail early (at instantiation) when the code cannot run here. */
  checkExecutable(): void {
    if (this.translation.numFuncs > 0) this.#requireCode();
  }

  /** Address of defined function `defIndex`'s code. */
  functionCode(defIndex: number): bigint {
    return this.#requireCode().address + BigInt(this.#funcOffsets[defIndex]!);
  }

  /** Address of the wasm-to-array trampoline for module type `typeIndex` (0n if the image has none). */
  wasmToArrayCode(typeIndex: number): bigint {
    const offset = this.#trampolines.get(`wasm-to-array:${this.typeRep[typeIndex]}`);
    return offset === undefined ? 0n : this.#requireCode().address + BigInt(offset);
  }

  /** The array-to-wasm entry for module type `typeIndex`. */
  arrayCallEntry(typeIndex: number): ArrayCallEntry | EmulatedArrayCallEntry {
    const rep = this.typeRep[typeIndex]!;
    let entry = this.#entries.get(rep);
    if (entry === undefined) {
      const offset = this.#trampolines.get(`array-to-wasm:${rep}`);
      if (offset === undefined) throw new RuntimeError('internal', `no array-to-wasm trampoline for type ${rep}`);
      const code = this.#requireCode();
      entry = this.emulated ? emulator().arrayCallEntry(code.address + BigInt(offset), code) : code.arrayCallEntry(offset);
      this.#entries.set(rep, entry);
    }
    return entry;
  }

  /** Function index, name and module offset for a text offset (a trap's pc). */
  siteOf(textOffset: number): TrapSite {
    const f = this.image.functions?.lookup(textOffset);
    const wasmOffset = this.image.addressMap?.lookup(textOffset);
    const site: { funcIndex?: number; funcName?: string; wasmOffset?: number } = {};
    if (f !== undefined) {
      site.funcIndex = f.funcIndex;
      const name = this.translation.funcName(f.funcIndex);
      if (name !== undefined) site.funcName = name;
    }
    if (wasmOffset !== undefined) site.wasmOffset = wasmOffset;
    return site;
  }

  /** The trap code the trap table records at exactly `textOffset`, if any. */
  trapCodeAt(textOffset: number): number | undefined {
    return this.image.traps?.lookup(textOffset);
  }
}
