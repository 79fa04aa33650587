/**
 * Re-entrant calls across the native boundary, with the `UNWIND` text's
 * `call_host`: JS → entry → wasm → host callback (JS) → entry → wasm → … Each
 * entry saves the previous `vmctx.entry_sp` and restores it on the way out, so
 * a trap unwinds to the innermost entry only, and a host exception travels out
 * one native boundary at a time as a status and a pending exception.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArrayCallEntry, CodeMemory, type HostCallRegistration, NativeRegion, registerHostCall } from '../src/index.js';
import { UNWIND, VMCTX } from './x64-snippets.js';

/** The status the host-call wrapper returns for an exception (TrapCode.HostException in environ). */
const HOST_EXCEPTION = 10n;

let code: CodeMemory;
let vmctx: NativeRegion;
let entry: ArrayCallEntry;
let work: bigint;
let callHost: bigint;
let ctx: BigUint64Array;
let host: HostCallRegistration;
/** What the host function does for a given index; replaced per test. */
let behaviour: (index: number) => bigint;

beforeAll(() => {
  code = CodeMemory.publish(UNWIND.bytes);
  vmctx = NativeRegion.allocate(VMCTX.size);
  entry = code.arrayCallEntry(UNWIND.labels.entry!);
  work = code.functionAddress(UNWIND.labels.work!);
  callHost = code.functionAddress(UNWIND.labels.call_host!);
  ctx = new BigUint64Array(vmctx.buffer, 0, VMCTX.size / 8);
  host = registerHostCall(
    (_vmctx, index) => {
      // The host's result goes to vmctx.host_values[0]; the return value is the status.
      ctx[VMCTX.hostValues / 8] = behaviour(index);
      return 0n;
    },
    { exceptionStatus: HOST_EXCEPTION },
  );
  ctx[VMCTX.hostCall / 8] = host.address;
});

afterAll(() => {
  host.unregister();
  vmctx.dispose();
  code.dispose();
});

/** Enter wasm: `callee(vmctx, a, b)` with a fresh values array; returns [status, values[0]]. */
function enter(callee: bigint, a: bigint, b: bigint): [bigint, bigint] {
  const values = NativeRegion.allocate(16);
  try {
    const slots = new BigUint64Array(values.buffer, 0, 2);
    slots[0] = a;
    slots[1] = b;
    const status = entry.call(vmctx.address, callee, values.address, 2);
    return [status, slots[0]!];
  } finally {
    values.dispose();
  }
}

/** What the runtime will do: enter, and on a non-zero status re-throw a pending host exception. */
function invoke(callee: bigint, a: bigint, b: bigint): bigint {
  const [status, result] = enter(callee, a, b);
  if (status !== 0n) {
    host.rethrowPendingException();
    throw new Error(`trap ${status}`);
  }
  return result;
}

describe('re-entrancy: JS → native → JS → native → JS', () => {
  it('nests 50 levels deep and unwinds the entry_sp chain back to 0', () => {
    const depths: number[] = [];
    behaviour = (index) => {
      depths.push(index);
      // call_host returns host_values[0] + 1, so each level adds one.
      return index === 0 ? 1000n : invoke(callHost, BigInt(index - 1), 0n);
    };
    expect(invoke(callHost, 49n, 0n)).toBe(1000n + 50n);
    expect(depths).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i));
    expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
  });

  it('a trap in an inner activation unwinds only to the inner entry; the outer one continues', () => {
    behaviour = () => {
      const [status] = enter(work, 8n, 5n); // traps with code 5, 8 frames deep
      expect(status).toBe(5n);
      const [ok, sum] = enter(work, 4n, 0n); // and the same vmctx works again right away
      expect(ok).toBe(0n);
      return sum * 100n;
    };
    expect(invoke(callHost, 0n, 0n)).toBe(1001n);
    // The outer entry can still trap, to its own frame.
    behaviour = () => 0n;
    const [status] = enter(work, 3n, 7n);
    expect(status).toBe(7n);
    expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
  });

  it('a JS exception deep inside travels out one boundary at a time and reaches the outer caller intact', () => {
    const original = new RangeError('thrown at the bottom');
    const unwound: number[] = [];
    behaviour = (index) => {
      if (index === 0) throw original;
      try {
        return invoke(callHost, BigInt(index - 1), 0n);
      } catch (e) {
        unwound.push(index);
        throw e; // the wrapper catches it again, returns the status, and wasm unwinds
      }
    };
    expect(() => invoke(callHost, 5n, 0n)).toThrow(original);
    expect(unwound).toEqual([1, 2, 3, 4, 5]);
    expect(host.hasPendingException).toBe(false);
    expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
    expect(Number(ctx[VMCTX.trapCode / 8]! & 0xffff_ffffn)).toBe(Number(HOST_EXCEPTION));
  });

  it('survives 2,000 rounds of nested calls, traps and exceptions', () => {
    for (let round = 0; round < 2000; round++) {
      const kind = round % 3;
      behaviour = (index) => {
        if (index > 0) return invoke(callHost, BigInt(index - 1), 0n);
        if (kind === 1) throw new Error(`round ${round}`);
        if (kind === 2) return enter(work, 3n, 2n)[0]; // inner trap, status 2 as the value
        return 0n;
      };
      const depth = BigInt(round % 4);
      if (kind === 1) {
        expect(() => invoke(callHost, depth, 0n)).toThrow(`round ${round}`);
      } else {
        expect(invoke(callHost, depth, 0n)).toBe((kind === 2 ? 2n : 0n) + depth + 1n);
      }
    }
    expect(ctx[VMCTX.entrySp / 8]).toBe(0n);
  });
});
