import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodegenError, Context, defaultSharedFlags, sharedSettingsBuilder } from '@derrick/codegen';
import { parseClifFile, parseFunctions } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { type X64Isa, x64IsaBuilder } from './isa.js';

const RUNTIME = {
  vmctxStoreContextOffset: 8,
  storeStackLimit: 0,
  storeEntrySp: 8,
  storeTrapCode: 16,
  storeTrapPc: 24,
  hostCtxHostCall: 8,
  hostCtxIndex: 16,
  hostCtxStoreContext: 24,
  trapCode: (c: number) => c + 100,
};

describe('x64 ISA builder', () => {
  it('builds with baseline flags by default and reports them', () => {
    const isa = x64IsaBuilder().finish(defaultSharedFlags());
    expect(isa.name).toBe('x64');
    expect(isa.triple).toBe('x86_64-unknown-linux-gnu');
    expect(isa.isaFlags.entries().every(([, v]) => v === false)).toBe(true);
    expect(isa.labelUses.map((l) => l.name)).toEqual(['JmpRel32', 'PCRel32']);
    expect(isa.labelUseForReloc('X86CallPCRel4', -4)?.name).toBe('JmpRel32');
  });

  it('accepts presets; the hash key covers ISA and shared flags', () => {
    const a = x64IsaBuilder();
    a.settings.enable('x86-64-v3');
    const v3 = a.finish(defaultSharedFlags());
    expect(v3.isaFlags.get('has_avx2')).toBe(true);
    expect(v3.isaFlags.get('has_lzcnt')).toBe(true);
    const base = x64IsaBuilder().finish(defaultSharedFlags());
    expect(v3.hashKey()).not.toBe(base.hashKey());
    const speed = x64IsaBuilder().finish(sharedSettingsBuilder().set('opt_level', 'speed').finish());
    expect(speed.hashKey()).not.toBe(base.hashKey());
  });

  it('refuses SIMD without SSE4.1 (and what it implies), with a clear error', () => {
    const simd = sharedSettingsBuilder().set('enable_simd', true).finish();
    try {
      x64IsaBuilder().finish(simd);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CodegenError);
      expect((e as CodegenError).kind).toBe('invalid-settings');
      expect((e as CodegenError).message).toMatch(/SIMD support requires SSE3, SSSE3 and SSE4\.1 on x86_64/);
      expect((e as CodegenError).message).toMatch(/but SSE3 \(has_sse3\), SSSE3 \(has_ssse3\), SSE4\.1 \(has_sse41\) are not enabled/);
    }
    // Only SSE4.1 missing: the message names just it.
    const partial = x64IsaBuilder();
    partial.settings.enable('ssse3');
    expect(() => partial.finish(simd)).toThrowError(/but SSE4\.1 \(has_sse41\) is not enabled; enable it/);
    const b = x64IsaBuilder();
    b.settings.enable('sse41');
    expect(b.finish(simd).isaFlags.get('has_sse41')).toBe(true);
    expect(() => x64IsaBuilder('aarch64-unknown-linux-gnu')).toThrowError(/not an x86-64 triple/);
  });
});

describe('Context.compile', () => {
  const isa = x64IsaBuilder().finish(defaultSharedFlags());

  it('verifies first (enable_verifier) and reports verifier errors as such', () => {
    const [f] = parseFunctions(`function %bad(i32) -> i64 {
block0(v0: i32):
    return v0
}`);
    try {
      Context.compile(f!, isa);
      expect.unreachable();
    } catch (e) {
      expect((e as CodegenError).kind).toBe('verifier');
    }
  });

  it('produces final code: user names resolved, locations absolute, runtime trap codes in the code', () => {
    const [f] = parseFunctions(`function u0:3(i64 vmctx, i32) -> i32 wasmtime {
    fn0 = colocated u0:7(i64 vmctx, i32) -> i32 wasmtime
block0(v0: i64, v1: i32):
    v2 = call fn0(v0, v1)
    v3 = udiv v2, v1
    return v3
}`);
    f!.setSrcLoc(f!.layout.firstInst(0), 0x200);
    const stencil = new Context().compileStencil(f!, isa, { runtimeAbi: RUNTIME });
    expect(stencil.relocs).toEqual([{ offset: expect.any(Number), kind: 'X86CallPCRel4', target: { kind: 'user', ref: 0 }, addend: -4 }]);
    const final = stencil.apply(f!.params);
    expect(final.relocs[0]!.target).toEqual({ kind: 'user', namespace: 0, index: 7 });
    expect(final.srclocs.some((s) => s.loc === 0x200)).toBe(true);
    expect(stencil.srclocs.some((s) => s.loc === 0)).toBe(true);
    // One trap site for the stack check, one for the division.
    expect(final.traps.map((t) => t.code).sort()).toEqual([1, 4]);
    expect(final.callSites).toHaveLength(1);
    // The stored code is the runtime's (code + 100): find `mov dword [r11+0x10], 104`.
    const hex = Buffer.from(final.code).toString('hex');
    expect(hex).toContain('41c7431068000000');
    expect(final.frameSize % 16).toBe(0);
  });
});

