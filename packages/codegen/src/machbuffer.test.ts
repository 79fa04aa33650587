/**
 * MachBuffer: bytes, labels, constants, metadata, and the island machinery.
 *
 * Islands are exercised with a synthetic ISA whose label uses have tiny
 * ranges, so deadlines arrive after tens of bytes instead of megabytes:
 *
 *   Short  — 1-byte field, target = field + int8,  reach +63/−64,  5-byte veneer → Long
 *   Medium — 2-byte field, target = field + int16, reach +511/−512, 8-byte veneer
 *            aligned to 4 → Long
 *   Long   — 4-byte field, target = field + int32, no veneer
 *
 * A veneer is `0xEA` + Long field (Short) or `0xEB 0 0 0` + Long field
 * (Medium). `follow` walks from a use through any veneers to where control
 * ends up, so every test can check that each use reaches its label.
 */
import { describe, expect, it } from 'vitest';
import { MachBuffer, MachBufferError, blockLabel, type LabelUse, type MachLabel } from './machbuffer.js';

interface TestUse extends LabelUse<TestUse> {}

function signedPatch(name: string, size: 1 | 2 | 4, pos: number, neg: number) {
  return (bytes: Uint8Array, useOffset: number, labelOffset: number): void => {
    const d = labelOffset - useOffset;
    if (d > pos || -d > neg) throw new RangeError(`${name}: displacement ${d} out of range`);
    for (let i = 0; i < size; i++) bytes[i] = (d >> (8 * i)) & 0xff;
  };
}

const Long: TestUse = {
  name: 'Long',
  maxPosRange: 0x7fff_ffff,
  maxNegRange: 0x8000_0000,
  patchSize: 4,
  align: 1,
  supportsVeneer: false,
  veneerSize: 0,
  patch: signedPatch('Long', 4, 0x7fff_ffff, 0x8000_0000),
  generateVeneer() {
    throw new Error('no veneer');
  },
};

const Short: TestUse = {
  name: 'Short',
  maxPosRange: 63,
  maxNegRange: 64,
  patchSize: 1,
  align: 1,
  supportsVeneer: true,
  veneerSize: 5,
  patch: signedPatch('Short', 1, 63, 64),
  generateVeneer(bytes, at) {
    bytes[0] = 0xea;
    return { useOffset: at + 1, kind: Long };
  },
};

const Medium: TestUse = {
  name: 'Medium',
  maxPosRange: 511,
  maxNegRange: 512,
  patchSize: 2,
  align: 4,
  supportsVeneer: true,
  veneerSize: 8,
  patch: signedPatch('Medium', 2, 511, 512),
  generateVeneer(bytes, at) {
    bytes[0] = 0xeb;
    return { useOffset: at + 4, kind: Long };
  },
};

/** A tiny instruction stream: `op field` where the field width depends on the kind. */
const OPCODE = new Map<TestUse, number>([
  [Short, 0xa1],
  [Medium, 0xa2],
  [Long, 0xa3],
]);

interface Use {
  field: number;
  kind: TestUse;
  label: MachLabel;
}

function emitRef(buf: MachBuffer<TestUse>, kind: TestUse, label: MachLabel, uses: Use[]): void {
  buf.put1(OPCODE.get(kind)!);
  const field = buf.curOffset();
  buf.useLabelAtOffset(field, label, kind);
  for (let i = 0; i < kind.patchSize; i++) buf.put1(0);
  uses.push({ field, kind, label });
}

function readSigned(data: Uint8Array, at: number, size: number): number {
  const v = new DataView(data.buffer, data.byteOffset + at, size);
  return size === 1 ? v.getInt8(0) : size === 2 ? v.getInt16(0, true) : v.getInt32(0, true);
}

/** Where control ends up from a use: its target, through any veneers. Also returns the hop count. */
function follow(data: Uint8Array, field: number, kind: TestUse): { target: number; veneers: number } {
  let target = field + readSigned(data, field, kind.patchSize);
  let veneers = 0;
  for (;;) {
    if (data[target] === 0xea) target = target + 1 + readSigned(data, target + 1, 4);
    else if (data[target] === 0xeb) target = target + 4 + readSigned(data, target + 4, 4);
    else return { target, veneers };
    veneers++;
  }
}

