/**
 * `FuncEnvironment`: everything the translator knows about the *runtime*.
 *
 * Problem. A wasm instruction such as `i32.load`, `global.get`,
 * `call_indirect` or `table.grow` means "find the instance's memory / global
 * / table / callee and use it". Where those live is the runtime's decision,
 * made once in `VMOffsets` (environ's vmctx layout). The per-operator rules
 * in `code-translator.ts` must not know it: they ask this environment, which
 * turns each request into IR over the function's `vmctx` parameter. This is
 * the role of `FuncEnvironment` in cranelift-wasm / wasmtime-cranelift's
 * `func_environ.rs`; unlike Cranelift we have no global values, so every
 * vmctx field is an ordinary `load` from the vmctx parameter.
 *
 * The execution model (decided for Derrick, see the package README):
 *
 * * Signature of every wasm function: `(i64 vmctx, params…) -> results…`,
 *   calling convention `WASM_CALL_CONV`. funcref/externref are `i64`.
 * * Memory 0: `{base: i64 @0, current_length: i64 @8}` at
 *   `vmctx + definedMemory(0)`, or behind the pointer at
 *   `vmctx + importedMemory(0)`. Every access is bounds-checked explicitly
 *   (no guard pages): `trapnz (icmp ugt (addr64 + off + N), length), heap_oob`,
 *   then a `notrap little heap` access at `base + addr64 (+ off)`.
 * * Globals, tables, imported functions, funcrefs and type ids: at their
 *   `VMOffsets` fields (directly, or behind an import's pointer).
 * * Bulk operations and growth call runtime **builtins** through
 *   `vmctx.builtins[id]` with the `system_v` convention (`BUILTIN_SIGNATURES`).
 *
 * Per-block memo of vmctx loads. Within one IR block (a straight line of
 * code) the translator asks for the same fields over and over (the memory
 * base and length for each access, the builtins array, a table's record).
 * Each request is memoised by a small integer key, for the current block
 * only:
 *
 * * (MemoOnlyInBlock) a memoised value is reused only while the builder's
 *   current block is the block it was defined in, so it dominates the reuse
 *   — the translator never returns to a block it left (every block it leaves
 *   ends in a terminator).
 * * (MemoVolatileUntilCall) fields that the program can change — a memory's
 *   `current_length`, a table's `base` and `current_elements` — are
 *   forgotten at every call (direct, imported, indirect or builtin), because
 *   only a call can grow a memory or a table. Fields fixed for the life of
 *   the instance (a memory's `base`, which never moves; import pointers; the
 *   builtins and type-id arrays; imported function records) are `readonly`
 *   and survive calls.
 *
 * This gives the backend the same loads Cranelift's GVN would leave for
 * straight-line code, without a mid-end.
 */
import {
  CallConv,
  ExternalName,
  F32,
  F64,
  type FuncRef,
  type FunctionBuilder,
  I32,
  I64,
  IntCC,
  MemFlags,
  Signature,
  type SigRef,
  TrapCode,
  type Type,
  type Value,
  abiParam,
  userExternalName,
  vmctxParam,
} from '@derrick/codegen-ir';
import {
  Builtin,
  type FuncType,
  type ModuleTranslation,
  TABLE_ELEMENT_SIZE,
  VMFuncRefOffsets,
  VMFunctionImportOffsets,
  VMMemoryDefinitionOffsets,
  VMOffsets,
  VMTableDefinitionOffsets,
  ValType,
} from '@derrick/environ';
import { SIMD_UNSUPPORTED } from './translate-error.js';

/**
 * The calling convention of every wasm function (and of calls between them).
 * The IR names the convention for wasm-to-wasm and trampoline calls
 * `wasmtime`: backends may lower it like `fast`, but it is stable across
 * compilations, so cached code can call freshly compiled code.
 */
export const WASM_CALL_CONV: CallConv = CallConv.Wasmtime;

/** Thrown for a construct the translator does not support; wrapped into a `TranslateError` by the driver. */
export class UnsupportedConstruct extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsupportedConstruct';
  }
}

