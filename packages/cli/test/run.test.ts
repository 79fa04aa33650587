/** `derrick run`: compiles and runs modules on the host, in-process. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo, main } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const benchDir = path.resolve(repo, '../shared/bench');
const dir = mkdtempSync(path.join(tmpdir(), 'derrick-run-'));

async function run(...argv: string[]) {
  const io = captureIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const NO_STACK = /\n\s+at /;

describe('derrick run', () => {
  it('runs the README example: fib(20) of examples/fib.wat', async () => {
    const r = await run('run', path.join(repo, 'examples/fib.wat'), '--invoke', 'fib', '20');
    expect(r.err).toBe('');
    expect(r.out).toBe('6765\n');
    expect(r.code).toBe(0);
  });

  it.runIf(process.arch === 'x64')('runs AArch64 code emulated: --target aarch64 examples/fib.wat', async () => {
    const r = await run('run', '--target', 'aarch64', path.join(repo, 'examples/fib.wat'), '--invoke', 'fib', '20');
    expect([r.code, r.err, r.out]).toEqual([0, '', '6765\n']);
  });

  it('runs every bench kernel with its manifest argument and prints the expected result', async () => {
    const manifest = JSON.parse(readFileSync(path.join(benchDir, 'manifest.json'), 'utf8')) as {
      kernels: { name: string; export: string; args: number[]; expected: number }[];
    };
    expect(manifest.kernels.length).toBe(8);
    for (const k of manifest.kernels) {
      const r = await run('run', path.join(benchDir, `${k.name}.wasm`), '--invoke', k.export, ...k.args.map(String));
      expect([k.name, r.out, r.code]).toEqual([k.name, `${k.expected}\n`, 0]);
    }
  }, 300_000);

  it('prints every result of a multi-value function, integers signed, floats as numbers', async () => {
    writeFileSync(
      path.join(dir, 'multi.wat'),
      '(module (func (export "f") (param i64 f64) (result i32 i64 f64) (i32.const -1) (local.get 0) (local.get 1)))',
    );
    const r = await run('run', 'multi.wat', '--invoke', 'f', '-5', '2.5');
    expect(r.out).toBe('-1\n-5\n2.5\n');
  });

  it('a trap is a message on stderr and exit 1, never a crash', async () => {
    writeFileSync(path.join(dir, 'trap.wat'), '(module (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))');
    const r = await run('run', 'trap.wat', '--invoke', 'div', '1', '0');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/wasm trap: integer divide by zero/);
    expect(r.err).not.toMatch(NO_STACK);
    const o = await run('run', 'trap.wat', '--invoke', 'div', '-2147483648', '-1');
    expect(o.err).toMatch(/integer overflow/);
  });

  it('deep recursion is "call stack exhausted", not a crash', async () => {
    writeFileSync(path.join(dir, 'rec.wat'), '(module (func $f (export "f") (param i32) (result i32) (call $f (i32.add (local.get 0) (i32.const 1)))))');
    const r = await run('run', 'rec.wat', '--invoke', 'f', '0');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/call stack exhausted/);
  });

  it('bad input gets clear errors', async () => {
    writeFileSync(path.join(dir, 'ok.wat'), '(module (func (export "g") (param i32) (result i32) (local.get 0)))');
    expect((await run('run', 'ok.wat', '--invoke', 'nope')).err).toMatch(/no exported function named 'nope'/);
    expect((await run('run', 'ok.wat', '--invoke', 'g')).err).toMatch(/takes 1 argument/);
    expect((await run('run', 'ok.wat', '--invoke', 'g', 'x')).err).toMatch(/not a valid i32/);
    expect((await run('run', 'missing.wasm')).err).toMatch(/missing\.wasm/);
    writeFileSync(path.join(dir, 'bad.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]));
    const bad = await run('run', 'bad.wasm');
    expect(bad.err).toMatch(/unknown binary version/);
    expect(bad.err).not.toMatch(NO_STACK);
    expect((await run('run', 'ok.wat', '--set', 'no_such_setting=1', '--invoke', 'g', '1')).err).toMatch(/unknown setting 'no_such_setting'/);
  });
});
