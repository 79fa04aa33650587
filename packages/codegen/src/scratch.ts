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

/** The constructor of a typed array over an `ArrayBuffer`. */
interface TypedArrayCtor<T> {
  new (n: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, n: number): T;
}

/** A zeroed `n`-element array: a view into the arena inside a scope, unless small enough for V8's heap. */
function alloc<T extends { fill(v: number): T }>(C: TypedArrayCtor<T>, elementBytes: number, n: number): T {
  const bytes = n * elementBytes;
  if (depth === 0 || bytes <= 64) return new C(n);
  const at = take(roundUp8(bytes)); // (first: it may replace `chunk`)
  return new C(chunk, at, n).fill(0);
}

/** A zeroed `Int32Array` of `n` elements (scratch inside a scope). */
export function scratchI32(n: number): Int32Array<ArrayBuffer> {
  return alloc(Int32Array, 4, n);
}

/** A zeroed `Uint32Array` of `n` elements (scratch inside a scope). */
export function scratchU32(n: number): Uint32Array<ArrayBuffer> {
  return alloc(Uint32Array, 4, n);
}

/** A zeroed `Uint8Array` of `n` elements (scratch inside a scope). */
export function scratchU8(n: number): Uint8Array<ArrayBuffer> {
  return alloc(Uint8Array, 1, n);
}
