/**
 * Golden encoding tests: every instruction form the emitter can produce,
 * checked against GNU objdump as an independent decoder.
 *
 * Two sources of cases:
 *
 * * `GOLDEN` — a hand-written table of (instruction, expected bytes, expected
 *   disassembly), one or more rows per form and per special case of the
 *   encoding (REX bits, forced REX for byte registers, SIB for rsp/r12,
 *   disp8 0 for rbp/r13, imm8 vs imm32). The bytes were written from the SDM,
 *   not from the encoder.
 * * Sweeps — generated combinations: every GPR/XMM in every operand position,
 *   every base × index × scale × displacement class, immediate boundaries,
 *   every condition code, label and RIP-relative forms. Their expected text
 *   is `printInst`, which states the intent of an `Inst` without looking at
 *   its bytes.
 *
 * All encodings go into one file and ONE `objdump -D -b binary -m i386:x86-64
 * -M intel` run decodes them. For each case the decoded instructions must
 * start exactly at the case's first byte, cover exactly its bytes, and read
 * exactly as expected (RIP-relative rows also check objdump's computed target
 * address).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createX64Buffer, emit as emitInst } from './emit.js';
import type { X64Sink } from './encode.js';
import {
  ALU_OPS,
  BIT_COUNT_OPS,
  CC,
  CC_NAMES,
  EXT_MODES,
  MUL_DIV_OPS,
  SHIFT_OPS,
  XMM_MOV_OPS,
  XMM_RM_R_OPS,
  addr,
  imm,
  mem,
  memIndex,
  reg,
  ripLabel,
  type Amode,
  type Inst,
  type InstKind,
  type Shift,
} from './inst.js';
import { printInst } from './print.js';
import {
  ALL_GPRS,
  ALL_XMMS,
  r10,
  r11,
  r12,
  r13,
  r14,
  r15,
  r8,
  r9,
  rax,
  rbp,
  rbx,
  rcx,
  rdi,
  rdx,
  rsi,
  rsp,
  xmm,
} from './regs.js';

// ---------------------------------------------------------------------------
// Case model
// ---------------------------------------------------------------------------

/** Every instruction kind; the `Record` makes the compiler check the list is complete. */
const ALL_KINDS: Record<InstKind, true> = {
  mov_rr: true, mov_ri: true, movabs: true, load: true, movzx: true, movsx: true, store: true, store_imm: true,
  lea: true, alu: true, test: true, imul: true, imul_imm: true, mul_div: true, unary: true, bswap: true, sign_extend_rax: true,
  shift: true, bit_count: true, setcc: true, cmov: true, jmp: true, jcc: true, jcond: true, jmp_ind: true, call: true,
  call_ind: true, ret: true, push: true, pop: true, trap_if: true, ud2: true, int3: true, nop: true, xmm_mov: true,
  xmm_store: true, gpr_to_xmm: true, xmm_to_gpr: true, xmm_rm_r: true, xmm_rm_r_vex: true, xmm_cmp: true, xmm_round: true,
  cvt_int_to_float: true, cvt_float_to_int: true,
};

/** How many times each kind was emitted by the cases. */
const emitted = new Map<InstKind, number>();

function emit(inst: Inst, buf: X64Sink): void {
  emitted.set(inst.kind, (emitted.get(inst.kind) ?? 0) + 1);
  emitInst(inst, buf);
}

/** Expected disassembly lines, given where the case landed in the file and its length. */
type Expect = (base: number, len: number) => string[];

interface Case {
  readonly title: string;
  /** Hand-written expected bytes (hex, space-separated), for the golden table. */
  readonly bytes?: string;
  build(buf: X64Sink): Expect;
}

function instCase(inst: Inst, bytes?: string, asm?: string): Case {
  const text = asm ?? printInst(inst);
  return {
    title: text.replace(/\n/g, '; '),
    ...(bytes === undefined ? {} : { bytes }),
    build(buf) {
      emit(inst, buf);
      return () => text.split('\n');
    },
  };
}

const hex = (n: number): string => '0x' + n.toString(16);

// ---------------------------------------------------------------------------
// The golden table
// ---------------------------------------------------------------------------

const x0 = xmm(0);
const x1 = xmm(1);
const x2 = xmm(2);
const x3 = xmm(3);
const x8 = xmm(8);
const x9 = xmm(9);
const x10 = xmm(10);
const x14 = xmm(14);
const x15 = xmm(15);

const G = (inst: Inst, bytes: string, asm: string): Case => instCase(inst, bytes, asm);

