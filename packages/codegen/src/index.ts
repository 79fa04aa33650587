/**
 * @derrick/codegen — public API.
 *
 * Machine-independent backend machinery: shared settings, the `TargetIsa`
 * interface and `RuntimeAbi`, `Context.compile`, the lowering driver, VCode,
 * register allocation, the ABI framework (signature locations, frame
 * layout), the emission driver, `MachBuffer`, and `CompiledCode` in its
 * Stencil and Final forms. See README.md for the pipeline.
 */
export {
  MachBuffer,
  MachBufferError,
  UNKNOWN_LABEL_OFFSET,
  blockLabel,
  type CodeOffset,
  type FinalizedRelocTarget,
  type LabelUse,
  type MachBufferErrorKind,
  type MachBufferFinalized,
  type MachBufferOptions,
  type MachCallSite,
  type MachLabel,
  type MachReloc,
  type MachSrcLoc,
  type MachTrap,
  type RelSourceLocNumber,
  type Reloc,
  type RelocExternalName,
  type RelocTarget,
  type TrapCodeNumber,
} from './machbuffer.js';

export {
  SHARED_SETTINGS,
  Flags,
  SettingsBuilder,
  SettingsError,
  defaultSharedFlags,
  sharedSettingsBuilder,
  type OptLevel,
  type SettingDescriptor,
  type SettingGroup,
  type SettingKind,
  type SettingPreset,
  type SettingValue,
  type SettingsErrorKind,
  type SharedFlagValues,
  type SharedFlags,
} from './settings.js';
export { CodegenError, type CodegenErrorKind } from './codegen-error.js';
export { canonicalizeNans, CANONICAL_NAN_F32, CANONICAL_NAN_F64 } from './nan-canonicalization.js';
export {
  compileWithBackend,
  type EmitFrameInfo,
  type FrameLowerBackend,
  type MachineBackendParts,
  type PipelineOptions,
} from './pipeline.js';
export {
  CompiledCode,
  CompiledCodeStencil,
  type CodeCallSite,
  type CodeSrcLoc,
  type CodeTrap,
  type CompiledCodeData,
  type CompiledCodeStencilData,
  type FinalReloc,
  type FinalRelocName,
  type StencilReloc,
} from './compiled-code.js';
export {
  STENCIL_FORMAT_VERSION,
  StencilFormatError,
  deserializeCompiledCodeStencil,
  serializeCompiledCodeStencil,
} from './compiled-code-serialize.js';
export {
  AllocationRewriter,
  VCode,
  VCodeBuilder,
  type MachInstAdapter,
  type OperandVisitor,
} from './vcode.js';
export {
  Lower,
  computeBlockOrder,
  lowerFunction,
  type BlockOrder,
  type LowerBackend,
  type LoweredBlock,
} from './lower.js';
export {
  MachLowerBackend,
  type AbiLoadArea,
  type AbiPseudoInst,
  type AbiStoreArea,
  type MachLowerSpec,
} from './lower-backend.js';
export {
  MAX_FRAME_SIZE,
  computeFrameLayout,
  computeSigABIWith,
  stackSlotAlign,
  type ABIArg,
  type ABIArgLoc,
  type AbiMachineSpec,
  type FrameLayout,
  type FrameLayoutOptions,
  type FrameLayoutRequest,
  type SigABI,
} from './abi.js';
export { emitVCode, type EmitBackend } from './emit.js';
export {
  MachIsa,
  machIsaBuilder,
  type AnyLabelUse,
  type CompileOptions,
  type IsaBuilder,
  type MachIsaOptions,
  type RuntimeAbi,
  type TargetIsa,
  type TrampolineEmitters,
  type TrampolineSignature,
} from './isa.js';
export { Context, type ContextOptions } from './context.js';
export * from './regalloc/index.js';
export * from './opt/index.js';
