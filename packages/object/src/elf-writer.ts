/**
 * ELF64 little-endian relocatable-object writer for x86-64 and AArch64.
 *
 * # The problem
 *
 * A compiled Derrick module has to exist as bytes: `Module.serialize()` writes
 * it to disk as a `.cwasm`, `jit` maps it into executable memory, and a human
 * debugging a miscompile wants `objdump -d` to show the machine code under the
 * name of the wasm function it came from. One container serves all three if it
 * is a real ELF object: binutils already understands it, it has named sections
 * for the runtime's metadata, and it has a symbol table for the tools. That is
 * also what Wasmtime does (its `.cwasm` is an ELF file).
 *
 * Three properties matter more than ELF coverage:
 *
 * * **Tools accept it.** `readelf -a -W` prints no warning, for both machines;
 *   `objdump -d` disassembles `.text` with function names.
 * * **Deterministic.** The incremental cache and reproducible builds compare
 *   images by their bytes, so identical input must give byte-identical output.
 * * **Readable by a strict reader.** Whatever this writer emits, `readElf`
 *   (`elf-reader.ts`) parses under its bounds checks; a writer that could emit
 *   something the reader rejects is a bug in one of the two.
 *
 * # The approach
 *
 * The text section arrives finished: the module text builder (built on top
 * of environ's text-section-builder interface) lays the functions out,
 * resolves every wasm-to-wasm call while doing so, and hands over one
 * `Uint8Array` plus `(name, offset, size)` for each function. This writer does
 * no layout of code. It adds:
 *
 * * a read-only data section (`.rodata`), optional;
 * * any number of opaque named sections for Derrick's metadata
 *   (`.derrick.funcs`, `.derrick.traps`, `.derrick.addrmap`, `.derrick.engine`,
 *   `.derrick.info` — encoded by the sibling modules, opaque here);
 * * `.rela.text`, only when a relocation is given — after text layout the only
 *   relocations left are references outside the module (libcalls), which `jit`
 *   resolves at load time, or, in the `linkopt_absolute_calls_baseline`
 *   benchmark baseline, absolute calls against the module's own functions;
 * * `.symtab`/`.strtab`: a section symbol per content section, one `STT_FUNC`
 *   per function, one undefined symbol per import;
 * * `.shstrtab` and the section header table.
 *
 * The object is `ET_REL`, as Wasmtime's `.cwasm` is: no program headers, every
 * address 0, offsets relative to sections. `finish()` works in two passes:
 * it computes the complete layout (section order, string tables, symbol
 * indices, file offsets), then allocates the output once and fills it.
 *
 * ```text
 *   0x00   ELF header (64 bytes)
 *          .text          (aligned to textAlign, >= 16)
 *          .rodata        (if given)
 *          custom sections, in the order added
 *          .rela.text     (if any relocation)
 *          .symtab  .strtab  .shstrtab
 *          section header table (aligned to 8)
 * ```
 *
 * # Invariants
 *
 * * **(deterministic)** The output is a function of the calls made on the
 *   writer and their order only: no clock, no randomness, every padding byte
 *   zero, every table in insertion order. Inputs are not reordered, so a
 *   caller that wants order-independence sorts before calling.
 * * **(fixed-section-order)** Section 1 is always `.text` (possibly empty),
 *   then `.rodata` if set, then customs in insertion order, then `.rela.text`,
 *   `.symtab`, `.strtab`, `.shstrtab`, last. Loaders may rely on `.text`
 *   being section 1.
 * * **(locals-first)** In `.symtab`, every `STB_LOCAL` symbol precedes every
 *   global one and `sh_info` is the index of the first global, as the gABI
 *   requires (readelf warns otherwise).
 * * **(in-bounds)** Every function symbol lies inside `.text`, every
 *   relocation's place lies inside `.text`, is aligned as its type needs and
 *   overlaps no other relocation's place, and every relocation names a
 *   symbol that exists. Checked in `finish()` before a byte is written, so a
 *   failure is an `ObjectError` (`invalid-input`) and never a bad image.
 * * **(aligned)** Every section's file offset is a multiple of its
 *   `sh_addralign`; the section header table is 8-aligned.
 */
