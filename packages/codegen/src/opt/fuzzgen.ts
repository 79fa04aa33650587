/**
 * Random IR functions for differential testing and throughput measurement
 * of the mid-end (a small cousin of Cranelift's `cranelift-fuzzgen`).
 *
 * Problem. The optimizer must preserve exact semantics, traps included, on
 * IR it has never seen; hand-written tests only cover the cases their
 * author thought of. Approach: generate structured random programs with a
 * seeded PRNG through the SSA `FunctionBuilder` (so loops get real block
 * parameters), run them on the reference interpreter before and after
 * optimization on random inputs, and compare.
 *
 * What a generated function contains, chosen to exercise every pass:
 * * integer arithmetic of all widths with constants biased towards edge
 *   values (0, ±1, MIN, MAX, width−1), immediates, extensions, reductions,
 *   bit counting; comparisons, `select`, `brif` on comparisons wrapped the
 *   way the wasm translator wraps them (`uextend (icmp_imm eq x, 0)`);
 * * float arithmetic with NaN payloads, signed zeros, infinities;
 *   conversions in both directions, trapping and saturating;
 * * trapping divisions, conditional traps, `uadd_overflow_trap`, and
 *   occasionally an unconditional `trap` ending one arm of a diamond;
 * * diamonds, `br_table`s and counted loops (nested up to two deep) whose
 *   variables become block parameters;
 * * `readonly notrap` loads from the vmctx (the LICM/GVN candidates), a
 *   translator-style bounds-checked heap access (a non-readonly length
 *   load, `icmp ugt`, `trapnz heap_oob`, a readonly base load), heap stores,
 *   stack-slot stores and loads, and calls to a host function that writes
 *   the stack slot (so a load after a call must not be merged with one
 *   before it).
 *
 * The run-time environment a generated function expects (`runInFuzzEnv`):
 * vmctx bytes 0..8 hold the heap base (readonly), 8..16 the heap length,
 * 16..24 a counter that every call to the host increments (read with
 * non-readonly loads), 24..88 random readonly data; `%host(i64 p, i32 x) ->
 * i32` stores `x * 7` at `p`, bumps the counter and returns `x + 1`.
 */
import {
  type Block,
  CallConv,
  ExternalName,
  F32,
  F64,
  FloatCC,
  type FuncRef,
  Function,
  FunctionBuilder,
  I16,
  I32,
  I64,
  I8,
  IntCC,
  Interpreter,
  MemFlags,
  Signature,
  type StackSlot,
  TrapCode,
  type Type,
  UserFuncName,
  type Value,
  type Variable,
  abiParam,
  isInt,
  stackSlotData,
  typeBits,
  vmctxParam,
  type CallResult,
} from '@derrick/codegen-ir';

/** mulberry32: small, fast, seedable. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bits(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i += 16) v = (v << 16n) | BigInt(this.int(0x10000));
    return BigInt.asUintN(n, v);
  }
}

const INT_TYPES = [I8, I16, I32, I64] as const;
const FLOAT_TYPES = [F32, F64] as const;
const VALUE_TYPES = [I32, I64, F32, F64] as const;

const VMCTX_RO = MemFlags.trusted().withReadonly().withAliasRegion('vmctx');
const VMCTX_RW = MemFlags.trusted().withAliasRegion('vmctx');
const HEAP = MemFlags.new().withNotrap().withEndianness('little').withAliasRegion('heap');
export const FUZZ_HEAP_SIZE = 4096;
export const FUZZ_VMCTX_SIZE = 88;

/** An edge-biased integer constant of `bits` bits (as a pattern). */
function intConst(rng: Rng, bits: number): bigint {
  const edges = [0n, 1n, -1n, 2n, -2n, 1n << BigInt(bits - 1), (1n << BigInt(bits - 1)) - 1n, BigInt(bits - 1), BigInt(bits), 3n, 255n, 0x8000n];
  const v = rng.chance(0.7) ? rng.pick(edges) : rng.bits(bits);
  return BigInt.asUintN(bits, v);
}

