/**
 * Validation of function bodies: the spec appendix's algorithm, on typed arrays.
 *
 * Problem. A function body is valid when every instruction finds the operand
 * types it needs on the stack, every branch targets an enclosing label with
 * the right types, and every block leaves exactly its result types. Code
 * after an unconditional branch is still checked, against a *polymorphic*
 * stack that can supply any type.
 *
 * Approach. The validation algorithm of the spec's appendix, driven by the
 * shared `OperatorReader` in one pass over the body:
 *
 *   - an operand stack of value-type codes (`Uint8Array`); `UNKNOWN` (0)
 *     stands for a value the polymorphic stack supplied;
 *   - a control stack of frames in parallel typed arrays: kind
 *     (function/block/loop/if/else), block type (s33, or the function's type
 *     index for the function frame), operand stack height at entry, and the
 *     unreachable flag;
 *   - "simple" instructions (fixed `[params] -> [result]`) are typed from the
 *     opcode tables (`OPCODE_ARITY`, `OPCODE_PARAMS`, `OPCODE_RESULT`); the
 *     rest have a case each below.
 *
 * Nothing is allocated per instruction: block types are read from the module
 * types or from preallocated one-element lists, and the stacks grow by
 * doubling.
 *
 * Invariants.
 *   - (stack-floor) `sp >= ctrlHeight[cp - 1]` at all times: a pop below the
 *     current frame's height either yields `UNKNOWN` (frame unreachable) or is
 *     a type mismatch; it never consumes an outer frame's operands.
 *   - (frame-zero) frame 0 is the function frame; the body ends exactly at
 *     the `end` that pops it, and the reader's position is then just after
 *     the body's last byte.
 *   - (decode-first) the reader reports malformed input as `DecodeError`
 *     before the validator looks at the instruction, and the structural
 *     errors the reference decoder reports (a misplaced `else`) are decode
 *     errors here too, so a body that is both malformed and invalid reports
 *     malformed, as the spec requires.
 *
 * `skipExpr` is the decode-only twin: it walks an expression with the same
 * structural checks and no typing, for bodies that need not (or can no
 * longer usefully) be validated.
 */
import { DecodeError, ValidationError } from './errors.js';
import { OPCODE_ARITY, OPCODE_EXTRA, OPCODE_IMM, OPCODE_PARAMS, OPCODE_RESULT, ImmKind, Opcode, opcodeIndex, opcodeName } from './opcodes.js';
import type { OperatorReader } from './operator-reader.js';
import type { FuncType, GlobalType, RefType, TableType } from './types.js';
import { BLOCK_TYPE_EMPTY, ValType, isNumType, valTypeName } from './types.js';

/** The module-level facts a function body is validated against. */
export interface ModuleEnv {
  readonly types: readonly FuncType[];
  /** Type index per function (imports first). */
  readonly funcTypeIndices: ArrayLike<number>;
  readonly numFuncs: number;
  readonly tables: readonly TableType[];
  readonly numMemories: number;
  readonly globals: readonly GlobalType[];
  /** Element type per element segment. */
  readonly elemTypes: readonly RefType[];
  /** Value of the data count section, if present. */
  readonly dataCount: number | undefined;
  /** Whether function `funcIndex` may be referenced by `ref.func` in a body. */
  isDeclaredFunc(funcIndex: number): boolean;
}

/** A value the polymorphic stack supplied: matches every type. */
const UNKNOWN = 0;

const enum FrameKind {
  Func = 0,
  Block = 1,
  Loop = 2,
  If = 3,
  Else = 4,
}

const EMPTY: readonly ValType[] = [];
/** One-element result lists for inline block types, indexed by type code. */
const SINGLE: readonly (readonly ValType[])[] = (() => {
  const out: (readonly ValType[])[] = [];
  for (const t of [ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.V128, ValType.FuncRef, ValType.ExternRef]) {
    out[t] = [t];
  }
  return out;
})();

/** How the validator handles an opcode: typed by the tables (with an immediate check) or by hand. */
const enum Cls {
  Plain = 0,
  MemArg,
  MemArgLane,
  /** memory.size, memory.grow: need memory 0. */
  Memory,
  Lane,
  Shuffle,
  Special,
}

