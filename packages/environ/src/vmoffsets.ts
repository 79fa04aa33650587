/**
 * The layout of the data that generated code reads at run time: the
 * per-instance `VMContext` ("vmctx"), the per-store `VMStoreContext`, and the
 * small records they contain.
 *
 * Generated code never calls into the runtime to find a memory, a global or
 * a callee: it loads them from the vmctx at offsets fixed at compile time.
 * The compiler computes those offsets here; the runtime allocates and fills
 * the same layout. Both sides read one `VMOffsets`, so they cannot disagree.
 *
 * ```text
 * VMContext (per instance, 16-byte aligned native memory)
 *   0   magic: u32 ('DRKV')          4  reserved: u32
 *   8   store_context: *VMStoreContext
 *   16  builtins: *[fnptr; Builtin.Count]   (runtime builtins, array convention)
 *   24  type_ids: *[u32; ntypes]             (engine-wide canonical signature ids)
 *   32  imported_tables[..]:   *VMTableDefinition                            8 B each
 *       imported_memories[..]: *VMMemoryDefinition                           8 B each
 *       imported_globals[..]:  *VMGlobalDefinition                           8 B each
 *       defined_tables[..]:    VMTableDefinition {base, current_elements}   16 B each
 *       defined_memories[..]:  VMMemoryDefinition {base, current_length}    16 B each
 *       defined_globals[..]:   VMGlobalDefinition (16 B, 16-aligned, v128-sized)
 *       imported_functions[nimported_funcs]: VMFunctionImport {code, vmctx}   16 B each
 *       func_refs[nfuncs]:     VMFuncRef {code, type_id, vmctx}             24 B each
 *
 * VMStoreContext (per store, shared by every instance of the store)
 *   0  stack_limit: u64   lowest rsp/sp wasm may use; checked in every prologue
 *   8  entry_sp: u64      sp saved by the innermost entry trampoline; traps unwind to it
 *   16 trap_code: u32     set by the code that traps (a TrapCode)
 *   24 trap_pc: u64       address of the trapping instruction
 *   32 trap_fp: u64       frame pointer at the trap (for backtraces)
 * ```
 *
 * Invariant (vmctx-offsets-stable): the regions are ordered by how often
 * their counts change between related builds of a program — tables, memories
 * and globals first, the function imports (which grow with every new host
 * function an Emscripten build uses) after them — so the offset of a memory,
 * table or global, which the translator bakes into every access as a
 * constant, depends only on the counts of tables, memories and globals. Two
 * versions of one program that differ in their function imports then still
 * translate an unchanged body to the same stencil, and the incremental cache
 * hits (measured with `tools/bench/related.mjs`: QuickJS 0.31.0 → 0.32.0,
 * one more function import). Imported functions keep their index-dependent
 * offsets: a call to import `i` reads `imported_functions[i]`.
 *
 * Reference values: a `funcref` is a pointer to a VMFuncRef (0 = null); an
 * `externref` is a host handle plus one (0 = null), so every externref the
 * embedder passes, including 0, is non-null in wasm.
 *
 * Invariant (vmctx-stable): a VMContext never moves while its instance is
 * alive, and neither do VMMemoryDefinition/VMTableDefinition/VMGlobalDefinition
 * records — only the buffers they point to (memory base, table base) may be
 * replaced on `grow`, which is why code reloads `base` after any call.
 */

/** Counts from a module that determine its vmctx layout. */
export interface VMOffsetsInput {
  numTypes: number;
  numImportedFunctions: number;
  numImportedTables: number;
  numImportedMemories: number;
  numImportedGlobals: number;
  numDefinedFunctions: number;
  numDefinedTables: number;
  numDefinedMemories: number;
  numDefinedGlobals: number;
}

/**
 * Builtins generated code may call through `vmctx.builtins`, with the System V
 * convention. Ids and signatures are ABI (the compiler's translator and the
 * runtime's implementations must agree): indices are i32; addresses, lengths,
 * page and element counts are i64 (zero-extended from wasm's i32); references
 * are i64 in the encodings above; trapping builtins return a `TrapCode` or 0
 * as i32.
 */
