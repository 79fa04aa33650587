/**
 * The per-operator rules: one wasm instruction → IR (cranelift-wasm's
 * `code_translator.rs`).
 *
 * Each rule pops its operands from the `TranslationState` value stack, emits
 * IR through the `FunctionBuilder`, and pushes its results. Rules that need
 * the vmctx layout (memory, globals, tables, calls, builtins) delegate to
 * the `FuncEnvironment`; this file knows nothing about where things live.
 *
 * The rules are one `switch` over the opcode, grouped under banners by
 * instruction family, with a comment where a rule is not the obvious
 * one-to-one mapping. The mapping is exact because the IR's semantics are
 * Cranelift's, which for this subset are WebAssembly's (see the IR
 * interpreter's essay): shifts and rotates take the amount modulo the
 * width, `sdiv`/`udiv`/`srem`/`urem` trap on zero (and `sdiv` on MIN / -1),
 * `fcvt_to_*` trap on NaN and overflow, `fmin`/`fmax` propagate NaN and
 * order -0 < +0, `nearest` rounds half to even.
 *
 * Control flow (Cranelift's scheme, with two economies):
 *
 * * `block` creates no IR block; its `destination` is created on the first
 *   branch to it, and if nothing branches to it the code after `end`
 *   simply continues in the current IR block.
 * * `loop` creates a header block taking the loop parameters; a branch to
 *   the loop jumps there. The header is sealed at `end`, when every back
 *   edge is known. Falling out of a loop continues in the current block.
 * * `if` emits `brif cond, then, else` to two fresh single-predecessor
 *   blocks (sealed at once). The parameters stay in the values already on
 *   the stack — they dominate both arms — and are saved for the `else` arm.
 *   An `if` without `else` gets an `else` block that just jumps to the
 *   destination with the parameters (validation makes them the results).
 * * `br` to the function's own frame is a `return`; `br_if` and `br_table`
 *   to it go to an exit block that returns its parameters.
 * * `br_table`: when the targets take no values, one jump table straight to
 *   the targets; otherwise one small edge block per distinct target that
 *   jumps (or returns) with the values, and the table targets the edges.
 *
 * Unreachable code (after `br`, `br_table`, `return`, `unreachable`, or a
 * construct whose end nothing reaches) is skipped: only `block`/`loop`/`if`
 * nesting is tracked (DeadFrames in `translation-state.ts`) until the `else`
 * or `end` that makes code reachable again.
 *
 * Comparisons produce the IR's `i8` 0/1, zero-extended to the wasm `i32` —
 * except when the very next operator is `br_if`, `if` or `select`, which
 * only test the value against zero: then the `i8` itself is pushed and the
 * branch or select uses it, leaving backends the plain `icmp → brif` shape
 * to fuse. (BoolOnlyForNextConsumer) an `i8` is on the value stack only
 * between a comparison and the operator right after it, which is one of
 * those three; every other operator sees wasm types only.
 */
import {
  type Block,
  FloatCC,
  type FunctionBuilder,
  I16,
  I32,
  I64,
  I8,
  type InstBuilder,
  IntCC,
  F32,
  F64,
  TrapCode,
  type Value,
} from '@derrick/codegen-ir';
import { BLOCK_TYPE_EMPTY, type ModuleTranslation, Opcode as Op, type OperatorReader, ValType } from '@derrick/environ';
import { type FuncEnvironment, UnsupportedConstruct, irType } from './func-environ.js';
import { SIMD_UNSUPPORTED } from './translate-error.js';
import { type ControlFrame, FrameKind, type TranslationState } from './translation-state.js';

/** What the operator rules work with; one per function translation. */
export interface OperatorContext {
  readonly b: FunctionBuilder;
  readonly ins: InstBuilder;
  readonly state: TranslationState;
  readonly env: FuncEnvironment;
  readonly translation: ModuleTranslation;
  readonly reader: OperatorReader;
}

// -----------------------------------------------------------------------------
// Block types

/** Single-result block types `[] -> [t]`, by the type byte. */
const INLINE_RESULTS: Record<number, readonly ValType[]> = {
  [ValType.I32]: [ValType.I32],
  [ValType.I64]: [ValType.I64],
  [ValType.F32]: [ValType.F32],
  [ValType.F64]: [ValType.F64],
  [ValType.V128]: [ValType.V128],
  [ValType.FuncRef]: [ValType.FuncRef],
  [ValType.ExternRef]: [ValType.ExternRef],
};
const NONE: readonly ValType[] = [];

function blockParams(t: ModuleTranslation, bt: number): readonly ValType[] {
  return bt < 0 ? NONE : t.types[bt]!.params;
}

function blockResults(t: ModuleTranslation, bt: number): readonly ValType[] {
  if (bt === BLOCK_TYPE_EMPTY) return NONE;
  if (bt < 0) return INLINE_RESULTS[bt & 0x7f]!;
  return t.types[bt]!.results;
}

