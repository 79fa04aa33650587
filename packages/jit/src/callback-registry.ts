/**
 * The registry of native callbacks: callback address → the TypeScript
 * function koffi runs for it and its C signature.
 *
 * The problem. Host calls and runtime builtins are koffi callbacks: x86-64
 * trampolines in koffi's own code, whose addresses the runtime stores in the
 * vmctx. Native code calls them directly. Emulated AArch64 code loads the
 * same addresses and branches there (`blr`), but no AArch64 instruction lives
 * at an x86-64 trampoline — the emulator must recognize the address and call
 * the TypeScript function itself, passing the arguments the way the C
 * signature says (AAPCS64: integer and pointer arguments in x0–x7, the
 * result in x0).
 *
 * The approach. `registerHostCall` and `registerNativeCallback` record each
 * registration here, with the *wrapper* koffi runs (not the user's function):
 * the emulator then gets exactly the native semantics, including the
 * no-escape exception discipline — a throwing host function records its
 * pending exception on the registration and returns the error status, in
 * both executors alike.
 *
 * Invariant (callback-recorded): an address is in the registry exactly while
 * koffi's slot is registered — recorded right after `koffi.register`,
 * removed right before `koffi.unregister`.
 */

/**
 * How the emulator reads one argument or writes the result (AAPCS64 integer
 * class only); `unsupported` for a C type it cannot move (a `double`), which
 * makes a call from emulated code fail with a `JitError` instead of passing
 * garbage.
 */
export type CallbackScalar = 'i32' | 'u32' | 'i64' | 'u64' | 'pointer' | 'unsupported';

export interface CallbackSignature {
  readonly params: readonly CallbackScalar[];
  readonly result: CallbackScalar | 'void';
}

export interface RecordedCallback {
  readonly signature: CallbackSignature;
  /**
   * The function koffi runs for this address. The emulator passes 32-bit
   * integers as `number`s and 64-bit integers and pointers as `bigint`s
   * (koffi passes NULL as `null`; the recorded wrappers accept both).
   */
  readonly fn: (...args: (number | bigint)[]) => unknown;
}

const callbacks = new Map<bigint, RecordedCallback>();

/**
 * The koffi/C type names the registrations use, mapped to how the emulator
 * moves them. Never throws: it runs right after `koffi.register`, where a
 * throw would leak the slot.
 */
export function callbackScalar(cType: string): CallbackScalar | 'void' {
  switch (cType.replace(/\s+/g, ' ').trim()) {
    case 'void':
      return 'void';
    case 'int32_t':
    case 'int':
      return 'i32';
    case 'uint32_t':
    case 'unsigned int':
      return 'u32';
    case 'int64_t':
    case 'long':
      return 'i64';
    case 'uint64_t':
    case 'size_t':
      return 'u64';
    default:
      return cType.includes('*') ? 'pointer' : 'unsupported';
  }
}

/** Record a registration (callback-recorded). */
export function recordCallback(address: bigint, callback: RecordedCallback): void {
  callbacks.set(address, callback);
}

/** Forget a registration (callback-recorded). Idempotent. */
export function forgetCallback(address: bigint): void {
  callbacks.delete(address);
}

export function findCallback(address: bigint): RecordedCallback | undefined {
  return callbacks.get(address);
}
