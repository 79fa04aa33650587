import { defaultSharedFlags, lowerFunction } from '@derrick/codegen';
import { OPCODE_COUNT, Opcode, opcodeName, parseFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { AArch64Isa, aarch64IsaBuilder } from './isa.js';
import { AArch64Lower } from './lower.js';
import { AARCH64_LOWER_RULES, RULES_BY_OPCODE } from './lower-rules.js';
import type { MInst } from './minst.js';
import { aarch64SettingsBuilder } from './settings.js';

function lower(src: string): MInst[] {
  const f = parseFunction(src);
  return lowerFunction(f.stencil, new AArch64Lower(f.stencil, aarch64SettingsBuilder().finish())).vcode.insts as MInst[];
}
/** The A64 kinds (`op`) and pseudo kinds of a lowering, in order. */
function kinds(src: string): string[] {
  return lower(src).map((m) => (m.kind === 'op' ? `${m.inst.kind}${'op' in m.inst ? `:${String(m.inst.op)}` : ''}` : m.kind));
}

describe('the aarch64 rule table', () => {
  it('has a catch-all rule of priority 0 for every opcode the x64 table lowers', () => {
    // (Scalar IR: every opcode of the IR is scalar today; SIMD opcodes will need rules of their own.)
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
    for (const r of AARCH64_LOWER_RULES) {
      expect(r.doc.length).toBeGreaterThan(5);
      expect(r.opcodes.length).toBeGreaterThan(0);
    }
  });
});

describe('rule priorities and merges', () => {
  it('iadd of a constant is add #imm12 (priority 10), a negative one sub #imm12', () => {
    expect(kinds(`function %f(i64) -> i64, i64 {
block0(v0: i64):
    v1 = iconst.i64 4095
    v2 = iadd v0, v1
    v3 = iconst.i64 -16
    v4 = iadd v0, v3
    return v2, v4
}`)).toEqual(['args', 'alu_rr_imm12:add', 'alu_rr_imm12:sub', 'ret']);
  });

  it('brif on icmp is one cmp and one b.cond: no boolean materialized', () => {
    expect(kinds(`function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = icmp slt v0, v1
    brif v2, block1, block2
block1:
    return v0
block2:
    return v1
}`)).toEqual(['args', 'alu_rrr:subs', 'br', 'ret', 'ret']);
  });

  it('a load folds base + constant into a scaled offset, and base + uextend(i32) into a uxtw index', () => {
    const ms = lower(`function %f(i64, i32) -> i64, i32 {
block0(v0: i64, v1: i32):
    v2 = iadd_imm v0, 64
    v3 = load.i64 v2
    v4 = uextend.i64 v1
    v5 = iadd v0, v4
    v6 = load.i32 v5
    return v3, v6
}`).filter((m) => m.kind === 'op' && m.inst.kind === 'load');
    expect(ms.map((m) => (m.kind === 'op' ? (m.inst as unknown as { addr: { kind: string } }).addr.kind : ''))).toEqual(['offset', 'reg']);
    expect(ms.map((m) => (m.kind === 'op' ? (m.inst as unknown as { addr: { offset?: number; extend?: string } }).addr : {}))).toMatchObject([{ offset: 64 }, { extend: 'uxtw' }]);
  });

  it('shifts by a constant are bitfield moves; popcnt is the NEON pseudo; ctz is rbit + clz', () => {
    expect(kinds(`function %f(i32) -> i32, i32 {
block0(v0: i32):
    v1 = ushr_imm v0, 3
    v2 = popcnt v0
    v3 = ctz v0
    v4 = iadd v1, v2
    return v4, v3
}`)).toEqual(['args', 'bit_field:ubfm', 'popcnt', 'bit_rr:rbit', 'bit_rr:clz', 'alu_rrr:add', 'ret']);
  });

  it('sdiv is the checked div pseudo; srem of narrow values extends first', () => {
    const ms = lower(`function %f(i8, i8) -> i8 {
block0(v0: i8, v1: i8):
    v2 = sdiv v0, v1
    return v2
}`);
    const div = ms.find((m) => m.kind === 'div');
    expect(div).toMatchObject({ signed: true, rem: false, narrowBits: 8, size: 4 });
    expect(ms.filter((m) => m.kind === 'op' && m.inst.kind === 'bit_field').length).toBe(2);
  });
});

describe('the ISA', () => {
  it('builds from aarch64 triples only, with its flags all off, and compiles a function', () => {
    const isa = aarch64IsaBuilder().finish(defaultSharedFlags()) as AArch64Isa;
    expect(isa.name).toBe('aarch64');
    expect(isa.isaFlags.get('has_lse')).toBe(false);
    expect(isa.hashKey()).toMatch(/^aarch64\|aarch64-unknown-linux-gnu\|/);
    expect(() => aarch64IsaBuilder('x86_64-unknown-linux-gnu')).toThrow(/not an AArch64 triple/);
    const f = parseFunction(`function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = iadd v0, v1
    return v2
}`);
    const code = isa.compileFunction(f.stencil);
    // stp x29, x30, [sp, #-16]!; mov x29, sp; add x0, x0, x1; ldp x29, x30, [sp], #16; ret
    expect(Array.from(new Uint32Array(code.code.buffer, code.code.byteOffset, code.code.length / 4), (w) => w.toString(16))).toEqual([
      'a9bf7bfd',
      '910003fd',
      '8b010000',
      'a8c17bfd',
      'd65f03c0',
    ]);
  });

  it('maps Arm64Call to Branch26 and the func_addr word to PCRel32 for text layout', () => {
    const isa = aarch64IsaBuilder().finish(defaultSharedFlags());
    expect(isa.labelUseForReloc('Arm64Call', 0)?.name).toBe('Branch26');
    expect(isa.labelUseForReloc('X86PCRel4', 0)?.name).toBe('PCRel32');
    expect(isa.labelUseForReloc('Abs8', 0)).toBeUndefined();
  });
});