/** A fresh block whose parameters have the given wasm types. */
function blockWithParams(b: FunctionBuilder, types: readonly ValType[]): Block {
  const blk = b.createBlock();
  for (let i = 0; i < types.length; i++) b.appendBlockParam(blk, irType(types[i]!));
  return blk;
}

/** The frame's destination, created on first use (DestinationHasUserParams). */
export function destinationOf(cx: OperatorContext, f: ControlFrame): Block {
  if (f.destination < 0) f.destination = blockWithParams(cx.b, blockResults(cx.translation, f.blockType));
  return f.destination;
}

/** Values a branch to `f` carries. */
function branchArity(f: ControlFrame): number {
  return f.kind === FrameKind.Loop ? f.numParams : f.numResults;
}

/** The block a branch to `f` goes to (marks the destination reached). */
function branchTarget(cx: OperatorContext, f: ControlFrame): Block {
  if (f.kind === FrameKind.Loop) return f.header;
  f.destinationReached = true;
  return destinationOf(cx, f);
}

/** Continue in `f`'s destination: switch, seal, and make its parameters the frame's results. */
function enterDestination(cx: OperatorContext, f: ControlFrame): void {
  const { b, state } = cx;
  const dest = destinationOf(cx, f);
  b.switchToBlock(dest);
  // Every branch to the destination came from inside the construct, now closed.
  b.sealBlock(dest);
  // FrameStackBase: the results replace whatever the construct left.
  state.truncate(f.originalStackSize);
  const params = b.blockParams(dest);
  for (let i = 0; i < params.length; i++) state.push(params[i]!);
  state.reachable = true;
}

/** Emit the function's return of the values on top of the stack. */
function returnValues(cx: OperatorContext, values: readonly Value[]): void {
  cx.ins.return_(values);
}

// -----------------------------------------------------------------------------
// Control operators shared by the reachable and unreachable paths

/** `end` of the innermost non-function frame. */
function translateEnd(cx: OperatorContext): void {
  const { b, state, ins } = cx;
  const f = state.popFrame();
  switch (f.kind) {
    case FrameKind.Block:
      if (state.reachable) {
        if (f.destinationReached) {
          ins.jump(f.destination, state.peekN(f.numResults));
          enterDestination(cx, f);
        }
        // Otherwise nothing branched out of the block: carry on in this IR block.
      } else if (f.live && f.destinationReached) {
        enterDestination(cx, f);
      }
      break;
    case FrameKind.Loop:
      // Every back edge has been emitted. Falling out of the loop (if
      // reachable) continues in the current block with the results on the stack.
      if (f.live) b.sealBlock(f.header);
      break;
    case FrameKind.If: {
      if (!f.live) break;
      if (state.reachable) {
        ins.jump(destinationOf(cx, f), state.peekN(f.numResults));
        f.destinationReached = true;
      }
      if (!f.elseSeen) {
        // The implicit empty else arm passes the parameters through.
        b.switchToBlock(f.elseBlock);
        ins.jump(destinationOf(cx, f), state.savedParams.slice(f.savedParamsStart, f.savedParamsStart + f.numParams));
        f.destinationReached = true;
      }
      state.savedParams.length = f.savedParamsStart;
      if (f.destinationReached) enterDestination(cx, f);
      break;
    }
    case FrameKind.Function:
      throw new Error('translateEnd: the function frame is closed by the driver');
  }
}

/** `else`: close the then arm, open the else arm. */
function translateElse(cx: OperatorContext): void {
  const { b, state, ins } = cx;
  const f = state.topFrame();
  if (!f.live) return; // the whole `if` is dead
  if (state.reachable) {
    ins.jump(destinationOf(cx, f), state.peekN(f.numResults));
    f.destinationReached = true;
  }
  // FrameStackBase: the else arm starts from the saved parameters.
  state.truncate(f.originalStackSize);
  const saved = state.savedParams;
  for (let i = 0; i < f.numParams; i++) state.push(saved[f.savedParamsStart + i]!);
  f.elseSeen = true;
  b.switchToBlock(f.elseBlock);
  state.reachable = true;
}

/**
 * An operator in unreachable code: only control nesting matters
 * (DeadFrames). Returns normally for everything else.
 */
export function translateUnreachableOperator(cx: OperatorContext, op: number): void {
  const { state, reader, translation } = cx;
  switch (op) {
    case Op.Block:
    case Op.Loop:
    case Op.If: {
      const bt = reader.blockType;
      const kind = op === Op.Block ? FrameKind.Block : op === Op.Loop ? FrameKind.Loop : FrameKind.If;
      const f = state.pushFrame(kind, bt, blockParams(translation, bt).length, blockResults(translation, bt).length);
      f.live = false;
      f.originalStackSize = state.stack.length;
      break;
    }
    case Op.Else:
      translateElse(cx);
      break;
    case Op.End:
      translateEnd(cx);
      break;
    default:
      if (op >= 0xfd00) throw new UnsupportedConstruct(SIMD_UNSUPPORTED);
      break;
  }
}

