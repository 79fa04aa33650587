/**
 * ELF64 constants and record sizes, from the System V gABI ("Object Files"
 * chapter), plus the relocation type numbers Derrick emits, from the x86-64
 * psABI ("Relocation Types") and the AArch64 ELF ABI (ELF for the Arm 64-bit
 * Architecture, "Relocation types").
 *
 * Only what the writer and reader use is named here; the reader keeps unknown
 * values as plain numbers rather than rejecting them, since a valid ELF file
 * may use types and flags this package never produces.
 */

// ---------------------------------------------------------------------------
// e_ident
// ---------------------------------------------------------------------------

export const ELF_MAGIC = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46); // "\x7fELF"
export const EI_NIDENT = 16;
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_OSABI = 7;
export const EI_ABIVERSION = 8;
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;
export const ELFOSABI_NONE = 0;

// ---------------------------------------------------------------------------
// Header fields
// ---------------------------------------------------------------------------

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

/** Sizes of the ELF64 records, in bytes. */
export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;
export const RELA_SIZE = 24;
export const REL_SIZE = 16;

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_SYMTAB_SHNDX = 18;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_INFO_LINK = 0x40;

// ---------------------------------------------------------------------------
// Symbols
// ---------------------------------------------------------------------------

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

export const STV_DEFAULT = 0;

export function stInfo(bind: number, type: number): number {
  return ((bind & 0xf) << 4) | (type & 0xf);
}

// ---------------------------------------------------------------------------
// Machines and relocations
// ---------------------------------------------------------------------------

/** The two architectures Derrick generates code for. */
export type ElfMachine = 'x86_64' | 'aarch64';

export const MACHINE_NUMBER: Readonly<Record<ElfMachine, number>> = {
  x86_64: EM_X86_64,
  aarch64: EM_AARCH64,
};

/** `ElfMachine` for an `e_machine` value, or `undefined` if Derrick does not target it. */
export function machineOf(eMachine: number): ElfMachine | undefined {
  if (eMachine === EM_X86_64) return 'x86_64';
  if (eMachine === EM_AARCH64) return 'aarch64';
  return undefined;
}

/** The relocation types Derrick emits, by their psABI names. */
export type RelocationKind =
  | 'R_X86_64_64'
  | 'R_X86_64_PC32'
  | 'R_X86_64_PLT32'
  | 'R_AARCH64_ABS64'
  | 'R_AARCH64_PREL32'
  | 'R_AARCH64_JUMP26'
  | 'R_AARCH64_CALL26';

export interface RelocationInfo {
  readonly machine: ElfMachine;
  /** The psABI number stored in the low 32 bits of `r_info`. */
  readonly type: number;
  /** Bytes of the place the relocation patches. */
  readonly width: 4 | 8;
  /** Required alignment of the place (instruction fields must sit on an instruction). */
  readonly align: 1 | 4;
}

export const RELOCATIONS: Readonly<Record<RelocationKind, RelocationInfo>> = {
  // x86-64 psABI: S + A (word64), S + A - P (word32), L + A - P (word32).
  R_X86_64_64: { machine: 'x86_64', type: 1, width: 8, align: 1 },
  R_X86_64_PC32: { machine: 'x86_64', type: 2, width: 4, align: 1 },
  R_X86_64_PLT32: { machine: 'x86_64', type: 4, width: 4, align: 1 },
  // AArch64 ELF ABI: S + A (64-bit data), S + A - P (32-bit data),
  // S + A - P into imm26 of B / BL (word offset, so the place is an aligned instruction).
  R_AARCH64_ABS64: { machine: 'aarch64', type: 257, width: 8, align: 1 },
  R_AARCH64_PREL32: { machine: 'aarch64', type: 261, width: 4, align: 1 },
  R_AARCH64_JUMP26: { machine: 'aarch64', type: 282, width: 4, align: 4 },
  R_AARCH64_CALL26: { machine: 'aarch64', type: 283, width: 4, align: 4 },
};

/** The `RelocationKind` of a psABI relocation number on `machine`, if Derrick knows it. */
export function relocationKindOf(machine: ElfMachine | undefined, type: number): RelocationKind | undefined {
  for (const [kind, info] of Object.entries(RELOCATIONS) as [RelocationKind, RelocationInfo][]) {
    if (info.machine === machine && info.type === type) return kind;
  }
  return undefined;
}
