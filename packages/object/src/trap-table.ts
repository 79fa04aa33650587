/**
 * The trap table (`.derrick.traps`): which code offsets can trap, and with
 * which trap code.
 *
 * ```text
 *   u32 version = 1
 *   u32 count
 *   count × u32 codeOffset    -- strictly increasing text offsets
 *   count × u8  trapCode      -- parallel to codeOffset
 * ```
 *
 * Offsets and codes are stored as two columns (as Wasmtime's `.wasmtime.traps`
 * is) so the offsets can be binary-searched as a `Uint32Array`; one byte per
 * code is plenty for wasm's trap kinds. The codes are plain numbers here: the
 * `TrapCode` enum lives in `environ`, and this package does not depend on its
 * values — it only stores and returns them.
 *
 * A code offset appears at most once: one instruction, one trap code.
 */
import { ByteWriter, checkU32 } from './bytes.js';
import { ObjectError, hex } from './error.js';
import { DerrickSection, openMetadata, readCount, type DecodeContext } from './metadata.js';

export const TRAP_TABLE_VERSION = 1;

export interface TrapEntry {
  /** Text offset of the trapping instruction. */
  readonly codeOffset: number;
  /** Trap code, 0–255 (the numeric value of environ's `TrapCode`). */
  readonly trapCode: number;
}

export class TrapTable {
  private constructor(
    readonly codeOffsets: Uint32Array,
    readonly trapCodes: Uint8Array,
  ) {}

  /** Builds a table from entries sorted by code offset; throws `invalid-input` if they break a rule. */
  static fromEntries(entries: readonly TrapEntry[], textSize?: number): TrapTable {
    const n = entries.length;
    const t = new TrapTable(new Uint32Array(n), new Uint8Array(n));
    entries.forEach((e, i) => {
      checkU32(e.codeOffset, `codeOffset of trap entry ${i}`);
      if (!Number.isInteger(e.trapCode) || e.trapCode < 0 || e.trapCode > 0xff) {
        throw new ObjectError('invalid-input', `trapCode of trap entry ${i} must be an integer in [0, 255], got ${e.trapCode}`);
      }
      t.codeOffsets[i] = e.codeOffset;
      t.trapCodes[i] = e.trapCode;
    });
    t.validate(textSize, (i, message) => new ObjectError('invalid-input', `trap entry ${i}: ${message}`));
    return t;
  }

  /** Decodes and validates a `.derrick.traps` section. */
  static decode(bytes: Uint8Array, ctx: DecodeContext = {}): TrapTable {
    const r = openMetadata(bytes, DerrickSection.traps, TRAP_TABLE_VERSION, ctx);
    const n = readCount(r, 5, 'trap');
    const offsetsAt = r.fileOffset;
    const t = new TrapTable(new Uint32Array(n), new Uint8Array(n));
    for (let i = 0; i < n; i++) t.codeOffsets[i] = r.u32('codeOffset');
    for (let i = 0; i < n; i++) t.trapCodes[i] = r.u8('trapCode');
    r.expectEnd();
    t.validate(ctx.textSize, (i, message) => new ObjectError('malformed', `${DerrickSection.traps} section, entry ${i}: ${message}`, offsetsAt + 4 * i));
    return t;
  }

  private validate(textSize: number | undefined, fail: (i: number, message: string) => ObjectError): void {
    for (let i = 0; i < this.length; i++) {
      const off = this.codeOffsets[i]!;
      if (textSize !== undefined && off >= textSize) throw fail(i, `code offset ${hex(off)} is outside .text (${hex(textSize)} bytes)`);
      if (i > 0 && off <= this.codeOffsets[i - 1]!) {
        throw fail(i, `code offset ${hex(off)} does not follow the previous entry's ${hex(this.codeOffsets[i - 1]!)}; offsets must strictly increase`);
      }
    }
  }

  get length(): number {
    return this.codeOffsets.length;
  }

  entries(): TrapEntry[] {
    return Array.from({ length: this.length }, (_, i) => ({ codeOffset: this.codeOffsets[i]!, trapCode: this.trapCodes[i]! }));
  }

  /** The trap code recorded for exactly `codeOffset`, if any. */
  lookup(codeOffset: number): number | undefined {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.codeOffsets[mid]!;
      if (v === codeOffset) return this.trapCodes[mid];
      if (v < codeOffset) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  encode(): Uint8Array {
    const w = new ByteWriter(8 + 5 * this.length);
    w.u32(TRAP_TABLE_VERSION);
    w.u32(this.length);
    for (const off of this.codeOffsets) w.u32(off);
    for (const code of this.trapCodes) w.u8(code);
    return w.finish();
  }
}
