/**
 * The CLIF parser: text → `Function`s (and the header of a test file).
 *
 * Accepts what `write.ts` prints plus the usual hand-written variations of
 * Cranelift's syntax (see README.md for the exact list): optional `.type`
 * suffixes wherever the type can be inferred, optional calling convention
 * (default `fast`), `fn0 = %f(i32) -> i32` declarations with an inline
 * signature, the old `jt0 = jump_table [...]` + `br_table v, block, jt0`
 * form next to the inline `br_table v, block, [...]`, decimal float
 * literals, and `@-`-free source locations.
 *
 * Approach: two passes per function.
 *
 * 1. Syntax. Tokens are read into plain records — block headers, and per
 *    instruction its opcode, optional suffix type, result value numbers and
 *    operands (values as numbers, immediates still as tokens). Values may be
 *    used before the line that defines them (a block later in the text can
 *    dominate an earlier one), so nothing is typed yet.
 * 2. Semantics. Value types are resolved on demand: a block parameter has a
 *    declared type; an instruction result's type follows from the opcode and
 *    the controlling type, which is the suffix, or the type of the opcode's
 *    designated operand (resolved recursively; cycles are errors). Then the
 *    DFG and layout are built with *the same entity numbers as the text*
 *    (gaps become placeholders), so that printing reproduces the input's
 *    numbering and parse → print → parse is stable.
 *
 * Source locations are applied with `Function.setSrcLoc` in text order, so
 * the first located instruction sets the base (BaseFromFirstLoc).
 */
import { type FloatCC, type IntCC, parseFloatCC, parseIntCC } from './condcodes.js';
import type { JumpTableData } from './dfg.js';
import type { Inst } from './entities.js';
import { ExternalName, TESTCASE_NAME_RE, UserFuncName, parseLibCall, userExternalName } from './extname.js';
import { Function, stackSlotData } from './function.js';
import { fitsInBits, parseIeee32, parseIeee64, parseIntLiteral } from './immediates.js';
import { ParseError, type Token, tokenize } from './lexer.js';
import { MemFlags } from './memflags.js';
import { InstructionFormat, OPCODE_INFO, Opcode, parseOpcode } from './opcodes.js';
import {
  type AbiParam,
  type ArgumentExtension,
  type ArgumentPurpose,
  CallConv,
  Signature,
  abiParam,
  parseCallConv,
} from './signature.js';
import { parseTrapCode } from './trapcode.js';
import { I64, INVALID, type Type, parseType, typeBits, typeName } from './types.js';

export { ParseError } from './lexer.js';

interface RawBlockCall {
  block: number;
  args: number[];
  tok: Token;
}

interface RawInst {
  tok: Token;
  opcode: Opcode;
  suffix: Type | undefined;
  results: number[];
  srcloc: number | undefined;
  args: number[];
  imm?: Token;
  cond?: IntCC | FloatCC;
  flags?: MemFlags;
  offset?: number;
  slot?: number;
  ref?: number; // fn / sig / jt text number
  trap?: number;
  calls?: RawBlockCall[];
  /** br_table: inline table entries (undefined when it names a jtN). */
  table?: RawBlockCall[];
  block: number;
  /** Resolved during pass 2. */
  ctrl?: Type;
  resolving?: boolean;
}

interface RawBlock {
  num: number;
  params: { v: number; type: Type }[];
  tok: Token;
}

/** A parsed `.clif` file: header lines and functions with their starting lines. */
export interface ClifFile {
  /** `test ...` lines (without `test`), e.g. `run`, `interpret`. */
  tests: string[];
  /** `set ...` lines. */
  sets: string[];
  /** `target ...` lines. */
  targets: string[];
  functions: { func: Function; line: number }[];
}

