import { describe, expect, it } from 'vitest';
import {
  CallConv,
  ExternalName,
  Function,
  FunctionBuilder,
  I32,
  I64,
  IR_VERSION,
  MemFlags,
  Signature,
  UserFuncName,
  abiParam,
  parseFunction,
  printFunction,
  stencilEquals,
  userExternalName,
  vmctxParam,
} from './index.js';

/**
 * What a wasm translator produces for one function: the body starts at
 * module offset `base` and calls the function numbered `callee`.
 */
function translate(name: UserFuncName, base: number, callee: number, constant = 42): Function {
  const sig = new Signature(CallConv.Wasmtime, [vmctxParam(I64), abiParam(I32)], [abiParam(I32)]);
  const func = new Function(name, sig);
  const b = new FunctionBuilder(func);
  const calleeSig = b.importSignature(new Signature(CallConv.Wasmtime, [vmctxParam(I64), abiParam(I32)], [abiParam(I32)]));
  const ref = b.declareImportedUserFunction(userExternalName(0, callee));
  const fn = b.importFunction({ name: ExternalName.user(ref), signature: calleeSig, colocated: true });
  const entry = b.createBlock();
  b.appendBlockParamsForFunctionParams(entry);
  b.switchToBlock(entry);
  b.sealBlock(entry);
  const [vmctx, x] = b.blockParams(entry) as [number, number];
  b.setSrcLoc(base);
  const g = b.ins().load(I32, MemFlags.trusted(), vmctx, 64);
  b.setSrcLoc(base + 3);
  const c = b.ins().iconst(I32, constant);
  const s = b.ins().iadd(g, c);
  b.setSrcLoc(base + 6);
  const call = b.ins().call(fn, [vmctx, b.ins().iadd(s, x)]);
  b.setSrcLoc(base + 9);
  b.ins().return_([b.func.dfg.firstResult(call)]);
  b.finalize();
  return func;
}

