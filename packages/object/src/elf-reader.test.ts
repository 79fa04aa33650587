import { describe, expect, it } from 'vitest';
import { SHN_XINDEX, SHT_REL, SHT_SYMTAB_SHNDX, STT_FUNC } from './elf.js';
import { NAME_BUDGET_FACTOR, readElf, type ElfFile } from './elf-reader.js';
import { ElfWriter } from './elf-writer.js';
import { ObjectError, type ObjectErrorKind } from './error.js';

function image(): Uint8Array {
  return new ElfWriter('x86_64')
    .setText(Uint8Array.of(0xb8, 0x2a, 0, 0, 0, 0xc3, 0xe8, 0, 0, 0, 0, 0xc3), [
      { name: 'answer', offset: 0, size: 6 },
      { name: 'caller', offset: 6, size: 6, binding: 'global' },
    ])
    .addImport('ext')
    .addRelocation({ offset: 7, kind: 'R_X86_64_PLT32', symbol: 'ext', addend: -4 })
    .finish();
}

/** A copy of `bytes` with `patch` applied through a DataView. */
function patched(bytes: Uint8Array, patch: (v: DataView, elf: ElfFile) => void): Uint8Array {
  const copy = bytes.slice();
  patch(new DataView(copy.buffer), readElf(bytes));
  return copy;
}

function fails(bytes: Uint8Array, kind: ObjectErrorKind, message: RegExp, use: (e: ElfFile) => unknown = () => 0): ObjectError {
  let error: unknown;
  try {
    use(readElf(bytes));
  } catch (e) {
    error = e;
  }
  expect(error, 'expected an ObjectError').toBeInstanceOf(ObjectError);
  const e = error as ObjectError;
  expect(e.kind, e.message).toBe(kind);
  expect(e.message).toMatch(message);
  return e;
}

const shdr = (elf: ElfFile, name: string): number => elf.requireSection(name).headerOffset;

describe('readElf: the header', () => {
  it('names a WebAssembly binary', () => {
    fails(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0), 'bad-magic', /WebAssembly binary/);
  });

  it('rejects other magic numbers and says what it found', () => {
    fails(new TextEncoder().encode('#!/bin/sh\n'), 'bad-magic', /found 23 21 2f 62/);
    fails(new Uint8Array(0), 'truncated', /shorter than the 64-byte ELF64 header/);
  });

  it('rejects a file shorter than the header, at the end of the file', () => {
    const e = fails(image().subarray(0, 40), 'truncated', /40 bytes/);
    expect(e.offset).toBe(40);
    expect(e.message).toContain('(at offset 0x28)');
  });

  it('rejects ELF32 and big-endian files as unsupported', () => {
    fails(patched(image(), (v) => v.setUint8(4, 1)), 'unsupported', /ELFCLASS64/);
    fails(patched(image(), (v) => v.setUint8(5, 2)), 'unsupported', /little-endian/);
    fails(patched(image(), (v) => v.setUint32(20, 2, true)), 'unsupported', /e_version/);
  });

  it('rejects section header tables outside the file', () => {
    const n = image().length;
    fails(patched(image(), (v) => v.setBigUint64(40, BigInt(n), true)), 'truncated', /starts past the end/);
    fails(patched(image(), (v) => v.setUint16(60, 500, true)), 'truncated', /500 × 64 bytes/);
    fails(patched(image(), (v) => v.setUint16(58, 40, true)), 'malformed', /e_shentsize is 40/);
    fails(patched(image(), (v) => v.setUint16(62, 99, true)), 'malformed', /e_shstrndx 99/);
    fails(patched(image(), (v) => v.setBigUint64(40, 1n << 60n, true)), 'unsupported', /e_shoff is larger than 2\^53/);
  });

  it('bounds-checks program headers it does not otherwise read', () => {
    fails(patched(image(), (v) => v.setUint16(56, 3, true)), 'malformed', /e_phentsize is 0/);
    fails(
      patched(image(), (v) => {
        v.setUint16(56, 3, true);
        v.setUint16(54, 56, true);
        v.setBigUint64(32, 0xfffffn, true);
      }),
      'truncated',
      /program header table/,
    );
  });

  it('supports extended section numbering (e_shnum = 0, e_shstrndx = SHN_XINDEX)', () => {
    const good = image();
    const ref = readElf(good);
    const ext = patched(good, (v) => {
      const shoff = ref.header.shoff;
      v.setBigUint64(shoff + 32, BigInt(ref.header.shnum), true); // section 0 sh_size
      v.setUint32(shoff + 40, ref.header.shstrndx, true); // section 0 sh_link
      v.setUint16(60, 0, true);
      v.setUint16(62, SHN_XINDEX, true);
    });
    const elf = readElf(ext);
    expect(elf.sections.map((s) => s.name)).toEqual(ref.sections.map((s) => s.name));
    expect(elf.symbols().map((s) => s.name)).toEqual(ref.symbols().map((s) => s.name));
  });
});

