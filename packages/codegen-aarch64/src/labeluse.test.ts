/**
 * AArch64 label uses and veneers.
 *
 * * Patch arithmetic: each kind writes exactly its field, keeps every other
 *   bit, reaches exactly its declared range and throws beyond it.
 * * Veneers through real `MachBuffer` islands: forward and backward
 *   `tbz`/`cbz`/`b.cond` beyond range, constant-pool literals beyond 1 MiB,
 *   and forced veneers — each checked by *executing* the branch path with a
 *   small interpreter of the few instructions involved (decoded from the
 *   words, independently of the encoder) and confirming it reaches the
 *   label.
 * * The 20-byte `Branch26` veneer at large distances (±2 GiB), by patching a
 *   small buffer with computed offsets — no 128 MiB allocation.
 */
import { describe, expect, it } from 'vitest';
import { MachBufferError, type MachLabel } from '@derrick/codegen';
import { createAArch64Buffer, emit } from './emit.js';
import type { AArch64Sink } from './encode.js';
import { ISLAND_CHECK_DISTANCE, memLiteral, type BranchCond, type Inst } from './inst.js';
import { Adr21, Branch14, Branch19, Branch26, Ldr19, PCRel32, labelUseFromReloc, type AArch64LabelUse } from './labeluse.js';
import { x0, x3, x9 } from './regs.js';

function word(b: Uint8Array, at = 0): number {
  return new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, true);
}

function field(w: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, w >>> 0, true);
  return b;
}

function sext(v: number, bits: number): number {
  const m = 2 ** (bits - 1);
  return v >= m ? v - 2 * m : v;
}

// ---------------------------------------------------------------------------
// A tiny interpreter for branch paths
// ---------------------------------------------------------------------------

/** Memory as a function of addresses (so a small buffer can sit at a large address). */
type Mem = (addr: number) => number;

/**
 * Follow control from `pc`, taking every conditional branch, until `stop`
 * is reached; return the path of visited addresses. Understands exactly
 * the instructions branches and veneers consist of.
 */
function follow(mem: Mem, pc: number, stop: number, maxSteps = 16): number[] {
  const x = new Map<number, number>();
  const path = [pc];
  for (let step = 0; step < maxSteps && pc !== stop; step++) {
    const w = mem(pc);
    if ((w & 0x7c00_0000) === 0x1400_0000) {
      pc += sext(w & 0x3ff_ffff, 26) * 4; // b / bl
    } else if ((w & 0xff00_0010) === 0x5400_0000 || (w & 0x7e00_0000) === 0x3400_0000) {
      pc += sext((w >>> 5) & 0x7ffff, 19) * 4; // b.cond, cbz, cbnz
    } else if ((w & 0x7e00_0000) === 0x3600_0000) {
      pc += sext((w >>> 5) & 0x3fff, 14) * 4; // tbz, tbnz
    } else if ((w & 0xff00_0000) >>> 0 === 0x9800_0000) {
      x.set(w & 31, mem(pc + sext((w >>> 5) & 0x7ffff, 19) * 4) | 0); // ldrsw (literal)
      pc += 4;
    } else if ((w & 0x9f00_0000) === 0x1000_0000) {
      x.set(w & 31, pc + sext((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3), 21)); // adr
      pc += 4;
    } else if ((w & 0xffe0_fc00) >>> 0 === 0x8b00_0000) {
      x.set(w & 31, x.get((w >>> 5) & 31)! + x.get((w >>> 16) & 31)!); // add xd, xn, xm
      pc += 4;
    } else if ((w & 0xffff_fc1f) >>> 0 === 0xd61f_0000) {
      pc = x.get((w >>> 5) & 31)!; // br
    } else {
      throw new Error(`follow: unexpected word ${w.toString(16)} at ${pc}`);
    }
    path.push(pc);
  }
  return path;
}

function memOf(data: Uint8Array, base = 0): Mem {
  return (addr) => word(data, addr - base);
}

// ---------------------------------------------------------------------------
// Patching
// ---------------------------------------------------------------------------

