/**
 * Native callbacks of any scalar C signature: what runtime builtins
 * (`memory.grow`, `table.copy`, …) are made of.
 *
 * `registerHostCall` covers the one signature wasm imports use. Builtins have
 * signatures of their own (`int64_t memory_grow(void *vmctx, uint32_t mem,
 * int64_t delta)`, …) fixed by the compiler's builtin table, and generated
 * code calls them like C functions. `registerNativeCallback` registers a
 * TypeScript function under such a signature and applies the same
 * exception discipline as `registerHostCall`:
 *
 * Invariant (no-escape): koffi runs a wrapper that catches everything the
 * function throws — and any result that is not an integer — records it as
 * the registration's pending exception (the first one wins until taken), and
 * returns `errorResult` to native code. A JS exception must never reach koffi
 * (see the README: koffi would hand native code 0 and skip every later
 * callback of the same native call).
 *
 * Arguments are normalized: 64-bit integers and pointers arrive as `bigint`
 * (NULL as `0n`; unsigned types as their unsigned value), 32-bit integers as
 * `number` (unsigned types as their unsigned value).
 *
 * As with host calls, registrations are never released by a finalizer (a
 * freed koffi slot that native code still calls would run the wrong code);
 * `unregister()` is explicit.
 */
import koffi from 'koffi';
import { callbackScalar, forgetCallback, recordCallback } from './callback-registry.js';
import { JitError, hex } from './error.js';
import type { PendingException } from './host-call.js';

/** The scalar C types a callback may take or return. */
export type NativeScalarType = 'int32_t' | 'uint32_t' | 'int64_t' | 'uint64_t' | 'void *';

export interface NativeCallbackSignature {
  readonly result: Exclude<NativeScalarType, 'void *'>;
  readonly params: readonly NativeScalarType[];
}

export interface NativeCallbackOptions {
  /** What native code receives when the function throws or returns a non-integer. */
  readonly errorResult: number | bigint;
}

type NativeArgument = number | bigint;
export type NativeCallbackFunction = (...args: NativeArgument[]) => number | bigint;

const pointerTypes = new Map<string, ReturnType<typeof koffi.pointer>>();

/** `result (*)(params)`, anonymous (a named prototype is process-wide and clashes on re-evaluation). */
function pointerType(signature: NativeCallbackSignature): ReturnType<typeof koffi.pointer> {
  const key = `${signature.result}(${signature.params.join(',')})`;
  let type = pointerTypes.get(key);
  if (type === undefined) {
    type = koffi.pointer(koffi.proto(null, signature.result, [...signature.params]));
    pointerTypes.set(key, type);
  }
  return type;
}

function normalize(type: NativeScalarType, value: unknown): NativeArgument {
  switch (type) {
    case 'void *':
      return value === null || value === undefined ? 0n : BigInt.asUintN(64, BigInt(value as bigint));
    case 'uint64_t':
      return BigInt.asUintN(64, BigInt(value as bigint));
    case 'int64_t':
      return BigInt.asIntN(64, BigInt(value as bigint));
    case 'uint32_t':
      return Number(value) >>> 0;
    case 'int32_t':
      return Number(value) | 0;
  }
}

function checkResult(type: NativeCallbackSignature['result'], value: unknown): number | bigint {
  if (typeof value === 'bigint') {
    return type === 'int32_t' || type === 'uint32_t' ? Number(BigInt.asIntN(32, value)) : BigInt.asIntN(64, value);
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return type === 'int32_t' || type === 'uint32_t' ? value | 0 : BigInt(value);
  }
  throw new JitError('invalid-argument', `native callback returned ${typeof value === 'number' ? value : typeof value}, not an integer`);
}

export class NativeCallbackRegistration {
  /** The native function pointer. */
  readonly address: bigint;
  readonly signature: NativeCallbackSignature;
  #pending: PendingException | undefined;
  #registered = true;

  private constructor(signature: NativeCallbackSignature, fn: NativeCallbackFunction, options: NativeCallbackOptions) {
    this.signature = signature;
    const errorResult = checkResult(signature.result, options.errorResult);
    const params = signature.params;
    const wrapper = (...raw: unknown[]): number | bigint => {
      // Invariant (no-escape): nothing thrown below leaves this function.
      try {
        const args = new Array<NativeArgument>(params.length);
        for (let i = 0; i < params.length; i++) args[i] = normalize(params[i]!, raw[i]);
        return checkResult(signature.result, fn(...args));
      } catch (error) {
        this.#pending ??= { error };
        return errorResult;
      }
    };
    try {
      this.address = koffi.register(wrapper, pointerType(signature));
    } catch (cause) {
      throw new JitError('koffi-failed', `koffi.register failed for a native callback: ${String(cause)}`, { cause });
    }
    // Invariant (callback-recorded, callback-registry.ts): the emulated executor runs the same wrapper.
    recordCallback(this.address, {
      signature: {
        params: params.map((type) => {
          const scalar = callbackScalar(type);
          return scalar === 'void' ? 'unsupported' : scalar;
        }),
        result: callbackScalar(signature.result),
      },
      fn: wrapper,
    });
  }

  static register(signature: NativeCallbackSignature, fn: NativeCallbackFunction, options: NativeCallbackOptions): NativeCallbackRegistration {
    return new NativeCallbackRegistration(signature, fn, options);
  }

  get hasPendingException(): boolean {
    return this.#pending !== undefined;
  }

  takePendingException(): PendingException | undefined {
    const pending = this.#pending;
    this.#pending = undefined;
    return pending;
  }

  rethrowPendingException(): void {
    const pending = this.takePendingException();
    if (pending !== undefined) throw pending.error;
  }

  get registered(): boolean {
    return this.#registered;
  }

  /** Release koffi's slot. Idempotent. The caller guarantees native code will not call `address` again. */
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

/** Register `fn` as a native function pointer of the given signature (see the module comment). */
export function registerNativeCallback(
  signature: NativeCallbackSignature,
  fn: NativeCallbackFunction,
  options: NativeCallbackOptions,
): NativeCallbackRegistration {
  return NativeCallbackRegistration.register(signature, fn, options);
}
