import { describe, expect, it } from 'vitest';
import { LineMap, readSExprs, SExprReader, WastSyntaxError, type SExpr } from './lexer.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function only(src: string): SExpr {
  const forms = readSExprs(enc(src));
  expect(forms).toHaveLength(1);
  return forms[0]!;
}

function stringBytes(src: string): number[] {
  const form = only(src);
  if (form.kind !== 'string') throw new Error('not a string');
  return [...form.bytes];
}

describe('strings', () => {
  it('decodes the simple escapes', () => {
    expect(stringBytes(String.raw`"a\nb\tc\\d\'e\"f\rg"`)).toEqual([...enc('a\nb\tc\\d\'e"f\rg')]);
  });

  it('decodes \\hh to a raw byte, which need not be valid UTF-8', () => {
    expect(stringBytes(String.raw`"\00asm\ff\FE"`)).toEqual([0x00, 0x61, 0x73, 0x6d, 0xff, 0xfe]);
  });

  it('encodes \\u{...} as UTF-8, underscores allowed', () => {
    expect(stringBytes(String.raw`"\u{41}\u{e9}\u{20AC}\u{1F600}\u{1_F600}"`)).toEqual([
      0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xf0, 0x9f, 0x98, 0x80,
    ]);
  });

  it('copies raw UTF-8 unchanged', () => {
    expect(stringBytes('"héllo ☃"')).toEqual([...enc('héllo ☃')]);
  });

  it('rejects bad escapes, surrogates and unterminated strings', () => {
    expect(() => readSExprs(enc(String.raw`"\q"`))).toThrow(WastSyntaxError);
    expect(() => readSExprs(enc(String.raw`"\u{D800}"`))).toThrow(/surrogate/);
    expect(() => readSExprs(enc(String.raw`"\u{110000}"`))).toThrow(/range/);
    expect(() => readSExprs(enc('"abc'))).toThrow(/unclosed string/);
    expect(() => readSExprs(enc('"a\nb"'))).toThrow(/unclosed string/);
  });
});

describe('comments and whitespace', () => {
  it('skips line comments and nested block comments', () => {
    const forms = readSExprs(enc('(a ;; comment (b\n (; outer (; inner ;) still ;) c) ;; end'));
    expect(forms).toHaveLength(1);
    const list = forms[0]!;
    expect(list.kind).toBe('list');
    if (list.kind === 'list') expect(list.items.map((i) => (i.kind === 'atom' ? i.text : '?'))).toEqual(['a', 'c']);
  });

  it('does not treat comment markers inside strings as comments', () => {
    expect(stringBytes('"(; not ;) ;; a comment"')).toEqual([...enc('(; not ;) ;; a comment')]);
  });

  it('reports an unclosed block comment at its start', () => {
    try {
      readSExprs(enc('(a)\n  (; never closed'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WastSyntaxError);
      expect((e as WastSyntaxError).line).toBe(2);
      expect((e as WastSyntaxError).column).toBe(3);
    }
  });
});

describe('atoms and lists', () => {
  it('splits atoms at parens, quotes and whitespace', () => {
    const form = only('(i32.const 0x1_000 $x offset=4 nan:0x7f "s"(x))');
    expect(form.kind).toBe('list');
    if (form.kind !== 'list') return;
    expect(form.items.map((i) => i.kind)).toEqual(['atom', 'atom', 'atom', 'atom', 'atom', 'string', 'list']);
    expect(form.items.slice(0, 5).map((i) => (i.kind === 'atom' ? i.text : ''))).toEqual([
      'i32.const',
      '0x1_000',
      '$x',
      'offset=4',
      'nan:0x7f',
    ]);
  });

  it('keeps exact byte spans (Span-invariant), also after non-ASCII text', () => {
    const src = enc(';; ünïcode\n(module $m (func (export "☃")))  (x)');
    const forms = readSExprs(src);
    expect(dec(src.subarray(forms[0]!.start, forms[0]!.end))).toBe('(module $m (func (export "☃")))');
    expect(dec(src.subarray(forms[1]!.start, forms[1]!.end))).toBe('(x)');
  });

  it('reads deeply nested lists without recursion', () => {
    const depth = 100_000;
    const form = only('('.repeat(depth) + ')'.repeat(depth));
    expect(form.kind).toBe('list');
  });

  it('reports unbalanced parens', () => {
    expect(() => readSExprs(enc('(a (b)'))).toThrow(/unclosed parenthesis/);
    expect(() => readSExprs(enc('(a))'))).toThrow(/unexpected "\)"/);
  });

  it('yields forms one at a time so earlier forms survive a later error', () => {
    const reader = new SExprReader(enc('(a) (b) )'));
    expect(reader.next()?.kind).toBe('list');
    expect(reader.next()?.kind).toBe('list');
    expect(() => reader.next()).toThrow(WastSyntaxError);
  });
});

describe('LineMap', () => {
  it('maps offsets to 1-based lines and columns', () => {
    const map = new LineMap(enc('ab\ncd\n\nef'));
    expect([map.line(0), map.column(0)]).toEqual([1, 1]);
    expect([map.line(4), map.column(4)]).toEqual([2, 2]);
    expect([map.line(6), map.column(6)]).toEqual([3, 1]);
    expect([map.line(8), map.column(8)]).toEqual([4, 2]);
  });
});