const VCLASS: Uint8Array = (() => {
  const c = new Uint8Array(OPCODE_IMM.length).fill(Cls.Special);
  for (let k = 0; k < c.length; k++) {
    if (OPCODE_ARITY[k] === 255) continue;
    switch (OPCODE_IMM[k]) {
      case ImmKind.MemArg:
        c[k] = Cls.MemArg;
        break;
      case ImmKind.MemArgLane:
        c[k] = Cls.MemArgLane;
        break;
      case ImmKind.ZeroByte:
        c[k] = Cls.Memory;
        break;
      case ImmKind.Lane:
        c[k] = Cls.Lane;
        break;
      case ImmKind.Shuffle:
        c[k] = Cls.Shuffle;
        break;
      default:
        c[k] = Cls.Plain;
    }
  }
  return c;
})();

/** Implementation limit on the operand stack height (values). */
const MAX_OPERAND_STACK = 1 << 24;

/** Declared locals up to this count are kept in a flat type array; beyond, as runs. */
const FLAT_LOCALS_LIMIT = 1 << 16;

/** Operand types an untyped `select` accepts. */
function numOrVec(t: number): boolean {
  return t === UNKNOWN || isNumType(t) || t === ValType.V128;
}

function typeName(t: number): string {
  return t === UNKNOWN ? '<unknown>' : valTypeName(t);
}

export class FuncValidator {
  private env!: ModuleEnv;
  private r!: OperatorReader;

  // Operand stack.
  private stack = new Uint8Array(64);
  private sp = 0;

  // Control stack, one entry per frame in parallel arrays.
  private ctrlKind = new Uint8Array(16);
  private ctrlType = new Int32Array(16);
  private ctrlHeight = new Uint32Array(16);
  private ctrlUnreachable = new Uint8Array(16);
  private cp = 0;
  /** Cached `ctrlHeight[cp - 1]` and `ctrlUnreachable[cp - 1]` of the innermost frame. */
  private height = 0;
  private unreachable = 0;

  // Locals: params + declared. Flat when small, runs (with cumulative ends) otherwise.
  private flatLocals = new Uint8Array(64);
  private numLocals = 0;
  private runEnds: number[] = [];
  private runTypes: ValType[] = [];
  private flat = true;

  /** Scratch for br_table's pop-and-push-back. */
  private scratch = new Uint8Array(16);

  /** Set when a body uses a data index (memory.init, data.drop): the data count section becomes required. */
  usesDataIndex = false;

  // ---------------------------------------------------------------- locals

  /**
   * Set up the locals of the next body: the function's parameters, then the
   * declared runs (`counts[i]` locals of type `types[i]`). The caller has
   * already checked that the declared total fits in u32.
   */
  setLocals(params: readonly ValType[], counts: readonly number[], types: readonly ValType[], declared: number): void {
    const total = params.length + declared;
    this.numLocals = total;
    if (total <= FLAT_LOCALS_LIMIT) {
      this.flat = true;
      if (this.flatLocals.length < total) this.flatLocals = new Uint8Array(Math.max(total, this.flatLocals.length * 2));
      const f = this.flatLocals;
      let n = 0;
      for (let i = 0; i < params.length; i++) f[n++] = params[i]!;
      for (let i = 0; i < counts.length; i++) {
        const t = types[i]!;
        for (let c = counts[i]!; c > 0; c--) f[n++] = t;
      }
    } else {
      this.flat = false;
      this.runEnds = [];
      this.runTypes = [];
      let end = 0;
      for (let i = 0; i < params.length; i++) {
        this.runEnds.push(++end);
        this.runTypes.push(params[i]!);
      }
      for (let i = 0; i < counts.length; i++) {
        if (counts[i] === 0) continue;
        end += counts[i]!;
        this.runEnds.push(end);
        this.runTypes.push(types[i]!);
      }
    }
  }

