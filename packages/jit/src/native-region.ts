/**
 * `NativeRegion`: page-aligned native memory, mapped with `mmap`, visible to
 * TypeScript as an `ArrayBuffer` that aliases it, and unmapped exactly once.
 *
 * The problem. Generated code needs memory that lives outside the V8 heap: its
 * own text, the vmctx it reads, the value arrays of the array-call convention.
 * V8 moves and frees its objects at will, so a pointer into a JS `ArrayBuffer`
 * cannot be handed to native code that keeps it. The memory therefore comes
 * from `mmap`, and TypeScript reads and writes it through an *external*
 * `ArrayBuffer` that koffi builds over the native pages (`koffi.view(ptr,
 * len)`): no copy in, no copy out — a store through the view is a store to
 * the native page, and native stores are visible through the view at once.
 *
 * Addresses are `bigint` (koffi 3's pointer representation; every x86-64 user
 * address fits in 47 bits, but an arm64 one may not fit in a double's 53, and
 * staying with koffi's representation avoids a conversion on every call).
 *
 * Invariants:
 *
 * * (page-aligned) `address` is a multiple of the page size and `size` is a
 *   whole, non-zero number of pages (`allocate` rounds up); `mprotect` applies
 *   to the whole region.
 * * (unmap-once) a region is unmapped by exactly one of `dispose()` or the
 *   finalizer: `dispose` unregisters the finalizer before unmapping, and the
 *   finalizer only runs for a region that is unreachable, which `dispose` can
 *   no longer be called on.
 * * (view-keeps-region) the finalizer never unmaps memory that a live view
 *   aliases: every external `ArrayBuffer` this class hands out maps back to its
 *   region in a `WeakMap`, whose ephemeron semantics keep the region reachable
 *   for as long as the buffer (or any typed array over it) is.
 * * (no-W+X) a region is never writable and executable at once: `Protection`
 *   has no such member, so the type checker enforces W^X for every caller.
 *
 * Hazards this class cannot rule out (they crash the process instead of
 * throwing, and the README repeats them): a view obtained before `dispose()`
 * and used after it reads unmapped memory; a write through a view while the
 * region is `read` or `read-execute` faults. Obtain views right before use and
 * do not keep them across `protect()` or `dispose()`.
 */
import koffi from 'koffi';
import { JitError, hex } from './error.js';
import { trackRegion, untrackRegion, updateRegion } from './host-regions.js';
import { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, mapAnonymous, protect, roundUpToPages, unmap } from './libc.js';

/**
 * What a region's pages allow. There is deliberately no "read-write-execute":
 * code is written while `read-write` and then sealed `read-execute` (W^X).
 */
export type Protection = 'none' | 'read' | 'read-write' | 'read-execute';

const PROT_BITS: Record<Protection, number> = {
  none: PROT_NONE,
  read: PROT_READ,
  'read-write': PROT_READ | PROT_WRITE,
  'read-execute': PROT_READ | PROT_EXEC,
};

interface Mapping {
  readonly address: bigint;
  readonly size: number;
}

/** The safety net: unmap regions that became unreachable without `dispose()`. */
const finalizer = new FinalizationRegistry<Mapping>((mapping) => {
  try {
    // Invariant (untrack-before-unmap, host-regions.ts): emulators drop the mapping first.
    untrackRegion(mapping.address);
    unmap(mapping.address, mapping.size);
  } catch {
    // A finalizer has nobody to report to; munmap of a mapping we own cannot fail
    // short of a bug, and leaking the pages is the only safe fallback.
  }
});

/** Invariant (view-keeps-region): buffer → owning region, held weakly by the buffer. */
const viewOwners = new WeakMap<ArrayBuffer, NativeRegion>();

export class NativeRegion {
  /** First byte of the region; page-aligned. */
  readonly address: bigint;
  /** Mapped size in bytes: the requested size rounded up to whole pages. */
  readonly size: number;
  #protection: Protection;
  #disposed = false;
  #buffer: ArrayBuffer | undefined;
  #bytes: Uint8Array | undefined;

  private constructor(address: bigint, size: number, protection: Protection) {
    this.address = address;
    this.size = size;
    this.#protection = protection;
  }

  /**
   * Map `size` bytes (rounded up to whole pages, at least one) of fresh, zeroed,
   * private memory with the given protection (default `read-write`).
   */
  static allocate(size: number, protection: Protection = 'read-write'): NativeRegion {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new JitError('invalid-argument', `NativeRegion.allocate: size must be a non-negative integer, got ${size}`);
    }
    const mapped = roundUpToPages(size);
    const address = mapAnonymous(mapped, PROT_BITS[protection]);
    const region = new NativeRegion(address, mapped, protection);
    finalizer.register(region, { address, size: mapped }, region);
    // Invariant (track-before-escape, host-regions.ts): emulators can find it from now on.
    trackRegion(address, mapped, mapped, PROT_BITS[protection]);
    return region;
  }

  get protection(): Protection {
    return this.#protection;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * An `ArrayBuffer` aliasing the whole region (zero-copy, through
   * `koffi.view`). Always the same object for a region. Only for a readable
   * region; writing through it needs `read-write`.
   */
  get buffer(): ArrayBuffer {
    this.#checkLive('buffer');
    if (this.#protection === 'none') {
      throw new JitError('invalid-argument', `region at ${hex(this.address)} is not readable (protection 'none')`);
    }
    if (this.#buffer === undefined) {
      const buffer = koffi.view(this.address, this.size);
      viewOwners.set(buffer, this);
      this.#buffer = buffer;
    }
    return this.#buffer;
  }

  /** `new Uint8Array(this.buffer)`, cached. */
  get bytes(): Uint8Array {
    const buffer = this.buffer; // checks liveness and readability
    if (this.#bytes === undefined) this.#bytes = new Uint8Array(buffer);
    return this.#bytes;
  }

  /** The address of byte `offset` of the region; `offset` may equal `size` (one past the end). */
  addressAt(offset: number): bigint {
    this.#checkLive('addressAt');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.size) {
      throw new JitError('invalid-argument', `offset ${offset} is outside the region of ${this.size} bytes at ${hex(this.address)}`);
    }
    return this.address + BigInt(offset);
  }

  /** `mprotect` the whole region. */
  protect(protection: Protection): void {
    this.#checkLive('protect');
    protect(this.address, this.size, PROT_BITS[protection]);
    this.#protection = protection;
    updateRegion(this.address, this.size, PROT_BITS[protection]);
  }

  /**
   * Unmap the region now. Idempotent. Every view of it becomes dangling: the
   * caller must hold none it will use again.
   */
  dispose(): void {
    if (this.#disposed) return;
    // Post-invariant (unmap-once): the finalizer can no longer fire for this region.
    finalizer.unregister(this);
    this.#disposed = true;
    this.#buffer = undefined;
    this.#bytes = undefined;
    untrackRegion(this.address);
    unmap(this.address, this.size);
  }

  #checkLive(what: string): void {
    if (this.#disposed) {
      throw new JitError('disposed', `NativeRegion.${what}: the region at ${hex(this.address)} was disposed`);
    }
  }
}
