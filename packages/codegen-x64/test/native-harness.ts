/**
 * Test-side machinery for running x64 code natively: a fake runtime (vmctx,
 * store context, value slots in native memory), a tiny text-section layout
 * that resolves the backend's relocations, a `.clif` run-test executor, and
 * the executor of the shared trampoline suite. The machine-independent half
 * (the test runtime ABI, the fake runtime's layout, text layout, `.clif`
 * preparation) is `@derrick/codegen/test-support`, shared with
 * codegen-aarch64's emulator harness.
 */
import {
  CANONICAL_NAN,
  ClifRunExecutor,
  type ClifRunStats,
  FakeRuntime as FakeRuntimeBase,
  type LayoutItem,
  TEST_RUNTIME_ABI,
  TextModule,
  type TrampolineExecutor,
  addVmctxParam,
  funcKey,
  layOutText,
} from '@derrick/codegen/test-support';
import { ExternalName, type Function, LibCall, type Type, F32, F64, isFloat } from '@derrick/codegen-ir';
import { type ArrayCallEntry, CodeMemory, type CodeRelocation, NativeRegion, nativeStackPointer, nativeStackSize, nativeView, registerHostCall } from '@derrick/jit';
import koffi from 'koffi';
import type { X64Isa } from '../src/index.js';

export { type LayoutItem, TEST_RUNTIME_ABI, addVmctxParam, funcKey };

/** The fake runtime in native memory; stack_limit = (current native sp) − half the native stack (≤ 1 MiB). */
export class FakeRuntime extends FakeRuntimeBase {
  constructor() {
    super(
      (bytes) => NativeRegion.allocate(bytes),
      () => nativeStackPointer() - BigInt(Math.min(nativeStackSize() >> 1, 1 << 20)),
    );
  }
}

let libc: ReturnType<typeof koffi.load> | undefined;
let libm: ReturnType<typeof koffi.load> | undefined;
const LIBCALL_SYMBOLS: Partial<Record<LibCall, [string, string]>> = {
  [LibCall.Memset]: ['c', 'memset'],
  [LibCall.Memcpy]: ['c', 'memcpy'],
  [LibCall.Memmove]: ['c', 'memmove'],
  [LibCall.Memcmp]: ['c', 'memcmp'],
  [LibCall.CeilF32]: ['m', 'ceilf'],
  [LibCall.CeilF64]: ['m', 'ceil'],
  [LibCall.FloorF32]: ['m', 'floorf'],
  [LibCall.FloorF64]: ['m', 'floor'],
  [LibCall.TruncF32]: ['m', 'truncf'],
  [LibCall.TruncF64]: ['m', 'trunc'],
  [LibCall.NearestF32]: ['m', 'roundevenf'],
  [LibCall.NearestF64]: ['m', 'roundeven'],
};

/** The address of a libcall's C implementation. */
export function libcallAddress(lc: LibCall): bigint {
  const s = LIBCALL_SYMBOLS[lc];
  if (s === undefined) throw new Error(`no C symbol for libcall ${lc}`);
  libc ??= koffi.load('libc.so.6');
  libm ??= koffi.load('libm.so.6');
  return (s[0] === 'c' ? libc : libm).symbol(s[1]) as unknown as bigint;
}

/** Function code laid out in one text section with its relocations resolved, published executable. */
export class TestModule extends TextModule<CodeMemory> {
  private constructor(
    memory: CodeMemory,
    offsets: ReadonlyMap<string, number>,
    readonly text: Uint8Array,
  ) {
    super(memory, offsets);
  }

  /** Lay out `items` (16-byte aligned), resolve calls between them and libcalls, publish. */
  static link(items: readonly LayoutItem[]): TestModule {
    const relocations: CodeRelocation[] = [];
    const { text, offsets } = layOutText(items, 0xcc, (r, at, target, dv, key) => {
      if (r.target.kind === 'libcall') {
        if (r.kind !== 'Abs8') throw new Error(`libcall relocation of kind ${r.kind}`);
        relocations.push({ kind: 'Abs8', offset: at, target: libcallAddress(r.target.libcall), addend: BigInt(r.addend) });
      } else if (r.kind === 'X86CallPCRel4' || r.kind === 'X86PCRel4') dv.setInt32(at, target! + r.addend - at, true);
      else throw new Error(`test layout: unsupported relocation ${r.kind} to ${key} (calls inside a module are colocated)`);
    });
    return new TestModule(CodeMemory.publish(text, { relocations }), offsets, text);
  }

  entry(key: string): ArrayCallEntry {
    return this.memory.arrayCallEntry(this.offsets.get(key)!);
  }
}

const X86_DEFAULT_NAN: Partial<Record<Type, bigint>> = { [F32]: 0xffc0_0000n, [F64]: 0xfff8_0000_0000_0000n };

export interface NativeRunStats extends ClifRunStats {
  /** Results that matched only because a generated NaN's sign differs (x86 default NaN is negative). */
  nanSignMatches: number;
}

/** The `.clif` run-test executor (`ClifRunExecutor`), natively. */
export class NativeClifExecutor extends ClifRunExecutor<CodeMemory, NativeRunStats> {
  constructor(isa: X64Isa, text: string) {
    super(isa, text, new FakeRuntime(), { skips: new Map(), nanSignMatches: 0, compiled: 0 });
  }

  protected link(items: readonly LayoutItem[]): TestModule {
    return TestModule.link(items);
  }

  protected entry(mod: TextModule<CodeMemory>, key: string): ArrayCallEntry {
    return mod.memory.arrayCallEntry(mod.offsets.get(key)!);
  }

  equals = (expected: bigint, actual: bigint, type: Type): boolean => {
    if (expected === actual) return true;
    if (isFloat(type) && expected === CANONICAL_NAN[type] && actual === X86_DEFAULT_NAN[type]) {
      this.stats.nanSignMatches++;
      return true;
    }
    return false;
  };
}

/** The shared trampoline suite's executor (`@derrick/codegen/test-support`): x64 code run natively. */
export function nativeTrampolineExecutor(isa: X64Isa): TrampolineExecutor<CodeMemory> {
  return {
    isa,
    resultRegisters: 'rax/rdx/xmm0/xmm1',
    runtime: () => new FakeRuntime(),
    link: (items) => TestModule.link(items),
    publish: (text, relocations = []) => CodeMemory.publish(text, { relocations }),
    arrayCallEntry: (code, offset) => code.arrayCallEntry(offset),
    registerHostCall,
    nativeView,
  };
}

/** Convenience for IR-built tests: the result type list of `f`. */
export function returnTypes(f: Function): Type[] {
  return f.signature.returns.map((r) => r.type);
}

export { ExternalName };
