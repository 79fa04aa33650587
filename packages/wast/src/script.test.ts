import { describe, expect, it } from 'vitest';
import { WastSyntaxError } from './lexer.js';
import { parseWast, type WastCommand } from './script.js';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function one(src: string): WastCommand {
  const { commands } = parseWast(src);
  expect(commands).toHaveLength(1);
  return commands[0]!;
}

describe('modules', () => {
  it('keeps a text module as its exact source span, with its position', () => {
    const cmd = one(';; header\n  (module $m (func (export "f") (result i32) (i32.const 1)))');
    expect(cmd.kind).toBe('module');
    if (cmd.kind !== 'module') return;
    expect(cmd.line).toBe(2);
    expect(cmd.module.name).toBe('$m');
    const src = cmd.module.source;
    expect(src.kind).toBe('text');
    if (src.kind !== 'text') return;
    expect(dec(src.text)).toBe('(module $m (func (export "f") (result i32) (i32.const 1)))');
    expect([src.line, src.column]).toEqual([2, 3]);
  });

  it('concatenates binary strings', () => {
    const cmd = one(String.raw`(module $M binary "\00asm" "\01\00\00\00")`);
    if (cmd.kind !== 'module') throw new Error();
    expect(cmd.module.name).toBe('$M');
    expect(cmd.module.source).toEqual({ kind: 'binary', bytes: Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) });
  });

  it('concatenates quoted text', () => {
    const cmd = one('(module quote "(func" " (nop))")');
    if (cmd.kind !== 'module' || cmd.module.source.kind !== 'quote') throw new Error();
    expect(dec(cmd.module.source.text)).toBe('(func (nop))');
  });

  it('treats a script of bare module fields as one inline module', () => {
    const src = '(func) (memory 0) (func (export "f"))\n';
    const { commands } = parseWast(src);
    expect(commands).toHaveLength(1);
    const cmd = commands[0]!;
    if (cmd.kind !== 'module' || cmd.module.source.kind !== 'text') throw new Error();
    expect(dec(cmd.module.source.text)).toBe(src);
  });
});

