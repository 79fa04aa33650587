/**
 * The script runner: reads a `.wast` script command by command, checks what
 * can be checked, and counts every command as passed, failed or skipped.
 *
 * ## What is checked where
 *
 * | command | without an executor | with an executor |
 * |---|---|---|
 * | `module` | text → wabt → binary; decode + validate: failure on error, else **skipped** | + instantiate |
 * | `assert_malformed` (binary) | passes iff the decoder throws a `decode` error whose message includes the expected text | same |
 * | `assert_malformed` (text/quote), key `assert_malformed_text` | passes iff wabt rejects the text | same |
 * | `assert_invalid` | passes iff the decoder throws a `validate` error whose message includes the expected text | same |
 * | `assert_unlinkable`, `assert_uninstantiable`, `assert_trap` on a module | decode + validate (failure on error), else skipped | + instantiate must fail with the right kind |
 * | `register`, `invoke`, `get`, `assert_return`, `assert_trap`, `assert_exhaustion` | skipped | run and compare |
 *
 * Text-format `assert_malformed` tests wabt's parser, not Derrick, which is
 * why it has its own key: a reader of the totals must be able to tell the two
 * apart.
 *
 * ## Invariants
 *
 * - *Skip-invariant*: a command that needs execution is never counted as
 *   passed without an executor; it is skipped.
 * - *Containment-invariant*: one command's crash (a decoder exception that is
 *   not a `WasmError`, a wabt abort, an executor bug) is recorded as that
 *   command's failure and the script goes on. A syntax error ends the reading
 *   of the script (the reader cannot resynchronise), after the commands
 *   before it have run; it is recorded as one failure.
 * - Every failure carries the command's line and a message that says what was
 *   expected and what happened.
 */

import { readFile } from 'node:fs/promises';
import { WastSyntaxError } from './lexer.js';
import { environDecoder, formatWasmError, isWasmError, type WasmDecoder, type WasmErrorLike } from './decoder.js';
import { isWastExecutionError, type WastExecutionErrorKind, type WastExecutor, type WastExecutorFactory } from './executor.js';
import { WastParser, type WastAction, type WastCommand, type WastModule } from './script.js';
import { emptyCounts, recordOutcome, summarize, type WastCommandKey, type WastFileResult, type WastSummary } from './summary.js';
import { formatExpected, formatValue, matchesExpected, type WastValue } from './values.js';
import { firstWatDiagnostic, loadWabt, resetWabt, WatError, watToBinaryWith, type Wabt } from './wat.js';

export interface WastRunOptions {
  /**
   * Creates the executor for a script. Without one, every command that needs
   * execution is skipped (Skip-invariant).
   */
  executor?: WastExecutorFactory;
  /** Decodes and validates module binaries; defaults to `@derrick/environ`'s `decodeModule`. */
  decoder?: WasmDecoder;
}

/** The outcome of one command. */
type Outcome = 'passed' | 'skipped' | { readonly failed: string };

const fail = (message: string): { readonly failed: string } => ({ failed: message });

/** The `byCommand` key of a command. */
export function commandKey(cmd: WastCommand): WastCommandKey {
  switch (cmd.kind) {
    case 'action':
      return cmd.action.kind;
    case 'assert_malformed':
      return cmd.module.source.kind === 'binary' ? 'assert_malformed' : 'assert_malformed_text';
    default:
      return cmd.kind;
  }
}

/** Runs the script in the file at `path`. The file's name in the result is `path` as given. */
export async function runWastFile(path: string, options: WastRunOptions = {}): Promise<WastFileResult> {
  const source = await readFile(path);
  return runWastText(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), path, options);
}

/** Runs several script files one after another and totals them. */
export async function runWastFiles(paths: readonly string[], options: WastRunOptions = {}): Promise<WastSummary> {
  const results: WastFileResult[] = [];
  for (const path of paths) results.push(await runWastFile(path, options));
  return summarize(results);
}

/** Runs a script given as text (or its UTF-8 bytes); `name` labels the result and wabt's messages. */
export async function runWastText(
  text: string | Uint8Array,
  name: string,
  options: WastRunOptions = {},
): Promise<WastFileResult> {
  const source = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const run = new ScriptRun(name, options.decoder ?? environDecoder, await loadWabt());
  if (options.executor !== undefined) run.executor = await options.executor({ filename: name });
  try {
    await run.run(source);
  } finally {
    await run.executor?.dispose?.();
  }
  return run.result;
}