function newBuf(): MachBuffer<TestUse> {
  return new MachBuffer<TestUse>({ trapOpcode: Uint8Array.of(0x0f, 0x0b) });
}

function filler(buf: MachBuffer<TestUse>, n: number): void {
  for (let i = 0; i < n; i++) buf.put1(0x90);
}

describe('MachBuffer bytes', () => {
  it('puts little-endian values and grows past its initial capacity', () => {
    const buf = newBuf();
    buf.put1(0x12);
    buf.put2(0x3456);
    buf.put4(0x789abcde);
    buf.put4(-2);
    buf.put8(0x0102030405060708n);
    buf.put8(-1n);
    buf.putBytes([0xaa, 0xbb]);
    expect(Array.from(buf.bytes())).toEqual([
      0x12, 0x56, 0x34, 0xde, 0xbc, 0x9a, 0x78, 0xfe, 0xff, 0xff, 0xff, 8, 7, 6, 5, 4, 3, 2, 1, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xaa, 0xbb,
    ]);
    for (let i = 0; i < 5000; i++) buf.put1(i & 0xff);
    expect(buf.curOffset()).toBe(29 + 5000);
    const out = buf.finish().data;
    expect(out.length).toBe(5029);
    expect(out[29 + 4999]).toBe(4999 & 0xff);
  });

  it('rejects 32-bit values that do not fit', () => {
    const buf = newBuf();
    expect(() => buf.put4(0x1_0000_0000)).toThrow(MachBufferError);
    expect(() => buf.put4(-0x8000_0001)).toThrow(/does not fit/);
  });

  it('aligns with a fill byte and hands out zeroed appended space', () => {
    const buf = newBuf();
    buf.put1(1);
    buf.alignTo(8, 0xcc);
    expect(buf.curOffset()).toBe(8);
    buf.alignTo(8);
    expect(buf.curOffset()).toBe(8);
    const space = buf.getAppendedSpace(3);
    space[1] = 7;
    expect(Array.from(buf.bytes())).toEqual([1, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0, 7, 0]);
    expect(() => buf.alignTo(3)).toThrow(/power of two/);
  });
});

describe('MachBuffer labels and fixups', () => {
  it('resolves forward and backward references at finish', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const back = buf.getLabel();
    const fwd = buf.getLabel();
    buf.bindLabel(back);
    filler(buf, 3);
    emitRef(buf, Long, fwd, uses);
    emitRef(buf, Short, back, uses);
    emitRef(buf, Medium, fwd, uses);
    filler(buf, 10);
    buf.bindLabel(fwd);
    buf.put1(0xc3);
    const { data } = buf.finish();
    expect(buf.labelOffset(back)).toBe(0);
    expect(buf.labelOffset(fwd)).toBe(buf.curOffset() - 1);
    for (const u of uses) expect(follow(data, u.field, u.kind)).toEqual({ target: buf.labelOffset(u.label), veneers: 0 });
    // Fields are patched in place: the first is a Long forward displacement.
    expect(readSigned(data, 4, 4)).toBe(buf.labelOffset(fwd)! - 4);
  });

  it('reserves block labels first', () => {
    const buf = newBuf();
    buf.reserveLabelsForBlocks(3);
    expect(buf.getLabel()).toBe(3);
    buf.bindLabel(blockLabel(2));
    expect(buf.labelOffset(blockLabel(2))).toBe(0);
    expect(() => buf.reserveLabelsForBlocks(1)).toThrow(/must precede/);
  });

  it('refuses to bind a label twice and reports unbound labels at finish', () => {
    const buf = newBuf();
    const l = buf.getLabel();
    buf.bindLabel(l);
    expect(() => buf.bindLabel(l)).toThrow(expect.objectContaining({ kind: 'label-already-bound' }));
    const never = buf.getLabel();
    emitRef(buf, Long, never, []);
    expect(() => buf.finish()).toThrow(expect.objectContaining({ kind: 'unbound-label', offset: 1 }));
  });

  it('rejects labels that were never allocated', () => {
    const buf = newBuf();
    expect(() => buf.bindLabel(5 as MachLabel)).toThrow(/never allocated/);
  });

  it('aliases labels and refuses alias cycles', () => {
    const buf = newBuf();
    const a = buf.getLabel();
    const b = buf.getLabel();
    const c = buf.getLabel();
    buf.aliasLabel(a, b);
    buf.aliasLabel(b, c);
    expect(() => buf.aliasLabel(c, a)).toThrow(/cycle/);
    const uses: Use[] = [];
    emitRef(buf, Short, a, uses);
    filler(buf, 5);
    buf.bindLabel(c);
    expect(() => buf.bindLabel(a)).toThrow(/already bound/);
    expect(buf.resolveLabel(a)).toBe(c);
    const { data } = buf.finish();
    expect(follow(data, uses[0]!.field, Short).target).toBe(7);
  });
});

