/**
 * Materializing integer constants in registers: `loadConstant` returns the
 * shortest sequence of instructions this backend knows for a value.
 *
 * # The problem
 *
 * An A64 instruction holds at most 16 bits of a constant (`movz`/`movn`/
 * `movk`) or a structured bitmask (logical immediates), so a 64-bit
 * constant costs one to four instructions. Constants are everywhere in
 * wasm code (addresses, masks, `i64.const`), so the sequence length matters.
 *
 * # The approach
 *
 * Candidates, cheapest first; the first one that applies wins:
 *
 * 1. **One `movz`** — all halfwords but one are 0x0000.
 * 2. **One `movn`** — all halfwords but one are 0xffff.
 * 3. **One `orr rd, zr, #imm`** — the value is a logical immediate
 *    (e.g. 0x00ff00ff00ff00ff, 0xfffffffffffffffe is also a movn).
 * 4. **`movz` + `movk`s or `movn` + `movk`s** — one instruction per
 *    halfword that differs from 0x0000 (movz) or 0xffff (movn), whichever
 *    count is smaller.
 * 5. **`orr` + `movk`s** (8-byte values only, tried when step 4 needs three
 *    or four instructions) — a logical immediate that agrees with the value
 *    in as many halfwords as possible, the rest patched with `movk`. The
 *    candidates are: each halfword replicated (elements ≤ 16 bits); each
 *    pair of one low and one high halfword replicated as 32 bits; and the
 *    value with any subset of its halfwords replaced by 0x0000 or 0xffff
 *    (64-bit elements: replacing a halfword that a rotated run crosses by
 *    0x0000 or 0xffff keeps it a single run, so nothing is lost by only
 *    trying those two). Ties prefer step 4's shape.
 *
 * Invariant (ExactValue): the returned sequence leaves exactly `value`
 * (modulo 2^(8·size)) in `rd`; `constants.test.ts` checks this by
 * evaluating sequences for structured and random values.
 */
import { encodeLogicalImm, encodeLogicalImmParts, encodeMovn, encodeMovz, halfwords } from './imms.js';
import type { Inst } from './inst.js';
import { sp, xzr, type Gpr, type Size } from './regs.js';

function movk(size: Size, rd: Gpr, imm16: number, i: number): Inst {
  return { kind: 'mov_wide', op: 'movk', size, rd, imm16, shift: 16 * i };
}

function orrImm(size: Size, rd: Gpr, imm: bigint): Inst {
  return { kind: 'alu_rr_imm_logic', op: 'orr', size, rd, rn: xzr, imm };
}

function fromHalfwords(hw: readonly number[]): bigint {
  let v = 0n;
  for (let i = hw.length - 1; i >= 0; i--) v = (v << 16n) | BigInt(hw[i]!);
  return v;
}

/**
 * The instructions that put `value` into `rd` (x0–x30), for a 4- or 8-byte
 * destination. `value` may be given signed or unsigned; it is taken modulo
 * 2^(8·size). A 4-byte sequence also zeroes the upper 32 bits.
 */
export function loadConstant(rd: Gpr, value: bigint, size: Size = 8): Inst[] {
  if (rd === sp || rd === xzr) throw new RangeError('loadConstant: the destination must be x0–x30');
  const v = BigInt.asUintN(size * 8, value);

  const z = encodeMovz(v, size);
  if (z !== undefined) return [{ kind: 'mov_wide', op: 'movz', size, rd, ...z }];
  const n = encodeMovn(v, size);
  if (n !== undefined) return [{ kind: 'mov_wide', op: 'movn', size, rd, ...n }];
  if (encodeLogicalImm(v, size) !== undefined) return [orrImm(size, rd, v)];

  const hw = halfwords(v, size);
  const notZero = hw.filter((h) => h !== 0).length;
  const notOnes = hw.filter((h) => h !== 0xffff).length;
  let best: Inst[];
  if (notZero <= notOnes) {
    best = [];
    hw.forEach((h, i) => {
      if (h === 0) return;
      best.push(best.length === 0 ? { kind: 'mov_wide', op: 'movz', size, rd, imm16: h, shift: 16 * i } : movk(size, rd, h, i));
    });
  } else {
    best = [];
    hw.forEach((h, i) => {
      if (h === 0xffff) return;
      best.push(best.length === 0 ? { kind: 'mov_wide', op: 'movn', size, rd, imm16: ~h & 0xffff, shift: 16 * i } : movk(size, rd, h, i));
    });
  }
  if (size === 4 || best.length <= 2) return best;

  // Step 5: orr + movk. Candidates are halfword arrays; the cheap count of
  // differing halfwords filters them before the (costlier) encodability test.
  const candidates: number[][] = [];
  for (const h of hw) candidates.push([h, h, h, h]);
  for (const l of [hw[0]!, hw[2]!]) for (const h of [hw[1]!, hw[3]!]) candidates.push([l, h, l, h]);
  for (let mask = 1; mask < 81; mask++) {
    // Base-3 digit per halfword: 0 keep, 1 → 0x0000, 2 → 0xffff.
    const c = hw.slice();
    let m = mask;
    for (let i = 0; i < 4; i++, m = Math.floor(m / 3)) {
      const d = m % 3;
      if (d === 1) c[i] = 0;
      else if (d === 2) c[i] = 0xffff;
    }
    candidates.push(c);
  }
  for (const c of candidates) {
    let differing = 0;
    for (let i = 0; i < 4; i++) if (c[i] !== hw[i]) differing++;
    if (1 + differing >= best.length) continue;
    if (encodeLogicalImmParts(((c[3]! << 16) | c[2]!) >>> 0, ((c[1]! << 16) | c[0]!) >>> 0, 8) === undefined) continue;
    best = [orrImm(8, rd, fromHalfwords(c))];
    for (let i = 0; i < 4; i++) if (c[i] !== hw[i]) best.push(movk(8, rd, hw[i]!, i));
    if (best.length === 2) break;
  }
  return best;
}
