/**
 * The wast lexer and S-expression reader.
 *
 * ## Problem
 *
 * A `.wast` script is a sequence of S-expressions written with the lexical
 * rules of the WebAssembly text format (spec §6.2 "Lexical Format"): parens,
 * strings with escapes, `;;` line comments, nested `(; ;)` block comments, and
 * "idchar" atoms (keywords, numbers, `$identifiers`, `offset=4`, …). The
 * runner needs two things from it: typed commands (built by `script.ts`), and
 * the *exact source bytes* of every text module, which it hands unchanged to
 * wabt.
 *
 * ## Approach
 *
 * The lexer works on the UTF-8 **bytes** of the script, never on a decoded JS
 * string, so that
 *  - every span is a byte span and a module's text is `source.subarray(start,
 *    end)` with no re-encoding (scripts such as `names.wast` are full of
 *    non-ASCII names);
 *  - string literals decode to the bytes they denote: raw UTF-8 is copied as
 *    is, `\hh` yields the byte `hh` (which need not be valid UTF-8, as in
 *    `utf8-invalid-encoding.wast`), `\u{…}` yields the UTF-8 encoding of the
 *    code point.
 *
 * `SExprReader` turns tokens into a tree one top-level form at a time, so a
 * lexical error late in a file does not prevent the commands before it from
 * running (the runner records the error as a failure and stops reading).
 *
 * ## Invariants
 *
 * - *Span-invariant*: for every node, `source.subarray(node.start, node.end)`
 *   is exactly the node's source text; a list's span runs from its `(` through
 *   its `)` inclusive.
 * - Comments and whitespace never appear in the tree; they may appear inside a
 *   list's span (wabt lexes them again, which is fine).
 */

/** An error in the lexical or S-expression structure of a script. */
export class WastSyntaxError extends Error {
  readonly kind = 'syntax' as const;
  constructor(
    message: string,
    /** Byte offset into the script. */
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'WastSyntaxError';
  }
}