/** Thrown inside the runner for a script-level problem (unknown module name, …). */
class ScriptError extends Error {}

type DecodeResult = { readonly ok: true; readonly decoded: unknown } | { readonly ok: false; readonly error: WasmErrorLike };

type ModuleBinary = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: WatError };

class ScriptRun {
  readonly result: WastFileResult;
  executor: WastExecutor | undefined;
  /** Instances by `$name`. */
  private readonly instances = new Map<string, unknown>();
  /** The most recently instantiated module, target of unnamed actions. */
  private current: { readonly instance: unknown } | undefined;

  constructor(
    readonly filename: string,
    private readonly decoder: WasmDecoder,
    private wabt: Wabt,
  ) {
    this.result = { file: filename, ...emptyCounts(), failures: [], byCommand: {} };
  }

  async run(source: Uint8Array): Promise<void> {
    const parser = new WastParser(source);
    for (;;) {
      let form;
      try {
        form = parser.reader.next();
      } catch (e) {
        const line = e instanceof WastSyntaxError ? e.line : parser.lines.line(parser.reader.offset);
        recordOutcome(this.result, 'script', fail(`syntax error: ${errorMessage(e)}`), line);
        return;
      }
      if (form === undefined) return;
      let cmd: WastCommand;
      try {
        cmd = parser.parseTopLevel(form);
      } catch (e) {
        const head = WastParser.head(form);
        const key = head !== undefined && isCommandKey(head) ? head : 'script';
        recordOutcome(this.result, key, fail(`syntax error: ${errorMessage(e)}`), parser.line(form));
        continue;
      }
      let outcome: Outcome;
      try {
        outcome = await this.command(cmd);
      } catch (e) {
        // Containment-invariant.
        outcome = fail(e instanceof ScriptError ? e.message : `internal error: ${errorMessage(e)}`);
      }
      recordOutcome(this.result, commandKey(cmd), outcome, cmd.line);
      if (parser.inlineModule) return;
    }
  }

  private async command(cmd: WastCommand): Promise<Outcome> {
    switch (cmd.kind) {
      case 'module':
        return this.moduleCommand(cmd.module);
      case 'register': {
        if (this.executor === undefined) return 'skipped';
        await this.executor.register(cmd.as, this.instance(cmd.module));
        return 'passed';
      }
      case 'action': {
        if (this.executor === undefined) return 'skipped';
        return this.expectSuccess(cmd.action);
      }
      case 'assert_return': {
        if (this.executor === undefined) return 'skipped';
        return this.assertReturn(cmd.action, cmd);
      }
      case 'assert_trap':
        if (cmd.subject.kind === 'module') return this.assertModuleFails(cmd.subject, 'trap', cmd.message);
        if (this.executor === undefined) return 'skipped';
        return this.assertActionFails(cmd.subject, 'trap', cmd.message);
      case 'assert_exhaustion':
        if (this.executor === undefined) return 'skipped';
        return this.assertActionFails(cmd.action, 'exhaustion', cmd.message);
      case 'assert_malformed':
        return this.assertMalformed(cmd.module, cmd.message);
      case 'assert_invalid':
        return this.assertInvalid(cmd.module, cmd.message);
      case 'assert_unlinkable':
        return this.assertModuleFails(cmd.module, 'unlinkable', cmd.message);
      case 'assert_uninstantiable':
        return this.assertModuleFails(cmd.module, 'trap', cmd.message);
    }
  }

  // -------------------------------------------------------------------------
  // Modules

  /** The module's binary: its bytes, or wabt's conversion of its text. */
  private async binary(module: WastModule): Promise<ModuleBinary> {
    const source = module.source;
    if (source.kind === 'binary') return { ok: true, bytes: source.bytes };
    try {
      const bytes =
        source.kind === 'text'
          ? watToBinaryWith(this.wabt, source.text, { filename: this.filename, line: source.line, column: source.column })
          : watToBinaryWith(this.wabt, source.text, { filename: `${this.filename} (quoted module)` });
      return { ok: true, bytes };
    } catch (e) {
      if (!(e instanceof WatError)) throw e;
      if (e.wabtCrashed) {
        // wabt aborted: its heap cannot be trusted any more. Start afresh.
        resetWabt();
        this.wabt = await loadWabt();
      }
      return { ok: false, error: e };
    }
  }

