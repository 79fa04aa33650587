/**
 * Settings as data: the shared code-generation settings every ISA reads, and
 * the machinery ISA-specific flag groups (x64's `has_sse41`, …) reuse.
 *
 * # The problem
 *
 * A setting is read by the compiler (to change the code), printed by
 * `derrick settings`, parsed from `-C cranelift-<name>=<value>` flags, stored
 * in a `CompilerConfig`, hashed into the incremental-cache key and checked
 * against a precompiled module's header. If each of those places had its own
 * list, they would drift.
 *
 * # The approach
 *
 * Each setting is declared once, as a `SettingDescriptor` (name, kind,
 * description, default, and the values an enum accepts). A `SettingGroup`
 * bundles the descriptors of one namespace (`shared`, `x86`) with its presets
 * (named sets of booleans, like `x86-64-v3`). A `SettingsBuilder` accepts
 * textual or typed values, validates them against the descriptors, and
 * `finish()`es into immutable `Flags`, whose `hashKey()` is the canonical
 * `name=value` list the cache and compatibility checks use.
 *
 * Invariant (DeclaredOnce): every name a `Flags` answers for is a descriptor
 * of its group, and every descriptor has a value (its default unless set).
 */

export type SettingKind = 'bool' | 'enum' | 'num';
export type SettingValue = boolean | string | number;

export interface SettingDescriptor {
  readonly name: string;
  readonly kind: SettingKind;
  readonly description: string;
  readonly default: SettingValue;
  /** The accepted values of an `enum` setting. */
  readonly values?: readonly string[];
}

/** A named set of boolean settings to turn on together (`x86-64-v2`). */
export interface SettingPreset {
  readonly name: string;
  readonly description: string;
  readonly enables: readonly string[];
}

export interface SettingGroup {
  /** `shared` or the ISA's group name (`x86`). */
  readonly name: string;
  readonly settings: readonly SettingDescriptor[];
  readonly presets: readonly SettingPreset[];
}

export type SettingsErrorKind = 'unknown-setting' | 'bad-value';

/** A setting that does not exist, or a value its descriptor rejects. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly kind: SettingsErrorKind,
    message: string,
    readonly setting: string,
  ) {
    super(message);
  }
}

/** Immutable values of one setting group. */
export class Flags<T extends Record<string, SettingValue> = Record<string, SettingValue>> {
  private constructor(
    readonly group: SettingGroup,
    readonly values: Readonly<T>,
  ) {}

  /** @internal Use a `SettingsBuilder`. */
  static fromValues<T extends Record<string, SettingValue>>(group: SettingGroup, values: T): Flags<T> {
    return new Flags(group, Object.freeze({ ...values }));
  }

  get<K extends keyof T & string>(name: K): T[K] {
    return this.values[name];
  }

  /** `[name, value]` in declaration order. */
  entries(): [string, SettingValue][] {
    return this.group.settings.map((d) => [d.name, this.values[d.name] as SettingValue]);
  }

  /**
   * The canonical text of every value, in declaration order:
   * `group:name=value;…`. Equal flags give equal keys; the incremental cache
   * and the precompiled-module header hash it.
   */
  hashKey(): string {
    return this.entries()
      .map(([n, v]) => `${this.group.name}:${n}=${String(v)}`)
      .join(';');
  }

  /** A builder starting from these values. */
  toBuilder(): SettingsBuilder<T> {
    const b = new SettingsBuilder<T>(this.group);
    for (const [n, v] of this.entries()) b.set(n, v);
    return b;
  }

  toString(): string {
    return this.entries()
      .map(([n, v]) => `${n} = ${String(v)}`)
      .join('\n');
  }
}

/** Collects and validates settings of one group; `finish()` yields `Flags`. */
export class SettingsBuilder<T extends Record<string, SettingValue> = Record<string, SettingValue>> {
  private readonly values = new Map<string, SettingValue>();
  private readonly byName: Map<string, SettingDescriptor>;

  constructor(readonly group: SettingGroup) {
    this.byName = new Map(group.settings.map((d) => [d.name, d]));
    for (const d of group.settings) this.values.set(d.name, d.default);
  }

  /** The descriptor of `name`; throws `unknown-setting`. */
  descriptor(name: string): SettingDescriptor {
    const d = this.byName.get(name);
    if (d === undefined) {
      throw new SettingsError('unknown-setting', `unknown ${this.group.name} setting '${name}'`, name);
    }
    return d;
  }

  /**
   * Set `name` to `value`, given typed (`true`, `3`, `'speed'`) or as text
   * (`'true'`, `'3'`). Booleans accept `true/false/yes/no/on/off/1/0`.
   */
  set(name: string, value: SettingValue): this {
    const d = this.descriptor(name);
    this.values.set(name, parseSettingValue(d, value, this.group.name));
    return this;
  }