describe('MachBuffer constant pool and deferred traps', () => {
  it('places constants at the end, aligned, and shares identical pending constants', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const c1 = buf.deferConstant([1, 2, 3, 4, 5, 6, 7, 8], 8);
    const c2 = buf.deferConstant([9, 9, 9, 9], 4);
    const c1again = buf.deferConstant(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 8);
    const c1otherAlign = buf.deferConstant([1, 2, 3, 4, 5, 6, 7, 8], 16);
    expect(c1again).toBe(c1);
    expect(c1otherAlign).not.toBe(c1);
    emitRef(buf, Long, c1, uses);
    emitRef(buf, Long, c2, uses);
    emitRef(buf, Long, c1otherAlign, uses);
    const { data } = buf.finish();
    expect(buf.labelOffset(c1)).toBe(16);
    expect(buf.labelOffset(c2)).toBe(24);
    expect(buf.labelOffset(c1otherAlign)).toBe(32);
    expect(Array.from(data.subarray(16, 28))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9]);
    for (const u of uses) expect(follow(data, u.field, Long).target).toBe(buf.labelOffset(u.label));
  });

  it('emits constants in an island once a use of them forces it', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const c = buf.deferConstant([0x11, 0x22], 2);
    emitRef(buf, Short, c, uses);
    let islands = 0;
    for (let i = 0; i < 100; i++) {
      if (buf.islandNeeded(1)) {
        buf.emitIsland(1);
        islands++;
      }
      buf.put1(0x90);
    }
    expect(islands).toBe(1);
    const at = buf.labelOffset(c)!;
    expect(at).toBeLessThanOrEqual(63);
    const { data } = buf.finish();
    expect(follow(data, uses[0]!.field, Short)).toEqual({ target: at, veneers: 0 });
    expect(Array.from(data.subarray(at, at + 2))).toEqual([0x11, 0x22]);
  });

  it('does not share a constant that an island already placed', () => {
    const buf = newBuf();
    const a = buf.deferConstant([1], 1);
    emitRef(buf, Long, a, []);
    buf.emitIsland(0);
    const b = buf.deferConstant([1], 1);
    expect(b).not.toBe(a);
  });

  it('places deferred traps with a trap record', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const t = buf.deferTrap(4);
    emitRef(buf, Long, t, uses);
    buf.put1(0xc3);
    const fin = buf.finish();
    expect(buf.labelOffset(t)).toBe(6);
    expect(Array.from(fin.data.subarray(6))).toEqual([0x0f, 0x0b]);
    expect(fin.traps).toEqual([{ offset: 6, code: 4 }]);
    expect(() => new MachBuffer<TestUse>().deferTrap(1)).toThrow(/trapOpcode/);
  });
});

