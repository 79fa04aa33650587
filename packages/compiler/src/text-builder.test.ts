/**
 * `layoutText`'s link options on the real x64 ISA: padding follows wasm
 * functions only (PaddingIsZeros), and `keepAbsoluteCalls` — the
 * `linkopt_absolute_calls_baseline` benchmark baseline — keeps `Abs8` calls
 * as relocations for the loader (NoIntraModuleRelocs' exception).
 */
import { CompiledCodeStencil, type LabelUse, type TargetIsa, defaultSharedFlags } from '@derrick/codegen';
import { FunctionParameters, userExternalName } from '@derrick/codegen-ir';
import { x64IsaBuilder } from '@derrick/codegen-x64';
import { CompileError, type FuncKey } from '@derrick/environ';
import { describe, expect, it } from 'vitest';
import { type TextBody, type TextLayoutOptions, layoutText } from './text-builder.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const x64 = x64IsaBuilder('x86_64-unknown-linux-gnu').finish(defaultSharedFlags()) as unknown as TargetIsa<LabelUse<any>>;

const stencil = (code: number[], relocs: CompiledCodeStencil['relocs'] = []) =>
  new CompiledCodeStencil({ code: new Uint8Array(code), relocs: [...relocs], traps: [], callSites: [], srclocs: [], frameSize: 0, alignment: 16 });

/** A body of `size` bytes of `int3` ending in `ret`, with no calls. */
function leaf(key: FuncKey, size = 16): TextBody {
  const code = [...Array<number>(size - 1).fill(0xcc), 0xc3];
  return key.kind === 'wasm' ? { key, params: new FunctionParameters(), code: stencil(code) } : { key, code: stencil(code) };
}

/** Defined function `defIndex`: `movabs r11, <callee> (Abs8); call r11; ret` for each callee. */
function absCaller(defIndex: number, callees: number[]): TextBody {
  const params = new FunctionParameters();
  const code: number[] = [];
  const relocs = callees.map((c) => {
    const ref = params.ensureUserFuncName(userExternalName(0, c));
    code.push(0x49, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0xff, 0xd3);
    return { offset: code.length - 11, kind: 'Abs8' as const, target: { kind: 'user' as const, ref }, addend: 0 };
  });
  code.push(0xc3);
  return { key: { kind: 'wasm', defIndex }, params, code: stencil(code, relocs) };
}

const opts = (o: Partial<TextLayoutOptions> = {}): TextLayoutOptions => ({
  paddingBetweenFunctions: 0,
  forceJumpVeneers: false,
  numImportedFuncs: 0,
  trapCode: (c) => c,
  ...o,
});

describe('layoutText: padding between functions', () => {
  it('pads after every wasm function, never after a trampoline', () => {
    const pad = 4096;
    const bodies = [
      leaf({ kind: 'wasm', defIndex: 0 }),
      leaf({ kind: 'wasm', defIndex: 1 }),
      leaf({ kind: 'array-to-wasm', typeIndex: 0 }),
      leaf({ kind: 'wasm-to-array', typeIndex: 0 }),
    ];
    const text = layoutText(x64, bodies, opts({ paddingBetweenFunctions: pad }));
    const [f0, f1, a2w, w2a] = text.locations;
    // After each wasm function: its body, then `pad` zeros, then alignment.
    expect(f1!.offset - (f0!.offset + f0!.length)).toBeGreaterThanOrEqual(pad);
    expect(a2w!.offset - (f1!.offset + f1!.length)).toBeGreaterThanOrEqual(pad);
    expect(text.text.subarray(f0!.offset + f0!.length, f0!.offset + f0!.length + pad).every((b) => b === 0)).toBe(true);
    // After a trampoline: alignment only.
    expect(w2a!.offset - (a2w!.offset + a2w!.length)).toBeLessThan(x64.functionAlignment + 16);
    expect(text.text.length - (w2a!.offset + w2a!.length)).toBeLessThan(pad);
  });

  it('without padding, the same bodies are packed at the function alignment', () => {
    const text = layoutText(x64, [leaf({ kind: 'wasm', defIndex: 0 }), leaf({ kind: 'array-to-wasm', typeIndex: 0 })], opts());
    expect(text.locations.map((l) => l.offset)).toEqual([0, 16]);
  });
});

describe('layoutText: absolute calls (linkopt_absolute_calls_baseline)', () => {
  it('keeps Abs8 calls as relocations against the callee, leaving the field zero', () => {
    const bodies = [absCaller(0, [1, 0]), absCaller(1, [0]), leaf({ kind: 'array-to-wasm', typeIndex: 0 })];
    const text = layoutText(x64, bodies, opts({ keepAbsoluteCalls: true }));
    const [f0, f1] = text.locations;
    expect(text.relocations).toEqual([
      { offset: f0!.offset + 2, kind: 'Abs8', target: 'wasm[1]', addend: 0 },
      { offset: f0!.offset + 15, kind: 'Abs8', target: 'wasm[0]', addend: 0 },
      { offset: f1!.offset + 2, kind: 'Abs8', target: 'wasm[0]', addend: 0 },
    ]);
    for (const r of text.relocations) expect(text.text.subarray(r.offset, r.offset + 8).every((b) => b === 0)).toBe(true);
  });

  it('without the option an Abs8 call is a CompileError, as before', () => {
    const run = () => layoutText(x64, [absCaller(0, [0])], opts());
    expect(run).toThrow(CompileError);
    expect(run).toThrow(/relocation kind Abs8 \(addend 0\) has no pc-relative label use on x64/);
  });

  it('relative calls are still resolved with the option on', () => {
    const params = new FunctionParameters();
    const ref = params.ensureUserFuncName(userExternalName(0, 0));
    const rel: TextBody = {
      key: { kind: 'wasm', defIndex: 0 },
      params,
      code: stencil([0xe8, 0, 0, 0, 0, 0xc3], [{ offset: 1, kind: 'X86CallPCRel4', target: { kind: 'user', ref }, addend: -4 }]),
    };
    const text = layoutText(x64, [rel], opts({ keepAbsoluteCalls: true }));
    expect(text.relocations).toEqual([]);
    expect(new DataView(text.text.buffer, text.text.byteOffset).getInt32(1, true)).toBe(-5);
  });
});
