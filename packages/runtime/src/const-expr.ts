/**
 * Constant expressions (global initializers, segment offsets, element items),
 * evaluated at instantiation straight into raw 16-byte `ValRaw` slots — the
 * representation globals and tables hold — so a `ref.func` is exactly the
 * address compiled code's `ref.func` would produce (the instance's own
 * `VMFuncRef` for that function) and a `global.get` copies the slot bit for
 * bit (NaN payloads included).
 */
import { type ConstExpr, Opcode } from '@derrick/environ';
import { RuntimeError } from './errors.js';

export interface ConstEnv {
  /** The raw 16-byte value of global `index`. */
  globalRaw(index: number): Uint8Array;
  /** The raw funcref of function `index` in this instance. */
  funcRef(index: number): bigint;
}

/** Evaluate `expr` into a fresh 16-byte slot. */
export function evalConstExpr(expr: ConstExpr, env: ConstEnv): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  if (expr.instrs.length !== 1) {
    throw new RuntimeError('internal', `constant expression with ${expr.instrs.length} instructions (wasm 2.0 allows exactly one)`);
  }
  const instr = expr.instrs[0]!;
  switch (instr.op) {
    case Opcode.I32Const:
      view.setInt32(0, instr.value, true);
      break;
    case Opcode.I64Const:
      view.setBigInt64(0, BigInt.asIntN(64, instr.value), true);
      break;
    case Opcode.F32Const:
      view.setUint32(0, instr.bits >>> 0, true);
      break;
    case Opcode.F64Const:
      view.setBigUint64(0, BigInt.asUintN(64, instr.bits), true);
      break;
    case Opcode.V128Const:
      out.set(instr.bytes.subarray(0, 16));
      break;
    case Opcode.RefNull:
      break;
    case Opcode.RefFunc:
      view.setBigUint64(0, env.funcRef(instr.funcIndex), true);
      break;
    case Opcode.GlobalGet:
      out.set(env.globalRaw(instr.globalIndex));
      break;
  }
  return out;
}

/** The u32 value of an evaluated offset expression. */
export function rawU32(raw: Uint8Array): number {
  return new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, true);
}

/** The u64 value of an evaluated reference expression. */
export function rawU64(raw: Uint8Array): bigint {
  return new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0, true);
}