describe('FunctionStencil / FunctionParameters split', () => {
  it('identical bodies at different offsets calling different callees have equal stencils', () => {
    const a = translate(UserFuncName.user(0, 3), 0x120, 7);
    const b = translate(UserFuncName.user(0, 90), 0x9a40, 42);
    expect(stencilEquals(a.stencil, b.stencil)).toBe(true);
    expect(a.stencil.equals(b.stencil)).toBe(true);
    // What differs lives outside the stencil.
    expect(a.params.baseSrcLoc).toBe(0x120);
    expect(b.params.baseSrcLoc).toBe(0x9a40);
    expect(a.params.userNamedFunc(0)).toEqual({ namespace: 0, index: 7 });
    expect(b.params.userNamedFunc(0)).toEqual({ namespace: 0, index: 42 });
    expect(a.params.equals(b.params)).toBe(false);
    expect(UserFuncName.equals(a.name, b.name)).toBe(false);
    // And they print differently, because printing applies the parameters.
    expect(printFunction(a)).toContain('fn0 = colocated u0:7 sig0');
    expect(printFunction(b)).toContain('fn0 = colocated u0:42 sig0');
    expect(printFunction(a)).toContain('@0123 ');
    expect(printFunction(b)).toContain('@9a43 ');
  });

  it('renumbering a callee through resetUserFuncName leaves the stencil unchanged', () => {
    const a = translate(UserFuncName.user(0, 3), 0x100, 7);
    const before = a.stencil.canonicalBytes();
    a.params.resetUserFuncName(0, userExternalName(0, 8));
    expect(a.stencil.canonicalBytes()).toEqual(before);
    expect(printFunction(a)).toContain('u0:8');
  });

  it('changing anything code generation reads changes the stencil', () => {
    const base = translate(UserFuncName.user(0, 3), 0x100, 7);
    const otherConst = translate(UserFuncName.user(0, 3), 0x100, 7, 43);
    expect(stencilEquals(base.stencil, otherConst.stencil)).toBe(false);

    const otherCallConv = translate(UserFuncName.user(0, 3), 0x100, 7);
    otherCallConv.signature.callConv = CallConv.SystemV;
    expect(stencilEquals(base.stencil, otherCallConv.stencil)).toBe(false);

    // A different relative location (the same body laid out differently in the source).
    const moved = translate(UserFuncName.user(0, 3), 0x100, 7);
    moved.setSrcLoc(moved.layout.lastInst(moved.layout.entryBlock()), 0x100 + 10);
    expect(stencilEquals(base.stencil, moved.stencil)).toBe(false);

    const flags = translate(UserFuncName.user(0, 3), 0x100, 7);
    const load = flags.layout.firstInst(flags.layout.entryBlock());
    flags.dfg.setAux(load, MemFlags.new().bits);
    expect(stencilEquals(base.stencil, flags.stencil)).toBe(false);
  });

  it('canonical bytes are deterministic and start with the IR version', () => {
    const a = translate(UserFuncName.user(0, 1), 0x10, 2);
    const x = a.stencil.canonicalBytes();
    const y = a.stencil.canonicalBytes();
    expect(x).toEqual(y);
    expect(new TextDecoder().decode(x.subarray(1, 1 + IR_VERSION.length))).toBe(IR_VERSION);
  });

  it('clone is deep and equal', () => {
    const a = translate(UserFuncName.user(0, 1), 0x10, 2);
    const c = a.clone();
    expect(stencilEquals(a.stencil, c.stencil)).toBe(true);
    expect(c.params.equals(a.params)).toBe(true);
    expect(printFunction(c)).toBe(printFunction(a));
    const load = c.layout.firstInst(c.layout.entryBlock());
    c.dfg.setAux2(load, 72);
    expect(stencilEquals(a.stencil, c.stencil)).toBe(false);
    expect(printFunction(a)).toContain('v0+64');
    expect(printFunction(c)).toContain('v0+72');
  });

  it('clones a name table in which two refs name the same function', () => {
    const f = new Function();
    f.declareImportedUserFunction(userExternalName(0, 7));
    f.declareImportedUserFunction(userExternalName(0, 8));
    f.params.resetUserFuncName(1, userExternalName(0, 7));
    const c = f.params.clone();
    expect(c.userNamedFuncs()).toEqual([
      { namespace: 0, index: 7 },
      { namespace: 0, index: 7 },
    ]);
    expect(c.equals(f.params)).toBe(true);
  });

  it('deduplicates user names in the parameters table', () => {
    const f = new Function();
    const r1 = f.declareImportedUserFunction(userExternalName(1, 5));
    const r2 = f.declareImportedUserFunction(userExternalName(1, 6));
    const r3 = f.declareImportedUserFunction(userExternalName(1, 5));
    expect([r1, r2, r3]).toEqual([0, 1, 0]);
    expect(f.params.userNamedFuncs()).toEqual([
      { namespace: 1, index: 5 },
      { namespace: 1, index: 6 },
    ]);
  });

  it('the parsed form of a printed function has an equal stencil and parameters', () => {
    const a = translate(UserFuncName.user(2, 9), 0x4444, 11);
    const p = parseFunction(printFunction(a));
    expect(stencilEquals(a.stencil, p.stencil)).toBe(true);
    expect(p.params.equals(a.params)).toBe(true);
    expect(UserFuncName.equals(p.name, a.name)).toBe(true);
  });

  it('the first location set is the base, even when it is not the smallest', () => {
    const f = new Function(UserFuncName.testcase('f'), Signature.of([], []));
    const b = new FunctionBuilder(f);
    const e = b.createBlock();
    b.switchToBlock(e);
    b.sealBlock(e);
    b.setSrcLoc(0x50);
    const n = b.ins().nop();
    b.setSrcLoc(0x40);
    const r = b.ins().return_();
    b.finalize();
    expect(f.params.baseSrcLoc).toBe(0x50);
    expect(f.stencil.relSrcLoc(n)).toBe(0);
    expect(f.stencil.relSrcLoc(r)).toBe(0xffff_fff0); // wrapping
    expect(f.srcLoc(r)).toBe(0x40);
  });
});

describe('iconst immediates', () => {
  it('read back every 64-bit pattern exactly (imm64 and its small-value fast paths)', () => {
    const values = [0n, 1n, -1n, 42n, 0x7fff_ffffn, -0x8000_0000n, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, -0x1_0000_0000n];
    values.push(-0x1_0000_0000n + 5n, -0xffff_ffffn, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 0x1234_5678_9abc_def0n);
    for (let k = 0; k < 64; k++) values.push(1n << BigInt(k), -(1n << BigInt(k)), (1n << BigInt(k)) - 1n);
    const func = new Function(UserFuncName.user(0, 0), new Signature(CallConv.Wasmtime, [], []));
    const b = new FunctionBuilder(func);
    const entry = b.createBlock();
    b.switchToBlock(entry);
    b.sealBlock(entry);
    for (const v of values) {
      const inst = func.dfg.valueInst(b.ins().iconst(I64, v));
      expect(func.dfg.imm64(inst), `${v}`).toBe(BigInt.asIntN(64, v));
      expect(func.dfg.immBits(inst), `${v}`).toBe(BigInt.asUintN(64, v));
    }
  });
});
