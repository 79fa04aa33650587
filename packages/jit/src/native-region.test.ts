import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { collectUntil, mappingContaining } from '../test/process-state.js';
import { JitError } from './error.js';
import { pageSize, protect, unmap } from './libc.js';
import { NativeRegion } from './native-region.js';

describe('pageSize', () => {
  it('is the host page size (a power of two, at least 4 KiB)', () => {
    const page = pageSize();
    expect(page).toBeGreaterThanOrEqual(4096);
    expect(page & (page - 1)).toBe(0);
  });
});

describe('NativeRegion', () => {
  it('maps page-aligned, page-rounded, zeroed read-write memory', () => {
    const region = NativeRegion.allocate(100);
    try {
      expect(typeof region.address).toBe('bigint');
      expect(region.address % BigInt(pageSize())).toBe(0n);
      expect(region.size).toBe(pageSize());
      expect(region.protection).toBe('read-write');
      expect(region.bytes.length).toBe(region.size);
      expect(region.bytes.every((b) => b === 0)).toBe(true);
      const m = mappingContaining(region.address);
      expect(m?.perms).toBe('rw-p');
    } finally {
      region.dispose();
    }
  });

  it('allocates at least one page for size 0, and whole pages above', () => {
    const empty = NativeRegion.allocate(0);
    const big = NativeRegion.allocate(pageSize() + 1);
    expect(empty.size).toBe(pageSize());
    expect(big.size).toBe(2 * pageSize());
    empty.dispose();
    big.dispose();
  });

  it('its view aliases the native memory in both directions (no copy)', () => {
    const region = NativeRegion.allocate(64);
    try {
      const words = new BigUint64Array(region.buffer);
      words[1] = 0x1122_3344_5566_7788n;
      // Read back through koffi from the raw address: the store went to native memory.
      expect(koffi.decode(region.address + 8n, 'uint64_t')).toBe(0x1122_3344_5566_7788n);
      // Store through koffi, read through the view.
      koffi.encode(region.addressAt(16), 'uint32_t', 0xdead_beef);
      expect(new DataView(region.buffer).getUint32(16, true)).toBe(0xdead_beef);
      expect(region.buffer).toBe(region.buffer);
      expect(region.bytes).toBe(region.bytes);
    } finally {
      region.dispose();
    }
  });

  it('changes protection with mprotect, as /proc/self/maps shows', () => {
    const region = NativeRegion.allocate(1);
    try {
      region.bytes[0] = 0xc3;
      region.protect('read-execute');
      expect(mappingContaining(region.address)?.perms).toBe('r-xp');
      expect(region.bytes[0]).toBe(0xc3); // still readable
      region.protect('read');
      expect(mappingContaining(region.address)?.perms).toBe('r--p');
      region.protect('none');
      expect(mappingContaining(region.address)?.perms).toBe('---p');
      expect(() => region.buffer).toThrow(/not readable/);
      region.protect('read-write');
      expect(region.bytes[0]).toBe(0xc3);
    } finally {
      region.dispose();
    }
  });

  it('bounds-checks addressAt', () => {
    const region = NativeRegion.allocate(1);
    expect(region.addressAt(0)).toBe(region.address);
    expect(region.addressAt(region.size)).toBe(region.address + BigInt(region.size));
    expect(() => region.addressAt(region.size + 1)).toThrow(JitError);
    expect(() => region.addressAt(-1)).toThrow(JitError);
    region.dispose();
  });

  it('dispose unmaps once, is idempotent, and later use throws a disposed JitError', () => {
    const region = NativeRegion.allocate(1);
    const address = region.address;
    region.dispose();
    region.dispose();
    expect(region.disposed).toBe(true);
    expect(mappingContaining(address)).toBeUndefined();
    for (const use of [() => region.buffer, () => region.bytes, () => region.protect('read'), () => region.addressAt(0)]) {
      try {
        use();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(JitError);
        expect((e as JitError).kind).toBe('disposed');
      }
    }
  });

  it('rejects sizes that are not non-negative integers', () => {
    for (const size of [-1, 1.5, Number.NaN]) {
      expect(() => NativeRegion.allocate(size)).toThrow(/non-negative integer/);
    }
  });

  it('an mmap failure becomes a syscall-failed JitError with errno', () => {
    try {
      NativeRegion.allocate(2 ** 52); // 4 PiB: beyond the 47-bit user address space
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JitError);
      const err = e as JitError;
      expect(err.kind).toBe('syscall-failed');
      expect(err.syscall).toBe('mmap');
      expect(err.errno).toBe(koffi.os.errno.ENOMEM);
      expect(err.errnoName).toBe('ENOMEM');
      expect(err.message).toMatch(/^mmap\(NULL, 4503599627370496, PROT_READ\|PROT_WRITE, .*\) failed: ENOMEM \(Cannot allocate memory\)$/);
    }
  });

  it('mprotect and munmap failures become syscall-failed JitErrors', () => {
    const region = NativeRegion.allocate(1);
    try {
      expect(() => protect(region.address + 1n, 1, 1)).toThrow(/^mprotect\(0x[0-9a-f]+, 1, PROT_READ\) failed: EINVAL/);
      expect(() => unmap(region.address + 1n, 1)).toThrow(/^munmap\(0x[0-9a-f]+, 1\) failed: EINVAL/);
    } finally {
      region.dispose();
    }
  });

  it('the finalizer unmaps a region that became unreachable', async () => {
    let address = 0n;
    (() => {
      address = NativeRegion.allocate(3 * pageSize()).address;
    })();
    expect(mappingContaining(address)).toBeDefined();
    const gone = await collectUntil(() => mappingContaining(address) === undefined);
    expect(gone).toBe(true);
  });

  it('a live view keeps its region mapped (the finalizer waits for the view)', async () => {
    let view: BigUint64Array | undefined;
    let address = 0n;
    (() => {
      const region = NativeRegion.allocate(8 * pageSize());
      address = region.address;
      view = new BigUint64Array(region.buffer);
    })();
    view![0] = 42n;
    // The region object is unreachable, but the view still references its buffer.
    expect(await collectUntil(() => false, 5)).toBe(false);
    expect(mappingContaining(address)).toBeDefined();
    expect(view![0]).toBe(42n);
    view = undefined;
    expect(await collectUntil(() => mappingContaining(address) === undefined)).toBe(true);
  });
});
