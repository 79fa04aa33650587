/**
 * x86-64 calls out of range (issue 7, item 3): x64 label uses reach ±2 GiB
 * and have no veneer, so a call beyond that must be a clear `CompileError`,
 * never a truncated displacement. Proven without 2 GiB of text: `JmpRel32`'s
 * own patch refuses a displacement past 32 bits, and `layoutText` — given the
 * real x64 ISA whose call label use is shrunk to 1 KiB of range, the same
 * kind in every other respect (no veneer) — reports the call it cannot reach.
 */
import { CompiledCodeStencil, type LabelUse, type TargetIsa, defaultSharedFlags } from '@derrick/codegen';
import { FunctionParameters, userExternalName } from '@derrick/codegen-ir';
import { JmpRel32, x64IsaBuilder } from '@derrick/codegen-x64';
import { CompileError } from '@derrick/environ';
import { describe, expect, it } from 'vitest';
import { type TextBody, type TextLayoutOptions, layoutText } from '../src/text-builder.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyIsa = TargetIsa<LabelUse<any>>;

const x64 = x64IsaBuilder('x86_64-unknown-linux-gnu').finish(defaultSharedFlags()) as unknown as AnyIsa;

/** The x64 ISA with every call label use limited to `range` bytes each way. */
function shrunk(range: number): AnyIsa {
  return Object.create(x64, {
    labelUseForReloc: {
      value: (reloc: Parameters<AnyIsa['labelUseForReloc']>[0], addend: number) => {
        const k = x64.labelUseForReloc(reloc, addend);
        return k && { ...k, maxPosRange: range, maxNegRange: range };
      },
    },
  }) as AnyIsa;
}

/** Defined function `defIndex`: `call rel32` to each of `callees`, then `ret`. */
function body(defIndex: number, callees: number[]): TextBody {
  const params = new FunctionParameters();
  const code: number[] = [];
  const relocs = callees.map((c) => {
    const ref = params.ensureUserFuncName(userExternalName(0, c));
    code.push(0xe8, 0, 0, 0, 0);
    return { offset: code.length - 4, kind: 'X86CallPCRel4' as const, target: { kind: 'user' as const, ref }, addend: -4 };
  });
  code.push(0xc3);
  return {
    key: { kind: 'wasm', defIndex },
    params,
    code: new CompiledCodeStencil({ code: new Uint8Array(code), relocs, traps: [], callSites: [], srclocs: [], frameSize: 0, alignment: 16 }),
  };
}

const opts = (padding: number): TextLayoutOptions => ({ paddingBetweenFunctions: padding, forceJumpVeneers: false, numImportedFuncs: 0, trapCode: (c) => c });
const rel32 = (text: Uint8Array, at: number) => new DataView(text.buffer, text.byteOffset).getInt32(at, true);

describe('x86-64 call range', () => {
  it('JmpRel32 refuses a displacement beyond ±2 GiB instead of truncating it', () => {
    const field = new Uint8Array(4);
    JmpRel32.patch(field, 0x1000, 0x1000 + JmpRel32.maxPosRange); // the last reachable byte forward
    expect(rel32(field, 0)).toBe(0x7fff_ffff - 4);
    field.fill(0);
    JmpRel32.patch(field, JmpRel32.maxNegRange, 0); // the last reachable byte backward
    expect(rel32(field, 0)).toBe(-0x8000_0000);
    expect(() => JmpRel32.patch(new Uint8Array(4), 0, 2 ** 31 + 4)).toThrow(RangeError);
    expect(() => JmpRel32.patch(new Uint8Array(4), 2 ** 31, 0)).toThrow(RangeError);
    expect(JmpRel32.supportsVeneer).toBe(false);
  });

  it('lays out calls across padding with the real x64 ISA: patched, no relocations', () => {
    const text = layoutText(x64, [body(0, [1]), body(1, [0])], opts(4096));
    expect(text.relocations).toEqual([]);
    const [a, b] = text.locations;
    expect(b!.offset - a!.offset).toBeGreaterThan(4096);
    expect(rel32(text.text, a!.offset + 1)).toBe(b!.offset - (a!.offset + 5)); // forward
    expect(rel32(text.text, b!.offset + 1)).toBe(a!.offset - (b!.offset + 5)); // backward
  });

  it('reports a forward call out of range as a CompileError naming the call', () => {
    const run = () => layoutText(shrunk(1024), [body(0, [1]), body(1, [])], opts(4096));
    expect(run).toThrow(CompileError);
    expect(run).toThrow(/call from defined function 0 to defined function 1 is out of range for JmpRel32 on x64/);
  });

  it('reports a backward call out of range as a CompileError naming the call', () => {
    const run = () => layoutText(shrunk(1024), [body(0, []), body(1, [0])], opts(4096));
    expect(run).toThrow(CompileError);
    expect(run).toThrow(/call from defined function 1 to defined function 0 is out of range for JmpRel32 on x64/);
  });

  it('the same shrunk ISA lays out calls within its range', () => {
    const text = layoutText(shrunk(1024), [body(0, [1]), body(1, [0])], opts(256));
    expect(text.relocations).toEqual([]);
    const [a, b] = text.locations;
    expect(rel32(text.text, a!.offset + 1)).toBe(b!.offset - (a!.offset + 5));
  });
});
