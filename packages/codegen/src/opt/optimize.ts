/**
 * The mid-end pipeline: `optimize(func, { optLevel })`.
 *
 * Problem. The wasm translator produces IR that is correct and simple
 * rather than good: constants as separate instructions, repeated vmctx
 * loads and bounds-check arithmetic, conditions wrapped in `uextend` and
 * `icmp_imm eq 0`, branches on constants, loop-invariant address
 * computations. The backend lowers what it is given one instruction at a
 * time, so everything not removed here costs machine code.
 *
 * Approach. A fixed pipeline of classic passes, repeated while a round may
 * have enabled more (at most `MAX_ROUNDS` rounds; most functions settle in
 * one):
 *
 * ```
 *   round:  remove unreachable blocks (CFG cached while edges do not change)
 *           → forward pass: simplify + GVN + condition facts, dominator order
 *           → remove blocks it cut off
 *           → remove redundant block parameters → sweep substitutions
 *           → DCE (instructions and dead block parameters)
 *           another round iff a parameter was replaced or edges were removed
 *   then:   LICM (speed levels), and one more round if it moved anything
 * ```
 *
 * Cranelift's mid-end does this work in one e-graph pass plus elaboration
 * (which performs LICM while placing nodes); this pipeline is the classic
 * decomposition of it, simpler to test pass by pass, and it already removes
 * what the translator leaves behind. See each file's essay: forward-pass.ts,
 * simplify.ts, gvn.ts, block-params.ts, dce.ts, licm.ts; the measurements
 * are in README.md next to them.
 *
 * Levels.
 * * `none`: nothing; the IR is returned as given (statistics all zero).
 * * `speed`: everything, including LICM with new preheader blocks.
 * * `speed_and_size`: everything except creating preheader blocks: LICM only
 *   hoists into a block that already ends in a `jump` to the loop header,
 *   so no block and no jump is ever added.
 *
 * Contract. In: a function that passes `verifyFunction`. Out: the same
 * function object, edited in place, still verifying, with the same
 * observable behaviour — results, traps and their codes, memory effects,
 * calls — for every input (the differential fuzz test checks exactly that
 * against the interpreter). Entity numbers are not compacted: removed
 * instructions and values simply stop appearing in the layout; aliases in
 * the input are resolved in every operand (the alias values themselves stay,
 * and the printer still lists them).
 */
import { type Function, verifyFunction } from '@derrick/codegen-ir';
import { removeRedundantBlockParams } from './block-params.js';
import { ControlFlowGraph } from './cfg.js';
import { eliminateDeadCode, removeUnreachableBlocks } from './dce.js';
import { DominatorTree } from './domtree.js';
import { type ForwardPassStats, runForwardPass } from './forward-pass.js';
import { hoistLoopInvariants } from './licm.js';
import { Substitution } from './substitution.js';
import { scratchScope } from '../scratch.js';

export type OptLevel = 'none' | 'speed' | 'speed_and_size';

export interface OptimizeOptions {
  optLevel: OptLevel;
  /**
   * Run `verifyFunction` after every pass and throw `OptimizerVerifyError`
   * naming the pass that broke the IR (tests, fuzzing, debugging).
   */
  verify?: boolean;
  /** Loop-invariant code motion at the speed levels (default true; off for measurements). */
  licm?: boolean;
}

export interface OptStats extends ForwardPassStats {
  /** Instructions in the layout before and after. */
  instsBefore: number;
  instsAfter: number;
  /** Dead instructions removed by DCE. */
  deadInstsRemoved: number;
  /** Block parameters removed (redundant or dead). */
  blockParamsRemoved: number;
  /** Unreachable blocks removed. */
  unreachableBlocksRemoved: number;
  /** Instructions moved out of loops. */
  licmHoisted: number;
  /** Preheader blocks created for LICM. */
  preheadersCreated: number;
  /** Pipeline rounds run. */
  rounds: number;
}

