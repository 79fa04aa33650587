/**
 * `MachLowerBackend`: what every machine backend's `LowerBackend` shares —
 * the per-function state (the signature's ABI, the hidden return-area
 * pointer, the frame facts `compileWithBackend` reads after lowering), the
 * small helpers the backends' rules are written with, and the ABI glue
 * (the function's arguments, calls, returns), whose steps are the same on
 * every machine. A backend subclasses it and supplies only its instructions:
 * the loads and stores of 8-byte ABI slots (`genAbiLoad`, `genAbiStore`),
 * the return area's address (`genRetAreaAddr`), extension to 64 bits
 * (`extendTo64`), and the proof that its instruction type includes the
 * shared pseudo-instructions (`pseudo`).
 *
 * The per-instruction entry points (`lowerInst`, `lowerBranch`) stay in the
 * subclass, which calls its own rule dispatch directly: lowering an IR
 * instruction goes through no extra call here. The hooks run once per
 * function, call, return or edge block.
 *
 * Invariant (CallSequence): a call is lowered as its arguments' values
 * (extended where the ABI asks), the return-area address, the stores of
 * stack arguments, the `call`, then the loads of results from the return
 * area — in that order, so the stores sit right before the call and no
 * result is read before it. The function's stack parameters are likewise
 * loaded right after the `args` pseudo-instruction that defines the
 * register parameters.
 */
import {
  type ArgumentExtension,
  type DataFlowGraph,
  type FunctionStencil,
  I64,
  type Inst,
  type Signature,
  type Type,
  type Value,
  isFloat,
  isInt,
  typeName,
} from '@derrick/codegen-ir';
import type { ABIArgLoc, SigABI } from './abi.js';
import { CodegenError } from './codegen-error.js';
import type { Lower } from './lower.js';
import type { FrameLowerBackend } from './pipeline.js';
import { RegClass } from './regalloc/index.js';
import type { MachInstAdapter } from './vcode.js';

/**
 * The pseudo-instructions the shared ABI glue builds, in the shape every
 * backend's instruction type has them (`C`: the backend's call target).
 */
export type AbiPseudoInst<C> =
  /** Defines the parameters arriving in registers (emits nothing). */
  | { readonly kind: 'args'; readonly regs: number[]; readonly pregs: readonly number[] }
  /** Epilogue and return; the results in their ABI registers. */
  | { readonly kind: 'ret'; readonly regs: number[]; readonly pregs: readonly number[] }
  | { readonly kind: 'jmp'; readonly target: number }
  | {
      readonly kind: 'call';
      readonly target: C;
      readonly uses: number[];
      readonly usePregs: readonly number[];
      readonly defs: number[];
      readonly defPregs: readonly number[];
      readonly clobbers: number;
    };

/**
 * The 8-byte ABI slots the glue loads: the function's own stack parameters
 * (`incoming_arg`), and a callee's overflow results in the return area this
 * function provides (`ret_area`).
 */
export type AbiLoadArea = 'incoming_arg' | 'ret_area';
/**
 * The 8-byte ABI slots the glue stores: a callee's stack arguments
 * (`outgoing_arg`), and the function's own overflow results, through the
 * hidden return-area pointer its caller passed (`ret_area_ptr`).
 */
export type AbiStoreArea = 'outgoing_arg' | 'ret_area_ptr';

/** The machine facts `MachLowerBackend` needs (one constant per backend). */
export interface MachLowerSpec {
  /** For error messages: `x64`, `aarch64`. */
  readonly name: string;
  /** The backend's calling-convention rules. */
  computeSigABI(sig: Signature): SigABI;
  /** A call's clobbers: an index into the adapter's `clobberSets`. */
  readonly callClobbers: number;
}

/**
 * The per-function lowering backend's shared part (one instance per
 * compiled function). `I` is the backend's instruction type, `F` its ISA
 * flags, `C` its call target.
 */
