/**
 * The emulated executor (`src/emulator.ts`) with hand-assembled AArch64 code
 * (`aarch64-snippets.ts`): entries, loops, identity-mapped host memory,
 * native callbacks and re-entrancy, errors, translation-cache flushing, and
 * the emulation speed (printed). Skipped when libunicorn is not installed.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Aarch64Emulator,
  CodeMemory,
  EmulatedArrayCallEntry,
  JitError,
  MemoryReservation,
  NativeRegion,
  UNICORN_SONAME,
  registerHostCall,
  registerNativeCallback,
} from '../src/index.js';
import {
  ADD_VALUES,
  type A64Snippet,
  BRANCH_TO_CALLEE,
  CALL_HOST_PLUS_VALUE,
  CALL_NATIVE,
  FADD,
  INVALID,
  POINTER_ACCESS,
  READ_SP,
  STORE_THROUGH_CALLEE,
  SUM_LOOP,
  UDF,
} from './aarch64-snippets.js';

function unicornInstalled(): boolean {
  try {
    return execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).includes(UNICORN_SONAME);
  } catch {
    return false;
  }
}

describe.skipIf(!unicornInstalled())('the emulated executor', () => {
  let emulator: Aarch64Emulator;
  const code = new Map<A64Snippet, CodeMemory>();
  let values: NativeRegion;
  let slots: BigUint64Array;

  /** Publish a snippet once (as `CodeMemory` does for native code: W^X, sealed read-execute). */
  function published(snippet: A64Snippet): CodeMemory {
    let memory = code.get(snippet);
    if (memory === undefined) {
      memory = CodeMemory.publish(snippet.bytes);
      code.set(snippet, memory);
    }
    return memory;
  }

  function entry(snippet: A64Snippet, label?: string): EmulatedArrayCallEntry {
    const memory = published(snippet);
    const offset = label === undefined ? 0 : snippet.labels[label]!;
    return new EmulatedArrayCallEntry(memory.functionAddress(offset), { emulator, owner: memory });
  }

  function address(snippet: A64Snippet): bigint {
    return published(snippet).address;
  }

  function emulationError(run: () => unknown): JitError {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(JitError);
      expect((error as JitError).kind).toBe('emulation-failed');
      return error as JitError;
    }
    throw new Error('expected an emulation error');
  }

  beforeAll(() => {
    emulator = Aarch64Emulator.create({ stackSize: 256 * 1024 });
    values = NativeRegion.allocate(64);
    slots = new BigUint64Array(values.buffer, 0, 8);
  });

  afterAll(() => {
    for (const memory of code.values()) memory.dispose();
    values.dispose();
    emulator.dispose();
  });

  describe('entries', () => {
    it('passes x0–x3 and returns x0: values[0] += values[1], values[1] = count, return vmctx + callee', () => {
      slots[0] = 40n;
      slots[1] = 2n;
      const status = entry(ADD_VALUES).call(0x1000n, 0x234n, values.address, 5);
      expect(status).toBe(0x1234n);
      expect([slots[0], slots[1]]).toEqual([42n, 5n]);
    });

    it('returns the status as a signed int64, like ArrayCallEntry', () => {
      slots[0] = 0n;
      slots[1] = 0n;
      expect(entry(ADD_VALUES).call(-3n, 0n, values.address, 0)).toBe(-3n);
    });

    it('runs a loop: the sum 1..n for several n', () => {
      for (const n of [0n, 1n, 10n, 100_000n]) {
        slots[0] = n;
        expect(entry(SUM_LOOP).call(0n, 0n, values.address, 1)).toBe(0n);
        expect(slots[0]).toBe((n * (n + 1n)) / 2n);
      }
    });

    it('has FP/SIMD enabled', () => {
      const f = new Float64Array(values.buffer, 0, 2);
      f[0] = 1.25;
      f[1] = 40.5;
      expect(entry(FADD).call(0n, 0n, values.address, 2)).toBe(0n);
      expect(f[0]).toBe(41.75);
    });

    it('starts every outermost entry at the top of its stack, 16-byte aligned', () => {
      const sp = entry(READ_SP).call(0n, 0n, 0n, 0);
      expect(sp).toBe(emulator.stackBounds.high);
      expect(sp % 16n).toBe(0n);
      expect(emulator.stackPointer()).toBe(emulator.stackBounds.high);
      expect(emulator.depth).toBe(0);
    });

    it('refuses to run code whose CodeMemory was disposed', () => {
      const memory = CodeMemory.publish(READ_SP.bytes);
      const e = new EmulatedArrayCallEntry(memory.address, { emulator, owner: memory });
      memory.dispose();
      expect(() => e.call(0n, 0n, 0n, 0)).toThrow(/code memory was disposed/);
    });
  });

  describe('identity-mapped host memory', () => {
    it('loads and stores through a pointer into a NativeRegion; the JS view sees every write', () => {
      const data = NativeRegion.allocate(4096);
      try {
        const view = new DataView(data.buffer);
        view.setBigUint64(0, 20n, true);
        view.setUint32(16, 0xffff_fffe, true);
        view.setUint8(21, 0x5c);
        slots[0] = data.address;
        expect(entry(POINTER_ACCESS).call(0n, 0n, values.address, 1)).toBe(0n);
        expect(view.getBigUint64(8, true)).toBe(41n);
        expect(view.getUint32(16, true)).toBe(0xffff_ffff);
        expect(view.getUint8(20)).toBe(0xab);
        expect(slots[1]).toBe(0x5cn);
        // A JS write between two runs is seen by the next one: no copies anywhere.
        view.setBigUint64(0, 1000n, true);
        entry(POINTER_ACCESS).call(0n, 0n, values.address, 1);
        expect(view.getBigUint64(8, true)).toBe(2001n);
      } finally {
        data.dispose();
      }
    });

    it('maps regions lazily, once', () => {
      const data = NativeRegion.allocate(4096);
      try {
        slots[0] = data.address;
        const before = emulator.stats.lazyMappings;
        entry(POINTER_ACCESS).call(0n, 0n, values.address, 1);
        expect(emulator.stats.lazyMappings).toBe(before + 1);
        entry(POINTER_ACCESS).call(0n, 0n, values.address, 1);
        expect(emulator.stats.lazyMappings).toBe(before + 1);
      } finally {
        data.dispose();
      }
    });

    it('unmaps a disposed region: a later access is an error naming the address, not a read of stale memory', () => {
      const data = NativeRegion.allocate(4096);
      slots[0] = data.address;
      entry(POINTER_ACCESS).call(0n, 0n, values.address, 1);
      const mapped = emulator.stats.mappedRegions;
      data.dispose();
      expect(emulator.stats.mappedRegions).toBe(mapped - 1);
      const error = emulationError(() => entry(POINTER_ACCESS).call(0n, 0n, values.address, 1));
      expect(error.address).toBe(slots[0]);
      expect(error.message).toMatch(/reading 8 bytes at 0x[0-9a-f]+, outside every live region/);
    });

    it('maps only the committed prefix of a MemoryReservation, and follows commits', () => {
      const page = 4096;
      const memory = MemoryReservation.reserve(16 * page, page);
      try {
        const last = memory.address + BigInt(page - 32);
        slots[0] = last;
        entry(POINTER_ACCESS).call(0n, 0n, values.address, 1);
        expect(new DataView(memory.buffer).getUint8(page - 32 + 20)).toBe(0xab);

        slots[0] = memory.address + BigInt(page);
        const error = emulationError(() => entry(POINTER_ACCESS).call(0n, 0n, values.address, 1));
        expect(error.message).toMatch(/inaccessible part of the region at 0x[0-9a-f]+ \(4096 of 65536 bytes accessible, rw-\)/);

        memory.commit(2 * page);
        expect(entry(POINTER_ACCESS).call(0n, 0n, values.address, 1)).toBe(0n);
        expect(new DataView(memory.buffer).getUint8(page + 20)).toBe(0xab);
      } finally {
        memory.dispose();
      }
    });

    it('keeps protections: a store into read-execute code is an error, not a write', () => {
      const target = published(ADD_VALUES);
      slots[0] = 0xdeadn;
      const error = emulationError(() => entry(STORE_THROUGH_CALLEE).call(0n, target.address, values.address, 1));
      expect(error.message).toMatch(/writing 8 bytes at 0x[0-9a-f]+, in memory mapped r-x/);
      expect(target.readText()).toEqual(ADD_VALUES.bytes);
    });

    it('drops stale translations: rewritten code runs as rewritten (protect cycle and republish)', () => {
      // Code rewritten in place: read-write, patch, read-execute again.
      const region = NativeRegion.allocate(4096);
      try {
        region.bytes.set(ADD_VALUES.bytes);
        region.protect('read-execute');
        const e = new EmulatedArrayCallEntry(region.address, { emulator });
        slots[0] = 1n;
        slots[1] = 2n;
        expect(e.call(10n, 5n, values.address, 0)).toBe(15n); // add x0, x0, x1
        region.protect('read-write');
        new DataView(region.buffer).setUint32(12, 0xcb010000, true); // sub x0, x0, x1
        region.protect('read-execute');
        expect(e.call(10n, 5n, values.address, 0)).toBe(5n);
      } finally {
        region.dispose();
      }
      // A new CodeMemory at the address of a disposed one (mmap usually reuses it).
      const first = CodeMemory.publish(READ_SP.bytes);
      const firstAddress = first.address;
      expect(new EmulatedArrayCallEntry(firstAddress, { emulator }).call(0n, 0n, 0n, 0)).toBe(emulator.stackBounds.high);
      first.dispose();
      const second = CodeMemory.publish(ADD_VALUES.bytes);
      try {
        slots[0] = 0n;
        slots[1] = 0n;
        expect(new EmulatedArrayCallEntry(second.address, { emulator }).call(7n, 8n, values.address, 0)).toBe(15n);
        if (second.address !== firstAddress) console.info('(republish landed at another address; the flush path was not exercised)');
      } finally {
        second.dispose();
      }
    });
  });

  describe('native callbacks', () => {
    it('calls a registered host call with x0–x3 and resumes with its result', () => {
      const seen: unknown[][] = [];
      const host = registerHostCall((vmctx, index, valuesAndResults, count) => {
        seen.push([vmctx, index, valuesAndResults, count]);
        return 100n;
      });
      const vmctx = NativeRegion.allocate(64);
      try {
        new BigUint64Array(vmctx.buffer, 0, 1)[0] = host.address;
        slots[0] = 23n;
        expect(entry(CALL_HOST_PLUS_VALUE).call(vmctx.address, 0n, values.address, 3)).toBe(123n);
        expect(seen).toEqual([[vmctx.address, 7, values.address, 3]]);
      } finally {
        vmctx.dispose();
        host.unregister();
      }
    });

    it('calls a registerNativeCallback function with its own C signature (32-bit params ignore the upper half)', () => {
      const seen: unknown[][] = [];
      const native = registerNativeCallback(
        { result: 'int32_t', params: ['void *', 'int32_t', 'uint64_t', 'uint32_t'] },
        (...args) => {
          seen.push(args);
          return -3;
        },
        { errorResult: -1 },
      );
      try {
        slots[0] = native.address;
        slots[1] = 0xffff_ffff_ffff_fff0n;
        slots[2] = 0xabcd_0000_0000_0007n;
        expect(entry(CALL_NATIVE).call(0x77n, 0n, values.address, 3)).toBe(0n);
        expect(seen).toEqual([[0x77n, -5, 0xffff_ffff_ffff_fff0n, 7]]);
        expect(BigInt.asIntN(32, slots[0]!)).toBe(-3n);
      } finally {
        native.unregister();
      }
    });

    it('re-enters the emulator from a callback, 10 deep, with each level on its own part of the stack', () => {
      const vmctx = NativeRegion.allocate(64);
      const sps: bigint[] = [];
      const depths: number[] = [];
      let hostEntry: EmulatedArrayCallEntry | undefined;
      const host = registerHostCall((ctx, _index, vals) => {
        const view = new BigUint64Array(values.buffer, 0, 1);
        expect(vals).toBe(values.address);
        const d = view[0]!;
        depths.push(emulator.depth);
        sps.push(emulator.stackPointer());
        if (d >= 10n) return 0n;
        view[0] = d + 1n;
        return hostEntry!.call(ctx, 0n, vals, 1);
      });
      try {
        new BigUint64Array(vmctx.buffer, 0, 1)[0] = host.address;
        hostEntry = entry(CALL_HOST_PLUS_VALUE);
        slots[0] = 0n;
        // Level d returns (status of level d+1) + d: 0 + 1 + … + 10.
        expect(hostEntry.call(vmctx.address, 0n, values.address, 1)).toBe(55n);
        expect(depths).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        for (let i = 1; i < sps.length; i++) expect(sps[i]! < sps[i - 1]!).toBe(true);
        expect(sps[0]! < emulator.stackBounds.high).toBe(true);
        expect(emulator.depth).toBe(0);
        expect(emulator.stackPointer()).toBe(emulator.stackBounds.high);
      } finally {
        vmctx.dispose();
        host.unregister();
      }
    });

    it('a nested entry that fails restores the interrupted entry, which then completes', () => {
      const vmctx = NativeRegion.allocate(64);
      let caught: unknown;
      const host = registerHostCall(() => {
        try {
          new EmulatedArrayCallEntry(address(UDF), { emulator }).call(0n, 0n, 0n, 0);
        } catch (error) {
          caught = error;
        }
        return 1n;
      });
      try {
        new BigUint64Array(vmctx.buffer, 0, 1)[0] = host.address;
        slots[0] = 41n; // kept in x19 across the call
        expect(entry(CALL_HOST_PLUS_VALUE).call(vmctx.address, 0n, values.address, 1)).toBe(42n);
        expect(caught).toBeInstanceOf(JitError);
        expect(emulator.depth).toBe(0);
      } finally {
        vmctx.dispose();
        host.unregister();
      }
    });

    it('a JS exception in a host call becomes the exception status, and is re-thrown unchanged by the caller', () => {
      const vmctx = NativeRegion.allocate(64);
      const thrown = new RangeError('from the host');
      const host = registerHostCall(
        () => {
          throw thrown;
        },
        { exceptionStatus: 1000n },
      );
      try {
        new BigUint64Array(vmctx.buffer, 0, 1)[0] = host.address;
        slots[0] = 1n;
        expect(entry(CALL_HOST_PLUS_VALUE).call(vmctx.address, 0n, values.address, 1)).toBe(1001n);
        expect(host.hasPendingException).toBe(true);
        expect(() => host.rethrowPendingException()).toThrow(thrown);
        expect(host.hasPendingException).toBe(false);
      } finally {
        vmctx.dispose();
        host.unregister();
      }
    });

    it('an unregistered callback address is a wild branch', () => {
      const host = registerHostCall(() => 0n);
      const vmctx = NativeRegion.allocate(64);
      try {
        new BigUint64Array(vmctx.buffer, 0, 1)[0] = host.address;
        host.unregister();
        const error = emulationError(() => entry(CALL_HOST_PLUS_VALUE).call(vmctx.address, 0n, values.address, 1));
        expect(error.address).toBe(host.address);
      } finally {
        vmctx.dispose();
      }
    });
  });

  describe('errors', () => {
    it('udf is a JitError with the pc and the instruction', () => {
      const error = emulationError(() => new EmulatedArrayCallEntry(address(UDF), { emulator }).call(0n, 0n, 0n, 0));
      expect(error.pc).toBe(address(UDF));
      expect(error.unicornError?.name).toBe('UC_ERR_EXCEPTION');
      expect(error.message).toContain(`pc 0x${address(UDF).toString(16)} (instruction 0x00001234)`);
    });

    it('an unallocated encoding is a JitError with the pc', () => {
      const error = emulationError(() => new EmulatedArrayCallEntry(address(INVALID), { emulator }).call(0n, 0n, 0n, 0));
      expect(error.pc).toBe(address(INVALID));
      expect(error.message).toContain('instruction 0xffffffff');
    });

    it('a branch to an address that is neither memory nor a callback names the address', () => {
      const error = emulationError(() => new EmulatedArrayCallEntry(address(BRANCH_TO_CALLEE), { emulator }).call(0n, 0x1234_5678n, 0n, 0));
      expect(error.address).toBe(0x1234_5678n);
      expect(error.message).toMatch(/branch to 0x12345678, which is neither live memory nor a registered native callback/);
    });

    it('a branch into data (mapped read-write) is refused', () => {
      slots[0] = values.address; // maps `values`
      entry(POINTER_ACCESS).call(0n, 0n, values.address, 1);
      const error = emulationError(() => new EmulatedArrayCallEntry(address(BRANCH_TO_CALLEE), { emulator }).call(0n, values.address, 0n, 0));
      expect(error.message).toMatch(/Invalid memory fetch|fetch/i);
    });

    it('a stack overflow faults in the guard below the stack', () => {
      slots[0] = 0n;
      const e = entry(STORE_THROUGH_CALLEE);
      const guard = emulator.stackBounds.low - 8n;
      const error = emulationError(() => e.call(0n, guard, values.address, 1));
      expect(error.message).toContain('guard below the emulated stack (stack overflow)');
    });

    it('the executor keeps working after every kind of error', () => {
      slots[0] = 2n;
      slots[1] = 3n;
      expect(entry(ADD_VALUES).call(0n, 0n, values.address, 9)).toBe(0n);
      expect(slots[0]).toBe(5n);
      expect(emulator.depth).toBe(0);
    });

    it('a disposed emulator refuses to run', () => {
      const scratch = Aarch64Emulator.create({ stackSize: 4096 });
      scratch.dispose();
      expect(() => scratch.call(address(READ_SP))).toThrow(/emulator was disposed/);
    });
  });

  describe('the shared emulator', () => {
    it('is what EmulatedArrayCallEntry uses by default', () => {
      const e = new EmulatedArrayCallEntry(address(READ_SP));
      expect(e.emulator).toBe(Aarch64Emulator.shared());
      expect(e.call(0n, 0n, 0n, 0)).toBe(Aarch64Emulator.shared().stackBounds.high);
    });
  });

  describe('speed (printed, for information)', () => {
    it('instructions per second of a tight loop, calls per second of an entry and of a host call', () => {
      const loop = entry(SUM_LOOP);
      slots[0] = 1000n;
      loop.call(0n, 0n, values.address, 1); // translate once
      const n = 20_000_000n;
      slots[0] = n;
      let t = performance.now();
      loop.call(0n, 0n, values.address, 1);
      const loopMs = performance.now() - t;
      expect(slots[0]).toBe((n * (n + 1n)) / 2n);
      const mips = (3 * Number(n)) / (loopMs / 1000) / 1e6;

      const add = entry(ADD_VALUES);
      const calls = 20_000;
      for (let i = 0; i < 2000; i++) add.call(0n, 0n, values.address, 0); // warm up (V8 and unicorn)
      t = performance.now();
      for (let i = 0; i < calls; i++) add.call(0n, 0n, values.address, 0);
      const entryUs = ((performance.now() - t) * 1000) / calls;

      const host = registerHostCall(() => 0n);
      const vmctx = NativeRegion.allocate(64);
      new BigUint64Array(vmctx.buffer, 0, 1)[0] = host.address;
      const viaHost = entry(CALL_HOST_PLUS_VALUE);
      for (let i = 0; i < 2000; i++) viaHost.call(vmctx.address, 0n, values.address, 0);
      t = performance.now();
      for (let i = 0; i < calls; i++) viaHost.call(vmctx.address, 0n, values.address, 0);
      const hostUs = ((performance.now() - t) * 1000) / calls;
      vmctx.dispose();
      host.unregister();

      console.info(
        `emulated AArch64: ${mips.toFixed(0)} M instructions/s (tight loop, ${3 * Number(n) / 1e6} M instructions in ${loopMs.toFixed(1)} ms); ` +
          `${entryUs.toFixed(2)} µs per entry call; ${hostUs.toFixed(2)} µs per entry call that makes one host call`,
      );
      expect(mips).toBeGreaterThan(10);
    });
  });
});
