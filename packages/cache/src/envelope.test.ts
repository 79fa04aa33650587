import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ENTRY_FORMAT_VERSION,
  ENTRY_HEADER_SIZE,
  decodeCacheEntry,
  encodeCacheEntry,
  inspectCacheEntry,
  xxhash32,
} from './index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 5) & 0xff);
const otherKey = Uint8Array.from(key, (b, i) => (i === 3 ? b ^ 0x10 : b));

describe('xxhash32', () => {
  it('matches the reference test vectors', () => {
    expect(xxhash32(enc(''))).toBe(0x02cc5d05);
    expect(xxhash32(enc('a'))).toBe(0x550d7456);
    expect(xxhash32(enc('abc'))).toBe(0x32d153ff);
    expect(xxhash32(enc('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
    expect(xxhash32(enc(''), 1)).not.toBe(xxhash32(enc('')));
  });

  it('hashes a sub-range like the same bytes on their own', () => {
    const b = enc('xxNobody inspects the spammish repetitionyy');
    expect(xxhash32(b, 0, 2, b.length - 2)).toBe(0xe2293b2f);
  });
});

describe('cache entry envelope', () => {
  const payload = Uint8Array.from({ length: 301 }, (_, i) => (i * 131 + 7) & 0xff);

  it('round-trips, bound to a key or not; the payload comes back as a view', () => {
    const e = encodeCacheEntry(payload, key);
    expect(e.length).toBe(ENTRY_HEADER_SIZE + payload.length);
    expect(decodeCacheEntry(e, key)).toEqual(payload);
    expect(decodeCacheEntry(e)).toEqual(payload);
    expect(decodeCacheEntry(e)!.buffer).toBe(e.buffer);
    const unbound = encodeCacheEntry(payload);
    expect(decodeCacheEntry(unbound)).toEqual(payload);
    expect(decodeCacheEntry(encodeCacheEntry(new Uint8Array(0), key), key)).toEqual(new Uint8Array(0));
  });

  it('decodes an envelope that sits at an odd offset of a larger buffer', () => {
    const e = encodeCacheEntry(payload, key);
    const big = new Uint8Array(e.length + 3);
    big.set(e, 3);
    expect(decodeCacheEntry(big.subarray(3), key)).toEqual(payload);
  });

  it('rejects every single-byte change, at every position (EnvelopeRejectsDamage)', () => {
    const e = encodeCacheEntry(payload, key);
    const reasons = new Set<string>();
    for (let i = 0; i < e.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const d = e.slice();
        d[i]! ^= flip;
        const r = inspectCacheEntry(d, key);
        expect(r.ok, `byte ${i} ^ ${flip}`).toBe(false);
        if (!r.ok) reasons.add(r.reason);
      }
    }
    expect([...reasons].sort()).toEqual(['checksum', 'key', 'length', 'magic', 'version']);
  });

  it('rejects every truncation and any appended byte', () => {
    const e = encodeCacheEntry(payload, key);
    for (let n = 0; n < e.length; n++) expect(decodeCacheEntry(e.subarray(0, n), key), `length ${n}`).toBeUndefined();
    const longer = new Uint8Array(e.length + 1);
    longer.set(e);
    expect(decodeCacheEntry(longer, key)).toBeUndefined();
  });

  it('property: random damage to a random payload is rejected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (p, at, x) => {
        const e = encodeCacheEntry(p, key);
        const d = e.slice();
        d[at % d.length]! ^= x;
        expect(decodeCacheEntry(d, key)).toBeUndefined();
        expect(decodeCacheEntry(e, key)).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects an envelope stored under another key (EnvelopeBindsKey), and garbage', () => {
    const e = encodeCacheEntry(payload, key);
    expect(inspectCacheEntry(e, otherKey)).toEqual({ ok: false, reason: 'key' });
    expect(inspectCacheEntry(encodeCacheEntry(payload), key)).toEqual({ ok: false, reason: 'key' });
    expect(decodeCacheEntry(new Uint8Array(0))).toBeUndefined();
    expect(decodeCacheEntry(enc('not a cache entry at all, just some text here'))).toBeUndefined();
    expect(decodeCacheEntry(payload)).toBeUndefined();
  });

  it('rejects another format version as "version", not damage', () => {
    const e = encodeCacheEntry(payload, key);
    new DataView(e.buffer).setUint32(8, ENTRY_FORMAT_VERSION + 1, true);
    expect(inspectCacheEntry(e, key)).toEqual({ ok: false, reason: 'version' });
  });
});
