/**
 * The hand-assembled snippets, checked against an independent disassembler:
 * for each snippet, `objdump -D -b binary -m i386:x86-64 -M intel` must print
 * exactly the instruction (and bytes) written beside each line. Skipped when
 * binutils is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SNIPPETS, UNWIND } from './x64-snippets.js';

function haveObjdump(): boolean {
  try {
    execFileSync('objdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Disassembled {
  offset: number;
  hex: string;
  asm: string;
}

function disassemble(bytes: Uint8Array): Disassembled[] {
  const dir = mkdtempSync(join(tmpdir(), 'derrick-jit-'));
  try {
    const file = join(dir, 'code.bin');
    writeFileSync(file, bytes);
    const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', file], {
      encoding: 'utf8',
    });
    const result: Disassembled[] = [];
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$/.exec(line);
      if (m === null) continue;
      const [, offset, hex, asm] = m;
      if (asm === undefined) {
        // objdump wraps an instruction longer than 7 bytes onto a second line holding only bytes.
        result[result.length - 1]!.hex += ` ${hex!}`;
      } else {
        result.push({ offset: Number.parseInt(offset!, 16), hex: hex!, asm: asm.replace(/\s+/g, ' ').trim() });
      }
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!haveObjdump())('hand-assembled x86-64 snippets', () => {
  for (const snippet of ALL_SNIPPETS) {
    it(`${snippet.name} disassembles to what its source says`, () => {
      const actual = disassemble(snippet.bytes);
      let offset = 0;
      const expected = snippet.lines.map((line) => {
        const e = { offset, hex: line.hex, asm: line.asm };
        offset += line.hex.split(' ').length;
        return e;
      });
      expect(actual).toEqual(expected);
    });
  }

  it('the branch targets written in UNWIND are its labels', () => {
    expect(UNWIND.labels).toEqual({
      entry: 0x00,
      resume: 0x2f,
      raise: 0x44,
      work: 0x4f,
      bottom: 0x81,
      out: 0x88,
      trap: 0x97,
      call_host: 0xa0,
      fail: 0xc1,
    });
  });
});