/** IR type of a wasm value type: numbers map to themselves, references to `i64`. */
export function irType(t: ValType): Type {
  switch (t) {
    case ValType.I32:
      return I32;
    case ValType.I64:
      return I64;
    case ValType.F32:
      return F32;
    case ValType.F64:
      return F64;
    case ValType.FuncRef:
    case ValType.ExternRef:
      return I64;
    case ValType.V128:
      throw new UnsupportedConstruct(SIMD_UNSUPPORTED);
    default:
      throw new UnsupportedConstruct(`unknown value type 0x${(t as number).toString(16)}`);
  }
}

/** The IR signature of a wasm function type: `(i64 vmctx, params…) -> results… wasmtime`. */
export function wasmSignature(type: FuncType): Signature {
  const params = [vmctxParam(I64)];
  for (const p of type.params) params.push(abiParam(irType(p)));
  return new Signature(
    WASM_CALL_CONV,
    params,
    type.results.map((r) => abiParam(irType(r))),
  );
}

/** The `VMOffsets` (vmctx layout) of a decoded module. */
export function vmOffsetsForModule(t: ModuleTranslation): VMOffsets {
  return new VMOffsets({
    numTypes: t.types.length,
    numImportedFunctions: t.numImportedFuncs,
    numImportedTables: t.numImportedTables,
    numImportedMemories: t.numImportedMemories,
    numImportedGlobals: t.numImportedGlobals,
    numDefinedFunctions: t.numDefinedFuncs,
    numDefinedTables: t.tables.length - t.numImportedTables,
    numDefinedMemories: t.memories.length - t.numImportedMemories,
    numDefinedGlobals: t.globals.length - t.numImportedGlobals,
  });
}

/**
 * Signatures of the runtime builtins as generated code calls them
 * (`system_v`; the vmctx is always the first parameter). Indices of
 * memories, tables, data and element segments are `i32`; addresses, lengths
 * and page/element counts are wasm `i32`s zero-extended to `i64`;
 * references are `i64`. Builtins that can trap return an `i32` trap code or
 * 0; the translator traps with `heap_oob` (memory builtins) or `table_oob`
 * (table builtins) when it is non-zero.
 */
export const BUILTIN_SIGNATURES: Readonly<Record<Exclude<Builtin, Builtin.Count>, { params: readonly Type[]; returns: readonly Type[]; doc: string }>> = {
  [Builtin.MemoryGrow]: { params: [I64, I32, I64], returns: [I64], doc: '(vmctx, mem: i32, delta_pages: i64) -> old pages or -1: i64' },
  [Builtin.MemoryFill]: { params: [I64, I32, I64, I32, I64], returns: [I32], doc: '(vmctx, mem: i32, dst: i64, val: i32, len: i64) -> trap code or 0: i32' },
  [Builtin.MemoryCopy]: {
    params: [I64, I32, I32, I64, I64, I64],
    returns: [I32],
    doc: '(vmctx, dst_mem: i32, src_mem: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32',
  },
  [Builtin.MemoryInit]: {
    params: [I64, I32, I32, I64, I64, I64],
    returns: [I32],
    doc: '(vmctx, mem: i32, data: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32',
  },
  [Builtin.DataDrop]: { params: [I64, I32], returns: [I32], doc: '(vmctx, data: i32) -> 0: i32' },
  [Builtin.TableGrow]: { params: [I64, I32, I64, I64], returns: [I64], doc: '(vmctx, table: i32, init: i64 ref, delta: i64) -> old size or -1: i64' },
  [Builtin.TableFill]: { params: [I64, I32, I64, I64, I64], returns: [I32], doc: '(vmctx, table: i32, dst: i64, val: i64 ref, len: i64) -> trap code or 0: i32' },
  [Builtin.TableCopy]: {
    params: [I64, I32, I32, I64, I64, I64],
    returns: [I32],
    doc: '(vmctx, dst_table: i32, src_table: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32',
  },
  [Builtin.TableInit]: {
    params: [I64, I32, I32, I64, I64, I64],
    returns: [I32],
    doc: '(vmctx, table: i32, elem: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32',
  },
  [Builtin.ElemDrop]: { params: [I64, I32], returns: [I32], doc: '(vmctx, elem: i32) -> 0: i32' },
};

