/**
 * The wast script grammar: S-expressions → typed commands.
 *
 * ## Grammar (the reference interpreter's, WebAssembly 2.0)
 *
 * ```
 * script   ::= cmd* | modulefield*              ;; the latter is one inline module
 * cmd      ::= module | (register string name?) | action | assertion
 * module   ::= (module name? modulefield*)      ;; text, handed to wabt verbatim
 *            | (module name? binary string*)    ;; bytes, decoded by environ
 *            | (module name? quote string*)     ;; text (usually malformed)
 * action   ::= (invoke name? string const*) | (get name? string)
 * assertion::= (assert_return action result*)
 *            | (assert_trap action string) | (assert_trap module string)
 *            | (assert_exhaustion action string)
 *            | (assert_malformed module string) | (assert_invalid module string)
 *            | (assert_unlinkable module string) | (assert_uninstantiable module string)
 * const    ::= (t.const num) | (v128.const shape num+) | (ref.null func|extern) | (ref.extern N)
 * result   ::= const | (t.const nan:canonical|nan:arithmetic)
 *            | (v128.const f32x4|f64x2 lanepat+) | (ref.func) | (ref.extern) | (either result+)
 * ```
 *
 * ## Approach
 *
 * `parseCommand` maps one top-level form to one `WastCommand`, throwing
 * `WastSyntaxError` with the offending node's position. Text modules are not
 * parsed here at all: the command records the module's byte span and the text
 * format is wabt's business (Span-invariant, see `lexer.ts`).
 */

import { LineMap, SExprReader, WastSyntaxError, type SExpr, type SList } from './lexer.js';
import { NumberLiteralError, parseF32, parseF64, parseI32, parseI64, parseIntLane } from './numbers.js';
import {
  laneCount,
  writeLane,
  type LaneExpectation,
  type NanPattern,
  type V128Shape,
  type WastExpected,
  type WastValue,
} from './values.js';

/** Where a module's bytes or text come from. */
export type WastModuleSource =
  /** `(module …)` in the text format: `text` is the exact source span. */
  | { readonly kind: 'text'; readonly text: Uint8Array; readonly line: number; readonly column: number }
  /** `(module binary "…"*)`: the concatenated bytes. */
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }
  /** `(module quote "…"*)`: the concatenated text (a module or module fields). */
  | { readonly kind: 'quote'; readonly text: Uint8Array };

export interface WastModule {
  readonly kind: 'module';
  /** `$name` (with the `$`), when the module is named. */
  readonly name: string | undefined;
  readonly source: WastModuleSource;
}

export interface WastInvoke {
  readonly kind: 'invoke';
  /** `$name` of the target module; `undefined` means the most recent one. */
  readonly module: string | undefined;
  readonly field: string;
  readonly args: readonly WastValue[];
}

export interface WastGet {
  readonly kind: 'get';
  readonly module: string | undefined;
  readonly field: string;
}

export type WastAction = WastInvoke | WastGet;

interface CommandBase {
  /** 1-based line of the command's opening parenthesis. */
  readonly line: number;
}

export type WastCommand =
  | (CommandBase & { readonly kind: 'module'; readonly module: WastModule })
  | (CommandBase & { readonly kind: 'register'; readonly as: string; readonly module: string | undefined })
  | (CommandBase & { readonly kind: 'action'; readonly action: WastAction })
  | (CommandBase & { readonly kind: 'assert_return'; readonly action: WastAction; readonly expected: readonly WastExpected[] })
  | (CommandBase & { readonly kind: 'assert_trap'; readonly subject: WastAction | WastModule; readonly message: string })
  | (CommandBase & { readonly kind: 'assert_exhaustion'; readonly action: WastAction; readonly message: string })
  | (CommandBase & { readonly kind: 'assert_malformed'; readonly module: WastModule; readonly message: string })
  | (CommandBase & { readonly kind: 'assert_invalid'; readonly module: WastModule; readonly message: string })
  | (CommandBase & { readonly kind: 'assert_unlinkable'; readonly module: WastModule; readonly message: string })
  | (CommandBase & { readonly kind: 'assert_uninstantiable'; readonly module: WastModule; readonly message: string });

export type WastCommandKind = WastCommand['kind'];

/** The keywords that start a command; any other head makes an inline-module script. */
export const COMMAND_KEYWORDS: ReadonlySet<string> = new Set([
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
  // Meta commands of the reference interpreter; recognised so that they are
  // reported as unsupported rather than mistaken for module fields.
  'script',
  'input',
  'output',
]);

