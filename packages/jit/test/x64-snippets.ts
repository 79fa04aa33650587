/**
 * Hand-assembled x86-64 machine code for the jit tests.
 *
 * `@derrick/jit` must not import a code generator, so its tests bring their
 * own code: every snippet below is written out byte by byte, each line with
 * the Intel-syntax text `objdump -d -M intel` prints for it (whitespace
 * collapsed, branch targets as absolute offsets). `x64-snippets.test.ts` runs
 * objdump over every snippet and compares, so a wrong byte cannot hide.
 *
 * All functions use the System V AMD64 convention: arguments in rdi, rsi,
 * rdx, rcx; result in rax; rbx, rbp, r12–r15 callee-saved; rsp ≡ 0 (mod 16)
 * at every `call`. The alignment of each `call` is argued in a comment.
 */

export interface AsmLine {
  /** Label of this line's offset, if any. */
  readonly label?: string;
  /** Encoded bytes, hex pairs separated by spaces. */
  readonly hex: string;
  /** What objdump -M intel prints, whitespace collapsed. */
  readonly asm: string;
}

export interface Snippet {
  readonly name: string;
  readonly lines: readonly AsmLine[];
  readonly bytes: Uint8Array;
  /** Offset of each label. */
  readonly labels: Readonly<Record<string, number>>;
}

function snippet(name: string, lines: AsmLine[]): Snippet {
  const out: number[] = [];
  const labels: Record<string, number> = {};
  for (const line of lines) {
    if (line.label !== undefined) labels[line.label] = out.length;
    for (const byte of line.hex.split(' ')) out.push(Number.parseInt(byte, 16));
  }
  return { name, lines, bytes: Uint8Array.from(out), labels };
}

/**
 * Array-call entry: `values[1] = values[0] + count; return vmctx`.
 * Exercises all four argument registers and the int64 return.
 */
export const ADD_AND_STORE = snippet('add-and-store', [
  { hex: '48 8b 02', asm: 'mov rax,QWORD PTR [rdx]' },
  { hex: '48 01 c8', asm: 'add rax,rcx' },
  { hex: '48 89 42 08', asm: 'mov QWORD PTR [rdx+0x8],rax' },
  { hex: '48 89 f8', asm: 'mov rax,rdi' },
  { hex: 'c3', asm: 'ret' },
]);

/**
 * Array-call entry that calls the host: loads the `host_call` pointer from
 * `vmctx[0]`, calls `host_call(vmctx, 7, values, count)` (rdi, rdx, rcx pass
 * through untouched), and returns its result plus one. `push rbx` only
 * realigns the stack: rsp ≡ 8 on entry, ≡ 0 at the call.
 */
export const CALL_HOST_PLUS_ONE = snippet('call-host-plus-one', [
  { hex: '53', asm: 'push rbx' },
  { hex: '48 8b 07', asm: 'mov rax,QWORD PTR [rdi]' },
  { hex: 'be 07 00 00 00', asm: 'mov esi,0x7' },
  { hex: 'ff d0', asm: 'call rax' },
  { hex: '48 83 c0 01', asm: 'add rax,0x1' },
  { hex: '5b', asm: 'pop rbx' },
  { hex: 'c3', asm: 'ret' },
]);

/**
 * Array-call entry that tail-calls a libcall through an absolute address:
 * `return labs((long)values[0])`. The 8 zero bytes of the `movabs` immediate
 * at offset `ABS8_LIBCALL_OFFSET` are an `Abs8` relocation.
 */
export const TAIL_CALL_ABS8 = snippet('tail-call-abs8', [
  { hex: '48 8b 3a', asm: 'mov rdi,QWORD PTR [rdx]' },
  { label: 'movabs', hex: '48 b8 00 00 00 00 00 00 00 00', asm: 'movabs rax,0x0' },
  { hex: 'ff e0', asm: 'jmp rax' },
]);
/** Offset of the `movabs` immediate in `TAIL_CALL_ABS8`: 3 bytes of `mov`, then `48 b8`. */
export const ABS8_LIBCALL_OFFSET = 5;

/**
 * Calls two host functions in a row and stores both results:
 * `values[0] = vmctx[0](vmctx, 1, values, count); values[1] = vmctx[1](vmctx, 2, values, count);
 * return 77`. Used to observe what koffi does after a callback throws.
 * Three pushes on an rsp ≡ 8 entry: ≡ 0 at both calls.
 */
