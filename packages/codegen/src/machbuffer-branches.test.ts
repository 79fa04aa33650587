/**
 * MachBuffer branch simplification: the four rules one by one, the cases
 * where a rule must not fire, and a randomized check that simplified code
 * runs exactly like the control-flow graph it was emitted from.
 *
 * A synthetic ISA keeps the bytes readable:
 *
 *   E9 rel32        jmp     (target = field + rel32; field at +1)
 *   8c rel32        jcc c   (c in 0..15; inverse condition is c ^ 1)
 *   01 id           marker  (observable effect: appends id to the trace)
 *   C3              ret
 */
import { describe, expect, it } from 'vitest';
import { MachBuffer, MachBufferError, type LabelUse, type MachLabel } from './machbuffer.js';

interface TestUse extends LabelUse<TestUse> {}

const Rel32: TestUse = {
  name: 'Rel32',
  maxPosRange: 0x7fff_ffff,
  maxNegRange: 0x8000_0000,
  patchSize: 4,
  align: 1,
  supportsVeneer: false,
  veneerSize: 0,
  patch(bytes, useOffset, labelOffset) {
    new DataView(bytes.buffer, bytes.byteOffset, 4).setInt32(0, labelOffset - useOffset, true);
  },
  generateVeneer() {
    throw new Error('no veneer');
  },
};

type Buf = MachBuffer<TestUse>;

function jmp(buf: Buf, target: MachLabel): void {
  const start = buf.curOffset();
  buf.useLabelAtOffset(start + 1, target, Rel32);
  buf.addUncondBranch(start, start + 5, target);
  buf.putBytes([0xe9, 0, 0, 0, 0]);
}

function jcc(buf: Buf, cc: number, target: MachLabel): void {
  const start = buf.curOffset();
  buf.useLabelAtOffset(start + 1, target, Rel32);
  buf.addCondBranch(start, start + 5, target, [0x80 | (cc ^ 1), 0, 0, 0, 0]);
  buf.putBytes([0x80 | cc, 0, 0, 0, 0]);
}

function marker(buf: Buf, id: number): void {
  buf.putBytes([0x01, id]);
}

function hex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function labels(buf: Buf, n: number): MachLabel[] {
  return Array.from({ length: n }, () => buf.getLabel());
}

