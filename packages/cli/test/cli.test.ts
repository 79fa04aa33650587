/**
 * End-to-end tests of the `derrick` command, run in-process through
 * `main(argv, io)` with captured output (no build step needed).
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo, main } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'derrick-cli-'));
const suiteDir = path.resolve(here, '../../../../shared/testsuite/core-2.0');

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function run(...argv: string[]) {
  const io = captureIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/** A script whose outcome does not depend on the decoder: text assertions and skipped actions. */
const NO_DECODER_SCRIPT = `
(assert_malformed (module quote "(func (i32.const 0x1_0000_0000))") "constant out of range")
(assert_malformed (module quote "(func (nop") "unexpected end")
(invoke "f")
(assert_return (invoke "f" (i32.const 1)) (i32.const 2))
(assert_trap (invoke "f") "unreachable")
`;

const FAILING_SCRIPT = `
(assert_malformed (module quote "(func (nop))") "should not parse")
(invoke "f")
`;

/** The same assertions with a module to run them against (every command passes, on either target). */
const EXEC_SCRIPT = `
(assert_malformed (module quote "(func (i32.const 0x1_0000_0000))") "constant out of range")
(assert_malformed (module quote "(func (nop") "unexpected end")
(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))) (func (export "u") unreachable))
(invoke "f" (i32.const 0))
(assert_return (invoke "f" (i32.const 1)) (i32.const 2))
(assert_trap (invoke "u") "unreachable")
`;

/** A text assertion that fails and an executed one that fails. */
const FAILING_EXEC_SCRIPT = `
(assert_malformed (module quote "(func (nop))") "should not parse")
(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 2))
`;

const NO_STACK = /\n\s+at /;

