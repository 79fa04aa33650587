/**
 * AArch64 label uses: how A64 code refers to a label in the same buffer, and
 * the veneers that extend a reference that cannot reach.
 *
 * Every A64 PC-relative field measures from the address of the instruction
 * itself (not its end, unlike x64) and, except `adr`, counts 4-byte words:
 *
 * | kind       | field                          | reach (bytes)        | used by                     | veneer |
 * |------------|--------------------------------|----------------------|-----------------------------|--------|
 * | `Branch14` | imm14, bits 18:5, ×4           | +32 KiB−1 / −32 KiB  | `tbz`, `tbnz`               | 4 B `b` → `Branch26` |
 * | `Branch19` | imm19, bits 23:5, ×4           | +1 MiB−1 / −1 MiB    | `b.cond`, `cbz`, `cbnz`     | 4 B `b` → `Branch26` |
 * | `Branch26` | imm26, bits 25:0, ×4           | +128 MiB−1 / −128 MiB| `b`, `bl`                   | 20 B, → `PCRel32` |
 * | `Ldr19`    | imm19, bits 23:5, ×4           | +1 MiB−1 / −1 MiB    | `ldr` (literal)             | none |
 * | `Adr21`    | immhi:immlo, bits 23:5 + 30:29 | +1 MiB−1 / −1 MiB    | `adr`                       | none |
 * | `PCRel32`  | the whole 32-bit word, ×1      | +2 GiB−1 / −2 GiB    | veneer tails, jump tables   | none |
 *
 * (The positive reach is stated one byte short of the field's limit, as
 * Cranelift does, so `offset + maxPosRange` is the last offset the field
 * can name; word-granular fields can of course only name multiples of 4.)
 *
 * # Veneers
 *
 * When `MachBuffer` cannot resolve a short reference in place, it points
 * the reference at a veneer in the next island and records the veneer's
 * own, longer reference as a new fixup (`generateVeneer`):
 *
 * * `Branch14`/`Branch19` → a single `b` (`Branch26`): the conditional
 *   branch lands on an unconditional one that reaches ±128 MiB.
 * * `Branch26` → the 20-byte sequence
 *
 *       ldrsw x16, #16        ; x16 = sign-extended 32-bit word at veneer+16
 *       adr   x17, #12        ; x17 = veneer+16, the word's own address
 *       add   x16, x16, x17   ; x16 = word's address + its value = target
 *       br    x16
 *       .word target − (veneer+16)   ; a `PCRel32` use
 *
 *   reaching ±2 GiB. It clobbers x16 and x17, the intra-procedure-call
 *   scratch registers (IP0/IP1), which AAPCS64 lets any veneer or linker
 *   stub use between a call and its target, so they hold nothing live at a
 *   `b`/`bl` that leaves a function. A `bl` through the veneer still
 *   returns to the `bl`'s successor: the veneer ends in `br`, not `blr`, so
 *   x30 is the one the `bl` set.
 *
 * # Patching
 *
 * `patch` reads the instruction word, clears the field and writes the
 * distance, leaving every other bit (opcode, registers, condition) as the
 * emitter wrote it; `PCRel32` instead *adds* the distance to the word's
 * existing value, so data words may carry an addend. It throws a
 * `RangeError` rather than truncate: a distance that is out of range or
 * not a multiple of the field's unit (4 bytes for branches and literals).
 */
import type { LabelUse } from '@derrick/codegen';

/** The AArch64 label-use kinds. */
export interface AArch64LabelUse extends LabelUse<AArch64LabelUse> {
  readonly name: 'Branch14' | 'Branch19' | 'Branch26' | 'Ldr19' | 'Adr21' | 'PCRel32';
}

