import { describe, expect, it } from 'vitest';
import { sampleText } from '../test/fixtures.js';
import {
  EHDR_SIZE,
  EM_AARCH64,
  EM_X86_64,
  ET_REL,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_INFO_LINK,
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
  type ElfMachine,
} from './elf.js';
import { readElf } from './elf-reader.js';
import { ElfWriter } from './elf-writer.js';
import { ObjectError } from './error.js';

function sampleWriter(machine: ElfMachine): ElfWriter {
  const { text, functions, relocations } = sampleText(machine);
  const w = new ElfWriter(machine)
    .setText(text, functions)
    .setReadOnlyData(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), { align: 8 })
    .addCustomSection('.derrick.engine', Uint8Array.of(0xaa, 0xbb), { align: 4 })
    .addCustomSection('.derrick.info', Uint8Array.of(0xcc))
    .addImport('derrick_libcall_floor_f64');
  for (const r of relocations) w.addRelocation(r);
  return w;
}

function invalid(f: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ObjectError);
  expect((error as ObjectError).kind).toBe('invalid-input');
  expect((error as ObjectError).message).toMatch(message);
}

describe.each<ElfMachine>(['x86_64', 'aarch64'])('ElfWriter (%s) round trip through readElf', (machine) => {
  const { text, functions, relocations } = sampleText(machine);
  const bytes = sampleWriter(machine).finish();
  const elf = readElf(bytes);

  it('writes an ET_REL ELF64 LE header for the machine', () => {
    expect(elf.header.type).toBe(ET_REL);
    expect(elf.header.machine).toBe(machine === 'x86_64' ? EM_X86_64 : EM_AARCH64);
    expect(elf.machine).toBe(machine);
    expect(elf.header.phnum).toBe(0);
    expect(elf.header.entry).toBe(0);
    expect(elf.sections[elf.header.shstrndx]!.name).toBe('.shstrtab');
  });

  it('lays sections out in the fixed order (fixed-section-order)', () => {
    expect(elf.sections.map((s) => s.name)).toEqual([
      '',
      '.text',
      '.rodata',
      '.derrick.engine',
      '.derrick.info',
      '.rela.text',
      '.symtab',
      '.strtab',
      '.shstrtab',
    ]);
    const t = elf.requireSection('.text');
    expect(t.index).toBe(1);
    expect(t.type).toBe(SHT_PROGBITS);
    expect(t.flags).toBe(SHF_ALLOC | SHF_EXECINSTR);
    expect(t.addralign).toBe(16);
    expect(elf.section('.rodata')!.flags).toBe(SHF_ALLOC);
    expect(elf.section('.derrick.engine')!.flags).toBe(0);
    expect(elf.section('.strtab')!.type).toBe(SHT_STRTAB);
  });

  it('keeps every section aligned in the file (aligned)', () => {
    for (const s of elf.sections.slice(1)) expect(s.offset % Math.max(1, s.addralign), s.name).toBe(0);
    expect(elf.header.shoff % 8).toBe(0);
    expect(elf.sectionData('.text').byteOffset % 16).toBe(0);
  });

  it('stores section contents byte for byte', () => {
    expect(elf.sectionData('.text')).toEqual(text);
    expect(elf.sectionData('.rodata')).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    expect(elf.sectionData('.derrick.engine')).toEqual(Uint8Array.of(0xaa, 0xbb));
    expect(elf.sectionData('.derrick.info')).toEqual(Uint8Array.of(0xcc));
  });

  it('writes section symbols, then local functions, then globals (locals-first)', () => {
    const symtab = elf.symbolTable()!;
    expect(symtab.type).toBe(SHT_SYMTAB);
    const syms = elf.symbols();
    expect(syms[0]).toMatchObject({ name: '', binding: STB_LOCAL, type: STT_NOTYPE, sectionIndex: SHN_UNDEF });
    const sectionSyms = syms.filter((s) => s.type === STT_SECTION);
    expect(sectionSyms.map((s) => elf.sections[s.sectionIndex]!.name)).toEqual(['.text', '.rodata', '.derrick.engine', '.derrick.info']);
    const firstGlobal = syms.findIndex((s) => s.binding !== STB_LOCAL);
    expect(symtab.info).toBe(firstGlobal);
    expect(syms.slice(firstGlobal).every((s) => s.binding === STB_GLOBAL)).toBe(true);
    for (const f of functions) {
      expect(elf.findSymbol(f.name)).toMatchObject({
        value: f.offset,
        size: f.size,
        type: STT_FUNC,
        sectionIndex: 1,
        binding: f.binding === 'global' ? STB_GLOBAL : STB_LOCAL,
      });
    }
    expect(elf.findSymbol('derrick_libcall_floor_f64')).toMatchObject({ sectionIndex: SHN_UNDEF, binding: STB_GLOBAL, type: STT_NOTYPE });
  });

  it('writes .rela.text with the given relocations in order', () => {
    const [rs] = elf.relocationSections();
    expect(rs!.section.type).toBe(SHT_RELA);
    expect(rs!.section.flags).toBe(SHF_INFO_LINK);
    expect(rs!.target!.name).toBe('.text');
    expect(rs!.symbolTable!.name).toBe('.symtab');
    expect(
      rs!.entries.map((e) => ({
        offset: e.offset,
        kind: e.kind,
        symbol: e.symbol!.type === STT_SECTION ? elf.sections[e.symbol!.sectionIndex]!.name : e.symbol!.name,
        addend: e.addend,
      })),
    ).toEqual(relocations);
    expect(elf.relocationsFor('.text')).toHaveLength(relocations.length);
    expect(elf.relocationsFor('.rodata')).toHaveLength(0);
  });

  it('is deterministic, and finish() can be called again', () => {
    const w = sampleWriter(machine);
    const a = w.finish();
    expect(w.finish()).toEqual(a);
    expect(sampleWriter(machine).finish()).toEqual(a);
    expect(a).toEqual(bytes);
  });
});