function floatConst(rng: Rng, ty: Type): bigint {
  if (ty === F32) {
    const edges = [0, 0x8000_0000, 0x3f80_0000, 0xbfc0_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0000, 0x7fc0_0123, 0xffa0_0001, 0x0000_0001, 0x7f7f_ffff, 0x4f00_0000, 0xcf00_0000, 0x3f00_0000, 0x4040_0000];
    return BigInt(rng.chance(0.7) ? rng.pick(edges) : rng.int(0x1_0000_0000)) & 0xffff_ffffn;
  }
  const edges = [
    0n,
    0x8000_0000_0000_0000n,
    0x3ff0_0000_0000_0000n,
    0xbff8_0000_0000_0000n,
    0x7ff0_0000_0000_0000n,
    0xfff0_0000_0000_0000n,
    0x7ff8_0000_0000_0000n,
    0x7ff8_0000_0000_1234n,
    0xfff4_0000_0000_0001n,
    1n,
    0x7fef_ffff_ffff_ffffn,
    0x43e0_0000_0000_0000n,
    0xc3e0_0000_0000_0000n,
    0x3fe0_0000_0000_0000n,
    0x4004_0000_0000_0000n,
  ];
  return rng.chance(0.7) ? rng.pick(edges) : rng.bits(64);
}

export interface FuzzGenOptions {
  /** Rough number of statements at the top level. */
  statements: number;
  /** Maximum nesting of diamonds/loops. */
  maxDepth: number;
}

class Generator {
  readonly func: Function;
  private readonly b: FunctionBuilder;
  private readonly vars = new Map<Type, Variable[]>();
  private readonly loopCounters: Variable[] = [];
  private vmctx!: Value;
  private slot!: StackSlot;
  private host!: FuncRef;
  private budget: number;
  /**
   * Conditions computed so far that dominate the current point, reused now
   * and then so that branches and traps repeat a condition (what the
   * condition facts of the forward pass exploit). Scoped like the CFG.
   */
  private readonly conds: Value[] = [];

  constructor(
    private readonly rng: Rng,
    name: string,
    private readonly opts: FuzzGenOptions,
  ) {
    const params = [vmctxParam(I64)];
    const np = 1 + rng.int(3);
    for (let i = 0; i < np; i++) params.push(abiParam(rng.pick(VALUE_TYPES)));
    const returns = [];
    const nr = 1 + rng.int(3);
    for (let i = 0; i < nr; i++) returns.push(abiParam(rng.pick([...VALUE_TYPES, I8])));
    this.func = new Function(UserFuncName.testcase(name), new Signature(CallConv.Fast, params, returns));
    this.b = new FunctionBuilder(this.func);
    this.budget = opts.statements * 4;
  }

  private get ins() {
    return this.b.ins();
  }

  private var(ty: Type): Variable {
    return this.rng.pick(this.vars.get(ty)!);
  }

  generate(): Function {
    const b = this.b;
    const rng = this.rng;
    const entry = b.createBlock();
    const params = b.appendBlockParamsForFunctionParams(entry);
    b.switchToBlock(entry);
    b.sealBlock(entry);
    b.setSrcLoc(0x100);
    this.vmctx = params[0]!;
    this.slot = b.createSizedStackSlot(stackSlotData(16, 3));
    const sig = b.importSignature(new Signature(CallConv.Fast, [abiParam(I64), abiParam(I32)], [abiParam(I32)]));
    this.host = b.importFunction({ name: ExternalName.testcase('host'), signature: sig, colocated: false });

    for (const ty of [I8, I16, I32, I32, I64, I64, F32, F64]) {
      const v = b.declareVar(ty);
      const list = this.vars.get(ty) ?? [];
      list.push(v);
      this.vars.set(ty, list);
      const fromParam = params.slice(1).filter((p) => this.func.dfg.typeOf(p) === ty);
      b.defVar(v, fromParam.length > 0 && rng.chance(0.7) ? rng.pick(fromParam) : this.constOf(ty));
    }
    for (let d = 0; d < this.opts.maxDepth; d++) this.loopCounters.push(b.declareVar(I32));
    // Make the stack slot defined before any load from it.
    this.ins.stackStore(this.ins.iconst(I64, 0), this.slot, 0);
    this.ins.stackStore(this.ins.iconst(I64, 0), this.slot, 8);

    this.statements(this.opts.statements, 0);

    const rets = this.func.signature.returns.map((r) => {
      if (r.type === I8) return this.b.useVar(this.var(I8));
      return this.b.useVar(this.var(r.type));
    });
    this.ins.return_(rets);
    b.finalize();
    return this.func;
  }

  private constOf(ty: Type): Value {
    if (isInt(ty)) return this.ins.iconst(ty, intConst(this.rng, typeBits(ty)));
    if (ty === F32) return this.ins.f32constBits(Number(floatConst(this.rng, F32)));
    return this.ins.f64constBits(floatConst(this.rng, F64));
  }

