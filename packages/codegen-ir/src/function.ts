/**
 * `Function` = `name` + `FunctionStencil` + `FunctionParameters` (mission M5).
 *
 * Problem. The incremental compilation cache keys compiled code by the
 * function's IR. If the key included the function's position in the module
 * (its source offsets) or the numbers of the functions it calls, then two
 * identical bodies — or one body after its module was edited elsewhere —
 * would never hit. Approach (Cranelift's #4551): split the function.
 *
 * * `FunctionStencil` holds everything code generation reads: signature,
 *   stack slots, DFG (with imported signatures/functions and jump tables),
 *   layout, and source locations *relative to a base*. It is the cache key;
 *   `canonicalBytes()` is its deterministic encoding and `stencilEquals`
 *   compares two stencils through it.
 * * `FunctionParameters` holds what is applied after compilation: the base
 *   source location and the table `UserExternalNameRef → UserExternalName`.
 *   Calls in the stencil name callees only through refs.
 * * `name: UserFuncName` stays outside both.
 *
 * Invariant (BaseFromFirstLoc): the base source location is set by the first
 * non-default location given to `Function.setSrcLoc` and never changes after;
 * the stencil stores `loc − base`. For Wasmtime-style translation (the first
 * location set is the function's start offset) two equal bodies at different
 * offsets therefore get equal stencils.
 */
import { encodeStencil } from './canonical.js';
import { DataFlowGraph, type ExtFuncData, type JumpTableData } from './dfg.js';
import type { Inst, JumpTable, StackSlot } from './entities.js';
import {
  type UserExternalName,
  type UserExternalNameRef,
  UserFuncName,
  formatUserExternalName,
  userExternalName,
} from './extname.js';
import { Layout } from './layout.js';
import { type FuncRef, type SigRef, Signature } from './signature.js';
import { DEFAULT_SRCLOC, type RelSourceLoc, type SourceLoc, expandRel, relFromBase } from './sourceloc.js';
import { printFunction } from './write.js';

/** Version of the IR and of its canonical encoding; the first thing encoded in a stencil. */
export const IR_VERSION = 'derrick-codegen-ir/1';

export type StackSlotKind = 'explicit_slot';

/** `ss0 = explicit_slot 16, align = 8`. */
export interface StackSlotData {
  kind: StackSlotKind;
  size: number;
  /** log2 of the alignment in bytes; 0 means "natural for the size" as decided by the backend. */
  alignShift: number;
}

export function stackSlotData(size: number, alignShift = 0): StackSlotData {
  return { kind: 'explicit_slot', size, alignShift };
}

export class FunctionStencil {
  /** Version marker: stencils of different IR versions never compare equal. */
  readonly versionMarker = IR_VERSION;
  signature: Signature;
  stackSlots: StackSlotData[] = [];
  dfg = new DataFlowGraph();
  layout = new Layout();
  /** True once any instruction has a non-default location (the printer indents differently). */
  hasSrcLocs = false;

  constructor(signature: Signature = new Signature()) {
    this.signature = signature;
  }

  /**
   * Relative source location of `inst` (`DEFAULT_SRCLOC` when unset). The
   * per-instruction locations are part of the stencil; physically they live
   * in the DFG's instruction records.
   */
  relSrcLoc(inst: Inst): RelSourceLoc {
    return inst < this.dfg.numInsts ? this.dfg.relSrcLoc(inst) : DEFAULT_SRCLOC;
  }

  setRelSrcLoc(inst: Inst, loc: RelSourceLoc): void {
    this.dfg.setRelSrcLoc(inst, loc);
    if (loc !== DEFAULT_SRCLOC) this.hasSrcLocs = true;
  }

  createSizedStackSlot(data: StackSlotData): StackSlot {
    this.stackSlots.push(data);
    return this.stackSlots.length - 1;
  }

  /** Deterministic byte encoding of everything in the stencil (the cache key input). */
  canonicalBytes(): Uint8Array {
    return encodeStencil(this);
  }

  equals(other: FunctionStencil): boolean {
    return stencilEquals(this, other);
  }

  clone(): FunctionStencil {
    const s = new FunctionStencil(this.signature.clone());
    s.stackSlots = this.stackSlots.map((x) => ({ ...x }));
    s.dfg = this.dfg.clone();
    s.layout = this.layout.clone();
    s.hasSrcLocs = this.hasSrcLocs;
    return s;
  }
}

