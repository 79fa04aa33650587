/**
 * "ISA flags that are on must be present on the host", end to end through the
 * CLI, on a simulated x86-64 host without AVX2 (jit's cpuid-based
 * `hostX64Features` is mocked; the real CI hosts have AVX2). The `.cwasm` is
 * real: `derrick compile --target x86_64 --set has_avx2=true` works on any
 * host — compiling is not running — and `derrick run` refuses it, naming the
 * flag.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { captureIo, main } from '../src/index.js';

vi.mock('@derrick/jit', async (importOriginal) => {
  const jit = await importOriginal<typeof import('@derrick/jit')>();
  return {
    ...jit,
    hostX64Features: () => {
      const real = jit.hostX64Features();
      return real === undefined ? undefined : { ...real, has_avx: true, has_avx2: false };
    },
  };
});

const dir = mkdtempSync(path.join(tmpdir(), 'derrick-host-isa-'));
writeFileSync(path.join(dir, 'inc.wat'), '(module (func (export "inc") (param i32) (result i32) local.get 0 i32.const 1 i32.add))');

async function derrick(...argv: string[]) {
  const io = captureIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

describe.runIf(process.arch === 'x64')('a .cwasm that needs a CPU feature the host lacks (simulated host without AVX2)', () => {
  it('compiles, but derrick run refuses it with a message naming the flag', async () => {
    expect((await derrick('compile', '--target', 'x86_64', '--set', 'has_avx2=true', 'inc.wat', '-o', 'avx2.cwasm')).code).toBe(0);
    const r = await derrick('run', 'avx2.cwasm', '--invoke', 'inc', '1');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('error: avx2.cwasm: Module was compiled with ISA setting `has_avx2` enabled, but the host CPU lacks it (cpuid)\n');
    // A flag the host has is fine.
    expect((await derrick('compile', '--target', 'x86_64', '--set', 'has_avx=true', 'inc.wat', '-o', 'avx.cwasm')).code).toBe(0);
    expect((await derrick('run', 'avx.cwasm', '--invoke', 'inc', '1')).out).toBe('2\n');
  });

  it('does not infer the missing feature, and refuses to run code compiled for the host with it forced on', async () => {
    const settings = await derrick('settings');
    expect(settings.out).toMatch(/\n {2}has_avx2 += false/);
    expect(settings.out.split('Settings inferred for the current host:\n')[1]).not.toContain('has_avx2');
    const r = await derrick('run', '--set', 'has_avx2=true', 'inc.wat', '--invoke', 'inc', '1');
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: inc.wat: this module was compiled with ISA setting `has_avx2` enabled, but the host CPU lacks it (cpuid); it cannot run here\n');
  });
});
