import { TrapCode } from '@derrick/environ';
import { describe, expect, it } from 'vitest';
import { LinkError, Trap } from './errors.js';

describe('errors', () => {
  it('a Trap message starts with the reference interpreter wording, then says where', () => {
    expect(new Trap(TrapCode.MemoryOutOfBounds).message).toBe('out of bounds memory access');
    const t = new Trap(TrapCode.IntegerDivisionByZero, { funcIndex: 3, funcName: 'div', wasmOffset: 0x2a });
    expect(t.message).toBe('integer divide by zero (in wasm function 3 ("div"), at module offset 0x2a)');
    expect([t.code, t.funcIndex, t.funcName, t.wasmOffset, t.name]).toEqual([TrapCode.IntegerDivisionByZero, 3, 'div', 0x2a, 'Trap']);
    expect(new Trap(TrapCode.StackOverflow).isStackOverflow).toBe(true);
    expect(new Trap(TrapCode.TableOutOfBounds, { wasmOffset: 16 }).message).toBe('undefined element: out of bounds table access (in module offset 0x10)');
  });

  it('a LinkError starts with the spec wording', () => {
    const e = new LinkError('incompatible-import-type', 'm', 'f', '`m::f`: expected func [] -> [], found memory 1');
    expect(e.message).toBe('incompatible import type: `m::f`: expected func [] -> [], found memory 1');
    expect([e.reason, e.module, e.field]).toEqual(['incompatible-import-type', 'm', 'f']);
  });
});