describe('ElfWriter layout choices', () => {
  it('omits .rela.text and .rodata when not given; an empty writer is still a valid object', () => {
    const elf = readElf(new ElfWriter('x86_64').finish());
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.symtab', '.strtab', '.shstrtab']);
    expect(elf.requireSection('.text').size).toBe(0);
    expect(elf.relocationSections()).toEqual([]);
  });

  it('honours a page-aligned .text', () => {
    const bytes = new ElfWriter('aarch64').setText(new Uint8Array(8), [], { align: 4096 }).finish();
    const t = readElf(bytes).requireSection('.text');
    expect(t.offset).toBe(4096);
    expect(t.addralign).toBe(4096);
    expect(bytes.subarray(EHDR_SIZE, 4096).every((b) => b === 0)).toBe(true);
  });

  it('deduplicates names in .strtab', () => {
    const w = new ElfWriter('x86_64').setText(new Uint8Array(4), [
      { name: 'f', offset: 0, size: 2 },
      { name: 'g', offset: 2, size: 2 },
    ]);
    const strtab = readElf(w.finish()).sectionData('.strtab');
    expect(Array.from(strtab)).toEqual([0, 0x66, 0, 0x67, 0]);
  });

  it('encodes UTF-8 names', () => {
    const elf = readElf(new ElfWriter('x86_64').setText(new Uint8Array(1), [{ name: 'wasm[0]::fünction[λ]', offset: 0, size: 1 }]).finish());
    expect(elf.findSymbol('wasm[0]::fünction[λ]')).toBeDefined();
  });
});

