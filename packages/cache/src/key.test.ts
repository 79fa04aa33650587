import fc from 'fast-check';
import {
  CallConv,
  ExternalName,
  Function,
  FunctionBuilder,
  I32,
  I64,
  MemFlags,
  Signature,
  UserFuncName,
  abiParam,
  parseFunction,
  printFunction,
  userExternalName,
  vmctxParam,
} from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { CORPUS, corpusFunction } from '../test/corpus.js';
import { mutationSites } from '../../../tools/fuzz/src/stencil-mutations.js';
import { syntheticFunction } from '../test/synthetic.js';
import { CACHE_KEY_SIZE, type CacheKeyIsa, CacheKeyer, cacheKeyToHex, computeCacheKey, isaPreimage } from './index.js';

const ISA: CacheKeyIsa = {
  triple: 'x86_64-unknown-linux-gnu',
  isaFlags: { has_sse3: 'true', has_sse41: 'true', has_avx: 'false' },
  sharedFlags: { opt_level: 'speed', enable_verifier: 'true' },
};

/** What the wasm translator produces for one function: body at module offset `base`, calling function `callee`. */
function translate(name: UserFuncName, base: number, callee: number, constant = 42): Function {
  const sig = new Signature(CallConv.Wasmtime, [vmctxParam(I64), abiParam(I32)], [abiParam(I32)]);
  const func = new Function(name, sig);
  const b = new FunctionBuilder(func);
  const calleeSig = b.importSignature(sig.clone());
  const ref = b.declareImportedUserFunction(userExternalName(0, callee));
  const fn = b.importFunction({ name: ExternalName.user(ref), signature: calleeSig, colocated: true });
  const entry = b.createBlock();
  b.appendBlockParamsForFunctionParams(entry);
  b.switchToBlock(entry);
  b.sealBlock(entry);
  const [vmctx, x] = b.blockParams(entry) as [number, number];
  b.setSrcLoc(base);
  const g = b.ins().load(I32, MemFlags.trusted(), vmctx, 64);
  b.setSrcLoc(base + 3);
  const c = b.ins().iconst(I32, constant);
  const s = b.ins().iadd(g, c);
  b.setSrcLoc(base + 6);
  const call = b.ins().call(fn, [vmctx, b.ins().iadd(s, x)]);
  b.setSrcLoc(base + 9);
  b.ins().return_([b.func.dfg.firstResult(call)]);
  b.finalize();
  return func;
}

const key = (f: Function, isa: CacheKeyIsa = ISA): string => cacheKeyToHex(computeCacheKey(f.stencil, isa));