/** A parsed script. */
export interface WastScript {
  readonly filename: string;
  readonly source: Uint8Array;
  readonly commands: readonly WastCommand[];
}

// ignoreBOM: a name may well start with U+FEFF (names.wast exports one); it must not be stripped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses a whole script, throwing `WastSyntaxError` on the first error. */
export function parseWast(source: Uint8Array | string, filename = '<input>'): WastScript {
  const bytes = typeof source === 'string' ? new TextEncoder().encode(source) : source;
  const parser = new WastParser(bytes);
  const commands: WastCommand[] = [];
  for (;;) {
    const form = parser.reader.next();
    if (form === undefined) break;
    const cmd = parser.parseTopLevel(form);
    commands.push(cmd);
    if (parser.inlineModule) break;
  }
  return { filename, source: bytes, commands };
}

/**
 * Turns top-level forms into commands. Holds the reader so that the runner can
 * interleave reading, parsing and running, and report a syntax error in one
 * command without losing the others.
 */
export class WastParser {
  readonly reader: SExprReader;
  readonly lines: LineMap;
  /** Set once the script turned out to be a bare list of module fields. */
  inlineModule = false;
  private sawCommand = false;

  constructor(readonly source: Uint8Array) {
    this.reader = new SExprReader(source);
    this.lines = this.reader.lines;
  }

  line(node: { start: number }): number {
    return this.lines.line(node.start);
  }

  /** The keyword a form starts with, if any (used to label failures). */
  static head(form: SExpr): string | undefined {
    if (form.kind !== 'list') return undefined;
    const first = form.items[0];
    return first?.kind === 'atom' ? first.text : undefined;
  }

  /**
   * Parses one top-level form. A first form that is not a command makes the
   * whole script one inline module (`inline-module.wast`); the caller stops
   * reading after it (`inlineModule` is set).
   */
  parseTopLevel(form: SExpr): WastCommand {
    const head = WastParser.head(form);
    if (!this.sawCommand && (head === undefined || !COMMAND_KEYWORDS.has(head)) && form.kind === 'list') {
      this.inlineModule = true;
      const text = this.source;
      return {
        kind: 'module',
        line: 1,
        module: { kind: 'module', name: undefined, source: { kind: 'text', text, line: 1, column: 1 } },
      };
    }
    this.sawCommand = true;
    return this.parseCommand(form);
  }

  error(message: string, node: { start: number }): WastSyntaxError {
    return this.reader.error(message, node.start);
  }

  parseCommand(form: SExpr): WastCommand {
    const list = this.expectList(form, 'a command');
    const head = this.keyword(list, 0, 'a command');
    const line = this.line(list);
    switch (head) {
      case 'module':
        return { kind: 'module', line, module: this.parseModule(list) };
      case 'register': {
        const as = this.string(list.items[1], list, 'a registration name');
        const module = this.optionalName(list.items[2]);
        this.expectEnd(list, module === undefined ? 2 : 3);
        return { kind: 'register', line, as, module };
      }
      case 'invoke':
      case 'get':
        return { kind: 'action', line, action: this.parseAction(list) };
      case 'assert_return': {
        const action = this.parseAction(this.expectList(list.items[1], 'an action', list));
        const expected = list.items.slice(2).map((item) => this.parseResult(item));
        return { kind: 'assert_return', line, action, expected };
      }
      case 'assert_trap': {
        const subjectForm = this.expectList(list.items[1], 'an action or module', list);
        const subject =
          WastParser.head(subjectForm) === 'module' ? this.parseModule(subjectForm) : this.parseAction(subjectForm);
        const message = this.string(list.items[2], list, 'a failure message');
        this.expectEnd(list, 3);
        return { kind: 'assert_trap', line, subject, message };
      }
      case 'assert_exhaustion': {
        const action = this.parseAction(this.expectList(list.items[1], 'an action', list));
        const message = this.string(list.items[2], list, 'a failure message');
        this.expectEnd(list, 3);
        return { kind: 'assert_exhaustion', line, action, message };
      }
      case 'assert_malformed':
      case 'assert_invalid':
      case 'assert_unlinkable':
      case 'assert_uninstantiable': {
        const module = this.parseModule(this.expectList(list.items[1], 'a module', list));
        const message = this.string(list.items[2], list, 'a failure message');
        this.expectEnd(list, 3);
        return { kind: head, line, module, message };
      }
      case 'script':
      case 'input':
      case 'output':
        throw this.error(`unsupported meta command "${head}"`, list);
      default:
        throw this.error(`unknown command "${head}"`, list);
    }
  }