describe('MachBuffer metadata', () => {
  it('records traps, call sites and relocations; label relocations become offsets', () => {
    const buf = newBuf();
    const l = buf.getLabel();
    buf.addTrap(2);
    buf.put1(0x90);
    buf.put1(0xe8);
    buf.addReloc('X86CallPCRel4', { kind: 'name', name: { kind: 'user', ref: 3 } }, -4);
    buf.put4(0);
    buf.addCallSite();
    buf.addRelocAtOffset(1, 'Abs8', { kind: 'label', label: l }, 16);
    buf.bindLabel(l);
    buf.put1(0xc3);
    const fin = buf.finish();
    expect(fin.traps).toEqual([{ offset: 0, code: 2 }]);
    expect(fin.callSites).toEqual([{ retAddr: 6 }]);
    expect(fin.relocs).toEqual([
      { offset: 2, kind: 'X86CallPCRel4', target: { kind: 'name', name: { kind: 'user', ref: 3 } }, addend: -4 },
      { offset: 1, kind: 'Abs8', target: { kind: 'offset', offset: 6 }, addend: 16 },
    ]);
  });

  it('rejects a relocation to a label that is never bound', () => {
    const buf = newBuf();
    buf.addReloc('Abs8', { kind: 'label', label: buf.getLabel() }, 0);
    buf.put8(0n);
    expect(() => buf.finish()).toThrow(expect.objectContaining({ kind: 'unbound-label' }));
  });

  it('records source-location ranges, skips empty ones, and pauses them over islands', () => {
    const buf = newBuf();
    buf.startSrcloc(10);
    filler(buf, 2);
    buf.endSrcloc();
    buf.startSrcloc(11);
    buf.endSrcloc();
    buf.startSrcloc(12);
    filler(buf, 1);
    buf.deferConstant([1, 2, 3], 1);
    buf.emitIsland(0);
    filler(buf, 1);
    buf.endSrcloc();
    buf.startSrcloc(13);
    filler(buf, 1);
    expect(() => buf.startSrcloc(14)).toThrow(/open/);
    const fin = buf.finish();
    expect(fin.srclocs).toEqual([
      { start: 0, end: 2, loc: 10 },
      { start: 2, end: 3, loc: 12 },
      { start: 6, end: 7, loc: 12 },
      { start: 7, end: 8, loc: 13 },
    ]);
  });
});

