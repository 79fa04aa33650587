/**
 * The forward pass: simplification, value numbering and redundant-branch
 * elimination in one walk over the dominator tree.
 *
 * Problem. Folding enables merging (`iadd_imm (iconst 3), 4` and
 * `iconst 7` become the same value), merging enables folding (`isub x, y`
 * with y merged into x is `0`), and both enable branch folding. Running them
 * as separate passes to a fixpoint costs a full walk each time. Cranelift's
 * answer is the egraph pass: one walk in dominator order that rewrites every
 * node it reaches and value-numbers the result. This pass is the same idea
 * without the e-graph: each instruction is rewritten destructively (the
 * first applicable rule wins) rather than kept as a class of alternatives,
 * so there is no extraction step — and no way to undo a rewrite that turns
 * out worse; the rules (simplify.ts) are chosen to only shrink.
 *
 * The walk. Blocks in dominator-tree preorder (PreorderDominates), each
 * block's instructions in order. For each instruction:
 *
 * 1. operands are rewritten through the substitution map (substitution.ts)
 *    — every earlier replacement of a value it uses is visible, because the
 *    definition dominates the use and was visited first;
 * 2. simplification rules run until none applies (bounded); a rule may
 *    replace the result, edit the instruction, remove it, or turn it into a
 *    `trap`; new instructions a rule built are themselves processed (steps
 *    2–3) before the replaced result is redirected to them. Rules whose
 *    required operand shape (`Rule.needs`) the instruction lacks are skipped
 *    without being called;
 * 3. if it is a GVN candidate (gvn.ts) and an identical instruction is in
 *    scope, its results are redirected to that instruction's and it is
 *    removed; otherwise it enters the scope;
 * 4. `trapnz c` / `trapz c` that stay record what they prove about `c` for
 *    the rest of the dominator subtree (`c == 0` / `c != 0`).
 *
 * Entering a block whose only incoming edge is one arm of a `brif c` records
 * `c != 0` (then-arm) or `c == 0` (else-arm) for the block's subtree. The
 * rules consult these facts (`knownCond`) to fold a repeated `brif`,
 * `select` or conditional trap on the same condition — the redundant-branch
 * simplification.
 *
 * Invariants.
 * * (ForwardPassSwept) when the walk ends, every operand of every
 *   instruction in a block that is still reachable names an unreplaced
 *   value: a result is replaced while its definition is visited, which is
 *   before every use it dominates is visited and rewritten, and block-call
 *   arguments are rewritten when their branch is visited. So the pipeline
 *   needs no `subst.rewriteFunction` sweep after this pass.
 * * (WalkDominates) the CFG and dominator tree were computed before the walk;
 *   the walk only removes edges (a `brif` becomes a `jump`, a block ends in
 *   `trap`), which never breaks a dominance fact for blocks that stay
 *   reachable (CfgSnapshot). Blocks that become unreachable are still
 *   walked; the pipeline deletes them afterwards.
 * * (FactsScoped) a condition fact is visible exactly in the dominator
 *   subtree (or, for traps, the rest of the block and its subtree) where it
 *   was established.
 * * (CreatedProcessed) an instruction a rule inserts is simplified and
 *   numbered before anything refers to its result.
 */
import {
  type DataFlowGraph,
  F32,
  F64,
  type Function,
  INVALID,
  type Inst,
  InstBuilder,
  type InstInserter,
  type Layout,
  Opcode,
  type Type,
  type Value,
  isInt,
  typeBits,
} from '@derrick/codegen-ir';
import type { ControlFlowGraph } from './cfg.js';
import type { DominatorTree } from './domtree.js';
import { GvnTable, gvnCandidate } from './gvn.js';
import {
  COND_NONZERO,
  COND_UNKNOWN,
  COND_ZERO,
  MUTATED,
  NO_CHANGE,
  REMOVED,
  RULE_NAMES,
  type RuleKind,
  type SimplifyContext,
  TRAPS,
  operandShape,
  rulesFor,
  simplifiable,
} from './simplify.js';
import type { Substitution } from './substitution.js';

export interface ForwardPassOptions {
  /** Run the simplification rules (constant folding, algebraic identities, branch folding). */
  simplify: boolean;
  /** Merge identical instructions (global value numbering). */
  gvn: boolean;
  /** Use conditions established by dominating branches and traps. */
  facts: boolean;
}

