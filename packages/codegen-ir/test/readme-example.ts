import {
  CallConv,
  ExternalName,
  Function,
  FunctionBuilder,
  I32,
  I64,
  Interpreter,
  IntCC,
  MemFlags,
  Signature,
  TrapCode,
  UserFuncName,
  abiParam,
  printFunction,
  userExternalName,
  verifyFunction,
  vmctxParam,
} from '@derrick/codegen-ir';

// fn(vmctx, n) -> i32: loads a global from vmctx+8, loops n times adding it,
// then calls wasm function 7 (a callee) with the sum.
const sig = new Signature(CallConv.Wasmtime, [vmctxParam(I64), abiParam(I32)], [abiParam(I32)]);
const func = new Function(UserFuncName.user(0, 3), sig);
const b = new FunctionBuilder(func);

// Callees are declared by their embedder name; the stencil only keeps a ref.
const calleeSig = b.importSignature(sig.clone());
const calleeRef = b.declareImportedUserFunction(userExternalName(0, 7));
const callee = b.importFunction({ name: ExternalName.user(calleeRef), signature: calleeSig, colocated: true });

const entry = b.createBlock();
const header = b.createBlock();
const body = b.createBlock();
const exit = b.createBlock();
const [vmctx, n] = b.appendBlockParamsForFunctionParams(entry) as [number, number];
const i = b.declareVar(I32);
const acc = b.declareVar(I32);

b.switchToBlock(entry);
b.sealBlock(entry);
b.setSrcLoc(0x2a); // the function body's offset in the wasm binary
const g = b.ins().load(I32, MemFlags.trusted(), vmctx, 8);
b.defVar(i, n);
b.defVar(acc, b.ins().iconst(I32, 0));
b.ins().jump(header);

b.switchToBlock(header); // sealed later: the back edge is not emitted yet
b.setSrcLoc(0x30);
const done = b.ins().icmpImm(IntCC.Equal, b.useVar(i), 0);
b.ins().brif(done, exit, [], body, []);

b.switchToBlock(body);
b.sealBlock(body);
b.defVar(acc, b.ins().iadd(b.useVar(acc), g));
b.defVar(i, b.ins().iaddImm(b.useVar(i), -1));
b.ins().jump(header);
b.sealBlock(header);

b.switchToBlock(exit);
b.sealBlock(exit);
b.setSrcLoc(0x38);
const sum = b.ins().uaddOverflowTrap(b.useVar(acc), b.ins().iconst(I32, 1), TrapCode.INTEGER_OVERFLOW);
const call = b.ins().call(callee, [vmctx, sum]);
b.ins().return_(b.instResults(call));
b.finalize();

if (verifyFunction(func).length > 0) throw new Error('does not verify');
export const text = printFunction(func);

// Run it: a vmctx region with the global, and a host function standing in for u0:7.
const interp = new Interpreter([func]);
const vm = interp.memory.allocate(16);
new DataView(interp.memory.regionBytes(vm).buffer).setInt32(8, 5, true);
interp.defineHostFunction('u0:7', (args) => [args[1]! * 10n]);
export const result = interp.call('u0:3', [BigInt(vm), 4n]); // { values: [210n] }
