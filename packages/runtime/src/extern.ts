/** What an import is satisfied with, and what an export is: a function, table, memory or global. */
import { Func } from './func.js';
import { Global } from './global.js';
import { INNER } from './internal.js';
import { Memory } from './memory.js';
import type { StoreData } from './store.js';
import { Table } from './table.js';
import type { ExternType } from './types.js';

export type Extern = Func | Table | Memory | Global;

export function isExtern(x: unknown): x is Extern {
  return x instanceof Func || x instanceof Table || x instanceof Memory || x instanceof Global;
}

/** The type of an extern as imports are matched against it (current sizes for tables and memories). */
export function externType(e: Extern): ExternType {
  if (e instanceof Func) return { kind: 'func', type: e[INNER].type };
  if (e instanceof Table) return { kind: 'table', type: e[INNER].type };
  if (e instanceof Memory) return { kind: 'memory', type: e[INNER].type };
  return { kind: 'global', type: e[INNER].type };
}

export function externStore(e: Extern): StoreData {
  return e[INNER].store;
}
