/** `derrick clif test`: runs .clif run tests through the IR interpreter. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo, main } from '../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'derrick-clif-'));

async function run(...argv: string[]) {
  const io = captureIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const GOOD = `test interpret
test run

function %add(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iadd v0, v1
    return v2
}
; run: %add(1, 2) == 3
; run: %add(-1, 1) == 0
`;

describe('derrick clif test', () => {
  it('runs every run line and prints N passed, N failed', async () => {
    writeFileSync(path.join(dir, 'good.clif'), GOOD);
    const r = await run('clif', 'test', 'good.clif');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toBe('2 passed, 0 failed');
  });

  it('reports a wrong expectation with its line and exits 1', async () => {
    writeFileSync(path.join(dir, 'bad.clif'), GOOD.replace('== 3', '== 4'));
    const r = await run('clif', 'test', 'bad.clif');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/bad\.clif:9: run/);
    expect(r.out.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });

  it('a missing file is a clear error, not a crash', async () => {
    const r = await run('clif', 'test', 'nope.clif');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.clif/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('runs the repository run-test files', async () => {
    const files = path.resolve(__dirname, '../../codegen-ir/test/runtests');
    const r = await run('clif', 'test', path.join(files, 'arith.clif'));
    expect(r.out).toMatch(/\d+ passed, 0 failed\n$/);
  });
});