describe('cache key: determinism and what it ignores', () => {
  it('is 32 bytes, and the same function built twice has the same key', () => {
    const k = computeCacheKey(translate(UserFuncName.user(0, 1), 0x100, 7).stencil, ISA);
    expect(k).toBeInstanceOf(Uint8Array);
    expect(k.length).toBe(CACHE_KEY_SIZE);
    expect(key(translate(UserFuncName.user(0, 1), 0x100, 7))).toBe(cacheKeyToHex(k));
  });

  it('parsing the same CLIF twice gives the same key, for every corpus function', () => {
    for (let i = 0; i < CORPUS.length; i++) expect(key(corpusFunction(i))).toBe(key(corpusFunction(i)));
  });

  it('equal stencils have equal keys: builder output, its printed-and-parsed form, and a clone', () => {
    const a = translate(UserFuncName.user(0, 1), 0x100, 7);
    const parsed = parseFunction(printFunction(a));
    expect(parsed.stencil.equals(a.stencil)).toBe(true);
    expect(key(parsed)).toBe(key(a));
    expect(key(a.clone())).toBe(key(a));
  });

  it('ignores the function name, the callee name table and the base source location', () => {
    const a = translate(UserFuncName.user(0, 3), 0x120, 7);
    const b = translate(UserFuncName.user(0, 90), 0x9a40, 42);
    expect(a.params.equals(b.params)).toBe(false);
    expect(key(a)).toBe(key(b));
    // Renumbering a callee after the fact (Cranelift's reset_user_func_name).
    const before = key(a);
    a.params.resetUserFuncName(0, userExternalName(5, 1234));
    expect(key(a)).toBe(before);
  });

  it('ignores name-table and base changes made in the CLIF text', () => {
    const text = CORPUS[0]!;
    const renamed = text.replace('fn0 = colocated u0:7', 'fn0 = colocated u0:99').replace('fn2 = u1:2', 'fn2 = u3:4');
    const moved = text.replace(/@0(1[0-9a-f]{2})/g, (_, h: string) => '@' + (parseInt(h, 16) + 0x7000).toString(16));
    expect(renamed).not.toBe(text);
    expect(moved).not.toBe(text);
    expect(key(parseFunction(renamed))).toBe(key(parseFunction(text)));
    expect(key(parseFunction(moved))).toBe(key(parseFunction(text)));
    expect(parseFunction(moved).params.baseSrcLoc).toBe(0x7100);
  });

  it('property: any name-table renumbering and any base shift keeps the key', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: CORPUS.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
        fc.integer({ min: 0, max: 0x7fff_0000 }),
        (i, names, shift) => {
          const f = corpusFunction(i);
          const k0 = key(f);
          const table = f.params.userNamedFuncs().length;
          names.forEach(([ns, idx], n) => {
            if (table > 0) f.params.resetUserFuncName(n % table, userExternalName(ns, idx));
          });
          f.params.baseSrcLoc = (f.params.baseSrcLoc + shift) >>> 0;
          expect(key(f)).toBe(k0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('cache key: what changes it', () => {
  it('changes with a constant, a calling convention, a relative location, memory flags', () => {
    const base = key(translate(UserFuncName.user(0, 3), 0x100, 7));
    expect(key(translate(UserFuncName.user(0, 3), 0x100, 7, 43))).not.toBe(base);
    const cc = translate(UserFuncName.user(0, 3), 0x100, 7);
    cc.signature.callConv = CallConv.SystemV;
    expect(key(cc)).not.toBe(base);
    const moved = translate(UserFuncName.user(0, 3), 0x100, 7);
    moved.setSrcLoc(moved.layout.lastInst(moved.layout.entryBlock()), 0x100 + 10);
    expect(key(moved)).not.toBe(base);
    const flags = translate(UserFuncName.user(0, 3), 0x100, 7);
    flags.dfg.setAux(flags.layout.firstInst(flags.layout.entryBlock()), MemFlags.new().bits);
    expect(key(flags)).not.toBe(base);
  });

  it('every mutation site of every corpus function changes the key', () => {
    let count = 0;
    for (let i = 0; i < CORPUS.length; i++) {
      const k0 = key(corpusFunction(i));
      for (const site of mutationSites(corpusFunction(i))) {
        for (const r of [0, 1, 7]) {
          const mutated = site.apply(corpusFunction(i), r);
          expect(key(mutated), `corpus ${i}, ${site.what}, r=${r}`).not.toBe(k0);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(300);
  });

  it('property: one random mutation of a parsed CLIF function changes the key', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: CORPUS.length - 1 }), fc.nat(), fc.nat(), (i, s, r) => {
        const k0 = key(corpusFunction(i));
        const sites = mutationSites(corpusFunction(i));
        const site = sites[s % sites.length]!;
        expect(key(site.apply(corpusFunction(i), r)), site.what).not.toBe(k0);
      }),
      { numRuns: 500 },
    );
  });

  it('property: after 1–4 random edits, keys are equal exactly when the canonical bytes are', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: CORPUS.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        (i, edits) => {
          const original = corpusFunction(i);
          let f = corpusFunction(i);
          for (const [s, r] of edits) {
            const sites = mutationSites(f);
            const site = sites[s % sites.length]!;
            try {
              f = site.apply(f, r);
            } catch (e) {
              // A text edit of IR that earlier edits made invalid may not parse; skip it.
              if (site.textual !== true) throw e;
            }
          }
          const sameBytes = Buffer.from(f.stencil.canonicalBytes()).equals(Buffer.from(original.stencil.canonicalBytes()));
          expect(key(f) === key(original)).toBe(sameBytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('changes with the triple, any ISA flag, any shared flag, and the compiler version', () => {
    const f = corpusFunction(0);
    const k = key(f);
    expect(key(f, { ...ISA, triple: 'aarch64-unknown-linux-gnu' })).not.toBe(k);
    expect(key(f, { ...ISA, isaFlags: { ...ISA.isaFlags, has_avx: 'true' } })).not.toBe(k);
    expect(key(f, { ...ISA, isaFlags: { ...ISA.isaFlags, has_bmi1: 'false' } })).not.toBe(k);
    expect(key(f, { ...ISA, sharedFlags: { ...ISA.sharedFlags, opt_level: 'none' } })).not.toBe(k);
    const { enable_verifier: _, ...lessShared } = ISA.sharedFlags;
    expect(key(f, { ...ISA, sharedFlags: lessShared })).not.toBe(k);
    expect(key(f, { ...ISA, compilerVersion: '' })).not.toBe(k);
    expect(key(f, { ...ISA, compilerVersion: 'a' })).not.toBe(key(f, { ...ISA, compilerVersion: 'b' }));
    // The same flag in the other group is a different input.
    expect(key(f, { ...ISA, isaFlags: { ...ISA.isaFlags, opt_level: 'speed' }, sharedFlags: { enable_verifier: 'true' } })).not.toBe(k);
  });

  it('does not depend on the insertion order of flags', () => {
    const f = corpusFunction(1);
    const reversed: CacheKeyIsa = {
      triple: ISA.triple,
      isaFlags: Object.fromEntries(Object.entries(ISA.isaFlags).reverse()),
      sharedFlags: Object.fromEntries(Object.entries(ISA.sharedFlags).reverse()),
    };
    expect(Object.keys(reversed.isaFlags)).not.toEqual(Object.keys(ISA.isaFlags));
    expect(key(f, reversed)).toBe(key(f));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string(), { maxKeys: 8 }), fc.nat(), (flags, seed) => {
        const entries = Object.entries(flags);
        const shuffled = entries.map((e, n) => [(n * 7919 + seed) % 1009, e] as const).sort((a, b) => a[0] - b[0]);
        const other = Object.fromEntries(shuffled.map(([, e]) => e));
        expect(isaPreimage({ ...ISA, isaFlags: other })).toEqual(isaPreimage({ ...ISA, isaFlags: flags }));
      }),
    );
  });

  it('is unambiguous: names and values cannot run into each other', () => {
    const f = corpusFunction(2);
    const k = (isaFlags: Record<string, string>, sharedFlags: Record<string, string> = {}, triple = 'x'): string =>
      key(f, { triple, isaFlags, sharedFlags });
    expect(k({ a: 'b=c' })).not.toBe(k({ 'a=b': 'c' }));
    expect(k({ ab: 'c' })).not.toBe(k({ a: 'bc' }));
    expect(k({ a: 'b', c: 'd' })).not.toBe(k({ a: 'bcd' }));
    expect(k({}, { a: 'b' })).not.toBe(k({ a: 'b' }));
    expect(k({}, {}, 'xy')).not.toBe(k({ y: '' }, {}, 'x'));
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 3 }),
        fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 3 }),
        (a, b) => {
          const same = JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
          expect(cacheKeyToHex(isaPreimage({ ...ISA, isaFlags: a })) === cacheKeyToHex(isaPreimage({ ...ISA, isaFlags: b }))).toBe(same);
        },
      ),
    );
  });

  it('rejects a flag whose value is not a string (a compiler bug, not a cache condition)', () => {
    expect(() => computeCacheKey(corpusFunction(0).stencil, { ...ISA, isaFlags: { x: 1 as unknown as string } })).toThrow(/flag x/);
  });
});

