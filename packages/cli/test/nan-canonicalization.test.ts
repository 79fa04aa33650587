/**
 * `--set enable_nan_canonicalization=true` on the real pipeline: a NaN made
 * by float arithmetic has the same bits on x86-64 (natively) and AArch64
 * (emulated) — the canonical positive quiet NaN — while without it x86-64
 * gives the sign-set default NaN SSE produces. Bitwise operations keep
 * their bits either way. And `derrick wast` takes the setting too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo, main } from '../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'derrick-nan-'));
const here = path.dirname(fileURLToPath(import.meta.url));
const suite = path.resolve(here, '../../../../shared/testsuite/core-2.0');

const WAT = `(module
  (func (export "div32") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.div (local.get 0) (local.get 1))))
  (func (export "sqrt64") (param f64) (result i64) (i64.reinterpret_f64 (f64.sqrt (local.get 0))))
  (func (export "demote") (param f64) (result i32) (i32.reinterpret_f32 (f32.demote_f64 (local.get 0))))
  (func (export "negdiv") (param f32 f32) (result i32) (i32.reinterpret_f32 (f32.neg (f32.div (local.get 0) (local.get 1)))))
  (func (export "abs") (param i32) (result i32) (i32.reinterpret_f32 (f32.abs (f32.reinterpret_i32 (local.get 0))))))`;
writeFileSync(path.join(dir, 'nan.wat'), WAT);

async function run(...argv: string[]): Promise<string> {
  const io = captureIo({ cwd: dir });
  const code = await main(argv, io);
  expect(io.err).toBe('');
  expect(code).toBe(0);
  return io.out.trim();
}

async function all(...flags: string[]): Promise<string[]> {
  return [
    await run('run', ...flags, 'nan.wat', '--invoke', 'div32', '0', '0'),
    await run('run', ...flags, 'nan.wat', '--invoke', 'sqrt64', '--', '-1'),
    // A signalling-NaN f64 payload: 0x7ff0000000000001.
    await run('run', ...flags, 'nan.wat', '--invoke', 'demote', 'nan:0x0000000000001'),
    await run('run', ...flags, 'nan.wat', '--invoke', 'negdiv', '0', '0'),
    await run('run', ...flags, 'nan.wat', '--invoke', 'abs', '--', '-4194304'),
  ];
}

const CANONICAL = ['2143289344', '9221120237041090560', '2143289344', '-4194304', '2143289344'];

describe('enable_nan_canonicalization', () => {
  it('gives the canonical NaN on x86-64', async () => {
    expect(await all('--set', 'enable_nan_canonicalization=true')).toEqual(CANONICAL);
  });

  it.runIf(process.arch === 'x64')('and the same bits on AArch64, emulated', async () => {
    expect(await all('--target', 'aarch64', '--set', 'enable_nan_canonicalization=true')).toEqual(CANONICAL);
  });

  it.runIf(process.arch === 'x64')('without it, x86-64 arithmetic NaNs have the sign bit set', async () => {
    const [div, root] = await all();
    expect(div).toBe(String(0xffc00000 | 0)); // -4194304
    expect(root).toBe(String(-(2n ** 63n) + 0x7ff8000000000000n)); // 0xfff8000000000000 as i64
  });

  it('derrick wast takes --set, and the float spec files pass with canonical NaNs', async () => {
    const io = captureIo({ cwd: dir });
    const files = ['f32.wast', 'f64.wast', 'float_exprs.wast', 'conversions.wast'].map((f) => path.join(suite, f));
    const code = await main(['wast', '--set', 'enable_nan_canonicalization=true', ...files], io);
    expect(io.out).toMatch(/\n\d+ passed, 0 failed, 0 skipped\n$/);
    expect(code).toBe(0);
    const bad = captureIo({ cwd: dir });
    expect(await main(['wast', '--set', 'enable_nan_canonicalisation=true', files[0]!], bad)).toBe(2);
    expect(bad.err).toMatch(/unknown setting 'enable_nan_canonicalisation'.*did you mean 'enable_nan_canonicalization'/);
  });
});
