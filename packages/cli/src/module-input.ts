/**
 * What kind of module file the user handed us: a WebAssembly binary, a
 * precompiled `.cwasm`, or WebAssembly text.
 *
 * The decision must survive damaged files: a `.cwasm` with a flipped byte in
 * its ELF magic or its trailer, or cut short, is still a (broken) precompiled
 * module and must reach `Module.deserialize`, whose checks say what is wrong —
 * not the text parser, which would complain about "unexpected characters".
 * So: `\0asm` → binary; a `.cwasm` name, the ELF magic's first byte, a
 * `.cwasm` trailer, or any bytes that cannot be text (a NUL, invalid UTF-8)
 * → precompiled; everything else → text.
 */
import { isCwasm } from '@derrick/object';
import { WatError, watToBinary } from '@derrick/wast';
import { CliError } from './errors.js';

export type ModuleFileKind = 'wasm' | 'cwasm' | 'wat';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function moduleFileKind(file: string, bytes: Uint8Array): ModuleFileKind {
  if (WASM_MAGIC.every((b, i) => bytes[i] === b)) return 'wasm';
  if (file.endsWith('.cwasm') || bytes[0] === 0x7f || isCwasm(bytes)) return 'cwasm';
  if (bytes.includes(0)) return 'cwasm';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'cwasm';
  }
  return 'wat';
}

/** The WebAssembly binary of a `.wasm` or `.wat` file (text errors are `CliError`s with the position). */
export async function wasmBinary(file: string, bytes: Uint8Array): Promise<Uint8Array> {
  if (WASM_MAGIC.every((b, i) => bytes[i] === b)) return bytes;
  try {
    return await watToBinary(bytes, { filename: file });
  } catch (e) {
    if (e instanceof WatError) throw new CliError(e.message.replace(/^(.*?): error: /gm, '$1: '));
    throw e;
  }
}
