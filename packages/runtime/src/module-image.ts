/**
 * A compiled module as an image: the ELF object `Module.serialize()` writes
 * and `Module.deserialize` reads, and the runtime's own `.derrick.info`
 * section inside it.
 *
 * There is one loading path: a freshly compiled module is turned into an
 * image (`buildImage`) and loaded exactly like a deserialized one (through
 * `readDerrickImage`, so what runs is what `serialize()` would write).
 *
 * `.derrick.info` (opaque to `@derrick/object`; all little-endian):
 *
 * ```text
 *   u32 version = 1
 *   u32 wasmLength; wasmLength bytes     -- the module binary
 *   u32 n; n × { u8 kind (1 = array-to-wasm, 2 = wasm-to-array),
 *                u32 typeIndex, u32 textOffset, u32 length }
 * ```
 *
 * The module binary is kept whole rather than a serialized
 * `ModuleTranslation`: it is what the data segments, the name section and
 * the const expressions are read from anyway, re-decoding it on load
 * re-validates it (a corrupted or hand-made image cannot smuggle an invalid
 * module past the validator), and its format is the most stable one there is.
 * Function bodies' code is found through `.derrick.funcs`; trampolines
 * through the list above.
 */
import { type CompiledText, type FuncKey, type ModuleTranslation, funcKeyName } from '@derrick/environ';
import {
  DEFAULT_TEXT_ALIGN,
  AddressMap,
  DerrickSection,
  ElfWriter,
  type EngineInfo,
  FunctionTable,
  NO_WASM_OFFSET,
  TrapTable,
  encodeEngineInfo,
} from '@derrick/object';
import { RuntimeError } from './errors.js';

export const MODULE_INFO_VERSION = 1;

export type TrampolineKind = 'array-to-wasm' | 'wasm-to-array';

export interface TrampolineLocation {
  readonly kind: TrampolineKind;
  readonly typeIndex: number;
  readonly offset: number;
  readonly length: number;
}

export interface ModuleInfo {
  readonly wasm: Uint8Array;
  readonly trampolines: readonly TrampolineLocation[];
}

const KIND_CODE: Record<TrampolineKind, number> = { 'array-to-wasm': 1, 'wasm-to-array': 2 };

export function encodeModuleInfo(info: ModuleInfo): Uint8Array {
  const out = new Uint8Array(12 + info.wasm.length + 13 * info.trampolines.length);
  const view = new DataView(out.buffer);
  let pos = 0;
  view.setUint32(pos, MODULE_INFO_VERSION, true);
  view.setUint32(pos + 4, info.wasm.length, true);
  pos += 8;
  out.set(info.wasm, pos);
  pos += info.wasm.length;
  view.setUint32(pos, info.trampolines.length, true);
  pos += 4;
  for (const t of info.trampolines) {
    view.setUint8(pos, KIND_CODE[t.kind]);
    view.setUint32(pos + 1, t.typeIndex, true);
    view.setUint32(pos + 5, t.offset, true);
    view.setUint32(pos + 9, t.length, true);
    pos += 13;
  }
  return out;
}