describe('loop header alignment (LoopHeadersAligned)', () => {
  const isa = x64IsaBuilder().finish(defaultSharedFlags());
  /** Each jump's own offset and target, from objdump. */
  function jumps(code: Uint8Array): { at: number; target: number }[] {
    const tmp = mkdtempSync(path.join(tmpdir(), 'derrick-x64-align-'));
    try {
      const bin = path.join(tmp, 'f.bin');
      writeFileSync(bin, code);
      const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', bin]).toString();
      return [...out.matchAll(/^\s*([0-9a-f]+):\t[0-9a-f ]+\t(j[a-z]+)\s+(?:0x)?([0-9a-f]+)\b/gm)].map((m) => ({
        at: Number.parseInt(m[1]!, 16),
        target: Number.parseInt(m[3]!, 16),
      }));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  it('starts every loop header on a 64-byte boundary and asks for a 64-byte-aligned start', () => {
    const [f] = parseFunctions(`function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    jump block1(v0, v1)
block1(v2: i32, v3: i32):
    v4 = iadd v3, v2
    v5 = iadd_imm v2, -1
    brif v5, block2, block3
block2:
    jump block1(v5, v4)
block3:
    return v4
}`);
    const c = new Context().compileStencil(f!, isa);
    expect(c.alignment).toBe(64);
    const back = jumps(c.code).filter((j) => j.target <= j.at);
    expect(back.length).toBeGreaterThan(0);
    for (const j of back) expect(j.target % 64).toBe(0);
  });

  it('leaves straight-line code at the function alignment, unpadded', () => {
    const [f] = parseFunctions(`function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = iadd_imm v0, 1
    return v1
block2:
    return v0
}`);
    const c = new Context().compileStencil(f!, isa);
    expect(c.alignment).toBe(isa.functionAlignment);
    expect(Buffer.from(c.code).toString('hex')).not.toContain('0f1f');
  });
});

describe('disassembly smoke test', () => {
  it('every run-test function disassembles (objdump) from its entry to its first ret without a (bad) instruction', () => {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../codegen-ir/test/runtests');
    const b = x64IsaBuilder();
    b.settings.enable('x86-64-v3');
    const isa = b.finish(defaultSharedFlags()) as X64Isa;
    const tmp = mkdtempSync(path.join(tmpdir(), 'derrick-x64-disasm-'));
    try {
      const funcs: { name: string; start: number; end: number; table: boolean }[] = [];
      const chunks: Uint8Array[] = [];
      let size = 0;
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.clif'))) {
        for (const { func } of parseClifFile(readFileSync(path.join(dir, file), 'utf8')).functions) {
          const c = isa.compileFunction(func.stencil, { runtimeAbi: RUNTIME, wantDisasm: true });
          expect(c.disasm).toMatch(/^block0/);
          // 32 bytes of nop padding: a misdecoded data tail resynchronizes before the next function.
          size = (size + 32 + 15) & ~15;
          const table = func.toString().includes('br_table');
          funcs.push({ name: `${file}:${func.name.kind === 'testcase' ? func.name.name : ''}`, start: size, end: size + c.code.length, table });
          chunks.push(c.code);
          size += c.code.length;
        }
      }
      const all = new Uint8Array(size).fill(0x90);
      funcs.forEach((f, k) => all.set(chunks[k]!, f.start));
      const bin = path.join(tmp, 'all.bin');
      writeFileSync(bin, all);
      const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', bin], { maxBuffer: 64 << 20 }).toString();
      const lines = [...out.matchAll(/^\s*([0-9a-f]+):\t[0-9a-f ]+\t?(.*)$/gm)].map((m) => ({ at: Number.parseInt(m[1]!, 16), text: m[2]!.trim() }));
      expect(funcs.length).toBeGreaterThan(100);
      for (const f of funcs) {
        if (f.table) continue;
        const own = lines.filter((l) => l.at >= f.start && l.at < f.end);
        expect(own[0]?.text, f.name).toBe('push   rbp');
        const firstRet = own.findIndex((l) => l.text === 'ret' || l.text === 'ud2');
        expect(firstRet, f.name).toBeGreaterThan(0);
        const bad = own.slice(0, firstRet).filter((l) => l.text.includes('(bad)'));
        expect(bad, f.name).toEqual([]);
      }
      for (const text of ['push   rbp', 'mov    rbp,rsp', 'ret', 'idiv', 'lzcnt', 'tzcnt', 'popcnt', 'roundss', 'cmov', 'ucomisd', 'vfmadd132sd', 'jmp    r']) {
        expect(out).toContain(text);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
