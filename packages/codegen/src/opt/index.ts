/**
 * The mid-end optimizer's public surface, for the package index to
 * re-export. `optimize` is the entry point; `runPasses` runs single passes
 * (tools, tests). See README.md in this directory.
 */
export {
  optimize,
  runPasses,
  countInsts,
  emptyStats,
  OptimizerVerifyError,
  type OptLevel,
  type OptimizeOptions,
  type OptStats,
  type PassName,
} from './optimize.js';