/** A pass left IR that does not verify (only with `verify: true`). */
export class OptimizerVerifyError extends Error {
  constructor(
    readonly pass: string,
    readonly errors: readonly string[],
    readonly text: string,
  ) {
    super(`${pass === 'input' ? 'the input IR does not verify' : `IR does not verify after ${pass}`}:\n  ${errors.join('\n  ')}`);
    this.name = 'OptimizerVerifyError';
  }
}

export function emptyStats(): OptStats {
  return {
    constantsFolded: 0,
    simplified: 0,
    branchesSimplified: 0,
    gvnMerged: 0,
    rules: {},
    instsBefore: 0,
    instsAfter: 0,
    deadInstsRemoved: 0,
    blockParamsRemoved: 0,
    unreachableBlocksRemoved: 0,
    licmHoisted: 0,
    preheadersCreated: 0,
    rounds: 0,
  };
}

/** Number of instructions in the layout. */
export function countInsts(func: Function): number {
  const layout = func.layout;
  let n = 0;
  for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
    for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) n++;
  }
  return n;
}

const MAX_ROUNDS = 4;

class Pipeline {
  readonly stats = emptyStats();
  /**
   * The CFG and dominator tree of the function as it stands, reused across
   * passes and rounds until something changes edges (CfgSnapshot): DCE and
   * block-parameter removal only edit arguments and instructions.
   */
  private cfg: ControlFlowGraph | undefined;
  private domtree: DominatorTree | undefined;
  constructor(
    private readonly func: Function,
    private readonly verify: boolean,
  ) {}

  /** With `verify`, reject invalid input up front rather than blame the first pass for it. */
  checkInput(): void {
    this.check('input');
  }

  private check(pass: string): void {
    if (!this.verify) return;
    const errors = verifyFunction(this.func);
    if (errors.length > 0) {
      let text: string;
      try {
        text = this.func.toString();
      } catch {
        text = '<unprintable>';
      }
      throw new OptimizerVerifyError(pass, errors.map((e) => e.text), text);
    }
  }

  /** Forget the cached CFG (edges changed). */
  private invalidateCfg(): void {
    this.cfg = undefined;
    this.domtree = undefined;
  }

  /** The current CFG, with unreachable blocks removed. */
  private reachableCfg(check = true): ControlFlowGraph {
    if (this.cfg !== undefined) return this.cfg;
    let cfg = ControlFlowGraph.compute(this.func);
    const removed = removeUnreachableBlocks(this.func, cfg);
    if (removed > 0) {
      this.stats.unreachableBlocksRemoved += removed;
      if (check) this.check('unreachable-block removal');
      cfg = ControlFlowGraph.compute(this.func);
    }
    this.cfg = cfg;
    return cfg;
  }

  private currentDomtree(): DominatorTree {
    return (this.domtree ??= DominatorTree.compute(this.reachableCfg()));
  }

  /**
   * One round. Returns whether another round may find more: when a block
   * parameter was replaced (its uses now see a constant or another value) or
   * edges were removed (blocks lost predecessors: new single-edge facts,
   * new redundant parameters). Instructions removed by DCE or merged by GVN
   * enable nothing the same round did not already see.
   */
  round(): boolean {
    const func = this.func;
    const s = this.stats;
    s.rounds++;

    const cfg0 = this.reachableCfg();
    const domtree = this.currentDomtree();
    const subst = new Substitution(func.dfg);
    const edgesChanged = runForwardPass(func, cfg0, domtree, subst, { simplify: true, gvn: true, facts: true }, s);
    // No sweep needed here (ForwardPassSwept).
    if (edgesChanged) this.invalidateCfg();
    // Blocks the pass cut off may use values it removed: drop them before checking.
    const cfg = this.reachableCfg(false);
    this.check('forward pass');

    const replaced = removeRedundantBlockParams(func, cfg, subst);
    s.blockParamsRemoved += replaced;
    if (replaced > 0) subst.rewriteFunction(func);
    this.check('redundant block parameters');

    const dce = eliminateDeadCode(func, cfg);
    s.deadInstsRemoved += dce.instsRemoved;
    s.blockParamsRemoved += dce.paramsRemoved;
    this.check('dead code elimination');
    return replaced > 0 || edgesChanged;
  }

