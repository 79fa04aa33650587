/**
 * Cross-checks against GNU binutils (installed by tools/setup.sh): the images
 * the writer produces must be accepted by `readelf` without a single warning,
 * list exactly the relocations given, and disassemble with `objdump` under
 * their function names.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfWriter, SHT_RELA, STT_FUNC, readElf, type ElfMachine } from '../src/index.js';
import { A64_ANSWER, X64_ANSWER, sampleCwasm, sampleImage, sampleText } from './fixtures.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'derrick-object-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function file(bytes: Uint8Array): string {
  const p = path.join(dir, `obj${counter++}.o`);
  fs.writeFileSync(p, bytes);
  return p;
}

/** Runs a tool; returns stdout, and fails the test on a non-zero exit or any stderr output. */
function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  expect(r.stderr, `${tool} ${args.join(' ')} wrote to stderr`).toBe('');
  expect(r.status, `${tool} ${args.join(' ')} exit status`).toBe(0);
  return r.stdout;
}

const READELFS = ['readelf', 'aarch64-linux-gnu-readelf'];
const MACHINES: ElfMachine[] = ['x86_64', 'aarch64'];
const MACHINE_LINE: Record<ElfMachine, string> = { x86_64: 'Advanced Micro Devices X86-64', aarch64: 'AArch64' };

describe.each(MACHINES)('%s image', (machine) => {
  it.each(READELFS)('%s -a -W accepts it with no warnings', (readelf) => {
    for (const options of [{}, { relocations: false }, { rodata: false, relocations: false }]) {
      const out = run(readelf, ['-a', '-W', file(sampleImage(machine, options))]);
      expect(out).toContain('Type:                              REL (Relocatable file)');
      expect(out).toContain(`Machine:                           ${MACHINE_LINE[machine]}`);
      for (const name of ['.text', '.symtab', '.strtab', '.shstrtab', '.derrick.funcs', '.derrick.traps', '.derrick.addrmap', '.derrick.engine', '.derrick.info']) {
        expect(out).toContain(` ${name} `);
      }
      expect(out).toMatch(/FUNC {4}LOCAL {2}DEFAULT {4}1 wasm\[0\]::function\[0\]/);
      expect(out).toMatch(/FUNC {4}GLOBAL DEFAULT {4}1 wasm\[0\]::function\[1\]/);
      expect(out).not.toMatch(/warning|error/i);
    }
  });

  it.each(READELFS)('%s -a -W accepts the .cwasm too (the trailer follows the section headers)', (readelf) => {
    const out = run(readelf, ['-a', '-W', file(sampleCwasm(machine))]);
    expect(out).toContain('REL (Relocatable file)');
  });

  it('readelf -r lists exactly the relocations given', () => {
    const { relocations } = sampleText(machine);
    const out = run('readelf', ['-r', '-W', file(sampleImage(machine))]);
    expect(out).toContain(`Relocation section '.rela.text' at offset`);
    expect(out).toContain(`contains ${relocations.length} entries`);
    // Offset Info Type Sym.Value Sym.Name + Addend
    const rows = [...out.matchAll(/^([0-9a-f]{16}) +([0-9a-f]{16}) +(R_\w+) +[0-9a-f]{16} +(\S+) ([+-]) ([0-9a-f]+)$/gm)].map((m) => ({
      offset: parseInt(m[1]!, 16),
      kind: m[3],
      symbol: m[4],
      addend: (m[5] === '-' ? -1 : 1) * parseInt(m[6]!, 16),
    }));
    expect(rows).toEqual(relocations.map((r) => ({ offset: r.offset, kind: r.kind, symbol: r.symbol, addend: r.addend })));
  });

  it('readelf -r says there are none when none were given', () => {
    const out = run('readelf', ['-r', '-W', file(sampleImage(machine, { relocations: false }))]);
    expect(out.trim()).toBe('There are no relocations in this file.');
  });

  it('readelf -x shows .text byte for byte', () => {
    const out = run('readelf', ['-x', '.text', '-W', file(sampleImage(machine))]);
    const hexBytes = [...out.matchAll(/^ +0x[0-9a-f]+ ((?:[0-9a-f]{2,8} ?){1,4})/gm)].map((m) => m[1]!.replace(/ /g, '')).join('');
    expect(hexBytes).toBe(Buffer.from(sampleText(machine).text).toString('hex'));
  });
});

