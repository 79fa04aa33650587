/**
 * `Linker`: resolves a module's imports by name (Wasmtime's `Linker`).
 *
 * Definitions are keyed by (module name, field name). A definition is either
 * an extern of some store (`define`, `instance`) or a host function not yet
 * bound to any store (`funcWrap`, `funcNew`): the linker creates it in the
 * store that instantiates, once per store. Defining a name twice is an error
 * unless shadowing is allowed (`allowShadowing`), in which case the last
 * definition wins.
 *
 * `instantiate` looks every import up; a missing one is a `LinkError`
 * ("unknown import", the spec's `assert_unlinkable` text) before any type is
 * checked, and the type check is `Instance`'s ("incompatible import type").
 */
import type { FuncType } from '@derrick/environ';
import { RuntimeError, LinkError } from './errors.js';
import { type Extern, isExtern } from './extern.js';
import { Func, type HostCallback } from './func.js';
import { Instance } from './instance.js';
import { INNER } from './internal.js';
import type { Module } from './module.js';
import type { Engine } from './engine.js';
import type { Store, StoreData } from './store.js';

type Definition =
  | { readonly kind: 'extern'; readonly extern: Extern }
  | { readonly kind: 'host'; readonly make: (store: Store<unknown>) => Func; readonly perStore: WeakMap<StoreData, Func> };

export class Linker {
  readonly #defs = new Map<string, Map<string, Definition>>();
  #allowShadowing = false;

  constructor(readonly engine: Engine) {}

  /** Let later definitions replace earlier ones of the same name (default: an error). */
  allowShadowing(allow = true): this {
    this.#allowShadowing = allow;
    return this;
  }

  #insert(module: string, name: string, def: Definition): this {
    let fields = this.#defs.get(module);
    if (fields === undefined) {
      fields = new Map();
      this.#defs.set(module, fields);
    }
    if (fields.has(name) && !this.#allowShadowing) {
      throw new RuntimeError('type-mismatch', `import of \`${module}::${name}\` defined twice (use allowShadowing() to replace it)`);
    }
    fields.set(name, def);
    return this;
  }

  /** Define `module::name` as an extern of some store. */
  define(module: string, name: string, item: Extern): this {
    if (!isExtern(item)) throw new RuntimeError('type-mismatch', `Linker.define(${module}::${name}): not a Func, Table, Memory or Global`);
    if (!item[INNER].store.engine || item[INNER].store.engine !== this.engine) {
      throw new RuntimeError('store-mismatch', `Linker.define(${module}::${name}): the item belongs to a store of another engine`);
    }
    return this.#insert(module, name, { kind: 'extern', extern: item });
  }

  /** Define a host function taking and returning JS values (see `Func.wrap`), created per store on demand. */
  funcWrap(module: string, name: string, type: FuncType, fn: (...args: never[]) => unknown): this {
    return this.#insert(module, name, { kind: 'host', make: (store) => Func.wrap(store, type, fn), perStore: new WeakMap() });
  }

  /** Define a host function taking and returning exact `Val`s (see `Func.new`), created per store on demand. */
  funcNew(module: string, name: string, type: FuncType, fn: HostCallback): this {
    return this.#insert(module, name, { kind: 'host', make: (store) => Func.new(store, type, fn), perStore: new WeakMap() });
  }

  /** Define every export of `instance` under the module name `name`. */
  instance(store: Store<unknown>, name: string, instance: Instance): this {
    if (instance[INNER].store !== store[INNER]) throw new RuntimeError('store-mismatch', 'Linker.instance: the instance belongs to another store');
    for (const { name: field, value } of instance.exports()) this.define(name, field, value);
    return this;
  }

  /** The definition of `module::name` in `store`, if any. */
  get(store: Store<unknown>, module: string, name: string): Extern | undefined {
    const def = this.#defs.get(module)?.get(name);
    if (def === undefined) return undefined;
    if (def.kind === 'extern') return def.extern;
    const data = store[INNER];
    let func = def.perStore.get(data);
    if (func === undefined) {
      func = def.make(store);
      def.perStore.set(data, func);
    }
    return func;
  }

  /** Resolve `module`'s imports by name and instantiate it in `store`. */
  instantiate(store: Store<unknown>, module: Module): Instance {
    const imports = module.imports().map((imp) => {
      const item = this.get(store, imp.module, imp.name);
      if (item === undefined) throw new LinkError('unknown-import', imp.module, imp.name, `\`${imp.module}::${imp.name}\` has not been defined`);
      return item;
    });
    return new Instance(store, module, imports);
  }
}
