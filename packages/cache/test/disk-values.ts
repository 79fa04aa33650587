/** Keys and self-checking values shared by `disk-writer.child.ts` and `disk-concurrency.test.ts`. */

export function testKey(k: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? k : (k * 31 + i * 7) & 0xff));
}

/** A value that identifies its key and writer and is big enough to need several write syscalls. */
export function testValue(k: number, w: number): Uint8Array {
  const len = 16_384 + ((k * 7919) % 65_536);
  const v = new Uint8Array(len);
  v[0] = k;
  v[1] = w;
  for (let i = 2; i < len; i++) v[i] = (i * (k + 1) + w * 17) & 0xff;
  return v;
}

/** Is `v` exactly what some writer stored for key `k`? */
export function checkValue(k: number, v: Uint8Array): boolean {
  const w = v[1]!;
  const expected = testValue(k, w);
  return v.length === expected.length && v[0] === k && Buffer.from(v).equals(Buffer.from(expected));
}
