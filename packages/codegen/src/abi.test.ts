import { stackSlotData } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { computeFrameLayout, stackSlotAlign } from './abi.js';

const OPTS = { setupSize: 16, stackAlign: 16 };

describe('frame layout', () => {
  it('an empty frame is empty', () => {
    const f = computeFrameLayout({ fixedSlotsSize: 0, calleeSaves: [], spillSlots: 0, stackSlots: [], outgoingArgsSize: 0, retAreaSize: 0 }, OPTS);
    expect(f.stackSize).toBe(0);
    expect(f.frameSize).toBe(16);
  });

  it('keeps SP aligned (FrameAligned) for every mix of fixed slots, saves and spills', () => {
    for (let fixed = 0; fixed <= 8; fixed += 8) {
      for (let saves = 0; saves <= 5; saves++) {
        for (let spills = 0; spills <= 5; spills++) {
          const f = computeFrameLayout(
            { fixedSlotsSize: fixed, calleeSaves: Array.from({ length: saves }, (_, i) => i), spillSlots: spills, stackSlots: [], outgoingArgsSize: 0, retAreaSize: 0 },
            OPTS,
          );
          expect((fixed + 8 * saves + f.stackSize) % 16).toBe(0);
          expect(f.stackSize).toBeGreaterThanOrEqual(f.spillAreaOffset + 8 * spills);
          expect(f.spillAreaOffset % 16).toBe(0);
          expect(f.frameSize).toBe(16 + fixed + 8 * saves + f.stackSize);
        }
      }
    }
  });

  it('places outgoing args at SP, then the return area, stack slots (aligned), spills', () => {
    const f = computeFrameLayout(
      {
        fixedSlotsSize: 8,
        calleeSaves: [3],
        spillSlots: 3,
        stackSlots: [stackSlotData(4), stackSlotData(16, 4), stackSlotData(1)],
        outgoingArgsSize: 24,
        retAreaSize: 16,
      },
      OPTS,
    );
    expect(f.outgoingArgsOffset).toBe(0);
    expect(f.retAreaOffset).toBe(24);
    expect(f.stackSlotOffsets).toEqual([40, 48, 64]);
    expect(f.spillAreaOffset).toBe(80);
    expect(f.stackSize).toBe(112);
  });

  it('natural slot alignment follows the size, capped at 16, at least 8', () => {
    expect([1, 4, 8, 12, 16, 100].map((n) => stackSlotAlign(stackSlotData(n)))).toEqual([8, 8, 8, 16, 16, 16]);
    expect(stackSlotAlign(stackSlotData(4, 4))).toBe(16);
  });

  it('rejects alignment above the stack alignment', () => {
    expect(() =>
      computeFrameLayout({ fixedSlotsSize: 0, calleeSaves: [], spillSlots: 0, stackSlots: [stackSlotData(64, 6)], outgoingArgsSize: 0, retAreaSize: 0 }, OPTS),
    ).toThrowError(/alignment 64/);
  });
});
