import { describe, expect, it } from 'vitest';
import { collectUntil, mappingContaining } from '../test/process-state.js';
import { JitError } from './error.js';
import { pageSize } from './libc.js';
import { MemoryReservation } from './memory-reservation.js';

const GiB = 1024 * 1024 * 1024;

describe('MemoryReservation', () => {
  it('reserves address space inaccessible and commits a read-write prefix', () => {
    const r = MemoryReservation.reserve(4 * GiB, 100);
    try {
      const page = pageSize();
      expect(r.size).toBe(4 * GiB);
      expect(r.committed).toBe(page);
      expect(mappingContaining(r.address)?.perms).toBe('rw-p');
      expect(mappingContaining(r.address + BigInt(page))?.perms).toBe('---p');
      expect(mappingContaining(r.address + BigInt(4 * GiB - 1))?.perms).toBe('---p');
      expect(r.buffer.byteLength).toBe(page);
      expect(new Uint8Array(r.buffer).every((b) => b === 0)).toBe(true);
    } finally {
      r.dispose();
    }
  });

  it('grows in place (fixed-base): old bytes stay, new bytes are zero, a fresh view covers them', () => {
    const r = MemoryReservation.reserve(16 * 65536);
    try {
      const base = r.address;
      expect(r.committed).toBe(0);
      expect(r.buffer.byteLength).toBe(0);
      r.commit(65536);
      new Uint8Array(r.buffer)[65535] = 0xab;
      const before = r.buffer;
      r.commit(3 * 65536);
      expect(r.address).toBe(base);
      expect(r.buffer).not.toBe(before);
      const bytes = new Uint8Array(r.buffer);
      expect(bytes.length).toBe(3 * 65536);
      expect(bytes[65535]).toBe(0xab);
      expect(bytes[65536]).toBe(0);
      bytes[3 * 65536 - 1] = 1;
      r.commit(65536); // never shrinks
      expect(r.committed).toBe(3 * 65536);
    } finally {
      r.dispose();
    }
  });

  it('commits up to a whole 4 GiB reservation and views all of it', () => {
    const r = MemoryReservation.reserve(4 * GiB);
    try {
      r.commit(4 * GiB);
      const bytes = new Uint8Array(r.buffer);
      expect(bytes.length).toBe(4 * GiB);
      bytes[4 * GiB - 1] = 7;
      expect(bytes[4 * GiB - 1]).toBe(7);
    } finally {
      r.dispose();
    }
  });

  it('refuses commits past the reservation and use after dispose', () => {
    const r = MemoryReservation.reserve(65536);
    expect(() => r.commit(65537)).toThrow(/cannot commit 65537 bytes of a reservation of 65536/);
    r.dispose();
    r.dispose();
    expect(r.disposed).toBe(true);
    try {
      r.commit(1);
      expect.unreachable();
    } catch (e) {
      expect((e as JitError).kind).toBe('disposed');
    }
  });

  it('unmaps on dispose, and the finalizer unmaps an unreachable reservation', async () => {
    const ours = (address: bigint, size: number) => {
      const m = mappingContaining(address);
      return m !== undefined && m.start === address && m.end - m.start >= BigInt(size) - 65536n;
    };
    const r = MemoryReservation.reserve(1 << 30, 65536);
    const address = r.address;
    expect(ours(address, 65536)).toBe(true);
    r.dispose();
    expect(mappingContaining(address + 65536n)?.perms === '---p' && mappingContaining(address)?.start === address).toBe(false);

    let lost: bigint | undefined;
    (() => {
      lost = MemoryReservation.reserve(1 << 30, 65536).address;
    })();
    expect(mappingContaining(lost!)?.perms).toBe('rw-p');
    const gone = await collectUntil(() => mappingContaining(lost! + 65536n)?.perms !== '---p');
    expect(gone).toBe(true);
  });

  it('reserves at least one page for size 0', () => {
    const r = MemoryReservation.reserve(0);
    expect(r.size).toBe(pageSize());
    r.dispose();
  });
});
