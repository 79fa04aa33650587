/**
 * A fingerprint of the code generator build, for `CacheKeyIsa.compilerVersion`.
 *
 * Problem. The key covers the function and the target, but the code also
 * depends on the code generator itself. Cranelift puts its crate version
 * in the key; a monorepo under development never bumps its version, so a
 * persistent cache would keep serving code from before a backend change.
 *
 * Approach. Hash the code generator's files: sha256 over the sorted relative
 * paths and contents of every file under the given directories (skipping
 * `node_modules`, dot-entries, tests, source maps and build info). The
 * compiler calls this once per process with its backend packages' directories
 * (`dist` for a published build, `src` in development) and passes the result
 * as `compilerVersion`. A published build may pass its package versions
 * instead; the key only needs the string to change whenever the generated
 * code may.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { cacheKeyToHex as keyToHex } from './key.js';

const SKIP_FILE = /(\.test\.[cm]?[jt]s|\.map|\.tsbuildinfo)$/;

function collect(dir: string, root: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) collect(p, root, out);
    else if (st.isFile() && !SKIP_FILE.test(name)) out.push(relative(root, p).split(sep).join('/'));
  }
}

/**
 * Hex sha256 fingerprint of the files under `dirs` (each listed relative to
 * its own directory, prefixed by its position in `dirs`). Throws if a
 * directory cannot be read: a missing fingerprint must not look like a
 * stable one.
 */
export function fingerprintSources(dirs: readonly string[]): string {
  // Node's native sha256 (the same digest as @noble/hashes'): the sources are
  // megabytes, hashed on the first cached compile of every process.
  const h = createHash('sha256');
  const enc = new TextEncoder();
  const len = new Uint8Array(4);
  const field = (b: Uint8Array): void => {
    new DataView(len.buffer).setUint32(0, b.length, true);
    h.update(len);
    h.update(b);
  };
  dirs.forEach((dir, i) => {
    const files: string[] = [];
    collect(dir, dir, files);
    files.sort();
    field(enc.encode(`${i}:${files.length}`));
    for (const f of files) {
      field(enc.encode(f));
      field(readFileSync(join(dir, f)));
    }
  });
  return keyToHex(new Uint8Array(h.digest()));
}
