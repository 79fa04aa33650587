/**
 * The codegen-ir run tests (`packages/codegen-ir/test/runtests/*.clif`),
 * after optimization.
 *
 * 1. Every function of every file is optimized (verifying after each pass),
 *    printed back into the file in place of the original, and the file's
 *    `; run:` lines are executed by `runClifTests` — the same commands, the
 *    same expectations, on optimized code.
 * 2. Specialization: for every run line, the function is copied with its
 *    parameters replaced by the run line's arguments as constants, so that
 *    the folder has to compute the whole function; the optimized copy must
 *    return exactly what the unoptimized original returns on the interpreter
 *    (values bit for bit, or the same trap).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  F32,
  F64,
  type Function,
  Interpreter,
  type Value,
  isInt,
  parseFunction,
  parseFunctions,
  parseIeee32,
  parseIeee64,
  parseIntLiteral,
  printFunction,
  runClifTests,
  typeBits,
  verifyFunction,
} from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { FuncCursor } from '@derrick/codegen-ir';
import { optimize } from './optimize.js';
import { Substitution } from './substitution.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../codegen-ir/test/runtests');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.clif'))
  .sort();

/** Replace each `function … }` chunk of a .clif file by `f(chunk)`. */
function mapFunctions(text: string, f: (chunk: string) => string): string {
  const out: string[] = [];
  let chunk: string[] | undefined;
  for (const line of text.split('\n')) {
    if (chunk === undefined && /^function\s/.test(line)) chunk = [];
    if (chunk !== undefined) {
      chunk.push(line);
      if (line.trim() === '}') {
        out.push(f(chunk.join('\n') + '\n').replace(/\n$/, ''));
        chunk = undefined;
      }
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

function optimizeChunk(chunk: string): string {
  const func = parseFunction(chunk);
  optimize(func, { optLevel: 'speed', verify: true });
  expect(verifyFunction(func).map((e) => e.text)).toEqual([]);
  return printFunction(func);
}

interface RunLine {
  name: string;
  args: string[];
}

/** `; run: %name(a, b) …` → name and argument texts (`; run` without a call is skipped). */
function runLines(text: string): RunLine[] {
  const out: RunLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*;\s*run:\s*%([A-Za-z0-9_]+)\((.*?)\)\s*(==|!=)/.exec(line);
    if (!m) continue;
    const args = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((s) => s.trim());
    out.push({ name: m[1]!, args });
  }
  return out;
}

function parseArg(text: string, ty: number): bigint {
  if (isInt(ty)) {
    if (text === 'true') return 1n;
    if (text === 'false') return 0n;
    return BigInt.asUintN(typeBits(ty), parseIntLiteral(text)!);
  }
  if (ty === F32) return BigInt(parseIeee32(text)!);
  if (ty === F64) return parseIeee64(text)!;
  throw new Error(`unsupported argument type ${ty}`);
}

/** A copy of `func` whose parameters are ignored in favour of the constants `args`. */
function specialize(func: Function, args: readonly bigint[]): Function {
  const f = func.clone();
  const dfg = f.dfg;
  const entry = f.layout.entryBlock();
  const cur = new FuncCursor(f).atInst(f.layout.firstInst(entry));
  const subst = new Substitution(dfg);
  dfg.blockParams(entry).forEach((p: Value, i: number) => {
    const ty = dfg.typeOf(p);
    const bits = args[i]!;
    const c = isInt(ty) ? cur.ins().iconst(ty, bits) : ty === F32 ? cur.ins().f32constBits(Number(bits)) : cur.ins().f64constBits(bits);
    subst.replace(p, c);
  });
  f.dfg.resolveAllAliases();
  subst.count++; // force the sweep even if no parameter was replaced
  subst.rewriteFunction(f);
  return f;
}

describe('optimized clif run tests', () => {
  it('finds the run-test files', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');

    it(`${file}: every run command passes after optimization`, () => {
      const baseline = runClifTests(text, file);
      const optimized = mapFunctions(text, optimizeChunk);
      const report = runClifTests(optimized, file);
      expect(report.failures.map((f) => f.message)).toEqual([]);
      expect(report.passed).toBe(baseline.passed);
      expect(report.passed).toBeGreaterThan(0);
    });

    it(`${file}: functions specialized to each run line's arguments fold to the same results`, () => {
      const originals = parseFunctions(text);
      const byName = new Map(originals.map((f) => [f.name.kind === 'testcase' ? f.name.name : '', f]));
      const reference = new Interpreter(originals);
      let checked = 0;
      for (const line of runLines(text)) {
        const func = byName.get(line.name);
        if (func === undefined) continue;
        const args = line.args.map((a, i) => parseArg(a, func.signature.params[i]!.type));
        const expected = reference.call(line.name, args);
        const special = specialize(func, args);
        optimize(special, { optLevel: 'speed', verify: true });
        // Callees stay the unoptimized originals; only the specialized body changes.
        const got = new Interpreter(originals).callFunction(special, args);
        expect({ line: `${line.name}(${line.args.join(', ')})`, result: got }).toEqual({
          line: `${line.name}(${line.args.join(', ')})`,
          result: expected,
        });
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
