/**
 * A `WastExecutor` that runs the translator's IR in the IR interpreter.
 *
 * Problem. Before a backend exists, the only way to know that the
 * translation *means* what the wasm means is to run it. The IR interpreter
 * runs IR exactly; what it lacks is a runtime: a vmctx laid out as
 * `VMOffsets` says, memories, tables, globals, funcrefs, type ids and the
 * builtins. This file is that runtime, in miniature, over the interpreter's
 * byte-addressed memory, so that the spec testsuite's `assert_return`,
 * `assert_trap`, `assert_exhaustion`, linking and instantiation commands
 * run through `@derrick/wast`'s script runner against translated code.
 *
 * It follows the execution model the translator targets (see
 * `func-environ.ts`): the vmctx regions, records and builtin signatures
 * are exactly what generated code loads and calls, so a mismatch between
 * translator and model shows up as a failing spec command.
 *
 * Each instance gets namespace `k` (its number): its functions are renamed
 * `u<k>:<index>` (name and callee table), so several instances live in one
 * interpreter and call each other through `call_indirect` addresses.
 *
 * Limits of the harness (not of the translator): a linear memory's address
 * range is reserved at instantiation (the model's "base never moves") — up
 * to 1024 pages when the module can grow it, else its minimum — so growth
 * past the reservation returns -1; tables grow by reallocation (their base
 * may move, as the model allows).
 */
import {
  type Function as IrFunction,
  Interpreter,
  UserFuncName,
  parseTrapCode,
  userExternalName,
} from '@derrick/codegen-ir';
import {
  Builtin,
  type ConstExpr,
  type FuncType,
  type GlobalType,
  type ModuleTranslation,
  Opcode,
  OperatorReader,
  type RefType,
  type TableType,
  TrapCode,
  ValType,
  VMOffsets,
  WASM_PAGE_SIZE,
  trapMessage,
  ExternalKind,
  funcTypeToString,
} from '@derrick/environ';
import {
  type WastExecutor,
  type WastExecutorFactory,
  type WastInstantiateRequest,
  type WastValue,
  WastExecutionError,
} from '@derrick/wast';
import { FuncTranslator, vmOffsetsForModule } from '../../src/index.js';

const RESERVED_PAGES_IF_GROWN = 1024;
const MAX_TABLE_ELEMENTS = 10_000_000;
const U64_MINUS_ONE = 0xffff_ffff_ffff_ffffn;

/** A region of interpreter memory with a DataView over it. */
interface Region {
  addr: number;
  bytes: Uint8Array;
  view: DataView;
}

interface Func {
  /** Interpreter key (`u3:5`, `host:print_i32`). */
  key: string;
  vmctx: number;
  type: FuncType;
  typeId: number;
  /** Address of a VMFuncRef record for this function. */
  funcref: number;
}

interface Memory {
  /** Where the VMMemoryDefinition record is. */
  rec: Region;
  recOff: number;
  data: Region;
  maxPages: number | undefined;
  reservedPages: number;
}

interface Table {
  rec: Region;
  recOff: number;
  elemType: RefType;
  max: number | undefined;
  data: Region;
}

interface Global {
  region: Region;
  off: number;
  type: GlobalType;
}

type Extern =
  | { kind: ExternalKind.Func; func: Func }
  | { kind: ExternalKind.Memory; memory: Memory }
  | { kind: ExternalKind.Table; table: Table }
  | { kind: ExternalKind.Global; global: Global };

