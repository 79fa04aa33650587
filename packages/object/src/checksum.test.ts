import { describe, expect, it } from 'vitest';
import { fnv1a64 } from './checksum.js';

/** Reference implementation with BigInt, straight from the FNV-1a definition. */
function reference(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

const ascii = (s: string) => new TextEncoder().encode(s);

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64(ascii(''))).toBe(0xcbf29ce484222325n);
    expect(fnv1a64(ascii('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64(ascii('foobar'))).toBe(0x85944171f73967e8n);
  });

  it('matches a BigInt reference on random inputs', () => {
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let len = 0; len < 300; len += 7) {
      const bytes = Uint8Array.from({ length: len }, next);
      expect(fnv1a64(bytes)).toBe(reference(bytes));
    }
  });

  it('changes whenever any single byte changes (single-byte-detection)', () => {
    const base = Uint8Array.from({ length: 64 }, (_, i) => i * 37);
    const h = fnv1a64(base);
    for (let i = 0; i < base.length; i++) {
      for (let v = 0; v < 256; v++) {
        if (v === base[i]) continue;
        const copy = base.slice();
        copy[i] = v;
        if (fnv1a64(copy) === h) throw new Error(`collision at byte ${i} = ${v}`);
      }
    }
  });
});