// -----------------------------------------------------------------------------
// The rules

/** Translate one reachable operator (not the function's final `end`). */
export function translateOperator(cx: OperatorContext, op: number): void {
  // Dispatch by group (SplitRules): each group is its own function, so a
  // group first met late re-optimizes only itself, not every rule.
  const group = op < 0x100 ? ONE_BYTE_GROUP[op]! : op >>> 8 === 0xfc ? FC_GROUP[op & 0xff]! : 0;
  switch (group) {
    case 1:
      return translateControl(cx, op);
    case 2:
      return translateVariable(cx, op);
    case 3:
      return translateMemory(cx, op);
    case 4:
      return translateCompare(cx, op);
    case 5:
      return translateIntArith(cx, op);
    case 6:
      return translateFloatArith(cx, op);
    case 7:
      return translateConvert(cx, op);
    case 8:
      return translateRef(cx, op);
    case 9:
      return translateMisc(cx, op);
    default:
      if (op >= 0xfd00) throw new UnsupportedConstruct(SIMD_UNSUPPORTED);
      throw new UnsupportedConstruct(`unknown operator 0x${op.toString(16)}`);
  }
}

/** Which `translate<Group>` function handles a one-byte opcode (0 = none). */
const ONE_BYTE_GROUP = Uint8Array.from([1,1,1,1,1,1,0,0,0,0,0,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0,1,1,1,0,0,0,2,2,2,2,2,2,2,0,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,0,0,0,0,0,0,0,0,0,0,0,8,8,8,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]);
/** The same for the 0xfc-prefixed opcodes, by their second byte. */
const FC_GROUP = Uint8Array.from([9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]);

