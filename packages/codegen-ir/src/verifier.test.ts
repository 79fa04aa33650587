import { describe, expect, it } from 'vitest';
import {
  Function,
  FunctionBuilder,
  I32,
  Signature,
  UserFuncName,
  assertVerified,
  parseFunction,
  stackSlotData,
  VerifierErrors,
  verifyFunction,
} from './index.js';

function errorsOf(text: string): string[] {
  return verifyFunction(parseFunction(text)).map((e) => e.text);
}

describe('verifier: accepts valid IR', () => {
  it('accepts a function whose uses are dominated through a later-laid-out block', () => {
    expect(
      errorsOf(`function %f(i32) -> i32 {
block0(v0: i32):
    jump block2
block1(v1: i32):
    v2 = iadd v1, v3
    return v2
block2:
    v3 = iconst.i32 1
    jump block1(v0)
}`),
    ).toEqual([]);
  });
});

describe('verifier: rejects invalid IR with precise messages', () => {
  it('operand types', () => {
    expect(
      errorsOf(`function %f(i32, i64) -> i32 {
block0(v0: i32, v1: i64):
    v2 = iadd v0, v1
    return v2
}`),
    ).toEqual(['inst0 (v2 = iadd v0, v1): arg 1 has type i64, expected i32']);
  });

  it('conversions in the wrong direction', () => {
    expect(
      errorsOf(`function %f(i64) -> i32 {
block0(v0: i64):
    v1 = uextend.i32 v0
    return v1
}`),
    ).toEqual(['inst0 (v1 = uextend.i32 v0): arg 0 has type i64, expected an integer type narrower than i32']);
  });

  it('float operations on integers', () => {
    expect(
      errorsOf(`function %f(i32) -> i32 {
block0(v0: i32):
    v1 = fadd v0, v0
    return v1
}`),
    ).toEqual(['inst0 (v1 = fadd v0, v0): controlling type i32 is not a float type']);
  });

  it('addresses must be i32 or i64', () => {
    expect(
      errorsOf(`function %f(f64) -> i32 {
block0(v0: f64):
    v1 = load.i32 v0
    return v1
}`),
    ).toEqual(['inst0 (v1 = load.i32 v0): arg 0 has type f64, expected an address (i32 or i64)']);
  });

  it('narrow loads need a wider result', () => {
    expect(
      errorsOf(`function %f(i64) -> i8 {
block0(v0: i64):
    v1 = uload8.i8 v0
    return v1
}`),
    ).toEqual(['inst0 (v1 = uload8.i8 v0): controlling type i8 is not an integer type wider than 8 bits']);
  });

  it('a block without a terminator', () => {
    expect(
      errorsOf(`function %f(i32) {
block0(v0: i32):
    v1 = iadd v0, v0
}`),
    ).toEqual(['inst0 (v1 = iadd v0, v0): block0 does not end in a terminator']);
  });

  it('a terminator in the middle of a block', () => {
    expect(
      errorsOf(`function %f() {
block0:
    return
    nop
}`),
    ).toEqual(['inst0 (return): terminator in the middle of a block', 'inst1 (nop): block0 does not end in a terminator']);
  });

  it('a use not dominated by its definition', () => {
    expect(
      errorsOf(`function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = iconst.i32 1
    jump block3
block2:
    jump block3
block3:
    return v1
}`),
    ).toEqual(['inst4 (return v1): arg 0 v1 is defined in block1, which does not dominate block3']);
  });

  it('a use before the definition in the same block', () => {
    expect(
      errorsOf(`function %f() -> i32 {
block0:
    v1 = iadd v2, v2
    v2 = iconst.i32 1
    return v1
}`),
    ).toEqual([
      'inst0 (v1 = iadd v2, v2): arg 0 v2 is used before it is defined (by inst1)',
      'inst0 (v1 = iadd v2, v2): arg 1 v2 is used before it is defined (by inst1)',
    ]);
  });

  it('block argument count and types', () => {
    expect(
      errorsOf(`function %f(i32, i64) {
block0(v0: i32, v1: i64):
    brif v0, block1(v0), block1(v1)
block1(v2: i32):
    jump block2(v0, v0)
block2(v3: i32):
    return
}`),
    ).toEqual([
      'inst0 (brif v0, block1(v0), block1(v1)): else target block1 argument 0 (v1) has type i64, expected i32',
      'inst1 (jump block2(v0, v0)): jump target block2 takes 1 arguments, got 2',
    ]);
  });

  it('branches to the entry block', () => {
    expect(
      errorsOf(`function %f() {
block0:
    jump block0
}`),
    ).toEqual(['inst0 (jump block0): jump target block0 is the entry block, which cannot be branched to']);
  });

  it('entry block parameters must match the signature', () => {
    expect(
      errorsOf(`function %f(i32) {
block0(v0: i64):
    return
}`),
    ).toEqual(['block0: entry block parameter 0 (v0) has type i64, signature says i32']);
  });

  it('return values must match the signature', () => {
    expect(
      errorsOf(`function %f(i64) -> i32 {
block0(v0: i64):
    return v0, v0
}`),
    ).toEqual(['inst0 (return v0, v0): return takes 1 arguments, got 2']);
    expect(
      errorsOf(`function %f(i64) -> i32 {
block0(v0: i64):
    return v0
}`),
    ).toEqual(['inst0 (return v0): arg 0 has type i64, expected i32']);
  });

  it('calls must match their signature', () => {
    expect(
      errorsOf(`function %f(i64) -> i32 {
    sig0 = (i32) -> i32 fast
    fn0 = %g sig0
block0(v0: i64):
    v1 = call fn0(v0)
    v2 = call_indirect sig0, v0()
    return v1
}`),
    ).toEqual(['inst0 (v1 = call fn0(v0)): arg 0 has type i64, expected i32', 'inst1 (v2 = call_indirect sig0, v0()): sig0 takes 1 arguments, got 0']);
  });

  it('stack accesses must stay inside their slot', () => {
    expect(
      errorsOf(`function %f() -> i64 {
    ss0 = explicit_slot 8
block0:
    v0 = stack_load.i64 ss0+4
    return v0
}`),
    ).toEqual(['inst0 (v0 = stack_load.i64 ss0+4): access of 8 bytes at offset 4 is outside ss0 (size 8)']);
  });

  it('immediates must fit their type, trap codes must exist', () => {
    const f = parseFunction(`function %f() -> i8 {
block0:
    v0 = iconst.i8 1
    trapz v0, user1
    return v0
}`);
    f.dfg.setImm(0, 0x1ffn);
    f.dfg.setAux(1, 0);
    expect(verifyFunction(f).map((e) => e.text)).toEqual([
      'inst0 (v0 = iconst.i8 -1): immediate 511 does not fit in i8',
      'inst1 (trapz v0, trap0): invalid trap code 0',
    ]);
  });

  it('branch targets must be in the layout', () => {
    const func = new Function(UserFuncName.testcase('f'), Signature.of([], []));
    const b = new FunctionBuilder(func);
    const e = b.createBlock();
    const missing = b.createBlock();
    b.switchToBlock(e);
    b.ins().jump(missing);
    expect(verifyFunction(func).map((x) => x.text)).toEqual(['inst0 (jump block1): jump target block1 is not in the layout']);
  });

  it('an empty function and an empty block', () => {
    const func = new Function(UserFuncName.testcase('f'), Signature.of([I32], []));
    expect(verifyFunction(func).map((x) => x.text)).toEqual(['function: function has no entry block']);
    func.layout.appendBlock(func.dfg.makeBlock());
    func.dfg.appendBlockParam(0, I32);
    expect(verifyFunction(func).map((x) => x.text)).toEqual(['block0: block is empty']);
  });

  it('preamble references', () => {
    const func = new Function(UserFuncName.testcase('f'), Signature.of([], []));
    func.importFunction({ name: { kind: 'user', ref: 3 }, signature: 0, colocated: false });
    func.createSizedStackSlot(stackSlotData(-1));
    const b = new FunctionBuilder(func);
    const e = b.createBlock();
    b.switchToBlock(e);
    b.ins().return_();
    expect(verifyFunction(func).map((x) => x.text)).toEqual([
      'function: fn0: signature sig0 is not declared',
      "function: fn0: user external name ref 3 is not in the function's name table",
      'function: ss0: invalid size -1',
    ]);
  });

  it('assertVerified throws a VerifierErrors listing every problem', () => {
    const f = parseFunction(`function %f(i32, i64) -> i32 {
block0(v0: i32, v1: i64):
    v2 = iadd v0, v1
    return v2
}`);
    expect(() => assertVerified(f)).toThrow(VerifierErrors);
    expect(() => assertVerified(f)).toThrow(/arg 1 has type i64, expected i32/);
  });
});
