/**
 * WebAssembly 2.0 types as plain data.
 *
 * Value types are their binary codes (`ValType.I32 === 0x7f`), so a type read
 * from the binary needs no translation and a type list fits in a `Uint8Array`.
 */

/** A value type, by its binary encoding. */
export enum ValType {
  I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b,
  FuncRef = 0x70,
  ExternRef = 0x6f,
}

/** The reference types (the element types of tables). */
export type RefType = ValType.FuncRef | ValType.ExternRef;

/** Whether a byte is the encoding of a value type. */
export function isValType(code: number): code is ValType {
  return (code >= 0x7b && code <= 0x7f) || code === 0x70 || code === 0x6f;
}

/** Whether a value type is a reference type. */
export function isRefType(t: number): t is RefType {
  return t === ValType.FuncRef || t === ValType.ExternRef;
}

/** Whether a value type is a number type (i32, i64, f32, f64). */
export function isNumType(t: number): boolean {
  return t >= 0x7c && t <= 0x7f;
}

/** Text-format name of a value type (`"i32"`, `"funcref"`, …). */
export function valTypeName(t: number): string {
  switch (t) {
    case ValType.I32:
      return 'i32';
    case ValType.I64:
      return 'i64';
    case ValType.F32:
      return 'f32';
    case ValType.F64:
      return 'f64';
    case ValType.V128:
      return 'v128';
    case ValType.FuncRef:
      return 'funcref';
    case ValType.ExternRef:
      return 'externref';
    default:
      return `<type 0x${t.toString(16)}>`;
  }
}

/** Size in bytes of a value of type `t` in linear memory / a value slot (references count 8). */
export function valTypeByteSize(t: ValType): number {
  switch (t) {
    case ValType.I32:
    case ValType.F32:
      return 4;
    case ValType.V128:
      return 16;
    default:
      return 8;
  }
}

/** A function type. */
export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** `[i32 i64] -> [f32]` */
export function funcTypeToString(t: FuncType): string {
  return `[${t.params.map(valTypeName).join(' ')}] -> [${t.results.map(valTypeName).join(' ')}]`;
}

/** Limits of a table (in elements) or a memory (in 64 KiB pages). Both bounds are u32. */
export interface Limits {
  readonly min: number;
  /** `undefined` when there is no maximum. */
  readonly max: number | undefined;
}

export interface TableType {
  readonly elemType: RefType;
  readonly limits: Limits;
}

export interface MemoryType {
  readonly limits: Limits;
}

export interface GlobalType {
  readonly valType: ValType;
  readonly mutable: boolean;
}

/** The kinds of imports and exports, by their binary encoding. */
export enum ExternalKind {
  Func = 0,
  Table = 1,
  Memory = 2,
  Global = 3,
}

export function externalKindName(k: ExternalKind): string {
  switch (k) {
    case ExternalKind.Func:
      return 'func';
    case ExternalKind.Table:
      return 'table';
    case ExternalKind.Memory:
      return 'memory';
    case ExternalKind.Global:
      return 'global';
  }
}

/** Number of bytes in a wasm page. */
export const WASM_PAGE_SIZE = 0x10000;
/** Maximum number of pages of a 32-bit memory (4 GiB). */
export const MAX_WASM_PAGES = 0x10000;

/**
 * Block types, as decoded (`OperatorReader.blockType`): the binary's s33 value.
 *
 *   - `BLOCK_TYPE_EMPTY` (-64, the byte 0x40): `[] -> []`;
 *   - another negative value: `[] -> [t]` with `t = blockType & 0x7f`
 *     (-1 is i32, -2 i64, …, -16 funcref, -17 externref);
 *   - a non-negative value: a type index.
 */
export const BLOCK_TYPE_EMPTY = -0x40;

/** The single result type of an inline block type, or `undefined` for the empty type / a type index. */
export function blockTypeResult(blockType: number): ValType | undefined {
  return blockType < 0 && blockType !== BLOCK_TYPE_EMPTY ? ((blockType & 0x7f) as ValType) : undefined;
}
