/**
 * The sequences `vcode-emit.ts` writes as raw words or through pseudo-
 * instruction expansion (prologue with the stack check, trap sites and
 * stubs, checked division, float→int checks, popcount, jump tables,
 * non-colocated calls, func_addr), decoded by GNU objdump: every word must
 * decode (no `.inst`), and the expected instructions appear in order.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RuntimeAbi, defaultSharedFlags } from '@derrick/codegen';
import { TEST_RUNTIME_ABI } from '@derrick/codegen/test-support';
import { parseFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type AArch64Isa, aarch64IsaBuilder } from './isa.js';

// The shared test ABI, with runtime trap codes offset so a test can tell them from IR codes.
const RT: RuntimeAbi = { ...TEST_RUNTIME_ABI, trapCode: (c) => c + 100 };

const isa = aarch64IsaBuilder().finish(defaultSharedFlags()) as AArch64Isa;

function disasm(code: Uint8Array): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'derrick-a64-'));
  try {
    const file = path.join(dir, 'f.bin');
    writeFileSync(file, code);
    const out = execFileSync('aarch64-linux-gnu-objdump', ['-D', '-b', 'binary', '-m', 'aarch64', file], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter((l) => /^\s+[0-9a-f]+:\t/.test(l))
      .map((l) => l.split('\t').slice(2).join(' ').replace(/\s*\/\/.*$/, '').replace(/\s+/g, ' ').trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `expected` appear in `lines` in this order (each a prefix of some later line). */
function expectInOrder(lines: readonly string[], expected: readonly string[]): void {
  let k = 0;
  for (const l of lines) if (k < expected.length && l.startsWith(expected[k]!)) k++;
  expect({ found: k, missing: expected[k], lines }).toMatchObject({ found: expected.length });
}

describe('emitted sequences decode as intended', () => {
  it('prologue stack check, division checks, trap stubs and their shared tail', () => {
    const f = parseFunction(`function %f(i64 vmctx, i32, i32) -> i32 wasmtime {
block0(v0: i64, v1: i32, v2: i32):
    v3 = sdiv v1, v2
    return v3
}`);
    const lines = disasm(isa.compileFunction(f.stencil, { runtimeAbi: RT }).code);
    expect(lines.filter((l) => l.startsWith('.inst') || l.startsWith('udf'))).toEqual([]);
    expectInOrder(lines, [
      'stp x29, x30, [sp, #-16]!',
      'mov x29, sp',
      'sub sp, sp, #0x10',
      'ldr x16, [x0, #8]',
      'stur x16, [x29, #-8]',
      'ldr x17, [x16]',
      'cmp sp, x17',
      'b.cc',
      'cmp w2, #0x0',
      'b.eq',
      'cmn w2, #0x1',
      'b.ne',
      'mov w16, #0x80000000',
      'cmp w1, w16',
      'b.eq',
      'sdiv w0, w1, w2',
      'ldp x29, x30, [sp], #16',
      'ret',
      'adr x17',
      'b ',
      'adr x17',
      'b ',
      'adr x17',
      'b ',
      'ldur x16, [x29, #-8]',
      'mov w9, #0x',
      'str w9, [x16, #16]',
      'str x17, [x16, #24]',
      'str x29, [x16, #32]',
      'ldr x9, [x16, #8]',
      'mov sp, x9',
      'ldr x9, [sp]',
      'br x9',
    ]);
  });

  it('jump tables, popcount, float→int checks, calls by address and func_addr', () => {
    const f = parseFunction(`function %g(i64 vmctx, i32, f64, i64) -> i64 wasmtime {
    fn0 = %other(i64 vmctx) -> i64 wasmtime
    fn1 = colocated %near(i64 vmctx) -> i64 wasmtime
block0(v0: i64, v1: i32, v2: f64, v3: i64):
    br_table v1, block1, [block2, block3]
block1:
    v4 = popcnt v3
    return v4
block2:
    v5 = fcvt_to_sint.i64 v2
    return v5
block3:
    v6 = call fn0(v0)
    v7 = func_addr.i64 fn1
    v8 = iadd v6, v7
    return v8
}`);
    const code = isa.compileFunction(f.stencil, { runtimeAbi: RT });
    const lines = disasm(code.code);
    expectInOrder(lines, ['mov w16, w1', 'cmp x16, #0x2', 'b.cs', 'adr x17', 'add x17, x17, x16, lsl #2', 'ldrsw x16, [x17]', 'add x17, x17, x16', 'br x17']);
    expectInOrder(lines, ['fmov d31, x', 'cnt v31.8b, v31.8b', 'addv b31, v31.8b', 'umov w']);
    expectInOrder(lines, ['fcmp d', 'b.vs', 'mov x16, #0xc3e0000000000000', 'fmov d31, x16', 'fcmp d', 'b.mi', 'fmov d31, x16', 'fcmp d', 'b.ge', 'fcvtzs x']);
    expectInOrder(lines, ['ldr x16,', 'b ', 'blr x16']);
    expectInOrder(lines, ['adr x17', 'ldrsw x', 'b ', '', 'add x']);
    expect(code.relocs.map((r) => r.kind).sort()).toEqual(['Abs8', 'X86PCRel4']);
  });

  it('branches and traps on plain values are cbnz/cbz (raw trap-site form included)', () => {
    const f = parseFunction(`function %h(i64 vmctx, i64, i32) -> i64 wasmtime {
block0(v0: i64, v1: i64, v2: i32):
    trapnz v2, user7
    trapz v1, user9
    brif v1, block1, block2
block1:
    return v1
block2:
    v3 = iconst.i64 5
    return v3
}`);
    const lines = disasm(isa.compileFunction(f.stencil, { runtimeAbi: RT }).code);
    expectInOrder(lines, ['cbnz w2,', 'cbz x1,', 'cbz x1,']);
    expect(lines.filter((l) => l.startsWith('cmp')).length).toBe(1); // only the prologue's stack check
  });
});

