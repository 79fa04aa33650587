/**
 * `Store`: everything one "world" of wasm owns — its instances, memories,
 * tables, globals, host functions and host references — and the
 * `VMStoreContext` their code shares. Disposing a store releases all of it.
 *
 * Calls into wasm happen here (`StoreData.invoke`), because that is where the
 * store context is: the runtime writes the stack limit before the outermost
 * entry and reads the trap code and pc after an entry returns a non-zero
 * status. The protocol (environ's `vmoffsets.ts`, jit's README):
 *
 * 1. arguments go into a values array in native memory (16-byte `ValRaw`
 *    slots, `count = max(params, results)`), taken from the store's values
 *    stack — native, because re-entrant code must see the same bytes;
 * 2. if no wasm of this store is active (`entry_sp == 0`), set
 *    `stack_limit = sp - max_wasm_stack`, where `sp` is measured on the native
 *    stack generated code runs on (koffi's) at this call depth, and clamped
 *    above that stack's low end;
 * 3. `status = entry(calleeVmctx, calleeCode, values, count)` through the
 *    array-to-wasm trampoline of the callee's type;
 * 4. status 0: read the results from the slots; otherwise the trap code and
 *    pc are in the store context. `HostException` means a host function threw
 *    and the exception waits in the host-call registration: it is re-thrown
 *    unchanged. Anything else becomes a `Trap`, with the function index and
 *    module offset found from the pc.
 *
 * Invariants:
 *
 * * (store-owns) every native resource created for a store (arena records,
 *   linear memories, table storage, host-function slots) is released by
 *   `dispose()`, and reachable from the store's data (hence from every handle
 *   of the store) until then; objects of a disposed store refuse to be used
 *   (`RuntimeError('disposed')`). Global tables (host functions, vmctx →
 *   instance) hold store objects weakly, so a dropped store is collected and
 *   its regions unmapped by their own finalizers.
 * * (values-lifo) values-array frames are released in reverse order of
 *   allocation (calls nest), so the values stack is a stack.
 * * (trap-consumed) a trap code is cleared from the store context as soon as
 *   it is read, so a later trap is never confused with an old one.
 */
import { TrapCode, VMStoreContextOffsets, isTrapCode } from '@derrick/environ';
import { NativeRegion, nativeStackBounds, nativeStackPointer } from '@derrick/jit';
import { takeBuiltinError } from './builtins.js';
import { lookupCode } from './code-registry.js';
import { emulator } from './compiled-module.js';
import type { Engine } from './engine.js';
import { RuntimeError, Trap } from './errors.js';
import { type Func, type FuncData, type WasmFuncData, takeHostException } from './func.js';
import type { InstanceData } from './instance.js';
import { INNER } from './internal.js';
import type { LinearMemory } from './memory.js';
import { NativeArena, type NativeSlice } from './native-arena.js';
import type { TableData } from './table.js';
import { VAL_RAW_SIZE, type Val, readVal, writeVal } from './values.js';

/** Never let the stack limit come closer than this to the low end of the native stack. */
const STACK_FLOOR_HEADROOM = 64n * 1024n;

/** A frame of the values stack. */
interface ValuesFrame {
  readonly address: bigint;
  readonly view: DataView;
  readonly offset: number;
  release(): void;
}

/** Native values arrays for entries, allocated LIFO (values-lifo). */
class ValuesStack {
  static readonly SIZE = 64 * 1024;
  #region: NativeRegion | undefined;
  #view: DataView | undefined;
  #top = 0;

  push(bytes: number): ValuesFrame {
    const size = Math.max(VAL_RAW_SIZE, bytes);
    if (size > ValuesStack.SIZE - this.#top) {
      // Deeper than the stack (or a huge signature): a region of its own.
      const region = NativeRegion.allocate(size);
      return { address: region.address, view: new DataView(region.buffer), offset: 0, release: () => region.dispose() };
    }
    if (this.#region === undefined) {
      this.#region = NativeRegion.allocate(ValuesStack.SIZE);
      this.#view = new DataView(this.#region.buffer);
    }
    const offset = this.#top;
    this.#top += size;
    return {
      address: this.#region.address + BigInt(offset),
      view: this.#view!,
      offset,
      release: () => {
        this.#top = offset;
      },
    };
  }

  dispose(): void {
    this.#region?.dispose();
    this.#region = undefined;
    this.#view = undefined;
  }
}

/** Entries into wasm on the native stack, over all stores of the process. */
let nativeDepth = 0;
/** The stack pointer an entry sees when no other entry is active (constant: koffi's stack is allocated once). */
let topLevelSp: bigint | undefined;

/**
 * The stack limit for an outermost entry made now (see the module comment, step 2).
 * Emulated (AArch64) code runs on the emulator's own stack: its limit comes from there.
 */
