/**
 * ELF64 little-endian reader with strict bounds checking.
 *
 * # The problem
 *
 * `jit` and `runtime` load images from disk, where anything can happen to the
 * bytes, and the CLI inspects files users hand it. The reader must find
 * sections by name, read symbol tables and relocations, and on *any* input —
 * truncated, bit-flipped, crafted — either succeed or throw an `ObjectError`
 * that says what was wrong and at which file offset. It must not throw a
 * `RangeError`, loop forever, allocate in proportion to a number read from the
 * file rather than to the file's size, or spend time out of proportion to the
 * file's size.
 *
 * # The approach
 *
 * `readElf` parses eagerly what every caller needs (the header and the section
 * header table, with section names) and validates it completely; symbol tables
 * and relocation sections are parsed on first request, validated completely,
 * and cached. Every count that sizes a loop or an allocation is checked
 * against the bytes that actually exist before it is used. Values are JS
 * numbers: a 64-bit field above 2^53 − 1 is rejected as `unsupported` rather
 * than rounded (Derrick's images never have one; kernel images do).
 *
 * It reads ELF64 LE files in general — `ET_REL` objects from other tools,
 * executables and shared objects — far enough to list sections, symbols
 * (`SHT_SYMTAB`/`SHT_DYNSYM`, including `SHN_XINDEX` through
 * `SHT_SYMTAB_SHNDX`) and relocations (`SHT_RELA` and `SHT_REL`); program
 * headers are bounds-checked but not interpreted.
 *
 * # Invariants
 *
 * * **(typed-failure)** see `error.ts`.
 * * **(bounded-allocation)** every array the reader allocates has at most one
 *   element per `k` bytes of input for a fixed record size `k`: section
 *   headers (64), symbols (24), relocations (16 or 24).
 * * **(linear-work)** string-table lookups are memoised by offset, and the
 *   bytes scanned for names are charged against a budget of
 *   `NAME_BUDGET_FACTOR × file size + NAME_BUDGET_SLACK`; overlapping-suffix
 *   tricks in a crafted string table therefore cost linear time, and fail
 *   with `unsupported` rather than going quadratic.
 * * **(section-bounds)** after `readElf` returns, every section that is not
 *   `SHT_NOBITS`/`SHT_NULL` lies inside the file, so `sectionData` never
 *   needs to check again.
 */
import { decodeUtf8, viewOf } from './bytes.js';
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  EI_ABIVERSION,
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  EI_VERSION,
  ELF_MAGIC,
  ET_REL,
  EV_CURRENT,
  PHDR_SIZE,
  RELA_SIZE,
  RELOCATIONS,
  REL_SIZE,
  SHDR_SIZE,
  SHF_INFO_LINK,
  SHN_LORESERVE,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_NOBITS,
  SHT_NULL,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  SYM_SIZE,
  machineOf,
  relocationKindOf,
  type ElfMachine,
  type RelocationKind,
} from './elf.js';
import { ObjectError, hex, quote } from './error.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
export const NAME_BUDGET_FACTOR = 8;
export const NAME_BUDGET_SLACK = 1 << 20;

export interface ElfHeader {
  /** `EI_OSABI` and `EI_ABIVERSION` of `e_ident`. */
  readonly osabi: number;
  readonly abiVersion: number;
  /** `e_type`: `ET_REL` (1), `ET_EXEC` (2), `ET_DYN` (3), … */
  readonly type: number;
  /** `e_machine`: `EM_X86_64` (62), `EM_AARCH64` (183), … */
  readonly machine: number;
  readonly entry: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  /** Program header count (after extended numbering). */
  readonly phnum: number;
  /** Section count, including the null section 0 (after extended numbering). */
  readonly shnum: number;
  /** Index of the section-name string table (after extended numbering). */
  readonly shstrndx: number;
}

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** File offset of this section's header. */
  readonly headerOffset: number;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** `STB_*`: the high nibble of `st_info`. */
  readonly binding: number;
  /** `STT_*`: the low nibble of `st_info`. */
  readonly type: number;
  /** `STV_*`: the low two bits of `st_other`. */
  readonly visibility: number;
  /** `st_shndx`, with `SHN_XINDEX` resolved through `SHT_SYMTAB_SHNDX`; may be a reserved `SHN_*` value. */
  readonly sectionIndex: number;
}

