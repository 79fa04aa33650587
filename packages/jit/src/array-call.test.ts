import { describe, expect, it } from 'vitest';
import { ADD_AND_STORE } from '../test/x64-snippets.js';
import { ArrayCallEntry, callArrayEntry } from './array-call.js';
import { CodeMemory } from './code-memory.js';
import { JitError } from './error.js';
import { NativeRegion } from './native-region.js';

describe('array-call entries', () => {
  it('returns the int64 result as a bigint over the whole 64-bit range', () => {
    const code = CodeMemory.publish(ADD_AND_STORE.bytes); // returns vmctx
    const values = NativeRegion.allocate(16);
    try {
      const entry = new ArrayCallEntry(code.address);
      for (const v of [0n, 1n, 2n ** 53n + 1n, 0x7fff_ffff_ffff_ffffn]) {
        expect(entry.call(v, 0n, values.address, 0)).toBe(v);
      }
      // A pointer-sized argument with the top bit set comes back as a negative int64.
      expect(entry.call(0xffff_ffff_ffff_fffen, 0n, values.address, 0)).toBe(-2n);
    } finally {
      values.dispose();
      code.dispose();
    }
  });

  it('passes all four arguments in rdi, rsi, rdx, rcx (one-off koffi.call path)', () => {
    const code = CodeMemory.publish(ADD_AND_STORE.bytes);
    const values = NativeRegion.allocate(16);
    try {
      const words = new BigUint64Array(values.buffer);
      words[0] = 1000n;
      expect(callArrayEntry(code.address, 99n, 0n, values.address, 234)).toBe(99n);
      expect(words[1]).toBe(1234n);
    } finally {
      values.dispose();
      code.dispose();
    }
  });

  it('rejects a null or non-bigint address', () => {
    expect(() => new ArrayCallEntry(0n)).toThrow(JitError);
    expect(() => new ArrayCallEntry(42 as unknown as bigint)).toThrow(JitError);
  });

  it('is fast enough to be the host→wasm path (decoded once, < 5 µs per call)', () => {
    const code = CodeMemory.publish(ADD_AND_STORE.bytes);
    const values = NativeRegion.allocate(16);
    try {
      const entry = code.arrayCallEntry(0);
      const n = 100_000;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) entry.call(1n, 0n, values.address, 1);
      const perCallUs = ((performance.now() - t0) * 1000) / n;
      expect(perCallUs).toBeLessThan(5);
    } finally {
      values.dispose();
      code.dispose();
    }
  });
});