export interface SAtom {
  readonly kind: 'atom';
  /** The atom's text (keywords, numbers, `$ids` and reserved tokens). */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface SString {
  readonly kind: 'string';
  /** The bytes the literal denotes, escapes resolved. */
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

export interface SList {
  readonly kind: 'list';
  readonly items: readonly SExpr[];
  readonly start: number;
  readonly end: number;
}

export type SExpr = SAtom | SString | SList;

/** Maps byte offsets to 1-based line and column numbers. */
export class LineMap {
  private readonly lineStarts: number[] = [0];

  constructor(source: Uint8Array) {
    for (let i = 0; i < source.length; i++) {
      if (source[i] === 0x0a) this.lineStarts.push(i + 1);
    }
  }

  /** 1-based line of a byte offset. */
  line(offset: number): number {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** 1-based column (in bytes) of a byte offset. */
  column(offset: number): number {
    return offset - this.lineStarts[this.line(offset) - 1]! + 1;
  }
}

const enum Ch {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Apostrophe = 0x27,
  LParen = 0x28,
  RParen = 0x29,
  Semicolon = 0x3b,
  Backslash = 0x5c,
  Del = 0x7f,
}

function isWhitespace(c: number): boolean {
  return c === Ch.Space || c === Ch.Tab || c === Ch.Newline || c === Ch.Return;
}

/**
 * Characters that end an atom. Anything else that is not whitespace belongs to
 * the atom: the text format's `idchar`s, plus any other printable or
 * non-ASCII byte, which makes a *reserved* token — the reference lexer does
 * the same, and the script parser reports a reserved token where it finds
 * one.
 */
function endsAtom(c: number): boolean {
  return isWhitespace(c) || c === Ch.LParen || c === Ch.RParen || c === Ch.Quote || c === Ch.Semicolon;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Appends the UTF-8 encoding of `cp` to `out`. */
function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/**
 * Reads a script's top-level S-expressions one at a time.
 *
 * `next()` returns the next top-level form, `undefined` at the end of input,
 * and throws `WastSyntaxError` on a lexical or bracketing error.
 */
export class SExprReader {
  private pos = 0;
  readonly lines: LineMap;

  constructor(readonly source: Uint8Array) {
    this.lines = new LineMap(source);
  }

  /** Current byte offset (after the last form read). */
  get offset(): number {
    return this.pos;
  }

  next(): SExpr | undefined {
    this.skipTrivia();
    if (this.pos >= this.source.length) return undefined;
    return this.readExpr();
  }

  /** Reads every remaining top-level form. */
  readAll(): SExpr[] {
    const forms: SExpr[] = [];
    for (let form = this.next(); form !== undefined; form = this.next()) forms.push(form);
    return forms;
  }

  error(message: string, offset: number): WastSyntaxError {
    return new WastSyntaxError(message, offset, this.lines.line(offset), this.lines.column(offset));
  }

  private readExpr(): SExpr {
    // An explicit stack instead of recursion: deeply nested expressions
    // (the spec's `nested` tests) must not overflow the JS stack.
    const stack: { start: number; items: SExpr[] }[] = [];
    for (;;) {
      this.skipTrivia();
      const src = this.source;
      if (this.pos >= src.length) {
        const open = stack.length > 0 ? stack[stack.length - 1]!.start : this.pos;
        throw this.error('unclosed parenthesis', open);
      }
      const c = src[this.pos]!;
      let done: SExpr;
      if (c === Ch.LParen) {
        stack.push({ start: this.pos, items: [] });
        this.pos++;
        continue;
      } else if (c === Ch.RParen) {
        const frame = stack.pop();
        if (frame === undefined) throw this.error('unexpected ")"', this.pos);
        this.pos++;
        done = { kind: 'list', items: frame.items, start: frame.start, end: this.pos };
      } else if (c === Ch.Quote) {
        done = this.readString();
      } else {
        done = this.readAtom();
      }
      const top = stack[stack.length - 1];
      if (top === undefined) return done;
      top.items.push(done);
    }
  }

  /** Skips whitespace, line comments and (nested) block comments. */
  private skipTrivia(): void {
    const src = this.source;
    const n = src.length;
    while (this.pos < n) {
      const c = src[this.pos]!;
      if (isWhitespace(c)) {
        this.pos++;
      } else if (c === Ch.Semicolon && src[this.pos + 1] === Ch.Semicolon) {
        while (this.pos < n && src[this.pos] !== Ch.Newline) this.pos++;
      } else if (c === Ch.LParen && src[this.pos + 1] === Ch.Semicolon) {
        const start = this.pos;
        let depth = 1;
        this.pos += 2;
        while (depth > 0) {
          if (this.pos >= n) throw this.error('unclosed block comment', start);
          const d = src[this.pos]!;
          if (d === Ch.LParen && src[this.pos + 1] === Ch.Semicolon) {
            depth++;
            this.pos += 2;
          } else if (d === Ch.Semicolon && src[this.pos + 1] === Ch.RParen) {
            depth--;
            this.pos += 2;
          } else {
            this.pos++;
          }
        }
      } else {
        return;
      }
    }
  }

  private readAtom(): SAtom {
    const src = this.source;
    const start = this.pos;
    if (src[start] === Ch.Semicolon) throw this.error('unexpected ";"', start);
    while (this.pos < src.length && !endsAtom(src[this.pos]!)) this.pos++;
    const bytes = src.subarray(start, this.pos);
    let ascii = true;
    for (const b of bytes) if (b >= 0x80) ascii = false;
    const text = ascii ? latin1.decode(bytes) : utf8.decode(bytes);
    return { kind: 'atom', text, start, end: this.pos };
  }

  private readString(): SString {
    const src = this.source;
    const start = this.pos;
    const out: number[] = [];
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= src.length) throw this.error('unclosed string literal', start);
      const c = src[this.pos]!;
      if (c === Ch.Quote) {
        this.pos++;
        break;
      }
      if (c < Ch.Space || c === Ch.Del) {
        throw this.error(c === Ch.Newline ? 'unclosed string literal' : 'illegal control character in string', this.pos);
      }
      if (c !== Ch.Backslash) {
        out.push(c);
        this.pos++;
        continue;
      }
      const escStart = this.pos;
      const e = src[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case 0x6e: out.push(0x0a); break; // \n
        case 0x74: out.push(0x09); break; // \t
        case 0x72: out.push(0x0d); break; // \r
        case Ch.Backslash: out.push(Ch.Backslash); break;
        case Ch.Apostrophe: out.push(Ch.Apostrophe); break;
        case Ch.Quote: out.push(Ch.Quote); break;
        case 0x75: { // \u{hexnum}
          if (src[this.pos] !== 0x7b) throw this.error('illegal escape "\\u" (expected "{")', escStart);
          this.pos++;
          let cp = 0;
          let digits = 0;
          let lastUnderscore = false;
          while (this.pos < src.length && src[this.pos] !== 0x7d) {
            const ch = src[this.pos]!;
            if (ch === 0x5f && digits > 0 && !lastUnderscore) {
              lastUnderscore = true;
              this.pos++;
              continue;
            }
            const d = hexDigit(ch);
            if (d < 0) throw this.error('illegal character in unicode escape', this.pos);
            cp = cp * 16 + d;
            if (cp > 0x10ffff) throw this.error('unicode escape out of range', escStart);
            digits++;
            lastUnderscore = false;
            this.pos++;
          }
          if (this.pos >= src.length) throw this.error('unclosed unicode escape', escStart);
          if (digits === 0 || lastUnderscore) throw this.error('malformed unicode escape', escStart);
          if (cp >= 0xd800 && cp < 0xe000) throw this.error('unicode escape denotes a surrogate', escStart);
          this.pos++; // '}'
          pushUtf8(out, cp);
          break;
        }
        default: {
          const hi = e === undefined ? -1 : hexDigit(e);
          const lo = this.pos < src.length ? hexDigit(src[this.pos]!) : -1;
          if (hi < 0 || lo < 0) throw this.error('illegal escape', escStart);
          out.push(hi * 16 + lo);
          this.pos++;
        }
      }
    }
    return { kind: 'string', bytes: Uint8Array.from(out), start, end: this.pos };
  }
}

/** Reads all forms of a script, throwing on the first syntax error. */
export function readSExprs(source: Uint8Array): SExpr[] {
  return new SExprReader(source).readAll();
}
