/**
 * Small mutations of a function's stencil, for the key's property tests.
 *
 * Every mutation changes something code generation reads (one instruction's
 * opcode, an immediate, a type, an argument, a branch target, a relative
 * source location, a declaration), so it must change the cache key. Each
 * site is applied to a fresh copy of the function, with a random number `r`
 * choosing among the possible new values; every choice differs from the
 * original value.
 *
 * Opcode and type changes have no setter in the DFG (by design), so they are
 * applied to the printed CLIF text, which is then parsed again.
 */
import {
  type Function,
  InstructionFormat,
  LibCall,
  parseFunction,
  printFunction,
  stackSlotData,
} from '@derrick/codegen-ir';

export interface MutationSite {
  /** What is mutated, for failure messages. */
  readonly what: string;
  /** Applied through the CLIF text (fails to parse when earlier edits made the IR invalid). */
  readonly textual?: boolean;
  /** Return the mutated function (`f` itself, changed, or a re-parsed copy). */
  apply(f: Function, r: number): Function;
}

function layoutInsts(f: Function): number[] {
  const out: number[] = [];
  for (const b of f.layout.blocks()) for (const i of f.layout.blockInsts(b)) out.push(i);
  return out;
}

/** The k-th instruction line of printed CLIF (layout order). */
function instLineIndices(lines: string[]): number[] {
  const out: number[] = [];
  let inBody = false;
  for (let n = 0; n < lines.length; n++) {
    const t = lines[n]!.trim();
    if (/^block\d+/.test(t)) {
      inBody = true;
      continue;
    }
    if (!inBody || t === '' || t === '}') continue;
    out.push(n);
  }
  return out;
}

const BINARY_ALU = ['iadd', 'isub', 'imul', 'band', 'bor', 'bxor'];
const FLOAT_ALU = ['fadd', 'fsub', 'fmul', 'fdiv'];
const INT_TYPES = ['i8', 'i16', 'i32', 'i64'];

function textSite(what: string, lineIdx: number, edit: (line: string, r: number) => string): MutationSite {
  return {
    what,
    textual: true,
    apply(f: Function, r: number): Function {
      const lines = printFunction(f).split('\n');
      const before = lines[lineIdx]!;
      const after = edit(before, r);
      if (after === before) throw new Error(`text mutation "${what}" did not change: ${before}`);
      lines[lineIdx] = after;
      return parseFunction(lines.join('\n'));
    },
  };
}

