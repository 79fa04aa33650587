/**
 * `derrick compile` → `.cwasm` → `derrick run`: determinism (the order of
 * `--set` flags does not matter, compiling twice gives the same bytes), the
 * right answers, host feature inference, clear errors for bad settings and
 * wrong inputs, and damaged files (every single-byte flip, every truncation)
 * refused with a message — never run, never a stack trace.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCwasm } from '@derrick/object';
import { detectedHostIsaFlags } from '@derrick/runtime';
import { captureIo, main } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'derrick-compile-'));

async function derrick(...argv: string[]) {
  const io = captureIo({ cwd: dir });
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const read = (name: string) => new Uint8Array(readFileSync(path.join(dir, name)));
const NO_STACK = /\n\s+at /;

/** popcnt, clz, ctz and floor: each has a faster form behind an ISA flag. */
const MIX = `(module
  (func $pop (param i64) (result i64) (i64.popcnt (local.get 0)))
  (func $bits (param i64) (result i64) (i64.add (i64.clz (local.get 0)) (i64.ctz (local.get 0))))
  (func (export "mix") (param i64 f64) (result i64)
    (i64.add (call $pop (local.get 0))
      (i64.add (call $bits (local.get 0)) (i64.trunc_f64_s (f64.floor (local.get 1)))))))`;
writeFileSync(path.join(dir, 'mix.wat'), MIX);
// mix(0xf0, 2.5) = popcnt 4 + clz 56 + ctz 4 + floor 2
const MIX_ARGS = ['--invoke', 'mix', '240', '2.5'];
const MIX_RESULT = '66\n';