export interface RelocationEntry {
  /** `r_offset`: a section offset in `ET_REL` files, an address otherwise. */
  readonly offset: number;
  /** The psABI type number (low 32 bits of `r_info`). */
  readonly type: number;
  /** The Derrick name of `type` on this machine, if it is one Derrick emits. */
  readonly kind: RelocationKind | undefined;
  readonly symbolIndex: number;
  /** The symbol, or `undefined` for index 0 (no symbol). */
  readonly symbol: ElfSymbol | undefined;
  /** `r_addend` for `SHT_RELA`; `undefined` for `SHT_REL` (implicit addend). */
  readonly addend: number | undefined;
}

export interface RelocationSection {
  /** The `SHT_RELA`/`SHT_REL` section itself. */
  readonly section: ElfSection;
  /** The section the relocations apply to (`sh_info`), if any. */
  readonly target: ElfSection | undefined;
  /** The symbol table the entries index (`sh_link`), if any. */
  readonly symbolTable: ElfSection | undefined;
  readonly entries: readonly RelocationEntry[];
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

/** Parses an ELF64 LE file; see the module comment for what is checked. */
export function readElf(bytes: Uint8Array): ElfFile {
  return new ElfFile(bytes);
}

export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: readonly ElfSection[];
  /** `x86_64`/`aarch64`, or `undefined` for a machine Derrick does not target. */
  readonly machine: ElfMachine | undefined;

  private readonly view: DataView;
  private nameBudget: number;
  private readonly stringCache = new Map<number, Map<number, string>>();
  private readonly symbolCache = new Map<number, readonly ElfSymbol[]>();
  private relocationCache: readonly RelocationSection[] | undefined;

  constructor(readonly bytes: Uint8Array) {
    this.view = viewOf(bytes);
    this.nameBudget = NAME_BUDGET_FACTOR * bytes.length + NAME_BUDGET_SLACK;
    this.header = this.parseHeader();
    this.machine = machineOf(this.header.machine);
    this.sections = this.parseSections();
  }

  // ---------------------------------------------------------------------------
  // Header and section table
  // ---------------------------------------------------------------------------

  private u64(at: number, field: string): number {
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    if (hi > 0x1fffff) throw new ObjectError('unsupported', `${field} is larger than 2^53 - 1`, at);
    return hi * 0x1_0000_0000 + lo;
  }