  /** Turn on a boolean setting, or every setting of a preset. */
  enable(name: string): this {
    const preset = this.group.presets.find((p) => p.name === name);
    if (preset !== undefined) {
      for (const s of preset.enables) this.set(s, true);
      return this;
    }
    const d = this.descriptor(name);
    if (d.kind !== 'bool') {
      throw new SettingsError('bad-value', `${this.group.name} setting '${name}' is not a boolean; use set()`, name);
    }
    this.values.set(name, true);
    return this;
  }

  get(name: string): SettingValue {
    this.descriptor(name);
    return this.values.get(name)!;
  }

  finish(): Flags<T> {
    const out: Record<string, SettingValue> = {};
    for (const d of this.group.settings) out[d.name] = this.values.get(d.name)!;
    // Post-invariant (DeclaredOnce): exactly the group's names, each with a value.
    return Flags.fromValues(this.group, out as T);
  }
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

function parseSettingValue(d: SettingDescriptor, value: SettingValue, group: string): SettingValue {
  const bad = (why: string): never => {
    throw new SettingsError('bad-value', `${group} setting '${d.name}': ${why}`, d.name);
  };
  switch (d.kind) {
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const w = value.toLowerCase();
        if (TRUE_WORDS.has(w)) return true;
        if (FALSE_WORDS.has(w)) return false;
      }
      if (value === 1) return true;
      if (value === 0) return false;
      return bad(`expected a boolean (true or false), got '${String(value)}'`);
    case 'num': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n < 0) return bad(`expected a non-negative integer, got '${String(value)}'`);
      return n;
    }
    case 'enum': {
      const s = String(value);
      if (!(d.values ?? []).includes(s)) return bad(`expected one of ${(d.values ?? []).join(', ')}, got '${s}'`);
      return s;
    }
  }
}

// ---------------------------------------------------------------------------
// The shared settings
// ---------------------------------------------------------------------------

export type OptLevel = 'none' | 'speed' | 'speed_and_size';

/** The values of the shared group, typed. */
export interface SharedFlagValues extends Record<string, SettingValue> {
  opt_level: OptLevel;
  enable_verifier: boolean;
  enable_simd: boolean;
  enable_nan_canonicalization: boolean;
  enable_incremental_compilation_cache_checks: boolean;
  linkopt_padding_between_functions: number;
  linkopt_force_jump_veneer: boolean;
  linkopt_absolute_calls_baseline: boolean;
}

export type SharedFlags = Flags<SharedFlagValues>;

/** Settings every target reads (Cranelift's `shared` group, the ones Derrick uses). */
export const SHARED_SETTINGS: SettingGroup = {
  name: 'shared',
  settings: [
    {
      name: 'opt_level',
      kind: 'enum',
      values: ['none', 'speed', 'speed_and_size'],
      default: 'none',
      description: 'Optimization level: none runs no mid-end passes; speed and speed_and_size run the optimizer.',
    },
    {
      name: 'enable_verifier',
      kind: 'bool',
      default: true,
      description: 'Run the IR verifier before compiling each function; a failure is a CodegenError of kind verifier.',
    },
    {
      name: 'enable_simd',
      kind: 'bool',
      default: false,
      description: 'Allow vector types and instructions; an ISA may require extra flags for its SIMD lowerings.',
    },
    {
      name: 'enable_nan_canonicalization',
      kind: 'bool',
      default: false,
      description:
        'Make every NaN a float operation produces the canonical positive quiet NaN (0x7fc00000 / 0x7ff8000000000000), so results are deterministic across CPUs.',
    },
    {
      name: 'enable_incremental_compilation_cache_checks',
      kind: 'bool',
      default: false,
      description:
        'Incremental cache check mode: on every cache hit also compile the function and fail if the bytes differ (tests, fuzzing). Not part of the cache key.',
    },
    {
      name: 'linkopt_padding_between_functions',
      kind: 'num',
      default: 0,
      description: 'Test-only: zero bytes inserted after every function in the text section, to force veneers.',
    },
    {
      name: 'linkopt_force_jump_veneer',
      kind: 'bool',
      default: false,
      description: 'Test-only: route every veneer-capable call between functions through a veneer.',
    },
    {
      name: 'linkopt_absolute_calls_baseline',
      kind: 'bool',
      default: false,
      description:
        'Benchmark baseline only: emit calls between functions of a module as absolute calls through a register, with Abs8 relocations the loader patches (tools/bench/calls.mjs); not for production use.',
    },
  ],
  presets: [],
};

/** A builder for the shared flags, at their defaults. */
export function sharedSettingsBuilder(): SettingsBuilder<SharedFlagValues> {
  return new SettingsBuilder<SharedFlagValues>(SHARED_SETTINGS);
}

/** The shared flags with every setting at its default. */
export function defaultSharedFlags(): SharedFlags {
  return sharedSettingsBuilder().finish();
}