  private decode(bytes: Uint8Array): DecodeResult {
    try {
      return { ok: true, decoded: this.decoder.decode(bytes) };
    } catch (e) {
      if (isWasmError(e)) return { ok: false, error: e };
      throw e;
    }
  }

  /** Converts and decodes a module that is expected to be well-formed and valid. */
  private async validModule(module: WastModule): Promise<{ readonly bytes: Uint8Array; readonly decoded: unknown } | { readonly failed: string }> {
    const binary = await this.binary(module);
    if (!binary.ok) return fail(`wabt could not convert the module: ${firstWatDiagnostic(binary.error.message)}`);
    const decoded = this.decode(binary.bytes);
    if (!decoded.ok) {
      const what = decoded.error.kind === 'decode' ? 'is malformed' : 'is invalid';
      return fail(`module ${what}: ${formatWasmError(decoded.error)}`);
    }
    return { bytes: binary.bytes, decoded: decoded.decoded };
  }

  private async moduleCommand(module: WastModule): Promise<Outcome> {
    const valid = await this.validModule(module);
    if (!('bytes' in valid)) {
      this.current = undefined;
      return valid;
    }
    if (this.executor === undefined) return 'skipped';
    let instance: unknown;
    try {
      instance = await this.executor.instantiate({ bytes: valid.bytes, decoded: valid.decoded, name: module.name });
    } catch (e) {
      this.current = undefined;
      if (isWastExecutionError(e)) return fail(`instantiation failed (${e.kind}): ${e.message}`);
      throw e;
    }
    this.current = { instance };
    if (module.name !== undefined) this.instances.set(module.name, instance);
    return 'passed';
  }

  private async assertMalformed(module: WastModule, expected: string): Promise<Outcome> {
    const binary = await this.binary(module);
    if (module.source.kind !== 'binary') {
      // assert_malformed_text: wabt's text parser is what is under test.
      return binary.ok ? fail(`wabt accepted text that should be malformed ("${expected}")`) : 'passed';
    }
    if (!binary.ok) throw binary.error; // unreachable: binary modules need no conversion
    const decoded = this.decode(binary.bytes);
    if (decoded.ok) return fail(`module decoded and validated; expected malformed ("${expected}")`);
    const error = decoded.error;
    if (error.kind !== 'decode') {
      return fail(`expected malformed ("${expected}"), got a validation error: ${formatWasmError(error)}`);
    }
    if (!error.message.includes(expected)) {
      return fail(`wrong decode error: expected "${expected}", got: ${formatWasmError(error)}`);
    }
    return 'passed';
  }

  private async assertInvalid(module: WastModule, expected: string): Promise<Outcome> {
    const binary = await this.binary(module);
    if (!binary.ok) {
      return fail(`wabt could not convert the module (expected invalid: "${expected}"): ${firstWatDiagnostic(binary.error.message)}`);
    }
    const decoded = this.decode(binary.bytes);
    if (decoded.ok) return fail(`module validated; expected invalid ("${expected}")`);
    const error = decoded.error;
    if (error.kind !== 'validate') {
      return fail(`expected invalid ("${expected}"), got a decode error: ${formatWasmError(error)}`);
    }
    if (!error.message.includes(expected)) {
      return fail(`wrong validation error: expected "${expected}", got: ${formatWasmError(error)}`);
    }
    return 'passed';
  }

  /** assert_unlinkable / assert_uninstantiable / assert_trap on a module. */
  private async assertModuleFails(module: WastModule, kind: WastExecutionErrorKind, expected: string): Promise<Outcome> {
    const valid = await this.validModule(module);
    if (!('bytes' in valid)) return valid;
    if (this.executor === undefined) return 'skipped';
    let instance: unknown;
    try {
      instance = await this.executor.instantiate({ bytes: valid.bytes, decoded: valid.decoded, name: module.name });
    } catch (e) {
      if (!isWastExecutionError(e)) throw e;
      return checkFailure(e, kind, expected);
    }
    void instance;
    return fail(`module instantiated; expected ${describeKind(kind)} ("${expected}")`);
  }

