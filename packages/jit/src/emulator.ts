/**
 * The emulated executor: AArch64 machine code run by libunicorn over the
 * host's own memory, with the same two calling conventions as the native
 * executor (`array-call.ts`, `host-call.ts`) — so the whole runtime runs Arm
 * code on an x86-64 host (`architecture.md`, "Execution model").
 *
 * ## The problem
 *
 * Generated AArch64 code reads a vmctx full of host pointers (memories,
 * tables, globals, builtin tables, callback addresses), calls TypeScript
 * through koffi callbacks, and is re-entered by TypeScript from inside those
 * callbacks. An emulator with a private guest memory would need every
 * pointer translated and every byte copied in and out; TypeScript's views
 * (`Memory`, tables) would see stale copies.
 *
 * ## The approach
 *
 * * **Identity mapping.** Every live host region (`host-regions.ts`: each
 *   `NativeRegion` and the committed prefix of each `MemoryReservation`) is
 *   mapped into unicorn at its own address, backed by its own pages
 *   (`uc_mem_map_ptr(uc, a, n, perms, (void *)a)`). A guest address *is* the
 *   host address; guest stores are host stores. Mapping is lazy: the first
 *   access to a region faults (`UC_HOOK_MEM_*_UNMAPPED`), the hook finds the
 *   live region holding the address, maps its accessible prefix with its
 *   protection and returns true, and unicorn retries the access.
 * * **Native callbacks.** Host calls and builtins are koffi callbacks at
 *   x86-64 addresses, recorded in `callback-registry.ts`. Such an address is
 *   never mapped in unicorn, so a `blr` to it faults on the fetch; the hook
 *   notes the callback and declines, `uc_emu_start` returns, and the run loop
 *   — *outside* unicorn — reads the arguments from x0–x7 (AAPCS64), calls
 *   the very wrapper koffi would have called, writes x0, and resumes at x30.
 *   Because nothing of unicorn is on the native stack at that moment, the
 *   callback may enter the emulator again.
 * * **Entry.** `call(address, args)` sets x0–x7, sp, and x30 = the return
 *   sentinel, then runs until the pc reaches the sentinel (`uc_emu_start`'s
 *   `until`). The outermost entry starts at the top of the emulator's own
 *   stack (a `NativeRegion`, identity-mapped like everything else, with an
 *   unmapped guard at its low end); a nested entry saves the whole CPU
 *   context (`uc_context_save`), starts at the interrupted code's sp, and
 *   restores the context when it returns or fails.
 * * **Traps and exceptions** need nothing special: the unwinding protocol is
 *   ordinary code (store the trap code, load sp from the vmctx, return), and
 *   a throwing host function is handled by its registration's wrapper, which
 *   records the exception and returns the error status — in both executors.
 *
 * Measured on the development machine (`emulator.test.ts` prints them):
 * 1–2 × 10⁹ emulated instructions/s in a tight register-only loop once
 * translated, ≈ 1.3–1.8 µs per entry call (native: ≈ 0.1 µs), ≈ 2.5 µs more
 * per callback dispatch (an entry making one host call: ≈ 4 µs; native
 * ≈ 0.36 µs).
 *
 * ## Invariants
 *
 * * (identity) a guest address maps to the host byte at the same address, or
 *   to nothing: the only mapping call is `uc_mem_map_ptr(a, n, p, a)`.
 * * (live-only) unicorn maps only what the registry says is live and
 *   accessible, with the region's protection: a region is unmapped (below)
 *   before it is unmapped natively, and remapped lazily after it changes.
 * * (flush-before-unmap) before any mapping with execute permission leaves
 *   unicorn, its translated blocks are dropped (`uc_ctl_remove_cache`).
 *   Unicorn 2.0.1 does not drop them itself: host writes never invalidate
 *   them, and after `uc_mem_unmap` + `uc_mem_map_ptr` of the same range with
 *   new code, the old translation ran 198 times out of 199 (a remap from the
 *   fault hook happened to retranslate, which this design does not rely on).
 *   Code can only be written while its region is not executable (W^X), so
 *   every change of code passes through an unmap, hence through a flush.
 * * (no-unicorn-frames) JavaScript other than the memory hook never runs
 *   while `uc_emu_start` is on the native stack; the hook only maps memory
 *   and records what it saw. Callbacks, nested entries, region changes and
 *   `dispose()` therefore never meet a running unicorn.
 * * (sentinel) `RETURN_SENTINEL` lies below Linux's `mmap_min_addr`, so it is
 *   never a live region and never mapped: reaching it can only mean that the
 *   entry's callee returned.
 */