/** Counters the forward pass adds to. */
export interface ForwardPassStats {
  /** Instructions replaced by a constant or folded away by a `fold` rule. */
  constantsFolded: number;
  /** Applications of `simplify` rules. */
  simplified: number;
  /** Branches folded or simplified (`branch` rules). */
  branchesSimplified: number;
  /** Instructions merged into an identical dominating one. */
  gvnMerged: number;
  /** Hits per rule name. */
  rules: Record<string, number>;
}

/** Inserts before a fixed instruction and remembers what it inserted. */
class InsertBefore implements InstInserter {
  before: Inst = -1;
  created: Inst[] = [];
  constructor(public func: Function) {}
  insertBuiltInst(inst: Inst): void {
    const func = this.func;
    func.layout.insertInstBefore(inst, this.before);
    const loc = func.dfg.relSrcLoc(this.before);
    if (loc !== 0xffff_ffff) func.stencil.setRelSrcLoc(inst, loc);
    this.created.push(inst);
  }
}

/** Condition facts (FactsScoped): per value, unknown / zero / non-zero, with an undo log. */
class ConditionFacts {
  private known = new Int8Array(64).fill(COND_UNKNOWN);
  private undo: number[] = [];
  private marks: number[] = [];

  get(v: Value): number {
    return v < this.known.length ? this.known[v]! : COND_UNKNOWN;
  }

  set(v: Value, k: number): void {
    if (v >= this.known.length) {
      const n = new Int8Array(Math.max(v + 1, this.known.length * 2)).fill(COND_UNKNOWN);
      n.set(this.known);
      this.known = n;
    }
    if (this.known[v] !== COND_UNKNOWN) return;
    this.known[v] = k;
    this.undo.push(v);
  }

  pushScope(): void {
    this.marks.push(this.undo.length);
  }

  popScope(): void {
    const mark = this.marks.pop()!;
    while (this.undo.length > mark) this.known[this.undo.pop()!] = COND_UNKNOWN;
  }

  isEmpty(): boolean {
    return this.undo.length === 0 && this.marks.length === 0;
  }
}

/** Cap on rule rounds per instruction and on nesting of created instructions (Terminates). */
const MAX_ROUNDS = 16;
const MAX_DEPTH = 8;

class ForwardPass implements SimplifyContext {
  func: Function;
  dfg: DataFlowGraph;
  private layout: Layout;
  private subst: Substitution;
  private opts: ForwardPassOptions;
  private stats: ForwardPassStats;
  private readonly table: GvnTable;
  private readonly facts = new ConditionFacts();
  private readonly inserter: InsertBefore;
  private readonly builder: InstBuilder;
  /** Hits per rule id, folded into `stats.rules` at the end (a string-keyed update per hit was measurable). */
  private readonly ruleHits = new Int32Array(RULE_NAMES.length);
  /** Did a rewrite remove control-flow edges (a folded branch, a new `trap`)? */
  edgesChanged = false;
  /** Decoded constants by value number (a value's definition never changes). */
  private readonly constCache = new Map<Value, bigint>();

  private constructor(func: Function, subst: Substitution, opts: ForwardPassOptions, stats: ForwardPassStats) {
    this.func = func;
    this.dfg = func.dfg;
    this.layout = func.layout;
    this.subst = subst;
    this.opts = opts;
    this.stats = stats;
    this.table = GvnTable.create(func.dfg);
    this.inserter = new InsertBefore(func);
    this.builder = new InstBuilder(this.inserter);
  }

  /**
   * The pass object, scratch state included, is reused from one function to
   * the next: for the many tiny functions of a wasm module its allocations
   * were a tenth of the optimizer's time. A released pass is clean: every
   * scope closed (so the table and the facts are empty again), hits
   * published and cleared.
   */
  private static spare: ForwardPass | undefined;

  static take(func: Function, subst: Substitution, opts: ForwardPassOptions, stats: ForwardPassStats): ForwardPass {
    const p = ForwardPass.spare;
    if (p === undefined) return new ForwardPass(func, subst, opts, stats);
    ForwardPass.spare = undefined;
    p.func = func;
    p.dfg = func.dfg;
    p.layout = func.layout;
    p.subst = subst;
    p.opts = opts;
    p.stats = stats;
    p.table.reset(func.dfg);
    p.inserter.func = func;
    p.inserter.created = [];
    p.edgesChanged = false;
    p.constCache.clear();
    return p;
  }

