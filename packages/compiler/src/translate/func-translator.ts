/**
 * The wasm → IR translation driver (cranelift-wasm's `func_translator.rs`).
 *
 * Problem. Turn one validated wasm function body into a verified IR
 * `Function` whose *stencil* depends only on the body's bytes and on the
 * vmctx layout — not on where the body sits in the module, nor on the
 * numbers of the functions it calls — so the incremental cache (mission M5)
 * hits for identical bodies.
 *
 * Approach. `FuncTranslator.translate` builds the signature
 * (`(i64 vmctx, params…) -> results…`), the entry block, one builder
 * variable per local, and then replays the body with environ's
 * `OperatorReader`, handing each operator to `code-translator.ts` (or, in
 * unreachable code, to its control-only variant). The function's own
 * control frame sits at the bottom of the control stack; its final `end`
 * emits the `return`.
 *
 * Invariants.
 * * (BaseIsBodyStart) the function's base source location is set to the
 *   body's start (`localsStart`, the first byte after the size prefix, as
 *   Wasmtime does) before any instruction is built, and every instruction
 *   is tagged with the module offset of the wasm instruction it comes from.
 *   The stencil stores offsets relative to the base, so equal bodies give
 *   equal stencils wherever they are.
 * * (CalleesByRef) direct callees are named through the function's
 *   parameters (`u0:<index>`), never in the stencil (see `func-environ.ts`).
 * * (LocalsAreVariables) local `i` is builder variable `i`. Parameters are
 *   defined from the entry block's parameters; declared locals are not
 *   defined at all: the SSA builder materializes a zero at the top of the
 *   entry block for a local read before any write reaches it, which is the
 *   wasm rule (locals start at zero) without a constant per unused local.
 *
 * Reuse. A `FuncTranslator` keeps its `FunctionBuilderContext`, value and
 * control stacks and its `OperatorReader` across functions; translating a
 * whole module with one translator allocates little beyond the IR itself.
 */
import { FunctionBuilder, FunctionBuilderContext, Function as IrFunction, UserFuncName } from '@derrick/codegen-ir';
import { type ModuleTranslation, OperatorReader, Opcode, type VMOffsets } from '@derrick/environ';
import { type OperatorContext, destinationOf, translateOperator, translateUnreachableOperator } from './code-translator.js';
import { FuncEnvironment, UnsupportedConstruct, irType, vmOffsetsForModule, wasmSignature } from './func-environ.js';
import { TranslateError } from './translate-error.js';
import { type ControlFrame, FrameKind, TranslationState } from './translation-state.js';

export class FuncTranslator {
  private readonly builderContext = new FunctionBuilderContext();
  private readonly state = new TranslationState();
  private reader: OperatorReader | undefined;
  private env: FuncEnvironment | undefined;

  /**
   * `colocatedCalls: false` declares direct calls non-colocated (absolute
   * calls through a register): the `linkopt_absolute_calls_baseline`
   * benchmark baseline. Default true.
   */
  constructor(private readonly options: { colocatedCalls?: boolean } = {}) {}

  /**
   * Translate defined function `defIndex` (0 = the module's first defined
   * function) of `translation`, for the vmctx layout `offsets`.
   * Throws `TranslateError` (kind `'unsupported'` for SIMD).
   */
  translate(translation: ModuleTranslation, defIndex: number, offsets: VMOffsets): IrFunction {
    const body = translation.functionBodies[defIndex];
    if (body === undefined) throw new RangeError(`no defined function ${defIndex}`);
    const reader = this.readerFor(translation);
    reader.pos = body.codeStart;
    reader.end = body.codeEnd;
    reader.offset = body.localsStart;
    try {
      return this.translateBody(translation, defIndex, offsets, reader);
    } catch (e) {
      if (e instanceof TranslateError) throw e;
      const offset = reader.offset;
      if (e instanceof UnsupportedConstruct) throw new TranslateError('unsupported', e.message, body.funcIndex, offset);
      const message = e instanceof Error ? e.message : String(e);
      throw new TranslateError('internal', `translator bug: ${message}`, body.funcIndex, offset, { cause: e });
    }
  }

  private readerFor(translation: ModuleTranslation): OperatorReader {
    if (this.reader === undefined || this.reader.bytes !== translation.bytes) {
      this.reader = new OperatorReader(translation.bytes, 0, 0);
    }
    return this.reader;
  }