import koffi from 'koffi';
import type { CodeOwner } from './array-call.js';
import { type RecordedCallback, findCallback } from './callback-registry.js';
import { JitError, hex } from './error.js';
import { type HostRegionObserver, type HostRegionRecord, addRegionObserver, findRegion, removeRegionObserver } from './host-regions.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE, pageSize } from './libc.js';
import { NativeRegion } from './native-region.js';
import { nativeView } from './native-view.js';
import type { StackBounds } from './stack-pointer.js';
import {
  UC_ARCH_ARM64,
  UC_ARM64_REG_PC,
  UC_ARM64_REG_SP,
  UC_CPU_ARM64_A72,
  UC_CPU_ARM64_MAX,
  UC_CTL_CPU_MODEL_WRITE,
  UC_CTL_TB_REMOVE_CACHE_WRITE,
  UC_ERR_FETCH_UNMAPPED,
  UC_ERR_OK,
  UC_HOOK_MEM_INVALID,
  UC_MEM_FETCH_PROT,
  UC_MEM_FETCH_UNMAPPED,
  UC_MEM_READ_PROT,
  UC_MEM_READ_UNMAPPED,
  UC_MEM_WRITE_PROT,
  UC_MEM_WRITE_UNMAPPED,
  UC_MODE_ARM,
  UC_PROT_EXEC,
  UC_PROT_NONE,
  UC_PROT_READ,
  UC_PROT_WRITE,
  type UcHandle,
  type UnicornApi,
  checkUnicorn,
  memoryHookPointerType,
  ucArm64X,
  ucErrName,
  unicornApi,
} from './unicorn-api.js';

/** Where every entry's callee returns to (sentinel): below `mmap_min_addr` (64 KiB), never mapped. */
export const RETURN_SENTINEL = 0x8000n;

/** Default size of an emulator's stack: koffi's default native stack, 2 MiB. */
export const DEFAULT_EMULATED_STACK_SIZE = 2 * 1024 * 1024;

/** Unmapped bytes at the low end of the stack region: an overflow faults there. */
const STACK_GUARD = 64 * 1024;

/** The CPU unicorn emulates. */
export type EmulatedCpu =
  /** QEMU's "max": ARMv8.x with every extension QEMU 5 implements (LSE atomics, RDM, FP16, …). */
  | 'max'
  /** unicorn 2.0's default model: plain ARMv8.0-A. */
  | 'cortex-a72';

export interface EmulatorOptions {
  /** Bytes of stack for emulated code (rounded up to pages); default `DEFAULT_EMULATED_STACK_SIZE`. */
  readonly stackSize?: number;
  /** Default `'max'`, so that code generated for any AArch64 feature set runs. */
  readonly cpu?: EmulatedCpu;
}

/** Counters for tests and diagnostics. */
export interface EmulatorStats {
  /** `uc_emu_start` calls (one per entry plus one per callback resumed). */
  readonly runs: number;
  /** Native callbacks dispatched. */
  readonly callbacks: number;
  /** Regions mapped on demand so far (remaps included). */
  readonly lazyMappings: number;
  /** Regions mapped right now (the stack included). */
  readonly mappedRegions: number;
}

/** One mapping this emulator made, keyed by the region's address. */
interface Mapping {
  readonly start: bigint;
  readonly size: number;
  readonly perms: number;
}

/** What the memory hook saw when it declined an access. */
type Fault =
  | { readonly kind: 'callback'; readonly address: bigint; readonly callback: RecordedCallback }
  | { readonly kind: 'access'; readonly type: number; readonly address: bigint; readonly size: number }
  | { readonly kind: 'hook-error'; readonly error: unknown };

