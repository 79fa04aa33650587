import { VMTableDefinitionOffsets, ValType } from '@derrick/environ';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { INNER } from './internal.js';
import { Store } from './store.js';
import { MAX_TABLE_ELEMENTS, Table } from './table.js';

const engine = new Engine();
let store: Store;
afterEach(() => store?.dispose());

function definition(t: Table): { base: bigint; elements: bigint } {
  const d = t[INNER].definition;
  return {
    base: d.view.getBigUint64(d.offset + VMTableDefinitionOffsets.base, true),
    elements: d.view.getBigUint64(d.offset + VMTableDefinitionOffsets.currentElements, true),
  };
}

describe('Table', () => {
  it('holds externrefs as host values, null as null', () => {
    store = new Store(engine);
    const obj = { x: 1 };
    const t = Table.new(store, { elemType: ValType.ExternRef, limits: { min: 3, max: undefined } }, obj);
    expect([t.get(0), t.get(2)]).toEqual([obj, obj]);
    expect(t.get(0)).toBe(obj);
    t.set(1, null);
    t.set(2, 'two');
    expect([t.get(1), t.get(2), t.get(3)]).toEqual([null, 'two', undefined]);
    expect(t.getVal(2)).toEqual({ type: 'externref', value: 'two' });
    t.setVal(0, { type: 'externref', value: 5 });
    expect(t.get(0)).toBe(5);
    // Raw encoding: handle + 1, so even the host value 0 is a non-null reference.
    t.set(0, 0);
    expect(t[INNER].elements[0]).not.toBe(0n);
    expect(t.get(0)).toBe(0);
    expect(() => t.set(3, null)).toThrow(/out of bounds table access: index 3 of a table of 3 elements/);
  });

  it('grows (moving its storage) and publishes base and size to compiled code', () => {
    store = new Store(engine);
    const t = Table.new(store, { elemType: ValType.ExternRef, limits: { min: 1, max: 100 } });
    expect(definition(t).elements).toBe(1n);
    const before = definition(t).base;
    expect(t.grow(99, 'x')).toBe(1);
    const after = definition(t);
    expect(after.elements).toBe(100n);
    expect(after.base).not.toBe(0n);
    expect(t.get(0)).toBeNull();
    expect(t.get(99)).toBe('x');
    expect(() => t.grow(1)).toThrow(/failed to grow table by 1 element\(s\): size 100, maximum 100/);
    expect(t.grow(0)).toBe(100);
    expect(t.ty()).toEqual({ elemType: ValType.ExternRef, limits: { min: 100, max: 100 } });
    void before;
  });

  it('starts empty with a null base and caps growth at the implementation limit', () => {
    store = new Store(engine);
    const t = Table.new(store, { elemType: ValType.FuncRef, limits: { min: 0, max: undefined } });
    expect(definition(t)).toEqual({ base: 0n, elements: 0n });
    expect(() => t.grow(MAX_TABLE_ELEMENTS + 1)).toThrow(/failed to grow table/);
    expect(t.grow(10)).toBe(0);
    expect(t.get(9)).toBeNull();
  });

  it('type-checks elements', () => {
    store = new Store(engine);
    const t = Table.new(store, { elemType: ValType.FuncRef, limits: { min: 1, max: undefined } });
    expect(() => t.set(0, { not: 'a func' })).toThrow(/expected a value of type funcref/);
    expect(() => Table.new(store, { elemType: ValType.I32 as never, limits: { min: 1, max: undefined } })).toThrow(/funcref or externref/);
    expect(() => Table.new(store, { elemType: ValType.FuncRef, limits: { min: 2, max: 1 } })).toThrow(/invalid table limits/);
  });
});
