/**
 * The function table (`.derrick.funcs`): for each defined wasm function, its
 * wasm function index and where its machine code sits in `.text`.
 *
 * ```text
 *   u32 version = 1
 *   u32 count
 *   count × { u32 funcIndex, u32 textOffset, u32 length }   -- sorted by textOffset
 * ```
 *
 * `funcIndex` is the module-level function index (imports included), the one
 * the wasm binary and the name section use. Entries are ordered by text
 * offset and do not overlap; function indices are unique. With that a loader
 * maps a wasm function to its code through a table built once, and a code
 * address back to its function by binary search (backtraces, trap reports).
 * The table is held as three `Uint32Array` columns rather than an array of
 * objects: modules with tens of thousands of functions load it without
 * allocating per entry.
 */
import { ByteWriter, checkU32 } from './bytes.js';
import { ObjectError, hex } from './error.js';
import { DerrickSection, openMetadata, readCount, type DecodeContext } from './metadata.js';

export const FUNCTION_TABLE_VERSION = 1;
const ENTRY_SIZE = 12;

export interface FunctionTableEntry {
  /** Module-level wasm function index (imports count). */
  readonly funcIndex: number;
  /** Offset of the function's first byte in `.text`. */
  readonly offset: number;
  /** Length of the function's code in bytes. */
  readonly length: number;
}

export class FunctionTable {
  private byFuncIndex: Map<number, number> | undefined;

  private constructor(
    readonly funcIndices: Uint32Array,
    readonly offsets: Uint32Array,
    readonly lengths: Uint32Array,
  ) {}

  /** Builds a table from entries already in text order; throws `invalid-input` if they break a rule. */
  static fromEntries(entries: readonly FunctionTableEntry[], textSize?: number): FunctionTable {
    const n = entries.length;
    const t = new FunctionTable(new Uint32Array(n), new Uint32Array(n), new Uint32Array(n));
    entries.forEach((e, i) => {
      checkU32(e.funcIndex, `funcIndex of function table entry ${i}`);
      checkU32(e.offset, `offset of function table entry ${i}`);
      checkU32(e.length, `length of function table entry ${i}`);
      t.funcIndices[i] = e.funcIndex;
      t.offsets[i] = e.offset;
      t.lengths[i] = e.length;
    });
    t.validate(textSize, (i, message) => new ObjectError('invalid-input', `function table entry ${i}: ${message}`));
    return t;
  }

  /** Decodes and validates a `.derrick.funcs` section. */
  static decode(bytes: Uint8Array, ctx: DecodeContext = {}): FunctionTable {
    const r = openMetadata(bytes, DerrickSection.funcs, FUNCTION_TABLE_VERSION, ctx);
    const n = readCount(r, ENTRY_SIZE, 'function');
    const entriesAt = r.fileOffset;
    const t = new FunctionTable(new Uint32Array(n), new Uint32Array(n), new Uint32Array(n));
    for (let i = 0; i < n; i++) {
      t.funcIndices[i] = r.u32('funcIndex');
      t.offsets[i] = r.u32('textOffset');
      t.lengths[i] = r.u32('length');
    }
    r.expectEnd();
    t.validate(
      ctx.textSize,
      (i, message) => new ObjectError('malformed', `${DerrickSection.funcs} section, entry ${i}: ${message}`, entriesAt + i * ENTRY_SIZE),
    );
    return t;
  }

  private validate(textSize: number | undefined, fail: (i: number, message: string) => ObjectError): void {
    const seen = new Set<number>();
    for (let i = 0; i < this.length; i++) {
      const offset = this.offsets[i]!;
      const end = offset + this.lengths[i]!;
      if (seen.has(this.funcIndices[i]!)) throw fail(i, `wasm function ${this.funcIndices[i]} appears twice`);
      seen.add(this.funcIndices[i]!);
      if (textSize !== undefined && end > textSize) {
        throw fail(i, `code [${hex(offset)}, ${hex(end)}) extends past the end of .text (${hex(textSize)} bytes)`);
      }
      if (end > 0xffff_ffff) throw fail(i, `code [${hex(offset)}, ${hex(end)}) extends past 4 GiB`);
      if (i + 1 < this.length && end > this.offsets[i + 1]!) {
        throw fail(i, `code [${hex(offset)}, ${hex(end)}) overlaps or follows the next entry's start ${hex(this.offsets[i + 1]!)}; entries must be in text order`);
      }
    }
  }

  get length(): number {
    return this.offsets.length;
  }

  entry(i: number): FunctionTableEntry {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new ObjectError('invalid-input', `function table has no entry ${i}`);
    return { funcIndex: this.funcIndices[i]!, offset: this.offsets[i]!, length: this.lengths[i]! };
  }

  entries(): FunctionTableEntry[] {
    return Array.from({ length: this.length }, (_, i) => this.entry(i));
  }

  /** The entry whose code contains text offset `codeOffset`, if any. */
  lookup(codeOffset: number): FunctionTableEntry | undefined {
    // Last entry with offset <= codeOffset.
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! <= codeOffset) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    const e = this.entry(lo - 1);
    return codeOffset < e.offset + e.length ? e : undefined;
  }

  /** The entry of wasm function `funcIndex`, if it is defined in this table. */
  forFunction(funcIndex: number): FunctionTableEntry | undefined {
    if (this.byFuncIndex === undefined) {
      this.byFuncIndex = new Map();
      for (let i = 0; i < this.length; i++) this.byFuncIndex.set(this.funcIndices[i]!, i);
    }
    const i = this.byFuncIndex.get(funcIndex);
    return i === undefined ? undefined : this.entry(i);
  }

  encode(): Uint8Array {
    const w = new ByteWriter(8 + this.length * ENTRY_SIZE);
    w.u32(FUNCTION_TABLE_VERSION);
    w.u32(this.length);
    for (let i = 0; i < this.length; i++) {
      w.u32(this.funcIndices[i]!);
      w.u32(this.offsets[i]!);
      w.u32(this.lengths[i]!);
    }
    return w.finish();
  }
}