  private environmentFor(translation: ModuleTranslation, offsets: VMOffsets): FuncEnvironment {
    if (this.env === undefined || this.env.translation !== translation || this.env.offsets !== offsets) {
      this.env = new FuncEnvironment(translation, offsets, this.options);
    }
    return this.env;
  }

  private translateBody(translation: ModuleTranslation, defIndex: number, offsets: VMOffsets, reader: OperatorReader): IrFunction {
    const body = translation.functionBodies[defIndex]!;
    const typeIndex = body.typeIndex;
    const type = translation.types[typeIndex]!;

    const func = new IrFunction(UserFuncName.user(0, body.funcIndex), wasmSignature(type));
    // Size the IR tables once from the body's size (per byte of wasm code,
    // translation makes ~0.5 instructions and values, ~0.06 blocks, ~0.09
    // block calls and ~3.7 words of operand lists, on QuickJS and the bench
    // kernels alike) rather than growing them from nothing.
    const codeBytes = body.codeEnd - body.entryStart;
    func.dfg.reserve((codeBytes * 0.6 + 8) | 0, (codeBytes * 0.6 + 8) | 0, ((codeBytes >> 4) + 4) | 0, ((codeBytes >> 3) + 4) | 0, codeBytes * 4 + 16);
    func.layout.reserve(((codeBytes >> 4) + 4) | 0, (codeBytes * 0.6 + 8) | 0);
    // BaseIsBodyStart: the base before any instruction exists.
    func.params.ensureBaseSrcLoc(body.localsStart);
    const b = new FunctionBuilder(func, this.builderContext);
    b.setSrcLoc(body.localsStart);

    const entry = b.createBlock();
    const params = b.appendBlockParamsForFunctionParams(entry);
    b.switchToBlock(entry);
    b.sealBlock(entry);

    // LocalsAreVariables: parameters first, then the declared locals.
    for (let i = 0; i < type.params.length; i++) {
      const v = b.declareVar(irType(type.params[i]!));
      b.defVar(v, params[i + 1]!);
    }
    for (const run of body.locals) {
      const ty = irType(run.type);
      for (let i = 0; i < run.count; i++) b.declareVar(ty);
    }

    const env = this.environmentFor(translation, offsets);
    env.beginFunction(b, params[0]!);
    const state = this.state;
    state.clear();
    const fnFrame = state.pushFrame(FrameKind.Function, typeIndex, 0, type.results.length);

    const cx: OperatorContext = { b, ins: b.ins(), state, env, translation, reader };
    while (reader.pos < reader.end) {
      const op = reader.read();
      b.setSrcLoc(reader.offset);
      if (op === Opcode.End && state.depth === 1) {
        this.finishFunction(cx, fnFrame);
        state.popFrame();
        break;
      }
      if (state.reachable) translateOperator(cx, op);
      else translateUnreachableOperator(cx, op);
    }
    if (state.depth !== 0 || reader.pos !== reader.end) {
      throw new Error('the body did not end with its final `end` (the module was not validated?)');
    }
    b.finalize();
    return func;
  }

  /** The body's final `end`: return the results, directly or through the exit block. */
  private finishFunction(cx: OperatorContext, f: ControlFrame): void {
    const { b, ins, state } = cx;
    if (state.reachable && !f.destinationReached) {
      ins.return_(state.peekN(f.numResults));
      return;
    }
    if (state.reachable) ins.jump(f.destination, state.peekN(f.numResults));
    if (f.destinationReached) {
      const exit = destinationOf(cx, f);
      b.switchToBlock(exit);
      b.sealBlock(exit);
      ins.return_(b.blockParams(exit));
    }
  }
}

/**
 * Translate defined function `defIndex` of `translation` (a one-off; use a
 * `FuncTranslator` to translate many functions).
 */
export function translateFunction(
  translation: ModuleTranslation,
  defIndex: number,
  offsets: VMOffsets = vmOffsetsForModule(translation),
  translator: FuncTranslator = new FuncTranslator(),
): IrFunction {
  return translator.translate(translation, defIndex, offsets);
}

/** Translate every defined function of a module, in order (index `i` = defined function `i`). */
export function translateModule(translation: ModuleTranslation, offsets: VMOffsets = vmOffsetsForModule(translation)): IrFunction[] {
  const translator = new FuncTranslator();
  const out: IrFunction[] = [];
  for (let i = 0; i < translation.functionBodies.length; i++) out.push(translator.translate(translation, i, offsets));
  return out;
}
