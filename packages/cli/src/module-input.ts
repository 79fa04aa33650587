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
import { isCwasm, readCwasm } from '@derrick/object';
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

/**
 * The target a precompiled module was compiled for, when it is another
 * architecture than the host's (an AArch64 `.cwasm` on an x86-64 host, which
 * runs emulated): the engine that loads it must target it too. `undefined`
 * for an image of the host's architecture, or one too damaged to read (loading
 * it reports why).
 */
export function foreignCwasmTarget(bytes: Uint8Array): string | undefined {
  let target: string;
  try {
    target = readCwasm(bytes).engine.target;
  } catch {
    return undefined;
  }
  const arch = target.split('-')[0];
  const host = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  return arch === host ? undefined : target;
}
