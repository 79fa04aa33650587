/**
 * The loader refuses an image that still has relocations (issue: calls at
 * any distance): Derrick resolves every call while the text is laid out, so
 * a `.rela.text` in a precompiled module means it was not made by Derrick's
 * compiler — or was tampered with — and must not be published.
 */
import { describe, expect, it } from 'vitest';
import { readCwasm } from '@derrick/object';
import { Config, Engine, Module } from '../src/index.js';
import { rebuildCwasm } from './helpers.js';

// (module (func (export "f") (result i32) (i32.const 7)))
const BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01,
  0x66, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b,
]);

describe.runIf(process.arch === 'x64')('an image with relocations', () => {
  it('is refused by Module.deserialize, and the same image without them loads', async () => {
    const { compilerBuilder } = await import('../../compiler/src/index.js');
    const engine = new Engine(new Config().compilerBuilder(compilerBuilder));
    const cwasm = (await Module.new(engine, BYTES)).serialize();
    expect(readCwasm(cwasm).elf.relocationsFor('.text')).toEqual([]);
    const rebuild = (withReloc: boolean): Uint8Array =>
      rebuildCwasm(cwasm, { relocations: (_, functions) => (withReloc ? [{ offset: 0, kind: 'R_X86_64_64', symbol: functions[0]!.name }] : []) });

    expect(() => Module.deserialize(engine, rebuild(false))).not.toThrow();
    expect(() => Module.deserialize(engine, rebuild(true))).toThrow(/relocations left for the loader/);
  });
});
