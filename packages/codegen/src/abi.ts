/**
 * The machine-independent half of the ABI: where a signature's arguments and
 * results live (`SigABI`, computed from the backend's register assignment by
 * `computeSigABIWith`), and the layout of a function's stack frame
 * (`computeFrameLayout`).
 *
 * # Signatures
 *
 * Both backends assign locations the same way, differing only in registers
 * (`AbiMachineSpec`): results first, each integer (i8–i64) in the next
 * integer result register and each float (f32, f64) in the next float one;
 * when a class runs out, the result goes to the return area (8-byte slots in
 * result order), which the caller provides and passes as a hidden last
 * parameter. Then the parameters in order, likewise from the argument
 * registers; when a class runs out, the parameter goes to the stack (8 bytes
 * each, in parameter order). The hidden pointer is a fixed register where
 * the machine has one, else placed like the next integer parameter. Both the
 * stack-argument area and the return area are rounded up to 16 bytes.
 *
 * # Frames
 *
 * Every function keeps a frame pointer. From the caller's stack pointer
 * downwards a frame holds:
 *
 * ```text
 *   caller's outgoing stack args      (read at FP + setupSize + offset)
 *   ─── caller SP at the call ────────
 *   return address                    ┐ setupSize (x64: 16)
 *   saved frame pointer   ◄── FP      ┘
 *   fixed slots (fixedSlotsSize)        e.g. the store-context pointer the trap stubs read
 *   callee-saved registers            (pushed in `calleeSaves` order)
 *   ┌ padding to 16 ────────────────┐ ┐
 *   │ spill area (16-aligned)        │ │
 *   │ explicit stack slots           │ │ stackSize: allocated by one SP adjustment
 *   │ return area for callees        │ │
 *   │ outgoing stack args  ◄── SP    │ ┘
 * ```
 *
 * Everything below the callee saves is addressed from SP, which does not
 * move inside the body (outgoing arguments are stored, not pushed), so the
 * offsets are known as soon as the register allocator has reported the spill
 * area size.
 *
 * Invariant (FrameAligned): `fixedSlotsSize + 8·|calleeSaves| + stackSize`
 * is a multiple of the stack alignment, so SP is aligned at every call when
 * it was aligned (minus `setupSize`) at entry.
 */
import {
  type ArgumentExtension,
  type ArgumentPurpose,
  type CallConv,
  I64,
  type Signature,
  type StackSlotData,
  type Type,
  callConvName,
  isFloat,
  isInt,
  typeName,
} from '@derrick/codegen-ir';
import { CodegenError } from './codegen-error.js';
import type { PReg } from './regalloc/index.js';

/** Where one argument or result lives at the call boundary. */
export type ABIArgLoc =
  /** In a register. */
  | { readonly kind: 'reg'; readonly preg: PReg }
  /**
   * On the stack. For arguments: `offset` from the caller's SP at the call
   * (the callee reads it at FP + setupSize + offset). For results: `offset`
   * inside the return area.
   */
  | { readonly kind: 'stack'; readonly offset: number };

export interface ABIArg {
  readonly type: Type;
  readonly loc: ABIArgLoc;
  readonly extension: ArgumentExtension;
  readonly purpose: ArgumentPurpose;
}

/** A signature under one calling convention: every value's location. */
export interface SigABI {
  /** One per IR parameter, then the hidden return-area pointer (if any). */
  readonly params: readonly ABIArg[];
  /** One per IR result. */
  readonly rets: readonly ABIArg[];
  /** Bytes of stack arguments (a multiple of the stack alignment). */
  readonly stackArgSize: number;
  /** Bytes of the return area the caller provides (0 when every result is in a register). */
  readonly retAreaSize: number;
  /** Index in `params` of the hidden return-area pointer, or -1. */
  readonly retAreaPtrIndex: number;
  /** Index in `params` of the first `vmctx` parameter, or -1. */
  readonly vmctxIndex: number;
}

/** A machine's register assignment for signatures (see the module comment). */
export interface AbiMachineSpec {
  /** For error messages: `x64`, `aarch64`. */
  readonly isaName: string;
  /** The calling conventions that use this assignment; any other is `unsupported`. */
  readonly callConvs: ReadonlySet<CallConv>;
  /** Argument and result registers of each class, in assignment order. */
  readonly intArgRegs: readonly PReg[];
  readonly floatArgRegs: readonly PReg[];
  readonly intRetRegs: readonly PReg[];
  readonly floatRetRegs: readonly PReg[];
  /** The register of the hidden return-area pointer, or -1: placed like the next integer parameter. */
  readonly retAreaPtrReg: PReg;
}