describe('derrick compile', () => {
  it('writes <name>.cwasm by default, which derrick run runs', async () => {
    const c = await derrick('compile', 'mix.wat');
    expect([c.code, c.err, c.out]).toEqual([0, '', '']);
    expect(existsSync(path.join(dir, 'mix.cwasm'))).toBe(true);
    const r = await derrick('run', 'mix.cwasm', ...MIX_ARGS);
    expect([r.code, r.err, r.out]).toEqual([0, '', MIX_RESULT]);
    // The README example, through a .cwasm.
    const fib = await derrick('compile', path.join(repo, 'examples/fib.wat'), '-o', 'fib.cwasm');
    expect(fib.code).toBe(0);
    expect((await derrick('run', 'fib.cwasm', '--invoke', 'fib', '20')).out).toBe('6765\n');
  });

  it.runIf(process.arch === 'x64')('compile --target aarch64, then run the .cwasm (emulated, its target picked from the file)', async () => {
    const c = await derrick('compile', '--target', 'aarch64', 'mix.wat', '-o', 'mix-arm.cwasm');
    expect([c.code, c.err]).toEqual([0, '']);
    expect(readCwasm(read('mix-arm.cwasm')).machine).toBe('aarch64');
    const r = await derrick('run', 'mix-arm.cwasm', ...MIX_ARGS);
    expect([r.code, r.err, r.out]).toEqual([0, '', MIX_RESULT]);
    const fib = await derrick('compile', '--target', 'aarch64', path.join(repo, 'examples/fib.wat'), '-o', 'fib-arm.cwasm');
    expect(fib.code).toBe(0);
    expect((await derrick('run', 'fib-arm.cwasm', '--invoke', 'fib', '20')).out).toBe('6765\n');
    // An explicit --target still decides: an x86-64 engine refuses the AArch64 file.
    const x = await derrick('run', '--target', 'x86_64', 'fib-arm.cwasm', '--invoke', 'fib', '20');
    expect(x.code).toBe(1);
    expect(x.err).toMatch(/compiled for architecture 'aarch64'/);
  });

  it('is deterministic: --set flags in any order, and compiling twice, give byte-identical files', async () => {
    const sets = ['opt_level=speed_and_size', 'has_popcnt=false', 'enable_verifier=true', 'has_lzcnt=true', 'has_sse41=true'];
    const orders = [sets, [...sets].reverse(), [sets[2]!, sets[0]!, sets[4]!, sets[1]!, sets[3]!]];
    for (const [i, order] of orders.entries()) {
      const args = order.flatMap((s) => ['--set', s]);
      // --target before or after the settings: same thing.
      const argv = i % 2 === 0 ? ['compile', '--target', 'x86_64', ...args] : ['compile', ...args, '--target', 'x86_64'];
      expect((await derrick(...argv, '-o', `order${i}.cwasm`, 'mix.wat')).code).toBe(0);
    }
    const first = read('order0.cwasm');
    expect(read('order1.cwasm')).toEqual(first);
    expect(read('order2.cwasm')).toEqual(first);
    expect(readCwasm(first).engine.isaFlags).toMatchObject({ has_popcnt: 'false', has_lzcnt: 'true', has_sse41: 'true', has_avx2: 'false' });
    // Presets (--enable) apply before settings, wherever they are on the command line.
    await derrick('compile', '--target', 'x86_64', '--set', 'has_popcnt=false', '--enable', 'x86-64-v2', 'mix.wat', '-o', 'v2a.cwasm');
    await derrick('compile', '--enable', 'x86-64-v2', '--target', 'x86_64', 'mix.wat', '--set', 'has_popcnt=false', '-o', 'v2b.cwasm');
    expect(read('v2b.cwasm')).toEqual(read('v2a.cwasm'));
    expect(readCwasm(read('v2a.cwasm')).engine.isaFlags).toMatchObject({ has_sse42: 'true', has_popcnt: 'false', has_avx: 'false' });
    expect((await derrick('run', 'v2a.cwasm', ...MIX_ARGS)).out).toBe(MIX_RESULT);
    expect((await derrick('compile', '--enable', 'x86-64-v4', 'mix.wat')).err).toMatch(/unknown setting 'x86-64-v4'.*did you mean 'x86-64-v/);
    // Twice, with the default (host) settings.
    await derrick('compile', 'mix.wat', '-o', 'again1.cwasm');
    await derrick('compile', 'mix.wat', '-o', 'again2.cwasm');
    expect(read('again2.cwasm')).toEqual(read('again1.cwasm'));
    // Every variant gives the right answer.
    for (const f of ['order0.cwasm', 'again1.cwasm']) expect((await derrick('run', f, ...MIX_ARGS)).out).toBe(MIX_RESULT);
  });

  it('compiles for the host with its CPU features; an explicit --target gets the portable baseline', async () => {
    await derrick('compile', 'mix.wat', '-o', 'host.cwasm');
    await derrick('compile', '--target', 'x86_64', 'mix.wat', '-o', 'baseline.cwasm');
    const host = readCwasm(read('host.cwasm')).engine.isaFlags;
    const baseline = readCwasm(read('baseline.cwasm')).engine.isaFlags;
    expect(Object.values(baseline).every((v) => v === 'false')).toBe(true);
    expect(Object.keys(host).filter((f) => host[f] === 'true')).toEqual(detectedHostIsaFlags());
    // The user can still turn an inferred feature off.
    await derrick('compile', '--set', 'has_popcnt=false', 'mix.wat', '-o', 'nopopcnt.cwasm');
    expect(readCwasm(read('nopopcnt.cwasm')).engine.isaFlags['has_popcnt']).toBe('false');
    for (const f of ['host.cwasm', 'baseline.cwasm', 'nopopcnt.cwasm']) expect((await derrick('run', f, ...MIX_ARGS)).out).toBe(MIX_RESULT);
    if (detectedHostIsaFlags().includes('has_popcnt')) expect(read('host.cwasm')).not.toEqual(read('baseline.cwasm'));
  });

  it('refuses SIMD without SSE4.1, naming the missing feature (mission M3)', async () => {
    const r = await derrick('compile', '--target', 'x86_64', '--set', 'enable_simd=true', '--set', 'has_sse3=true', '--set', 'has_ssse3=true', '--set', 'has_sse41=false', 'mix.wat');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'error: SIMD support requires SSE3, SSSE3 and SSE4.1 on x86_64, but SSE4.1 (has_sse41) is not enabled; enable it (or the preset sse41, x86-64-v2 or x86-64-v3), or disable enable_simd\n',
    );
    const bare = await derrick('compile', '--target', 'x86_64', '--set', 'enable_simd=true', 'mix.wat');
    expect(bare.err).toMatch(/but SSE3 \(has_sse3\), SSSE3 \(has_ssse3\), SSE4\.1 \(has_sse41\) are not enabled/);
    const ok = await derrick('compile', '--target', 'x86_64', '--set', 'enable_simd=true', '--set', 'has_sse3=true', '--set', 'has_ssse3=true', '--set', 'has_sse41=true', 'mix.wat', '-o', 'simd.cwasm');
    expect([ok.code, ok.err]).toEqual([0, '']);
  });

  it('an unknown setting is named, with the nearest valid name; a bad value names the setting and the allowed values', async () => {
    const unknown = await derrick('compile', '--set', 'opt_levle=speed', 'mix.wat');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe("error: unknown setting 'opt_levle' for target x86_64-unknown-linux-gnu; did you mean 'opt_level'? (see `derrick settings`)\n");
    expect((await derrick('compile', '--set', 'has_sse4.1=true', 'mix.wat')).err).toMatch(/unknown setting 'has_sse4\.1' .*did you mean 'has_sse41'\?/);
    const badEnum = await derrick('compile', '--set', 'opt_level=fast', 'mix.wat');
    expect([badEnum.code, badEnum.err]).toEqual([2, "error: shared setting 'opt_level': expected one of none, speed, speed_and_size, got 'fast'\n"]);
    const badBool = await derrick('compile', '--set', 'has_avx2=maybe', 'mix.wat');
    expect(badBool.err).toBe("error: x86 setting 'has_avx2': expected a boolean (true or false), got 'maybe'\n");
    expect((await derrick('compile', '--set', 'opt_level', 'mix.wat')).err).toBe("error: --set expects name=value, got 'opt_level'\n");
    expect((await derrick('compile', '--target', 'sparc', 'mix.wat')).err).toMatch(/unknown target 'sparc'/);
    // run takes the same options, with the same errors.
    expect((await derrick('run', '--set', 'opt_levle=speed', 'mix.wat')).err).toMatch(/did you mean 'opt_level'/);
  });

  it('tells a .cwasm handed to compile to use derrick run, and reports bad modules and unwritable outputs', async () => {
    await derrick('compile', 'mix.wat', '-o', 'in.cwasm');
    const c = await derrick('compile', 'in.cwasm');
    expect(c.code).toBe(2);
    expect(c.err).toBe(
      'error: in.cwasm: this is a precompiled module (.cwasm), not a WebAssembly module; run it with `derrick run in.cwasm` (or load it with Module.deserialize) — `derrick compile` takes a .wasm or .wat file\n',
    );
    writeFileSync(path.join(dir, 'renamed.bin'), read('in.cwasm'));
    expect((await derrick('compile', 'renamed.bin')).err).toMatch(/this is a precompiled module \(\.cwasm\)/);
    writeFileSync(path.join(dir, 'invalid.wasm'), Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x0a, 0x02, 0x01, 0x00));
    const invalid = await derrick('compile', 'invalid.wasm');
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/^error: invalid\.wasm: /);
    const text = await derrick('compile', 'missing.wat');
    expect([text.code, text.err]).toEqual([2, 'error: missing.wat: no such file or directory\n']);
    const out = await derrick('compile', 'mix.wat', '-o', 'no/such/dir/x.cwasm');
    expect([out.code, out.err]).toEqual([2, 'error: no/such/dir/x.cwasm: no such file or directory\n']);
    for (const r of [c, invalid, text, out]) expect(r.err).not.toMatch(NO_STACK);
  });
});

