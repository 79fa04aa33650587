/**
 * `DerrickCompilerBuilder`: settings as environ's `Setting`s, errors that
 * name the setting (and the nearest valid name, or the allowed values), the
 * x86-64 SIMD ISA-level check at `build()` (mission M3), and targets.
 */
import { describe, expect, it } from 'vitest';
import { SHARED_SETTINGS } from '@derrick/codegen';
import { X64_SETTINGS } from '@derrick/codegen-x64';
import { CompileError } from '@derrick/environ';
import { DerrickCompilerBuilder, HOST_TRIPLE, compilerBuilder, nearest, normalizeTriple } from './builder.js';

function compileError(f: () => unknown): CompileError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CompileError);
    return e as CompileError;
  }
  throw new Error('expected a CompileError');
}

const x64 = () => new DerrickCompilerBuilder('x86_64-unknown-linux-gnu');

describe('DerrickCompilerBuilder settings()', () => {
  it('lists every shared setting and x86-64 flag with kind, description, allowed values and current value, and the presets', () => {
    const settings = x64().settings();
    const names = settings.map((s) => s.name);
    for (const d of [...SHARED_SETTINGS.settings, ...X64_SETTINGS.settings]) expect(names).toContain(d.name);
    for (const p of X64_SETTINGS.presets) expect(names).toContain(p.name);
    for (const s of settings) {
      expect(s.description.length).toBeGreaterThan(0);
      if (s.kind === 'preset') {
        expect(s.value).toBeUndefined();
        expect(s.values).toBeDefined();
      } else {
        expect(s.value).toBeDefined();
      }
      if (s.kind === 'enum') expect(s.values!.length).toBeGreaterThan(1);
    }
    const opt = settings.find((s) => s.name === 'opt_level')!;
    expect(opt).toMatchObject({ kind: 'enum', values: ['none', 'speed', 'speed_and_size'], group: 'shared' });
    expect(opt.values).toContain(opt.value);
    expect(settings.find((s) => s.name === 'has_sse41')).toMatchObject({ kind: 'bool', value: 'false', group: 'isa' });
    expect(settings.find((s) => s.name === 'linkopt_padding_between_functions')).toMatchObject({ kind: 'num', value: '0', group: 'link' });
    expect(settings.find((s) => s.name === 'x86-64-v2')).toMatchObject({
      kind: 'preset',
      group: 'isa',
      values: ['has_sse3', 'has_ssse3', 'has_sse41', 'has_sse42', 'has_popcnt'],
    });
  });

  it('reports the current values after set/enable (presets turn on their flags)', () => {
    const b = x64();
    b.set('opt_level', 'speed_and_size');
    b.enable('x86-64-v3');
    b.set('has_fma', 'off');
    const value = (n: string) => b.settings().find((s) => s.name === n)!.value;
    expect(value('opt_level')).toBe('speed_and_size');
    expect(value('has_avx2')).toBe('true');
    expect(value('has_fma')).toBe('false');
    const c = b.build();
    expect(c.triple()).toBe('x86_64-unknown-linux-gnu');
    expect(c.flags()['opt_level']).toBe('speed_and_size');
    expect(c.isaFlags()).toMatchObject({ has_avx2: 'true', has_fma: 'false', has_lzcnt: 'true' });
  });
});

