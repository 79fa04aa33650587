/**
 * The `WastExecutor` backed by Derrick's runtime: `.wast` scripts run on real
 * compiled code.
 *
 * The wast package never imports a compiler (architecture.md: it may depend
 * on environ and runtime only); the caller — the CLI, or a test — passes a
 * `CompilerBuilder` factory (`@derrick/compiler`'s, or another backend's),
 * and the executor builds one `Engine` from it, shared by every script of a
 * run. Each script gets a fresh `Store` and `Linker` (the runner calls the
 * factory once per script), so nothing leaks between scripts, and the store
 * is disposed when the script ends — which unmaps its memories (the suite
 * instantiates ~1600 modules).
 *
 * Mapping of the runner's vocabulary onto the runtime's:
 *
 * | script | runtime | reported as |
 * |---|---|---|
 * | `(module …)`, `assert_unlinkable`, `assert_uninstantiable`, `assert_trap (module …)` | `Module.fromTranslation` + `Linker.instantiate` | `LinkError` → `unlinkable`; `Trap` → `trap` |
 * | `register "name" $m` | `Linker.instance` (shadowing allowed) | |
 * | `invoke`, `assert_return`, `assert_trap`, `assert_exhaustion` | `Func.callVals` (exact `Val`s) | `Trap` → `trap`, stack overflow → `exhaustion` |
 * | `get` | `Global.getVal` | |
 *
 * Values cross as `Val`s, never JS numbers, so NaN payloads survive. An
 * externref `ref.extern N` is the host value `N` (a number) in the store.
 * Anything else thrown (a `CompileError` for an unsupported instruction, a
 * bug) is not an expected failure and fails the command.
 *
 * The `spectest` module (the reference interpreter's host module, which the
 * suite imports): `print`, `print_i32`, `print_i64`, `print_f32`,
 * `print_f64`, `print_i32_f32`, `print_f64_f64` (no output), `global_i32` =
 * 666, `global_i64` = 666, `global_f32` = 666.6, `global_f64` = 666.6 (all
 * immutable), `table` (10..20 funcref), `memory` (1..2 pages).
 */
import { ModuleTranslation, TrapCode, ValType } from '@derrick/environ';
import {
  Config,
  type CompilerBuilderFactory,
  Engine,
  Func,
  Global,
  type Instance,
  LinkError,
  Linker,
  Memory,
  Module,
  Store,
  Table,
  Trap,
  type Val,
  f32ToBits,
  f64ToBits,
} from '@derrick/runtime';
import { WastExecutionError, type WastExecutor, type WastExecutorFactory, type WastInstantiateRequest } from './executor.js';
import type { WastValue } from './values.js';

export interface RuntimeExecutorOptions {
  /** Makes the compiler (e.g. `@derrick/compiler`'s builder). */
  readonly compilerBuilder: CompilerBuilderFactory;
  /** Further engine configuration (target, settings); applied to a fresh `Config`. */
  readonly configure?: (config: Config) => void;
}

/** A factory of runtime-backed executors, one per script, sharing one engine. */
export function runtimeExecutor(options: RuntimeExecutorOptions): WastExecutorFactory {
  let engine: Engine | undefined;
  return () => {
    if (engine === undefined) {
      const config = new Config().compilerBuilder(options.compilerBuilder);
      options.configure?.(config);
      engine = new Engine(config);
    }
    return new RuntimeWastExecutor(engine);
  };
}

const { I32, I64, F32, F64 } = ValType;