export enum Builtin {
  /** (vmctx, mem: i32, delta_pages: i64) -> old pages or -1: i64 */
  MemoryGrow = 0,
  /** (vmctx, mem: i32, dst: i64, val: i32, len: i64) -> trap code or 0: i32 */
  MemoryFill = 1,
  /** (vmctx, dst_mem: i32, src_mem: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32 */
  MemoryCopy = 2,
  /** (vmctx, mem: i32, data: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32 */
  MemoryInit = 3,
  /** (vmctx, data: i32) -> 0: i32 */
  DataDrop = 4,
  /** (vmctx, table: i32, init: i64 ref, delta: i64) -> old size or -1: i64 */
  TableGrow = 5,
  /** (vmctx, table: i32, dst: i64, val: i64 ref, len: i64) -> trap code or 0: i32 */
  TableFill = 6,
  /** (vmctx, dst_table: i32, src_table: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32 */
  TableCopy = 7,
  /** (vmctx, table: i32, elem: i32, dst: i64, src: i64, len: i64) -> trap code or 0: i32 */
  TableInit = 8,
  /** (vmctx, elem: i32) -> 0: i32 */
  ElemDrop = 9,
  Count = 10,
}

export const VMCTX_MAGIC = 0x564b5244; // 'DRKV' little-endian

export const VMStoreContextOffsets = {
  stackLimit: 0,
  entrySp: 8,
  trapCode: 16,
  trapPc: 24,
  trapFp: 32,
  size: 48,
} as const;

export const VMFunctionImportOffsets = { code: 0, vmctx: 8, size: 16 } as const;
export const VMTableDefinitionOffsets = { base: 0, currentElements: 8, size: 16 } as const;
export const VMMemoryDefinitionOffsets = { base: 0, currentLength: 8, size: 16 } as const;
export const VMGlobalDefinitionSize = 16;
export const VMFuncRefOffsets = { code: 0, typeId: 8, vmctx: 16, size: 24 } as const;

/**
 * The "vmctx" of a host function: what a wasm-to-array trampoline receives as
 * its callee vmctx. It calls `hostCall(this, index, values, count)` (the jit's
 * host-call convention) and, on a non-zero return, unwinds through
 * `storeContext` like a trap (the host has already stored the trap code).
 */
export const VMHostFuncContextOffsets = { magic: 0, hostCall: 8, index: 16, storeContext: 24, size: 32 } as const;
export const VMHOSTFUNC_MAGIC = 0x484b5244; // 'DRKH'

/** Bytes of one table element (funcref pointer or externref handle). */
export const TABLE_ELEMENT_SIZE = 8;

/** Offsets of every field of one module's VMContext. */
export class VMOffsets {
  readonly magic = 0;
  readonly storeContext = 8;
  readonly builtins = 16;
  readonly typeIds = 24;
  readonly importedFunctionsBegin: number;
  readonly importedTablesBegin: number;
  readonly importedMemoriesBegin: number;
  readonly importedGlobalsBegin: number;
  readonly definedTablesBegin: number;
  readonly definedMemoriesBegin: number;
  readonly definedGlobalsBegin: number;
  readonly funcRefsBegin: number;
  /** Total size of the VMContext in bytes (a multiple of 16). */
  readonly size: number;

  constructor(readonly counts: VMOffsetsInput) {
    // Post-invariant: vmctx-offsets-stable (see the module comment).
    let o = 32;
    this.importedTablesBegin = o;
    o += counts.numImportedTables * 8;
    this.importedMemoriesBegin = o;
    o += counts.numImportedMemories * 8;
    this.importedGlobalsBegin = o;
    o += counts.numImportedGlobals * 8;
    this.definedTablesBegin = o;
    o += counts.numDefinedTables * VMTableDefinitionOffsets.size;
    this.definedMemoriesBegin = o;
    o += counts.numDefinedMemories * VMMemoryDefinitionOffsets.size;
    o = align(o, 16);
    this.definedGlobalsBegin = o;
    o += counts.numDefinedGlobals * VMGlobalDefinitionSize;
    this.importedFunctionsBegin = o;
    o += counts.numImportedFunctions * VMFunctionImportOffsets.size;
    this.funcRefsBegin = o;
    o += (counts.numImportedFunctions + counts.numDefinedFunctions) * VMFuncRefOffsets.size;
    this.size = align(o, 16);
  }

