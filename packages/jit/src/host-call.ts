/**
 * Generated code → TypeScript: the one host-call callback type, and the
 * exception discipline that makes it safe.
 *
 * Every wasm import, every runtime builtin that is written in TypeScript, is
 * reached through a single native function pointer with the C signature
 *
 * ```c
 * int64_t host_call(void *vmctx, uint32_t index, uint64_t *args_and_results, size_t count);
 * ```
 *
 * `index` says which host function (the runtime's import/builtin number); the
 * arguments are in `args_and_results[0..count)` and the host writes its
 * results over them, as in the entry direction. The return value is a status:
 * `HOST_CALL_OK` (0) for a normal return, anything else tells the generated
 * code to unwind (see the README's unwinding protocol).
 *
 * The pointer comes from `koffi.register(fn, koffi.pointer(proto))`: koffi
 * hands out one of its 8192 static trampolines, which stays valid until
 * `koffi.unregister`. Generated code reads it from the vmctx and calls it with
 * an ordinary System V call (16-byte aligned stack at the call). When that call
 * happens inside a koffi call (the usual case: JS → entry → wasm → host), koffi
 * switches back to the thread's stack to run the JS function, so re-entrant
 * calls (JS → wasm → JS → wasm → JS …) work, each inner native call getting
 * koffi stack below the frames of the outer one.
 *
 * What koffi does with a JS exception thrown from a callback (determined by
 * `test/koffi-exceptions.test.ts`, which fails if a koffi upgrade changes it):
 * the native caller gets 0 as the return value and keeps running; every later
 * callback during the same native call is skipped — its JS function does not
 * run, and native code receives an unspecified value (0, or a stale result of
 * an earlier callback); the exception is thrown to the JS caller of that
 * native call only once it returns. A callback whose return value koffi cannot
 * convert (a string for an `int64_t`) behaves the same, except that even the
 * failing call may hand native code a stale value. Native code can neither see
 * nor survive any of this, so `registerHostCall` never lets an exception reach
 * koffi:
 *
 * Invariant (no-escape): the JS function koffi runs is a wrapper that catches
 * everything the host function throws — and any result that is not an integer
 * `number`/`bigint` — records it as the registration's pending exception, and
 * returns `exceptionStatus` instead. Generated code that sees a non-zero status
 * unwinds to its entry trampoline, whose caller takes the pending exception and
 * re-throws it. The first exception wins until it is taken: a later one (code
 * that ignored the status and called again) would only hide the cause.
 *
 * Registered callbacks are never unregistered by a finalizer: a pointer to a
 * freed slot that koffi later reuses for another function would silently call
 * the wrong code, which is worse than leaking one of the 8192 slots.
 */
import koffi from 'koffi';
import { type CallbackSignature, forgetCallback, recordCallback } from './callback-registry.js';
import { JitError, hex } from './error.js';

/** The C signature of the host-call callback (documentation and error messages). */
export const HOST_CALL_SIGNATURE =
  'int64_t host_call(void *vmctx, uint32_t index, uint64_t *args_and_results, size_t count)';

/** Status a host call returns when it completed normally. */
export const HOST_CALL_OK = 0n;

/** Default status returned when the host function threw (override with `exceptionStatus`). */
export const HOST_CALL_EXCEPTION = -1n;

/**
 * A host function as the registration sees it: pointers arrive as `bigint`
 * (0n for NULL), `index` and `count` as numbers. Return the status (normally
 * `HOST_CALL_OK`); write results through `valuesAndResults`.
 */
export type HostCallFunction = (vmctx: bigint, index: number, valuesAndResults: bigint, count: number) => bigint | number;

export interface HostCallOptions {
  /** Status returned to native code when the host function throws. Default `HOST_CALL_EXCEPTION`. */
  readonly exceptionStatus?: bigint;
}

/** An exception caught at the native boundary, waiting to be re-thrown by the entry's caller. */
export interface PendingException {
  readonly error: unknown;
}