function stackLimitFor(maxWasmStack: number, emulated: boolean): bigint {
  if (emulated) {
    const emu = emulator();
    const floor = emu.stackBounds.low + STACK_FLOOR_HEADROOM;
    const limit = emu.stackPointer() - BigInt(maxWasmStack);
    return limit > floor ? limit : floor;
  }
  // At depth 0 every entry starts at the same place on koffi's stack; measure it once.
  const sp = nativeDepth === 0 ? (topLevelSp ??= nativeStackPointer()) : nativeStackPointer();
  const floor = nativeStackBounds().low + STACK_FLOOR_HEADROOM;
  const limit = sp - BigInt(maxWasmStack);
  return limit > floor ? limit : floor;
}

export class StoreData {
  readonly arena = new NativeArena();
  /** The `VMStoreContext` shared by the store's code. */
  readonly context: NativeSlice;
  /** Instances by vmctx address (sorted), for funcref lookups. */
  readonly #instances: InstanceData[] = [];
  readonly #memories = new Set<LinearMemory>();
  readonly #tables = new Set<TableData>();
  readonly #hostFuncs = new Set<FuncData>();
  /** Host functions by the address of their own VMFuncRef. */
  readonly #hostFuncRefs = new Map<bigint, FuncData>();
  /** externref handles: handle → value, value → handle. */
  readonly #externs: unknown[] = [];
  readonly #externHandles = new Map<unknown, number>();
  readonly #values = new ValuesStack();
  /** Entries into wasm currently on the native stack (calls nest through host functions). */
  #activeCalls = 0;
  #disposed = false;