// Scratch layout (one page of the emulator's scratch region):
//   [0, 128)    16 u64 value slots
//   [256, 320)  16 int32 register ids
//   [512, 640)  16 pointers to the value slots
// The register list is one prefix-shared batch: x0–x7, x30, sp.
const SLOT_BYTES = 0;
const REG_IDS = 256;
const SLOT_POINTERS = 512;
const BATCH_REGS = [0, 1, 2, 3, 4, 5, 6, 7].map(ucArm64X).concat([ucArm64X(30), UC_ARM64_REG_SP]);
/** x0–x7 and x30: what a callback dispatch reads. */
const CALLBACK_BATCH = 9;
/** x0–x7, x30 and sp: what an entry writes. */
const ENTRY_BATCH = 10;
const LR_SLOT = 8;
const SP_SLOT = 9;
/** A slot outside the batch, for single-register reads and writes. */
const SINGLE_SLOT = 15;

const MAX_REGISTER_ARGS = 8;

function ucPerms(prot: number): number {
  let perms = UC_PROT_NONE;
  if (prot & PROT_READ) perms |= UC_PROT_READ;
  if (prot & PROT_WRITE) perms |= UC_PROT_WRITE;
  if (prot & PROT_EXEC) perms |= UC_PROT_EXEC;
  return perms;
}

function permsName(perms: number): string {
  if (perms === UC_PROT_NONE) return 'no access';
  return [perms & UC_PROT_READ ? 'r' : '-', perms & UC_PROT_WRITE ? 'w' : '-', perms & UC_PROT_EXEC ? 'x' : '-'].join('');
}

let shared: Aarch64Emulator | undefined;

/**
 * One unicorn AArch64 instance with its own stack. Not thread-safe (nothing
 * in this package is); one per process is the normal case (`shared()`).
 */
export class Aarch64Emulator implements HostRegionObserver {
  readonly #api: UnicornApi;
  readonly #uc: UcHandle;
  readonly #hook: bigint;
  readonly #stack: NativeRegion;
  readonly #scratch: NativeRegion;
  readonly #slots: BigUint64Array;
  readonly #slotsAddress: bigint;
  readonly #regIds: bigint;
  readonly #slotPointers: bigint;
  readonly #stackTop: bigint;
  readonly #stackBounds: StackBounds;
  readonly #mapped = new Map<bigint, Mapping>();
  /** `uc_context`s for nested entries, by depth − 1; allocated on first use. */
  readonly #contexts: UcHandle[] = [];
  #depth = 0;
  #fault: Fault | undefined;
  #disposed = false;
  #runs = 0;
  #callbacks = 0;
  #lazyMappings = 0;

