/**
 * Printing x64 instructions in the Intel syntax GNU objdump uses
 * (`objdump -M intel`): `mov eax,DWORD PTR [rbx+rcx*4+0x10]`.
 *
 * Matching objdump exactly — operand order, `PTR` size keywords, immediates
 * as two's-complement hex at the operand width, `+0x0` for an encoded zero
 * displacement — lets the golden tests compare the printed intent of an
 * `Inst` with an independent decoding of its bytes, token for token. The
 * printer therefore follows objdump's spelling even where it is odd (`test`
 * with a memory operand puts the memory first; the two-byte NOP prints as
 * `xchg ax,ax`). Labels and external names, which objdump cannot know, print
 * as `label3` and `u0:7`-style names.
 *
 * A form that emits several machine instructions (`jcond`, long `nop`s)
 * prints one line per instruction, joined by `\n`.
 */
import type { MachLabel } from '@derrick/codegen';
import { nopSequence } from './emit.js';
import { CC_NAMES, type Amode, type ExtMode, type GprMem, type Inst, type XmmMem } from './inst.js';
import { gprName, xmmName, type Gpr, type OperandSize, type Xmm } from './regs.js';

const PTR: Record<number, string> = { 1: 'BYTE PTR', 2: 'WORD PTR', 4: 'DWORD PTR', 8: 'QWORD PTR', 16: 'XMMWORD PTR' };

/** `0x…` of `v` as an unsigned two's-complement value of `bits` bits. */
export function hexImm(v: number | bigint, bits: number): string {
  return '0x' + BigInt.asUintN(bits, BigInt(v)).toString(16);
}

