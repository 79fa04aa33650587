import { describe, expect, it } from 'vitest';
import { SHARED_SETTINGS, SettingsBuilder, SettingsError, defaultSharedFlags, sharedSettingsBuilder } from './settings.js';

describe('shared settings', () => {
  it('declares every setting once, with kind, description and default', () => {
    const names = SHARED_SETTINGS.settings.map((d) => d.name);
    expect(names).toEqual([
      'opt_level',
      'enable_verifier',
      'enable_simd',
      'enable_nan_canonicalization',
      'enable_incremental_compilation_cache_checks',
      'linkopt_padding_between_functions',
      'linkopt_force_jump_veneer',
      'linkopt_absolute_calls_baseline',
    ]);
    for (const d of SHARED_SETTINGS.settings) {
      expect(d.description.length).toBeGreaterThan(10);
      expect(['bool', 'enum', 'num']).toContain(d.kind);
    }
  });

  it('has the documented defaults', () => {
    const f = defaultSharedFlags();
    expect(f.get('opt_level')).toBe('none');
    expect(f.get('enable_verifier')).toBe(true);
    expect(f.get('enable_simd')).toBe(false);
    expect(f.get('linkopt_padding_between_functions')).toBe(0);
    expect(f.get('linkopt_force_jump_veneer')).toBe(false);
    expect(f.get('linkopt_absolute_calls_baseline')).toBe(false);
  });

  it('parses textual values and rejects bad ones with a kind', () => {
    const b = sharedSettingsBuilder().set('opt_level', 'speed').set('enable_verifier', 'off').set('linkopt_padding_between_functions', '4096');
    const f = b.finish();
    expect([f.get('opt_level'), f.get('enable_verifier'), f.get('linkopt_padding_between_functions')]).toEqual(['speed', false, 4096]);
    expect(() => sharedSettingsBuilder().set('opt_level', 'fast')).toThrowError(/expected one of none, speed, speed_and_size/);
    expect(() => sharedSettingsBuilder().set('nope', true)).toThrowError(SettingsError);
    try {
      sharedSettingsBuilder().set('linkopt_padding_between_functions', -1);
    } catch (e) {
      expect((e as SettingsError).kind).toBe('bad-value');
      expect((e as SettingsError).setting).toBe('linkopt_padding_between_functions');
    }
    expect(() => sharedSettingsBuilder().enable('opt_level')).toThrowError(/not a boolean/);
  });

  it('hash keys are canonical: equal values, equal keys; any change, another key', () => {
    const a = sharedSettingsBuilder().set('enable_simd', true).finish();
    const b = sharedSettingsBuilder().enable('enable_simd').finish();
    expect(a.hashKey()).toBe(b.hashKey());
    expect(a.hashKey()).not.toBe(defaultSharedFlags().hashKey());
    expect(a.toBuilder().set('enable_simd', false).finish().hashKey()).toBe(defaultSharedFlags().hashKey());
  });

  it('presets enable their booleans', () => {
    const group = {
      name: 'g',
      settings: [
        { name: 'a', kind: 'bool' as const, default: false, description: 'a' },
        { name: 'b', kind: 'bool' as const, default: false, description: 'b' },
      ],
      presets: [{ name: 'both', description: 'a and b', enables: ['a', 'b'] }],
    };
    const f = new SettingsBuilder(group).enable('both').finish();
    expect(f.entries()).toEqual([
      ['a', true],
      ['b', true],
    ]);
  });
});