  // --- SimplifyContext -----------------------------------------------------

  constOf(v: Value): bigint | undefined {
    const dfg = this.dfg;
    const d = dfg.valueInst(v);
    if (d < 0) return undefined;
    const op = dfg.opcode(d);
    if (op !== Opcode.Iconst && op !== Opcode.F32const && op !== Opcode.F64const) return undefined;
    // Constants are asked for repeatedly (every rule looks): decode each once.
    const cached = this.constCache.get(v);
    if (cached !== undefined) return cached;
    const bits =
      op === Opcode.Iconst ? BigInt.asUintN(typeBits(dfg.ctrlType(d)), dfg.immBits(d)) : op === Opcode.F32const ? BigInt(dfg.ieee32Bits(d)) : dfg.ieee64Bits(d);
    this.constCache.set(v, bits);
    return bits;
  }

  defOf(v: Value): Inst {
    return this.dfg.valueInst(v);
  }

  knownCond(v: Value): number {
    return this.opts.facts ? this.facts.get(v) : COND_UNKNOWN;
  }

  constant(ty: Type, bits: bigint): Value {
    if (!isInt(ty) && ty !== F32 && ty !== F64) throw new Error(`no constant of type ${ty}`);
    const op = isInt(ty) ? Opcode.Iconst : ty === F32 ? Opcode.F32const : Opcode.F64const;
    const ctrl = op === Opcode.Iconst ? ty : INVALID;
    if (this.opts.gvn) {
      this.table.probeConst(op, ctrl, bits);
      const found = this.table.find();
      if (found >= 0) return this.dfg.firstResult(found);
    }
    const b = this.builder;
    const v = op === Opcode.Iconst ? b.iconst(ty, bits) : op === Opcode.F32const ? b.f32constBits(Number(bits)) : b.f64constBits(bits);
    // A constant needs no further processing: take it off the created list and number it now.
    const inst = this.inserter.created.pop()!;
    if (this.opts.gvn) this.table.insert(inst); // the probe is still this constant's key
    return v;
  }

  ins(): InstBuilder {
    return this.builder;
  }

  // --- the walk --------------------------------------------------------------

  run(cfg: ControlFlowGraph, domtree: DominatorTree): void {
    const entry = this.layout.entryBlock();
    if (entry < 0 || !domtree.isReachable(entry)) return;
    // Iterative preorder with explicit exits: (block, next child index).
    const stackB: number[] = [entry];
    const stackC: number[] = [domtree.childStart[entry]!];
    this.enterBlock(entry, cfg);
    while (stackB.length > 0) {
      const top = stackB.length - 1;
      const b = stackB[top]!;
      const c = stackC[top]!;
      if (c < domtree.childStart[b + 1]!) {
        stackC[top] = c + 1;
        const k = domtree.child[c]!;
        stackB.push(k);
        stackC.push(domtree.childStart[k]!);
        this.enterBlock(k, cfg);
      } else {
        this.table.popScope();
        this.facts.popScope();
        stackB.pop();
        stackC.pop();
      }
    }
  }

  private enterBlock(block: number, cfg: ControlFlowGraph): void {
    this.table.pushScope();
    this.facts.pushScope();
    if (this.opts.facts) this.edgeFact(block, cfg);
    const layout = this.layout;
    for (let inst = layout.firstInst(block); inst >= 0; ) {
      const next = layout.nextInst(inst);
      if (this.process(inst, 0)) break;
      inst = next;
    }
  }

  /** Record what the only edge into `block` says about its branch condition (FactsScoped). */
  private edgeFact(block: number, cfg: ControlFlowGraph): void {
    if (cfg.numPreds(block) !== 1) return;
    const pred = cfg.pred[cfg.predStart[block]!]!;
    const term = this.layout.lastInst(pred);
    if (term < 0 || this.dfg.opcode(term) !== Opcode.Brif) return;
    const dfg = this.dfg;
    const thenB = dfg.blockCallBlock(dfg.aux(term));
    const elseB = dfg.blockCallBlock(dfg.aux2(term));
    if (thenB === elseB) return;
    const c = this.subst.resolve(dfg.arg(term, 0));
    if (thenB === block) this.facts.set(c, COND_NONZERO);
    else if (elseB === block) this.facts.set(c, COND_ZERO);
  }

