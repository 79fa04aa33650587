/**
 * The precompiled-module format: a Derrick image (an ELF object from
 * `ElfWriter` with the `.derrick.*` sections) followed by a 24-byte trailer
 * whose checksum covers every byte of the file.
 *
 * ```text
 *   0          ELF image (imageSize bytes)
 *   n - 24     magic      "DRKCWASM"   (8 bytes)
 *   n - 16     u32 version = 1          -- of the trailer and checksum algorithm
 *   n - 12     u32 imageSize = n - 24
 *   n - 8      u64 checksum = FNV-1a 64 of bytes [0, n - 8)
 * ```
 *
 * Why a trailer and not a section: the checksum can be verified before a
 * single ELF structure is parsed (the loader reads the last 24 bytes, hashes,
 * compares), the ELF image inside stays exactly what the writer produced (so
 * `jit` maps the same bytes whether the module was compiled in-process or
 * loaded from disk), and binutils still read a `.cwasm` because they ignore
 * bytes past the section header table. The trailer version names the checksum
 * algorithm too: swapping FNV-1a for SHA-256 is a trailer version bump.
 *
 * `readCwasm` checks, in order, and fails at the first problem:
 *
 * 1. magic: a WebAssembly binary (`\0asm`) is told to compile instead
 *    (`not-precompiled`); anything else without `\x7fELF` is `bad-magic`;
 * 2. trailer: magic, version, and `imageSize + 24 === n`;
 * 3. checksum;
 * 4. structure (`readDerrickImage`): the ELF parses strictly, is `ET_REL` for
 *    x86-64 or AArch64, `.text` is executable, `.derrick.engine` is present,
 *    every `.derrick.*` section decodes and agrees with `.text`, symbols and
 *    relocations parse, and the engine's target triple names the ELF machine.
 *
 * Invariant (verified-before-use): nothing in a `DerrickImage` is handed out
 * before all four steps pass, so a caller holding one can read any part of it
 * without further checks. Flipping any single byte or truncating at any length
 * fails one of the steps (`test/cwasm.test.ts` proves it exhaustively for a
 * small image; the single-byte-detection invariant of `checksum.ts` is why).
 */
import { AddressMap } from './address-map.js';
import { viewOf } from './bytes.js';
import { fnv1a64 } from './checksum.js';
import { ET_REL, SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS, type ElfMachine } from './elf.js';
import { readElf, type ElfFile, type ElfSection } from './elf-reader.js';
import { decodeEngineInfo, type EngineInfo } from './engine-info.js';
import { ObjectError, hex, quote } from './error.js';
import { FunctionTable } from './func-table.js';
import { DerrickSection } from './metadata.js';
import { TrapTable } from './trap-table.js';

export const CWASM_MAGIC = Uint8Array.from('DRKCWASM', (c) => c.charCodeAt(0));
export const CWASM_VERSION = 1;
export const CWASM_TRAILER_SIZE = 24;

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** The target-triple architecture component each ELF machine must carry. */
const TRIPLE_ARCH: Readonly<Record<ElfMachine, string>> = { x86_64: 'x86_64', aarch64: 'aarch64' };

/** A verified Derrick image, with its metadata decoded. */
export interface DerrickImage {
  /** The ELF image (for a `.cwasm`, the file without its trailer). */
  readonly image: Uint8Array;
  readonly elf: ElfFile;
  readonly machine: ElfMachine;
  /** The `.text` section's bytes (a view into `image`). */
  readonly text: Uint8Array;
  readonly engine: EngineInfo;
  /** `.derrick.funcs`, if present. */
  readonly functions: FunctionTable | undefined;
  /** `.derrick.traps`, if present. */
  readonly traps: TrapTable | undefined;
  /** `.derrick.addrmap`, if present. */
  readonly addressMap: AddressMap | undefined;
  /** `.derrick.info` (opaque to this package), if present. */
  readonly info: Uint8Array | undefined;
}

