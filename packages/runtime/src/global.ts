/**
 * Globals: one 16-byte native slot each (`VMGlobalDefinition`, big enough for
 * a `v128`), holding the value as a `ValRaw`. A defined global's slot is in
 * its instance's vmctx; a host-created global's in the store's arena; an
 * importing instance stores a pointer to the exporter's slot, so every
 * instance sees one value.
 */
import { type GlobalType, VMGlobalDefinitionSize, valTypeName } from '@derrick/environ';
import { RuntimeError } from './errors.js';
import { Func } from './func.js';
import { INNER } from './internal.js';
import type { NativeSlice } from './native-arena.js';
import type { Store, StoreData } from './store.js';
import { type Val, checkVal, fromVal, readVal, toVal, writeVal } from './values.js';

const isFunc = (x: unknown): boolean => x instanceof Func;

export class GlobalData {
  #handle: Global | undefined;

  constructor(
    readonly store: StoreData,
    readonly type: GlobalType,
    /** The 16-byte slot compiled code reads. */
    readonly slot: NativeSlice,
  ) {}

  get(): Val {
    this.store.checkLive('reading a global');
    return readVal(this.slot.view, this.slot.offset, this.type.valType, this.store);
  }

  /** Store a checked value (no mutability check: instantiation initializes immutable globals too). */
  setUnchecked(v: Val): void {
    this.store.checkLive('writing a global');
    writeVal(this.slot.view, this.slot.offset, v, this.store);
  }

  handle(): Global {
    this.#handle ??= new Global(this);
    return this.#handle;
  }
}

/** A global: exported by an instance, or created by the host (`Global.new`). */
export class Global {
  /** @internal */
  readonly [INNER]: GlobalData;

  /** @internal Use `Global.new` or an instance's exports. */
  constructor(inner: GlobalData) {
    this[INNER] = inner;
  }

  /** A new global of `type` owned by `store`, holding `value` (a JS value; see `Func.call`). */
  static new(store: Store<unknown>, type: GlobalType, value: unknown): Global {
    return Global.newVal(store, type, toVal(type.valType, value, 'the initial value of a global', isFunc));
  }

  /** A new global holding an exact `Val`. */
  static newVal(store: Store<unknown>, type: GlobalType, value: Val): Global {
    const data = store[INNER];
    data.checkLive('creating a global');
    checkVal(type.valType, value, 'the initial value of a global', isFunc);
    const slot = data.arena.allocate(VMGlobalDefinitionSize, 16);
    const global = new GlobalData(data, { valType: type.valType, mutable: Boolean(type.mutable) }, slot);
    global.setUnchecked(value);
    return global.handle();
  }

  ty(): GlobalType {
    return { ...this[INNER].type };
  }

  /** The value as a JS value (floats as numbers). */
  get(): unknown {
    return fromVal(this[INNER].get());
  }

  /** The exact value. */
  getVal(): Val {
    return this[INNER].get();
  }

  /** Set a mutable global from a JS value. */
  set(value: unknown): void {
    this.setVal(toVal(this[INNER].type.valType, value, 'the value of a global', isFunc));
  }

  /** Set a mutable global to an exact value. */
  setVal(value: Val): void {
    const data = this[INNER];
    if (!data.type.mutable) throw new RuntimeError('type-mismatch', `cannot set an immutable global (of type ${valTypeName(data.type.valType)})`);
    checkVal(data.type.valType, value, 'the value of a global', isFunc);
    data.setUnchecked(value);
  }
}