  parseModule(list: SList): WastModule {
    if (WastParser.head(list) !== 'module') throw this.error('expected (module …)', list);
    let i = 1;
    const name = this.optionalName(list.items[1]);
    if (name !== undefined) i++;
    const mode = list.items[i];
    if (mode?.kind === 'atom' && (mode.text === 'binary' || mode.text === 'quote')) {
      const parts: Uint8Array[] = [];
      for (const item of list.items.slice(i + 1)) {
        if (item.kind !== 'string') throw this.error(`expected a string in (module ${mode.text} …)`, item);
        parts.push(item.bytes);
      }
      const bytes = concat(parts);
      return mode.text === 'binary'
        ? { kind: 'module', name, source: { kind: 'binary', bytes } }
        : { kind: 'module', name, source: { kind: 'quote', text: bytes } };
    }
    const text = this.source.subarray(list.start, list.end);
    const line = this.lines.line(list.start);
    const column = this.lines.column(list.start);
    return { kind: 'module', name, source: { kind: 'text', text, line, column } };
  }

  parseAction(list: SList): WastAction {
    const head = this.keyword(list, 0, 'an action');
    if (head !== 'invoke' && head !== 'get') throw this.error(`expected invoke or get, found "${head}"`, list);
    let i = 1;
    const module = this.optionalName(list.items[1]);
    if (module !== undefined) i++;
    const field = this.string(list.items[i], list, 'an export name');
    i++;
    if (head === 'get') {
      this.expectEnd(list, i);
      return { kind: 'get', module, field };
    }
    const args = list.items.slice(i).map((item) => this.parseConst(item));
    return { kind: 'invoke', module, field, args };
  }

  /** `(t.const …)`, `(ref.null t)`, `(ref.extern N)` as an argument. */
  parseConst(form: SExpr): WastValue {
    const expected = this.parseValue(form, false);
    if (expected.kind !== 'value') throw this.error('a pattern is not allowed as an argument', form);
    return expected.value;
  }

  /** A result of `assert_return`: a constant or a pattern. */
  parseResult(form: SExpr): WastExpected {
    return this.parseValue(form, true);
  }

  private parseValue(form: SExpr, patterns: boolean): WastExpected {
    const list = this.expectList(form, patterns ? 'a result' : 'a constant');
    const head = this.keyword(list, 0, patterns ? 'a result' : 'a constant');
    const arg = (index: number, what: string): string => {
      const node = list.items[index];
      if (node?.kind !== 'atom') throw this.error(`expected ${what} in (${head} …)`, node ?? list);
      return node.text;
    };
    try {
      switch (head) {
        case 'i32.const':
          this.expectEnd(list, 2);
          return { kind: 'value', value: { type: 'i32', value: parseI32(arg(1, 'an i32 literal')) } };
        case 'i64.const':
          this.expectEnd(list, 2);
          return { kind: 'value', value: { type: 'i64', value: parseI64(arg(1, 'an i64 literal')) } };
        case 'f32.const':
        case 'f64.const': {
          this.expectEnd(list, 2);
          const text = arg(1, 'a float literal');
          const type = head === 'f32.const' ? 'f32' : 'f64';
          const nan = patterns ? nanPattern(text) : undefined;
          if (nan !== undefined) return { kind: 'nan', type, nan };
          return type === 'f32'
            ? { kind: 'value', value: { type: 'f32', bits: parseF32(text) } }
            : { kind: 'value', value: { type: 'f64', bits: parseF64(text) } };
        }
        case 'v128.const':
          return this.parseV128(list, patterns);
        case 'ref.null': {
          this.expectEnd(list, 2);
          const t = arg(1, 'a reference type');
          if (t === 'func' || t === 'funcref') return { kind: 'value', value: { type: 'funcref', value: null } };
          if (t === 'extern' || t === 'externref') return { kind: 'value', value: { type: 'externref', value: null } };
          throw this.error(`unknown reference type "${t}"`, list.items[1]!);
        }
        case 'ref.extern':
        case 'ref.host': {
          if (list.items.length === 1 && patterns) return { kind: 'ref.extern' };
          this.expectEnd(list, 2);
          const n = parseI64(arg(1, 'a host reference number'));
          if (n < 0n || n > 0xffffffffn) throw this.error('host reference out of range', list.items[1]!);
          return { kind: 'value', value: { type: 'externref', value: Number(n) } };
        }
        case 'ref.func':
          // `(ref.func)` matches any non-null funcref; the script cannot name
          // a particular function, so an index (older scripts) is ignored.
          if (!patterns) throw this.error('(ref.func) is only allowed as a result', list);
          return { kind: 'ref.func' };
        case 'either':
          if (!patterns) throw this.error('(either …) is only allowed as a result', list);
          if (list.items.length < 2) throw this.error('(either) needs at least one alternative', list);
          return { kind: 'either', alternatives: list.items.slice(1).map((item) => this.parseValue(item, true)) };
        default:
          throw this.error(`unexpected "${head}" (expected a constant)`, list);
      }
    } catch (e) {
      if (e instanceof NumberLiteralError) throw this.error(e.message, list);
      throw e;
    }
  }

