/**
 * Can this engine run a precompiled module? The policy half of
 * `.derrick.engine` (`@derrick/object` only lists the differences).
 *
 * Checked in this order, stopping at the first problem, with a message that
 * names the differing setting (Wasmtime's `Metadata::check_compatible`):
 *
 * 1. the Derrick release must be the same (the vmctx layout, trap codes and
 *    builtin ABI are not versioned separately);
 * 2. the architecture of the target must be the engine's (the compiler's
 *    target, or the host's for a compiler-less engine);
 * 3. every WebAssembly feature the module was compiled with must be enabled;
 * 4. shared (ISA-independent) compiler flags must be equal, except those
 *    that do not change the code's contract with the runtime
 *    (`DONT_CARE_FLAGS`: optimization level, verifier, register allocator…).
 *    A compiler-less engine has no flags to compare and skips this step;
 * 5. every ISA flag the module was compiled with enabled (a CPU feature its
 *    code may use) must be available where the code will run. For an image
 *    of the host's architecture — code this process would execute natively —
 *    that is the host CPU, whatever the engine's own compiler settings are
 *    (Wasmtime's `check_compatible_with_isa_flag`): detected on x86-64 by
 *    executing `cpuid` (jit's `hostX64Features`), on an AArch64 host from
 *    `/proc/cpuinfo`. An image for another architecture never runs natively
 *    here, so its flags must be enabled in the engine's compiler instead.
 *    A flag this file cannot test is an error, never silently accepted.
 *
 * `Module.new` does not go through this check (compiling for the host with a
 * flag the host lacks is how one builds an artifact for a newer machine), but
 * its module refuses to instantiate for the same reason
 * (`missingHostIsaFlag`, used by `compiled-module.ts`).
 */
import { readFileSync } from 'node:fs';
import { hostX64Features } from '@derrick/jit';
import type { EngineInfo } from '@derrick/object';
import { DERRICK_BUILD, type Engine, hostArchitecture } from './engine.js';
import { RuntimeError } from './errors.js';

/** Shared flags that may differ between the compiling and the loading engine. */
export const DONT_CARE_FLAGS: ReadonlySet<string> = new Set([
  'opt_level',
  'enable_verifier',
  'regalloc_algorithm',
  'regalloc_checker',
  'regalloc_verbose_logs',
  'enable_alias_analysis',
  'enable_nan_canonicalization',
  'enable_incremental_compilation_cache_checks',
  'machine_code_cfg_info',
  'bb_padding_log2_minus_one',
  'log2_min_function_alignment',
  'enable_heap_access_spectre_mitigation',
  'enable_table_access_spectre_mitigation',
  // Whether the compiler may emit vector code; what the module needs is the
  // `simd` wasm feature (step 3) and the CPU features of its ISA flags (step 5).
  'enable_simd',
  // Test-only link options: the layout of the text, not its contract.
  'linkopt_padding_between_functions',
  'linkopt_force_jump_veneer',
  // The absolute-calls benchmark baseline: the loader reads it from the image
  // itself (`ABSOLUTE_CALLS_BASELINE_FLAG`), whatever the engine's setting.
  'linkopt_absolute_calls_baseline',
]);

/**
 * The shared flag of the benchmark baseline whose calls between functions are
 * absolute, with `Abs8` relocations in `.rela.text` that the loader patches
 * (`tools/bench/calls.mjs`). An image may carry relocations only when its
 * recorded flags have this set to `'true'`; every other image with
 * relocations is refused. Named here, not imported: the runtime never
 * imports codegen.
 */
export const ABSOLUTE_CALLS_BASELINE_FLAG = 'linkopt_absolute_calls_baseline';

/** ISA flags that are safe whatever the CPU (they execute as no-ops on older ones). */
const ALWAYS_AVAILABLE: ReadonlySet<string> = new Set(['sign_return_address', 'sign_return_address_all', 'sign_return_address_with_bkey', 'use_bti']);

/** ISA flag (without a `has_` prefix) → the `/proc/cpuinfo` feature that provides it. */
const CPUINFO_FEATURE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  x86_64: {
    sse3: 'pni',
    ssse3: 'ssse3',
    sse41: 'sse4_1',
    sse42: 'sse4_2',
    popcnt: 'popcnt',
    avx: 'avx',
    avx2: 'avx2',
    fma: 'fma',
    bmi1: 'bmi1',
    bmi2: 'bmi2',
    lzcnt: 'abm',
    f16c: 'f16c',
    cmpxchg16b: 'cx16',
    avx512f: 'avx512f',
    avx512dq: 'avx512dq',
    avx512vl: 'avx512vl',
    avx512bitalg: 'avx512_bitalg',
    avx512vbmi: 'avx512vbmi',
  },
  aarch64: { lse: 'atomics', pauth: 'paca', fp16: 'fphp' },
};

function arch(triple: string): string {
  return triple.split('-')[0]!;
}

function fail(message: string): never {
  throw new RuntimeError('incompatible-module', message);
}

let hostFeatures: ReadonlySet<string> | undefined;

