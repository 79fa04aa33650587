/**
 * Instantiation, with the WebAssembly 2.0 semantics the spec testsuite
 * checks (§4.5.4 "Instantiation"):
 *
 * 1. every import is type-checked against what is provided, before anything
 *    is allocated (`LinkError`: "incompatible import type"); imported tables
 *    and memories are matched by their *current* size;
 * 2. the vmctx is allocated and filled: header (magic, store context,
 *    builtins, type ids), import records, then the instance's own tables,
 *    memories, `VMFuncRef`s and globals — globals last, in order, because
 *    their initializers may read imported globals and take `ref.func`s;
 * 3. element segments, in order: an active segment is bounds-checked
 *    against its table *before* it writes anything and traps ("out of
 *    bounds table access") if it does not fit, leaving the writes of earlier
 *    segments in place; active and declarative segments are then dropped,
 *    passive ones kept for `table.init`;
 * 4. data segments, likewise ("out of bounds memory access");
 * 5. the start function.
 *
 * An instantiation that traps in steps 3–5 has already changed imported
 * tables and memories and may have stored its own functions into an
 * imported table (spec: linking.wast); its instance therefore stays alive in
 * the store, unreachable from the API, until the store is disposed.
 *
 * Invariant (vmctx-complete): no code of an instance runs — and no builtin can
 * see it — before every vmctx field is written (step 2 finishes before the
 * first segment, and the start function runs last).
 */
import {
  type ElementSegment,
  ExternalKind,
  type Import,
  type ModuleTranslation,
  TrapCode,
  VMCTX_MAGIC,
  VMFuncRefOffsets,
  VMFunctionImportOffsets,
  VMGlobalDefinitionSize,
  VMMemoryDefinitionOffsets,
  VMTableDefinitionOffsets,
} from '@derrick/environ';
import { builtinsArrayAddress } from './builtins.js';
import type { CompiledModule } from './compiled-module.js';
import { evalConstExpr, rawU32, rawU64 } from './const-expr.js';
import { LinkError, RuntimeError, Trap } from './errors.js';
import { type Extern, externStore, externType, isExtern } from './extern.js';
import { type FuncData, type Func, WasmFuncData } from './func.js';
import { GlobalData, type Global } from './global.js';
import { INNER } from './internal.js';
import { LinearMemory, type Memory } from './memory.js';
import type { Module } from './module.js';
import type { NativeSlice } from './native-arena.js';
import type { Store, StoreData } from './store.js';
import { TableData, type Table } from './table.js';
import { type ExternType, externTypeMatches, externTypeToString } from './types.js';


/** vmctx address → instance, for builtins (held weakly: it never keeps a store alive). */
const instancesByVmctx = new Map<bigint, WeakRef<InstanceData>>();

/** The instance whose vmctx is at `vmctx` (builtins receive only the address). */
export function instanceOfVmctx(vmctx: bigint): InstanceData {
  const instance = instancesByVmctx.get(vmctx)?.deref();
  if (instance === undefined) throw new RuntimeError('internal', `no live instance has its vmctx at 0x${vmctx.toString(16)}`);
  return instance;
}

/** The extern type an import declares. */
export function importType(t: ModuleTranslation, imp: Import): ExternType {
  switch (imp.desc.kind) {
    case ExternalKind.Func:
      return { kind: 'func', type: t.types[imp.desc.typeIndex]! };
    case ExternalKind.Table:
      return { kind: 'table', type: imp.desc.type };
    case ExternalKind.Memory:
      return { kind: 'memory', type: imp.desc.type };
    case ExternalKind.Global:
      return { kind: 'global', type: imp.desc.type };
  }
}

/** A record inside the vmctx, as a slice. */
function sub(slice: NativeSlice, offset: number, size: number): NativeSlice {
  return { address: slice.address + BigInt(offset), view: slice.view, offset: slice.offset + offset, size };
}

