/**
 * Config idempotence (mission M4) and compiler-less engines (mission M1).
 *
 * The property tests here use a hand-rolled seeded generator and a builder
 * that only records its calls (no compiler at all); each runs a few hundred
 * random setter sequences and reports the seed and the sequence of a
 * failure. `test/config-property.test.ts` states the same property with
 * fast-check on real compilers (identical compiler flags and byte-identical
 * precompiled modules).
 */
import { describe, expect, it } from 'vitest';
import {
  type CacheStore,
  CompileError,
  type CompileStatistics,
  type Compiler,
  type CompilerBuilder,
  type Setting,
} from '@derrick/environ';
import { Config, DEFAULT_MAX_WASM_STACK } from './config.js';
import { Engine, NATIVE_STACK_HEADROOM } from './engine.js';
import { RuntimeError } from './errors.js';
import { detectedHostIsaFlags } from './host-flags.js';
import { Module } from './module.js';
import { nativeStackSize } from '@derrick/jit';

/** A builder that accepts everything and records what it was told, in order. */
class RecordingBuilder implements CompilerBuilder {
  #triple = 'x86_64-unknown-linux-gnu';
  constructor(readonly log: string[]) {}
  target(triple: string): void {
    this.log.push(`target ${triple}`);
    this.#triple = triple;
  }
  triple(): string {
    return this.#triple;
  }
  set(name: string, value: string): void {
    this.log.push(`set ${name}=${value}`);
  }
  enable(name: string): void {
    this.log.push(`enable ${name}`);
  }
  settings(): Setting[] {
    return [];
  }
  enableIncrementalCompilation(store: CacheStore): void {
    this.log.push(`cache ${(store as { name?: string }).name}`);
  }
  build(): Compiler {
    this.log.push('build');
    const triple = this.#triple;
    return {
      triple: () => triple,
      machine: () => 'x86_64',
      flags: () => ({}),
      isaFlags: () => ({}),
      compileFunction: () => {
        throw new Error('not a real compiler');
      },
      compileTrampoline: () => {
        throw new Error('not a real compiler');
      },
      buildText: () => {
        throw new Error('not a real compiler');
      },
      statistics: (): CompileStatistics => ({ functions: 0, cacheHits: 0, cacheMisses: 0 }),
    };
  }
}

const storeA: CacheStore & { name: string } = { name: 'A', get: () => undefined, insert: () => true };
const storeB: CacheStore & { name: string } = { name: 'B', get: () => undefined, insert: () => true };

/** One setter call: the key it writes (for order constraints) and how to apply it. */
interface Op {
  readonly key: string;
  readonly label: string;
  apply(c: Config): Config;
}

/** mulberry32: a small, fast, seedable PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomOp(r: () => number): Op {
  const kind = Math.floor(r() * 9);
  switch (kind) {
    case 0: {
      const t = pick(r, ['x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu', 'x86_64']);
      return { key: 'target', label: `target(${t})`, apply: (c) => c.target(t) };
    }
    case 1: {
      const name = pick(r, ['opt_level', 'enable_simd', 'has_avx2', 'regalloc', 'a']);
      const value = pick(r, ['true', 'false', 'speed', 'none', '0']);
      return { key: name, label: `set(${name}, ${value})`, apply: (c) => c.set(name, value) };
    }
    case 2: {
      const name = pick(r, ['haswell', 'has_sse41', 'enable_verifier']);
      return { key: `flag:${name}`, label: `enable(${name})`, apply: (c) => c.enable(name) };
    }
    case 3: {
      const level = pick(r, ['none', 'speed', 'speed_and_size'] as const);
      return { key: 'opt_level', label: `optLevel(${level})`, apply: (c) => c.optLevel(level) };
    }
    case 4: {
      const on = r() < 0.5;
      return { key: 'enable_simd', label: `wasmSimd(${on})`, apply: (c) => c.wasmSimd(on) };
    }
    case 5: {
      const n = pick(r, [64 * 1024, 256 * 1024, DEFAULT_MAX_WASM_STACK]);
      return { key: 'maxWasmStack', label: `maxWasmStack(${n})`, apply: (c) => c.maxWasmStack(n) };
    }
    case 6: {
      const on = r() < 0.5;
      return { key: 'parallel', label: `parallelCompilation(${on})`, apply: (c) => c.parallelCompilation(on) };
    }
    case 7: {
      const on = r() < 0.5;
      return { key: 'enable_nan_canonicalization', label: `nanCanonicalization(${on})`, apply: (c) => c.nanCanonicalization(on) };
    }
    default: {
      const s = pick(r, [storeA, storeB]);
      return { key: 'cache', label: `enableIncrementalCompilation(${s.name})`, apply: (c) => c.enableIncrementalCompilation(s) };
    }
  }
}

/** Everything observable about the engine a config makes: the builder's calls and the tunables. */
function engineFingerprint(ops: readonly Op[]): string {
  const log: string[] = [];
  let config = new Config().compilerBuilder(() => new RecordingBuilder(log));
  for (const op of ops) config = op.apply(config);
  const engine = new Engine(config);
  return JSON.stringify({
    log,
    target: engine.target,
    maxWasmStack: engine.maxWasmStack,
    parallel: engine.parallelCompilation,
    features: engine.wasmFeatures,
    cache: (engine.cacheStore as { name?: string } | undefined)?.name,
  });
}

