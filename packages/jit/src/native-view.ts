/**
 * `nativeView`: an `ArrayBuffer` over native memory this package did not
 * allocate — the value array a wasm-to-host trampoline builds on the native
 * stack, a record whose address arrives as a callback argument.
 *
 * The runtime receives such addresses as `bigint`s in host calls and
 * builtins, and must read and write the bytes behind them without a copy (a
 * copy-in/copy-out would lose writes made by re-entrant code, see
 * `array-call.ts`, values-are-native). `koffi.view(pointer, length)` builds
 * an external `ArrayBuffer` over the bytes; nothing is copied and nothing is
 * owned.
 *
 * Hazard (cannot be detected): the view does not keep the memory alive. It is
 * valid only while the caller knows the bytes are mapped — for a value array
 * on the native stack, only during the callback that received its address.
 * Do not keep it.
 */
import koffi from 'koffi';
import { JitError } from './error.js';

/** A zero-copy view of `length` bytes at `address`; see the module comment for its lifetime. */
export function nativeView(address: bigint, length: number): ArrayBuffer {
  if (typeof address !== 'bigint' || address <= 0n) {
    throw new JitError('invalid-argument', `nativeView: not a native address: ${String(address)}`);
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new JitError('invalid-argument', `nativeView: length must be a non-negative integer, got ${length}`);
  }
  return length === 0 ? new ArrayBuffer(0) : koffi.view(address, length);
}
