/**
 * Fuzz target: malformed and mutated modules (bad input gets a typed error).
 *
 * # What it checks
 *
 * One property, **typed-rejection**: a module made by mutating a valid one
 * either compiles — decoded and validated by `decodeModule`, every function
 * compiled by `DerrickCompiler`, the text laid out — or is rejected with a
 * typed error that says what is wrong: a `WasmError` (`DecodeError`,
 * `ValidationError`) or a `CompileError`, with a non-empty message. Any
 * other exception (a `TypeError`, a `RangeError` from an absurd allocation,
 * an internal assertion) is a failure: it is how a malformed module would
 * crash an embedder instead of being reported.
 *
 * Inputs, per iteration: one of the seed modules with 1–4 mutations — a bit
 * flipped, a byte replaced by one that means something to the decoder
 * (0x00, 0x0b `end`, 0x20 `local.get`, 0x28 `load`, 0x40/0x41, 0x7f, 0x80
 * LEB continuation, 0xff), a byte deleted or inserted — anywhere after the
 * 8-byte header; compiled for each target triple asked for.
 *
 * # Reproducing a failure
 *
 * Iteration `i` of a run with seed `S` draws from seed `S + i`, so a failure
 * (`MalformedFuzzFailure`) names the one seed that reproduces it alone, and
 * carries the mutated bytes.
 *
 * # Checking the checker
 *
 * `MalformedFuzzOptions.compile` replaces the compile step, so a test can
 * plant an untyped exception and see the property fail.
 */
import { DerrickCompilerBuilder, type DerrickCompiler } from '@derrick/compiler';
import { CompileError, type CompiledBody, WasmError, decodeModule } from '@derrick/environ';
import { Rng } from './random-function.js';

export interface MalformedFuzzOptions {
  /** Valid modules to mutate. */
  readonly seeds: readonly Uint8Array[];
  readonly seed?: number;
  /** Stop after this many iterations (default: unbounded with a time limit, else 100). */
  readonly iterations?: number;
  readonly timeLimitMs?: number;
  /** Targets to compile for (default x86_64). */
  readonly triples?: readonly string[];
  /** The compile step (default `compileModule`); a test plants bugs here. */
  readonly compile?: (bytes: Uint8Array, triple: string) => void;
  readonly onIteration?: (i: number) => void;
}

export interface MalformedFuzzResult {
  readonly seed: number;
  readonly iterations: number;
  /** Mutated modules that compiled. */
  readonly compiled: number;
  /** Rejections by error class and kind, e.g. `DecodeError`, `CompileError:unsupported`. */
  readonly rejected: Record<string, number>;
  readonly elapsedMs: number;
}

export class MalformedFuzzFailure extends Error {
  override readonly name = 'MalformedFuzzFailure';
  constructor(
    readonly seed: number,
    readonly triple: string,
    readonly detail: string,
    readonly bytes: Uint8Array,
  ) {
    super(
      `typed-rejection failed (${triple}): ${detail}\n` +
        `reproduce: pnpm fuzz:malformed --seed ${seed} --iterations 1\n` +
        `module (${bytes.length} bytes): ${Buffer.from(bytes).toString('base64')}`,
    );
  }
}

const compilers = new Map<string, DerrickCompiler>();

/** Decode, validate and compile `bytes` for `triple` as the runtime does (no instantiation). */
export function compileModule(bytes: Uint8Array, triple: string): void {
  let compiler = compilers.get(triple);
  if (compiler === undefined) compilers.set(triple, (compiler = new DerrickCompilerBuilder(triple).build() as DerrickCompiler));
  const translation = decodeModule(bytes);
  const bodies: CompiledBody[] = [];
  for (let i = 0; i < translation.numDefinedFuncs; i++) bodies.push(compiler.compileFunction(translation, i));
  compiler.buildText(translation, bodies);
}

const MEANINGFUL = [0x00, 0x0b, 0x20, 0x28, 0x40, 0x41, 0x7f, 0x80, 0xff];

/** Seed module and mutations drawn from `seed`. */
export function mutatedModule(seeds: readonly Uint8Array[], seed: number): Uint8Array {
  const r = new Rng(seed);
  const bytes = Array.from(r.pick(seeds));
  const n = 1 + r.int(4);
  for (let k = 0; k < n && bytes.length > 8; k++) {
    const at = 8 + r.int(bytes.length - 8);
    const how = r.int(10);
    if (how < 4) bytes[at] = bytes[at]! ^ (1 << r.int(8));
    else if (how < 6) bytes[at] = r.pick(MEANINGFUL);
    else if (how < 8) bytes.splice(at, 1);
    else bytes.splice(at, 0, r.int(256));
  }
  return new Uint8Array(bytes);
}

/** Run the target; throws `MalformedFuzzFailure` on the first untyped error. */
export function runMalformedFuzz(options: MalformedFuzzOptions): MalformedFuzzResult {
  if (options.seeds.length === 0) throw new Error('runMalformedFuzz: no seed modules');
  const seed = options.seed ?? 1;
  const limit = options.iterations ?? (options.timeLimitMs !== undefined ? Infinity : 100);
  const deadline = options.timeLimitMs !== undefined ? performance.now() + options.timeLimitMs : Infinity;
  const triples = options.triples ?? ['x86_64'];
  const compile = options.compile ?? compileModule;
  const rejected: Record<string, number> = {};
  let compiled = 0;
  const t0 = performance.now();
  let i = 0;
  for (; i < limit && performance.now() < deadline; i++) {
    const s = (seed + i) >>> 0;
    const bytes = mutatedModule(options.seeds, s);
    for (const triple of triples) {
      try {
        compile(bytes, triple);
        compiled++;
      } catch (e) {
        const typed = e instanceof WasmError || e instanceof CompileError;
        const message = e instanceof Error ? e.message : String(e);
        if (!typed) throw new MalformedFuzzFailure(s, triple, `untyped ${e instanceof Error ? e.name : typeof e}: ${message}`, bytes);
        if (message.trim() === '') throw new MalformedFuzzFailure(s, triple, `${(e as Error).name} with an empty message`, bytes);
        const key = e instanceof CompileError ? `CompileError:${e.kind}` : (e as Error).name;
        rejected[key] = (rejected[key] ?? 0) + 1;
      }
    }
    options.onIteration?.(i);
  }
  return { seed, iterations: i, compiled, rejected, elapsedMs: performance.now() - t0 };
}