/** A random interleaving of `ops` that keeps the relative order of operations on the same key. */
function interleave(r: () => number, ops: readonly Op[]): Op[] {
  const queues = new Map<string, Op[]>();
  for (const op of ops) {
    if (!queues.has(op.key)) queues.set(op.key, []);
    queues.get(op.key)!.push(op);
  }
  const out: Op[] = [];
  while (out.length < ops.length) {
    const live = [...queues.values()].filter((q) => q.length > 0);
    out.push(pick(r, live).shift()!);
  }
  return out;
}

function property(name: string, runs: number, check: (r: () => number) => string | undefined): void {
  it(`${name} (${runs} seeded random cases)`, () => {
    for (let seed = 1; seed <= runs; seed++) {
      const failure = check(rng(seed));
      if (failure !== undefined) expect.fail(`seed ${seed}: ${failure}`);
    }
  });
}

function randomOps(r: () => number): Op[] {
  return Array.from({ length: Math.floor(r() * 14) }, () => randomOp(r));
}

const labels = (ops: readonly Op[]) => ops.map((o) => o.label).join('; ');

describe('Config is idempotent (mission M4)', () => {
  property('calling every setter twice in a row is the same as calling it once', 300, (r) => {
    const ops = randomOps(r);
    const twice = ops.flatMap((o) => [o, o]);
    return engineFingerprint(ops) === engineFingerprint(twice) ? undefined : labels(ops);
  });

  property('replaying a whole sequence again changes nothing', 200, (r) => {
    const ops = randomOps(r);
    return engineFingerprint(ops) === engineFingerprint([...ops, ...ops]) ? undefined : labels(ops);
  });

  property('calls on different settings commute (any interleaving gives the same engine)', 300, (r) => {
    const ops = randomOps(r);
    const shuffled = interleave(r, ops);
    return engineFingerprint(ops) === engineFingerprint(shuffled) ? undefined : `${labels(ops)}  vs  ${labels(shuffled)}`;
  });

  it('the fingerprint tells different intents apart (so the properties above can fail)', () => {
    const set = (v: string): Op => ({ key: 'a', label: v, apply: (c) => c.set('a', v) });
    expect(engineFingerprint([set('1'), set('2')])).not.toBe(engineFingerprint([set('2'), set('1')]));
    const stack = (n: number): Op => ({ key: 'm', label: String(n), apply: (c) => c.maxWasmStack(n) });
    expect(engineFingerprint([stack(65536)])).not.toBe(engineFingerprint([]));
  });

  it('the compiler sees the settings in a canonical order: target, flags sorted, settings sorted', () => {
    const log: string[] = [];
    const config = new Config()
      .compilerBuilder(() => new RecordingBuilder(log))
      .set('zeta', '1')
      .enable('has_sse41')
      .target('aarch64-unknown-linux-gnu')
      .set('alpha', '2')
      .enable('haswell')
      .enableIncrementalCompilation(storeA);
    new Engine(config);
    expect(log).toEqual(['target aarch64-unknown-linux-gnu', 'enable has_sse41', 'enable haswell', 'set alpha=2', 'set zeta=1', 'cache A', 'build']);
  });

  it('setters never throw, whatever they are given', () => {
    const c = new Config();
    const garbage: unknown[] = [undefined, null, NaN, -1, 1.5, {}, [], Symbol('s'), () => 1, 10n ** 30n, '', '\u0000'];
    for (const g of garbage) {
      expect(() =>
        c
          .target(g as string)
          .set(g as string, g as string)
          .setting(g as string, g as string)
          .enable(g as string)
          .optLevel(g as 'none')
          .wasmSimd(g as boolean)
          .maxWasmStack(g as number)
          .parallelCompilation(g as boolean)
          .enableIncrementalCompilation(g as CacheStore)
          .compilerBuilder(g as () => CompilerBuilder),
      ).not.toThrow();
    }
  });

  it('an engine never mutates its config, and later changes to the config do not reach it', () => {
    const log: string[] = [];
    const config = new Config().compilerBuilder(() => new RecordingBuilder(log)).set('opt_level', 'none');
    const before = JSON.stringify(config.compilerConfig());
    const engine = new Engine(config);
    expect(JSON.stringify(config.compilerConfig())).toBe(before);
    config.set('opt_level', 'speed').maxWasmStack(64 * 1024).wasmSimd(false);
    expect(engine.maxWasmStack).toBe(DEFAULT_MAX_WASM_STACK);
    expect(engine.wasmFeatures).toContain('simd');
    // The host's detected CPU features come first (no target = the host; see host-flags.test.ts).
    expect(log).toEqual([...detectedHostIsaFlags().map((n) => `set ${n}=true`), 'set opt_level=none', 'build']);
    const copy = config.clone().set('x', '1');
    expect(config.compilerConfig().settings['x']).toBeUndefined();
    expect(copy.compilerConfig().settings['x']).toBe('1');
  });

  it('bad values are reported by new Engine, naming the setting', () => {
    const failing = (): CompilerBuilder => {
      const b = new RecordingBuilder([]);
      b.set = (name: string) => {
        throw new CompileError('setting', `unknown setting '${name}'`);
      };
      return b;
    };
    expect(() => new Engine(new Config().compilerBuilder(failing).set('opt_levle', 'speed'))).toThrow(/unknown setting 'opt_levle'/);
    for (const bad of [0, -5, 1.5, NaN, nativeStackSize()]) {
      try {
        new Engine(new Config().maxWasmStack(bad));
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as RuntimeError).kind).toBe('config');
        expect((e as RuntimeError).message).toContain(`invalid max_wasm_stack ${bad}`);
      }
    }
    expect(new Engine(new Config().maxWasmStack(nativeStackSize() - NATIVE_STACK_HEADROOM)).maxWasmStack).toBe(nativeStackSize() - NATIVE_STACK_HEADROOM);
  });
});

