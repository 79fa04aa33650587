/**
 * The IR verifier: is a `Function` well formed?
 *
 * Everything downstream (optimizer, lowering, register allocation, the
 * interpreter) assumes verified IR, so each rule below is one a later phase
 * relies on. Errors are values (`VerifierError`) naming the instruction and
 * printing it: `inst12 (v5 = iadd v3, v4): arg 1 has type i64, expected i32`.
 *
 * Rules, in checking order:
 *
 * 1. Preamble. Imported functions name an existing signature and, for user
 *    names, an existing `UserExternalNameRef` in the parameters table.
 * 2. Layout. There is an entry block; its parameters match the signature's
 *    parameters; every block in the layout is non-empty, ends in exactly one
 *    terminator and has none before it; no branch targets the entry block
 *    (our backends, like regalloc2, want an entry block without
 *    predecessors).
 * 3. Per instruction: result values are attached consistently; result types
 *    are those the opcode produces; operand types obey the opcode's
 *    constraint (opcodes.ts); immediates are in range; entity references
 *    (stack slots, jump tables, signatures, functions, trap codes) exist.
 * 4. Branches: every target is a block in the layout and gets exactly as
 *    many arguments as it has parameters, with matching types. Calls match
 *    their signature; `return` matches the function's.
 * 5. SSA: every used value is defined by an instruction in the layout or is
 *    a parameter of a block in the layout, and, when the use is reachable,
 *    its definition dominates it (a result defined earlier in the same
 *    block, or in a block that strictly dominates the use's block). Uses in
 *    unreachable blocks are only checked for existence, as in Cranelift.
 *
 * Dominators are computed with Cooper, Harvey and Kennedy's iterative
 * algorithm over a reverse post-order of the CFG.
 */
import type { Block, Inst, Value } from './entities.js';
import type { Function } from './function.js';
import { isValidTrapCode } from './trapcode.js';
import { OPCODE_INFO, OpFlag, opcodeName, type Constraint } from './opcodes.js';
import { MemFlags } from './memflags.js';
import { F32, F64, I32, I64, isFloat, isInt, isValidType, type Type, typeBits, typeBytes, typeName } from './types.js';
import { formatInst } from './write.js';

export interface VerifierError {
  /** `inst12`, `block3` or `function`. */
  readonly location: string;
  readonly inst?: Inst;
  readonly block?: Block;
  readonly message: string;
  /** The full diagnostic: `inst12 (v5 = iadd v3, v4): message`. */
  readonly text: string;
}

/** Thrown by `assertVerified`. */
export class VerifierErrors extends Error {
  readonly errors: readonly VerifierError[];
  constructor(errors: readonly VerifierError[]) {
    super(`IR verification failed:\n${errors.map((e) => '  ' + e.text).join('\n')}`);
    this.name = 'VerifierErrors';
    this.errors = errors;
  }
}

export function assertVerified(func: Function): void {
  const errors = verifyFunction(func);
  if (errors.length > 0) throw new VerifierErrors(errors);
}

const isPointer = (t: Type): boolean => t === I32 || t === I64;

class Verifier {
  readonly errors: VerifierError[] = [];
  /** Position of each inst within its block, for same-block dominance. */
  private pos = new Int32Array(0);
  private idom = new Int32Array(0);
  private rpoIndex = new Int32Array(0);
  /** Pre/post order numbers in the dominator tree: a dom b ⇔ pre[a] ≤ pre[b] ∧ post[b] ≤ post[a]. */
  private domPre = new Int32Array(0);
  private domPost = new Int32Array(0);

  constructor(private readonly func: Function) {}

  private instError(inst: Inst, message: string): void {
    let text: string;
    try {
      text = formatInst(this.func, inst);
    } catch {
      text = opcodeName(this.func.dfg.opcode(inst));
    }
    this.errors.push({ location: `inst${inst}`, inst, message, text: `inst${inst} (${text}): ${message}` });
  }