/** Are two stencils equal for code generation (and hence for the cache)? */
export function stencilEquals(a: FunctionStencil, b: FunctionStencil): boolean {
  const x = a.canonicalBytes();
  const y = b.canonicalBytes();
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function nameKey(n: UserExternalName): string {
  return `${n.namespace}:${n.index}`;
}

export class FunctionParameters {
  /** Base of all relative source locations in the stencil; default until the first location is set. */
  baseSrcLoc: SourceLoc = DEFAULT_SRCLOC;
  private userNamed: UserExternalName[] = [];
  private userNameToRef = new Map<string, UserExternalNameRef>();

  /** Set the base if unset; return the (possibly pre-existing) base. */
  ensureBaseSrcLoc(loc: SourceLoc): SourceLoc {
    if (this.baseSrcLoc === DEFAULT_SRCLOC) this.baseSrcLoc = loc >>> 0;
    return this.baseSrcLoc;
  }

  /** The ref for `name`, adding it to the table if new (deduplicated). */
  ensureUserFuncName(name: UserExternalName): UserExternalNameRef {
    const key = nameKey(name);
    const found = this.userNameToRef.get(key);
    if (found !== undefined) return found;
    const ref = this.userNamed.length;
    this.userNamed.push(userExternalName(name.namespace, name.index));
    this.userNameToRef.set(key, ref);
    return ref;
  }

  /** Point an existing ref at a different name (e.g. after renumbering functions). */
  resetUserFuncName(ref: UserExternalNameRef, name: UserExternalName): void {
    const old = this.userNamed[ref];
    if (old === undefined) throw new RangeError(`no user external name ref ${ref}`);
    if (this.userNameToRef.get(nameKey(old)) === ref) this.userNameToRef.delete(nameKey(old));
    this.userNamed[ref] = userExternalName(name.namespace, name.index);
    this.userNameToRef.set(nameKey(name), ref);
  }

  userNamedFunc(ref: UserExternalNameRef): UserExternalName {
    const n = this.userNamed[ref];
    if (n === undefined) throw new RangeError(`no user external name ref ${ref}`);
    return n;
  }

  /** The whole table, indexed by ref. */
  userNamedFuncs(): readonly UserExternalName[] {
    return this.userNamed;
  }

  clone(): FunctionParameters {
    const p = new FunctionParameters();
    p.baseSrcLoc = this.baseSrcLoc;
    // Copy as is: after resetUserFuncName two refs may name the same function.
    p.userNamed = this.userNamed.slice();
    p.userNameToRef = new Map(this.userNameToRef);
    return p;
  }

  equals(o: FunctionParameters): boolean {
    if (this.baseSrcLoc !== o.baseSrcLoc || this.userNamed.length !== o.userNamed.length) return false;
    return this.userNamed.every((n, i) => nameKey(n) === nameKey(o.userNamed[i]!));
  }

  toString(): string {
    return `base ${this.baseSrcLoc.toString(16)}, names [${this.userNamed.map(formatUserExternalName).join(', ')}]`;
  }
}

export class Function {
  name: UserFuncName;
  stencil: FunctionStencil;
  params: FunctionParameters;

  constructor(name: UserFuncName = UserFuncName.default(), signature: Signature = new Signature()) {
    this.name = name;
    this.stencil = new FunctionStencil(signature);
    this.params = new FunctionParameters();
  }

  get signature(): Signature {
    return this.stencil.signature;
  }
  set signature(sig: Signature) {
    this.stencil.signature = sig;
  }
  get dfg(): DataFlowGraph {
    return this.stencil.dfg;
  }
  get layout(): Layout {
    return this.stencil.layout;
  }
  get stackSlots(): StackSlotData[] {
    return this.stencil.stackSlots;
  }

  /**
   * Tag `inst` with absolute location `loc`. The first non-default location
   * establishes the base (BaseFromFirstLoc); the stencil stores `loc − base`.
   */
  setSrcLoc(inst: Inst, loc: SourceLoc): void {
    if (loc === DEFAULT_SRCLOC) {
      this.stencil.setRelSrcLoc(inst, DEFAULT_SRCLOC);
      return;
    }
    const base = this.params.ensureBaseSrcLoc(loc);
    this.stencil.setRelSrcLoc(inst, relFromBase(base, loc));
  }

  /** Absolute location of `inst` (default if none). */
  srcLoc(inst: Inst): SourceLoc {
    return expandRel(this.stencil.relSrcLoc(inst), this.params.baseSrcLoc);
  }

  /** Declare a callee by its embedder name; returns the deduplicated ref to use in `ExternalName.user`. */
  declareImportedUserFunction(name: UserExternalName): UserExternalNameRef {
    return this.params.ensureUserFuncName(name);
  }

  importSignature(sig: Signature): SigRef {
    return this.stencil.dfg.importSignature(sig);
  }

  importFunction(data: ExtFuncData): FuncRef {
    return this.stencil.dfg.importFunction(data);
  }

  createJumpTable(data: JumpTableData): JumpTable {
    return this.stencil.dfg.createJumpTable(data);
  }

  createSizedStackSlot(data: StackSlotData): StackSlot {
    return this.stencil.createSizedStackSlot(data);
  }

  clone(): Function {
    const f = new Function(this.name);
    f.stencil = this.stencil.clone();
    f.params = this.params.clone();
    return f;
  }

  /** CLIF text. */
  toString(): string {
    return printFunction(this);
  }
}
