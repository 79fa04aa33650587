/**
 * `DiskCacheStore`: a directory of content-addressed files, shared by every
 * Derrick process on the machine.
 *
 * Problem. The on-disk cache is written by several processes at once (a
 * build running `derrick compile` in parallel, a test suite), read by
 * processes that may crash at any instruction, and it lives on a disk that
 * fills up. It must never hand out a partially written or damaged entry,
 * never grow without bound, and never fail a compile: a cache problem is a
 * miss and a warning.
 *
 * Layout (see README, "On disk"):
 *
 * ```
 *   DIR/CACHEDIR.TAG                       marks the directory as a cache (backup tools skip it)
 *   DIR/ab/cdef…(62 hex)                   entry for key abcdef… (32-byte key, hex)
 *   DIR/ab/.<pid>-<nonce>-<n>.tmp          a write in progress
 * ```
 *
 * Each entry file is the value framed by the cache-entry envelope
 * (`envelope.ts`) bound to the key, so the store itself detects torn,
 * truncated, bit-flipped or misplaced files.
 *
 * Writes. The value is written to a temp file in the entry's own fan-out
 * directory (same file system, so `rename` is atomic), then renamed over the
 * entry path. Temp names are unique per process (pid + a random nonce) and
 * per write (a counter), and created with `O_EXCL`, so two writers never
 * share a temp file. `rename` replaces the target atomically on POSIX: a
 * reader opens either the old complete file or the new complete one, and a
 * reader that already has the old one open keeps reading the old inode. Two
 * processes inserting the same key race harmlessly — last rename wins, and
 * both values are complete. No `fsync`: after a power loss an entry may be
 * empty or torn, which the envelope rejects (a miss, counted and removed).
 *
 * Reads. A key whose fan-out directory was listed within `listingTtlMs` and
 * did not hold it is a miss without a system call (NegativeLookups, below);
 * otherwise `open`, `fstat`, read `size` bytes, check the envelope. On a hit the
 * file's mtime is set to now (at most once per `touchIntervalMs`), which is
 * the recency eviction uses: atime is unreliable (`noatime`, `relatime`).
 *
 * Size bound. Keeping an exact total would need a shared counter every
 * process updates; instead each process keeps a running *estimate*: sampled
 * at its first insert and every `reestimateInterval` inserts after, plus the
 * bytes it wrote since. Keys are sha256 outputs, so entries are spread
 * uniformly over the 256 fan-out directories, and the sizes found in a few of
 * them, scaled by 256/k, estimate the whole (a sample with few entries is
 * widened until it has enough — for a small cache that is every directory,
 * and the figure is exact). When the estimate
 * exceeds `maxBytes`, a full scan measures the real total and, if it is over
 * the bound, deletes entries in order of mtime, oldest first, down to
 * `evictToFraction · maxBytes` (hysteresis, so the next insert does not scan
 * again). Concurrent evictors may together delete a little more than needed;
 * never too little once one of them has scanned.
 *
 * Invariants.
 * * (AtomicEntry) a path `DIR/ab/<rest>` only ever names a complete file
 *   renamed into place, or a damaged file the envelope rejects.
 * * (ErrorsAreMisses) no method except the constructor throws for any file
 *   system condition: `get` returns undefined, `insert` returns false, both
 *   count an error and warn through the logger.
 * * (DiskBound) after a full scan, the entries total at most `maxBytes`
 *   (bytes of entry files, as written). Between scans the excess is bounded by
 *   what processes wrote since their last estimate.
 * * (NegativeLookups) a listing is only ever stale towards "absent" for
 *   another process's recent inserts (this store records its own), so its
 *   only effect is a miss — never a wrong or damaged value.
 * * (OnlyOurFiles) `clear`, eviction and scans only delete names this store
 *   creates (two-hex-digit directories, 62-hex-digit entries, `.…tmp` files),
 *   so pointing the store at the wrong directory cannot delete user files.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { ENTRY_HEADER_SIZE, encodeCacheEntry, inspectCacheEntry } from './envelope.js';
import { type CacheLogger, WarningLimiter, consoleCacheLogger, describeError } from './logger.js';
import { cacheKeyToHex as keyToHex } from './key.js';
import { CacheStatistics, type CacheStatsSnapshot } from './statistics.js';
import type { CountedCacheKvStore } from './store.js';

/** The file system calls the store makes (injectable to test error paths). */
export type DiskFs = Pick<
  typeof nodeFs,
  | 'openSync'
  | 'closeSync'
  | 'fstatSync'
  | 'readSync'
  | 'futimesSync'
  | 'writeFileSync'
  | 'renameSync'
  | 'unlinkSync'
  | 'mkdirSync'
  | 'readdirSync'
  | 'statSync'
  | 'rmdirSync'
