/**
 * The CLIF printer: `Function` → text that `parseFunctions` reads back.
 *
 * The output follows Cranelift's `write.rs` for everything the two IRs
 * share, so a reader fluent in CLIF reads Derrick IR without a glossary:
 *
 * ```
 * function %add(i32, i64 vmctx) -> i32 system_v {
 *     ss0 = explicit_slot 16
 *     sig0 = (i32) -> i32 fast
 *     fn0 = colocated u0:1 sig0
 *
 * block0(v0: i32, v1: i64):
 *     v2 = load.i32 notrap aligned v1+8
 *     v3 = iadd v0, v2
 *     brif v3, block1(v3), block2
 * ...
 * ```
 *
 * Rules kept from Cranelift:
 * * the `.type` suffix is printed for polymorphic instructions unless the
 *   controlling type comes from an operand defined in the same block;
 * * source locations are printed as `@0012` (absolute: base + relative) in a
 *   36-column prefix when the function has any, with block headers indented
 *   32 columns;
 * * value aliases are printed as `v9 -> v3` lines after the definition of
 *   their target;
 * * `br_table` jump tables are printed inline (`br_table v0, block3,
 *   [block1, block2]`), the current CLIF syntax.
 *
 * Invariant (PrintParsePrint): for every function that passes the verifier,
 * `print(parse(print(f))) === print(f)`, and `parse(print(f))` has a stencil
 * equal to `f`'s provided the base source location is the first located
 * instruction in layout order (see function.ts, BaseFromFirstLoc).
 */
import { floatCCName, intCCName } from './condcodes.js';
import type { DataFlowGraph } from './dfg.js';
import type { BlockCall, Inst, Value } from './entities.js';
import { type ExternalName, UserFuncName, formatUserExternalName, libCallName } from './extname.js';
import type { Function } from './function.js';
import { formatIeee32, formatIeee64, formatImm } from './immediates.js';
import { MemFlags } from './memflags.js';
import { InstructionFormat, OPCODE_INFO } from './opcodes.js';
import { DEFAULT_SRCLOC, formatSrcLoc } from './sourceloc.js';
import { trapCodeName } from './trapcode.js';
import { typeBits, typeName } from './types.js';

export function formatOffset(off: number): string {
  if (off === 0) return '';
  return off > 0 ? `+${off}` : `${off}`;
}

export function formatExternalName(func: Function, name: ExternalName): string {
  switch (name.kind) {
    case 'user': {
      const table = func.params.userNamedFuncs();
      const n = table[name.ref];
      return n === undefined ? `userextname${name.ref}` : formatUserExternalName(n);
    }
    case 'libcall':
      return `%${libCallName(name.libcall)}`;
    case 'testcase':
      return `%${name.name}`;
  }
}

function values(vs: readonly Value[]): string {
  return vs.map((v) => `v${v}`).join(', ');
}

function blockCall(dfg: DataFlowGraph, bc: BlockCall): string {
  const b = dfg.blockCallBlock(bc);
  const n = dfg.blockCallNumArgs(bc);
  if (n === 0) return `block${b}`;
  return `block${b}(${values(dfg.blockCallArgs(bc))})`;
}

/** Does `inst` need a `.type` suffix (Cranelift's `type_suffix`)? */
function needsTypeSuffix(func: Function, inst: Inst): boolean {
  const dfg = func.dfg;
  const tv = OPCODE_INFO[dfg.opcode(inst)]!.typeVar;
  if (tv === 'none') return false;
  if (tv === 'result') return true;
  if (tv.operand >= dfg.numArgs(inst)) return true;
  const v = dfg.resolveAliases(dfg.arg(inst, tv.operand));
  const defInst = dfg.valueInst(v);
  const defBlock = defInst >= 0 ? func.layout.instBlock(defInst) : dfg.valueParamBlock(v);
  return !(defBlock >= 0 && defBlock === func.layout.instBlock(inst));
}