export function decodeModuleInfo(bytes: Uint8Array): ModuleInfo {
  const fail = (what: string): never => {
    throw new RuntimeError('incompatible-module', `malformed ${DerrickSection.info} section: ${what}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) fail('truncated header');
  const version = view.getUint32(0, true);
  if (version !== MODULE_INFO_VERSION) {
    throw new RuntimeError(
      'incompatible-module',
      `${DerrickSection.info} section has format version ${version}, but this build of Derrick reads version ${MODULE_INFO_VERSION}; recompile the module`,
    );
  }
  const wasmLength = view.getUint32(4, true);
  let pos = 8;
  if (pos + wasmLength + 4 > bytes.length) fail(`module binary of ${wasmLength} bytes does not fit`);
  const wasm = bytes.slice(pos, pos + wasmLength);
  pos += wasmLength;
  const n = view.getUint32(pos, true);
  pos += 4;
  if (pos + 13 * n !== bytes.length) fail(`${n} trampoline entries do not match the section size`);
  const trampolines: TrampolineLocation[] = [];
  for (let i = 0; i < n; i++, pos += 13) {
    const code = view.getUint8(pos);
    const kind = code === 1 ? 'array-to-wasm' : code === 2 ? 'wasm-to-array' : fail(`trampoline ${i} has unknown kind ${code}`);
    trampolines.push({ kind, typeIndex: view.getUint32(pos + 1, true), offset: view.getUint32(pos + 5, true), length: view.getUint32(pos + 9, true) });
  }
  return { wasm, trampolines };
}

/** Symbol name of a body in the image (`wasm[0]::function[3]`, `array_to_wasm[type1]`, …). */
export function bodySymbolName(translation: ModuleTranslation, key: FuncKey): string {
  return key.kind === 'wasm' ? `wasm[0]::function[${translation.numImportedFuncs + key.defIndex}]` : funcKeyName(key);
}

/** The ELF relocation type of an `Abs8` (a 64-bit absolute address) on each machine. */
const ABS8_RELOCATION = { x86_64: 'R_X86_64_64', aarch64: 'R_AARCH64_ABS64' } as const;

/**
 * Wrap a finished text section and its metadata into an ELF image:
 * `.text` with one symbol per body, `.derrick.funcs`, `.derrick.traps`,
 * `.derrick.addrmap`, `.derrick.engine`, `.derrick.info`; and `.rela.text`
 * when the text has relocations — only the `Abs8` calls of the
 * `linkopt_absolute_calls_baseline` benchmark baseline, each against the
 * symbol of the body it calls (`R_X86_64_64` / `R_AARCH64_ABS64`).
 */
export function buildImage(engine: EngineInfo, machine: 'x86_64' | 'aarch64', translation: ModuleTranslation, text: CompiledText): Uint8Array {
  const size = text.text.length;
  const functions: { funcIndex: number; offset: number; length: number }[] = [];
  const trampolines: TrampolineLocation[] = [];
  for (const loc of text.locations) {
    if (loc.key.kind === 'wasm') functions.push({ funcIndex: translation.numImportedFuncs + loc.key.defIndex, offset: loc.offset, length: loc.length });
    else trampolines.push({ kind: loc.key.kind, typeIndex: loc.key.typeIndex, offset: loc.offset, length: loc.length });
  }
  functions.sort((a, b) => a.offset - b.offset);

  // The compiler reports sorted lists; keep one entry per offset (the tables require strictly increasing offsets).
  const traps: { codeOffset: number; trapCode: number }[] = [];
  for (const t of text.traps) {
    if (traps.length > 0 && traps[traps.length - 1]!.codeOffset >= t.offset) continue;
    traps.push({ codeOffset: t.offset, trapCode: t.code });
  }
  const addresses: { codeOffset: number; wasmOffset: number }[] = [];
  for (const a of text.addressMap) {
    const last = addresses[addresses.length - 1];
    const entry = { codeOffset: a.codeOffset, wasmOffset: a.wasmOffset >>> 0 === NO_WASM_OFFSET ? NO_WASM_OFFSET : a.wasmOffset };
    if (last !== undefined && last.codeOffset === a.codeOffset) addresses[addresses.length - 1] = entry;
    else if (last === undefined || last.codeOffset < a.codeOffset) addresses.push(entry);
  }

  const writer = new ElfWriter(machine).setText(
    text.text,
    text.locations.map((loc) => ({ name: bodySymbolName(translation, loc.key), offset: loc.offset, size: loc.length })),
    { align: Math.max(text.alignment ?? DEFAULT_TEXT_ALIGN, DEFAULT_TEXT_ALIGN) },
  );
  if (text.relocations.length > 0) {
    const symbolOf = new Map(text.locations.map((loc) => [funcKeyName(loc.key), bodySymbolName(translation, loc.key)]));
    for (const r of text.relocations) {
      const symbol = symbolOf.get(r.target);
      if (r.kind !== 'Abs8' || symbol === undefined) {
        throw new RuntimeError('internal', `cannot write a ${r.kind} relocation to ${r.target} at text offset 0x${r.offset.toString(16)} into the image`);
      }
      writer.addRelocation({ offset: r.offset, kind: ABS8_RELOCATION[machine], symbol, addend: r.addend });
    }
  }
  return writer
    .addCustomSection(DerrickSection.funcs, FunctionTable.fromEntries(functions, size).encode(), { align: 4 })
    .addCustomSection(DerrickSection.traps, TrapTable.fromEntries(traps, size).encode(), { align: 4 })
    .addCustomSection(DerrickSection.addrmap, AddressMap.fromEntries(addresses, size).encode(), { align: 4 })
    .addCustomSection(DerrickSection.engine, encodeEngineInfo(engine))
    .addCustomSection(DerrickSection.info, encodeModuleInfo({ wasm: translation.bytes, trampolines }), { align: 4 })
    .finish();
}
