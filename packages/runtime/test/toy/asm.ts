/**
 * A tiny x86-64 assembler for the toy compiler (test-only): just the
 * instruction forms the toy needs, each encoded by hand from the Intel SDM.
 * `asm.test.ts` checks every form against `objdump -d -M intel`, so a wrong
 * byte cannot hide.
 *
 * Memory operands are always `[base + disp32]` (ModRM mod=10, with a SIB byte
 * when the base is rsp or r12), which works for every base register.
 */

export const enum R {
  rax = 0,
  rcx = 1,
  rdx = 2,
  rbx = 3,
  rsp = 4,
  rbp = 5,
  rsi = 6,
  rdi = 7,
  r8 = 8,
  r9 = 9,
  r10 = 10,
  r11 = 11,
  r12 = 12,
  r13 = 13,
  r14 = 14,
  r15 = 15,
}

export const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Condition codes (the low nibble of `0f 8x`). */
export const enum Cond {
  b = 0x2,
  ae = 0x3,
  e = 0x4,
  ne = 0x5,
  be = 0x6,
  a = 0x7,
}

export interface Mem {
  readonly base: R;
  readonly disp: number;
}

export const mem = (base: R, disp = 0): Mem => ({ base, disp });

export class Asm {
  readonly bytes: number[] = [];

  get offset(): number {
    return this.bytes.length;
  }

