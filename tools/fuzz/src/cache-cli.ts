#!/usr/bin/env node
/**
 * `pnpm fuzz:cache [--seed N] [--iterations N] [--time S] [--ir-only | --wasm-only] [--all-mutations]`
 *
 * Runs the cache fuzz target (`cache.ts`) until `--iterations` iterations or
 * `--time` seconds (default: 60 s, unbounded iterations; with only
 * `--iterations`, no time limit). The seed defaults to the current time and
 * is printed first, so every run can be repeated. Exit status 0 and a JSON
 * summary on stdout when every property held; 1 and the failure (property,
 * the seed that reproduces it alone, the input) on stderr otherwise.
 */
import { numberArg } from './cli-args.js';
import { CacheFuzzFailure, runCacheFuzz } from './cache.js';

const USAGE = 'usage: pnpm fuzz:cache [--seed N] [--iterations N] [--time SECONDS] [--ir-only | --wasm-only] [--all-mutations]';

function main(argv: readonly string[]): Promise<number> | number {
  const opts: { seed?: number; iterations?: number; time?: number; ir: boolean; wasm: boolean; all: boolean } = { ir: true, wasm: true, all: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => numberArg(argv, i++, USAGE);
    if (a === '--seed') opts.seed = num();
    else if (a === '--iterations') opts.iterations = num();
    else if (a === '--time') opts.time = num();
    else if (a === '--ir-only') opts.wasm = false;
    else if (a === '--wasm-only') opts.ir = false;
    else if (a === '--all-mutations') opts.all = true;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a === '--') continue;
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  const seed = opts.seed ?? Date.now() % 0x1_0000_0000;
  const timeLimitMs = opts.time !== undefined ? opts.time * 1000 : opts.iterations === undefined ? 60_000 : undefined;
  console.error(`cache fuzz: seed ${seed}${opts.iterations !== undefined ? `, ${opts.iterations} iterations` : ''}${timeLimitMs !== undefined ? `, at most ${timeLimitMs / 1000} s` : ''}`);
  let last = 0;
  return runCacheFuzz({
    seed,
    ...(opts.iterations !== undefined ? { iterations: opts.iterations } : {}),
    ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
    inputs: { ir: opts.ir, wasm: opts.wasm },
    ...(opts.all ? { mutationsPerFunction: Infinity } : {}),
    onIteration: (i) => {
      const now = Date.now();
      if (now - last > 5000) {
        last = now;
        console.error(`  ${i + 1} iterations`);
      }
    },
  }).then(
    (r) => {
      console.log(JSON.stringify({ command: `pnpm fuzz:cache ${argv.join(' ')}`.trim(), ...r, elapsedMs: Math.round(r.elapsedMs) }, null, 2));
      return 0;
    },
    (e: unknown) => {
      if (e instanceof CacheFuzzFailure) console.error(e.message);
      else console.error(`cache fuzz: internal error at seed ${seed}:`, e);
      return 1;
    },
  );
}

try {
  const status = await main(process.argv.slice(2));
  process.exitCode = status;
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}