  /** Run `f` with conditions created inside it forgotten afterwards (they do not dominate what follows). */
  private scoped(f: () => void): void {
    const mark = this.conds.length;
    f();
    this.conds.length = mark;
  }

  // --- statements -------------------------------------------------------------

  private statements(n: number, depth: number): void {
    for (let i = 0; i < n && this.budget > 0; i++) {
      this.budget--;
      this.statement(depth);
    }
  }

  private statement(depth: number): void {
    const rng = this.rng;
    const b = this.b;
    const r = rng.int(100);
    if (r < 45 || depth >= this.opts.maxDepth) {
      const ty = rng.pick([I8, I16, I32, I32, I64, I64, F32, F64]);
      b.defVar(this.var(ty), this.expr(ty, 3));
      return;
    }
    if (r < 60) return this.diamond(depth);
    if (r < 70) return this.loop(depth);
    if (r < 74) return this.brTable(depth);
    if (r < 80) {
      // Mostly a check that rarely fires (like a bounds check), sometimes an arbitrary condition.
      const c = rng.chance(0.6) ? this.ins.icmpImm(IntCC.Equal, this.expr(I32, 2), 0x1234_5678) : this.cond(2);
      this.conds.push(c);
      if (rng.chance(0.5)) this.ins.trapnz(c, rng.pick([TrapCode.user(1), TrapCode.user(2), TrapCode.INTEGER_OVERFLOW]));
      else this.ins.trapz(this.ins.uextend(I32, this.ins.icmpImm(IntCC.Equal, c, 0)), TrapCode.user(3));
      return;
    }
    if (r < 86) {
      const ty = rng.pick([I32, I64]);
      this.heapStore(this.b.useVar(this.var(ty)), ty);
      return;
    }
    if (r < 92) {
      const ty = rng.pick([I32, I64]);
      this.ins.stackStore(this.b.useVar(this.var(ty)), this.slot, rng.pick([0, 8]));
      return;
    }
    // A call that writes the stack slot.
    const p = this.ins.stackAddr(I64, this.slot, rng.pick([0, 4, 8]));
    const call = this.ins.call(this.host, [p, this.b.useVar(this.var(I32))]);
    b.defVar(this.var(I32), b.instResults(call)[0]!);
  }

  private diamond(depth: number): void {
    const b = this.b;
    const thenB = b.createBlock();
    const elseB = b.createBlock();
    const merge = b.createBlock();
    this.ins.brif(this.cond(2), thenB, [], elseB, []);
    b.sealBlock(thenB);
    b.sealBlock(elseB);
    for (const arm of [thenB, elseB]) {
      b.switchToBlock(arm);
      this.scoped(() => this.statements(1 + this.rng.int(4), depth + 1));
      if (this.rng.chance(0.03)) {
        this.ins.trap(TrapCode.UNREACHABLE);
      } else {
        this.ins.jump(merge, []);
      }
    }
    b.sealBlock(merge);
    b.switchToBlock(merge);
  }

  private loop(depth: number): void {
    const b = this.b;
    const rng = this.rng;
    const counter = this.loopCounters[depth]!;
    const init = rng.chance(0.7) ? this.ins.iconst(I32, rng.int(5)) : this.ins.bandImm(b.useVar(this.var(I32)), 3);
    b.defVar(counter, init);
    const header = b.createBlock();
    const body = b.createBlock();
    const exit = b.createBlock();
    // Usually entered by a jump (its block is a ready preheader); sometimes guarded by a brif,
    // so that LICM has to create a preheader.
    if (rng.chance(0.3)) this.ins.brif(this.cond(1), header, [], exit, []);
    else this.ins.jump(header, []);
    b.switchToBlock(header);
    // The header does not dominate the exit when the entry is guarded: scope it with the body.
    this.scoped(() => {
      // Header computations: often loop-invariant (LICM candidates).
      if (rng.chance(0.5)) b.defVar(this.var(I64), this.expr(I64, 2));
      const c = b.useVar(counter);
      if (rng.chance(0.5)) this.ins.brif(c, body, [], exit, []);
      else this.ins.brif(this.ins.uextend(I32, this.ins.icmpImm(IntCC.Equal, c, 0)), exit, [], body, []);
      b.sealBlock(body);
      b.switchToBlock(body);
      this.scoped(() => this.statements(1 + rng.int(5), depth + 1));
      b.defVar(counter, this.ins.iaddImm(b.useVar(counter), -1));
      this.ins.jump(header, []);
    });
    b.sealBlock(header);
    b.sealBlock(exit);
    b.switchToBlock(exit);
  }

