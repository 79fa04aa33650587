/**
 * Which loaded module a code address belongs to — how a trap's program
 * counter becomes a function index and a module offset.
 *
 * Generated code stores the address of the trapping instruction
 * (`VMStoreContext.trap_pc`); the runtime finds the module whose text holds
 * it, and looks the text offset up in that module's function table, trap
 * table and address map. Code addresses are process-wide (one address space),
 * so the registry is too.
 *
 * Invariant (registry-weak): the registry never keeps a module alive; an
 * entry whose module was collected is skipped and pruned. A trapping pc
 * always belongs to a live module — the code was running, and its store's
 * instance holds its module.
 */
import type { CompiledModule } from './compiled-module.js';

interface CodeRange {
  readonly start: bigint;
  readonly end: bigint;
  readonly module: WeakRef<CompiledModule>;
}

let ranges: CodeRange[] = [];

/** Record that `[start, end)` is `module`'s text. */
export function registerCode(start: bigint, end: bigint, module: CompiledModule): void {
  ranges = ranges.filter((r) => r.module.deref() !== undefined);
  ranges.push({ start, end, module: new WeakRef(module) });
}

/** The live module whose text holds `pc`, and the offset of `pc` in that text. */
export function lookupCode(pc: bigint): { module: CompiledModule; offset: number } | undefined {
  for (let i = ranges.length - 1; i >= 0; i--) {
    const r = ranges[i]!;
    if (pc < r.start || pc >= r.end) continue;
    const module = r.module.deref();
    if (module !== undefined) return { module, offset: Number(pc - r.start) };
  }
  return undefined;
}
