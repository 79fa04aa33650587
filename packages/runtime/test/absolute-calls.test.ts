/**
 * The absolute-calls benchmark baseline (issue 7, item 5):
 * `linkopt_absolute_calls_baseline` turns every call between functions of a
 * module into an absolute call through a register with an `Abs8`
 * relocation, kept in the image's `.rela.text` and patched by the loader.
 * With the flag, direct, recursive and mutually recursive calls run (x86-64
 * natively, AArch64 emulated) and `readelf -r` lists the relocations; an
 * image with relocations whose recorded flags lack it is still refused, and
 * so is a compiler that leaves relocations without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompilerBuilder } from '@derrick/environ';
import { DerrickSection, decodeEngineInfo, encodeEngineInfo, readCwasm } from '@derrick/object';
import { CompileError, Config, Engine, Instance, Module, Store } from '../src/index.js';
import { rebuildCwasm, wat } from './helpers.js';

const { compilerBuilder } = (await import('../../compiler/src/index.js')) as unknown as { compilerBuilder: () => CompilerBuilder };
const FLAG = 'linkopt_absolute_calls_baseline';

/** fib (self-recursive, 2 calls), even/odd (mutually recursive, 1 call each), main (3 calls): 7 call sites. */
const CALLS = `(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (call $odd (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 1))))
  (func $odd (export "odd") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (call $even (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 0))))
  (func (export "main") (param i32) (result i32)
    (i32.add (i32.mul (call $fib (local.get 0)) (i32.const 100))
      (i32.add (i32.mul (call $even (local.get 0)) (i32.const 10)) (call $odd (local.get 0))))))`;

const TARGETS = [
  { name: 'x86_64', triple: 'x86_64-unknown-linux-gnu', readelf: 'readelf', reloc: 'R_X86_64_64' },
  { name: 'aarch64', triple: 'aarch64-unknown-linux-gnu', readelf: 'aarch64-linux-gnu-readelf', reloc: 'R_AARCH64_ABS64' },
] as const;

function engine(triple: string, baseline: boolean): Engine {
  const config = new Config().compilerBuilder(compilerBuilder).target(triple);
  if (baseline) config.set(FLAG, 'true');
  return new Engine(config);
}

function run(e: Engine, module: Module): number[] {
  const store = new Store(e);
  try {
    const inst = new Instance(store, module, []);
    return [inst.getFunc('fib')!.call(20), inst.getFunc('even')!.call(101), inst.getFunc('odd')!.call(101), inst.getFunc('main')!.call(10)] as number[];
  } finally {
    store.dispose();
  }
}
const EXPECTED = [6765, 0, 1, 5500 + 10 + 0];

function readelf(tool: string, cwasm: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'derrick-abs-calls-'));
  try {
    const file = join(dir, 'm.o');
    writeFileSync(file, readCwasm(cwasm).image);
    return execFileSync(tool, ['-r', '-W', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same image with its recorded shared flag `FLAG` replaced by `value`. */
function withRecordedFlag(cwasm: Uint8Array, value: string): Uint8Array {
  return rebuildCwasm(cwasm, {
    section: (name, data) => {
      if (name !== DerrickSection.engine) return data;
      const info = decodeEngineInfo(data);
      return encodeEngineInfo({ ...info, sharedFlags: { ...info.sharedFlags, [FLAG]: value } });
    },
  });
}

describe.runIf(process.arch === 'x64')('linkopt_absolute_calls_baseline', () => {
  for (const t of TARGETS) {
    it(`${t.name}: calls, recursion and mutual recursion run through load-time relocations`, { timeout: 60_000 }, async () => {
      const bytes = await wat(CALLS);
      const e = engine(t.triple, true);
      const module = await Module.new(e, bytes);
      expect(run(e, module)).toEqual(EXPECTED);

      const cwasm = module.serialize();
      const relocs = readCwasm(cwasm).elf.relocationsFor('.text');
      expect(relocs.map((r) => r.kind)).toEqual(Array(7).fill(t.reloc));
      const out = readelf(t.readelf, cwasm);
      expect(out).toContain("Relocation section '.rela.text'");
      expect(out).toMatch(/contains 7 entries/);
      // Against the function symbols: fib twice from itself, even↔odd, and main's three.
      const names = out.split('\n').filter((l) => l.includes(t.reloc)).map((l) => l.trim().split(/\s+/)[4]);
      expect(names.sort()).toEqual(
        ['function[0]', 'function[0]', 'function[2]', 'function[1]', 'function[0]', 'function[1]', 'function[2]'].map((f) => `wasm[0]::${f}`).sort(),
      );

      // The image round-trips, and loads into an engine without the flag too (the image says what it needs).
      expect(run(e, Module.deserialize(e, cwasm))).toEqual(EXPECTED);
      const plain = engine(t.triple, false);
      expect(run(plain, Module.deserialize(plain, cwasm))).toEqual(EXPECTED);
      // Without the flag the same module has no relocations.
      const relative = (await Module.new(plain, bytes)).serialize();
      expect(readCwasm(relative).elf.relocationSections()).toEqual([]);
      expect(readelf(t.readelf, relative)).toContain('There are no relocations in this file.');
    });
  }

  it('an image with relocations whose recorded flags lack the baseline flag is refused', async () => {
    const e = engine(TARGETS[0].triple, true);
    const cwasm = (await Module.new(e, await wat(CALLS))).serialize();
    expect(run(e, Module.deserialize(e, withRecordedFlag(cwasm, 'true')))).toEqual(EXPECTED); // the rebuild itself is faithful
    expect(() => Module.deserialize(e, withRecordedFlag(cwasm, 'false'))).toThrow(/relocations left for the loader/);
  });

  it("compiling refuses relocations when the compiler's flags lack the baseline flag", async () => {
    // The real baseline compiler, reporting its flag as off.
    const lying = (): CompilerBuilder => {
      const b = compilerBuilder();
      b.set(FLAG, 'true');
      const build = b.build.bind(b);
      b.build = () => {
        const c = build();
        const flags = c.flags.bind(c);
        c.flags = () => ({ ...flags(), [FLAG]: 'false' });
        return c;
      };
      return b;
    };
    const e = new Engine(new Config().compilerBuilder(lying));
    await expect(Module.new(e, await wat(CALLS))).rejects.toThrow(CompileError);
    await expect(Module.new(e, await wat(CALLS))).rejects.toThrow(/left 7 relocation\(s\) in the text \(first: Abs8 to wasm\[/);
  });
});