describe('cache key: format and implementations', () => {
  it('pins the layout of the target part of the pre-image', () => {
    const pre = isaPreimage({ triple: 't', isaFlags: { b: '2' }, sharedFlags: { a: '1' } });
    const text = (s: string): number[] => [...new TextEncoder().encode(s)];
    const field = (tag: number, s: string): number[] => [tag, s.length, 0, 0, 0, ...text(s)];
    expect([...pre]).toEqual([
      ...field(1, 'derrick-cache-key/1'),
      ...field(2, 't'),
      ...[3, 1, 0, 0, 0],
      ...field(8, 'a'),
      ...field(9, '1'),
      ...[4, 1, 0, 0, 0],
      ...field(8, 'b'),
      ...field(9, '2'),
      ...[6, 0, 0, 0, 0],
    ]);
  });

  it('a keyer gives the same keys as computeCacheKey, with noble and node:crypto sha256 alike', () => {
    const noble = new CacheKeyer(ISA);
    const node = new CacheKeyer(ISA, { sha256: 'node' });
    for (const f of [corpusFunction(0), corpusFunction(1), corpusFunction(2), syntheticFunction(40)]) {
      const k = computeCacheKey(f.stencil, ISA);
      expect(noble.key(f.stencil)).toEqual(k);
      expect(node.key(f.stencil)).toEqual(k);
      // Reusing the keyer's state does not leak between keys.
      expect(noble.key(f.stencil)).toEqual(k);
    }
  });

  it('different functions get different keys (no collisions over a few hundred functions)', () => {
    const keyer = new CacheKeyer(ISA);
    const seen = new Set<string>();
    for (let blocks = 1; blocks <= 20; blocks++) {
      for (let seed = 0; seed < 20; seed++) seen.add(cacheKeyToHex(keyer.key(syntheticFunction(blocks, seed).stencil)));
    }
    expect(seen.size).toBe(400);
  });
});
