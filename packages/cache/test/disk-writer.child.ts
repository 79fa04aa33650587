/**
 * One of the processes of `disk-concurrency.test.ts`: hammers a shared cache
 * directory with inserts and reads of the same keys as its sibling, checks
 * every value it reads, and prints its findings as one JSON line.
 *
 * argv: dir writerId rounds keys maxBytes
 */
import { DiskCacheStore } from '../src/disk-store.js';
import { checkValue, testKey, testValue } from './disk-values.js';

const [dir, writerArg, roundsArg, keysArg, maxArg] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: disk-writer.child.ts dir writerId rounds keys maxBytes');
const writer = Number(writerArg);
const rounds = Number(roundsArg);
const keys = Number(keysArg);

const warnings: string[] = [];
const store = new DiskCacheStore(dir, {
  maxBytes: Number(maxArg),
  touchIntervalMs: 0,
  reestimateInterval: 8,
  logger: { warn: (m) => warnings.push(m) },
});
let bad = 0;
let reads = 0;
let found = 0;
let seed = writer * 7 + 1;
const rnd = (): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed >>> 8;
};
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < keys; k++) {
    // Both writers walk the keys in the same order, so they collide on the same key constantly.
    store.insert(testKey(k), testValue(k, writer));
    const q = rnd() % keys;
    const v = store.get(testKey(q));
    reads++;
    if (v !== undefined) {
      found++;
      if (!checkValue(q, v)) bad++;
    }
  }
}
process.stdout.write(JSON.stringify({ writer, bad, reads, found, stats: store.statistics.snapshot(), warnings }) + '\n');
