/**
 * Host → generated code: calling an "array call" entry trampoline from
 * TypeScript.
 *
 * The runtime enters wasm through one entry trampoline per signature, all with
 * the same C signature (System V AMD64 on x86-64):
 *
 * ```c
 * int64_t entry(void *vmctx, void *callee, uint64_t *args_and_results, size_t count);
 * ```
 *
 * The trampoline loads the arguments from `args_and_results[0..]`, calls
 * `callee` with the native wasm convention, stores the results back over the
 * same array, and returns a status (0 for a normal return, non-zero for a trap
 * or an exception raised by a host function — see the README's unwinding
 * protocol). Because every entry has this one C type, TypeScript needs one
 * koffi prototype, not one per wasm signature.
 *
 * koffi calls a raw code pointer in two ways: `koffi.call(ptr, proto, ...args)`
 * for a one-off call, and `koffi.decode(ptr, proto)`, which builds a JS function
 * bound to the pointer. Measured on this machine (1e6 calls of a five-
 * instruction entry): `decode`d function ≈ 60 ns per call, `koffi.call` ≈
 * 355 ns. `ArrayCallEntry` decodes once and keeps the function.
 *
 * Where the code runs: koffi executes every synchronous native call on its own
 * preallocated stack (`sync_stack_size`, 2 MiB by default, guard page below),
 * not on the thread's stack, and switches back to the thread's stack to run a
 * JS callback. Generated code therefore gets that stack, minus whatever outer
 * frames a re-entrant call has below it; `setNativeStackSize` resizes it (only
 * before koffi loads its first library).
 *
 * Invariants:
 *
 * * (values-are-native) `args_and_results` is a native address (a `bigint`,
 *   typically inside a `NativeRegion`), never a JS typed array. koffi would
 *   accept a typed array, but it copies it in before the call and out after
 *   it, so code re-entered through a host callback would see a stale copy,
 *   and a callback could not write results that survive the outer copy-out.
 * * (entry-keeps-code) an `ArrayCallEntry` made by `CodeMemory` holds its
 *   `CodeMemory`, so the code cannot be unmapped by the finalizer while the
 *   entry is reachable; a call after an explicit `dispose()` throws instead of
 *   jumping into unmapped memory.
 */
import koffi from 'koffi';
import { JitError, hex } from './error.js';

/** The C signature of every entry trampoline (documentation and error messages). */
export const ARRAY_CALL_SIGNATURE =
  'int64_t entry(void *vmctx, void *callee, uint64_t *args_and_results, size_t count)';

type TypeObject = ReturnType<typeof koffi.proto>;
type RawArrayCall = (vmctx: bigint, callee: bigint, values: bigint, count: number) => number | bigint;

let arrayCallType: TypeObject | undefined;

/**
 * The koffi prototype, anonymous: a named `koffi.proto` registers its name
 * process-wide, and a second evaluation of this module (a test runner
 * re-importing it) would then fail on the duplicate name.
 */
export function arrayCallPrototype(): TypeObject {
  arrayCallType ??= koffi.proto(null, 'int64_t', ['void *', 'void *', 'uint64_t *', 'size_t']);
  return arrayCallType;
}

/** Whatever keeps an entry's code mapped; `CodeMemory` is one. */
export interface CodeOwner {
  readonly disposed: boolean;
}

/** A callable array-call entry trampoline at a fixed address. */
export class ArrayCallEntry {
  /** Address of the trampoline's first instruction. */
  readonly address: bigint;
  readonly #call: RawArrayCall;
  /** Held for (entry-keeps-code); checked before each call. */
  readonly #owner: CodeOwner | undefined;

  constructor(address: bigint, owner?: CodeOwner) {
    if (typeof address !== 'bigint' || address <= 0n) {
      throw new JitError('invalid-argument', `ArrayCallEntry: not a code address: ${String(address)}`);
    }
    this.address = address;
    this.#owner = owner;
    this.#call = koffi.decode(address, arrayCallPrototype()) as RawArrayCall;
  }

  /**
   * Call the trampoline: `entry(vmctx, callee, valuesAndResults, count)`.
   * Returns the int64 status as a `bigint` (koffi returns small values as
   * numbers; this normalizes).
   */
  call(vmctx: bigint, callee: bigint, valuesAndResults: bigint, count: number): bigint {
    if (this.#owner?.disposed === true) {
      throw new JitError('disposed', `ArrayCallEntry at ${hex(this.address)}: its code memory was disposed`);
    }
    const status = this.#call(vmctx, callee, valuesAndResults, count);
    return typeof status === 'bigint' ? status : BigInt(status);
  }
}

/**
 * One-off call of the array-call trampoline at `entry` through `koffi.call`,
 * with no liveness check: the caller vouches that `entry` is mapped code.
 * Prefer an `ArrayCallEntry` for anything called more than once.
 */
export function callArrayEntry(entry: bigint, vmctx: bigint, callee: bigint, valuesAndResults: bigint, count: number): bigint {
  const status = koffi.call(entry, arrayCallPrototype(), vmctx, callee, valuesAndResults, count) as number | bigint;
  return typeof status === 'bigint' ? status : BigInt(status);
}