/** The IR signature of a builtin (`system_v`, vmctx first). */
export function builtinSignature(b: Exclude<Builtin, Builtin.Count>): Signature {
  const s = BUILTIN_SIGNATURES[b];
  return new Signature(
    CallConv.SystemV,
    s.params.map((t, i) => (i === 0 ? vmctxParam(t) : abiParam(t))),
    s.returns.map((t) => abiParam(t)),
  );
}

// Memory flags, built once.
/** A vmctx field that never changes while the instance lives. */
const VMCTX_RO = MemFlags.trusted().withReadonly().withAliasRegion('vmctx');
/** A vmctx field the program can change (memory length, table record, globals). */
const VMCTX_RW = MemFlags.trusted().withAliasRegion('vmctx');
/** A table element (bounds checked before the access). */
const TABLE_ELEM = MemFlags.trusted().withAliasRegion('table');
/** A linear-memory access (bounds checked before the access; alignment unknown). */
const HEAP = MemFlags.new().withNotrap().withEndianness('little').withAliasRegion('heap');

// Memo keys (MemoOnlyInBlock). Per-table keys are spaced by KEYS_PER_TABLE.
const K_MEM_DEF_PTR = 0; // pointer to an imported memory's definition (readonly)
const K_MEM_BASE = 1; // memory base (readonly: never moves)
const K_MEM_LENGTH = 2; // memory current_length (volatile)
const K_BUILTINS = 3; // vmctx.builtins (readonly)
const K_TYPE_IDS = 4; // vmctx.type_ids (readonly)
const K_FIXED = 5; // first per-table key; then KEYS_PER_TABLE per table, then one per imported global
const KEYS_PER_TABLE = 3;
const T_DEF_PTR = 0; // imported table's definition pointer (readonly)
const T_BASE = 1; // volatile: a grow may move the elements
const T_LENGTH = 2; // volatile

/** How a load's memo entry behaves across calls (MemoVolatileUntilCall). */
const READONLY = 0;
const VOLATILE = 1;

/** A linear-memory address ready for a load/store: `ptr + offset`. */
export interface HeapAddress {
  ptr: Value;
  offset: number;
}

export class FuncEnvironment {
  readonly translation: ModuleTranslation;
  readonly offsets: VMOffsets;
  private b!: FunctionBuilder;
  private vmctx: Value = -1;

  // Per-function preamble caches (cleared by beginFunction).
  private readonly sigRefByType = new Map<number, SigRef>();
  private readonly fnRefByFunc = new Map<number, FuncRef>();
  private readonly builtinSigRefs: SigRef[] = [];

  // Per-block memo (MemoOnlyInBlock, MemoVolatileUntilCall).
  private memoBlock = -1;
  private readonly memoValue: number[] = [];
  /** Stamp of each entry; valid iff it equals the stamp of its kind. */
  private readonly memoStamp: number[] = [];
  private readonly memoKind: number[] = [];
  private readonlyStamp = 1;
  private volatileStamp = 1;

  /**
   * Per-block memo of linear-memory addresses (HeapMemoInBlock): for each
   * wasm address value used by an access in the current block, its
   * `uextend`, its `base + addr` and the furthest end already bounds-checked
   * against which length value. Like the vmctx memo it is only reused inside
   * the block that defined it, so every reuse is dominated; a check is
   * skipped only when an earlier check in the block against the *same*
   * length value covered at least as many bytes, so it could not trap.
   * The mid-end's GVN would merge the same instructions (all but the
   * shorter-check case), but the translator creating them cost as much as
   * the merging: bounds checks were half the IR of a memory-heavy module.
   */
  private heapBlock = -1;
  private readonly heapEntry = new Map<Value, number>();
  private readonly heapAddr64: Value[] = [];
  private readonly heapPtr: Value[] = [];
  private readonly heapCheckedLen: Value[] = [];
  private readonly heapCheckedEnd: number[] = [];
  /** (AdjustedBound) `length − end` per end, for the length value `heapBoundLen`, in `heapBlock`. */
  private readonly heapBound = new Map<number, Value>();
  private heapBoundLen: Value = -1;

