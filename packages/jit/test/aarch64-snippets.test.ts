/**
 * The hand-assembled AArch64 snippets, checked against an independent
 * disassembler: for each snippet, `aarch64-linux-gnu-objdump -D -b binary -m
 * aarch64` must print exactly the word and the instruction written beside
 * each line. Skipped when `binutils-aarch64-linux-gnu` is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SNIPPETS, UNWIND } from './aarch64-snippets.js';

const OBJDUMP = 'aarch64-linux-gnu-objdump';

function haveObjdump(): boolean {
  try {
    execFileSync(OBJDUMP, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Disassembled {
  offset: number;
  word: string;
  asm: string;
}

function disassemble(bytes: Uint8Array): Disassembled[] {
  const dir = mkdtempSync(join(tmpdir(), 'derrick-jit-a64-'));
  try {
    const file = join(dir, 'code.bin');
    writeFileSync(file, bytes);
    const out = execFileSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'aarch64', file], { encoding: 'utf8' });
    const result: Disassembled[] = [];
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(.*)$/.exec(line);
      if (m === null) continue;
      const [, offset, word, asm] = m;
      result.push({
        offset: Number.parseInt(offset!, 16),
        word: word!,
        asm: asm!.replace(/\s*\/\/.*$/, '').replace(/\s+/g, ' ').trim(),
      });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!haveObjdump())('hand-assembled AArch64 snippets', () => {
  for (const snippet of ALL_SNIPPETS) {
    it(`${snippet.name} disassembles to what its source says`, () => {
      const expected = snippet.lines.map((line, i) => ({ offset: 4 * i, word: line.word, asm: line.asm }));
      expect(disassemble(snippet.bytes)).toEqual(expected);
    });
  }

  it('UNWIND: the branches land on the labels they are meant for', () => {
    const { labels } = UNWIND;
    const target = (i: number): number => Number.parseInt(/0x([0-9a-f]+)$/.exec(UNWIND.lines[i]!.asm)![1]!, 16);
    const find = (asm: string, from = 0): number => UNWIND.lines.findIndex((l, i) => i >= from && l.asm.startsWith(asm));
    expect(target(find('b 0x'))).toBe(labels.resume); // raise → resume
    expect(target(find('bl 0x'))).toBe(labels.work); // work's recursion
    expect(target(find('cbz x1'))).toBe(labels.bottom);
    expect(target(find('cbnz x2'))).toBe(labels.trap);
    expect(target(find('bl 0x', labels.trap! / 4))).toBe(labels.raise);
    expect(target(find('cbnz x0'))).toBe(labels.fail);
    expect(target(find('bl 0x', labels.fail! / 4))).toBe(labels.raise);
  });
});