import { checkU32, encodeUtf8, viewOf } from './bytes.js';
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFOSABI_NONE,
  ELF_MAGIC,
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  EI_VERSION,
  ET_REL,
  EV_CURRENT,
  MACHINE_NUMBER,
  RELA_SIZE,
  RELOCATIONS,
  SHDR_SIZE,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_INFO_LINK,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHT_PROGBITS,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_NOTYPE,
  STT_SECTION,
  STV_DEFAULT,
  SYM_SIZE,
  stInfo,
  type ElfMachine,
  type RelocationKind,
} from './elf.js';
import { ObjectError, hex } from './error.js';

/** One function of the finished text section. */
export interface FunctionSymbol {
  /** Symbol name, e.g. `wasm[0]::function[3]`; unique among functions and imports. */
  readonly name: string;
  /** Offset of the function's first byte in `.text`. */
  readonly offset: number;
  /** Size in bytes; `offset + size` must not exceed the text length. */
  readonly size: number;
  /** Symbol binding; `local` (the default) keeps the name private to the image. */
  readonly binding?: 'local' | 'global';
}

/** A reference from `.text` that is left for the loader to resolve. */
export interface ElfRelocation {
  /** Offset of the patched place in `.text`. */
  readonly offset: number;
  readonly kind: RelocationKind;
  /**
   * The symbol the place refers to: a function, an import (`addImport`), or a
   * section name (`.text`, `.rodata`, a custom section) for its section symbol.
   */
  readonly symbol: string;
  /** The explicit addend (`r_addend`); 0 if omitted. */
  readonly addend?: number;
}

export interface SectionOptions {
  /** `sh_addralign`: a power of two, at most 65536. */
  readonly align?: number;
}

/** Names the writer produces itself; custom sections may not use them. */
const RESERVED_SECTION_NAMES = new Set(['', '.text', '.rodata', '.rela.text', '.symtab', '.strtab', '.shstrtab']);

const MAX_ALIGN = 0x1_0000;
export const DEFAULT_TEXT_ALIGN = 16;

/** A section as laid out by `finish()`. */
interface PlannedSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly data: Uint8Array;
  readonly align: number;
  link: number;
  info: number;
  readonly entsize: number;
  nameOffset: number;
  fileOffset: number;
}

/** A NUL-separated string table with deduplication; offset 0 is the empty string. */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;

  add(s: string, what: string): number {
    if (s === '') return 0;
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const bytes = encodeUtf8(s, what);
    const at = this.size;
    this.parts.push(bytes, new Uint8Array(1));
    this.size += bytes.length + 1;
    this.offsets.set(s, at);
    return at;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
    throw new ObjectError('invalid-input', `${what} must be a non-empty string without NUL characters, got ${JSON.stringify(name)}`);
  }
}

function checkAlign(align: number, min: number, what: string): void {
  if (!Number.isInteger(align) || align < min || align > MAX_ALIGN || (align & (align - 1)) !== 0) {
    throw new ObjectError('invalid-input', `${what} alignment must be a power of two in [${min}, ${MAX_ALIGN}], got ${align}`);
  }
}

function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

export class ElfWriter {
  private text: Uint8Array = new Uint8Array(0);
  private textAlign = DEFAULT_TEXT_ALIGN;
  private functions: FunctionSymbol[] = [];
  private rodata: { data: Uint8Array; align: number } | undefined;
  private readonly customs: { name: string; data: Uint8Array; align: number }[] = [];
  private readonly imports: string[] = [];
  private readonly relocations: ElfRelocation[] = [];

  constructor(readonly machine: ElfMachine) {
    if (!(machine in MACHINE_NUMBER)) {
      throw new ObjectError('invalid-input', `unknown machine ${JSON.stringify(machine)}; expected one of ${Object.keys(MACHINE_NUMBER).join(', ')}`);
    }
  }

  /**
   * Sets the finished text section and the functions in it. The bytes are not
   * copied until `finish()`; do not modify them in between.
   */
  setText(bytes: Uint8Array, functions: readonly FunctionSymbol[] = [], options: SectionOptions = {}): this {
    const align = options.align ?? DEFAULT_TEXT_ALIGN;
    checkAlign(align, DEFAULT_TEXT_ALIGN, '.text');
    checkU32(bytes.length, '.text length');
    for (const f of functions) {
      checkName(f.name, 'a function symbol name');
      checkU32(f.offset, `offset of function ${JSON.stringify(f.name)}`);
      checkU32(f.size, `size of function ${JSON.stringify(f.name)}`);
      if (f.binding !== undefined && f.binding !== 'local' && f.binding !== 'global') {
        throw new ObjectError('invalid-input', `binding of function ${JSON.stringify(f.name)} must be 'local' or 'global'`);
      }
    }
    this.text = bytes;
    this.textAlign = align;
    this.functions = [...functions];
    return this;
  }

