import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fingerprintSources } from './index.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'derrick-fp-'));
  mkdirSync(join(root, 'a', 'sub'), { recursive: true });
  mkdirSync(join(root, 'b'));
  writeFileSync(join(root, 'a', 'lower.js'), 'export const x = 1;');
  writeFileSync(join(root, 'a', 'sub', 'emit.js'), 'export const y = 2;');
  writeFileSync(join(root, 'b', 'isa.js'), 'export const z = 3;');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('fingerprints the code generator files: stable, and changed by any edit, addition or rename', () => {
  const dirs = [join(root, 'a'), join(root, 'b')];
  const fp = fingerprintSources(dirs);
  expect(fp).toMatch(/^[0-9a-f]{64}$/);
  expect(fingerprintSources(dirs)).toBe(fp);
  expect(fingerprintSources([...dirs].reverse())).not.toBe(fp);

  writeFileSync(join(root, 'a', 'sub', 'emit.js'), 'export const y = 3;');
  const edited = fingerprintSources(dirs);
  expect(edited).not.toBe(fp);
  renameSync(join(root, 'a', 'sub', 'emit.js'), join(root, 'a', 'sub', 'emit2.js'));
  expect(fingerprintSources(dirs)).not.toBe(edited);
});

it('ignores tests, source maps, build info, dot-files and node_modules', () => {
  const dirs = [join(root, 'a')];
  const fp = fingerprintSources(dirs);
  mkdirSync(join(root, 'a', 'node_modules'));
  writeFileSync(join(root, 'a', 'node_modules', 'dep.js'), '1');
  writeFileSync(join(root, 'a', 'lower.test.ts'), '1');
  writeFileSync(join(root, 'a', 'lower.js.map'), '1');
  writeFileSync(join(root, 'a', '.tsbuildinfo'), '1');
  writeFileSync(join(root, 'a', '.hidden'), '1');
  expect(fingerprintSources(dirs)).toBe(fp);
});

it('throws for a directory it cannot read (a missing fingerprint must not look stable)', () => {
  expect(() => fingerprintSources([join(root, 'missing')])).toThrow(/ENOENT/);
});