  private localType(index: number): ValType {
    if (index >= this.numLocals) throw this.invalid('unknown local', `unknown local ${index}`);
    if (this.flat) return this.flatLocals[index]! as ValType;
    // First run whose end is past `index`.
    const ends = this.runEnds;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! > index) hi = mid;
      else lo = mid + 1;
    }
    return this.runTypes[lo]!;
  }

  // ---------------------------------------------------------------- errors

  private invalid(reason: string, detail?: string): ValidationError {
    return new ValidationError(reason, this.r.offset, detail ? `${detail} in ${opcodeName(this.r.opcode)}` : opcodeName(this.r.opcode));
  }

  private mismatch(expected: number, actual: number | 'nothing'): ValidationError {
    const found = actual === 'nothing' ? 'nothing on the stack' : typeName(actual);
    return this.invalid('type mismatch', `expected ${typeName(expected)}, found ${found}`);
  }

  // ---------------------------------------------------------------- operand stack

  private push(t: number): void {
    if (this.sp === this.stack.length) {
      // Multi-value calls make the stack grow faster than the input; cap it
      // so a hostile module meets a ValidationError, not a failed allocation.
      if (this.sp >= MAX_OPERAND_STACK) throw this.invalid('implementation limit', `operand stack deeper than ${MAX_OPERAND_STACK} values`);
      const s = new Uint8Array(this.stack.length * 2);
      s.set(this.stack);
      this.stack = s;
    }
    this.stack[this.sp++] = t;
  }

  private pushTypes(ts: readonly ValType[]): void {
    for (let i = 0; i < ts.length; i++) this.push(ts[i]!);
  }

  /** pop_val(): any type, `UNKNOWN` from the polymorphic stack. */
  private popAny(): number {
    if (this.sp === this.height) {
      if (this.unreachable) return UNKNOWN;
      throw this.invalid('type mismatch', 'expected a value, found nothing on the stack');
    }
    return this.stack[--this.sp]!;
  }

  /** pop_val(expect): returns the actual type (`UNKNOWN` when polymorphic). */
  private pop(expected: number): number {
    if (this.sp === this.height) {
      if (this.unreachable) return UNKNOWN;
      throw this.mismatch(expected, 'nothing');
    }
    const actual = this.stack[this.sp - 1]!;
    if (actual !== expected && actual !== UNKNOWN && expected !== UNKNOWN) throw this.mismatch(expected, actual);
    this.sp--;
    return actual;
  }

  private popTypes(ts: readonly ValType[]): void {
    for (let i = ts.length - 1; i >= 0; i--) this.pop(ts[i]!);
  }

  // ---------------------------------------------------------------- control stack

  private blockParams(bt: number): readonly ValType[] {
    return bt < 0 ? EMPTY : this.env.types[bt]!.params;
  }

  private blockResults(bt: number): readonly ValType[] {
    if (bt >= 0) return this.env.types[bt]!.results;
    return bt === BLOCK_TYPE_EMPTY ? EMPTY : SINGLE[bt & 0x7f]!;
  }

  private labelTypes(frame: number): readonly ValType[] {
    const bt = this.ctrlType[frame]!;
    return this.ctrlKind[frame] === FrameKind.Loop ? this.blockParams(bt) : this.blockResults(bt);
  }

  private pushCtrl(kind: FrameKind, bt: number): void {
    const cp = this.cp;
    if (cp === this.ctrlKind.length) {
      const n = cp * 2;
      const k = new Uint8Array(n);
      k.set(this.ctrlKind);
      this.ctrlKind = k;
      const t = new Int32Array(n);
      t.set(this.ctrlType);
      this.ctrlType = t;
      const h = new Uint32Array(n);
      h.set(this.ctrlHeight);
      this.ctrlHeight = h;
      const u = new Uint8Array(n);
      u.set(this.ctrlUnreachable);
      this.ctrlUnreachable = u;
    }
    this.ctrlKind[cp] = kind;
    this.ctrlType[cp] = bt;
    this.ctrlHeight[cp] = this.sp;
    this.ctrlUnreachable[cp] = 0;
    this.height = this.sp;
    this.unreachable = 0;
    this.cp = cp + 1;
  }

  /** Check that the current frame's stack is exactly its results (the frame stays). */
  private checkFrameEnd(): void {
    const f = this.cp - 1;
    this.popTypes(this.blockResults(this.ctrlType[f]!));
    if (this.sp !== this.height) throw this.invalid('type mismatch', 'values remaining on the stack at the end of a block');
  }

  private setUnreachable(): void {
    this.sp = this.height;
    this.unreachable = 1;
    this.ctrlUnreachable[this.cp - 1] = 1;
  }

  private checkBlockType(bt: number): void {
    if (bt >= 0 && bt >= this.env.types.length) throw this.invalid('unknown type', `unknown type ${bt}`);
  }

  /** Frame index of label `depth`. */
  private label(depth: number): number {
    if (depth >= this.cp) throw this.invalid('unknown label', `unknown label ${depth}`);
    return this.cp - 1 - depth;
  }

  // ---------------------------------------------------------------- module entities

  private checkMemory(index: number): void {
    if (index >= this.env.numMemories) throw this.invalid('unknown memory', `unknown memory ${index}`);
  }

  private table(index: number): TableType {
    const t = this.env.tables[index];
    if (t === undefined) throw this.invalid('unknown table', `unknown table ${index}`);
    return t;
  }

  private elemType(index: number): RefType {
    const t = this.env.elemTypes[index];
    if (t === undefined) throw this.invalid('unknown elem segment', `unknown elem segment ${index}`);
    return t;
  }

  private checkData(index: number): void {
    this.usesDataIndex = true;
    const n = this.env.dataCount;
    if (n === undefined || index >= n) throw this.invalid('unknown data segment', `unknown data segment ${index}`);
  }

  private funcType(funcIndex: number): FuncType {
    if (funcIndex >= this.env.numFuncs) throw this.invalid('unknown function', `unknown function ${funcIndex}`);
    return this.env.types[this.env.funcTypeIndices[funcIndex]!]!;
  }

  private global(index: number): GlobalType {
    const g = this.env.globals[index];
    if (g === undefined) throw this.invalid('unknown global', `unknown global ${index}`);
    return g;
  }

  // ---------------------------------------------------------------- the body

  /**
   * Validate one body. `r.pos` is the first instruction; on return it is just
   * past the body's final `end` (frame-zero). Throws `DecodeError` for
   * malformed input and `ValidationError` for invalid code.
   */
  validate(env: ModuleEnv, r: OperatorReader, typeIndex: number): void {
    this.env = env;
    this.r = r;
    this.sp = 0;
    this.cp = 0;
    // The function frame starts with an empty stack: parameters are locals.
    this.pushCtrl(FrameKind.Func, typeIndex);

    for (;;) {
      const op = r.read();
      const k = op < 0x100 ? op : opcodeIndex(op);
      const cls = VCLASS[k]!;
      if (cls !== Cls.Special) {
        // Instructions typed by the opcode tables (the bulk of any body).
        if (cls !== Cls.Plain) this.checkImmediates(cls, k);
        const n = OPCODE_ARITY[k]!;
        const base = k * 3;
        const sp = this.sp;
        const st = this.stack;
        if (n === 1) {
          const t = OPCODE_PARAMS[base]!;
          if (sp > this.height && st[sp - 1] === t) this.sp = sp - 1;
          else this.pop(t);
        } else if (n === 2) {
          const t0 = OPCODE_PARAMS[base]!;
          const t1 = OPCODE_PARAMS[base + 1]!;
          if (sp - 2 >= this.height && st[sp - 1] === t1 && st[sp - 2] === t0) this.sp = sp - 2;
          else {
            this.pop(t1);
            this.pop(t0);
          }
        } else if (n === 3) {
          this.pop(OPCODE_PARAMS[base + 2]!);
          this.pop(OPCODE_PARAMS[base + 1]!);
          this.pop(OPCODE_PARAMS[base]!);
        }
        const res = OPCODE_RESULT[k]!;
        if (res !== 0) this.push(res);
        continue;
      }
      // Hand-typed instructions; cases in rough order of frequency in compiled code.
      switch (op) {
        case Opcode.LocalGet:
          this.push(this.localType(r.index));
          break;
        case Opcode.End: {
          const f = this.cp - 1;
          const bt = this.ctrlType[f]!;
          if (this.ctrlKind[f] === FrameKind.If) {
            // `if` without `else`: the implicit empty else must turn params into results.
            this.checkFrameEnd();
            this.ctrlUnreachable[f] = 0;
            this.unreachable = 0;
            this.pushTypes(this.blockParams(bt));
          }
          this.checkFrameEnd();
          this.cp = f;
          if (f === 0) return;
          this.height = this.ctrlHeight[f - 1]!;
          this.unreachable = this.ctrlUnreachable[f - 1]!;
          this.pushTypes(this.blockResults(bt));
          break;
        }
        case Opcode.Call: {
          const t = this.funcType(r.index);
          this.popTypes(t.params);
          this.pushTypes(t.results);
          break;
        }
        case Opcode.LocalTee: {
          const t = this.localType(r.index);
          this.pop(t);
          this.push(t);
          break;
        }
        case Opcode.LocalSet:
          this.pop(this.localType(r.index));
          break;
        case Opcode.BrIf: {
          const l = this.label(r.index);
          this.pop(ValType.I32);
          const ts = this.labelTypes(l);
          this.popTypes(ts);
          this.pushTypes(ts);
          break;
        }
        case Opcode.Block:
        case Opcode.Loop: {
          const bt = r.blockType;
          this.checkBlockType(bt);
          const params = this.blockParams(bt);
          this.popTypes(params);
          this.pushCtrl(op === Opcode.Block ? FrameKind.Block : FrameKind.Loop, bt);
          this.pushTypes(params);
          break;
        }
        case Opcode.Br:
          this.popTypes(this.labelTypes(this.label(r.index)));
          this.setUnreachable();
          break;
        case Opcode.If: {
          const bt = r.blockType;
          this.checkBlockType(bt);
          this.pop(ValType.I32);
          const params = this.blockParams(bt);
          this.popTypes(params);
          this.pushCtrl(FrameKind.If, bt);
          this.pushTypes(params);
          break;
        }
        case Opcode.GlobalGet:
          this.push(this.global(r.index).valType);
          break;
        case Opcode.GlobalSet: {
          const g = this.global(r.index);
          if (!g.mutable) throw this.invalid('global is immutable', `global ${r.index} is immutable`);
          this.pop(g.valType);
          break;
        }
        case Opcode.Drop:
          this.popAny();
          break;
        case Opcode.Select: {
          this.pop(ValType.I32);
          const t1 = this.popAny();
          const t2 = this.popAny();
          if (!numOrVec(t1) || !numOrVec(t2)) throw this.invalid('type mismatch', 'select without types needs numeric or vector operands');
          if (t1 !== t2 && t1 !== UNKNOWN && t2 !== UNKNOWN) throw this.mismatch(t1, t2);
          this.push(t1 === UNKNOWN ? t2 : t1);
          break;
        }
        case Opcode.Return:
          this.popTypes(this.env.types[this.ctrlType[0]!]!.results);
          this.setUnreachable();
          break;
        case Opcode.Else: {
          const f = this.cp - 1;
          if (this.ctrlKind[f] !== FrameKind.If) throw new DecodeError('END opcode expected', r.offset, 'misplaced else');
          this.checkFrameEnd();
          this.ctrlKind[f] = FrameKind.Else;
          this.ctrlUnreachable[f] = 0;
          this.unreachable = 0;
          this.pushTypes(this.blockParams(this.ctrlType[f]!));
          break;
        }
        case Opcode.BrTable:
          this.brTable();
          break;
        case Opcode.CallIndirect: {
          const table = this.table(r.index2);
          if (table.elemType !== ValType.FuncRef) throw this.invalid('type mismatch', 'call_indirect needs a table of funcref');
          const ti = r.index;
          if (ti >= this.env.types.length) throw this.invalid('unknown type', `unknown type ${ti}`);
          const t = this.env.types[ti]!;
          this.pop(ValType.I32);
          this.popTypes(t.params);
          this.pushTypes(t.results);
          break;
        }
        case Opcode.Unreachable:
          this.setUnreachable();
          break;
        case Opcode.TypedSelect: {
          if (r.selectTypeCount !== 1) throw this.invalid('invalid result arity', `select with ${r.selectTypeCount} types`);
          const t = r.selectType;
          this.pop(ValType.I32);
          this.pop(t);
          this.pop(t);
          this.push(t);
          break;
        }
        case Opcode.TableGet: {
          const t = this.table(r.index);
          this.pop(ValType.I32);
          this.push(t.elemType);
          break;
        }
        case Opcode.TableSet: {
          const t = this.table(r.index);
          this.pop(t.elemType);
          this.pop(ValType.I32);
          break;
        }
        case Opcode.RefNull:
          this.push(r.refType);
          break;
        case Opcode.RefIsNull: {
          const t = this.popAny();
          if (t !== UNKNOWN && t !== ValType.FuncRef && t !== ValType.ExternRef) {
            throw this.invalid('type mismatch', `expected a reference, found ${typeName(t)}`);
          }
          this.push(ValType.I32);
          break;
        }
        case Opcode.RefFunc: {
          this.funcType(r.index);
          if (!this.env.isDeclaredFunc(r.index)) throw this.invalid('undeclared function reference', `function ${r.index}`);
          this.push(ValType.FuncRef);
          break;
        }
        case Opcode.MemoryInit:
          this.checkMemory(0);
          this.checkData(r.index);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          break;
        case Opcode.DataDrop:
          this.checkData(r.index);
          break;
        case Opcode.MemoryCopy:
        case Opcode.MemoryFill:
          this.checkMemory(0);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          break;
        case Opcode.TableInit: {
          const t = this.table(r.index2);
          const e = this.elemType(r.index);
          if (t.elemType !== e) throw this.invalid('type mismatch', `table of ${valTypeName(t.elemType)}, segment of ${valTypeName(e)}`);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          break;
        }
        case Opcode.ElemDrop:
          this.elemType(r.index);
          break;
        case Opcode.TableCopy: {
          const dst = this.table(r.index);
          const src = this.table(r.index2);
          if (dst.elemType !== src.elemType) throw this.invalid('type mismatch', `copy from a table of ${valTypeName(src.elemType)} to one of ${valTypeName(dst.elemType)}`);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          this.pop(ValType.I32);
          break;
        }
        case Opcode.TableGrow: {
          const t = this.table(r.index);
          this.pop(ValType.I32);
          this.pop(t.elemType);
          this.push(ValType.I32);
          break;
        }
        case Opcode.TableSize:
          this.table(r.index);
          this.push(ValType.I32);
          break;
        case Opcode.TableFill: {
          const t = this.table(r.index);
          this.pop(ValType.I32);
          this.pop(t.elemType);
          this.pop(ValType.I32);
          break;
        }
        default:
          throw new Error(`internal: no typing rule for ${opcodeName(op)}`);
      }
    }
  }

  /** The immediate checks of table-typed instructions (memory, alignment, lanes). */
  private checkImmediates(cls: Cls, k: number): void {
    const r = this.r;
    switch (cls) {
      case Cls.MemArg:
        this.checkMemory(0);
        this.checkAlign(k);
        break;
      case Cls.MemArgLane:
        this.checkMemory(0);
        this.checkAlign(k);
        if (r.lane >= 16 >> OPCODE_EXTRA[k]!) throw this.invalid('invalid lane index', `lane ${r.lane}`);
        break;
      case Cls.Memory:
        this.checkMemory(0);
        break;
      case Cls.Lane:
        if (r.lane >= OPCODE_EXTRA[k]!) throw this.invalid('invalid lane index', `lane ${r.lane}`);
        break;
      case Cls.Shuffle: {
        const v = r.v128;
        for (let i = 0; i < 16; i++) {
          if (v[i]! >= 32) throw this.invalid('invalid lane index', `lane ${v[i]}`);
        }
        break;
      }
    }
  }

  private checkAlign(k: number): void {
    if (this.r.memAlign > OPCODE_EXTRA[k]!) {
      throw this.invalid('alignment must not be larger than natural', `2^${this.r.memAlign} > ${1 << OPCODE_EXTRA[k]!}`);
    }
  }

  private brTable(): void {
    const r = this.r;
    this.pop(ValType.I32);
    const dflt = this.label(r.index);
    const arity = this.labelTypes(dflt).length;
    const n = r.brTargetCount;
    if (this.scratch.length < arity) this.scratch = new Uint8Array(arity);
    const popped = this.scratch;
    for (let i = 0; i < n; i++) {
      const l = this.label(r.brTargets[i]!);
      const ts = this.labelTypes(l);
      if (ts.length !== arity) throw this.invalid('type mismatch', `br_table targets with ${ts.length} and ${arity} values`);
      for (let j = arity - 1; j >= 0; j--) popped[j] = this.pop(ts[j]!);
      for (let j = 0; j < arity; j++) this.push(popped[j]!);
    }
    this.popTypes(this.labelTypes(dflt));
    this.setUnreachable();
  }
}

/**
 * Decode an expression (a body after its locals, or a constant expression)
 * up to and including the `end` that closes it, checking only what decoding
 * checks: immediates and block structure.
 */
export function skipExpr(r: OperatorReader): void {
  // Per open block: 1 when it is an `if` still expecting its `else`.
  let ifs = new Uint8Array(16);
  let depth = 1;
  ifs[0] = 0;
  for (;;) {
    const op = r.read();
    switch (op) {
      case Opcode.Block:
      case Opcode.Loop:
      case Opcode.If:
        if (depth === ifs.length) {
          const n = new Uint8Array(depth * 2);
          n.set(ifs);
          ifs = n;
        }
        ifs[depth++] = op === Opcode.If ? 1 : 0;
        break;
      case Opcode.Else:
        if (ifs[depth - 1] !== 1) throw new DecodeError('END opcode expected', r.offset, 'misplaced else');
        ifs[depth - 1] = 0;
        break;
      case Opcode.End:
        if (--depth === 0) return;
        break;
    }
  }
}
