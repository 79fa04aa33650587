/**
 * What emission records besides bytes — traps, call sites, relocations,
 * constants, branch registration — and the operands it rejects.
 * (Byte-level correctness is `emit.test.ts`, against objdump.)
 */
import { describe, expect, it } from 'vitest';
import { createX64Buffer, emit } from './emit.js';
import { X64EncodeError } from './encode.js';
import { CC, addr, imm, mem, memIndex, reg, ripLabel, type Inst } from './inst.js';
import { printInst } from './print.js';
import { r12, r13, rax, rbx, rcx, rdi, rsp, xmm } from './regs.js';

function run(insts: Inst[]) {
  const buf = createX64Buffer();
  for (const i of insts) emit(i, buf);
  return { buf, fin: buf.finish() };
}

function i32(data: Uint8Array, at: number): number {
  return new DataView(data.buffer, data.byteOffset + at, 4).getInt32(0, true);
}

describe('x64 emission records', () => {
  it('records a trap at the first byte of a memory access that can trap, and at ud2', () => {
    const { fin } = run([
      { kind: 'mov_rr', size: 8, src: rax, dst: rbx },
      { kind: 'load', size: 8, src: mem(rdi, 8, 2), dst: rax },
      { kind: 'store', size: 2, src: rcx, dst: memIndex(rdi, rcx, 0, 0, 2) },
      { kind: 'ud2', trap: 6 },
    ]);
    // mov (3) | load with REX (4) | 66-prefixed store (4) | ud2
    expect(fin.traps).toEqual([
      { offset: 3, code: 2 },
      { offset: 7, code: 2 },
      { offset: 11, code: 6 },
    ]);
  });

  it('defers the ud2 of a conditional trap to the end, with its record', () => {
    const { fin } = run([
      { kind: 'alu', op: 'cmp', size: 4, src: imm(0), dst: rcx },
      { kind: 'trap_if', cc: CC.E, trap: 4 },
      { kind: 'trap_if', cc: CC.E, trap: 4 },
      { kind: 'ret', popBytes: 0 },
    ]);
    // cmp (3) | je (6) | je (6) | ret (1) | ud2 | ud2 — one deferred trap per check
    expect(fin.traps).toEqual([
      { offset: 16, code: 4 },
      { offset: 18, code: 4 },
    ]);
    expect(i32(fin.data, 5)).toBe(16 - 9);
    expect(i32(fin.data, 11)).toBe(18 - 15);
  });

  it('records call sites at return addresses and a relocation for external calls', () => {
    const { buf, fin } = run([
      { kind: 'call', target: { kind: 'name', name: { kind: 'libcall', libcall: 3 } } },
      { kind: 'call_ind', target: reg(r12) },
      { kind: 'call_ind', target: addr(mem(rsp, 8)) },
    ]);
    expect(fin.callSites).toEqual([{ retAddr: 5 }, { retAddr: 8 }, { retAddr: 12 }]);
    expect(fin.relocs).toEqual([
      { offset: 1, kind: 'X86CallPCRel4', target: { kind: 'name', name: { kind: 'libcall', libcall: 3 } }, addend: -4 },
    ]);
    expect(buf.curOffset()).toBe(12);
  });

  it('points a RIP-relative operand at its constant in the pool', () => {
    const buf = createX64Buffer();
    const c = buf.deferConstant([0, 0, 0, 0, 0, 0, 0xf0, 0x3f], 8);
    emit({ kind: 'xmm_mov', op: 'movsd', src: addr(ripLabel(c)), dst: xmm(1) }, buf); // 8 bytes
    emit({ kind: 'store_imm', size: 4, imm: 7, dst: ripLabel(c) }, buf); // 10 bytes, imm after disp
    emit({ kind: 'ret', popBytes: 0 }, buf);
    const fin = buf.finish();
    const at = buf.labelOffset(c)!;
    expect(at).toBe(24); // 19 bytes of code, aligned to 8
    expect(Array.from(fin.data.subarray(at, at + 8))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(8 + i32(fin.data, 4)).toBe(at);
    expect(18 + i32(fin.data, 10)).toBe(at);
    expect(printInst({ kind: 'load', size: 8, src: ripLabel(c), dst: rax })).toBe(`mov rax,QWORD PTR [rip+label${c}]`);
  });

  it('registers jmp and jcc with the buffer, so it can simplify them', () => {
    const buf = createX64Buffer();
    const [next, other, after] = [buf.getLabel(), buf.getLabel(), buf.getLabel()];
    emit({ kind: 'jcond', cc: CC.L, taken: next, notTaken: other }, buf);
    buf.bindLabel(next); // jl next; jmp other; next: → jge other; next:
    emit({ kind: 'int3' }, buf);
    emit({ kind: 'jmp', target: after }, buf);
    buf.bindLabel(after); // a jump to the next instruction: removed
    emit({ kind: 'ret', popBytes: 0 }, buf);
    buf.bindLabel(other);
    emit({ kind: 'ret', popBytes: 0 }, buf);
    const fin = buf.finish();
    expect(Array.from(fin.data)).toEqual([0x0f, 0x8d, 2, 0, 0, 0, 0xcc, 0xc3, 0xc3]);
  });

  it('rejects operands that have no encoding', () => {
    const bad: Inst[] = [
      { kind: 'load', size: 8, src: memIndex(rax, rsp, 0), dst: rax },
      { kind: 'load', size: 8, src: mem(rax, 0x8000_0000), dst: rax },
      { kind: 'mov_ri', size: 8, imm: 0xffff_ffff, dst: rax },
      { kind: 'mov_ri', size: 4, imm: 0x1_0000_0000, dst: rax },
      { kind: 'alu', op: 'add', size: 8, src: imm(0x8000_0000), dst: rax },
      { kind: 'alu', op: 'add', size: 4, src: imm(1.5), dst: rax },
      { kind: 'store_imm', size: 1, imm: 256, dst: mem(rax) },
      { kind: 'store_imm', size: 2, imm: -0x8001, dst: mem(rax) },
      { kind: 'shift', op: 'shl', size: 4, amount: 32, dst: rax },
      { kind: 'shift', op: 'shl', size: 8, amount: -1, dst: rax },
      { kind: 'ret', popBytes: 0x10000 },
      { kind: 'xmm_round', op: 'roundss', mode: 16, src: reg(xmm(0)), dst: xmm(0) },
    ];
    for (const inst of bad) expect(() => emit(inst, createX64Buffer()), JSON.stringify(inst)).toThrow(X64EncodeError);
    // 64-bit shifts take 0..63; r13 without a displacement is fine (disp8 0).
    expect(() => emit({ kind: 'shift', op: 'sar', size: 8, amount: 63, dst: r13 }, createX64Buffer())).not.toThrow();
  });

  it('keeps every single instruction within the architectural 15 bytes', () => {
    const longest: Inst = {
      kind: 'store_imm',
      size: 8,
      imm: -0x8000_0000,
      dst: memIndex(r13, r12, 3, 0x7fff_ffff),
    };
    const { fin } = run([longest]);
    expect(fin.data.length).toBe(12);
    const { fin: f2 } = run([{ kind: 'xmm_round', op: 'roundsd', mode: 1, src: addr(memIndex(r13, r12, 3, 0x7fff_ffff)), dst: xmm(15) }]);
    expect(f2.data.length).toBe(12);
  });
});

describe('the README example', () => {
  it('runs as written', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n(import \{ CC, createX64Buffer[\s\S]*?)```/.exec(readme)![1]!;
    // The example, verbatim, minus its import line (the names come from the package index).
    const body = code.split('\n').slice(1).join('\n');
    const api = await import('./index.js');
    const run = new Function('api', `const { ${Object.keys(api).join(', ')} } = api;\n${body}\nreturn { data, traps };`);
    const { data, traps } = run(api) as { data: Uint8Array; traps: { offset: number; code: number }[] };
    // load (5) | cmp (3) | jge (6) | je (6) | movsd (8) | ret (1) = 29; the final island
    // places the constant (aligned to 32), then the deferred ud2 at 40.
    expect(data.length).toBe(42);
    expect(Array.from(data.subarray(32, 40))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(traps).toEqual([{ offset: 40, code: 4 }]);
    expect(Array.from(data.subarray(40))).toEqual([0x0f, 0x0b]);
    // jge skips to ret (28), je to the ud2 (40), movsd reads the constant (32).
    const i32 = (at: number): number => new DataView(data.buffer, data.byteOffset + at, 4).getInt32(0, true);
    expect(14 + i32(10)).toBe(28);
    expect(20 + i32(16)).toBe(40);
    expect(28 + i32(24)).toBe(32);
  });
});
