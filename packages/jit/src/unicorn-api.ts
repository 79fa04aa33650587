/**
 * The slice of libunicorn's C API the emulated executor uses, bound through
 * koffi, with the numeric constants it needs.
 *
 * Where the numbers come from. Unicorn's constants are C enums and macros in
 * `unicorn/unicorn.h` and `unicorn/arm64.h`; the shared object does not
 * export them. The values below were printed by a C program compiled against
 * the headers of the Debian package `libunicorn-dev` 2.0.1.post1-1+b1 (the
 * headers of the installed `libunicorn2` 2.0.1), so they are the ABI of
 * `libunicorn.so.2` 2.0.x. Note that the AArch64 register enum is not in
 * register order: `X29` = 1 and `X30` = 2 come first, `X0`…`X28` are
 * 199…227. `unicorn-api.test.ts` recompiles the table against the headers
 * when they are installed; without them, a wrong register number would still
 * fail every emulator test.
 *
 * Binding conventions. Every `uc_*` function returns a `uc_err` (0 = OK);
 * `checkUnicorn` turns anything else into a `JitError` naming the call and
 * unicorn's message (`uc_strerror`). Pointers cross as `bigint`s; register
 * values go through native scratch memory (`uc_reg_read_batch` with pointers
 * into a `NativeRegion`), never through koffi's `_Out_` arrays, so a batch of
 * registers costs one call and no allocation.
 *
 * Invariant (bind-once): the bindings are created once per process, on first
 * use, from `loadUnicorn()`'s handle; importing this module loads nothing.
 */
import koffi from 'koffi';
import { JitError } from './error.js';
import { loadUnicorn } from './unicorn.js';

// uc_arch / uc_mode (unicorn.h)
export const UC_ARCH_ARM64 = 2;
export const UC_MODE_ARM = 0; // little-endian ARM/AArch64

// uc_arm64_reg (arm64.h)
export const UC_ARM64_REG_X29 = 1;
export const UC_ARM64_REG_X30 = 2;
export const UC_ARM64_REG_NZCV = 3;
export const UC_ARM64_REG_SP = 4;
export const UC_ARM64_REG_X0 = 199; // X1 … X28 follow consecutively: X28 = 227
export const UC_ARM64_REG_PC = 260;

/** `UC_ARM64_REG_Xn` for n in 0…30. */
export function ucArm64X(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`no register x${n}`);
  if (n === 29) return UC_ARM64_REG_X29;
  if (n === 30) return UC_ARM64_REG_X30;
  return UC_ARM64_REG_X0 + n;
}

// uc_cpu_arm64 (arm64.h), for uc_ctl(UC_CTL_CPU_MODEL)
export const UC_CPU_ARM64_A72 = 2; // unicorn 2.0's default model: ARMv8.0 (no LSE atomics)
export const UC_CPU_ARM64_MAX = 3; // everything QEMU's AArch64 "max" CPU implements (LSE, RDM, FP16, …)

// uc_hook_type (unicorn.h)
export const UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
export const UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
export const UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
export const UC_HOOK_MEM_READ_PROT = 1 << 7;
export const UC_HOOK_MEM_WRITE_PROT = 1 << 8;
export const UC_HOOK_MEM_FETCH_PROT = 1 << 9;
/** `UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT` = `UC_HOOK_MEM_INVALID` (1008). */
export const UC_HOOK_MEM_INVALID =
  UC_HOOK_MEM_READ_UNMAPPED |
  UC_HOOK_MEM_WRITE_UNMAPPED |
  UC_HOOK_MEM_FETCH_UNMAPPED |
  UC_HOOK_MEM_READ_PROT |
  UC_HOOK_MEM_WRITE_PROT |
  UC_HOOK_MEM_FETCH_PROT;

// uc_mem_type (unicorn.h): the `type` argument of a memory hook
export const UC_MEM_READ_UNMAPPED = 19;
export const UC_MEM_WRITE_UNMAPPED = 20;
export const UC_MEM_FETCH_UNMAPPED = 21;
export const UC_MEM_WRITE_PROT = 22;
export const UC_MEM_READ_PROT = 23;
export const UC_MEM_FETCH_PROT = 24;

