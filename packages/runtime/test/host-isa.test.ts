/**
 * "ISA flags that are on must be present on the host", on a simulated host
 * without AVX2: jit's `hostX64Features` (cpuid) is mocked to report AVX2
 * missing, so the test means the same on every x86-64 machine (the CI hosts
 * have AVX2, so a real artifact compiled with `has_avx2` would just load).
 *
 * The artifact itself is genuine: compiled for `x86_64` with `has_avx2` on,
 * which any host may do (compiling is not running).
 */
import { describe, expect, it, vi } from 'vitest';
import { Config, DERRICK_BUILD, Engine, Instance, Module, RuntimeError, Store, checkCompatibility, inferHostIsaFlags } from '../src/index.js';
import { compileWat, toyEngine } from './helpers.js';
import { toyCompilerBuilder } from './toy/toy-compiler.js';

vi.mock('@derrick/jit', async (importOriginal) => {
  const jit = await importOriginal<typeof import('@derrick/jit')>();
  return {
    ...jit,
    hostX64Features: () => {
      const real = jit.hostX64Features();
      return real === undefined ? undefined : { ...real, has_sse41: true, has_avx2: false };
    },
  };
});

const TEXT = '(module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe.runIf(process.arch === 'x64')('a precompiled module needs the CPU features its ISA flags name (simulated host without AVX2)', () => {
  it('is refused by Module.deserialize, naming the flag — with or without a compiler', async () => {
    const avx2 = (await compileWat(toyEngine((c) => c.target('x86_64').set('has_avx2', 'true')), TEXT)).serialize();
    const sse41 = (await compileWat(toyEngine((c) => c.target('x86_64').set('has_sse41', 'true')), TEXT)).serialize();
    for (const engine of [new Engine(new Config()), toyEngine(), toyEngine((c) => c.set('has_avx2', 'true'))]) {
      const e = errorOf(() => Module.deserialize(engine, avx2));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as RuntimeError).kind).toBe('incompatible-module');
      expect(e.message).toBe('Module was compiled with ISA setting `has_avx2` enabled, but the host CPU lacks it (cpuid)');
      // A flag the host has is fine.
      const store = new Store(engine);
      try {
        expect(new Instance(store, Module.deserialize(engine, sse41)).getFunc('f')!.call(41)).toBe(42);
      } finally {
        store.dispose();
      }
    }
    expect(() =>
      checkCompatibility(new Engine(), {
        derrickVersion: DERRICK_BUILD,
        target: 'x86_64-unknown-linux-gnu',
        sharedFlags: {},
        isaFlags: { has_avx2: 'true' },
        wasmFeatures: [],
      }),
    ).toThrow(/`has_avx2` enabled, but the host CPU lacks it/);
  });

  it('compiles with Module.new (an artifact for another machine) but refuses to instantiate it', async () => {
    const engine = toyEngine((c) => c.set('has_avx2', 'true'));
    const module = await compileWat(engine, TEXT);
    expect(module.serialize().length).toBeGreaterThan(0);
    const store = new Store(engine);
    try {
      const e = errorOf(() => new Instance(store, module));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as RuntimeError).kind).toBe('not-executable');
      expect(e.message).toMatch(/compiled with ISA setting `has_avx2` enabled, but the host CPU lacks it \(cpuid\); it cannot run here/);
    } finally {
      store.dispose();
    }
  });

  it('infers only what the host has', () => {
    const engine = new Engine(new Config().compilerBuilder(toyCompilerBuilder()));
    expect(engine.inferredIsaFlags).toEqual(['has_sse41']);
    expect(engine.compiler().isaFlags()).toEqual({ has_sse41: 'true', has_avx2: 'false' });
    expect(inferHostIsaFlags(toyCompilerBuilder()())).toEqual(['has_sse41']);
  });
});
