/**
 * `.clif` run tests on the reference interpreter (Cranelift's `test run` /
 * `test interpret`, see wasmtime-facts.md §6).
 *
 * A file has header lines (`test run`, `test interpret`, `set …`, `target …`;
 * `set`/`target` are ignored by the interpreter), functions, and run
 * commands in comments, usually right after the function they exercise:
 *
 * ```
 * ; run: %add(1, 2) == 3            one result
 * ; run: %pair(1) == [1, 2]         several results (or [] for none)
 * ; run: %f(0x1.8p0) != 0.0         `!=` passes when any result differs
 * ; run: %is_ok(5) == true          true/false mean 1/0
 * ; run: %div(1, 0) == trap int_divz   Derrick extension: expected trap
 * ; run                             the preceding function, () -> iN, must return non-zero
 * ; print: %f(3)                    evaluated, result recorded, never fails
 * ```
 *
 * Arguments and expected values are parsed according to the function's
 * signature: integers in decimal or hex (negative numbers allowed), floats
 * as CLIF hex floats, `±Inf`, `±NaN[:0x…]`, `±sNaN:0x…` or decimal. Results
 * are compared bitwise, so NaN payloads and signed zeros matter.
 *
 * A file whose `test` lines name neither `run` nor `interpret` is skipped. A
 * parse error or a verifier error counts as one failure (at its line) and
 * stops the file or that function's commands respectively.
 */
import { type Function, stencilEquals } from './function.js';
import { fitsInBits, parseIeee32, parseIeee64, parseIntLiteral } from './immediates.js';
import { type CallResult, Interpreter, InterpreterError, describeValue } from './interpreter.js';
import { ParseError, type Token, tokenize } from './lexer.js';
import { parseClifFile, parseFunctions } from './parser.js';
import { parseTrapCode, trapCodeName } from './trapcode.js';
import { F32, F64, type Type, isFloat, isInt, typeBits, typeName } from './types.js';
import { verifyFunction } from './verifier.js';
import { printFunction } from './write.js';

export interface RunTestFailure {
  line: number;
  message: string;
}

export interface RunTestReport {
  passed: number;
  failed: number;
  /** Commands an executor declined to run (always 0 on the interpreter). */
  skipped: number;
  failures: RunTestFailure[];
  /** Output of `; print:` commands, `line: text`. */
  printed: string[];
}

 /**
 * Runs commands somewhere other than the interpreter (a native backend).
 * `prepare` sees every verified function of the file before the first call;
 * `call` returns the result, or `undefined` to skip the command (counted in
 * `skipped`); `equals` replaces bitwise comparison of one result value.
 */
export interface RunTestExecutor {
  prepare?(functions: readonly Function[]): void;
  call(func: Function, args: bigint[], line: number): CallResult | undefined;
  equals?(expected: bigint, actual: bigint, type: Type): boolean;
}

type Expectation = { kind: 'values'; values: bigint[] } | { kind: 'trap'; code: string } | { kind: 'nonzero' };

interface RunCommand {
  line: number;
  text: string;
  func: Function;
  args: bigint[];
  compare: '==' | '!=' | 'print';
  expected: Expectation;
}

const RUN_LINE = /^\s*;+\s*(run|print)\b\s*(:?)(.*)$/;

class CommandParser {
  private pos = 0;
  constructor(
    private readonly toks: Token[],
    private readonly line: number,
  ) {}

