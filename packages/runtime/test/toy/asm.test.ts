/**
 * Every instruction form of the toy assembler, checked against GNU objdump's
 * disassembly (Intel syntax), so the toy compiler's machine code is right
 * byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Asm, Cond, R, mem } from './asm.js';

const CASES: [string, (a: Asm) => void][] = [
  ['push rbp', (a) => a.push(R.rbp)],
  ['push r15', (a) => a.push(R.r15)],
  ['pop r10', (a) => a.pop(R.r10)],
  ['push QWORD PTR [rax+0x8]', (a) => a.pushMem(mem(R.rax, 8))],
  ['push QWORD PTR [rbp-0x18]', (a) => a.pushMem(mem(R.rbp, -24))],
  ['mov rbp,rsp', (a) => a.movRR(R.rbp, R.rsp)],
  ['mov r12,rdx', (a) => a.movRR(R.r12, R.rdx)],
  ['mov eax,esi', (a) => a.movRR32(R.rax, R.rsi)],
  ['mov rax,QWORD PTR [rdi+0x8]', (a) => a.load64(R.rax, mem(R.rdi, 8))],
  ['mov rcx,QWORD PTR [rsp+0x0]', (a) => a.load64(R.rcx, mem(R.rsp, 0))],
  ['mov r9,QWORD PTR [r12+0x40]', (a) => a.load64(R.r9, mem(R.r12, 64))],
  ['mov r11d,DWORD PTR [r10+0x8]', (a) => a.load32(R.r11, mem(R.r10, 8))],
  ['mov rsp,QWORD PTR [rax+0x8]', (a) => a.load64(R.rsp, mem(R.rax, 8))],
  ['mov QWORD PTR [rdx+0x8],rcx', (a) => a.store64(mem(R.rdx, 8), R.rcx)],
  ['mov QWORD PTR [rsp+0x10],r8', (a) => a.store64(mem(R.rsp, 16), R.r8)],
  ['mov DWORD PTR [rax+0x10],esi', (a) => a.store32(mem(R.rax, 16), R.rsi)],
  ['mov DWORD PTR [rax-0x4],r8d', (a) => a.store32(mem(R.rax, -4), R.r8)],
  ['lea rdx,[rsp+0x10]', (a) => a.lea(R.rdx, mem(R.rsp, 16))],
  ['mov eax,0x2a', (a) => a.movImm32(R.rax, 42)],
  ['mov esi,0x6', (a) => a.movImm32(R.rsi, 6)],
  ['movabs rcx,0xfffffffffffffffe', (a) => a.movImm64(R.rcx, -2n)],
  ['add eax,ecx', (a) => a.add(R.rax, R.rcx, false)],
  ['add r10,r11', (a) => a.add(R.r10, R.r11)],
  ['sub rax,rcx', (a) => a.sub(R.rax, R.rcx)],
  ['imul eax,ecx', (a) => a.imul(R.rax, R.rcx, false)],
  ['imul rax,rcx', (a) => a.imul(R.rax, R.rcx)],
  ['add rax,QWORD PTR [rdx+0x0]', (a) => a.addMem(R.rax, mem(R.rdx, 0))],
  ['add rsp,0x8', (a) => a.addImm(R.rsp, 8)],
  ['sub rsp,0x30', (a) => a.subImm(R.rsp, 48)],
  ['sub rcx,0x5', (a) => a.subImm(R.rcx, 5)],
  ['shl r10,0x3', (a) => a.shlImm(R.r10, 3)],
  ['shr rax,0x10', (a) => a.shrImm(R.rax, 16)],
  ['cmp rsp,QWORD PTR [rax+0x0]', (a) => a.cmpMem(R.rsp, mem(R.rax, 0))],
  ['cmp r10,QWORD PTR [r11+0x8]', (a) => a.cmpMem(R.r10, mem(R.r11, 8))],
  ['cmp r11d,DWORD PTR [rax+0xc]', (a) => a.cmpMem(R.r11, mem(R.rax, 12), false)],
  ['test rax,rax', (a) => a.test(R.rax, R.rax)],
  ['test ecx,ecx', (a) => a.test(R.rcx, R.rcx, false)],
  ['test r10,r10', (a) => a.test(R.r10, R.r10)],
  ['xor eax,eax', (a) => a.xor32(R.rax, R.rax)],
  ['div ecx', (a) => a.div32(R.rcx)],
  ['call QWORD PTR [rdi+0x8]', (a) => a.callMem(mem(R.rdi, 8))],
  ['call QWORD PTR [r10+0x0]', (a) => a.callMem(mem(R.r10, 0))],
  ['call rax', (a) => a.callReg(R.rax)],
  ['leave', (a) => a.leave()],
  ['ret', (a) => a.ret()],
];

function objdump(bytes: Uint8Array): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'derrick-asm-'));
  try {
    const file = join(dir, 'code.bin');
    writeFileSync(file, bytes);
    const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', file], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter((l) => /^\s+[0-9a-f]+:\t/.test(l) && l.split('\t').length >= 3)
      .map((l) => l.split('\t')[2]!.replace(/\s+/g, ' ').replace(/ ?#.*$/, '').trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('toy assembler', () => {
  it('encodes every form as objdump reads it', () => {
    const a = new Asm();
    for (const [, emit] of CASES) emit(a);
    expect(objdump(a.finish())).toEqual(CASES.map(([text]) => text));
  });

  it('patches rel32 branches and calls', () => {
    const a = new Asm();
    const j = a.jcc(Cond.ae);
    const c = a.callRel();
    const k = a.jmpRel();
    a.patch(j, 0);
    a.patch(c, 0);
    a.patch(k, 16);
    a.ud2();
    expect(objdump(a.finish())).toEqual(['jae 0x0', 'call 0x0', 'jmp 0x10', 'ud2']);
  });
});
