/**
 * Functions: wasm functions of an instance, and host functions written in
 * TypeScript that wasm can import (or receive as funcrefs) and call.
 *
 * A host function is reached from wasm through one process-wide koffi
 * callback (`registerHostCall`; koffi has only 8192 callback slots, so one
 * per function would not do). Each host function gets, in its store's arena:
 *
 * * a `VMHostFuncContext` {magic, hostCall, index, storeContext}: what a
 *   wasm-to-array trampoline receives as its callee vmctx. It calls
 *   `hostCall(ctx, index, values, count)`; `index` is the host function's id
 *   in this file's table;
 * * its own `VMFuncRef` {code, type_id, vmctx = the context}, used when the
 *   host hands the function to wasm as a funcref value. `code` is a
 *   wasm-to-array trampoline for its type borrowed from any loaded module
 *   (`Engine.wasmToArrayTrampoline`; patched in when the first module with
 *   that signature loads). An instance that *imports* the function writes its
 *   own module's trampoline into its import slot instead.
 *
 * Exceptions (jit's README, "JS exceptions and koffi callbacks"): the
 * dispatcher stores `TrapCode.HostException` into the calling store's context
 * and re-throws; the registration's wrapper catches it, keeps it pending and
 * returns a non-zero status; the trampoline unwinds to the entry, and
 * `StoreData.invoke` re-throws the pending exception to the caller unchanged.
 *
 * Invariant (host-ids): a host function id is live in `hostFuncs` exactly
 * while its store is; the table holds it weakly, so it never keeps a store
 * alive, and `detach()` (store disposal) removes it first.
 */
import {
  type FuncType,
  TrapCode,
  VMFuncRefOffsets,
  VMHOSTFUNC_MAGIC,
  VMHostFuncContextOffsets,
  VMStoreContextOffsets,
  funcTypeToString,
} from '@derrick/environ';
import { type Aarch64Emulator, type HostCallRegistration, type PendingException, nativeStackBounds, nativeView, registerHostCall } from '@derrick/jit';
import { runningEmulator } from './compiled-module.js';
import { RuntimeError } from './errors.js';
import type { InstanceData } from './instance.js';
import { INNER } from './internal.js';
import type { NativeSlice } from './native-arena.js';
import type { Store, StoreData } from './store.js';
import { VAL_RAW_SIZE, type Val, checkVal, fromVal, readVal, toVal, writeVal } from './values.js';

// -----------------------------------------------------------------------------
// The process-wide host-call callback.

const hostFuncs = new Map<number, WeakRef<HostFuncData>>();
let nextHostFuncId = 1;
let registration: HostCallRegistration | undefined;

function hostCall(): HostCallRegistration {
  registration ??= registerHostCall(dispatch, { exceptionStatus: BigInt(TrapCode.HostException) });
  return registration;
}

/** The exception a host function threw during the last entry, if any (taken: cleared). */
export function takeHostException(): PendingException | undefined {
  return registration?.takePendingException();
}

/**
 * A view of the native stack generated code runs on. Wasm-to-array
 * trampolines build their values array there, so one view created once
 * serves every host call (a `koffi.view` per call costs about a microsecond).
 * The same goes for the emulated stack AArch64 code runs on (on an x86-64
 * host), once the emulator exists. Arrays anywhere else get a view of their own.
 */
let stackWindow: { low: bigint; high: bigint; view: DataView } | undefined;
let emulatedWindow: { emulator: Aarch64Emulator; low: bigint; high: bigint; view: DataView } | undefined;

function valuesView(values: bigint, bytes: number): { view: DataView; offset: number } {
  if (stackWindow === undefined) {
    const { low, high } = nativeStackBounds();
    stackWindow = { low, high, view: new DataView(nativeView(low, Number(high - low))) };
  }
  const w = stackWindow;
  if (values >= w.low && values + BigInt(bytes) <= w.high) return { view: w.view, offset: Number(values - w.low) };
  const emu = runningEmulator();
  if (emu !== undefined) {
    if (emulatedWindow?.emulator !== emu) {
      const { low, high } = emu.stackBounds;
      emulatedWindow = { emulator: emu, low, high, view: new DataView(nativeView(low, Number(high - low))) };
    }
    const e = emulatedWindow;
    if (values >= e.low && values + BigInt(bytes) <= e.high) return { view: e.view, offset: Number(values - e.low) };
  }
  return { view: new DataView(nativeView(values, bytes)), offset: 0 };
}

