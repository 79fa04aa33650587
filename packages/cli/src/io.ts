/**
 * Where the CLI writes. `main()` takes a `CliIo` so that the whole command
 * line can be exercised in-process by tests with captured output; `bin.ts`
 * passes `processIo()`.
 */

import pc from 'picocolors';

export interface CliIo {
  /** Writes to standard output (text is written as given; add your own newlines). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Use ANSI colours in human-readable output. */
  readonly color: boolean;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
}

export type Colors = ReturnType<typeof pc.createColors>;

export function colors(io: CliIo): Colors {
  return pc.createColors(io.color);
}

/** The real process streams. Colour only when stdout is a terminal and NO_COLOR is unset. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    color: process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined,
    cwd: process.cwd(),
  };
}

/** An `io` that records everything written (for tests and embedding). */
export function captureIo(options: { color?: boolean; cwd?: string } = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    color: options.color ?? false,
    cwd: options.cwd ?? process.cwd(),
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}
