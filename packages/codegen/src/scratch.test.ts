import { describe, expect, it } from 'vitest';
import { scratchI32, scratchScope, scratchU32, scratchU8 } from './scratch.js';

/** Fill each array with its own pattern, then check none was overwritten by another. */
function expectDisjoint(arrays: (Int32Array | Uint32Array | Uint8Array)[]): void {
  arrays.forEach((a, k) => a.fill(k + 1));
  arrays.forEach((a, k) => expect(a.every((x) => x === k + 1)).toBe(true));
}

describe('scratch arena', () => {
  it('allocates plain arrays outside a scope', () => {
    const a = scratchI32(1000);
    expect(a.buffer.byteLength).toBe(4000);
    expect(a.every((x) => x === 0)).toBe(true);
  });

  it('never hands out overlapping arrays, also across chunk replacement', () => {
    scratchScope(() => {
      const arrays = [];
      // ~14 MB in uneven sizes: several chunks are replaced on the way.
      for (let k = 0; k < 40; k++) {
        arrays.push(scratchI32(1000 + k * 20_000));
        arrays.push(scratchU8(17 + k * 3));
        arrays.push(scratchU32(65 + k));
      }
      expectDisjoint(arrays);
    });
  });

  it('returns zeroed memory when a later scope reuses it', () => {
    scratchScope(() => scratchI32(50_000).fill(-1));
    scratchScope(() => {
      expect(scratchI32(50_000).every((x) => x === 0)).toBe(true);
      expect(scratchU8(200_000).every((x) => x === 0)).toBe(true);
    });
  });

  it('resets only when the outermost scope ends, even by an exception', () => {
    scratchScope(() => {
      const outer = scratchI32(10_000);
      let inner: Int32Array | undefined;
      scratchScope(() => {
        inner = scratchI32(10_000);
      });
      const after = scratchI32(10_000);
      expectDisjoint([outer, inner!, after]);
    });
    expect(() =>
      scratchScope(() => {
        scratchI32(10_000);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    // The failed scope ended: allocation outside a scope is plain again.
    expect(scratchI32(100).buffer.byteLength).toBe(400);
  });

  it('keeps small arrays on the V8 heap (plain allocation)', () => {
    scratchScope(() => {
      expect(scratchI32(16).buffer.byteLength).toBe(64);
      expect(scratchU8(64).buffer.byteLength).toBe(64);
    });
  });
});