/** The locations of `sig`'s parameters and results under `spec` (see the module comment). */
export function computeSigABIWith(sig: Signature, spec: AbiMachineSpec): SigABI {
  if (!spec.callConvs.has(sig.callConv)) {
    throw new CodegenError('unsupported', `the ${spec.isaName} backend does not support the ${callConvName(sig.callConv)} calling convention`);
  }
  const classOf = (t: Type): 'int' | 'float' => {
    if (isInt(t)) return 'int';
    if (isFloat(t)) return 'float';
    throw new CodegenError('unsupported', `values of type ${typeName(t)} cannot be passed or returned yet`);
  };

  // Results first: they decide whether a return area (and its pointer) exists.
  const rets: ABIArg[] = [];
  let ni = 0;
  let nf = 0;
  let retArea = 0;
  for (const r of sig.returns) {
    const c = classOf(r.type);
    let loc: ABIArgLoc;
    if (c === 'int' && ni < spec.intRetRegs.length) loc = { kind: 'reg', preg: spec.intRetRegs[ni++]! };
    else if (c === 'float' && nf < spec.floatRetRegs.length) loc = { kind: 'reg', preg: spec.floatRetRegs[nf++]! };
    else {
      loc = { kind: 'stack', offset: retArea };
      retArea += 8;
    }
    rets.push({ type: r.type, loc, extension: r.extension, purpose: r.purpose });
  }

  const params: ABIArg[] = [];
  ni = 0;
  nf = 0;
  let stack = 0;
  const place = (type: Type): ABIArgLoc => {
    const c = classOf(type);
    if (c === 'int' && ni < spec.intArgRegs.length) return { kind: 'reg', preg: spec.intArgRegs[ni++]! };
    if (c === 'float' && nf < spec.floatArgRegs.length) return { kind: 'reg', preg: spec.floatArgRegs[nf++]! };
    const loc = { kind: 'stack' as const, offset: stack };
    stack += 8;
    return loc;
  };
  for (const p of sig.params) params.push({ type: p.type, loc: place(p.type), extension: p.extension, purpose: p.purpose });
  let retAreaPtrIndex = -1;
  if (retArea > 0) {
    retAreaPtrIndex = params.length;
    const loc: ABIArgLoc = spec.retAreaPtrReg >= 0 ? { kind: 'reg', preg: spec.retAreaPtrReg } : place(I64);
    params.push({ type: I64, loc, extension: 'none', purpose: 'sret' });
  }
  return {
    params,
    rets,
    stackArgSize: (stack + 15) & ~15,
    retAreaSize: (retArea + 15) & ~15,
    retAreaPtrIndex,
    vmctxIndex: sig.params.findIndex((p) => p.purpose === 'vmctx'),
  };
}

export interface FrameLayoutRequest {
  /** Bytes of fixed slots right below the saved frame pointer (a multiple of 8). */
  readonly fixedSlotsSize: number;
  /** Callee-saved registers the function writes, in push order. */
  readonly calleeSaves: readonly PReg[];
  /** Spill area in 8-byte units (`RegAllocOutput.numSpillSlots`). */
  readonly spillSlots: number;
  readonly stackSlots: readonly StackSlotData[];
  /** Largest outgoing stack-argument area of any call. */
  readonly outgoingArgsSize: number;
  /** Largest return area of any call. */
  readonly retAreaSize: number;
}

export interface FrameLayout {
  readonly fixedSlotsSize: number;
  readonly calleeSaves: readonly PReg[];
  /** Bytes of the SP adjustment below the callee saves. */
  readonly stackSize: number;
  readonly outgoingArgsOffset: number;
  readonly retAreaOffset: number;
  /** SP offset of each explicit stack slot. */
  readonly stackSlotOffsets: readonly number[];
  /** SP offset of the spill area (16-aligned). */
  readonly spillAreaOffset: number;
  /** Bytes between the caller's SP at the call and our SP after the prologue. */
  readonly frameSize: number;
}

export interface FrameLayoutOptions {
  /** Return address + saved frame pointer (x64: 16). */
  readonly setupSize: number;
  readonly stackAlign: number;
}

/** Largest frame accepted (anything larger is an implementation limit). */
export const MAX_FRAME_SIZE = 0x1000_0000;

function alignUp(n: number, a: number): number {
  return (n + a - 1) & -a;
}

/** The alignment of an explicit stack slot: its own, or natural for its size (capped at 16). */
export function stackSlotAlign(s: StackSlotData): number {
  if (s.alignShift > 0) return 1 << s.alignShift;
  let a = 1;
  while (a < s.size && a < 16) a *= 2;
  return Math.max(a, 8);
}

export function computeFrameLayout(req: FrameLayoutRequest, opts: FrameLayoutOptions): FrameLayout {
  const align = opts.stackAlign;
  let off = alignUp(req.outgoingArgsSize, 8);
  const outgoingArgsOffset = 0;
  const retAreaOffset = off;
  off = alignUp(off + req.retAreaSize, 8);
  const stackSlotOffsets: number[] = [];
  for (const s of req.stackSlots) {
    const a = stackSlotAlign(s);
    if (a > align) throw new CodegenError('implementation-limit', `stack slot alignment ${a} exceeds the stack alignment ${align}`);
    off = alignUp(off, a);
    stackSlotOffsets.push(off);
    off += s.size;
  }
  off = alignUp(off, 16);
  const spillAreaOffset = off;
  off += req.spillSlots * 8;
  const above = req.fixedSlotsSize + 8 * req.calleeSaves.length;
  // (FrameAligned): pad so that above + stackSize ≡ 0 (mod align).
  const stackSize = alignUp(off + above, align) - above;
  const frameSize = opts.setupSize + above + stackSize;
  if (frameSize > MAX_FRAME_SIZE) throw new CodegenError('implementation-limit', `stack frame of ${frameSize} bytes is too large`);
  return {
    fixedSlotsSize: req.fixedSlotsSize,
    calleeSaves: req.calleeSaves,
    stackSize,
    outgoingArgsOffset,
    retAreaOffset,
    stackSlotOffsets,
    spillAreaOffset,
    frameSize,
  };
}