const INT_FLOAT_SPECIALS = new Set(['Inf', 'NaN', 'sNaN']);

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  // --- token helpers --------------------------------------------------------

  peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  err(t: Token, msg: string): ParseError {
    return new ParseError(t.line, t.col, msg);
  }
  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === p;
  }
  eatPunct(p: string): boolean {
    if (this.isPunct(p)) {
      this.next();
      return true;
    }
    return false;
  }
  expectPunct(p: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw this.err(t, `expected '${p}', found '${t.text || t.kind}'`);
    return t;
  }
  expectKind(kind: Token['kind'], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw this.err(t, `expected ${what}, found '${t.text || t.kind}'`);
    return t;
  }
  isIdent(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.text === word;
  }
  /** Skip the rest of the current line (for `test`/`set`/`target` headers). */
  restOfLine(line: number): string {
    const parts: string[] = [];
    while (this.peek().kind !== 'eof' && this.peek().line === line) parts.push(this.next().text);
    return parts.join(' ');
  }

  // --- file -------------------------------------------------------------------

  parseFile(): ClifFile {
    const file: ClifFile = { tests: [], sets: [], targets: [], functions: [] };
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return file;
      if (t.kind === 'ident' && (t.text === 'test' || t.text === 'set' || t.text === 'target')) {
        this.next();
        const rest = this.restOfLine(t.line);
        if (t.text === 'test') file.tests.push(rest);
        else if (t.text === 'set') file.sets.push(rest);
        else file.targets.push(rest);
        continue;
      }
      if (t.kind === 'ident' && t.text === 'function') {
        file.functions.push({ func: this.parseFunction(), line: t.line });
        continue;
      }
      throw this.err(t, `expected 'function', 'test', 'set' or 'target', found '${t.text || t.kind}'`);
    }
  }

  // --- types and signatures ---------------------------------------------------

  parseTypeTok(): Type {
    const t = this.next();
    const ty = t.kind === 'ident' ? parseType(t.text) : undefined;
    if (ty === undefined) throw this.err(t, `expected a type, found '${t.text || t.kind}'`);
    return ty;
  }

  parseAbiParam(): AbiParam {
    const type = this.parseTypeTok();
    let extension: ArgumentExtension = 'none';
    let purpose: ArgumentPurpose = 'normal';
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident') break;
      if (t.text === 'uext' || t.text === 'sext') {
        extension = t.text;
        this.next();
      } else if (t.text === 'vmctx' || t.text === 'sret' || t.text === 'stack_limit') {
        purpose = t.text;
        this.next();
      } else break;
    }
    return abiParam(type, { extension, purpose });
  }

  /** `(params) [-> returns] [callconv]`. */
  parseSignature(): Signature {
    this.expectPunct('(');
    const params: AbiParam[] = [];
    if (!this.isPunct(')')) {
      do params.push(this.parseAbiParam());
      while (this.eatPunct(','));
    }
    this.expectPunct(')');
    const returns: AbiParam[] = [];
    if (this.eatPunct('->')) {
      do returns.push(this.parseAbiParam());
      while (this.eatPunct(','));
    }
    let cc = CallConv.Fast;
    const t = this.peek();
    if (t.kind === 'ident') {
      const parsed = parseCallConv(t.text);
      if (parsed !== undefined) {
        cc = parsed;
        this.next();
      }
    }
    return new Signature(cc, params, returns);
  }

  // --- function ---------------------------------------------------------------

  parseFunction(): Function {
    const kw = this.next();
    if (kw.kind !== 'ident' || kw.text !== 'function') throw this.err(kw, "expected 'function'");
    const nameTok = this.next();
    let name: UserFuncName;
    if (nameTok.kind === 'name') name = UserFuncName.testcase(nameTok.text);
    else if (nameTok.kind === 'user') name = UserFuncName.user(nameTok.num, nameTok.num2);
    else throw this.err(nameTok, `expected a function name (%name or u0:1), found '${nameTok.text || nameTok.kind}'`);
    const sig = this.parseSignature();
    const func = new Function(name, sig);
    this.expectPunct('{');

    const slotMap = new Map<number, number>();
    const sigMap = new Map<number, number>();
    const fnMap = new Map<number, number>();
    const jtMap = new Map<number, RawBlockCall[]>();

    // Preamble.
    for (;;) {
      const t = this.peek();
      if (!(t.kind === 'ss' || t.kind === 'sig' || t.kind === 'fn' || t.kind === 'jt') || !this.isPunct('=', 1)) break;
      this.next();
      this.next();
      switch (t.kind) {
        case 'ss': {
          const kind = this.expectKind('ident', 'a stack slot kind');
          if (kind.text !== 'explicit_slot') throw this.err(kind, `unsupported stack slot kind '${kind.text}'`);
          const size = this.parseIntToken(this.expectKind('number', 'a slot size'));
          let alignShift = 0;
          if (this.eatPunct(',')) {
            const a = this.expectKind('ident', "'align'");
            if (a.text !== 'align') throw this.err(a, "expected 'align'");
            this.expectPunct('=');
            const at = this.expectKind('number', 'an alignment');
            const align = Number(this.parseIntToken(at));
            if (align <= 0 || (align & (align - 1)) !== 0) throw this.err(at, 'alignment must be a power of two');
            alignShift = Math.log2(align);
          }
          if (slotMap.has(t.num)) throw this.err(t, `ss${t.num} is declared twice`);
          slotMap.set(t.num, func.createSizedStackSlot(stackSlotData(Number(size), alignShift)));
          break;
        }
        case 'sig': {
          if (sigMap.has(t.num)) throw this.err(t, `sig${t.num} is declared twice`);
          sigMap.set(t.num, func.importSignature(this.parseSignature()));
          break;
        }
        case 'fn': {
          if (fnMap.has(t.num)) throw this.err(t, `fn${t.num} is declared twice`);
          let colocated = false;
          if (this.isIdent('colocated')) {
            this.next();
            colocated = true;
          }
          const n = this.next();
          let extName: ExternalName;
          if (n.kind === 'user') {
            extName = ExternalName.user(func.declareImportedUserFunction(userExternalName(n.num, n.num2)));
          } else if (n.kind === 'name') {
            const lc = parseLibCall(n.text);
            extName = lc !== undefined ? ExternalName.libcall(lc) : ExternalName.testcase(n.text);
          } else throw this.err(n, `expected a function name, found '${n.text || n.kind}'`);
          let sigRef: number;
          if (this.isPunct('(')) {
            sigRef = func.importSignature(this.parseSignature());
          } else {
            const s = this.expectKind('sig', 'a signature reference (sigN) or an inline signature');
            const mapped = sigMap.get(s.num);
            if (mapped === undefined) throw this.err(s, `sig${s.num} is not declared`);
            sigRef = mapped;
          }
          fnMap.set(t.num, func.importFunction({ name: extName, signature: sigRef, colocated }));
          break;
        }
        case 'jt': {
          const kw2 = this.expectKind('ident', "'jump_table'");
          if (kw2.text !== 'jump_table') throw this.err(kw2, "expected 'jump_table'");
          this.expectPunct('[');
          const entries: RawBlockCall[] = [];
          if (!this.isPunct(']')) {
            do entries.push(this.parseBlockCall());
            while (this.eatPunct(','));
          }
          this.expectPunct(']');
          jtMap.set(t.num, entries);
          break;
        }
        default:
          break;
      }
    }

    // Body, pass 1: syntax.
    const blocks: RawBlock[] = [];
    const insts: RawInst[] = [];
    const aliases: { v: number; target: number; tok: Token }[] = [];
    let current = -1;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '}') {
        this.next();
        break;
      }
      if (t.kind === 'eof') throw this.err(t, "unexpected end of input: missing '}'");
      if (t.kind === 'block' && (this.isPunct(':', 1) || this.isPunct('(', 1))) {
        blocks.push(this.parseBlockHeader());
        current = t.num;
        continue;
      }
      if (current < 0) throw this.err(t, 'expected a block header');
      if (t.kind === 'value' && this.isPunct('->', 1)) {
        this.next();
        this.next();
        const target = this.expectKind('value', 'an alias target value');
        aliases.push({ v: t.num, target: target.num, tok: t });
        continue;
      }
      insts.push(this.parseInst(current));
    }

    buildFunction(this, func, blocks, insts, aliases, { slotMap, sigMap, fnMap, jtMap });
    return func;
  }

  parseBlockHeader(): RawBlock {
    const t = this.next();
    const params: { v: number; type: Type }[] = [];
    if (this.eatPunct('(')) {
      if (!this.isPunct(')')) {
        do {
          const v = this.expectKind('value', 'a block parameter');
          this.expectPunct(':');
          params.push({ v: v.num, type: this.parseTypeTok() });
        } while (this.eatPunct(','));
      }
      this.expectPunct(')');
    }
    this.expectPunct(':');
    return { num: t.num, params, tok: t };
  }

  parseBlockCall(): RawBlockCall {
    const t = this.expectKind('block', 'a block');
    const args: number[] = [];
    if (this.eatPunct('(')) {
      if (!this.isPunct(')')) {
        do args.push(this.expectKind('value', 'a value').num);
        while (this.eatPunct(','));
      }
      this.expectPunct(')');
    }
    return { block: t.num, args, tok: t };
  }

  parseValue(): number {
    return this.expectKind('value', 'a value').num;
  }

  parseIntToken(t: Token): bigint {
    const v = parseIntLiteral(t.text);
    if (v === undefined) throw this.err(t, `expected an integer, found '${t.text}'`);
    return v;
  }

  /** Optional `+N` / `-N` offset immediately following an address. */
  parseOffset(): number {
    const t = this.peek();
    if (t.kind === 'number' && (t.text.startsWith('+') || t.text.startsWith('-'))) {
      this.next();
      const v = this.parseIntToken(t);
      if (v < -0x8000_0000n || v > 0x7fff_ffffn) throw this.err(t, `offset out of range: ${t.text}`);
      return Number(v);
    }
    return 0;
  }

  parseMemFlags(): MemFlags {
    let flags = MemFlags.new();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident') return flags;
      const r = MemFlags.applyName(flags, t.text);
      if (r === false) return flags;
      if (typeof r === 'string') throw this.err(t, r);
      flags = r;
      this.next();
    }
  }

  parseTrap(): number {
    const t = this.next();
    const code = t.kind === 'ident' ? parseTrapCode(t.text) : undefined;
    if (code === undefined) throw this.err(t, `expected a trap code, found '${t.text || t.kind}'`);
    return code;
  }

  parseInst(block: number): RawInst {
    let srcloc: number | undefined;
    if (this.peek().kind === 'srcloc') srcloc = this.next().num;
    const results: number[] = [];
    if (this.peek().kind === 'value') {
      do results.push(this.parseValue());
      while (this.eatPunct(','));
      this.expectPunct('=');
    }
    const opTok = this.expectKind('ident', 'an opcode');
    const opcode = parseOpcode(opTok.text);
    if (opcode === undefined) throw this.err(opTok, `unknown opcode '${opTok.text}'`);
    let suffix: Type | undefined;
    if (this.isPunct('.')) {
      this.next();
      suffix = this.parseTypeTok();
    }
    const raw: RawInst = { tok: opTok, opcode, suffix, results, srcloc, args: [], block };
    const sameLine = (): boolean => this.peek().line === opTok.line;
    const F = InstructionFormat;
    switch (OPCODE_INFO[opcode]!.format) {
      case F.NullAry:
        break;
      case F.UnaryImm:
      case F.UnaryIeee32:
      case F.UnaryIeee64: {
        const t = this.next();
        if (t.kind !== 'number' && !(t.kind === 'ident' && INT_FLOAT_SPECIALS.has(t.text))) {
          throw this.err(t, `expected an immediate, found '${t.text || t.kind}'`);
        }
        raw.imm = t;
        break;
      }
      case F.Unary:
        if (opcode === Opcode.Bitcast) this.parseMemFlags(); // endianness flags: accepted, ignored
        raw.args.push(this.parseValue());
        break;
      case F.Binary:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.args.push(this.parseValue());
        break;
      case F.Ternary:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.args.push(this.parseValue());
        break;
      case F.BinaryImm64:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.imm = this.expectKind('number', 'an immediate');
        break;
      case F.IntCompare:
      case F.IntCompareImm: {
        const c = this.expectKind('ident', 'a condition code');
        const cc = parseIntCC(c.text);
        if (cc === undefined) throw this.err(c, `unknown integer condition code '${c.text}'`);
        raw.cond = cc;
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        if (OPCODE_INFO[opcode]!.format === F.IntCompare) raw.args.push(this.parseValue());
        else raw.imm = this.expectKind('number', 'an immediate');
        break;
      }
      case F.FloatCompare: {
        const c = this.expectKind('ident', 'a condition code');
        const cc = parseFloatCC(c.text);
        if (cc === undefined) throw this.err(c, `unknown float condition code '${c.text}'`);
        raw.cond = cc;
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.args.push(this.parseValue());
        break;
      }
      case F.Load:
        raw.flags = this.parseMemFlags();
        raw.args.push(this.parseValue());
        raw.offset = this.parseOffset();
        break;
      case F.Store:
        raw.flags = this.parseMemFlags();
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.args.push(this.parseValue());
        raw.offset = this.parseOffset();
        break;
      case F.StackLoad:
        raw.slot = this.expectKind('ss', 'a stack slot').num;
        raw.offset = this.parseOffset();
        break;
      case F.StackStore:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.slot = this.expectKind('ss', 'a stack slot').num;
        raw.offset = this.parseOffset();
        break;
      case F.Jump:
        raw.calls = [this.parseBlockCall()];
        break;
      case F.Brif:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.calls = [this.parseBlockCall()];
        this.expectPunct(',');
        raw.calls.push(this.parseBlockCall());
        break;
      case F.BranchTable:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.calls = [this.parseBlockCall()];
        this.expectPunct(',');
        if (this.peek().kind === 'jt') {
          raw.ref = this.next().num;
        } else {
          this.expectPunct('[');
          raw.table = [];
          if (!this.isPunct(']')) {
            do raw.table.push(this.parseBlockCall());
            while (this.eatPunct(','));
          }
          this.expectPunct(']');
        }
        break;
      case F.MultiAry:
        if (this.peek().kind === 'value' && sameLine()) {
          do raw.args.push(this.parseValue());
          while (this.eatPunct(','));
        }
        break;
      case F.Call:
        raw.ref = this.expectKind('fn', 'a function reference (fnN)').num;
        this.parseArgList(raw.args);
        break;
      case F.CallIndirect:
        raw.ref = this.expectKind('sig', 'a signature reference (sigN)').num;
        this.expectPunct(',');
        raw.args.push(this.parseValue());
        this.parseArgList(raw.args);
        break;
      case F.FuncAddr:
        raw.ref = this.expectKind('fn', 'a function reference (fnN)').num;
        break;
      case F.Trap:
        raw.trap = this.parseTrap();
        break;
      case F.CondTrap:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.trap = this.parseTrap();
        break;
      case F.IntAddTrap:
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.args.push(this.parseValue());
        this.expectPunct(',');
        raw.trap = this.parseTrap();
        break;
    }
    return raw;
  }

  parseArgList(into: number[]): void {
    this.expectPunct('(');
    if (!this.isPunct(')')) {
      do into.push(this.parseValue());
      while (this.eatPunct(','));
    }
    this.expectPunct(')');
  }
}

