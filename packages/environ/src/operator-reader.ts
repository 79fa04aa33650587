/**
 * Decoding one instruction at a time, allocation-free.
 *
 * `OperatorReader` is the single instruction decoder of Derrick: the
 * validator drives it over every function body and constant expression, and
 * the wasm → IR translator drives it again over a validated body. It decodes
 * the opcode and its immediates and leaves them in fields of the reader
 * itself, overwritten by the next `read()`; nothing is allocated per
 * instruction (the br_table target buffer and the 16-byte v128 buffer are
 * reused and grown only when needed).
 *
 * It checks what the *binary format* requires — legal opcodes, well-formed
 * LEB128s, reserved zero bytes, reference type bytes — and nothing that
 * *validation* requires (index bounds, lane ranges, alignment, typing,
 * block structure): those are the validator's.
 *
 * Immediates after `read()` returns opcode `op` (see `Opcode` for the
 * numbering: one byte, `0xFC00 | sub`, `0xFD00 | sub`):
 *
 * | immediate kind | fields |
 * |---|---|
 * | block, loop, if | `blockType` (s33; see `BLOCK_TYPE_EMPTY`, `blockTypeResult`) |
 * | br, br_if | `index` = label depth |
 * | br_table | `brTargets[0 .. brTargetCount)`, `index` = default depth |
 * | call, ref.func | `index` = function index |
 * | call_indirect | `index` = type index, `index2` = table index |
 * | local.*, global.* | `index` |
 * | table.get/set/size/grow/fill | `index` = table index |
 * | loads, stores | `memAlign` (log2 as encoded), `memOffset` (u32) |
 * | load/store lane | `memAlign`, `memOffset`, `lane` |
 * | extract/replace lane | `lane` |
 * | i32.const | `value` (signed int32) |
 * | f32.const | `value` = raw IEEE bits (u32), so NaN payloads survive |
 * | i64.const | `lo`, `hi` = two's complement halves (u32 each); `i64Value()` gives a bigint |
 * | f64.const | `lo`, `hi` = raw IEEE bits halves (u32 each); `f64Bits()`, `f64Value()` |
 * | v128.const | `v128` = the 16 bytes, little-endian lane order |
 * | i8x16.shuffle | `v128` = the 16 lane indices |
 * | select t* | `selectTypeCount`, `selectType` (first type) |
 * | ref.null | `refType` |
 * | memory.init | `index` = data index |
 * | data.drop | `index` = data index |
 * | table.init | `index` = elem index, `index2` = table index |
 * | elem.drop | `index` = elem index |
 * | table.copy | `index` = destination table, `index2` = source table |
 *
 * `offset` is the byte offset (in `bytes`) of the instruction's first byte.
 *
 * Invariant (cursor-bounds) is inherited from `BinaryReader`: the reader never
 * looks at bytes at or past `end`.
 */
import { BinaryReader } from './binary-reader.js';
import { DecodeError } from './errors.js';
import { ImmKind, OPCODE_IMM, opcodeIndex } from './opcodes.js';
import { isValType } from './types.js';

export class OperatorReader extends BinaryReader {
  /** Opcode of the last instruction read. */
  opcode = 0;
  /** Byte offset of the last instruction read. */
  offset = 0;
  /** Primary index immediate (see the table in the module essay). */
  index = 0;
  /** Secondary index immediate. */
  index2 = 0;
  /** Block type of block/loop/if: the s33 value (negative: inline type; else a type index). */
  blockType = 0;
  /** Alignment exponent of a memory access, as encoded. */
  memAlign = 0;
  /** Static offset of a memory access (u32). */
  memOffset = 0;
  /** Lane index of a lane instruction. */
  lane = 0;
  /** i32.const value, or f32.const bits. */
  value = 0;
  /** Reference type of ref.null. */
  refType = 0;
  /** Number of types of a typed select (valid only when 1). */
  selectTypeCount = 0;
  /** First type of a typed select. */
  selectType = 0;
  /** br_table targets (only the first `brTargetCount` are meaningful). */
  brTargets: Uint32Array = new Uint32Array(16);
  brTargetCount = 0;
  /** v128.const bytes or shuffle lane indices. */
  readonly v128: Uint8Array = new Uint8Array(16);

  /** Decode the next instruction; returns its opcode. Throws `DecodeError` on malformed input. */
  read(): number {
    const start = this.pos;
    this.offset = start;
    if (start >= this.end) this.unexpectedEnd();
    let op = this.bytes[start]!;
    this.pos = start + 1;
    if (op >= 0xfc && (op === 0xfc || op === 0xfd)) {
      const sub = this.readVarU32();
      if (sub > 0xff) throw new DecodeError('illegal opcode', start, `0x${op.toString(16)} ${sub}`);
      op = (op << 8) | sub;
    }
    // Kept small so it inlines into its callers: the common immediates here,
    // the rest in `readOtherImmediates`.
    const imm = OPCODE_IMM[op < 0x100 ? op : opcodeIndex(op)]!;
    if (imm >= ImmKind.LabelIndex && imm <= ImmKind.ElemIndex) {
      this.index = this.readVarU32();
    } else if (imm !== ImmKind.None) {
      this.readOtherImmediates(imm, op, start);
    }
    this.opcode = op;
    return op;
  }

