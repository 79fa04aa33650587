/**
 * Tokenizer for CLIF text.
 *
 * Tokens carry their 1-based line and column so that every parse error can
 * say where it is. Comments (`;` to end of line) are skipped here; the
 * run-test driver reads `; run:` comments from the raw lines itself.
 *
 * Token kinds:
 *
 * | kind | examples |
 * |---|---|
 * | `ident` | `iadd`, `i32`, `notrap`, `function`, `NaN` |
 * | `value` | `v12` (num = 12) |
 * | `block` | `block3` |
 * | `ss` `sig` `fn` `jt` | `ss0`, `sig1`, `fn2`, `jt0` |
 * | `name` | `%foo` (text = `foo`) |
 * | `user` | `u0:3` (num = namespace, num2 = index) |
 * | `srcloc` | `@0012` (num = 0x12) |
 * | `number` | `42`, `-1`, `0xff`, `+8`, `0x1.8p3`, `-0.0`, `+Inf`, `-NaN:0x1`, `1.5e3` |
 * | `punct` | `( ) [ ] { } , : = . -> ==  !=` |
 * | `eof` | |
 */

export type TokenKind =
  | 'ident'
  | 'value'
  | 'block'
  | 'ss'
  | 'sig'
  | 'fn'
  | 'jt'
  | 'name'
  | 'user'
  | 'srcloc'
  | 'number'
  | 'punct'
  | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  num: number;
  num2: number;
  line: number;
  col: number;
}

/** A syntax or semantic error in CLIF text, with its position. */
export class ParseError extends Error {
  readonly line: number;
  readonly col: number;
  readonly detail: string;
  constructor(line: number, col: number, detail: string) {
    super(`${line}:${col}: ${detail}`);
    this.name = 'ParseError';
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}

const NUMBER_RE =
  /[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F]*)?(?:[pP][+-]?[0-9]+)?|[0-9][0-9_]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|Inf\b|sNaN:0x[0-9a-fA-F]+|NaN(?::0x[0-9a-fA-F]+)?)/y;
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const NAME_RE = /%([A-Za-z0-9_.$]+)/y;
const USER_RE = /u([0-9]+):([0-9]+)/y;
const SRCLOC_RE = /@([0-9a-fA-F]+)/y;
const ENTITY_RE = /^(v|block|ss|sig|fn|jt)(0|[1-9][0-9]*)$/;

export function tokenize(text: string, firstLine = 1): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = firstLine;
  let lineStart = 0;
  const n = text.length;
  const push = (kind: TokenKind, t: string, start: number, num = 0, num2 = 0): void => {
    out.push({ kind, text: t, num, num2, line, col: start - lineStart + 1 });
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === ';') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    // Numbers (including signed ones and float specials).
    if (/[0-9]/.test(c) || ((c === '+' || c === '-') && i + 1 < n && /[0-9IsN]/.test(text[i + 1]!))) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(text);
      if (m && m[0].length > 0 && !(m[0] === '+' || m[0] === '-')) {
        i += m[0].length;
        push('number', m[0], start);
        continue;
      }
    }
    if (c === '%') {
      NAME_RE.lastIndex = i;
      const m = NAME_RE.exec(text);
      if (!m) throw new ParseError(line, start - lineStart + 1, 'expected a name after %');
      i += m[0].length;
      push('name', m[1]!, start);
      continue;
    }
    if (c === '@') {
      SRCLOC_RE.lastIndex = i;
      const m = SRCLOC_RE.exec(text);
      if (!m) throw new ParseError(line, start - lineStart + 1, 'expected a hex source location after @');
      i += m[0].length;
      push('srcloc', m[0], start, parseInt(m[1]!, 16) >>> 0);
      continue;
    }
    if (c === 'u') {
      USER_RE.lastIndex = i;
      const m = USER_RE.exec(text);
      if (m) {
        i += m[0].length;
        push('user', m[0], start, Number(m[1]), Number(m[2]));
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      IDENT_RE.lastIndex = i;
      const m = IDENT_RE.exec(text)!;
      i += m[0].length;
      const word = m[0];
      const e = ENTITY_RE.exec(word);
      if (e) {
        const kind = e[1] === 'v' ? 'value' : (e[1] as TokenKind);
        push(kind, word, start, Number(e[2]));
      } else {
        push('ident', word, start);
      }
      continue;
    }
    if (c === '-' && text[i + 1] === '>') {
      i += 2;
      push('punct', '->', start);
      continue;
    }
    if ((c === '=' || c === '!') && text[i + 1] === '=') {
      i += 2;
      push('punct', c + '=', start);
      continue;
    }
    if ('()[]{},:=.+-'.includes(c)) {
      i++;
      push('punct', c, start);
      continue;
    }
    throw new ParseError(line, start - lineStart + 1, `unexpected character '${c}'`);
  }
  out.push({ kind: 'eof', text: '', num: 0, num2: 0, line, col: i - lineStart + 1 });
  return out;
}
