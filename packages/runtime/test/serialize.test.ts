/**
 * Precompiled modules: the shared round-trip suite on the toy compiler, then
 * the engine-compatibility policy (each failure names the differing
 * setting — the names are the toy compiler's) and images for another
 * architecture.
 */
import { describe, expect, it } from 'vitest';
import { hostX64Features } from '@derrick/jit';
import { readCwasm, type EngineInfo } from '@derrick/object';
import { type Config, DERRICK_BUILD, DERRICK_VERSION, Engine, Instance, Module, RuntimeError, Store, checkCompatibility } from '../src/index.js';
import { TOY, compileWat, toyConfig, toyEngine, wat } from './helpers.js';
import { serializeSuite } from './suites/serialize.js';

const TEXT = `(module (memory (export "m") 1) (data (i32.const 0) "hi")
  (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
  (func (export "f") (param i32) (result i32) local.get 0 call $sq i32.const 1 i32.add))`;

function run(module: Module): number {
  const store = new Store(module.engine);
  try {
    return new Instance(store, module).getFunc('f')!.call(6) as number;
  } finally {
    store.dispose();
  }
}

function incompatibility(engine: Engine, bytes: Uint8Array): string {
  try {
    Module.deserialize(engine, bytes);
  } catch (e) {
    if (e instanceof RuntimeError && e.kind === 'incompatible-module') return e.message;
    throw e;
  }
  throw new Error('expected an incompatible-module error');
}

describe(TOY.name, () => serializeSuite(TOY));

describe('compatibility policy (toy compiler settings)', () => {
  it('names the differing setting when the engines disagree', async () => {
    const bytes = (await compileWat(toyEngine(), TEXT)).serialize();
    expect(incompatibility(toyEngine((c) => c.set('preserve_frame_pointers', 'false')), bytes)).toBe(
      "Module was compiled with setting `preserve_frame_pointers` = 'true', but this engine has `preserve_frame_pointers` = 'false'",
    );
    // opt_level does not change the code's contract with the runtime.
    expect(run(Module.deserialize(toyEngine((c) => c.optLevel('none')), bytes))).toBe(37);
    // A module whose code may use AVX2 needs a host CPU that has it: for code of
    // the host's architecture the CPU decides, not the loading engine's settings
    // (a host without AVX2 is simulated in host-isa.test.ts).
    const avx = (await compileWat(toyEngine((c) => c.target('x86_64-unknown-linux-gnu').set('has_avx2', 'true')), TEXT)).serialize();
    if (hostX64Features()?.has_avx2 === true) {
      expect(run(Module.deserialize(toyEngine((c) => c.set('has_avx2', 'false')), avx))).toBe(37);
    } else if (process.arch === 'x64') {
      expect(incompatibility(toyEngine(), avx)).toBe('Module was compiled with ISA setting `has_avx2` enabled, but the host CPU lacks it (cpuid)');
    }
    // Code for another architecture never runs here: the loading engine's compiler must have the flag.
    const arm = (c: Config) => c.target('aarch64-unknown-linux-gnu');
    const armAvx = (await compileWat(toyEngine((c) => arm(c).set('has_avx2', 'true')), TEXT)).serialize();
    expect(incompatibility(toyEngine(arm), armAvx)).toBe(
      "Module was compiled with ISA setting `has_avx2` enabled, but it is not enabled for this engine's target 'aarch64-unknown-linux-gnu'",
    );
    expect(Module.deserialize(toyEngine((c) => arm(c).enable('haswell')), armAvx).serialize()).toEqual(armAvx);
    // Features.
    expect(incompatibility(toyEngine((c) => c.wasmSimd(false)), bytes)).toBe(
      'Module was compiled with support for WebAssembly feature `simd`, but it is not enabled for this engine',
    );
  });

  it('checks a compiler-less engine against the host: architecture, version, CPU features', () => {
    const bare = new Engine();
    const info = (over: Partial<EngineInfo>): EngineInfo => ({
      derrickVersion: DERRICK_BUILD,
      target: 'x86_64-unknown-linux-gnu',
      sharedFlags: { opt_level: 'speed', anything: 'goes' },
      isaFlags: {},
      wasmFeatures: ['simd'],
      ...over,
    });
    if (bare.target.startsWith('x86_64')) {
      expect(() => checkCompatibility(bare, info({}))).not.toThrow();
      expect(() => checkCompatibility(bare, info({ isaFlags: { has_sse41: 'true', has_avx2: 'false' } }))).not.toThrow(); // every x86-64 CI host has SSE4.1
      expect(() => checkCompatibility(bare, info({ isaFlags: { has_frobnicator: 'true' } }))).toThrow("don't know how to test for the ISA setting `has_frobnicator` on this host");
    }
    expect(() => checkCompatibility(bare, info({ derrickVersion: '0.0.1' }))).toThrow(/compiled with Derrick '0.0.1', but this is Derrick/);
    // The same release with another runtime ABI (vmctx layout) is refused too.
    expect(DERRICK_BUILD).toMatch(new RegExp(`^${DERRICK_VERSION.replace(/\./g, '\\.')}\\+abi\\.[0-9a-f]{8}$`));
    const otherAbi = `${DERRICK_VERSION}+abi.00000000`;
    expect(() => checkCompatibility(bare, info({ derrickVersion: otherAbi }))).toThrow(`compiled with Derrick '${otherAbi}', but this is Derrick '${DERRICK_BUILD}'`);
    const foreign = bare.target.startsWith('x86_64') ? 'aarch64-unknown-linux-gnu' : 'x86_64-unknown-linux-gnu';
    expect(() => checkCompatibility(bare, info({ target: foreign }))).toThrow(/^Module was compiled for architecture '\w+' \(target '[^']+'\), but this engine targets/);
  });

  it('loads an AArch64 image and instantiates it emulated on an x86-64 host; a host engine refuses it', async () => {
    if (!new Engine().target.startsWith('x86_64')) return;
    const cross = toyEngine((c) => c.target('aarch64-unknown-linux-gnu'));
    const module = await compileWat(cross, TEXT);
    expect(readCwasm(module.serialize()).machine).toBe('aarch64');
    const store = new Store(cross);
    try {
      expect(() => new Instance(store, module)).not.toThrow(); // the code runs in jit's Aarch64Emulator
    } finally {
      store.dispose();
    }
    expect(incompatibility(toyEngine(), module.serialize())).toMatch(/compiled for architecture 'aarch64'/);
  });

  it('a config with SIMD disabled refuses modules that use v128', async () => {
    const engine = new Engine(toyConfig().wasmSimd(false));
    await expect(Module.new(engine, await wat(`(module (func (param v128)))`))).rejects.toThrow(/SIMD support is disabled .* in type 0/);
    await expect(Module.new(engine, await wat(`(module (func (drop (v128.const i64x2 0 0))))`))).rejects.toThrow(/SIMD support is disabled .* instructions/);
  });
});