  private brTable(depth: number): void {
    const b = this.b;
    const targets: Block[] = [b.createBlock(), b.createBlock(), b.createBlock()];
    const merge = b.createBlock();
    const idx = this.rng.chance(0.5) ? this.ins.bandImm(b.useVar(this.var(I32)), 3) : this.expr(I32, 1);
    const jt = b.createJumpTable(targets[2]!, [targets[0]!, targets[1]!, this.rng.pick(targets)]);
    this.ins.brTable(idx, jt);
    for (const t of targets) b.sealBlock(t);
    for (const t of targets) {
      b.switchToBlock(t);
      this.scoped(() => this.statements(1 + this.rng.int(2), depth + 1));
      this.ins.jump(merge, []);
    }
    b.sealBlock(merge);
    b.switchToBlock(merge);
  }

  // --- expressions ------------------------------------------------------------

  /** A condition for brif/trapnz/select: a comparison, possibly wrapped, or a raw integer. */
  private cond(depth: number): Value {
    const rng = this.rng;
    if (this.conds.length > 0 && rng.chance(0.3)) return rng.pick(this.conds);
    const c = this.freshCond(depth);
    this.conds.push(c);
    return c;
  }

  private freshCond(depth: number): Value {
    const rng = this.rng;
    const r = rng.int(10);
    if (r < 4) {
      const ty = rng.pick(INT_TYPES);
      return this.ins.icmp(rng.int(10) as IntCC, this.expr(ty, depth), this.expr(ty, depth));
    }
    if (r < 6) {
      const ty = rng.pick(INT_TYPES);
      const cmp = this.ins.icmpImm(rng.int(10) as IntCC, this.expr(ty, depth), intConst(rng, typeBits(ty)));
      return rng.chance(0.5) ? this.ins.uextend(I32, cmp) : cmp;
    }
    if (r < 7) {
      const ty = rng.pick(FLOAT_TYPES);
      return this.ins.fcmp(rng.int(14) as FloatCC, this.expr(ty, depth), this.expr(ty, depth));
    }
    if (r < 8) {
      // i32.eqz as the translator writes it.
      return this.ins.uextend(I32, this.ins.icmpImm(IntCC.Equal, this.expr(I32, depth), 0));
    }
    return this.expr(rng.pick(INT_TYPES), depth);
  }

  private expr(ty: Type, depth: number): Value {
    return isInt(ty) ? this.intExpr(ty, depth) : this.floatExpr(ty, depth);
  }