describe('actions and constants', () => {
  it('parses invoke with every kind of argument', () => {
    const cmd = one(`(invoke $m "f" (i32.const -1) (i64.const 0xffff_ffff_ffff_ffff) (f32.const nan:0x200000)
       (f64.const -0x1p-1074) (ref.null func) (ref.null extern) (ref.extern 42)
       (v128.const i8x16 -128 255 0 1 2 3 4 5 6 7 8 9 10 11 12 13))`);
    if (cmd.kind !== 'action' || cmd.action.kind !== 'invoke') throw new Error();
    expect(cmd.action.module).toBe('$m');
    expect(cmd.action.field).toBe('f');
    const [i32, i64, f32, f64, fnull, enull, ext, v] = cmd.action.args;
    expect(i32).toEqual({ type: 'i32', value: -1 });
    expect(i64).toEqual({ type: 'i64', value: -1n });
    expect(f32).toEqual({ type: 'f32', bits: 0x7fa00000 });
    expect(f64).toEqual({ type: 'f64', bits: 0x8000000000000001n });
    expect(fnull).toEqual({ type: 'funcref', value: null });
    expect(enull).toEqual({ type: 'externref', value: null });
    expect(ext).toEqual({ type: 'externref', value: 42 });
    expect(v?.type === 'v128' && [...v.bytes]).toEqual([0x80, 0xff, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('lays v128 lanes out little-endian', () => {
    const lanes = (shape: string, values: string) => {
      const cmd = one(`(invoke "f" (v128.const ${shape} ${values}))`);
      if (cmd.kind !== 'action' || cmd.action.kind !== 'invoke') throw new Error();
      const v = cmd.action.args[0]!;
      if (v.type !== 'v128') throw new Error();
      return [...v.bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    };
    expect(lanes('i16x8', '0x0102 -1 0 0 0 0 0 65535')).toBe('0201ffff' + '0000'.repeat(5) + 'ffff');
    expect(lanes('i32x4', '0x01020304 0 -1 0')).toBe('04030201' + '00000000' + 'ffffffff' + '00000000');
    expect(lanes('i64x2', '0x0102030405060708 -2')).toBe('0807060504030201' + 'feffffffffffffff');
    expect(lanes('f32x4', '1 -0 inf nan')).toBe('0000803f' + '00000080' + '0000807f' + '0000c07f');
    expect(lanes('f64x2', '1 -nan:0x1')).toBe('000000000000f03f' + '010000000000f0ff');
  });

  it('keeps a leading U+FEFF in names (no BOM stripping)', () => {
    const cmd = one('(invoke "\u{feff}")');
    expect(cmd.kind === 'action' && cmd.action.field).toBe('\u{feff}');
  });

  it('parses get', () => {
    const cmd = one('(get "g")');
    expect(cmd).toEqual({ kind: 'action', line: 1, action: { kind: 'get', module: undefined, field: 'g' } });
  });

  it('rejects wrong lane counts and out-of-range constants with a position', () => {
    expect(() => parseWast('(invoke "f" (v128.const i32x4 1 2 3))')).toThrow(/lane/);
    expect(() => parseWast('\n(invoke "f" (i32.const 0x1_0000_0000))')).toThrow(WastSyntaxError);
    try {
      parseWast('\n  (invoke "f" (i32.const 4294967296))');
    } catch (e) {
      expect((e as WastSyntaxError).line).toBe(2);
    }
    expect(() => parseWast('(invoke "f" (f32.const nan:canonical))')).toThrow();
  });
});

describe('assertions', () => {
  it('parses assert_return results, including NaN patterns and reference patterns', () => {
    const cmd = one(`(assert_return (invoke "f")
      (i32.const 1) (f32.const nan:canonical) (f64.const nan:arithmetic) (f64.const -nan)
      (v128.const f32x4 nan:canonical 1 nan:arithmetic -0)
      (ref.func) (ref.extern) (ref.extern 3) (ref.null func) (either (i32.const 1) (i32.const 2)))`);
    if (cmd.kind !== 'assert_return') throw new Error();
    expect(cmd.expected).toEqual([
      { kind: 'value', value: { type: 'i32', value: 1 } },
      { kind: 'nan', type: 'f32', nan: 'canonical' },
      { kind: 'nan', type: 'f64', nan: 'arithmetic' },
      { kind: 'value', value: { type: 'f64', bits: 0xfff8000000000000n } },
      {
        kind: 'v128',
        shape: 'f32x4',
        lanes: [
          { kind: 'nan', nan: 'canonical' },
          { kind: 'bits', bits: 0x3f800000n },
          { kind: 'nan', nan: 'arithmetic' },
          { kind: 'bits', bits: 0x80000000n },
        ],
      },
      { kind: 'ref.func' },
      { kind: 'ref.extern' },
      { kind: 'value', value: { type: 'externref', value: 3 } },
      { kind: 'value', value: { type: 'funcref', value: null } },
      {
        kind: 'either',
        alternatives: [
          { kind: 'value', value: { type: 'i32', value: 1 } },
          { kind: 'value', value: { type: 'i32', value: 2 } },
        ],
      },
    ]);
  });

  it('distinguishes assert_trap on an action from assert_trap on a module', () => {
    const [onAction, onModule] = parseWast(`
      (assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
      (assert_trap (module (func $f unreachable) (start $f)) "unreachable")`).commands;
    expect(onAction?.kind === 'assert_trap' && onAction.subject.kind).toBe('invoke');
    expect(onModule?.kind === 'assert_trap' && onModule.subject.kind).toBe('module');
    expect(onModule?.line).toBe(3);
  });

  it('parses the module assertions and their messages', () => {
    const cmds = parseWast(`
      (assert_malformed (module binary "") "unexpected end")
      (assert_malformed (module quote "(func") "unexpected token")
      (assert_invalid (module (func (result i32))) "type mismatch")
      (assert_unlinkable (module (import "m" "f" (func))) "unknown import")
      (assert_uninstantiable (module (func unreachable) (start 0)) "unreachable")
      (assert_exhaustion (invoke "loop") "call stack exhausted")
      (register "m" $m)`).commands;
    expect(cmds.map((c) => c.kind)).toEqual([
      'assert_malformed',
      'assert_malformed',
      'assert_invalid',
      'assert_unlinkable',
      'assert_uninstantiable',
      'assert_exhaustion',
      'register',
    ]);
    const [bin, quote, invalid] = cmds;
    expect(bin?.kind === 'assert_malformed' && bin.module.source.kind).toBe('binary');
    expect(quote?.kind === 'assert_malformed' && quote.module.source.kind).toBe('quote');
    expect(invalid?.kind === 'assert_invalid' && invalid.message).toBe('type mismatch');
    expect(cmds[6]).toEqual({ kind: 'register', line: 8, as: 'm', module: '$m' });
  });

  it('rejects unknown commands and meta commands', () => {
    expect(() => parseWast('(module) (assert_bogus)')).toThrow(/unknown command/);
    expect(() => parseWast('(module) (script $s)')).toThrow(/unsupported meta command/);
  });
});