export const CALL_HOST_TWICE = snippet('call-host-twice', [
  { hex: '53', asm: 'push rbx' },
  { hex: '41 54', asm: 'push r12' },
  { hex: '41 55', asm: 'push r13' },
  { hex: '48 89 fb', asm: 'mov rbx,rdi' },
  { hex: '49 89 d4', asm: 'mov r12,rdx' },
  { hex: 'be 01 00 00 00', asm: 'mov esi,0x1' },
  { hex: 'ff 13', asm: 'call QWORD PTR [rbx]' },
  { hex: '49 89 04 24', asm: 'mov QWORD PTR [r12],rax' },
  { hex: '48 89 df', asm: 'mov rdi,rbx' },
  { hex: '4c 89 e2', asm: 'mov rdx,r12' },
  { hex: 'be 02 00 00 00', asm: 'mov esi,0x2' },
  { hex: 'ff 53 08', asm: 'call QWORD PTR [rbx+0x8]' },
  { hex: '49 89 44 24 08', asm: 'mov QWORD PTR [r12+0x8],rax' },
  { hex: 'b8 4d 00 00 00', asm: 'mov eax,0x4d' },
  { hex: '41 5d', asm: 'pop r13' },
  { hex: '41 5c', asm: 'pop r12' },
  { hex: '5b', asm: 'pop rbx' },
  { hex: 'c3', asm: 'ret' },
]);

/** `return rsp` (the stack pointer inside generated code, as seen by the callee). */
export const READ_RSP = snippet('read-rsp', [
  { hex: '48 89 e0', asm: 'mov rax,rsp' },
  { hex: 'c3', asm: 'ret' },
]);

// ---------------------------------------------------------------------------
// The unwinding protocol
// ---------------------------------------------------------------------------

/** vmctx layout used by `UNWIND` (a stand-in for `VMOffsets`, test-only). */
export const VMCTX = {
  /** `host_call *`: the registered host-call callback. */
  hostCall: 0,
  /** Saved rsp of the innermost active entry trampoline (0 when none). */
  entrySp: 8,
  /** u32 trap code stored by `raise`. */
  trapCode: 16,
  /** One u64 value slot that `call_host` passes to the host as `args_and_results`. */
  hostValues: 24,
  size: 32,
} as const;

/**
 * One text section with an entry trampoline, the shared unwind path, and two
 * "wasm" functions:
 *
 * `entry(vmctx, callee, values, count)` — the array-call entry. It saves the
 * callee-saved registers, then the vmctx and the *previous* `vmctx.entry_sp`
 * (so re-entrant entries nest), pads to alignment, stores its rsp into
 * `vmctx.entry_sp`, and calls `callee(vmctx, values[0], values[1])`. A normal
 * return stores rax into `values[0]` and falls into `resume` with status 0.
 * Frame at `entry_sp` (8-byte slots, upwards):
 *
 *     +0 pad  +8 previous entry_sp  +16 vmctx  +24 r15  +32 r14  +40 r13
 *     +48 r12  +56 rbx  +64 rbp  +72 return address into koffi
 *
 * rsp ≡ 8 (mod 16) on entry; 8 pushes and `sub rsp, 8` make 72 bytes, so rsp
 * ≡ 0 at `call rax`, and `entry_sp` is 16-byte aligned.
 *
 * `resume` — the one epilogue, reached with rsp = entry_sp and the status in
 * eax, either by falling through or from `raise`: it pops the pad, restores
 * `vmctx.entry_sp` to the previous entry's value, restores the callee-saved
 * registers and returns to koffi.
 *
 * `raise(vmctx, code)` — stores `code` at `vmctx.trap_code`, sets rsp to
 * `vmctx.entry_sp` (discarding every frame above the entry, whatever they did
 * to the callee-saved registers) and jumps to `resume` with status = code.
 *
 * `work(vmctx, depth, trap)` — recursive: a frame per level that saves and
 * then clobbers all six callee-saved registers (rbp included); at depth 0 it
 * returns 0, or calls `raise(vmctx, trap)` when `trap` ≠ 0. Normal result:
 * depth·(depth+1)/2. Alignment: 6 pushes + `sub rsp, 8` = 56 bytes on an
 * rsp ≡ 8 entry, so ≡ 0 at both calls.
 *
 * `call_host(vmctx, index, _)` — calls `host_call(vmctx, index,
 * &vmctx.host_values, 1)`; a non-zero status is raised as the trap code
 * (`raise(vmctx, status)`), otherwise returns `vmctx.host_values[0] + 1`.
 */