describe('an engine without a compiler (mission M1)', () => {
  const engine = new Engine(new Config());

  it('says so for every compile request, with one clear error', async () => {
    expect(engine.hasCompiler).toBe(false);
    const check = (e: unknown) => {
      expect(e).toBeInstanceOf(CompileError);
      expect((e as CompileError).kind).toBe('no-compiler');
      expect((e as CompileError).message).toMatch(/^no compiler configured: /);
    };
    for (const attempt of [() => engine.compiler(), () => engine.engineInfo()]) {
      try {
        attempt();
        expect.unreachable();
      } catch (e) {
        check(e);
      }
    }
    // Even before looking at the bytes.
    await Module.new(engine, Uint8Array.of(1, 2, 3)).then(
      () => expect.unreachable(),
      (e: unknown) => check(e),
    );
    await Module.new(engine, Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0)).then(
      () => expect.unreachable(),
      (e: unknown) => check(e),
    );
  });

  it('still validates modules and targets the host', () => {
    expect(Module.validate(engine, Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0))).toBe(true);
    expect(Module.validate(engine, Uint8Array.of(0, 0x61, 0x73, 0x6d, 2, 0, 0, 0))).toBe(false);
    expect(engine.target).toMatch(/^(x86_64|aarch64)-unknown-linux-gnu$/);
  });
});