describe('label-use patching', () => {
  const cases: [AArch64LabelUse, number, number, number][] = [
    // kind, instruction word with zero field, field shift, field bits
    [Branch14, 0x3700_0003 | (5 << 19), 5, 14], // tbnz w3, #5
    [Branch19, 0x5400_000b, 5, 19], // b.lt
    [Branch26, 0x9400_0000, 0, 26], // bl
    [Ldr19, 0x5800_0009, 5, 19], // ldr x9, literal
  ];
  for (const [kind, base, shift, bits] of cases) {
    it(`${kind.name}: words from the instruction, other bits kept, exact range`, () => {
      const maxWords = 2 ** (bits - 1) - 1;
      for (const [use, delta] of [
        [0x1000, 0],
        [0x1000, 4],
        [0x1000_0000, -4],
        [0x1000_0000, maxWords * 4],
        [0x1000_0000, -(maxWords + 1) * 4],
      ] as const) {
        const b = field(base);
        kind.patch(b, use, use + delta);
        const w = word(b);
        const mask = ((2 ** bits - 1) * 2 ** shift) >>> 0;
        expect((w & ~mask) >>> 0).toBe(base >>> 0);
        expect(sext((w & mask) >>> shift, bits) * 4).toBe(delta);
      }
      // The declared range is exactly what the field reaches.
      expect(kind.maxPosRange).toBe(2 ** (bits + 1) - 1);
      expect(kind.maxNegRange).toBe(2 ** (bits + 1));
      expect(() => kind.patch(field(base), 0x1000_0000, 0x1000_0000 + (maxWords + 1) * 4)).toThrow(RangeError);
      expect(() => kind.patch(field(base), 0x1000_0000, 0x1000_0000 - (maxWords + 2) * 4)).toThrow(/out of range/);
      expect(() => kind.patch(field(base), 0x1000, 0x1002)).toThrow(/multiple of 4/);
    });
  }

  it('Adr21: byte distance split into immlo (30:29) and immhi (23:5)', () => {
    for (const delta of [0, 1, 2, 3, -1, -4, 0xfffff, -0x100000, 0x12345]) {
      const b = field(0x1000_0011); // adr x17
      Adr21.patch(b, 0x800_0000, 0x800_0000 + delta);
      const w = word(b);
      expect(w & 0x9f00_001f).toBe(0x1000_0011);
      expect(sext((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3), 21)).toBe(delta);
    }
    expect(() => Adr21.patch(field(0x1000_0000), 0, 0x100000)).toThrow(RangeError);
    expect(() => Adr21.patch(field(0x1000_0000), 0x200000, 0x200000 - 0x100001)).toThrow(RangeError);
  });

  it('PCRel32: adds the distance to the word, throws past 32 bits', () => {
    const b = field(8);
    PCRel32.patch(b, 100, 60);
    expect(word(b) | 0).toBe(-32);
    const far = field(0);
    PCRel32.patch(far, 0x1_0000_0000, 0x1_0000_0000 + 0x7fff_ffff);
    expect(word(far)).toBe(0x7fff_ffff);
    const back = field(0);
    PCRel32.patch(back, 0x1_0000_0000, 0x1_0000_0000 - 0x8000_0000);
    expect(word(back) | 0).toBe(-0x8000_0000);
    expect(() => PCRel32.patch(field(0), 0, 0x8000_0000)).toThrow(RangeError);
  });

  it('veneer support and sizes', () => {
    expect([Branch14, Branch19, Branch26, Ldr19, Adr21, PCRel32].map((k) => [k.name, k.supportsVeneer, k.veneerSize, k.align])).toEqual([
      ['Branch14', true, 4, 4],
      ['Branch19', true, 4, 4],
      ['Branch26', true, 20, 4],
      ['Ldr19', false, 0, 4],
      ['Adr21', false, 0, 4],
      ['PCRel32', false, 0, 4],
    ]);
    for (const k of [Ldr19, Adr21, PCRel32]) expect(() => k.generateVeneer(new Uint8Array(4), 0)).toThrow(/no veneer/);
  });

  it('labelUseFromReloc maps a bl relocation to Branch26', () => {
    expect(labelUseFromReloc('Arm64Call', 0)).toBe(Branch26);
    expect(labelUseFromReloc('Arm64Call', 4)).toBeUndefined();
    expect(labelUseFromReloc('X86CallPCRel4', -4)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------
// Veneer code
// ---------------------------------------------------------------------------

describe('veneers', () => {
  it('Branch14/Branch19 veneer: one b, whose field is a Branch26 use at the veneer', () => {
    for (const k of [Branch14, Branch19]) {
      const b = new Uint8Array(4);
      expect(k.generateVeneer(b, 0x40)).toEqual({ useOffset: 0x40, kind: Branch26 });
      expect(word(b)).toBe(0x1400_0000);
    }
  });

  it('Branch26 veneer: ldrsw x16 / adr x17 / add / br x16 / .word, a PCRel32 use of the word', () => {
    const b = new Uint8Array(20);
    expect(Branch26.generateVeneer(b, 0x100)).toEqual({ useOffset: 0x110, kind: PCRel32 });
    expect([0, 4, 8, 12, 16].map((o) => word(b, o).toString(16))).toEqual(['98000090', '10000071', '8b110210', 'd61f0200', '0']);
  });

  it('Branch26 veneer reaches ±2 GiB: patched at large computed offsets, then executed', () => {
    // A bl at `use` → veneer at `v` (in Branch26 range) → target anywhere within ±2 GiB of the word.
    for (const [use, v, target] of [
      [0x1000_0000, 0x1000_0000 + 0x7ff_fff0, 0x1000_0000 + 0x7ff_fff0 + 16 + 0x7fff_fff0], // far forward
      [0x9000_0000, 0x9000_0000 - 0x800_0000, 0x9000_0000 - 0x800_0000 + 16 - 0x8000_0000], // far backward
      [0x4000_0000, 0x4000_0100, 0x4000_0000 + 0x1234_5678], // small
    ] as const) {
      const bl = field(0x9400_0000);
      Branch26.patch(bl, use, v);
      const veneer = new Uint8Array(20);
      const next = Branch26.generateVeneer(veneer, v);
      next.kind.patch(veneer.subarray(next.useOffset - v, next.useOffset - v + 4), next.useOffset, target);
      const mem: Mem = (a) => (a === use ? word(bl) : word(veneer, a - v));
      const path = follow(mem, use, target);
      expect(path).toEqual([use, v, v + 4, v + 8, v + 12, target]);
    }
  });
});

// ---------------------------------------------------------------------------
// Islands and veneers through MachBuffer
// ---------------------------------------------------------------------------

const DISTANCE = ISLAND_CHECK_DISTANCE;

/** Emit with island checks, as the lowering driver will: branch around an island when one is needed. */
function emitChecked(buf: AArch64Sink, inst: Inst, islands: number[]): void {
  if (buf.islandNeeded(DISTANCE)) {
    const after = buf.getLabel();
    emit({ kind: 'jump', target: after }, buf);
    islands.push(buf.curOffset());
    buf.emitIsland(DISTANCE);
    buf.bindLabel(after);
  }
  emit(inst, buf);
}

function pad(buf: AArch64Sink, bytes: number, islands: number[]): void {
  for (let i = 0; i < bytes; i += 4) emitChecked(buf, { kind: 'nop' }, islands);
}

const CONDS: [string, BranchCond, number][] = [
  ['tbz (Branch14)', { kind: 'bit_zero', rt: x3, bit: 17 }, 40 << 10],
  ['cbnz (Branch19)', { kind: 'not_zero', size: 8, rt: x9 }, (1 << 20) + (64 << 10)],
  ['b.ne (Branch19)', { kind: 'cond', cond: 1 }, (1 << 20) + (64 << 10)],
];

describe('islands and veneers in MachBuffer', () => {
  for (const [name, cond, distance] of CONDS) {
    it(`${name} forward beyond range: a veneer in an island, and the branch still reaches its target`, () => {
      const buf = createAArch64Buffer();
      const islands: number[] = [];
      const target = buf.getLabel();
      emitChecked(buf, { kind: 'cond_jump', cond, target }, islands);
      pad(buf, distance, islands);
      buf.bindLabel(target);
      emit({ kind: 'ret' }, buf);
      const { data } = buf.finish();
      const t = buf.labelOffset(target)!;
      expect(t).toBeGreaterThan(distance);
      expect(islands.length).toBeGreaterThan(0);
      const path = follow(memOf(data), 0, t);
      expect(path.at(-1)).toBe(t);
      // cond → b veneer in the first island → target.
      expect(path).toHaveLength(3);
      expect(path[1]).toBeGreaterThanOrEqual(islands[0]!);
    });

    it(`${name} backward beyond range: a veneer after the branch`, () => {
      const buf = createAArch64Buffer();
      const islands: number[] = [];
      const target = buf.getLabel();
      buf.bindLabel(target);
      emit({ kind: 'nop' }, buf);
      pad(buf, distance, islands);
      const at = buf.curOffset();
      emitChecked(buf, { kind: 'cond_jump', cond, target }, islands);
      emit({ kind: 'ret' }, buf);
      const { data } = buf.finish();
      const path = follow(memOf(data), at, 0);
      expect(path.at(-1)).toBe(0);
      expect(path).toHaveLength(3);
      expect(path[1]).toBeGreaterThan(at);
    });

    it(`${name} within range: patched in place, no veneer`, () => {
      const buf = createAArch64Buffer();
      const islands: number[] = [];
      const target = buf.getLabel();
      emitChecked(buf, { kind: 'cond_jump', cond, target }, islands);
      pad(buf, 4096, islands);
      buf.bindLabel(target);
      emit({ kind: 'ret' }, buf);
      const { data } = buf.finish();
      expect(follow(memOf(data), 0, 4100)).toEqual([0, 4100]);
      expect(data.length).toBe(4104);
    });
  }

  it('many short branches across 3 MiB, to labels on both sides: every one reaches its target', () => {
    const buf = createAArch64Buffer();
    const islands: number[] = [];
    const labels: MachLabel[] = [];
    const uses: { at: number; label: MachLabel }[] = [];
    const step = 96 << 10;
    for (let i = 0; i < 32; i++) {
      const l = buf.getLabel();
      labels.push(l);
      buf.bindLabel(l);
      emit({ kind: 'nop' }, buf);
      for (const back of [labels[Math.max(0, i - 20)]!, labels[i >> 1]!]) {
        uses.push({ at: buf.curOffset(), label: back });
        emitChecked(buf, { kind: 'cond_jump', cond: { kind: 'bit_not_zero', rt: x0, bit: i }, target: back }, islands);
      }
      pad(buf, step, islands);
    }
    const { data } = buf.finish();
    expect(islands.length).toBeGreaterThan(30);
    for (const u of uses) {
      const t = buf.labelOffset(u.label)!;
      expect(follow(memOf(data), u.at, t).at(-1)).toBe(t);
    }
  });

  it('constant-pool literals (Ldr19, no veneer) are placed in an island before their deadline', () => {
    const buf = createAArch64Buffer();
    const islands: number[] = [];
    const loads: { at: number; value: bigint }[] = [];
    for (let i = 0; i < 6; i++) {
      const value = 0x1111_0000_0000_0000n * BigInt(i + 1) + BigInt(i);
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, value, true);
      const c = buf.deferConstant(bytes, 8);
      loads.push({ at: buf.curOffset(), value });
      emitChecked(buf, { kind: 'load', op: 'ldr_x', rt: x0, addr: memLiteral(c) }, islands);
      pad(buf, 600 << 10, islands);
    }
    const { data } = buf.finish();
    expect(islands.length).toBeGreaterThanOrEqual(3);
    const view = new DataView(data.buffer, data.byteOffset);
    for (const l of loads) {
      const w = word(data, l.at);
      const addr = l.at + sext((w >>> 5) & 0x7ffff, 19) * 4;
      expect(view.getBigUint64(addr, true)).toBe(l.value);
    }
  });

  it('forced veneers: b.cond → b → 20-byte veneer → target, and b / bl → 20-byte veneer → target', () => {
    const buf = createAArch64Buffer();
    const target = buf.getLabel();
    emit({ kind: 'trap_if', cond: { kind: 'cond', cond: 0 }, trap: 9 }, buf);
    emit({ kind: 'cond_jump', cond: { kind: 'cond', cond: 3 }, target }, buf);
    emit({ kind: 'nop' }, buf);
    emit({ kind: 'call', target: { kind: 'label', label: target } }, buf);
    emit({ kind: 'jump', target }, buf);
    emit({ kind: 'nop' }, buf); // (a jump to the next instruction would be deleted)
    buf.bindLabel(target);
    emit({ kind: 'ret' }, buf);
    const { data, traps } = buf.finish({ forceVeneers: true });
    const t = buf.labelOffset(target)!;
    const cond = follow(memOf(data), 4, t);
    expect(cond.at(-1)).toBe(t);
    expect(cond).toHaveLength(7); // b.cc, b, ldrsw, adr, add, br, target
    const call = follow(memOf(data), 12, t);
    expect(call).toHaveLength(6);
    expect(follow(memOf(data), 16, t)).toHaveLength(6);
    // The deferred trap is reached through its own veneers too.
    const trapAt = traps.find((r) => r.code === 9)!.offset;
    expect(follow(memOf(data), 0, trapAt).at(-1)).toBe(trapAt);
    expect(word(data, trapAt)).toBe(0xc11f);
  });

  it('a literal beyond ±1 MiB with no island in time is an error, not a wrong load', () => {
    const buf = createAArch64Buffer();
    const c = buf.getLabel();
    buf.bindLabel(c);
    buf.put8(42n);
    emit({ kind: 'load', op: 'ldr_x', rt: x0, addr: memLiteral(c) }, buf);
    for (let i = 0; i < (1 << 18) + 8; i++) emit({ kind: 'nop' }, buf);
    emit({ kind: 'load', op: 'ldr_x', rt: x0, addr: memLiteral(c) }, buf);
    expect(() => buf.finish()).toThrow(MachBufferError);
  });
});