const GOLDEN: Case[] = [
  // mov r/r, r/imm, movabs
  G({ kind: 'mov_rr', size: 8, src: rax, dst: rbx }, '48 89 c3', 'mov rbx,rax'),
  G({ kind: 'mov_rr', size: 4, src: r8, dst: rax }, '44 89 c0', 'mov eax,r8d'),
  G({ kind: 'mov_rr', size: 8, src: r15, dst: r9 }, '4d 89 f9', 'mov r9,r15'),
  G({ kind: 'mov_ri', size: 4, imm: 1, dst: rax }, 'b8 01 00 00 00', 'mov eax,0x1'),
  G({ kind: 'mov_ri', size: 4, imm: -1, dst: r10 }, '41 ba ff ff ff ff', 'mov r10d,0xffffffff'),
  G({ kind: 'mov_ri', size: 8, imm: -2, dst: rcx }, '48 c7 c1 fe ff ff ff', 'mov rcx,0xfffffffffffffffe'),
  G({ kind: 'movabs', imm: 0x123456789abcdef0n, dst: rax }, '48 b8 f0 de bc 9a 78 56 34 12', 'movabs rax,0x123456789abcdef0'),
  G({ kind: 'movabs', imm: -1n, dst: r15 }, '49 bf ff ff ff ff ff ff ff ff', 'movabs r15,0xffffffffffffffff'),
  // loads: every addressing special case
  G({ kind: 'load', size: 8, src: mem(rbx), dst: rax }, '48 8b 03', 'mov rax,QWORD PTR [rbx]'),
  G({ kind: 'load', size: 4, src: mem(rsp), dst: rcx }, '8b 0c 24', 'mov ecx,DWORD PTR [rsp]'),
  G({ kind: 'load', size: 8, src: mem(r12, 8), dst: rdx }, '49 8b 54 24 08', 'mov rdx,QWORD PTR [r12+0x8]'),
  G({ kind: 'load', size: 8, src: mem(rbp), dst: rax }, '48 8b 45 00', 'mov rax,QWORD PTR [rbp+0x0]'),
  G({ kind: 'load', size: 4, src: mem(r13), dst: r9 }, '45 8b 4d 00', 'mov r9d,DWORD PTR [r13+0x0]'),
  G({ kind: 'load', size: 8, src: mem(rax, 0x80), dst: rax }, '48 8b 80 80 00 00 00', 'mov rax,QWORD PTR [rax+0x80]'),
  G({ kind: 'load', size: 8, src: mem(rax, -0x80), dst: rax }, '48 8b 40 80', 'mov rax,QWORD PTR [rax-0x80]'),
  G({ kind: 'load', size: 8, src: memIndex(rdi, rcx, 3, 0x10), dst: rsi }, '48 8b 74 cf 10', 'mov rsi,QWORD PTR [rdi+rcx*8+0x10]'),
  G({ kind: 'load', size: 8, src: memIndex(r8, r12, 0), dst: rax }, '4b 8b 04 20', 'mov rax,QWORD PTR [r8+r12*1]'),
  G({ kind: 'load', size: 4, src: memIndex(rbp, rax, 1), dst: rax }, '8b 44 45 00', 'mov eax,DWORD PTR [rbp+rax*2+0x0]'),
  G(
    { kind: 'load', size: 8, src: memIndex(r13, r9, 2, 0x12345678), dst: rax },
    '4b 8b 84 8d 78 56 34 12',
    'mov rax,QWORD PTR [r13+r9*4+0x12345678]',
  ),
  G({ kind: 'load', size: 8, src: memIndex(rsp, rbp, 0), dst: r11 }, '4c 8b 1c 2c', 'mov r11,QWORD PTR [rsp+rbp*1]'),
  // zero/sign extension
  G({ kind: 'movzx', ext: 'bl', src: reg(rcx), dst: rax }, '0f b6 c1', 'movzx eax,cl'),
  G({ kind: 'movzx', ext: 'bl', src: reg(rsi), dst: rax }, '40 0f b6 c6', 'movzx eax,sil'),
  G({ kind: 'movzx', ext: 'bl', src: addr(mem(rdi)), dst: r8 }, '44 0f b6 07', 'movzx r8d,BYTE PTR [rdi]'),
  G({ kind: 'movzx', ext: 'bq', src: reg(rdi), dst: rax }, '48 0f b6 c7', 'movzx rax,dil'),
  G({ kind: 'movzx', ext: 'wl', src: addr(mem(rsi, 2)), dst: rax }, '0f b7 46 02', 'movzx eax,WORD PTR [rsi+0x2]'),
  G({ kind: 'movzx', ext: 'wq', src: reg(rax), dst: r15 }, '4c 0f b7 f8', 'movzx r15,ax'),
  G({ kind: 'movzx', ext: 'lq', src: reg(rcx), dst: rax }, '8b c1', 'mov eax,ecx'),
  G({ kind: 'movsx', ext: 'bl', src: addr(mem(rax)), dst: rax }, '0f be 00', 'movsx eax,BYTE PTR [rax]'),
  G({ kind: 'movsx', ext: 'bq', src: reg(rsp), dst: rax }, '48 0f be c4', 'movsx rax,spl'),
  G({ kind: 'movsx', ext: 'wq', src: reg(r9), dst: rdx }, '49 0f bf d1', 'movsx rdx,r9w'),
  G({ kind: 'movsx', ext: 'lq', src: reg(rcx), dst: rax }, '48 63 c1', 'movsxd rax,ecx'),
  G({ kind: 'movsx', ext: 'lq', src: addr(mem(r13, 4)), dst: r12 }, '4d 63 65 04', 'movsxd r12,DWORD PTR [r13+0x4]'),
  // stores
  G({ kind: 'store', size: 1, src: rsi, dst: mem(rax) }, '40 88 30', 'mov BYTE PTR [rax],sil'),
  G({ kind: 'store', size: 1, src: rax, dst: mem(rcx) }, '88 01', 'mov BYTE PTR [rcx],al'),
  G({ kind: 'store', size: 1, src: r9, dst: mem(r8) }, '45 88 08', 'mov BYTE PTR [r8],r9b'),
  G({ kind: 'store', size: 2, src: rcx, dst: mem(rax) }, '66 89 08', 'mov WORD PTR [rax],cx'),
  G({ kind: 'store', size: 2, src: r10, dst: mem(r12) }, '66 45 89 14 24', 'mov WORD PTR [r12],r10w'),
  G({ kind: 'store', size: 4, src: rdi, dst: mem(rsp, 4) }, '89 7c 24 04', 'mov DWORD PTR [rsp+0x4],edi'),
  G({ kind: 'store', size: 8, src: rax, dst: mem(rbp, -8) }, '48 89 45 f8', 'mov QWORD PTR [rbp-0x8],rax'),
  G({ kind: 'store_imm', size: 1, imm: 0x7f, dst: mem(rax) }, 'c6 00 7f', 'mov BYTE PTR [rax],0x7f'),
  G({ kind: 'store_imm', size: 2, imm: 0x1234, dst: mem(rax) }, '66 c7 00 34 12', 'mov WORD PTR [rax],0x1234'),
  G({ kind: 'store_imm', size: 4, imm: -1, dst: mem(rbx, 8) }, 'c7 43 08 ff ff ff ff', 'mov DWORD PTR [rbx+0x8],0xffffffff'),
  G({ kind: 'store_imm', size: 8, imm: 5, dst: mem(rsp) }, '48 c7 04 24 05 00 00 00', 'mov QWORD PTR [rsp],0x5'),
  G({ kind: 'lea', size: 8, src: memIndex(rbx, rcx, 2, 0x10), dst: rax }, '48 8d 44 8b 10', 'lea rax,[rbx+rcx*4+0x10]'),
  G({ kind: 'lea', size: 4, src: memIndex(rdi, rsi, 0), dst: rax }, '8d 04 37', 'lea eax,[rdi+rsi*1]'),
  // ALU
  G({ kind: 'alu', op: 'add', size: 8, src: reg(rcx), dst: rax }, '48 01 c8', 'add rax,rcx'),
  G({ kind: 'alu', op: 'sub', size: 4, src: reg(rax), dst: r8 }, '41 29 c0', 'sub r8d,eax'),
  G({ kind: 'alu', op: 'xor', size: 4, src: reg(rax), dst: rax }, '31 c0', 'xor eax,eax'),
  G({ kind: 'alu', op: 'cmp', size: 8, src: reg(r14), dst: r15 }, '4d 39 f7', 'cmp r15,r14'),
  G({ kind: 'alu', op: 'and', size: 8, src: addr(mem(rdi)), dst: rax }, '48 23 07', 'and rax,QWORD PTR [rdi]'),
  G({ kind: 'alu', op: 'or', size: 4, src: addr(mem(rsp, 8)), dst: rcx }, '0b 4c 24 08', 'or ecx,DWORD PTR [rsp+0x8]'),
  G({ kind: 'alu', op: 'adc', size: 8, src: reg(rbx), dst: rdx }, '48 11 da', 'adc rdx,rbx'),
  G({ kind: 'alu', op: 'sbb', size: 4, src: reg(rbx), dst: rdx }, '19 da', 'sbb edx,ebx'),
  G({ kind: 'alu', op: 'add', size: 8, src: imm(8), dst: rsp }, '48 83 c4 08', 'add rsp,0x8'),
  G({ kind: 'alu', op: 'sub', size: 8, src: imm(0x1000), dst: rsp }, '48 81 ec 00 10 00 00', 'sub rsp,0x1000'),
  G({ kind: 'alu', op: 'cmp', size: 4, src: imm(-1), dst: rax }, '83 f8 ff', 'cmp eax,0xffffffff'),
  G({ kind: 'alu', op: 'and', size: 4, src: imm(0xffff), dst: r9 }, '41 81 e1 ff ff 00 00', 'and r9d,0xffff'),
  G({ kind: 'alu', op: 'xor', size: 8, src: imm(-129), dst: rax }, '48 81 f0 7f ff ff ff', 'xor rax,0xffffffffffffff7f'),
  G({ kind: 'alu', op: 'cmp', size: 8, src: imm(127), dst: rax }, '48 83 f8 7f', 'cmp rax,0x7f'),
  G({ kind: 'alu', op: 'add', size: 4, src: imm(128), dst: rax }, '81 c0 80 00 00 00', 'add eax,0x80'),
  G({ kind: 'test', size: 8, src: reg(rax), dst: rax }, '48 85 c0', 'test rax,rax'),
  G({ kind: 'test', size: 4, src: imm(0x10), dst: rax }, 'f7 c0 10 00 00 00', 'test eax,0x10'),
  G({ kind: 'test', size: 4, src: addr(mem(rax)), dst: rcx }, '85 08', 'test DWORD PTR [rax],ecx'),
  G({ kind: 'imul', size: 8, src: reg(rcx), dst: rax }, '48 0f af c1', 'imul rax,rcx'),
  G({ kind: 'imul', size: 4, src: addr(mem(r11)), dst: r10 }, '45 0f af 13', 'imul r10d,DWORD PTR [r11]'),
  G({ kind: 'imul_imm', size: 4, src: reg(rcx), imm: 10, dst: rax }, '6b c1 0a', 'imul eax,ecx,0xa'),
  G({ kind: 'imul_imm', size: 8, src: addr(mem(rdx)), imm: 1000, dst: rax }, '48 69 02 e8 03 00 00', 'imul rax,QWORD PTR [rdx],0x3e8'),
  G({ kind: 'mul_div', op: 'mul', size: 8, src: reg(rcx) }, '48 f7 e1', 'mul rcx'),
  G({ kind: 'mul_div', op: 'imul', size: 4, src: reg(rcx) }, 'f7 e9', 'imul ecx'),
  G({ kind: 'mul_div', op: 'div', size: 4, src: reg(r8) }, '41 f7 f0', 'div r8d'),
  G({ kind: 'mul_div', op: 'idiv', size: 8, src: addr(mem(rsp)) }, '48 f7 3c 24', 'idiv QWORD PTR [rsp]'),
  G({ kind: 'unary', op: 'neg', size: 8, reg: rax }, '48 f7 d8', 'neg rax'),
  G({ kind: 'unary', op: 'not', size: 4, reg: r12 }, '41 f7 d4', 'not r12d'),
  G({ kind: 'bswap', size: 4, reg: rax }, '0f c8', 'bswap eax'),
  G({ kind: 'bswap', size: 8, reg: rcx }, '48 0f c9', 'bswap rcx'),
  G({ kind: 'bswap', size: 4, reg: r12 }, '41 0f cc', 'bswap r12d'),
  G({ kind: 'bswap', size: 8, reg: r15 }, '49 0f cf', 'bswap r15'),
  G({ kind: 'sign_extend_rax', size: 4 }, '99', 'cdq'),
  G({ kind: 'sign_extend_rax', size: 8 }, '48 99', 'cqo'),
  G({ kind: 'shift', op: 'shl', size: 4, amount: 5, dst: rax }, 'c1 e0 05', 'shl eax,0x5'),
  G({ kind: 'shift', op: 'sar', size: 8, amount: 'cl', dst: r9 }, '49 d3 f9', 'sar r9,cl'),
  G({ kind: 'shift', op: 'ror', size: 8, amount: 63, dst: rax }, '48 c1 c8 3f', 'ror rax,0x3f'),
  G({ kind: 'shift', op: 'rol', size: 4, amount: 'cl', dst: rdx }, 'd3 c2', 'rol edx,cl'),
  G({ kind: 'shift', op: 'shr', size: 8, amount: 1, dst: rdi }, '48 c1 ef 01', 'shr rdi,0x1'),
  G({ kind: 'bit_count', op: 'bsf', size: 4, src: reg(rcx), dst: rax }, '0f bc c1', 'bsf eax,ecx'),
  G({ kind: 'bit_count', op: 'bsr', size: 8, src: reg(rdx), dst: rax }, '48 0f bd c2', 'bsr rax,rdx'),
  G({ kind: 'bit_count', op: 'lzcnt', size: 8, src: reg(rcx), dst: rax }, 'f3 48 0f bd c1', 'lzcnt rax,rcx'),
  G({ kind: 'bit_count', op: 'tzcnt', size: 4, src: reg(r9), dst: r8 }, 'f3 45 0f bc c1', 'tzcnt r8d,r9d'),
  G({ kind: 'bit_count', op: 'popcnt', size: 8, src: addr(mem(rdi)), dst: rax }, 'f3 48 0f b8 07', 'popcnt rax,QWORD PTR [rdi]'),
  G({ kind: 'setcc', cc: CC.E, dst: rax }, '0f 94 c0', 'sete al'),
  G({ kind: 'setcc', cc: CC.NE, dst: rsi }, '40 0f 95 c6', 'setne sil'),
  G({ kind: 'setcc', cc: CC.L, dst: r8 }, '41 0f 9c c0', 'setl r8b'),
  G({ kind: 'setcc', cc: CC.A, dst: rbp }, '40 0f 97 c5', 'seta bpl'),
  G({ kind: 'cmov', cc: CC.E, size: 8, src: reg(rcx), dst: rax }, '48 0f 44 c1', 'cmove rax,rcx'),
  G({ kind: 'cmov', cc: CC.GE, size: 4, src: addr(mem(rbx)), dst: rax }, '0f 4d 03', 'cmovge eax,DWORD PTR [rbx]'),
  // control flow without labels
  G({ kind: 'jmp_ind', target: reg(rax) }, 'ff e0', 'jmp rax'),
  G({ kind: 'jmp_ind', target: reg(r11) }, '41 ff e3', 'jmp r11'),
  G({ kind: 'jmp_ind', target: addr(memIndex(rax, rcx, 3)) }, 'ff 24 c8', 'jmp QWORD PTR [rax+rcx*8]'),
  G({ kind: 'call_ind', target: reg(rax) }, 'ff d0', 'call rax'),
  G({ kind: 'call_ind', target: reg(r10) }, '41 ff d2', 'call r10'),
  G({ kind: 'call_ind', target: addr(mem(rdi, 0x10)) }, 'ff 57 10', 'call QWORD PTR [rdi+0x10]'),
  G({ kind: 'ret', popBytes: 0 }, 'c3', 'ret'),
  G({ kind: 'ret', popBytes: 16 }, 'c2 10 00', 'ret 0x10'),
  G({ kind: 'push', src: rbp }, '55', 'push rbp'),
  G({ kind: 'push', src: r12 }, '41 54', 'push r12'),
  G({ kind: 'pop', dst: rbp }, '5d', 'pop rbp'),
  G({ kind: 'pop', dst: r15 }, '41 5f', 'pop r15'),
  G({ kind: 'ud2', trap: 1 }, '0f 0b', 'ud2'),
  G({ kind: 'int3' }, 'cc', 'int3'),
  G({ kind: 'nop', len: 1 }, '90', 'nop'),
  G({ kind: 'nop', len: 2 }, '66 90', 'xchg ax,ax'),
  G({ kind: 'nop', len: 3 }, '0f 1f 00', 'nop DWORD PTR [rax]'),
  G({ kind: 'nop', len: 4 }, '0f 1f 40 00', 'nop DWORD PTR [rax+0x0]'),
  G({ kind: 'nop', len: 5 }, '0f 1f 44 00 00', 'nop DWORD PTR [rax+rax*1+0x0]'),
  G({ kind: 'nop', len: 6 }, '66 0f 1f 44 00 00', 'nop WORD PTR [rax+rax*1+0x0]'),
  G({ kind: 'nop', len: 7 }, '0f 1f 80 00 00 00 00', 'nop DWORD PTR [rax+0x0]'),
  G({ kind: 'nop', len: 8 }, '0f 1f 84 00 00 00 00 00', 'nop DWORD PTR [rax+rax*1+0x0]'),
  G({ kind: 'nop', len: 9 }, '66 0f 1f 84 00 00 00 00 00', 'nop WORD PTR [rax+rax*1+0x0]'),
  G({ kind: 'nop', len: 11 }, '66 0f 1f 84 00 00 00 00 00 66 90', 'nop WORD PTR [rax+rax*1+0x0]\nxchg ax,ax'),
  // SSE
  G({ kind: 'xmm_mov', op: 'movss', src: reg(x1), dst: x0 }, 'f3 0f 10 c1', 'movss xmm0,xmm1'),
  G({ kind: 'xmm_mov', op: 'movss', src: addr(mem(rax)), dst: x8 }, 'f3 44 0f 10 00', 'movss xmm8,DWORD PTR [rax]'),
  G({ kind: 'xmm_mov', op: 'movsd', src: addr(mem(rsp, 8)), dst: x1 }, 'f2 0f 10 4c 24 08', 'movsd xmm1,QWORD PTR [rsp+0x8]'),
  G({ kind: 'xmm_store', op: 'movss', src: x2, dst: mem(rax) }, 'f3 0f 11 10', 'movss DWORD PTR [rax],xmm2'),
  G({ kind: 'xmm_store', op: 'movsd', src: x15, dst: mem(r13) }, 'f2 45 0f 11 7d 00', 'movsd QWORD PTR [r13+0x0],xmm15'),
  G({ kind: 'xmm_mov', op: 'movaps', src: reg(x15), dst: x0 }, '41 0f 28 c7', 'movaps xmm0,xmm15'),
  G({ kind: 'xmm_mov', op: 'movups', src: addr(mem(rdi)), dst: x3 }, '0f 10 1f', 'movups xmm3,XMMWORD PTR [rdi]'),
  G({ kind: 'xmm_mov', op: 'movdqu', src: addr(mem(rax)), dst: x0 }, 'f3 0f 6f 00', 'movdqu xmm0,XMMWORD PTR [rax]'),
  G({ kind: 'xmm_store', op: 'movdqu', src: x9, dst: mem(rax) }, 'f3 44 0f 7f 08', 'movdqu XMMWORD PTR [rax],xmm9'),
  G({ kind: 'xmm_mov', op: 'movq', src: addr(mem(rax)), dst: x0 }, 'f3 0f 7e 00', 'movq xmm0,QWORD PTR [rax]'),
  G({ kind: 'xmm_store', op: 'movq', src: x0, dst: mem(rax) }, '66 0f d6 00', 'movq QWORD PTR [rax],xmm0'),
  G({ kind: 'gpr_to_xmm', size: 4, src: reg(rax), dst: x0 }, '66 0f 6e c0', 'movd xmm0,eax'),
  G({ kind: 'gpr_to_xmm', size: 8, src: reg(r8), dst: x1 }, '66 49 0f 6e c8', 'movq xmm1,r8'),
  G({ kind: 'xmm_to_gpr', size: 4, src: x1, dst: rax }, '66 0f 7e c8', 'movd eax,xmm1'),
  G({ kind: 'xmm_to_gpr', size: 8, src: x10, dst: r9 }, '66 4d 0f 7e d1', 'movq r9,xmm10'),
  G({ kind: 'xmm_rm_r', op: 'addss', src: reg(x1), dst: x0 }, 'f3 0f 58 c1', 'addss xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'addsd', src: addr(mem(rax)), dst: x2 }, 'f2 0f 58 10', 'addsd xmm2,QWORD PTR [rax]'),
  G({ kind: 'xmm_rm_r', op: 'subss', src: reg(x1), dst: x0 }, 'f3 0f 5c c1', 'subss xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'subsd', src: reg(x1), dst: x0 }, 'f2 0f 5c c1', 'subsd xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'mulss', src: reg(x1), dst: x0 }, 'f3 0f 59 c1', 'mulss xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'mulsd', src: reg(x1), dst: x0 }, 'f2 0f 59 c1', 'mulsd xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'divss', src: reg(x1), dst: x0 }, 'f3 0f 5e c1', 'divss xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'divsd', src: reg(x1), dst: x0 }, 'f2 0f 5e c1', 'divsd xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'sqrtss', src: addr(mem(rax)), dst: x0 }, 'f3 0f 51 00', 'sqrtss xmm0,DWORD PTR [rax]'),
  G({ kind: 'xmm_rm_r', op: 'sqrtsd', src: reg(x1), dst: x0 }, 'f2 0f 51 c1', 'sqrtsd xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'minss', src: reg(x1), dst: x0 }, 'f3 0f 5d c1', 'minss xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'maxsd', src: reg(x1), dst: x0 }, 'f2 0f 5f c1', 'maxsd xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'cvtss2sd', src: addr(mem(rax)), dst: x0 }, 'f3 0f 5a 00', 'cvtss2sd xmm0,DWORD PTR [rax]'),
  G({ kind: 'xmm_rm_r', op: 'cvtsd2ss', src: addr(mem(rax)), dst: x0 }, 'f2 0f 5a 00', 'cvtsd2ss xmm0,QWORD PTR [rax]'),
  G({ kind: 'xmm_rm_r', op: 'andps', src: reg(x1), dst: x0 }, '0f 54 c1', 'andps xmm0,xmm1'),
  // (VexShortest) C5 when no X̄/B̄ bit is needed, C4 otherwise; vvvv = src1.
  G({ kind: 'xmm_rm_r_vex', op: 'addss', src1: x1, src2: reg(x2), dst: x0 }, 'c5 f2 58 c2', 'vaddss xmm0,xmm1,xmm2'),
  G({ kind: 'xmm_rm_r_vex', op: 'addsd', src1: x1, src2: addr(mem(rax)), dst: x2 }, 'c5 f3 58 10', 'vaddsd xmm2,xmm1,QWORD PTR [rax]'),
  G({ kind: 'xmm_rm_r_vex', op: 'mulsd', src1: x9, src2: reg(x10), dst: x8 }, 'c4 41 33 59 c2', 'vmulsd xmm8,xmm9,xmm10'),
  G({ kind: 'xmm_rm_r_vex', op: 'subsd', src1: x15, src2: reg(x1), dst: x0 }, 'c5 83 5c c1', 'vsubsd xmm0,xmm15,xmm1'),
  G({ kind: 'xmm_rm_r_vex', op: 'divss', src1: x2, src2: addr(mem(r12)), dst: x1 }, 'c4 c1 6a 5e 0c 24', 'vdivss xmm1,xmm2,DWORD PTR [r12]'),
  G({ kind: 'xmm_rm_r_vex', op: 'addsd', src1: x0, src2: addr(memIndex(rax, r9, 3)), dst: x0 }, 'c4 a1 7b 58 04 c8', 'vaddsd xmm0,xmm0,QWORD PTR [rax+r9*8]'),
  G({ kind: 'xmm_rm_r_vex', op: 'xorps', src1: x3, src2: reg(x3), dst: x3 }, 'c5 e0 57 db', 'vxorps xmm3,xmm3,xmm3'),
  G({ kind: 'xmm_rm_r', op: 'andpd', src: reg(x1), dst: x0 }, '66 0f 54 c1', 'andpd xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'andnps', src: reg(x1), dst: x0 }, '0f 55 c1', 'andnps xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'orps', src: reg(x1), dst: x0 }, '0f 56 c1', 'orps xmm0,xmm1'),
  G({ kind: 'xmm_rm_r', op: 'xorps', src: reg(x8), dst: x8 }, '45 0f 57 c0', 'xorps xmm8,xmm8'),
  G({ kind: 'xmm_rm_r', op: 'pxor', src: addr(mem(rax)), dst: x0 }, '66 0f ef 00', 'pxor xmm0,XMMWORD PTR [rax]'),
  G({ kind: 'xmm_cmp', op: 'ucomiss', src: reg(x1), dst: x0 }, '0f 2e c1', 'ucomiss xmm0,xmm1'),
  G({ kind: 'xmm_cmp', op: 'ucomisd', src: addr(mem(rax)), dst: x0 }, '66 0f 2e 00', 'ucomisd xmm0,QWORD PTR [rax]'),
  G({ kind: 'xmm_round', op: 'roundss', mode: 1, src: reg(x1), dst: x0 }, '66 0f 3a 0a c1 01', 'roundss xmm0,xmm1,0x1'),
  G({ kind: 'xmm_round', op: 'roundsd', mode: 3, src: addr(mem(rax)), dst: x9 }, '66 44 0f 3a 0b 08 03', 'roundsd xmm9,QWORD PTR [rax],0x3'),
  G({ kind: 'cvt_int_to_float', op: 'cvtsi2ss', srcSize: 4, src: reg(rax), dst: x0 }, 'f3 0f 2a c0', 'cvtsi2ss xmm0,eax'),
  G({ kind: 'cvt_int_to_float', op: 'cvtsi2sd', srcSize: 8, src: reg(rax), dst: x1 }, 'f2 48 0f 2a c8', 'cvtsi2sd xmm1,rax'),
  G({ kind: 'cvt_int_to_float', op: 'cvtsi2sd', srcSize: 8, src: addr(mem(rdi)), dst: x0 }, 'f2 48 0f 2a 07', 'cvtsi2sd xmm0,QWORD PTR [rdi]'),
  G({ kind: 'cvt_float_to_int', op: 'cvttss2si', dstSize: 4, src: reg(x0), dst: rax }, 'f3 0f 2c c0', 'cvttss2si eax,xmm0'),
  G({ kind: 'cvt_float_to_int', op: 'cvttsd2si', dstSize: 8, src: reg(x15), dst: rax }, 'f2 49 0f 2c c7', 'cvttsd2si rax,xmm15'),
  G({ kind: 'cvt_float_to_int', op: 'cvttss2si', dstSize: 4, src: addr(mem(rax)), dst: r8 }, 'f3 44 0f 2c 00', 'cvttss2si r8d,DWORD PTR [rax]'),
];