export class InstanceData {
  readonly vmctx: NativeSlice;
  /** The function index space (imports filled at instantiation, defined functions on demand). */
  readonly #funcs: (FuncData | undefined)[];
  readonly tables: TableData[] = [];
  readonly memories: LinearMemory[] = [];
  readonly globals: GlobalData[] = [];
  /** Raw items of each element segment; `undefined` once dropped (or for active/declarative ones). */
  readonly elements: (BigUint64Array | undefined)[];
  /** 1 for each data segment that was dropped (active ones after initialization). */
  readonly droppedData: Uint8Array;

  constructor(
    readonly store: StoreData,
    readonly module: CompiledModule,
    /** The public module (for `Instance.module`). */
    readonly moduleHandle: Module | undefined,
  ) {
    const t = module.translation;
    this.vmctx = store.arena.allocate(module.offsets.size, 16);
    this.#funcs = new Array(t.numFuncs);
    this.elements = new Array(t.elements.length);
    this.droppedData = new Uint8Array(t.data.length);
    instancesByVmctx.set(this.vmctx.address, new WeakRef(this));
    store.addInstance(this);
  }

  /** Function `index` of the instance's function index space. */
  func(index: number): FuncData {
    let f = this.#funcs[index];
    if (f === undefined) {
      if (index < 0 || index >= this.#funcs.length) throw new RuntimeError('internal', `no function ${index} in this instance`);
      f = new WasmFuncData(this, index);
      this.#funcs[index] = f;
    }
    return f;
  }

  /** The function index whose VMFuncRef (in this vmctx) is at `raw`, if any. */
  funcIndexOfFuncRef(raw: bigint): number | undefined {
    const o = this.module.offsets;
    const rel = Number(raw - this.vmctx.address) - o.funcRefsBegin;
    if (rel < 0 || rel % VMFuncRefOffsets.size !== 0) return undefined;
    const index = rel / VMFuncRefOffsets.size;
    return index < this.#funcs.length ? index : undefined;
  }

  /** The store is going away: builtins must not find this instance any more. */
  detach(): void {
    instancesByVmctx.delete(this.vmctx.address);
  }

  /** Steps 2–5 of the module comment; `imports` were checked by `instantiate`. */
  initialize(imports: readonly Extern[]): void {
    const { module, store, vmctx } = this;
    const t = module.translation;
    const o = module.offsets;
    const v = vmctx.view;
    const at = vmctx.offset;

    // Header.
    v.setUint32(at + o.magic, VMCTX_MAGIC, true);
    v.setBigUint64(at + o.storeContext, store.context.address, true);
    v.setBigUint64(at + o.builtins, builtinsArrayAddress(), true);
    const typeIds = store.arena.allocate(4 * Math.max(1, t.types.length), 4);
    module.typeIds.forEach((id, i) => typeIds.view.setUint32(typeIds.offset + 4 * i, id, true));
    v.setBigUint64(at + o.typeIds, typeIds.address, true);

    const writeFuncRef = (index: number, code: bigint, typeId: number, calleeVmctx: bigint) => {
      const r = at + o.funcRef(index);
      v.setBigUint64(r + VMFuncRefOffsets.code, code, true);
      v.setUint32(r + VMFuncRefOffsets.typeId, typeId, true);
      v.setBigUint64(r + VMFuncRefOffsets.vmctx, calleeVmctx, true);
    };

    // Imports.
    let funcs = 0;
    let tables = 0;
    let memories = 0;
    let globals = 0;
    t.imports.forEach((imp, i) => {
      const ext = imports[i]!;
      switch (imp.desc.kind) {
        case ExternalKind.Func: {
          const f = (ext as Func)[INNER];
          const typeIndex = imp.desc.typeIndex;
          const code = f.kind === 'wasm' ? f.code : module.wasmToArrayCode(typeIndex);
          const calleeVmctx = f.kind === 'wasm' ? f.instance.vmctx.address : f.ctx.address;
          const slot = at + o.importedFunction(funcs);
          v.setBigUint64(slot + VMFunctionImportOffsets.code, code, true);
          v.setBigUint64(slot + VMFunctionImportOffsets.vmctx, calleeVmctx, true);
          writeFuncRef(funcs, code, module.typeIds[typeIndex]!, calleeVmctx);
          this.#funcs[funcs++] = f;
          break;
        }
        case ExternalKind.Table: {
          const table = (ext as Table)[INNER];
          v.setBigUint64(at + o.importedTable(tables++), table.definition.address, true);
          this.tables.push(table);
          break;
        }
        case ExternalKind.Memory: {
          const memory = (ext as Memory)[INNER];
          v.setBigUint64(at + o.importedMemory(memories++), memory.definition.address, true);
          this.memories.push(memory);
          break;
        }
        case ExternalKind.Global: {
          const global = (ext as Global)[INNER];
          v.setBigUint64(at + o.importedGlobal(globals++), global.slot.address, true);
          this.globals.push(global);
          break;
        }
      }
    });

    // Defined functions' VMFuncRefs.
    for (let f = t.numImportedFuncs; f < t.numFuncs; f++) {
      writeFuncRef(f, module.functionCode(f - t.numImportedFuncs), module.typeIds[t.functions[f]!]!, vmctx.address);
    }
    // Defined tables and memories.
    for (let i = t.numImportedTables; i < t.tables.length; i++) {
      const d = i - t.numImportedTables;
      this.tables.push(new TableData(store, t.tables[i]!, sub(vmctx, o.definedTable(d), VMTableDefinitionOffsets.size), 0n));
    }
    for (let i = t.numImportedMemories; i < t.memories.length; i++) {
      const d = i - t.numImportedMemories;
      this.memories.push(new LinearMemory(store, t.memories[i]!, sub(vmctx, o.definedMemory(d), VMMemoryDefinitionOffsets.size)));
    }
    // Defined globals, in order (an initializer may read earlier globals).
    const env = {
      globalRaw: (index: number): Uint8Array => {
        const g = this.globals[index]!;
        return new Uint8Array(g.slot.view.buffer, g.slot.view.byteOffset + g.slot.offset, 16).slice();
      },
      funcRef: (index: number): bigint => vmctx.address + BigInt(o.funcRef(index)),
    };
    for (let i = t.numImportedGlobals; i < t.globals.length; i++) {
      const d = i - t.numImportedGlobals;
      const slot = sub(vmctx, o.definedGlobal(d), VMGlobalDefinitionSize);
      const raw = evalConstExpr(t.globalInits[d]!, env);
      new Uint8Array(slot.view.buffer, slot.view.byteOffset + slot.offset, 16).set(raw);
      this.globals.push(new GlobalData(store, t.globals[i]!, slot));
    }
    // Post-invariant (vmctx-complete): every field is written.

    // Element segments.
    t.elements.forEach((seg, e) => {
      const items = elementItems(seg, env);
      if (seg.mode === 'passive') {
        this.elements[e] = items;
        return;
      }
      if (seg.mode === 'active') {
        const table = this.tables[seg.tableIndex]!;
        const offset = rawU32(evalConstExpr(seg.offset!, env));
        if (offset + items.length > table.size) throw new Trap(TrapCode.TableOutOfBounds);
        table.elements.set(items, offset);
      }
      this.elements[e] = undefined; // dropped
    });
    // Data segments.
    t.data.forEach((seg, d) => {
      if (seg.mode === 'passive') return;
      const memory = this.memories[seg.memoryIndex]!;
      const offset = rawU32(evalConstExpr(seg.offset!, env));
      const bytes = t.dataBytes(seg);
      if (offset + bytes.length > memory.byteLength) throw new Trap(TrapCode.MemoryOutOfBounds);
      memory.bytes().set(bytes, offset);
      this.droppedData[d] = 1;
    });
    // Start.
    if (t.start !== undefined) this.func(t.start).call([]);
  }
}

function elementItems(seg: ElementSegment, env: { funcRef(i: number): bigint; globalRaw(i: number): Uint8Array }): BigUint64Array {
  const items = seg.items;
  if (items.kind === 'functions') return BigUint64Array.from(items.indices, (f) => env.funcRef(f));
  return BigUint64Array.from(items.exprs, (expr) => rawU64(evalConstExpr(expr, env)));
}

/** Check the imports, then allocate and initialize an instance (see the module comment). */
export function instantiate(store: StoreData, module: CompiledModule, moduleHandle: Module | undefined, imports: readonly Extern[]): InstanceData {
  store.checkLive('instantiating a module');
  if (module.engine !== store.engine) {
    throw new RuntimeError('store-mismatch', "the module was compiled by a different engine than the store's");
  }
  const t = module.translation;
  if (!Array.isArray(imports) || imports.length !== t.imports.length) {
    throw new RuntimeError('type-mismatch', `the module has ${t.imports.length} import(s), but ${Array.isArray(imports) ? imports.length : 'no array'} were provided`);
  }
  t.imports.forEach((imp, i) => {
    const ext = imports[i];
    const where = `${imp.module}::${imp.name}`;
    if (!isExtern(ext)) throw new RuntimeError('type-mismatch', `import ${i} (${where}) is not a Func, Table, Memory or Global`);
    if (externStore(ext) !== store) throw new RuntimeError('store-mismatch', `import ${i} (${where}) belongs to another store`);
    const expected = importType(t, imp);
    const actual = externType(ext);
    if (!externTypeMatches(actual, expected)) {
      throw new LinkError('incompatible-import-type', imp.module, imp.name, `${where}: expected ${externTypeToString(expected)}, found ${externTypeToString(actual)}`);
    }
  });
  module.checkExecutable();
  const instance = new InstanceData(store, module, moduleHandle);
  instance.initialize(imports);
  return instance;
}

/** An instantiated module. */
export class Instance {
  /** @internal */
  readonly [INNER]: InstanceData;