/** Every mutation site of `f` (computed on `f`, applied to equal copies of it). */
export function mutationSites(f: Function): MutationSite[] {
  const sites: MutationSite[] = [];
  const dfg = f.dfg;
  const insts = layoutInsts(f);
  const values: number[] = [];
  for (let v = 0; v < dfg.numValues; v++) if (dfg.valueExists(v) && !dfg.isAlias(v)) values.push(v);

  insts.forEach((inst, k) => {
    const name = `inst ${k}`;
    sites.push({
      what: `${name}: relative source location`,
      apply(g, r) {
        // A relative location needs a base to print (`@-` otherwise, which the parser rejects).
        if (g.params.baseSrcLoc === 0xffff_ffff) g.params.baseSrcLoc = 0;
        const cur = g.stencil.relSrcLoc(inst);
        const next = cur === 0xffff_ffff ? r % 0x1000 : (cur + 1 + (r % 0x1000)) % 0xffff_ffff;
        g.stencil.setRelSrcLoc(inst, next);
        return g;
      },
    });
    const nargs = dfg.numArgs(inst);
    for (let a = 0; a < nargs; a++) {
      sites.push({
        what: `${name}: argument ${a}`,
        apply(g, r) {
          const cur = g.dfg.resolveAliases(g.dfg.arg(inst, a));
          const others = values.filter((v) => v !== cur);
          g.dfg.setArg(inst, a, others[r % others.length]!);
          return g;
        },
      });
    }
    switch (dfg.format(inst)) {
      case InstructionFormat.UnaryImm:
      case InstructionFormat.BinaryImm64:
      case InstructionFormat.IntCompareImm:
      case InstructionFormat.UnaryIeee32:
      case InstructionFormat.UnaryIeee64:
        sites.push({
          what: `${name}: immediate`,
          apply(g, r) {
            const bit = r % 32;
            const hi = (r >> 5) % 2 === 1 && dfg.format(inst) === InstructionFormat.UnaryIeee64;
            const lo = g.dfg.immLo(inst);
            const h = g.dfg.immHi(inst);
            if (hi) g.dfg.setImmParts(inst, lo, h ^ (1 << bit));
            else g.dfg.setImmParts(inst, lo ^ (1 << bit), h);
            return g;
          },
        });
        break;
      case InstructionFormat.Load:
      case InstructionFormat.Store:
        sites.push({
          what: `${name}: memory flags`,
          apply(g, r) {
            g.dfg.setAux(inst, g.dfg.aux(inst) ^ (1 << r % 4));
            return g;
          },
        });
        sites.push({
          what: `${name}: offset`,
          apply(g, r) {
            g.dfg.setAux2(inst, g.dfg.aux2(inst) + 1 + (r % 256));
            return g;
          },
        });
        break;
      case InstructionFormat.StackLoad:
      case InstructionFormat.StackStore:
        sites.push({
          what: `${name}: stack offset`,
          apply(g, r) {
            g.dfg.setAux2(inst, g.dfg.aux2(inst) + 1 + (r % 8));
            return g;
          },
        });
        break;
      case InstructionFormat.IntCompare:
      case InstructionFormat.FloatCompare:
        sites.push({
          what: `${name}: condition code`,
          apply(g) {
            g.dfg.setAux(inst, g.dfg.aux(inst) ^ 1);
            return g;
          },
        });
        break;
      case InstructionFormat.Trap:
      case InstructionFormat.CondTrap:
      case InstructionFormat.IntAddTrap:
        sites.push({
          what: `${name}: trap code`,
          apply(g, r) {
            const cur = g.dfg.aux(inst);
            g.dfg.setAux(inst, cur === 1 + (r % 8) ? cur + 1 : 1 + (r % 8));
            return g;
          },
        });
        break;
      case InstructionFormat.Jump:
      case InstructionFormat.Brif:
        sites.push({
          what: `${name}: branch target`,
          apply(g, r) {
            const bc = g.dfg.aux(inst);
            const cur = g.dfg.blockCallBlock(bc);
            const blocks = [...g.layout.blocks()].filter((b) => b !== cur);
            g.dfg.setBlockCallBlock(bc, blocks[r % blocks.length]!);
            return g;
          },
        });
        break;
      default:
        break;
    }
  });

  // Opcode and type changes, through the text.
  const lines = printFunction(f).split('\n');
  instLineIndices(lines).forEach((n, k) => {
    const line = lines[n]!;
    const op = /= ([a-z_0-9]+)(\.[a-z0-9]+)? /.exec(line);
    if (op !== null && BINARY_ALU.includes(op[1]!)) {
      sites.push(
        textSite(`inst ${k}: opcode ${op[1]}`, n, (l, r) => {
          const others = BINARY_ALU.filter((o) => o !== op[1]);
          return l.replace(`= ${op[1]}`, `= ${others[r % others.length]}`);
        }),
      );
    }
    if (op !== null && FLOAT_ALU.includes(op[1]!)) {
      sites.push(
        textSite(`inst ${k}: opcode ${op[1]}`, n, (l, r) => {
          const others = FLOAT_ALU.filter((o) => o !== op[1]);
          return l.replace(`= ${op[1]}`, `= ${others[r % others.length]}`);
        }),
      );
    }
    const ty = /= ([a-z_0-9]+)\.(i8|i16|i32|i64) /.exec(line);
    // An iconst immediate must fit its type (the parser checks): only widen those.
    const others = ty === null ? [] : INT_TYPES.filter((t) => t !== ty[2] && (ty[1] !== 'iconst' || INT_TYPES.indexOf(t) > INT_TYPES.indexOf(ty[2]!)));
    if (ty !== null && others.length > 0) {
      sites.push(
        textSite(`inst ${k}: controlling type ${ty[2]}`, n, (l, r) => {
          return l.replace(`.${ty[2]} `, `.${others[r % others.length]} `);
        }),
      );
    }
  });
  lines.forEach((line, n) => {
    const bp = /^\s*block\d+\(.*(v\d+): (i8|i16|i32|i64)/.exec(line);
    if (bp !== null) {
      sites.push(
        textSite(`${line.trim()}: block parameter type`, n, (l, r) => {
          const others = INT_TYPES.filter((t) => t !== bp[2]);
          return l.replace(`${bp[1]}: ${bp[2]}`, `${bp[1]}: ${others[r % others.length]}`);
        }),
      );
    }
  });

  // Declarations.
  sites.push({
    what: 'signature calling convention',
    apply(g, r) {
      g.signature.callConv = (g.signature.callConv + 1 + (r % 7)) % 8;
      return g;
    },
  });
  f.stackSlots.forEach((_, s) => {
    sites.push({
      what: `ss${s}: size`,
      apply(g, r) {
        const cur = g.stackSlots[s]!;
        g.stackSlots[s] = stackSlotData(cur.size + 1 + (r % 64), cur.alignShift);
        return g;
      },
    });
  });
  dfg.extFuncs.forEach((ext, e) => {
    sites.push({
      what: `fn${e}: colocated`,
      apply(g) {
        g.dfg.extFuncs[e] = { ...g.dfg.extFuncs[e]!, colocated: !ext.colocated };
        return g;
      },
    });
    if (ext.name.kind === 'libcall') {
      const cur = ext.name.libcall;
      sites.push({
        what: `fn${e}: libcall`,
        apply(g, r) {
          const next = ((cur + 1 + (r % 11)) % 13) as LibCall;
          g.dfg.extFuncs[e] = { ...g.dfg.extFuncs[e]!, name: { kind: 'libcall', libcall: next } };
          return g;
        },
      });
    }
  });
  return sites;
}