describe('DerrickCompilerBuilder errors', () => {
  it('an unknown name is an error naming it and suggesting the nearest valid name', () => {
    const cases: [string, string][] = [
      ['opt_levl', 'opt_level'],
      ['has_sse4.1', 'has_sse41'],
      ['has_avx_2', 'has_avx2'],
      ['enable_smid', 'enable_simd'],
      ['x86-64-v33', 'x86-64-v3'],
    ];
    for (const [typo, near] of cases) {
      for (const call of [(b: DerrickCompilerBuilder) => b.set(typo, 'true'), (b: DerrickCompilerBuilder) => b.enable(typo)]) {
        const e = compileError(() => call(x64()));
        expect(e.kind).toBe('setting');
        expect(e.message).toBe(`unknown setting '${typo}' for target x86_64-unknown-linux-gnu; did you mean '${near}'? (see \`derrick settings\`)`);
      }
    }
    // Nothing close: no suggestion.
    expect(compileError(() => x64().set('frobnicate_everything', '1')).message).toBe(
      "unknown setting 'frobnicate_everything' for target x86_64-unknown-linux-gnu (see `derrick settings`)",
    );
  });

  it('a bad value is an error naming the setting and the allowed values', () => {
    const enumErr = compileError(() => x64().set('opt_level', 'fast'));
    expect(enumErr.kind).toBe('setting');
    expect(enumErr.message).toBe("shared setting 'opt_level': expected one of none, speed, speed_and_size, got 'fast'");
    expect(compileError(() => x64().set('has_avx2', 'maybe')).message).toBe("x86 setting 'has_avx2': expected a boolean (true or false), got 'maybe'");
    expect(compileError(() => x64().set('linkopt_padding_between_functions', '-4')).message).toBe(
      "shared setting 'linkopt_padding_between_functions': expected a non-negative integer, got '-4'",
    );
    expect(compileError(() => x64().enable('opt_level')).message).toMatch(/'opt_level' is not a boolean; use set\(\)/);
  });

  it('refuses SIMD without SSE4.1 and what it implies at build(), naming the missing features (mission M3)', () => {
    const all = x64();
    all.set('enable_simd', 'true');
    const e = compileError(() => all.build());
    expect(e.kind).toBe('setting');
    expect(e.message).toMatch(/^SIMD support requires SSE3, SSSE3 and SSE4\.1 on x86_64, but SSE3 \(has_sse3\), SSSE3 \(has_ssse3\), SSE4\.1 \(has_sse41\) are not enabled/);

    const one = x64();
    one.set('enable_simd', 'true');
    one.enable('x86-64-v2');
    one.set('has_sse41', 'false');
    expect(compileError(() => one.build()).message).toMatch(/but SSE4\.1 \(has_sse41\) is not enabled/);

    for (const preset of ['sse41', 'x86-64-v2', 'x86-64-v3']) {
      const ok = x64();
      ok.set('enable_simd', 'true');
      ok.enable(preset);
      expect(ok.build().flags()['enable_simd']).toBe('true');
    }
    // Without SIMD the baseline builds.
    expect(x64().build().isaFlags()['has_sse41']).toBe('false');
  });
});

describe('DerrickCompilerBuilder targets', () => {
  it('normalizes short names, rejects unknown targets, and starts a fresh ISA group on a change of target', () => {
    expect(normalizeTriple('x64')).toBe('x86_64-unknown-linux-gnu');
    expect(normalizeTriple('arm64')).toBe('aarch64-unknown-linux-gnu');
    const b = new DerrickCompilerBuilder();
    expect(b.triple()).toBe(HOST_TRIPLE);
    const t = compileError(() => b.target('riscv64gc-unknown-linux-gnu'));
    expect(t.kind).toBe('target');
    expect(t.message).toMatch(/unsupported target 'riscv64gc-unknown-linux-gnu'/);
    b.target('x86_64');
    b.set('opt_level', 'speed_and_size');
    b.set('has_avx2', 'true');
    b.target('x86_64-unknown-linux-gnu');
    const c = b.build();
    expect(c.flags()['opt_level']).toBe('speed_and_size'); // shared settings are kept
    expect(c.isaFlags()['has_avx2']).toBe('false'); // ISA flags of the old target are not
    expect(compilerBuilder().triple()).toBe(HOST_TRIPLE);
  });

  it('nearest() suggests only plausible typos', () => {
    expect(nearest('opt_lvel', ['opt_level', 'enable_simd'])).toBe('opt_level');
    expect(nearest('zzz', ['opt_level', 'enable_simd'])).toBeUndefined();
  });
});
