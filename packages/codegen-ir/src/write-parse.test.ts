import { describe, expect, it } from 'vitest';
import {
  CallConv,
  ExternalName,
  F32,
  F64,
  FloatCC,
  Function,
  FunctionBuilder,
  I16,
  I32,
  I64,
  I8,
  IntCC,
  LibCall,
  MemFlags,
  OPCODE_COUNT,
  ParseError,
  Signature,
  TrapCode,
  UserFuncName,
  abiParam,
  formatIeee32,
  formatIeee64,
  opcodeName,
  parseClifFile,
  parseFunction,
  parseFunctions,
  parseIeee32,
  parseIeee64,
  printFunction,
  stackSlotData,
  stencilEquals,
  userExternalName,
  verifyFunction,
  vmctxParam,
} from './index.js';

/** A function that uses every opcode at least once. */
function kitchenSink(): Function {
  const sig = new Signature(CallConv.SystemV, [abiParam(I32), abiParam(I64, { extension: 'sext' }), vmctxParam(I64)], [abiParam(I32), abiParam(F64)]);
  const func = new Function(UserFuncName.user(3, 17), sig);
  const b = new FunctionBuilder(func);
  const ss = b.createSizedStackSlot(stackSlotData(32, 3));
  const sigA = b.importSignature(Signature.of([I32], [I32], CallConv.Fast));
  const sigB = b.importSignature(new Signature(CallConv.SystemV, [abiParam(F32)], [abiParam(F32)]));
  const callee = b.importFunction({ name: ExternalName.user(b.declareImportedUserFunction(userExternalName(0, 4))), signature: sigA, colocated: true });
  const lib = b.importFunction({ name: ExternalName.libcall(LibCall.FloorF32), signature: sigB, colocated: false });
  const tc = b.importFunction({ name: ExternalName.testcase('helper'), signature: sigA, colocated: false });

  const entry = b.createBlock();
  const loop = b.createBlock();
  const tableA = b.createBlock();
  const tableB = b.createBlock();
  const exit = b.createBlock();
  const [x, y, vm] = b.appendBlockParamsForFunctionParams(entry) as [number, number, number];
  const exitI = b.appendBlockParam(exit, I32);
  const exitF = b.appendBlockParam(exit, F64);
  b.switchToBlock(entry);
  b.sealBlock(entry);
  b.setSrcLoc(0x40);
  const i = b.ins();
  const c8 = i.iconst(I8, -3);
  const c16 = i.iconst(I16, 0x7fff);
  const c64 = i.iconst(I64, 0x1234_5678_9abcn);
  const f1 = i.f32const(1.5);
  const f2 = i.f64constBits(0x7ff8_0000_0000_0001n);
  i.nop();
  let v = i.iadd(x, x);
  v = i.isub(v, x);
  v = i.imul(v, x);
  v = i.umulhi(v, x);
  v = i.smulhi(v, x);
  v = i.sdiv(v, x);
  v = i.udiv(v, x);
  v = i.srem(v, x);
  v = i.urem(v, x);
  v = i.ineg(v);
  v = i.iabs(v);
  v = i.smin(v, x);
  v = i.smax(v, x);
  v = i.umin(v, x);
  v = i.umax(v, x);
  v = i.iaddImm(v, -20000);
  v = i.imulImm(v, 3);
  v = i.irsubImm(v, 1);
  v = i.bandImm(v, 0xff);
  v = i.borImm(v, 1);
  v = i.bxorImm(v, 2);
  v = i.ishlImm(v, 3);
  v = i.ushrImm(v, 1);
  v = i.sshrImm(v, 1);
  v = i.rotlImm(v, 5);
  v = i.rotrImm(v, 5);
  v = i.band(v, x);
  v = i.bor(v, x);
  v = i.bxor(v, x);
  v = i.bnot(v);
  v = i.bandNot(v, x);
  v = i.borNot(v, x);
  v = i.bxorNot(v, x);
  v = i.ishl(v, c8);
  v = i.ushr(v, c16);
  v = i.sshr(v, c64);
  v = i.rotl(v, x);
  v = i.rotr(v, x);
  v = i.clz(v);
  v = i.cls(v);
  v = i.ctz(v);
  v = i.popcnt(v);
  v = i.bswap(v);
  v = i.bitrev(v);
  const cmp = i.icmp(IntCC.UnsignedLessThan, v, x);
  const cmpi = i.icmpImm(IntCC.SignedGreaterThanOrEqual, y, -1);
  let f = i.fadd(f1, f1);
  f = i.fsub(f, f1);
  f = i.fmul(f, f1);
  f = i.fdiv(f, f1);
  f = i.fma(f, f1, f1);
  f = i.sqrt(f);
  f = i.fabs(f);
  f = i.fneg(f);
  f = i.fcopysign(f, f1);
  f = i.fmin(f, f1);
  f = i.fmax(f, f1);
  f = i.ceil(f);
  f = i.floor(f);
  f = i.trunc(f);
  f = i.nearest(f);
  const fc = i.fcmp(FloatCC.UnorderedOrLessThan, f, f1);
  const u = i.uextend(I64, v);
  const s = i.sextend(I64, c8);
  const r = i.ireduce(I16, u);
  const fp = i.fpromote(F64, f);
  const fd = i.fdemote(F32, fp);
  const t1 = i.fcvtToSint(I32, fd);
  const t2 = i.fcvtToUint(I64, fp);
  const t3 = i.fcvtToSintSat(I32, fp);
  const t4 = i.fcvtToUintSat(I64, fd);
  const t5 = i.fcvtFromSint(F64, s);
  const t6 = i.fcvtFromUint(F32, r);
  const bc = i.bitcast(I32, t6);
  const sel = i.select(cmp, t1, t3);
  const sg = i.selectSpectreGuard(cmpi, t2, t4);
  const flags = MemFlags.trusted();
  const l1 = i.load(I32, flags, vm, 8);
  const l2 = i.uload8(I32, MemFlags.new(), vm, -4);
  const l3 = i.sload8(I64, flags.withReadonly(), vm);
  const l4 = i.uload16(I32, flags.withTrapCode(TrapCode.TABLE_OUT_OF_BOUNDS), vm, 2);
  const l5 = i.sload16(I64, flags.withAliasRegion('vmctx'), vm, 2);
  const l6 = i.uload32(flags, vm, 4);
  const l7 = i.sload32(MemFlags.new().withNotrap(), vm, 4);
  i.store(flags, l1, vm, 16);
  i.istore8(flags, l2, vm);
  i.istore16(flags.withEndianness('little'), l3, vm, 1);
  i.istore32(flags, l6, vm, 100000);
  i.stackStore(l7, ss, 8);
  const sl = i.stackLoad(I64, ss, 8);
  const sa = i.stackAddr(I64, ss, 16);
  const ov = i.uaddOverflowTrap(sa, sl, TrapCode.HEAP_OUT_OF_BOUNDS);
  i.trapz(ov, TrapCode.user(3));
  i.trapnz(fc, TrapCode.INTEGER_OVERFLOW);
  const call1 = i.call(callee, [sel]);
  const call2 = i.call(lib, [fd]);
  const fa = i.funcAddr(I64, tc);
  const call3 = i.callIndirect(sigA, fa, [b.func.dfg.firstResult(call1)]);
  const sp = i.getStackPointer(I64);
  void [l4, l5, bc, sg, call2, call3, sp, f2];
  i.jump(loop, []);
  const dispatch = b.createBlock();
  b.switchToBlock(loop);
  b.setSrcLoc(0x90);
  i.brif(cmp, exit, [bc, t5], dispatch, []);
  b.switchToBlock(dispatch);
  b.sealBlock(dispatch);
  const jt = b.createJumpTable({ block: exit, args: [l4, f2] }, [tableA, { block: tableB, args: [] }]);
  i.brTable(l4, jt);
  b.sealBlock(tableA);
  b.sealBlock(tableB);
  b.switchToBlock(tableA);
  i.jump(loop);
  b.sealBlock(loop);
  b.switchToBlock(tableB);
  i.trap(TrapCode.UNREACHABLE);
  b.switchToBlock(exit);
  b.sealBlock(exit);
  i.return_([exitI, exitF]);
  b.finalize();
  return func;
}

