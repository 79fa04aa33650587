/**
 * `derrick settings [--target T] [--json]`: every setting of the compiler,
 * with kind, description, allowed values and current value, the presets, and
 * — without `--target` — the flags inferred for this host.
 */
import { describe, expect, it } from 'vitest';
import { compilerBuilder } from '@derrick/compiler';
import { detectedHostIsaFlags } from '@derrick/runtime';
import { captureIo, main } from '../src/index.js';
import type { SettingsReport } from '../src/commands/settings.js';

async function derrick(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const ALL = compilerBuilder().settings();
const X64_FLAGS = ALL.filter((s) => s.group === 'isa' && s.kind === 'bool').map((s) => s.name);

describe('derrick settings', () => {
  it('lists every setting with its value and description, the presets, and the flags inferred for this host', async () => {
    const r = await derrick('settings');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/^Settings for target 'x86_64-unknown-linux-gnu' \(this host\):\n/);
    for (const title of ['Boolean settings (true or false):', 'Enum settings:', 'Numerical settings (non-negative integers):', 'Presets:']) {
      expect(r.out).toContain(`\n${title}\n`);
    }
    for (const s of ALL) expect(r.out).toContain(s.description);
    expect(r.out).toMatch(/\n {2}opt_level +=/);
    expect(r.out).toMatch(/ values: none, speed, speed_and_size\n/);
    expect(r.out).toMatch(/\n {2}x86-64-v2 +\[isa\] x86-64 microarchitecture level 2.*\n +enables: has_sse3, has_ssse3, has_sse41, has_sse42, has_popcnt\n/);
    const detected = detectedHostIsaFlags();
    const inferred = r.out.split('Settings inferred for the current host:\n')[1];
    expect(inferred).toBeDefined();
    expect(inferred).toBe(detected.length === 0 ? '  (none)\n' : detected.map((f) => `  ${f}\n`).join(''));
    // The values shown are the host's.
    for (const f of X64_FLAGS) expect(r.out).toMatch(new RegExp(`\\n  ${f} += ${detected.includes(f) ? 'true ' : 'false'}`));
  });

  it('with --target shows the target baseline and infers nothing', async () => {
    const r = await derrick('settings', '--target', 'x86_64');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Settings for target 'x86_64-unknown-linux-gnu':\n/);
    expect(r.out).not.toContain('inferred');
    for (const f of X64_FLAGS) expect(r.out).toMatch(new RegExp(`\\n  ${f} += false`));
  });

  it('--json prints one JSON object with every setting (kind, description, allowed values, value) and the presets', async () => {
    const r = await derrick('settings', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as SettingsReport;
    expect(Object.keys(report).sort()).toEqual(['inferred', 'presets', 'settings', 'target']);
    expect(report.target).toBe('x86_64-unknown-linux-gnu');
    expect(report.inferred).toEqual(detectedHostIsaFlags());
    expect(report.settings.map((s) => s.name).sort()).toEqual(ALL.filter((s) => s.kind !== 'preset').map((s) => s.name).sort());
    expect(report.presets.map((p) => p.name)).toEqual([...ALL.filter((s) => s.kind === 'preset').map((s) => s.name), 'native']);
    for (const s of report.settings) {
      expect(['bool', 'enum', 'num']).toContain(s.kind);
      expect(['shared', 'isa', 'link']).toContain(s.group);
      expect(s.description.length).toBeGreaterThan(0);
      if (s.kind === 'bool') expect(s.values).toEqual(['true', 'false']);
      if (s.kind !== 'num') expect(s.values).toContain(s.value);
      else expect(s.value).toMatch(/^\d+$/);
    }
    expect(report.settings.find((s) => s.name === 'opt_level')!.values).toEqual(['none', 'speed', 'speed_and_size']);
    expect(report.presets.find((p) => p.name === 'x86-64-v3')!.enables).toContain('has_avx2');
    const targeted = JSON.parse((await derrick('settings', '--json', '--target', 'x86_64-unknown-linux-gnu')).out) as SettingsReport;
    expect(targeted.inferred).toBeNull();
    expect(targeted.settings.filter((s) => s.group === 'isa').every((s) => s.value === 'false')).toBe(true);
  });

  it('lists the AArch64 settings, reports unknown targets, and is listed in --help', async () => {
    const r = await derrick('settings', '--json', '--target', 'aarch64');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as SettingsReport;
    expect(report.inferred).toBeNull();
    expect(report.settings.map((s) => s.name)).toContain('has_lse');
    expect((await derrick('settings', '--target', 'mips')).err).toMatch(/unknown target 'mips'/);
    const help = await derrick('--help');
    expect(help.out).toMatch(/\n {2}compile \[options\] <file>/);
    expect(help.out).toMatch(/\n {2}settings \[options\]/);
  });
});
