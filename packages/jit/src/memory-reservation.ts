/**
 * `MemoryReservation`: a range of address space reserved once, whose prefix
 * is made accessible as it grows — the storage of a WebAssembly linear memory.
 *
 * The problem. Generated code keeps a linear memory's base address in
 * registers and in the vmctx across calls (`VMMemoryDefinition.base` is
 * read-only for the compiler: "a memory's base never moves"). `memory.grow`
 * therefore cannot reallocate and copy the way a JS `ArrayBuffer` resize
 * would. The approach (Wasmtime's "static" memories, without guard pages
 * because Derrick's code bounds-checks explicitly): reserve the whole range
 * the memory may ever occupy with `mmap(PROT_NONE)` — address space only, no
 * commit charge, no page tables — and `mprotect` the committed prefix
 * read-write, extending it on every grow. The base stays put for the life of
 * the reservation; growth costs one `mprotect`.
 *
 * A 32-bit memory without a declared maximum reserves 4 GiB of address
 * space. That is cheap (x86-64 user space is 128 TiB) but not free: 32 768
 * such reservations exhaust it, so reservations must be released promptly
 * (`dispose()`; the runtime disposes them with their store), with a
 * `FinalizationRegistry` as the safety net.
 *
 * Invariants:
 *
 * * (fixed-base) `address` never changes; growing only changes `committed`.
 * * (committed-prefix) exactly `[address, address + committed)` is read-write
 *   and the rest of the reservation is `PROT_NONE`; `committed` is a multiple
 *   of the host page size, never exceeds `size`, and never shrinks.
 * * (unmap-once) as for `NativeRegion`: `dispose()` unregisters the finalizer
 *   before unmapping, and the finalizer only runs for an unreachable object.
 * * (view-keeps-reservation) every `ArrayBuffer` handed out maps back to the
 *   reservation in a `WeakMap`, so the finalizer never unmaps pages a live
 *   view aliases.
 *
 * Hazard (cannot be detected): a view obtained before `dispose()` and used
 * after it reads unmapped memory. A view obtained before a `commit` stays
 * valid but does not cover the new pages; take a fresh one.
 */
import koffi from 'koffi';
import { JitError, hex } from './error.js';
import { trackRegion, untrackRegion, updateRegion } from './host-regions.js';
import { PROT_NONE, PROT_READ, PROT_WRITE, mapAnonymous, pageSize, protect, unmap } from './libc.js';

interface Mapping {
  readonly address: bigint;
  readonly size: number;
}

const finalizer = new FinalizationRegistry<Mapping>((mapping) => {
  try {
    untrackRegion(mapping.address); // (untrack-before-unmap, host-regions.ts)
    unmap(mapping.address, mapping.size);
  } catch {
    // Nobody to report to; leaking the address space is the only safe fallback.
  }
});

/** Invariant (view-keeps-reservation). */
const viewOwners = new WeakMap<ArrayBuffer, MemoryReservation>();

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export class MemoryReservation {
  /** First byte of the reservation; page-aligned; never changes (fixed-base). */
  readonly address: bigint;
  /** Reserved bytes: the requested size rounded up to whole pages (at least one). */
  readonly size: number;
  #committed = 0;
  #disposed = false;
  #view: ArrayBuffer | undefined;

  private constructor(address: bigint, size: number) {
    this.address = address;
    this.size = size;
  }

  /**
   * Reserve `size` bytes of address space (rounded up to whole pages, at least
   * one), inaccessible, then commit the first `initial` bytes read-write.
   */
  static reserve(size: number, initial = 0): MemoryReservation {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new JitError('invalid-argument', `MemoryReservation.reserve: size must be a non-negative integer, got ${size}`);
    }
    const page = pageSize();
    const reserved = Math.max(page, roundUp(size, page));
    const address = mapAnonymous(reserved, PROT_NONE);
    const reservation = new MemoryReservation(address, reserved);
    finalizer.register(reservation, { address, size: reserved }, reservation);
    trackRegion(address, reserved, 0, PROT_READ | PROT_WRITE); // (track-before-escape, host-regions.ts)
    if (initial > 0) {
      try {
        reservation.commit(initial);
      } catch (error) {
        reservation.dispose();
        throw error;
      }
    }
    return reservation;
  }

  /** Bytes committed read-write at the start of the reservation (a multiple of the page size). */
  get committed(): number {
    return this.#committed;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Make at least the first `bytes` bytes read-write. Never shrinks. Throws
   * `invalid-argument` past the reservation, `syscall-failed` if the kernel
   * refuses the commit (ENOMEM); on failure nothing changes.
   */
  commit(bytes: number): void {
    this.#checkLive('commit');
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > this.size) {
      throw new JitError(
        'invalid-argument',
        `cannot commit ${bytes} bytes of a reservation of ${this.size} bytes at ${hex(this.address)}`,
      );
    }
    const target = roundUp(bytes, pageSize());
    if (target <= this.#committed) return;
    protect(this.address + BigInt(this.#committed), target - this.#committed, PROT_READ | PROT_WRITE);
    // Post-invariant (committed-prefix): exactly [0, target) is read-write.
    this.#committed = target;
    this.#view = undefined;
    updateRegion(this.address, target, PROT_READ | PROT_WRITE);
  }

  /**
   * An `ArrayBuffer` aliasing the committed prefix (zero-copy). The same object
   * until the next `commit` that grows the prefix.
   */
  get buffer(): ArrayBuffer {
    this.#checkLive('buffer');
    if (this.#view === undefined) {
      const view = this.#committed === 0 ? new ArrayBuffer(0) : koffi.view(this.address, this.#committed);
      viewOwners.set(view, this);
      this.#view = view;
    }
    return this.#view;
  }

  /** Unmap the whole reservation now. Idempotent. Every view becomes dangling. */
  dispose(): void {
    if (this.#disposed) return;
    finalizer.unregister(this);
    this.#disposed = true;
    this.#view = undefined;
    untrackRegion(this.address);
    unmap(this.address, this.size);
  }

  #checkLive(what: string): void {
    if (this.#disposed) {
      throw new JitError('disposed', `MemoryReservation.${what}: the reservation at ${hex(this.address)} was disposed`);
    }
  }
}
