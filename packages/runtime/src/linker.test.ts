import { ValType } from '@derrick/environ';
import { afterEach, describe, expect, it } from 'vitest';
import { Config } from './config.js';
import { Engine } from './engine.js';
import { Func } from './func.js';
import { Global } from './global.js';
import { Linker } from './linker.js';
import { Store } from './store.js';

const engine = new Engine(new Config());
let store: Store;
afterEach(() => store?.dispose());

describe('Linker (no compiler needed)', () => {
  it('resolves definitions by module and name; host functions once per store', () => {
    store = new Store(engine);
    const linker = new Linker(engine);
    const g = Global.new(store, { valType: ValType.I32, mutable: false }, 1);
    linker.define('env', 'g', g).funcWrap('env', 'f', { params: [], results: [ValType.I32] }, () => 5);
    expect(linker.get(store, 'env', 'g')).toBe(g);
    expect(linker.get(store, 'env', 'h')).toBeUndefined();
    expect(linker.get(store, 'other', 'g')).toBeUndefined();
    const f = linker.get(store, 'env', 'f') as Func;
    expect(f).toBeInstanceOf(Func);
    expect(f.call()).toBe(5);
    expect(linker.get(store, 'env', 'f')).toBe(f);
    const other = new Store(engine);
    expect(linker.get(other, 'env', 'f')).not.toBe(f);
    other.dispose();
  });

  it('refuses duplicates unless shadowing is allowed, and externs of another engine', () => {
    store = new Store(engine);
    const linker = new Linker(engine);
    linker.funcNew('m', 'x', { params: [], results: [] }, () => []);
    expect(() => linker.funcNew('m', 'x', { params: [], results: [] }, () => [])).toThrow(/import of `m::x` defined twice/);
    const g = Global.new(store, { valType: ValType.I32, mutable: false }, 1);
    linker.allowShadowing().define('m', 'x', g);
    expect(linker.get(store, 'm', 'x')).toBe(g);
    const otherEngine = new Engine();
    const foreign = new Store(otherEngine);
    expect(() => linker.define('m', 'y', Global.new(foreign, { valType: ValType.I32, mutable: false }, 1))).toThrow(/another engine/);
    foreign.dispose();
    expect(() => linker.define('m', 'z', 42 as never)).toThrow(/not a Func, Table, Memory or Global/);
  });

  it('host functions are callable from the host directly, with type checks', () => {
    store = new Store(engine);
    const add = Func.wrap(store, { params: [ValType.I64, ValType.I64], results: [ValType.I64] }, (a: bigint, b: bigint) => a + b);
    expect(add.call(2n, 3n)).toBe(5n);
    expect(() => add.call(2n)).toThrow(/expects 2 argument/);
    const pair = Func.wrap(store, { params: [], results: [ValType.I32, ValType.F64] }, () => [1, 2.5]);
    expect(pair.call()).toEqual([1, 2.5]);
    const bad = Func.wrap(store, { params: [], results: [ValType.I32, ValType.I32] }, () => 1);
    expect(() => bad.call()).toThrow(/must return an array of 2 values/);
    const vals = Func.new(store, { params: [ValType.F32], results: [ValType.F32] }, ([x]) => [x!]);
    expect(vals.callVals([{ type: 'f32', bits: 0x7fa0_0001 }])).toEqual([{ type: 'f32', bits: 0x7fa0_0001 }]);
  });
});
