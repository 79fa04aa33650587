/** Argument helpers shared by the fuzz targets' command lines. */

/** The value after the flag `argv[i]`, which must be a non-negative number (else throws with `usage`). */
export function numberArg(argv: readonly string[], i: number, usage: string): number {
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${argv[i]} needs a non-negative number\n${usage}`);
  return v;
}
