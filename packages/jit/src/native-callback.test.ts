import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { JitError } from './error.js';
import { registerNativeCallback } from './native-callback.js';
import { nativeView } from './native-view.js';
import { NativeRegion } from './native-region.js';

describe('registerNativeCallback', () => {
  it('passes normalized arguments and returns the result to native code', () => {
    const seen: unknown[] = [];
    const reg = registerNativeCallback(
      { result: 'int64_t', params: ['void *', 'uint32_t', 'int64_t', 'uint64_t', 'int32_t'] },
      (...args) => {
        seen.push(...args);
        return -1n;
      },
      { errorResult: -2n },
    );
    try {
      const call = koffi.decode(reg.address, koffi.proto(null, 'int64_t', ['void *', 'uint32_t', 'int64_t', 'uint64_t', 'int32_t']));
      expect(BigInt(call(0x1000n, 0xffffffff, -5n, 2n ** 63n, -3) as bigint)).toBe(-1n);
      expect(seen).toEqual([0x1000n, 0xffffffff, -5n, 2n ** 63n, -3]);
      seen.length = 0;
      call(null, 1, 1, 1, 1);
      expect(seen).toEqual([0n, 1, 1n, 1n, 1]);
      expect(reg.hasPendingException).toBe(false);
    } finally {
      reg.unregister();
    }
  });

  it('never lets an exception reach koffi: native code gets errorResult, the exception waits', () => {
    const boom = new Error('boom');
    let calls = 0;
    const reg = registerNativeCallback(
      { result: 'int32_t', params: ['uint32_t'] },
      (x) => {
        calls++;
        if (x === 1) throw boom;
        if (x === 2) return 'nope' as unknown as number;
        return 40 + (x as number);
      },
      { errorResult: 11 },
    );
    try {
      const call = koffi.decode(reg.address, koffi.proto(null, 'int32_t', ['uint32_t'])) as (x: number) => number;
      expect(call(1)).toBe(11);
      expect(call(2)).toBe(11);
      expect(call(3)).toBe(43); // later callbacks still run
      expect(calls).toBe(3);
      expect(reg.takePendingException()?.error).toBe(boom); // the first one wins
      expect(reg.hasPendingException).toBe(false);
      call(2);
      expect(() => reg.rethrowPendingException()).toThrow(JitError);
    } finally {
      reg.unregister();
      reg.unregister();
    }
  });
});

describe('nativeView', () => {
  it('aliases native memory without copying', () => {
    const region = NativeRegion.allocate(64);
    try {
      const view = new Uint8Array(nativeView(region.addressAt(8), 8));
      view[0] = 0x5a;
      expect(region.bytes[8]).toBe(0x5a);
      region.bytes[15] = 0x11;
      expect(view[7]).toBe(0x11);
      expect(nativeView(region.address, 0).byteLength).toBe(0);
      expect(() => nativeView(0n, 8)).toThrow(/not a native address/);
    } finally {
      region.dispose();
    }
  });
});