  private blockError(block: Block, message: string): void {
    this.errors.push({ location: `block${block}`, block, message, text: `block${block}: ${message}` });
  }

  private funcError(message: string): void {
    this.errors.push({ location: 'function', message, text: `function: ${message}` });
  }

  run(): VerifierError[] {
    this.checkPreamble();
    if (!this.checkLayout()) return this.errors;
    this.computeDominators();
    const layout = this.func.layout;
    for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
      for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) this.checkInst(i, b);
    }
    return this.errors;
  }

  // --- 1. preamble ----------------------------------------------------------

  private checkPreamble(): void {
    const func = this.func;
    const dfg = func.dfg;
    const checkSig = (where: string, sig: { params: { type: Type }[]; returns: { type: Type }[] }): void => {
      for (const p of [...sig.params, ...sig.returns]) {
        if (!isValidType(p.type)) this.funcError(`${where}: invalid type ${p.type}`);
      }
    };
    checkSig('signature', func.signature);
    dfg.signatures.forEach((s, i) => checkSig(`sig${i}`, s));
    dfg.extFuncs.forEach((ext, i) => {
      if (dfg.signatures[ext.signature] === undefined) this.funcError(`fn${i}: signature sig${ext.signature} is not declared`);
      if (ext.name.kind === 'user' && func.params.userNamedFuncs()[ext.name.ref] === undefined) {
        this.funcError(`fn${i}: user external name ref ${ext.name.ref} is not in the function's name table`);
      }
    });
    func.stackSlots.forEach((ss, i) => {
      if (!Number.isInteger(ss.size) || ss.size < 0) this.funcError(`ss${i}: invalid size ${ss.size}`);
      if (!Number.isInteger(ss.alignShift) || ss.alignShift < 0 || ss.alignShift > 31) {
        this.funcError(`ss${i}: invalid alignment shift ${ss.alignShift}`);
      }
    });
  }

  // --- 2. layout ------------------------------------------------------------

  private checkLayout(): boolean {
    const func = this.func;
    const dfg = func.dfg;
    const layout = func.layout;
    const entry = layout.entryBlock();
    if (entry < 0) {
      this.funcError('function has no entry block');
      return false;
    }
    const params = dfg.blockParams(entry);
    const sigParams = func.signature.params;
    if (params.length !== sigParams.length) {
      this.blockError(entry, `entry block has ${params.length} parameters, signature has ${sigParams.length}`);
    } else {
      params.forEach((v, i) => {
        const t = dfg.typeOf(v);
        if (t !== sigParams[i]!.type) {
          this.blockError(entry, `entry block parameter ${i} (v${v}) has type ${typeName(t)}, signature says ${typeName(sigParams[i]!.type)}`);
        }
      });
    }
    let ok = true;
    this.pos = new Int32Array(dfg.numInsts);
    for (let b = layout.firstBlock(); b >= 0; b = layout.nextBlock(b)) {
      dfg.blockParams(b).forEach((v, n) => {
        if (!dfg.isParamOf(v, b, n)) {
          this.blockError(b, `parameter ${n} (v${v}) is not attached to this block`);
        }
      });
      const first = layout.firstInst(b);
      if (first < 0) {
        this.blockError(b, 'block is empty');
        ok = false;
        continue;
      }
      let p = 0;
      for (let i = first; i >= 0; i = layout.nextInst(i)) {
        this.pos[i] = p++;
        const term = (OPCODE_INFO[dfg.opcode(i)]!.flags & OpFlag.Terminator) !== 0;
        const last = layout.nextInst(i) < 0;
        if (term && !last) {
          this.instError(i, 'terminator in the middle of a block');
          ok = false;
        }
        if (!term && last) {
          this.instError(i, `block${b} does not end in a terminator`);
          ok = false;
        }
      }
    }
    return ok;
  }

  // --- dominators -----------------------------------------------------------

  private successors(b: Block): Block[] {
    const dfg = this.func.dfg;
    const last = this.func.layout.lastInst(b);
    if (last < 0) return [];
    return dfg.branchDestinations(last).map((bc) => dfg.blockCallBlock(bc));
  }

  private computeDominators(): void {
    const func = this.func;
    const n = func.dfg.numBlocks;
    const entry = func.layout.entryBlock();
    // Post-order DFS (iterative).
    const visited = new Uint8Array(n);
    const post: Block[] = [];
    const stack: [Block, Block[], number][] = [];
    visited[entry] = 1;
    stack.push([entry, this.successors(entry), 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top[2] < top[1].length) {
        const s = top[1][top[2]++]!;
        if (s >= 0 && s < n && !visited[s] && func.layout.isBlockInserted(s)) {
          visited[s] = 1;
          stack.push([s, this.successors(s), 0]);
        }
      } else {
        post.push(top[0]);
        stack.pop();
      }
    }
    const rpo = post.reverse();
    this.rpoIndex = new Int32Array(n).fill(-1);
    rpo.forEach((b, i) => (this.rpoIndex[b] = i));
    const preds: Block[][] = Array.from({ length: n }, () => []);
    for (const b of rpo) for (const s of this.successors(b)) if (s >= 0 && s < n && this.rpoIndex[s]! >= 0) preds[s]!.push(b);
    this.idom = new Int32Array(n).fill(-1);
    this.idom[entry] = entry;
    const intersect = (a: Block, b: Block): Block => {
      let x = a;
      let y = b;
      while (x !== y) {
        while (this.rpoIndex[x]! > this.rpoIndex[y]!) x = this.idom[x]!;
        while (this.rpoIndex[y]! > this.rpoIndex[x]!) y = this.idom[y]!;
      }
      return x;
    };
    let changed = true;
    while (changed) {
      changed = false;
      for (const b of rpo) {
        if (b === entry) continue;
        let d = -1;
        for (const p of preds[b]!) {
          if (this.idom[p]! < 0) continue;
          d = d < 0 ? p : intersect(p, d);
        }
        if (d !== this.idom[b]) {
          this.idom[b] = d;
          changed = true;
        }
      }
    }
    // Number the dominator tree so that dominance queries are O(1).
    const children: Block[][] = Array.from({ length: n }, () => []);
    for (const b of rpo) if (b !== entry) children[this.idom[b]!]!.push(b);
    this.domPre = new Int32Array(n).fill(-1);
    this.domPost = new Int32Array(n).fill(-1);
    let clock = 0;
    const walk: [Block, number][] = [[entry, 0]];
    this.domPre[entry] = clock++;
    while (walk.length > 0) {
      const top = walk[walk.length - 1]!;
      const kids = children[top[0]]!;
      if (top[1] < kids.length) {
        const c = kids[top[1]++]!;
        this.domPre[c] = clock++;
        walk.push([c, 0]);
      } else {
        this.domPost[top[0]] = clock++;
        walk.pop();
      }
    }
  }

  private reachable(b: Block): boolean {
    return this.rpoIndex[b]! >= 0;
  }

  /** Does block a dominate block b (both reachable)? */
  private dominates(a: Block, b: Block): boolean {
    return this.domPre[a]! <= this.domPre[b]! && this.domPost[b]! <= this.domPost[a]!;
  }

  // --- 3–5. instructions ----------------------------------------------------

  /** Check that `v` is defined, in the layout, and (if reachable) dominates `inst`. */
  private checkUse(inst: Inst, block: Block, v: Value, what: string): boolean {
    const func = this.func;
    const dfg = func.dfg;
    if (v < 0 || v >= dfg.numValues) {
      this.instError(inst, `${what} v${v} does not exist`);
      return false;
    }
    const def = dfg.valueInst(v);
    const paramBlock = def >= 0 ? -1 : dfg.valueParamBlock(v);
    if (def >= 0) {
      const db = func.layout.instBlock(def);
      if (db < 0) {
        this.instError(inst, `${what} v${v} is defined by inst${def}, which is not in the layout`);
        return false;
      }
      if (!this.reachable(block)) return true;
      if (db === block) {
        if (this.pos[def]! >= this.pos[inst]!) {
          this.instError(inst, `${what} v${v} is used before it is defined (by inst${def})`);
          return false;
        }
      } else if (!this.reachable(db) || !this.dominates(db, block)) {
        this.instError(inst, `${what} v${v} is defined in block${db}, which does not dominate block${block}`);
        return false;
      }
      return true;
    }
    if (paramBlock >= 0) {
      const db = paramBlock;
      if (!func.layout.isBlockInserted(db)) {
        this.instError(inst, `${what} v${v} is a parameter of block${db}, which is not in the layout`);
        return false;
      }
      if (this.reachable(block) && (!this.reachable(db) || !this.dominates(db, block))) {
        this.instError(inst, `${what} v${v} is a parameter of block${db}, which does not dominate block${block}`);
        return false;
      }
      return true;
    }
    this.instError(inst, `${what} v${v} is not defined`);
    return false;
  }

  private checkBlockCall(inst: Inst, bc: number, what: string): void {
    const func = this.func;
    const dfg = func.dfg;
    const target = dfg.blockCallBlock(bc);
    if (!func.layout.isBlockInserted(target)) {
      this.instError(inst, `${what} block${target} is not in the layout`);
      return;
    }
    if (target === func.layout.entryBlock()) {
      this.instError(inst, `${what} block${target} is the entry block, which cannot be branched to`);
    }
    const n = dfg.blockCallNumArgs(bc);
    const np = dfg.numBlockParams(target);
    if (n !== np) {
      this.instError(inst, `${what} block${target} takes ${np} arguments, got ${n}`);
      return;
    }
    for (let i = 0; i < n; i++) {
      const a = dfg.blockCallArg(bc, i);
      if (!this.checkUse(inst, func.layout.instBlock(inst), a, `${what} block${target} argument ${i}`)) continue;
      const at = dfg.typeOf(a);
      const pt = dfg.typeOf(dfg.blockParam(target, i));
      if (at !== pt) {
        this.instError(inst, `${what} block${target} argument ${i} (v${a}) has type ${typeName(at)}, expected ${typeName(pt)}`);
      }
    }
  }

  private checkInst(inst: Inst, block: Block): void {
    const func = this.func;
    const dfg = func.dfg;
    const opcode = dfg.opcode(inst);
    const info = OPCODE_INFO[opcode];
    if (info === undefined) {
      this.instError(inst, `invalid opcode ${opcode}`);
      return;
    }
    const args = dfg.instArgs(inst);
    let argsOk = true;
    args.forEach((a, i) => {
      if (!this.checkUse(inst, block, a, `arg ${i}`)) argsOk = false;
    });

    // Results: attached, typed as the opcode says.
    const results = dfg.instResults(inst);
    results.forEach((r, n) => {
      if (!dfg.isResultOf(r, inst, n)) {
        this.instError(inst, `result ${n} (v${r}) is not attached to this instruction`);
      }
    });
    const ctrl = dfg.ctrlType(inst);
    let expected: Type[] | undefined;
    try {
      expected = dfg.resultTypesFor(opcode, ctrl, inst);
    } catch {
      expected = undefined;
    }
    if (expected !== undefined) {
      if (expected.length !== results.length) {
        this.instError(inst, `has ${results.length} results, expected ${expected.length}`);
      } else {
        results.forEach((r, n) => {
          if (dfg.typeOf(r) !== expected![n]) {
            this.instError(inst, `result ${n} has type ${typeName(dfg.typeOf(r))}, expected ${typeName(expected![n]!)}`);
          }
        });
      }
    }
    if (!argsOk) return;
    this.checkTypes(inst, info.constraint, info.memBytes, args, ctrl);
  }

  private checkTypes(inst: Inst, constraint: Constraint, memBytes: number, args: Value[], ctrl: Type): void {
    const func = this.func;
    const dfg = func.dfg;
    const ty = (i: number): Type => dfg.typeOf(args[i]!);
    const nargs = (n: number): boolean => {
      if (args.length !== n) {
        this.instError(inst, `has ${args.length} arguments, expected ${n}`);
        return false;
      }
      return true;
    };
    const argIs = (i: number, t: Type): void => {
      if (ty(i) !== t) this.instError(inst, `arg ${i} has type ${typeName(ty(i))}, expected ${typeName(t)}`);
    };
    const argIsInt = (i: number): void => {
      if (!isInt(ty(i))) this.instError(inst, `arg ${i} has type ${typeName(ty(i))}, expected an integer type`);
    };
    const ctrlIs = (ok: boolean, what: string): boolean => {
      if (!ok) this.instError(inst, `controlling type ${typeName(ctrl)} is not ${what}`);
      return ok;
    };
    const checkTrap = (code: number): void => {
      if (!isValidTrapCode(code)) this.instError(inst, `invalid trap code ${code}`);
    };
    const checkImmFits = (): void => {
      const bits = typeBits(ctrl);
      if (bits < 64 && dfg.immBits(inst) >> BigInt(bits) !== 0n) {
        this.instError(inst, `immediate ${dfg.immBits(inst)} does not fit in ${typeName(ctrl)}`);
      }
    };
    const checkSlot = (bytes: number): void => {
      const ss = func.stackSlots[dfg.aux(inst)];
      if (ss === undefined) {
        this.instError(inst, `stack slot ss${dfg.aux(inst)} is not declared`);
        return;
      }
      const off = dfg.aux2(inst);
      if (off < 0 || off + bytes > ss.size) {
        this.instError(inst, `access of ${bytes} bytes at offset ${off} is outside ss${dfg.aux(inst)} (size ${ss.size})`);
      }
    };
    const checkMemFlags = (): void => {
      const code = MemFlags.fromBits(dfg.aux(inst)).trapCode;
      if (code !== undefined) checkTrap(code);
    };
    const checkSig = (params: readonly { type: Type }[], from: number, what: string): void => {
      const n = args.length - from;
      if (n !== params.length) {
        this.instError(inst, `${what} takes ${params.length} arguments, got ${n}`);
        return;
      }
      params.forEach((p, i) => {
        const t = ty(from + i);
        if (t !== p.type) this.instError(inst, `arg ${from + i} has type ${typeName(t)}, expected ${typeName(p.type)}`);
      });
    };

    switch (constraint) {
      case 'iconst':
        if (nargs(0) && ctrlIs(isInt(ctrl), 'an integer type')) checkImmFits();
        break;
      case 'f32const':
      case 'f64const':
      case 'none':
        nargs(0);
        break;
      case 'intBin':
        if (nargs(2) && ctrlIs(isInt(ctrl), 'an integer type')) {
          argIs(0, ctrl);
          argIs(1, ctrl);
        }
        break;
      case 'intUn':
        if (nargs(1) && ctrlIs(isInt(ctrl), 'an integer type')) argIs(0, ctrl);
        break;
      case 'bitBin':
        if (nargs(2) && ctrlIs(isInt(ctrl) || isFloat(ctrl), 'a scalar integer or float type')) {
          argIs(0, ctrl);
          argIs(1, ctrl);
        }
        break;
      case 'bitUn':
        if (nargs(1) && ctrlIs(isInt(ctrl) || isFloat(ctrl), 'a scalar integer or float type')) argIs(0, ctrl);
        break;
      case 'shift':
        if (nargs(2) && ctrlIs(isInt(ctrl), 'an integer type')) {
          argIs(0, ctrl);
          argIsInt(1);
        }
        break;
      case 'intImm':
        if (nargs(1) && ctrlIs(isInt(ctrl), 'an integer type')) {
          argIs(0, ctrl);
          checkImmFits();
        }
        break;
      case 'icmp':
        if (nargs(2) && ctrlIs(isInt(ctrl), 'an integer type')) {
          argIs(0, ctrl);
          argIs(1, ctrl);
        }
        break;
      case 'icmpImm':
        if (nargs(1) && ctrlIs(isInt(ctrl), 'an integer type')) {
          argIs(0, ctrl);
          checkImmFits();
        }
        break;
      case 'floatBin':
      case 'fcmp':
        if (nargs(2) && ctrlIs(isFloat(ctrl), 'a float type')) {
          argIs(0, ctrl);
          argIs(1, ctrl);
        }
        break;
      case 'floatTern':
        if (nargs(3) && ctrlIs(isFloat(ctrl), 'a float type')) {
          argIs(0, ctrl);
          argIs(1, ctrl);
          argIs(2, ctrl);
        }
        break;
      case 'floatUn':
        if (nargs(1) && ctrlIs(isFloat(ctrl), 'a float type')) argIs(0, ctrl);
        break;
      case 'extend':
        if (nargs(1) && ctrlIs(isInt(ctrl), 'an integer type')) {
          if (!isInt(ty(0)) || typeBits(ty(0)) >= typeBits(ctrl)) {
            this.instError(inst, `arg 0 has type ${typeName(ty(0))}, expected an integer type narrower than ${typeName(ctrl)}`);
          }
        }
        break;
      case 'reduce':
        if (nargs(1) && ctrlIs(isInt(ctrl), 'an integer type')) {
          if (!isInt(ty(0)) || typeBits(ty(0)) <= typeBits(ctrl)) {
            this.instError(inst, `arg 0 has type ${typeName(ty(0))}, expected an integer type wider than ${typeName(ctrl)}`);
          }
        }
        break;
      case 'fpromote':
        if (nargs(1) && ctrlIs(ctrl === F64, 'f64')) argIs(0, F32);
        break;
      case 'fdemote':
        if (nargs(1) && ctrlIs(ctrl === F32, 'f32')) argIs(0, F64);
        break;
      case 'fcvtToInt':
        if (nargs(1) && ctrlIs(isInt(ctrl), 'an integer type')) {
          if (!isFloat(ty(0))) this.instError(inst, `arg 0 has type ${typeName(ty(0))}, expected a float type`);
        }
        break;
      case 'fcvtFromInt':
        if (nargs(1) && ctrlIs(isFloat(ctrl), 'a float type')) argIsInt(0);
        break;
      case 'bitcast':
        if (nargs(1) && ctrlIs(isValidType(ctrl), 'a valid type')) {
          if (typeBits(ty(0)) !== typeBits(ctrl)) {
            this.instError(inst, `arg 0 has type ${typeName(ty(0))}, expected a type of ${typeBits(ctrl)} bits`);
          }
        }
        break;
      case 'select':
        if (nargs(3) && ctrlIs(isInt(ctrl) || isFloat(ctrl), 'a scalar integer or float type')) {
          argIsInt(0);
          argIs(1, ctrl);
          argIs(2, ctrl);
        }
        break;
      case 'load': {
        if (!nargs(1)) break;
        if (!isPointer(ty(0))) this.instError(inst, `arg 0 has type ${typeName(ty(0))}, expected an address (i32 or i64)`);
        if (memBytes === 0) ctrlIs(isInt(ctrl) || isFloat(ctrl), 'a scalar integer or float type');
        else ctrlIs(isInt(ctrl) && typeBytes(ctrl) > memBytes, `an integer type wider than ${memBytes * 8} bits`);
        checkMemFlags();
        break;
      }
      case 'store': {
        if (!nargs(2)) break;
        if (!isPointer(ty(1))) this.instError(inst, `arg 1 has type ${typeName(ty(1))}, expected an address (i32 or i64)`);
        argIs(0, ctrl);
        if (memBytes === 0) ctrlIs(isInt(ctrl) || isFloat(ctrl), 'a scalar integer or float type');
        else ctrlIs(isInt(ctrl) && typeBytes(ctrl) > memBytes, `an integer type wider than ${memBytes * 8} bits`);
        checkMemFlags();
        break;
      }
      case 'stackLoad':
        if (nargs(0) && ctrlIs(isInt(ctrl) || isFloat(ctrl), 'a scalar integer or float type')) checkSlot(typeBytes(ctrl));
        break;
      case 'stackStore':
        if (nargs(1)) {
          argIs(0, ctrl);
          if (ctrlIs(isInt(ctrl) || isFloat(ctrl), 'a scalar integer or float type')) checkSlot(typeBytes(ctrl));
        }
        break;
      case 'stackAddr':
        if (nargs(0) && ctrlIs(isPointer(ctrl), 'a pointer type (i32 or i64)')) checkSlot(0);
        break;
      case 'overflowTrap':
        if (nargs(2) && ctrlIs(ctrl === I32 || ctrl === I64, 'i32 or i64')) {
          argIs(0, ctrl);
          argIs(1, ctrl);
        }
        checkTrap(dfg.aux(inst));
        break;
      case 'trap':
        nargs(0);
        checkTrap(dfg.aux(inst));
        break;
      case 'condTrap':
        if (nargs(1)) {
          argIsInt(0);
          argIs(0, ctrl);
        }
        checkTrap(dfg.aux(inst));
        break;
      case 'jump':
        nargs(0);
        this.checkBlockCall(inst, dfg.aux(inst), 'jump target');
        break;
      case 'brif':
        if (nargs(1)) {
          argIsInt(0);
          argIs(0, ctrl);
        }
        this.checkBlockCall(inst, dfg.aux(inst), 'then target');
        this.checkBlockCall(inst, dfg.aux2(inst), 'else target');
        break;
      case 'brTable': {
        if (nargs(1)) argIsInt(0);
        const jt = dfg.jumpTables[dfg.aux(inst)];
        if (jt === undefined) {
          this.instError(inst, `jump table jt${dfg.aux(inst)} is not declared`);
          break;
        }
        this.checkBlockCall(inst, jt.default, 'default target');
        jt.entries.forEach((e, i) => this.checkBlockCall(inst, e, `table entry ${i}:`));
        break;
      }
      case 'return':
        checkSig(func.signature.returns, 0, 'return');
        break;
      case 'call': {
        const ext = dfg.extFuncs[dfg.aux(inst)];
        if (ext === undefined) {
          this.instError(inst, `function fn${dfg.aux(inst)} is not declared`);
          break;
        }
        const sig = dfg.signatures[ext.signature];
        if (sig !== undefined) checkSig(sig.params, 0, `fn${dfg.aux(inst)}`);
        break;
      }
      case 'callIndirect': {
        const sig = dfg.signatures[dfg.aux(inst)];
        if (sig === undefined) {
          this.instError(inst, `signature sig${dfg.aux(inst)} is not declared`);
          break;
        }
        if (args.length < 1) {
          this.instError(inst, 'call_indirect needs a callee');
          break;
        }
        if (!isPointer(ty(0))) this.instError(inst, `callee has type ${typeName(ty(0))}, expected a pointer (i32 or i64)`);
        checkSig(sig.params, 1, `sig${dfg.aux(inst)}`);
        break;
      }
      case 'funcAddr':
        if (nargs(0) && ctrlIs(isPointer(ctrl), 'a pointer type (i32 or i64)')) {
          if (dfg.extFuncs[dfg.aux(inst)] === undefined) this.instError(inst, `function fn${dfg.aux(inst)} is not declared`);
        }
        break;
      case 'machineWord':
        if (nargs(0)) ctrlIs(isPointer(ctrl), 'a pointer type (i32 or i64)');
        break;
    }
  }
}

/** Verify `func`; returns the list of problems (empty when valid). */
export function verifyFunction(func: Function): VerifierError[] {
  return new Verifier(func).run();
}