describe('MachBuffer islands and veneers', () => {
  it('needs no island without fixups, and one as a deadline approaches', () => {
    const buf = newBuf();
    expect(buf.islandNeeded(1 << 30)).toBe(false);
    const l = buf.getLabel();
    emitRef(buf, Short, l, []); // field at 1 → deadline 64
    expect(buf.soonestDeadline()).toBe(64);
    // Worst-case island: one Short veneer (5 bytes).
    expect(buf.worstCaseIslandSize()).toBe(5);
    filler(buf, 50); // at 52
    expect(buf.islandNeeded(7)).toBe(false); // 52 + 7 + 5 = 64
    expect(buf.islandNeeded(8)).toBe(true);
  });

  it('veneers an unknown-label fixup whose deadline falls inside the island', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const far = buf.getLabel();
    emitRef(buf, Short, far, uses);
    filler(buf, 55);
    expect(buf.islandNeeded(4)).toBe(true);
    const islandAt = buf.curOffset();
    buf.emitIsland(4);
    // The island holds one veneer: 0xEA + Long field.
    expect(buf.bytes()[islandAt]).toBe(0xea);
    expect(buf.curOffset()).toBe(islandAt + 5);
    // The remaining obligation is the veneer's Long use.
    expect(buf.soonestDeadline()).toBe(islandAt + 1 + 0x7fff_ffff);
    filler(buf, 500);
    buf.bindLabel(far);
    const { data } = buf.finish();
    expect(follow(data, uses[0]!.field, Short)).toEqual({ target: buf.labelOffset(far), veneers: 1 });
  });

  it('re-queues unknown-label fixups that can still wait, and recomputes the deadline', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const a = buf.getLabel();
    const b = buf.getLabel();
    emitRef(buf, Short, a, uses); // field 1, deadline 64
    filler(buf, 38);
    emitRef(buf, Short, b, uses); // field 41, deadline 104
    filler(buf, 15); // at 57
    expect(buf.islandNeeded(2)).toBe(true); // 57 + 2 + 10 > 64
    buf.emitIsland(2); // threshold 69: a is urgent, b is not
    const afterIsland = buf.curOffset();
    expect(afterIsland).toBe(62);
    // Deadline recomputed: b's own (104), not the stale 64 nor "none".
    expect(buf.soonestDeadline()).toBe(104);
    // b keeps its short form and is patched in place once its label is bound.
    filler(buf, 10);
    buf.bindLabel(b);
    filler(buf, 200);
    buf.bindLabel(a);
    const { data } = buf.finish();
    expect(follow(data, uses[0]!.field, Short)).toEqual({ target: buf.labelOffset(a), veneers: 1 });
    expect(follow(data, uses[1]!.field, Short)).toEqual({ target: buf.labelOffset(b), veneers: 0 });
  });

  it('a re-queued fixup gets its veneer in a later island when its own deadline comes', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const a = buf.getLabel();
    const b = buf.getLabel();
    emitRef(buf, Short, a, uses); // deadline 64
    filler(buf, 38);
    emitRef(buf, Short, b, uses); // deadline 104
    let islands = 0;
    for (let i = 0; i < 150; i++) {
      if (buf.islandNeeded(1)) {
        buf.emitIsland(1);
        islands++;
      }
      buf.put1(0x90);
    }
    expect(islands).toBe(2);
    buf.bindLabel(a);
    buf.bindLabel(b);
    const { data } = buf.finish();
    for (const u of uses) expect(follow(data, u.field, u.kind)).toEqual({ target: buf.labelOffset(u.label), veneers: 1 });
  });

  it('patches known in-range labels in place during an island', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const back = buf.getLabel();
    const fwd = buf.getLabel();
    buf.bindLabel(back);
    filler(buf, 4);
    emitRef(buf, Short, back, uses); // field 5 → −5
    emitRef(buf, Short, fwd, uses); // field 7
    filler(buf, 3);
    buf.bindLabel(fwd); // at 11 → +4
    buf.emitIsland(0);
    const bytes = buf.bytes();
    expect(readSigned(bytes, 5, 1)).toBe(-5);
    expect(readSigned(bytes, 7, 1)).toBe(4);
    expect(buf.soonestDeadline()).toBe(Infinity);
    expect(buf.curOffset()).toBe(11); // nothing else was needed
  });

  it('veneers a known label that lies backwards beyond the negative range', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const back = buf.getLabel();
    buf.bindLabel(back);
    filler(buf, 70);
    emitRef(buf, Short, back, uses); // field 71: −71 < −64
    buf.emitIsland(0);
    const { data } = buf.finish();
    expect(follow(data, uses[0]!.field, Short)).toEqual({ target: 0, veneers: 1 });
  });

  it('handles mixed kinds: the short one is veneered, the medium one waits for a later island', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const s = buf.getLabel();
    const m = buf.getLabel();
    emitRef(buf, Medium, m, uses); // field 1, deadline 512
    emitRef(buf, Short, s, uses); // field 4, deadline 67
    expect(buf.soonestDeadline()).toBe(67);
    // Medium veneer 8 bytes + 3 alignment, Short veneer 5.
    expect(buf.worstCaseIslandSize()).toBe(16);
    const islandsAt: number[] = [];
    for (let i = 0; i < 700; i++) {
      if (buf.islandNeeded(1)) {
        islandsAt.push(buf.curOffset());
        buf.emitIsland(1);
        if (islandsAt.length === 1) expect(buf.soonestDeadline()).toBe(512);
      }
      buf.put1(0x90);
    }
    expect(islandsAt.length).toBe(2);
    expect(islandsAt[1]).toBeGreaterThan(400);
    buf.bindLabel(s);
    buf.bindLabel(m);
    const { data } = buf.finish();
    for (const u of uses) expect(follow(data, u.field, u.kind)).toEqual({ target: buf.labelOffset(u.label), veneers: 1 });
    // The Medium veneer is 4-aligned.
    const mTarget = uses[0]!.field + readSigned(data, uses[0]!.field, 2);
    expect(mTarget % 4).toBe(0);
    expect(data[mTarget]).toBe(0xeb);
  });

  it('throws when a kind without veneers would be out of range', () => {
    const NoVeneerShort: TestUse = { ...Short, name: 'NoVeneerShort', supportsVeneer: false, veneerSize: 0 };
    const buf = newBuf();
    const back = buf.getLabel();
    buf.bindLabel(back);
    filler(buf, 100);
    emitRef(buf, NoVeneerShort, back, []);
    expect(() => buf.finish()).toThrow(expect.objectContaining({ kind: 'veneer-unsupported', offset: 101 }));
  });

  it('forces veneers for every veneer-capable use when asked', () => {
    const buf = newBuf();
    const uses: Use[] = [];
    const l = buf.getLabel();
    buf.bindLabel(l);
    emitRef(buf, Short, l, uses);
    emitRef(buf, Medium, l, uses);
    emitRef(buf, Long, l, uses);
    const { data } = buf.finish({ forceVeneers: true });
    expect(uses.map((u) => follow(data, u.field, u.kind))).toEqual([
      { target: 0, veneers: 1 },
      { target: 0, veneers: 1 },
      { target: 0, veneers: 0 },
    ]);
  });

  // A randomized program: labels bound at random points, uses of random kinds
  // to random labels (earlier or later), constants, and an island check before
  // every "instruction", as VCode emission does. Every use must reach its
  // label, and no patch may go out of range.
  it.each(Array.from({ length: 24 }, (_, i) => i + 1))('random programs resolve every use (seed %i)', (seed) => {
    let state = seed * 0x9e3779b1;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const buf = newBuf();
    const uses: Use[] = [];
    const labels: MachLabel[] = [];
    const unbound: MachLabel[] = [];
    const kinds = [Short, Short, Medium, Long];
    // (DistanceContract), exactly: the largest step is 5 bytes of code; a
    // step grows the worst-case island by at most a constant (3 bytes + 3 of
    // alignment) and a Medium veneer (8 + 3); the branch around an island is 5.
    const distance = 5 + 6 + 11 + 5;
    let islands = 0;
    for (let step = 0; step < 3000; step++) {
      if (buf.islandNeeded(distance)) {
        // Jump around the island, as an emitter would.
        const around = buf.getLabel();
        emitRef(buf, Long, around, uses);
        buf.emitIsland(distance);
        buf.bindLabel(around);
        islands++;
      }
      const r = rand(10);
      if (r < 3 && labels.length + unbound.length > 0) {
        const pool = rand(2) === 0 && labels.length > 0 ? labels : unbound.length > 0 ? unbound : labels;
        const label = pool[rand(pool.length)]!;
        emitRef(buf, kinds[rand(kinds.length)]!, label, uses);
      } else if (r < 4) {
        unbound.push(buf.getLabel());
      } else if (r < 5 && unbound.length > 0) {
        const i = rand(unbound.length);
        const l = unbound[i]!;
        unbound.splice(i, 1);
        buf.bindLabel(l);
        labels.push(l);
      } else if (r < 6 && rand(4) === 0) {
        // Constant bytes below 0xEA, so `follow` never mistakes one for a veneer.
        const c = buf.deferConstant([rand(0xea), rand(0xea), rand(0xea)], 1 << rand(3));
        emitRef(buf, kinds[rand(kinds.length)]!, c, uses);
        labels.push(c);
      } else {
        filler(buf, 1 + rand(5));
      }
    }
    for (const l of unbound) buf.bindLabel(l);
    buf.put1(0xc3); // so no label sits at the start of the final island's veneers
    const { data } = buf.finish();
    expect(islands).toBeGreaterThan(3);
    for (const u of uses) expect(follow(data, u.field, u.kind).target).toBe(buf.labelOffset(u.label));
  });
});