describe('derrick run of a damaged .cwasm', () => {
  /** Runs `bytes` as a .cwasm; returns the result. */
  async function runBytes(bytes: Uint8Array) {
    writeFileSync(path.join(dir, 'damaged.cwasm'), bytes);
    return derrick('run', 'damaged.cwasm', ...MIX_ARGS);
  }

  /** Every way a damaged file may be reported (all from the container checks of `readCwasm`). */
  const CLEAR = /^error: damaged\.cwasm: (\.cwasm checksum mismatch|not a precompiled Derrick module|no \.cwasm trailer|\.cwasm trailer |file is \d+ bytes, too short)/;

  beforeAll(async () => {
    expect((await derrick('compile', 'mix.wat', '-o', 'good.cwasm')).code).toBe(0);
  });

  it('refuses every single-byte flip — header, text, metadata, trailer — with a clear message and exit 1', async () => {
    const good = read('good.cwasm');
    expect((await runBytes(good)).out).toBe(MIX_RESULT);
    const image = readCwasm(good);
    const textStart = image.elf.sections.find((s) => s.name === '.text')!.offset;
    const positions = { header: 0, text: textStart, trailer: good.length - 24, checksum: good.length - 8 };
    let tested = 0;
    for (const mask of [0x01, 0x80]) {
      for (let i = 0; i < good.length; i++) {
        const bad = good.slice();
        bad[i]! ^= mask;
        const r = await runBytes(bad);
        if (r.code !== 1 || r.out !== '' || !CLEAR.test(r.err) || NO_STACK.test(r.err)) {
          expect.fail(`flipping byte ${i} with 0x${mask.toString(16)}: exit ${r.code}, stdout ${JSON.stringify(r.out)}, stderr ${JSON.stringify(r.err)}`);
        }
        tested++;
      }
    }
    expect(tested).toBe(2 * good.length);
    // The positions named in the brief are among them; spot-check their messages.
    const flip = async (i: number) => {
      const bad = good.slice();
      bad[i]! ^= 1;
      return (await runBytes(bad)).err;
    };
    expect(await flip(positions.header)).toMatch(/does not start with the ELF magic/);
    expect(await flip(positions.text)).toMatch(/checksum mismatch/);
    expect(await flip(positions.trailer)).toMatch(/no \.cwasm trailer/);
    expect(await flip(positions.checksum)).toMatch(/checksum mismatch: stored [0-9a-f]{16}, computed [0-9a-f]{16}; the file is corrupted/);
  });

  it('refuses the file cut at every length', async () => {
    const good = read('good.cwasm');
    for (let n = 0; n < good.length; n++) {
      const r = await runBytes(good.subarray(0, n));
      if (r.code !== 1 || r.out !== '' || !CLEAR.test(r.err) || NO_STACK.test(r.err)) {
        expect.fail(`truncated to ${n} bytes: exit ${r.code}, stdout ${JSON.stringify(r.out)}, stderr ${JSON.stringify(r.err)}`);
      }
    }
    // Extra bytes after the trailer are damage too.
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect((await runBytes(longer)).code).toBe(1);
  });
});
