/**
 * The AArch64 ISA flags (setting group `arm64`), as data. All are off by
 * default and no lowering reads them yet: they are recorded so that cache
 * keys, `derrick settings` and the compatibility header of precompiled
 * modules already carry them.
 *
 * | flag | will be used for |
 * |---|---|
 * | `has_lse` | LSE atomics (`ldadd`, `cas`, …) for wasm threads |
 * | `has_pauth` | pointer authentication of return addresses (`paciasp`/`autiasp`) |
 * | `has_fp16` | half-precision arithmetic (no scalar wasm operation needs it) |
 */
import { type Flags, type SettingGroup, SettingsBuilder, type SettingValue } from '@derrick/codegen';

export interface AArch64FlagValues extends Record<string, SettingValue> {
  has_lse: boolean;
  has_pauth: boolean;
  has_fp16: boolean;
}

export type AArch64Flags = Flags<AArch64FlagValues>;

const flag = (name: string, description: string) => ({ name, kind: 'bool' as const, default: false, description });

/** The `arm64` setting group. */
export const AARCH64_SETTINGS: SettingGroup = {
  name: 'arm64',
  settings: [
    flag('has_lse', 'Large System Extensions (ARMv8.1 atomics): ID_AA64ISAR0_EL1.Atomic'),
    flag('has_pauth', 'Pointer authentication (ARMv8.3): ID_AA64ISAR1_EL1.APA/API'),
    flag('has_fp16', 'Half-precision floating point (ARMv8.2): ID_AA64PFR0_EL1.FP'),
  ],
  presets: [
    { name: 'baseline', description: 'ARMv8.0-A', enables: [] },
    { name: 'armv8.1', description: 'ARMv8.1-A (LSE)', enables: ['has_lse'] },
  ],
};

/** A builder for the arm64 flags, all off. */
export function aarch64SettingsBuilder(): SettingsBuilder<AArch64FlagValues> {
  return new SettingsBuilder<AArch64FlagValues>(AARCH64_SETTINGS);
}
