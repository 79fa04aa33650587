import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CacheLogger, DiskCacheStore, type DiskCacheStoreOptions, type DiskFs, decodeCacheEntry } from './index.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'derrick-disk-cache-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const key = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? n & 0xff : i === 1 ? n >> 8 : (n * 13 + i) & 0xff));
const val = (n: number, len = 200): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (n + i) & 0xff);

function capture(): CacheLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m: string) => lines.push(m) };
}

function store(opts: DiskCacheStoreOptions = {}, dir = join(root, 'cache')): DiskCacheStore & { log: string[] } {
  const log = capture();
  const s = new DiskCacheStore(dir, { logger: log, touchIntervalMs: 0, ...opts }) as DiskCacheStore & { log: string[] };
  s.log = log.lines;
  return s;
}

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, rel + n + '/');
      else out.push(rel + n);
    }
  };
  walk(dir, '');
  return out.sort();
}

describe('DiskCacheStore: layout and round trip', () => {
  it('stores content-addressed files fanned out by the first key byte, framed by the envelope', () => {
    const s = store();
    expect(s.get(key(1))).toBeUndefined();
    expect(s.insert(key(1), val(1))).toBe(true);
    expect(s.get(key(1))).toEqual(val(1));
    const hex = Buffer.from(key(1)).toString('hex');
    expect(tree(s.dir)).toEqual(['CACHEDIR.TAG', `${hex.slice(0, 2)}/${hex.slice(2)}`].sort());
    expect(readFileSync(join(s.dir, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/);
    const file = new Uint8Array(readFileSync(s.entryPath(key(1))));
    expect(decodeCacheEntry(file, key(1))).toEqual(val(1));
    expect(s.statistics.snapshot()).toMatchObject({ hits: 1, misses: 1, inserts: 1, errors: 0, corrupt: 0, bytesRead: 200, bytesWritten: 200 });
    expect(s.log).toEqual([]);
  });

  it('a second store on the same directory (another process, later) sees the entries', () => {
    store().insert(key(5), val(5));
    expect(store().get(key(5))).toEqual(val(5));
  });

  it('replacing an entry leaves one complete file', () => {
    const s = store();
    s.insert(key(1), val(1));
    s.insert(key(1), val(2, 50));
    expect(s.get(key(1))).toEqual(val(2, 50));
    expect(tree(s.dir).length).toBe(2);
  });

  it('refreshes the mtime of an entry it hits (recency for eviction)', () => {
    const s = store();
    s.insert(key(1), val(1));
    const p = s.entryPath(key(1));
    utimesSync(p, new Date(2001, 1, 1), new Date(2001, 1, 1));
    s.get(key(1));
    expect(Date.now() - statSync(p).mtimeMs).toBeLessThan(60_000);
    // With a touch interval, a recent entry is not touched again.
    const lazy = store({ touchIntervalMs: 3_600_000 });
    const recent = Date.now() - 1000;
    utimesSync(p, recent / 1000, recent / 1000);
    lazy.get(key(1));
    expect(Math.abs(statSync(p).mtimeMs - recent)).toBeLessThan(5);
  });
});

describe('DiskCacheStore: atomic writes', () => {
  it('a write that fails half-way never leaves a visible entry, and cleans its temp file', () => {
    const failing: DiskFs = {
      ...fs,
      writeFileSync: ((path: fs.PathOrFileDescriptor, data: Uint8Array, options?: fs.WriteFileOptions) => {
        if (String(path).endsWith('.tmp')) {
          fs.writeFileSync(path, data.subarray(0, data.length >> 1), options); // a torn write
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        fs.writeFileSync(path, data, options);
      }) as DiskFs['writeFileSync'],
    };
    const s = store({ fs: failing });
    expect(s.insert(key(1), val(1))).toBe(false);
    expect(s.log.join('\n')).toMatch(/ENOSPC/);
    expect(tree(s.dir)).toEqual(['CACHEDIR.TAG']);
    expect(s.get(key(1))).toBeUndefined();
    expect(s.statistics.errors).toBe(1);
  });

  it('the entry path only ever appears complete: it is created by rename from a temp file', () => {
    const seen: string[] = [];
    const spying: DiskFs = {
      ...fs,
      writeFileSync: ((path: fs.PathOrFileDescriptor, data: Uint8Array, options?: fs.WriteFileOptions) => {
        fs.writeFileSync(path, data, options);
        seen.push(`write ${String(path).split('/').pop()}`);
      }) as DiskFs['writeFileSync'],
      renameSync: (from: fs.PathLike, to: fs.PathLike) => {
        seen.push(`rename ${String(from).split('/').pop()} -> ${String(to).split('/').pop()}`);
        fs.renameSync(from, to);
      },
    };
    const s = store({ fs: spying });
    s.insert(key(1), val(1));
    s.insert(key(2), val(2));
    const hex1 = Buffer.from(key(1)).toString('hex').slice(2);
    const writes = seen.filter((l) => l.startsWith('write') && !l.includes('CACHEDIR'));
    expect(writes.every((w) => /^write \.\d+-[0-9a-f]+-\d+\.tmp$/.test(w))).toBe(true);
    expect(seen).toContainEqual(expect.stringMatching(new RegExp(`^rename \\.${process.pid}-[0-9a-f]+-\\d+\\.tmp -> ${hex1}$`)));
    // Temp names are unique per write.
    expect(new Set(writes).size).toBe(writes.length);
  });

  it('two stores in one process never collide on temp names', () => {
    const a = store();
    const b = store();
    for (let i = 0; i < 20; i++) {
      expect(a.insert(key(i), val(i))).toBe(true);
      expect(b.insert(key(i), val(i + 1))).toBe(true);
    }
    expect(tree(a.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('DiskCacheStore: damaged entries', () => {
  it('a truncated entry is a miss, counted as corrupt, warned about and removed', () => {
    const s = store();
    s.insert(key(1), val(1));
    const p = s.entryPath(key(1));
    const full = readFileSync(p);
    for (const n of [0, 1, 31, 32, 100, full.length - 1]) {
      writeFileSync(p, full.subarray(0, n));
      expect(s.get(key(1)), `truncated to ${n}`).toBeUndefined();
      expect(fs.existsSync(p)).toBe(false);
    }
    expect(s.statistics.corrupt).toBe(6);
    expect(s.statistics.misses).toBe(6);
    expect(s.statistics.hits).toBe(0);
    expect(s.log[0]).toMatch(/corrupt cache entry .* rejected \((short|length)\); removed/);
  });

  it('a bit flip anywhere in the file is a miss and removes the file', () => {
    const s = store({ warningLimit: 0 });
    s.insert(key(1), val(1, 40));
    const p = s.entryPath(key(1));
    const good = readFileSync(p);
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i]! ^= 0x04;
      writeFileSync(p, bad);
      expect(s.get(key(1)), `byte ${i}`).toBeUndefined();
    }
    expect(s.statistics.corrupt).toBe(good.length - 4); // the 4 version bytes: "another version", not damage
    writeFileSync(p, good);
    expect(s.get(key(1))).toEqual(val(1, 40));
    // warningLimit 0: only the one "suppressed" notice.
    expect(s.log).toEqual(['further cache warnings suppressed (limit 0)']);
  });

  it('a file copied under another key is rejected (the frame is bound to its key)', () => {
    const s = store();
    s.insert(key(1), val(1));
    fs.mkdirSync(join(s.entryPath(key(2)), '..'), { recursive: true });
    fs.copyFileSync(s.entryPath(key(1)), s.entryPath(key(2)));
    expect(s.get(key(2))).toBeUndefined();
    expect(s.statistics.corrupt).toBe(1);
    expect(s.get(key(1))).toEqual(val(1));
  });

  it('an entry of another format version is a miss but is left in place', () => {
    const s = store();
    s.insert(key(1), val(1));
    const p = s.entryPath(key(1));
    const b = readFileSync(p);
    b.writeUInt32LE(999, 8);
    writeFileSync(p, b);
    expect(s.get(key(1))).toBeUndefined();
    expect(fs.existsSync(p)).toBe(true);
    expect(s.statistics.corrupt).toBe(0);
  });
});

describe('DiskCacheStore: errors are misses, never exceptions (ErrorsAreMisses)', () => {
  it('an unwritable cache directory: insert is false with a warning, get is a miss', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    const s = store({}, join(file, 'cache'));
    expect(s.get(key(1))).toBeUndefined();
    expect(s.insert(key(1), val(1))).toBe(false);
    expect(s.insert(key(2), val(2))).toBe(false);
    expect(s.statistics.snapshot()).toMatchObject({ misses: 1, inserts: 0, errors: 2 });
    expect(s.log[0]).toMatch(/cannot create cache directory .*a-file\/cache.*(ENOTDIR|EEXIST)/);
    expect(s.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect(s.clear()).toEqual({ entries: 0, bytes: 0 });
  });

  it('a directory without write permission (when not running as root)', () => {
    if (process.getuid?.() === 0) return; // root writes anyway; covered by injected EACCES below.
    const dir = join(root, 'ro');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o500);
    const s = store({}, dir);
    expect(s.insert(key(1), val(1))).toBe(false);
    expect(s.log.length).toBeGreaterThan(0);
    fs.chmodSync(dir, 0o700);
  });

  it('injected I/O errors on every call: get misses, insert fails, nothing throws', () => {
    const boom = (): never => {
      throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    };
    const broken: DiskFs = {
      ...fs,
      readSync: boom,
      fstatSync: boom,
      renameSync: boom,
      readdirSync: boom,
    } as DiskFs;
    const good = store();
    good.insert(key(1), val(1));
    const s = store({ fs: broken });
    expect(s.get(key(1))).toBeUndefined();
    expect(s.insert(key(2), val(2))).toBe(false);
    expect(s.stats().entries).toBe(0);
    expect(() => s.clear()).not.toThrow();
    expect(s.statistics.errors).toBeGreaterThanOrEqual(3);
    expect(s.log.some((l) => /cannot read .* treated as a miss: EIO/.test(l))).toBe(true);
    expect(s.log.some((l) => /cannot rename .* EIO/.test(l))).toBe(true);
    // The failed rename left no temp file behind.
    expect(tree(s.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an injected EACCES on open is a miss with a warning', () => {
    const s = store({
      listingTtlMs: 0, // always open: the open path is what is tested
      fs: {
        ...fs,
        openSync: () => {
          throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        },
      } as DiskFs,
    });
    expect(s.get(key(1))).toBeUndefined();
    expect(s.log[0]).toMatch(/EACCES/);
    expect(s.statistics.snapshot()).toMatchObject({ misses: 1, errors: 1 });
  });

  it('rejects keys that are not 32 bytes without throwing', () => {
    const s = store();
    expect(s.insert(new Uint8Array(4), val(1))).toBe(false);
    expect(s.get(new Uint8Array(4))).toBeUndefined();
    expect(s.statistics.errors).toBe(2);
  });
});

describe('DiskCacheStore: size bound and eviction', () => {
  it('evicts least recently used entries (by mtime) when the total exceeds the bound (DiskBound)', () => {
    const entrySize = 32 + 1000;
    const s = store({ maxBytes: 10 * entrySize, evictToFraction: 0.7 });
    const t0 = Date.now() / 1000 - 10_000;
    for (let i = 0; i < 10; i++) {
      expect(s.insert(key(i), val(i, 1000))).toBe(true);
      utimesSync(s.entryPath(key(i)), t0 + i, t0 + i); // entry i was used at time i
    }
    // Use entries 0 and 1 again: they become the most recent.
    s.get(key(0));
    s.get(key(1));
    expect(s.stats().entries).toBe(10);
    s.insert(key(10), val(10, 1000)); // 11 entries > bound: evict down to 7
    const st = s.stats();
    expect(st.bytes).toBeLessThanOrEqual(10 * entrySize);
    expect(st.entries).toBe(7);
    expect(s.statistics.evictions).toBe(4);
    // The four least recently used were 2, 3, 4, 5.
    for (const i of [2, 3, 4, 5]) expect(fs.existsSync(s.entryPath(key(i))), `entry ${i}`).toBe(false);
    for (const i of [0, 1, 6, 7, 8, 9, 10]) expect(s.get(key(i)), `entry ${i}`).toEqual(val(i, 1000));
  });

  it('stays within the bound over many inserts (estimates plus scans)', () => {
    const maxBytes = 100_000;
    const s = store({ maxBytes, reestimateInterval: 16 });
    for (let i = 0; i < 600; i++) {
      s.insert(key(i), val(i, 200 + ((i * 97) % 600)));
      if (i % 50 === 49) expect(s.stats().bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(s.statistics.evictions).toBeGreaterThan(0);
    expect(s.stats().bytes).toBeLessThanOrEqual(maxBytes);
    expect(s.estimatedBytes).toBeLessThanOrEqual(maxBytes);
  });

  it('notices what other processes wrote: a new store starts from the directory, not from zero', () => {
    const maxBytes = 20 * 1032;
    const other = store({ maxBytes: 1 << 30 });
    for (let i = 0; i < 30; i++) other.insert(key(i), val(i, 1000));
    const s = store({ maxBytes });
    s.insert(key(100), val(100, 1000));
    expect(s.stats().bytes).toBeLessThanOrEqual(maxBytes);
    expect(s.statistics.evictions).toBeGreaterThanOrEqual(11);
  });

  it('estimates the size of a large cache from a sample of its fan-out directories', () => {
    const n = 2000;
    const writer = store({ maxBytes: 1 << 30 });
    const hashKey = (i: number): Uint8Array => sha256(Uint8Array.of(i & 0xff, i >> 8));
    for (let i = 0; i < n; i++) writer.insert(hashKey(i), val(i, 100 + (i % 50)));
    const truth = writer.stats().bytes;
    let reads = 0;
    const counting: DiskFs = {
      ...fs,
      statSync: ((p: fs.PathLike, o?: fs.StatSyncOptions) => {
        reads++;
        return fs.statSync(p, o);
      }) as DiskFs['statSync'],
    };
    const s = store({ maxBytes: 1 << 30, fs: counting });
    s.insert(hashKey(n), val(n, 100));
    expect(Math.abs(s.estimatedBytes! - truth) / truth).toBeLessThan(0.3);
    expect(reads).toBeLessThan(n / 2); // a sample (~MIN_SAMPLE_ENTRIES entries), not a full scan
  });

  it('refuses a value larger than the whole bound', () => {
    const s = store({ maxBytes: 500 });
    expect(s.insert(key(1), val(1, 1000))).toBe(false);
    expect(s.statistics.errors).toBe(0);
  });

  it('full scans delete temp files left by crashed writers, and keep fresh ones', () => {
    const s = store({ maxBytes: 3000, staleTempMs: 60_000 });
    s.insert(key(1), val(1));
    const sub = join(s.dir, Buffer.from(key(1)).toString('hex').slice(0, 2));
    const stale = join(sub, '.999-deadbeef-1.tmp');
    const fresh = join(sub, '.999-deadbeef-2.tmp');
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'y');
    const old = Date.now() / 1000 - 3600;
    utimesSync(stale, old, old);
    expect(s.stats().tempFiles).toBe(2);
    for (let i = 2; i < 20; i++) s.insert(key(i), val(i, 400)); // forces eviction scans
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
  });
});

describe('DiskCacheStore: stats and clear', () => {
  it('stats() scans the directory and reports this process’s counters', () => {
    const s = store();
    for (let i = 0; i < 5; i++) s.insert(key(i), val(i, 100));
    s.get(key(0));
    s.get(key(99));
    const st = s.stats();
    expect(st).toMatchObject({ entries: 5, bytes: 5 * 132, tempFiles: 0, maxBytes: 1024 * 1024 * 1024 });
    expect(st.counters).toMatchObject({ hits: 1, misses: 1, inserts: 5 });
    expect(st.oldestMs).toBeLessThanOrEqual(st.newestMs!);
  });

  it('clear() removes entries, temp files and empty fan-out directories, and nothing else (OnlyOurFiles)', () => {
    const s = store();
    for (let i = 0; i < 5; i++) s.insert(key(i), val(i));
    const hex = Buffer.from(key(0)).toString('hex');
    writeFileSync(join(s.dir, 'notes.txt'), 'mine');
    writeFileSync(join(s.dir, hex.slice(0, 2), 'README'), 'also mine');
    writeFileSync(join(s.dir, hex.slice(0, 2), `.1-abc-1.tmp`), 'stray temp');
    expect(s.clear()).toEqual({ entries: 5, bytes: 5 * 232 });
    expect(tree(s.dir)).toEqual(['CACHEDIR.TAG', `${hex.slice(0, 2)}/README`, 'notes.txt'].sort());
    for (let i = 0; i < 5; i++) expect(s.get(key(i))).toBeUndefined();
    // Usable after clear.
    expect(s.insert(key(1), val(1))).toBe(true);
    expect(s.get(key(1))).toEqual(val(1));
  });

  it('clear() on a directory that does not exist is a no-op', () => {
    const s = store({}, join(root, 'never-created'));
    expect(s.clear()).toEqual({ entries: 0, bytes: 0 });
    expect(s.stats().entries).toBe(0);
    expect(s.log).toEqual([]);
  });
});

describe('DiskCacheStore: negative lookups (NegativeLookups)', () => {
  function counting(opts: DiskCacheStoreOptions = {}, dir?: string) {
    const calls = { open: 0, readdir: 0 };
    const s = store(
      {
        ...opts,
        fs: {
          ...fs,
          openSync: ((...a: Parameters<typeof fs.openSync>) => (calls.open++, fs.openSync(...a))) as typeof fs.openSync,
          readdirSync: ((...a: Parameters<typeof fs.readdirSync>) => (calls.readdir++, fs.readdirSync(...a))) as typeof fs.readdirSync,
        } as DiskFs,
      },
      dir,
    );
    return { s, calls };
  }

  it('answers misses in a listed directory without opening anything', () => {
    const { s, calls } = counting();
    // 600 keys over at most 256 fan-out directories, on a store that does not exist yet.
    for (let i = 0; i < 600; i++) expect(s.get(key(i))).toBeUndefined();
    expect(calls.open).toBe(0);
    expect(calls.readdir).toBeLessThanOrEqual(256);
    expect(s.statistics.snapshot()).toMatchObject({ misses: 600, errors: 0 });
    // Its own inserts are found at once; the others still do not open.
    expect(s.insert(key(7), val(7))).toBe(true);
    expect(s.get(key(7))).toEqual(val(7));
    expect(s.get(key(8))).toBeUndefined();
    expect(calls.open).toBe(1);
  });

  it('sees another writer once the listing is older than listingTtlMs, and never a wrong value', async () => {
    const dir = join(root, 'negative-ttl');
    const { s: reader } = counting({ listingTtlMs: 50 }, dir);
    const writer = store({}, dir);
    expect(reader.get(key(3))).toBeUndefined(); // lists the (absent) directory
    expect(writer.insert(key(3), val(3))).toBe(true);
    expect(reader.get(key(3))).toBeUndefined(); // stale towards absent: a miss, not an error
    await new Promise((r) => setTimeout(r, 80));
    expect(reader.get(key(3))).toEqual(val(3));
    // A listing that says "present" for an entry someone removed is an ordinary miss.
    writer.clear();
    expect(reader.get(key(3))).toBeUndefined();
    expect(reader.statistics.snapshot()).toMatchObject({ hits: 1, misses: 3, errors: 0, corrupt: 0 });
  });
});
