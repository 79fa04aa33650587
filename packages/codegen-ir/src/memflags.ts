/**
 * Flags of a memory access (`load`, `store`, `uload8`, …).
 *
 * Stored in the instruction table as a 16-bit integer (the `aux` slot), so
 * `MemFlags` is an immutable value class over `bits`:
 *
 * ```
 *   bit 0       aligned    the address is naturally aligned (UB otherwise)
 *   bit 1       readonly   the memory does not change while the function runs
 *   bit 2       little     explicitly little-endian
 *   bit 3       big        explicitly big-endian
 *   bits 4..5   alias region: 0 none, 1 heap, 2 table, 3 vmctx
 *   bits 8..15  trap code reported when the access faults; 0 = `notrap`
 * ```
 *
 * As in Cranelift, a fresh `MemFlags` can trap with `heap_oob`; `notrap`
 * clears the trap code. Derrick's targets are all little-endian and the IR
 * assumes little-endian memory when neither `little` nor `big` is given; the
 * interpreter rejects `big`.
 *
 * Text spelling (Cranelift order): `notrap` or a non-default trap code, then
 * `aligned readonly big little`, then the alias region `heap|table|vmctx`.
 */
import { TrapCode, parseTrapCode, trapCodeName } from './trapcode.js';

const BIT_ALIGNED = 1 << 0;
const BIT_READONLY = 1 << 1;
const BIT_LITTLE = 1 << 2;
const BIT_BIG = 1 << 3;
const ALIAS_SHIFT = 4;
const ALIAS_MASK = 3 << ALIAS_SHIFT;
const TRAP_SHIFT = 8;
const TRAP_MASK = 0xff << TRAP_SHIFT;

export type AliasRegion = 'heap' | 'table' | 'vmctx';
const ALIAS_NAMES: readonly (AliasRegion | undefined)[] = [undefined, 'heap', 'table', 'vmctx'];

/** `MemFlags.fromBits` results by encoding (a handful of distinct values in practice). */
const INTERNED = new Map<number, MemFlags>();

export class MemFlags {
  /** The raw 16-bit encoding, as stored in the instruction table. */
  readonly bits: number;

  private constructor(bits: number) {
    this.bits = bits & 0xffff;
  }

  /** Default flags: may trap with `heap_oob`, unaligned, writable, native (little) endian. */
  static new(): MemFlags {
    return new MemFlags(TrapCode.HEAP_OUT_OF_BOUNDS << TRAP_SHIFT);
  }

  /** `notrap aligned`: an access known to be in bounds and aligned (vmctx fields, stack slots). */
  static trusted(): MemFlags {
    return MemFlags.new().withNotrap().withAligned();
  }

  /** The flags with encoding `bits` (interned: flags are immutable, and every `dfg.memFlags` call asks). */
  static fromBits(bits: number): MemFlags {
    const b = bits & 0xffff;
    let f = INTERNED.get(b);
    if (f === undefined) {
      f = new MemFlags(b);
      INTERNED.set(b, f);
    }
    return f;
  }

  get aligned(): boolean {
    return (this.bits & BIT_ALIGNED) !== 0;
  }
  get readonly(): boolean {
    return (this.bits & BIT_READONLY) !== 0;
  }
  get notrap(): boolean {
    return (this.bits & TRAP_MASK) === 0;
  }
  /** Explicit endianness, if any. */
  get endianness(): 'little' | 'big' | undefined {
    if (this.bits & BIT_LITTLE) return 'little';
    if (this.bits & BIT_BIG) return 'big';
    return undefined;
  }
  get aliasRegion(): AliasRegion | undefined {
    return ALIAS_NAMES[(this.bits & ALIAS_MASK) >> ALIAS_SHIFT];
  }
  /** Trap code reported if the access faults; undefined for `notrap`. */
  get trapCode(): TrapCode | undefined {
    const c = (this.bits & TRAP_MASK) >> TRAP_SHIFT;
    return c === 0 ? undefined : c;
  }

  withAligned(): MemFlags {
    return new MemFlags(this.bits | BIT_ALIGNED);
  }
  withReadonly(): MemFlags {
    return new MemFlags(this.bits | BIT_READONLY);
  }
  withNotrap(): MemFlags {
    return new MemFlags(this.bits & ~TRAP_MASK);
  }
  withTrapCode(code: TrapCode | undefined): MemFlags {
    return new MemFlags((this.bits & ~TRAP_MASK) | ((code ?? 0) << TRAP_SHIFT));
  }
  withEndianness(e: 'little' | 'big'): MemFlags {
    const b = (this.bits & ~(BIT_LITTLE | BIT_BIG)) | (e === 'little' ? BIT_LITTLE : BIT_BIG);
    return new MemFlags(b);
  }
  withAliasRegion(r: AliasRegion | undefined): MemFlags {
    const i = r === undefined ? 0 : ALIAS_NAMES.indexOf(r);
    return new MemFlags((this.bits & ~ALIAS_MASK) | (i << ALIAS_SHIFT));
  }

  equals(other: MemFlags): boolean {
    return this.bits === other.bits;
  }

  /**
   * Apply one text flag. Returns the new flags, an error message for a
   * contradiction, or false when `name` is not a flag at all.
   */
  static applyName(flags: MemFlags, name: string): MemFlags | string | false {
    switch (name) {
      case 'notrap':
        return flags.withNotrap();
      case 'aligned':
        return flags.withAligned();
      case 'readonly':
        return flags.withReadonly();
      case 'little':
        if (flags.endianness === 'big') return 'cannot set both big and little endian';
        return flags.withEndianness('little');
      case 'big':
        if (flags.endianness === 'little') return 'cannot set both big and little endian';
        return flags.withEndianness('big');
      case 'heap':
      case 'table':
      case 'vmctx':
        if (flags.aliasRegion !== undefined) return 'cannot set more than one alias region';
        return flags.withAliasRegion(name);
      default: {
        const code = parseTrapCode(name);
        return code === undefined ? false : flags.withTrapCode(code);
      }
    }
  }

  /** Cranelift's spelling: each set flag preceded by a space (empty for defaults). */
  toString(): string {
    let s = '';
    const code = this.trapCode;
    if (code === undefined) s += ' notrap';
    else if (code !== TrapCode.HEAP_OUT_OF_BOUNDS) s += ` ${trapCodeName(code)}`;
    if (this.aligned) s += ' aligned';
    if (this.readonly) s += ' readonly';
    if (this.bits & BIT_BIG) s += ' big';
    if (this.bits & BIT_LITTLE) s += ' little';
    const r = this.aliasRegion;
    if (r !== undefined) s += ` ${r}`;
    return s;
  }
}

/** Raw bits of the default flags (`MemFlags.new().bits`). */
export const DEFAULT_MEMFLAGS_BITS = TrapCode.HEAP_OUT_OF_BOUNDS << TRAP_SHIFT;
