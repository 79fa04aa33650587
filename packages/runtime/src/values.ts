/**
 * Values crossing the boundary between TypeScript and wasm.
 *
 * Two representations, as in Wasmtime (`Val` and the typed `call`):
 *
 * * `Val` — a tagged value that loses nothing: floats as their **bit
 *   patterns** (a NaN's payload and `-0` survive; a JS number cannot carry a
 *   signalling NaN through `Float32Array`), `v128` as 16 bytes. `callVals`,
 *   `Func.new`, `Global.getVal` speak it; the spec-test executor uses only it.
 * * JS values — what `Func.call(...args)`, `Func.wrap` and `Global.get`
 *   speak: `i32` and `f32`/`f64` as `number`, `i64` as `bigint`, `v128` as a
 *   16-byte `Uint8Array`, `funcref` as a `Func` or `null`, `externref` as any
 *   JS value (`null` is the null reference).
 *
 * In native memory a value takes one 16-byte slot (`ValRaw`): `i32` in the
 * low 4 bytes with the upper ones zero, `i64`/`f64` in 8, `f32` in 4, `v128`
 * in all 16, references as a `u64` (a funcref is the address of a
 * `VMFuncRef`, an externref is a store handle plus one, 0 is null).
 */
import { ValType, valTypeName } from '@derrick/environ';
import { RuntimeError } from './errors.js';
import type { Func } from './func.js';
import type { StoreData } from './store.js';

export type Val =
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'i64'; readonly value: bigint }
  /** Raw IEEE-754 binary32 bits (u32). */
  | { readonly type: 'f32'; readonly bits: number }
  /** Raw IEEE-754 binary64 bits (u64). */
  | { readonly type: 'f64'; readonly bits: bigint }
  | { readonly type: 'v128'; readonly bytes: Uint8Array }
  | { readonly type: 'funcref'; readonly value: Func | null }
  /** `value === null` is the null reference; anything else (even `undefined`) is a host reference. */
  | { readonly type: 'externref'; readonly value: unknown };

export type ValTypeName = Val['type'];

/** Bytes of one value slot in the values array and in a global. */
export const VAL_RAW_SIZE = 16;

const scratch = new DataView(new ArrayBuffer(8));

export function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}
export function f32ToBits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}
export function f64FromBits(bits: bigint): number {
  scratch.setBigUint64(0, BigInt.asUintN(64, bits), true);
  return scratch.getFloat64(0, true);
}
export function f64ToBits(x: number): bigint {
  scratch.setFloat64(0, x, true);
  return scratch.getBigUint64(0, true);
}

export function valTypeNameOf(t: ValType): ValTypeName {
  return valTypeName(t) as ValTypeName;
}

/** The zero (or null) value of a type. */
export function defaultVal(t: ValType): Val {
  switch (t) {
    case ValType.I32:
      return { type: 'i32', value: 0 };
    case ValType.I64:
      return { type: 'i64', value: 0n };
    case ValType.F32:
      return { type: 'f32', bits: 0 };
    case ValType.F64:
      return { type: 'f64', bits: 0n };
    case ValType.V128:
      return { type: 'v128', bytes: new Uint8Array(16) };
    case ValType.FuncRef:
      return { type: 'funcref', value: null };
    case ValType.ExternRef:
      return { type: 'externref', value: null };
  }
}

/** `what` names the value in messages; a `#` in it stands for `index` (built only on failure, off the hot path). */
function label(what: string, index: number | undefined): string {
  return index === undefined ? what : what.replace('#', String(index));
}

function mismatch(t: ValType, value: unknown, what: string, index?: number): never {
  what = label(what, index);
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'object' && value !== null ? value.constructor?.name ?? 'object' : String(value);
  throw new RuntimeError('type-mismatch', `${what}: expected a value of type ${valTypeName(t)}, got ${shown} (${typeof value})`);
}

/** Check that `v` is a well-formed `Val` of type `t`. */
export function checkVal(t: ValType, v: Val, what: string, isFunc: (x: unknown) => boolean, index?: number): void {
  const name = valTypeName(t);
  if (v === null || typeof v !== 'object' || v.type !== name) {
    throw new RuntimeError('type-mismatch', `${label(what, index)}: expected a ${name} value, got ${v === null || typeof v !== 'object' ? String(v) : `a ${String((v as { type?: unknown }).type)} value`}`);
  }
  switch (v.type) {
    case 'i32':
      if (!Number.isInteger(v.value)) mismatch(t, v.value, what, index);
      return;
    case 'i64':
      if (typeof v.value !== 'bigint') mismatch(t, v.value, what, index);
      return;
    case 'f32':
      if (!Number.isInteger(v.bits)) mismatch(t, v.bits, what, index);
      return;
    case 'f64':
      if (typeof v.bits !== 'bigint') mismatch(t, v.bits, what, index);
      return;
    case 'v128':
      if (!(v.bytes instanceof Uint8Array) || v.bytes.length !== 16) mismatch(t, v.bytes, what, index);
      return;
    case 'funcref':
      if (v.value !== null && !isFunc(v.value)) mismatch(t, v.value, what, index);
      return;
    case 'externref':
      return;
  }
}

