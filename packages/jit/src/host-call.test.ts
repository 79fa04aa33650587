import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { CALL_HOST_PLUS_ONE } from '../test/x64-snippets.js';
import { CodeMemory } from './code-memory.js';
import { JitError } from './error.js';
import { HOST_CALL_EXCEPTION, type HostCallFunction, registerHostCall } from './host-call.js';
import { NativeRegion } from './native-region.js';

/** vmctx[0] = host_call pointer; CALL_HOST_PLUS_ONE returns host_call(vmctx, 7, values, count) + 1. */
function withHostCall(fn: HostCallFunction, body: (call: (count: number) => bigint, vmctx: NativeRegion) => void): void {
  const registration = registerHostCall(fn);
  const code = CodeMemory.publish(CALL_HOST_PLUS_ONE.bytes);
  const vmctx = NativeRegion.allocate(64);
  try {
    new BigUint64Array(vmctx.buffer)[0] = registration.address;
    const entry = code.arrayCallEntry(0);
    body((count) => entry.call(vmctx.address, 0n, vmctx.addressAt(32), count), vmctx);
  } finally {
    vmctx.dispose();
    code.dispose();
    registration.unregister();
  }
}

describe('host calls', () => {
  it('generated code loads the callback pointer from the vmctx, calls it, and adds 1', () => {
    const seen: unknown[] = [];
    let vmctxAddress = 0n;
    withHostCall(
      (vmctx, index, values, count) => {
        seen.push([vmctx, index, values, count]);
        return 41n;
      },
      (call, vmctx) => {
        vmctxAddress = vmctx.address;
        expect(call(3)).toBe(42n);
      },
    );
    expect(seen).toEqual([[vmctxAddress, 7, vmctxAddress + 32n, 3]]);
  });

  it('the host reads arguments and writes results through the native values array', () => {
    withHostCall(
      (_vmctx, _index, values, count) => {
        const slots = new BigInt64Array(koffi.view(values, 8 * count));
        slots[0] = slots[0]! * slots[1]!;
        return 0;
      },
      (call, vmctx) => {
        const slots = new BigInt64Array(vmctx.buffer, 32, 2);
        slots[0] = -6n;
        slots[1] = 7n;
        expect(call(2)).toBe(1n); // status 0, plus one
        expect(slots[0]).toBe(-42n);
      },
    );
  });

  it('accepts number results and normalizes them to int64', () => {
    withHostCall(
      () => 9,
      (call) => expect(call(0)).toBe(10n),
    );
    withHostCall(
      () => 2n ** 64n - 1n, // wraps to -1
      (call) => expect(call(0)).toBe(0n),
    );
  });

  it('an exception never reaches koffi: it becomes the exception status and waits to be taken', () => {
    const boom = new Error('boom');
    const registration = registerHostCall(() => {
      throw boom;
    });
    const code = CodeMemory.publish(CALL_HOST_PLUS_ONE.bytes);
    const vmctx = NativeRegion.allocate(64);
    try {
      new BigUint64Array(vmctx.buffer)[0] = registration.address;
      const entry = code.arrayCallEntry(0);
      // The native code saw the exception status (-1) and added one; no JS exception escaped.
      expect(entry.call(vmctx.address, 0n, 0n, 0)).toBe(HOST_CALL_EXCEPTION + 1n);
      expect(registration.hasPendingException).toBe(true);
      // A second exception before the first is taken does not replace it.
      expect(entry.call(vmctx.address, 0n, 0n, 0)).toBe(HOST_CALL_EXCEPTION + 1n);
      expect(registration.takePendingException()).toEqual({ error: boom });
      expect(registration.takePendingException()).toBeUndefined();
      entry.call(vmctx.address, 0n, 0n, 0);
      expect(() => registration.rethrowPendingException()).toThrow(boom);
      expect(() => registration.rethrowPendingException()).not.toThrow();
    } finally {
      vmctx.dispose();
      code.dispose();
      registration.unregister();
    }
  });

  it('a result that is not an integer is caught the same way, as a JitError', () => {
    for (const bad of [undefined, 1.5, 'str', Number.NaN]) {
      const registration = registerHostCall(() => bad as unknown as number, { exceptionStatus: 77n });
      const code = CodeMemory.publish(CALL_HOST_PLUS_ONE.bytes);
      const vmctx = NativeRegion.allocate(64);
      new BigUint64Array(vmctx.buffer)[0] = registration.address;
      expect(code.arrayCallEntry(0).call(vmctx.address, 0n, 0n, 0)).toBe(78n);
      const pending = registration.takePendingException();
      expect(pending?.error).toBeInstanceOf(JitError);
      expect((pending?.error as JitError).message).toMatch(/host function 7 returned .*, not an integer status/);
      vmctx.dispose();
      code.dispose();
      registration.unregister();
    }
  });

  it('NULL pointers arrive as 0n', () => {
    let args: unknown[] = [];
    withHostCall(
      (...a) => {
        args = a;
        return 0;
      },
      (call) => call(0),
    );
    expect(args[2]).not.toBe(0n);
    const registration = registerHostCall((vmctx, _i, values) => {
      args = [vmctx, values];
      return 0;
    });
    const hostCall = koffi.decode(
      registration.address,
      koffi.proto(null, 'int64_t', ['void *', 'uint32_t', 'uint64_t *', 'size_t']),
    ) as (...a: unknown[]) => unknown;
    hostCall(null, 1, null, 0);
    expect(args).toEqual([0n, 0n]);
    registration.unregister();
  });

  it('unregister releases the koffi slot and is idempotent', () => {
    const before = koffi.stats().callbacks;
    const registration = registerHostCall(() => 0);
    expect(typeof registration.address).toBe('bigint');
    expect(koffi.stats().callbacks).toBe(before + 1);
    registration.unregister();
    registration.unregister();
    expect(registration.registered).toBe(false);
    expect(koffi.stats().callbacks).toBe(before);
  });
});
