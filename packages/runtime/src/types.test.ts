import { ValType } from '@derrick/environ';
import { describe, expect, it } from 'vitest';
import { type ExternType, externTypeMatches, externTypeToString, limitsMatch } from './types.js';

describe('import matching (WebAssembly 2.0, §4.5.4 import subtyping)', () => {
  it('limits: at least the minimum, and within the maximum when the import has one', () => {
    expect(limitsMatch({ min: 1, max: undefined }, { min: 1, max: undefined })).toBe(true);
    expect(limitsMatch({ min: 2, max: 3 }, { min: 1, max: undefined })).toBe(true);
    expect(limitsMatch({ min: 0, max: 3 }, { min: 1, max: undefined })).toBe(false);
    expect(limitsMatch({ min: 1, max: undefined }, { min: 1, max: 5 })).toBe(false);
    expect(limitsMatch({ min: 1, max: 5 }, { min: 1, max: 5 })).toBe(true);
    expect(limitsMatch({ min: 1, max: 6 }, { min: 1, max: 5 })).toBe(false);
  });

  it('functions exactly, globals by type and mutability, tables by element type and limits', () => {
    const f = (params: ValType[], results: ValType[]): ExternType => ({ kind: 'func', type: { params, results } });
    expect(externTypeMatches(f([ValType.I32], []), f([ValType.I32], []))).toBe(true);
    expect(externTypeMatches(f([ValType.I32], []), f([ValType.I64], []))).toBe(false);
    expect(externTypeMatches(f([], [ValType.I32]), f([ValType.I32], []))).toBe(false);
    const g = (valType: ValType, mutable: boolean): ExternType => ({ kind: 'global', type: { valType, mutable } });
    expect(externTypeMatches(g(ValType.I32, true), g(ValType.I32, true))).toBe(true);
    expect(externTypeMatches(g(ValType.I32, true), g(ValType.I32, false))).toBe(false);
    expect(externTypeMatches(g(ValType.F32, false), g(ValType.I32, false))).toBe(false);
    const t = (elemType: ValType.FuncRef | ValType.ExternRef, min: number, max?: number): ExternType => ({ kind: 'table', type: { elemType, limits: { min, max } } });
    expect(externTypeMatches(t(ValType.FuncRef, 10, 20), t(ValType.FuncRef, 10))).toBe(true);
    expect(externTypeMatches(t(ValType.FuncRef, 10, 20), t(ValType.ExternRef, 10))).toBe(false);
    expect(externTypeMatches(t(ValType.FuncRef, 10, 20), t(ValType.FuncRef, 10, 15))).toBe(false);
    expect(externTypeMatches(g(ValType.I32, false), t(ValType.FuncRef, 0))).toBe(false);
    expect(externTypeToString(t(ValType.FuncRef, 10, 20))).toBe('table 10 20 funcref');
    expect(externTypeToString(g(ValType.I64, true))).toBe('global (mut i64)');
    expect(externTypeToString(f([ValType.I32], [ValType.F64]))).toBe('func [i32] -> [f64]');
  });
});
