import { defaultSharedFlags, lowerFunction } from '@derrick/codegen';
import { OPCODE_COUNT, Opcode, opcodeName, parseFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { X64Lower } from './lower.js';
import { RULES_BY_OPCODE, X64_LOWER_RULES } from './lower-rules.js';
import type { MInst } from './minst.js';
import { allX64Flags, x64SettingsBuilder } from './settings.js';

function lowerKinds(src: string, all = false): string[] {
  const f = parseFunction(src);
  const flags = all ? allX64Flags() : x64SettingsBuilder().finish();
  const { vcode } = lowerFunction(f.stencil, new X64Lower(f.stencil, flags));
  return (vcode.insts as MInst[]).map((m) => m.kind);
}
function lowerInsts(src: string, all = false): MInst[] {
  const f = parseFunction(src);
  const flags = all ? allX64Flags() : x64SettingsBuilder().finish();
  return lowerFunction(f.stencil, new X64Lower(f.stencil, flags)).vcode.insts as MInst[];
}

describe('the x64 rule table', () => {
  it('covers every scalar opcode, each with a catch-all rule of priority 0', () => {
    const missing: string[] = [];
    for (let op = 0; op < OPCODE_COUNT; op++) {
      const rules = RULES_BY_OPCODE[op]!;
      if (rules.length === 0 || rules[rules.length - 1]!.priority !== 0) missing.push(opcodeName(op as Opcode));
    }
    expect(missing).toEqual([]);
  });

  it('is sorted by priority per opcode, and every rule documents itself', () => {
    for (const rules of RULES_BY_OPCODE) {
      for (let k = 1; k < rules.length; k++) expect(rules[k - 1]!.priority).toBeGreaterThanOrEqual(rules[k]!.priority);
    }
    for (const r of X64_LOWER_RULES) {
      expect(r.doc.length).toBeGreaterThan(5);
      expect(r.opcodes.length).toBeGreaterThan(0);
    }
  });
});

describe('rule priorities and merges', () => {
  const clz = `function %f(i32) -> i32 {
block0(v0: i32):
    v1 = clz v0
    return v1
}`;
  it('clz: lzcnt when has_lzcnt (priority 10), bsr + cmov otherwise', () => {
    const withFlag = lowerInsts(clz, true).filter((m) => m.kind === 'bit_count');
    expect(withFlag.map((m) => (m as { op: string }).op)).toEqual(['lzcnt']);
    const without = lowerInsts(clz, false);
    expect(without.filter((m) => m.kind === 'bit_count').map((m) => (m as { op: string }).op)).toEqual(['bsr']);
    expect(without.some((m) => m.kind === 'cmov')).toBe(true);
  });

  it('float arithmetic takes the AVX three-operand form with has_avx', () => {
    const f = `function %f(f64, f64) -> f64 {
block0(v0: f64, v1: f64):
    v2 = fmul v0, v1
    v3 = fadd v2, v0
    return v3
}`;
    const kinds = (all: boolean): string[] => lowerKinds(f, all).filter((k) => k.startsWith('xmm_bin'));
    expect(kinds(false)).toEqual(['xmm_bin', 'xmm_bin']);
    expect(kinds(true)).toEqual(['xmm_bin_vex', 'xmm_bin_vex']);
  });

  it('popcnt and rounding follow has_popcnt / has_sse41', () => {
    const pop = `function %f(i64) -> i64 {
block0(v0: i64):
    v1 = popcnt v0
    return v1
}`;
    expect(lowerKinds(pop, true)).toContain('bit_count');
    expect(lowerKinds(pop, false)).not.toContain('bit_count');
    const ceil = `function %f(f64) -> f64 {
block0(v0: f64):
    v1 = ceil v0
    return v1
}`;
    expect(lowerKinds(ceil, true)).toContain('xmm_round');
    expect(lowerKinds(ceil, false)).toContain('round_seq');
  });

  it('imul by a constant takes the three-operand immediate form', () => {
    const k = lowerInsts(`function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 10
    v2 = imul v1, v0
    return v2
}`);
    expect(k.filter((m) => m.kind !== 'args' && m.kind !== 'ret').map((m) => m.kind)).toEqual(['imul_imm']);
  });

  it('uextend of an i32 whose 32-bit computation cleared the upper bits is a coalescable move (ZeroedUpper32)', () => {
    /** The MInst kinds (args and ret left out) of a function of `params` whose body is `lines`, returning `ret`. */
    const body = (params: string, lines: string, ret: string, retTy = 'i64'): string[] =>
      lowerInsts(`function %f(${params}) -> ${retTy} {\nblock0(${params.split(', ').map((t, i) => `v${i}: ${t}`).join(', ')}):\n${lines}\n    return ${ret}\n}`)
        .filter((m) => m.kind !== 'args' && m.kind !== 'ret')
        .map((m) => m.kind);
    expect(body('i32, i32', '    v2 = iadd v0, v1\n    v3 = uextend.i64 v2', 'v3')).toEqual(['lea', 'mov_rr']);
    // A parameter's upper bits are unknown, and a shift by 0 may not write.
    expect(body('i32', '    v1 = uextend.i64 v0', 'v1')).toEqual(['movzx']);
    expect(body('i32', '    v1 = ishl_imm v0, 32\n    v2 = uextend.i64 v1', 'v2')).toEqual(['shift', 'movzx']);
    // Other zero-extensions take the same shortcut: u32 → f64 converts the register as it is.
    expect(body('i32', '    v1 = band_imm v0, 0x3ff\n    v2 = fcvt_from_uint.f64 v1', 'v2', 'f64')).toEqual(['alu', 'cvt_i2f']);
  });

  it('an iconst operand becomes an immediate and is not materialized', () => {
    const k = lowerInsts(`function %f(i64) -> i64 {
block0(v0: i64):
    v1 = iconst.i64 1000
    v2 = iadd v0, v1
    return v2
}`);
    const body = k.filter((m) => m.kind !== 'args' && m.kind !== 'ret');
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ kind: 'alu', op: 'add', src2: { kind: 'imm', imm: 1000 } });
  });

  it('a single-use load merges into its ALU user as a memory operand', () => {
    const k = lowerInsts(`function %f(i64, i32) -> i32 {
block0(v0: i64, v1: i32):
    v2 = load.i32 notrap aligned v0+16
    v3 = iadd v1, v2
    return v3
}`);
    expect(k.map((m) => m.kind)).toEqual(['args', 'alu', 'ret']);
    expect(k[1]).toMatchObject({ kind: 'alu', src2: { kind: 'mem', addr: { kind: 'reg_disp', disp: 16 } } });
  });

  it('a load is not merged across a store', () => {
    const k = lowerKinds(`function %f(i64, i32) -> i32 {
block0(v0: i64, v1: i32):
    v2 = load.i32 notrap aligned v0
    store notrap aligned v1, v0+4
    v3 = iadd v1, v2
    return v3
}`);
    expect(k).toEqual(['args', 'load', 'store', 'alu', 'ret']);
  });

  it('an icmp feeding brif becomes cmp + jcc (no boolean materialized)', () => {
    const k = lowerKinds(`function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = icmp slt v0, v1
    brif v2, block1, block2
block1:
    return v0
block2:
    return v1
}`);
    expect(k).toEqual(['args', 'cmp', 'jcond', 'ret', 'ret']);
  });

  it('address arithmetic folds into the addressing mode', () => {
    const k = lowerInsts(`function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = iadd v0, v1
    v3 = load.i64 notrap aligned v2+8
    return v3
}`);
    expect(k.map((m) => m.kind)).toEqual(['args', 'load', 'ret']);
    expect(k[1]).toMatchObject({ src: { kind: 'reg_index', disp: 8 } });
  });

  it('dead pure instructions are not lowered', () => {
    expect(
      lowerKinds(`function %f(i32) -> i32 {
block0(v0: i32):
    v1 = imul v0, v0
    v2 = popcnt v1
    return v0
}`),
    ).toEqual(['args', 'ret']);
  });
});

void defaultSharedFlags;
