/**
 * Decoding and validating a module: bytes → `ModuleTranslation`.
 *
 * Problem. A wasm binary is a header and a sequence of sections. The spec
 * separates *decoding* (is this a well-formed binary? — "malformed") from
 * *validation* (is the decoded module well-typed? — "invalid"), and the
 * reference interpreter decodes the whole module before validating any of
 * it. So a module that is both malformed and invalid — most of the
 * testsuite's hand-written malformed binaries are also invalid — must report
 * the decode error, wherever the two errors sit in the bytes.
 *
 * Approach. One pass over the sections in order, decoding and validating as
 * we go (so the function bodies are read once, and a body is validated while
 * its bytes are hot), with validation errors *deferred*:
 *
 *   - a `DecodeError` is thrown at once;
 *   - the first `ValidationError` is recorded and decoding continues; once
 *     one is recorded, function bodies are only decoded (`skipExpr`), since
 *     validating them against an invalid module would be meaningless;
 *   - after the last section come the decode checks that need the whole
 *     module (function/code counts, data count), then the recorded
 *     validation error is thrown if there is one, then the validation checks
 *     the reference makes last (start function, exports, multiple memories).
 *
 * Decoding follows the reference interpreter's reading discipline, which the
 * spec tests observe: contents of a section are read up to the end of the
 * *module*, and the section (or body) size is compared afterwards ("section
 * size mismatch"); every length prefix — section and body sizes, name and
 * byte-vector lengths, and vector counts — is checked against the bytes left
 * as described in `binary-reader.ts` ("length out of bounds").
 *
 * Invariants.
 *   - (decode-wins) no `ValidationError` escapes while a `DecodeError` is
 *     still possible: validation errors are thrown only after every byte has
 *     been decoded.
 *   - (sound-after-invalid) code that runs after a recorded validation error
 *     never indexes with an unchecked index: module-level lists are looked up
 *     with `?.`/bounds checks, and bodies are not validated.
 *   - (terminates) every loop over a count reads at least one byte per
 *     iteration, so garbage counts end at "unexpected end" instead of
 *     spinning or allocating.
 *   - (only-wasm-errors) every failure is a `DecodeError` or a
 *     `ValidationError`; nothing else escapes (checked by the fuzz test).
 */
import { DecodeError, ValidationError, WasmError } from './errors.js';
import { FuncValidator, skipExpr } from './func-validator.js';
import type { ModuleEnv } from './func-validator.js';
import type {
  ConstExpr,
  ConstInstr,
  CustomSection,
  DataSegment,
  ElementItems,
  ElementSegment,
  Export,
  FunctionBody,
  Import,
  LocalRun,
  Names,
} from './module-translation.js';
import { ModuleTranslation } from './module-translation.js';
import { EMPTY_NAMES, parseNameSection } from './name-section.js';
import { Opcode, opcodeName } from './opcodes.js';
import { OperatorReader } from './operator-reader.js';
import type { FuncType, GlobalType, Limits, MemoryType, RefType, TableType } from './types.js';
import { ExternalKind, MAX_WASM_PAGES, ValType, externalKindName, isValType, valTypeName } from './types.js';

const enum SectionId {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
}

/** Position of each non-custom section id in the required order (datacount sits between element and code). */
const SECTION_RANK = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10];

const WASM_MAGIC = 0x6d736100; // "\0asm"
const WASM_VERSION = 1;

/** Decode and validate a module. Throws `DecodeError` (malformed) or `ValidationError` (invalid). */
export function decodeModule(bytes: Uint8Array): ModuleTranslation {
  return new ModuleDecoder(bytes).decode();
}

/** Whether `bytes` is a valid wasm 2.0 module. */
export function validate(bytes: Uint8Array): boolean {
  return validationError(bytes) === undefined;
}

/** The error `decodeModule` would throw, or `undefined` if the module is valid. */
export function validationError(bytes: Uint8Array): WasmError | undefined {
  try {
    decodeModule(bytes);
    return undefined;
  } catch (e) {
    if (e instanceof WasmError) return e;
    throw e;
  }
}

