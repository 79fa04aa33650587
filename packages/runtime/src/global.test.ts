import { ValType } from '@derrick/environ';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { Global } from './global.js';
import { INNER } from './internal.js';
import { Store } from './store.js';

const engine = new Engine();
let store: Store;
afterEach(() => store?.dispose());

describe('Global', () => {
  it('holds every value type, as JS values and as exact Vals', () => {
    store = new Store(engine);
    const g32 = Global.new(store, { valType: ValType.I32, mutable: true }, -1);
    const g64 = Global.new(store, { valType: ValType.I64, mutable: false }, 1n << 62n);
    const f32 = Global.new(store, { valType: ValType.F32, mutable: true }, 666.6);
    const f64 = Global.new(store, { valType: ValType.F64, mutable: false }, 666.6);
    const v = Global.new(store, { valType: ValType.V128, mutable: false }, (1n << 127n) | 5n);
    expect(g32.get()).toBe(-1);
    expect(g64.get()).toBe(1n << 62n);
    expect(f32.get()).toBe(Math.fround(666.6));
    expect(f64.get()).toBe(666.6);
    expect(v.getVal()).toEqual({ type: 'v128', bytes: Uint8Array.of(5, ...new Array(14).fill(0), 0x80) });
    g32.set(7);
    expect(g32.getVal()).toEqual({ type: 'i32', value: 7 });
    expect(() => g64.set(1n)).toThrow(/cannot set an immutable global/);
    expect(() => g32.set(1n)).toThrow(/expected a value of type i32/);
    expect(g32.ty()).toEqual({ valType: ValType.I32, mutable: true });
  });

  it('keeps float bit patterns exactly (signalling NaN payloads, -0) through Vals', () => {
    store = new Store(engine);
    const f32 = Global.newVal(store, { valType: ValType.F32, mutable: true }, { type: 'f32', bits: 0x7fa0_0001 });
    const f64 = Global.newVal(store, { valType: ValType.F64, mutable: true }, { type: 'f64', bits: 0xfff4_0000_0000_0001n });
    expect(f32.getVal()).toEqual({ type: 'f32', bits: 0x7fa0_0001 });
    expect(f64.getVal()).toEqual({ type: 'f64', bits: 0xfff4_0000_0000_0001n });
    f32.setVal({ type: 'f32', bits: 0x8000_0000 });
    expect(Object.is(f32.get(), -0)).toBe(true);
  });

  it('stores its value as a 16-byte ValRaw (i32 zero-extended)', () => {
    store = new Store(engine);
    const g = Global.new(store, { valType: ValType.I32, mutable: true }, -2);
    const slot = g[INNER].slot;
    expect(slot.address % 16n).toBe(0n);
    expect(slot.view.getBigUint64(slot.offset, true)).toBe(0xffff_fffen);
    expect(slot.view.getBigUint64(slot.offset + 8, true)).toBe(0n);
  });

  it('holds externrefs and refuses funcrefs of another store', () => {
    store = new Store(engine);
    const e = Global.new(store, { valType: ValType.ExternRef, mutable: true }, null);
    expect(e.get()).toBeNull();
    const obj = {};
    e.set(obj);
    expect(e.get()).toBe(obj);
    const f = Global.new(store, { valType: ValType.FuncRef, mutable: true }, null);
    expect(f.get()).toBeNull();
    expect(() => f.set(42)).toThrow(/expected a value of type funcref/);
  });
});
