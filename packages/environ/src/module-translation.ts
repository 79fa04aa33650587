/**
 * `ModuleTranslation`: everything the compiler and the runtime need to know
 * about a decoded, validated module, as plain data.
 *
 * Index spaces follow the spec: imported entities come first, then the
 * module's own definitions, so `functions[i]` is the type index of function
 * `i` whether it is imported or defined; `functionBodies[i - numImportedFuncs]`
 * is the body of a defined function `i`. Function bodies are not copied:
 * a `FunctionBody` records byte ranges into `bytes`, and an `OperatorReader`
 * over `[codeStart, codeEnd)` replays the instructions.
 */
import type { ExternalKind, FuncType, GlobalType, MemoryType, RefType, TableType, ValType } from './types.js';
import type { Opcode } from './opcodes.js';

/** One instruction of a constant expression. */
export type ConstInstr =
  | { readonly op: Opcode.I32Const; readonly value: number }
  | { readonly op: Opcode.I64Const; readonly value: bigint }
  /** `bits`: the raw IEEE-754 binary32 pattern (u32). */
  | { readonly op: Opcode.F32Const; readonly bits: number }
  /** `bits`: the raw IEEE-754 binary64 pattern (u64). */
  | { readonly op: Opcode.F64Const; readonly bits: bigint }
  | { readonly op: Opcode.V128Const; readonly bytes: Uint8Array }
  | { readonly op: Opcode.RefNull; readonly type: RefType }
  | { readonly op: Opcode.RefFunc; readonly funcIndex: number }
  | { readonly op: Opcode.GlobalGet; readonly globalIndex: number };

/**
 * A constant expression (global initializer, segment offset, element item).
 * `instrs` lists its instructions without the terminating `end`; in a valid
 * wasm 2.0 module there is exactly one. `start`/`end` delimit the encoded
 * expression (including its `end`) in the module bytes.
 */
export interface ConstExpr {
  readonly instrs: readonly ConstInstr[];
  readonly start: number;
  readonly end: number;
}

export type ImportDesc =
  | { readonly kind: ExternalKind.Func; readonly typeIndex: number }
  | { readonly kind: ExternalKind.Table; readonly type: TableType }
  | { readonly kind: ExternalKind.Memory; readonly type: MemoryType }
  | { readonly kind: ExternalKind.Global; readonly type: GlobalType };

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly desc: ImportDesc;
  /** Index of the imported entity in its index space. */
  readonly index: number;
}

export interface Export {
  readonly name: string;
  readonly kind: ExternalKind;
  readonly index: number;
}

export type SegmentMode = 'active' | 'passive' | 'declarative';

/** Items of an element segment: function indices (encodings 0–3) or expressions (4–7). */
export type ElementItems =
  | { readonly kind: 'functions'; readonly indices: Uint32Array }
  | { readonly kind: 'exprs'; readonly exprs: readonly ConstExpr[] };

export interface ElementSegment {
  readonly mode: SegmentMode;
  /** Target table of an active segment (0 otherwise). */
  readonly tableIndex: number;
  /** Offset expression of an active segment, `null` otherwise. */
  readonly offset: ConstExpr | null;
  readonly elemType: RefType;
  readonly items: ElementItems;
}

export interface DataSegment {
  readonly mode: Exclude<SegmentMode, 'declarative'>;
  /** Target memory of an active segment (0 otherwise). */
  readonly memoryIndex: number;
  readonly offset: ConstExpr | null;
  /** The bytes, as `[dataStart, dataEnd)` in the module. */
  readonly dataStart: number;
  readonly dataEnd: number;
}

/** A run of `count` locals of one type, as declared in a body. */
export interface LocalRun {
  readonly count: number;
  readonly type: ValType;
}