describe('ElfWriter rejects input it cannot represent (in-bounds)', () => {
  const text = new Uint8Array(32);
  it('functions outside .text, duplicate and bad names', () => {
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: 'f', offset: 30, size: 3 }]).finish(), /extends past the end of \.text/);
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: 'f', offset: -1, size: 3 }]), /offset of function "f"/);
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: 'f', offset: 0.5, size: 3 }]), /integer/);
    invalid(
      () =>
        new ElfWriter('x86_64')
          .setText(text, [
            { name: 'f', offset: 0, size: 1 },
            { name: 'f', offset: 1, size: 1 },
          ])
          .finish(),
      /used twice/,
    );
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: '', offset: 0, size: 1 }]), /non-empty/);
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: 'a\0b', offset: 0, size: 1 }]), /NUL/);
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: '\ud800', offset: 0, size: 1 }]).finish(), /lone surrogate/);
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: '.rodata', offset: 0, size: 1 }]).setReadOnlyData(new Uint8Array(1)).finish(), /also a section name/);
    invalid(() => new ElfWriter('x86_64').setText(text, [{ name: 'f', offset: 0, size: 1 }]).addImport('f').finish(), /used twice/);
  });

  it('bad alignments, machines and section names', () => {
    invalid(() => new ElfWriter('x86_64').setText(text, [], { align: 8 }), /\.text alignment/);
    invalid(() => new ElfWriter('x86_64').setText(text, [], { align: 48 }), /power of two/);
    invalid(() => new ElfWriter('x86_64').setReadOnlyData(text, { align: 3 }), /power of two/);
    invalid(() => new ElfWriter('riscv64' as ElfMachine), /unknown machine/);
    invalid(() => new ElfWriter('x86_64').addCustomSection('.symtab', text), /reserved/);
    invalid(() => new ElfWriter('x86_64').addCustomSection('.x', text).addCustomSection('.x', text), /added twice/);
    invalid(() => new ElfWriter('x86_64').addCustomSection('', text), /non-empty/);
  });

  it('relocations of the wrong machine, misplaced, overlapping or against unknown symbols', () => {
    const w = () => new ElfWriter('aarch64').setText(text, [{ name: 'f', offset: 0, size: 8 }]).addImport('ext');
    invalid(() => w().addRelocation({ offset: 0, kind: 'R_X86_64_PC32', symbol: 'ext' }), /for x86_64, but this object is for aarch64/);
    invalid(() => w().addRelocation({ offset: 2, kind: 'R_AARCH64_CALL26', symbol: 'ext' }), /4-byte aligned/);
    invalid(() => w().addRelocation({ offset: 28, kind: 'R_AARCH64_ABS64', symbol: 'ext' }).finish(), /past the end of \.text/);
    invalid(
      () =>
        w()
          .addRelocation({ offset: 0, kind: 'R_AARCH64_ABS64', symbol: 'ext' })
          .addRelocation({ offset: 4, kind: 'R_AARCH64_CALL26', symbol: 'ext' })
          .finish(),
      /overlapping/,
    );
    invalid(() => w().addRelocation({ offset: 0, kind: 'R_AARCH64_CALL26', symbol: 'nowhere' }).finish(), /not a function, an import or a section/);
    invalid(() => w().addRelocation({ offset: 0, kind: 'R_AARCH64_CALL26', symbol: 'ext', addend: 2 ** 60 }), /safe integer/);
    invalid(() => w().addRelocation({ offset: 0, kind: 'toString' as never, symbol: 'ext' }), /unknown relocation kind/);
  });

  it('accepts relocations against functions, imports and section symbols', () => {
    const bytes = new ElfWriter('x86_64')
      .setText(text, [{ name: 'f', offset: 0, size: 8 }])
      .setReadOnlyData(new Uint8Array(8))
      .addCustomSection('.derrick.info', new Uint8Array(1))
      .addImport('ext')
      .addRelocation({ offset: 0, kind: 'R_X86_64_64', symbol: '.rodata', addend: -8 })
      .addRelocation({ offset: 8, kind: 'R_X86_64_PC32', symbol: 'f' })
      .addRelocation({ offset: 12, kind: 'R_X86_64_PLT32', symbol: 'ext', addend: -4 })
      .addRelocation({ offset: 16, kind: 'R_X86_64_64', symbol: '.text', addend: 3 })
      .addRelocation({ offset: 24, kind: 'R_X86_64_64', symbol: '.derrick.info' })
      .finish();
    const entries = readElf(bytes).relocationsFor('.text');
    expect(entries.map((e) => [e.offset, e.kind, e.addend])).toEqual([
      [0, 'R_X86_64_64', -8],
      [8, 'R_X86_64_PC32', 0],
      [12, 'R_X86_64_PLT32', -4],
      [16, 'R_X86_64_64', 3],
      [24, 'R_X86_64_64', 0],
    ]);
  });
});