// ---------------------------------------------------------------------------
// Label and RIP-relative forms
// ---------------------------------------------------------------------------

const LABEL_CASES: Case[] = [];

// jmp/jcc/call backwards to the case's first byte, and forwards over an int3.
LABEL_CASES.push({
  title: 'jmp back',
  bytes: 'e9 fb ff ff ff',
  build(buf) {
    const l = buf.getLabel();
    buf.bindLabel(l);
    emit({ kind: 'jmp', target: l }, buf);
    return (base) => [`jmp ${hex(base)}`];
  },
});
LABEL_CASES.push({
  title: 'jmp forward',
  bytes: 'e9 01 00 00 00 cc',
  build(buf) {
    const l = buf.getLabel();
    emit({ kind: 'jmp', target: l }, buf);
    emit({ kind: 'int3' }, buf);
    buf.bindLabel(l);
    return (base) => [`jmp ${hex(base + 6)}`, 'int3'];
  },
});
for (let cc = 0; cc < 16; cc++) {
  const c = cc as CC;
  LABEL_CASES.push({
    title: `j${CC_NAMES[cc]} back`,
    build(buf) {
      const l = buf.getLabel();
      buf.bindLabel(l);
      emit({ kind: 'jcc', cc: c, target: l }, buf);
      return (base) => [`j${CC_NAMES[cc]} ${hex(base)}`];
    },
  });
  LABEL_CASES.push({
    title: `j${CC_NAMES[cc]} forward`,
    ...(cc === CC.E ? { bytes: '0f 84 01 00 00 00 cc' } : {}),
    build(buf) {
      const l = buf.getLabel();
      emit({ kind: 'jcc', cc: c, target: l }, buf);
      emit({ kind: 'int3' }, buf);
      buf.bindLabel(l);
      return (base) => [`j${CC_NAMES[cc]} ${hex(base + 7)}`, 'int3'];
    },
  });
  // Two-target branch kept as is (neither target is the fall-through)…
  LABEL_CASES.push({
    title: `jcond ${CC_NAMES[cc]}`,
    build(buf) {
      const taken = buf.getLabel();
      const notTaken = buf.getLabel();
      emit({ kind: 'jcond', cc: c, taken, notTaken }, buf);
      emit({ kind: 'int3' }, buf);
      buf.bindLabel(taken);
      emit({ kind: 'int3' }, buf);
      buf.bindLabel(notTaken);
      emit({ kind: 'int3' }, buf);
      return (base) => [`j${CC_NAMES[cc]} ${hex(base + 12)}`, `jmp ${hex(base + 13)}`, 'int3', 'int3', 'int3'];
    },
  });
  // …and simplified by the buffer into the inverse condition when the taken
  // target is the fall-through: this checks the inverted bytes of every cc.
  LABEL_CASES.push({
    title: `jcond ${CC_NAMES[cc]} inverted`,
    build(buf) {
      const taken = buf.getLabel();
      const notTaken = buf.getLabel();
      emit({ kind: 'jcond', cc: c, taken, notTaken }, buf);
      buf.bindLabel(taken);
      emit({ kind: 'int3' }, buf);
      buf.bindLabel(notTaken);
      emit({ kind: 'int3' }, buf);
      return (base) => [`j${CC_NAMES[cc ^ 1]} ${hex(base + 7)}`, 'int3', 'int3'];
    },
  });
  LABEL_CASES.push({
    title: `trap_if ${CC_NAMES[cc]}`,
    build(buf) {
      emit({ kind: 'trap_if', cc: c, trap: 3 }, buf);
      return (base) => [`j${CC_NAMES[cc]} ${hex(base + 6)}`, 'ud2'];
    },
  });
}
LABEL_CASES.push({
  title: 'call label back',
  bytes: 'e8 fb ff ff ff',
  build(buf) {
    const l = buf.getLabel();
    buf.bindLabel(l);
    emit({ kind: 'call', target: { kind: 'label', label: l } }, buf);
    return (base) => [`call ${hex(base)}`];
  },
});
LABEL_CASES.push({
  title: 'call external name',
  bytes: 'e8 00 00 00 00',
  build(buf) {
    emit({ kind: 'call', target: { kind: 'name', name: { kind: 'user', ref: 0 } } }, buf);
    // The relocation is not applied: the displacement stays 0.
    return (base) => [`call ${hex(base + 5)}`];
  },
});