type TypeObject = ReturnType<typeof koffi.proto>;
type RawHostCall = (vmctx: bigint | null, index: number, values: bigint | null, count: number | bigint) => bigint;

let hostCallPointerType: TypeObject | undefined;

/** `HOST_CALL_SIGNATURE` as the emulated executor moves it through x0–x3. */
const HOST_CALL_EMULATED_SIGNATURE: CallbackSignature = { params: ['pointer', 'u32', 'pointer', 'u64'], result: 'i64' };

/** `host_call *`, anonymous for the same reason as `arrayCallPrototype`. */
function hostCallPointer(): TypeObject {
  hostCallPointerType ??= koffi.pointer(
    koffi.proto(null, 'int64_t', ['void *', 'uint32_t', 'uint64_t *', 'size_t']),
  );
  return hostCallPointerType;
}

export class HostCallRegistration {
  /** The native function pointer to store where generated code will call it. */
  readonly address: bigint;
  readonly exceptionStatus: bigint;
  #pending: PendingException | undefined;
  #registered = true;

  private constructor(fn: HostCallFunction, exceptionStatus: bigint) {
    this.exceptionStatus = exceptionStatus;
    const wrapper: RawHostCall = (vmctx, index, values, count) => {
      // Invariant (no-escape): nothing thrown below leaves this function.
      try {
        const status = fn(vmctx ?? 0n, index, values ?? 0n, Number(count));
        if (typeof status === 'bigint') return BigInt.asIntN(64, status);
        if (Number.isSafeInteger(status)) return BigInt(status);
        throw new JitError(
          'invalid-argument',
          `host function ${index} returned ${typeof status === 'number' ? status : typeof status}, not an integer status`,
        );
      } catch (error) {
        this.#pending ??= { error };
        return exceptionStatus;
      }
    };
    try {
      this.address = koffi.register(wrapper, hostCallPointer());
    } catch (cause) {
      throw new JitError('koffi-failed', `koffi.register failed for the host-call callback: ${String(cause)}`, { cause });
    }
    // Invariant (callback-recorded, callback-registry.ts): the emulated executor runs the same wrapper.
    recordCallback(this.address, { signature: HOST_CALL_EMULATED_SIGNATURE, fn: wrapper as (...args: (number | bigint)[]) => unknown });
  }

  /** Register `fn`; same as `registerHostCall`. */
  static register(fn: HostCallFunction, options: HostCallOptions = {}): HostCallRegistration {
    return new HostCallRegistration(fn, options.exceptionStatus ?? HOST_CALL_EXCEPTION);
  }

  /** Whether an exception is waiting to be taken. */
  get hasPendingException(): boolean {
    return this.#pending !== undefined;
  }

  /** Take (and clear) the pending exception, if any. */
  takePendingException(): PendingException | undefined {
    const pending = this.#pending;
    this.#pending = undefined;
    return pending;
  }

  /** If an exception is pending, clear it and throw it. */
  rethrowPendingException(): void {
    const pending = this.takePendingException();
    if (pending !== undefined) throw pending.error;
  }

  get registered(): boolean {
    return this.#registered;
  }

  /**
   * Release koffi's slot. Idempotent. The caller guarantees no native code will
   * call `address` again (koffi may hand the slot to another function).
   */
  unregister(): void {
    if (!this.#registered) return;
    this.#registered = false;
    forgetCallback(this.address);
    try {
      koffi.unregister(this.address);
    } catch (cause) {
      throw new JitError('koffi-failed', `koffi.unregister(${hex(this.address)}) failed: ${String(cause)}`, { cause });
    }
  }
}

/**
 * Register `fn` as a native `host_call` function pointer. See the module
 * comment for the exception discipline.
 */
export function registerHostCall(fn: HostCallFunction, options: HostCallOptions = {}): HostCallRegistration {
  return HostCallRegistration.register(fn, options);
}
