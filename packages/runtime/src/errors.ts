/**
 * The runtime's errors: values with a kind and a message that says what and
 * where (style.md).
 *
 * Three families, because callers react to them differently:
 *
 * * `Trap` — WebAssembly stopped abnormally (`unreachable`, an out-of-bounds
 *   access, stack exhaustion, a trapping segment initializer…). It carries the
 *   `TrapCode` and, when the trap happened in compiled code, the wasm function
 *   index and module byte offset (from the module's trap table and address
 *   map). Its `message` starts with the reference interpreter's wording
 *   (`trapMessage`), which is what the spec testsuite's `assert_trap` matches.
 * * `LinkError` — instantiation could not resolve or type-check an import
 *   (`assert_unlinkable`: "unknown import", "incompatible import type").
 * * `RuntimeError` — everything else the embedder did wrong or the host
 *   refused: an invalid `Config` value, an incompatible precompiled module,
 *   an object used after its store was disposed, a value of the wrong type.
 *
 * A JS exception thrown by a host function is none of these: it is re-thrown
 * to the caller of the wasm function unchanged (HostException, see `store.ts`).
 */
import { TrapCode, trapMessage } from '@derrick/environ';

export type RuntimeErrorKind =
  /** A `Config` value the engine cannot honour (reported by `new Engine`). */
  | 'config'
  /** A precompiled module that this engine cannot load (names the differing setting). */
  | 'incompatible-module'
  /** Code for another architecture, which this host cannot execute. */
  | 'not-executable'
  /** An object used after `Store.dispose()`. */
  | 'disposed'
  /** Objects from two different stores (or engines) mixed. */
  | 'store-mismatch'
  /** A value of the wrong type or arity (function arguments and results, globals, tables). */
  | 'type-mismatch'
  /** A grow or allocation the limits (or the host) refuse. */
  | 'resource-limit'
  /** A bug in Derrick (an internal invariant failed). */
  | 'internal';

export class RuntimeError extends Error {
  override readonly name: string = 'RuntimeError';
  constructor(
    readonly kind: RuntimeErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type LinkErrorReason = 'unknown-import' | 'incompatible-import-type';

/** An import that cannot be satisfied. The message starts with the spec's wording. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly reason: LinkErrorReason,
    /** The import's module and field names. */
    readonly module: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${reason === 'unknown-import' ? 'unknown import' : 'incompatible import type'}: ${detail}`);
  }
}

/** Where in the wasm module a trap happened, when it is known. */
export interface TrapSite {
  /** Function index in the module's function index space. */
  readonly funcIndex?: number;
  /** The function's name from the name section, if any. */
  readonly funcName?: string;
  /** Byte offset of the trapping instruction in the module binary. */
  readonly wasmOffset?: number;
}

export class Trap extends Error {
  override readonly name = 'Trap';
  readonly funcIndex: number | undefined;
  readonly funcName: string | undefined;
  readonly wasmOffset: number | undefined;

  constructor(
    readonly code: TrapCode,
    site: TrapSite = {},
  ) {
    super(`${trapMessage(code)}${describeSite(site)}`);
    this.funcIndex = site.funcIndex;
    this.funcName = site.funcName;
    this.wasmOffset = site.wasmOffset;
  }

  /** Whether this trap is stack exhaustion (`assert_exhaustion`). */
  get isStackOverflow(): boolean {
    return this.code === TrapCode.StackOverflow;
  }
}

function describeSite(site: TrapSite): string {
  if (site.funcIndex === undefined && site.wasmOffset === undefined) return '';
  const parts: string[] = [];
  if (site.funcIndex !== undefined) {
    parts.push(`wasm function ${site.funcIndex}${site.funcName !== undefined ? ` (${JSON.stringify(site.funcName)})` : ''}`);
  }
  if (site.wasmOffset !== undefined) parts.push(`module offset 0x${site.wasmOffset.toString(16)}`);
  return ` (in ${parts.join(', at ')})`;
}
