/**
 * The address map (`.derrick.addrmap`): from code offsets back to wasm
 * bytecode offsets, for backtraces and trap messages.
 *
 * ```text
 *   u32 version = 1
 *   u32 count
 *   count × u32 codeOffset    -- strictly increasing text offsets, each <= text size
 *   count × u32 wasmOffset    -- byte offset in the wasm binary, or 0xffffffff for "none"
 * ```
 *
 * An entry says "from this code offset up to the next entry's, the code came
 * from this wasm offset". `lookup(pc)` therefore returns the entry with the
 * greatest `codeOffset <= pc`. Producers end each function's range with a
 * `NO_WASM_OFFSET` entry at the function's end (or start the next function
 * with an entry of its own), so code that has no wasm position — padding,
 * trampolines — does not inherit the last position of the function before it.
 */
import { ByteWriter, checkU32 } from './bytes.js';
import { ObjectError, hex } from './error.js';
import { DerrickSection, openMetadata, readCount, type DecodeContext } from './metadata.js';

export const ADDRESS_MAP_VERSION = 1;
/** `wasmOffset` of an entry whose code has no wasm position. */
export const NO_WASM_OFFSET = 0xffff_ffff;

export interface AddressMapEntry {
  readonly codeOffset: number;
  /** Byte offset in the wasm binary, or `NO_WASM_OFFSET`. */
  readonly wasmOffset: number;
}

export class AddressMap {
  private constructor(
    readonly codeOffsets: Uint32Array,
    readonly wasmOffsets: Uint32Array,
  ) {}

  /** Builds a map from entries sorted by code offset; throws `invalid-input` if they break a rule. */
  static fromEntries(entries: readonly AddressMapEntry[], textSize?: number): AddressMap {
    const n = entries.length;
    const m = new AddressMap(new Uint32Array(n), new Uint32Array(n));
    entries.forEach((e, i) => {
      checkU32(e.codeOffset, `codeOffset of address map entry ${i}`);
      checkU32(e.wasmOffset, `wasmOffset of address map entry ${i}`);
      m.codeOffsets[i] = e.codeOffset;
      m.wasmOffsets[i] = e.wasmOffset;
    });
    m.validate(textSize, (i, message) => new ObjectError('invalid-input', `address map entry ${i}: ${message}`));
    return m;
  }

  /** Decodes and validates a `.derrick.addrmap` section. */
  static decode(bytes: Uint8Array, ctx: DecodeContext = {}): AddressMap {
    const r = openMetadata(bytes, DerrickSection.addrmap, ADDRESS_MAP_VERSION, ctx);
    const n = readCount(r, 8, 'address map entry');
    const offsetsAt = r.fileOffset;
    const m = new AddressMap(new Uint32Array(n), new Uint32Array(n));
    for (let i = 0; i < n; i++) m.codeOffsets[i] = r.u32('codeOffset');
    for (let i = 0; i < n; i++) m.wasmOffsets[i] = r.u32('wasmOffset');
    r.expectEnd();
    m.validate(ctx.textSize, (i, message) => new ObjectError('malformed', `${DerrickSection.addrmap} section, entry ${i}: ${message}`, offsetsAt + 4 * i));
    return m;
  }

  private validate(textSize: number | undefined, fail: (i: number, message: string) => ObjectError): void {
    for (let i = 0; i < this.length; i++) {
      const off = this.codeOffsets[i]!;
      if (textSize !== undefined && off > textSize) throw fail(i, `code offset ${hex(off)} is past the end of .text (${hex(textSize)} bytes)`);
      if (i > 0 && off <= this.codeOffsets[i - 1]!) {
        throw fail(i, `code offset ${hex(off)} does not follow the previous entry's ${hex(this.codeOffsets[i - 1]!)}; offsets must strictly increase`);
      }
    }
  }

  get length(): number {
    return this.codeOffsets.length;
  }

  entries(): AddressMapEntry[] {
    return Array.from({ length: this.length }, (_, i) => ({ codeOffset: this.codeOffsets[i]!, wasmOffset: this.wasmOffsets[i]! }));
  }

  /** The wasm offset the code at `codeOffset` came from, or `undefined` if it has none. */
  lookup(codeOffset: number): number | undefined {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.codeOffsets[mid]! <= codeOffset) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    const w = this.wasmOffsets[lo - 1]!;
    return w === NO_WASM_OFFSET ? undefined : w;
  }

  encode(): Uint8Array {
    const w = new ByteWriter(8 + 8 * this.length);
    w.u32(ADDRESS_MAP_VERSION);
    w.u32(this.length);
    for (const off of this.codeOffsets) w.u32(off);
    for (const off of this.wasmOffsets) w.u32(off);
    return w.finish();
  }
}
