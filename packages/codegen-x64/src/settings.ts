/**
 * The x86-64 ISA flags (setting group `x86`), as data: one descriptor per
 * CPU feature the backend can use, all off by default (baseline x86-64 =
 * SSE2), plus Cranelift's presets for the common levels.
 *
 * What each flag changes in the lowering:
 *
 * | flag | used for |
 * |---|---|
 * | `has_sse41` | `roundss/roundsd` for `ceil/floor/trunc/nearest` (else an inline integer-conversion sequence) |
 * | `has_popcnt` | `popcnt` (else a bit-twiddling sequence) |
 * | `has_lzcnt` | `lzcnt` for `clz` (else `bsr` + `cmov`) |
 * | `has_bmi1` | `tzcnt` for `ctz` (else `bsf` + `cmov`) |
 * | `has_fma` | `vfmadd132ss/sd` for `fma` (f32 falls back to an exact f64 sequence; f64 needs the flag) |
 * | `has_avx` | the three-operand VEX forms `vaddss/vsubsd/…` for `fadd/fsub/fmul/fdiv` (else the two-operand SSE forms, which need a copy when the left operand lives on) |
 * | `has_sse3 has_ssse3 has_sse42 has_bmi2 has_avx2` | accepted and recorded (compatibility checks); no scalar lowering uses them yet |
 */
import { type Flags, type SettingGroup, SettingsBuilder, type SettingValue } from '@derrick/codegen';

export interface X64FlagValues extends Record<string, SettingValue> {
  has_sse3: boolean;
  has_ssse3: boolean;
  has_sse41: boolean;
  has_sse42: boolean;
  has_popcnt: boolean;
  has_lzcnt: boolean;
  has_bmi1: boolean;
  has_bmi2: boolean;
  has_avx: boolean;
  has_avx2: boolean;
  has_fma: boolean;
}

export type X64Flags = Flags<X64FlagValues>;

const flag = (name: string, description: string) => ({ name, kind: 'bool' as const, default: false, description });

/** The `x86` setting group. */
export const X64_SETTINGS: SettingGroup = {
  name: 'x86',
  settings: [
    flag('has_sse3', 'SSE3: CPUID.01H:ECX.SSE3[bit 0]'),
    flag('has_ssse3', 'SSSE3: CPUID.01H:ECX.SSSE3[bit 9]'),
    flag('has_sse41', 'SSE4.1: CPUID.01H:ECX.SSE4_1[bit 19] (roundss/roundsd)'),
    flag('has_sse42', 'SSE4.2: CPUID.01H:ECX.SSE4_2[bit 20]'),
    flag('has_popcnt', 'POPCNT: CPUID.01H:ECX.POPCNT[bit 23]'),
    flag('has_lzcnt', 'LZCNT: CPUID.80000001H:ECX.LZCNT[bit 5]'),
    flag('has_bmi1', 'BMI1: CPUID.(EAX=07H, ECX=0H):EBX.BMI1[bit 3] (tzcnt)'),
    flag('has_bmi2', 'BMI2: CPUID.(EAX=07H, ECX=0H):EBX.BMI2[bit 8]'),
    flag('has_avx', 'AVX: CPUID.01H:ECX.AVX[bit 28] (and OS support for YMM state)'),
    flag('has_avx2', 'AVX2: CPUID.(EAX=07H, ECX=0H):EBX.AVX2[bit 5]'),
    flag('has_fma', 'FMA: CPUID.01H:ECX.FMA[bit 12] (vfmadd132ss/sd)'),
  ],
  presets: [
    { name: 'baseline', description: 'x86-64 with SSE2 only', enables: [] },
    { name: 'sse3', description: 'SSE3', enables: ['has_sse3'] },
    { name: 'ssse3', description: 'SSE3 and SSSE3', enables: ['has_sse3', 'has_ssse3'] },
    { name: 'sse41', description: 'up to SSE4.1', enables: ['has_sse3', 'has_ssse3', 'has_sse41'] },
    { name: 'sse42', description: 'up to SSE4.2', enables: ['has_sse3', 'has_ssse3', 'has_sse41', 'has_sse42'] },
    {
      name: 'x86-64-v2',
      description: 'x86-64 microarchitecture level 2 (SSE4.2, POPCNT)',
      enables: ['has_sse3', 'has_ssse3', 'has_sse41', 'has_sse42', 'has_popcnt'],
    },
    {
      name: 'x86-64-v3',
      description: 'x86-64 microarchitecture level 3 (AVX2, BMI1/2, FMA, LZCNT)',
      enables: ['has_sse3', 'has_ssse3', 'has_sse41', 'has_sse42', 'has_popcnt', 'has_avx', 'has_avx2', 'has_bmi1', 'has_bmi2', 'has_fma', 'has_lzcnt'],
    },
  ],
};

/** A builder for the x86 flags, all off. */
export function x64SettingsBuilder(): SettingsBuilder<X64FlagValues> {
  return new SettingsBuilder<X64FlagValues>(X64_SETTINGS);
}

/** Every x86 flag on (for tests that want every fast path). */
export function allX64Flags(): X64Flags {
  const b = x64SettingsBuilder();
  for (const d of X64_SETTINGS.settings) b.enable(d.name);
  return b.finish();
}