  /** First memo key of the imported globals' pointers (after the tables' keys). */
  private readonly globalKeyBase: number;

  /**
   * Whether direct calls to defined functions are declared colocated
   * (relative calls resolved at text layout). False only for the
   * `linkopt_absolute_calls_baseline` benchmark baseline: absolute calls
   * through a register, with an `Abs8` relocation the loader patches.
   */
  readonly colocatedCalls: boolean;

  constructor(translation: ModuleTranslation, offsets: VMOffsets, options: { colocatedCalls?: boolean } = {}) {
    this.translation = translation;
    this.offsets = offsets;
    this.colocatedCalls = options.colocatedCalls ?? true;
    this.globalKeyBase = K_FIXED + translation.tables.length * KEYS_PER_TABLE;
  }

  /** Start a new function: `vmctx` is its vmctx parameter. */
  beginFunction(builder: FunctionBuilder, vmctx: Value): void {
    this.b = builder;
    this.vmctx = vmctx;
    this.sigRefByType.clear();
    this.fnRefByFunc.clear();
    this.builtinSigRefs.length = 0;
    this.memoBlock = -1;
    this.readonlyStamp++;
    this.volatileStamp++;
    this.heapBlock = -1;
    this.heapEntry.clear();
    this.heapBound.clear();
    this.heapBoundLen = -1;
  }

  get vmctxValue(): Value {
    return this.vmctx;
  }

  // ---------------------------------------------------------------------------
  // Memo

  private memoGet(key: number): Value {
    const block = this.b.currentBlock();
    // MemoOnlyInBlock: entering another block forgets everything.
    if (block !== this.memoBlock) {
      this.memoBlock = block;
      this.readonlyStamp++;
      this.volatileStamp++;
      return -1;
    }
    const stamp = this.memoStamp[key];
    if (stamp === undefined) return -1;
    const want = this.memoKind[key] === READONLY ? this.readonlyStamp : this.volatileStamp;
    return stamp === want ? this.memoValue[key]! : -1;
  }

  private memoSet(key: number, v: Value, kind: number): Value {
    this.memoValue[key] = v;
    this.memoKind[key] = kind;
    this.memoStamp[key] = kind === READONLY ? this.readonlyStamp : this.volatileStamp;
    return v;
  }

  /** A call happened: forget everything the callee may have changed (MemoVolatileUntilCall). */
  private afterCall(): void {
    this.volatileStamp++;
  }

  /** `load.ty flags base+offset`, memoised under `key` in the current block. */
  private memoLoad(key: number, kind: number, ty: Type, flags: MemFlags, base: Value, offset: number): Value {
    const v = this.memoGet(key);
    if (v >= 0) return v;
    return this.memoSet(key, this.b.ins().load(ty, flags, base, offset), kind);
  }

  // ---------------------------------------------------------------------------
  // Linear memory (wasm 2.0: at most one, index 0)

  /** `(pointer, offset)` of the memory definition record. */
  private memoryDefinition(): { ptr: Value; offset: number } {
    const t = this.translation;
    if (t.numImportedMemories > 0) {
      const p = this.memoLoad(K_MEM_DEF_PTR, READONLY, I64, VMCTX_RO, this.vmctx, this.offsets.importedMemory(0));
      return { ptr: p, offset: 0 };
    }
    return { ptr: this.vmctx, offset: this.offsets.definedMemory(0) };
  }

