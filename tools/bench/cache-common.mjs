// What the cache benchmarks (cache.mjs, related.mjs) share, over the built dist.
import { DerrickCompilerBuilder } from '../../packages/compiler/dist/index.js';

/** A cache-store logger that stays silent. */
export const quiet = { warn: () => {} };
export const min = (xs) => Math.min(...xs);
export const r1 = (x) => +x.toFixed(1);

/** A compiler at opt_level=speed, with incremental compilation through `store` when given. */
export function compiler(store) {
  const b = new DerrickCompilerBuilder();
  b.set('opt_level', 'speed');
  if (store !== undefined) b.enableIncrementalCompilation(store);
  return b.build();
}
