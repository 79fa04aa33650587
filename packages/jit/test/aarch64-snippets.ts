/**
 * Hand-assembled AArch64 machine code for the emulated executor's tests.
 *
 * `@derrick/jit` must not import a code generator, so its tests bring their
 * own code: every snippet below is written out word by word (each 32-bit
 * instruction as the hex word objdump prints, stored little-endian), each
 * line with the text `aarch64-linux-gnu-objdump -D -b binary -m aarch64`
 * prints for it (comments after `//` dropped, whitespace collapsed, branch
 * targets as offsets from the start of the snippet).
 * `aarch64-snippets.test.ts` runs objdump over every snippet and compares, so
 * a wrong word cannot hide.
 *
 * All functions follow AAPCS64: arguments in x0–x7, result in x0, x19–x28
 * and x29 (fp) callee-saved, x30 (lr) the return address, sp 16-byte aligned
 * at every call. Entries use the array-call signature
 * `int64_t entry(void *vmctx, void *callee, uint64_t *values, size_t count)`.
 */

export interface A64Line {
  /** Label of this line's offset, if any. */
  readonly label?: string;
  /** The instruction word, 8 hex digits, as objdump prints it. */
  readonly word: string;
  /** What objdump prints, comment dropped, whitespace collapsed. */
  readonly asm: string;
}

export interface A64Snippet {
  readonly name: string;
  readonly lines: readonly A64Line[];
  /** The words, little-endian. */
  readonly bytes: Uint8Array;
  /** Offset of each label. */
  readonly labels: Readonly<Record<string, number>>;
}

function snippet(name: string, lines: A64Line[]): A64Snippet {
  const bytes = new Uint8Array(lines.length * 4);
  const view = new DataView(bytes.buffer);
  const labels: Record<string, number> = {};
  lines.forEach((line, i) => {
    if (line.label !== undefined) labels[line.label] = 4 * i;
    view.setUint32(4 * i, Number.parseInt(line.word, 16), true);
  });
  return { name, lines, bytes, labels };
}

/**
 * `values[0] = values[0] + values[1]; values[1] = count; return vmctx + callee`
 * — every argument register in, the result out.
 */
