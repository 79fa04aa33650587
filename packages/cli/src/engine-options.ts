/**
 * The engine options the commands that compile share (`run`, `compile`):
 * `--target T`, repeatable `--set name=value` and repeatable `--enable NAME`
 * (a boolean setting or a preset such as `x86-64-v2`), turned into a runtime
 * `Config` the same way by each, so that what `derrick compile` writes,
 * `derrick run` accepts.
 *
 * Like `wasmtime`: with no `--target` the engine compiles for the host with
 * the host's CPU features inferred (cpuid); an explicit `--target` — even the
 * host's architecture — gets the target's baseline, and `--set` overrides
 * either. Setters only record; `new Engine` validates (unknown names, bad
 * values, the SIMD ISA-level check) and its errors become `CliError`s.
 */
import { DiskCacheStore } from '@derrick/cache';
import { compilerBuilder } from '@derrick/compiler';
import { Config, Engine } from '@derrick/runtime';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { CliError } from './errors.js';
import { parseTarget } from './target.js';

export interface EngineOptions {
  target?: string;
  set: string[];
  enable: string[];
  /** `--cache DIR`: an on-disk incremental compilation cache. */
  cache?: string;
}

/** The on-disk store `--cache DIR` names (relative to `cwd`). */
export function diskCacheStore(cwd: string, dir: string): DiskCacheStore {
  return new DiskCacheStore(resolve(cwd, dir));
}

/** Adds the repeatable `--set name=value` and `--enable NAME` to a command. */
export function addSettingOptions(command: Command): Command {
  return command
    .option(
      '--set <name=value>',
      'compiler setting, e.g. opt_level=speed or has_avx2=false (repeatable; see `derrick settings`)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--enable <name>',
      'turn on a boolean setting or a preset, e.g. x86-64-v2 (repeatable; see `derrick settings`)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    );
}

/** Adds `--target`, `--set`, `--enable` and `--cache` to a command. */
export function addEngineOptions(command: Command): Command {
  command.option('--target <target>', 'target to compile for (default: the host, with its CPU features)', (v: string) => parseTarget(v));
  return addSettingOptions(command).option('--cache <dir>', 'incremental compilation cache directory (created if missing; see `derrick cache`)');
}

/** Record `--set` and `--enable` into `config` (nothing is validated until an `Engine` is made). */
export function applySettingOptions(config: Config, options: { set: readonly string[]; enable: readonly string[] }): void {
  for (const s of options.set) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new CliError(`--set expects name=value, got '${s}'`);
    config.set(s.slice(0, eq), s.slice(eq + 1));
  }
  for (const name of options.enable) config.enable(name);
}

/** The `Config` the options describe (nothing is validated yet). */
export function engineConfig(options: EngineOptions, cwd: string = process.cwd()): Config {
  const config = new Config().compilerBuilder(compilerBuilder).optLevel('speed');
  if (options.target !== undefined) config.target(options.target);
  applySettingOptions(config, options);
  if (options.cache !== undefined) config.enableIncrementalCompilation(diskCacheStore(cwd, options.cache));
  return config;
}

/** An engine for the options; bad settings are a `CliError` (exit 2) naming the setting. */
export function createEngine(options: EngineOptions, cwd?: string): Engine {
  const config = engineConfig(options, cwd);
  try {
    return new Engine(config);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
}