  importedFunction(index: number): number {
    check(index, this.counts.numImportedFunctions, 'imported function');
    return this.importedFunctionsBegin + index * VMFunctionImportOffsets.size;
  }
  importedTable(index: number): number {
    check(index, this.counts.numImportedTables, 'imported table');
    return this.importedTablesBegin + index * 8;
  }
  importedMemory(index: number): number {
    check(index, this.counts.numImportedMemories, 'imported memory');
    return this.importedMemoriesBegin + index * 8;
  }
  importedGlobal(index: number): number {
    check(index, this.counts.numImportedGlobals, 'imported global');
    return this.importedGlobalsBegin + index * 8;
  }
  definedTable(index: number): number {
    check(index, this.counts.numDefinedTables, 'defined table');
    return this.definedTablesBegin + index * VMTableDefinitionOffsets.size;
  }
  definedMemory(index: number): number {
    check(index, this.counts.numDefinedMemories, 'defined memory');
    return this.definedMemoriesBegin + index * VMMemoryDefinitionOffsets.size;
  }
  definedGlobal(index: number): number {
    check(index, this.counts.numDefinedGlobals, 'defined global');
    return this.definedGlobalsBegin + index * VMGlobalDefinitionSize;
  }
  /** The VMFuncRef of function `index` in the module's whole function index space. */
  funcRef(index: number): number {
    check(index, this.counts.numImportedFunctions + this.counts.numDefinedFunctions, 'function');
    return this.funcRefsBegin + index * VMFuncRefOffsets.size;
  }
}

function align(n: number, a: number): number {
  return (n + a - 1) & ~(a - 1);
}

function check(index: number, count: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`VMOffsets: ${what} index ${index} out of range (count ${count})`);
  }
}

/**
 * A fingerprint of the whole runtime ABI this file defines: the vmctx
 * regions (measured on a probe module with distinct counts of every kind,
 * so any reordering or resizing shows), the store-context, import, table,
 * memory, funcref and host-context records, the builtin numbering and the
 * magic numbers. Code compiled against one layout must never run against
 * another, so the engine records this in every image and the loader
 * compares it (invariant abi-fingerprinted). 8 hex digits of FNV-1a.
 */
export function vmctxLayoutFingerprint(): string {
  const probe = new VMOffsets({
    numTypes: 2,
    numImportedFunctions: 3,
    numImportedTables: 5,
    numImportedMemories: 7,
    numImportedGlobals: 11,
    numDefinedFunctions: 13,
    numDefinedTables: 17,
    numDefinedMemories: 19,
    numDefinedGlobals: 23,
  });
  const builtins = Object.entries(Builtin).filter(([, v]) => typeof v === 'number');
  const text = JSON.stringify([
    [probe.magic, probe.storeContext, probe.builtins, probe.typeIds],
    [probe.importedFunctionsBegin, probe.importedTablesBegin, probe.importedMemoriesBegin, probe.importedGlobalsBegin],
    [probe.definedTablesBegin, probe.definedMemoriesBegin, probe.definedGlobalsBegin, probe.funcRefsBegin, probe.size],
    VMStoreContextOffsets,
    VMFunctionImportOffsets,
    VMTableDefinitionOffsets,
    VMMemoryDefinitionOffsets,
    VMGlobalDefinitionSize,
    VMFuncRefOffsets,
    VMHostFuncContextOffsets,
    TABLE_ELEMENT_SIZE,
    VMCTX_MAGIC,
    VMHOSTFUNC_MAGIC,
    builtins,
  ]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