  /** Sets the `.rodata` section (`SHF_ALLOC`, not writable, not executable). */
  setReadOnlyData(bytes: Uint8Array, options: SectionOptions = {}): this {
    const align = options.align ?? 16;
    checkAlign(align, 1, '.rodata');
    checkU32(bytes.length, '.rodata length');
    this.rodata = { data: bytes, align };
    return this;
  }

  /**
   * Adds a non-allocated `SHT_PROGBITS` section with opaque contents, e.g. a
   * `.derrick.*` metadata section. Names must be unique.
   */
  addCustomSection(name: string, data: Uint8Array, options: SectionOptions = {}): this {
    checkName(name, 'a section name');
    if (RESERVED_SECTION_NAMES.has(name)) {
      throw new ObjectError('invalid-input', `section name ${JSON.stringify(name)} is reserved for a section the writer produces itself`);
    }
    if (this.customs.some((c) => c.name === name)) {
      throw new ObjectError('invalid-input', `section ${JSON.stringify(name)} was added twice`);
    }
    const align = options.align ?? 1;
    checkAlign(align, 1, name);
    checkU32(data.length, `length of section ${name}`);
    this.customs.push({ name, data, align });
    return this;
  }

  /** Declares an undefined global symbol that relocations may refer to (a libcall, say). */
  addImport(name: string): this {
    checkName(name, 'an import name');
    this.imports.push(name);
    return this;
  }

  /** Adds a relocation against a place in `.text`. */
  addRelocation(reloc: ElfRelocation): this {
    const info = RELOCATIONS[reloc.kind];
    if (info === undefined || !Object.hasOwn(RELOCATIONS, reloc.kind)) {
      throw new ObjectError('invalid-input', `unknown relocation kind ${JSON.stringify(reloc.kind)}`);
    }
    if (info.machine !== this.machine) {
      throw new ObjectError('invalid-input', `relocation ${reloc.kind} is for ${info.machine}, but this object is for ${this.machine}`);
    }
    checkU32(reloc.offset, `offset of ${reloc.kind} relocation`);
    if (reloc.offset % info.align !== 0) {
      throw new ObjectError('invalid-input', `${reloc.kind} relocation at text offset ${hex(reloc.offset)} must be ${info.align}-byte aligned`);
    }
    checkName(reloc.symbol, `the symbol of the ${reloc.kind} relocation at text offset ${hex(reloc.offset)}`);
    const addend = reloc.addend ?? 0;
    if (!Number.isSafeInteger(addend)) {
      throw new ObjectError('invalid-input', `addend of ${reloc.kind} relocation at text offset ${hex(reloc.offset)} must be a safe integer, got ${addend}`);
    }
    this.relocations.push({ offset: reloc.offset, kind: reloc.kind, symbol: reloc.symbol, addend });
    return this;
  }

