import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuid, decodeX64Features, hostCpuVendor, hostX64Features } from './host-features.js';

const onX64 = process.arch === 'x64';

describe.runIf(onX64)('host CPU features (cpuid as generated code)', () => {
  it('reads a vendor string that /proc/cpuinfo agrees with', () => {
    const vendor = hostCpuVendor();
    expect(vendor).toMatch(/^(GenuineIntel|AuthenticAMD|HygonGenuine|CentaurHauls|  Shanghai  )$/);
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    expect(info).toContain(`vendor_id\t: ${vendor}`);
  });

  it('agrees with the kernel on every feature it reports', () => {
    const f = hostX64Features()!;
    const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))![1]!.split(/\s+/));
    const kernelName: Record<keyof typeof f, string> = {
      has_sse3: 'pni',
      has_ssse3: 'ssse3',
      has_sse41: 'sse4_1',
      has_sse42: 'sse4_2',
      has_popcnt: 'popcnt',
      has_lzcnt: 'abm',
      has_bmi1: 'bmi1',
      has_bmi2: 'bmi2',
      has_avx: 'avx',
      has_avx2: 'avx2',
      has_fma: 'fma',
    };
    for (const [name, kname] of Object.entries(kernelName)) {
      expect([name, f[name as keyof typeof f]]).toEqual([name, flags.has(kname)]);
    }
  });

  it('every x86-64 CPU has leaf 1 with SSE2 (edx bit 26)', () => {
    expect((cpuid(1).edx >>> 26) & 1).toBe(1);
  });

  it('returns a copy: callers cannot change the cached answer', () => {
    const a = hostX64Features()!;
    a.has_sse3 = !a.has_sse3;
    expect(hostX64Features()!.has_sse3).toBe(!a.has_sse3);
  });
});

describe('decodeX64Features', () => {
  const zero = { eax: 0, ebx: 0, ecx: 0, edx: 0 };
  it('AVX needs OS support (OSXSAVE and XCR0 YMM state)', () => {
    const leaf1 = { ...zero, ecx: (1 << 28) | (1 << 27) | (1 << 12) };
    expect(decodeX64Features(zero, leaf1, undefined, undefined, 0b111).has_avx).toBe(true);
    expect(decodeX64Features(zero, leaf1, undefined, undefined, 0b011).has_avx).toBe(false);
    expect(decodeX64Features(zero, { ...leaf1, ecx: leaf1.ecx & ~(1 << 27) }, undefined, undefined, 0b111).has_avx).toBe(false);
    expect(decodeX64Features(zero, leaf1, undefined, undefined, 0b011).has_fma).toBe(false);
  });
  it('maps each bit to its flag', () => {
    const f = decodeX64Features(
      zero,
      { ...zero, ecx: 1 | (1 << 9) | (1 << 19) | (1 << 20) | (1 << 23) },
      { ...zero, ebx: (1 << 3) | (1 << 8) },
      { ...zero, ecx: 1 << 5 },
      undefined,
    );
    expect(f).toEqual({
      has_sse3: true, has_ssse3: true, has_sse41: true, has_sse42: true, has_popcnt: true,
      has_lzcnt: true, has_bmi1: true, has_bmi2: true, has_avx: false, has_avx2: false, has_fma: false,
    });
  });
});
