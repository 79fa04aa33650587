/**
 * Tables: native arrays of 8-byte references (`TABLE_ELEMENT_SIZE`), described
 * to compiled code by a `VMTableDefinition` {base, current_elements}.
 *
 * Unlike a memory's, a table's storage may move: growing past the capacity
 * allocates a larger region, copies, and frees the old one. Compiled code
 * reloads `base` and `current_elements` after every call (only a call can grow
 * a table), so this is safe.
 *
 * Invariant (table-published): the definition record always holds the
 * current storage address and size; it is rewritten before `grow` returns.
 * Elements past `size` (capacity slack) are never read.
 */
import {
  type TableType,
  TABLE_ELEMENT_SIZE,
  VMTableDefinitionOffsets,
  ValType,
  valTypeName,
} from '@derrick/environ';
import { NativeRegion } from '@derrick/jit';
import { RuntimeError } from './errors.js';
import { INNER } from './internal.js';
import { checkLimits } from './memory.js';
import type { NativeSlice } from './native-arena.js';
import type { Store, StoreData } from './store.js';
import { type Val, checkVal, fromVal, toVal } from './values.js';
import { Func } from './func.js';

/**
 * Derrick's limit on table elements (Wasmtime's default `max_table_elements`
 * is of the same order): growth beyond it fails like growth beyond a declared
 * maximum, with -1.
 */
export const MAX_TABLE_ELEMENTS = 10_000_000;


export class TableData {
  readonly elemType: ValType.FuncRef | ValType.ExternRef;
  readonly declaredMax: number | undefined;
  readonly maxElements: number;
  #region: NativeRegion | undefined;
  #elements: BigUint64Array = new BigUint64Array(0);
  #size = 0;
  #handle: Table | undefined;

  constructor(
    readonly store: StoreData,
    type: TableType,
    /** The `VMTableDefinition` compiled code reads (in a vmctx, or in the store's arena). */
    readonly definition: NativeSlice,
    init: bigint,
  ) {
    this.elemType = type.elemType;
    this.declaredMax = type.limits.max;
    this.maxElements = Math.min(type.limits.max ?? MAX_TABLE_ELEMENTS, MAX_TABLE_ELEMENTS);
    store.addTable(this);
    if (this.#grow(type.limits.min, init) < 0) {
      throw new RuntimeError('resource-limit', `cannot allocate a table of ${type.limits.min} elements (Derrick's limit is ${this.maxElements})`);
    }
    this.#publish();
  }

