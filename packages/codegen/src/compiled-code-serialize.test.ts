import { ExternalName, FunctionParameters, LibCall } from '@derrick/codegen-ir';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompiledCodeStencil, type CompiledCodeStencilData } from './compiled-code.js';
import {
  STENCIL_FORMAT_VERSION,
  StencilFormatError,
  deserializeCompiledCodeStencil,
  serializeCompiledCodeStencil,
} from './compiled-code-serialize.js';
import type { Reloc } from './machbuffer.js';

const RELOCS: Reloc[] = ['Abs4', 'Abs8', 'X86PCRel4', 'X86CallPCRel4', 'X86CallPLTRel4', 'X86GOTPCRel4', 'Arm64Call'];

const nameArb: fc.Arbitrary<ExternalName> = fc.oneof(
  fc.nat({ max: 0xffffffff }).map((r) => ExternalName.user(r)),
  fc.integer({ min: 0, max: 12 }).map((l) => ExternalName.libcall(l as LibCall)),
  fc.string({ unit: 'binary', maxLength: 12 }).map((n) => ExternalName.testcase(n)),
  // Lone surrogates must survive (a UTF-8 encoding would not keep them).
  fc.constantFrom('\uD800', '\uDBFF', 'a\uDC00b').map((n) => ExternalName.testcase(n)),
);

const u32 = fc.nat({ max: 0xffffffff });
const stencilArb: fc.Arbitrary<CompiledCodeStencil> = fc
  .record({
    code: fc.uint8Array({ maxLength: 300 }),
    relocs: fc.array(
      fc.record({ offset: u32, kind: fc.constantFrom(...RELOCS), target: nameArb, addend: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) }),
      { maxLength: 8 },
    ),
    traps: fc.array(fc.record({ offset: u32, code: fc.nat({ max: 255 }) }), { maxLength: 8 }),
    callSites: fc.array(fc.record({ retAddr: u32 }), { maxLength: 8 }),
    srclocs: fc.array(fc.record({ start: u32, end: u32, loc: u32 }), { maxLength: 8 }),
    frameSize: u32,
    alignment: fc.constantFrom(1, 4, 16, 64),
    disasm: fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: undefined }),
  })
  .map((d) => {
    const { disasm, ...rest } = d;
    const data: CompiledCodeStencilData = disasm === undefined ? rest : { ...rest, disasm };
    return new CompiledCodeStencil(data);
  });

describe('CompiledCodeStencil serialization', () => {
  it('round-trips every field exactly and deterministically (StencilRoundTrip, StencilBytesDeterministic)', () => {
    fc.assert(
      fc.property(stencilArb, (s) => {
        const bytes = serializeCompiledCodeStencil(s);
        const back = deserializeCompiledCodeStencil(bytes);
        expect(back).toEqual(s);
        expect(serializeCompiledCodeStencil(back)).toEqual(bytes);
      }),
      { numRuns: 300, seed: 0x5eed },
    );
  });

  it('keeps user names as refs: applying new parameters to a reloaded stencil resolves through them', () => {
    const s = new CompiledCodeStencil({
      code: new Uint8Array([0xe8, 0, 0, 0, 0, 0xc3]),
      relocs: [
        { offset: 1, kind: 'X86CallPCRel4', target: ExternalName.user(0), addend: -4 },
        { offset: 1, kind: 'Abs8', target: ExternalName.libcall(LibCall.Memcpy), addend: 0 },
        { offset: 1, kind: 'Abs8', target: ExternalName.testcase('t'), addend: 0 },
      ],
      traps: [{ offset: 0, code: 3 }],
      callSites: [{ retAddr: 5 }],
      srclocs: [{ start: 0, end: 5, loc: 2 }],
      frameSize: 16,
      alignment: 16,
    });
    const back = deserializeCompiledCodeStencil(serializeCompiledCodeStencil(s));
    const params = new FunctionParameters();
    params.ensureUserFuncName({ namespace: 0, index: 42 });
    expect(back.apply(params)).toEqual(s.apply(params));
    expect(back.apply(params).relocs[0]!.target).toEqual({ kind: 'user', namespace: 0, index: 42 });
  });

  it('rejects a bad magic, another version, truncation and trailing bytes', () => {
    const s = new CompiledCodeStencil({ code: new Uint8Array([1, 2, 3]), relocs: [], traps: [], callSites: [], srclocs: [], frameSize: 0, alignment: 16, disasm: 'x' });
    const bytes = serializeCompiledCodeStencil(s);
    expect(bytes[3]).toBe(STENCIL_FORMAT_VERSION);
    const bad = (f: (b: Uint8Array) => Uint8Array) => () => deserializeCompiledCodeStencil(f(bytes.slice()));
    expect(bad((b) => ((b[0] = 0), b))).toThrow(StencilFormatError);
    expect(bad((b) => ((b[3] = STENCIL_FORMAT_VERSION + 1), b))).toThrow(/version/);
    for (let n = 0; n < bytes.length; n++) expect(() => deserializeCompiledCodeStencil(bytes.subarray(0, n))).toThrow(StencilFormatError);
    expect(bad((b) => new Uint8Array([...b, 0]))).toThrow(/trailing/);
  });
});