  private i64(at: number, field: string): number {
    const v = this.view.getBigInt64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ObjectError('unsupported', `${field} is outside ±(2^53 - 1)`, at);
    }
    return Number(v);
  }

  private parseHeader(): ElfHeader {
    const b = this.bytes;
    const n = b.length;
    const prefix = Math.min(4, n);
    for (let i = 0; i < prefix; i++) {
      if (b[i] !== ELF_MAGIC[i]) {
        if (n >= 4 && WASM_MAGIC.every((m, j) => b[j] === m)) {
          throw new ObjectError('bad-magic', 'this is a WebAssembly binary (magic \\0asm), not an ELF object', 0);
        }
        const seen = Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
        throw new ObjectError('bad-magic', `not an ELF file: expected magic 7f 45 4c 46, found ${seen}`, 0);
      }
    }
    if (n < EHDR_SIZE) throw new ObjectError('truncated', `file is ${n} bytes, shorter than the 64-byte ELF64 header`, n);
    if (b[EI_CLASS] !== ELFCLASS64) {
      throw new ObjectError('unsupported', `EI_CLASS is ${b[EI_CLASS]}; only ELFCLASS64 (2) is supported`, EI_CLASS);
    }
    if (b[EI_DATA] !== ELFDATA2LSB) {
      throw new ObjectError('unsupported', `EI_DATA is ${b[EI_DATA]}; only little-endian (ELFDATA2LSB, 1) is supported`, EI_DATA);
    }
    if (b[EI_VERSION] !== EV_CURRENT) {
      throw new ObjectError('unsupported', `EI_VERSION is ${b[EI_VERSION]}; expected EV_CURRENT (1)`, EI_VERSION);
    }
    const v = this.view;
    const version = v.getUint32(20, true);
    if (version !== EV_CURRENT) throw new ObjectError('unsupported', `e_version is ${version}; expected EV_CURRENT (1)`, 20);
    const ehsize = v.getUint16(52, true);
    if (ehsize !== EHDR_SIZE) throw new ObjectError('malformed', `e_ehsize is ${ehsize}; an ELF64 header is 64 bytes`, 52);

    const shoff = this.u64(40, 'e_shoff');
    let shnum = v.getUint16(60, true);
    let shstrndx = v.getUint16(62, true);
    const shentsize = v.getUint16(58, true);
    if (shoff === 0) {
      if (shnum !== 0) throw new ObjectError('malformed', `e_shnum is ${shnum} but e_shoff is 0`, 60);
      shstrndx = 0;
    } else {
      if (shentsize !== SHDR_SIZE) throw new ObjectError('malformed', `e_shentsize is ${shentsize}; an ELF64 section header is 64 bytes`, 58);
      if (shoff > n - SHDR_SIZE) {
        throw new ObjectError('truncated', `section header table at ${hex(shoff)} starts past the end of the ${n}-byte file`, 40);
      }
      // Extended numbering (gABI): counts that do not fit e_shnum/e_shstrndx live in section header 0.
      if (shnum === 0) {
        shnum = this.u64(shoff + 32, 'section 0 sh_size (extended section count)');
        if (shnum === 0) throw new ObjectError('malformed', 'e_shoff is set but the section count is 0', 60);
      }
      if (shstrndx === SHN_XINDEX) shstrndx = v.getUint32(shoff + 40, true);
      if (shnum > (n - shoff) / SHDR_SIZE) {
        throw new ObjectError(
          'truncated',
          `section header table (${shnum} × 64 bytes at ${hex(shoff)}) extends past the end of the ${n}-byte file`,
          shoff,
        );
      }
      if (shstrndx >= shnum) throw new ObjectError('malformed', `e_shstrndx ${shstrndx} is not a section index (e_shnum is ${shnum})`, 62);
    }

    const phoff = this.u64(32, 'e_phoff');
    let phnum = v.getUint16(56, true);
    if (phnum === 0xffff && shoff !== 0) phnum = v.getUint32(shoff + 44, true);
    if (phnum > 0) {
      const phentsize = v.getUint16(54, true);
      if (phentsize !== PHDR_SIZE) throw new ObjectError('malformed', `e_phentsize is ${phentsize}; an ELF64 program header is 56 bytes`, 54);
      if (phoff > n || phnum > (n - phoff) / PHDR_SIZE) {
        throw new ObjectError('truncated', `program header table (${phnum} × 56 bytes at ${hex(phoff)}) extends past the end of the ${n}-byte file`, 32);
      }
    }

    return {
      osabi: b[EI_OSABI]!,
      abiVersion: b[EI_ABIVERSION]!,
      type: v.getUint16(16, true),
      machine: v.getUint16(18, true),
      entry: this.u64(24, 'e_entry'),
      phoff,
      shoff,
      flags: v.getUint32(48, true),
      phnum,
      shnum,
      shstrndx,
    };
  }

  private parseSections(): ElfSection[] {
    const { shoff, shnum, shstrndx } = this.header;
    const n = this.bytes.length;
    const v = this.view;
    const raw: Omit<ElfSection, 'name'>[] = [];
    const nameOffsets: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * SHDR_SIZE;
      const type = v.getUint32(at + 4, true);
      const section = {
        index: i,
        type,
        flags: this.u64(at + 8, `section [${i}] sh_flags`),
        addr: this.u64(at + 16, `section [${i}] sh_addr`),
        offset: this.u64(at + 24, `section [${i}] sh_offset`),
        size: this.u64(at + 32, `section [${i}] sh_size`),
        link: v.getUint32(at + 40, true),
        info: v.getUint32(at + 44, true),
        addralign: this.u64(at + 48, `section [${i}] sh_addralign`),
        entsize: this.u64(at + 56, `section [${i}] sh_entsize`),
        headerOffset: at,
      };
      // SHT_NULL sections (section 0 above all, whose sh_size may hold the extended
      // section count) and SHT_NOBITS sections occupy no file space.
      if (type !== SHT_NOBITS && type !== SHT_NULL && (section.offset > n || section.size > n - section.offset)) {
        throw new ObjectError(
          'truncated',
          `section [${i}] data [${hex(section.offset)}, ${hex(section.offset + section.size)}) extends past the end of the ${n}-byte file`,
          at + 24,
        );
      }
      if (section.addralign > 1 && !isPowerOfTwo(section.addralign)) {
        throw new ObjectError('malformed', `section [${i}] sh_addralign ${section.addralign} is not a power of two`, at + 48);
      }
      raw.push(section);
      nameOffsets.push(v.getUint32(at, true));
    }
    if (shnum === 0 || shstrndx === 0) return raw.map((s) => ({ ...s, name: '' }));
    const strtab = raw[shstrndx]!;
    if (strtab.type !== SHT_STRTAB) {
      throw new ObjectError('malformed', `section-name table (section [${shstrndx}]) has type ${strtab.type}, not SHT_STRTAB`, strtab.headerOffset + 4);
    }
    const sections: ElfSection[] = [];
    for (let i = 0; i < raw.length; i++) {
      const s = raw[i]!;
      sections.push({ ...s, name: this.stringAt(strtab, nameOffsets[i]!, `name of section [${i}]`, s.headerOffset) });
    }
    return sections;
  }

  /** The NUL-terminated string at `offset` of string table `table`; `at` is where the reference was read. */
  private stringAt(table: Omit<ElfSection, 'name'>, offset: number, what: string, at: number): string {
    let cache = this.stringCache.get(table.index);
    if (cache === undefined) {
      cache = new Map();
      this.stringCache.set(table.index, cache);
    }
    const known = cache.get(offset);
    if (known !== undefined) return known;
    if (offset >= table.size) {
      throw new ObjectError('malformed', `${what}: string offset ${hex(offset)} is outside its string table (section [${table.index}], ${table.size} bytes)`, at);
    }
    const data = this.bytes.subarray(table.offset, table.offset + table.size);
    const end = data.indexOf(0, offset);
    this.nameBudget -= (end < 0 ? data.length : end) - offset + 1;
    if (this.nameBudget < 0) {
      throw new ObjectError('unsupported', `${what}: string tables reference more name bytes than ${NAME_BUDGET_FACTOR}× the file size`, at);
    }
    if (end < 0) {
      throw new ObjectError('malformed', `${what}: string at ${hex(table.offset + offset)} is not NUL-terminated within its string table`, at);
    }
    const s = decodeUtf8(data.subarray(offset, end), what, table.offset + offset);
    cache.set(offset, s);
    return s;
  }

  // ---------------------------------------------------------------------------
  // Sections
  // ---------------------------------------------------------------------------

  /** The first section named `name`, if any. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The first section named `name`; throws `missing-section` if there is none. */
  requireSection(name: string): ElfSection {
    const s = this.section(name);
    if (s === undefined) throw new ObjectError('missing-section', `the image has no ${name} section`);
    return s;
  }

  /** The bytes of a section (a view into the file, not a copy); empty for `SHT_NOBITS`/`SHT_NULL`. */
  sectionData(section: ElfSection | string): Uint8Array {
    const s = typeof section === 'string' ? this.requireSection(section) : section;
    if (s.type === SHT_NOBITS || s.type === SHT_NULL) return this.bytes.subarray(0, 0);
    // Post-invariant (section-bounds) of parseSections: this range is inside the file.
    return this.bytes.subarray(s.offset, s.offset + s.size);
  }

  private linked(s: ElfSection, field: 'link' | 'info', what: string): ElfSection {
    const index = s[field];
    const target = this.sections[index];
    if (index === 0 || target === undefined) {
      throw new ObjectError(
        'malformed',
        `section [${s.index}] ${quote(s.name)}: sh_${field} ${index} does not name ${what} (e_shnum is ${this.sections.length})`,
        s.headerOffset + (field === 'link' ? 40 : 44),
      );
    }
    return target;
  }

  // ---------------------------------------------------------------------------
  // Symbols
  // ---------------------------------------------------------------------------

  /** The `SHT_SYMTAB` section, if any (the gABI allows at most one). */
  symbolTable(): ElfSection | undefined {
    return this.sections.find((s) => s.type === SHT_SYMTAB);
  }

  /**
   * The symbols of `table` (default: the `SHT_SYMTAB` section; none if there
   * is none), index 0 included, fully validated.
   */
  symbols(table: ElfSection | undefined = this.symbolTable()): readonly ElfSymbol[] {
    if (table === undefined) return [];
    const cached = this.symbolCache.get(table.index);
    if (cached !== undefined) return cached;
    const where = `symbol table [${table.index}] ${quote(table.name)}`;
    if (table.type !== SHT_SYMTAB && table.type !== SHT_DYNSYM) {
      throw new ObjectError('malformed', `section [${table.index}] ${quote(table.name)} is used as a symbol table but has type ${table.type}`, table.headerOffset + 4);
    }
    if (table.entsize !== SYM_SIZE) throw new ObjectError('malformed', `${where}: sh_entsize is ${table.entsize}, expected 24`, table.headerOffset + 56);
    if (table.size % SYM_SIZE !== 0) throw new ObjectError('malformed', `${where}: size ${table.size} is not a multiple of 24`, table.headerOffset + 32);
    const strtab = this.linked(table, 'link', 'a string table');
    if (strtab.type !== SHT_STRTAB) {
      throw new ObjectError('malformed', `${where}: sh_link names section [${strtab.index}], which is not SHT_STRTAB`, table.headerOffset + 40);
    }
    const count = table.size / SYM_SIZE;
    if (table.info > count) {
      throw new ObjectError('malformed', `${where}: sh_info ${table.info} (first non-local symbol) exceeds the symbol count ${count}`, table.headerOffset + 44);
    }
    const shndxTable = this.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === table.index);
    const v = this.view;
    const out: ElfSymbol[] = [];
    for (let i = 0; i < count; i++) {
      const at = table.offset + i * SYM_SIZE;
      const infoByte = v.getUint8(at + 4);
      let sectionIndex = v.getUint16(at + 6, true);
      if (sectionIndex === SHN_XINDEX) {
        if (shndxTable === undefined || shndxTable.size < (i + 1) * 4) {
          throw new ObjectError('malformed', `${where}: symbol ${i} uses SHN_XINDEX but no SHT_SYMTAB_SHNDX entry covers it`, at + 6);
        }
        sectionIndex = v.getUint32(shndxTable.offset + i * 4, true);
        if (sectionIndex >= this.sections.length) {
          throw new ObjectError('malformed', `${where}: symbol ${i} has extended section index ${sectionIndex}, not a section`, shndxTable.offset + i * 4);
        }
      } else if (sectionIndex < SHN_LORESERVE && sectionIndex >= this.sections.length) {
        throw new ObjectError('malformed', `${where}: symbol ${i} has st_shndx ${sectionIndex}, not a section (e_shnum is ${this.sections.length})`, at + 6);
      }
      out.push({
        index: i,
        name: this.stringAt(strtab, v.getUint32(at, true), `${where}: name of symbol ${i}`, at),
        value: this.u64(at + 8, `${where}: st_value of symbol ${i}`),
        size: this.u64(at + 16, `${where}: st_size of symbol ${i}`),
        binding: infoByte >> 4,
        type: infoByte & 0xf,
        visibility: v.getUint8(at + 5) & 0x3,
        sectionIndex,
      });
    }
    this.symbolCache.set(table.index, out);
    return out;
  }

  /** The first symbol of the `SHT_SYMTAB` section named `name`, if any. */
  findSymbol(name: string): ElfSymbol | undefined {
    return this.symbols().find((s) => s.name === name && s.index !== 0);
  }

  // ---------------------------------------------------------------------------
  // Relocations
  // ---------------------------------------------------------------------------

  /** Every `SHT_RELA`/`SHT_REL` section with its entries, in section order. */
  relocationSections(): readonly RelocationSection[] {
    if (this.relocationCache !== undefined) return this.relocationCache;
    const out: RelocationSection[] = [];
    for (const s of this.sections) {
      if (s.type === SHT_RELA || s.type === SHT_REL) out.push(this.parseRelocations(s));
    }
    this.relocationCache = out;
    return out;
  }

  /** The relocations that apply to the section named `name` (empty if none). */
  relocationsFor(name: string): readonly RelocationEntry[] {
    return this.relocationSections()
      .filter((r) => r.target?.name === name)
      .flatMap((r) => r.entries);
  }

  private parseRelocations(s: ElfSection): RelocationSection {
    const rela = s.type === SHT_RELA;
    const entsize = rela ? RELA_SIZE : REL_SIZE;
    const where = `relocation section [${s.index}] ${quote(s.name)}`;
    if (s.entsize !== entsize) throw new ObjectError('malformed', `${where}: sh_entsize is ${s.entsize}, expected ${entsize}`, s.headerOffset + 56);
    if (s.size % entsize !== 0) throw new ObjectError('malformed', `${where}: size ${s.size} is not a multiple of ${entsize}`, s.headerOffset + 32);
    const symbolTable = s.link === 0 ? undefined : this.linked(s, 'link', 'a symbol table');
    const symbols = symbolTable === undefined ? [] : this.symbols(symbolTable);
    const target = s.info !== 0 || (s.flags & SHF_INFO_LINK) !== 0 ? this.linked(s, 'info', 'the section it relocates') : undefined;
    const checkPlace = this.header.type === ET_REL && target !== undefined && target.type !== SHT_NOBITS;
    const v = this.view;
    const entries: RelocationEntry[] = [];
    for (let i = 0; i < s.size / entsize; i++) {
      const at = s.offset + i * entsize;
      const offset = this.u64(at, `${where}: r_offset of entry ${i}`);
      const type = v.getUint32(at + 8, true);
      const symbolIndex = v.getUint32(at + 12, true);
      if (symbolIndex !== 0 && symbolIndex >= symbols.length) {
        throw new ObjectError('malformed', `${where}: entry ${i} refers to symbol ${symbolIndex}, but its symbol table has ${symbols.length}`, at + 12);
      }
      const kind = relocationKindOf(this.machine, type);
      if (checkPlace && kind !== undefined && offset + RELOCATIONS[kind].width > target.size) {
        throw new ObjectError('malformed', `${where}: entry ${i} (${kind}) patches bytes past the end of ${quote(target.name)} at ${hex(offset)}`, at);
      }
      entries.push({
        offset,
        type,
        kind,
        symbolIndex,
        symbol: symbolIndex === 0 ? undefined : symbols[symbolIndex],
        addend: rela ? this.i64(at + 16, `${where}: r_addend of entry ${i}`) : undefined,
      });
    }
    return { section: s, target, symbolTable, entries };
  }
}