export abstract class MachLowerBackend<I, F, C> implements FrameLowerBackend<I> {
  readonly sigAbi: SigABI;
  /** The current driver context (set by `startFunction`). */
  ctx!: Lower<I>;
  dfg!: DataFlowGraph;
  /** The hidden return-area pointer's vreg, or -1. */
  retAreaPtr = -1;
  /** Largest outgoing stack-argument area and return area over all calls. */
  maxOutgoingArgs = 0;
  maxRetArea = 0;
  /** The branch targets of the terminator being lowered. */
  targets: readonly number[] = [];
  private readonly sigCache = new Map<Signature, SigABI>();

  protected constructor(
    readonly stencil: FunctionStencil,
    readonly isaFlags: F,
    readonly adapter: MachInstAdapter<I>,
    private readonly spec: MachLowerSpec,
  ) {
    this.sigAbi = spec.computeSigABI(stencil.signature);
  }

  // ---- What the backend supplies ------------------------------------------------

  /**
   * `m` as the backend's instruction: the identity, whose signature in the
   * subclass proves its instruction type includes `AbiPseudoInst<C>`.
   */
  protected abstract pseudo(m: AbiPseudoInst<C>): I;
  /** A load of the `type` value in the 8-byte slot at `offset` of `area` into `dst`. */
  protected abstract genAbiLoad(area: AbiLoadArea, offset: number, type: Type, dst: number): I;
  /** A store of `src`, a `type` value, to the 8-byte slot at `offset` of `area`. */
  protected abstract genAbiStore(area: AbiStoreArea, offset: number, type: Type, src: number): I;
  /** `dst` = the address of the return area this function provides its callees. */
  protected abstract genRetAreaAddr(dst: number): I;
  /** `v` zero- or sign-extended to 64 bits, in a register (i64 values as they are). */
  abstract extendTo64(v: Value, signed: boolean): number;

  // ---- LowerBackend ------------------------------------------------------------

  regClassOf(type: Type): RegClass {
    if (isInt(type)) return RegClass.Int;
    if (isFloat(type)) return RegClass.Float;
    throw new CodegenError('unsupported', `the ${this.spec.name} backend has no registers for ${typeName(type)} values`);
  }

  startFunction(ctx: Lower<I>): void {
    this.ctx = ctx;
    this.dfg = ctx.dfg;
    if (this.sigAbi.retAreaPtrIndex >= 0) this.retAreaPtr = ctx.tmp(RegClass.Int);
  }

  abstract lowerInst(ctx: Lower<I>, inst: Inst): void;
  abstract lowerBranch(ctx: Lower<I>, inst: Inst, targets: readonly number[]): void;

  lowerArgs(ctx: Lower<I>, params: readonly Value[]): void {
    const regs: number[] = [];
    const pregs: number[] = [];
    const loads: I[] = [];
    const abi = this.sigAbi;
    params.forEach((p, k) => this.placeAbi(abi.params[k]!.loc, ctx.def(p), ctx.typeOf(p), regs, pregs, loads, 'incoming_arg'));
    if (abi.retAreaPtrIndex >= 0) this.placeAbi(abi.params[abi.retAreaPtrIndex]!.loc, this.retAreaPtr, I64, regs, pregs, loads, 'incoming_arg');
    ctx.emit(this.pseudo({ kind: 'args', regs, pregs }));
    for (const l of loads) ctx.emit(l);
  }

  genJump(target: number): I {
    return this.pseudo({ kind: 'jmp', target });
  }

  // ---- Small helpers the rules use ---------------------------------------------

  emit(m: I): void {
    this.ctx.emit(m);
  }
  put(v: Value): number {
    return this.ctx.put(v);
  }
  def(v: Value): number {
    return this.ctx.def(v);
  }
  tmpInt(): number {
    return this.ctx.tmp(RegClass.Int);
  }
  tmpFloat(): number {
    return this.ctx.tmp(RegClass.Float);
  }
  arg(inst: Inst, k: number): Value {
    return this.dfg.arg(inst, k);
  }
  result(inst: Inst): Value {
    return this.dfg.firstResult(inst);
  }
  /** Controlling type of `inst`. */
  ty(inst: Inst): Type {
    return this.dfg.ctrlType(inst);
  }
  typeOf(v: Value): Type {
    return this.dfg.typeOf(v);
  }
  unsupported(what: string): CodegenError {
    return this.ctx.unsupported(what);
  }