  private readOtherImmediates(imm: number, op: number, start: number): void {
    switch (imm) {
      case ImmKind.MemArg:
        this.memAlign = this.readVarU32();
        this.memOffset = this.readVarU32();
        break;
      case ImmKind.I32:
        this.value = this.readVarS32();
        break;
      case ImmKind.BlockType:
        this.readBlockType();
        break;
      case ImmKind.I64:
        this.readVarS64();
        break;
      case ImmKind.F32:
        this.value = this.readU32LE();
        break;
      case ImmKind.F64:
        this.value = 0;
        this.lo = this.readU32LE();
        this.hi = this.readU32LE();
        break;
      case ImmKind.BrTable:
        this.readBrTable();
        break;
      case ImmKind.CallIndirect:
      case ImmKind.TableInit:
      case ImmKind.TableCopy:
        this.index = this.readVarU32();
        this.index2 = this.readVarU32();
        break;
      case ImmKind.ZeroByte:
        this.readZeroByte();
        break;
      case ImmKind.MemoryInit:
        this.index = this.readVarU32();
        this.readZeroByte();
        break;
      case ImmKind.MemoryCopy:
        this.readZeroByte();
        this.readZeroByte();
        break;
      case ImmKind.RefType: {
        const t = this.readTypeCode();
        if (t !== 0x70 && t !== 0x6f) throw new DecodeError('malformed reference type', this.pos - 1);
        this.refType = t;
        break;
      }
      case ImmKind.SelectTypes: {
        const n = this.readLength();
        this.selectTypeCount = n;
        for (let i = 0; i < n; i++) {
          const t = this.readTypeCode();
          if (!isValType(t)) throw new DecodeError('malformed value type', this.pos - 1);
          if (i === 0) this.selectType = t;
        }
        break;
      }
      case ImmKind.V128:
      case ImmKind.Shuffle:
        this.readV128();
        break;
      case ImmKind.Lane:
        this.lane = this.readU8();
        break;
      case ImmKind.MemArgLane:
        this.memAlign = this.readVarU32();
        this.memOffset = this.readVarU32();
        this.lane = this.readU8();
        break;
      default: // ImmKind.Illegal
        throw new DecodeError('illegal opcode', start, `0x${op.toString(16)}`);
    }
  }

  private readZeroByte(): void {
    if (this.readU8() !== 0) throw new DecodeError('zero byte expected', this.pos - 1);
  }

  private readBlockType(): void {
    const p = this.pos;
    if (p >= this.end) this.unexpectedEnd();
    const b = this.bytes[p]!;
    if (b === 0x40) {
      this.pos = p + 1;
      this.blockType = -0x40;
      return;
    }
    if ((b & 0xc0) === 0x40) {
      // A one-byte negative s33: an inline value type.
      if (!isValType(b)) throw new DecodeError('malformed value type', p, `0x${b.toString(16)}`);
      this.pos = p + 1;
      this.blockType = b - 0x80;
      return;
    }
    const x = this.readVarS33();
    if (x < 0) throw new DecodeError('malformed value type', p, 'negative block type');
    this.blockType = x;
  }

  private readBrTable(): void {
    const n = this.readLength();
    // Every target takes at least one byte: a count beyond the bytes left is
    // truncated input, caught here before the buffer is grown to it.
    if (n > this.end - this.pos) this.unexpectedEnd(this.end);
    if (n > this.brTargets.length) {
      let cap = this.brTargets.length * 2;
      while (cap < n) cap *= 2;
      this.brTargets = new Uint32Array(cap);
    }
    const targets = this.brTargets;
    for (let i = 0; i < n; i++) targets[i] = this.readVarU32();
    this.brTargetCount = n;
    this.index = this.readVarU32();
  }

  private readV128(): void {
    const p = this.pos;
    if (p + 16 > this.end) this.unexpectedEnd(this.end);
    this.v128.set(this.bytes.subarray(p, p + 16));
    this.pos = p + 16;
  }

  /** i64.const value as a bigint (allocates). */
  i64Value(): bigint {
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /** f64.const raw bits as an unsigned bigint (allocates). */
  f64Bits(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** f64.const as a JS number (NaN payloads are not preserved by JS numbers). */
  f64Value(): number {
    return f64FromBits(this.lo, this.hi);
  }

  /** f32.const as a JS number. */
  f32Value(): number {
    return f32FromBits(this.value);
  }
}

const scratch = new DataView(new ArrayBuffer(8));

/** The number whose IEEE-754 binary32 encoding is `bits`. */
export function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

/** The number whose IEEE-754 binary64 encoding is `hi:lo`. */
export function f64FromBits(lo: number, hi: number): number {
  scratch.setUint32(0, lo >>> 0, true);
  scratch.setUint32(4, hi >>> 0, true);
  return scratch.getFloat64(0, true);
}
