/**
 * Config idempotence as a fast-check property (mission M4; Wasmtime #4252),
 * on real compilers: random sequences of `Config` setter calls — `target`,
 * `set`, `enable`, `optLevel`, `wasmSimd` — are rewritten into another
 * sequence recording the same final intent (calls reordered while keeping the
 * relative order of calls on one key, calls repeated, stale writes of a key
 * put before its last write). Both configs must build engines with identical
 * compilers (`triple()`, `flags()`, `isaFlags()`, inferred host flags, wasm
 * features) that serialize byte-identical modules — or fail with the same
 * error. And `new Engine(config)` must never change `config`.
 *
 * The backends: `@derrick/compiler` (reached by path, test-only: runtime must
 * not depend on it — see layering.test.ts) and the toy compiler.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompilerBuilder, Config, Engine, Module } from '../src/index.js';
import { TOY, type Backend, wat } from './helpers.js';

const compiler = (await import('../../compiler/src/index.js')) as { compilerBuilder: () => CompilerBuilder };
const REAL: Backend = { name: '@derrick/compiler', factory: compiler.compilerBuilder };

/** One setter call; `key` is what it overwrites (calls on different keys commute), `value` what it writes. */
interface Op {
  readonly key: string;
  readonly value: string;
  readonly label: string;
  apply(c: Config): void;
}

function op(key: string, value: string, label: string, apply: (c: Config) => void): Op {
  // Counterexamples print as the calls they stand for.
  return { key, value, label, apply, [fc.toStringMethod]: () => label } as Op;
}

const target = (t: string) => op('target', t, `target(${t})`, (c) => c.target(t));
const set = (name: string, value: string) => op(`set:${name}`, value, `set(${name}, ${value})`, (c) => c.set(name, value));
const enable = (name: string) => op(`flag:${name}`, 'on', `enable(${name})`, (c) => c.enable(name));
const optLevel = (l: 'none' | 'speed' | 'speed_and_size') => op('set:opt_level', l, `optLevel(${l})`, (c) => c.optLevel(l));
const wasmSimd = (on: boolean) => op('set:enable_simd', String(on), `wasmSimd(${on})`, (c) => c.wasmSimd(on));

/** Setter calls for a backend: mostly valid values, some invalid ones (whose errors must agree too). */
function opArb(backend: Backend): fc.Arbitrary<Op> {
  const real = backend === REAL;
  const bools = real
    ? ['enable_verifier', 'enable_nan_canonicalization', 'has_sse41', 'has_popcnt', 'has_lzcnt', 'has_bmi1', 'has_avx2', 'linkopt_force_jump_veneer']
    : ['enable_verifier', 'preserve_frame_pointers', 'has_sse41', 'has_avx2'];
  const presets = real ? ['x86-64-v2', 'sse41', 'has_popcnt', 'has_avx2', 'enable_verifier'] : ['haswell', 'has_sse41', 'enable_verifier'];
  const targets = real ? ['x86_64', 'x86_64-unknown-linux-gnu', 'x64'] : ['x86_64-unknown-linux-gnu', 'x86_64'];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...targets).map(target) },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...bools), fc.constantFrom('true', 'false')).map(([n, v]) => set(n, v)) },
    { weight: 2, arbitrary: fc.constantFrom('none', 'speed', 'speed_and_size').map((v) => set('opt_level', v)) },
    { weight: 3, arbitrary: fc.constantFrom(...presets).map(enable) },
    { weight: 2, arbitrary: fc.constantFrom('none', 'speed', 'speed_and_size' as const).map(optLevel) },
    { weight: 2, arbitrary: fc.boolean().map(wasmSimd) },
    ...(real ? [{ weight: 1, arbitrary: fc.constantFrom('0', '16').map((v) => set('linkopt_padding_between_functions', v)) }] : []),
    // Rare invalid intents: an unknown name, a bad value, an unsupported target.
    {
      weight: 1,
      arbitrary: fc.constantFrom(set('opt_levle', 'speed'), set('opt_level', 'fast'), set('has_avx2', 'maybe'), target('riscv64gc-unknown-linux-gnu')),
    },
  );
}

/**
 * A sequence and a rewrite of it with the same final intent: a random
 * interleaving that keeps each key's calls in order, with calls repeated, and
 * with stale writes (any value) of a `set` key placed before its calls.
 */
