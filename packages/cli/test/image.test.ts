/**
 * The ELF image of a compiled module, checked with binutils: calls between
 * functions and runtime builtins (memory.grow) leave no relocations, and
 * readelf accepts the whole file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilerBuilder } from '@derrick/compiler';
import { readCwasm } from '@derrick/object';
import { Config, Engine, Instance, Module, Store } from '@derrick/runtime';
import { watToBinary } from '@derrick/wast';

const WAT = `(module
  (memory 1 4)
  (func $leaf (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $grow (result i32) (memory.grow (i32.const 1)))
  (func (export "main") (param i32) (result i32)
    (drop (call $grow))
    (i32.add (call $leaf (local.get 0)) (memory.size))))`;

describe('module ELF image', () => {
  it('has no relocations (calls and memory.grow included) and readelf accepts it', async () => {
    const engine = new Engine(new Config().compilerBuilder(compilerBuilder));
    const module = await Module.new(engine, await watToBinary(WAT));
    const store = new Store(engine);
    expect(new Instance(store, module, []).getFunc('main')!.call(5)).toBe(17);
    store.dispose();

    const cwasm = module.serialize();
    const image = readCwasm(cwasm);
    const dir = mkdtempSync(path.join(tmpdir(), 'derrick-elf-'));
    const file = path.join(dir, 'module.o');
    writeFileSync(file, image.image);
    const relocs = execFileSync('readelf', ['-r', '-W', file], { encoding: 'utf8' });
    expect(relocs).toContain('There are no relocations in this file.');
    const all = execFileSync('readelf', ['-a', '-W', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(all).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
    expect(all).toMatch(/\.text/);
    // The whole .cwasm too (the trailer after the ELF image is ignored by readelf).
    writeFileSync(path.join(dir, 'module.cwasm'), cwasm);
    expect(execFileSync('readelf', ['-r', '-W', path.join(dir, 'module.cwasm')], { encoding: 'utf8' })).toContain('There are no relocations in this file.');
  });

  it('declares the alignment its x86-64 code relies on: 64 with loops, whose headers are 64-byte aligned', async () => {
    const align = async (wat: string): Promise<number> => {
      const engine = new Engine(new Config().compilerBuilder(compilerBuilder).target('x86_64'));
      const image = readCwasm((await Module.new(engine, await watToBinary(wat))).serialize());
      const dir = mkdtempSync(path.join(tmpdir(), 'derrick-elf-'));
      writeFileSync(path.join(dir, 'module.o'), image.image);
      const sections = execFileSync('readelf', ['-S', '-W', path.join(dir, 'module.o')], { encoding: 'utf8' });
      const text = sections.split('\n').find((l) => /\]\s+\.text\s/.test(l));
      return Number(text!.trim().split(/\s+/).at(-1));
    };
    expect(await align(WAT)).toBe(16);
    const loop = `(module (func (export "count") (param i32) (result i32)
      (loop $l (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0)))
      (local.get 0)))`;
    expect(await align(loop)).toBe(64);
  });
});
