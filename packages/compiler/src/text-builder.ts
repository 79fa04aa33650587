/**
 * The module-wide text section: every compiled body appended to one
 * `MachBuffer`, with the calls between them resolved as pc-relative label
 * uses while the text is laid out (mission M2).
 *
 * Problem. A wasm function calls other functions of its own module directly.
 * Its compiled stencil holds those calls as relocations against user external
 * names (`u0:callee`); if they stayed relocations, every image would need a
 * loader that patches absolute addresses, and the calls would go through a
 * register. Approach (Wasmtime's `ModuleTextBuilder` over Cranelift's
 * `MachTextSectionBuilder`): each body gets a label in one module-wide
 * buffer; a relocation whose target is another body of the module becomes a
 * fixup of the ISA's label-use kind for that relocation (x86-64 `call rel32`
 * → `JmpRel32`, AArch64 `bl` → `Branch26`). The buffer patches the fixup when
 * the label is bound, or — when the target is out of range or not yet placed
 * and its deadline approaches — emits an island with a veneer that extends
 * the range. Fixups whose target is still unknown but not urgent are
 * re-queued, never forced.
 *
 * The one exception is a benchmark baseline, `linkopt_absolute_calls_baseline`
 * (`keepAbsoluteCalls`): the translator then declares callees non-colocated,
 * the backends emit `movabs r11, imm64; call r11` (x86-64) or
 * `ldr x16, =imm64; blr x16` (AArch64) with an `Abs8` relocation, and this
 * layout keeps those relocations for the loader instead of resolving them —
 * what the relative calls are measured against (`tools/bench/calls.mjs`).
 *
 * Invariants:
 * * (NoIntraModuleRelocs) every relocation of a body that names a defined
 *   function of the module is turned into a label use; `CompiledText.relocations`
 *   therefore never contains one — except, with `keepAbsoluteCalls`, an
 *   `Abs8`, which is kept there with the callee's `funcKeyName` as target
 *   (and without it an `Abs8` is a compile error, as it has no label use).
 *   A relocation naming anything else is a compile error (builtins are
 *   reached through the vmctx, so Derrick's own bodies never have one).
 * * (IslandBeforeBody) before a body of `n` bytes is appended, the buffer is
 *   asked whether `n` more bytes would pass the soonest fixup deadline; if so,
 *   an island is emitted first — the same contract as inside a function.
 * * (PaddingIsZeros) `linkopt_padding_between_functions` bytes of zeros follow
 *   every wasm function's body (`key.kind === 'wasm'`; trampolines get none);
 *   they are appended in chunks with the same island check, so padding never
 *   pushes a pending fixup out of range.
 * * (RangeIsACompileError) a call the ISA cannot reach — beyond the range of
 *   its label use, which has no veneer (x86-64 `JmpRel32`, ±2 GiB) — is a
 *   `CompileError` naming the caller, the callee, the kind and the ISA; it is
 *   never patched with a truncated displacement.
 */
import { type CompiledCodeStencil, type LabelUse, type MachBuffer, MachBufferError, type MachLabel, type TargetIsa } from '@derrick/codegen';
import { type FunctionParameters, expandRel } from '@derrick/codegen-ir';
import { CompileError, type CompiledText, type FuncKey, type TextTrap, funcKeyName } from '@derrick/environ';

/** One body to lay out. */
export interface TextBody {
  key: FuncKey;
  code: CompiledCodeStencil;
  /** The name table and base source location (wasm functions only). */
  params?: FunctionParameters;
}

export interface TextLayoutOptions {
  /** Zero bytes after every wasm function's body (a test-only link option). */
  paddingBetweenFunctions: number;
  /** Send every veneer-capable call through a veneer (a test-only link option). */
  forceJumpVeneers: boolean;
  /**
   * Keep `Abs8` calls between functions as relocations for the loader (the
   * `linkopt_absolute_calls_baseline` benchmark baseline). Default false.
   */
  keepAbsoluteCalls?: boolean;
  /** Number of imported functions: user name index `i` is defined function `i - numImportedFuncs`. */
  numImportedFuncs: number;
  /** Maps an IR trap code of a body to the runtime's trap code. */
  trapCode(irTrap: number): number;
}