describe('branch simplification rules', () => {
  it('(JumpToNext) removes an unconditional branch to the next instruction', () => {
    const buf = new MachBuffer<TestUse>();
    const [l] = labels(buf, 1);
    jmp(buf, l!);
    buf.bindLabel(l!);
    buf.put1(0xc3);
    expect(hex(buf.finish().data)).toBe('c3');
  });

  it('(JumpToNext) removes a conditional branch to the next instruction', () => {
    const buf = new MachBuffer<TestUse>();
    const [l] = labels(buf, 1);
    marker(buf, 1);
    jcc(buf, 4, l!);
    buf.bindLabel(l!);
    buf.put1(0xc3);
    expect(hex(buf.finish().data)).toBe('01 01 c3');
  });

  it('(Invert) turns `jcc L1; jmp L2; L1:` into `jncc L2; L1:`', () => {
    const buf = new MachBuffer<TestUse>();
    const [l1, l2] = labels(buf, 2);
    jcc(buf, 4, l1!);
    jmp(buf, l2!);
    buf.bindLabel(l1!);
    marker(buf, 1);
    buf.bindLabel(l2!);
    buf.put1(0xc3);
    // jcc 5 → L2 (offset 7, field at 1: rel 6)
    expect(hex(buf.finish().data)).toBe('85 06 00 00 00 01 01 c3');
  });

  it('(Invert) keeps both branches when the conditional does not target the fall-through', () => {
    const buf = new MachBuffer<TestUse>();
    const [l1, l2, l3] = labels(buf, 3);
    jcc(buf, 4, l3!);
    jmp(buf, l2!);
    buf.bindLabel(l1!);
    marker(buf, 1);
    buf.bindLabel(l2!);
    buf.bindLabel(l3!);
    buf.put1(0xc3);
    expect(hex(buf.finish().data)).toBe('84 0b 00 00 00 e9 06 00 00 00 01 01 c3');
  });

  it('(Threading) and (Invert) together: an empty block that only jumps disappears', () => {
    // block0: br c4 → block1, else block2; block1: jmp block3;
    // block2: marker 2; ret; block3: marker 3; ret
    const buf = new MachBuffer<TestUse>();
    const [b1, b2, b3] = labels(buf, 3);
    jcc(buf, 4, b1!);
    jmp(buf, b2!);
    buf.bindLabel(b1!);
    jmp(buf, b3!);
    buf.bindLabel(b2!);
    marker(buf, 2);
    buf.put1(0xc3);
    buf.bindLabel(b3!);
    marker(buf, 3);
    buf.put1(0xc3);
    const out = buf.finish().data;
    // jcc 4 → block3 directly; block2 falls through.
    expect(hex(out)).toBe('84 07 00 00 00 01 02 c3 01 03 c3');
    expect(buf.resolveLabel(b1!)).toBe(b3);
    expect(buf.labelOffset(b1!)).toBe(8);
  });

  it('(Threading) redirects earlier references to an empty block', () => {
    // block0: jmp block2; block1: jmp block3 (empty, only reached from below)
    // block2: marker 2; jcc c0 → block1; ret; block3: marker 3; ret
    const buf = new MachBuffer<TestUse>();
    const [b1, b2, b3] = labels(buf, 3);
    jmp(buf, b2!);
    buf.bindLabel(b1!);
    jmp(buf, b3!);
    buf.bindLabel(b2!);
    marker(buf, 2);
    jcc(buf, 0, b1!);
    buf.put1(0xc3);
    buf.bindLabel(b3!);
    marker(buf, 3);
    buf.put1(0xc3);
    const out = buf.finish().data;
    // b1 aliased to b3; `jmp b3` after `jmp b2` unreachable and removed; the
    // first jmp then targets its own fall-through and goes too.
    expect(hex(out)).toBe('01 02 80 05 00 00 00 c3 01 03 c3');
  });

  it('(Unreachable) removes an unconditional branch right after another one', () => {
    const buf = new MachBuffer<TestUse>();
    const [a, b, c] = labels(buf, 3);
    jmp(buf, a!);
    jmp(buf, b!);
    buf.bindLabel(c!);
    marker(buf, 1);
    buf.bindLabel(a!);
    buf.bindLabel(b!);
    buf.put1(0xc3);
    expect(hex(buf.finish().data)).toBe('e9 06 00 00 00 01 01 c3');
    expect(buf.labelOffset(c!)).toBe(5);
  });

  it('keeps an infinite loop, and never creates an alias cycle', () => {
    const buf = new MachBuffer<TestUse>();
    const [l1, l2, l3] = labels(buf, 3);
    buf.bindLabel(l1!);
    jmp(buf, l2!); // removed: jumps to next
    buf.bindLabel(l2!);
    jmp(buf, l1!); // L1 = L2 = here: a self-loop, kept
    buf.bindLabel(l3!);
    buf.put1(0xc3);
    expect(hex(buf.finish().data)).toBe('e9 ff ff ff ff c3');
    expect(buf.resolveLabel(l1!)).toBe(l1);
    expect(buf.resolveLabel(l2!)).toBe(l2);
  });

  it('does not edit a branch once code follows it', () => {
    const buf = new MachBuffer<TestUse>();
    const [l] = labels(buf, 1);
    jmp(buf, l!);
    marker(buf, 1);
    buf.bindLabel(l!);
    expect(hex(buf.finish().data)).toBe('e9 06 00 00 00 01 01');
  });

  it('leaves a branch with more than 100 labels at it alone', () => {
    const buf = new MachBuffer<TestUse>();
    for (let i = 0; i < 101; i++) buf.bindLabel(buf.getLabel());
    const next = buf.getLabel();
    jmp(buf, next);
    buf.bindLabel(next);
    expect(hex(buf.finish().data)).toBe('e9 04 00 00 00');
  });

  it('moves labels bound at a removed branch to the new tail', () => {
    const buf = new MachBuffer<TestUse>();
    const [entry, a, b] = labels(buf, 3);
    marker(buf, 1);
    buf.bindLabel(a!);
    jmp(buf, b!);
    buf.bindLabel(b!);
    marker(buf, 2);
    buf.bindLabel(entry!);
    jcc(buf, 2, a!); // backwards to where the removed jmp was
    buf.put1(0xc3);
    const out = buf.finish().data;
    expect(buf.labelOffset(a!)).toBe(2);
    expect(buf.labelOffset(b!)).toBe(2);
    expect(hex(out)).toBe('01 01 01 02 82 fd ff ff ff c3');
  });

  it('trims source locations that covered a removed branch', () => {
    const buf = new MachBuffer<TestUse>();
    const [l1, l2] = labels(buf, 2);
    buf.startSrcloc(7);
    marker(buf, 1);
    jmp(buf, l1!);
    buf.endSrcloc();
    buf.startSrcloc(8);
    jmp(buf, l2!);
    buf.endSrcloc();
    buf.bindLabel(l2!); // removes `jmp l2`, then `jmp l1` is no longer at the tail...
    buf.bindLabel(l1!); // ...but it now ends at the tail and goes too
    buf.put1(0xc3);
    const fin = buf.finish();
    expect(hex(fin.data)).toBe('01 01 c3');
    expect(fin.srclocs).toEqual([{ start: 0, end: 2, loc: 7 }]);
  });

  it('validates branch registration', () => {
    const buf = new MachBuffer<TestUse>();
    const [l, m] = labels(buf, 2);
    expect(() => buf.addUncondBranch(0, 5, l!)).toThrow(MachBufferError);
    buf.useLabelAtOffset(1, l!, Rel32);
    expect(() => buf.addUncondBranch(0, 5, m!)).toThrow(/right after the label use/);
    expect(() => buf.addUncondBranch(1, 6, l!)).toThrow(/must start at the tail/);
    expect(() => buf.addCondBranch(0, 5, l!, [1, 2])).toThrow(/inverted branch is 2 bytes/);
  });
});

