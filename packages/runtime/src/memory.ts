/**
 * Linear memories.
 *
 * Storage is a `MemoryReservation` (jit): the whole range the memory may
 * ever reach — `min(maximum, 65536)` pages of 64 KiB, up to 4 GiB of address
 * space — is reserved inaccessible once, and the first `size` pages are
 * committed read-write; `grow` commits more. Hence:
 *
 * * (memory-base-fixed) the base address written into the
 *   `VMMemoryDefinition` never changes, which is what lets compiled code keep
 *   it across calls (environ's vmctx-stable invariant);
 * * (length-published) `current_length` in the definition is updated before
 *   `grow` returns, so the next bounds check in compiled code sees the new
 *   size; JS views over the old length are replaced (`bytes()` makes a new
 *   one after a grow);
 * * memories are unmapped when their store is disposed (and by the
 *   reservation's finalizer as a safety net): the spec testsuite instantiates
 *   ~1600 modules in one process, and 4 GiB reservations would otherwise run
 *   the address space out.
 *
 * Compiled code bounds-checks every access explicitly, so no guard region is
 * reserved past the maximum.
 */
import {
  MAX_WASM_PAGES,
  type MemoryType,
  VMMemoryDefinitionOffsets,
  WASM_PAGE_SIZE,
} from '@derrick/environ';
import { MemoryReservation } from '@derrick/jit';
import { RuntimeError } from './errors.js';
import { INNER } from './internal.js';
import type { NativeSlice } from './native-arena.js';
import type { Store, StoreData } from './store.js';

export class LinearMemory {
  readonly #reservation: MemoryReservation;
  /** Maximum in pages (the declared one, or 65536). */
  readonly maxPages: number;
  readonly declaredMax: number | undefined;
  #pages: number;
  #bytes: Uint8Array | undefined;
  #handle: Memory | undefined;

  constructor(
    readonly store: StoreData,
    type: MemoryType,
    /** The `VMMemoryDefinition` compiled code reads (in a vmctx, or in the store's arena). */
    readonly definition: NativeSlice,
  ) {
    const { min, max } = type.limits;
    this.declaredMax = max;
    this.maxPages = Math.min(max ?? MAX_WASM_PAGES, MAX_WASM_PAGES);
    if (min > this.maxPages) throw new RuntimeError('resource-limit', `memory minimum of ${min} pages exceeds its maximum of ${this.maxPages}`);
    try {
      this.#reservation = MemoryReservation.reserve(this.maxPages * WASM_PAGE_SIZE, min * WASM_PAGE_SIZE);
    } catch (cause) {
      throw new RuntimeError('resource-limit', `cannot allocate a linear memory of ${min} pages (maximum ${this.maxPages}): ${String(cause)}`, { cause });
    }
    this.#pages = min;
    store.addMemory(this);
    this.#publish();
  }

  /** (length-published) */
  #publish(): void {
    const d = this.definition;
    d.view.setBigUint64(d.offset + VMMemoryDefinitionOffsets.base, this.#reservation.address, true);
    d.view.setBigUint64(d.offset + VMMemoryDefinitionOffsets.currentLength, BigInt(this.#pages * WASM_PAGE_SIZE), true);
  }

  get pages(): number {
    return this.#pages;
  }

  get byteLength(): number {
    return this.#pages * WASM_PAGE_SIZE;
  }

  get base(): bigint {
    return this.#reservation.address;
  }

  /** The type of the memory as an import sees it: the current size and the declared maximum. */
  get type(): MemoryType {
    return { limits: { min: this.#pages, max: this.declaredMax } };
  }

  /** A view of the whole memory; replaced after every grow (take it again after calls). */
  bytes(): Uint8Array {
    this.store.checkLive('using a memory');
    const length = this.byteLength;
    if (this.#bytes === undefined || this.#bytes.length !== length) {
      this.#bytes = new Uint8Array(this.#reservation.buffer, 0, length);
    }
    return this.#bytes;
  }

  /** Grow by `delta` pages; returns the old size in pages, or -1 if the limits or the host refuse. */
  grow(delta: number): number {
    this.store.checkLive('growing a memory');
    const old = this.#pages;
    if (!Number.isSafeInteger(delta) || delta < 0) return -1;
    const next = old + delta;
    if (next > this.maxPages) return -1;
    if (delta === 0) return old;
    try {
      this.#reservation.commit(next * WASM_PAGE_SIZE);
    } catch {
      return -1; // ENOMEM: the host refused, as memory.grow may.
    }
    this.#pages = next;
    this.#bytes = undefined;
    this.#publish();
    return old;
  }

  handle(): Memory {
    this.#handle ??= new Memory(this);
    return this.#handle;
  }

  dispose(): void {
    this.#bytes = undefined;
    this.#reservation.dispose();
  }
}

/** A linear memory: exported by an instance, or created by the host (`Memory.new`). */
export class Memory {
  /** @internal */
  readonly [INNER]: LinearMemory;

  /** @internal Use `Memory.new` or an instance's exports. */
  constructor(inner: LinearMemory) {
    this[INNER] = inner;
  }

  /** A new memory of `type` (size in 64 KiB pages) owned by `store`. */
  static new(store: Store<unknown>, type: MemoryType): Memory {
    const data = store[INNER];
    data.checkLive('creating a memory');
    checkLimits(type.limits.min, type.limits.max, MAX_WASM_PAGES, 'memory');
    const definition = data.arena.allocate(VMMemoryDefinitionOffsets.size);
    return new LinearMemory(data, type, definition).handle();
  }

  /** The current type: `min` is the current size in pages. */
  ty(): MemoryType {
    return this[INNER].type;
  }

  /** Size in pages. */
  size(): number {
    return this[INNER].pages;
  }

  /** Size in bytes. */
  dataSize(): number {
    return this[INNER].byteLength;
  }

  /**
   * The memory's bytes, zero-copy. The view is replaced when the memory grows
   * (by `grow` here or by wasm's `memory.grow`): do not keep it across calls.
   */
  data(): Uint8Array {
    return this[INNER].bytes();
  }

  /** The `ArrayBuffer` under `data()` (same caveat). */
  get buffer(): ArrayBuffer {
    return this[INNER].bytes().buffer as ArrayBuffer;
  }

  /** Copy `length` bytes starting at `offset` out of the memory. */
  read(offset: number, length: number): Uint8Array {
    const bytes = this[INNER].bytes();
    checkRange(offset, length, bytes.length);
    return bytes.slice(offset, offset + length);
  }

  /** Copy `data` into the memory at `offset`. */
  write(offset: number, data: Uint8Array): void {
    const bytes = this[INNER].bytes();
    checkRange(offset, data.length, bytes.length);
    bytes.set(data, offset);
  }

  /** Grow by `delta` pages; returns the previous size in pages. Throws when the limits (or the host) refuse. */
  grow(delta: number): number {
    const old = this[INNER].grow(delta);
    if (old < 0) {
      throw new RuntimeError('resource-limit', `failed to grow memory by ${delta} page(s): size ${this.size()}, maximum ${this[INNER].maxPages}`);
    }
    return old;
  }
}

function checkRange(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RuntimeError('resource-limit', `out of bounds memory access: [${offset}, ${offset + length}) of a ${size}-byte memory`);
  }
}

export function checkLimits(min: number, max: number | undefined, limit: number, what: string): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= limit;
  if (!ok(min) || (max !== undefined && (!ok(max) || max < min))) {
    throw new RuntimeError('type-mismatch', `invalid ${what} limits: min ${min}, max ${max ?? 'none'} (each at most ${limit}, max ≥ min)`);
  }
}
