/**
 * The spec testsuite's binary modules, run directly against the decoder.
 *
 * Every `(module binary …)` of `core-2.0/*.wast` must decode and validate;
 * every `assert_malformed` / `assert_invalid` over a `(module binary …)` must
 * fail with a `DecodeError` / `ValidationError` whose message contains the
 * reference interpreter's text. (The text-format modules need an assembler;
 * the `.wast` runner in `@derrick/wast` covers them.)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecodeError, ValidationError } from './errors.js';
import { validationError } from './module-decoder.js';

const SPEC_DIR =
  process.env['DERRICK_SPEC_TESTSUITE'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/testsuite/core-2.0');

type SExpr = string | { str: Uint8Array } | SExpr[];

/** A minimal reader for the s-expressions of a .wast script (atoms, strings, lists; comments skipped). */
function readSExprs(text: string): { expr: SExpr; line: number }[] {
  let i = 0;
  const n = text.length;
  const out: { expr: SExpr; line: number }[] = [];
  const skip = () => {
    for (;;) {
      while (i < n && /\s/.test(text[i]!)) i++;
      if (text.startsWith(';;', i)) {
        while (i < n && text[i] !== '\n') i++;
      } else if (text.startsWith('(;', i)) {
        let depth = 0;
        do {
          if (text.startsWith('(;', i)) {
            depth++;
            i += 2;
          } else if (text.startsWith(';)', i)) {
            depth--;
            i += 2;
          } else i++;
        } while (depth > 0 && i < n);
      } else return;
    }
  };
  const item = (): SExpr => {
    skip();
    if (text[i] === '(') {
      i++;
      const list: SExpr[] = [];
      for (skip(); text[i] !== ')'; skip()) {
        if (i >= n) throw new Error('unbalanced parentheses');
        list.push(item());
      }
      i++;
      return list;
    }
    if (text[i] === '"') {
      i++;
      const bytes: number[] = [];
      while (text[i] !== '"') {
        if (text[i] === '\\') {
          const c = text[++i]!;
          if (/[0-9a-fA-F]/.test(c) && /[0-9a-fA-F]/.test(text[i + 1]!)) {
            bytes.push(parseInt(text.slice(i, i + 2), 16));
            i += 2;
          } else if (c === 'u') {
            const close = text.indexOf('}', i);
            bytes.push(...new TextEncoder().encode(String.fromCodePoint(parseInt(text.slice(i + 2, close), 16))));
            i = close + 1;
          } else {
            bytes.push(({ n: 10, t: 9, r: 13 } as Record<string, number>)[c] ?? c.charCodeAt(0));
            i++;
          }
        } else {
          const ch = String.fromCodePoint(text.codePointAt(i)!);
          bytes.push(...new TextEncoder().encode(ch));
          i += ch.length;
        }
      }
      i++;
      return { str: Uint8Array.from(bytes) };
    }
    const start = i;
    while (i < n && !/[\s()]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  for (skip(); i < n; skip()) {
    const line = text.slice(0, i).split('\n').length;
    out.push({ expr: item(), line });
  }
  return out;
}

/** The bytes of a `(module [$id] binary "…"*)`, or undefined for other module forms. */
function binaryModule(e: SExpr): Uint8Array | undefined {
  if (!Array.isArray(e) || e[0] !== 'module') return undefined;
  const k = typeof e[1] === 'string' && e[1].startsWith('$') ? 2 : 1;
  if (e[k] !== 'binary') return undefined;
  const parts = e.slice(k + 1).map((p) => (typeof p === 'object' && !Array.isArray(p) ? p.str : new Uint8Array()));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface Case {
  where: string;
  bytes: Uint8Array;
  expect: 'valid' | 'malformed' | 'invalid';
  message: string;
}

function collectCases(): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(SPEC_DIR).filter((f) => f.endsWith('.wast'))) {
    const text = readFileSync(join(SPEC_DIR, file), 'utf8');
    if (!text.includes('binary')) continue;
    for (const { expr, line } of readSExprs(text)) {
      if (!Array.isArray(expr)) continue;
      const where = `${file}:${line}`;
      const head = expr[0];
      const direct = binaryModule(expr);
      if (direct) cases.push({ where, bytes: direct, expect: 'valid', message: '' });
      if (head === 'assert_malformed' || head === 'assert_invalid') {
        const bytes = binaryModule(expr[1]!);
        const msg = expr[2];
        if (bytes && typeof msg === 'object' && !Array.isArray(msg)) {
          cases.push({ where, bytes, expect: head === 'assert_malformed' ? 'malformed' : 'invalid', message: new TextDecoder().decode(msg.str) });
        }
      }
    }
  }
  return cases;
}

describe.skipIf(!existsSync(SPEC_DIR))('spec testsuite binary modules', () => {
  const cases = existsSync(SPEC_DIR) ? collectCases() : [];

  it('finds the binary modules', () => {
    expect(cases.filter((c) => c.expect === 'malformed').length).toBeGreaterThanOrEqual(736);
    expect(cases.filter((c) => c.expect === 'invalid').length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((c) => c.expect === 'valid').length).toBeGreaterThanOrEqual(70);
  });

  it('decodes every valid binary module', () => {
    const failures = cases.filter((c) => c.expect === 'valid' && validationError(c.bytes) !== undefined);
    expect(failures.map((c) => `${c.where}: ${validationError(c.bytes)!.message}`)).toEqual([]);
  });

  it('rejects every assert_malformed / assert_invalid binary module with the expected kind and text', () => {
    const failures: string[] = [];
    for (const c of cases) {
      if (c.expect === 'valid') continue;
      const e = validationError(c.bytes);
      const kind = c.expect === 'malformed' ? DecodeError : ValidationError;
      if (!(e instanceof kind) || !e.message.includes(c.message)) {
        failures.push(`${c.where}: expected ${c.expect} "${c.message}", got ${e ? `${e.kind}: ${e.message}` : 'success'}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