  private memoryBase(): Value {
    const v = this.memoGet(K_MEM_BASE);
    if (v >= 0) return v;
    const d = this.memoryDefinition();
    return this.memoSet(K_MEM_BASE, this.b.ins().load(I64, VMCTX_RO, d.ptr, d.offset + VMMemoryDefinitionOffsets.base), READONLY);
  }

  /** `current_length` in bytes (i64). */
  private memoryLength(): Value {
    const v = this.memoGet(K_MEM_LENGTH);
    if (v >= 0) return v;
    const d = this.memoryDefinition();
    return this.memoSet(K_MEM_LENGTH, this.b.ins().load(I64, VMCTX_RW, d.ptr, d.offset + VMMemoryDefinitionOffsets.currentLength), VOLATILE);
  }

  /**
   * Bounds-check an access of `size` bytes at wasm address `addr` (i32) with
   * static offset `offset` (u32) and return where to access it.
   *
   * `uextend(addr) + offset + size` cannot overflow an i64 (both terms are
   * below 2^33), so one compare decides; it is made as `addr > length −
   * (offset + size)`, signed (AdjustedBound), which shares the subtraction
   * between the accesses of a block with the same end.
   */
  heapAddress(addr: Value, offset: number, size: number): HeapAddress {
    const ins = this.b.ins();
    // (HeapMemoInBlock) one entry per wasm address value in this block.
    const block = this.b.currentBlock();
    if (block !== this.heapBlock) {
      this.heapBlock = block;
      this.heapEntry.clear();
      this.heapBound.clear();
    }
    let e = this.heapEntry.get(addr);
    if (e === undefined) {
      e = this.heapEntry.size;
      this.heapEntry.set(addr, e);
      this.heapAddr64[e] = ins.uextend(I64, addr);
      this.heapPtr[e] = -1;
      this.heapCheckedLen[e] = -1;
      this.heapCheckedEnd[e] = -1;
    }
    const addr64 = this.heapAddr64[e]!;
    const endBytes = offset + size;
    // A check of `addr + endBytes ≤ length` is implied by an earlier one in
    // this block against the same length value with an end at least as far.
    const len = this.memoGet(K_MEM_LENGTH);
    if (!(len >= 0 && this.heapCheckedLen[e] === len && endBytes <= this.heapCheckedEnd[e]!)) {
      const length = this.memoryLength();
      // (AdjustedBound) `addr + end > length` ⟺ `addr > length − end`, compared
      // signed: `length − end` may be negative (then every access traps), and
      // `addr` is a zero-extended i32, never negative. One `length − end` per
      // distinct end serves the block, so a check is a compare and a branch.
      if (this.heapBoundLen !== length) {
        this.heapBoundLen = length;
        this.heapBound.clear();
      }
      let bound = this.heapBound.get(endBytes);
      if (bound === undefined) this.heapBound.set(endBytes, (bound = ins.iaddImm(length, -endBytes)));
      const oob = ins.icmp(IntCC.SignedGreaterThan, addr64, bound);
      ins.trapnz(oob, TrapCode.HEAP_OUT_OF_BOUNDS);
      if (this.heapCheckedLen[e] !== length) {
        this.heapCheckedLen[e] = length;
        this.heapCheckedEnd[e] = endBytes;
      } else if (endBytes > this.heapCheckedEnd[e]!) {
        this.heapCheckedEnd[e] = endBytes;
      }
    }
    let ptr = this.heapPtr[e]!;
    if (ptr < 0) ptr = this.heapPtr[e] = ins.iadd(this.memoryBase(), addr64);
    // The IR's offset immediate is a signed 32-bit value.
    if (offset <= 0x7fff_ffff) return { ptr, offset };
    return { ptr: ins.iaddImm(ptr, offset), offset: 0 };
  }

  /** Flags of a bounds-checked linear-memory access. */
  get heapFlags(): MemFlags {
    return HEAP;
  }

  /** `memory.size`: current length in pages (i32). */
  memorySize(): Value {
    const ins = this.b.ins();
    return ins.ireduce(I32, ins.ushrImm(this.memoryLength(), 16));
  }