  runOne(pass: PassName, createPreheaders: boolean): void {
    const func = this.func;
    const s = this.stats;
    this.invalidateCfg();
    if (pass === 'unreachable') {
      this.reachableCfg();
      return;
    }
    const cfg = this.reachableCfg();
    const subst = new Substitution(func.dfg);
    switch (pass) {
      case 'simplify':
      case 'gvn':
      case 'forward': {
        const all = pass === 'forward';
        const opts = { simplify: all || pass === 'simplify', gvn: all || pass === 'gvn', facts: all };
        runForwardPass(func, cfg, this.currentDomtree(), subst, opts, s);
        this.invalidateCfg();
        this.reachableCfg(false);
        break;
      }
      case 'block-params':
        if ((s.blockParamsRemoved += removeRedundantBlockParams(func, cfg, subst)) > 0) subst.rewriteFunction(func);
        break;
      case 'dce': {
        const r = eliminateDeadCode(func, cfg);
        s.deadInstsRemoved += r.instsRemoved;
        s.blockParamsRemoved += r.paramsRemoved;
        break;
      }
      case 'licm':
        this.licm(createPreheaders);
        break;
    }
    this.check(pass);
  }

  licm(createPreheaders: boolean): boolean {
    const cfg = this.reachableCfg();
    if (!cfg.hasRetreatingEdge()) return false; // no loops: skip the loop analysis
    const r = hoistLoopInvariants(this.func, { createPreheaders }, { cfg, domtree: this.currentDomtree() });
    if (r.preheadersCreated > 0) this.invalidateCfg();
    this.stats.licmHoisted += r.hoisted;
    this.stats.preheadersCreated += r.preheadersCreated;
    this.check('LICM');
    return r.hoisted > 0;
  }
}

/** The passes `runPasses` can run one at a time (for tests and tools). */
export type PassName = 'simplify' | 'gvn' | 'forward' | 'block-params' | 'dce' | 'unreachable' | 'licm';

/**
 * Run the named passes, in order, each on a freshly computed CFG (and with
 * its substitutions swept before the next one). `simplify` and `gvn` are the
 * forward pass with only rule rewriting, respectively only value numbering;
 * `forward` is the full forward pass (both, plus condition facts). Every pass
 * except `unreachable` expects no unreachable blocks, so those are removed
 * first. Returns the accumulated statistics.
 */
export function runPasses(func: Function, passes: readonly PassName[], opts: { verify?: boolean; createPreheaders?: boolean } = {}): OptStats {
  return scratchScope(() => runPassesInScope(func, passes, opts));
}

function runPassesInScope(func: Function, passes: readonly PassName[], opts: { verify?: boolean; createPreheaders?: boolean }): OptStats {
  const p = new Pipeline(func, opts.verify === true);
  p.checkInput();
  func.dfg.resolveAllAliases();
  for (const pass of passes) p.runOne(pass, opts.createPreheaders ?? true);
  return p.stats;
}

/**
 * Optimize `func` in place. Returns what was done. Throws
 * `OptimizerVerifyError` only when `opts.verify` is set and a pass broke
 * the IR (a bug).
 */
export function optimize(func: Function, opts: OptimizeOptions): OptStats {
  if (opts.optLevel === 'none') return emptyStats();
  // CFGs, dominator trees, DCE marks and substitutions are per-call scratch (ScratchDiesWithScope).
  return scratchScope(() => optimizeInScope(func, opts));
}

function optimizeInScope(func: Function, opts: OptimizeOptions): OptStats {
  const p = new Pipeline(func, opts.verify === true);
  p.checkInput();
  const s = p.stats;
  s.instsBefore = countInsts(func);
  // Aliases left by SSA construction: make every operand name its real value.
  func.dfg.resolveAllAliases();

  for (let r = 0; r < MAX_ROUNDS; r++) if (!p.round()) break;
  // LICM, then one more round to merge what it hoisted with what was already there.
  if (opts.licm !== false && p.licm(opts.optLevel === 'speed')) p.round();

  s.instsAfter = countInsts(func);
  return s;
}