/** The rules for control, calls and parametric operators. */
function translateControl(cx: OperatorContext, op: number): void {
  const { b, ins, state: s, env, reader: r, translation: t } = cx;
  let x: Value;
  let y: Value;
  let z: Value;
  switch (op) {
    // =========================================================================
    // Control

    case Op.Unreachable:
      ins.trap(TrapCode.UNREACHABLE);
      s.reachable = false;
      break;
    case Op.Nop:
      break;

    case Op.Block:
      {
      const bt = r.blockType;
      s.pushFrame(FrameKind.Block, bt, blockParams(t, bt).length, blockResults(t, bt).length);
      break;
    }

    case Op.Loop:
      {
      const bt = r.blockType;
      const params = blockParams(t, bt);
      const f = s.pushFrame(FrameKind.Loop, bt, params.length, blockResults(t, bt).length);
      const header = blockWithParams(b, params);
      f.header = header;
      ins.jump(header, s.popN(params.length));
      b.switchToBlock(header);
      const hp = b.blockParams(header);
      for (let i = 0; i < hp.length; i++) s.push(hp[i]!);
      break;
    }

    case Op.If:
      {
      const bt = r.blockType;
      const np = blockParams(t, bt).length;
      x = s.pop();
      const thenBlock = b.createBlock();
      const elseBlock = b.createBlock();
      ins.brif(x, thenBlock, [], elseBlock, []);
      // Both arms have exactly one predecessor, the brif.
      b.sealBlock(thenBlock);
      b.sealBlock(elseBlock);
      const f = s.pushFrame(FrameKind.If, bt, np, blockResults(t, bt).length);
      f.elseBlock = elseBlock;
      for (let i = s.stack.length - np; i < s.stack.length; i++) s.savedParams.push(s.stack[i]!);
      b.switchToBlock(thenBlock);
      break;
    }

    case Op.Else:
      translateElse(cx);
      break;

    case Op.End:
      translateEnd(cx);
      break;

    case Op.Br:
      {
      const f = s.frame(r.index);
      const args = s.peekN(branchArity(f));
      if (f.kind === FrameKind.Function) returnValues(cx, args);
      else ins.jump(branchTarget(cx, f), args);
      s.reachable = false;
      break;
    }

    case Op.BrIf:
      {
      const f = s.frame(r.index);
      x = s.pop();
      const target = branchTarget(cx, f);
      const next = b.createBlock();
      ins.brif(x, target, s.peekN(branchArity(f)), next, []);
      b.switchToBlock(next);
      b.sealBlock(next);
      break;
    }

    case Op.BrTable:
      translateBrTable(cx);
      break;

    case Op.Return:
      returnValues(cx, s.peekN(s.frame(s.depth - 1).numResults));
      s.reachable = false;
      break;

    // =========================================================================
    // Calls

    case Op.Call:
      {
      const type = t.funcType(r.index);
      const results = env.call(r.index, s.popN(type.params.length));
      for (let i = 0; i < results.length; i++) s.push(results[i]!);
      break;
    }

    case Op.CallIndirect:
      {
      const type = t.types[r.index]!;
      x = s.pop();
      const results = env.callIndirect(r.index, r.index2, x, s.popN(type.params.length));
      for (let i = 0; i < results.length; i++) s.push(results[i]!);
      break;
    }

    // =========================================================================
    // Parametric

    case Op.Drop:
      s.pop();
      break;

    case Op.Select:
    case Op.TypedSelect:
      z = s.pop();
      y = s.pop();
      x = s.pop();
      s.push(ins.select(z, x, y));
      break;

    default:
      throw new Error(`translateControl: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for locals, globals and table get/set. */
function translateVariable(cx: OperatorContext, op: number): void {
  const { b, state: s, env, reader: r } = cx;
  let x: Value;
  let y: Value;
  switch (op) {
    // =========================================================================
    // Variables: locals are builder variables (index = local index); globals live in the vmctx

    case Op.LocalGet:
      s.push(b.useVar(r.index));
      break;
    case Op.LocalSet:
      b.defVar(r.index, s.pop());
      break;
    case Op.LocalTee:
      b.defVar(r.index, s.peek());
      break;
    case Op.GlobalGet:
      s.push(env.globalGet(r.index));
      break;
    case Op.GlobalSet:
      env.globalSet(r.index, s.pop());
      break;

    // =========================================================================
    // Tables

    case Op.TableGet:
      x = s.pop();
      s.push(env.tableGet(r.index, x));
      break;
    case Op.TableSet:
      y = s.pop();
      x = s.pop();
      env.tableSet(r.index, x, y);
      break;
    default:
      throw new Error(`translateVariable: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for loads, stores, memory.size/grow. */
function translateMemory(cx: OperatorContext, op: number): void {
  const { state: s, env } = cx;
  let x: Value;
  switch (op) {
    // =========================================================================
    // Memory: loads (bounds-checked by the environment; N = bytes accessed)

    case Op.I32Load:
      load(cx, 4, LoadKind.Full, I32);
      break;
    case Op.I64Load:
      load(cx, 8, LoadKind.Full, I64);
      break;
    case Op.F32Load:
      load(cx, 4, LoadKind.Full, F32);
      break;
    case Op.F64Load:
      load(cx, 8, LoadKind.Full, F64);
      break;
    case Op.I32Load8S:
      load(cx, 1, LoadKind.Signed, I32);
      break;
    case Op.I32Load8U:
      load(cx, 1, LoadKind.Unsigned, I32);
      break;
    case Op.I32Load16S:
      load(cx, 2, LoadKind.Signed, I32);
      break;
    case Op.I32Load16U:
      load(cx, 2, LoadKind.Unsigned, I32);
      break;
    case Op.I64Load8S:
      load(cx, 1, LoadKind.Signed, I64);
      break;
    case Op.I64Load8U:
      load(cx, 1, LoadKind.Unsigned, I64);
      break;
    case Op.I64Load16S:
      load(cx, 2, LoadKind.Signed, I64);
      break;
    case Op.I64Load16U:
      load(cx, 2, LoadKind.Unsigned, I64);
      break;
    case Op.I64Load32S:
      load(cx, 4, LoadKind.Signed, I64);
      break;
    case Op.I64Load32U:
      load(cx, 4, LoadKind.Unsigned, I64);
      break;

    // =========================================================================
    // Memory: stores (narrow stores keep the low bits)

    case Op.I32Store:
    case Op.I64Store:
    case Op.F32Store:
    case Op.F64Store:
    case Op.I32Store8:
    case Op.I32Store16:
    case Op.I64Store8:
    case Op.I64Store16:
    case Op.I64Store32:
      store(cx, op);
      break;

    // =========================================================================
    // Memory: size, grow and bulk operations (the latter through builtins)

    case Op.MemorySize:
      s.push(env.memorySize());
      break;
    case Op.MemoryGrow:
      x = s.pop();
      s.push(env.memoryGrow(x));
      break;
    default:
      throw new Error(`translateMemory: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for constants and comparisons. */
function translateCompare(cx: OperatorContext, op: number): void {
  const { ins, state: s, reader: r } = cx;
  let x: Value;
  switch (op) {
    // =========================================================================
    // Constants (bit-exact: f32/f64 from their raw bits, so NaN payloads survive)

    case Op.I32Const:
      s.push(ins.iconst(I32, r.value));
      break;
    case Op.I64Const:
      {
      // A number when the value is a safe integer (no bigint allocation).
      const v = (r.hi | 0) * 4294967296 + r.lo;
      s.push(ins.iconst(I64, Number.isSafeInteger(v) ? v : r.i64Value()));
      break;
    }
    case Op.F32Const:
      s.push(ins.f32constBits(r.value));
      break;
    case Op.F64Const:
      s.push(ins.f64constBits(r.f64Bits()));
      break;

    // =========================================================================
    // Integer comparisons (i8 result, zero-extended to i32)

    case Op.I32Eqz:
    case Op.I64Eqz:
      x = s.pop();
      pushCondition(cx, ins.icmpImm(IntCC.Equal, x, 0));
      break;
    case Op.I32Eq:
    case Op.I64Eq:
      icmp(cx, IntCC.Equal);
      break;
    case Op.I32Ne:
    case Op.I64Ne:
      icmp(cx, IntCC.NotEqual);
      break;
    case Op.I32LtS:
    case Op.I64LtS:
      icmp(cx, IntCC.SignedLessThan);
      break;
    case Op.I32LtU:
    case Op.I64LtU:
      icmp(cx, IntCC.UnsignedLessThan);
      break;
    case Op.I32GtS:
    case Op.I64GtS:
      icmp(cx, IntCC.SignedGreaterThan);
      break;
    case Op.I32GtU:
    case Op.I64GtU:
      icmp(cx, IntCC.UnsignedGreaterThan);
      break;
    case Op.I32LeS:
    case Op.I64LeS:
      icmp(cx, IntCC.SignedLessThanOrEqual);
      break;
    case Op.I32LeU:
    case Op.I64LeU:
      icmp(cx, IntCC.UnsignedLessThanOrEqual);
      break;
    case Op.I32GeS:
    case Op.I64GeS:
      icmp(cx, IntCC.SignedGreaterThanOrEqual);
      break;
    case Op.I32GeU:
    case Op.I64GeU:
      icmp(cx, IntCC.UnsignedGreaterThanOrEqual);
      break;

    // =========================================================================
    // Float comparisons (ordered, except `ne`, which is true on NaN)

    case Op.F32Eq:
    case Op.F64Eq:
      fcmp(cx, FloatCC.Equal);
      break;
    case Op.F32Ne:
    case Op.F64Ne:
      fcmp(cx, FloatCC.NotEqual);
      break;
    case Op.F32Lt:
    case Op.F64Lt:
      fcmp(cx, FloatCC.LessThan);
      break;
    case Op.F32Gt:
    case Op.F64Gt:
      fcmp(cx, FloatCC.GreaterThan);
      break;
    case Op.F32Le:
    case Op.F64Le:
      fcmp(cx, FloatCC.LessThanOrEqual);
      break;
    case Op.F32Ge:
    case Op.F64Ge:
      fcmp(cx, FloatCC.GreaterThanOrEqual);
      break;

    default:
      throw new Error(`translateCompare: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for integer arithmetic. */
function translateIntArith(cx: OperatorContext, op: number): void {
  const { ins, state: s } = cx;
  let y: Value;
  switch (op) {
    // =========================================================================
    // Integer unary

    case Op.I32Clz:
    case Op.I64Clz:
      s.push(ins.clz(s.pop()));
      break;
    case Op.I32Ctz:
    case Op.I64Ctz:
      s.push(ins.ctz(s.pop()));
      break;
    case Op.I32Popcnt:
    case Op.I64Popcnt:
      s.push(ins.popcnt(s.pop()));
      break;

    // =========================================================================
    // Integer binary (division and remainder trap as wasm requires; shift and
    // rotate amounts are taken modulo the width by the IR itself)

    case Op.I32Add:
    case Op.I64Add:
      y = s.pop();
      s.push(ins.iadd(s.pop(), y));
      break;
    case Op.I32Sub:
    case Op.I64Sub:
      y = s.pop();
      s.push(ins.isub(s.pop(), y));
      break;
    case Op.I32Mul:
    case Op.I64Mul:
      y = s.pop();
      s.push(ins.imul(s.pop(), y));
      break;
    case Op.I32DivS:
    case Op.I64DivS:
      y = s.pop();
      s.push(ins.sdiv(s.pop(), y));
      break;
    case Op.I32DivU:
    case Op.I64DivU:
      y = s.pop();
      s.push(ins.udiv(s.pop(), y));
      break;
    case Op.I32RemS:
    case Op.I64RemS:
      y = s.pop();
      s.push(ins.srem(s.pop(), y));
      break;
    case Op.I32RemU:
    case Op.I64RemU:
      y = s.pop();
      s.push(ins.urem(s.pop(), y));
      break;
    case Op.I32And:
    case Op.I64And:
      y = s.pop();
      s.push(ins.band(s.pop(), y));
      break;
    case Op.I32Or:
    case Op.I64Or:
      y = s.pop();
      s.push(ins.bor(s.pop(), y));
      break;
    case Op.I32Xor:
    case Op.I64Xor:
      y = s.pop();
      s.push(ins.bxor(s.pop(), y));
      break;
    case Op.I32Shl:
    case Op.I64Shl:
      y = s.pop();
      s.push(ins.ishl(s.pop(), y));
      break;
    case Op.I32ShrS:
    case Op.I64ShrS:
      y = s.pop();
      s.push(ins.sshr(s.pop(), y));
      break;
    case Op.I32ShrU:
    case Op.I64ShrU:
      y = s.pop();
      s.push(ins.ushr(s.pop(), y));
      break;
    case Op.I32Rotl:
    case Op.I64Rotl:
      y = s.pop();
      s.push(ins.rotl(s.pop(), y));
      break;
    case Op.I32Rotr:
    case Op.I64Rotr:
      y = s.pop();
      s.push(ins.rotr(s.pop(), y));
      break;

    default:
      throw new Error(`translateIntArith: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for float arithmetic. */
function translateFloatArith(cx: OperatorContext, op: number): void {
  const { ins, state: s } = cx;
  let y: Value;
  switch (op) {
    // =========================================================================
    // Float unary

    case Op.F32Abs:
    case Op.F64Abs:
      s.push(ins.fabs(s.pop()));
      break;
    case Op.F32Neg:
    case Op.F64Neg:
      s.push(ins.fneg(s.pop()));
      break;
    case Op.F32Ceil:
    case Op.F64Ceil:
      s.push(ins.ceil(s.pop()));
      break;
    case Op.F32Floor:
    case Op.F64Floor:
      s.push(ins.floor(s.pop()));
      break;
    case Op.F32Trunc:
    case Op.F64Trunc:
      s.push(ins.trunc(s.pop()));
      break;
    case Op.F32Nearest:
    case Op.F64Nearest:
      s.push(ins.nearest(s.pop()));
      break;
    case Op.F32Sqrt:
    case Op.F64Sqrt:
      s.push(ins.sqrt(s.pop()));
      break;

    // =========================================================================
    // Float binary

    case Op.F32Add:
    case Op.F64Add:
      y = s.pop();
      s.push(ins.fadd(s.pop(), y));
      break;
    case Op.F32Sub:
    case Op.F64Sub:
      y = s.pop();
      s.push(ins.fsub(s.pop(), y));
      break;
    case Op.F32Mul:
    case Op.F64Mul:
      y = s.pop();
      s.push(ins.fmul(s.pop(), y));
      break;
    case Op.F32Div:
    case Op.F64Div:
      y = s.pop();
      s.push(ins.fdiv(s.pop(), y));
      break;
    case Op.F32Min:
    case Op.F64Min:
      y = s.pop();
      s.push(ins.fmin(s.pop(), y));
      break;
    case Op.F32Max:
    case Op.F64Max:
      y = s.pop();
      s.push(ins.fmax(s.pop(), y));
      break;
    case Op.F32Copysign:
    case Op.F64Copysign:
      y = s.pop();
      s.push(ins.fcopysign(s.pop(), y));
      break;

    default:
      throw new Error(`translateFloatArith: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for conversions, reinterpretations, sign extension. */
function translateConvert(cx: OperatorContext, op: number): void {
  const { ins, state: s } = cx;
  switch (op) {
    // =========================================================================
    // Conversions

    case Op.I32WrapI64:
      s.push(ins.ireduce(I32, s.pop()));
      break;
    case Op.I64ExtendI32S:
      s.push(ins.sextend(I64, s.pop()));
      break;
    case Op.I64ExtendI32U:
      s.push(ins.uextend(I64, s.pop()));
      break;

    // Trapping float → int: NaN traps bad_toint, out of range traps int_ovf.
    case Op.I32TruncF32S:
    case Op.I32TruncF64S:
      s.push(ins.fcvtToSint(I32, s.pop()));
      break;
    case Op.I32TruncF32U:
    case Op.I32TruncF64U:
      s.push(ins.fcvtToUint(I32, s.pop()));
      break;
    case Op.I64TruncF32S:
    case Op.I64TruncF64S:
      s.push(ins.fcvtToSint(I64, s.pop()));
      break;
    case Op.I64TruncF32U:
    case Op.I64TruncF64U:
      s.push(ins.fcvtToUint(I64, s.pop()));
      break;

    case Op.F32ConvertI32S:
    case Op.F32ConvertI64S:
      s.push(ins.fcvtFromSint(F32, s.pop()));
      break;
    case Op.F32ConvertI32U:
    case Op.F32ConvertI64U:
      s.push(ins.fcvtFromUint(F32, s.pop()));
      break;
    case Op.F64ConvertI32S:
    case Op.F64ConvertI64S:
      s.push(ins.fcvtFromSint(F64, s.pop()));
      break;
    case Op.F64ConvertI32U:
    case Op.F64ConvertI64U:
      s.push(ins.fcvtFromUint(F64, s.pop()));
      break;
    case Op.F32DemoteF64:
      s.push(ins.fdemote(F32, s.pop()));
      break;
    case Op.F64PromoteF32:
      s.push(ins.fpromote(F64, s.pop()));
      break;

    case Op.I32ReinterpretF32:
      s.push(ins.bitcast(I32, s.pop()));
      break;
    case Op.I64ReinterpretF64:
      s.push(ins.bitcast(I64, s.pop()));
      break;
    case Op.F32ReinterpretI32:
      s.push(ins.bitcast(F32, s.pop()));
      break;
    case Op.F64ReinterpretI64:
      s.push(ins.bitcast(F64, s.pop()));
      break;

    // Sign extension: narrow to the source width, then sign-extend back.
    case Op.I32Extend8S:
      s.push(ins.sextend(I32, ins.ireduce(I8, s.pop())));
      break;
    case Op.I32Extend16S:
      s.push(ins.sextend(I32, ins.ireduce(I16, s.pop())));
      break;
    case Op.I64Extend8S:
      s.push(ins.sextend(I64, ins.ireduce(I8, s.pop())));
      break;
    case Op.I64Extend16S:
      s.push(ins.sextend(I64, ins.ireduce(I16, s.pop())));
      break;
    case Op.I64Extend32S:
      s.push(ins.sextend(I64, ins.ireduce(I32, s.pop())));
      break;

    default:
      throw new Error(`translateConvert: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for reference operators. */
function translateRef(cx: OperatorContext, op: number): void {
  const { ins, state: s, env, reader: r } = cx;
  let x: Value;
  switch (op) {
    // =========================================================================
    // References: funcref = *VMFuncRef, externref = handle + 1; null = 0

    case Op.RefNull:
      s.push(ins.iconst(I64, 0));
      break;
    case Op.RefIsNull:
      x = s.pop();
      pushCondition(cx, ins.icmpImm(IntCC.Equal, x, 0));
      break;
    case Op.RefFunc:
      s.push(env.refFunc(r.index));
      break;

    default:
      throw new Error(`translateRef: operator 0x${op.toString(16)} is not in this group`);
  }
}

/** The rules for 0xfc-prefixed operators: saturating truncation, bulk memory and tables. */
function translateMisc(cx: OperatorContext, op: number): void {
  const { ins, state: s, env, reader: r } = cx;
  let x: Value;
  let y: Value;
  let z: Value;
  switch (op) {
    case Op.TableSize:
      s.push(env.tableSize(r.index));
      break;
    case Op.TableGrow:
      y = s.pop(); // delta
      x = s.pop(); // init
      s.push(env.tableGrow(r.index, x, y));
      break;
    case Op.TableFill:
      z = s.pop(); // len
      y = s.pop(); // value
      x = s.pop(); // dst
      env.tableFill(r.index, x, y, z);
      break;
    case Op.TableCopy:
      z = s.pop();
      y = s.pop();
      x = s.pop();
      env.tableCopy(r.index, r.index2, x, y, z);
      break;
    case Op.TableInit:
      z = s.pop();
      y = s.pop();
      x = s.pop();
      env.tableInit(r.index2, r.index, x, y, z);
      break;
    case Op.ElemDrop:
      env.elemDrop(r.index);
      break;

    case Op.MemoryFill:
      z = s.pop(); // len
      y = s.pop(); // value
      x = s.pop(); // dst
      env.memoryFill(x, y, z);
      break;
    case Op.MemoryCopy:
      z = s.pop();
      y = s.pop();
      x = s.pop();
      env.memoryCopy(x, y, z);
      break;
    case Op.MemoryInit:
      z = s.pop();
      y = s.pop();
      x = s.pop();
      env.memoryInit(r.index, x, y, z);
      break;
    case Op.DataDrop:
      env.dataDrop(r.index);
      break;

    // Saturating float → int: NaN → 0, out of range → clamped.
    case Op.I32TruncSatF32S:
    case Op.I32TruncSatF64S:
      s.push(ins.fcvtToSintSat(I32, s.pop()));
      break;
    case Op.I32TruncSatF32U:
    case Op.I32TruncSatF64U:
      s.push(ins.fcvtToUintSat(I32, s.pop()));
      break;
    case Op.I64TruncSatF32S:
    case Op.I64TruncSatF64S:
      s.push(ins.fcvtToSintSat(I64, s.pop()));
      break;
    case Op.I64TruncSatF32U:
    case Op.I64TruncSatF64U:
      s.push(ins.fcvtToUintSat(I64, s.pop()));
      break;

    default:
      throw new Error(`translateMisc: operator 0x${op.toString(16)} is not in this group`);
  }
}

// -----------------------------------------------------------------------------
// br_table

function translateBrTable(cx: OperatorContext): void {
  const { b, ins, state: s, reader: r } = cx;
  const index = s.pop();
  const n = r.brTargetCount;
  const targets = r.brTargets;
  const defaultFrame = s.frame(r.index);
  const arity = branchArity(defaultFrame);

  if (n === 0) {
    // Only a default: an unconditional branch.
    const args = s.peekN(arity);
    if (defaultFrame.kind === FrameKind.Function) returnValues(cx, args);
    else ins.jump(branchTarget(cx, defaultFrame), args);
    s.reachable = false;
    return;
  }

  if (arity === 0) {
    // Straight to the targets.
    const entries: Block[] = new Array<Block>(n);
    for (let i = 0; i < n; i++) entries[i] = branchTarget(cx, s.frame(targets[i]!));
    const jt = b.createJumpTable(branchTarget(cx, defaultFrame), entries);
    ins.brTable(index, jt);
    s.reachable = false;
    return;
  }

  // The targets take values: one edge block per distinct depth.
  const depths: number[] = [];
  const edges: Block[] = [];
  const edgeFor = (depth: number): Block => {
    const k = depths.indexOf(depth);
    if (k >= 0) return edges[k]!;
    const e = b.createBlock();
    depths.push(depth);
    edges.push(e);
    return e;
  };
  const entries: Block[] = new Array<Block>(n);
  for (let i = 0; i < n; i++) entries[i] = edgeFor(targets[i]!);
  const jt = b.createJumpTable(edgeFor(r.index), entries);
  ins.brTable(index, jt);
  const args = s.peekN(arity);
  for (let k = 0; k < edges.length; k++) {
    const e = edges[k]!;
    b.switchToBlock(e);
    b.sealBlock(e);
    const f = s.frame(depths[k]!);
    if (f.kind === FrameKind.Function) returnValues(cx, args);
    else ins.jump(branchTarget(cx, f), args);
  }
  s.reachable = false;
}

// -----------------------------------------------------------------------------
// Memory access helpers

const enum LoadKind {
  Full = 0,
  Signed = 1,
  Unsigned = 2,
}

function load(cx: OperatorContext, size: number, kind: LoadKind, ty: number): void {
  const { ins, state: s, env, reader: r } = cx;
  const a = env.heapAddress(s.pop(), r.memOffset, size);
  const flags = env.heapFlags;
  let v: Value;
  if (kind === LoadKind.Full) v = ins.load(ty, flags, a.ptr, a.offset);
  else if (size === 1) v = kind === LoadKind.Signed ? ins.sload8(ty, flags, a.ptr, a.offset) : ins.uload8(ty, flags, a.ptr, a.offset);
  else if (size === 2) v = kind === LoadKind.Signed ? ins.sload16(ty, flags, a.ptr, a.offset) : ins.uload16(ty, flags, a.ptr, a.offset);
  else v = kind === LoadKind.Signed ? ins.sload32(flags, a.ptr, a.offset) : ins.uload32(flags, a.ptr, a.offset);
  s.push(v);
}

function store(cx: OperatorContext, op: number): void {
  const { ins, state: s, env, reader: r } = cx;
  const v = s.pop();
  let size: number;
  switch (op) {
    case Op.I32Store8:
    case Op.I64Store8:
      size = 1;
      break;
    case Op.I32Store16:
    case Op.I64Store16:
      size = 2;
      break;
    case Op.I32Store:
    case Op.F32Store:
    case Op.I64Store32:
      size = 4;
      break;
    default:
      size = 8;
  }
  const a = env.heapAddress(s.pop(), r.memOffset, size);
  const flags = env.heapFlags;
  switch (op) {
    case Op.I32Store8:
    case Op.I64Store8:
      ins.istore8(flags, v, a.ptr, a.offset);
      break;
    case Op.I32Store16:
    case Op.I64Store16:
      ins.istore16(flags, v, a.ptr, a.offset);
      break;
    case Op.I64Store32:
      ins.istore32(flags, v, a.ptr, a.offset);
      break;
    default:
      ins.store(flags, v, a.ptr, a.offset);
  }
}

// -----------------------------------------------------------------------------
// Comparison helpers

/**
 * Push the `i8` result of a comparison: as is if the next operator only
 * tests it against zero (BoolOnlyForNextConsumer), else as a wasm `i32`.
 */
function pushCondition(cx: OperatorContext, c: Value): void {
  const r = cx.reader;
  // The body ends with `end`, so there is always a next byte.
  const next = r.bytes[r.pos];
  if (next === Op.BrIf || next === Op.If || next === Op.Select || next === Op.TypedSelect) cx.state.push(c);
  else cx.state.push(cx.ins.uextend(I32, c));
}

function icmp(cx: OperatorContext, cc: IntCC): void {
  const { ins, state: s } = cx;
  const y = s.pop();
  const x = s.pop();
  pushCondition(cx, ins.icmp(cc, x, y));
}

function fcmp(cx: OperatorContext, cc: FloatCC): void {
  const { ins, state: s } = cx;
  const y = s.pop();
  const x = s.pop();
  pushCondition(cx, ins.fcmp(cc, x, y));
}
