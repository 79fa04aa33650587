/**
 * `derrick settings [--target T] [--json]` — every setting the compiler
 * accepts for a target, the way `wasmtime settings` lists Cranelift's.
 *
 * The list comes from the compiler builder itself (`CompilerBuilder.settings()`
 * of `@derrick/compiler`): the shared settings, the target's ISA flags and the
 * link options, each with its kind, description, allowed values and current
 * value, then the presets and the flags each turns on. With no `--target` the
 * builder is the one an engine would use for this machine: the host's CPU
 * features are inferred first (runtime's `inferHostIsaFlags`, cpuid), so the
 * values shown are the host's, and a last section lists the inferred flags
 * ("Settings inferred for the current host"). With `--target`, the target's
 * baseline is shown and nothing is inferred.
 *
 * `--json` prints one JSON object:
 * `{"target", "settings": [{"name", "group", "kind", "description", "values"?, "value"}],
 *   "presets": [{"name", "group", "description", "enables"}], "inferred": [names] | null}`
 * (`values` lists the allowed values of `bool` and `enum` settings; `num`
 * settings take a non-negative integer; `inferred` is null with `--target`).
 */
import { compilerBuilder } from '@derrick/compiler';
import type { Setting } from '@derrick/environ';
import { detectedHostIsaFlags, inferHostIsaFlags, NATIVE_PRESET } from '@derrick/runtime';
import type { Command } from 'commander';
import type { CliCommand, CliContext } from '../command.js';
import { CliError } from '../errors.js';
import { parseTarget } from '../target.js';

interface SettingsOptions {
  target?: string;
  json?: boolean;
}

export interface SettingsReport {
  target: string;
  settings: { name: string; group: string; kind: string; description: string; values?: string[]; value: string }[];
  presets: { name: string; group: string; description: string; enables: string[] }[];
  /** Flags turned on because the host has them; null when a target was given. */
  inferred: string[] | null;
}

const BOOL_VALUES = ['true', 'false'];

/** The settings of the default compiler for `target` (undefined = this host, with its features inferred). */
export function settingsReport(target: string | undefined): SettingsReport {
  let builder;
  let inferred: string[] | null = null;
  try {
    builder = compilerBuilder();
    if (target !== undefined) builder.target(target);
    else inferred = inferHostIsaFlags(builder);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
  const all: Setting[] = builder.settings();
  return {
    target: builder.triple(),
    settings: all
      .filter((s) => s.kind !== 'preset')
      .map((s) => ({
        name: s.name,
        group: s.group,
        kind: s.kind,
        description: s.description,
        ...(s.kind === 'bool' ? { values: BOOL_VALUES } : s.values !== undefined ? { values: [...s.values] } : {}),
        value: s.value ?? '',
      })),
    presets: [
      ...all
        .filter((s) => s.kind === 'preset')
        .map((s) => ({ name: s.name, group: s.group, description: s.description, enables: [...(s.values ?? [])] })),
      // Handled by the engine, which can see the host (see runtime's host-flags.ts).
      {
        name: NATIVE_PRESET,
        group: 'isa',
        description: "every CPU feature of this host, detected with cpuid (for a target of the host's architecture)",
        enables: detectedHostIsaFlags(),
      },
    ],
    inferred,
  };
}

const SECTIONS: { kind: string; title: string }[] = [
  { kind: 'bool', title: 'Boolean settings (true or false)' },
  { kind: 'enum', title: 'Enum settings' },
  { kind: 'num', title: 'Numerical settings (non-negative integers)' },
];

/** The human-readable listing. */
export function formatSettings(report: SettingsReport): string {
  const lines: string[] = [];
  lines.push(`Settings for target '${report.target}'${report.inferred === null ? '' : ' (this host)'}:`);
  const width = Math.max(...report.settings.map((s) => s.name.length), ...report.presets.map((p) => p.name.length));
  const valueWidth = Math.max(...report.settings.map((s) => s.value.length));
  for (const { kind, title } of SECTIONS) {
    const entries = report.settings.filter((s) => s.kind === kind).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (entries.length === 0) continue;
    lines.push('', `${title}:`);
    for (const s of entries) {
      lines.push(`  ${s.name.padEnd(width)}  = ${s.value.padEnd(valueWidth)}  [${s.group}] ${s.description}`);
      if (kind === 'enum') lines.push(`  ${''.padEnd(width)}    ${''.padEnd(valueWidth)}  values: ${s.values!.join(', ')}`);
    }
  }
  if (report.presets.length > 0) {
    lines.push('', 'Presets:');
    for (const p of report.presets) {
      lines.push(`  ${p.name.padEnd(width)}  [${p.group}] ${p.description}`);
      lines.push(`  ${''.padEnd(width)}  enables: ${p.enables.length === 0 ? '(nothing)' : p.enables.join(', ')}`);
    }
  }
  if (report.inferred !== null) {
    lines.push('', 'Settings inferred for the current host:');
    if (report.inferred.length === 0) lines.push('  (none)');
    for (const name of report.inferred) lines.push(`  ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

export const settingsCommand: CliCommand = {
  name: 'settings',
  register(program: Command, ctx: CliContext): void {
    program
      .command('settings')
      .description("list the compiler's settings, ISA flags and presets for a target, and the flags inferred for this host")
      .option('--target <target>', 'target to list the settings of (default: this host, with its CPU features inferred)', (v: string) =>
        parseTarget(v),
      )
      .option('--json', 'print one JSON object')
      .action((options: SettingsOptions) => {
        const report = settingsReport(options.target);
        ctx.io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatSettings(report));
      });
  },
};
