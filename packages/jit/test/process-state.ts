/**
 * Test helpers that look at the process from outside the code under test:
 * `/proc/self/maps` (what is mapped, with which permissions) and a forced
 * garbage collection (to see finalizers run).
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  /** `rwxp`-style permission string. */
  readonly perms: string;
  /** Path or pseudo-name (`[stack]`), '' for anonymous. */
  readonly name: string;
}

export function mappings(): Mapping[] {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [range, perms, , , , ...rest] = line.split(/\s+/);
      const [start, end] = range!.split('-');
      return { start: BigInt(`0x${start!}`), end: BigInt(`0x${end!}`), perms: perms!, name: rest.join(' ') };
    });
}

/** The mapping that contains `address`, if any. */
export function mappingContaining(address: bigint): Mapping | undefined {
  return mappings().find((m) => m.start <= address && address < m.end);
}

let gcFunction: (() => void) | undefined;

/** Run a full garbage collection (enables `--expose-gc` on the fly). */
export function forceGc(): void {
  if (gcFunction === undefined) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

/**
 * Collect garbage until `done()` holds (finalizers run as separate tasks after
 * a collection, so yield to the event loop between attempts).
 */
export async function collectUntil(done: () => boolean, attempts = 50): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    forceGc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (done()) return true;
  }
  return false;
}