const PADDING_CHUNK = 64 * 1024;
const NO_WASM_OFFSET = 0xffffffff;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyLabelUse = LabelUse<any>;

export function layoutText(isa: TargetIsa<AnyLabelUse>, bodies: readonly TextBody[], options: TextLayoutOptions): CompiledText {
  const buf: MachBuffer<AnyLabelUse> = isa.createBuffer();
  const labels: MachLabel[] = bodies.map(() => buf.getLabel());
  // Defined function index → position in `bodies`.
  const bodyOfDefIndex = new Map<number, number>();
  bodies.forEach((b, i) => {
    if (b.key.kind === 'wasm') bodyOfDefIndex.set(b.key.defIndex, i);
  });

  const locations: CompiledText['locations'] = [];
  const relocations: CompiledText['relocations'] = [];
  const traps: TextTrap[] = [];
  const addressMap: CompiledText['addressMap'] = [];
  const islandOpts = { forceVeneers: options.forceJumpVeneers };
  // Names the call at a code offset, for a range error: found from the
  // bodies' locations and relocations, so the layout loop records nothing.
  const describeUseAt = (offset: number | undefined): { what: string; kind: string } | undefined => {
    if (offset === undefined) return undefined;
    const i = locations.findIndex((l) => offset >= l.offset && offset < l.offset + l.length);
    const reloc = i < 0 ? undefined : bodies[i]!.code.relocs.find((r) => locations[i]!.offset + r.offset === offset);
    if (reloc === undefined) return undefined;
    const callee = calleeOf(bodies[i]!, reloc);
    const kind = isa.labelUseForReloc(reloc.kind, reloc.addend)?.name ?? reloc.kind;
    return { what: `call from ${describe(bodies[i]!.key)} to ${describe(bodies[callee]!.key)}`, kind };
  };
  const guarded = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      // Post-invariant (RangeIsACompileError).
      if (e instanceof MachBufferError && (e.kind === 'out-of-range' || e.kind === 'veneer-unsupported')) {
        const call = describeUseAt(e.offset);
        const what = call?.what ?? `a label use at code offset ${e.offset ?? '?'}`;
        throw new CompileError('codegen', `${what} is out of range for ${call?.kind ?? 'its label use'} on ${isa.name}: ${e.message}`);
      }
      throw e;
    }
  };
  /** The position in `bodies` of the defined function a body's relocation calls. */
  const calleeOf = (body: TextBody, reloc: CompiledCodeStencil['relocs'][number]): number => {
    const target = reloc.target;
    if (target.kind !== 'user' || body.params === undefined) {
      throw new CompileError('codegen', `${describe(body.key)}: relocation ${reloc.kind} at +${reloc.offset} against a non-module symbol cannot be resolved in the text section`);
    }
    const name = body.params.userNamedFunc(target.ref);
    const callee = name.namespace === 0 ? bodyOfDefIndex.get(name.index - options.numImportedFuncs) : undefined;
    if (callee === undefined) {
      throw new CompileError('codegen', `${describe(body.key)}: call to u${name.namespace}:${name.index}, which is not a defined function of this module`);
    }
    return callee;
  };

  let maxAlign = isa.functionAlignment;
  for (let i = 0; i < bodies.length; i++) {
    const body = bodies[i]!;
    const code = body.code;
    // Post-invariant (IslandBeforeBody).
    if (buf.islandNeeded(code.code.length + code.alignment)) guarded(() => buf.emitIsland(code.code.length + code.alignment, islandOpts));
    const align = Math.max(code.alignment, isa.functionAlignment);
    if (align > maxAlign) maxAlign = align;
    buf.alignTo(align, 0);
    const start = buf.curOffset();
    buf.bindLabel(labels[i]!);
    buf.putBytes(code.code);

    for (const reloc of code.relocs) {
      const callee = calleeOf(body, reloc);
      if (reloc.kind === 'Abs8' && options.keepAbsoluteCalls === true) {
        // Post-invariant (NoIntraModuleRelocs), the baseline's exception.
        relocations.push({ offset: start + reloc.offset, kind: 'Abs8', target: funcKeyName(bodies[callee]!.key), addend: reloc.addend });
        continue;
      }
      const kind = isa.labelUseForReloc(reloc.kind, reloc.addend);
      if (kind === undefined) {
        throw new CompileError('codegen', `${describe(body.key)}: relocation kind ${reloc.kind} (addend ${reloc.addend}) has no pc-relative label use on ${isa.name}`);
      }
      // Post-invariant (NoIntraModuleRelocs).
      buf.useLabelAtOffset(start + reloc.offset, labels[callee]!, kind);
    }

    for (const t of code.traps) traps.push({ offset: start + t.offset, code: options.trapCode(t.code) });
    if (body.params !== undefined) {
      const base = body.params.baseSrcLoc;
      // DEFAULT_SRCLOC (0xffffffff) is also the address map's "no wasm offset".
      for (const s of code.srclocs) addAddress(addressMap, start + s.start, expandRel(s.loc, base));
    }
    addAddress(addressMap, start + code.code.length, NO_WASM_OFFSET);
    locations.push({ key: body.key, offset: start, length: code.code.length });

    // Post-invariant (PaddingIsZeros).
    let pad = body.key.kind === 'wasm' ? options.paddingBetweenFunctions : 0;
    while (pad > 0) {
      const n = Math.min(pad, PADDING_CHUNK);
      if (buf.islandNeeded(n)) guarded(() => buf.emitIsland(n, islandOpts));
      buf.getAppendedSpace(n).fill(0);
      pad -= n;
    }
  }

  const finished = guarded(() => buf.finish(islandOpts));
  traps.sort((a, b) => a.offset - b.offset);
  return {
    text: finished.data,
    alignment: maxAlign,
    locations,
    traps,
    addressMap: normalizeAddressMap(addressMap),
    relocations,
  };
}