function pairArb(backend: Backend): fc.Arbitrary<{ a: Op[]; b: Op[] }> {
  const op = opArb(backend);
  return fc.array(op, { maxLength: 10 }).chain((a) =>
    fc
      .record({
        priority: fc.array(fc.nat(), { minLength: a.length, maxLength: a.length }),
        repeat: fc.array(fc.nat({ max: 2 }), { minLength: a.length, maxLength: a.length }),
        stale: fc.array(op, { maxLength: 4 }),
      })
      .map(({ priority, repeat, stale }) => {
        // Positions sorted by priority, then each key's calls dealt back into its positions in their original order.
        const order = a.map((_, i) => i).sort((x, y) => priority[x]! - priority[y]! || x - y);
        const queues = new Map<string, Op[]>();
        for (const o of a) (queues.get(o.key) ?? queues.set(o.key, []).get(o.key)!).push(o);
        const slots = order.map((i) => a[i]!.key);
        const shuffled = slots.map((key) => queues.get(key)!.shift()!);
        const repeated = shuffled.flatMap((o, i) => Array.from({ length: 1 + repeat[i]! }, () => o));
        // Stale writes only for keys `a` overwrites later (set-like keys; a flag, once enabled, stays).
        const written = new Set(a.map((o) => o.key));
        const prefix = stale.filter((o) => written.has(o.key) && !o.key.startsWith('flag:'));
        return { a, b: [...prefix, ...repeated] };
      }),
  );
}

/**
 * The final intent of a sequence, by an independent model: the last value
 * written to each key (`optLevel` writes `opt_level`, `wasmSimd` writes
 * `enable_simd`, `enable` turns a flag on for good).
 */
function intent(ops: readonly Op[]): string {
  const last = new Map<string, string>();
  for (const o of ops) last.set(o.key, o.value);
  return JSON.stringify([...last].sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** A small module per backend (the toy compiles only straight-line integer code, without popcnt). */
const MODULES = new Map<Backend, Uint8Array>([
  [
    REAL,
    await wat(`(module
      (func $pop (param i64) (result i64) (i64.popcnt (local.get 0)))
      (func (export "f") (param i64) (result i64) (i64.add (call $pop (local.get 0)) (i64.const 1))))`),
  ],
  [
    TOY,
    await wat(`(module
      (func $sq (param i64) (result i64) (i64.mul (local.get 0) (local.get 0)))
      (func (export "f") (param i64) (result i64) (i64.add (call $sq (local.get 0)) (i64.const 1))))`),
  ],
]);

/** Everything observable about the engine a config builds, or its error; checks the config is not mutated. */
async function observe(backend: Backend, ops: readonly Op[]): Promise<string> {
  const config = new Config().compilerBuilder(backend.factory);
  for (const o of ops) o.apply(config);
  const before = JSON.stringify(config.compilerConfig());
  let engine: Engine;
  try {
    engine = new Engine(config);
  } catch (e) {
    expect(JSON.stringify(config.compilerConfig())).toBe(before);
    return `error: ${(e as Error).message}`;
  }
  expect(JSON.stringify(config.compilerConfig())).toBe(before); // (engine-immutable)
  const c = engine.compiler();
  let bytes: string;
  try {
    bytes = Buffer.from((await Module.new(engine, MODULES.get(backend)!)).serialize()).toString('hex');
  } catch (e) {
    bytes = `compile error: ${(e as Error).message}`;
  }
  expect(JSON.stringify(config.compilerConfig())).toBe(before);
  return JSON.stringify({
    triple: c.triple(),
    flags: c.flags(),
    isaFlags: c.isaFlags(),
    inferred: engine.inferredIsaFlags,
    features: engine.wasmFeatures,
    bytes,
  });
}

const labels = (ops: readonly Op[]) => ops.map((o) => o.label).join('; ') || '(none)';

for (const backend of [REAL, TOY]) {
  describe(`Config is idempotent — fast-check, ${backend.name}`, () => {
    it('configs recording the same intent build identical engines and byte-identical modules', async () => {
      await fc.assert(
        fc.asyncProperty(pairArb(backend), async ({ a, b }) => {
          // The generator's promise: same final intent.
          expect(intent(b), `${labels(a)}  vs  ${labels(b)}`).toBe(intent(a));
          expect(await observe(backend, b), `${labels(a)}  vs  ${labels(b)}`).toBe(await observe(backend, a));
        }),
        { numRuns: 100 },
      );
    }, 120_000);
  });
}

describe('the observation tells different intents apart (so the property can fail)', () => {
  it('differs for a different ISA flag, opt level or target', async () => {
    const base = await observe(REAL, [target('x86_64'), set('has_popcnt', 'true')]);
    expect(await observe(REAL, [target('x86_64'), set('has_popcnt', 'false')])).not.toBe(base);
    expect(await observe(REAL, [target('x86_64'), set('has_popcnt', 'true'), optLevel('none')])).not.toBe(base);
    expect(await observe(REAL, [set('has_popcnt', 'true')])).not.toBe(base); // no target: the host, with its features
  });
});
