/**
 * Backends plug in through environ's `CompilerBuilder` (mission M1): builders
 * defined here, in the test, are handed to `Config.compilerBuilder`, and
 * `Engine`/`Module` use them — and nothing else — to compile.
 *
 * * `CountingBuilder` wraps `@derrick/compiler`'s `DerrickCompilerBuilder`
 *   (reached by path, test-only) and its `Compiler`, recording every call;
 * * `NoAvx2Builder` is a backend that does not support AVX2: it hides the
 *   flag, so the host inference skips it and a user asking for it gets the
 *   backend's own error.
 */
import { describe, expect, it } from 'vitest';
import {
  type CacheStore,
  CompileError,
  type CompiledBody,
  type Compiler,
  type CompilerBuilder,
  type FuncKey,
  type FuncType,
  type ModuleTranslation,
  type Setting,
} from '@derrick/environ';
import { Config, Engine, Instance, Module, Store, detectedHostIsaFlags } from '../src/index.js';
import { wat } from './helpers.js';

const { DerrickCompilerBuilder, compilerBuilder } = (await import('../../compiler/src/index.js')) as {
  DerrickCompilerBuilder: new () => CompilerBuilder;
  compilerBuilder: () => CompilerBuilder;
};

/** Wraps the real builder and its compiler, logging every call. */
class CountingBuilder implements CompilerBuilder {
  readonly #inner = new DerrickCompilerBuilder();
  constructor(readonly log: string[]) {}
  target(triple: string): void {
    this.log.push(`target ${triple}`);
    this.#inner.target(triple);
  }
  triple(): string {
    return this.#inner.triple();
  }
  set(name: string, value: string): void {
    this.log.push(`set ${name}=${value}`);
    this.#inner.set(name, value);
  }
  enable(name: string): void {
    this.log.push(`enable ${name}`);
    this.#inner.enable(name);
  }
  settings(): Setting[] {
    return this.#inner.settings();
  }
  enableIncrementalCompilation(store: CacheStore): void {
    this.#inner.enableIncrementalCompilation(store);
  }
  build(): Compiler {
    this.log.push('build');
    const inner = this.#inner.build();
    const log = this.log;
    return {
      triple: () => inner.triple(),
      machine: () => inner.machine(),
      flags: () => inner.flags(),
      isaFlags: () => inner.isaFlags(),
      compileFunction(t: ModuleTranslation, defIndex: number) {
        log.push(`compileFunction ${defIndex}`);
        return inner.compileFunction(t, defIndex);
      },
      compileTrampoline(t: ModuleTranslation, key: FuncKey, ty: FuncType) {
        log.push(`compileTrampoline ${key.kind}`);
        return inner.compileTrampoline(t, key, ty);
      },
      buildText(t: ModuleTranslation, bodies: readonly CompiledBody[]) {
        log.push(`buildText ${bodies.length}`);
        return inner.buildText(t, bodies);
      },
      statistics: () => inner.statistics(),
    };
  }
}

/** A backend without AVX2 support: the flag does not exist for it. */
class NoAvx2Builder extends CountingBuilder {
  override set(name: string, value: string): void {
    if (name === 'has_avx2') throw new CompileError('setting', `unknown setting 'has_avx2': this backend does not support AVX2`);
    super.set(name, value);
  }
  override settings(): Setting[] {
    return super.settings().filter((s) => s.name !== 'has_avx2');
  }
}

const TEXT = `(module
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32) (i32.add (call $sq (local.get 0)) (i32.const 1))))`;

function call(module: Module, x: number): number {
  const store = new Store(module.engine);
  try {
    return new Instance(store, module).getFunc('f')!.call(x) as number;
  } finally {
    store.dispose();
  }
}

describe('a CompilerBuilder defined by the embedder', () => {
  it('is what Engine builds the compiler with, and what Module.new compiles through', async () => {
    const log: string[] = [];
    const engine = new Engine(new Config().compilerBuilder(() => new CountingBuilder(log)).optLevel('speed_and_size'));
    // Host features first (no target given), then the user's setting, then build.
    const inferred = detectedHostIsaFlags().map((f) => `set ${f}=true`);
    expect(log).toEqual([...inferred, 'set opt_level=speed_and_size', 'build']);
    expect(engine.compiler().flags()['opt_level']).toBe('speed_and_size');

    log.length = 0;
    const module = await Module.new(engine, await wat(TEXT));
    // Two functions, one entry trampoline for f's type ([i32] → [i32], shared by $sq), one exit trampoline.
    expect(log.filter((l) => l.startsWith('compileFunction')).sort()).toEqual(['compileFunction 0', 'compileFunction 1']);
    expect(log.filter((l) => l.startsWith('compileTrampoline'))).toEqual(['compileTrampoline array-to-wasm', 'compileTrampoline wasm-to-array']);
    expect(log.at(-1)).toBe('buildText 4');
    expect(call(module, 6)).toBe(37);

    // The wrapper changes nothing in the output: same bytes as the plain builder with the same settings.
    const plain = new Engine(new Config().compilerBuilder(compilerBuilder).optLevel('speed_and_size'));
    expect(module.serialize()).toEqual((await Module.new(plain, await wat(TEXT))).serialize());

    // Loading a precompiled module compiles nothing.
    log.length = 0;
    expect(call(Module.deserialize(engine, module.serialize()), 2)).toBe(5);
    expect(log).toEqual([]);
  });

  it('decides which settings exist: host inference skips a flag it does not know, and the user gets its error', async () => {
    const log: string[] = [];
    const engine = new Engine(new Config().compilerBuilder(() => new NoAvx2Builder(log)));
    expect(engine.inferredIsaFlags).toEqual(detectedHostIsaFlags().filter((f) => f !== 'has_avx2'));
    expect(engine.compiler().isaFlags()['has_avx2']).toBe('false');
    expect(call(await Module.new(engine, await wat(TEXT)), 3)).toBe(10);

    expect(() => new Engine(new Config().compilerBuilder(() => new NoAvx2Builder([])).set('has_avx2', 'true'))).toThrow(
      "unknown setting 'has_avx2': this backend does not support AVX2",
    );
  });
});