/**
 * Append an address-map entry; one written at the offset of the previous
 * entry replaces it (the last one written wins), so the sorted common case
 * needs no second pass.
 */
function addAddress(map: CompiledText['addressMap'], codeOffset: number, wasmOffset: number): void {
  const last = map[map.length - 1];
  if (last !== undefined && last.codeOffset === codeOffset) last.wasmOffset = wasmOffset;
  else map.push({ codeOffset, wasmOffset });
}

/**
 * Sorted by code offset, one entry per offset (the last one written wins).
 * Entries arrive almost sorted — bodies are laid out in order and each
 * body's source ranges in code order — and `addAddress` already merged
 * equal neighbours, so a sorted map is returned as it is.
 */
function normalizeAddressMap(map: CompiledText['addressMap']): CompiledText['addressMap'] {
  let sorted = true;
  for (let i = 1; i < map.length; i++) {
    if (map[i]!.codeOffset <= map[i - 1]!.codeOffset) {
      sorted = false;
      break;
    }
  }
  if (sorted) return map;
  // A stable sort keeps the write order among equal offsets.
  const input = [...map].sort((a, b) => a.codeOffset - b.codeOffset);
  const out: CompiledText['addressMap'] = [];
  for (const e of input) {
    const last = out[out.length - 1];
    if (last !== undefined && last.codeOffset === e.codeOffset) last.wasmOffset = e.wasmOffset;
    else out.push({ codeOffset: e.codeOffset, wasmOffset: e.wasmOffset });
  }
  return out;
}

function describe(key: FuncKey): string {
  switch (key.kind) {
    case 'wasm':
      return `defined function ${key.defIndex}`;
    case 'array-to-wasm':
      return `array-to-wasm trampoline for type ${key.typeIndex}`;
    case 'wasm-to-array':
      return `wasm-to-array trampoline for type ${key.typeIndex}`;
  }
}
