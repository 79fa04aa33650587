import { ValType } from '@derrick/environ';
import { describe, expect, it } from 'vitest';
import { TypeRegistry } from './type-registry.js';
import { Config } from './config.js';
import { Engine } from './engine.js';

const { I32, I64, F32, FuncRef } = ValType;

describe('TypeRegistry (canonical-ids)', () => {
  it('gives structurally equal function types one id, and different ones different ids', () => {
    const r = new TypeRegistry();
    const a = r.idOf({ params: [I32, I64], results: [F32] });
    expect(a).toBeGreaterThan(0); // 0 never matches a type
    expect(r.idOf({ params: [I32, I64], results: [F32] })).toBe(a);
    const others = [
      { params: [I64, I32], results: [F32] },
      { params: [I32, I64, F32], results: [] },
      { params: [I32], results: [I64, F32] },
      { params: [], results: [] },
      { params: [FuncRef], results: [] },
    ].map((t) => r.idOf(t));
    expect(new Set([a, ...others]).size).toBe(6);
    expect(r.typeOf(a)).toEqual({ params: [I32, I64], results: [F32] });
    expect(r.size).toBe(6);
  });

  it('is per engine', () => {
    const e1 = new Engine(new Config());
    const e2 = new Engine(new Config());
    e2.types.idOf({ params: [I64], results: [] });
    expect(e1.types.idOf({ params: [I32], results: [] })).toBe(1);
    expect(e2.types.idOf({ params: [I32], results: [] })).toBe(2);
  });
});