  #publish(): void {
    const d = this.definition;
    d.view.setBigUint64(d.offset + VMTableDefinitionOffsets.base, this.#region?.address ?? 0n, true);
    d.view.setBigUint64(d.offset + VMTableDefinitionOffsets.currentElements, BigInt(this.#size), true);
  }

  get size(): number {
    return this.#size;
  }

  get type(): TableType {
    return { elemType: this.elemType, limits: { min: this.#size, max: this.declaredMax } };
  }

  /** The elements, `size` long (a view into native memory; replaced when storage moves). */
  get elements(): BigUint64Array {
    this.store.checkLive('using a table');
    return this.#elements.subarray(0, this.#size);
  }

  get(index: number): bigint | undefined {
    return index >= 0 && index < this.#size ? this.elements[index] : undefined;
  }

  set(index: number, raw: bigint): boolean {
    if (!(index >= 0 && index < this.#size)) return false;
    this.elements[index] = raw;
    return true;
  }

  /** Grow by `delta` elements set to `init`; returns the old size, or -1. */
  grow(delta: number, init: bigint): number {
    this.store.checkLive('growing a table');
    const old = this.#grow(delta, init);
    if (old >= 0) this.#publish();
    return old;
  }

  #grow(delta: number, init: bigint): number {
    const old = this.#size;
    if (!Number.isSafeInteger(delta) || delta < 0) return -1;
    const next = old + delta;
    if (next > this.maxElements) return -1;
    if (next > this.#elements.length) {
      const capacity = Math.min(Math.max(next, this.#elements.length * 2, 8), this.maxElements);
      let region: NativeRegion;
      try {
        region = NativeRegion.allocate(capacity * TABLE_ELEMENT_SIZE);
      } catch {
        return -1;
      }
      const elements = new BigUint64Array(region.buffer, 0, capacity);
      elements.set(this.#elements.subarray(0, old));
      this.#region?.dispose();
      this.#region = region;
      this.#elements = elements;
    }
    if (init !== 0n) this.#elements.fill(init, old, next);
    else this.#elements.fill(0n, old, next);
    this.#size = next;
    return old;
  }

  handle(): Table {
    this.#handle ??= new Table(this);
    return this.#handle;
  }

  dispose(): void {
    this.#region?.dispose();
    this.#region = undefined;
    this.#elements = new BigUint64Array(0);
  }
}

function refType(t: ValType): 'funcref' | 'externref' {
  return valTypeName(t) as 'funcref' | 'externref';
}

const isFunc = (x: unknown): boolean => x instanceof Func;

/** A table of references: exported by an instance, or created by the host (`Table.new`). */
export class Table {
  /** @internal */
  readonly [INNER]: TableData;

  /** @internal Use `Table.new` or an instance's exports. */
  constructor(inner: TableData) {
    this[INNER] = inner;
  }

  /** A new table of `type` owned by `store`, every element set to `init` (a `Func`/`null`, or any JS value for externref). */
  static new(store: Store<unknown>, type: TableType, init: unknown = null): Table {
    const data = store[INNER];
    data.checkLive('creating a table');
    checkLimits(type.limits.min, type.limits.max, 0xffff_ffff, 'table');
    if (type.elemType !== ValType.FuncRef && type.elemType !== ValType.ExternRef) {
      throw new RuntimeError('type-mismatch', `a table's element type must be funcref or externref, got ${valTypeName(type.elemType)}`);
    }
    const raw = rawRef(data, type.elemType, init, 'the initial element');
    const definition = data.arena.allocate(VMTableDefinitionOffsets.size);
    return new TableData(data, type, definition, raw).handle();
  }

  ty(): TableType {
    return this[INNER].type;
  }

  size(): number {
    return this[INNER].size;
  }

  /** Element `index` as a JS value (`Func`/`null`, or the host value); `undefined` out of bounds. */
  get(index: number): unknown {
    const v = this.getVal(index);
    return v === undefined ? undefined : fromVal(v);
  }

  /** Element `index` as a `Val`; `undefined` out of bounds. */
  getVal(index: number): Val | undefined {
    const data = this[INNER];
    const raw = data.get(index);
    if (raw === undefined) return undefined;
    return data.elemType === ValType.FuncRef
      ? { type: 'funcref', value: data.store.funcFromRaw(raw) }
      : { type: 'externref', value: data.store.externFromRaw(raw) };
  }

  /** Set element `index` (throws out of bounds or on a value of the wrong type). */
  set(index: number, value: unknown): void {
    const data = this[INNER];
    if (!data.set(index, rawRef(data.store, data.elemType, value, `element ${index}`))) {
      throw new RuntimeError('resource-limit', `out of bounds table access: index ${index} of a table of ${data.size} elements`);
    }
  }

  /** Set element `index` from a `Val`. */
  setVal(index: number, value: Val): void {
    checkVal(this[INNER].elemType, value, `element ${index}`, isFunc);
    this.set(index, (value as { value: unknown }).value);
  }

  /** Grow by `delta` elements set to `init`; returns the previous size. Throws when the limits refuse. */
  grow(delta: number, init: unknown = null): number {
    const data = this[INNER];
    const old = data.grow(delta, rawRef(data.store, data.elemType, init, 'the initial element'));
    if (old < 0) throw new RuntimeError('resource-limit', `failed to grow table by ${delta} element(s): size ${data.size}, maximum ${data.maxElements}`);
    return old;
  }
}

/** A JS reference value as a raw table element of type `t`. */
function rawRef(store: StoreData, t: ValType, value: unknown, what: string): bigint {
  const v = toVal(t, value, what, isFunc);
  if (v.type === 'funcref') return store.funcToRaw(v.value);
  if (v.type === 'externref') return store.externToRaw(v.value);
  throw new RuntimeError('type-mismatch', `${what}: expected a ${refType(t)}`);
}