>;

export interface DiskCacheStoreOptions {
  /** Bound on the total size of entry files. Default 1 GiB. */
  maxBytes?: number;
  /** Eviction deletes down to this fraction of `maxBytes`. Default 0.9. */
  evictToFraction?: number;
  /** A hit refreshes an entry's mtime only when it is older than this. Default 60 s. */
  touchIntervalMs?: number;
  /** Inserts between two size estimates (an estimate picks up other processes' writes). Default 512. */
  reestimateInterval?: number;
  /** Fan-out directories sampled per estimate (widened when they hold few entries). Default 4. */
  sampleDirs?: number;
  /** Temp files older than this are leftovers of a crashed writer; scans delete them. Default 1 h. */
  staleTempMs?: number;
  logger?: CacheLogger;
  /** Warnings passed to the logger before the rest are suppressed. Default 10. */
  warningLimit?: number;
  /** File system implementation (tests inject failures). Default `node:fs`. */
  fs?: DiskFs;
  /**
   * How long one listing of a fan-out directory answers "not there" without
   * an `open` (NegativeLookups). Default 1000 ms; 0 = always `open`.
   */
  listingTtlMs?: number;
}

/** What a full scan of the directory found. */
export interface DiskCacheUsage {
  /** Entry files. */
  entries: number;
  /** Their total size in bytes. */
  bytes: number;
  /** Temp files (writes in progress, or leftovers of crashed writers). */
  tempFiles: number;
  /** mtime (ms since the epoch) of the least recently used entry, or undefined when empty. */
  oldestMs: number | undefined;
  /** mtime of the most recently used entry. */
  newestMs: number | undefined;
}

export interface DiskCacheStats extends DiskCacheUsage {
  dir: string;
  maxBytes: number;
  /** This process's counters for this store. */
  counters: CacheStatsSnapshot;
}

interface ScannedEntry {
  path: string;
  size: number;
  mtimeMs: number;
}

/** The key size the disk store accepts (sha256 keys). */
const KEY_BYTES = 32;
const FANOUT_RE = /^[0-9a-f]{2}$/;
const ENTRY_RE = /^[0-9a-f]{62}$/;
const TEMP_RE = /^\.[0-9]+-[0-9a-f]+-[0-9]+\.tmp$/;
/** An estimate samples fan-out directories until it has seen this many entries (or all of them). */
const MIN_SAMPLE_ENTRIES = 256;

const CACHEDIR_TAG =
  'Signature: 8a477f597d28d172789f06886806bc55\n' +
  '# This file is a cache directory tag created by Derrick (incremental compilation cache).\n' +
  '# For information about cache directory tags, see https://bford.info/cachedir/\n';

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

const processNonce = Math.floor(Math.random() * 0x1_0000_0000)
  .toString(16)
  .padStart(8, '0');
/** Per process, not per store: two stores on one directory in one process must not share temp names. */
let tempCounter = 0;