  private parseV128(list: SList, patterns: boolean): WastExpected {
    const shapeNode = list.items[1];
    if (shapeNode?.kind !== 'atom' || !V128_SHAPES.has(shapeNode.text)) {
      throw this.error('expected a lane shape (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2)', shapeNode ?? list);
    }
    const shape = shapeNode.text as V128Shape;
    const count = laneCount(shape);
    const laneNodes = list.items.slice(2);
    if (laneNodes.length !== count) {
      throw this.error(`wrong number of lane literals: ${shape} needs ${count}, found ${laneNodes.length}`, list);
    }
    const lanes: LaneExpectation[] = laneNodes.map((node) => {
      if (node.kind !== 'atom') throw this.error('expected a lane literal', node);
      const text = node.text;
      const nan = patterns && (shape === 'f32x4' || shape === 'f64x2') ? nanPattern(text) : undefined;
      if (nan !== undefined) return { kind: 'nan', nan };
      switch (shape) {
        case 'i8x16':
          return { kind: 'bits', bits: BigInt(parseIntLane(text, 8)) };
        case 'i16x8':
          return { kind: 'bits', bits: BigInt(parseIntLane(text, 16)) };
        case 'i32x4':
          return { kind: 'bits', bits: BigInt(parseI32(text) >>> 0) };
        case 'i64x2':
          return { kind: 'bits', bits: BigInt.asUintN(64, parseI64(text)) };
        case 'f32x4':
          return { kind: 'bits', bits: BigInt(parseF32(text)) };
        case 'f64x2':
          return { kind: 'bits', bits: parseF64(text) };
      }
    });
    if (lanes.some((lane) => lane.kind === 'nan')) return { kind: 'v128', shape, lanes };
    const bytes = new Uint8Array(16);
    lanes.forEach((lane, i) => writeLane(bytes, shape, i, (lane as { bits: bigint }).bits));
    return { kind: 'value', value: { type: 'v128', bytes } };
  }

  // -------------------------------------------------------------------------
  // Small helpers; each throws a positioned WastSyntaxError.

  private expectList(form: SExpr | undefined, what: string, parent?: SExpr): SList {
    if (form?.kind !== 'list') throw this.error(`expected ${what}`, form ?? parent ?? { start: this.reader.offset });
    return form;
  }

  private keyword(list: SList, index: number, what: string): string {
    const node = list.items[index];
    if (node?.kind !== 'atom') throw this.error(`expected ${what}`, node ?? list);
    return node.text;
  }

  private string(node: SExpr | undefined, parent: SList, what: string): string {
    if (node?.kind !== 'string') throw this.error(`expected ${what} (a string)`, node ?? parent);
    try {
      return utf8.decode(node.bytes);
    } catch {
      throw this.error(`malformed UTF-8 encoding in ${what}`, node);
    }
  }

  private optionalName(node: SExpr | undefined): string | undefined {
    return node?.kind === 'atom' && node.text.startsWith('$') ? node.text : undefined;
  }

  private expectEnd(list: SList, count: number): void {
    const extra = list.items[count];
    if (extra !== undefined) throw this.error('unexpected token', extra);
  }
}

const V128_SHAPES: ReadonlySet<string> = new Set(['i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2']);

function nanPattern(text: string): NanPattern | undefined {
  if (text === 'nan:canonical') return 'canonical';
  if (text === 'nan:arithmetic') return 'arithmetic';
  return undefined;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
