/**
 * `NativeArena`: the small native records of one store — the store context,
 * vmctxs, host-function contexts, definitions of host-created memories,
 * tables and globals — allocated out of a few `mmap`ed chunks and freed all
 * at once when the store is disposed.
 *
 * Generated code reads these records at fixed addresses, so they must live
 * outside the V8 heap and never move (vmctx-stable, `vmoffsets.ts`). A page
 * per record (one `NativeRegion` each) would waste 4 KiB per 16-byte global
 * and one `mmap` per object; a bump allocator over 64 KiB chunks costs
 * neither, and nothing in a store is freed before the store is.
 *
 * Invariants:
 *
 * * (arena-stable) a slice's address and bytes stay valid until `dispose()`;
 *   chunks are never reallocated.
 * * (zeroed) fresh slices are zero (chunks come from `mmap`, and nothing is
 *   reused).
 */
import { NativeRegion } from '@derrick/jit';

/** A record in native memory: its address, and a `DataView` to read and write it from TypeScript. */
export interface NativeSlice {
  readonly address: bigint;
  /** A view of the whole chunk holding the slice; the slice starts at `offset`. */
  readonly view: DataView;
  readonly offset: number;
  readonly size: number;
}

const CHUNK_SIZE = 64 * 1024;

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export class NativeArena {
  readonly #regions: NativeRegion[] = [];
  #current: { region: NativeRegion; view: DataView } | undefined;
  #used = 0;
  #disposed = false;

  /** `size` zeroed bytes aligned to `align` (a power of two ≤ the page size). */
  allocate(size: number, align = 16): NativeSlice {
    if (this.#disposed) throw new Error('NativeArena: allocation after dispose');
    const bytes = Math.max(size, 1);
    if (bytes > CHUNK_SIZE / 4) {
      // Large records (the vmctx of a module with thousands of functions) get a region of their own.
      const region = NativeRegion.allocate(bytes);
      this.#regions.push(region);
      return { address: region.address, view: new DataView(region.buffer), offset: 0, size };
    }
    let offset = alignUp(this.#used, align);
    if (this.#current === undefined || offset + bytes > this.#current.region.size) {
      const region = NativeRegion.allocate(CHUNK_SIZE);
      this.#regions.push(region);
      this.#current = { region, view: new DataView(region.buffer) };
      offset = 0;
    }
    this.#used = offset + bytes;
    return { address: this.#current.region.address + BigInt(offset), view: this.#current.view, offset, size };
  }

  /** Bytes of native memory mapped for this arena. */
  get mappedBytes(): number {
    return this.#regions.reduce((n, r) => n + r.size, 0);
  }

  /** Unmap every chunk (arena-stable ends here). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#current = undefined;
    for (const region of this.#regions) region.dispose();
    this.#regions.length = 0;
  }
}
