/**
 * The decoder the runner checks modules with.
 *
 * The runner needs one operation: "decode and validate these bytes, or tell me
 * why not". `@derrick/environ`'s `decodeModule` is that operation; it throws a
 * `WasmError` whose `kind` is `'decode'` (malformed) or `'validate'`
 * (invalid), with the input `offset` and a message containing the reference
 * interpreter's text. The runner takes the operation as a `WasmDecoder` value
 * so tests can substitute a fake and so a runtime can pass its own
 * (e.g. one that keeps the `ModuleTranslation` for instantiation).
 *
 * Errors are recognised structurally (`isWasmError`), not with `instanceof`:
 * the same class can be loaded twice (from `src/` under vitest, from `dist/`
 * in the CLI), and a structural check keeps working across both.
 */

import { decodeModule } from '@derrick/environ';

/** Decodes and validates a module binary; throws a `WasmErrorLike` if it cannot. */
export interface WasmDecoder {
  decode(bytes: Uint8Array): unknown;
}

/** The shape of environ's `DecodeError` / `ValidationError`. */
export interface WasmErrorLike {
  readonly kind: 'decode' | 'validate';
  readonly message: string;
  readonly offset: number;
}

export function isWasmError(e: unknown): e is WasmErrorLike {
  if (typeof e !== 'object' || e === null) return false;
  const { kind, message, offset } = e as Record<string, unknown>;
  return (kind === 'decode' || kind === 'validate') && typeof message === 'string' && typeof offset === 'number';
}

/**
 * Formats a decoder error the way the CLI prints it: `msg (at offset 0x2a)`.
 * environ's messages already end with the offset; others get it appended.
 */
export function formatWasmError(e: WasmErrorLike): string {
  return /\(at offset 0x[0-9a-f]+\)$/i.test(e.message) ? e.message : `${e.message} (at offset 0x${e.offset.toString(16)})`;
}

/** `@derrick/environ`'s `decodeModule`, as a `WasmDecoder`. */
export const environDecoder: WasmDecoder = {
  decode(bytes: Uint8Array): unknown {
    return decodeModule(bytes);
  },
};
