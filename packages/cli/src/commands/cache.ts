/**
 * `derrick cache stats DIR` and `derrick cache clear DIR` — inspect and empty
 * an on-disk incremental compilation cache (the directory `--cache DIR` on
 * `run`, `compile` and `wast` fills; `@derrick/cache`'s `DiskCacheStore`).
 *
 * `stats` prints `key: value` lines: the directory, entries, bytes, temp
 * files, and the oldest and newest use (ISO times). `clear` deletes the
 * entries and temp files (only names the store creates; the directory and its
 * `CACHEDIR.TAG` stay) and prints `removed N entries (B bytes)`. A directory
 * that does not exist is an error (exit 2), so a typo is not silently "empty".
 */
import { statSync } from 'node:fs';
import { DiskCacheStore } from '@derrick/cache';
import type { Command } from 'commander';
import type { CliCommand, CliContext } from '../command.js';
import { CliError } from '../errors.js';
import { resolvePath } from '../input.js';

function openStore(ctx: CliContext, dir: string): DiskCacheStore {
  const path = resolvePath(ctx.io.cwd, dir);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new CliError(`${dir}: no such cache directory`);
  return new DiskCacheStore(path, { logger: { warn: (m) => ctx.io.stderr(`warning: ${m}\n`) } });
}

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

export const cacheCommand: CliCommand = {
  name: 'cache',
  register(program: Command, ctx: CliContext): void {
    const cache = program.command('cache').description('inspect or clear an incremental compilation cache directory (--cache DIR)');
    cache
      .command('stats')
      .description('show the entries and bytes of a cache directory')
      .argument('<dir>', 'cache directory')
      .action((dir: string) => {
        const s = openStore(ctx, dir).stats();
        ctx.io.stdout(
          [
            `dir: ${s.dir}`,
            `entries: ${s.entries}`,
            `bytes: ${s.bytes}`,
            `temp_files: ${s.tempFiles}`,
            `oldest_use: ${iso(s.oldestMs)}`,
            `newest_use: ${iso(s.newestMs)}`,
          ].join('\n') + '\n',
        );
      });
    cache
      .command('clear')
      .description('delete every entry of a cache directory')
      .argument('<dir>', 'cache directory')
      .action((dir: string) => {
        const r = openStore(ctx, dir).clear();
        ctx.io.stdout(`removed ${r.entries} entries (${r.bytes} bytes)\n`);
      });
  },
};
