/**
 * Two real processes write and read the same keys of one cache directory at
 * once (AtomicEntry): no reader may ever see a partial or mixed value, no
 * entry may be left damaged, no temp file may be left behind, and with a
 * size bound the directory must end within it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskCacheStore, decodeCacheEntry } from '../src/index.js';
import { checkValue, testKey } from './disk-values.js';

const here = dirname(fileURLToPath(import.meta.url));

interface ChildReport {
  writer: number;
  bad: number;
  reads: number;
  found: number;
  stats: { hits: number; misses: number; inserts: number; errors: number; corrupt: number; evictions: number };
  warnings: string[];
}

function runWriter(dir: string, writer: number, rounds: number, keys: number, maxBytes: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', join(here, 'support', 'register-ts.mjs'), join(here, 'disk-writer.child.ts'), dir, String(writer), String(rounds), String(keys), String(maxBytes)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`writer ${writer} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildReport);
    });
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'derrick-cache-concurrent-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Check the directory after the writers are done. */
function checkDirectory(keys: number): { entries: number; temps: number } {
  let temps = 0;
  for (const sub of readdirSync(dir)) {
    if (sub === 'CACHEDIR.TAG') continue;
    for (const name of readdirSync(join(dir, sub))) if (name.endsWith('.tmp')) temps++;
  }
  const store = new DiskCacheStore(dir, { logger: { warn: () => {} } });
  let entries = 0;
  for (let k = 0; k < keys; k++) {
    let file: Uint8Array;
    try {
      file = new Uint8Array(readFileSync(store.entryPath(testKey(k))));
    } catch {
      continue; // evicted
    }
    entries++;
    const value = decodeCacheEntry(file, testKey(k));
    expect(value, `entry ${k} is intact`).toBeDefined();
    expect(checkValue(k, value!), `entry ${k} holds one writer's whole value`).toBe(true);
  }
  return { entries, temps };
}

describe('DiskCacheStore with two processes writing the same keys', () => {
  it('never exposes a partial or mixed value, and leaves only complete entries', async () => {
    const keys = 48;
    const [a, b] = await Promise.all([runWriter(dir, 1, 12, keys, 1 << 30), runWriter(dir, 2, 12, keys, 1 << 30)]);
    for (const r of [a, b]) {
      expect(r.bad, `writer ${r.writer} read a bad value`).toBe(0);
      expect(r.stats.corrupt).toBe(0);
      expect(r.stats.errors).toBe(0);
      expect(r.stats.inserts).toBe(12 * keys);
      expect(r.warnings).toEqual([]);
      expect(r.found).toBeGreaterThan(r.reads / 2);
    }
    const { entries, temps } = checkDirectory(keys);
    expect(entries).toBe(keys);
    expect(temps).toBe(0);
  });

  it('under a size bound, concurrent eviction keeps entries intact and ends within the bound', async () => {
    const keys = 64;
    const maxBytes = 1_000_000; // about 20 of the 64 values
    const [a, b] = await Promise.all([runWriter(dir, 1, 6, keys, maxBytes), runWriter(dir, 2, 6, keys, maxBytes)]);
    for (const r of [a, b]) {
      expect(r.bad).toBe(0);
      expect(r.stats.corrupt).toBe(0);
      expect(r.stats.errors).toBe(0);
      expect(r.stats.evictions).toBeGreaterThan(0);
    }
    const { entries, temps } = checkDirectory(keys);
    expect(temps).toBe(0);
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(keys);
    // Each writer finished with a scan or an estimate; the last evictor left the directory within the bound,
    // give or take the other writer's final inserts since its own last check.
    const st = new DiskCacheStore(dir).stats();
    expect(st.bytes).toBeLessThanOrEqual(maxBytes + 2 * 90_000);
  });
});
