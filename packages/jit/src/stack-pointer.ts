/**
 * Where on the native stack generated code is about to run: the stack
 * pointer a native call sees, and the bounds of the stack it lives in.
 *
 * The runtime derives the wasm stack limit from these (`stack_limit = sp at
 * the outermost entry - max_wasm_stack`, clamped above the stack's low end):
 * generated code runs on koffi's synchronous-call stack (see
 * `native-stack.ts`), whose address JavaScript cannot otherwise know.
 *
 * `nativeStackPointer()` calls a two-instruction function (`mov rax, rsp;
 * ret` on x86-64, `mov x0, sp; ret` on AArch64) through koffi, exactly as an
 * entry trampoline is called, so the value is the stack pointer an entry
 * trampoline would see at this call depth (to within the few bytes koffi's
 * call sequence does not change between the two calls). `nativeStackBounds()`
 * finds the mapping that holds it in `/proc/self/maps`.
 */
import { readFileSync } from 'node:fs';
import koffi from 'koffi';
import { CodeMemory } from './code-memory.js';
import { JitError } from './error.js';

const READ_SP: Readonly<Record<string, readonly number[]>> = {
  // mov rax, rsp; ret
  x64: [0x48, 0x89, 0xe0, 0xc3],
  // mov x0, sp; ret
  arm64: [0xe0, 0x03, 0x00, 0x91, 0xc0, 0x03, 0x5f, 0xd6],
};

let readSp: (() => unknown) | undefined;
/** Kept reachable for as long as `readSp` may be called (the module's lifetime). */
let readSpCode: CodeMemory | undefined;

/** The stack pointer generated code would see if it were called now (a native call from here). */
export function nativeStackPointer(): bigint {
  if (readSp === undefined) {
    const bytes = READ_SP[process.arch];
    if (bytes === undefined) {
      throw new JitError('unsupported-host', `nativeStackPointer: no stack-pointer probe for ${process.arch}`);
    }
    readSpCode = CodeMemory.publish(Uint8Array.from(bytes));
    readSp = koffi.decode(readSpCode.address, koffi.proto(null, 'uint64_t', [])) as () => unknown;
  }
  return BigInt.asUintN(64, BigInt(readSp() as bigint));
}

export interface StackBounds {
  /** Lowest address of the mapping (inclusive). */
  readonly low: bigint;
  /** One past its highest address. */
  readonly high: bigint;
}

/**
 * The bounds of the memory mapping that holds the native stack generated code
 * runs on (koffi's synchronous-call stack), from `/proc/self/maps`. The stack
 * is allocated once, so the result is cached.
 */
let cachedBounds: StackBounds | undefined;
export function nativeStackBounds(): StackBounds {
  if (cachedBounds !== undefined) return cachedBounds;
  const sp = nativeStackPointer();
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch (cause) {
    throw new JitError('unsupported-host', `nativeStackBounds: cannot read /proc/self/maps: ${String(cause)}`, { cause });
  }
  for (const line of maps.split('\n')) {
    const range = line.split(' ', 1)[0];
    if (range === undefined || !range.includes('-')) continue;
    const [start, end] = range.split('-');
    const low = BigInt(`0x${start!}`);
    const high = BigInt(`0x${end!}`);
    if (low <= sp && sp < high) {
      cachedBounds = { low, high };
      return cachedBounds;
    }
  }
  throw new JitError('unsupported-host', `nativeStackBounds: no mapping in /proc/self/maps contains the stack pointer 0x${sp.toString(16)}`);
}
