/**
 * Precompiled modules, for any backend: `serialize()` round-trips into the
 * same engine, a fresh engine, and an engine with no compiler at all; equal
 * configs compile identical bytes; damaged files are refused.
 */
import { expect, it } from 'vitest';
import { ObjectError, readCwasm } from '@derrick/object';
import { Config, Engine, Func, Instance, Module, Store, ValType } from '../../src/index.js';
import { type Backend, compileWat, engineOf, wat } from '../helpers.js';

export const SERIALIZE_TEXT = `(module (import "env" "inc" (func $inc (param i32) (result i32)))
  (memory (export "m") 1) (data (i32.const 0) "hi")
  (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
  (func (export "f") (param i32) (result i32) local.get 0 call $sq call $inc))`;

/** Instantiate a module of `SERIALIZE_TEXT` and call `f(6)` (= 37). */
export function runSerialized(module: Module): number {
  const store = new Store(module.engine);
  try {
    const inc = Func.wrap(store, { params: [ValType.I32], results: [ValType.I32] }, (x: number) => x + 1);
    const instance = new Instance(store, module, [inc]);
    expect(new TextDecoder().decode(instance.getMemory('m')!.read(0, 2))).toBe('hi');
    return instance.getFunc('f')!.call(6) as number;
  } finally {
    store.dispose();
  }
}

export function serializeSuite(backend: Backend): void {
  it('round-trips into the same engine, another engine and a compiler-less engine', async () => {
    const engine = engineOf(backend);
    const module = await compileWat(engine, SERIALIZE_TEXT);
    expect(runSerialized(module)).toBe(37);
    const bytes = module.serialize();
    const image = readCwasm(bytes);
    expect(image.elf.findSymbol('wasm[0]::function[1]')).toBeDefined();
    expect(image.elf.findSymbol('wasm[0]::function[2]')).toBeDefined();
    expect(image.elf.relocationSections()).toEqual([]);
    expect(runSerialized(Module.deserialize(engine, bytes))).toBe(37);
    expect(runSerialized(Module.deserialize(engineOf(backend), bytes))).toBe(37);
    const bare = new Engine(new Config());
    const loaded = Module.deserialize(bare, bytes);
    expect(runSerialized(loaded)).toBe(37);
    expect(loaded.serialize()).toEqual(bytes); // byte-identical
    expect(module.imports()).toEqual([{ module: 'env', name: 'inc', type: { kind: 'func', type: { params: [ValType.I32], results: [ValType.I32] } } }]);
    expect(module.exports().map((e) => [e.name, e.type.kind])).toEqual([
      ['m', 'memory'],
      ['f', 'func'],
    ]);
  });

  it('is deterministic: equal configs compile identical bytes, in parallel or not', async () => {
    const bytes = await wat(SERIALIZE_TEXT);
    const a = (await Module.new(engineOf(backend), bytes)).serialize();
    const b = (await Module.new(engineOf(backend, (c) => c.parallelCompilation(false)), bytes)).serialize();
    expect(a).toEqual(b);
  });

  it('refuses damaged files before looking at them', async () => {
    const engine = engineOf(backend);
    const bytes = (await compileWat(engine, SERIALIZE_TEXT)).serialize();
    const damaged = bytes.slice();
    damaged[100]! ^= 1;
    expect(() => Module.deserialize(engine, damaged)).toThrow(ObjectError);
    const plain = await wat(SERIALIZE_TEXT);
    expect(() => Module.deserialize(engine, plain)).toThrow(/compile it with Module.new/);
  });
}