  // ---- ABI glue ----------------------------------------------------------------

  /** The ABI of a callee signature (cached per signature object). */
  sigAbiOf(sig: Signature): SigABI {
    let s = this.sigCache.get(sig);
    if (s === undefined) {
      s = this.spec.computeSigABI(sig);
      this.sigCache.set(sig, s);
    }
    return s;
  }

  /** `v` as an argument or result with extension `ext`: a narrow integer extended to 64 bits when asked. */
  private extendForAbi(v: Value, ext: ArgumentExtension, type: Type): number {
    if (ext === 'uext' && isInt(type) && type !== I64) return this.extendTo64(v, false);
    if (ext === 'sext' && isInt(type) && type !== I64) return this.extendTo64(v, true);
    return this.put(v);
  }

  /**
   * `vr`, a `type` value at ABI location `loc`: a register joins the operands
   * of the `args`/`call` (`regs`, `pregs`); a stack slot is accessed in
   * `area`, the access added to `mem`.
   */
  private placeAbi(loc: ABIArgLoc, vr: number, type: Type, regs: number[], pregs: number[], mem: I[], area: AbiLoadArea | 'outgoing_arg'): void {
    if (loc.kind === 'reg') {
      regs.push(vr);
      pregs.push(loc.preg);
    } else {
      mem.push(area === 'outgoing_arg' ? this.genAbiStore(area, loc.offset, type, vr) : this.genAbiLoad(area, loc.offset, type, vr));
    }
  }

  /** Lower a call: arguments to their locations, the call, results from theirs (CallSequence). */
  lowerCall(inst: Inst, sig: Signature, target: C, args: readonly Value[]): void {
    const abi = this.sigAbiOf(sig);
    const uses: number[] = [];
    const usePregs: number[] = [];
    const stores: I[] = [];
    args.forEach((v, k) => {
      const p = abi.params[k]!;
      this.placeAbi(p.loc, this.extendForAbi(v, p.extension, p.type), p.type, uses, usePregs, stores, 'outgoing_arg');
    });
    if (abi.retAreaPtrIndex >= 0) {
      const t = this.tmpInt();
      this.emit(this.genRetAreaAddr(t));
      this.placeAbi(abi.params[abi.retAreaPtrIndex]!.loc, t, I64, uses, usePregs, stores, 'outgoing_arg');
    }
    for (const s of stores) this.emit(s);
    this.maxOutgoingArgs = Math.max(this.maxOutgoingArgs, abi.stackArgSize);
    this.maxRetArea = Math.max(this.maxRetArea, abi.retAreaSize);
    const defs: number[] = [];
    const defPregs: number[] = [];
    const loads: I[] = [];
    this.dfg.instResults(inst).forEach((rv, k) => {
      const r = abi.rets[k]!;
      this.placeAbi(r.loc, this.def(rv), r.type, defs, defPregs, loads, 'ret_area');
    });
    this.emit(this.pseudo({ kind: 'call', target, uses, usePregs, defs, defPregs, clobbers: this.spec.callClobbers }));
    for (const l of loads) this.emit(l);
  }

  /** Lower `return args`: overflow results stored through the return-area pointer, the rest in registers. */
  lowerReturn(args: readonly Value[]): void {
    const abi = this.sigAbi;
    const regs: number[] = [];
    const pregs: number[] = [];
    args.forEach((v, k) => {
      const r = abi.rets[k]!;
      const vr = this.extendForAbi(v, r.extension, r.type);
      if (r.loc.kind === 'reg') {
        regs.push(vr);
        pregs.push(r.loc.preg);
      } else {
        this.emit(this.genAbiStore('ret_area_ptr', r.loc.offset, r.type, vr));
      }
    });
    this.emit(this.pseudo({ kind: 'ret', regs, pregs }));
  }
}
