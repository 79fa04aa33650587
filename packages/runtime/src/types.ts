/**
 * The types the embedding API speaks: extern types of imports and exports,
 * and the import-matching rules of the WebAssembly 2.0 spec (§4.5.4
 * "Import Subtyping"), which `Instance` and `Linker` apply before anything
 * is allocated.
 *
 * Value, function, table, memory and global types are environ's plain-data
 * types (`ValType` codes, `FuncType`, `TableType`, …); this file adds the
 * `ExternType` union around them and the matching relation.
 */
import {
  type FuncType,
  type GlobalType,
  type Limits,
  type MemoryType,
  type TableType,
  funcTypeToString,
  valTypeName,
} from '@derrick/environ';

export type ExternType =
  | { readonly kind: 'func'; readonly type: FuncType }
  | { readonly kind: 'table'; readonly type: TableType }
  | { readonly kind: 'memory'; readonly type: MemoryType }
  | { readonly kind: 'global'; readonly type: GlobalType };

export interface ImportType {
  readonly module: string;
  readonly name: string;
  readonly type: ExternType;
}

export interface ExportType {
  readonly name: string;
  readonly type: ExternType;
}

/** A canonical string for a function type: equal types, equal keys (`7f7f:7f`). */
export function funcTypeKey(t: FuncType): string {
  let key = '';
  for (const p of t.params) key += p.toString(16);
  key += ':';
  for (const r of t.results) key += r.toString(16);
  return key;
}

export function funcTypesEqual(a: FuncType, b: FuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length && funcTypeKey(a) === funcTypeKey(b);
}

function limitsToString(l: Limits): string {
  return l.max === undefined ? `${l.min}` : `${l.min} ${l.max}`;
}

export function externTypeToString(t: ExternType): string {
  switch (t.kind) {
    case 'func':
      return `func ${funcTypeToString(t.type)}`;
    case 'table':
      return `table ${limitsToString(t.type.limits)} ${valTypeName(t.type.elemType)}`;
    case 'memory':
      return `memory ${limitsToString(t.type.limits)}`;
    case 'global':
      return `global ${t.type.mutable ? `(mut ${valTypeName(t.type.valType)})` : valTypeName(t.type.valType)}`;
  }
}

/**
 * Limits subtyping: `actual` (the current size and maximum of the provided
 * object) matches `expected` (the import's declaration) when its minimum is at
 * least as large and, if the import declares a maximum, the object has one no
 * larger.
 */
export function limitsMatch(actual: Limits, expected: Limits): boolean {
  if (actual.min < expected.min) return false;
  if (expected.max === undefined) return true;
  return actual.max !== undefined && actual.max <= expected.max;
}

/** Does an object of type `actual` satisfy an import declared as `expected`? */
export function externTypeMatches(actual: ExternType, expected: ExternType): boolean {
  switch (expected.kind) {
    case 'func':
      return actual.kind === 'func' && funcTypesEqual(actual.type, expected.type);
    case 'table':
      return actual.kind === 'table' && actual.type.elemType === expected.type.elemType && limitsMatch(actual.type.limits, expected.type.limits);
    case 'memory':
      return actual.kind === 'memory' && limitsMatch(actual.type.limits, expected.type.limits);
    case 'global':
      return actual.kind === 'global' && actual.type.valType === expected.type.valType && actual.type.mutable === expected.type.mutable;
  }
}

