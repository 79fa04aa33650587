/**
 * The registry of live host regions: every range of native memory this
 * package mapped for generated code (`NativeRegion`s, `MemoryReservation`s),
 * with how much of it is accessible and how.
 *
 * The problem. The emulated executor runs AArch64 code over the *host's*
 * memory: each region is mapped into libunicorn at its own address
 * (`uc_mem_map_ptr(uc, addr, size, perms, (void *)addr)`, "identity
 * mapping"), so a pointer stored in a vmctx means the same bytes natively and
 * emulated. Unicorn must therefore learn which ranges exist, and forget them
 * before the pages go back to the kernel — an address that `mmap` hands out
 * again later would otherwise still be mapped in unicorn, with stale
 * translated code attached. The regions are created and destroyed by code
 * that knows nothing about emulators; this registry is where they meet.
 *
 * The approach. Region owners report three events — `trackRegion` after
 * `mmap`, `updateRegion` after `mprotect` or a commit, `untrackRegion` before
 * `munmap` — and observers (the emulators) hear about the last two
 * synchronously. Emulators map lazily: on a fault they ask `findRegion` which
 * live region holds the address. The registry holds plain records, never the
 * region objects, so it keeps nothing alive: a region's finalizer reports its
 * own removal.
 *
 * Invariants:
 *
 * * (track-before-escape) a region is tracked before its address is returned
 *   to anyone, so no emulated access can reach it unannounced.
 * * (untrack-before-unmap) `untrackRegion` runs, and every observer has
 *   dropped its mapping, before `munmap`; likewise `updateRegion` runs after
 *   any change of protection or of the accessible prefix, before the memory
 *   is used with its new rights.
 * * (records-are-data) records hold numbers and bigints only.
 */

/** One live region, as the emulators see it. */
export interface HostRegionRecord {
  /** First byte; page-aligned. */
  readonly address: bigint;
  /** Bytes reserved (whole pages). */
  readonly size: number;
  /** Bytes from `address` that are accessible with `prot` (whole pages, ≤ `size`); the rest is `PROT_NONE`. */
  accessible: number;
  /** POSIX `PROT_*` bits of the accessible prefix (`libc.ts`). */
  prot: number;
}

/** Someone who mirrors regions elsewhere (an emulator) and must hear about changes. */
export interface HostRegionObserver {
  /** The region's protection or accessible prefix changed (already applied natively). */
  regionChanged(record: HostRegionRecord): void;
  /** The region is about to be unmapped natively. */
  regionRemoved(record: HostRegionRecord): void;
}

const records = new Map<bigint, HostRegionRecord>();
/** The same records sorted by address (live regions never overlap), for `findRegion`'s binary search. */
const sorted: HostRegionRecord[] = [];
const observers = new Set<HostRegionObserver>();

/** Index of the first record whose address is > `pointer`. */
function upperBound(pointer: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.address <= pointer) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Report a freshly mapped region (track-before-escape). */
export function trackRegion(address: bigint, size: number, accessible: number, prot: number): void {
  const stale = records.get(address);
  if (stale !== undefined) sorted.splice(sorted.indexOf(stale), 1); // cannot happen: the kernel handed out a mapped address
  const record = { address, size, accessible, prot };
  records.set(address, record);
  sorted.splice(upperBound(address), 0, record);
}

/** Report a change of protection or of the accessible prefix. No-op for an untracked address. */
export function updateRegion(address: bigint, accessible: number, prot: number): void {
  const record = records.get(address);
  if (record === undefined) return;
  record.accessible = accessible;
  record.prot = prot;
  for (const observer of observers) observer.regionChanged(record);
}

/** Report that the region at `address` is about to be unmapped (untrack-before-unmap). Idempotent. */
export function untrackRegion(address: bigint): void {
  const record = records.get(address);
  if (record === undefined) return;
  records.delete(address);
  sorted.splice(upperBound(address) - 1, 1);
  for (const observer of observers) observer.regionRemoved(record);
}

/**
 * The live region whose reserved range `[address, address + size)` holds
 * `pointer`, if any: the last region starting at or below it, if it reaches
 * that far. Runs when an emulator faults on a region it has not mapped yet
 * (once per region and emulator), not per access.
 */
export function findRegion(pointer: bigint): HostRegionRecord | undefined {
  const record = sorted[upperBound(pointer) - 1];
  return record !== undefined && pointer < record.address + BigInt(record.size) ? record : undefined;
}

/** Number of live regions (tests and diagnostics). */
export function liveRegionCount(): number {
  return records.size;
}

export function addRegionObserver(observer: HostRegionObserver): void {
  observers.add(observer);
}

export function removeRegionObserver(observer: HostRegionObserver): void {
  observers.delete(observer);
}
