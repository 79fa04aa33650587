/**
 * `TypeRegistry`: the engine-wide canonical ids of function types.
 *
 * `call_indirect` must compare the callee's signature with the expected one
 * in a couple of instructions, across module boundaries: a funcref exported
 * by one module and called through a table of another must match when the
 * two modules declared structurally equal types at different type indices.
 * So every function type gets one engine-wide `u32` id, and the comparison is
 * an integer compare: `VMFuncRef.type_id` (the callee's id) against
 * `vmctx.type_ids[typeIndex]` (the id of the type the caller expects), both
 * written by the runtime from this registry.
 *
 * Invariant (canonical-ids): `idOf(a) === idOf(b)` iff `a` and `b` have the
 * same parameter and result types, for the life of the engine. Ids start at
 * 1, so a zeroed (never initialized) `VMFuncRef.type_id` matches no type.
 * Ids are never reused; an engine sees at most a few thousand distinct
 * signatures in practice, so the registry is not pruned.
 */
import type { FuncType } from '@derrick/environ';
import { funcTypeKey } from './types.js';

export class TypeRegistry {
  readonly #ids = new Map<string, number>();
  readonly #types: FuncType[] = [];

  /** The canonical id of `type`, registering it on first sight. */
  idOf(type: FuncType): number {
    const key = funcTypeKey(type);
    let id = this.#ids.get(key);
    if (id === undefined) {
      this.#types.push({ params: [...type.params], results: [...type.results] });
      id = this.#types.length; // ids start at 1 (canonical-ids)
      this.#ids.set(key, id);
    }
    return id;
  }

  /** The type registered under `id`. */
  typeOf(id: number): FuncType | undefined {
    return this.#types[id - 1];
  }

  /** Number of distinct types registered. */
  get size(): number {
    return this.#types.length;
  }
}