export interface FunctionBody {
  /** Index of the function in the function index space. */
  readonly funcIndex: number;
  readonly typeIndex: number;
  /** Declared locals (parameters not included), as runs. */
  readonly locals: readonly LocalRun[];
  /** Total number of declared locals (parameters not included). */
  readonly numLocals: number;
  /** Offset of the body's size prefix (the code-section entry). */
  readonly entryStart: number;
  /** Offset of the local declarations. */
  readonly localsStart: number;
  /** Offset of the first instruction. */
  readonly codeStart: number;
  /** Offset just past the body's final `end`. */
  readonly codeEnd: number;
}

/** The parsed `name` custom section; empty if it was absent or malformed. */
export interface Names {
  readonly moduleName: string | undefined;
  readonly functionNames: ReadonlyMap<number, string>;
  readonly localNames: ReadonlyMap<number, ReadonlyMap<number, string>>;
}

export interface CustomSection {
  readonly name: string;
  /** Offset of the section id byte. */
  readonly sectionStart: number;
  /** The payload (after the name), as `[dataStart, dataEnd)` in the module. */
  readonly dataStart: number;
  readonly dataEnd: number;
}

/** The decoded and validated module. */
export class ModuleTranslation {
  constructor(
    /** The module bytes every range refers to. */
    readonly bytes: Uint8Array,
    readonly types: readonly FuncType[],
    readonly imports: readonly Import[],
    /** Type index of every function, imports first. */
    readonly functions: Uint32Array,
    readonly numImportedFuncs: number,
    /** Table index space, imports first. */
    readonly tables: readonly TableType[],
    readonly numImportedTables: number,
    /** Memory index space, imports first. */
    readonly memories: readonly MemoryType[],
    readonly numImportedMemories: number,
    /** Global index space, imports first. */
    readonly globals: readonly GlobalType[],
    readonly numImportedGlobals: number,
    /** Initializers of the defined globals (`globalInits[i - numImportedGlobals]`). */
    readonly globalInits: readonly ConstExpr[],
    readonly exports: readonly Export[],
    readonly start: number | undefined,
    readonly elements: readonly ElementSegment[],
    readonly data: readonly DataSegment[],
    /** The data count section's value, if present. */
    readonly dataCount: number | undefined,
    /** Bodies of the defined functions, in order. */
    readonly functionBodies: readonly FunctionBody[],
    readonly names: Names,
    readonly customSections: readonly CustomSection[],
  ) {}

  /** Number of functions (imported and defined). */
  get numFuncs(): number {
    return this.functions.length;
  }

  /** Number of defined functions. */
  get numDefinedFuncs(): number {
    return this.functions.length - this.numImportedFuncs;
  }

  isImportedFunc(funcIndex: number): boolean {
    return funcIndex < this.numImportedFuncs;
  }

  /** The type of function `funcIndex` (in the function index space). */
  funcType(funcIndex: number): FuncType {
    const t = this.types[this.functions[funcIndex]!];
    if (t === undefined || funcIndex >= this.functions.length) throw new RangeError(`no function ${funcIndex}`);
    return t;
  }

  /** The body of defined function `funcIndex` (in the function index space). */
  functionBody(funcIndex: number): FunctionBody {
    const b = this.functionBodies[funcIndex - this.numImportedFuncs];
    if (b === undefined) throw new RangeError(`function ${funcIndex} is not a defined function`);
    return b;
  }

  /** The payload of a data segment (a view, not a copy). */
  dataBytes(segment: DataSegment): Uint8Array {
    return this.bytes.subarray(segment.dataStart, segment.dataEnd);
  }

  /** The payload of a custom section (a view, not a copy). */
  customSectionBytes(section: CustomSection): Uint8Array {
    return this.bytes.subarray(section.dataStart, section.dataEnd);
  }

  /** The exported entity named `name`, if any. */
  getExport(name: string): Export | undefined {
    return this.exports.find((e) => e.name === name);
  }

  /** Name of a function from the name section, if it has one. */
  funcName(funcIndex: number): string | undefined {
    return this.names.functionNames.get(funcIndex);
  }
}
