/**
 * The layering proof (architecture.md, mission M1): `@derrick/runtime` works
 * without `@derrick/compiler` or any code generator.
 *
 * 1. Statically: following every import from `src/index.ts` — relative ones
 *    and `@derrick/*` packages, transitively through their sources — reaches
 *    only runtime, environ, object and jit; and the package declares nothing
 *    else.
 * 2. Dynamically: an engine with no compiler at all loads a precompiled
 *    module and runs it (instantiation with a host import, data segments,
 *    memory growth, traps), and refuses every compile request.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CompileError, Config, Engine, Func, Instance, Module, Store, Trap, TrapCode, ValType } from '../src/index.js';
import { decodeModule } from '@derrick/environ';
import { compileWat, toyEngine, wat } from './helpers.js';

const packagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED = ['runtime', 'environ', 'object', 'jit'];

/** Packages reachable from `entry` through imports of shipped source files. */
function reachablePackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    packages.add(path.relative(packagesDir, file).split(path.sep)[0]!);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (spec.startsWith('@derrick/')) queue.push(path.join(packagesDir, spec.slice('@derrick/'.length), 'src/index.ts'));
    }
  }
  return packages;
}

describe('runtime without a compiler (layering proof)', () => {
  it('reaches no compiler and no code generator through its imports', () => {
    const reached = [...reachablePackages(path.join(packagesDir, 'runtime/src/index.ts'))].sort();
    expect(reached.every((p) => ALLOWED.includes(p))).toBe(true);
    expect(reached).toContain('jit');
  });

  it('declares only environ, object and jit (wabt is a test-only devDependency)', () => {
    const pkg = JSON.parse(readFileSync(path.join(packagesDir, 'runtime/package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(['@derrick/environ', '@derrick/jit', '@derrick/object']);
    expect(Object.keys(pkg.peerDependencies ?? {})).toEqual([]);
    expect(Object.keys(pkg.devDependencies ?? {}).filter((d) => d.startsWith('@derrick/'))).toEqual([]);
  });

  it('runs a precompiled module in an engine that has no compiler', async () => {
    // Compile elsewhere (any engine with a compiler), keep only the bytes.
    const bytes = (
      await compileWat(
        toyEngine(),
        `(module (import "env" "double" (func $double (param i32) (result i32)))
          (memory (export "m") 1 2) (data (i32.const 4) "\\2a")
          (func (export "f") (param i32) (result i32) local.get 0 i32.load call $double)
          (func (export "grow") (result i32) i32.const 1 memory.grow)
          (func (export "trap") unreachable))`,
      )
    ).serialize();

    const engine = new Engine(new Config()); // no compilerBuilder: no compiler at all
    expect(engine.hasCompiler).toBe(false);
    const module = Module.deserialize(engine, bytes);
    const store = new Store(engine);
    try {
      const double = Func.wrap(store, { params: [ValType.I32], results: [ValType.I32] }, (x: number) => 2 * x);
      const instance = new Instance(store, module, [double]);
      expect(instance.getFunc('f')!.call(4)).toBe(84);
      expect(instance.getFunc('grow')!.call()).toBe(1);
      expect(instance.getMemory('m')!.size()).toBe(2);
      expect(() => instance.getFunc('trap')!.call()).toThrow(Trap);
      try {
        instance.getFunc('trap')!.call();
      } catch (e) {
        expect((e as Trap).code).toBe(TrapCode.UnreachableCodeReached);
        expect((e as Trap).funcIndex).toBe(3);
      }
    } finally {
      store.dispose();
    }
    await expect(Module.new(engine, new Uint8Array(8))).rejects.toBeInstanceOf(CompileError);
  });

  it('refuses every compile request with one clear error, and still loads precompiled modules', async () => {
    const bytes = await wat('(module (func (export "f") (result i32) i32.const 7))');
    const precompiled = (await compileWat(toyEngine(), '(module (func (export "f") (result i32) i32.const 7))')).serialize();
    const engine = new Engine(new Config());
    const messages = new Set<string>();
    const expectNoCompiler = (e: unknown) => {
      expect(e).toBeInstanceOf(CompileError);
      expect((e as CompileError).kind).toBe('no-compiler');
      messages.add((e as CompileError).message);
    };
    const requests: [string, () => unknown][] = [
      ['Module.new', () => Module.new(engine, bytes)],
      ['Module.new (garbage)', () => Module.new(engine, Uint8Array.of(1, 2, 3))],
      ['Module.fromTranslation', () => Module.fromTranslation(engine, decodeModule(bytes))],
      ['Engine.compiler', () => engine.compiler()],
      ['Engine.engineInfo', () => engine.engineInfo()],
    ];
    for (const [name, request] of requests) {
      try {
        await request();
        expect.fail(`${name} did not fail`);
      } catch (e) {
        expectNoCompiler(e);
      }
    }
    expect([...messages]).toHaveLength(1);
    expect([...messages][0]).toMatch(/^no compiler configured: .*Config\.compilerBuilder.*Module\.deserialize/);
    // What needs no compiler keeps working.
    expect(Module.validate(engine, bytes)).toBe(true);
    const store = new Store(engine);
    try {
      expect(new Instance(store, Module.deserialize(engine, precompiled)).getFunc('f')!.call()).toBe(7);
    } finally {
      store.dispose();
    }
  });

  it('applies the segments of a module without functions, in a compiler-less engine', async () => {
    const bytes = (
      await compileWat(
        toyEngine(),
        `(module (memory (export "m") 1) (table (export "t") 2 externref)
          (global (export "g") i32 (i32.const 42))
          (data (i32.const 1) "abc") (data (i32.const 65534) "z"))`,
      )
    ).serialize();
    const engine = new Engine();
    const store = new Store(engine);
    try {
      const i = new Instance(store, Module.deserialize(engine, bytes));
      expect(new TextDecoder().decode(i.getMemory('m')!.read(0, 4))).toBe('\0abc');
      expect(i.getMemory('m')!.read(65534, 1)[0]).toBe(0x7a);
      expect(i.getGlobal('g')!.get()).toBe(42);
      expect(i.getTable('t')!.size()).toBe(2);
    } finally {
      store.dispose();
    }
  });
});
