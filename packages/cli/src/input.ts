/**
 * Reading the files named on the command line, with clear errors instead of
 * Node's exceptions.
 */

import { readFile, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { CliError, describeFsError } from './errors.js';

/** Resolves `path` against the CLI's working directory. */
export function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** Reads a file named on the command line; throws `CliError` ("FILE: no such file or directory"). */
export async function readInputFile(cwd: string, path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(resolvePath(cwd, path));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new CliError(`${path}: ${describeFsError(e)}`);
  }
}

/**
 * Expands the operands of a command that takes scripts: files are kept as
 * given, a directory stands for the files directly inside it whose names end
 * in `extension`, sorted. Every operand must exist.
 */
export async function expandInputs(cwd: string, paths: readonly string[], extension: string): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(resolvePath(cwd, path));
    } catch (e) {
      throw new CliError(`${path}: ${describeFsError(e)}`);
    }
    if (info.isDirectory()) {
      const names = (await readdir(resolvePath(cwd, path))).filter((n) => n.endsWith(extension)).sort();
      if (names.length === 0) throw new CliError(`${path}: directory contains no ${extension} files`);
      out.push(...names.map((n) => join(path, n)));
    } else {
      out.push(path);
    }
  }
  return out;
}
