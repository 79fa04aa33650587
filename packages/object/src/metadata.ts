/**
 * What the `.derrick.*` metadata sections have in common: their names, the
 * framing every one of them starts with, and how decoders report positions.
 *
 * Each metadata section is a small binary format of its own (one file each:
 * `func-table.ts`, `trap-table.ts`, `address-map.ts`, `engine-info.ts`), all
 * little-endian with fixed-width integers so a loader can read them without
 * a varint pass, and all starting with a `u32` format version:
 *
 * ```text
 *   u32 version          -- per format; bumped on any layout change
 *   ...                  -- format-specific, fully determined by its fields
 * ```
 *
 * Invariant (canonical-metadata): every format has exactly one encoding per
 * value — tables are sorted, maps are sorted by name, nothing trails the last
 * field — and the decoders reject anything else. Two engines that agree
 * produce identical bytes, which the incremental cache and the `.cwasm`
 * checksum both rely on.
 */
import { ByteReader } from './bytes.js';
import { ObjectError } from './error.js';

/** Section names of the Derrick image format. */
export const DerrickSection = {
  /** Function table: wasm function index → text range (`FunctionTable`). */
  funcs: '.derrick.funcs',
  /** Trap table: code offset → trap code (`TrapTable`). */
  traps: '.derrick.traps',
  /** Address map: code offset → wasm bytecode offset (`AddressMap`). */
  addrmap: '.derrick.addrmap',
  /** Engine compatibility info (`EngineInfo`). */
  engine: '.derrick.engine',
  /** Module info (the runtime's serialized module description; opaque to this package). */
  info: '.derrick.info',
} as const;

/** Where the bytes being decoded came from, so errors can report file offsets and check ranges. */
export interface DecodeContext {
  /** File offset of the section's first byte; offsets in errors are relative to the file when given. */
  readonly fileOffset?: number;
  /** Size of `.text`; when given, code offsets are checked against it. */
  readonly textSize?: number;
}

/** Opens a metadata section: checks its version field and returns a reader positioned after it. */
export function openMetadata(bytes: Uint8Array, section: string, version: number, ctx: DecodeContext = {}): ByteReader {
  const r = new ByteReader(bytes, `${section} section`, ctx.fileOffset ?? 0);
  const at = r.fileOffset;
  const found = r.u32('the format version');
  if (found !== version) {
    throw new ObjectError(
      'version-mismatch',
      `${section} section has format version ${found}, but this build of Derrick reads version ${version}; recompile the module`,
      at,
    );
  }
  return r;
}

/**
 * Reads a `u32` element count and checks that `count × bytesPerEntry` bytes
 * remain, so a corrupt count fails before anything is allocated for it.
 */
export function readCount(r: ByteReader, bytesPerEntry: number, field: string): number {
  const at = r.fileOffset;
  const count = r.u32(`the ${field} count`);
  if (count * bytesPerEntry > r.remaining) {
    throw new ObjectError(
      'truncated',
      `${r.what} declares ${count} ${field}(s) (${count * bytesPerEntry} bytes) but only ${r.remaining} bytes follow`,
      at,
    );
  }
  return count;
}