/**
 * A RIP-relative form: the instruction, an int3, then the label. objdump
 * prints the displacement (+1) and, as a comment, the target address.
 */
function ripCase(make: (a: Amode) => Inst, bytes?: string): Case {
  return {
    title: `rip: ${printInst(make(ripLabel(0 as never)))}`,
    ...(bytes === undefined ? {} : { bytes }),
    build(buf) {
      const l = buf.getLabel();
      const inst = make(ripLabel(l));
      emit(inst, buf);
      emit({ kind: 'int3' }, buf);
      buf.bindLabel(l);
      const text = printInst(inst).replace(`[rip+label${l}]`, '[rip+0x1]');
      return (base, len) => [`${text} # ${hex(base + len)}`, 'int3'];
    },
  };
}

const RIP_CASES: Case[] = [
  ripCase((a) => ({ kind: 'load', size: 8, src: a, dst: rax }), '48 8b 05 01 00 00 00 cc'),
  ripCase((a) => ({ kind: 'load', size: 4, src: a, dst: r13 })),
  ripCase((a) => ({ kind: 'lea', size: 8, src: a, dst: r8 }), '4c 8d 05 01 00 00 00 cc'),
  ripCase((a) => ({ kind: 'movzx', ext: 'bl', src: addr(a), dst: rsi })),
  ripCase((a) => ({ kind: 'movsx', ext: 'lq', src: addr(a), dst: r9 })),
  ripCase((a) => ({ kind: 'alu', op: 'cmp', size: 8, src: addr(a), dst: r12 })),
  ripCase((a) => ({ kind: 'test', size: 4, src: addr(a), dst: rax })),
  // Immediates after the displacement: the bias must include them (RipBias).
  ripCase((a) => ({ kind: 'store_imm', size: 1, imm: 0x12, dst: a }), 'c6 05 01 00 00 00 12 cc'),
  ripCase((a) => ({ kind: 'store_imm', size: 2, imm: 0x1234, dst: a }), '66 c7 05 01 00 00 00 34 12 cc'),
  ripCase((a) => ({ kind: 'store_imm', size: 4, imm: -2, dst: a })),
  ripCase((a) => ({ kind: 'store_imm', size: 8, imm: 0x7fff_ffff, dst: a })),
  ripCase((a) => ({ kind: 'imul_imm', size: 4, src: addr(a), imm: 3, dst: rcx })),
  ripCase((a) => ({ kind: 'imul_imm', size: 8, src: addr(a), imm: 0x10000, dst: r15 })),
  ripCase((a) => ({ kind: 'xmm_round', op: 'roundsd', mode: 2, src: addr(a), dst: x10 })),
  ripCase((a) => ({ kind: 'store', size: 1, src: rdi, dst: a })),
  ripCase((a) => ({ kind: 'xmm_mov', op: 'movss', src: addr(a), dst: x0 }), 'f3 0f 10 05 01 00 00 00 cc'),
  ripCase((a) => ({ kind: 'xmm_mov', op: 'movsd', src: addr(a), dst: x15 })),
  ripCase((a) => ({ kind: 'xmm_mov', op: 'movdqu', src: addr(a), dst: x1 })),
  ripCase((a) => ({ kind: 'xmm_rm_r', op: 'andps', src: addr(a), dst: x2 })),
  ripCase((a) => ({ kind: 'xmm_rm_r', op: 'xorpd', src: addr(a), dst: x8 })),
  ripCase((a) => ({ kind: 'xmm_rm_r_vex', op: 'mulsd', src1: x14, src2: addr(a), dst: x8 })),
  ripCase((a) => ({ kind: 'xmm_cmp', op: 'ucomisd', src: addr(a), dst: x3 })),
  ripCase((a) => ({ kind: 'cvt_int_to_float', op: 'cvtsi2ss', srcSize: 8, src: addr(a), dst: x9 })),
  ripCase((a) => ({ kind: 'cvt_float_to_int', op: 'cvttsd2si', dstSize: 4, src: addr(a), dst: r10 })),
  ripCase((a) => ({ kind: 'jmp_ind', target: addr(a) })),
  ripCase((a) => ({ kind: 'call_ind', target: addr(a) })),
  ripCase((a) => ({ kind: 'mul_div', op: 'div', size: 8, src: addr(a) })),
  ripCase((a) => ({ kind: 'cmov', cc: CC.B, size: 8, src: addr(a), dst: rdx })),
  ripCase((a) => ({ kind: 'bit_count', op: 'popcnt', size: 4, src: addr(a), dst: r11 })),
  ripCase((a) => ({ kind: 'gpr_to_xmm', size: 8, src: addr(a), dst: x2 })),
  ripCase((a) => ({ kind: 'xmm_store', op: 'movq', src: x14, dst: a })),
];