interface Instance {
  id: number;
  t: ModuleTranslation;
  offsets: VMOffsets;
  vmctx: Region;
  funcs: Func[];
  memories: Memory[];
  tables: Table[];
  globals: Global[];
  /** Evaluated element segments (null once dropped). */
  elems: (bigint[] | null)[];
  dataDropped: boolean[];
}

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class InterpreterExecutor implements WastExecutor<Instance> {
  readonly interp = new Interpreter([], { maxCallDepth: 1000, maxSteps: 50_000_000 });
  private readonly translator = new FuncTranslator();
  private readonly typeIds = new Map<string, number>();
  private readonly registry = new Map<string, Map<string, Extern>>();
  private readonly byVmctx = new Map<number, Instance>();
  private nextId = 1;
  private readonly builtins: Region;
  private readonly storeContext: Region;
  /** Functions translated (for the test's report). */
  functionsTranslated = 0;

  constructor() {
    this.storeContext = this.alloc(48);
    this.builtins = this.alloc(Builtin.Count * 8);
    const impls: Record<number, (a: bigint[]) => bigint[]> = {
      [Builtin.MemoryGrow]: (a) => [this.memoryGrow(this.inst(a), Number(a[1]), a[2]!)],
      [Builtin.MemoryFill]: (a) => [this.memoryFill(this.inst(a), Number(a[1]), a[2]!, a[3]!, a[4]!)],
      [Builtin.MemoryCopy]: (a) => [this.memoryCopy(this.inst(a), Number(a[1]), Number(a[2]), a[3]!, a[4]!, a[5]!)],
      [Builtin.MemoryInit]: (a) => [this.memoryInit(this.inst(a), Number(a[1]), Number(a[2]), a[3]!, a[4]!, a[5]!)],
      [Builtin.DataDrop]: (a) => {
        this.inst(a).dataDropped[Number(a[1])] = true;
        return [0n];
      },
      [Builtin.TableGrow]: (a) => [this.tableGrow(this.inst(a).tables[Number(a[1])]!, a[2]!, a[3]!)],
      [Builtin.TableFill]: (a) => [this.tableFill(this.inst(a).tables[Number(a[1])]!, a[2]!, a[3]!, a[4]!)],
      [Builtin.TableCopy]: (a) => [this.tableCopy(this.inst(a), Number(a[1]), Number(a[2]), a[3]!, a[4]!, a[5]!)],
      [Builtin.TableInit]: (a) => [this.tableInit(this.inst(a), Number(a[1]), Number(a[2]), a[3]!, a[4]!, a[5]!)],
      [Builtin.ElemDrop]: (a) => {
        this.inst(a).elems[Number(a[1])] = null;
        return [0n];
      },
    };
    for (let id = 0; id < Builtin.Count; id++) {
      const key = `builtin:${id}`;
      this.interp.defineHostFunction(key, impls[id]!);
      this.builtins.view.setBigUint64(id * 8, this.interp.functionAddress(key), true);
    }
    this.registry.set('spectest', this.spectest());
  }

  private alloc(size: number, align = 16): Region {
    const addr = this.interp.memory.allocate(size, align);
    const bytes = this.interp.memory.regionBytes(addr);
    return { addr, bytes, view: view(bytes) };
  }

  private inst(args: bigint[]): Instance {
    const i = this.byVmctx.get(Number(args[0]));
    if (i === undefined) throw new Error(`builtin called with unknown vmctx 0x${args[0]!.toString(16)}`);
    return i;
  }

  private typeId(t: FuncType): number {
    const key = funcTypeToString(t);
    let id = this.typeIds.get(key);
    if (id === undefined) {
      id = this.typeIds.size + 1;
      this.typeIds.set(key, id);
    }
    return id;
  }

  // ---------------------------------------------------------------------------
  // spectest

  private hostFunc(name: string, params: ValType[]): Func {
    const key = `host:${name}`;
    this.interp.defineHostFunction(key, () => []);
    const type: FuncType = { params, results: [] };
    const rec = this.alloc(24);
    const f: Func = { key, vmctx: 0, type, typeId: this.typeId(type), funcref: rec.addr };
    rec.view.setBigUint64(0, this.interp.functionAddress(key), true);
    rec.view.setUint32(8, f.typeId, true);
    return f;
  }

  private spectest(): Map<string, Extern> {
    const m = new Map<string, Extern>();
    const fn = (name: string, params: ValType[]) => m.set(name, { kind: ExternalKind.Func, func: this.hostFunc(name, params) });
    fn('print', []);
    fn('print_i32', [ValType.I32]);
    fn('print_i64', [ValType.I64]);
    fn('print_f32', [ValType.F32]);
    fn('print_f64', [ValType.F64]);
    fn('print_i32_f32', [ValType.I32, ValType.F32]);
    fn('print_f64_f64', [ValType.F64, ValType.F64]);
    const global = (name: string, valType: ValType, write: (v: DataView) => void) => {
      const region = this.alloc(16);
      write(region.view);
      m.set(name, { kind: ExternalKind.Global, global: { region, off: 0, type: { valType, mutable: false } } });
    };
    global('global_i32', ValType.I32, (v) => v.setInt32(0, 666, true));
    global('global_i64', ValType.I64, (v) => v.setBigInt64(0, 666n, true));
    global('global_f32', ValType.F32, (v) => v.setFloat32(0, 666.6, true));
    global('global_f64', ValType.F64, (v) => v.setFloat64(0, 666.6, true));
    m.set('table', { kind: ExternalKind.Table, table: this.newTable(this.alloc(16), 0, { elemType: ValType.FuncRef, limits: { min: 10, max: 20 } }) });
    m.set('memory', { kind: ExternalKind.Memory, memory: this.newMemory(this.alloc(16), 0, 1, 2, true) });
    return m;
  }

  // ---------------------------------------------------------------------------
  // Memories and tables

  private newMemory(rec: Region, recOff: number, minPages: number, maxPages: number | undefined, growable: boolean): Memory {
    let reserved = minPages;
    if (growable) reserved = Math.max(minPages, Math.min(maxPages ?? RESERVED_PAGES_IF_GROWN, RESERVED_PAGES_IF_GROWN));
    const data = this.alloc(reserved * WASM_PAGE_SIZE, 16);
    rec.view.setBigUint64(recOff, BigInt(data.addr), true);
    rec.view.setBigUint64(recOff + 8, BigInt(minPages * WASM_PAGE_SIZE), true);
    return { rec, recOff, data, maxPages, reservedPages: reserved };
  }

  private memLength(m: Memory): bigint {
    return m.rec.view.getBigUint64(m.recOff + 8, true);
  }

  private memoryGrow(inst: Instance, mem: number, delta: bigint): bigint {
    const m = inst.memories[mem]!;
    const old = this.memLength(m) / BigInt(WASM_PAGE_SIZE);
    const pages = old + delta;
    if (pages > BigInt(Math.min(m.maxPages ?? 65536, 65536)) || pages > BigInt(m.reservedPages)) return U64_MINUS_ONE;
    m.rec.view.setBigUint64(m.recOff + 8, pages * BigInt(WASM_PAGE_SIZE), true);
    return old;
  }

  private memoryFill(inst: Instance, mem: number, dst: bigint, val: bigint, len: bigint): bigint {
    const m = inst.memories[mem]!;
    if (dst + len > this.memLength(m)) return BigInt(TrapCode.MemoryOutOfBounds);
    m.data.bytes.fill(Number(val & 0xffn), Number(dst), Number(dst + len));
    return 0n;
  }

  private memoryCopy(inst: Instance, dm: number, sm: number, dst: bigint, src: bigint, len: bigint): bigint {
    const d = inst.memories[dm]!;
    const s = inst.memories[sm]!;
    if (dst + len > this.memLength(d) || src + len > this.memLength(s)) return BigInt(TrapCode.MemoryOutOfBounds);
    d.data.bytes.set(s.data.bytes.slice(Number(src), Number(src + len)), Number(dst));
    return 0n;
  }

  private memoryInit(inst: Instance, mem: number, data: number, dst: bigint, src: bigint, len: bigint): bigint {
    const m = inst.memories[mem]!;
    const seg = inst.dataDropped[data] ? new Uint8Array(0) : inst.t.dataBytes(inst.t.data[data]!);
    if (src + len > BigInt(seg.length) || dst + len > this.memLength(m)) return BigInt(TrapCode.MemoryOutOfBounds);
    m.data.bytes.set(seg.subarray(Number(src), Number(src + len)), Number(dst));
    return 0n;
  }

  private newTable(rec: Region, recOff: number, type: TableType): Table {
    const data = this.alloc(Math.max(type.limits.min, 1) * 8, 16);
    rec.view.setBigUint64(recOff, BigInt(data.addr), true);
    rec.view.setBigUint64(recOff + 8, BigInt(type.limits.min), true);
    return { rec, recOff, elemType: type.elemType, max: type.limits.max, data };
  }

  private tableLength(t: Table): number {
    return Number(t.rec.view.getBigUint64(t.recOff + 8, true));
  }

  private tableGrow(t: Table, init: bigint, delta: bigint): bigint {
    const old = this.tableLength(t);
    const size = BigInt(old) + delta;
    if (size > BigInt(Math.min(t.max ?? 0xffff_ffff, MAX_TABLE_ELEMENTS))) return U64_MINUS_ONE;
    const n = Number(size);
    if (n * 8 > t.data.bytes.length) {
      // Reallocate (the model allows a table's base to move on grow).
      const data = this.alloc(Math.max(n, 2 * old) * 8, 16);
      data.bytes.set(t.data.bytes.subarray(0, old * 8));
      t.data = data;
      t.rec.view.setBigUint64(t.recOff, BigInt(data.addr), true);
    }
    for (let i = old; i < n; i++) t.data.view.setBigUint64(i * 8, init, true);
    t.rec.view.setBigUint64(t.recOff + 8, size, true);
    return BigInt(old);
  }

  private tableFill(t: Table, dst: bigint, val: bigint, len: bigint): bigint {
    if (dst + len > BigInt(this.tableLength(t))) return BigInt(TrapCode.TableOutOfBounds);
    for (let i = Number(dst); i < Number(dst + len); i++) t.data.view.setBigUint64(i * 8, val, true);
    return 0n;
  }

  private tableCopy(inst: Instance, dt: number, st: number, dst: bigint, src: bigint, len: bigint): bigint {
    const d = inst.tables[dt]!;
    const s = inst.tables[st]!;
    if (dst + len > BigInt(this.tableLength(d)) || src + len > BigInt(this.tableLength(s))) return BigInt(TrapCode.TableOutOfBounds);
    d.data.bytes.set(s.data.bytes.slice(Number(src) * 8, Number(src + len) * 8), Number(dst) * 8);
    return 0n;
  }

  private tableInit(inst: Instance, table: number, elem: number, dst: bigint, src: bigint, len: bigint): bigint {
    const t = inst.tables[table]!;
    const seg = inst.elems[elem] ?? [];
    if (src + len > BigInt(seg.length) || dst + len > BigInt(this.tableLength(t))) return BigInt(TrapCode.TableOutOfBounds);
    for (let i = 0; i < Number(len); i++) t.data.view.setBigUint64((Number(dst) + i) * 8, seg[Number(src) + i]!, true);
    return 0n;
  }

  // ---------------------------------------------------------------------------
  // Instantiation

  async instantiate(request: WastInstantiateRequest): Promise<Instance> {
    const t = request.decoded as ModuleTranslation;
    const id = this.nextId++;
    const offsets = vmOffsetsForModule(t);
    const vmctx = this.alloc(offsets.size, 16);
    const inst: Instance = {
      id,
      t,
      offsets,
      vmctx,
      funcs: [],
      memories: [],
      tables: [],
      globals: [],
      elems: [],
      dataDropped: t.data.map(() => false),
    };
    const v = vmctx.view;
    v.setUint32(0, 0x564b5244, true);
    v.setBigUint64(8, BigInt(this.storeContext.addr), true);
    v.setBigUint64(16, BigInt(this.builtins.addr), true);
    const typeIds = this.alloc(Math.max(t.types.length, 1) * 4);
    t.types.forEach((ty, i) => typeIds.view.setUint32(i * 4, this.typeId(ty), true));
    v.setBigUint64(24, BigInt(typeIds.addr), true);

    // Imports.
    let nf = 0;
    let nt = 0;
    let nm = 0;
    let ng = 0;
    for (const imp of t.imports) {
      const ext = this.registry.get(imp.module)?.get(imp.name);
      if (ext === undefined) throw new WastExecutionError('unlinkable', `unknown import ${imp.module}.${imp.name}`);
      const incompatible = () => new WastExecutionError('unlinkable', `incompatible import type for ${imp.module}.${imp.name}`);
      const d = imp.desc;
      if (ext.kind !== d.kind) throw incompatible();
      switch (d.kind) {
        case ExternalKind.Func: {
          const f = (ext as { func: Func }).func;
          if (funcTypeToString(t.types[d.typeIndex]!) !== funcTypeToString(f.type)) throw incompatible();
          const off = offsets.importedFunction(nf);
          v.setBigUint64(off, this.interp.functionAddress(f.key), true);
          v.setBigUint64(off + 8, BigInt(f.vmctx), true);
          inst.funcs.push(f);
          nf++;
          break;
        }
        case ExternalKind.Table: {
          const tb = (ext as { table: Table }).table;
          if (tb.elemType !== d.type.elemType || !limitsMatch(this.tableLength(tb), tb.max, d.type.limits)) throw incompatible();
          v.setBigUint64(offsets.importedTable(nt++), BigInt(tb.rec.addr + tb.recOff), true);
          inst.tables.push(tb);
          break;
        }
        case ExternalKind.Memory: {
          const m = (ext as { memory: Memory }).memory;
          if (!limitsMatch(Number(this.memLength(m)) / WASM_PAGE_SIZE, m.maxPages, d.type.limits)) throw incompatible();
          v.setBigUint64(offsets.importedMemory(nm++), BigInt(m.rec.addr + m.recOff), true);
          inst.memories.push(m);
          break;
        }
        case ExternalKind.Global: {
          const g = (ext as { global: Global }).global;
          if (g.type.valType !== d.type.valType || g.type.mutable !== d.type.mutable) throw incompatible();
          v.setBigUint64(offsets.importedGlobal(ng++), BigInt(g.region.addr + g.off), true);
          inst.globals.push(g);
          break;
        }
      }
    }

    // Defined functions: translate, rename into namespace `id`, publish VMFuncRefs.
    for (let i = 0; i < t.numDefinedFuncs; i++) {
      const index = t.numImportedFuncs + i;
      const func = this.translator.translate(t, i, offsets);
      this.functionsTranslated++;
      rename(func, id);
      this.interp.addFunction(func);
      const type = t.funcType(index);
      inst.funcs.push({ key: `u${id}:${index}`, vmctx: vmctx.addr, type, typeId: this.typeId(type), funcref: vmctx.addr + offsets.funcRef(index) });
    }
    inst.funcs.forEach((f, i) => {
      const off = offsets.funcRef(i);
      v.setBigUint64(off, this.interp.functionAddress(f.key), true);
      v.setUint32(off + 8, f.typeId, true);
      v.setBigUint64(off + 16, BigInt(f.vmctx), true);
    });

    // Defined tables, memories, globals.
    const growsMemory = usesMemoryGrow(t) || t.exports.some((e) => e.kind === ExternalKind.Memory);
    for (let i = t.numImportedTables; i < t.tables.length; i++) {
      inst.tables.push(this.newTable(vmctx, offsets.definedTable(i - t.numImportedTables), t.tables[i]!));
    }
    for (let i = t.numImportedMemories; i < t.memories.length; i++) {
      const lim = t.memories[i]!.limits;
      inst.memories.push(this.newMemory(vmctx, offsets.definedMemory(i - t.numImportedMemories), lim.min, lim.max, growsMemory));
    }
    for (let i = t.numImportedGlobals; i < t.globals.length; i++) {
      const g: Global = { region: vmctx, off: offsets.definedGlobal(i - t.numImportedGlobals), type: t.globals[i]! };
      writeGlobal(g, this.evalConst(inst, t.globalInits[i - t.numImportedGlobals]!));
      inst.globals.push(g);
    }
    this.byVmctx.set(vmctx.addr, inst);

    // Element segments, then data segments (wasm 2.0 order), then start.
    const oob = (code: TrapCode) => new WastExecutionError('trap', trapMessage(code));
    for (const seg of t.elements) {
      const items =
        seg.items.kind === 'functions'
          ? Array.from(seg.items.indices, (fi) => BigInt(vmctx.addr + offsets.funcRef(fi)))
          : seg.items.exprs.map((e) => this.evalConst(inst, e));
      inst.elems.push(seg.mode === 'passive' ? items : null);
      if (seg.mode === 'active') {
        const off = BigInt(Number(this.evalConst(inst, seg.offset!)));
        const r = this.tableInitItems(inst.tables[seg.tableIndex]!, off, items);
        if (r) throw oob(TrapCode.TableOutOfBounds);
      }
    }
    t.data.forEach((seg, i) => {
      if (seg.mode !== 'active') return;
      const dst = this.evalConst(inst, seg.offset!);
      const len = BigInt(seg.dataEnd - seg.dataStart);
      const r = this.memoryInit(inst, seg.memoryIndex, i, dst, 0n, len);
      inst.dataDropped[i] = true;
      if (r !== 0n) throw oob(TrapCode.MemoryOutOfBounds);
    });
    if (t.start !== undefined) this.callFunc(inst.funcs[t.start]!, []);
    return inst;
  }

  private tableInitItems(tb: Table, dst: bigint, items: bigint[]): boolean {
    if (dst + BigInt(items.length) > BigInt(this.tableLength(tb))) return true;
    items.forEach((x, k) => tb.data.view.setBigUint64((Number(dst) + k) * 8, x, true));
    return false;
  }

  private evalConst(inst: Instance, e: ConstExpr): bigint {
    const c = e.instrs[0]!;
    switch (c.op) {
      case Opcode.I32Const:
        return BigInt.asUintN(32, BigInt(c.value));
      case Opcode.I64Const:
        return BigInt.asUintN(64, c.value);
      case Opcode.F32Const:
        return BigInt(c.bits >>> 0);
      case Opcode.F64Const:
        return c.bits;
      case Opcode.RefNull:
        return 0n;
      case Opcode.RefFunc:
        return BigInt(inst.vmctx.addr + inst.offsets.funcRef(c.funcIndex));
      case Opcode.GlobalGet:
        return readGlobal(inst.globals[c.globalIndex]!);
      default:
        throw new Error(`unsupported constant expression opcode 0x${c.op.toString(16)}`);
    }
  }

  register(as: string, instance: Instance): void {
    const m = new Map<string, Extern>();
    for (const e of instance.t.exports) m.set(e.name, this.extern(instance, e.kind, e.index));
    this.registry.set(as, m);
  }

  private extern(inst: Instance, kind: ExternalKind, index: number): Extern {
    switch (kind) {
      case ExternalKind.Func:
        return { kind, func: inst.funcs[index]! };
      case ExternalKind.Table:
        return { kind, table: inst.tables[index]! };
      case ExternalKind.Memory:
        return { kind, memory: inst.memories[index]! };
      case ExternalKind.Global:
        return { kind, global: inst.globals[index]! };
    }
  }

  // ---------------------------------------------------------------------------
  // Actions

  async invoke(instance: Instance, field: string, args: readonly WastValue[]): Promise<readonly WastValue[]> {
    const e = instance.t.getExport(field);
    if (e === undefined || e.kind !== ExternalKind.Func) throw new Error(`no exported function ${field}`);
    const f = instance.funcs[e.index]!;
    const results = this.callFunc(f, args.map(toBits));
    return results.map((bits, i) => fromBits(f.type.results[i]!, bits));
  }

  private callFunc(f: Func, args: bigint[]): bigint[] {
    if (f.key.startsWith('host:')) return [];
    const r = this.interp.call(f.key, [BigInt(f.vmctx), ...args]);
    if ('trap' in r) {
      const code = parseTrapCode(r.trap);
      if (code === TrapCode.StackOverflow) throw new WastExecutionError('exhaustion', trapMessage(TrapCode.StackOverflow));
      throw new WastExecutionError('trap', code === undefined ? `unknown trap ${r.trap}` : trapMessage(code as TrapCode));
    }
    return r.values;
  }

  async get(instance: Instance, field: string): Promise<WastValue> {
    const e = instance.t.getExport(field);
    if (e === undefined || e.kind !== ExternalKind.Global) throw new Error(`no exported global ${field}`);
    const g = instance.globals[e.index]!;
    return fromBits(g.type.valType, readGlobal(g));
  }
}