  /** `memory.grow`: old size in pages or -1 (i32). */
  memoryGrow(deltaPages: Value): Value {
    const ins = this.b.ins();
    const r = this.callBuiltin(Builtin.MemoryGrow, [ins.iconst(I32, 0), ins.uextend(I64, deltaPages)]);
    return ins.ireduce(I32, r!);
  }

  memoryFill(dst: Value, val: Value, len: Value): void {
    const ins = this.b.ins();
    const r = this.callBuiltin(Builtin.MemoryFill, [ins.iconst(I32, 0), ins.uextend(I64, dst), val, ins.uextend(I64, len)]);
    ins.trapnz(r!, TrapCode.HEAP_OUT_OF_BOUNDS);
  }

  memoryCopy(dst: Value, src: Value, len: Value): void {
    const ins = this.b.ins();
    const zero = ins.iconst(I32, 0);
    const r = this.callBuiltin(Builtin.MemoryCopy, [zero, zero, ins.uextend(I64, dst), ins.uextend(I64, src), ins.uextend(I64, len)]);
    ins.trapnz(r!, TrapCode.HEAP_OUT_OF_BOUNDS);
  }

  memoryInit(dataIndex: number, dst: Value, src: Value, len: Value): void {
    const ins = this.b.ins();
    const r = this.callBuiltin(Builtin.MemoryInit, [
      ins.iconst(I32, 0),
      ins.iconst(I32, dataIndex),
      ins.uextend(I64, dst),
      ins.uextend(I64, src),
      ins.uextend(I64, len),
    ]);
    ins.trapnz(r!, TrapCode.HEAP_OUT_OF_BOUNDS);
  }

  dataDrop(dataIndex: number): void {
    this.callBuiltin(Builtin.DataDrop, [this.b.ins().iconst(I32, dataIndex)]);
  }

  // ---------------------------------------------------------------------------
  // Globals

  /** `(pointer, offset)` of global `index`'s storage. */
  private globalAddress(index: number): { ptr: Value; offset: number } {
    const t = this.translation;
    if (index < t.numImportedGlobals) {
      // The import's pointer never changes.
      const p = this.memoLoad(this.globalKeyBase + index, READONLY, I64, VMCTX_RO, this.vmctx, this.offsets.importedGlobal(index));
      return { ptr: p, offset: 0 };
    }
    return { ptr: this.vmctx, offset: this.offsets.definedGlobal(index - t.numImportedGlobals) };
  }

  /** `global.get`: immutable globals are `readonly` loads. */
  globalGet(index: number): Value {
    const g = this.translation.globals[index]!;
    const { ptr, offset } = this.globalAddress(index);
    return this.b.ins().load(irType(g.valType), g.mutable ? VMCTX_RW : VMCTX_RO, ptr, offset);
  }

  globalSet(index: number, v: Value): void {
    const { ptr, offset } = this.globalAddress(index);
    this.b.ins().store(VMCTX_RW, v, ptr, offset);
  }

  // ---------------------------------------------------------------------------
  // Tables

  private tableKey(table: number, field: number): number {
    return K_FIXED + table * KEYS_PER_TABLE + field;
  }

  /** `(pointer, offset)` of table `index`'s definition record. */
  private tableDefinition(index: number): { ptr: Value; offset: number } {
    const t = this.translation;
    if (index < t.numImportedTables) {
      const p = this.memoLoad(this.tableKey(index, T_DEF_PTR), READONLY, I64, VMCTX_RO, this.vmctx, this.offsets.importedTable(index));
      return { ptr: p, offset: 0 };
    }
    return { ptr: this.vmctx, offset: this.offsets.definedTable(index - t.numImportedTables) };
  }

  /** `current_elements` of table `index` (i64). */
  private tableLength(index: number): Value {
    const key = this.tableKey(index, T_LENGTH);
    const v = this.memoGet(key);
    if (v >= 0) return v;
    const d = this.tableDefinition(index);
    return this.memoSet(key, this.b.ins().load(I64, VMCTX_RW, d.ptr, d.offset + VMTableDefinitionOffsets.currentElements), VOLATILE);
  }