// uc_prot (unicorn.h)
export const UC_PROT_NONE = 0;
export const UC_PROT_READ = 1;
export const UC_PROT_WRITE = 2;
export const UC_PROT_EXEC = 4;

// uc_err (unicorn.h)
export const UC_ERR_OK = 0;
export const UC_ERR_READ_UNMAPPED = 6;
export const UC_ERR_WRITE_UNMAPPED = 7;
export const UC_ERR_FETCH_UNMAPPED = 8;
export const UC_ERR_INSN_INVALID = 10;
export const UC_ERR_WRITE_PROT = 12;
export const UC_ERR_READ_PROT = 13;
export const UC_ERR_FETCH_PROT = 14;
export const UC_ERR_EXCEPTION = 21;

const UC_ERR_NAMES: readonly string[] = [
  'UC_ERR_OK', 'UC_ERR_NOMEM', 'UC_ERR_ARCH', 'UC_ERR_HANDLE', 'UC_ERR_MODE', 'UC_ERR_VERSION',
  'UC_ERR_READ_UNMAPPED', 'UC_ERR_WRITE_UNMAPPED', 'UC_ERR_FETCH_UNMAPPED', 'UC_ERR_HOOK',
  'UC_ERR_INSN_INVALID', 'UC_ERR_MAP', 'UC_ERR_WRITE_PROT', 'UC_ERR_READ_PROT', 'UC_ERR_FETCH_PROT',
  'UC_ERR_ARG', 'UC_ERR_READ_UNALIGNED', 'UC_ERR_WRITE_UNALIGNED', 'UC_ERR_FETCH_UNALIGNED',
  'UC_ERR_HOOK_EXIST', 'UC_ERR_RESOURCE', 'UC_ERR_EXCEPTION',
];

/** `UC_ERR_EXCEPTION` for 21; `uc_err 99` for a code this table does not know. */
export function ucErrName(code: number): string {
  return UC_ERR_NAMES[code] ?? `uc_err ${code}`;
}

// uc_control_type (unicorn.h): UC_CTL(type, nr, rw) = type | nr << 26 | rw << 30
const UC_CTL_IO_WRITE = 1;
const UC_CTL_CPU_MODEL = 7;
const UC_CTL_TB_REMOVE_CACHE = 9;
function ucCtlWrite(type: number, nr: number): number {
  return type | (nr << 26) | (UC_CTL_IO_WRITE << 30);
}
/** `UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1)` = 0x44000007. */
export const UC_CTL_CPU_MODEL_WRITE = ucCtlWrite(UC_CTL_CPU_MODEL, 1);
/** `UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2)` = 0x48000009: `uc_ctl_remove_cache(uc, begin, end)`. */
export const UC_CTL_TB_REMOVE_CACHE_WRITE = ucCtlWrite(UC_CTL_TB_REMOVE_CACHE, 2);

/** A `uc_engine *` or `uc_context *`, as koffi hands it over. */
export type UcHandle = bigint;

/** The bound functions. Pointer arguments are `bigint`s (koffi 3's `void *`). */
export interface UnicornApi {
  uc_open(arch: number, mode: number, uc: [UcHandle | null]): number;
  uc_close(uc: UcHandle): number;
  uc_strerror(code: number): string;
  uc_errno(uc: UcHandle): number;
  /** Variadic: `uc_ctl(uc, control, 'int', model)` or `uc_ctl(uc, control, 'uint64_t', begin, 'uint64_t', end)`. */
  uc_ctl(uc: UcHandle, control: number, ...typedArgs: unknown[]): number;
  uc_mem_map_ptr(uc: UcHandle, address: bigint, size: number, perms: number, ptr: bigint): number;
  uc_mem_unmap(uc: UcHandle, address: bigint, size: number): number;
  uc_reg_read(uc: UcHandle, regid: number, value: bigint): number;
  uc_reg_write(uc: UcHandle, regid: number, value: bigint): number;
  /** `regs`: native `int[count]`; `vals`: native `void *[count]`, each pointing at an 8-byte slot. */
  uc_reg_read_batch(uc: UcHandle, regs: bigint, vals: bigint, count: number): number;
  uc_reg_write_batch(uc: UcHandle, regs: bigint, vals: bigint, count: number): number;
  uc_emu_start(uc: UcHandle, begin: bigint, until: bigint, timeout: number, count: number): number;
  /** Variadic; the memory hooks take no extra arguments. */
  uc_hook_add(uc: UcHandle, hh: [number | bigint], type: number, callback: bigint, userData: null, begin: bigint, end: bigint): number;
  uc_hook_del(uc: UcHandle, hh: number | bigint): number;
  uc_context_alloc(uc: UcHandle, context: [UcHandle | null]): number;
  uc_context_save(uc: UcHandle, context: UcHandle): number;
  uc_context_restore(uc: UcHandle, context: UcHandle): number;
  uc_context_free(context: UcHandle): number;
}