  /**
   * Instantiate `module` in `store` with `imports` given in the module's
   * import order. Throws `LinkError` when an import does not match, `Trap`
   * when a segment does not fit or the start function traps.
   */
  constructor(store: Store<unknown>, module: Module, imports: readonly Extern[] = []) {
    this[INNER] = instantiate(store[INNER], module[INNER], module, imports);
  }

  get module(): Module {
    return this[INNER].moduleHandle!;
  }

  /** Every export, in the module's order. */
  exports(): { name: string; value: Extern }[] {
    return this[INNER].module.translation.exports.map((e) => ({ name: e.name, value: this.#extern(e.kind, e.index) }));
  }

  getExport(name: string): Extern | undefined {
    const e = this[INNER].module.translation.getExport(name);
    return e === undefined ? undefined : this.#extern(e.kind, e.index);
  }

  getFunc(name: string): Func | undefined {
    const e = this[INNER].module.translation.getExport(name);
    return e?.kind === ExternalKind.Func ? this[INNER].func(e.index).handle() : undefined;
  }

  getTable(name: string): Table | undefined {
    const e = this[INNER].module.translation.getExport(name);
    return e?.kind === ExternalKind.Table ? this[INNER].tables[e.index]!.handle() : undefined;
  }

  getMemory(name: string): Memory | undefined {
    const e = this[INNER].module.translation.getExport(name);
    return e?.kind === ExternalKind.Memory ? this[INNER].memories[e.index]!.handle() : undefined;
  }

  getGlobal(name: string): Global | undefined {
    const e = this[INNER].module.translation.getExport(name);
    return e?.kind === ExternalKind.Global ? this[INNER].globals[e.index]!.handle() : undefined;
  }

  #extern(kind: ExternalKind, index: number): Extern {
    const data = this[INNER];
    data.store.checkLive('reading an export');
    switch (kind) {
      case ExternalKind.Func:
        return data.func(index).handle();
      case ExternalKind.Table:
        return data.tables[index]!.handle();
      case ExternalKind.Memory:
        return data.memories[index]!.handle();
      case ExternalKind.Global:
        return data.globals[index]!.handle();
    }
  }
}
