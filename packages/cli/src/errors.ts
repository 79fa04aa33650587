/**
 * CLI errors are values with an exit code: a command throws `CliError` for bad
 * input (missing file, unknown target, …) and `main` prints `error: <message>`
 * — never a stack trace — and returns the code.
 *
 * Exit codes: 0 success; 1 the command ran and found a problem (an invalid
 * module, a failed test); 2 the command could not run as asked (bad flags,
 * unreadable input).
 */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A filesystem error as a sentence: "no such file", "permission denied", … */
export function describeFsError(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