// ---------------------------------------------------------------------------
// Sweeps
// ---------------------------------------------------------------------------

const GPRS = ALL_GPRS;
const XMMS = ALL_XMMS;
const SIZES = [4, 8] as const;
const SHIFTS: Shift[] = [0, 1, 2, 3];

/** Displacements at every width boundary. */
const DISPS = [0, 1, -1, 0x7f, 0x80, -0x80, -0x81, 0x1234, 0x7fff_ffff, -0x8000_0000];

/** Every base with every displacement class, and every base × index × scale. */
const AMODES_FULL: Amode[] = [
  ...GPRS.flatMap((b) => DISPS.map((d) => mem(b, d))),
  ...GPRS.flatMap((b) =>
    GPRS.filter((i) => i !== rsp).flatMap((i) => SHIFTS.flatMap((s) => [0, 0x10, -0x200].map((d) => memIndex(b, i, s, d)))),
  ),
];

/** One of each addressing special case, for forms swept over registers. */
const AMODES: Amode[] = [
  mem(rax),
  mem(rsp),
  mem(r12),
  mem(rbp),
  mem(r13),
  mem(rbx, 8),
  mem(rsp, -0x80),
  mem(r11, -0x1000),
  mem(r15, 0x7fff_ffff),
  memIndex(rax, rcx, 2),
  memIndex(rbp, rax, 0),
  memIndex(r13, r12, 3, 0x40),
  memIndex(rsp, r15, 1, -8),
  memIndex(r12, rbp, 2, 0x100),
  memIndex(r8, r9, 0, 0x12345),
];