  private intExpr(ty: Type, depth: number): Value {
    const rng = this.rng;
    const ins = this.ins;
    const bits = typeBits(ty);
    if (depth <= 0) return rng.chance(0.6) ? this.b.useVar(this.var(ty)) : this.constOf(ty);
    const d = depth - 1;
    const r = rng.int(100);
    if (r < 15) return this.b.useVar(this.var(ty));
    if (r < 25) return this.constOf(ty);
    if (r < 45) {
      const ops = [
        ins.iadd, ins.isub, ins.imul, ins.umulhi, ins.smulhi, ins.band, ins.bor, ins.bxor, ins.bandNot, ins.borNot, ins.bxorNot,
        ins.smin, ins.smax, ins.umin, ins.umax,
      ];
      return rng.pick(ops).call(ins, this.intExpr(ty, d), this.intExpr(ty, d));
    }
    if (r < 50) {
      const ops = [ins.ishl, ins.ushr, ins.sshr, ins.rotl, ins.rotr];
      return rng.pick(ops).call(ins, this.intExpr(ty, d), this.intExpr(rng.pick(INT_TYPES), d));
    }
    if (r < 55) {
      const ops = [ins.sdiv, ins.udiv, ins.srem, ins.urem];
      // Usually a divisor that cannot be zero (wasm code mostly divides safely); sometimes anything.
      const y = rng.chance(0.4) ? this.constOf(ty) : rng.chance(0.7) ? ins.borImm(this.intExpr(ty, d), 1) : this.intExpr(ty, d);
      return rng.pick(ops).call(ins, this.intExpr(ty, d), y);
    }
    if (r < 65) {
      const ops = [ins.iaddImm, ins.imulImm, ins.irsubImm, ins.bandImm, ins.borImm, ins.bxorImm, ins.ishlImm, ins.ushrImm, ins.sshrImm, ins.rotlImm, ins.rotrImm];
      return rng.pick(ops).call(ins, this.intExpr(ty, d), intConst(rng, bits));
    }
    if (r < 70) {
      const ops = bits >= 16 ? [ins.ineg, ins.iabs, ins.bnot, ins.clz, ins.cls, ins.ctz, ins.popcnt, ins.bswap, ins.bitrev] : [ins.ineg, ins.iabs, ins.bnot, ins.clz, ins.cls, ins.ctz, ins.popcnt, ins.bitrev];
      return rng.pick(ops).call(ins, this.intExpr(ty, d));
    }
    if (r < 76) {
      const narrower = INT_TYPES.filter((t) => typeBits(t) < bits);
      const wider = INT_TYPES.filter((t) => typeBits(t) > bits);
      if (narrower.length > 0 && (wider.length === 0 || rng.chance(0.6))) {
        const x = this.intExpr(rng.pick(narrower), d);
        return rng.chance(0.5) ? ins.uextend(ty, x) : ins.sextend(ty, x);
      }
      return ins.ireduce(ty, this.intExpr(rng.pick(wider), d));
    }
    if (r < 80) return ins.select(this.cond(d), this.intExpr(ty, d), this.intExpr(ty, d));
    if (r < 84) {
      const c = this.cond(d);
      const dfg = this.func.dfg;
      const ct = dfg.typeOf(c);
      if (ct === ty) return c;
      if (typeBits(ct) < bits) return ins.uextend(ty, c);
      return ins.ireduce(ty, c);
    }
    if (bits < 32) return this.b.useVar(this.var(ty));
    if (r < 86) {
      // A readonly vmctx field.
      const off = 24 + 8 * rng.int(8);
      return ty === I32 ? ins.load(I32, VMCTX_RO, this.vmctx, off + 4 * rng.int(2)) : ins.load(I64, VMCTX_RO, this.vmctx, off);
    }
    if (r < 88) {
      // The mutable vmctx field that calls to %host change: must never be merged or hoisted past them.
      return ty === I32 ? ins.load(I32, VMCTX_RW, this.vmctx, 16) : ins.load(I64, VMCTX_RW, this.vmctx, 16);
    }
    if (r < 91) return this.heapLoad(ty);
    if (r < 93) return ins.stackLoad(ty, this.slot, rng.pick([0, 8]));
    if (r < 95) {
      const from = rng.pick(FLOAT_TYPES);
      const ops = rng.chance(0.25) ? [ins.fcvtToSint, ins.fcvtToUint] : [ins.fcvtToSintSat, ins.fcvtToUintSat];
      return rng.pick(ops).call(ins, ty, this.floatExpr(from, d));
    }
    if (r < 97) return ins.bitcast(ty, this.floatExpr(ty === I32 ? F32 : F64, d));
    const small = (): Value => (rng.chance(0.7) ? ins.ushrImm(this.intExpr(ty, d), 2) : this.intExpr(ty, d));
    return ins.uaddOverflowTrap(small(), small(), TrapCode.HEAP_OUT_OF_BOUNDS);
  }

  private floatExpr(ty: Type, depth: number): Value {
    const rng = this.rng;
    const ins = this.ins;
    if (depth <= 0) return rng.chance(0.6) ? this.b.useVar(this.var(ty)) : this.constOf(ty);
    const d = depth - 1;
    const r = rng.int(100);
    if (r < 15) return this.b.useVar(this.var(ty));
    if (r < 30) return this.constOf(ty);
    if (r < 50) {
      const ops = [ins.fadd, ins.fsub, ins.fmul, ins.fdiv, ins.fmin, ins.fmax, ins.fcopysign];
      return rng.pick(ops).call(ins, this.floatExpr(ty, d), this.floatExpr(ty, d));
    }
    if (r < 65) {
      const ops = [ins.sqrt, ins.fabs, ins.fneg, ins.ceil, ins.floor, ins.trunc, ins.nearest];
      return rng.pick(ops).call(ins, this.floatExpr(ty, d));
    }
    if (r < 68) return ins.fma(this.floatExpr(ty, d), this.floatExpr(ty, d), this.floatExpr(ty, d));
    if (r < 78) {
      const from = rng.pick(INT_TYPES);
      return rng.chance(0.5) ? ins.fcvtFromSint(ty, this.intExpr(from, d)) : ins.fcvtFromUint(ty, this.intExpr(from, d));
    }
    if (r < 84) return ty === F64 ? ins.fpromote(F64, this.floatExpr(F32, d)) : ins.fdemote(F32, this.floatExpr(F64, d));
    if (r < 90) return ins.bitcast(ty, this.intExpr(ty === F32 ? I32 : I64, d));
    return ins.select(this.cond(d), this.floatExpr(ty, d), this.floatExpr(ty, d));
  }

