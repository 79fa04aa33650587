/**
 * The package layering of Derrick, as data, and the checker that enforces it.
 *
 * `architecture.md` draws the layering as a graph; this file states it as an
 * allow-list: for each package, the workspace packages it may depend on. A
 * dependency is anything a package declares in `dependencies` or
 * `peerDependencies` of its package.json, and any `@derrick/*` module that a
 * non-test source file imports (static `import`/`export ... from`, dynamic
 * `import()`, or `require`). Test files may reach further through
 * devDependencies (the spec-suite integration tests need a compiler), but
 * shipped code may not.
 *
 * Invariant (layering): every edge is in ALLOWED, and ALLOWED is acyclic. The
 * explicit prohibitions of architecture.md (FORBIDDEN) are checked on top of
 * the allow-list so the most important rule — `runtime` never reaches a
 * code generator or `compiler` — keeps its own, named error message even if
 * someone widens the allow-list.
 */
import fs from 'node:fs';
import path from 'node:path';

export const CODEGEN = ['codegen-ir', 'codegen', 'codegen-x64', 'codegen-aarch64'] as const;

/** Which workspace packages each package may depend on. */
export const ALLOWED: Record<string, readonly string[]> = {
  environ: [],
  'codegen-ir': [],
  codegen: ['codegen-ir'],
  'codegen-x64': ['codegen', 'codegen-ir'],
  'codegen-aarch64': ['codegen', 'codegen-ir'],
  cache: ['codegen', 'codegen-ir'],
  object: ['environ'],
  jit: ['environ', 'object'],
  compiler: ['environ', 'codegen-ir', 'codegen', 'codegen-x64', 'codegen-aarch64', 'cache', 'object'],
  runtime: ['environ', 'object', 'jit'],
  wast: ['environ', 'runtime'],
  cli: ['environ', 'codegen-ir', 'codegen', 'codegen-x64', 'codegen-aarch64', 'cache', 'object', 'jit', 'compiler', 'runtime', 'wast'],
};

/** The "must not depend on" column of architecture.md, verbatim. */
export const FORBIDDEN: Record<string, readonly string[]> = {
  environ: [...CODEGEN],
  'codegen-ir': ['codegen', 'codegen-x64', 'codegen-aarch64', 'cache', 'compiler', 'object', 'jit', 'runtime', 'wast', 'cli', 'environ'],
  codegen: ['codegen-x64', 'codegen-aarch64', 'environ'],
  'codegen-x64': ['codegen-aarch64', 'environ'],
  'codegen-aarch64': ['codegen-x64', 'environ'],
  cache: ['environ', 'runtime'],
  compiler: ['runtime', 'jit'],
  object: [...CODEGEN],
  jit: [...CODEGEN],
  runtime: [...CODEGEN, 'compiler'],
  wast: [...CODEGEN],
};

export interface PackageFacts {
  name: string; // short name, without the @derrick/ scope
  declared: string[]; // workspace deps from package.json dependencies/peerDependencies
  imports: { file: string; dep: string }[]; // @derrick/* imports in shipped source files
}

export interface Violation {
  pkg: string;
  dep: string;
  where: string;
  rule: 'forbidden' | 'not-allowed' | 'unknown-package';
}

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]@derrick\/([a-z0-9-]+)|import\s*\(\s*['"]@derrick\/([a-z0-9-]+)|require\s*\(\s*['"]@derrick\/([a-z0-9-]+)|import\s+['"]@derrick\/([a-z0-9-]+)/g;

export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return out;
}

function walk(dir: string, acc: string[] = []): string[] {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, acc);
    else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !/\.test\.[a-z]+$/.test(e.name) && !e.name.endsWith('.d.ts')) acc.push(p);
  }
  return acc;
}

export function readPackageFacts(packagesDir: string): PackageFacts[] {
  const facts: PackageFacts[] = [];
  for (const name of fs.readdirSync(packagesDir).sort()) {
    const pj = path.join(packagesDir, name, 'package.json');
    if (!fs.existsSync(pj)) continue;
    const json = JSON.parse(fs.readFileSync(pj, 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const declared = Object.keys({ ...json.dependencies, ...json.peerDependencies })
      .filter((d) => d.startsWith('@derrick/'))
      .map((d) => d.slice('@derrick/'.length));
    const imports: PackageFacts['imports'] = [];
    for (const file of walk(path.join(packagesDir, name, 'src'))) {
      for (const dep of importsOf(fs.readFileSync(file, 'utf8'))) {
        imports.push({ file: path.relative(packagesDir, file), dep });
      }
    }
    facts.push({ name, declared, imports });
  }
  return facts;
}

export function checkLayering(facts: PackageFacts[]): Violation[] {
  const out: Violation[] = [];
  for (const f of facts) {
    const allowed = ALLOWED[f.name];
    const edges = [
      ...f.declared.map((dep) => ({ dep, where: `packages/${f.name}/package.json` })),
      ...f.imports.map((i) => ({ dep: i.dep, where: `packages/${i.file}` })),
    ];
    for (const { dep, where } of edges) {
      if (dep === f.name) continue;
      if (allowed === undefined) {
        out.push({ pkg: f.name, dep, where, rule: 'unknown-package' });
      } else if (FORBIDDEN[f.name]?.includes(dep)) {
        out.push({ pkg: f.name, dep, where, rule: 'forbidden' });
      } else if (!allowed.includes(dep)) {
        out.push({ pkg: f.name, dep, where, rule: 'not-allowed' });
      }
    }
  }
  return out;
}

export function formatViolation(v: Violation): string {
  const why =
    v.rule === 'forbidden'
      ? 'architecture.md says it must not'
      : v.rule === 'unknown-package'
        ? 'the package is not in the layering table'
        : 'not in its allow-list';
  return `@derrick/${v.pkg} depends on @derrick/${v.dep} (${v.where}): ${why}`;
}