function readWord(b: Uint8Array): number {
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

function writeWord(b: Uint8Array, w: number): void {
  b[0] = w;
  b[1] = w >>> 8;
  b[2] = w >>> 16;
  b[3] = w >>> 24;
}

/** A word-granular field of `bits` bits at bit `shift`, reaching ±2^(bits+1) bytes. */
function patchWordField(name: string, bits: number, shift: number, b: Uint8Array, useOffset: number, labelOffset: number): void {
  const delta = labelOffset - useOffset;
  if (delta % 4 !== 0) throw new RangeError(`${name}: distance ${delta} from ${useOffset} to ${labelOffset} is not a multiple of 4`);
  const words = delta / 4;
  const lim = 2 ** (bits - 1);
  if (words < -lim || words >= lim) {
    throw new RangeError(`${name}: distance ${delta} from ${useOffset} to ${labelOffset} is out of range`);
  }
  const mask = (2 ** bits - 1) * 2 ** shift;
  const field = ((words < 0 ? words + 2 * lim : words) * 2 ** shift) >>> 0;
  writeWord(b, ((readWord(b) & ~mask) | field) >>> 0);
}

const B_WORD = 0x1400_0000;
/** `ldrsw x16, #16` */
const VENEER_LDRSW = 0x9800_0000 | (4 << 5) | 16;
/** `adr x17, #12` (immlo = 0, immhi = 3) */
const VENEER_ADR = 0x1000_0000 | (3 << 5) | 17;
/** `add x16, x16, x17` (shifted register, lsl #0) */
const VENEER_ADD = 0x8b00_0000 | (17 << 16) | (16 << 5) | 16;
/** `br x16` */
const VENEER_BR = 0xd61f_0000 | (16 << 5);

function noVeneer(this: AArch64LabelUse): never {
  throw new Error(`${this.name} has no veneer`);
}

/** A `b` veneer: the short branch lands on an unconditional branch (`Branch26`). */
function branchVeneer(bytes: Uint8Array, veneerOffset: number): { useOffset: number; kind: AArch64LabelUse } {
  writeWord(bytes, B_WORD);
  return { useOffset: veneerOffset, kind: Branch26 };
}

export const Branch14: AArch64LabelUse = {
  name: 'Branch14',
  maxPosRange: (1 << 15) - 1,
  maxNegRange: 1 << 15,
  patchSize: 4,
  align: 4,
  supportsVeneer: true,
  veneerSize: 4,
  patch(bytes, useOffset, labelOffset) {
    patchWordField('Branch14', 14, 5, bytes, useOffset, labelOffset);
  },
  generateVeneer: branchVeneer,
};

export const Branch19: AArch64LabelUse = {
  name: 'Branch19',
  maxPosRange: (1 << 20) - 1,
  maxNegRange: 1 << 20,
  patchSize: 4,
  align: 4,
  supportsVeneer: true,
  veneerSize: 4,
  patch(bytes, useOffset, labelOffset) {
    patchWordField('Branch19', 19, 5, bytes, useOffset, labelOffset);
  },
  generateVeneer: branchVeneer,
};

export const Branch26: AArch64LabelUse = {
  name: 'Branch26',
  maxPosRange: (1 << 27) - 1,
  maxNegRange: 1 << 27,
  patchSize: 4,
  align: 4,
  supportsVeneer: true,
  veneerSize: 20,
  patch(bytes, useOffset, labelOffset) {
    patchWordField('Branch26', 26, 0, bytes, useOffset, labelOffset);
  },
  generateVeneer(bytes, veneerOffset) {
    writeWord(bytes.subarray(0, 4), VENEER_LDRSW);
    writeWord(bytes.subarray(4, 8), VENEER_ADR);
    writeWord(bytes.subarray(8, 12), VENEER_ADD);
    writeWord(bytes.subarray(12, 16), VENEER_BR);
    writeWord(bytes.subarray(16, 20), 0);
    return { useOffset: veneerOffset + 16, kind: PCRel32 };
  },
};

export const Ldr19: AArch64LabelUse = {
  name: 'Ldr19',
  maxPosRange: (1 << 20) - 1,
  maxNegRange: 1 << 20,
  patchSize: 4,
  align: 4,
  supportsVeneer: false,
  veneerSize: 0,
  patch(bytes, useOffset, labelOffset) {
    patchWordField('Ldr19', 19, 5, bytes, useOffset, labelOffset);
  },
  generateVeneer: noVeneer,
};

export const Adr21: AArch64LabelUse = {
  name: 'Adr21',
  maxPosRange: (1 << 20) - 1,
  maxNegRange: 1 << 20,
  patchSize: 4,
  align: 4,
  supportsVeneer: false,
  veneerSize: 0,
  patch(bytes, useOffset, labelOffset) {
    const delta = labelOffset - useOffset;
    if (!(Number.isInteger(delta) && delta >= -(1 << 20) && delta < 1 << 20)) {
      throw new RangeError(`Adr21: distance ${delta} from ${useOffset} to ${labelOffset} is out of range`);
    }
    const imm = delta < 0 ? delta + (1 << 21) : delta;
    const mask = (3 << 29) | (0x7ffff << 5);
    writeWord(bytes, ((readWord(bytes) & ~mask) | ((imm & 3) << 29) | ((imm >>> 2) << 5)) >>> 0);
  },
  generateVeneer: noVeneer,
};

export const PCRel32: AArch64LabelUse = {
  name: 'PCRel32',
  maxPosRange: 0x7fff_ffff,
  maxNegRange: 0x8000_0000,
  patchSize: 4,
  align: 4,
  supportsVeneer: false,
  veneerSize: 0,
  patch(bytes, useOffset, labelOffset) {
    const existing = readWord(bytes) | 0;
    const value = labelOffset - useOffset + existing;
    if (value < -0x8000_0000 || value > 0x7fff_ffff) {
      throw new RangeError(`PCRel32: displacement ${value} from ${useOffset} to ${labelOffset} does not fit in 32 bits`);
    }
    writeWord(bytes, value >>> 0);
  },
  generateVeneer: noVeneer,
};

/** All kinds, for tests and diagnostics. */
export const AARCH64_LABEL_USES: readonly AArch64LabelUse[] = [Branch14, Branch19, Branch26, Ldr19, Adr21, PCRel32];

/**
 * The label use a relocation becomes when its target is a label of the same
 * text section (Cranelift's `LabelUse::from_reloc`): a `bl` recorded as
 * `Arm64Call` with addend 0 is exactly a `Branch26`.
 */
export function labelUseFromReloc(reloc: string, addend: number): AArch64LabelUse | undefined {
  if (reloc === 'Arm64Call' && addend === 0) return Branch26;
  return undefined;
}