export class DiskCacheStore implements CountedCacheKvStore {
  readonly statistics = new CacheStatistics();
  readonly dir: string;
  readonly maxBytes: number;
  private readonly evictTo: number;
  private readonly touchIntervalMs: number;
  private readonly reestimateInterval: number;
  private readonly sampleDirs: number;
  private readonly staleTempMs: number;
  private readonly fs: DiskFs;
  private readonly warnings: WarningLimiter;
  private readonly listingTtlMs: number;
  /** Fan-out directory → the entry names one `readdir` saw (null: no such directory), and when. */
  private readonly listings = new Map<string, { names: Set<string> | null; at: number }>();

  private rootReady = false;
  /** Running estimate of the total entry bytes; undefined until the first insert. */
  private approxBytes: number | undefined;
  private insertsSinceEstimate = 0;
  /** Rotating start of the sampled fan-out directories. */
  private sampleCursor = Math.floor(Math.random() * 256);

  constructor(dir: string, options: DiskCacheStoreOptions = {}) {
    this.dir = dir;
    this.maxBytes = options.maxBytes ?? 1024 * 1024 * 1024;
    this.evictTo = Math.round(this.maxBytes * (options.evictToFraction ?? 0.9));
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.reestimateInterval = Math.max(1, options.reestimateInterval ?? 512);
    this.sampleDirs = Math.min(256, Math.max(1, options.sampleDirs ?? 4));
    this.staleTempMs = options.staleTempMs ?? 60 * 60 * 1000;
    this.fs = options.fs ?? nodeFs;
    this.listingTtlMs = Math.max(0, options.listingTtlMs ?? 1000);
    this.warnings = new WarningLimiter(options.logger ?? consoleCacheLogger, options.warningLimit);
    if (!(this.maxBytes >= 0)) throw new RangeError('DiskCacheStore maxBytes must be non-negative');
  }

  /** Path of the entry file for `key` (a 32-byte key). */
  entryPath(key: Uint8Array): string {
    const hex = keyToHex(key);
    return join(this.dir, hex.slice(0, 2), hex.slice(2));
  }

  // -------------------------------------------------------------------------
  // get

