/**
 * Host feature inference (Wasmtime's `infer_native_flags`): an engine with no
 * explicit target applies the host's detected x86-64 flags to its builder
 * before the user's settings; an explicit target gets none.
 */
import { describe, expect, it } from 'vitest';
import { type CacheStore, CompileError, type CompileStatistics, type Compiler, type CompilerBuilder, type Setting } from '@derrick/environ';
import { hostX64Features } from '@derrick/jit';
import { Config } from './config.js';
import { Engine, hostTriple } from './engine.js';
import { detectedHostIsaFlags, inferHostIsaFlags } from './host-flags.js';

/** A builder that knows `known` (all booleans, default false) and logs every call. */
class LoggingBuilder implements CompilerBuilder {
  readonly log: string[] = [];
  readonly values = new Map<string, string>();
  #triple = 'x86_64-unknown-linux-gnu';
  constructor(
    readonly known: readonly string[],
    /** Names it lists in `settings()` but refuses to turn on. */
    readonly refuse: readonly string[] = [],
  ) {
    for (const k of known) this.values.set(k, 'false');
  }
  target(triple: string): void {
    this.log.push(`target ${triple}`);
    this.#triple = triple;
  }
  triple(): string {
    return this.#triple;
  }
  set(name: string, value: string): void {
    if (!this.values.has(name)) throw new CompileError('setting', `unknown setting '${name}'`);
    if (this.refuse.includes(name)) throw new CompileError('setting', `setting '${name}' is not supported by this backend`);
    this.log.push(`set ${name}=${value}`);
    this.values.set(name, value);
  }
  enable(name: string): void {
    this.set(name, 'true');
  }
  settings(): Setting[] {
    return this.known.map((name) => ({ name, description: name, kind: 'bool', value: this.values.get(name)!, group: 'isa' }));
  }
  enableIncrementalCompilation(_store: CacheStore): void {}
  build(): Compiler {
    this.log.push('build');
    const triple = this.#triple;
    const isa = Object.fromEntries(this.values);
    return {
      triple: () => triple,
      machine: () => (triple.startsWith('aarch64') ? 'aarch64' : 'x86_64'),
      flags: () => ({}),
      isaFlags: () => ({ ...isa }),
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

const X64_FLAGS = ['has_sse3', 'has_ssse3', 'has_sse41', 'has_sse42', 'has_popcnt', 'has_lzcnt', 'has_bmi1', 'has_bmi2', 'has_avx', 'has_avx2', 'has_fma'];
const onX64 = process.arch === 'x64';

describe('host feature detection', () => {
  it('lists exactly the flags cpuid reports, by their ISA-flag names', () => {
    const detected = detectedHostIsaFlags();
    if (!onX64) {
      expect(detected).toEqual([]);
      return;
    }
    const host = hostX64Features()!;
    expect(detected).toEqual(X64_FLAGS.filter((f) => host[f as keyof typeof host]).sort());
    // Every x86-64 machine this runs on has at least SSE3 (the CI hosts are far newer).
    expect(detected).toContain('has_sse3');
  });
});

describe.runIf(onX64)('host feature inference (x86-64 host)', () => {
  const detected = detectedHostIsaFlags();

  it('applies the detected flags before the user settings, so the user can turn one off', () => {
    let builder!: LoggingBuilder;
    const config = new Config()
      .compilerBuilder(() => (builder = new LoggingBuilder(X64_FLAGS)))
      .set('has_sse3', 'false')
      .enable('has_sse41');
    const engine = new Engine(config);
    expect(builder.log).toEqual([...detected.map((n) => `set ${n}=true`), 'set has_sse41=true', 'set has_sse3=false', 'build']);
    expect(engine.inferredIsaFlags).toEqual(detected);
    const isa = engine.compiler().isaFlags();
    expect(isa['has_sse3']).toBe('false'); // the user's word wins
    for (const f of detected.filter((f) => f !== 'has_sse3')) expect(isa[f]).toBe('true');
  });

  it('gives an explicit target no inferred flags, even the host triple', () => {
    for (const target of [hostTriple(), 'x86_64', 'aarch64-unknown-linux-gnu']) {
      let builder!: LoggingBuilder;
      const engine = new Engine(new Config().compilerBuilder(() => (builder = new LoggingBuilder(X64_FLAGS))).target(target));
      expect(builder.log).toEqual([`target ${target}`, 'build']);
      expect(engine.inferredIsaFlags).toEqual([]);
      expect(Object.values(engine.compiler().isaFlags()).every((v) => v === 'false')).toBe(true);
    }
  });

  it('skips the flags a builder does not know — and only those', () => {
    // A backend that knows two of the flags.
    const few = new LoggingBuilder(['has_sse41', 'has_popcnt']);
    expect(inferHostIsaFlags(few)).toEqual(detected.filter((f) => f === 'has_sse41' || f === 'has_popcnt'));
    // A builder that knows none of them (another ISA's flags).
    expect(inferHostIsaFlags(new LoggingBuilder([]))).toEqual([]);
    // A builder that lists a flag but refuses it: that is an error, not an unknown name.
    const refusing = detected[0]!;
    expect(() => new Engine(new Config().compilerBuilder(() => new LoggingBuilder(X64_FLAGS, [refusing])))).toThrow(
      `setting '${refusing}' is not supported by this backend`,
    );
  });

  it('infers nothing for a builder whose default target is another architecture', () => {
    const arm = new LoggingBuilder(X64_FLAGS);
    arm.target('aarch64-unknown-linux-gnu');
    expect(inferHostIsaFlags(arm)).toEqual([]);
  });

  it('a compiler-less engine infers nothing', () => {
    expect(new Engine(new Config()).inferredIsaFlags).toEqual([]);
  });
});

describe('the native preset', () => {
  it.runIf(process.arch === 'x64')('turns on the host features for an explicit target of the host architecture', async () => {
    const { compilerBuilder } = await import('../../compiler/src/index.js');
    const plain = new Engine(new Config().compilerBuilder(compilerBuilder).target('x86_64'));
    const native = new Engine(new Config().compilerBuilder(compilerBuilder).target('x86_64').enable('native'));
    expect(plain.inferredIsaFlags).toEqual([]);
    expect(native.inferredIsaFlags).toEqual(detectedHostIsaFlags());
    for (const flag of detectedHostIsaFlags()) expect(native.compiler().isaFlags()[flag]).toBe('true');
    // The user's own settings still win over the preset.
    const off = new Engine(new Config().compilerBuilder(compilerBuilder).target('x86_64').enable('native').set('has_sse3', 'false'));
    expect(off.compiler().isaFlags()['has_sse3']).toBe('false');
  });
});