  constructor(readonly engine: Engine) {
    this.context = this.arena.allocate(VMStoreContextOffsets.size, 16);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  checkLive(what: string): void {
    if (this.#disposed) throw new RuntimeError('disposed', `${what}: its store was disposed`);
  }

  // ---------------------------------------------------------------------------
  // Ownership (store-owns)

  addInstance(instance: InstanceData): void {
    const at = this.#instances.findIndex((i) => i.vmctx.address > instance.vmctx.address);
    this.#instances.splice(at < 0 ? this.#instances.length : at, 0, instance);
  }

  addMemory(memory: LinearMemory): void {
    this.#memories.add(memory);
  }

  addTable(table: TableData): void {
    this.#tables.add(table);
  }

  addHostFunc(func: FuncData & { kind: 'host' }): void {
    this.#hostFuncs.add(func);
    this.#hostFuncRefs.set(func.funcRef.address, func);
  }

  /** Instances of this store (including ones whose instantiation trapped). */
  get instances(): readonly InstanceData[] {
    return this.#instances;
  }

  // ---------------------------------------------------------------------------
  // References

  /** The raw funcref of `func` (the address of its VMFuncRef; 0 for null). */
  funcToRaw(func: Func | null): bigint {
    if (func === null) return 0n;
    const data = func[INNER];
    if (data.store !== this) throw new RuntimeError('store-mismatch', 'a funcref from another store was passed to this store');
    return data.funcRefAddress;
  }

  /** The function a raw funcref designates (null for 0). */
  funcFromRaw(raw: bigint): Func | null {
    if (raw === 0n) return null;
    const host = this.#hostFuncRefs.get(raw);
    if (host !== undefined) return host.handle();
    // Binary search for the instance whose vmctx holds the VMFuncRef.
    let lo = 0;
    let hi = this.#instances.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#instances[mid]!.vmctx.address <= raw) lo = mid + 1;
      else hi = mid;
    }
    const instance = this.#instances[lo - 1];
    const index = instance?.funcIndexOfFuncRef(raw);
    if (instance === undefined || index === undefined) {
      throw new RuntimeError('internal', `funcref 0x${raw.toString(16)} belongs to no instance of this store`);
    }
    return instance.func(index).handle();
  }

  /** The raw externref of a host value (its handle plus one; 0 for null). */
  externToRaw(value: unknown): bigint {
    if (value === null) return 0n;
    let handle = this.#externHandles.get(value);
    if (handle === undefined) {
      handle = this.#externs.length;
      this.#externs.push(value);
      this.#externHandles.set(value, handle);
    }
    return BigInt(handle) + 1n;
  }

  externFromRaw(raw: bigint): unknown {
    if (raw === 0n) return null;
    const handle = Number(raw - 1n);
    if (handle < 0 || handle >= this.#externs.length) throw new RuntimeError('internal', `externref handle ${handle} does not exist`);
    return this.#externs[handle];
  }

  // ---------------------------------------------------------------------------
  // Calls

  /** Call a wasm function of this store with checked arguments; returns its results. */
  invoke(func: WasmFuncData, args: readonly Val[]): Val[] {
    this.checkLive('calling a wasm function');
    const { params, results } = func.type;
    const count = Math.max(params.length, results.length);
    const frame = this.#values.push(count * VAL_RAW_SIZE);
    try {
      for (let i = 0; i < params.length; i++) writeVal(frame.view, frame.offset + i * VAL_RAW_SIZE, args[i]!, this);
      const ctx = this.context;
      if (ctx.view.getBigUint64(ctx.offset + VMStoreContextOffsets.entrySp, true) === 0n) {
        ctx.view.setBigUint64(ctx.offset + VMStoreContextOffsets.stackLimit, stackLimitFor(this.engine.maxWasmStack, func.instance.module.emulated), true);
      }
      const entry = func.instance.module.arrayCallEntry(func.typeIndex);
      this.#activeCalls++;
      nativeDepth++;
      let status: bigint;
      try {
        status = entry.call(func.instance.vmctx.address, func.code, frame.address, count);
      } finally {
        this.#activeCalls--;
        nativeDepth--;
      }
      if (status !== 0n) this.#raise(status);
      const out = new Array<Val>(results.length);
      for (let i = 0; i < results.length; i++) out[i] = readVal(frame.view, frame.offset + i * VAL_RAW_SIZE, results[i]!, this);
      return out;
    } finally {
      frame.release();
    }
  }

  /** Turn a non-zero entry status into the exception it stands for (trap-consumed). */
  #raise(status: bigint): never {
    const ctx = this.context;
    const code = ctx.view.getUint32(ctx.offset + VMStoreContextOffsets.trapCode, true);
    const pc = ctx.view.getBigUint64(ctx.offset + VMStoreContextOffsets.trapPc, true);
    ctx.view.setUint32(ctx.offset + VMStoreContextOffsets.trapCode, 0, true);
    ctx.view.setBigUint64(ctx.offset + VMStoreContextOffsets.trapPc, 0n, true);
    ctx.view.setBigUint64(ctx.offset + VMStoreContextOffsets.trapFp, 0n, true);
    const builtinError = takeBuiltinError();
    if (builtinError !== undefined) {
      throw new RuntimeError('internal', `a runtime builtin failed: ${builtinError instanceof Error ? builtinError.message : String(builtinError)}`, {
        cause: builtinError,
      });
    }
    const where = pc === 0n ? undefined : lookupCode(pc);
    // The code the trapping instruction stored; else the one the trap table records for its pc; else the status.
    const trapCode = code !== 0 ? code : (where?.module.trapCodeAt(where.offset) ?? Number(BigInt.asIntN(32, status)));
    if (trapCode === TrapCode.HostException) {
      const pending = takeHostException();
      if (pending !== undefined) throw pending.error;
    }
    throw new Trap(isTrapCode(trapCode) ? trapCode : TrapCode.InternalError, where?.module.siteOf(where.offset));
  }

  // ---------------------------------------------------------------------------

  dispose(): void {
    if (this.#disposed) return;
    if (this.#activeCalls > 0) {
      // Unmapping the memories and vmctxs of code that is on the stack would crash the process.
      throw new RuntimeError('disposed', 'a store cannot be disposed while its wasm code is running (from a host function)');
    }
    this.#disposed = true;
    for (const instance of this.#instances) instance.detach();
    for (const func of this.#hostFuncs) func.detach();
    for (const memory of this.#memories) memory.dispose();
    for (const table of this.#tables) table.dispose();
    this.#instances.length = 0;
    this.#hostFuncs.clear();
    this.#hostFuncRefs.clear();
    this.#memories.clear();
    this.#tables.clear();
    this.#externs.length = 0;
    this.#externHandles.clear();
    this.#values.dispose();
    this.arena.dispose();
  }
}

/**
 * A store: the owner of instances and of every memory, table, global and host
 * function they use. `T` is embedder data (`store.data`), as in Wasmtime.
 *
 * Call `dispose()` when done: it unmaps every linear memory (each reserves up
 * to 4 GiB of address space). The safety net for a store that is dropped
 * instead is per resource: every region and reservation has its own
 * finalizer in `@derrick/jit`, which runs once nothing — neither the store
 * nor any of its instances, functions, memories, tables or globals — can
 * reach it. (A finalizer on the `Store` object itself would be wrong: an
 * embedder may drop the store and keep using an instance, whose functions do
 * not take the store as an argument.)
 */
export class Store<T = unknown> {
  readonly [INNER]: StoreData;
  data: T;

  constructor(engine: Engine, data?: T) {
    const inner = new StoreData(engine);
    this[INNER] = inner;
    this.data = data as T;
  }

  get engine(): Engine {
    return this[INNER].engine;
  }

  get disposed(): boolean {
    return this[INNER].disposed;
  }

  /** Release every native resource of the store now. Idempotent; the store's objects become unusable. */
  dispose(): void {
    this[INNER].dispose();
  }
}