  /** Lays out and writes the object; the writer can be finished again with the same result. */
  finish(): Uint8Array {
    const textLen = this.text.length;

    // ---- Cross-checks (in-bounds) -------------------------------------------------
    const symbolNames = new Set<string>();
    const claim = (name: string, what: string): void => {
      if (symbolNames.has(name)) throw new ObjectError('invalid-input', `symbol name ${JSON.stringify(name)} is used twice (${what})`);
      symbolNames.add(name);
    };
    for (const f of this.functions) {
      claim(f.name, 'function');
      if (f.offset + f.size > textLen) {
        throw new ObjectError(
          'invalid-input',
          `function ${JSON.stringify(f.name)} [${hex(f.offset)}, ${hex(f.offset + f.size)}) extends past the end of .text (${hex(textLen)} bytes)`,
        );
      }
    }
    for (const name of this.imports) claim(name, 'import');

    // ---- Sections (fixed-section-order) -----------------------------------------
    const sections: PlannedSection[] = [];
    const plan = (s: Omit<PlannedSection, 'nameOffset' | 'fileOffset' | 'link' | 'info'> & { link?: number; info?: number }): number => {
      sections.push({ link: 0, info: 0, ...s, nameOffset: 0, fileOffset: 0 });
      return sections.length; // section index: 0 is the null section
    };
    const sectionIndex = new Map<string, number>();
    const contentSection = (name: string, type: number, flags: number, data: Uint8Array, align: number): void => {
      sectionIndex.set(name, plan({ name, type, flags, data, align, entsize: 0 }));
    };
    contentSection('.text', SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, this.text, this.textAlign);
    if (this.rodata) contentSection('.rodata', SHT_PROGBITS, SHF_ALLOC, this.rodata.data, this.rodata.align);
    for (const c of this.customs) contentSection(c.name, SHT_PROGBITS, 0, c.data, c.align);
    for (const name of symbolNames) {
      if (sectionIndex.has(name)) {
        throw new ObjectError('invalid-input', `symbol name ${JSON.stringify(name)} is also a section name; relocations against it would be ambiguous`);
      }
    }

    // ---- Symbols (locals-first) -------------------------------------------------
    const strtab = new StringTable();
    const symbols: { name: number; info: number; shndx: number; value: number; size: number }[] = [
      { name: 0, info: 0, shndx: SHN_UNDEF, value: 0, size: 0 },
    ];
    const symbolIndex = new Map<string, number>();
    for (const [name, index] of sectionIndex) {
      symbolIndex.set(name, symbols.length);
      symbols.push({ name: 0, info: stInfo(STB_LOCAL, STT_SECTION), shndx: index, value: 0, size: 0 });
    }
    const addFunctions = (binding: 'local' | 'global'): void => {
      for (const f of this.functions) {
        if ((f.binding ?? 'local') !== binding) continue;
        symbolIndex.set(f.name, symbols.length);
        symbols.push({
          name: strtab.add(f.name, 'function name'),
          info: stInfo(binding === 'local' ? STB_LOCAL : STB_GLOBAL, STT_FUNC),
          shndx: 1,
          value: f.offset,
          size: f.size,
        });
      }
    };
    addFunctions('local');
    const firstGlobal = symbols.length;
    addFunctions('global');
    for (const name of this.imports) {
      symbolIndex.set(name, symbols.length);
      symbols.push({ name: strtab.add(name, 'import name'), info: stInfo(STB_GLOBAL, STT_NOTYPE), shndx: SHN_UNDEF, value: 0, size: 0 });
    }

    // ---- Relocations (in-bounds) ------------------------------------------------
    let relaIndex = 0;
    if (this.relocations.length > 0) {
      const places = this.relocations
        .map((r) => ({ r, end: r.offset + RELOCATIONS[r.kind].width }))
        .sort((a, b) => a.r.offset - b.r.offset);
      for (let i = 0; i < places.length; i++) {
        const { r, end } = places[i]!;
        if (end > textLen) {
          throw new ObjectError('invalid-input', `${r.kind} relocation at text offset ${hex(r.offset)} extends past the end of .text (${hex(textLen)} bytes)`);
        }
        const next = places[i + 1];
        if (next !== undefined && next.r.offset < end) {
          throw new ObjectError('invalid-input', `relocations at text offsets ${hex(r.offset)} and ${hex(next.r.offset)} patch overlapping bytes`);
        }
        if (!symbolIndex.has(r.symbol)) {
          throw new ObjectError(
            'invalid-input',
            `${r.kind} relocation at text offset ${hex(r.offset)} refers to ${JSON.stringify(r.symbol)}, which is not a function, an import or a section`,
          );
        }
      }
      const rela = new Uint8Array(this.relocations.length * RELA_SIZE);
      const view = viewOf(rela);
      this.relocations.forEach((r, i) => {
        const at = i * RELA_SIZE;
        view.setBigUint64(at, BigInt(r.offset), true);
        view.setUint32(at + 8, RELOCATIONS[r.kind].type, true);
        view.setUint32(at + 12, symbolIndex.get(r.symbol)!, true);
        view.setBigInt64(at + 16, BigInt(r.addend ?? 0), true);
      });
      relaIndex = plan({ name: '.rela.text', type: SHT_RELA, flags: SHF_INFO_LINK, data: rela, align: 8, entsize: RELA_SIZE, info: 1 });
    }

    const symtabData = new Uint8Array(symbols.length * SYM_SIZE);
    {
      const view = viewOf(symtabData);
      symbols.forEach((s, i) => {
        const at = i * SYM_SIZE;
        view.setUint32(at, s.name, true);
        view.setUint8(at + 4, s.info);
        view.setUint8(at + 5, STV_DEFAULT);
        view.setUint16(at + 6, s.shndx, true);
        view.setBigUint64(at + 8, BigInt(s.value), true);
        view.setBigUint64(at + 16, BigInt(s.size), true);
      });
    }
    const symtabIndex = plan({ name: '.symtab', type: SHT_SYMTAB, flags: 0, data: symtabData, align: 8, entsize: SYM_SIZE, info: firstGlobal });
    const strtabIndex = plan({ name: '.strtab', type: SHT_STRTAB, flags: 0, data: strtab.finish(), align: 1, entsize: 0 });
    sections[symtabIndex - 1]!.link = strtabIndex;
    if (relaIndex !== 0) sections[relaIndex - 1]!.link = symtabIndex;

    const shstrtab = new StringTable();
    for (const s of sections) s.nameOffset = shstrtab.add(s.name, 'section name');
    const shstrtabNameOffset = shstrtab.add('.shstrtab', 'section name');
    const shstrtabIndex = plan({ name: '.shstrtab', type: SHT_STRTAB, flags: 0, data: shstrtab.finish(), align: 1, entsize: 0 });
    sections[shstrtabIndex - 1]!.nameOffset = shstrtabNameOffset;

    const shnum = sections.length + 1;
    if (shnum >= SHN_LORESERVE) {
      throw new ObjectError('invalid-input', `too many sections (${shnum}); at most ${SHN_LORESERVE - 1} are supported`);
    }

    // ---- File layout (aligned) --------------------------------------------------
    let end = EHDR_SIZE;
    for (const s of sections) {
      s.fileOffset = alignUp(end, s.align);
      end = s.fileOffset + s.data.length;
    }
    const shoff = alignUp(end, 8);
    const total = shoff + shnum * SHDR_SIZE;
    if (total > 0xffff_ffff) throw new ObjectError('invalid-input', `the object would be ${total} bytes; at most 4 GiB is supported`);

    // ---- Write ------------------------------------------------------------------
    const out = new Uint8Array(total);
    const view = viewOf(out);
    out.set(ELF_MAGIC, 0);
    out[EI_CLASS] = ELFCLASS64;
    out[EI_DATA] = ELFDATA2LSB;
    out[EI_VERSION] = EV_CURRENT;
    out[EI_OSABI] = ELFOSABI_NONE;
    view.setUint16(16, ET_REL, true); // e_type
    view.setUint16(18, MACHINE_NUMBER[this.machine], true); // e_machine
    view.setUint32(20, EV_CURRENT, true); // e_version
    // e_entry (24) = 0, e_phoff (32) = 0
    view.setBigUint64(40, BigInt(shoff), true); // e_shoff
    // e_flags (48) = 0
    view.setUint16(52, EHDR_SIZE, true); // e_ehsize
    // e_phentsize (54) = 0, e_phnum (56) = 0: no program headers in ET_REL
    view.setUint16(58, SHDR_SIZE, true); // e_shentsize
    view.setUint16(60, shnum, true); // e_shnum
    view.setUint16(62, shstrtabIndex, true); // e_shstrndx

    // Section header 0 is all zeros.
    sections.forEach((s, i) => {
      out.set(s.data, s.fileOffset);
      const at = shoff + (i + 1) * SHDR_SIZE;
      view.setUint32(at, s.nameOffset, true);
      view.setUint32(at + 4, s.type, true);
      view.setBigUint64(at + 8, BigInt(s.flags), true);
      // sh_addr (16) = 0
      view.setBigUint64(at + 24, BigInt(s.fileOffset), true);
      view.setBigUint64(at + 32, BigInt(s.data.length), true);
      view.setUint32(at + 40, s.link, true);
      view.setUint32(at + 44, s.info, true);
      view.setBigUint64(at + 48, BigInt(s.align), true);
      view.setBigUint64(at + 56, BigInt(s.entsize), true);
    });
    return out;
  }
}
