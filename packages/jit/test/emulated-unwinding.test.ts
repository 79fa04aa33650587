/**
 * The unwinding protocol (README, "Traps: unwinding without signal handlers")
 * in AArch64, run by the emulated executor: the `UNWIND` text of
 * `aarch64-snippets.ts` saves x19–x28, fp and lr and its sp in the vmctx; code
 * several frames deeper, having clobbered every callee-saved register,
 * restores that sp and returns a trap status straight to the entry's caller —
 * the same protocol `unwinding.test.ts` proves natively, now with host calls
 * and re-entrant entries through the emulator in between.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Aarch64Emulator,
  CodeMemory,
  type EmulatedArrayCallEntry,
  NativeRegion,
  UNICORN_SONAME,
  registerHostCall,
} from '../src/index.js';
import { UNWIND, VMCTX } from './aarch64-snippets.js';

function unicornInstalled(): boolean {
  try {
    return execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).includes(UNICORN_SONAME);
  } catch {
    return false;
  }
}

describe.skipIf(!unicornInstalled())('unwinding to the entry trampoline, emulated AArch64', () => {
  let emulator: Aarch64Emulator;
  let code: CodeMemory;
  let vmctx: NativeRegion;
  let values: NativeRegion;
  let entry: EmulatedArrayCallEntry;
  let work: bigint;
  let callHost: bigint;
  let slots: BigUint64Array;
  let ctx: BigUint64Array;

  beforeAll(() => {
    emulator = Aarch64Emulator.create({ stackSize: 256 * 1024 });
    code = CodeMemory.publish(UNWIND.bytes);
    vmctx = NativeRegion.allocate(VMCTX.size);
    values = NativeRegion.allocate(16);
    entry = emulator.arrayCallEntry(code.functionAddress(UNWIND.labels.entry!), code);
    work = code.functionAddress(UNWIND.labels.work!);
    callHost = code.functionAddress(UNWIND.labels.call_host!);
    slots = new BigUint64Array(values.buffer, 0, 2);
    ctx = new BigUint64Array(vmctx.buffer, 0, VMCTX.size / 8);
  });

  afterAll(() => {
    values.dispose();
    vmctx.dispose();
    code.dispose();
    emulator.dispose();
  });

  /** Run `work(vmctx, depth, trap)` through the entry; returns the status. */
  function run(depth: number, trap: number): bigint {
    slots[0] = BigInt(depth);
    slots[1] = BigInt(trap);
    return entry.call(vmctx.address, work, values.address, 2);
  }

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
    expect(slots[0]).toBe(6n); // never overwritten with a result
  });

  it('1,000 iterations alternating traps and returns at varying depths: no stack or register corruption', () => {
    for (let i = 0; i < 1000; i++) {
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
    expect(emulator.depth).toBe(0);
    expect(emulator.stackPointer()).toBe(emulator.stackBounds.high);
  });

  it('a host exception unwinds the emulated frames and is re-thrown unchanged', () => {
    const thrown = new TypeError('thrown by the host');
    const host = registerHostCall(
      () => {
        throw thrown;
      },
      { exceptionStatus: 12n },
    );
    try {
      ctx[VMCTX.hostCall / 8] = host.address;
      slots[0] = 3n; // call_host's index argument
      expect(entry.call(vmctx.address, callHost, values.address, 2)).toBe(12n);
      expect(Number(ctx[VMCTX.trapCode / 8]! & 0xffff_ffffn)).toBe(12);
      expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
      let rethrown: unknown;
      try {
        host.rethrowPendingException();
      } catch (error) {
        rethrown = error;
      }
      expect(rethrown).toBe(thrown);
    } finally {
      host.unregister();
    }
  });

  it('re-entrant entries nest their entry_sp: a trap in an inner activation unwinds only to the inner entry', () => {
    // host(index): run work(index, trap = index) in a nested entry; the inner trap comes back as a status,
    // which the host returns as its result value (status OK), and the outer call_host adds one.
    const innerValues = NativeRegion.allocate(16);
    const inner = new BigUint64Array(innerValues.buffer, 0, 2);
    const seenEntrySp: bigint[] = [];
    const host = registerHostCall((vm, index) => {
      seenEntrySp.push(ctx[VMCTX.entrySp / 8]!);
      inner[0] = 4n;
      inner[1] = BigInt(index);
      const status = entry.call(vm, work, innerValues.address, 2);
      ctx[VMCTX.hostValues / 8] = status * 100n;
      return 0n;
    });
    try {
      ctx[VMCTX.hostCall / 8] = host.address;
      for (let i = 1; i <= 50; i++) {
        slots[0] = BigInt(i);
        expect(entry.call(vmctx.address, callHost, values.address, 2)).toBe(0n);
        expect(slots[0]).toBe(BigInt(i) * 100n + 1n);
        expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
      }
      // During the host call the outer entry was active: its frame was below the stack top.
      expect(seenEntrySp.every((sp) => sp !== 0n && sp < emulator.stackBounds.high)).toBe(true);
      expect(emulator.depth).toBe(0);
    } finally {
      host.unregister();
      innerValues.dispose();
    }
  });
});
