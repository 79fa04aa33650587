/**
 * @derrick/codegen — public API.
 *
 * Machine-independent backend machinery. So far: `MachBuffer` (labels,
 * fixups, `LabelUse`, islands, veneers, deadlines, constant pool, branch
 * simplification, trap/call-site/relocation/source-location records).
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