function dispatch(_ctx: bigint, index: number, values: bigint, count: number): bigint {
  const func = hostFuncs.get(index)?.deref();
  if (func === undefined) {
    // Unreachable by construction (host-ids): a disposed store runs no code, and
    // no other store can hold its functions. Fail loudly rather than guess.
    throw new RuntimeError('internal', `host function ${index} was called after its store was disposed`);
  }
  try {
    const { params } = func.type;
    const slots = count > 0 ? valuesView(values, count * VAL_RAW_SIZE) : undefined;
    const args = new Array<Val>(params.length);
    for (let i = 0; i < params.length; i++) args[i] = readVal(slots!.view, slots!.offset + i * VAL_RAW_SIZE, params[i]!, func.store);
    const results = func.callHost(args);
    for (let i = 0; i < results.length; i++) writeVal(slots!.view, slots!.offset + i * VAL_RAW_SIZE, results[i]!, func.store);
    return 0n;
  } catch (error) {
    const c = func.store.context;
    c.view.setUint32(c.offset + VMStoreContextOffsets.trapCode, TrapCode.HostException, true);
    throw error;
  }
}

// -----------------------------------------------------------------------------
// Function data.

export class WasmFuncData {
  readonly kind = 'wasm';
  readonly type: FuncType;
  /** Type index in the defining module. */
  readonly typeIndex: number;
  /** Address of the function's machine code. */
  readonly code: bigint;
  /** Address of its VMFuncRef in the defining instance's vmctx. */
  readonly funcRefAddress: bigint;
  #handle: Func | undefined;

  constructor(
    readonly instance: InstanceData,
    /** Index in the defining module's function index space (a defined function). */
    readonly funcIndex: number,
  ) {
    const module = instance.module;
    const t = module.translation;
    this.typeIndex = t.functions[funcIndex]!;
    this.type = t.types[this.typeIndex]!;
    this.code = module.functionCode(funcIndex - t.numImportedFuncs);
    this.funcRefAddress = instance.vmctx.address + BigInt(module.offsets.funcRef(funcIndex));
  }

  get store(): StoreData {
    return this.instance.store;
  }

  handle(): Func {
    this.#handle ??= new Func(this);
    return this.#handle;
  }

  call(args: readonly Val[]): Val[] {
    return this.store.invoke(this, args);
  }

  detach(): void {}
}

export type HostCallback = (args: Val[]) => Val[] | void;

export class HostFuncData {
  readonly kind = 'host';
  readonly id: number;
  readonly typeId: number;
  /** The VMHostFuncContext. */
  readonly ctx: NativeSlice;
  /** The function's own VMFuncRef. */
  readonly funcRef: NativeSlice;
  #cancelWait: () => void;
  #handle: Func | undefined;

  constructor(
    readonly store: StoreData,
    readonly type: FuncType,
    readonly callback: HostCallback,
  ) {
    store.checkLive('creating a host function');
    this.type = { params: [...type.params], results: [...type.results] };
    this.id = nextHostFuncId++;
    this.typeId = store.engine.types.idOf(type);
    const ctx = store.arena.allocate(VMHostFuncContextOffsets.size);
    ctx.view.setUint32(ctx.offset + VMHostFuncContextOffsets.magic, VMHOSTFUNC_MAGIC, true);
    ctx.view.setBigUint64(ctx.offset + VMHostFuncContextOffsets.hostCall, hostCall().address, true);
    ctx.view.setBigUint64(ctx.offset + VMHostFuncContextOffsets.index, BigInt(this.id), true);
    ctx.view.setBigUint64(ctx.offset + VMHostFuncContextOffsets.storeContext, store.context.address, true);
    this.ctx = ctx;
    const ref = store.arena.allocate(VMFuncRefOffsets.size);
    const setCode = (code: bigint) => ref.view.setBigUint64(ref.offset + VMFuncRefOffsets.code, code, true);
    const { code, cancel } = store.engine.wasmToArrayTrampoline(this.typeId, setCode);
    setCode(code);
    this.#cancelWait = cancel;
    ref.view.setUint32(ref.offset + VMFuncRefOffsets.typeId, this.typeId, true);
    ref.view.setBigUint64(ref.offset + VMFuncRefOffsets.vmctx, ctx.address, true);
    this.funcRef = ref;
    hostFuncs.set(this.id, new WeakRef(this));
    store.addHostFunc(this);
  }

  get funcRefAddress(): bigint {
    return this.funcRef.address;
  }

  handle(): Func {
    this.#handle ??= new Func(this);
    return this.#handle;
  }

