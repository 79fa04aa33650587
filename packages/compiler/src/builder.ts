/**
 * `DerrickCompilerBuilder`: environ's `CompilerBuilder` over codegen's
 * settings and the ISA builders (mission M1, M3).
 *
 * A builder holds one target and three setting groups: the shared flags
 * (`opt_level`, `enable_simd`, …, and the `linkopt_*` link options), and the
 * target ISA's flags (`has_sse41`, …, and presets like `x86-64-v2`). `set`
 * and `enable` look a name up in the shared group first, then in the ISA
 * group, like Wasmtime's cranelift builder. Unknown names and bad values are
 * `CompileError('setting')` naming the setting and, for unknown names, the
 * nearest valid one. `build()` validates the combination — the x86-64 ISA
 * refuses `enable_simd` without the SSE levels its SIMD lowerings use — and
 * returns a `DerrickCompiler`.
 *
 * Changing the target starts a fresh ISA group (ISA flags of one target mean
 * nothing on another); the shared flags are kept. `Config` applies the target
 * before anything else (`applyCompilerConfig`), so users never see this.
 */
import {
  type IsaBuilder,
  SettingsError,
  type SettingValue,
  SHARED_SETTINGS,
  type SettingsBuilder,
  sharedSettingsBuilder,
  type SharedFlagValues,
} from '@derrick/codegen';
import { aarch64IsaBuilder } from '@derrick/codegen-aarch64';
import { x64IsaBuilder } from '@derrick/codegen-x64';
import { type CacheStore, CompileError, type Compiler, type CompilerBuilder, type Setting } from '@derrick/environ';
import { DerrickCompiler } from './compiler.js';

export const HOST_TRIPLE = process.arch === 'arm64' ? 'aarch64-unknown-linux-gnu' : 'x86_64-unknown-linux-gnu';

/** The targets this compiler can build, by architecture (the triple's first component). */
const ISA_BUILDERS: Record<string, (triple: string) => IsaBuilder> = {
  x86_64: (t) => x64IsaBuilder(t),
  aarch64: (t) => aarch64IsaBuilder(t),
};

/** Normalize the short names users type (`x64`, `arm64`) into triples. */
export function normalizeTriple(triple: string): string {
  const t = triple.trim();
  if (t === 'x64' || t === 'x86_64' || t === 'amd64') return 'x86_64-unknown-linux-gnu';
  if (t === 'arm64' || t === 'aarch64') return 'aarch64-unknown-linux-gnu';
  return t;
}

export class DerrickCompilerBuilder implements CompilerBuilder {
  #triple: string;
  #isa: IsaBuilder;
  readonly #shared: SettingsBuilder<SharedFlagValues> = sharedSettingsBuilder();
  #cacheStore: CacheStore | undefined;

  constructor(triple: string = HOST_TRIPLE) {
    // Like Wasmtime's Cranelift builder: optimize by default, and leave the IR
    // verifier to tests (`enable_verifier=true`) — translation output is trusted.
    this.#shared.set('opt_level', 'speed');
    this.#shared.set('enable_verifier', false);
    this.#triple = HOST_TRIPLE;
    this.#isa = lookupIsa(HOST_TRIPLE);
    if (triple !== HOST_TRIPLE) this.target(triple);
  }

  target(triple: string): void {
    const t = normalizeTriple(triple);
    this.#isa = lookupIsa(t);
    this.#triple = t;
  }

  triple(): string {
    return this.#triple;
  }

  set(name: string, value: string): void {
    this.#apply(name, (group) => group.set(name, value));
  }

  enable(name: string): void {
    this.#apply(name, (group) => group.enable(name));
  }

  settings(): Setting[] {
    const out: Setting[] = [];
    for (const [group, builder] of [
      ['shared', this.#shared],
      ['isa', this.#isa.settings],
    ] as const) {
      for (const d of builder.group.settings) {
        out.push({
          name: d.name,
          description: d.description,
          kind: d.kind,
          ...(d.values === undefined ? {} : { values: d.values }),
          value: String(builder.get(d.name)),
          group: group === 'shared' && d.name.startsWith('linkopt_') ? 'link' : group,
        });
      }
      for (const p of builder.group.presets) {
        out.push({ name: p.name, description: p.description, kind: 'preset', values: p.enables, group });
      }
    }
    return out;
  }

  enableIncrementalCompilation(store: CacheStore): void {
    this.#cacheStore = store;
  }

  build(): Compiler {
    const shared = this.#shared.finish();
    let isa;
    try {
      isa = this.#isa.finish(shared);
    } catch (e) {
      throw new CompileError('setting', e instanceof Error ? e.message : String(e));
    }
    return new DerrickCompiler(isa, shared, this.#cacheStore);
  }

  #apply(name: string, f: (group: SettingsBuilder<Record<string, SettingValue>>) => void): void {
    const groups = [this.#shared as SettingsBuilder<Record<string, SettingValue>>, this.#isa.settings];
    for (const g of groups) {
      if (!g.group.settings.some((d) => d.name === name) && !g.group.presets.some((p) => p.name === name)) continue;
      try {
        f(g);
        return;
      } catch (e) {
        if (e instanceof SettingsError) throw new CompileError('setting', e.message);
        throw e;
      }
    }
    const known = groups.flatMap((g) => [...g.group.settings.map((d) => d.name), ...g.group.presets.map((p) => p.name)]);
    const near = nearest(name, known);
    throw new CompileError(
      'setting',
      `unknown setting '${name}' for target ${this.#triple}${near === undefined ? '' : `; did you mean '${near}'?`} (see \`derrick settings\`)`,
    );
  }
}

/** The default compiler: what `Config.compilerBuilder(compilerBuilder)` plugs in. */
export function compilerBuilder(): CompilerBuilder {
  return new DerrickCompilerBuilder();
}

function lookupIsa(triple: string): IsaBuilder {
  const arch = triple.split('-')[0]!;
  const make = ISA_BUILDERS[arch];
  if (make === undefined) {
    const supported = Object.keys(ISA_BUILDERS).join(', ');
    throw new CompileError('target', `unsupported target '${triple}': this compiler generates code for ${supported}`);
  }
  return make(triple);
}

/** The closest name by edit distance, if it is close enough to be a plausible typo. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export { SHARED_SETTINGS };
