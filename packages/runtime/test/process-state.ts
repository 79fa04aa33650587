/** `/proc/self/maps`, for tests that check what is mapped. */
import { readFileSync } from 'node:fs';

export interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
}

export function mappings(): Mapping[] {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [range, perms] = l.split(/\s+/);
      const [start, end] = range!.split('-');
      return { start: BigInt(`0x${start!}`), end: BigInt(`0x${end!}`), perms: perms! };
    });
}

export function mappingContaining(address: bigint): Mapping | undefined {
  return mappings().find((m) => m.start <= address && address < m.end);
}

/** Bytes of address space mapped inaccessible (reservations) in this process. */
export function reservedBytes(): bigint {
  return mappings()
    .filter((m) => m.perms === '---p')
    .reduce((n, m) => n + (m.end - m.start), 0n);
}

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Collect garbage until `done()` holds (finalizers run as separate tasks). */
export async function collectUntil(done: () => boolean, attempts = 50): Promise<boolean> {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < attempts; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (done()) return true;
  }
  return false;
}