export const UNWIND = snippet('unwind', [
  { label: 'entry', hex: '55', asm: 'push rbp' },
  { hex: '48 89 e5', asm: 'mov rbp,rsp' },
  { hex: '53', asm: 'push rbx' },
  { hex: '41 54', asm: 'push r12' },
  { hex: '41 55', asm: 'push r13' },
  { hex: '41 56', asm: 'push r14' },
  { hex: '41 57', asm: 'push r15' },
  { hex: '57', asm: 'push rdi' },
  { hex: 'ff 77 08', asm: 'push QWORD PTR [rdi+0x8]' },
  { hex: '48 83 ec 08', asm: 'sub rsp,0x8' },
  { hex: '48 89 67 08', asm: 'mov QWORD PTR [rdi+0x8],rsp' },
  { hex: '48 89 f0', asm: 'mov rax,rsi' },
  { hex: '49 89 d4', asm: 'mov r12,rdx' },
  { hex: '48 8b 32', asm: 'mov rsi,QWORD PTR [rdx]' },
  { hex: '49 8b 54 24 08', asm: 'mov rdx,QWORD PTR [r12+0x8]' },
  { hex: 'ff d0', asm: 'call rax' },
  { hex: '49 89 04 24', asm: 'mov QWORD PTR [r12],rax' },
  { hex: '31 c0', asm: 'xor eax,eax' },
  { label: 'resume', hex: '48 83 c4 08', asm: 'add rsp,0x8' },
  { hex: '59', asm: 'pop rcx' },
  { hex: '5a', asm: 'pop rdx' },
  { hex: '48 89 4a 08', asm: 'mov QWORD PTR [rdx+0x8],rcx' },
  { hex: '41 5f', asm: 'pop r15' },
  { hex: '41 5e', asm: 'pop r14' },
  { hex: '41 5d', asm: 'pop r13' },
  { hex: '41 5c', asm: 'pop r12' },
  { hex: '5b', asm: 'pop rbx' },
  { hex: '5d', asm: 'pop rbp' },
  { hex: 'c3', asm: 'ret' },
  { label: 'raise', hex: '89 77 10', asm: 'mov DWORD PTR [rdi+0x10],esi' },
  { hex: '48 8b 67 08', asm: 'mov rsp,QWORD PTR [rdi+0x8]' },
  { hex: '89 f0', asm: 'mov eax,esi' },
  { hex: 'eb e0', asm: 'jmp 0x2f' }, // resume
  { label: 'work', hex: '55', asm: 'push rbp' },
  { hex: '53', asm: 'push rbx' },
  { hex: '41 54', asm: 'push r12' },
  { hex: '41 55', asm: 'push r13' },
  { hex: '41 56', asm: 'push r14' },
  { hex: '41 57', asm: 'push r15' },
  { hex: '48 83 ec 08', asm: 'sub rsp,0x8' },
  { hex: '48 89 f5', asm: 'mov rbp,rsi' },
  { hex: '48 89 f3', asm: 'mov rbx,rsi' },
  { hex: '49 89 f4', asm: 'mov r12,rsi' },
  { hex: '49 89 f5', asm: 'mov r13,rsi' },
  { hex: '49 89 f6', asm: 'mov r14,rsi' },
  { hex: '49 89 f7', asm: 'mov r15,rsi' },
  { hex: '48 85 f6', asm: 'test rsi,rsi' },
  { hex: '74 0d', asm: 'je 0x81' }, // bottom
  { hex: '48 ff ce', asm: 'dec rsi' },
  { hex: 'e8 d3 ff ff ff', asm: 'call 0x4f' }, // work
  { hex: '4c 01 f8', asm: 'add rax,r15' },
  { hex: 'eb 07', asm: 'jmp 0x88' }, // out
  { label: 'bottom', hex: '48 85 d2', asm: 'test rdx,rdx' },
  { hex: '75 11', asm: 'jne 0x97' }, // trap
  { hex: '31 c0', asm: 'xor eax,eax' },
  { label: 'out', hex: '48 83 c4 08', asm: 'add rsp,0x8' },
  { hex: '41 5f', asm: 'pop r15' },
  { hex: '41 5e', asm: 'pop r14' },
  { hex: '41 5d', asm: 'pop r13' },
  { hex: '41 5c', asm: 'pop r12' },
  { hex: '5b', asm: 'pop rbx' },
  { hex: '5d', asm: 'pop rbp' },
  { hex: 'c3', asm: 'ret' },
  { label: 'trap', hex: '89 d6', asm: 'mov esi,edx' },
  { hex: 'e8 a6 ff ff ff', asm: 'call 0x44' }, // raise
  { hex: '0f 0b', asm: 'ud2' },
  { label: 'call_host', hex: '53', asm: 'push rbx' },
  { hex: '48 89 fb', asm: 'mov rbx,rdi' },
  { hex: '48 8b 07', asm: 'mov rax,QWORD PTR [rdi]' },
  { hex: '48 8d 57 18', asm: 'lea rdx,[rdi+0x18]' },
  { hex: 'b9 01 00 00 00', asm: 'mov ecx,0x1' },
  { hex: 'ff d0', asm: 'call rax' },
  { hex: '48 85 c0', asm: 'test rax,rax' },
  { hex: '75 0a', asm: 'jne 0xc1' }, // fail
  { hex: '48 8b 43 18', asm: 'mov rax,QWORD PTR [rbx+0x18]' },
  { hex: '48 83 c0 01', asm: 'add rax,0x1' },
  { hex: '5b', asm: 'pop rbx' },
  { hex: 'c3', asm: 'ret' },
  { label: 'fail', hex: '48 89 df', asm: 'mov rdi,rbx' },
  { hex: '89 c6', asm: 'mov esi,eax' },
  { hex: 'e8 79 ff ff ff', asm: 'call 0x44' }, // raise
  { hex: '0f 0b', asm: 'ud2' },
]);

export const ALL_SNIPPETS: readonly Snippet[] = [
  ADD_AND_STORE,
  CALL_HOST_PLUS_ONE,
  CALL_HOST_TWICE,
  TAIL_CALL_ABS8,
  READ_RSP,
  UNWIND,
];
