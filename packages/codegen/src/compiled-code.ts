/**
 * `CompiledCode` in its two forms (mission M5, Cranelift's
 * `CompiledCodeBase<Stencil|Final>`).
 *
 * * `CompiledCodeStencil` is what compiling a `FunctionStencil` produces and
 *   what the incremental cache stores: machine code bytes and metadata that
 *   depend only on the stencil. Relocations name their targets as the
 *   stencil does — `ExternalName.user(ref)` with a `UserExternalNameRef`,
 *   never a resolved `{namespace, index}` — and source locations are
 *   relative to the (unknown) base.
 * * `CompiledCode` (Final) = `stencil.apply(params)`: the user names are
 *   looked up in the function's `FunctionParameters` and source locations are
 *   made absolute with its base. Nothing else changes, so a cached stencil
 *   applied to new parameters is exactly what a fresh compile would give.
 *
 * Invariant (StencilOnlyRefs): no field of a stencil holds a resolved user
 * name or an absolute source location.
 */
import {
  type ExternalName,
  type FunctionParameters,
  type LibCall,
  type RelSourceLoc,
  type SourceLoc,
  type TrapCode,
  expandRel,
} from '@derrick/codegen-ir';
import type { Reloc } from './machbuffer.js';

/** A relocation in a stencil: patch `offset` (function-relative) to refer to `target + addend`. */
export interface StencilReloc {
  readonly offset: number;
  readonly kind: Reloc;
  readonly target: ExternalName;
  readonly addend: number;
}

/** A resolved relocation target. */
export type FinalRelocName =
  | { readonly kind: 'user'; readonly namespace: number; readonly index: number }
  | { readonly kind: 'libcall'; readonly libcall: LibCall }
  | { readonly kind: 'testcase'; readonly name: string };

export interface FinalReloc {
  readonly offset: number;
  readonly kind: Reloc;
  readonly target: FinalRelocName;
  readonly addend: number;
}

/** A trap site: the instruction at `offset` traps with IR trap code `code`. */
export interface CodeTrap {
  readonly offset: number;
  readonly code: TrapCode;
}

/** Machine code `[start, end)` came from the IR instruction at `loc`. */
export interface CodeSrcLoc<L extends number = number> {
  readonly start: number;
  readonly end: number;
  readonly loc: L;
}

export interface CodeCallSite {
  /** Offset of the return address (just after the call). */
  readonly retAddr: number;
}

/** What both forms share. */
interface CompiledCodeFields {
  /** The machine code. */
  readonly code: Uint8Array;
  readonly traps: readonly CodeTrap[];
  readonly callSites: readonly CodeCallSite[];
  /**
   * Bytes of stack the function uses below its caller's stack pointer,
   * return address included (what the prologue's stack check compares).
   */
  readonly frameSize: number;
  /** Required alignment of the code's start, in bytes. */
  readonly alignment: number;
  /** Optional disassembly of the VCode (for `derrick explore`, tests). */
  readonly disasm?: string;
}

export interface CompiledCodeStencilData extends CompiledCodeFields {
  readonly relocs: readonly StencilReloc[];
  readonly srclocs: readonly CodeSrcLoc<RelSourceLoc>[];
}

export class CompiledCodeStencil implements CompiledCodeStencilData {
  readonly code: Uint8Array;
  readonly relocs: readonly StencilReloc[];
  readonly traps: readonly CodeTrap[];
  readonly callSites: readonly CodeCallSite[];
  readonly srclocs: readonly CodeSrcLoc<RelSourceLoc>[];
  readonly frameSize: number;
  readonly alignment: number;
  readonly disasm?: string;

  constructor(data: CompiledCodeStencilData) {
    this.code = data.code;
    this.relocs = data.relocs;
    this.traps = data.traps;
    this.callSites = data.callSites;
    this.srclocs = data.srclocs;
    this.frameSize = data.frameSize;
    this.alignment = data.alignment;
    if (data.disasm !== undefined) this.disasm = data.disasm;
  }

  /**
   * The final form: user names resolved through `params`, source locations
   * made absolute with `params.baseSrcLoc`. The stencil is not modified.
   */
  apply(params: FunctionParameters): CompiledCode {
    const relocs = this.relocs.map((r): FinalReloc => ({ offset: r.offset, kind: r.kind, target: resolveName(r.target, params), addend: r.addend }));
    const base = params.baseSrcLoc;
    const srclocs = this.srclocs.map((s): CodeSrcLoc<SourceLoc> => ({ start: s.start, end: s.end, loc: expandRel(s.loc, base) }));
    return new CompiledCode({
      code: this.code,
      relocs,
      traps: this.traps,
      callSites: this.callSites,
      srclocs,
      frameSize: this.frameSize,
      alignment: this.alignment,
      ...(this.disasm === undefined ? {} : { disasm: this.disasm }),
    });
  }
}

function resolveName(n: ExternalName, params: FunctionParameters): FinalRelocName {
  switch (n.kind) {
    case 'user': {
      const u = params.userNamedFunc(n.ref);
      return { kind: 'user', namespace: u.namespace, index: u.index };
    }
    case 'libcall':
      return { kind: 'libcall', libcall: n.libcall };
    case 'testcase':
      return { kind: 'testcase', name: n.name };
  }
}

export interface CompiledCodeData extends CompiledCodeFields {
  readonly relocs: readonly FinalReloc[];
  readonly srclocs: readonly CodeSrcLoc<SourceLoc>[];
}

/** The final form of compiled code (`CompiledCodeStencil.apply`). */
export class CompiledCode implements CompiledCodeData {
  readonly code: Uint8Array;
  readonly relocs: readonly FinalReloc[];
  readonly traps: readonly CodeTrap[];
  readonly callSites: readonly CodeCallSite[];
  readonly srclocs: readonly CodeSrcLoc<SourceLoc>[];
  readonly frameSize: number;
  readonly alignment: number;
  readonly disasm?: string;

  constructor(data: CompiledCodeData) {
    this.code = data.code;
    this.relocs = data.relocs;
    this.traps = data.traps;
    this.callSites = data.callSites;
    this.srclocs = data.srclocs;
    this.frameSize = data.frameSize;
    this.alignment = data.alignment;
    if (data.disasm !== undefined) this.disasm = data.disasm;
  }
}