function startsWith(bytes: Uint8Array, magic: readonly number[] | Uint8Array, at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

/** Cheap detection (no checksum, no parsing): does `bytes` look like a `.cwasm`? */
export function isCwasm(bytes: Uint8Array): boolean {
  return bytes.length >= CWASM_TRAILER_SIZE + 64 && startsWith(bytes, ELF_MAGIC) && startsWith(bytes, CWASM_MAGIC, bytes.length - CWASM_TRAILER_SIZE);
}

/**
 * Appends the trailer to a finished image, after checking that the image is
 * a valid Derrick image (so a `.cwasm` that `writeCwasm` produced always loads).
 */
export function writeCwasm(image: Uint8Array): Uint8Array {
  try {
    readDerrickImage(image);
  } catch (e) {
    if (e instanceof ObjectError) throw new ObjectError('invalid-input', `writeCwasm: not a valid Derrick image: ${e.message}`);
    throw e;
  }
  if (image.length > 0xffff_ffff) throw new ObjectError('invalid-input', `writeCwasm: image of ${image.length} bytes exceeds 4 GiB`);
  const n = image.length + CWASM_TRAILER_SIZE;
  const out = new Uint8Array(n);
  out.set(image, 0);
  out.set(CWASM_MAGIC, image.length);
  const view = viewOf(out);
  view.setUint32(image.length + 8, CWASM_VERSION, true);
  view.setUint32(image.length + 12, image.length, true);
  view.setBigUint64(n - 8, fnv1a64(out.subarray(0, n - 8)), true);
  return out;
}

/** Verifies and opens a `.cwasm` file; see the module comment for the order of checks. */
export function readCwasm(bytes: Uint8Array): DerrickImage {
  const n = bytes.length;
  // 1. Magic.
  if (startsWith(bytes, WASM_MAGIC)) {
    throw new ObjectError(
      'not-precompiled',
      'this is a WebAssembly binary (magic \\0asm), not a precompiled Derrick module; compile it with Module.new (or `derrick compile`) instead of deserializing it',
      0,
    );
  }
  if (!startsWith(bytes, ELF_MAGIC)) {
    if (n < 4 && ELF_MAGIC.slice(0, n).every((m, i) => bytes[i] === m)) {
      throw new ObjectError('truncated', `file is ${n} bytes, too short for a precompiled module`, n);
    }
    throw new ObjectError('bad-magic', 'not a precompiled Derrick module: the file does not start with the ELF magic 7f 45 4c 46', 0);
  }
  // 2. Trailer.
  if (n < 64 + CWASM_TRAILER_SIZE) {
    throw new ObjectError('truncated', `file is ${n} bytes, too short for an ELF header and a ${CWASM_TRAILER_SIZE}-byte .cwasm trailer`, n);
  }
  const t = n - CWASM_TRAILER_SIZE;
  if (!startsWith(bytes, CWASM_MAGIC, t)) {
    throw new ObjectError(
      'malformed',
      'no .cwasm trailer (magic "DRKCWASM") at the end of the file: it is truncated, or it is a plain ELF object rather than a precompiled Derrick module',
      t,
    );
  }
  const view = viewOf(bytes);
  const version = view.getUint32(t + 8, true);
  if (version !== CWASM_VERSION) {
    throw new ObjectError('version-mismatch', `.cwasm trailer version is ${version}, but this build of Derrick reads version ${CWASM_VERSION}; recompile the module`, t + 8);
  }
  const imageSize = view.getUint32(t + 12, true);
  if (imageSize !== t) {
    throw new ObjectError(
      imageSize > t ? 'truncated' : 'malformed',
      `.cwasm trailer records an image of ${imageSize} bytes, but ${t} bytes precede the trailer`,
      t + 12,
    );
  }
  // 3. Checksum.
  const stored = view.getBigUint64(n - 8, true);
  const actual = fnv1a64(bytes.subarray(0, n - 8));
  if (stored !== actual) {
    throw new ObjectError(
      'checksum-mismatch',
      `.cwasm checksum mismatch: stored ${stored.toString(16).padStart(16, '0')}, computed ${actual.toString(16).padStart(16, '0')}; the file is corrupted`,
      n - 8,
    );
  }
  // 4. Structure.
  return readDerrickImage(bytes.subarray(0, t));
}

/**
 * Parses and fully validates a Derrick image (no trailer): the structural
 * step of `readCwasm`, also used for images compiled in-process.
 */
export function readDerrickImage(image: Uint8Array): DerrickImage {
  const elf = readElf(image);
  const { header } = elf;
  if (header.type !== ET_REL) throw new ObjectError('unsupported', `ELF type is ${header.type}; a Derrick image is ET_REL (1)`, 16);
  const machine = elf.machine;
  if (machine === undefined) {
    throw new ObjectError('unsupported', `ELF machine is ${header.machine}; Derrick images are for x86-64 (62) or AArch64 (183)`, 18);
  }

  const unique = (name: string): ElfSection | undefined => {
    const found = elf.sections.filter((s) => s.name === name);
    if (found.length > 1) throw new ObjectError('malformed', `the image has ${found.length} sections named ${name}`, found[1]!.headerOffset);
    const s = found[0];
    if (s !== undefined && s.type !== SHT_PROGBITS) {
      throw new ObjectError('malformed', `section ${name} has type ${s.type}, expected SHT_PROGBITS (1)`, s.headerOffset + 4);
    }
    return s;
  };

  const textSection = unique('.text');
  if (textSection === undefined) throw new ObjectError('missing-section', 'the image has no .text section');
  if ((textSection.flags & (SHF_ALLOC | SHF_EXECINSTR)) !== (SHF_ALLOC | SHF_EXECINSTR)) {
    throw new ObjectError('malformed', `.text flags are ${hex(textSection.flags)}; expected SHF_ALLOC | SHF_EXECINSTR`, textSection.headerOffset + 8);
  }
  const text = elf.sectionData(textSection);
  const ctxOf = (s: ElfSection) => ({ fileOffset: s.offset, textSize: text.length });

  const engineSection = unique(DerrickSection.engine);
  if (engineSection === undefined) {
    throw new ObjectError('missing-section', `the image has no ${DerrickSection.engine} section; it was not produced by Derrick`);
  }
  const engine = decodeEngineInfo(elf.sectionData(engineSection), ctxOf(engineSection));
  const arch = engine.target.split('-')[0];
  if (arch !== TRIPLE_ARCH[machine]) {
    throw new ObjectError(
      'malformed',
      `${DerrickSection.engine} says target ${quote(engine.target)}, but the ELF machine is ${machine}`,
      engineSection.offset,
    );
  }

  const decode = <T>(name: string, f: (bytes: Uint8Array, ctx: ReturnType<typeof ctxOf>) => T): T | undefined => {
    const s = unique(name);
    return s === undefined ? undefined : f(elf.sectionData(s), ctxOf(s));
  };
  const functions = decode(DerrickSection.funcs, (b, c) => FunctionTable.decode(b, c));
  const traps = decode(DerrickSection.traps, (b, c) => TrapTable.decode(b, c));
  const addressMap = decode(DerrickSection.addrmap, (b, c) => AddressMap.decode(b, c));
  const info = decode(DerrickSection.info, (b) => b);

  // Parse (and so validate) the symbol table and every relocation section now,
  // so later accessors cannot fail: (verified-before-use).
  elf.symbols();
  elf.relocationSections();

  return { image, elf, machine, text, engine, functions, traps, addressMap, info };
}