  // -------------------------------------------------------------------------
  // Actions (executor present)

  private instance(name: string | undefined): unknown {
    if (name !== undefined) {
      if (!this.instances.has(name)) throw new ScriptError(`unknown module ${name}`);
      return this.instances.get(name);
    }
    if (this.current === undefined) throw new ScriptError('no module is instantiated');
    return this.current.instance;
  }

  private async perform(action: WastAction): Promise<readonly WastValue[]> {
    const executor = this.executor!;
    const instance = this.instance(action.module);
    if (action.kind === 'invoke') return executor.invoke(instance, action.field, action.args);
    return [await executor.get(instance, action.field)];
  }

  private async expectSuccess(action: WastAction): Promise<Outcome> {
    try {
      await this.perform(action);
      return 'passed';
    } catch (e) {
      if (isWastExecutionError(e)) return fail(`${action.kind} "${action.field}" failed (${e.kind}): ${e.message}`);
      throw e;
    }
  }

  private async assertReturn(action: WastAction, cmd: Extract<WastCommand, { kind: 'assert_return' }>): Promise<Outcome> {
    let results: readonly WastValue[];
    try {
      results = await this.perform(action);
    } catch (e) {
      if (isWastExecutionError(e)) return fail(`"${action.field}" failed (${e.kind}): ${e.message}`);
      throw e;
    }
    if (results.length !== cmd.expected.length) {
      return fail(`"${action.field}" returned ${results.length} value(s), expected ${cmd.expected.length}`);
    }
    for (let i = 0; i < results.length; i++) {
      if (!matchesExpected(results[i]!, cmd.expected[i]!)) {
        return fail(`"${action.field}" result ${i}: expected ${formatExpected(cmd.expected[i]!)}, got ${formatValue(results[i]!)}`);
      }
    }
    return 'passed';
  }

  private async assertActionFails(action: WastAction, kind: WastExecutionErrorKind, expected: string): Promise<Outcome> {
    let results: readonly WastValue[];
    try {
      results = await this.perform(action);
    } catch (e) {
      if (!isWastExecutionError(e)) throw e;
      return checkFailure(e, kind, expected);
    }
    return fail(`"${action.field}" returned [${results.map(formatValue).join(', ')}]; expected ${describeKind(kind)} ("${expected}")`);
  }
}

function checkFailure(e: { kind: WastExecutionErrorKind; message: string }, kind: WastExecutionErrorKind, expected: string): Outcome {
  if (e.kind !== kind) return fail(`expected ${describeKind(kind)} ("${expected}"), got ${describeKind(e.kind)}: ${e.message}`);
  if (!failureMessageMatches(e.message, expected)) return fail(`wrong ${KIND_NOUN[kind]} message: expected "${expected}", got "${e.message}"`);
  return 'passed';
}

/**
 * A failure message matches when it contains the expected text. One
 * exception, as in Wasmtime's runner: the reference interpreter reports
 * `uninitialized element N` with the table index, which compiled code does
 * not know at the trap; the message without the index is accepted.
 */
export function failureMessageMatches(actual: string, expected: string): boolean {
  if (actual.includes(expected)) return true;
  return /^uninitialized element \d+$/.test(expected) && actual.includes('uninitialized element');
}

const KIND_NOUN: Record<WastExecutionErrorKind, string> = { trap: 'trap', exhaustion: 'exhaustion', unlinkable: 'link error' };

function describeKind(kind: WastExecutionErrorKind): string {
  switch (kind) {
    case 'trap':
      return 'a trap';
    case 'exhaustion':
      return 'stack exhaustion';
    case 'unlinkable':
      return 'a link error';
  }
}

const COMMAND_KEYS: ReadonlySet<string> = new Set<WastCommandKey>([
  'module',
  'register',
  'invoke',
  'get',
  'assert_return',
  'assert_trap',
  'assert_exhaustion',
  'assert_malformed',
  'assert_invalid',
  'assert_unlinkable',
  'assert_uninstantiable',
]);

function isCommandKey(head: string): head is WastCommandKey {
  return COMMAND_KEYS.has(head);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
