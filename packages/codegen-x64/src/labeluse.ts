/**
 * x86-64 label uses: how x64 code refers to a label inside the same buffer.
 *
 * Every x64 PC-relative field is a signed 32-bit displacement measured from
 * the *end* of the instruction, so both kinds reach about ±2 GiB and neither
 * needs a veneer: a single function (or text section) is far smaller, and
 * ELF x86-64 code models assume 32-bit PC-relative reach anyway.
 *
 * * `JmpRel32` — the rel32 of `jmp`, `jcc` and `call`, whose 4-byte field is
 *   the last thing in the instruction: displacement = label − (use + 4).
 *   The patch adds the field's existing value (normally 0) and subtracts 4.
 * * `PCRel32` — a rel32 whose bias the emitter stored in the field beforehand:
 *   displacement = label − use + existing. A RIP-relative memory operand is
 *   followed by `k` immediate bytes (0, 1, 2 or 4), so the emitter stores
 *   −(4 + k); a jump-table entry relative to its own position stores 0.
 *
 * Ranges are stated for the distance `label − use` and are exact for the
 * largest bias each kind carries, so `MachBuffer` never asks for a patch that
 * cannot be encoded: for `JmpRel32`, d − 4 ∈ [−2³¹, 2³¹−1] ⇐ d ∈
 * [−(2³¹−4), 2³¹−1]; for `PCRel32` with bias b ∈ [−8, 0], d + b ∈ [−2³¹, 2³¹−1]
 * ⇐ d ∈ [−(2³¹−8), 2³¹−1]. `patch` also checks the final value and throws,
 * so a field can never be silently truncated.
 */
import type { LabelUse } from '@derrick/codegen';

/** The x64 label-use kinds (`JmpRel32`, `PCRel32`). */
export interface X64LabelUse extends LabelUse<X64LabelUse> {
  readonly name: 'JmpRel32' | 'PCRel32';
}

function readI32(b: Uint8Array): number {
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) | 0;
}

function writeI32(b: Uint8Array, v: number): void {
  b[0] = v;
  b[1] = v >>> 8;
  b[2] = v >>> 16;
  b[3] = v >>> 24;
}

function patchRel32(name: string, bytes: Uint8Array, useOffset: number, labelOffset: number, bias: number): void {
  const value = labelOffset - useOffset + readI32(bytes) + bias;
  if (value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(`${name}: displacement ${value} from ${useOffset} to ${labelOffset} does not fit in 32 bits`);
  }
  writeI32(bytes, value);
}

function noVeneer(this: X64LabelUse): never {
  throw new Error(`${this.name} has no veneer: x64 label uses reach ±2 GiB`);
}

export const JmpRel32: X64LabelUse = {
  name: 'JmpRel32',
  maxPosRange: 0x7fff_ffff,
  maxNegRange: 0x8000_0000 - 4,
  patchSize: 4,
  align: 1,
  supportsVeneer: false,
  veneerSize: 0,
  patch(bytes, useOffset, labelOffset) {
    patchRel32('JmpRel32', bytes, useOffset, labelOffset, -4);
  },
  generateVeneer: noVeneer,
};

export const PCRel32: X64LabelUse = {
  name: 'PCRel32',
  maxPosRange: 0x7fff_ffff,
  maxNegRange: 0x8000_0000 - 8,
  patchSize: 4,
  align: 1,
  supportsVeneer: false,
  veneerSize: 0,
  patch(bytes, useOffset, labelOffset) {
    patchRel32('PCRel32', bytes, useOffset, labelOffset, 0);
  },
  generateVeneer: noVeneer,
};

/**
 * The label use a relocation becomes when its target is a label of the same
 * text section (Cranelift's `LabelUse::from_reloc`): a `call rel32` recorded
 * as `X86CallPCRel4` with addend −4 is exactly a `JmpRel32`; a `X86PCRel4`
 * with addend a is a `PCRel32` whose field holds a (write it there first).
 */
export function labelUseFromReloc(reloc: string, addend: number): X64LabelUse | undefined {
  if (reloc === 'X86CallPCRel4' && addend === -4) return JmpRel32;
  if (reloc === 'X86PCRel4' && addend >= -8 && addend <= 0) return PCRel32;
  return undefined;
}