/** A JS value (see the module comment) as a `Val` of type `t`. */
export function toVal(t: ValType, value: unknown, what: string, isFunc: (x: unknown) => boolean, index?: number): Val {
  switch (t) {
    case ValType.I32:
      if (typeof value !== 'number' || !Number.isInteger(value)) mismatch(t, value, what, index);
      return { type: 'i32', value: value | 0 };
    case ValType.I64:
      if (typeof value === 'bigint') return { type: 'i64', value: BigInt.asIntN(64, value) };
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { type: 'i64', value: BigInt(value) };
      return mismatch(t, value, what, index);
    case ValType.F32:
      if (typeof value !== 'number') mismatch(t, value, what, index);
      return { type: 'f32', bits: f32ToBits(value) };
    case ValType.F64:
      if (typeof value !== 'number') mismatch(t, value, what, index);
      return { type: 'f64', bits: f64ToBits(value) };
    case ValType.V128:
      if (value instanceof Uint8Array && value.length === 16) return { type: 'v128', bytes: value.slice() };
      if (typeof value === 'bigint') {
        const bytes = new Uint8Array(16);
        let v = BigInt.asUintN(128, value);
        for (let i = 0; i < 16; i++, v >>= 8n) bytes[i] = Number(v & 0xffn);
        return { type: 'v128', bytes };
      }
      return mismatch(t, value, what, index);
    case ValType.FuncRef:
      if (value !== null && !isFunc(value)) mismatch(t, value, what, index);
      return { type: 'funcref', value: value as Func | null };
    case ValType.ExternRef:
      return { type: 'externref', value };
  }
}

/** A `Val` as a JS value (floats become numbers: NaN payloads may not survive). */
export function fromVal(v: Val): unknown {
  switch (v.type) {
    case 'i32':
    case 'i64':
    case 'funcref':
    case 'externref':
      return v.value;
    case 'f32':
      return f32FromBits(v.bits);
    case 'f64':
      return f64FromBits(v.bits);
    case 'v128':
      return v.bytes.slice();
  }
}

/** Write `v` (already checked to be of type `t`) into the 16-byte slot at `offset`. */
export function writeVal(view: DataView, offset: number, v: Val, store: StoreData): void {
  view.setBigUint64(offset + 8, 0n, true);
  switch (v.type) {
    case 'i32':
      view.setInt32(offset, v.value, true);
      view.setUint32(offset + 4, 0, true);
      return;
    case 'i64':
      view.setBigInt64(offset, BigInt.asIntN(64, v.value), true);
      return;
    case 'f32':
      view.setUint32(offset, v.bits >>> 0, true);
      view.setUint32(offset + 4, 0, true);
      return;
    case 'f64':
      view.setBigUint64(offset, BigInt.asUintN(64, v.bits), true);
      return;
    case 'v128':
      for (let i = 0; i < 16; i++) view.setUint8(offset + i, v.bytes[i]!);
      return;
    case 'funcref':
      view.setBigUint64(offset, store.funcToRaw(v.value), true);
      return;
    case 'externref':
      view.setBigUint64(offset, store.externToRaw(v.value), true);
      return;
  }
}

/** Read a value of type `t` from the 16-byte slot at `offset`. */
export function readVal(view: DataView, offset: number, t: ValType, store: StoreData): Val {
  switch (t) {
    case ValType.I32:
      return { type: 'i32', value: view.getInt32(offset, true) };
    case ValType.I64:
      return { type: 'i64', value: view.getBigInt64(offset, true) };
    case ValType.F32:
      return { type: 'f32', bits: view.getUint32(offset, true) };
    case ValType.F64:
      return { type: 'f64', bits: view.getBigUint64(offset, true) };
    case ValType.V128: {
      const bytes = new Uint8Array(16);
      for (let i = 0; i < 16; i++) bytes[i] = view.getUint8(offset + i);
      return { type: 'v128', bytes };
    }
    case ValType.FuncRef:
      return { type: 'funcref', value: store.funcFromRaw(view.getBigUint64(offset, true)) };
    case ValType.ExternRef:
      return { type: 'externref', value: store.externFromRaw(view.getBigUint64(offset, true)) };
  }
}
