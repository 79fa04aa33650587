import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALLOWED, FORBIDDEN, checkLayering, formatViolation, importsOf, readPackageFacts } from './layering.js';

const packagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages');

describe('package layering (architecture.md)', () => {
  it('every package of the architecture exists, and nothing else', () => {
    const names = readPackageFacts(packagesDir).map((f) => f.name);
    expect(names.sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('no package depends on one it must not', () => {
    const violations = checkLayering(readPackageFacts(packagesDir)).map(formatViolation);
    expect(violations).toEqual([]);
  });

  it('the allow-list never contradicts the explicit prohibitions and is acyclic', () => {
    for (const [pkg, deps] of Object.entries(ALLOWED)) {
      for (const d of deps) expect(FORBIDDEN[pkg] ?? []).not.toContain(d);
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (p: string, trail: string[]): void => {
      if (state.get(p) === 'done') return;
      if (state.get(p) === 'visiting') throw new Error(`cycle: ${[...trail, p].join(' -> ')}`);
      state.set(p, 'visiting');
      for (const d of ALLOWED[p] ?? []) visit(d, [...trail, p]);
      state.set(p, 'done');
    };
    for (const p of Object.keys(ALLOWED)) visit(p, []);
  });

  it('runtime never reaches a code generator or the compiler', () => {
    for (const d of ['codegen', 'codegen-ir', 'codegen-x64', 'codegen-aarch64', 'compiler']) {
      expect(ALLOWED.runtime).not.toContain(d);
      expect(FORBIDDEN.runtime).toContain(d);
    }
  });

  it('the checker catches declared and imported violations', () => {
    const v = checkLayering([
      { name: 'runtime', declared: ['compiler'], imports: [] },
      { name: 'environ', declared: [], imports: [{ file: 'environ/src/x.ts', dep: 'codegen' }] },
      { name: 'object', declared: ['runtime'], imports: [] },
      { name: 'mystery', declared: ['environ'], imports: [] },
    ]);
    expect(v.map((x) => [x.pkg, x.dep, x.rule])).toEqual([
      ['runtime', 'compiler', 'forbidden'],
      ['environ', 'codegen', 'forbidden'],
      ['object', 'runtime', 'not-allowed'],
      ['mystery', 'environ', 'unknown-package'],
    ]);
    expect(formatViolation(v[0]!)).toContain('@derrick/runtime depends on @derrick/compiler');
  });

  it('finds every import form', () => {
    const src = [
      `import { a } from '@derrick/codegen';`,
      `import type { B } from "@derrick/codegen-ir";`,
      `export * from '@derrick/environ';`,
      `const m = await import('@derrick/compiler');`,
      `import '@derrick/jit';`,
      `import {\n  x,\n  y,\n} from '@derrick/object';`,
      `// import nothing from 'elsewhere'`,
    ].join('\n');
    expect(importsOf(src).sort()).toEqual(['codegen', 'codegen-ir', 'compiler', 'environ', 'jit', 'object']);
  });
});