  /**
   * Process one instruction (steps 1–4 of the module comment). Returns true
   * when the rest of its block was removed (it became a `trap`).
   */
  private process(inst: Inst, depth: number): boolean {
    const dfg = this.dfg;
    const subst = this.subst;
    subst.rewriteInst(inst);

    if (this.opts.simplify && depth < MAX_DEPTH && simplifiable(dfg, inst)) {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const rules = rulesFor(dfg.opcode(inst));
        if (rules.length === 0) break;
        // (`created` is empty here: it is replaced by a fresh list whenever a rule fires.)
        this.inserter.before = inst;
        let r = NO_CHANGE;
        let kind: RuleKind = 'fold';
        const shape = operandShape(dfg, inst);
        for (let k = 0; k < rules.length; k++) {
          const rule = rules[k]!;
          if ((rule.needs & shape) !== rule.needs) continue;
          r = rule.apply(this, inst);
          if (r !== NO_CHANGE) {
            kind = rule.kind;
            this.ruleHits[rule.id]++;
            break;
          }
        }
        if (r === NO_CHANGE) break;
        this.count(kind);
        if (kind === 'branch' || r === TRAPS) this.edgesChanged = true;
        const created = this.inserter.created;
        if (created.length > 0) this.inserter.created = [];
        if (r === MUTATED) continue;
        if (r === TRAPS) {
          this.removeRestOfBlock(inst);
          return true;
        }
        if (r === REMOVED) {
          this.layout.removeInst(inst);
          for (const c of created) if (this.process(c, depth + 1)) return true;
          return false;
        }
        // A replacement value (CreatedProcessed: number the new instructions first).
        for (const c of created) this.process(c, depth + 1);
        subst.replace(dfg.firstResult(inst), r);
        this.layout.removeInst(inst);
        return false;
      }
    }

    if (this.opts.gvn && gvnCandidate(dfg, inst)) {
      this.table.probeInst(inst);
      const found = this.table.find();
      if (found >= 0) {
        const n = dfg.numResults(inst);
        for (let i = 0; i < n; i++) subst.replace(dfg.result(inst, i), dfg.result(found, i));
        this.layout.removeInst(inst);
        this.stats.gvnMerged++;
        return false;
      }
      this.table.insert(inst);
    }

    if (this.opts.facts) {
      const op = dfg.opcode(inst);
      if (op === Opcode.Trapnz) this.facts.set(dfg.arg(inst, 0), COND_ZERO);
      else if (op === Opcode.Trapz) this.facts.set(dfg.arg(inst, 0), COND_NONZERO);
    }
    return false;
  }

  /** Publish the rule hits and offer the pass for reuse (only if the walk finished cleanly). */
  release(): void {
    const hits = this.ruleHits;
    const rules = this.stats.rules;
    for (let i = 0; i < hits.length; i++) {
      if (hits[i]! === 0) continue;
      rules[RULE_NAMES[i]!] = (rules[RULE_NAMES[i]!] ?? 0) + hits[i]!;
      hits[i] = 0;
    }
    if (this.table.isEmpty() && this.facts.isEmpty()) ForwardPass.spare = this;
  }

  private count(kind: RuleKind): void {
    if (kind === 'fold') this.stats.constantsFolded++;
    else if (kind === 'simplify') this.stats.simplified++;
    else this.stats.branchesSimplified++;
  }

  /** Remove `inst` and everything after it in its block (the block now ends in the inserted `trap`). */
  private removeRestOfBlock(inst: Inst): void {
    const layout = this.layout;
    for (let i = inst; i >= 0; ) {
      const next = layout.nextInst(i);
      layout.removeInst(i);
      i = next;
    }
  }
}

/**
 * Run the forward pass over `func`. `cfg` and `domtree` must describe the
 * function as it is now, with unreachable blocks already removed; `subst`
 * collects the replacements (sweep with `subst.rewriteFunction` afterwards).
 * Returns whether control-flow edges were removed (the CFG is then stale).
 */
export function runForwardPass(
  func: Function,
  cfg: ControlFlowGraph,
  domtree: DominatorTree,
  subst: Substitution,
  opts: ForwardPassOptions,
  stats: ForwardPassStats,
): boolean {
  const pass = ForwardPass.take(func, subst, opts, stats);
  pass.run(cfg, domtree);
  pass.release();
  return pass.edgesChanged;
}
