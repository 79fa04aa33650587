/**
 * Entity references: every IR object is named by a small non-negative
 * integer, as in Cranelift's `entities.rs`. They are plain numbers (no
 * wrapper objects on the hot path); the alias names below document intent.
 *
 * | entity | text | table |
 * |---|---|---|
 * | `Value` | `v12` | `DataFlowGraph` value arrays |
 * | `Inst` | `inst3` (diagnostics only) | `DataFlowGraph` instruction arrays |
 * | `Block` | `block2` | `DataFlowGraph` block arrays + `Layout` |
 * | `BlockCall` | `block2(v1, v3)` | `DataFlowGraph` block-call arrays |
 * | `StackSlot` | `ss0` | `FunctionStencil.stackSlots` |
 * | `SigRef` | `sig0` | `DataFlowGraph.signatures` |
 * | `FuncRef` | `fn0` | `DataFlowGraph.extFuncs` |
 * | `JumpTable` | `jt0` | `DataFlowGraph.jumpTables` |
 */

export type Value = number;
export type Inst = number;
export type Block = number;
/** A branch target together with its arguments; owned by one branch instruction or jump table. */
export type BlockCall = number;
export type StackSlot = number;
export type JumpTable = number;
export type { SigRef, FuncRef } from './signature.js';

/** "No entity" in typed-array slots. */
export const NO_ENTITY = -1;

export function valueName(v: Value): string {
  return `v${v}`;
}

export function blockName(b: Block): string {
  return `block${b}`;
}

export function instName(i: Inst): string {
  return `inst${i}`;
}
