/**
 * What koffi 3 does when a JS callback throws — raw koffi, without
 * `registerHostCall`'s wrapper. This is the evidence for the host-call
 * exception discipline (README, "JS exceptions and koffi callbacks"); if a
 * koffi upgrade changes the behaviour, this file says so first.
 *
 * Setup: `CALL_HOST_TWICE` calls callback A (`vmctx[0]`, index 1) then callback
 * B (`vmctx[1]`, index 2), storing their results in values[0] and values[1],
 * and returns 77.
 */
import koffi from 'koffi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ArrayCallEntry, CodeMemory, NativeRegion } from '../src/index.js';
import { CALL_HOST_TWICE } from './x64-snippets.js';

const hostCallPointer = koffi.pointer(koffi.proto(null, 'int64_t', ['void *', 'uint32_t', 'uint64_t *', 'size_t']));

let code: CodeMemory;
let vmctx: NativeRegion;
let values: NativeRegion;
let entry: ArrayCallEntry;
let slots: BigInt64Array;
const registered: bigint[] = [];

beforeAll(() => {
  code = CodeMemory.publish(CALL_HOST_TWICE.bytes);
  vmctx = NativeRegion.allocate(16);
  values = NativeRegion.allocate(16);
  entry = code.arrayCallEntry(0);
  slots = new BigInt64Array(values.buffer, 0, 2);
});

afterAll(() => {
  for (const p of registered) koffi.unregister(p);
  values.dispose();
  vmctx.dispose();
  code.dispose();
});

beforeEach(() => {
  slots[0] = -5n;
  slots[1] = -5n;
});

function install(a: (index: number) => unknown, b: (index: number) => unknown): void {
  const ctx = new BigUint64Array(vmctx.buffer, 0, 2);
  for (const [i, fn] of [a, b].entries()) {
    const p = koffi.register((_v: bigint, index: number) => fn(index), hostCallPointer);
    registered.push(p);
    ctx[i] = p;
  }
}

describe('koffi 3.3: a JS exception thrown from a callback', () => {
  it('is not seen by native code (it gets 0 and runs on), and reaches the JS caller after the native call returns', () => {
    const calls: number[] = [];
    const boom = new Error('boom');
    install(
      (i) => {
        calls.push(i);
        throw boom;
      },
      (i) => {
        calls.push(i);
        return 5n;
      },
    );
    expect(() => entry.call(vmctx.address, 0n, values.address, 2)).toThrow(boom);
    // Native code ran to the end: both stores happened, A's result being 0.
    expect(slots[0]).toBe(0n);
    expect(slots[1]).not.toBe(-5n);
    // ...but callback B never ran: once an exception is pending, koffi skips every
    // later callback of that native call, and native code gets a value B never
    // returned (0 here; see the next-but-one test for a stale one).
    expect(calls).toEqual([1]);
    expect(slots[1]).not.toBe(5n);
  });

  it('leaves nothing behind: the next native call runs both callbacks', () => {
    const calls: number[] = [];
    install(
      (i) => {
        calls.push(i);
        return 10n;
      },
      (i) => {
        calls.push(i);
        return 20n;
      },
    );
    expect(entry.call(vmctx.address, 0n, values.address, 2)).toBe(77n);
    expect(calls).toEqual([1, 2]);
    expect([slots[0], slots[1]]).toEqual([10n, 20n]);
  });

  it('an unconvertible return value is a TypeError at the JS caller, and B is skipped likewise', () => {
    const calls: number[] = [];
    install(
      (i) => {
        calls.push(i);
        return 'not a number';
      },
      (i) => {
        calls.push(i);
        return 5n;
      },
    );
    expect(() => entry.call(vmctx.address, 0n, values.address, 2)).toThrow(/Unexpected String value, expected number/);
    expect(calls).toEqual([1]);
    // Native code still ran to the end. What it received for A and for the skipped
    // B is unspecified: observed here is B's result from the *previous* test (20),
    // a stale register value, not 0 and not what B would have returned.
    expect(slots[0]).not.toBe(-5n);
    expect(slots[1]).not.toBe(-5n);
    expect(slots[1]).not.toBe(5n);
  });

  it('thrown non-Error values propagate as they are', () => {
    install(
      () => {
        throw 42;
      },
      () => 0n,
    );
    let caught: unknown;
    try {
      entry.call(vmctx.address, 0n, values.address, 2);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(42);
  });
});