  private constructor(options: EmulatorOptions) {
    const api = unicornApi();
    this.#api = api;
    const out: [UcHandle | null] = [null];
    checkUnicorn(api.uc_open(UC_ARCH_ARM64, UC_MODE_ARM, out), 'uc_open(UC_ARCH_ARM64, UC_MODE_ARM)');
    this.#uc = out[0]!;
    const resources: (() => void)[] = [() => api.uc_close(this.#uc)];
    try {
      const model = (options.cpu ?? 'max') === 'max' ? UC_CPU_ARM64_MAX : UC_CPU_ARM64_A72;
      checkUnicorn(api.uc_ctl(this.#uc, UC_CTL_CPU_MODEL_WRITE, 'int', model), 'uc_ctl_set_cpu_model');

      this.#scratch = NativeRegion.allocate(pageSize());
      resources.push(() => this.#scratch.dispose());
      const view = new DataView(this.#scratch.buffer);
      this.#slotsAddress = this.#scratch.address + BigInt(SLOT_BYTES);
      this.#slots = new BigUint64Array(this.#scratch.buffer, SLOT_BYTES, 16);
      this.#regIds = this.#scratch.address + BigInt(REG_IDS);
      this.#slotPointers = this.#scratch.address + BigInt(SLOT_POINTERS);
      BATCH_REGS.forEach((reg, i) => {
        view.setInt32(REG_IDS + 4 * i, reg, true);
        view.setBigUint64(SLOT_POINTERS + 8 * i, this.#slotsAddress + BigInt(8 * i), true);
      });

      const stackSize = options.stackSize ?? DEFAULT_EMULATED_STACK_SIZE;
      if (!Number.isSafeInteger(stackSize) || stackSize < pageSize()) {
        throw new JitError('invalid-argument', `Aarch64Emulator: stackSize must be at least one page, got ${stackSize}`);
      }
      this.#stack = NativeRegion.allocate(STACK_GUARD + stackSize);
      resources.push(() => this.#stack.dispose());
      const low = this.#stack.address + BigInt(STACK_GUARD);
      this.#stackTop = this.#stack.address + BigInt(this.#stack.size);
      this.#stackBounds = { low, high: this.#stackTop };
      // The stack is mapped eagerly, without its guard; `#mapOnDemand` never maps the stack region.
      const usable = this.#stack.size - STACK_GUARD;
      checkUnicorn(api.uc_mem_map_ptr(this.#uc, low, usable, UC_PROT_READ | UC_PROT_WRITE, low), 'uc_mem_map_ptr(stack)');
      this.#mapped.set(this.#stack.address, { start: low, size: usable, perms: UC_PROT_READ | UC_PROT_WRITE });

      this.#hook = koffi.register(
        (_uc: unknown, type: number, address: number | bigint, size: number) => this.#onInvalidMemory(type, BigInt(address), size),
        memoryHookPointerType(),
      ) as bigint;
      resources.push(() => koffi.unregister(this.#hook));
      const hh: [number | bigint] = [0];
      // begin > end: the hook covers every address.
      checkUnicorn(api.uc_hook_add(this.#uc, hh, UC_HOOK_MEM_INVALID, this.#hook, null, 1n, 0n), 'uc_hook_add(UC_HOOK_MEM_INVALID)');
    } catch (error) {
      for (const release of resources.reverse()) {
        try {
          release();
        } catch {
          // Already failing; the first error is the one to report.
        }
      }
      throw error;
    }
    addRegionObserver(this);
  }

  /** A new emulator (its own unicorn instance and stack). `dispose()` it when done. */
  static create(options: EmulatorOptions = {}): Aarch64Emulator {
    return new Aarch64Emulator(options);
  }

  /** The process-wide emulator `EmulatedArrayCallEntry` uses by default; created on first use, never disposed. */
  static shared(): Aarch64Emulator {
    if (shared === undefined || shared.#disposed) shared = new Aarch64Emulator({});
    return shared;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Entries active right now (0 when idle; > 1 when a callback re-entered). */
  get depth(): number {
    return this.#depth;
  }

  /** The usable stack (the guard below `low` excluded). */
  get stackBounds(): StackBounds {
    return this.#stackBounds;
  }

  /**
   * The sp an entry made now would start with: the top of the stack when
   * idle, the interrupted code's sp during a callback. The runtime derives its
   * wasm stack limit from this, as it does from `nativeStackPointer()`.
   */
  stackPointer(): bigint {
    this.#checkLive('stackPointer');
    if (this.#depth === 0) return this.#stackTop;
    return this.#readRegister(UC_ARM64_REG_SP) & ~15n;
  }

  get stats(): EmulatorStats {
    return { runs: this.#runs, callbacks: this.#callbacks, lazyMappings: this.#lazyMappings, mappedRegions: this.#mapped.size };
  }

  /**
   * Call the AArch64 function at `address` with up to eight integer/pointer
   * arguments (x0–x7, AAPCS64) and return x0 as an unsigned 64-bit value.
   * Throws a `JitError` of kind `emulation-failed` if emulation stops on an
   * error; an exception thrown by a dispatched callback function (the
   * recorded wrappers never throw) propagates unchanged. Either way the CPU
   * state of an interrupted outer entry is restored first.
   */
  call(address: bigint, args: readonly bigint[] = []): bigint {
    this.#checkLive('call');
    if (args.length > MAX_REGISTER_ARGS) {
      throw new JitError('invalid-argument', `Aarch64Emulator.call: at most ${MAX_REGISTER_ARGS} register arguments, got ${args.length}`);
    }
    const outer = this.#depth;
    let sp = this.#stackTop;
    if (outer > 0) {
      this.#saveContext(outer - 1);
      sp = this.#readRegister(UC_ARM64_REG_SP) & ~15n;
    }
    const slots = this.#slots;
    for (let i = 0; i < MAX_REGISTER_ARGS; i++) slots[i] = i < args.length ? BigInt.asUintN(64, args[i]!) : 0n;
    slots[LR_SLOT] = RETURN_SENTINEL;
    slots[SP_SLOT] = sp;
    this.#depth = outer + 1;
    try {
      checkUnicorn(this.#api.uc_reg_write_batch(this.#uc, this.#regIds, this.#slotPointers, ENTRY_BATCH), 'uc_reg_write_batch');
      return this.#run(address);
    } finally {
      this.#depth = outer;
      if (outer > 0) this.#restoreContext(outer - 1);
    }
  }

  /** An array-call entry at `address` run by this emulator. */
  arrayCallEntry(address: bigint, owner?: CodeOwner): EmulatedArrayCallEntry {
    return new EmulatedArrayCallEntry(address, { emulator: this, ...(owner === undefined ? {} : { owner }) });
  }

  /** Close unicorn and free the stack. Idempotent; not while an entry is active. */
  dispose(): void {
    if (this.#disposed) return;
    if (this.#depth > 0) throw new JitError('invalid-argument', 'Aarch64Emulator.dispose: an entry is still active');
    this.#disposed = true;
    removeRegionObserver(this);
    for (const context of this.#contexts) this.#api.uc_context_free(context);
    this.#api.uc_close(this.#uc);
    this.#mapped.clear();
    koffi.unregister(this.#hook);
    this.#stack.dispose();
    this.#scratch.dispose();
  }

  // --- HostRegionObserver (live-only): drop the mapping; the next access remaps it. ---

  regionChanged(record: HostRegionRecord): void {
    this.#unmap(record.address);
  }

  regionRemoved(record: HostRegionRecord): void {
    this.#unmap(record.address);
  }

  // --- internals ---

  /** Run from `pc` until the sentinel, dispatching callbacks on the way; returns x0. */
  #run(pc: bigint): bigint {
    const api = this.#api;
    for (;;) {
      this.#fault = undefined;
      this.#runs++;
      const err = api.uc_emu_start(this.#uc, pc, RETURN_SENTINEL, 0, 0);
      const fault = this.#fault as Fault | undefined;
      if (err === UC_ERR_OK) {
        const stoppedAt = this.#readRegister(UC_ARM64_REG_PC);
        if (stoppedAt === RETURN_SENTINEL) return this.#readRegister(ucArm64X(0));
        throw this.#emulationError(err, undefined, `emulation stopped before returning (pc ${hex(stoppedAt)})`);
      }
      if (err === UC_ERR_FETCH_UNMAPPED && fault?.kind === 'callback') {
        pc = this.#dispatch(fault.callback);
        continue;
      }
      throw this.#emulationError(err, fault);
    }
  }

  /** Call a recorded callback with x0–x7 as its arguments; write its result to x0; return where to resume (x30). */
  #dispatch(callback: RecordedCallback): bigint {
    checkUnicorn(this.#api.uc_reg_read_batch(this.#uc, this.#regIds, this.#slotPointers, CALLBACK_BATCH), 'uc_reg_read_batch');
    const slots = this.#slots;
    const { params, result } = callback.signature;
    if (params.length > MAX_REGISTER_ARGS || result === 'unsupported' || params.includes('unsupported')) {
      throw new JitError(
        'emulation-failed',
        `emulated code called the native callback at ${hex(this.#readRegister(UC_ARM64_REG_PC))}, whose C signature has ` +
          'arguments or a result the emulator cannot pass (only up to 8 integer/pointer arguments and an integer result)',
      );
    }
    const args = new Array<number | bigint>(params.length);
    for (let i = 0; i < params.length; i++) {
      const x = slots[i]!;
      switch (params[i]!) {
        case 'i32':
          args[i] = Number(BigInt.asIntN(32, x));
          break;
        case 'u32':
          args[i] = Number(BigInt.asUintN(32, x));
          break;
        case 'i64':
          args[i] = BigInt.asIntN(64, x);
          break;
        default: // u64, pointer
          args[i] = x;
          break;
      }
    }
    const resume = slots[LR_SLOT]!;
    this.#callbacks++;
    // May re-enter this emulator (no-unicorn-frames): the slots are reused below only after it returns.
    const value = callback.fn(...args);
    if (result !== 'void') {
      const bits = result === 'i32' || result === 'u32' ? 32 : 64;
      this.#writeRegister(ucArm64X(0), BigInt.asUintN(bits, BigInt(value as number | bigint)));
    }
    return resume;
  }

  /** The memory hook (no-unicorn-frames): map a live region, or record why not and decline. Never throws. */
  #onInvalidMemory(type: number, address: bigint, size: number): boolean {
    try {
      if (type === UC_MEM_FETCH_UNMAPPED) {
        const callback = findCallback(address);
        if (callback !== undefined) {
          this.#fault = { kind: 'callback', address, callback };
          return false;
        }
      }
      if ((type === UC_MEM_READ_UNMAPPED || type === UC_MEM_WRITE_UNMAPPED || type === UC_MEM_FETCH_UNMAPPED) && this.#mapOnDemand(address)) {
        return true;
      }
      this.#fault = { kind: 'access', type, address, size };
      return false;
    } catch (error) {
      this.#fault = { kind: 'hook-error', error };
      return false;
    }
  }

  /** Map the accessible prefix of the live region holding `address`, if there is one that covers it (identity, live-only). */
  #mapOnDemand(address: bigint): boolean {
    const record = findRegion(address);
    if (record === undefined || record.address === this.#stack.address || this.#mapped.has(record.address)) return false;
    const perms = ucPerms(record.prot);
    if (perms === UC_PROT_NONE || address >= record.address + BigInt(record.accessible)) return false;
    checkUnicorn(
      this.#api.uc_mem_map_ptr(this.#uc, record.address, record.accessible, perms, record.address),
      `uc_mem_map_ptr(${hex(record.address)}, ${record.accessible})`,
    );
    this.#mapped.set(record.address, { start: record.address, size: record.accessible, perms });
    this.#lazyMappings++;
    return true;
  }

  /** Drop this emulator's mapping of the region at `regionAddress`, flushing its translations first (flush-before-unmap). */
  #unmap(regionAddress: bigint): void {
    const mapping = this.#mapped.get(regionAddress);
    if (mapping === undefined || this.#disposed) return;
    this.#mapped.delete(regionAddress);
    const end = mapping.start + BigInt(mapping.size);
    if (mapping.perms & UC_PROT_EXEC) {
      checkUnicorn(this.#api.uc_ctl(this.#uc, UC_CTL_TB_REMOVE_CACHE_WRITE, 'uint64_t', mapping.start, 'uint64_t', end), 'uc_ctl_remove_cache');
    }
    checkUnicorn(this.#api.uc_mem_unmap(this.#uc, mapping.start, mapping.size), `uc_mem_unmap(${hex(mapping.start)}, ${mapping.size})`);
  }

  #saveContext(index: number): void {
    let context = this.#contexts[index];
    if (context === undefined) {
      const out: [UcHandle | null] = [null];
      checkUnicorn(this.#api.uc_context_alloc(this.#uc, out), 'uc_context_alloc');
      context = out[0]!;
      this.#contexts[index] = context;
    }
    checkUnicorn(this.#api.uc_context_save(this.#uc, context), 'uc_context_save');
  }

  #restoreContext(index: number): void {
    checkUnicorn(this.#api.uc_context_restore(this.#uc, this.#contexts[index]!), 'uc_context_restore');
  }

  #readRegister(reg: number): bigint {
    checkUnicorn(this.#api.uc_reg_read(this.#uc, reg, this.#slotsAddress + BigInt(8 * SINGLE_SLOT)), 'uc_reg_read');
    return this.#slots[SINGLE_SLOT]!;
  }

  #writeRegister(reg: number, value: bigint): void {
    this.#slots[SINGLE_SLOT] = value;
    checkUnicorn(this.#api.uc_reg_write(this.#uc, reg, this.#slotsAddress + BigInt(8 * SINGLE_SLOT)), 'uc_reg_write');
  }

  /** The `JitError` for a run that stopped with `err`: where, why, and what the hook saw. */
  #emulationError(err: number, fault: Fault | undefined, what?: string): JitError {
    const pc = this.#readRegister(UC_ARM64_REG_PC);
    const lr = this.#readRegister(ucArm64X(30));
    const insn = this.#instructionAt(pc);
    const where = `pc ${hex(pc)}${insn === undefined ? '' : ` (instruction ${insn})`}, lr ${hex(lr)}`;
    const unicornError = { code: err, name: ucErrName(err) };
    const reason = what ?? `${this.#api.uc_strerror(err)}${fault === undefined ? '' : `: ${this.#describeFault(fault)}`}`;
    const message = `emulated AArch64 code failed at ${where}: ${reason}`;
    if (fault?.kind === 'hook-error') return new JitError('emulation-failed', message, { pc, unicornError, cause: fault.error });
    const address = fault === undefined ? undefined : fault.address;
    return new JitError('emulation-failed', message, { pc, unicornError, ...(address === undefined ? {} : { address }) });
  }

  #describeFault(fault: Fault): string {
    switch (fault.kind) {
      case 'hook-error':
        return `the memory hook failed: ${String(fault.error)}`;
      case 'callback':
        return `call of the native callback at ${hex(fault.address)}`;
      case 'access': {
        const { type, address, size } = fault;
        if (type === UC_MEM_FETCH_UNMAPPED || type === UC_MEM_FETCH_PROT) {
          const mapping = this.#mappingAt(address);
          return mapping === undefined
            ? `branch to ${hex(address)}, which is neither live memory nor a registered native callback`
            : `branch to ${hex(address)} in memory mapped ${permsName(mapping.perms)} (not executable)`;
        }
        const verb = type === UC_MEM_WRITE_UNMAPPED || type === UC_MEM_WRITE_PROT ? 'writing' : 'reading';
        const access = `${verb} ${size} bytes at ${hex(address)}`;
        if (type === UC_MEM_WRITE_PROT || type === UC_MEM_READ_PROT) {
          return `${access}, in memory mapped ${permsName(this.#mappingAt(address)?.perms ?? UC_PROT_NONE)}`;
        }
        if (address >= this.#stack.address && address < this.#stackBounds.low) {
          return `${access}, in the guard below the emulated stack (stack overflow)`;
        }
        const record = findRegion(address);
        if (record === undefined) return `${access}, outside every live region`;
        return `${access}, in the inaccessible part of the region at ${hex(record.address)} (${record.accessible} of ${record.size} bytes accessible, ${permsName(ucPerms(record.prot))})`;
      }
    }
  }

  #mappingAt(address: bigint): Mapping | undefined {
    for (const mapping of this.#mapped.values()) {
      if (address >= mapping.start && address < mapping.start + BigInt(mapping.size)) return mapping;
    }
    return undefined;
  }

  /** The instruction word at `pc` as hex, when `pc` is in readable live memory. */
  #instructionAt(pc: bigint): string | undefined {
    const record = findRegion(pc);
    if (record === undefined || (pc & 3n) !== 0n || !(record.prot & PROT_READ) || pc + 4n > record.address + BigInt(record.accessible)) {
      return undefined;
    }
    const word = new DataView(nativeView(pc, 4)).getUint32(0, true);
    return `0x${word.toString(16).padStart(8, '0')}`;
  }

  #checkLive(what: string): void {
    if (this.#disposed) throw new JitError('disposed', `Aarch64Emulator.${what}: the emulator was disposed`);
  }
}

export interface EmulatedArrayCallEntryOptions {
  /** The emulator to run in; default `Aarch64Emulator.shared()`. */
  readonly emulator?: Aarch64Emulator;
  /** Kept alive by the entry and checked before each call (entry-keeps-code), as for `ArrayCallEntry`. */
  readonly owner?: CodeOwner;
}

/**
 * `ArrayCallEntry`'s emulated twin: the array-call entry trampoline at
 * `address` (AArch64 code), called with the same C signature
 * (`ARRAY_CALL_SIGNATURE`, AAPCS64: x0–x3 in, x0 out) and returning the same
 * int64 status.
 */
export class EmulatedArrayCallEntry {
  readonly address: bigint;
  readonly emulator: Aarch64Emulator;
  readonly #owner: CodeOwner | undefined;

  constructor(address: bigint, options: EmulatedArrayCallEntryOptions = {}) {
    if (typeof address !== 'bigint' || address <= 0n) {
      throw new JitError('invalid-argument', `EmulatedArrayCallEntry: not a code address: ${String(address)}`);
    }
    this.address = address;
    this.emulator = options.emulator ?? Aarch64Emulator.shared();
    this.#owner = options.owner;
  }

  /** `entry(vmctx, callee, valuesAndResults, count)` in the emulator; the int64 status as a `bigint`. */
  call(vmctx: bigint, callee: bigint, valuesAndResults: bigint, count: number): bigint {
    if (this.#owner?.disposed === true) {
      throw new JitError('disposed', `EmulatedArrayCallEntry at ${hex(this.address)}: its code memory was disposed`);
    }
    return BigInt.asIntN(64, this.emulator.call(this.address, [vmctx, callee, valuesAndResults, BigInt(count)]));
  }
}
