import { describe, expect, it } from 'vitest';
import { EditBuffer, ParallelMoveResolver } from './moveresolver.js';
import { RegClass, preg } from './operand.js';

const R = (i: number): number => preg(RegClass.Int, i);
const S = (i: number): number => ~i; // stack slot allocation
const SCRATCH = R(15);
const EMERGENCY_BASE = 100; // emergency slots are allocated from here

function resolver(withScratch: boolean): ParallelMoveResolver {
  const r = new ParallelMoveResolver();
  r.resetFunction();
  r.scratch[0] = withScratch ? SCRATCH : -1;
  r.borrowReg[0] = R(0);
  let next = EMERGENCY_BASE;
  r.allocSlot = () => next++;
  return r;
}

/**
 * Runs `moves` (parallel) through the resolver and simulates the result:
 * every destination gets its source's old value, every other location keeps
 * its value (except the scratch register and emergency slots), and no edit
 * moves stack to stack.
 */
function check(moves: [number, number][], withScratch: boolean): number {
  const r = resolver(withScratch);
  for (const [src, dst] of moves) r.add(src, dst, 0);
  const out = new EditBuffer();
  r.resolve(7, out);
  const state = new Map<number, string>();
  const val = (a: number): string => state.get(a) ?? `init${a}`;
  for (let k = 0; k < out.n; k++) {
    expect(out.point[k]).toBe(7);
    const from = out.from[k]!;
    const to = out.to[k]!;
    expect(from < 0 && to < 0, `stack-to-stack edit ${from} -> ${to}`).toBe(false);
    state.set(to, val(from));
  }
  const dsts = new Set<number>();
  for (const [src, dst] of moves) {
    dsts.add(dst);
    expect(val(dst), `dst ${dst} should hold the old value of ${src}`).toBe(`init${src}`);
  }
  for (const [loc, v] of state) {
    if (dsts.has(loc) || loc === SCRATCH || (loc < 0 && ~loc >= EMERGENCY_BASE)) continue;
    expect(v, `location ${loc} is not a destination but changed`).toBe(`init${loc}`);
  }
  return out.n;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) {
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  }
  return out;
}

describe('ParallelMoveResolver', () => {
  it('emits independent moves as they are', () => {
    expect(check([[R(1), R(2)], [R(3), R(4)]], true)).toBe(2);
  });

  it('orders a chain so no source is overwritten early', () => {
    // r2 := r1, r3 := r2, r4 := r3 — must run back to front.
    expect(check([[R(1), R(2)], [R(2), R(3)], [R(3), R(4)]], true)).toBe(3);
  });

  it('swaps two registers through the scratch register', () => {
    expect(check([[R(1), R(2)], [R(2), R(1)]], true)).toBe(3);
  });

  it('swaps two registers through a spill slot without a scratch', () => {
    expect(check([[R(1), R(2)], [R(2), R(1)]], false)).toBe(3);
  });

  it('swaps two stack slots (cycle slot plus scratch, or borrowed register)', () => {
    check([[S(1), S(2)], [S(2), S(1)]], true);
    check([[S(1), S(2)], [S(2), S(1)]], false);
  });

  it('handles fan-out: one source, several destinations, inside a cycle', () => {
    check([[R(1), R(2)], [R(2), R(1)], [R(1), R(3)], [R(2), S(4)]], true);
    check([[R(1), R(2)], [R(2), R(1)], [R(1), R(3)], [R(2), S(4)]], false);
  });

  it('drops no-op moves and duplicate moves', () => {
    expect(check([[R(1), R(1)]], true)).toBe(0);
    expect(check([[R(1), R(2)], [R(1), R(2)]], true)).toBe(1);
  });

  it('rejects two different sources for one destination', () => {
    const r = resolver(true);
    r.add(R(1), R(3), 0);
    r.add(R(2), R(3), 0);
    expect(() => r.resolve(0, new EditBuffer())).toThrow(/two moves write/);
  });

  it('is correct for every permutation of up to 5 locations, registers and slots mixed', () => {
    let cases = 0;
    for (let n = 1; n <= 5; n++) {
      for (const perm of permutations(n)) {
        for (let mask = 0; mask < 1 << n; mask++) {
          // Location i is a slot if bit i of mask is set, else a register.
          const loc = (i: number): number => ((mask >> i) & 1 ? S(i + 1) : R(i + 1));
          const moves: [number, number][] = perm.map((p, i) => [loc(p), loc(i)]);
          check(moves, true);
          check(moves, false);
          cases += 2;
        }
      }
    }
    expect(cases).toBe(2 * (1 * 2 + 2 * 4 + 6 * 8 + 24 * 16 + 120 * 32));
  });

  it('is correct for random parallel moves with fan-out (seeded)', () => {
    let s = 12345;
    const rnd = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s >>> 8) % n;
    };
    for (let t = 0; t < 3000; t++) {
      const nloc = 2 + rnd(7);
      const locs = Array.from({ length: nloc }, (_, i) => (rnd(3) === 0 ? S(i + 1) : R(i + 1)));
      const ndst = 1 + rnd(nloc);
      const dsts = [...locs].sort(() => rnd(3) - 1).slice(0, ndst);
      const moves: [number, number][] = dsts.map((d) => [locs[rnd(nloc)]!, d]);
      check(moves, rnd(2) === 0);
    }
  });
});
