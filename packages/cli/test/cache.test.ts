/**
 * `--cache DIR` on `compile`/`run`/`wast`, `--timings`, and `derrick cache
 * stats|clear`: a warm compile is all hits and writes the same `.cwasm`
 * byte for byte; the cache directory can be inspected and emptied.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo, main } from '../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'derrick-cache-cli-'));

async function derrick(...argv: string[]) {
  const io = captureIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const WAT = `(module
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $sq2 (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32) (i32.add (call $sq (local.get 0)) (call $sq2 (i32.const 3)))))`;
writeFileSync(path.join(dir, 'm.wat'), WAT);
const TIMINGS = /^functions=(\d+) cache_hits=(\d+) cache_misses=(\d+) compile_ms=\d+(\.\d+)?\n$/;

describe('derrick --cache', () => {
  it('compile twice with one cache: the second is all hits and byte-identical', async () => {
    const a = await derrick('compile', 'm.wat', '--cache', 'c', '--timings', '-o', 'a.cwasm');
    expect(a.code).toBe(0);
    expect(a.err).toMatch(TIMINGS);
    expect(TIMINGS.exec(a.err)!.slice(1, 4)).toEqual(['3', '1', '2']);
    const b = await derrick('compile', 'm.wat', '--cache', 'c', '--timings', '-o', 'b.cwasm');
    expect(TIMINGS.exec(b.err)!.slice(1, 4)).toEqual(['3', '3', '0']);
    const plain = await derrick('compile', 'm.wat', '-o', 'p.cwasm');
    expect(plain.err).toBe('');
    const bytes = (n: string) => readFileSync(path.join(dir, n));
    expect(bytes('b.cwasm').equals(bytes('a.cwasm'))).toBe(true);
    expect(bytes('p.cwasm').equals(bytes('a.cwasm'))).toBe(true);
    expect((await derrick('run', 'm.wat', '--cache', 'c', '--invoke', 'f', '4')).out).toBe('25\n');
  });

  // 2 distinct stencils + 2 first-level entries (one per distinct body).
  it('cache stats and cache clear', async () => {
    await derrick('compile', 'm.wat', '--cache', 'c2', '-o', 'x.cwasm');
    const s = await derrick('cache', 'stats', 'c2');
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/^dir: .*c2\nentries: 4\nbytes: \d+\ntemp_files: 0\noldest_use: \S+\nnewest_use: \S+\n$/);
    const c = await derrick('cache', 'clear', 'c2');
    expect(c.out).toMatch(/^removed 4 entries \(\d+ bytes\)\n$/);
    expect((await derrick('cache', 'stats', 'c2')).out).toContain('entries: 0\n');
    const missing = await derrick('cache', 'stats', 'nope');
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining('nope: no such cache directory')]);
  });

  it('wast --cache runs scripts through the cache', async () => {
    writeFileSync(path.join(dir, 't.wast'), `${WAT}\n(assert_return (invoke "f" (i32.const 2)) (i32.const 13))\n`);
    const r1 = await derrick('wast', 't.wast', '--cache', 'c3');
    expect(r1.out).toContain('2 passed, 0 failed');
    expect((await derrick('cache', 'stats', 'c3')).out).toContain('entries: 4\n');
    const r2 = await derrick('wast', 't.wast', '--cache', 'c3');
    expect(r2.out).toContain('2 passed, 0 failed');
  });
});