/** The CPU features `/proc/cpuinfo` lists for the first processor. */
export function hostCpuFeatures(): ReadonlySet<string> {
  if (hostFeatures !== undefined) return hostFeatures;
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // No cpuinfo: no feature can be confirmed, so every enabled ISA flag will be refused.
  }
  const line = text.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
  hostFeatures = new Set((line?.split(':')[1] ?? '').trim().split(/\s+/).filter((f) => f.length > 0));
  return hostFeatures;
}

/** Throws `RuntimeError('incompatible-module')` naming the first incompatibility. */
export function checkCompatibility(engine: Engine, module: EngineInfo): void {
  // 1. Release.
  if (module.derrickVersion !== DERRICK_BUILD) {
    fail(`Module was compiled with Derrick '${module.derrickVersion}', but this is Derrick '${DERRICK_BUILD}'; recompile it`);
  }
  // 2. Architecture.
  const target = engine.target;
  if (arch(module.target) !== arch(target)) {
    fail(`Module was compiled for architecture '${arch(module.target)}' (target '${module.target}'), but this engine targets '${arch(target)}' ('${target}')`);
  }
  // 3. Features.
  const features = new Set(engine.wasmFeatures);
  for (const f of module.wasmFeatures) {
    if (!features.has(f)) fail(`Module was compiled with support for WebAssembly feature \`${f}\`, but it is not enabled for this engine`);
  }
  const expected = engine.hasCompiler ? engine.engineInfo() : undefined;
  // 4. Shared flags.
  if (expected !== undefined) {
    const names = [...new Set([...Object.keys(module.sharedFlags), ...Object.keys(expected.sharedFlags)])].sort();
    for (const name of names) {
      if (DONT_CARE_FLAGS.has(name)) continue;
      const got = Object.hasOwn(module.sharedFlags, name) ? module.sharedFlags[name] : undefined;
      const want = Object.hasOwn(expected.sharedFlags, name) ? expected.sharedFlags[name] : undefined;
      if (got !== want) {
        fail(
          `Module was compiled with setting \`${name}\` ${got === undefined ? 'unset' : `= '${got}'`}, ` +
            `but this engine has ${want === undefined ? 'no such setting' : `\`${name}\` = '${want}'`}`,
        );
      }
    }
  }
  // 5. ISA flags.
  const native = arch(module.target) === hostArchitecture();
  for (const name of Object.keys(module.isaFlags).sort()) {
    if (module.isaFlags[name] !== 'true' || ALWAYS_AVAILABLE.has(name)) continue;
    if (native) {
      const problem = hostIsaFlagProblem(module.target, name);
      if (problem === UNTESTABLE) fail(`don't know how to test for the ISA setting \`${name}\` on this host`);
      if (problem !== undefined) fail(`Module was compiled with ISA setting \`${name}\` enabled, but ${problem}`);
      continue;
    }
    if (expected === undefined) fail(`don't know how to test for the ISA setting \`${name}\` on this host`); // (step 2 already refused)
    if (expected.isaFlags[name] !== 'true') {
      fail(`Module was compiled with ISA setting \`${name}\` enabled, but it is not enabled for this engine's target '${expected.target}'`);
    }
  }
}

const UNTESTABLE = 'untestable';

/**
 * Why the host CPU cannot run code compiled with ISA flag `name` on —
 * `UNTESTABLE` for a flag this file cannot test — or `undefined` when it can.
 * For an image of the host's architecture.
 */
function hostIsaFlagProblem(target: string, name: string): string | undefined {
  if (ALWAYS_AVAILABLE.has(name)) return undefined;
  if (arch(target) === 'x86_64' && process.arch === 'x64') {
    const host = hostX64Features()!;
    if (!Object.hasOwn(host, name)) return UNTESTABLE;
    return host[name as keyof typeof host] ? undefined : 'the host CPU lacks it (cpuid)';
  }
  const feature = CPUINFO_FEATURE[arch(target)]?.[name.replace(/^has_/, '')];
  if (feature === undefined) return UNTESTABLE;
  return hostCpuFeatures().has(feature) ? undefined : `the host CPU lacks ${feature} (/proc/cpuinfo)`;
}

/**
 * The first ISA flag (by name) enabled in `isaFlags` that the host CPU lacks,
 * with a message naming it, or `undefined` when the host has them all.
 * Only meaningful for code of the host's architecture.
 */
export function missingHostIsaFlag(target: string, isaFlags: Readonly<Record<string, string>>): { name: string; message: string } | undefined {
  for (const name of Object.keys(isaFlags).sort()) {
    if (isaFlags[name] !== 'true') continue;
    const problem = hostIsaFlagProblem(target, name);
    if (problem === UNTESTABLE) return { name, message: `this module was compiled with ISA setting \`${name}\` enabled, which this host does not know how to test for; it cannot run here` };
    if (problem !== undefined) return { name, message: `this module was compiled with ISA setting \`${name}\` enabled, but ${problem}; it cannot run here` };
  }
  return undefined;
}