// ---------------------------------------------------------------------------
// Randomized semantics check
// ---------------------------------------------------------------------------

type Term =
  | { kind: 'jmp'; target: number }
  | { kind: 'br'; cc: number; taken: number; notTaken: number }
  | { kind: 'ret' };

interface Block {
  marker: number | undefined;
  term: Term;
}

/** The condition oracle: depends only on the condition and on how much visible work happened. */
function condHolds(cc: number, markersSoFar: number, seed: number): boolean {
  const h = Math.imul((cc >> 1) * 31 + markersSoFar * 7 + seed, 0x9e3779b1) >>> 29;
  return ((h & 1) === 1) !== ((cc & 1) === 1);
}

const MAX_MARKERS = 40;

function runCfg(blocks: Block[], seed: number): { trace: number[]; returned: boolean } {
  const trace: number[] = [];
  let b = 0;
  for (let steps = 0; steps < 10_000 && trace.length < MAX_MARKERS; steps++) {
    const blk = blocks[b]!;
    if (blk.marker !== undefined) trace.push(blk.marker);
    const t = blk.term;
    if (t.kind === 'ret') return { trace, returned: true };
    b = t.kind === 'jmp' ? t.target : condHolds(t.cc, trace.length, seed) ? t.taken : t.notTaken;
  }
  return { trace: trace.slice(0, MAX_MARKERS), returned: false };
}

function runCode(code: Uint8Array, entry: number, seed: number): { trace: number[]; returned: boolean } {
  const trace: number[] = [];
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  let pc = entry;
  for (let steps = 0; steps < 100_000 && trace.length < MAX_MARKERS; steps++) {
    const op = code[pc];
    if (op === 0x01) {
      trace.push(code[pc + 1]!);
      pc += 2;
    } else if (op === 0xc3) {
      return { trace, returned: true };
    } else if (op === 0xe9) {
      pc = pc + 1 + view.getInt32(pc + 1, true);
    } else if (op !== undefined && (op & 0xf0) === 0x80) {
      pc = condHolds(op & 15, trace.length, seed) ? pc + 1 + view.getInt32(pc + 1, true) : pc + 5;
    } else {
      throw new Error(`bad opcode ${op} at ${pc}`);
    }
  }
  return { trace: trace.slice(0, MAX_MARKERS), returned: false };
}

describe('branch simplification preserves execution', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('random CFG %i', (seed) => {
    let state = seed * 2654435761;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const n = 2 + rand(12);
    const blocks: Block[] = [];
    for (let i = 0; i < n; i++) {
      const r = rand(10);
      const term: Term =
        r < 4
          ? { kind: 'jmp', target: rand(n) }
          : r < 8
            ? { kind: 'br', cc: rand(16), taken: rand(n), notTaken: rand(n) }
            : { kind: 'ret' };
      blocks.push({ marker: rand(3) === 0 ? undefined : 10 + i, term });
    }
    // Emit blocks in a random order, each as lowering would: label, body, terminator.
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rand(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const buf = new MachBuffer<TestUse>();
    buf.reserveLabelsForBlocks(n);
    const label = (i: number): MachLabel => i as MachLabel;
    let naive = 0;
    for (const i of order) {
      const blk = blocks[i]!;
      buf.bindLabel(label(i));
      if (blk.marker !== undefined) marker(buf, blk.marker);
      const t = blk.term;
      if (t.kind === 'jmp') jmp(buf, label(t.target));
      else if (t.kind === 'br') {
        jcc(buf, t.cc, label(t.taken));
        jmp(buf, label(t.notTaken));
      } else buf.put1(0xc3);
      naive += (blk.marker !== undefined ? 2 : 0) + (t.kind === 'jmp' ? 5 : t.kind === 'br' ? 10 : 1);
    }
    const { data } = buf.finish();
    expect(data.length).toBeLessThanOrEqual(naive);
    const entry = buf.labelOffset(label(0))!;
    for (const oracleSeed of [0, 1, 2]) {
      expect(runCode(data, entry, oracleSeed)).toEqual(runCfg(blocks, oracleSeed));
    }
  });
});
