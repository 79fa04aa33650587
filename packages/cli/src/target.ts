/**
 * Compilation targets the CLI accepts, declared once as data: the `--target`
 * flag's parser, its help text and error messages all read this table.
 */

import { CliError } from './errors.js';

export interface TargetInfo {
  /** Canonical name, as printed (and as it appears in `--json` output). */
  readonly name: string;
  /** Other spellings accepted on the command line. */
  readonly aliases: readonly string[];
  /** `process.arch` of a host that runs this target natively. */
  readonly nodeArch: string;
}

export const TARGETS: readonly TargetInfo[] = [
  { name: 'x86_64', aliases: ['x64', 'amd64'], nodeArch: 'x64' },
  { name: 'aarch64', aliases: ['arm64'], nodeArch: 'arm64' },
];

/** The host's target, or x86_64 when the host is neither (code can still be emitted for it). */
export function hostTarget(): string {
  return TARGETS.find((t) => t.nodeArch === process.arch)?.name ?? 'x86_64';
}

/** Resolves a `--target` value (canonical name, alias, or triple such as `aarch64-unknown-linux-gnu`). */
export function parseTarget(value: string): string {
  const arch = value.split('-')[0]!.toLowerCase();
  const target = TARGETS.find((t) => t.name === arch || t.aliases.includes(arch));
  if (target === undefined) {
    throw new CliError(`unknown target '${value}' (known targets: ${TARGETS.map((t) => t.name).join(', ')})`);
  }
  return target.name;
}
