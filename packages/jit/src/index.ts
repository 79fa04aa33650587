/**
 * @derrick/jit — public API: native memory, executable code memory, and the
 * two calling conventions between TypeScript and generated code. See the
 * README for the conventions and the unwinding protocol.
 */
export { JitError, type JitErrorDetails, type JitErrorKind } from './error.js';
export { NativeRegion, type Protection } from './native-region.js';
export { pageSize } from './libc.js';
export { CodeMemory, type CodeRelocation, type PublishOptions, applyCodeRelocations } from './code-memory.js';
export { ARRAY_CALL_SIGNATURE, ArrayCallEntry, type CodeOwner, callArrayEntry } from './array-call.js';
export {
  HOST_CALL_EXCEPTION,
  HOST_CALL_OK,
  HOST_CALL_SIGNATURE,
  type HostCallFunction,
  type HostCallOptions,
  HostCallRegistration,
  type PendingException,
  registerHostCall,
} from './host-call.js';
export { MAX_NATIVE_STACK_SIZE, nativeStackSize, setNativeStackSize } from './native-stack.js';
export {
  type LoadUnicornOptions,
  UNICORN_DEBIAN_PACKAGE,
  UNICORN_SONAME,
  type UnicornLibrary,
  loadUnicorn,
} from './unicorn.js';
export { type CpuidResult, type HostX64Features, cpuid, decodeX64Features, hostCpuVendor, hostX64Features } from './host-features.js';
export { MemoryReservation } from './memory-reservation.js';
export { nativeView } from './native-view.js';
export {
  type NativeCallbackFunction,
  type NativeCallbackOptions,
  NativeCallbackRegistration,
  type NativeCallbackSignature,
  type NativeScalarType,
  registerNativeCallback,
} from './native-callback.js';
export { nativeStackBounds, nativeStackPointer, type StackBounds } from './stack-pointer.js';
export {
  Aarch64Emulator,
  DEFAULT_EMULATED_STACK_SIZE,
  EmulatedArrayCallEntry,
  type EmulatedArrayCallEntryOptions,
  type EmulatedCpu,
  type EmulatorOptions,
  type EmulatorStats,
  RETURN_SENTINEL,
} from './emulator.js';
