/**
 * Scratch typed arrays for the per-function work of the mid-end and the
 * backend pipeline.
 *
 * Problem. Compiling one function allocates dozens of typed arrays sized by
 * its blocks, values and instructions: CFG and dominator tree, DCE marks,
 * the lowering's value maps, the VCode under construction, the MachBuffer's
 * tables. An array of more than 64 bytes lives outside V8's heap: `new
 * Int32Array(n)` costs a `calloc`, an `ArrayBuffer`, and a finalizer at the
 * next GC — 0.4–1 µs each against ~65 ns for a view over existing memory.
 * QuickJS (1,321 functions) made about 70,000 of them per compile.
 *
 * Approach. A bump allocator over one reusable `ArrayBuffer`, active only
 * inside `scratchScope(fn)`. `scratchI32(n)` and friends return a zeroed
 * view of the next `n` elements; when the chunk is full a bigger one
 * replaces it (views into the old one stay valid — they keep it alive).
 * When the outermost scope returns (or throws), the offset goes back to
 * zero and the next scope reuses the memory. Outside any scope the helpers
 * are plain `new`, so code used on its own (tests, tools) is unaffected.
 *
 * Invariant (ScratchDiesWithScope): an array from these helpers is never
 * read after the outermost scope that was active when it was allocated has
 * returned. Allocation sites therefore only hold per-function temporaries
 * (nothing stored on an IR `Function`, a `CompiledCode`, or an object that
 * outlives the call); anything that escapes is copied out (`slice`).
 * Scopes nest: an inner scope does not reset, only the outermost does.
 * Worker threads have their own module instance, hence their own arena.
 */

const MIN_CHUNK = 1 << 20;

let chunk = new ArrayBuffer(MIN_CHUNK);
let offset = 0;
let depth = 0;

/** Run `fn` with scratch allocation on; the arena is reset when the outermost scope ends. */
export function scratchScope<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    if (--depth === 0) offset = 0;
  }
}

/** `bytes` (a multiple of 8) from the arena: the byte offset in `chunk`. */
function take(bytes: number): number {
  if (offset + bytes > chunk.byteLength) {
    // Views into the old chunk stay valid; it is freed once they are gone.
    chunk = new ArrayBuffer(Math.max(MIN_CHUNK, 2 * chunk.byteLength, bytes));
    offset = 0;
  }
  const at = offset;
  offset += bytes;
  return at;
}

const roundUp8 = (n: number): number => (n + 7) & ~7;

/**
 * Where a zeroed array of `bytes` goes: its byte offset in `chunk`, or -1
 * for a plain allocation (outside a scope, or small enough for V8's heap).
 * (Each helper below constructs its own type: a shared generic `new C(...)`
 * was a polymorphic construct site on the hottest allocation path.)
 */
function place(bytes: number): number {
  return depth === 0 || bytes <= 64 ? -1 : take(roundUp8(bytes));
}

/** A zeroed `Int32Array` of `n` elements (scratch inside a scope). */
export function scratchI32(n: number): Int32Array<ArrayBuffer> {
  const at = place(n * 4); // (first: it may replace `chunk`)
  return at < 0 ? new Int32Array(n) : new Int32Array(chunk, at, n).fill(0);
}

/** A zeroed `Uint32Array` of `n` elements (scratch inside a scope). */
export function scratchU32(n: number): Uint32Array<ArrayBuffer> {
  const at = place(n * 4);
  return at < 0 ? new Uint32Array(n) : new Uint32Array(chunk, at, n).fill(0);
}

/** A zeroed `Uint8Array` of `n` elements (scratch inside a scope). */
export function scratchU8(n: number): Uint8Array<ArrayBuffer> {
  const at = place(n);
  return at < 0 ? new Uint8Array(n) : new Uint8Array(chunk, at, n).fill(0);
}