function hexSigned(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`;
}

export function labelName(l: MachLabel): string {
  return `label${l}`;
}

/** `[base+index*scale+disp]` as objdump prints it. */
export function amodeText(a: Amode): string {
  switch (a.kind) {
    case 'base_disp':
    case 'base_index': {
      let s = '[' + gprName(a.base, 8);
      if (a.kind === 'base_index') s += `+${gprName(a.index, 8)}*${1 << a.shift}`;
      // An encoded displacement prints even when zero (rbp/r13 bases need one).
      if (a.disp !== 0 || (a.base & 7) === 5) s += hexSigned(a.disp);
      return s + ']';
    }
    case 'rip_label':
      return `[rip+${labelName(a.label)}]`;
  }
}

function memText(a: Amode, size: number): string {
  return `${PTR[size]} ${amodeText(a)}`;
}

function gprMemText(rm: GprMem, size: OperandSize): string {
  return rm.kind === 'reg' ? gprName(rm.reg, size) : memText(rm.addr, size);
}

function xmmMemText(rm: XmmMem, memSize: number): string {
  return rm.kind === 'reg' ? xmmName(rm.reg) : memText(rm.addr, memSize);
}

const EXT_SIZES: Record<ExtMode, { from: OperandSize; to: OperandSize }> = {
  bl: { from: 1, to: 4 },
  bq: { from: 1, to: 8 },
  wl: { from: 2, to: 4 },
  wq: { from: 2, to: 8 },
  lq: { from: 4, to: 8 },
};

/** SSE forms whose memory operand is a scalar single (4 bytes) or double (8 bytes); all others read 16. */
const XMM_MEM4 = new Set(['movss', 'addss', 'subss', 'mulss', 'divss', 'sqrtss', 'minss', 'maxss', 'cvtss2sd', 'ucomiss', 'roundss', 'cvttss2si']);
const XMM_MEM8 = new Set(['movsd', 'movq', 'addsd', 'subsd', 'mulsd', 'divsd', 'sqrtsd', 'minsd', 'maxsd', 'cvtsd2ss', 'ucomisd', 'roundsd', 'cvttsd2si']);

function xmmMemSize(op: string): number {
  return XMM_MEM4.has(op) ? 4 : XMM_MEM8.has(op) ? 8 : 16;
}

const NOP_TEXT: readonly string[] = [
  '',
  'nop',
  'xchg ax,ax',
  'nop DWORD PTR [rax]',
  'nop DWORD PTR [rax+0x0]',
  'nop DWORD PTR [rax+rax*1+0x0]',
  'nop WORD PTR [rax+rax*1+0x0]',
  'nop DWORD PTR [rax+0x0]',
  'nop DWORD PTR [rax+rax*1+0x0]',
  'nop WORD PTR [rax+rax*1+0x0]',
];

function g(r: Gpr, size: OperandSize): string {
  return gprName(r, size);
}

function x(r: Xmm): string {
  return xmmName(r);
}

/** Intel-syntax text of `inst`, one line per machine instruction. */
export function printInst(inst: Inst): string {
  switch (inst.kind) {
    case 'mov_rr':
      return `mov ${g(inst.dst, inst.size)},${g(inst.src, inst.size)}`;
    case 'mov_ri':
      return `mov ${g(inst.dst, inst.size)},${hexImm(inst.imm, inst.size * 8)}`;
    case 'movabs':
      return `movabs ${g(inst.dst, 8)},${hexImm(inst.imm, 64)}`;
    case 'load':
      return `mov ${g(inst.dst, inst.size)},${memText(inst.src, inst.size)}`;
    case 'movzx': {
      const { from, to } = EXT_SIZES[inst.ext];
      if (inst.ext === 'lq') return `mov ${g(inst.dst, 4)},${gprMemText(inst.src, 4)}`;
      return `movzx ${g(inst.dst, to)},${gprMemText(inst.src, from)}`;
    }
    case 'movsx': {
      const { from, to } = EXT_SIZES[inst.ext];
      return `${inst.ext === 'lq' ? 'movsxd' : 'movsx'} ${g(inst.dst, to)},${gprMemText(inst.src, from)}`;
    }
    case 'store':
      return `mov ${memText(inst.dst, inst.size)},${g(inst.src, inst.size)}`;
    case 'store_imm':
      return `mov ${memText(inst.dst, inst.size)},${hexImm(inst.imm, inst.size * 8)}`;
    case 'lea':
      return `lea ${g(inst.dst, inst.size)},${amodeText(inst.src)}`;
    case 'alu': {
      const s = inst.src;
      const src = s.kind === 'imm' ? hexImm(s.imm, inst.size * 8) : gprMemText(s, inst.size);
      return `${inst.op} ${g(inst.dst, inst.size)},${src}`;
    }
    case 'test': {
      const s = inst.src;
      if (s.kind === 'mem') return `test ${memText(s.addr, inst.size)},${g(inst.dst, inst.size)}`;
      const src = s.kind === 'imm' ? hexImm(s.imm, inst.size * 8) : g(s.reg, inst.size);
      return `test ${g(inst.dst, inst.size)},${src}`;
    }
    case 'imul':
      return `imul ${g(inst.dst, inst.size)},${gprMemText(inst.src, inst.size)}`;
    case 'imul_imm':
      return `imul ${g(inst.dst, inst.size)},${gprMemText(inst.src, inst.size)},${hexImm(inst.imm, inst.size * 8)}`;
    case 'mul_div':
      return `${inst.op} ${gprMemText(inst.src, inst.size)}`;
    case 'unary':
      return `${inst.op} ${g(inst.reg, inst.size)}`;
    case 'bswap':
      return `bswap ${g(inst.reg, inst.size)}`;
    case 'sign_extend_rax':
      return inst.size === 8 ? 'cqo' : 'cdq';
    case 'shift':
      return `${inst.op} ${g(inst.dst, inst.size)},${inst.amount === 'cl' ? 'cl' : hexImm(inst.amount, 8)}`;
    case 'bit_count':
      return `${inst.op} ${g(inst.dst, inst.size)},${gprMemText(inst.src, inst.size)}`;
    case 'setcc':
      return `set${CC_NAMES[inst.cc]} ${g(inst.dst, 1)}`;
    case 'cmov':
      return `cmov${CC_NAMES[inst.cc]} ${g(inst.dst, inst.size)},${gprMemText(inst.src, inst.size)}`;
    case 'jmp':
      return `jmp ${labelName(inst.target)}`;
    case 'jcc':
      return `j${CC_NAMES[inst.cc]} ${labelName(inst.target)}`;
    case 'jcond':
      return `j${CC_NAMES[inst.cc]} ${labelName(inst.taken)}\njmp ${labelName(inst.notTaken)}`;
    case 'jmp_ind':
      return `jmp ${gprMemText(inst.target, 8)}`;
    case 'call': {
      const t = inst.target;
      if (t.kind === 'label') return `call ${labelName(t.label)}`;
      const n = t.name;
      return `call ${n.kind === 'user' ? `userextname${n.ref}` : n.kind === 'libcall' ? `libcall${n.libcall}` : `%${n.name}`}`;
    }
    case 'call_ind':
      return `call ${gprMemText(inst.target, 8)}`;
    case 'ret':
      return inst.popBytes === 0 ? 'ret' : `ret ${hexImm(inst.popBytes, 16)}`;
    case 'push':
      return `push ${g(inst.src, 8)}`;
    case 'pop':
      return `pop ${g(inst.dst, 8)}`;
    case 'trap_if':
      return `j${CC_NAMES[inst.cc]} trap${inst.trap}`;
    case 'ud2':
      return 'ud2';
    case 'int3':
      return 'int3';
    case 'nop':
      return nopSequence(inst.len)
        .map((s) => NOP_TEXT[s.length]!)
        .join('\n');
    case 'xmm_mov':
      return `${inst.op} ${x(inst.dst)},${xmmMemText(inst.src, xmmMemSize(inst.op))}`;
    case 'xmm_store':
      return `${inst.op} ${memText(inst.dst, xmmMemSize(inst.op))},${x(inst.src)}`;
    case 'gpr_to_xmm':
      return `${inst.size === 8 ? 'movq' : 'movd'} ${x(inst.dst)},${gprMemText(inst.src, inst.size)}`;
    case 'xmm_to_gpr':
      return `${inst.size === 8 ? 'movq' : 'movd'} ${g(inst.dst, inst.size)},${x(inst.src)}`;
    case 'xmm_rm_r':
      return `${inst.op} ${x(inst.dst)},${xmmMemText(inst.src, xmmMemSize(inst.op))}`;
    case 'xmm_rm_r_vex':
      return `v${inst.op} ${x(inst.dst)},${x(inst.src1)},${xmmMemText(inst.src2, xmmMemSize(inst.op))}`;
    case 'xmm_cmp':
      return `${inst.op} ${x(inst.dst)},${xmmMemText(inst.src, xmmMemSize(inst.op))}`;
    case 'xmm_round':
      return `${inst.op} ${x(inst.dst)},${xmmMemText(inst.src, xmmMemSize(inst.op))},${hexImm(inst.mode, 8)}`;
    case 'cvt_int_to_float':
      return `${inst.op} ${x(inst.dst)},${gprMemText(inst.src, inst.srcSize)}`;
    case 'cvt_float_to_int':
      return `${inst.op} ${g(inst.dst, inst.dstSize)},${xmmMemText(inst.src, xmmMemSize(inst.op))}`;
  }
}