describe('objdump', () => {
  it('disassembles a hand-assembled x86-64 function under its symbol name', () => {
    const w = new ElfWriter('x86_64').setText(Uint8Array.from(X64_ANSWER), [{ name: 'answer', offset: 0, size: X64_ANSWER.length }]);
    const out = run('objdump', ['-d', '-M', 'intel', file(w.finish())]);
    expect(out).toContain('file format elf64-x86-64');
    expect(out).toContain('Disassembly of section .text:');
    expect(out).toMatch(/0000000000000000 <answer>:/);
    expect(out).toMatch(/0:\s+b8 2a 00 00 00\s+mov\s+eax,0x2a/);
    expect(out).toMatch(/5:\s+c3\s+ret/);
  });

  it('disassembles a hand-assembled AArch64 function under its symbol name', () => {
    const w = new ElfWriter('aarch64').setText(Uint8Array.from(A64_ANSWER), [{ name: 'answer', offset: 0, size: A64_ANSWER.length }]);
    const out = run('aarch64-linux-gnu-objdump', ['-d', file(w.finish())]);
    expect(out).toContain('file format elf64-littleaarch64');
    expect(out).toMatch(/0000000000000000 <answer>:/);
    expect(out).toMatch(/0:\s+52800540\s+mov\s+w0, #0x2a/);
    expect(out).toMatch(/4:\s+d65f03c0\s+ret/);
  });

  it('shows relocations inline with -dr, against the sample image', () => {
    const out = run('objdump', ['-dr', file(sampleImage('x86_64'))]);
    expect(out).toMatch(/<wasm\[0\]::function\[1\]>:/);
    expect(out).toMatch(/R_X86_64_PLT32\s+derrick_libcall_floor_f64-0x4/);
    expect(out).toMatch(/R_X86_64_64\s+\.rodata\+0x8/);
  });
});

describe('readElf on objects made by other tools', () => {
  const assemble = (as: string, source: string): Uint8Array => {
    const src = path.join(dir, `src${counter++}.s`);
    const obj = `${src}.o`;
    fs.writeFileSync(src, source);
    run(as, ['-o', obj, src]);
    return fs.readFileSync(obj);
  };

  it('GNU as, x86-64: sections, symbols and RELA relocations', () => {
    const bytes = assemble(
      'as',
      ['.text', '.globl f', '.type f,@function', 'f:', '  call g@PLT', '  movabs $data, %rax', '  ret', '.size f, .-f', '.data', '.globl data', 'data: .quad f', ''].join('\n'),
    );
    const elf = readElf(bytes);
    expect(elf.machine).toBe('x86_64');
    expect(elf.findSymbol('f')).toMatchObject({ type: STT_FUNC, value: 0, size: 16 });
    expect(elf.relocationsFor('.text').map((r) => [r.offset, r.kind, r.symbol?.name, r.addend])).toEqual([
      [1, 'R_X86_64_PLT32', 'g', -4],
      [7, 'R_X86_64_64', 'data', 0],
    ]);
    expect(elf.relocationsFor('.data').map((r) => [r.kind, r.symbol?.name])).toEqual([['R_X86_64_64', 'f']]);
  });

  it('GNU as, AArch64: CALL26, JUMP26, ABS64 and PREL32', () => {
    const bytes = assemble(
      'aarch64-linux-gnu-as',
      ['.text', '.globl f', 'f:', '  bl g', '  b h', '.data', '  .xword g + 8', '  .word g - .', ''].join('\n'),
    );
    const elf = readElf(bytes);
    expect(elf.machine).toBe('aarch64');
    expect(elf.relocationsFor('.text').map((r) => [r.offset, r.kind, r.symbol?.name])).toEqual([
      [0, 'R_AARCH64_CALL26', 'g'],
      [4, 'R_AARCH64_JUMP26', 'h'],
    ]);
    expect(elf.relocationsFor('.data').map((r) => [r.offset, r.kind, r.addend])).toEqual([
      [0, 'R_AARCH64_ABS64', 8],
      [8, 'R_AARCH64_PREL32', 0],
    ]);
  });

  it('a dynamically linked executable: program headers, .dynsym, dynamic relocations', () => {
    const bytes = fs.readFileSync('/bin/ls');
    const elf = readElf(bytes);
    expect(elf.header.phnum).toBeGreaterThan(0);
    expect(elf.section('.text')).toBeDefined();
    const dynsym = elf.section('.dynsym')!;
    expect(elf.symbols(dynsym).length).toBeGreaterThan(10);
    expect(elf.relocationSections().some((r) => r.section.type === SHT_RELA && r.entries.length > 0)).toBe(true);
  });
});

it('binutils are installed (tools/setup.sh)', () => {
  for (const tool of ['readelf', 'objdump', 'aarch64-linux-gnu-readelf', 'aarch64-linux-gnu-objdump']) {
    expect(() => execFileSync(tool, ['--version'], { stdio: 'ignore' }), tool).not.toThrow();
  }
});