const IMM32 = [0, 1, -1, 0x7f, 0x80, -0x80, -0x81, 0x7fff, 0x8000, 0x7fff_ffff, -0x8000_0000, 0x1234_5678];
/** 32-bit operands also accept unsigned spellings. */
const IMM32_U = [...IMM32, 0xffff_ffff, 0x8000_0000, 0xdead_beef];
const IMM64 = [0n, 1n, -1n, 0x7fff_ffffn, 0x8000_0000n, 0x1_0000_0000n, 0x1234_5678_9abc_def0n, -0x8000_0000_0000_0000n];

function sweep(): Inst[] {
  const out: Inst[] = [];
  const push = (i: Inst): void => void out.push(i);
  const at = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

  for (const size of SIZES) {
    for (const src of GPRS) for (const dst of GPRS) push({ kind: 'mov_rr', size, src, dst });
    for (const dst of GPRS) for (const v of size === 4 ? IMM32_U : IMM32) push({ kind: 'mov_ri', size, imm: v, dst });
    AMODES_FULL.forEach((a, i) => push({ kind: 'load', size, src: a, dst: at(GPRS, i + size) }));
    for (const dst of GPRS) for (const a of AMODES) push({ kind: 'lea', size, src: a, dst });
  }
  for (const dst of GPRS) for (const v of IMM64) push({ kind: 'movabs', imm: v, dst });
  AMODES_FULL.forEach((a, i) => push({ kind: 'lea', size: 8, src: a, dst: at(GPRS, i) }));

  for (const ext of EXT_MODES) {
    for (const src of GPRS) for (const dst of GPRS) {
      push({ kind: 'movzx', ext, src: reg(src), dst });
      push({ kind: 'movsx', ext, src: reg(src), dst });
    }
    for (const dst of GPRS) for (const a of AMODES) {
      push({ kind: 'movzx', ext, src: addr(a), dst });
      push({ kind: 'movsx', ext, src: addr(a), dst });
    }
  }

  for (const size of [1, 2, 4, 8] as const) {
    for (const src of GPRS) for (const a of AMODES) push({ kind: 'store', size, src, dst: a });
    const imms = size === 1 ? [0, 1, 0x7f, 0x80, 0xff, -1, -128] : size === 2 ? [0, 0x7fff, 0x8000, 0xffff, -1, -0x8000] : IMM32;
    for (const v of imms) for (const a of AMODES) push({ kind: 'store_imm', size, imm: v, dst: a });
  }
  AMODES_FULL.forEach((a, i) => push({ kind: 'store', size: 1, src: at(GPRS, i * 7), dst: a }));

  for (const size of SIZES) {
    const imms = size === 4 ? IMM32_U : IMM32;
    for (const op of ALU_OPS) {
      for (const src of GPRS) for (const dst of GPRS) push({ kind: 'alu', op, size, src: reg(src), dst });
      for (const dst of GPRS) for (const a of AMODES) push({ kind: 'alu', op, size, src: addr(a), dst });
      for (const dst of GPRS) for (const v of imms) push({ kind: 'alu', op, size, src: imm(v), dst });
    }
    for (const src of GPRS) for (const dst of GPRS) {
      push({ kind: 'test', size, src: reg(src), dst });
      push({ kind: 'imul', size, src: reg(src), dst });
      push({ kind: 'imul_imm', size, src: reg(src), imm: (src * 37 + dst) % 2 === 0 ? -3 : 0x1_0000, dst });
    }
    for (const dst of GPRS) {
      for (const a of AMODES) {
        push({ kind: 'test', size, src: addr(a), dst });
        push({ kind: 'imul', size, src: addr(a), dst });
      }
      for (const v of imms) {
        push({ kind: 'test', size, src: imm(v), dst });
        push({ kind: 'imul_imm', size, src: reg(at(GPRS, dst + 3)), imm: v, dst });
        push({ kind: 'imul_imm', size, src: addr(at(AMODES, dst)), imm: v, dst });
      }
    }
    for (const op of MUL_DIV_OPS) {
      for (const r of GPRS) push({ kind: 'mul_div', op, size, src: reg(r) });
      for (const a of AMODES) push({ kind: 'mul_div', op, size, src: addr(a) });
    }
    for (const r of GPRS) {
      push({ kind: 'unary', op: 'neg', size, reg: r });
      push({ kind: 'unary', op: 'not', size, reg: r });
    }
    push({ kind: 'sign_extend_rax', size });
    for (const r of GPRS) push({ kind: 'bswap', size, reg: r });
    for (const op of SHIFT_OPS) {
      for (const dst of GPRS) {
        for (const amount of ['cl', 0, 1, 7, 8, size * 8 - 1] as const) push({ kind: 'shift', op, size, amount, dst });
      }
    }
    for (const op of BIT_COUNT_OPS) {
      for (const src of GPRS) for (const dst of GPRS) push({ kind: 'bit_count', op, size, src: reg(src), dst });
      for (const dst of GPRS) for (const a of AMODES) push({ kind: 'bit_count', op, size, src: addr(a), dst });
    }
    for (let cc = 0; cc < 16; cc++) {
      for (const src of GPRS) for (const dst of GPRS) {
        if (size === 8 || (src + dst + cc) % 4 === 0) push({ kind: 'cmov', cc: cc as CC, size, src: reg(src), dst });
      }
      for (const a of AMODES) push({ kind: 'cmov', cc: cc as CC, size, src: addr(a), dst: at(GPRS, cc) });
    }
  }
  for (let cc = 0; cc < 16; cc++) for (const dst of GPRS) push({ kind: 'setcc', cc: cc as CC, dst });

  for (const r of GPRS) {
    push({ kind: 'jmp_ind', target: reg(r) });
    push({ kind: 'call_ind', target: reg(r) });
    push({ kind: 'push', src: r });
    push({ kind: 'pop', dst: r });
  }
  for (const a of AMODES) {
    push({ kind: 'jmp_ind', target: addr(a) });
    push({ kind: 'call_ind', target: addr(a) });
  }
  for (const popBytes of [0, 1, 8, 0x7fff, 0xffff]) push({ kind: 'ret', popBytes });
  for (let len = 1; len <= 30; len++) push({ kind: 'nop', len });
  push({ kind: 'ud2', trap: 1 });
  push({ kind: 'int3' });

  for (const op of XMM_MOV_OPS) {
    for (const src of XMMS) for (const dst of XMMS) push({ kind: 'xmm_mov', op, src: reg(src), dst });
    for (const r of XMMS) for (const a of AMODES) {
      push({ kind: 'xmm_mov', op, src: addr(a), dst: r });
      push({ kind: 'xmm_store', op, src: r, dst: a });
    }
  }
  for (const size of SIZES) {
    for (const x of XMMS) for (const gr of GPRS) {
      push({ kind: 'gpr_to_xmm', size, src: reg(gr), dst: x });
      push({ kind: 'xmm_to_gpr', size, src: x, dst: gr });
      push({ kind: 'cvt_int_to_float', op: 'cvtsi2ss', srcSize: size, src: reg(gr), dst: x });
      push({ kind: 'cvt_int_to_float', op: 'cvtsi2sd', srcSize: size, src: reg(gr), dst: x });
      push({ kind: 'cvt_float_to_int', op: 'cvttss2si', dstSize: size, src: reg(x), dst: gr });
      push({ kind: 'cvt_float_to_int', op: 'cvttsd2si', dstSize: size, src: reg(x), dst: gr });
    }
    for (const a of AMODES) {
      for (const i of [0, 7, 8, 15]) {
        const x = XMMS[i]!;
        const gr = GPRS[i]!;
        push({ kind: 'gpr_to_xmm', size, src: addr(a), dst: x });
        push({ kind: 'cvt_int_to_float', op: 'cvtsi2ss', srcSize: size, src: addr(a), dst: x });
        push({ kind: 'cvt_int_to_float', op: 'cvtsi2sd', srcSize: size, src: addr(a), dst: x });
        push({ kind: 'cvt_float_to_int', op: 'cvttss2si', dstSize: size, src: addr(a), dst: gr });
        push({ kind: 'cvt_float_to_int', op: 'cvttsd2si', dstSize: size, src: addr(a), dst: gr });
      }
    }
  }
  for (const op of XMM_RM_R_OPS) {
    for (const src of XMMS) for (const dst of XMMS) push({ kind: 'xmm_rm_r', op, src: reg(src), dst });
    for (const dst of XMMS) for (const a of AMODES) push({ kind: 'xmm_rm_r', op, src: addr(a), dst });
  }
  for (const op of XMM_RM_R_OPS) {
    for (const src1 of [0, 7, 8, 15].map((i) => XMMS[i]!)) {
      for (const src2 of XMMS) for (const dst of XMMS) push({ kind: 'xmm_rm_r_vex', op, src1, src2: reg(src2), dst });
      for (const dst of [0, 9].map((i) => XMMS[i]!)) for (const a of AMODES) push({ kind: 'xmm_rm_r_vex', op, src1, src2: addr(a), dst });
    }
  }
  for (const op of ['ucomiss', 'ucomisd'] as const) {
    for (const src of XMMS) for (const dst of XMMS) push({ kind: 'xmm_cmp', op, src: reg(src), dst });
    for (const dst of XMMS) for (const a of AMODES) push({ kind: 'xmm_cmp', op, src: addr(a), dst });
  }
  for (const op of ['roundss', 'roundsd'] as const) {
    for (const src of XMMS) for (const dst of XMMS) push({ kind: 'xmm_round', op, mode: (src + dst) & 15, src: reg(src), dst });
    for (const dst of XMMS) for (const a of AMODES) push({ kind: 'xmm_round', op, mode: dst & 3, src: addr(a), dst });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Running objdump
// ---------------------------------------------------------------------------

interface Decoded {
  readonly len: number;
  readonly text: string;
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Decode `bytes` with one objdump run; map each instruction's offset to its length and text. */
function objdump(bytes: Uint8Array): Map<number, Decoded> {
  const dir = mkdtempSync(path.join(tmpdir(), 'derrick-x64-golden-'));
  try {
    const file = path.join(dir, 'code.bin');
    writeFileSync(file, bytes);
    const out = execFileSync(
      'objdump',
      ['-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', '--insn-width=15', file],
      { encoding: 'utf8', maxBuffer: 1 << 30 },
    );
    const map = new Map<number, Decoded>();
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$/.exec(line);
      if (m === null) continue;
      const len = m[2]!.trim().split(/\s+/).length;
      map.set(parseInt(m[1]!, 16), { len, text: normalize(m[3]!) });
    }
    return map;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Built {
  readonly c: Case;
  readonly data: Uint8Array;
  readonly base: number;
  readonly expect: string[];
}

function bytesHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Check every case against the decoding; return one message per failing case. */
function compare(built: readonly Built[], decoded: Map<number, Decoded>): string[] {
  const failures: string[] = [];
  for (const b of built) {
    let off = b.base;
    const got: string[] = [];
    let ok = true;
    for (const want of b.expect) {
      const d = decoded.get(off);
      if (d === undefined) {
        ok = false;
        got.push(`<no instruction at ${hex(off)}>`);
        break;
      }
      got.push(d.text);
      if (d.text !== normalize(want)) ok = false;
      off += d.len;
    }
    if (off !== b.base + b.data.length) ok = false;
    if (!ok) {
      failures.push(
        `${b.c.title} @${hex(b.base)} [${bytesHex(b.data)}]: expected ${JSON.stringify(b.expect)}, objdump ${JSON.stringify(got)}` +
          (off !== b.base + b.data.length ? ` (decoded ${off - b.base} of ${b.data.length} bytes)` : ''),
      );
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

const SWEEP: Case[] = sweep().map((i) => instCase(i));
const ALL: Case[] = [...GOLDEN, ...LABEL_CASES, ...RIP_CASES, ...SWEEP];

let built: Built[] = [];
let decoded = new Map<number, Decoded>();

beforeAll(() => {
  let base = 0;
  built = ALL.map((c) => {
    const buf = createX64Buffer();
    const exp = c.build(buf);
    const data = buf.finish().data;
    const b: Built = { c, data, base, expect: exp(base, data.length) };
    base += data.length;
    return b;
  });
  const all = new Uint8Array(base);
  for (const b of built) all.set(b.data, b.base);
  decoded = objdump(all);
});

describe('x64 encodings against objdump', () => {
  it('the golden table: bytes are exactly the hand-written ones', () => {
    const mismatches = built
      .filter((b) => b.c.bytes !== undefined && bytesHex(b.data) !== b.c.bytes)
      .map((b) => `${b.c.title}: expected ${b.c.bytes}, encoded ${bytesHex(b.data)}`);
    expect(mismatches).toEqual([]);
    expect(built.filter((b) => b.c.bytes !== undefined).length).toBeGreaterThan(150);
  });

  it('the golden table decodes to its expected disassembly', () => {
    expect(compare(built.slice(0, GOLDEN.length), decoded)).toEqual([]);
  });

  it('label, branch, call and RIP-relative forms decode with the right targets', () => {
    const n = GOLDEN.length;
    const failures = compare(built.slice(n, n + LABEL_CASES.length + RIP_CASES.length), decoded);
    expect(failures).toEqual([]);
  });

  it(`the sweep (${SWEEP.length} instructions) decodes exactly as printed`, () => {
    const failures = compare(built.slice(GOLDEN.length + LABEL_CASES.length + RIP_CASES.length), decoded);
    expect(failures.slice(0, 40)).toEqual([]);
    expect(failures.length).toBe(0);
  });

  it('covers every instruction kind', () => {
    const missing = Object.keys(ALL_KINDS).filter((k) => !emitted.has(k as InstKind));
    expect(missing).toEqual([]);
    expect(SWEEP.length).toBeGreaterThan(20_000);
  });
});