  /** The translator's bounds-checked heap address for a 4- or 8-byte access. */
  private heapAddress(size: number): { ptr: Value; offset: number } {
    const ins = this.ins;
    const rng = this.rng;
    let addr = this.b.useVar(this.var(I32));
    if (rng.chance(0.92)) addr = ins.bandImm(addr, FUZZ_HEAP_SIZE - 16);
    const offset = rng.pick([0, 4, 8]);
    const a64 = ins.uextend(I64, addr);
    const end = ins.iaddImm(a64, offset + size);
    const len = ins.load(I64, VMCTX_RW, this.vmctx, 8);
    ins.trapnz(ins.icmp(IntCC.UnsignedGreaterThan, end, len), TrapCode.HEAP_OUT_OF_BOUNDS);
    const base = ins.load(I64, VMCTX_RO, this.vmctx, 0);
    return { ptr: ins.iadd(base, a64), offset };
  }

  private heapLoad(ty: Type): Value {
    const a = this.heapAddress(typeBits(ty) / 8);
    return this.ins.load(ty, HEAP, a.ptr, a.offset);
  }

  private heapStore(x: Value, ty: Type): void {
    const a = this.heapAddress(typeBits(ty) / 8);
    this.ins.store(HEAP, x, a.ptr, a.offset);
  }
}

/** Generate one random function named `%name`. */
export function generateFunction(rng: Rng, name: string, opts: FuzzGenOptions = { statements: 12, maxDepth: 2 }): Function {
  return new Generator(rng, name, opts).generate();
}

/** Random arguments for `func` (the vmctx parameter is filled in by `runInFuzzEnv`). */
export function randomArgs(rng: Rng, func: Function): bigint[] {
  return func.signature.params.slice(1).map((p) => (isInt(p.type) ? intConst(rng, typeBits(p.type)) : floatConst(rng, p.type)));
}

/**
 * Run `func` on a fresh interpreter with the fuzz environment (vmctx, heap,
 * `%host`); `memSeed` fixes the vmctx's random data and the heap contents.
 * Returns the result and the heap's final bytes, or `undefined` when the
 * interpreter gave up (step limit).
 */
export function runInFuzzEnv(
  func: Function,
  args: readonly bigint[],
  memSeed: number,
  maxSteps = 200_000,
): { result: CallResult; heap: Uint8Array } | undefined {
  const interp = new Interpreter([func], { maxSteps });
  const vmctx = interp.memory.allocate(FUZZ_VMCTX_SIZE);
  const heap = interp.memory.allocate(FUZZ_HEAP_SIZE);
  const rng = new Rng(memSeed);
  const vm = new DataView(interp.memory.regionBytes(vmctx).buffer, interp.memory.regionBytes(vmctx).byteOffset);
  vm.setBigUint64(0, BigInt(heap), true);
  vm.setBigUint64(8, BigInt(FUZZ_HEAP_SIZE), true);
  for (let i = 16; i < FUZZ_VMCTX_SIZE; i++) vm.setUint8(i, rng.int(256));
  const bumpCounter = (): void => vm.setBigUint64(16, BigInt.asUintN(64, vm.getBigUint64(16, true) + 0x1_0000_0001n), true);
  const hb = interp.memory.regionBytes(heap);
  for (let i = 0; i < hb.length; i++) hb[i] = rng.int(256);
  interp.defineHostFunction('host', (a) => {
    const x = a[1]!;
    interp.memory.write(a[0]!, 4, BigInt.asUintN(32, x * 7n));
    bumpCounter();
    return [BigInt.asUintN(32, x + 1n)];
  });
  try {
    const result = interp.callFunction(func, [BigInt(vmctx), ...args]);
    return { result, heap: hb.slice() };
  } catch (e) {
    if (e instanceof Error && /step limit/.test(e.message)) return undefined;
    throw e;
  }
}
