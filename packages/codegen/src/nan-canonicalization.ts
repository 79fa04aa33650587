/**
 * NaN canonicalization (the `enable_nan_canonicalization` setting;
 * Cranelift's pass of the same name, Wasmtime's
 * `cranelift_nan_canonicalization`).
 *
 * WebAssembly lets a float operation that returns a NaN pick any NaN (sign
 * and payload are nondeterministic), and CPUs differ: x86-64 SSE produces
 * the "default NaN" with the sign bit set (0xffc00000 for f32), AArch64
 * produces it positive (0x7fc00000). With this pass every NaN such an
 * operation produces is the canonical positive quiet NaN — `0x7fc00000` or
 * `0x7ff8000000000000` — so execution is deterministic across hosts.
 *
 * For each result `v` of a NaN-producing scalar float operation (below), the
 * instruction gets a fresh result `r`, and right after it
 *
 *     c = fcmp uno r, r
 *     k = f32const/f64const <canonical NaN>
 *     v = select c, k, r          (v as an alias of the select's result)
 *
 * so every existing use of `v` now sees the canonical value. The operations:
 * the arithmetic ones whose NaN results the spec leaves nondeterministic —
 * fadd fsub fmul fdiv fma sqrt fmin fmax ceil floor trunc nearest fpromote
 * fdemote. Bitwise operations (fneg, fabs, fcopysign), loads, constants and
 * bitcasts keep their exact bits, as the spec requires.
 *
 * Invariants: runs on a stencil before the mid-end (which may then fold the
 * select for operands it can prove are not NaN — never wrongly, as `fcmp uno`
 * of a value with itself is exact); the new instructions carry the source
 * location of the float operation; vector types are left alone (SIMD is not
 * lowered by any backend yet).
 */
import {
  type DataFlowGraph,
  F32,
  F64,
  FloatCC,
  type Function,
  type Inst,
  InstBuilder,
  type InstInserter,
  Opcode,
} from '@derrick/codegen-ir';

const NAN_PRODUCING: ReadonlySet<Opcode> = new Set([
  Opcode.Fadd,
  Opcode.Fsub,
  Opcode.Fmul,
  Opcode.Fdiv,
  Opcode.Fma,
  Opcode.Sqrt,
  Opcode.Fmin,
  Opcode.Fmax,
  Opcode.Ceil,
  Opcode.Floor,
  Opcode.Trunc,
  Opcode.Nearest,
  Opcode.Fpromote,
  Opcode.Fdemote,
]);

export const CANONICAL_NAN_F32 = 0x7fc00000;
export const CANONICAL_NAN_F64 = 0x7ff8000000000000n;

/** Inserts before `before`, with the location of `from`. */
class Inserter implements InstInserter {
  before: Inst = -1;
  from: Inst = -1;
  constructor(readonly func: Function) {}
  insertBuiltInst(inst: Inst): void {
    this.func.layout.insertInstBefore(inst, this.before);
    this.func.stencil.setRelSrcLoc(inst, this.func.stencil.relSrcLoc(this.from));
  }
}

/** Canonicalize the NaNs of `func`'s scalar float operations; returns how many results were wrapped. */
export function canonicalizeNans(func: Function): number {
  const dfg: DataFlowGraph = func.stencil.dfg;
  const layout = func.layout;
  const sink = new Inserter(func);
  const ins = new InstBuilder(sink);
  let count = 0;
  for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
    for (let inst = layout.firstInst(b); inst >= 0; ) {
      const next = layout.nextInst(inst);
      if (NAN_PRODUCING.has(dfg.opcode(inst))) {
        const ty = dfg.typeOf(dfg.firstResult(inst));
        // A float operation is never a block's terminator, so `next` exists in a verified function.
        if ((ty === F32 || ty === F64) && next >= 0) {
          const old = dfg.firstResult(inst);
          const fresh = dfg.replaceResult(inst, 0);
          sink.before = next;
          sink.from = inst;
          const isNan = ins.fcmp(FloatCC.Unordered, fresh, fresh);
          const canon = ty === F32 ? ins.f32constBits(CANONICAL_NAN_F32) : ins.f64constBits(CANONICAL_NAN_F64);
          dfg.makeAliasAt(old, ins.select(isNan, canon, fresh), ty);
          count++;
        }
      }
      inst = next;
    }
  }
  if (count > 0) dfg.resolveAllAliases();
  return count;
}