describe('derrick (top level)', () => {
  it('prints help and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: derrick/);
    expect(r.out).toMatch(/validate/);
    expect(r.out).toMatch(/wast/);
  });

  it('shows help and exits 2 when no command is given', async () => {
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Usage: derrick/);
  });

  it('prints the version', async () => {
    const r = await run('--version');
    expect(r.code).toBe(0);
    expect(r.out).toBe('0.1.0\n');
  });

  it('rejects an unknown command with a usage error', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: unknown command 'frobnicate'/);
  });

  it('has a shebang on the executable', () => {
    expect(readFileSync(path.resolve(here, '../src/bin.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });
});

describe('derrick wast', () => {
  it('prints per-file counts and an exact final line (AArch64 code, emulated on an x86-64 host)', async () => {
    const a = file('a.wast', EXEC_SCRIPT);
    const r = await run('wast', '--target', 'aarch64', a);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`${a}: 6 passed, 0 failed, 0 skipped`);
    expect(lines.at(-1)).toBe('6 passed, 0 failed, 0 skipped');
  });

  it('lists failures beneath their file and exits 1', async () => {
    const a = file('ok.wast', EXEC_SCRIPT);
    const b = file('bad.wast', FAILING_EXEC_SCRIPT);
    const r = await run('wast', '--target', 'aarch64', a, b);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${b}: 1 passed, 2 failed, 0 skipped\n  line 2: assert_malformed_text: wabt accepted text`);
    expect(r.out).toMatch(/\n  line 4: assert_return: /);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('7 passed, 2 failed, 0 skipped');
  });

  it('executes scripts on the host target with the runtime and the compiler', async () => {
    const a = file('exec.wast', [
      '(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))',
      '  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))',
      '(assert_return (invoke "add" (i32.const 2) (i32.const 40)) (i32.const 42))',
      '(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")',
      '(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (i32.const 3))',
    ].join('\n'));
    const r = await run('wast', '--target', 'x86_64', a);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${a}: 3 passed, 1 failed, 0 skipped`);
    expect(r.out).toMatch(/line 5: assert_return/);
  });

  it('prints exactly one JSON object with --json (the contract)', async () => {
    const a = file('j1.wast', EXEC_SCRIPT);
    const b = file('j2.wast', FAILING_EXEC_SCRIPT);
    const r = await run('wast', '--json', '--target', 'aarch64', a, b);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['target', 'passed', 'failed', 'skipped', 'byCommand', 'files']);
    expect(doc).toMatchObject({ target: 'aarch64', passed: 7, failed: 2, skipped: 0 });
    expect(doc.byCommand).toEqual({
      module: { passed: 2, failed: 0, skipped: 0 },
      invoke: { passed: 1, failed: 0, skipped: 0 },
      assert_return: { passed: 1, failed: 1, skipped: 0 },
      assert_trap: { passed: 1, failed: 0, skipped: 0 },
      assert_malformed_text: { passed: 2, failed: 1, skipped: 0 },
    });
    expect(doc.files).toHaveLength(2);
    expect(Object.keys(doc.files[1])).toEqual(['file', 'passed', 'failed', 'skipped', 'failures']);
    expect(doc.files[1].file).toBe(b);
    expect(doc.files[1].failures).toHaveLength(2);
    expect(Object.keys(doc.files[1].failures[0])).toEqual(['line', 'command', 'message']);
    expect(doc.files[1].failures[0]).toMatchObject({ line: 2, command: 'assert_malformed_text' });
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });

  it('defaults --target to the host and accepts aliases and triples', async () => {
    const a = file('t.wast', NO_DECODER_SCRIPT);
    const host = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
    expect(JSON.parse((await run('wast', '--json', a)).out).target).toBe(host);
    expect(JSON.parse((await run('wast', '--json', '--target', 'arm64', a)).out).target).toBe('aarch64');
    expect(JSON.parse((await run('wast', '--json', '--target', 'x86_64-unknown-linux-gnu', a)).out).target).toBe('x86_64');
  });

  it('rejects an unknown target clearly', async () => {
    const r = await run('wast', '--target', 'mips', file('m.wast', NO_DECODER_SCRIPT));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error: option '--target <target>' argument 'mips' is invalid\. unknown target 'mips' \(known targets: x86_64, aarch64\)/);
  });

  it('reports a missing file without a stack trace', async () => {
    const r = await run('wast', '--json', 'does-not-exist.wast');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('error: does-not-exist.wast: no such file or directory\n');
  });

  it('reports a bad flag and a missing operand', async () => {
    const bad = await run('wast', '--frobnicate', 'x.wast');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error: unknown option '--frobnicate'/);
    const none = await run('wast');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^error: missing required argument 'file'/);
  });

  it('runs every .wast file of a directory operand', async () => {
    const sub = mkdtempSync(path.join(dir, 'suite-'));
    writeFileSync(path.join(sub, 'x.wast'), NO_DECODER_SCRIPT);
    writeFileSync(path.join(sub, 'y.wast'), NO_DECODER_SCRIPT);
    writeFileSync(path.join(sub, 'notes.txt'), 'ignored');
    const r = await run('wast', '--json', sub);
    expect(JSON.parse(r.out).files.map((f: { file: string }) => path.basename(f.file))).toEqual(['x.wast', 'y.wast']);
  });

  it('counts a syntax error as a failure, not a crash', async () => {
    const r = await run('wast', file('syntax.wast', '(invoke "f")\n(assert_return (invoke "f") (i32.const 1)'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/line 2: script: syntax error: unclosed parenthesis/);
    expect(r.err).not.toMatch(NO_STACK);
  });

  it('runs real spec scripts', async () => {
    const r = await run('wast', '--json', path.join(suiteDir, 'binary-leb128.wast'), path.join(suiteDir, 'inline-module.wast'));
    const doc = JSON.parse(r.out);
    expect(doc.failed).toBe(0);
    expect(doc.byCommand.assert_malformed.passed).toBeGreaterThan(0);
  });
});

describe('derrick validate', () => {
  it('reports a text module wabt cannot parse with its position', async () => {
    const p = file('broken.wat', '(module\n  (func (call $missing)))\n');
    const r = await run('validate', p);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^error: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: undefined function variable "\\$missing"`));
  });

  it('reports a missing file and still validates the others', async () => {
    const r = await run('validate', 'nope.wasm', 'nope2.wat');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: nope.wasm: no such file or directory\nerror: nope2.wat: no such file or directory\n');
  });

  it('accepts valid modules, binary and text', async () => {
    const wasm = file('empty.wasm', Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const wat = file('add.wat', '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))');
    const r = await run('validate', wasm, wat);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${wasm}: valid\n${wat}: valid\n`);
  });

  it('reports an invalid module with its offset', async () => {
    const wat = file('bad.wat', '(module (func (result i32) (i64.const 0)))');
    const r = await run('validate', wat);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^error: .*bad\\.wat: type mismatch.*\\(at offset 0x[0-9a-f]+\\)\\n$`));
    const magic = file('bad.wasm', Uint8Array.from([1, 2, 3, 4, 1, 0, 0, 0]));
    const r2 = await run('validate', magic);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/^error: .*bad\.wasm: magic header not detected.*\(at offset 0x0\)\n$/);
  });
});