/** Move `func` (named u0:*) into namespace `ns`, callees included. */
function rename(func: IrFunction, ns: number): void {
  if (func.name.kind === 'user') func.name = UserFuncName.user(ns, func.name.name.index);
  const names = func.params.userNamedFuncs();
  for (let ref = 0; ref < names.length; ref++) func.params.resetUserFuncName(ref, userExternalName(ns, names[ref]!.index));
}

function limitsMatch(actualMin: number, actualMax: number | undefined, expected: { min: number; max: number | undefined }): boolean {
  if (actualMin < expected.min) return false;
  if (expected.max === undefined) return true;
  return actualMax !== undefined && actualMax <= expected.max;
}

function usesMemoryGrow(t: ModuleTranslation): boolean {
  for (const body of t.functionBodies) {
    const r = new OperatorReader(t.bytes, body.codeStart, body.codeEnd);
    while (r.pos < r.end) if (r.read() === Opcode.MemoryGrow) return true;
  }
  return false;
}

function readGlobal(g: Global): bigint {
  const v = g.region.view;
  switch (g.type.valType) {
    case ValType.I32:
    case ValType.F32:
      return BigInt(v.getUint32(g.off, true));
    default:
      return v.getBigUint64(g.off, true);
  }
}

function writeGlobal(g: Global, bits: bigint): void {
  const v = g.region.view;
  switch (g.type.valType) {
    case ValType.I32:
    case ValType.F32:
      v.setUint32(g.off, Number(bits & 0xffff_ffffn), true);
      break;
    default:
      v.setBigUint64(g.off, bits, true);
  }
}

