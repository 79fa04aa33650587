/**
 * `JitError`: the one error type of `@derrick/jit`.
 *
 * Everything this package does ends in the operating system or in koffi: a
 * shared library that is or is not installed, a system call that fails with an
 * `errno`, a koffi callback slot that cannot be had. A caller wants to tell
 * those apart ("install this package" is a different message from "the
 * machine is out of memory"), so every failure is a `JitError` with a `kind`
 * to switch on, a message that names the operation and its arguments, and,
 * where the OS reported one, the `errno` and its symbolic name.
 *
 * Invariant (typed-failure): every failure this package detects surfaces as a
 * `JitError` — a failing `mmap`/`mprotect`/`munmap`, a missing library, a use
 * after `dispose()`, an argument out of bounds. What it cannot detect (native
 * code that faults, a view used after its memory was unmapped) kills the
 * process; the README lists those hazards.
 */

/** What went wrong, coarsely enough to decide what to tell the user. */
export type JitErrorKind =
  /** A shared library (`libc.so.6`, `libunicorn.so.2`) could not be loaded; `debianPackage` names the fix. */
  | 'library-missing'
  /** A libc call failed; `syscall` names it and `errno`/`errnoName` say why. */
  | 'syscall-failed'
  /** The host is not one this package runs native code on (not Linux, not 64-bit). */
  | 'unsupported-host'
  /** koffi refused to register a callback (its 8192 registered slots are exhausted) or to configure itself. */
  | 'koffi-failed'
  /** A region, a code memory or a callback registration was used after `dispose()`/`unregister()`. */
  | 'disposed'
  /** An argument the caller controls is out of range: an offset past the end, a size that is not an integer… */
  | 'invalid-argument'
  /** Emulated code (libunicorn) stopped on an error: an undefined instruction, an access outside every live region; `pc` says where. */
  | 'emulation-failed';

/** Extra facts a `JitError` may carry; each is present only for the kinds that have it. */
export interface JitErrorDetails {
  /** The libc function that failed (`mmap`, `mprotect`, `munmap`, `sysconf`). */
  readonly syscall?: string;
  /** `errno` right after the failing call. */
  readonly errno?: number;
  /** Symbolic name of `errno` (`ENOMEM`), when koffi knows it. */
  readonly errnoName?: string;
  /** The shared-object name that failed to load (`libunicorn.so.2`). */
  readonly library?: string;
  /** The Debian package that provides `library` (`libunicorn2`). */
  readonly debianPackage?: string;
  /** The underlying exception (koffi's own error, usually). */
  readonly cause?: unknown;
  /** `emulation-failed`: the guest program counter where emulation stopped. */
  readonly pc?: bigint;
  /** `emulation-failed`: the guest address of the faulting memory access or branch target, when there is one. */
  readonly address?: bigint;
  /** A failing libunicorn call: its `uc_err` code and name (`UC_ERR_EXCEPTION`). */
  readonly unicornError?: { readonly code: number; readonly name: string };
}

export class JitError extends Error {
  override readonly name = 'JitError';
  readonly kind: JitErrorKind;
  readonly syscall: string | undefined;
  readonly errno: number | undefined;
  readonly errnoName: string | undefined;
  readonly library: string | undefined;
  readonly debianPackage: string | undefined;
  readonly pc: bigint | undefined;
  readonly address: bigint | undefined;
  readonly unicornError: { readonly code: number; readonly name: string } | undefined;

  constructor(kind: JitErrorKind, message: string, details: JitErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.syscall = details.syscall;
    this.errno = details.errno;
    this.errnoName = details.errnoName;
    this.library = details.library;
    this.debianPackage = details.debianPackage;
    this.pc = details.pc;
    this.address = details.address;
    this.unicornError = details.unicornError;
  }
}

/** `0x7f12a000`-style rendering of an address or offset, as every message of this package prints them. */
export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}