  get(key: Uint8Array): Uint8Array | undefined {
    if (key.length !== KEY_BYTES) {
      this.statistics.errors++;
      this.statistics.misses++;
      this.warnings.warn(`${this.dir}: get with a ${key.length}-byte key; the disk store takes ${KEY_BYTES}-byte keys`);
      return undefined;
    }
    const hex = keyToHex(key);
    if (this.listedAbsent(hex.slice(0, 2), hex.slice(2))) {
      this.statistics.misses++;
      return undefined;
    }
    const path = join(this.dir, hex.slice(0, 2), hex.slice(2));
    const fs = this.fs;
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      const code = errCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.failedGet(path, e);
      else this.statistics.misses++;
      return undefined;
    }
    let bytes: Uint8Array;
    let ino: number;
    try {
      const st = fs.fstatSync(fd);
      ino = st.ino;
      if (st.size > 0xffff_ffff + ENTRY_HEADER_SIZE) return this.rejectCorrupt(path, ino, `${st.size} bytes is too large`);
      bytes = new Uint8Array(st.size);
      let off = 0;
      while (off < bytes.length) {
        const n = fs.readSync(fd, bytes, off, bytes.length - off, off);
        if (n === 0) break;
        off += n;
      }
      if (off !== bytes.length) bytes = bytes.subarray(0, off);
      const now = Date.now();
      if (now - st.mtimeMs >= this.touchIntervalMs) {
        try {
          fs.futimesSync(fd, now / 1000, now / 1000);
        } catch {
          // Not the owner (a shared cache directory): recency is best effort.
        }
      }
    } catch (e) {
      return this.failedGet(path, e);
    } finally {
      try {
        fs.closeSync(fd);
      } catch {
        // Nothing useful to do.
      }
    }
    const r = inspectCacheEntry(bytes, key);
    if (r.ok) {
      this.statistics.hits++;
      this.statistics.bytesRead += r.payload.length;
      return r.payload;
    }
    if (r.reason === 'version') {
      // Written by another format version (an older or newer Derrick sharing
      // the directory): not damage, so it is left for eviction to age out.
      this.statistics.misses++;
      return undefined;
    }
    return this.rejectCorrupt(path, ino, `rejected (${r.reason})`);
  }

  /**
   * (NegativeLookups) Is `name` known to be absent from fan-out directory
   * `sub`, by a listing younger than `listingTtlMs`? A cold compile looks up
   * thousands of keys that are not there; one `readdir` per directory
   * answers them instead of one failed `open` each. A listing can only be
   * stale towards "absent" (this store adds its own inserts to it), and a
   * missed entry is just a miss: the function is compiled and inserted again.
   */
  private listedAbsent(sub: string, name: string): boolean {
    if (this.listingTtlMs === 0) return false;
    const now = Date.now();
    let l = this.listings.get(sub);
    if (l === undefined || now - l.at >= this.listingTtlMs) {
      let names: Set<string> | null;
      try {
        names = new Set(this.fs.readdirSync(join(this.dir, sub)) as string[]);
      } catch (e) {
        const code = errCode(e);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') return false; // Let `open` find and report the problem.
        names = null;
      }
      this.listings.set(sub, (l = { names, at: now }));
    }
    return l.names === null || !l.names.has(name);
  }

  /** Keep a fresh listing in step with what this store itself did to `sub`. */
  private noteListing(sub: string, name: string, present: boolean): void {
    const l = this.listings.get(sub);
    if (l === undefined) return;
    if (present) (l.names ??= new Set()).add(name);
    else l.names?.delete(name);
  }

  private failedGet(path: string, e: unknown): undefined {
    this.statistics.errors++;
    this.statistics.misses++;
    this.warnings.warn(`cannot read ${path}, treated as a miss: ${describeError(e)}`);
    return undefined;
  }

  /** Count, warn, and remove a damaged entry — unless another writer has replaced it meanwhile. */
  private rejectCorrupt(path: string, ino: number, why: string): undefined {
    this.statistics.corrupt++;
    this.statistics.misses++;
    this.warnings.warn(`corrupt cache entry ${path} ${why}; removed`);
    try {
      if (this.fs.statSync(path).ino === ino) {
        this.fs.unlinkSync(path);
      }
    } catch {
      // Already gone, or not ours to delete: the next get tries again.
    }
    return undefined;
  }

  // -------------------------------------------------------------------------
  // insert

  insert(key: Uint8Array, value: Uint8Array): boolean {
    if (key.length !== KEY_BYTES) {
      this.statistics.errors++;
      this.warnings.warn(`${this.dir}: insert with a ${key.length}-byte key; the disk store takes ${KEY_BYTES}-byte keys`);
      return false;
    }
    const framed = encodeCacheEntry(value, key);
    if (framed.length > this.maxBytes) return false; // It could never stay.
    if (!this.ensureRoot()) return false;
    const hex = keyToHex(key);
    const sub = join(this.dir, hex.slice(0, 2));
    const path = join(sub, hex.slice(2));
    const tmp = join(sub, `.${process.pid}-${processNonce}-${tempCounter++}.tmp`);
    try {
      this.writeTemp(sub, tmp, framed);
    } catch (e) {
      this.statistics.errors++;
      this.warnings.warn(`cannot write ${tmp}, value not cached: ${describeError(e)}`);
      this.tryUnlink(tmp);
      return false;
    }
    try {
      this.fs.renameSync(tmp, path); // AtomicEntry: the only way an entry path is written.
    } catch (e) {
      this.statistics.errors++;
      this.warnings.warn(`cannot rename ${tmp} to ${path}, value not cached: ${describeError(e)}`);
      this.tryUnlink(tmp);
      return false;
    }
    this.noteListing(hex.slice(0, 2), hex.slice(2), true);
    this.statistics.inserts++;
    this.statistics.bytesWritten += value.length;
    this.afterInsert(framed.length);
    return true;
  }

  private writeTemp(sub: string, tmp: string, data: Uint8Array): void {
    try {
      this.fs.writeFileSync(tmp, data, { flag: 'wx' });
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e;
      // The fan-out directory does not exist yet (or a concurrent clear removed it).
      this.fs.mkdirSync(sub, { recursive: true });
      this.fs.writeFileSync(tmp, data, { flag: 'wx' });
    }
  }

  private ensureRoot(): boolean {
    if (this.rootReady) return true;
    try {
      this.fs.mkdirSync(this.dir, { recursive: true });
      try {
        this.fs.writeFileSync(join(this.dir, 'CACHEDIR.TAG'), CACHEDIR_TAG, { flag: 'wx' });
      } catch (e) {
        if (errCode(e) !== 'EEXIST') throw e;
      }
      this.rootReady = true;
      return true;
    } catch (e) {
      this.statistics.errors++;
      this.warnings.warn(`cannot create cache directory ${this.dir}, value not cached: ${describeError(e)}`);
      return false;
    }
  }

  private tryUnlink(path: string): boolean {
    try {
      this.fs.unlinkSync(path);
      return true;
    } catch {
      return false;
    }
  }

  // -------------------------------------------------------------------------
  // Size bound

  private afterInsert(size: number): void {
    if (this.approxBytes === undefined || this.insertsSinceEstimate >= this.reestimateInterval) {
      this.approxBytes = this.estimateBytes();
      this.insertsSinceEstimate = 0;
    } else {
      this.approxBytes += size;
      this.insertsSinceEstimate++;
    }
    if (this.approxBytes > this.maxBytes) this.evict();
  }

  /** Current running estimate of the total entry bytes (undefined before the first insert). */
  get estimatedBytes(): number | undefined {
    return this.approxBytes;
  }

  /**
   * Estimate the total entry bytes: scan `sampleDirs` fan-out directories
   * (rotating through all 256 over successive estimates) and scale by
   * 256/scanned. A sample with fewer than MIN_SAMPLE_ENTRIES entries is
   * widened by doubling until it has enough or covers every directory (then
   * the figure is exact). Cost: about MIN_SAMPLE_ENTRIES `stat`s plus a few
   * `readdir`s, whatever the size of the cache.
   */
  private estimateBytes(): number {
    let bytes = 0;
    let entries = 0;
    let scanned = 0;
    let target = this.sampleDirs;
    for (;;) {
      for (; scanned < target; scanned++) {
        const d = (this.sampleCursor + scanned) & 0xff;
        for (const e of this.scanDir(d.toString(16).padStart(2, '0'), false)) {
          bytes += e.size;
          entries++;
        }
      }
      if (entries >= MIN_SAMPLE_ENTRIES || scanned >= 256) break;
      target = Math.min(256, target * 2);
    }
    this.sampleCursor = (this.sampleCursor + scanned) & 0xff;
    return Math.round((bytes * 256) / scanned);
  }

  /** Full scan; if over the bound, delete least recently used entries down to `evictTo`. */
  private evict(): void {
    this.listings.clear();
    const all = this.fullScan(true);
    let total = 0;
    for (const e of all) total += e.size;
    if (total > this.maxBytes) {
      // LRU by mtime; ties by path so every process picks the same victims.
      all.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const e of all) {
        if (total <= this.evictTo) break;
        try {
          this.fs.unlinkSync(e.path);
          this.statistics.evictions++;
        } catch (err) {
          if (errCode(err) !== 'ENOENT') {
            this.statistics.errors++;
            this.warnings.warn(`cannot evict ${e.path}: ${describeError(err)}`);
            continue;
          }
          // ENOENT: another process evicted it first.
        }
        total -= e.size;
      }
    }
    this.approxBytes = total; // Post-invariant: DiskBound (as far as this scan saw).
    this.insertsSinceEstimate = 0;
  }

  private fullScan(cleanTemps: boolean): ScannedEntry[] {
    const out: ScannedEntry[] = [];
    for (const sub of this.fanoutDirs()) for (const e of this.scanDir(sub, cleanTemps)) out.push(e);
    return out;
  }

  /** Fan-out directory names present in the cache directory. */
  private fanoutDirs(): string[] {
    try {
      return this.fs.readdirSync(this.dir).filter((n) => FANOUT_RE.test(n));
    } catch (e) {
      if (errCode(e) !== 'ENOENT') {
        this.statistics.errors++;
        this.warnings.warn(`cannot list ${this.dir}: ${describeError(e)}`);
      }
      return [];
    }
  }

  private scanDir(sub: string, cleanTemps: boolean, temps?: { count: number }): ScannedEntry[] {
    const dirPath = join(this.dir, sub);
    let names: string[];
    try {
      names = this.fs.readdirSync(dirPath);
    } catch (e) {
      if (errCode(e) !== 'ENOENT') {
        this.statistics.errors++;
        this.warnings.warn(`cannot list ${dirPath}: ${describeError(e)}`);
      }
      return [];
    }
    const out: ScannedEntry[] = [];
    const now = Date.now();
    for (const name of names) {
      const isEntry = ENTRY_RE.test(name);
      const isTemp = !isEntry && TEMP_RE.test(name);
      if (!isEntry && !isTemp) continue; // OnlyOurFiles
      const path = join(dirPath, name);
      let st: nodeFs.Stats;
      try {
        st = this.fs.statSync(path);
      } catch {
        continue; // Renamed or deleted by another process meanwhile.
      }
      if (isEntry) {
        if (st.isFile()) out.push({ path, size: st.size, mtimeMs: st.mtimeMs });
      } else {
        if (temps !== undefined) temps.count++;
        if (cleanTemps && now - st.mtimeMs > this.staleTempMs) this.tryUnlink(path);
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------
  // Maintenance

  /** Scan the directory: entry count and bytes, temp files, age range; plus this process's counters. */
  stats(): DiskCacheStats {
    const temps = { count: 0 };
    let bytes = 0;
    let entries = 0;
    let oldestMs: number | undefined;
    let newestMs: number | undefined;
    for (const sub of this.fanoutDirs()) {
      for (const e of this.scanDir(sub, false, temps)) {
        entries++;
        bytes += e.size;
        if (oldestMs === undefined || e.mtimeMs < oldestMs) oldestMs = e.mtimeMs;
        if (newestMs === undefined || e.mtimeMs > newestMs) newestMs = e.mtimeMs;
      }
    }
    return {
      dir: this.dir,
      maxBytes: this.maxBytes,
      entries,
      bytes,
      tempFiles: temps.count,
      oldestMs,
      newestMs,
      counters: this.statistics.snapshot(),
    };
  }

  /**
   * Delete every entry and temp file, and the fan-out directories they leave
   * empty; keeps the directory itself and its `CACHEDIR.TAG`. Files this store
   * did not create are left alone (OnlyOurFiles). Never throws; returns what
   * was removed.
   */
  clear(): { entries: number; bytes: number } {
    this.listings.clear();
    let entries = 0;
    let bytes = 0;
    for (const sub of this.fanoutDirs()) {
      const dirPath = join(this.dir, sub);
      for (const e of this.scanDir(sub, false)) {
        if (this.tryUnlink(e.path)) {
          entries++;
          bytes += e.size;
        }
      }
      let names: string[] = [];
      try {
        names = this.fs.readdirSync(dirPath);
      } catch {
        // Gone already.
      }
      for (const n of names) if (TEMP_RE.test(n)) this.tryUnlink(join(dirPath, n));
      try {
        this.fs.rmdirSync(dirPath);
      } catch {
        // Not empty (a concurrent writer, or someone else's file): keep it.
      }
    }
    this.approxBytes = 0;
    this.insertsSinceEstimate = 0;
    return { entries, bytes };
  }
}
