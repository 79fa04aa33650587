/**
 * @derrick/object — public API.
 *
 * ELF64 writer and strict reader for x86-64 and AArch64 (`elf-writer.ts` holds
 * the design essay), Derrick's metadata sections, and the `.cwasm`
 * precompiled-module container.
 */
export { ObjectError, type ObjectErrorKind } from './error.js';

export {
  EM_AARCH64,
  EM_X86_64,
  ET_REL,
  RELOCATIONS,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_INFO_LINK,
  SHT_PROGBITS,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_NOTYPE,
  STT_SECTION,
  machineOf,
  relocationKindOf,
  type ElfMachine,
  type RelocationInfo,
  type RelocationKind,
} from './elf.js';

export { DEFAULT_TEXT_ALIGN, ElfWriter, type ElfRelocation, type FunctionSymbol, type SectionOptions } from './elf-writer.js';

export {
  ElfFile,
  readElf,
  type ElfHeader,
  type ElfSection,
  type ElfSymbol,
  type RelocationEntry,
  type RelocationSection,
} from './elf-reader.js';

export { DerrickSection, type DecodeContext } from './metadata.js';
export { FUNCTION_TABLE_VERSION, FunctionTable, type FunctionTableEntry } from './func-table.js';
export { TRAP_TABLE_VERSION, TrapTable, type TrapEntry } from './trap-table.js';
export { ADDRESS_MAP_VERSION, AddressMap, NO_WASM_OFFSET, type AddressMapEntry } from './address-map.js';
export {
  ENGINE_INFO_VERSION,
  decodeEngineInfo,
  diffEngineInfo,
  encodeEngineInfo,
  type EngineInfo,
  type EngineInfoDifference,
} from './engine-info.js';

export { fnv1a64 } from './checksum.js';
export {
  CWASM_MAGIC,
  CWASM_TRAILER_SIZE,
  CWASM_VERSION,
  isCwasm,
  readCwasm,
  readDerrickImage,
  writeCwasm,
  type DerrickImage,
} from './cwasm.js';