describe('printer and parser', () => {
  it('the kitchen sink uses every opcode, verifies, and round-trips', () => {
    const f = kitchenSink();
    const used = new Set<number>();
    for (let inst = 0; inst < f.dfg.numInsts; inst++) used.add(f.dfg.opcode(inst));
    const missing = [];
    for (let op = 0; op < OPCODE_COUNT; op++) if (!used.has(op)) missing.push(opcodeName(op));
    expect(missing).toEqual([]);
    expect(verifyFunction(f).map((e) => e.text)).toEqual([]);
    const text = printFunction(f);
    const g = parseFunction(text);
    expect(printFunction(g)).toBe(text);
    expect(stencilEquals(f.stencil, g.stencil)).toBe(true);
    expect(g.params.equals(f.params)).toBe(true);
    expect(verifyFunction(g)).toEqual([]);
  });

  it('prints Cranelift syntax', () => {
    const text = printFunction(kitchenSink());
    const lines = text.split('\n').map((l) => l.trim());
    for (const expected of [
      'function u3:17(i32, i64 sext, i64 vmctx) -> i32, f64 system_v {',
      'ss0 = explicit_slot 32, align = 8',
      'sig0 = (i32) -> i32 fast',
      'sig1 = (f32) -> f32 system_v',
      'fn0 = colocated u0:4 sig0',
      'fn1 = %FloorF32 sig1',
      'fn2 = %helper sig0',
      'block0(v0: i32, v1: i64, v2: i64):',
      '@0040                               v5 = iconst.i8 -3',
      '@0040                               v6 = iconst.i16 0x7fff',
      '@0040                               v7 = iconst.i64 0x1234_5678_9abc',
      '@0040                               v8 = f32const 0x1.800000p0',
      '@0040                               v9 = f64const +NaN:0x1',
      '@0040                               nop',
      '@0040                               v25 = iadd_imm v24, 0xffff_b1e0',
      '@0090                               brif.i8 v54, block4(v83, v81), block5',
      '@0090                               br_table v89, block4(v89, v9), [block2, block3]',
      'block4(v3: i32, v4: f64):',
    ]) {
      expect(lines).toContain(expected.trim());
    }
    for (const fragment of [
      ' = icmp ult ',
      ' = icmp_imm sge v1, -1',
      ' = fcmp ult ',
      ' = uextend.i64 ',
      ' = load.i32 notrap aligned v2+8',
      ' = uload8.i32 v2-4',
      ' = sload8.i64 notrap aligned readonly v2',
      ' = uload16.i32 table_oob aligned v2+2',
      ' = sload16.i64 notrap aligned vmctx v2+2',
      ' = uload32.i64 notrap aligned v2+4',
      ' = sload32.i64 notrap v2+4',
      'store notrap aligned ',
      'istore16 notrap aligned little ',
      ', v2+100000',
      'stack_store ',
      ', ss0+8',
      ' = stack_load.i64 ss0+8',
      ' = stack_addr.i64 ss0+16',
      ' = uadd_overflow_trap ',
      ', heap_oob',
      'trapz ',
      ', user3',
      'trapnz ',
      ', int_ovf',
      ' = call fn0(',
      ' = func_addr.i64 fn2',
      ' = call_indirect sig0, ',
      ' = get_stack_pointer.i64',
      'jump block1',
      'brif.i8 ',
      'br_table ',
      'trap unreachable',
    ]) {
      expect(text).toContain(fragment);
    }

  });

  it('accepts the usual hand-written variations', () => {
    const text = `
; a comment
test run
set opt_level=speed
target x86_64 has_sse41

function %g(i32) -> i32 {   ; no calling convention: fast
    fn0 = %h(i32) -> i32 system_v    ; inline signature
    jt0 = jump_table [block1, block2]
block0(v0: i32):
    v1 = iconst.i32 0xffff_ffff
    v2 = iadd.i32 v0, v1   ; explicit suffix where it could be inferred
    br_table v2, block2, jt0
block1:
    v3 = call fn0(v0)
    return v3
block2:
    v4 -> v1
    return v4
}
`;
    const file = parseClifFile(text);
    expect(file.tests).toEqual(['run']);
    expect(file.sets).toEqual(['opt_level = speed']);
    expect(file.targets).toEqual(['x86_64 has_sse41']);
    const f = file.functions[0]!.func;
    expect(file.functions[0]!.line).toBe(7);
    const out = printFunction(f);
    expect(out).toContain('function %g(i32) -> i32 fast {');
    expect(out).toContain('sig0 = (i32) -> i32 system_v');
    expect(out).toContain('fn0 = %h sig0');
    expect(out).toContain('v1 = iconst.i32 -1');
    expect(out).toContain('br_table v2, block2, [block1, block2]');
    expect(out).toContain('    v4 -> v1');
    expect(printFunction(parseFunction(out))).toBe(out);
  });

  it('keeps the text numbering of values and blocks', () => {
    const text = `function %n(i32) -> i32 fast {
block5(v10: i32):
    v20 = iadd v10, v10
    jump block2(v20)

block2(v7: i32):
    return v7
}
`;
    const f = parseFunction(text);
    expect(printFunction(f)).toBe(text);
    expect(f.layout.entryBlock()).toBe(5);
  });

  it('reports errors with line and column', () => {
    const cases: [string, RegExp][] = [
      ['function %f() {\nblock0:\n    v0 = frobnicate.i32 1\n}', /^3:10: unknown opcode 'frobnicate'/],
      ['function %f() {\nblock0:\n    v0 = iconst 1\n    return\n}', /^3:10: iconst needs a type suffix/],
      ['function %f() {\nblock0:\n    v0 = iadd v1, v1\n    return\n}', /^3:10: use of undefined value v1/],
      ['function %f() {\nblock0:\n    v0 = iconst.i8 300\n    return\n}', /^3:20: immediate 300 does not fit in i8/],
      ['function %f(i33) {\n}', /^1:13: expected a type, found 'i33'/],
      ['function %f() {\nblock0:\n    jump block9\n}', /^3:10: block9 is not defined/],
      ['function %f() {\nblock0:\n    v0 = iconst.i32 1\n    v0 = iconst.i32 2\n    return\n}', /v0 is defined twice/],
      ['function %f() {\nblock0:\n    v0 = f32const 0x1.000001p0\n    return\n}', /invalid f32 immediate/],
      ['function %f() {\nblock0:\n    return\n', /missing '}'/],
      ['function %f() {\nblock0:\n    trap oops\n}', /^3:10: expected a trap code, found 'oops'/],
      ['function %f() {\nblock0:\n    v0 = load.i32 little big v1\n}', /cannot set both big and little endian/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        parseFunctions(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).message).toMatch(re);
    }
  });
});

