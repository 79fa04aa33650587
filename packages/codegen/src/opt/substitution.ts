/**
 * Value substitution: "from now on, every use of v means w".
 *
 * Problem. Every mid-end rewrite ends with "replace all uses of this
 * instruction's result by that value". The IR has no use lists, and its one
 * replacement primitive, `dfg.changeToAlias`, leaves alias values behind that
 * the printer shows (`v9 -> v3`) and every reader must resolve. Approach: the
 * mid-end keeps its own map `subst: Value → Value` and rewrites operands
 * lazily:
 *
 * * the forward pass (forward-pass.ts) visits blocks in dominator-tree
 *   preorder, and an instruction result is only used where it dominates, so
 *   rewriting each instruction's operands when the walk reaches it catches
 *   every use of a result replaced earlier in the walk — no sweep is needed
 *   after it (ForwardPassSwept);
 * * replacements decided out of that order (block parameters, whose uses can
 *   precede the decision along back edges) are caught by `rewriteFunction`,
 *   one linear sweep over the layout, which the pipeline runs after
 *   block-parameter removal, before anything that reads operands without
 *   resolving them (DCE, LICM, the verifier).
 *
 * Replaced values are never turned into aliases: the instruction or block
 * parameter that defined them is removed from the layout (or detached with
 * `removeBlockParam`), so after the sweep they are simply unused numbers.
 *
 * Invariants.
 * * (SubstAcyclic) `replace(v, w)` is only called with `resolve(w) !== v`,
 *   so chains end; `resolve` compresses them as it goes.
 * * (SubstTypes) `typeOf(v) === typeOf(w)` for every entry (checked).
 * * (SweptBeforeRead) after `rewriteFunction`, no operand or block-call
 *   argument in the layout names a replaced value.
 */
import { type BlockCall, type DataFlowGraph, type Function, type Inst, InstructionFormat, type Value, typeName } from '@derrick/codegen-ir';
import { forEachBlockCall } from './cfg.js';
import { scratchI32 } from '../scratch.js';

const EMPTY = new Int32Array(0);

export class Substitution {
  private map: Int32Array;
  /** Number of replacements recorded (never decreases). */
  count = 0;

  constructor(private readonly dfg: DataFlowGraph) {
    // Allocated on the first replacement: many passes replace nothing.
    this.map = EMPTY;
  }

  /** Is `v` replaced by something? */
  isReplaced(v: Value): boolean {
    return v < this.map.length && this.map[v]! >= 0;
  }

  /** The value `v` stands for now (itself when not replaced). */
  resolve(v: Value): Value {
    const m = this.map;
    if (v >= m.length || m[v]! < 0) return v;
    let r = m[v]!;
    while (r < m.length && m[r]! >= 0) r = m[r]!;
    // Path compression.
    let x = v;
    while (x !== r && x < m.length && m[x]! >= 0) {
      const next = m[x]!;
      m[x] = r;
      x = next;
    }
    return r;
  }

  /** Record that every use of `v` now means `w` (SubstAcyclic, SubstTypes). */
  replace(v: Value, w: Value): void {
    const target = this.resolve(w);
    if (target === v) throw new Error(`substitution cycle: v${v} -> v${w}`);
    if (this.dfg.typeOf(v) !== this.dfg.typeOf(target)) {
      throw new Error(
        `substitution type mismatch: v${v}: ${typeName(this.dfg.typeOf(v))} -> v${target}: ${typeName(this.dfg.typeOf(target))}`,
      );
    }
    if (v >= this.map.length) {
      const n = scratchI32(Math.max(v + 1, this.map.length * 2, this.dfg.numValues)).fill(-1);
      n.set(this.map);
      this.map = n;
    }
    this.map[v] = target;
    this.count++;
  }

  /** Rewrite the value operands of `inst` (not its block calls). Returns true if any changed. */
  rewriteArgs(inst: Inst): boolean {
    const dfg = this.dfg;
    const pool = dfg.pool;
    const h = dfg.argList(inst);
    const n = pool.len(h);
    let changed = false;
    for (let i = 0; i < n; i++) {
      const v = pool.data[h + i]!;
      const r = this.resolve(v);
      if (r !== v) {
        pool.data[h + i] = r;
        changed = true;
      }
    }
    return changed;
  }

  /** Rewrite the arguments of every block call of the terminator `inst` (nothing for other instructions). */
  rewriteBlockCalls(inst: Inst): void {
    const dfg = this.dfg;
    switch (dfg.format(inst)) {
      case InstructionFormat.Jump:
        this.rewriteBlockCall(dfg.aux(inst));
        return;
      case InstructionFormat.Brif:
        this.rewriteBlockCall(dfg.aux(inst));
        this.rewriteBlockCall(dfg.aux2(inst));
        return;
      case InstructionFormat.BranchTable:
        this.rewriteTableCalls(inst);
        return;
      default:
        return;
    }
  }

  // (Separate from `rewriteBlockCalls`: a closure there made V8 allocate a
  // context on every call — for every instruction of every forward pass.)
  private rewriteTableCalls(inst: Inst): void {
    forEachBlockCall(this.dfg, inst, (bc) => this.rewriteBlockCall(bc));
  }

  private rewriteBlockCall(bc: BlockCall): void {
    const dfg = this.dfg;
    const pool = dfg.pool;
    const h = dfg.blockCallArgList(bc);
    const n = pool.len(h);
    for (let i = 0; i < n; i++) {
      const v = pool.data[h + i]!;
      const r = this.resolve(v);
      if (r !== v) pool.data[h + i] = r;
    }
  }

  /** Rewrite all operands of `inst`, block-call arguments included. */
  rewriteInst(inst: Inst): void {
    this.rewriteArgs(inst);
    this.rewriteBlockCalls(inst);
  }

  /** The sweep: rewrite every operand in the layout (SweptBeforeRead). */
  rewriteFunction(func: Function): void {
    if (this.count === 0) return;
    const layout = func.layout;
    for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
      for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) this.rewriteArgs(i);
      const last = layout.lastInst(b);
      if (last >= 0) this.rewriteBlockCalls(last);
    }
  }
}
