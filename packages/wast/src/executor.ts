/**
 * The seam between the script runner and an engine that can run wasm.
 *
 * The runner parses scripts, converts text modules and checks decoding and
 * validation itself; everything that needs *execution* (instantiation,
 * invocation, globals, linking) goes through a `WastExecutor`.
 * `executor-runtime.ts` provides one over `@derrick/runtime` (given a
 * compiler by its caller); without an executor the runner counts every
 * command that needs execution as **skipped** — never passed.
 *
 * ## Contract
 *
 * - `instantiate(bytes, …)` compiles and instantiates a module that has
 *   already been decoded and validated by the runner, linking its imports
 *   against the modules registered so far and the `spectest` host module
 *   (`print*`, `global_i32`/`i64`/`f32`/`f64`, `table`, `memory` — provided by
 *   the executor). It returns an executor-defined instance handle.
 * - `invoke` / `get` return results as `WastValue`s (bit patterns for floats,
 *   see `values.ts`).
 * - An *expected* failure is reported by throwing `WastExecutionError` with
 *   its kind: `'trap'` (message: the spec's trap text, e.g. "integer divide
 *   by zero"), `'exhaustion'` (call stack exhausted), `'unlinkable'` (import
 *   resolution failed: "unknown import", "incompatible import type").
 *   Anything else thrown is a bug in the executor and fails the command.
 */

import type { WastValue } from './values.js';

export type WastExecutionErrorKind = 'trap' | 'exhaustion' | 'unlinkable';

/** A failure the script can assert on (a trap, stack exhaustion, a link error). */
export class WastExecutionError extends Error {
  constructor(
    readonly kind: WastExecutionErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'WastExecutionError';
  }
}

export function isWastExecutionError(e: unknown): e is WastExecutionError {
  if (e instanceof WastExecutionError) return true;
  if (typeof e !== 'object' || e === null) return false;
  const { kind, message } = e as Record<string, unknown>;
  return (kind === 'trap' || kind === 'exhaustion' || kind === 'unlinkable') && typeof message === 'string';
}

export interface WastInstantiateRequest {
  /** The module binary (already decoded and validated by the runner). */
  readonly bytes: Uint8Array;
  /** What the runner's decoder returned for it (e.g. environ's `ModuleTranslation`). */
  readonly decoded: unknown;
  /** `$name` of the module in the script, if any. */
  readonly name: string | undefined;
}

/** Runs wasm for the script runner. `Instance` is the executor's handle type. */
export interface WastExecutor<Instance = unknown> {
  instantiate(request: WastInstantiateRequest): Promise<Instance>;
  /** Makes `instance`'s exports importable under the module name `as`. */
  register(as: string, instance: Instance): Promise<void> | void;
  invoke(instance: Instance, field: string, args: readonly WastValue[]): Promise<readonly WastValue[]>;
  get(instance: Instance, field: string): Promise<WastValue>;
  /** Called once when the script ends (free memories, code, …). */
  dispose?(): Promise<void> | void;
}

/** Creates a fresh executor (fresh store, fresh registry) for one script. */
export type WastExecutorFactory = (script: { readonly filename: string }) => WastExecutor | Promise<WastExecutor>;