describe('readElf: sections', () => {
  it('rejects section data past the end of the file, at the sh_offset field', () => {
    const good = image();
    const bad = patched(good, (v, elf) => v.setBigUint64(shdr(elf, '.text') + 32, BigInt(good.length), true));
    const e = fails(bad, 'truncated', /section \[1\] data/);
    expect(e.offset).toBe(readElf(good).requireSection('.text').headerOffset + 24);
  });

  it('rejects bad name tables and names', () => {
    fails(patched(image(), (v, elf) => v.setUint32(shdr(elf, '.shstrtab') + 4, 1, true)), 'malformed', /not SHT_STRTAB/);
    fails(patched(image(), (v, elf) => v.setUint32(shdr(elf, '.text'), 0xffff, true)), 'malformed', /outside its string table/);
    const unterminated = patched(image(), (v, elf) => {
      const s = elf.requireSection('.shstrtab');
      v.setUint8(s.offset + s.size - 1, 0x41);
    });
    fails(unterminated, 'malformed', /not NUL-terminated/);
    const notUtf8 = patched(image(), (v, elf) => v.setUint8(elf.requireSection('.shstrtab').offset + 1, 0xff));
    fails(notUtf8, 'malformed', /not valid UTF-8/);
  });

  it('rejects a non-power-of-two alignment', () => {
    fails(patched(image(), (v, elf) => v.setBigUint64(shdr(elf, '.text') + 48, 24n, true)), 'malformed', /sh_addralign 24/);
  });

  it('finds sections by name and reports a missing one', () => {
    const elf = readElf(image());
    expect(elf.section('.nope')).toBeUndefined();
    expect(() => elf.requireSection('.nope')).toThrow(ObjectError);
    expect(() => elf.sectionData('.nope')).toThrow(/no \.nope section/);
    expect(elf.sectionData(elf.sections[0]!)).toHaveLength(0);
  });
});