/**
 * `bool (*uc_cb_eventmem_t)(uc_engine *uc, uc_mem_type type, uint64_t address,
 * int size, int64_t value, void *user_data)`, anonymous (see `arrayCallPrototype`).
 */
export type MemoryHookFunction = (uc: unknown, type: number, address: number | bigint, size: number, value: number | bigint, userData: unknown) => boolean;

let api: UnicornApi | undefined;
let memoryHookType: ReturnType<typeof koffi.pointer> | undefined;

/** The bindings (bind-once). Throws `library-missing` naming `libunicorn2` when unicorn is not installed. */
export function unicornApi(): UnicornApi {
  if (api !== undefined) return api;
  const lib = loadUnicorn().library;
  api = {
    uc_open: lib.func('int uc_open(int arch, int mode, _Out_ void **uc)'),
    uc_close: lib.func('int uc_close(void *uc)'),
    uc_strerror: lib.func('const char *uc_strerror(int code)'),
    uc_errno: lib.func('int uc_errno(void *uc)'),
    uc_ctl: lib.func('int uc_ctl(void *uc, int control, ...)'),
    uc_mem_map_ptr: lib.func('int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)'),
    uc_mem_unmap: lib.func('int uc_mem_unmap(void *uc, uint64_t address, size_t size)'),
    uc_reg_read: lib.func('int uc_reg_read(void *uc, int regid, void *value)'),
    uc_reg_write: lib.func('int uc_reg_write(void *uc, int regid, void *value)'),
    uc_reg_read_batch: lib.func('int uc_reg_read_batch(void *uc, void *regs, void *vals, int count)'),
    uc_reg_write_batch: lib.func('int uc_reg_write_batch(void *uc, void *regs, void *vals, int count)'),
    uc_emu_start: lib.func('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    uc_hook_add: lib.func(
      'int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end, ...)',
    ),
    uc_hook_del: lib.func('int uc_hook_del(void *uc, size_t hh)'),
    uc_context_alloc: lib.func('int uc_context_alloc(void *uc, _Out_ void **context)'),
    uc_context_save: lib.func('int uc_context_save(void *uc, void *context)'),
    uc_context_restore: lib.func('int uc_context_restore(void *uc, void *context)'),
    uc_context_free: lib.func('int uc_context_free(void *context)'),
  } as UnicornApi;
  return api;
}

/** `uc_cb_eventmem_t *`, for `koffi.register`. */
export function memoryHookPointerType(): ReturnType<typeof koffi.pointer> {
  memoryHookType ??= koffi.pointer(koffi.proto(null, 'bool', ['void *', 'int', 'uint64_t', 'int', 'int64_t', 'void *']));
  return memoryHookType;
}

/** Throw a `JitError` (kind `emulation-failed`) unless `err` is `UC_ERR_OK`. */
export function checkUnicorn(err: number, call: string): void {
  if (err === UC_ERR_OK) return;
  throw new JitError('emulation-failed', `${call} failed: ${unicornApi().uc_strerror(err)}`, {
    unicornError: { code: err, name: ucErrName(err) },
  });
}