describe('float immediates', () => {
  it('format like Cranelift', () => {
    expect(formatIeee32(0x3fc00000)).toBe('0x1.800000p0');
    expect(formatIeee32(0x80000000)).toBe('-0.0');
    expect(formatIeee32(0x00000001)).toBe('0x0.000002p-126');
    expect(formatIeee32(0x7f800000)).toBe('+Inf');
    expect(formatIeee32(0xff800000)).toBe('-Inf');
    expect(formatIeee32(0x7fc00000)).toBe('+NaN');
    expect(formatIeee32(0xffc00001)).toBe('-NaN:0x1');
    expect(formatIeee32(0x7f800001)).toBe('+sNaN:0x1');
    expect(formatIeee64(0x3ff8000000000000n)).toBe('0x1.8000000000000p0');
    expect(formatIeee64(0x0000000000000001n)).toBe('0x0.0000000000001p-1022');
    expect(formatIeee64(0xfff0000000000000n)).toBe('-Inf');
  });

  it('parse what they print, for many bit patterns', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const specials32 = [0, 0x80000000, 1, 0x7f7fffff, 0x7f800000, 0x7fc00000, 0x7f800001, 0xffffffff, 0x00800000, 0x007fffff];
    for (let k = 0; k < 2000; k++) {
      const bits = k < specials32.length ? specials32[k]! : rnd();
      expect(parseIeee32(formatIeee32(bits))).toBe(bits >>> 0);
    }
    for (let k = 0; k < 2000; k++) {
      const bits = (BigInt(rnd()) << 32n) | BigInt(rnd());
      expect(parseIeee64(formatIeee64(bits))).toBe(bits);
    }
  });

  it('accept short hex floats, decimals, and reject inexact values', () => {
    expect(parseIeee32('0x1.8p0')).toBe(0x3fc00000);
    expect(parseIeee32('1.5')).toBe(0x3fc00000);
    expect(parseIeee64('-2.5e0')).toBe(0xc004000000000000n);
    expect(parseIeee64('0x1p-1074')).toBe(1n);
    expect(parseIeee64('0x1p-1075')).toBeUndefined();
    expect(parseIeee32('0x1.000001p0')).toBeUndefined();
    expect(parseIeee32('NaN:0x400000')).toBeUndefined();
    expect(parseIeee32('sNaN:0x0')).toBeUndefined();
  });
});