  private peek(): Token {
    return this.toks[Math.min(this.pos, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  fail(msg: string): never {
    throw new ParseError(this.line, this.peek().col, msg);
  }
  private expect(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) this.fail(`expected '${p}', found '${t.text || t.kind}'`);
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  /** One value of type `ty`. */
  value(ty: Type): bigint {
    const t = this.next();
    if (isInt(ty)) {
      if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) return t.text === 'true' ? 1n : 0n;
      const v = t.kind === 'number' ? parseIntLiteral(t.text) : undefined;
      if (v === undefined) this.fail(`expected an ${typeName(ty)} value, found '${t.text || t.kind}'`);
      if (!fitsInBits(v, typeBits(ty))) this.fail(`${t.text} does not fit in ${typeName(ty)}`);
      return BigInt.asUintN(typeBits(ty), v);
    }
    if (isFloat(ty)) {
      const text = t.text;
      if (t.kind !== 'number' && t.kind !== 'ident') this.fail(`expected an ${typeName(ty)} value, found '${text || t.kind}'`);
      const bits = ty === F32 ? parseIeee32(text) : parseIeee64(text);
      if (bits === undefined) this.fail(`invalid ${typeName(ty)} value '${text}'`);
      return BigInt(bits);
    }
    return this.fail(`values of type ${typeName(ty)} are not supported in run commands`);
  }

  invocation(funcs: Map<string, Function>): { func: Function; args: bigint[] } {
    const n = this.next();
    if (n.kind !== 'name') this.fail(`expected a function name (%name), found '${n.text || n.kind}'`);
    const func = funcs.get(n.text);
    if (func === undefined) this.fail(`no function named %${n.text} in this file`);
    this.expect('(');
    const params = func.signature.params;
    const args: bigint[] = [];
    if (!this.isPunct(')')) {
      do {
        const p = params[args.length];
        if (p === undefined) this.fail(`%${n.text} takes ${params.length} arguments`);
        args.push(this.value(p.type));
      } while (this.isPunct(',') && this.next());
    }
    this.expect(')');
    if (args.length !== params.length) this.fail(`%${n.text} takes ${params.length} arguments, got ${args.length}`);
    return { func, args };
  }

  comparison(): '==' | '!=' | undefined {
    const t = this.peek();
    if (t.kind === 'eof') return undefined;
    if (t.kind === 'punct' && (t.text === '==' || t.text === '!=')) {
      this.next();
      return t.text;
    }
    return this.fail(`expected '==' or '!=', found '${t.text}'`);
  }

  expectation(returns: readonly Type[]): Expectation {
    const t = this.peek();
    if (t.kind === 'ident' && t.text === 'trap') {
      this.next();
      const c = this.next();
      const code = c.kind === 'ident' ? parseTrapCode(c.text) : undefined;
      if (code === undefined) this.fail(`expected a trap code, found '${c.text || c.kind}'`);
      this.end();
      return { kind: 'trap', code: trapCodeName(code) };
    }
    const values: bigint[] = [];
    if (this.isPunct('[')) {
      this.next();
      if (!this.isPunct(']')) {
        do {
          const ty = returns[values.length];
          if (ty === undefined) this.fail(`the function returns ${returns.length} values`);
          values.push(this.value(ty));
        } while (this.isPunct(',') && this.next());
      }
      this.expect(']');
    } else {
      if (returns.length !== 1) this.fail(`the function returns ${returns.length} values; write them as [a, b]`);
      values.push(this.value(returns[0]!));
    }
    if (values.length !== returns.length) this.fail(`expected ${returns.length} values, got ${values.length}`);
    this.end();
    return { kind: 'values', values };
  }

  end(): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(`unexpected '${t.text}' at end of run command`);
  }
}

function funcKey(f: Function): string {
  return f.name.kind === 'testcase' ? f.name.name : `u${f.name.name.namespace}:${f.name.name.index}`;
}

function formatResult(r: CallResult, returns: readonly Type[]): string {
  if ('trap' in r) return `trap ${r.trap}`;
  const vs = r.values.map((v, i) => describeValue(v, returns[i] ?? F64));
  return vs.length === 1 ? vs[0]! : `[${vs.join(', ')}]`;
}

/**
 * Run every run command of a `.clif` file on the interpreter. `fileName`
 * only decorates messages.
 */
export function runClifTests(text: string, fileName = '<input>', executor?: RunTestExecutor): RunTestReport {
  const report: RunTestReport = { passed: 0, failed: 0, skipped: 0, failures: [], printed: [] };
  const fail = (line: number, message: string): void => {
    report.failed++;
    report.failures.push({ line, message: `${fileName}:${line}: ${message}` });
  };

  let file;
  try {
    file = parseClifFile(text);
  } catch (e) {
    if (e instanceof ParseError) {
      fail(e.line, `parse error: ${e.detail}`);
      return report;
    }
    throw e;
  }
  const testKinds = file.tests.map((t) => t.split(/\s+/)[0]);
  if (testKinds.length > 0 && !testKinds.some((k) => k === 'run' || k === 'interpret')) return report;

  const funcs = new Map<string, Function>();
  const broken = new Set<Function>();
  for (const { func, line } of file.functions) {
    funcs.set(funcKey(func), func);
    const errors = verifyFunction(func);
    if (errors.length > 0) {
      broken.add(func);
      fail(line, `verifier errors in ${funcKey(func)}:\n${errors.map((e) => '  ' + e.text).join('\n')}`);
    }
  }

  // Run commands, attached to the nearest preceding function for bare `; run`.
  const lines = text.split('\n');
  const commands: RunCommand[] = [];
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const m = RUN_LINE.exec(raw);
    if (!m) return;
    const kind = m[1]!;
    const hasColon = m[2] === ':';
    const rest = m[3]!.trim();
    try {
      if (kind === 'run' && !hasColon) {
        if (rest !== '') throw new ParseError(line, 1, "expected ':' after 'run'");
        let owner: Function | undefined;
        for (const f of file.functions) if (f.line < line) owner = f.func;
        if (owner === undefined) throw new ParseError(line, 1, 'bare `; run` before any function');
        const sig = owner.signature;
        if (sig.params.length !== 0 || sig.returns.length !== 1 || !isInt(sig.returns[0]!.type)) {
          throw new ParseError(line, 1, 'bare `; run` needs a function of type () -> iN');
        }
        commands.push({ line, text: 'run', func: owner, args: [], compare: '==', expected: { kind: 'nonzero' } });
        return;
      }
      const toks = tokenize(rest, line);
      const p = new CommandParser(toks, line);
      const { func, args } = p.invocation(funcs);
      const returns = func.signature.returns.map((r) => r.type);
      if (kind === 'print') {
        p.end();
        commands.push({ line, text: `print: ${rest}`, func, args, compare: 'print', expected: { kind: 'nonzero' } });
        return;
      }
      const cmp = p.comparison();
      if (cmp === undefined) {
        if (returns.length !== 1 || !isInt(returns[0]!)) p.fail('a run command without a comparison needs a function returning one integer');
        commands.push({ line, text: `run: ${rest}`, func, args, compare: '==', expected: { kind: 'nonzero' } });
        return;
      }
      commands.push({ line, text: `run: ${rest}`, func, args, compare: cmp, expected: p.expectation(returns) });
    } catch (e) {
      if (e instanceof ParseError) fail(line, `bad run command: ${e.detail}`);
      else throw e;
    }
  });

  const interp = executor === undefined ? new Interpreter(file.functions.map((f) => f.func)) : undefined;
  executor?.prepare?.(file.functions.map((f) => f.func).filter((f) => !broken.has(f)));
  for (const cmd of commands) {
    if (broken.has(cmd.func)) {
      fail(cmd.line, `${cmd.text}: not run, the function does not verify`);
      continue;
    }
    const returns = cmd.func.signature.returns.map((r) => r.type);
    let result: CallResult;
    try {
      if (interp !== undefined) {
        result = interp.callFunction(cmd.func, cmd.args);
      } else {
        const r = executor!.call(cmd.func, cmd.args, cmd.line);
        if (r === undefined) {
          report.skipped++;
          continue;
        }
        result = r;
      }
    } catch (e) {
      if (e instanceof InterpreterError) {
        fail(cmd.line, `${cmd.text}: interpreter error: ${e.message}`);
        continue;
      }
      throw e;
    }
    const actual = formatResult(result, returns);
    if (cmd.compare === 'print') {
      report.printed.push(`${cmd.line}: ${cmd.text} -> ${actual}`);
      report.passed++;
      continue;
    }
    let ok: boolean;
    const exp = cmd.expected;
    if (exp.kind === 'trap') {
      ok = 'trap' in result && result.trap === exp.code;
      if (cmd.compare === '!=') ok = !ok;
    } else if ('trap' in result) {
      ok = false;
    } else if (exp.kind === 'nonzero') {
      ok = result.values.length === 1 && result.values[0] !== 0n;
    } else {
      const same = executor?.equals ?? ((a: bigint, b: bigint): boolean => a === b);
      const eq = exp.values.length === result.values.length && exp.values.every((v, i) => same(v, result.values[i]!, returns[i]!));
      ok = cmd.compare === '==' ? eq : !eq;
    }
    if (ok) report.passed++;
    else fail(cmd.line, `${cmd.text}, actual: ${actual}`);
  }
  report.failures.sort((a, b) => a.line - b.line);
  return report;
}

/**
 * Check the printer/parser round trip on every function of a `.clif` text:
 * print → parse → print must be identical, and the reparsed stencil must
 * equal the original. Returns a list of problems (empty when fine).
 */
export function checkRoundTrip(text: string): string[] {
  const problems: string[] = [];
  for (const f of parseFunctions(text)) {
    const printed = printFunction(f);
    const again = parseFunctions(printed)[0]!;
    const reprinted = printFunction(again);
    if (reprinted !== printed) problems.push(`${funcKey(f)}: print → parse → print differs:\n${printed}\n---\n${reprinted}`);
    if (!stencilEquals(f.stencil, again.stencil)) problems.push(`${funcKey(f)}: reparsed stencil differs`);
  }
  return problems;
}