describe('readElf: symbols', () => {
  it('validates the symbol table header', () => {
    fails(patched(image(), (v, elf) => v.setBigUint64(shdr(elf, '.symtab') + 56, 16n, true)), 'malformed', /sh_entsize is 16/, (e) => e.symbols());
    fails(patched(image(), (v, elf) => v.setUint32(shdr(elf, '.symtab') + 40, 1, true)), 'malformed', /not SHT_STRTAB/, (e) => e.symbols());
    fails(patched(image(), (v, elf) => v.setUint32(shdr(elf, '.symtab') + 40, 77, true)), 'malformed', /sh_link 77/, (e) => e.symbols());
    fails(patched(image(), (v, elf) => v.setUint32(shdr(elf, '.symtab') + 44, 77, true)), 'malformed', /sh_info 77/, (e) => e.symbols());
  });

  it('validates each symbol', () => {
    const at = (elf: ElfFile, i: number): number => elf.requireSection('.symtab').offset + 24 * i;
    fails(patched(image(), (v, elf) => v.setUint32(at(elf, 2), 0xfffff, true)), 'malformed', /name of symbol 2/, (e) => e.symbols());
    fails(patched(image(), (v, elf) => v.setUint16(at(elf, 2) + 6, 300, true)), 'malformed', /st_shndx 300/, (e) => e.symbols());
    fails(patched(image(), (v, elf) => v.setUint16(at(elf, 2) + 6, SHN_XINDEX, true)), 'malformed', /SHN_XINDEX/, (e) => e.symbols());
    fails(patched(image(), (v, elf) => v.setBigUint64(at(elf, 2) + 8, 1n << 63n, true)), 'unsupported', /st_value/, (e) => e.symbols());
  });

  it('resolves SHN_XINDEX through SHT_SYMTAB_SHNDX', () => {
    // Build an image with a custom section that we then retype as the symtab's SHT_SYMTAB_SHNDX table.
    const base = new ElfWriter('x86_64')
      .setText(new Uint8Array(4), [{ name: 'f', offset: 0, size: 4 }])
      .addCustomSection('.symtab_shndx', new Uint8Array(4 * 4), { align: 4 })
      .finish();
    const bytes = patched(base, (v, elf) => {
      const x = elf.requireSection('.symtab_shndx');
      const symtab = elf.requireSection('.symtab');
      v.setUint32(x.headerOffset + 4, SHT_SYMTAB_SHNDX, true);
      v.setUint32(x.headerOffset + 40, symtab.index, true);
      v.setBigUint64(x.headerOffset + 56, 4n, true);
      const fIndex = elf.findSymbol('f')!.index;
      v.setUint16(symtab.offset + 24 * fIndex + 6, SHN_XINDEX, true);
      v.setUint32(x.offset + 4 * fIndex, 1, true); // -> .text
    });
    expect(readElf(bytes).findSymbol('f')).toMatchObject({ sectionIndex: 1, type: STT_FUNC });
  });

  it('keeps name decoding linear on crafted string tables (linear-work)', () => {
    // Thousands of symbols whose names all point into one long string at different offsets.
    const n = 3000;
    const long = 'x'.repeat(3000);
    const functions = Array.from({ length: n }, (_, i) => ({ name: i === 0 ? long : `f${i}`, offset: 0, size: 0 }));
    const base = new ElfWriter('x86_64').setText(new Uint8Array(1), functions).finish();
    const bytes = patched(base, (v, elf) => {
      const symtab = elf.requireSection('.symtab');
      const first = elf.findSymbol(long)!;
      const nameOff = v.getUint32(symtab.offset + 24 * first.index, true);
      for (let i = first.index + 1; i < symtab.size / 24; i++) v.setUint32(symtab.offset + 24 * i, nameOff + (i % 2900), true);
    });
    expect(bytes.length * NAME_BUDGET_FACTOR + (1 << 20)).toBeLessThan((n * long.length) / 2);
    const t0 = performance.now();
    fails(bytes, 'unsupported', /more name bytes than/, (e) => e.symbols());
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('readElf: relocations', () => {
  it('parses RELA entries with their symbols and kinds', () => {
    const [rs] = readElf(image()).relocationSections();
    expect(rs!.entries).toHaveLength(1);
    expect(rs!.entries[0]).toMatchObject({ offset: 7, type: 4, kind: 'R_X86_64_PLT32', addend: -4, symbol: { name: 'ext' } });
  });

  it('validates relocation sections and entries', () => {
    const rela = (elf: ElfFile) => elf.requireSection('.rela.text');
    fails(patched(image(), (v, elf) => v.setBigUint64(rela(elf).headerOffset + 56, 16n, true)), 'malformed', /sh_entsize is 16, expected 24/, (e) => e.relocationSections());
    fails(patched(image(), (v, elf) => v.setUint32(rela(elf).offset + 12, 99, true)), 'malformed', /refers to symbol 99/, (e) => e.relocationSections());
    fails(patched(image(), (v, elf) => v.setBigUint64(rela(elf).offset, 10n, true)), 'malformed', /patches bytes past the end of "\.text"/, (e) => e.relocationSections());
    fails(patched(image(), (v, elf) => v.setUint32(rela(elf).headerOffset + 44, 50, true)), 'malformed', /sh_info 50/, (e) => e.relocationSections());
    fails(patched(image(), (v, elf) => v.setBigInt64(rela(elf).offset + 16, -(1n << 60n), true)), 'unsupported', /r_addend/, (e) => e.relocationsFor('.text'));
  });

  it('reads SHT_REL sections (implicit addends)', () => {
    const rel = new Uint8Array(16);
    const rv = new DataView(rel.buffer);
    rv.setBigUint64(0, 2n, true);
    rv.setUint32(8, 2, true); // R_X86_64_PC32
    const base = new ElfWriter('x86_64')
      .setText(new Uint8Array(8), [{ name: 'f', offset: 0, size: 8 }])
      .addCustomSection('.rel.text', rel, { align: 8 })
      .finish();
    const bytes = patched(base, (v, elf) => {
      const s = elf.requireSection('.rel.text');
      v.setUint32(s.headerOffset + 4, SHT_REL, true);
      v.setUint32(s.headerOffset + 40, elf.requireSection('.symtab').index, true);
      v.setUint32(s.headerOffset + 44, 1, true);
      v.setBigUint64(s.headerOffset + 56, 16n, true);
      v.setUint32(s.offset + 12, elf.findSymbol('f')!.index, true);
    });
    const entries = readElf(bytes).relocationsFor('.text');
    expect(entries).toEqual([
      expect.objectContaining({ offset: 2, kind: 'R_X86_64_PC32', addend: undefined, symbol: expect.objectContaining({ name: 'f' }) }),
    ]);
  });
});