interface PendingExport extends Export {
  readonly offset: number;
}

class ModuleDecoder implements ModuleEnv {
  private readonly bytes: Uint8Array;
  private readonly r: OperatorReader;
  private readonly validator = new FuncValidator();
  private firstInvalid: ValidationError | undefined;
  /** Validation error of the last `readConstExpr`, left for the caller to order and record. */
  private constError: ValidationError | undefined;

  readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  readonly funcTypeIndices: number[] = [];
  private numImportedFuncs = 0;
  readonly tables: TableType[] = [];
  private numImportedTables = 0;
  private readonly memories: MemoryType[] = [];
  private numImportedMemories = 0;
  readonly globals: GlobalType[] = [];
  private numImportedGlobals = 0;
  private readonly globalInits: ConstExpr[] = [];
  private readonly exports: PendingExport[] = [];
  private start: number | undefined;
  private startOffset = 0;
  private readonly elements: ElementSegment[] = [];
  readonly elemTypes: RefType[] = [];
  private readonly data: DataSegment[] = [];
  dataCount: number | undefined;
  private readonly functionBodies: FunctionBody[] = [];
  private numFuncDecls = 0;
  private numCodeEntries = 0;
  private usesDataIndex = false;
  private readonly customSections: CustomSection[] = [];
  private names: Names = EMPTY_NAMES;
  /** Per function index: 1 when `ref.func` may name it in a body (C.refs). */
  private declared: Uint8Array | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.r = new OperatorReader(bytes, 0, bytes.length);
  }

  // ---------------------------------------------------------------- ModuleEnv

  get numFuncs(): number {
    return this.funcTypeIndices.length;
  }

  get numMemories(): number {
    return this.memories.length;
  }

  isDeclaredFunc(funcIndex: number): boolean {
    return this.declared !== undefined && this.declared[funcIndex] === 1;
  }

  private declareFunc(funcIndex: number): void {
    if (funcIndex >= this.numFuncs) return;
    if (this.declared === undefined) this.declared = new Uint8Array(this.numFuncs);
    this.declared[funcIndex] = 1;
  }

  // ---------------------------------------------------------------- errors

  private malformed(reason: string, offset: number, detail?: string): never {
    throw new DecodeError(reason, offset, detail);
  }

  /** Record a validation error; the first one is thrown once decoding is complete (decode-wins). */
  private invalid(reason: string, offset: number, detail?: string): void {
    this.recordInvalid(new ValidationError(reason, offset, detail));
  }

  private recordInvalid(e: ValidationError | undefined): void {
    if (e !== undefined && this.firstInvalid === undefined) this.firstInvalid = e;
  }

  // ---------------------------------------------------------------- module

  decode(): ModuleTranslation {
    const r = this.r;
    const bytes = this.bytes;
    if (bytes.length < 4) r.unexpectedEnd(bytes.length);
    const magic = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
    if (magic !== WASM_MAGIC) this.malformed('magic header not detected', 0);
    if (bytes.length < 8) r.unexpectedEnd(bytes.length);
    r.pos = 4;
    if (r.readU32LE() !== WASM_VERSION) this.malformed('unknown binary version', 4);

    let lastRank = 0;
    while (r.pos < r.end) {
      const idAt = r.pos;
      const id = r.readU8();
      if (id > SectionId.DataCount) this.malformed('malformed section id', idAt, `id ${id}`);
      const size = r.readLength();
      const start = r.pos;
      const end = start + size;
      if (id !== SectionId.Custom) {
        const rank = SECTION_RANK[id]!;
        if (rank <= lastRank) this.malformed('unexpected content after last section', idAt, `section id ${id} out of order`);
        lastRank = rank;
      }
      switch (id as SectionId) {
        case SectionId.Custom:
          this.customSection(idAt, end);
          break;
        case SectionId.Type:
          this.typeSection();
          break;
        case SectionId.Import:
          this.importSection();
          break;
        case SectionId.Function:
          this.functionSection();
          break;
        case SectionId.Table:
          this.tableSection();
          break;
        case SectionId.Memory:
          this.memorySection();
          break;
        case SectionId.Global:
          this.globalSection();
          break;
        case SectionId.Export:
          this.exportSection();
          break;
        case SectionId.Start:
          this.startOffset = r.pos;
          this.start = r.readVarU32();
          break;
        case SectionId.Element:
          this.elementSection();
          break;
        case SectionId.Code:
          this.codeSection();
          break;
        case SectionId.Data:
          this.dataSection();
          break;
        case SectionId.DataCount:
          this.dataCount = r.readVarU32();
          break;
      }
      if (r.pos !== end) this.malformed('section size mismatch', r.pos, `section ${id} declares ${size} bytes, has ${r.pos - start}`);
    }

    // Decode checks over the whole module.
    if (this.numFuncDecls !== this.numCodeEntries) {
      this.malformed('function and code section have inconsistent lengths', bytes.length, `${this.numFuncDecls} functions, ${this.numCodeEntries} bodies`);
    }
    if (this.dataCount !== undefined && this.dataCount !== this.data.length) {
      this.malformed('data count and data section have inconsistent lengths', bytes.length, `${this.dataCount} vs ${this.data.length}`);
    }
    // data-count-leniency: without any data segment, every data index is out
    // of range anyway, and toolchains (wabt) omit the data count section in
    // that case; the module is then reported invalid ("unknown data segment",
    // as the reference does for the text form) rather than malformed.
    if (this.dataCount === undefined && this.data.length > 0 && (this.usesDataIndex || this.validator.usesDataIndex)) {
      this.malformed('data count section required', bytes.length, 'a function uses memory.init or data.drop');
    }

    // decode-wins: only now may a validation error escape.
    if (this.firstInvalid !== undefined) throw this.firstInvalid;
    this.validateLate();
    if (this.firstInvalid !== undefined) throw this.firstInvalid;

    return new ModuleTranslation(
      bytes,
      this.types,
      this.imports,
      Uint32Array.from(this.funcTypeIndices),
      this.numImportedFuncs,
      this.tables,
      this.numImportedTables,
      this.memories,
      this.numImportedMemories,
      this.globals,
      this.numImportedGlobals,
      this.globalInits,
      this.exports.map(({ name, kind, index }) => ({ name, kind, index })),
      this.start,
      this.elements,
      this.data,
      this.dataCount,
      this.functionBodies,
      this.names,
      this.customSections,
    );
  }

  /** The checks the reference makes after the function bodies: start, exports, memory count. */
  private validateLate(): void {
    if (this.start !== undefined) {
      const f = this.start;
      if (f >= this.numFuncs) {
        this.invalid('unknown function', this.startOffset, `unknown function ${f}`);
      } else {
        const t = this.types[this.funcTypeIndices[f]!];
        if (t !== undefined && (t.params.length !== 0 || t.results.length !== 0)) {
          this.invalid('start function', this.startOffset, 'start function must have type [] -> []');
        }
      }
    }
    const names = new Set<string>();
    for (const e of this.exports) {
      const count =
        e.kind === ExternalKind.Func
          ? this.numFuncs
          : e.kind === ExternalKind.Table
            ? this.tables.length
            : e.kind === ExternalKind.Memory
              ? this.memories.length
              : this.globals.length;
      const kind = e.kind === ExternalKind.Func ? 'function' : externalKindName(e.kind);
      if (e.index >= count) this.invalid(`unknown ${kind}`, e.offset, `unknown ${kind} ${e.index}`);
      if (names.has(e.name)) this.invalid('duplicate export name', e.offset, JSON.stringify(e.name));
      names.add(e.name);
    }
    if (this.memories.length > 1) this.invalid('multiple memories', 0, `${this.memories.length} memories`);
  }

  // ---------------------------------------------------------------- types

  private readValType(): ValType {
    const at = this.r.pos;
    const t = this.r.readTypeCode();
    if (!isValType(t)) this.malformed('malformed value type', at, `0x${t.toString(16)}`);
    return t;
  }

  private readRefType(): RefType {
    const at = this.r.pos;
    const t = this.r.readTypeCode();
    if (t !== ValType.FuncRef && t !== ValType.ExternRef) this.malformed('malformed reference type', at, `0x${t.toString(16)}`);
    return t;
  }

  private readLimits(): Limits {
    const r = this.r;
    // The flags are a one-bit LEB128 in the reference: 0x02 is "too large", 0x81 0x00 "too long".
    const at = r.pos;
    const flags = r.readU8();
    if ((flags & 0x7f) > 1) this.malformed('integer too large', at, `limits flags 0x${flags.toString(16)}`);
    if (flags & 0x80) this.malformed('integer representation too long', r.pos, 'limits flags');
    const min = r.readVarU32();
    const max = flags === 1 ? r.readVarU32() : undefined;
    return { min, max };
  }

  private readTableType(): TableType {
    const at = this.r.pos;
    const elemType = this.readRefType();
    const limits = this.readLimits();
    if (limits.max !== undefined && limits.min > limits.max) {
      this.invalid('size minimum must not be greater than maximum', at, `${limits.min} > ${limits.max}`);
    }
    return { elemType, limits };
  }

  private readMemoryType(): MemoryType {
    const at = this.r.pos;
    const limits = this.readLimits();
    const { min, max } = limits;
    const tooBig = 'memory size must be at most 65536 pages (4GiB)';
    if (min > MAX_WASM_PAGES) this.invalid(tooBig, at, `minimum ${min}`);
    else if (max !== undefined && max > MAX_WASM_PAGES) this.invalid(tooBig, at, `maximum ${max}`);
    else if (max !== undefined && min > max) this.invalid('size minimum must not be greater than maximum', at, `${min} > ${max}`);
    return { limits };
  }

  private readGlobalType(): GlobalType {
    const valType = this.readValType();
    const at = this.r.pos;
    const m = this.r.readU8();
    if (m > 1) this.malformed('malformed mutability', at, `0x${m.toString(16)}`);
    return { valType, mutable: m === 1 };
  }

  // ---------------------------------------------------------------- sections

  private customSection(sectionStart: number, end: number): void {
    const r = this.r;
    const name = r.readName();
    if (r.pos > end) r.unexpectedEnd(end);
    if (end > r.end) r.unexpectedEnd(r.end);
    const dataStart = r.pos;
    r.pos = end;
    this.customSections.push({ name, sectionStart, dataStart, dataEnd: end });
    if (name === 'name') this.names = parseNameSection(this.bytes, dataStart, end) ?? EMPTY_NAMES;
  }

  private typeSection(): void {
    const r = this.r;
    const n = r.readLength();
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      const form = r.readTypeCode();
      if (form !== 0x60) this.malformed('malformed function type', at, `form 0x${form.toString(16)}`);
      const params = this.readValTypes();
      const results = this.readValTypes();
      this.types.push({ params, results });
    }
  }

  private readValTypes(): ValType[] {
    const n = this.r.readLength();
    const out: ValType[] = [];
    for (let i = 0; i < n; i++) out.push(this.readValType());
    return out;
  }

  private importSection(): void {
    const r = this.r;
    const n = r.readLength();
    for (let i = 0; i < n; i++) {
      const module = r.readName();
      const name = r.readName();
      const kindAt = r.pos;
      const kind = r.readU8();
      switch (kind) {
        case ExternalKind.Func: {
          const at = r.pos;
          const typeIndex = r.readVarU32();
          if (typeIndex >= this.types.length) this.invalid('unknown type', at, `unknown type ${typeIndex}`);
          this.imports.push({ module, name, desc: { kind, typeIndex }, index: this.funcTypeIndices.length });
          this.funcTypeIndices.push(typeIndex);
          this.numImportedFuncs++;
          break;
        }
        case ExternalKind.Table: {
          const type = this.readTableType();
          this.imports.push({ module, name, desc: { kind, type }, index: this.tables.length });
          this.tables.push(type);
          this.numImportedTables++;
          break;
        }
        case ExternalKind.Memory: {
          const type = this.readMemoryType();
          this.imports.push({ module, name, desc: { kind, type }, index: this.memories.length });
          this.memories.push(type);
          this.numImportedMemories++;
          break;
        }
        case ExternalKind.Global: {
          const type = this.readGlobalType();
          this.imports.push({ module, name, desc: { kind, type }, index: this.globals.length });
          this.globals.push(type);
          this.numImportedGlobals++;
          break;
        }
        default:
          this.malformed('malformed import kind', kindAt, `kind 0x${kind.toString(16)}`);
      }
    }
  }

  private functionSection(): void {
    const r = this.r;
    const n = r.readLength();
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      const typeIndex = r.readVarU32();
      if (typeIndex >= this.types.length) this.invalid('unknown type', at, `unknown type ${typeIndex}`);
      this.funcTypeIndices.push(typeIndex);
      this.numFuncDecls++;
    }
  }

  private tableSection(): void {
    const n = this.r.readLength();
    for (let i = 0; i < n; i++) this.tables.push(this.readTableType());
  }

  private memorySection(): void {
    const n = this.r.readLength();
    for (let i = 0; i < n; i++) this.memories.push(this.readMemoryType());
  }

  private globalSection(): void {
    const n = this.r.readLength();
    for (let i = 0; i < n; i++) {
      const type = this.readGlobalType();
      const init = this.readConstExpr(type.valType);
      this.recordInvalid(this.constError);
      this.globals.push(type);
      this.globalInits.push(init);
    }
  }

  private exportSection(): void {
    const r = this.r;
    const n = r.readLength();
    for (let i = 0; i < n; i++) {
      const offset = r.pos;
      const name = r.readName();
      const kindAt = r.pos;
      const kind = r.readU8();
      if (kind > ExternalKind.Global) this.malformed('malformed export kind', kindAt, `kind 0x${kind.toString(16)}`);
      const index = r.readVarU32();
      if (kind === ExternalKind.Func) this.declareFunc(index);
      this.exports.push({ name, kind, index, offset });
    }
  }

  private elementSection(): void {
    const r = this.r;
    const n = r.readLength();
    for (let i = 0; i < n; i++) {
      const segAt = r.pos;
      const flags = r.readVarU32();
      if (flags > 7) this.malformed('malformed elements segment kind', segAt, `flags ${flags}`);
      const passiveOrDeclarative = (flags & 1) !== 0;
      const explicit = (flags & 2) !== 0;
      const usesExprs = (flags & 4) !== 0;
      let tableIndex = 0;
      let offset: ConstExpr | null = null;
      let offsetError: ValidationError | undefined;
      if (!passiveOrDeclarative) {
        if (explicit) tableIndex = r.readVarU32();
        offset = this.readConstExpr(ValType.I32);
        offsetError = this.constError;
      }
      let elemType: RefType = ValType.FuncRef;
      if (passiveOrDeclarative || explicit) {
        if (usesExprs) {
          elemType = this.readRefType();
        } else {
          const at = r.pos;
          const kind = r.readU8();
          if (kind !== 0) this.malformed('malformed element kind', at, `kind 0x${kind.toString(16)}`);
        }
      }
      // The reference checks the items, then the table, then the offset, then the types.
      let itemsError: ValidationError | undefined;
      let items: ElementItems;
      const count = r.readLength();
      if (usesExprs) {
        const exprs: ConstExpr[] = [];
        for (let j = 0; j < count; j++) {
          exprs.push(this.readConstExpr(elemType));
          itemsError ??= this.constError;
        }
        items = { kind: 'exprs', exprs };
      } else {
        const indices: number[] = [];
        for (let j = 0; j < count; j++) {
          const at = r.pos;
          const f = r.readVarU32();
          if (f >= this.numFuncs) itemsError ??= new ValidationError('unknown function', at, `unknown function ${f}`);
          this.declareFunc(f);
          indices.push(f);
        }
        items = { kind: 'functions', indices: Uint32Array.from(indices) };
      }
      this.recordInvalid(itemsError);
      if (!passiveOrDeclarative) {
        const table = this.tables[tableIndex];
        if (table === undefined) this.invalid('unknown table', segAt, `unknown table ${tableIndex}`);
        this.recordInvalid(offsetError);
        if (table !== undefined && table.elemType !== elemType) {
          this.invalid('type mismatch', segAt, `segment of ${valTypeName(elemType)} for a table of ${valTypeName(table.elemType)}`);
        }
      }
      const mode = !passiveOrDeclarative ? 'active' : explicit ? 'declarative' : 'passive';
      this.elements.push({ mode, tableIndex, offset, elemType, items });
      this.elemTypes.push(elemType);
    }
  }

  private dataSection(): void {
    const r = this.r;
    const n = r.readLength();
    for (let i = 0; i < n; i++) {
      const segAt = r.pos;
      const flags = r.readVarU32();
      if (flags > 2) this.malformed('malformed data segment kind', segAt, `flags ${flags}`);
      let memoryIndex = 0;
      let offset: ConstExpr | null = null;
      if (flags !== 1) {
        if (flags === 2) memoryIndex = r.readVarU32();
        if (memoryIndex >= this.memories.length) this.invalid('unknown memory', segAt, `unknown memory ${memoryIndex}`);
        offset = this.readConstExpr(ValType.I32);
        this.recordInvalid(this.constError);
      }
      const len = r.readLength();
      const dataStart = r.pos;
      r.skip(len);
      this.data.push({ mode: flags === 1 ? 'passive' : 'active', memoryIndex, offset, dataStart, dataEnd: r.pos });
    }
  }

  private codeSection(): void {
    const r = this.r;
    const n = r.readLength();
    const counts: number[] = [];
    const localTypes: ValType[] = [];
    for (let i = 0; i < n; i++) {
      this.numCodeEntries++;
      const entryStart = r.pos;
      const size = r.readLength();
      const bodyEnd = r.pos + size;
      const localsStart = r.pos;
      const runs = r.readLength();
      counts.length = 0;
      localTypes.length = 0;
      const locals: LocalRun[] = [];
      let total = 0;
      for (let j = 0; j < runs; j++) {
        const count = r.readVarU32();
        const type = this.readValType();
        total += count;
        counts.push(count);
        localTypes.push(type);
        locals.push({ count, type });
      }
      if (total > 0xffffffff) this.malformed('too many locals', localsStart, `${total} locals`);
      const codeStart = r.pos;
      const funcIndex = this.numImportedFuncs + i;
      if (this.firstInvalid === undefined && i < this.numFuncDecls) {
        const typeIndex = this.funcTypeIndices[funcIndex]!;
        this.validator.setLocals(this.types[typeIndex]!.params, counts, localTypes, total);
        try {
          this.validator.validate(this, r, typeIndex);
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          this.recordInvalid(e);
          r.pos = codeStart;
          this.skipBody();
        }
      } else {
        this.skipBody();
      }
      if (r.pos !== bodyEnd) this.malformed('section size mismatch', r.pos, `function body declares ${size} bytes, has ${r.pos - localsStart}`);
      this.functionBodies.push({
        funcIndex,
        typeIndex: this.funcTypeIndices[funcIndex] ?? 0,
        locals,
        numLocals: total,
        entryStart,
        localsStart,
        codeStart,
        codeEnd: r.pos,
      });
    }
  }

  /** Decode a body without validating it, noting whether it uses a data index. */
  private skipBody(): void {
    const r = this.r;
    const start = r.pos;
    skipExpr(r);
    if (this.usesDataIndex) return;
    // Rescan for memory.init/data.drop only when the data count matters.
    if (this.dataCount !== undefined) return;
    const end = r.pos;
    r.pos = start;
    while (r.pos < end) {
      const op = r.read();
      if (op === Opcode.MemoryInit || op === Opcode.DataDrop) {
        this.usesDataIndex = true;
        break;
      }
    }
    r.pos = end;
  }

  // ---------------------------------------------------------------- constant expressions

  /**
   * Decode a constant expression of type `expected`, up to and including its
   * `end`. Its validation error (if any) is left in `constError`, for the
   * caller to record in the reference's order. Any instruction decodes; only
   * const instructions validate ("constant expression required"), and
   * `global.get` may name only immutable imported globals (wasm 2.0).
   */
  private readConstExpr(expected: ValType): ConstExpr {
    const r = this.r;
    const start = r.pos;
    const instrs: ConstInstr[] = [];
    let error: ValidationError | undefined;
    const ifs: number[] = [0];
    for (;;) {
      const op = r.read();
      let isConst = true;
      switch (op) {
        case Opcode.I32Const:
          instrs.push({ op, value: r.value });
          break;
        case Opcode.I64Const:
          instrs.push({ op, value: r.i64Value() });
          break;
        case Opcode.F32Const:
          instrs.push({ op, bits: r.value });
          break;
        case Opcode.F64Const:
          instrs.push({ op, bits: r.f64Bits() });
          break;
        case Opcode.V128Const:
          instrs.push({ op, bytes: r.v128.slice() });
          break;
        case Opcode.RefNull:
          instrs.push({ op, type: r.refType as RefType });
          break;
        case Opcode.RefFunc:
          instrs.push({ op, funcIndex: r.index });
          this.declareFunc(r.index);
          break;
        case Opcode.GlobalGet: {
          const g = r.index;
          instrs.push({ op, globalIndex: g });
          if (error === undefined) {
            if (g >= this.numImportedGlobals) {
              error = new ValidationError('unknown global', r.offset, `unknown global ${g} (constant expressions see only imported globals)`);
            } else if (this.globals[g]!.mutable) {
              error = new ValidationError('constant expression required', r.offset, `global ${g} is mutable`);
            }
          }
          break;
        }
        case Opcode.Block:
        case Opcode.Loop:
        case Opcode.If:
          ifs.push(op === Opcode.If ? 1 : 0);
          isConst = false;
          break;
        case Opcode.Else:
          if (ifs[ifs.length - 1] !== 1) this.malformed('END opcode expected', r.offset, 'misplaced else');
          ifs[ifs.length - 1] = 0;
          isConst = false;
          break;
        case Opcode.End:
          ifs.pop();
          isConst = ifs.length === 0;
          break;
        default:
          isConst = false;
      }
      if (!isConst && error === undefined) error = new ValidationError('constant expression required', r.offset, opcodeName(op));
      if (ifs.length === 0) break;
    }
    if (error === undefined) error = this.typeConstExpr(instrs, expected, start);
    this.constError = error;
    return { instrs, start, end: r.pos };
  }

  private typeConstExpr(instrs: readonly ConstInstr[], expected: ValType, at: number): ValidationError | undefined {
    let type: ValType | undefined;
    for (const ins of instrs) {
      switch (ins.op) {
        case Opcode.I32Const:
          type = ValType.I32;
          break;
        case Opcode.I64Const:
          type = ValType.I64;
          break;
        case Opcode.F32Const:
          type = ValType.F32;
          break;
        case Opcode.F64Const:
          type = ValType.F64;
          break;
        case Opcode.V128Const:
          type = ValType.V128;
          break;
        case Opcode.RefNull:
          type = ins.type;
          break;
        case Opcode.RefFunc:
          if (ins.funcIndex >= this.numFuncs) return new ValidationError('unknown function', at, `unknown function ${ins.funcIndex}`);
          type = ValType.FuncRef;
          break;
        case Opcode.GlobalGet:
          type = this.globals[ins.globalIndex]!.valType;
          break;
      }
    }
    if (instrs.length !== 1 || type !== expected) {
      const found = instrs.length === 1 && type !== undefined ? valTypeName(type) : `${instrs.length} values`;
      return new ValidationError('type mismatch', at, `constant expression: expected ${valTypeName(expected)}, found ${found}`);
    }
    return undefined;
  }
}
