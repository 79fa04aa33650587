/**
 * The stack generated code runs on, and how big it is.
 *
 * koffi runs every synchronous native call on a stack of its own, allocated
 * once (`sync_stack_size`, 2 MiB by default, with a guard page below it), and
 * switches back to the thread's stack only to run a JS callback. Everything
 * the JIT calls — entry trampolines, the wasm code behind them, and the inner
 * entries of re-entrant calls — therefore shares that one koffi stack: the
 * wasm stack limit must be derived from it (the entry trampoline's `rsp`
 * minus a budget), not from the thread's stack, and a deep wasm recursion that
 * exceeds it hits koffi's guard page (a crash, not a trap) unless the limit
 * check catches it first.
 *
 * koffi only accepts a new size before it loads its first shared library
 * (which this package does on first use of native memory): after that,
 * `koffi.config` throws "Cannot change Koffi configuration once a library has
 * been loaded". `setNativeStackSize` must therefore run at startup, before
 * anything touches `NativeRegion`, `CodeMemory` or `loadUnicorn` — or any other
 * koffi user in the process loads a library.
 */
import koffi from 'koffi';
import { JitError } from './error.js';

/** koffi's documented maximum for `sync_stack_size`. */
export const MAX_NATIVE_STACK_SIZE = 16 * 1024 * 1024;

/** Size in bytes of the stack synchronous native calls (and so all generated code) run on. */
export function nativeStackSize(): number {
  const size = koffi.config().sync_stack_size;
  if (size === undefined) throw new JitError('koffi-failed', 'koffi.config() did not report sync_stack_size');
  return size;
}

/**
 * Set the size of koffi's synchronous-call stack. Throws a `JitError` of kind
 * `koffi-failed` once koffi has loaded a library (see the module comment).
 */
export function setNativeStackSize(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 64 * 1024 || bytes > MAX_NATIVE_STACK_SIZE) {
    throw new JitError('invalid-argument', `native stack size must be an integer in [64 KiB, 16 MiB], got ${bytes}`);
  }
  try {
    koffi.config({ ...koffi.config(), sync_stack_size: bytes });
  } catch (cause) {
    throw new JitError(
      'koffi-failed',
      `cannot resize koffi's native call stack to ${bytes} bytes: ${cause instanceof Error ? cause.message : String(cause)} ` +
        '(call setNativeStackSize before the first native-memory or library use)',
      { cause },
    );
  }
}