  private tableBase(index: number): Value {
    const key = this.tableKey(index, T_BASE);
    const v = this.memoGet(key);
    if (v >= 0) return v;
    const d = this.tableDefinition(index);
    return this.memoSet(key, this.b.ins().load(I64, VMCTX_RW, d.ptr, d.offset + VMTableDefinitionOffsets.base), VOLATILE);
  }

  /** Address of element `elem` (i32) of table `index`, after a `table_oob` bounds check. */
  private tableElementAddress(index: number, elem: Value): Value {
    const ins = this.b.ins();
    const elem64 = ins.uextend(I64, elem);
    const oob = ins.icmp(IntCC.UnsignedGreaterThanOrEqual, elem64, this.tableLength(index));
    ins.trapnz(oob, TrapCode.TABLE_OUT_OF_BOUNDS);
    return ins.iadd(this.tableBase(index), ins.ishlImm(elem64, Math.log2(TABLE_ELEMENT_SIZE)));
  }

  tableGet(index: number, elem: Value): Value {
    return this.b.ins().load(I64, TABLE_ELEM, this.tableElementAddress(index, elem), 0);
  }

  tableSet(index: number, elem: Value, v: Value): void {
    this.b.ins().store(TABLE_ELEM, v, this.tableElementAddress(index, elem), 0);
  }

  tableSize(index: number): Value {
    return this.b.ins().ireduce(I32, this.tableLength(index));
  }

  tableGrow(index: number, init: Value, delta: Value): Value {
    const ins = this.b.ins();
    const r = this.callBuiltin(Builtin.TableGrow, [ins.iconst(I32, index), init, ins.uextend(I64, delta)]);
    return ins.ireduce(I32, r!);
  }

  tableFill(index: number, dst: Value, val: Value, len: Value): void {
    const ins = this.b.ins();
    const r = this.callBuiltin(Builtin.TableFill, [ins.iconst(I32, index), ins.uextend(I64, dst), val, ins.uextend(I64, len)]);
    ins.trapnz(r!, TrapCode.TABLE_OUT_OF_BOUNDS);
  }

  tableCopy(dstTable: number, srcTable: number, dst: Value, src: Value, len: Value): void {
    const ins = this.b.ins();
    const r = this.callBuiltin(Builtin.TableCopy, [
      ins.iconst(I32, dstTable),
      ins.iconst(I32, srcTable),
      ins.uextend(I64, dst),
      ins.uextend(I64, src),
      ins.uextend(I64, len),
    ]);
    ins.trapnz(r!, TrapCode.TABLE_OUT_OF_BOUNDS);
  }

  tableInit(table: number, elemIndex: number, dst: Value, src: Value, len: Value): void {
    const ins = this.b.ins();
    const r = this.callBuiltin(Builtin.TableInit, [
      ins.iconst(I32, table),
      ins.iconst(I32, elemIndex),
      ins.uextend(I64, dst),
      ins.uextend(I64, src),
      ins.uextend(I64, len),
    ]);
    ins.trapnz(r!, TrapCode.TABLE_OUT_OF_BOUNDS);
  }

  elemDrop(elemIndex: number): void {
    this.callBuiltin(Builtin.ElemDrop, [this.b.ins().iconst(I32, elemIndex)]);
  }

  // ---------------------------------------------------------------------------
  // References

  /** `ref.func i`: the address of function i's VMFuncRef in this vmctx. */
  refFunc(funcIndex: number): Value {
    return this.b.ins().iaddImm(this.vmctx, this.offsets.funcRef(funcIndex));
  }

  // ---------------------------------------------------------------------------
  // Calls

  private sigRefForType(typeIndex: number): SigRef {
    let s = this.sigRefByType.get(typeIndex);
    if (s === undefined) {
      s = this.b.importSignature(wasmSignature(this.translation.types[typeIndex]!));
      this.sigRefByType.set(typeIndex, s);
    }
    return s;
  }