/** Define the `spectest` host module in `linker` for `store`. */
export function defineSpectest(linker: Linker, store: Store): void {
  const prints: [string, ValType[]][] = [
    ['print', []],
    ['print_i32', [I32]],
    ['print_i64', [I64]],
    ['print_f32', [F32]],
    ['print_f64', [F64]],
    ['print_i32_f32', [I32, F32]],
    ['print_f64_f64', [F64, F64]],
  ];
  for (const [name, params] of prints) linker.funcNew('spectest', name, { params, results: [] }, () => []);
  linker.define('spectest', 'global_i32', Global.newVal(store, { valType: I32, mutable: false }, { type: 'i32', value: 666 }));
  linker.define('spectest', 'global_i64', Global.newVal(store, { valType: I64, mutable: false }, { type: 'i64', value: 666n }));
  linker.define('spectest', 'global_f32', Global.newVal(store, { valType: F32, mutable: false }, { type: 'f32', bits: f32ToBits(666.6) }));
  linker.define('spectest', 'global_f64', Global.newVal(store, { valType: F64, mutable: false }, { type: 'f64', bits: f64ToBits(666.6) }));
  linker.define('spectest', 'table', Table.new(store, { elemType: ValType.FuncRef, limits: { min: 10, max: 20 } }, null));
  linker.define('spectest', 'memory', Memory.new(store, { limits: { min: 1, max: 2 } }));
}

function toVal(v: WastValue): Val {
  switch (v.type) {
    case 'i32':
      return { type: 'i32', value: v.value | 0 };
    case 'i64':
      return { type: 'i64', value: BigInt.asIntN(64, v.value) };
    case 'f32':
      return { type: 'f32', bits: v.bits >>> 0 };
    case 'f64':
      return { type: 'f64', bits: BigInt.asUintN(64, v.bits) };
    case 'v128':
      return { type: 'v128', bytes: v.bytes };
    case 'funcref':
      if (v.value !== null && !(v.value instanceof Func)) throw new Error('a funcref argument must be a function returned by this executor');
      return { type: 'funcref', value: v.value };
    case 'externref':
      return { type: 'externref', value: v.value };
  }
}

function fromVal(v: Val): WastValue {
  switch (v.type) {
    case 'i32':
      return { type: 'i32', value: v.value };
    case 'i64':
      return { type: 'i64', value: v.value };
    case 'f32':
      return { type: 'f32', bits: v.bits >>> 0 };
    case 'f64':
      return { type: 'f64', bits: BigInt.asUintN(64, v.bits) };
    case 'v128':
      return { type: 'v128', bytes: v.bytes };
    case 'funcref':
      return { type: 'funcref', value: v.value };
    case 'externref':
      return { type: 'externref', value: v.value === null ? null : typeof v.value === 'number' ? v.value : -1 };
  }
}

/** Expected failures as the runner wants them; anything else is re-thrown. */
function classify(e: unknown): never {
  if (e instanceof Trap) {
    throw new WastExecutionError(e.code === TrapCode.StackOverflow ? 'exhaustion' : 'trap', e.message);
  }
  if (e instanceof LinkError) throw new WastExecutionError('unlinkable', e.message);
  throw e;
}

export class RuntimeWastExecutor implements WastExecutor<Instance> {
  readonly store: Store;
  readonly linker: Linker;

  constructor(readonly engine: Engine) {
    this.store = new Store(engine);
    this.linker = new Linker(engine).allowShadowing();
    defineSpectest(this.linker, this.store);
  }

  async instantiate(request: WastInstantiateRequest): Promise<Instance> {
    const module =
      request.decoded instanceof ModuleTranslation
        ? await Module.fromTranslation(this.engine, request.decoded)
        : await Module.new(this.engine, request.bytes);
    try {
      return this.linker.instantiate(this.store, module);
    } catch (e) {
      return classify(e);
    }
  }

  register(as: string, instance: Instance): void {
    this.linker.instance(this.store, as, instance);
  }

  async invoke(instance: Instance, field: string, args: readonly WastValue[]): Promise<readonly WastValue[]> {
    const func = instance.getFunc(field);
    if (func === undefined) throw new Error(`no exported function "${field}"`);
    let results: Val[];
    try {
      results = func.callVals(args.map(toVal));
    } catch (e) {
      return classify(e);
    }
    return results.map(fromVal);
  }

  async get(instance: Instance, field: string): Promise<WastValue> {
    const global = instance.getGlobal(field);
    if (global === undefined) throw new Error(`no exported global "${field}"`);
    return fromVal(global.getVal());
  }

  dispose(): void {
    this.store.dispose();
  }
}