export const ADD_VALUES = snippet('add-values', [
  { word: 'a9401444', asm: 'ldp x4, x5, [x2]' },
  { word: '8b050084', asm: 'add x4, x4, x5' },
  { word: 'a9000c44', asm: 'stp x4, x3, [x2]' },
  { word: '8b010000', asm: 'add x0, x0, x1' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/**
 * `values[0] = n + (n-1) + … + 1` for `n = values[0]`; status 0. The loop body
 * is three instructions (`add`, `subs`, `b.ne`): the speed test counts them.
 */
export const SUM_LOOP = snippet('sum-loop', [
  { word: 'f9400044', asm: 'ldr x4, [x2]' },
  { word: 'd2800005', asm: 'mov x5, #0x0' },
  { word: 'b4000084', asm: 'cbz x4, 0x18' },
  { label: 'loop', word: '8b0400a5', asm: 'add x5, x5, x4' },
  { word: 'f1000484', asm: 'subs x4, x4, #0x1' },
  { word: '54ffffc1', asm: 'b.ne 0xc' },
  { label: 'done', word: 'f9000045', asm: 'str x5, [x2]' },
  { word: 'd2800000', asm: 'mov x0, #0x0' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/**
 * Loads and stores through `p = values[0]` at all widths: `p[1] = 2·p[0] + 1`
 * (u64), `u32 at p+16 += 1`, `byte at p+20 = 0xab`, `values[1] = byte at
 * p+21`; status 0.
 */
export const POINTER_ACCESS = snippet('pointer-access', [
  { word: 'f9400044', asm: 'ldr x4, [x2]' },
  { word: 'f9400085', asm: 'ldr x5, [x4]' },
  { word: 'd37ff8a5', asm: 'lsl x5, x5, #1' },
  { word: '910004a5', asm: 'add x5, x5, #0x1' },
  { word: 'f9000485', asm: 'str x5, [x4, #8]' },
  { word: 'b9401086', asm: 'ldr w6, [x4, #16]' },
  { word: '110004c6', asm: 'add w6, w6, #0x1' },
  { word: 'b9001086', asm: 'str w6, [x4, #16]' },
  { word: '52801567', asm: 'mov w7, #0xab' },
  { word: '39005087', asm: 'strb w7, [x4, #20]' },
  { word: '39405488', asm: 'ldrb w8, [x4, #21]' },
  { word: 'f9000448', asm: 'str x8, [x2, #8]' },
  { word: 'd2800000', asm: 'mov x0, #0x0' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/**
 * Calls the host through the vmctx: `d = values[0]` (kept in x19 across the
 * call), `status = vmctx[0](vmctx, 7, values, count)`, returns `status + d`.
 * A frame with fp/lr and x19 keeps sp 16-byte aligned at the `blr`.
 */
export const CALL_HOST_PLUS_VALUE = snippet('call-host-plus-value', [
  { word: 'a9be7bfd', asm: 'stp x29, x30, [sp, #-32]!' },
  { word: '910003fd', asm: 'mov x29, sp' },
  { word: 'f9000bf3', asm: 'str x19, [sp, #16]' },
  { word: 'f9400053', asm: 'ldr x19, [x2]' },
  { word: 'f9400009', asm: 'ldr x9, [x0]' },
  { word: '528000e1', asm: 'mov w1, #0x7' },
  { word: 'd63f0120', asm: 'blr x9' },
  { word: '8b130000', asm: 'add x0, x0, x19' },
  { word: 'f9400bf3', asm: 'ldr x19, [sp, #16]' },
  { word: 'a8c27bfd', asm: 'ldp x29, x30, [sp], #32' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/**
 * Calls a native callback of another C signature:
 * `values[0] = ((fn) values[0])(vmctx, -5, values[1], values[2])`; status 0.
 * x3 carries all 64 bits of `values[2]`: a 32-bit parameter must ignore the
 * upper half.
 */
export const CALL_NATIVE = snippet('call-native', [
  { word: 'a9be7bfd', asm: 'stp x29, x30, [sp, #-32]!' },
  { word: '910003fd', asm: 'mov x29, sp' },
  { word: 'f9000bf3', asm: 'str x19, [sp, #16]' },
  { word: 'aa0203f3', asm: 'mov x19, x2' },
  { word: 'a9400a69', asm: 'ldp x9, x2, [x19]' },
  { word: '12800081', asm: 'mov w1, #0xfffffffb' },
  { word: 'f9400a63', asm: 'ldr x3, [x19, #16]' },
  { word: 'd63f0120', asm: 'blr x9' },
  { word: 'f9000260', asm: 'str x0, [x19]' },
  { word: 'd2800000', asm: 'mov x0, #0x0' },
  { word: 'f9400bf3', asm: 'ldr x19, [sp, #16]' },
  { word: 'a8c27bfd', asm: 'ldp x29, x30, [sp], #32' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/** `values[0] = f64(values[0]) + f64(values[1])`; status 0 (FP/SIMD is enabled). */
export const FADD = snippet('fadd', [
  { word: '6d400440', asm: 'ldp d0, d1, [x2]' },
  { word: '1e612800', asm: 'fadd d0, d0, d1' },
  { word: 'fd000040', asm: 'str d0, [x2]' },
  { word: 'd2800000', asm: 'mov x0, #0x0' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/** `return sp`: the stack pointer an entry starts with. */
export const READ_SP = snippet('read-sp', [
  { word: '910003e0', asm: 'mov x0, sp' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/** `*(u64 *) callee = values[0]`; status 0 — a store through the second argument. */
export const STORE_THROUGH_CALLEE = snippet('store-through-callee', [
  { word: 'f9400044', asm: 'ldr x4, [x2]' },
  { word: 'f9000024', asm: 'str x4, [x1]' },
  { word: 'd2800000', asm: 'mov x0, #0x0' },
  { word: 'd65f03c0', asm: 'ret' },
]);

/** A permanently undefined instruction, as a trap site would use. */
export const UDF = snippet('udf', [{ word: '00001234', asm: 'udf #4660' }]);

/** An unallocated encoding. */
export const INVALID = snippet('invalid', [{ word: 'ffffffff', asm: '.inst 0xffffffff ; undefined' }]);

/** `goto callee`: a branch to wherever the second argument points. */
export const BRANCH_TO_CALLEE = snippet('branch-to-callee', [{ word: 'd61f0020', asm: 'br x1' }]);

// ---------------------------------------------------------------------------
// The unwinding protocol
// ---------------------------------------------------------------------------

/** vmctx layout used by `UNWIND` (the same stand-in as `x64-snippets.ts`'s `VMCTX`). */
export const VMCTX = {
  hostCall: 0,
  entrySp: 8,
  trapCode: 16,
  hostValues: 24,
  size: 32,
} as const;

/**
 * The README's unwinding protocol in AArch64, the same four functions as
 * `x64-snippets.ts`'s `UNWIND`:
 *
 * `entry(vmctx, callee, values, count)` — saves x19–x28, fp and lr, then the
 * *previous* `vmctx.entry_sp` and the vmctx, stores its sp into
 * `vmctx.entry_sp`, and calls `callee(vmctx, values[0], values[1])`. A
 * normal return stores x0 into `values[0]` and falls into `resume` with
 * status 0. Frame at `entry_sp` (8-byte slots, upwards, 112 bytes so sp stays
 * 16-byte aligned):
 *
 *     +0 previous entry_sp  +8 vmctx  +16 x19 … +88 x28  +96 x29  +104 x30
 *
 * `resume` — the one epilogue, reached with sp = entry_sp and the status in
 * x0: writes the previous `entry_sp` back, restores x19–x30, pops the frame,
 * returns to the entry's caller.
 *
 * `raise(vmctx, code)` — stores `code` at `vmctx.trap_code`, sets sp to
 * `vmctx.entry_sp` (discarding every frame above the entry, whatever they did
 * to the callee-saved registers), status = code, branches to `resume`.
 *
 * `work(vmctx, depth, trap)` — recursive: a frame per level that saves and
 * then clobbers x19–x29; at depth 0 it returns 0, or calls `raise(vmctx,
 * trap)` when `trap` ≠ 0. Normal result: depth·(depth+1)/2.
 *
 * `call_host(vmctx, index, _)` — calls `host_call(vmctx, index,
 * &vmctx.host_values, 1)`; a non-zero status is raised as the trap code,
 * otherwise returns `vmctx.host_values[0] + 1`.
 */
export const UNWIND = snippet('unwind', [
  { label: 'entry', word: 'd101c3ff', asm: 'sub sp, sp, #0x70' },
  { word: 'a9067bfd', asm: 'stp x29, x30, [sp, #96]' },
  { word: '910183fd', asm: 'add x29, sp, #0x60' },
  { word: 'a90573fb', asm: 'stp x27, x28, [sp, #80]' },
  { word: 'a9046bf9', asm: 'stp x25, x26, [sp, #64]' },
  { word: 'a90363f7', asm: 'stp x23, x24, [sp, #48]' },
  { word: 'a9025bf5', asm: 'stp x21, x22, [sp, #32]' },
  { word: 'a90153f3', asm: 'stp x19, x20, [sp, #16]' },
  { word: 'f9400409', asm: 'ldr x9, [x0, #8]' },
  { word: 'a90003e9', asm: 'stp x9, x0, [sp]' },
  { word: '910003e9', asm: 'mov x9, sp' },
  { word: 'f9000409', asm: 'str x9, [x0, #8]' },
  { word: 'aa0203f3', asm: 'mov x19, x2' },
  { word: 'aa0103e9', asm: 'mov x9, x1' },
  { word: 'a9400a61', asm: 'ldp x1, x2, [x19]' },
  { word: 'd63f0120', asm: 'blr x9' },
  { word: 'f9000260', asm: 'str x0, [x19]' },
  { word: 'd2800000', asm: 'mov x0, #0x0' },
  { label: 'resume', word: 'a9402be9', asm: 'ldp x9, x10, [sp]' },
  { word: 'f9000549', asm: 'str x9, [x10, #8]' },
  { word: 'a94153f3', asm: 'ldp x19, x20, [sp, #16]' },
  { word: 'a9425bf5', asm: 'ldp x21, x22, [sp, #32]' },
  { word: 'a94363f7', asm: 'ldp x23, x24, [sp, #48]' },
  { word: 'a9446bf9', asm: 'ldp x25, x26, [sp, #64]' },
  { word: 'a94573fb', asm: 'ldp x27, x28, [sp, #80]' },
  { word: 'a9467bfd', asm: 'ldp x29, x30, [sp, #96]' },
  { word: '9101c3ff', asm: 'add sp, sp, #0x70' },
  { word: 'd65f03c0', asm: 'ret' },
  { label: 'raise', word: 'b9001001', asm: 'str w1, [x0, #16]' },
  { word: 'f9400409', asm: 'ldr x9, [x0, #8]' },
  { word: '9100013f', asm: 'mov sp, x9' },
  { word: '2a0103e0', asm: 'mov w0, w1' },
  { word: '17fffff2', asm: 'b 0x48' },
  { label: 'work', word: 'a9ba7bfd', asm: 'stp x29, x30, [sp, #-96]!' },
  { word: '910003fd', asm: 'mov x29, sp' },
  { word: 'a90153f3', asm: 'stp x19, x20, [sp, #16]' },
  { word: 'a9025bf5', asm: 'stp x21, x22, [sp, #32]' },
  { word: 'a90363f7', asm: 'stp x23, x24, [sp, #48]' },
  { word: 'a9046bf9', asm: 'stp x25, x26, [sp, #64]' },
  { word: 'a90573fb', asm: 'stp x27, x28, [sp, #80]' },
  { word: 'aa0103f3', asm: 'mov x19, x1' },
  { word: 'aa0103f4', asm: 'mov x20, x1' },
  { word: 'aa0103f5', asm: 'mov x21, x1' },
  { word: 'aa0103f6', asm: 'mov x22, x1' },
  { word: 'aa0103f7', asm: 'mov x23, x1' },
  { word: 'aa0103f8', asm: 'mov x24, x1' },
  { word: 'aa0103f9', asm: 'mov x25, x1' },
  { word: 'aa0103fa', asm: 'mov x26, x1' },
  { word: 'aa0103fb', asm: 'mov x27, x1' },
  { word: 'aa0103fc', asm: 'mov x28, x1' },
  { word: 'aa0103fd', asm: 'mov x29, x1' },
  { word: 'b40000a1', asm: 'cbz x1, 0xe0' },
  { word: 'd1000421', asm: 'sub x1, x1, #0x1' },
  { word: '97ffffec', asm: 'bl 0x84' },
  { word: '8b1c0000', asm: 'add x0, x0, x28' },
  { word: '14000003', asm: 'b 0xe8' },
  { label: 'bottom', word: 'b5000122', asm: 'cbnz x2, 0x104' },
  { word: 'd2800000', asm: 'mov x0, #0x0' },
  { label: 'out', word: 'a94153f3', asm: 'ldp x19, x20, [sp, #16]' },
  { word: 'a9425bf5', asm: 'ldp x21, x22, [sp, #32]' },
  { word: 'a94363f7', asm: 'ldp x23, x24, [sp, #48]' },
  { word: 'a9446bf9', asm: 'ldp x25, x26, [sp, #64]' },
  { word: 'a94573fb', asm: 'ldp x27, x28, [sp, #80]' },
  { word: 'a8c67bfd', asm: 'ldp x29, x30, [sp], #96' },
  { word: 'd65f03c0', asm: 'ret' },
  { label: 'trap', word: '2a0203e1', asm: 'mov w1, w2' },
  { word: '97ffffda', asm: 'bl 0x70' },
  { word: '00000000', asm: 'udf #0' },
  { label: 'call_host', word: 'a9be7bfd', asm: 'stp x29, x30, [sp, #-32]!' },
  { word: '910003fd', asm: 'mov x29, sp' },
  { word: 'f9000bf3', asm: 'str x19, [sp, #16]' },
  { word: 'aa0003f3', asm: 'mov x19, x0' },
  { word: 'f9400009', asm: 'ldr x9, [x0]' },
  { word: '91006002', asm: 'add x2, x0, #0x18' },
  { word: 'd2800023', asm: 'mov x3, #0x1' },
  { word: 'd63f0120', asm: 'blr x9' },
  { word: 'b50000c0', asm: 'cbnz x0, 0x148' },
  { word: 'f9400e60', asm: 'ldr x0, [x19, #24]' },
  { word: '91000400', asm: 'add x0, x0, #0x1' },
  { word: 'f9400bf3', asm: 'ldr x19, [sp, #16]' },
  { word: 'a8c27bfd', asm: 'ldp x29, x30, [sp], #32' },
  { word: 'd65f03c0', asm: 'ret' },
  { label: 'fail', word: '2a0003e1', asm: 'mov w1, w0' },
  { word: 'aa1303e0', asm: 'mov x0, x19' },
  { word: '97ffffc8', asm: 'bl 0x70' },
  { word: '00000000', asm: 'udf #0' },
]);

export const ALL_SNIPPETS: readonly A64Snippet[] = [
  ADD_VALUES,
  SUM_LOOP,
  POINTER_ACCESS,
  CALL_HOST_PLUS_VALUE,
  CALL_NATIVE,
  FADD,
  READ_SP,
  STORE_THROUGH_CALLEE,
  UDF,
  INVALID,
  BRANCH_TO_CALLEE,
  UNWIND,
];
