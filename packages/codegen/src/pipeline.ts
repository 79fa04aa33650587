/**
 * The compile pipeline every machine backend shares, for one function:
 *
 *   lower (the backend's `LowerBackend`) → VCode → register allocation →
 *   frame layout (callee saves the allocator used, spill slots, explicit
 *   stack slots, outgoing-argument and return areas) → emission into the
 *   backend's `MachBuffer` → `CompiledCodeStencil`.
 *
 * A backend's `TargetIsa.compileFunction` supplies only what differs by
 * machine (`MachineBackendParts`): its lowering, register environment,
 * callee-saved candidates, buffer and emitter. Invariant: a relocation to a
 * label never survives emission (labels resolve inside the function); one
 * that does is a backend bug, reported as an error naming the backend.
 */
import type { FunctionStencil, StackSlotData } from '@derrick/codegen-ir';
import { computeFrameLayout, type FrameLayout, type SigABI } from './abi.js';
import { CodegenError } from './codegen-error.js';
import { CompiledCodeStencil, type StencilReloc } from './compiled-code.js';
import { emitVCode, type EmitBackend } from './emit.js';
import type { CompileOptions, RuntimeAbi } from './isa.js';
import { lowerFunction, type LowerBackend } from './lower.js';
import type { LabelUse, MachBuffer } from './machbuffer.js';
import { type MachineEnv, RegAllocError } from './regalloc/function.js';
import type { PReg } from './regalloc/operand.js';
import { allocateRegisters } from './regalloc/regalloc.js';
import { scratchScope } from './scratch.js';

/** What an emitter needs to know about the function's frame (both backends' `*FrameInfo`). */
export interface EmitFrameInfo {
  readonly frame: FrameLayout;
  readonly sigAbi: SigABI;
  readonly runtimeAbi?: RuntimeAbi;
  /** The prologue keeps the store context in a fixed frame slot (RuntimeAbi given and a vmctx parameter). */
  readonly hasStoreContextSlot: boolean;
  /** The function's explicit stack slots (zeroed by the prologue). */
  readonly stackSlots: readonly StackSlotData[];
}

/** A backend's lowering, with the frame facts it gathers while lowering. */
export interface FrameLowerBackend<I> extends LowerBackend<I> {
  readonly sigAbi: SigABI;
  /** Bytes of stack arguments of the largest call. */
  readonly maxOutgoingArgs: number;
  /** Bytes of the largest return area a call needs. */
  readonly maxRetArea: number;
}

/** The machine-specific parts of the pipeline. */
export interface MachineBackendParts<I, K extends LabelUse<K>> {
  /** For error messages: `x64`, `aarch64`. */
  readonly name: string;
  readonly functionAlignment: number;
  readonly machineEnv: MachineEnv;
  /** Callee-saved registers, in save order; the frame saves those the allocator used. */
  readonly calleeSaved: readonly PReg[];
  /** Bytes the prologue pushes before the fixed slots (return address + frame pointer). */
  readonly setupSize: number;
  readonly stackAlign: number;
  lower(stencil: FunctionStencil): FrameLowerBackend<I>;
  createBuffer(): MachBuffer<K>;
  createEmitter(info: EmitFrameInfo): EmitBackend<I, K>;
}

export interface PipelineOptions extends CompileOptions {
  /** Run the register allocator's input validation (slow; for tests). */
  readonly validateRegalloc?: boolean;
}

/** Compile one function through `parts` (see the module comment). Throws `CodegenError`. */
export function compileWithBackend<I, K extends LabelUse<K>>(
  stencil: FunctionStencil,
  parts: MachineBackendParts<I, K>,
  options: PipelineOptions = {},
): CompiledCodeStencil {
  // Lowering, VCode, allocation and the buffer's tables are per-function
  // scratch (ScratchDiesWithScope: the stencil copies out what it keeps).
  return scratchScope(() => compileInScope(stencil, parts, options));
}

function compileInScope<I, K extends LabelUse<K>>(
  stencil: FunctionStencil,
  parts: MachineBackendParts<I, K>,
  options: PipelineOptions,
): CompiledCodeStencil {
  const backend = parts.lower(stencil);
  const { vcode } = lowerFunction(stencil, backend);
  const disasm = options.wantDisasm ? vcode.print() : undefined;
  let ra;
  try {
    ra = allocateRegisters(vcode, parts.machineEnv, { validate: options.validateRegalloc ?? false });
  } catch (e) {
    if (e instanceof RegAllocError) throw new CodegenError('regalloc', e.message, e.inst);
    throw e;
  }
  const calleeSaves = parts.calleeSaved.filter((p) => ra.calleeSavedUsed.has(p));
  const runtimeAbi = options.runtimeAbi;
  const hasStoreContextSlot = runtimeAbi !== undefined && backend.sigAbi.vmctxIndex >= 0;
  const frame = computeFrameLayout(
    {
      fixedSlotsSize: hasStoreContextSlot ? 8 : 0,
      calleeSaves,
      spillSlots: ra.numSpillSlots,
      stackSlots: stencil.stackSlots,
      outgoingArgsSize: backend.maxOutgoingArgs,
      retAreaSize: backend.maxRetArea,
    },
    { setupSize: parts.setupSize, stackAlign: parts.stackAlign },
  );
  const buf = parts.createBuffer();
  const emitter = parts.createEmitter({
    frame,
    sigAbi: backend.sigAbi,
    hasStoreContextSlot,
    stackSlots: stencil.stackSlots,
    ...(runtimeAbi === undefined ? {} : { runtimeAbi }),
  });
  const codeAlign = emitVCode(vcode, ra, buf, emitter);
  const fin = buf.finish();
  const relocs: StencilReloc[] = fin.relocs.map((r) => {
    if (r.target.kind !== 'name') throw new Error(`${parts.name}: a relocation to a label survived emission`);
    return { offset: r.offset, kind: r.kind, target: r.target.name, addend: r.addend };
  });
  return new CompiledCodeStencil({
    code: fin.data,
    relocs,
    // (The finished buffer's lists already have the stencil's shapes.)
    traps: fin.traps,
    callSites: fin.callSites,
    srclocs: fin.srclocs,
    frameSize: frame.frameSize,
    alignment: Math.max(parts.functionAlignment, codeAlign),
    ...(disasm === undefined ? {} : { disasm }),
  });
}
