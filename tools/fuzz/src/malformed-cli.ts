#!/usr/bin/env node
/**
 * `pnpm fuzz:malformed [--seed N] [--iterations N] [--time S] [--aarch64] [FILE.wasm ...]`
 *
 * Runs the malformed-module fuzz target (`malformed.ts`) over the given
 * modules (default: the bench kernels in `../shared/bench`) until
 * `--iterations` iterations or `--time` seconds (default 60 s). With
 * `--aarch64` each module is also compiled for AArch64. The seed defaults to
 * the current time and is printed first. Exit status 0 and a JSON summary on
 * stdout when every module compiled or got a typed error; 1 and the failure
 * (the seed that reproduces it alone, the module in base64) otherwise.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MalformedFuzzFailure, runMalformedFuzz } from './malformed.js';
import { numberArg } from './cli-args.js';

const USAGE = 'usage: pnpm fuzz:malformed [--seed N] [--iterations N] [--time SECONDS] [--aarch64] [FILE.wasm ...]';

function main(argv: readonly string[]): number {
  let seed: number | undefined;
  let iterations: number | undefined;
  let time: number | undefined;
  const triples = ['x86_64'];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => numberArg(argv, i++, USAGE);
    if (a === '--seed') seed = num();
    else if (a === '--iterations') iterations = num();
    else if (a === '--time') time = num();
    else if (a === '--aarch64') triples.push('aarch64');
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a === '--') continue;
    else if (a.startsWith('--')) throw new Error(`unknown argument ${a}\n${USAGE}`);
    else files.push(a);
  }
  if (files.length === 0) {
    const bench = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/bench');
    for (const f of readdirSync(bench).sort()) if (f.endsWith('.wasm')) files.push(path.join(bench, f));
  }
  const s = seed ?? Date.now() % 0x1_0000_0000;
  const timeLimitMs = time !== undefined ? time * 1000 : iterations === undefined ? 60_000 : undefined;
  console.error(`malformed fuzz: seed ${s}, ${files.length} seed modules, ${triples.join(' + ')}`);
  try {
    const r = runMalformedFuzz({
      seeds: files.map((f) => new Uint8Array(readFileSync(f))),
      seed: s,
      triples,
      ...(iterations !== undefined ? { iterations } : {}),
      ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
    });
    console.log(JSON.stringify({ command: `pnpm fuzz:malformed ${argv.join(' ')}`.trim(), ...r, elapsedMs: Math.round(r.elapsedMs) }, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof MalformedFuzzFailure) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 2;
}