  #u32(v: number): void {
    const x = v >>> 0;
    this.bytes.push(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff);
  }

  #rex(w: boolean, reg: number, rm: number, force = false): void {
    const rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((rm >> 3) & 1);
    if (rex !== 0x40 || force) this.bytes.push(rex);
  }

  /** ModRM (+SIB) + disp32 for `[m.base + m.disp]` with `reg` in the reg field. */
  #modrmMem(reg: number, m: Mem): void {
    this.bytes.push(0x80 | ((reg & 7) << 3) | (m.base & 7));
    if ((m.base & 7) === 4) this.bytes.push(0x24);
    this.#u32(m.disp);
  }

  #modrmReg(reg: number, rm: number): void {
    this.bytes.push(0xc0 | ((reg & 7) << 3) | (rm & 7));
  }

  /** `op reg, [mem]` / `op [mem], reg` style: opcode bytes, then ModRM with a memory operand. */
  #rm(w: boolean, opcode: readonly number[], reg: number, m: Mem): void {
    this.#rex(w, reg, m.base);
    this.bytes.push(...opcode);
    this.#modrmMem(reg, m);
  }

  #rr(w: boolean, opcode: readonly number[], reg: number, rm: number): void {
    this.#rex(w, reg, rm);
    this.bytes.push(...opcode);
    this.#modrmReg(reg, rm);
  }

  push(r: R): void {
    this.#rex(false, 0, r);
    this.bytes.push(0x50 + (r & 7));
  }
  pop(r: R): void {
    this.#rex(false, 0, r);
    this.bytes.push(0x58 + (r & 7));
  }
  /** `push QWORD PTR [m]` */
  pushMem(m: Mem): void {
    this.#rm(false, [0xff], 6, m);
  }
  /** `mov dst, src` (64-bit) */
  movRR(dst: R, src: R): void {
    this.#rr(true, [0x89], src, dst);
  }
  /** `mov dst32, src32` (zero-extends) */
  movRR32(dst: R, src: R): void {
    this.#rr(false, [0x89], src, dst);
  }
  /** `mov dst, QWORD PTR [m]` */
  load64(dst: R, m: Mem): void {
    this.#rm(true, [0x8b], dst, m);
  }
  /** `mov dst32, DWORD PTR [m]` */
  load32(dst: R, m: Mem): void {
    this.#rm(false, [0x8b], dst, m);
  }
  /** `mov QWORD PTR [m], src` */
  store64(m: Mem, src: R): void {
    this.#rm(true, [0x89], src, m);
  }
  /** `mov DWORD PTR [m], src32` */
  store32(m: Mem, src: R): void {
    this.#rm(false, [0x89], src, m);
  }
  /** `lea dst, [m]` */
  lea(dst: R, m: Mem): void {
    this.#rm(true, [0x8d], dst, m);
  }
  /** `mov dst32, imm32` (zero-extends to 64 bits) */
  movImm32(dst: R, imm: number): void {
    this.#rex(false, 0, dst);
    this.bytes.push(0xb8 + (dst & 7));
    this.#u32(imm);
  }
  /** `movabs dst, imm64` */
  movImm64(dst: R, imm: bigint): void {
    this.#rex(true, 0, dst);
    this.bytes.push(0xb8 + (dst & 7));
    let v = BigInt.asUintN(64, imm);
    for (let i = 0; i < 8; i++, v >>= 8n) this.bytes.push(Number(v & 0xffn));
  }
  /** `add dst, src` / `add dst32, src32` */
  add(dst: R, src: R, w = true): void {
    this.#rr(w, [0x01], src, dst);
  }
  sub(dst: R, src: R, w = true): void {
    this.#rr(w, [0x29], src, dst);
  }
  /** `imul dst, src` */
  imul(dst: R, src: R, w = true): void {
    this.#rr(w, [0x0f, 0xaf], dst, src);
  }
  /** `add dst, QWORD PTR [m]` */
  addMem(dst: R, m: Mem): void {
    this.#rm(true, [0x03], dst, m);
  }
  /** `add r, imm32` (64-bit, sign-extended imm) */
  addImm(r: R, imm: number): void {
    this.#rex(true, 0, r);
    this.bytes.push(0x81);
    this.#modrmReg(0, r);
    this.#u32(imm);
  }
  /** `sub r, imm32` (64-bit) */
  subImm(r: R, imm: number): void {
    this.#rex(true, 0, r);
    this.bytes.push(0x81);
    this.#modrmReg(5, r);
    this.#u32(imm);
  }
  /** `shl r, imm8` / `shr r, imm8` (64-bit) */
  shlImm(r: R, imm: number): void {
    this.#rex(true, 0, r);
    this.bytes.push(0xc1);
    this.#modrmReg(4, r);
    this.bytes.push(imm & 0xff);
  }
  shrImm(r: R, imm: number): void {
    this.#rex(true, 0, r);
    this.bytes.push(0xc1);
    this.#modrmReg(5, r);
    this.bytes.push(imm & 0xff);
  }
  /** `cmp reg, QWORD PTR [m]` / `cmp reg32, DWORD PTR [m]` */
  cmpMem(reg: R, m: Mem, w = true): void {
    this.#rm(w, [0x3b], reg, m);
  }
  /** `test a, b` (64-bit or 32-bit) */
  test(a: R, b: R, w = true): void {
    this.#rr(w, [0x85], b, a);
  }
  /** `xor a32, b32` */
  xor32(a: R, b: R): void {
    this.#rr(false, [0x31], b, a);
  }
  /** `div r32` (edx:eax / r) */
  div32(r: R): void {
    this.#rex(false, 0, r);
    this.bytes.push(0xf7);
    this.#modrmReg(6, r);
  }
  /** `call QWORD PTR [m]` */
  callMem(m: Mem): void {
    this.#rm(false, [0xff], 2, m);
  }
  /** `call r` */
  callReg(r: R): void {
    this.#rex(false, 0, r);
    this.bytes.push(0xff);
    this.#modrmReg(2, r);
  }
  /** `call rel32` — returns the offset of the rel32 field (for a fixup). */
  callRel(): number {
    this.bytes.push(0xe8);
    const at = this.offset;
    this.#u32(0);
    return at;
  }
  /** `jmp rel32` — returns the offset of the rel32 field. */
  jmpRel(): number {
    this.bytes.push(0xe9);
    const at = this.offset;
    this.#u32(0);
    return at;
  }
  /** `jcc rel32` — returns the offset of the rel32 field. */
  jcc(cond: Cond): number {
    this.bytes.push(0x0f, 0x80 | cond);
    const at = this.offset;
    this.#u32(0);
    return at;
  }
  /** Point the rel32 field at `at` to `target` (both offsets in this buffer). */
  patch(at: number, target: number): void {
    const rel = target - (at + 4);
    for (let i = 0; i < 4; i++) this.bytes[at + i] = (rel >>> (8 * i)) & 0xff;
  }
  ret(): void {
    this.bytes.push(0xc3);
  }
  /** `leave` (mov rsp, rbp; pop rbp) */
  leave(): void {
    this.bytes.push(0xc9);
  }
  ud2(): void {
    this.bytes.push(0x0f, 0x0b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