/** Operands of `inst`, each preceded by a space (Cranelift's `write_operands`). */
export function formatOperands(func: Function, inst: Inst): string {
  const dfg = func.dfg;
  const args = dfg.instArgs(inst);
  const aux = dfg.aux(inst);
  const aux2 = dfg.aux2(inst);
  const ctrl = dfg.ctrlType(inst);
  const immText = (): string => formatImm(dfg.immBits(inst), typeBits(ctrl) || 64);
  switch (dfg.format(inst)) {
    case InstructionFormat.NullAry:
      return '';
    case InstructionFormat.UnaryImm:
      return ` ${immText()}`;
    case InstructionFormat.UnaryIeee32:
      return ` ${formatIeee32(dfg.ieee32Bits(inst))}`;
    case InstructionFormat.UnaryIeee64:
      return ` ${formatIeee64(dfg.ieee64Bits(inst))}`;
    case InstructionFormat.Unary:
    case InstructionFormat.Binary:
    case InstructionFormat.Ternary:
    case InstructionFormat.MultiAry:
      return args.length === 0 ? '' : ` ${values(args)}`;
    case InstructionFormat.BinaryImm64:
      return ` v${args[0]}, ${immText()}`;
    case InstructionFormat.IntCompare:
      return ` ${intCCName(aux)} ${values(args)}`;
    case InstructionFormat.IntCompareImm:
      return ` ${intCCName(aux)} v${args[0]}, ${immText()}`;
    case InstructionFormat.FloatCompare:
      return ` ${floatCCName(aux)} ${values(args)}`;
    case InstructionFormat.Load:
      return `${MemFlags.fromBits(aux).toString()} v${args[0]}${formatOffset(aux2)}`;
    case InstructionFormat.Store:
      return `${MemFlags.fromBits(aux).toString()} v${args[0]}, v${args[1]}${formatOffset(aux2)}`;
    case InstructionFormat.StackLoad:
      return ` ss${aux}${formatOffset(aux2)}`;
    case InstructionFormat.StackStore:
      return ` v${args[0]}, ss${aux}${formatOffset(aux2)}`;
    case InstructionFormat.Jump:
      return ` ${blockCall(dfg, aux)}`;
    case InstructionFormat.Brif:
      return ` v${args[0]}, ${blockCall(dfg, aux)}, ${blockCall(dfg, aux2)}`;
    case InstructionFormat.BranchTable: {
      const jt = dfg.jumpTables[aux];
      if (jt === undefined) return ` v${args[0]}, jt${aux}`;
      return ` v${args[0]}, ${blockCall(dfg, jt.default)}, [${jt.entries.map((e) => blockCall(dfg, e)).join(', ')}]`;
    }
    case InstructionFormat.Call:
      return ` fn${aux}(${values(args)})`;
    case InstructionFormat.CallIndirect:
      return ` sig${aux}, v${args[0]}(${values(args.slice(1))})`;
    case InstructionFormat.FuncAddr:
      return ` fn${aux}`;
    case InstructionFormat.Trap:
      return ` ${trapCodeName(aux)}`;
    case InstructionFormat.CondTrap:
      return ` v${args[0]}, ${trapCodeName(aux)}`;
    case InstructionFormat.IntAddTrap:
      return ` ${values(args)}, ${trapCodeName(aux)}`;
  }
}

/** `v5 = iadd v3, v4`: the instruction without location or indentation. */
export function formatInst(func: Function, inst: Inst): string {
  const dfg = func.dfg;
  let s = '';
  const results = dfg.instResults(inst);
  if (results.length > 0) s += values(results) + ' = ';
  s += OPCODE_INFO[dfg.opcode(inst)]!.name;
  if (needsTypeSuffix(func, inst)) s += '.' + typeName(dfg.ctrlType(inst));
  return s + formatOperands(func, inst);
}

/** Alias lines (`v9 -> v3`) for every alias whose immediate target is `target`, recursively. */
function aliasLines(aliases: Map<Value, Value[]>, target: Value, indent: string, out: string[]): void {
  const stack = [target];
  while (stack.length > 0) {
    const t = stack.pop()!;
    for (const a of aliases.get(t) ?? []) {
      out.push(`${indent}v${a} -> v${t}`);
      stack.push(a);
    }
  }
}

export function printFunction(func: Function): string {
  const dfg = func.dfg;
  const layout = func.layout;
  const out: string[] = [];
  out.push(`function ${UserFuncName.toString(func.name)}${func.signature.toString()} {`);

  let any = false;
  func.stackSlots.forEach((ss, i) => {
    any = true;
    out.push(`    ss${i} = ${ss.kind} ${ss.size}${ss.alignShift > 0 ? `, align = ${1 << ss.alignShift}` : ''}`);
  });
  dfg.signatures.forEach((sig, i) => {
    any = true;
    out.push(`    sig${i} = ${sig.toString()}`);
  });
  dfg.extFuncs.forEach((ext, i) => {
    any = true;
    out.push(`    fn${i} = ${ext.colocated ? 'colocated ' : ''}${formatExternalName(func, ext.name)} sig${ext.signature}`);
  });

  // Reverse alias map: immediate target -> aliases.
  const aliases = new Map<Value, Value[]>();
  for (let v = 0; v < dfg.numValues; v++) {
    if (dfg.isAlias(v)) {
      const t = dfg.aliasTarget(v);
      const list = aliases.get(t);
      if (list) list.push(v);
      else aliases.set(t, [v]);
    }
  }

  const located = func.stencil.hasSrcLocs;
  const indentWidth = located ? 36 : 4;
  const indent = ' '.repeat(indentWidth);
  const headerIndent = ' '.repeat(indentWidth - 4);
  for (const b of layout.blocks()) {
    if (any) out.push('');
    any = true;
    const params = dfg.blockParams(b);
    const ps = params.map((v) => `v${v}: ${typeName(dfg.typeOf(v))}`).join(', ');
    out.push(`${headerIndent}block${b}${params.length > 0 ? `(${ps})` : ''}:`);
    for (const p of params) aliasLines(aliases, p, indent, out);
    for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) {
      let prefix = '';
      if (located) {
        const loc = func.stencil.relSrcLoc(i);
        if (loc !== DEFAULT_SRCLOC) prefix = formatSrcLoc(func.srcLoc(i)) + ' ';
      }
      out.push(prefix.padEnd(indentWidth, ' ') + formatInst(func, i));
      const nr = dfg.numResults(i);
      for (let r = 0; r < nr; r++) aliasLines(aliases, dfg.result(i, r), indent, out);
    }
  }
  out.push('}');
  return out.join('\n') + '\n';
}