  /**
   * `call f(args)`: a colocated direct call to a defined function (the
   * callee is named `u0:f` through the parameters' name table, so the
   * stencil does not depend on f) — non-colocated under the
   * `linkopt_absolute_calls_baseline` benchmark baseline (`colocatedCalls`)
   * — or an indirect call through an imported function's `{code, vmctx}`
   * record.
   */
  call(funcIndex: number, args: readonly Value[]): Value[] {
    const t = this.translation;
    const b = this.b;
    const ins = b.ins();
    let inst;
    if (funcIndex < t.numImportedFuncs) {
      const sig = this.sigRefForType(t.functions[funcIndex]!);
      const rec = this.offsets.importedFunction(funcIndex);
      const code = ins.load(I64, VMCTX_RO, this.vmctx, rec + VMFunctionImportOffsets.code);
      const calleeVmctx = ins.load(I64, VMCTX_RO, this.vmctx, rec + VMFunctionImportOffsets.vmctx);
      inst = ins.callIndirect(sig, code, [calleeVmctx, ...args]);
    } else {
      let fn = this.fnRefByFunc.get(funcIndex);
      if (fn === undefined) {
        const sig = this.sigRefForType(t.functions[funcIndex]!);
        const ref = b.declareImportedUserFunction(userExternalName(0, funcIndex));
        fn = b.importFunction({ name: ExternalName.user(ref), signature: sig, colocated: this.colocatedCalls });
        this.fnRefByFunc.set(funcIndex, fn);
      }
      inst = ins.call(fn, [this.vmctx, ...args]);
    }
    this.afterCall();
    return b.instResults(inst);
  }

  /**
   * `call_indirect (type typeIndex) table`: bounds check (`table_oob`), null
   * check (`indirect_call_to_null`), signature check against the engine's
   * canonical type id (`bad_sig`), then call the funcref's code with the
   * funcref's vmctx.
   */
  callIndirect(typeIndex: number, table: number, elem: Value, args: readonly Value[]): Value[] {
    const b = this.b;
    const ins = b.ins();
    const funcref = ins.load(I64, TABLE_ELEM, this.tableElementAddress(table, elem), 0);
    ins.trapz(funcref, TrapCode.INDIRECT_CALL_TO_NULL);
    const actual = ins.load(I32, VMCTX_RO, funcref, VMFuncRefOffsets.typeId);
    const typeIds = this.memoLoad(K_TYPE_IDS, READONLY, I64, VMCTX_RO, this.vmctx, this.offsets.typeIds);
    const expected = ins.load(I32, VMCTX_RO, typeIds, typeIndex * 4);
    ins.trapnz(ins.icmp(IntCC.NotEqual, actual, expected), TrapCode.BAD_SIGNATURE);
    const code = ins.load(I64, VMCTX_RO, funcref, VMFuncRefOffsets.code);
    const calleeVmctx = ins.load(I64, VMCTX_RO, funcref, VMFuncRefOffsets.vmctx);
    const inst = ins.callIndirect(this.sigRefForType(typeIndex), code, [calleeVmctx, ...args]);
    this.afterCall();
    return b.instResults(inst);
  }

  /** Call builtin `id` with `args` (the vmctx is prepended); returns its result, if any. */
  private callBuiltin(id: Exclude<Builtin, Builtin.Count>, args: readonly Value[]): Value | undefined {
    const b = this.b;
    const ins = b.ins();
    let sig = this.builtinSigRefs[id];
    if (sig === undefined) {
      sig = b.importSignature(builtinSignature(id));
      this.builtinSigRefs[id] = sig;
    }
    const table = this.memoLoad(K_BUILTINS, READONLY, I64, VMCTX_RO, this.vmctx, this.offsets.builtins);
    const fnptr = ins.load(I64, VMCTX_RO, table, id * 8);
    const inst = ins.callIndirect(sig, fnptr, [this.vmctx, ...args]);
    this.afterCall();
    return b.instResults(inst)[0];
  }
}