  /** Run the callback on checked arguments and check what it returns. */
  callHost(args: Val[]): Val[] {
    const out = this.callback(args) ?? [];
    const { results } = this.type;
    if (!Array.isArray(out) || out.length !== results.length) {
      throw new RuntimeError(
        'type-mismatch',
        `host function of type ${funcTypeToString(this.type)} returned ${Array.isArray(out) ? `${out.length} value(s)` : String(out)}, expected ${results.length}`,
      );
    }
    for (let i = 0; i < results.length; i++) {
      checkVal(results[i]!, out[i]!, 'result # of a host function', isFunc, i);
      checkSameStore(this.store, out[i]!);
    }
    return out;
  }

  call(args: readonly Val[]): Val[] {
    this.store.checkLive('calling a host function');
    return this.callHost([...args]);
  }

  /** (host-ids): the store is going away. */
  detach(): void {
    hostFuncs.delete(this.id);
    this.#cancelWait();
  }
}

export type FuncData = WasmFuncData | HostFuncData;

function isFunc(x: unknown): boolean {
  return x instanceof Func;
}

function checkSameStore(store: StoreData, v: Val): void {
  if (v.type === 'funcref' && v.value !== null && v.value[INNER].store !== store) {
    throw new RuntimeError('store-mismatch', 'a funcref from another store was passed to this store');
  }
}

/** Check arguments against a function type. */
function checkArgs(func: FuncData, args: readonly Val[]): void {
  const { params } = func.type;
  if (!Array.isArray(args) || args.length !== params.length) {
    throw new RuntimeError('type-mismatch', `function of type ${funcTypeToString(func.type)} expects ${params.length} argument(s), got ${Array.isArray(args) ? args.length : String(args)}`);
  }
  for (let i = 0; i < params.length; i++) {
    checkVal(params[i]!, args[i]!, 'argument #', isFunc, i);
    checkSameStore(func.store, args[i]!);
  }
}

/** Results as a JS value: `undefined`, the single value, or an array. */
function jsResults(results: Val[]): unknown {
  if (results.length === 0) return undefined;
  if (results.length === 1) return fromVal(results[0]!);
  return results.map(fromVal);
}

// -----------------------------------------------------------------------------
// The public handle.

/**
 * A function: exported by an instance, or defined by the host (`Func.wrap`,
 * `Func.new`). Calls with JS values (`call`) or exact `Val`s (`callVals`).
 * A trap is thrown as a `Trap`; an exception thrown by a host function called
 * (directly or through wasm) is re-thrown unchanged.
 */
export class Func {
  /** @internal */
  readonly [INNER]: FuncData;

  /** @internal Use `Func.wrap`, `Func.new` or an instance's exports. */
  constructor(inner: FuncData) {
    this[INNER] = inner;
  }

  /**
   * A host function taking and returning JS values: `i32`/`f32`/`f64` as
   * numbers, `i64` as bigint, `v128` as a 16-byte Uint8Array, references as a
   * `Func`/`null` or any JS value. It returns `undefined` (no results), one
   * value, or an array of values.
   */
  static wrap(store: Store<unknown>, type: FuncType, fn: (...args: never[]) => unknown): Func {
    const data = new HostFuncData(store[INNER], type, (args) => {
      const out = (fn as (...a: unknown[]) => unknown)(...args.map(fromVal));
      const { results } = type;
      if (results.length === 0) return [];
      const values = results.length === 1 ? [out] : out;
      if (!Array.isArray(values) || values.length !== results.length) {
        throw new RuntimeError('type-mismatch', `host function of type ${funcTypeToString(type)} must return an array of ${results.length} values`);
      }
      return results.map((t, i) => toVal(t, values[i], 'result # of a host function', isFunc, i));
    });
    return data.handle();
  }

  /** A host function taking and returning exact `Val`s (Wasmtime's `Func::new`). */
  static new(store: Store<unknown>, type: FuncType, fn: HostCallback): Func {
    return new HostFuncData(store[INNER], type, fn).handle();
  }

  /** The function's type. */
  ty(): FuncType {
    const t = this[INNER].type;
    return { params: [...t.params], results: [...t.results] };
  }

  /** Call with JS values; returns `undefined`, the single result, or an array of results. */
  call(...args: unknown[]): unknown {
    const data = this[INNER];
    const { params } = data.type;
    if (args.length !== params.length) {
      throw new RuntimeError('type-mismatch', `function of type ${funcTypeToString(data.type)} expects ${params.length} argument(s), got ${args.length}`);
    }
    const vals = params.map((t, i) => toVal(t, args[i], 'argument #', isFunc, i));
    return jsResults(this.callVals(vals));
  }

  /** Call with exact values. */
  callVals(args: readonly Val[]): Val[] {
    const data = this[INNER];
    checkArgs(data, args);
    return data.call(args);
  }
}
