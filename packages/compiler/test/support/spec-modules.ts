/**
 * The valid modules of the WebAssembly 2.0 spec testsuite, as binaries.
 *
 * Every module a script instantiates — `(module …)` commands and the
 * subjects of `assert_trap`/`assert_unlinkable`/`assert_uninstantiable` —
 * is valid by construction of the suite. Text modules go through wabt
 * (`@derrick/wast`), binary ones are taken as written; both are decoded and
 * validated by `@derrick/environ`. Modules of `assert_invalid` /
 * `assert_malformed` are not valid and are not listed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModuleTranslation, decodeModule } from '@derrick/environ';
import { type Wabt, type WastModule, loadWabt, parseWast, watToBinaryWith } from '@derrick/wast';

/** The repository root (`/work/main`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `core-2.0` of the shared spec testsuite; throws if it is missing (a missing suite must fail, not skip). */
export function specTestsuiteDir(): string {
  const dir = process.env['DERRICK_SPEC_TESTSUITE'] ?? path.resolve(REPO_ROOT, '../shared/testsuite/core-2.0');
  if (!existsSync(dir)) throw new Error(`spec testsuite not found at ${dir}`);
  return dir;
}

export function specWastFiles(): string[] {
  const dir = specTestsuiteDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wast'))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface SpecModule {
  /** `file.wast:line`. */
  readonly where: string;
  readonly bytes: Uint8Array;
  readonly translation: ModuleTranslation;
}

export interface SpecModuleProblem {
  readonly where: string;
  readonly message: string;
}

/** The valid modules of one script, plus the ones that could not be converted or decoded (a problem of the suite's tooling). */
export async function specModules(file: string): Promise<{ modules: SpecModule[]; problems: SpecModuleProblem[] }> {
  const wabt = await loadWabt();
  const script = parseWast(readFileSync(file), path.basename(file));
  const modules: SpecModule[] = [];
  const problems: SpecModuleProblem[] = [];
  for (const cmd of script.commands) {
    let m: WastModule | undefined;
    if (cmd.kind === 'module') m = cmd.module;
    else if (cmd.kind === 'assert_trap' && cmd.subject.kind === 'module') m = cmd.subject;
    else if (cmd.kind === 'assert_unlinkable' || cmd.kind === 'assert_uninstantiable') m = cmd.module;
    if (m === undefined) continue;
    const where = `${path.basename(file)}:${cmd.line}`;
    try {
      const bytes = toBinary(wabt, m, where);
      modules.push({ where, bytes, translation: decodeModule(bytes) });
    } catch (e) {
      problems.push({ where, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { modules, problems };
}

function toBinary(wabt: Wabt, m: WastModule, where: string): Uint8Array {
  const src = m.source;
  switch (src.kind) {
    case 'binary':
      return src.bytes;
    case 'text':
      return watToBinaryWith(wabt, src.text, { filename: where, line: src.line, column: src.column });
    case 'quote':
      return watToBinaryWith(wabt, src.text, { filename: where });
  }
}
