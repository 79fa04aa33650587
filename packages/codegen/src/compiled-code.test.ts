import { ExternalName, FunctionParameters, LibCall, userExternalName } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { CompiledCodeStencil } from './compiled-code.js';

function stencil(): CompiledCodeStencil {
  return new CompiledCodeStencil({
    code: Uint8Array.of(0xe8, 0, 0, 0, 0, 0xc3),
    relocs: [
      { offset: 1, kind: 'X86CallPCRel4', target: ExternalName.user(0), addend: -4 },
      { offset: 1, kind: 'Abs8', target: ExternalName.libcall(LibCall.CeilF32), addend: 0 },
    ],
    traps: [{ offset: 5, code: 4 }],
    callSites: [{ retAddr: 5 }],
    srclocs: [{ start: 0, end: 5, loc: 3 }, { start: 5, end: 6, loc: 0xffff_ffff }],
    frameSize: 16,
    alignment: 16,
  });
}

describe('CompiledCode: stencil and final', () => {
  it('the stencil names callees by reference and keeps relative source locations', () => {
    const s = stencil();
    expect(s.relocs[0]!.target).toEqual({ kind: 'user', ref: 0 });
    expect(s.srclocs[0]!.loc).toBe(3);
  });

  it('apply resolves user names through the parameters and makes locations absolute', () => {
    const params = new FunctionParameters();
    params.ensureUserFuncName(userExternalName(0, 42));
    params.ensureBaseSrcLoc(0x100);
    const f = stencil().apply(params);
    expect(f.relocs[0]!.target).toEqual({ kind: 'user', namespace: 0, index: 42 });
    expect(f.relocs[1]!.target).toEqual({ kind: 'libcall', libcall: LibCall.CeilF32 });
    expect(f.srclocs.map((s) => s.loc)).toEqual([0x103, 0xffff_ffff]);
    expect(f.code).toEqual(stencil().code);
    expect([f.frameSize, f.alignment, f.traps, f.callSites]).toEqual([16, 16, [{ offset: 5, code: 4 }], [{ retAddr: 5 }]]);
  });

  it('the same stencil applied to renumbered parameters gives the renumbered names, nothing else changes', () => {
    const s = stencil();
    const p1 = new FunctionParameters();
    p1.ensureUserFuncName(userExternalName(0, 1));
    const p2 = p1.clone();
    p2.resetUserFuncName(0, userExternalName(0, 7));
    const a = s.apply(p1);
    const b = s.apply(p2);
    expect(a.relocs[0]!.target).toEqual({ kind: 'user', namespace: 0, index: 1 });
    expect(b.relocs[0]!.target).toEqual({ kind: 'user', namespace: 0, index: 7 });
    expect(a.code).toEqual(b.code);
    expect(s.relocs[0]!.target).toEqual({ kind: 'user', ref: 0 });
  });
});
