/**
 * Without libunicorn, AArch64 code on an x86-64 host cannot run: instantiating
 * gives one clear `RuntimeError('not-executable')` carrying jit's error, which
 * names the Debian package to install. The emulator is made to fail the way
 * `loadUnicorn` fails for a library that is not installed.
 */
import { describe, expect, it, vi } from 'vitest';
import { Instance, RuntimeError, Store } from '../src/index.js';
import { compileWat, toyEngine } from './helpers.js';

vi.mock('@derrick/jit', async (importOriginal) => {
  const jit = await importOriginal<typeof import('@derrick/jit')>();
  return {
    ...jit,
    Aarch64Emulator: {
      shared: () => {
        jit.loadUnicorn({ soname: 'libunicorn-derrick-not-installed.so.2' });
        throw new Error('unreachable: that library does not exist');
      },
    },
  };
});

describe.runIf(process.arch === 'x64')('AArch64 code without libunicorn', () => {
  it('fails to instantiate with a clear error naming libunicorn2', async () => {
    const engine = toyEngine((c) => c.target('aarch64-unknown-linux-gnu'));
    const module = await compileWat(engine, '(module (func (export "f") (result i32) (i32.const 1)))');
    const store = new Store(engine);
    try {
      expect.assertions(4);
      try {
        new Instance(store, module);
      } catch (e) {
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as RuntimeError).kind).toBe('not-executable');
        expect((e as RuntimeError).message).toMatch(/AArch64 code cannot run on this x86-64 host without the emulator: .*install the Debian package libunicorn2/);
        expect((e as Error).cause).toMatchObject({ kind: 'library-missing', debianPackage: 'libunicorn2' });
      }
    } finally {
      store.dispose();
    }
  });
});
