/**
 * Host CPU feature detection by executing `cpuid` (and `xgetbv`) as generated
 * machine code — not by parsing `/proc/cpuinfo`, which can disagree with what
 * the process may actually use (e.g. AVX without OS support for YMM state).
 *
 * Approach: two tiny System V functions, assembled here by hand and published
 * through `CodeMemory`, are called through koffi:
 *
 * ```text
 * cpuid_stub(u32 leaf, u32 subleaf, u32 out[4])   xgetbv_stub(u32 out[2])
 *   53          push rbx                           31 c9       xor ecx, ecx
 *   49 89 d0    mov r8, rdx                        0f 01 d0    xgetbv
 *   89 f8       mov eax, edi                       89 07       mov [rdi], eax
 *   89 f1       mov ecx, esi                       89 57 04    mov [rdi+4], edx
 *   0f a2       cpuid                              c3          ret
 *   41 89 00    mov [r8], eax
 *   41 89 58 04 mov [r8+4], ebx
 *   41 89 48 08 mov [r8+8], ecx
 *   41 89 50 0c mov [r8+12], edx
 *   5b          pop rbx
 *   c3          ret
 * ```
 *
 * The result uses the names of the x86-64 ISA flags of `codegen-x64`
 * (`has_sse3`, …), so the engine can feed it to a compiler builder and check
 * a precompiled module's ISA flags against the host. On a non-x86-64 host the
 * answer is an empty set (AArch64 features are assumed baseline there).
 */
import koffi from 'koffi';
import { CodeMemory } from './code-memory.js';
import { JitError } from './error.js';
import { NativeRegion } from './native-region.js';

const CPUID_STUB = [
  0x53, 0x49, 0x89, 0xd0, 0x89, 0xf8, 0x89, 0xf1, 0x0f, 0xa2, 0x41, 0x89, 0x00, 0x41, 0x89, 0x58, 0x04, 0x41, 0x89,
  0x48, 0x08, 0x41, 0x89, 0x50, 0x0c, 0x5b, 0xc3,
];
const XGETBV_STUB = [0x31, 0xc9, 0x0f, 0x01, 0xd0, 0x89, 0x07, 0x89, 0x57, 0x04, 0xc3];

/** Raw register values of one `cpuid` query. */
export interface CpuidResult {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

/** The x86-64 feature flags Derrick's backend knows, as detected on this host. */
export interface HostX64Features {
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

let cached: HostX64Features | undefined;

/** Runs `cpuid` on this host. Throws `JitError('unsupported-host')` off x86-64. */
export function cpuid(leaf: number, subleaf = 0): CpuidResult {
  return withStubs((s) => s.cpuid(leaf, subleaf));
}

interface Stubs {
  cpuid(leaf: number, subleaf: number): CpuidResult;
  xgetbv(): { lo: number; hi: number };
}

function withStubs<T>(f: (s: Stubs) => T): T {
  if (process.arch !== 'x64') {
    throw new JitError('unsupported-host', `cpuid: the host is ${process.arch}, not x86-64`);
  }
  const code = CodeMemory.publish(new Uint8Array([...CPUID_STUB, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, ...XGETBV_STUB]));
  const out = NativeRegion.allocate(16);
  try {
    const cpuidFn = koffi.decode(code.functionAddress(0), koffi.proto(null, 'void', ['uint32_t', 'uint32_t', 'void *'])) as (
      a: number,
      b: number,
      p: bigint,
    ) => void;
    const xgetbvFn = koffi.decode(code.functionAddress(CPUID_STUB.length + 5), koffi.proto(null, 'void', ['void *'])) as (
      p: bigint,
    ) => void;
    const words = new Uint32Array(out.buffer, 0, 4);
    return f({
      cpuid(leaf, subleaf) {
        cpuidFn(leaf >>> 0, subleaf >>> 0, out.address);
        return { eax: words[0]!, ebx: words[1]!, ecx: words[2]!, edx: words[3]! };
      },
      xgetbv() {
        xgetbvFn(out.address);
        return { lo: words[0]!, hi: words[1]! };
      },
    });
  } finally {
    out.dispose();
    code.dispose();
  }
}

const bit = (word: number, n: number): boolean => ((word >>> n) & 1) === 1;

/** Decodes feature flags from raw cpuid leaves (exported for tests). */
export function decodeX64Features(
  leaf0: CpuidResult,
  leaf1: CpuidResult,
  leaf7: CpuidResult | undefined,
  ext1: CpuidResult | undefined,
  xcr0: number | undefined,
): HostX64Features {
  // AVX needs the CPU bit, OS support for saving YMM state (OSXSAVE + XCR0 bits 1 and 2).
  const osAvx = bit(leaf1.ecx, 27) && xcr0 !== undefined && (xcr0 & 0b110) === 0b110;
  const avx = bit(leaf1.ecx, 28) && osAvx;
  void leaf0;
  return {
    has_sse3: bit(leaf1.ecx, 0),
    has_ssse3: bit(leaf1.ecx, 9),
    has_sse41: bit(leaf1.ecx, 19),
    has_sse42: bit(leaf1.ecx, 20),
    has_popcnt: bit(leaf1.ecx, 23),
    has_lzcnt: ext1 !== undefined && bit(ext1.ecx, 5),
    has_bmi1: leaf7 !== undefined && bit(leaf7.ebx, 3),
    has_bmi2: leaf7 !== undefined && bit(leaf7.ebx, 8),
    has_avx: avx,
    has_avx2: avx && leaf7 !== undefined && bit(leaf7.ebx, 5),
    has_fma: avx && bit(leaf1.ecx, 12),
  };
}

/**
 * The host's x86-64 features (detected once per process), or `undefined`
 * when the host is not x86-64.
 */
export function hostX64Features(): HostX64Features | undefined {
  if (process.arch !== 'x64') return undefined;
  if (cached !== undefined) return { ...cached };
  cached = withStubs((s) => {
    const leaf0 = s.cpuid(0, 0);
    const maxLeaf = leaf0.eax;
    const leaf1 = s.cpuid(1, 0);
    const leaf7 = maxLeaf >= 7 ? s.cpuid(7, 0) : undefined;
    const maxExt = s.cpuid(0x80000000, 0).eax >>> 0;
    const ext1 = maxExt >= 0x80000001 ? s.cpuid(0x80000001, 0) : undefined;
    const xcr0 = bit(leaf1.ecx, 27) ? s.xgetbv().lo : undefined;
    return decodeX64Features(leaf0, leaf1, leaf7, ext1, xcr0);
  });
  return { ...cached };
}

/** The vendor string from cpuid leaf 0 (e.g. "GenuineIntel", "AuthenticAMD"). */
export function hostCpuVendor(): string | undefined {
  if (process.arch !== 'x64') return undefined;
  const r = cpuid(0, 0);
  const bytes = new Uint8Array(new Uint32Array([r.ebx, r.edx, r.ecx]).buffer);
  return new TextDecoder().decode(bytes);
}
