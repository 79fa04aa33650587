/**
 * Relative calls at any distance on the real pipeline (issue 7, items 3–4):
 * calls inside a module across `linkopt_padding_between_functions` and
 * through forced veneers (`linkopt_force_jump_veneer`) on x86-64 (native)
 * and AArch64 (emulated), and the image keeps zero relocations (`readelf -r`).
 * `DERRICK_VENEER_TIMINGS=1` prints compile/run times and image sizes.
 *
 * Cost (measured on the 2-core x86-64 CI host): 200 functions × 1 MiB
 * padding is a ~212 MB image, ~5 s (x86-64) and ~6 s (AArch64) per test,
 * the 128 MiB AArch64 test (4 bodies × 128 MiB, a ~537 MB image) ~11 s;
 * the whole file ~25 s with ~3.4 GB peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCwasm } from '@derrick/object';
import { Instance, Module, Store } from '../src/index.js';
import { type Backend, compileWat, engineOf } from './helpers.js';

const compiler = (await import('../../compiler/src/index.js')) as unknown as { compilerBuilder: Backend['factory'] };
const REAL: Backend = { name: '@derrick/compiler', factory: compiler.compilerBuilder };
const onX64 = process.arch === 'x64';

/** `n` exported functions `f0…f{n-1}`; `fi(0)` calls the first and the last: (i+1)·10⁶ + 1 + 1000·n. */
function fanWat(n: number): string {
  const funcs: string[] = [];
  for (let i = 0; i < n; i++) {
    funcs.push(`(func $f${i} (export "f${i}") (param i32) (result i32)
      (if (result i32) (local.get 0) (then (i32.const ${i + 1}))
        (else (i32.add (i32.const ${(i + 1) * 1_000_000})
          (i32.add (call $f0 (i32.const 1)) (i32.mul (i32.const 1000) (call $f${n - 1} (i32.const 1))))))))`);
  }
  return `(module ${funcs.join('\n')})`;
}

const expected = (i: number, n: number) => (i + 1) * 1_000_000 + 1 + 1000 * n;

/** `readelf -r` of the ELF inside a serialized module. */
function readelfRelocs(cwasm: Uint8Array, target: 'x86_64' | 'aarch64'): string {
  const image = readCwasm(cwasm).image;
  const dir = mkdtempSync(join(tmpdir(), 'derrick-veneers-'));
  try {
    const file = join(dir, 'm.o');
    writeFileSync(file, image);
    return execFileSync(target === 'x86_64' ? 'readelf' : 'aarch64-linux-gnu-readelf', ['-r', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TARGETS = [
  { name: 'x86_64', triple: 'x86_64-unknown-linux-gnu' },
  { name: 'aarch64', triple: 'aarch64-unknown-linux-gnu' },
] as const;

const LINK_OPTIONS: { name: string; n: number; settings: [string, string][] }[] = [
  { name: '1 MiB padding', n: 200, settings: [['linkopt_padding_between_functions', String(1 << 20)]] },
  { name: 'forced veneers', n: 200, settings: [['linkopt_force_jump_veneer', 'true']] },
  { name: 'no link options', n: 200, settings: [] },
];

describe.runIf(onX64)('calls inside a module at any distance', () => {
  for (const t of TARGETS) {
    for (const opt of LINK_OPTIONS) {
      it(`${t.name}: ${opt.n} functions calling the first and the last, ${opt.name}`, { timeout: 300_000 }, async () => {
        const engine = engineOf(REAL, (c) => {
          c.target(t.triple);
          for (const [k, v] of opt.settings) c.set(k, v);
          return c;
        });
        const t0 = performance.now();
        const module = await compileWat(engine, fanWat(opt.n));
        const t1 = performance.now();
        const store = new Store(engine);
        try {
          const inst = new Instance(store, module, []);
          for (let i = 0; i < opt.n; i++) expect(inst.getFunc(`f${i}`)!.call(0), `f${i}`).toBe(expected(i, opt.n));
        } finally {
          store.dispose();
        }
        const t2 = performance.now();
        const bytes = module.serialize();
        expect(readelfRelocs(bytes, t.name)).toContain('There are no relocations in this file.');
        if (t.name === 'aarch64' && opt.name === 'forced veneers') {
          // Every one of the 2·n calls went through a 20-byte Branch26 veneer.
          const plain = (await compileWat(engineOf(REAL, (c) => c.target(t.triple)), fanWat(opt.n))).serialize();
          expect(readCwasm(bytes).text.length - readCwasm(plain).text.length).toBeGreaterThanOrEqual(2 * opt.n * 20);
        }
        // The image round-trips and still runs.
        const again = Module.deserialize(engine, bytes);
        const store2 = new Store(engine);
        try {
          const inst = new Instance(store2, again, []);
          expect(inst.getFunc(`f${opt.n - 1}`)!.call(0)).toBe(expected(opt.n - 1, opt.n));
        } finally {
          store2.dispose();
        }
        if (process.env.DERRICK_VENEER_TIMINGS) {
          console.log(`${t.name} ${opt.name} n=${opt.n}: compile ${(t1 - t0).toFixed(0)} ms, run ${(t2 - t1).toFixed(0)} ms, total ${(performance.now() - t0).toFixed(0)} ms, image ${bytes.length} bytes`);
        }
      });
    }
  }
});

/** f0 calls f1 forward and f1 calls f0 backward, across 128 MiB of zeros: past `Branch26`'s ±128 MiB. */
const ACROSS = `(module
  (func $f0 (export "f0") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 7)) (else (i32.add (call $f1 (i32.const 1)) (i32.const 100)))))
  (func $f1 (export "f1") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 11)) (else (i32.add (call $f0 (i32.const 1)) (i32.const 200))))))`;

describe.runIf(onX64)('AArch64 calls across 128 MiB of padding (emulated)', () => {
  it('calls forward and backward through veneers, and the image has no relocations', { timeout: 600_000 }, async () => {
    const engine = engineOf(REAL, (c) => c.target('aarch64-unknown-linux-gnu').set('linkopt_padding_between_functions', String(128 << 20)));
    const t0 = performance.now();
    const module = await compileWat(engine, ACROSS);
    const t1 = performance.now();
    const store = new Store(engine);
    try {
      const inst = new Instance(store, module, []);
      expect(inst.getFunc('f0')!.call(0)).toBe(111);
      expect(inst.getFunc('f1')!.call(0)).toBe(207);
    } finally {
      store.dispose();
    }
    const bytes = module.serialize();
    const funcs = readCwasm(bytes).functions!;
    const at = (f: number) => funcs.offsets[funcs.funcIndices.indexOf(f)]!;
    expect(at(1) - at(0)).toBeGreaterThan(128 << 20); // beyond Branch26 both ways
    expect(readelfRelocs(bytes, 'aarch64')).toContain('There are no relocations in this file.');
    if (process.env.DERRICK_VENEER_TIMINGS) {
      console.log(`aarch64 128 MiB padding: compile ${(t1 - t0).toFixed(0)} ms, total ${(performance.now() - t0).toFixed(0)} ms, image ${bytes.length} bytes`);
    }
  });
});
