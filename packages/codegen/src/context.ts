/**
 * `Context.compile`: the whole backend pipeline for one function.
 *
 *   verify (if `enable_verifier`) → canonicalize NaNs (if
 *   `enable_nan_canonicalization`) → optimize (hook, if `opt_level` ≠ none)
 *   → `isa.compileFunction` (lower → register allocation → emit) → stencil
 *   → `stencil.apply(func.params)` → final code.
 *
 * Only the stencil is read by the code generator, so the stencil result is
 * what an incremental cache may store; `apply` is cheap and deterministic.
 */
import { canonicalizeNans } from './nan-canonicalization.js';
import { type Function, verifyFunction } from '@derrick/codegen-ir';
import { CodegenError } from './codegen-error.js';
import type { CompiledCode, CompiledCodeStencil } from './compiled-code.js';
import type { CompileOptions, TargetIsa } from './isa.js';

export interface ContextOptions {
  /**
   * The mid-end: called with the function (which it may rewrite in place)
   * when the ISA's `opt_level` is not `none`.
   */
  readonly optimize?: (func: Function, isa: TargetIsa) => void;
}

export class Context {
  constructor(readonly options: ContextOptions = {}) {}

  /** Verify, optimize and compile `func`'s stencil for `isa`. */
  compileStencil(func: Function, isa: TargetIsa, options: CompileOptions = {}): CompiledCodeStencil {
    if (isa.flags.get('enable_verifier')) {
      const errors = verifyFunction(func);
      if (errors.length > 0) {
        throw new CodegenError('verifier', `the IR does not verify:\n${errors.map((e) => '  ' + e.text).join('\n')}`);
      }
    }
    if (isa.flags.get('enable_nan_canonicalization')) canonicalizeNans(func);
    if (isa.flags.get('opt_level') !== 'none' && this.options.optimize !== undefined) {
      this.options.optimize(func, isa);
    }
    return isa.compileFunction(func.stencil, options);
  }

  /** `compileStencil` + `apply(func.params)`. */
  compile(func: Function, isa: TargetIsa, options: CompileOptions = {}): CompiledCode {
    return this.compileStencil(func, isa, options).apply(func.params);
  }

  /** One-shot: `new Context().compile(func, isa, options)`. */
  static compile(func: Function, isa: TargetIsa, options: CompileOptions = {}): CompiledCode {
    return new Context().compile(func, isa, options);
  }
}