function toBits(v: WastValue): bigint {
  switch (v.type) {
    case 'i32':
      return BigInt.asUintN(32, BigInt(v.value));
    case 'i64':
      return BigInt.asUintN(64, v.value);
    case 'f32':
      return BigInt(v.bits >>> 0);
    case 'f64':
      return v.bits;
    case 'externref':
      return v.value === null ? 0n : BigInt(v.value) + 1n;
    case 'funcref':
      return v.value === null ? 0n : (v.value as bigint);
    case 'v128':
      throw new Error('v128 arguments are not supported');
  }
}

function fromBits(t: ValType, bits: bigint): WastValue {
  switch (t) {
    case ValType.I32:
      return { type: 'i32', value: Number(BigInt.asIntN(32, bits)) };
    case ValType.I64:
      return { type: 'i64', value: BigInt.asIntN(64, bits) };
    case ValType.F32:
      return { type: 'f32', bits: Number(bits) };
    case ValType.F64:
      return { type: 'f64', bits };
    case ValType.FuncRef:
      return { type: 'funcref', value: bits === 0n ? null : bits };
    case ValType.ExternRef:
      return { type: 'externref', value: bits === 0n ? null : Number(bits - 1n) };
    default:
      throw new Error(`unsupported result type 0x${t.toString(16)}`);
  }
}

/** The factory `runWastFile` wants; `onCreate` sees each script's executor (for its counters). */
export function interpreterExecutor(onCreate?: (e: InterpreterExecutor) => void): WastExecutorFactory {
  return () => {
    const e = new InterpreterExecutor();
    onCreate?.(e);
    return e;
  };
}