interface RefMaps {
  slotMap: Map<number, number>;
  sigMap: Map<number, number>;
  fnMap: Map<number, number>;
  jtMap: Map<number, RawBlockCall[]>;
}

/** Pass 2: resolve types, build the DFG and layout with the text's numbering. */
function buildFunction(
  p: Parser,
  func: Function,
  blocks: RawBlock[],
  insts: RawInst[],
  aliases: { v: number; target: number; tok: Token }[],
  maps: RefMaps,
): void {
  const dfg = func.dfg;
  // Where each value is defined (textually).
  const paramType = new Map<number, Type>();
  const resultOf = new Map<number, RawInst>();
  const aliasOf = new Map<number, { target: number; tok: Token }>();
  const definedBlocks = new Set<number>();
  for (const b of blocks) {
    if (definedBlocks.has(b.num)) throw p.err(b.tok, `block${b.num} is defined twice`);
    definedBlocks.add(b.num);
    for (const prm of b.params) {
      if (paramType.has(prm.v) || resultOf.has(prm.v)) throw p.err(b.tok, `v${prm.v} is defined twice`);
      paramType.set(prm.v, prm.type);
    }
  }
  for (const ri of insts) {
    for (const r of ri.results) {
      if (paramType.has(r) || resultOf.has(r)) throw p.err(ri.tok, `v${r} is defined twice`);
      resultOf.set(r, ri);
    }
  }
  for (const a of aliases) {
    if (paramType.has(a.v) || resultOf.has(a.v) || aliasOf.has(a.v)) throw p.err(a.tok, `v${a.v} is defined twice`);
    aliasOf.set(a.v, a);
  }

  const sigOf = (ri: RawInst): Signature | undefined => {
    const info = OPCODE_INFO[ri.opcode]!;
    if (info.format === InstructionFormat.Call) {
      const f = maps.fnMap.get(ri.ref!);
      if (f === undefined) throw p.err(ri.tok, `fn${ri.ref} is not declared`);
      return dfg.signatures[dfg.extFuncs[f]!.signature];
    }
    if (info.format === InstructionFormat.CallIndirect) {
      const s = maps.sigMap.get(ri.ref!);
      if (s === undefined) throw p.err(ri.tok, `sig${ri.ref} is not declared`);
      return dfg.signatures[s];
    }
    return undefined;
  };

  const valueType = (v: number, tok: Token, depth = 0): Type => {
    if (depth > 10_000) throw p.err(tok, `cannot infer the type of v${v}`);
    const pt = paramType.get(v);
    if (pt !== undefined) return pt;
    const al = aliasOf.get(v);
    if (al !== undefined) return valueType(al.target, al.tok, depth + 1);
    const ri = resultOf.get(v);
    if (ri === undefined) throw p.err(tok, `use of undefined value v${v}`);
    const ctrl = ctrlTypeOf(ri, depth + 1);
    const n = ri.results.indexOf(v);
    const tys = resultTypes(ri, ctrl);
    const t = tys[n];
    if (t === undefined) throw p.err(ri.tok, `${OPCODE_INFO[ri.opcode]!.name} produces ${tys.length} results, ${ri.results.length} given`);
    return t;
  };

  const resultTypes = (ri: RawInst, ctrl: Type): Type[] => {
    const sig = sigOf(ri);
    if (sig !== undefined) return sig.returns.map((r) => r.type);
    return dfg.resultTypesFor(ri.opcode, ctrl);
  };

  const ctrlTypeOf = (ri: RawInst, depth = 0): Type => {
    if (ri.ctrl !== undefined) return ri.ctrl;
    if (ri.resolving) throw p.err(ri.tok, 'cannot infer the controlling type (cyclic definition); add a type suffix');
    ri.resolving = true;
    const info = OPCODE_INFO[ri.opcode]!;
    let ctrl: Type;
    if (ri.suffix !== undefined) ctrl = ri.suffix;
    else if (info.typeVar === 'none') ctrl = INVALID;
    else if (info.typeVar === 'result') {
      if (ri.opcode === Opcode.Uload32 || ri.opcode === Opcode.Sload32) ctrl = I64;
      else throw p.err(ri.tok, `${info.name} needs a type suffix (e.g. ${info.name}.i32)`);
    } else {
      const operand = ri.args[info.typeVar.operand];
      if (operand === undefined) throw p.err(ri.tok, `${info.name} is missing operand ${info.typeVar.operand}`);
      ctrl = valueType(operand, ri.tok, depth + 1);
    }
    ri.ctrl = ctrl;
    ri.resolving = false;
    return ctrl;
  };

  // Entities with the text's numbers.
  let maxValue = -1;
  for (const v of paramType.keys()) maxValue = Math.max(maxValue, v);
  for (const v of resultOf.keys()) maxValue = Math.max(maxValue, v);
  for (const v of aliasOf.keys()) maxValue = Math.max(maxValue, v);
  dfg.ensureValue(maxValue);
  let maxBlock = -1;
  for (const b of blocks) maxBlock = Math.max(maxBlock, b.num);
  dfg.ensureBlock(maxBlock);

  const checkBlockRef = (c: RawBlockCall): void => {
    if (!definedBlocks.has(c.block)) throw p.err(c.tok, `block${c.block} is not defined`);
  };
  const checkValueRef = (v: number, tok: Token): void => {
    if (!paramType.has(v) && !resultOf.has(v) && !aliasOf.has(v)) throw p.err(tok, `use of undefined value v${v}`);
  };

  for (const b of blocks) {
    func.layout.appendBlock(b.num);
    for (const prm of b.params) dfg.attachBlockParamAt(b.num, prm.v, prm.type);
  }

  const F = InstructionFormat;
  const blockCall = (c: RawBlockCall): number => {
    checkBlockRef(c);
    for (const a of c.args) checkValueRef(a, c.tok);
    return dfg.makeBlockCall(c.block, c.args);
  };
  const made: Inst[] = [];
  for (const ri of insts) {
    const info = OPCODE_INFO[ri.opcode]!;
    for (const a of ri.args) checkValueRef(a, ri.tok);
    const ctrl = ctrlTypeOf(ri);
    const inst = dfg.makeInst(ri.opcode, ctrl);
    made.push(inst);
    if (ri.args.length > 0) dfg.setArgs(inst, ri.args);
    switch (info.format) {
      case F.UnaryImm:
      case F.BinaryImm64:
      case F.IntCompareImm: {
        const t = ri.imm!;
        const v = parseIntLiteral(t.text);
        const bits = typeBits(ctrl);
        if (v === undefined) throw p.err(t, `expected an integer immediate, found '${t.text}'`);
        if (bits > 0 && !fitsInBits(v, bits)) throw p.err(t, `immediate ${t.text} does not fit in ${typeName(ctrl)}`);
        dfg.setImm(inst, BigInt.asUintN(bits > 0 ? bits : 64, v));
        if (ri.cond !== undefined) dfg.setAux(inst, ri.cond);
        break;
      }
      case F.UnaryIeee32: {
        const bits = parseIeee32(ri.imm!.text);
        if (bits === undefined) throw p.err(ri.imm!, `invalid f32 immediate '${ri.imm!.text}'`);
        dfg.setImmParts(inst, bits | 0, 0);
        break;
      }
      case F.UnaryIeee64: {
        const bits = parseIeee64(ri.imm!.text);
        if (bits === undefined) throw p.err(ri.imm!, `invalid f64 immediate '${ri.imm!.text}'`);
        dfg.setImm(inst, bits);
        break;
      }
      case F.IntCompare:
      case F.FloatCompare:
        dfg.setAux(inst, ri.cond!);
        break;
      case F.Load:
      case F.Store:
        dfg.setAux(inst, ri.flags!.bits);
        dfg.setAux2(inst, ri.offset!);
        break;
      case F.StackLoad:
      case F.StackStore: {
        const s = maps.slotMap.get(ri.slot!);
        if (s === undefined) throw p.err(ri.tok, `ss${ri.slot} is not declared`);
        dfg.setAux(inst, s);
        dfg.setAux2(inst, ri.offset!);
        break;
      }
      case F.Jump:
        dfg.setAux(inst, blockCall(ri.calls![0]!));
        break;
      case F.Brif:
        dfg.setAux(inst, blockCall(ri.calls![0]!));
        dfg.setAux2(inst, blockCall(ri.calls![1]!));
        break;
      case F.BranchTable: {
        let entries = ri.table;
        if (entries === undefined) {
          entries = maps.jtMap.get(ri.ref!);
          if (entries === undefined) throw p.err(ri.tok, `jt${ri.ref} is not declared`);
        }
        const data: JumpTableData = { default: blockCall(ri.calls![0]!), entries: entries.map(blockCall) };
        dfg.setAux(inst, dfg.createJumpTable(data));
        break;
      }
      case F.Call:
      case F.FuncAddr: {
        const f = maps.fnMap.get(ri.ref!);
        if (f === undefined) throw p.err(ri.tok, `fn${ri.ref} is not declared`);
        dfg.setAux(inst, f);
        break;
      }
      case F.CallIndirect: {
        const s = maps.sigMap.get(ri.ref!);
        if (s === undefined) throw p.err(ri.tok, `sig${ri.ref} is not declared`);
        dfg.setAux(inst, s);
        break;
      }
      case F.Trap:
      case F.CondTrap:
      case F.IntAddTrap:
        dfg.setAux(inst, ri.trap!);
        break;
      default:
        break;
    }
    const tys = resultTypes(ri, ctrl);
    if (tys.length !== ri.results.length) {
      throw p.err(ri.tok, `${info.name} produces ${tys.length} results, ${ri.results.length} given`);
    }
    ri.results.forEach((v, n) => dfg.attachResultAt(inst, v, tys[n]!));
    func.layout.appendInst(inst, ri.block);
    if (ri.srcloc !== undefined) func.setSrcLoc(inst, ri.srcloc);
  }
  for (const a of aliases) {
    checkValueRef(a.target, a.tok);
    dfg.makeAliasAt(a.v, a.target, valueType(a.target, a.tok));
  }
  for (const a of aliases) dfg.resolveAliases(a.v); // throws on alias cycles
}

/** Parse every function in `text` (header lines are ignored). */
export function parseFunctions(text: string): Function[] {
  return parseClifFile(text).functions.map((f) => f.func);
}

/** Parse exactly one function. */
export function parseFunction(text: string): Function {
  const fs = parseFunctions(text);
  if (fs.length !== 1) throw new ParseError(1, 1, `expected exactly one function, found ${fs.length}`);
  return fs[0]!;
}

/** Parse a whole `.clif` file: `test`/`set`/`target` headers and functions. */
export function parseClifFile(text: string): ClifFile {
  return new Parser(tokenize(text)).parseFile();
}

/** Is `s` usable as a `%name`? */
export function isValidTestcaseName(s: string): boolean {
  return TESTCASE_NAME_RE.test(s);
}
