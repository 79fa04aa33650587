/**
 * The unwinding protocol (README, "Traps: unwinding without signal handlers"),
 * proved with the hand-assembled `UNWIND` text: an entry trampoline saves the
 * callee-saved registers and its rsp in the vmctx; code several frames deeper,
 * having clobbered every callee-saved register, restores that rsp and returns
 * a trap status straight to koffi — and JS carries on, call after call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArrayCallEntry, CodeMemory, NativeRegion } from '../src/index.js';
import { UNWIND, VMCTX } from './x64-snippets.js';

let code: CodeMemory;
let vmctx: NativeRegion;
let values: NativeRegion;
let entry: ArrayCallEntry;
let work: bigint;
let slots: BigUint64Array;
let ctx: BigUint64Array;

beforeAll(() => {
  code = CodeMemory.publish(UNWIND.bytes);
  vmctx = NativeRegion.allocate(VMCTX.size);
  values = NativeRegion.allocate(16);
  entry = code.arrayCallEntry(UNWIND.labels.entry!);
  work = code.functionAddress(UNWIND.labels.work!);
  slots = new BigUint64Array(values.buffer, 0, 2);
  ctx = new BigUint64Array(vmctx.buffer, 0, VMCTX.size / 8);
});

afterAll(() => {
  values.dispose();
  vmctx.dispose();
  code.dispose();
});

/** Run `work(vmctx, depth, trap)` through the entry; returns the status. */
function run(depth: number, trap: number): bigint {
  slots[0] = BigInt(depth);
  slots[1] = BigInt(trap);
  return entry.call(vmctx.address, work, values.address, 2);
}

describe('unwinding to the entry trampoline', () => {
  it('a normal return: status 0, result in values[0], entry_sp restored to 0', () => {
    expect(run(10, 0)).toBe(0n);
    expect(slots[0]).toBe(55n);
    expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
  });

  it('a trap several frames deep returns its code as the status and records it in the vmctx', () => {
    ctx[VMCTX.trapCode / 8] = 0n;
    expect(run(6, 9)).toBe(9n);
    expect(Number(ctx[VMCTX.trapCode / 8]! & 0xffff_ffffn)).toBe(9);
    expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
    // The trap abandoned the frames, so values[0] was never written with a result.
    expect(slots[0]).toBe(6n);
  });

  it('10,000 iterations alternating traps and returns at varying depths: no stack corruption', () => {
    for (let i = 0; i < 10_000; i++) {
      const depth = i % 13;
      if (i % 2 === 1) {
        const trap = 1 + (i % 11);
        expect(run(depth, trap)).toBe(BigInt(trap));
      } else {
        expect(run(depth, 0)).toBe(0n);
        expect(slots[0]).toBe(BigInt((depth * (depth + 1)) / 2));
      }
    }
    expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
  });

  it('JS state survives: closures, exceptions and GC work normally after many unwinds', () => {
    const keep: object[] = [];
    for (let i = 0; i < 1000; i++) {
      run(20, 3);
      keep.push({ i });
    }
    expect(() => {
      throw new Error('plain JS exception');
    }).toThrow('plain JS exception');
    expect(keep.reduce((a, o) => a + (o as { i: number }).i, 0)).toBe((999 * 1000) / 2);
  });
});
