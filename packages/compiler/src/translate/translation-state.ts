/**
 * The state of translating one function body: the wasm value stack (as IR
 * values), the control stack, and whether the current position is reachable
 * (Cranelift's `FuncTranslationState`).
 *
 * The value stack holds the IR `Value` standing for each wasm operand.
 * Operators pop their operands and push their results; no IR is emitted
 * for stack traffic.
 *
 * The control stack has one `ControlFrame` per enclosing `block`, `loop`
 * and `if`, plus the function's own frame at the bottom. A frame records
 * where branches to it go and with how many values:
 *
 * | frame | branch target | arity | fall-through at `end` |
 * |---|---|---|---|
 * | function | `return` (or the exit block) | results | `return` |
 * | block | `destination` (created on first use) | results | stay in the current IR block unless something branched to `destination` |
 * | loop | `header` | params | stay in the current IR block |
 * | if | `destination` | results | jump to `destination` |
 *
 * Invariants.
 * * (FrameStackBase) `originalStackSize` is the height of the value stack
 *   below the frame's parameters; at `else`/`end` the stack is cut back to
 *   it, and the frame's results (or the saved parameters, for `else`) are
 *   pushed.
 * * (DestinationHasUserParams) a `destination` block gets its result
 *   parameters when it is created, before any branch to it (the builder's
 *   UserParamsFirst).
 * * (DeadFrames) in unreachable code only the nesting of `block`/`loop`/`if`
 *   is tracked: such frames are pushed with `live = false` and emit nothing.
 *
 * Frames are pooled objects reused across functions, so a translation
 * allocates no frame objects once the pool is as deep as the deepest nest.
 */
import type { Block, Value } from '@derrick/codegen-ir';

export enum FrameKind {
  Function = 0,
  Block = 1,
  Loop = 2,
  If = 3,
}

export class ControlFrame {
  kind: FrameKind = FrameKind.Block;
  /** Block type (s33 as decoded) — or, for the function frame, its type index. */
  blockType = 0;
  numParams = 0;
  numResults = 0;
  /** Value-stack height below the parameters (FrameStackBase). */
  originalStackSize = 0;
  /** Block that follows the construct, taking the results as parameters; -1 until needed. */
  destination: Block = -1;
  /** Has any branch (or `if`'s fall-through) targeted `destination`? */
  destinationReached = false;
  /** Loop header (branch target of a loop). */
  header: Block = -1;
  /** For `if`: the block the `else` arm (or the implicit empty one) starts in. */
  elseBlock: Block = -1;
  /** For `if`: has `else` been seen? */
  elseSeen = false;
  /** For `if`: where the parameters saved for the `else` arm start in `TranslationState.savedParams`. */
  savedParamsStart = 0;
  /** False for frames pushed in unreachable code (DeadFrames). */
  live = true;
}

export class TranslationState {
  /** The wasm operand stack, as IR values. */
  readonly stack: Value[] = [];
  /** Control frames, innermost last; only `[0, depth)` are in use. */
  private readonly frames: ControlFrame[] = [];
  depth = 0;
  /** Parameters of enclosing `if`s, restored at their `else`. */
  readonly savedParams: Value[] = [];
  /** Is the current position reachable? */
  reachable = true;

  clear(): void {
    this.stack.length = 0;
    this.savedParams.length = 0;
    this.depth = 0;
    this.reachable = true;
  }

  // --- value stack -------------------------------------------------------------

  push(v: Value): void {
    this.stack.push(v);
  }

  pop(): Value {
    const v = this.stack.pop();
    if (v === undefined) throw new Error('wasm value stack underflow (the module was not validated?)');
    return v;
  }

  peek(): Value {
    return this.stack[this.stack.length - 1]!;
  }

  /** Pop `n` values, returned in stack order (deepest first). */
  popN(n: number): Value[] {
    const s = this.stack;
    if (n === 0) return [];
    const out = s.slice(s.length - n);
    s.length -= n;
    return out;
  }

  /** The top `n` values in stack order, without popping them. */
  peekN(n: number): Value[] {
    if (n === 0) return [];
    return this.stack.slice(this.stack.length - n);
  }

  truncate(height: number): void {
    // Popping keeps the array's storage; assigning a much smaller `length`
    // trims it (to nothing for 0), and the next pushes re-grow it.
    const stack = this.stack;
    while (stack.length > height) stack.pop();
  }

  // --- control stack -------------------------------------------------------------

  pushFrame(kind: FrameKind, blockType: number, numParams: number, numResults: number): ControlFrame {
    let f = this.frames[this.depth];
    if (f === undefined) {
      f = new ControlFrame();
      this.frames.push(f);
    }
    this.depth++;
    f.kind = kind;
    f.blockType = blockType;
    f.numParams = numParams;
    f.numResults = numResults;
    f.originalStackSize = this.stack.length - numParams;
    f.destination = -1;
    f.destinationReached = false;
    f.header = -1;
    f.elseBlock = -1;
    f.elseSeen = false;
    f.savedParamsStart = this.savedParams.length;
    f.live = true;
    return f;
  }

  popFrame(): ControlFrame {
    if (this.depth === 0) throw new Error('control stack underflow');
    return this.frames[--this.depth]!;
  }

  /** The frame `relativeDepth` levels out (0 = innermost), as `br` counts. */
  frame(relativeDepth: number): ControlFrame {
    return this.frames[this.depth - 1 - relativeDepth]!;
  }

  topFrame(): ControlFrame {
    return this.frames[this.depth - 1]!;
  }
}
