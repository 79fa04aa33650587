import { describe, expect, it } from 'vitest';
import { type HostRegionObserver, type HostRegionRecord, addRegionObserver, findRegion, removeRegionObserver } from './host-regions.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC } from './libc.js';
import { MemoryReservation } from './memory-reservation.js';
import { NativeRegion } from './native-region.js';

/** Records what observers hear. */
function listen(): { events: string[]; observer: HostRegionObserver } {
  const events: string[] = [];
  const describe = (r: HostRegionRecord): string => `${r.accessible}/${r.size}/${r.prot}`;
  return {
    events,
    observer: {
      regionChanged: (r) => events.push(`changed ${describe(r)}`),
      regionRemoved: (r) => events.push(`removed ${describe(r)}`),
    },
  };
}

describe('the live-region registry', () => {
  it('tracks a NativeRegion from allocate to dispose, with its protection', () => {
    const { events, observer } = listen();
    addRegionObserver(observer);
    try {
      const region = NativeRegion.allocate(5000);
      const record = findRegion(region.address + 4999n)!;
      expect(record).toMatchObject({ address: region.address, size: 8192, accessible: 8192, prot: PROT_READ | PROT_WRITE });
      expect(findRegion(region.address + 8192n)?.address).not.toBe(region.address);
      region.protect('read-execute');
      region.dispose();
      expect(findRegion(region.address)).toBeUndefined();
      expect(events).toEqual([`changed 8192/8192/${PROT_READ | PROT_EXEC}`, `removed 8192/8192/${PROT_READ | PROT_EXEC}`]);
    } finally {
      removeRegionObserver(observer);
    }
  });

  it('tracks the committed prefix of a MemoryReservation', () => {
    const { events, observer } = listen();
    addRegionObserver(observer);
    try {
      const memory = MemoryReservation.reserve(16 * 4096);
      expect(findRegion(memory.address)).toMatchObject({ accessible: 0, size: 65536 });
      memory.commit(5000);
      expect(findRegion(memory.address + 65535n)).toMatchObject({ accessible: 8192 });
      memory.dispose();
      expect(findRegion(memory.address)).toBeUndefined();
      const rw = PROT_READ | PROT_WRITE;
      expect(events).toEqual([`changed 8192/65536/${rw}`, `removed 8192/65536/${rw}`]);
    } finally {
      removeRegionObserver(observer);
    }
  });
});

describe('findRegion', () => {
  it('finds every byte of many interleaved regions, and nothing after they are gone', () => {
    const regions = Array.from({ length: 200 }, (_, i) => NativeRegion.allocate(4096 * (1 + (i % 3))));
    try {
      for (const region of regions) {
        expect(findRegion(region.address)?.address).toBe(region.address);
        expect(findRegion(region.address + BigInt(region.size - 1))?.address).toBe(region.address);
      }
      for (let i = 0; i < regions.length; i += 2) regions[i]!.dispose();
      for (let i = 0; i < regions.length; i++) {
        const found = findRegion(regions[i]!.address)?.address;
        if (i % 2 === 0) expect(found).not.toBe(regions[i]!.address);
        else expect(found).toBe(regions[i]!.address);
      }
    } finally {
      for (const region of regions) region.dispose();
    }
  });
});
