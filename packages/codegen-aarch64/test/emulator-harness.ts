/**
 * Test-side machinery for running AArch64 code in the emulator
 * (`Aarch64Emulator`, libunicorn over host memory): a fake runtime (vmctx,
 * store context, value slots in native memory), a tiny text-section layout
 * that resolves the backend's relocations, a `.clif` run-test executor, and
 * the executor of the shared trampoline suite — the AArch64 twin of
 * codegen-x64's native harness. The machine-independent half (the test
 * runtime ABI, the fake runtime's layout, text layout, `.clif` preparation)
 * is `@derrick/codegen/test-support`, shared with it.
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
import { type Function, type Type, isFloat, typeBits } from '@derrick/codegen-ir';
import { Aarch64Emulator, CodeMemory, type EmulatedArrayCallEntry, NativeRegion, nativeView, registerHostCall } from '@derrick/jit';
import type { AArch64Isa } from '../src/index.js';

export { type LayoutItem, TEST_RUNTIME_ABI, addVmctxParam, funcKey };

/** The fake runtime in native memory; stack_limit = the emulated sp an entry starts with − half the usable emulated stack (≤ 1 MiB). */
export class FakeRuntime extends FakeRuntimeBase {
  constructor(readonly emulator: Aarch64Emulator) {
    super(
      (bytes) => NativeRegion.allocate(bytes),
      () => {
        const sp = emulator.stackPointer();
        const room = sp - emulator.stackBounds.low;
        const budget = room / 2n < 1n << 20n ? room / 2n : 1n << 20n;
        return sp - budget;
      },
    );
  }
}

/** Function code laid out in one text section, relocations resolved, published executable. */
export class TestModule extends TextModule<CodeMemory> {
  /**
   * Lay out `items` (16-byte aligned) and resolve calls between them:
   * `Arm64Call` patches the `bl`'s imm26, `X86PCRel4` (a colocated
   * `func_addr`'s data word) gets target − word. Libcalls are not
   * resolvable here (their code is x86-64), and are rejected earlier.
   */
  static link(items: readonly LayoutItem[]): TestModule {
    const { text, offsets } = layOutText(items, 0, (r, at, target, dv, key) => {
      if (target === undefined) throw new Error('libcall relocations cannot run in the emulator');
      if (r.kind === 'Arm64Call') {
        const d = (target + r.addend - at) >> 2;
        dv.setUint32(at, (dv.getUint32(at, true) & 0xfc00_0000) | (d & 0x03ff_ffff), true);
      } else if (r.kind === 'X86PCRel4') {
        dv.setInt32(at, target + r.addend - at, true);
      } else throw new Error(`test layout: unsupported relocation ${r.kind} to ${key}`);
    });
    return new TestModule(CodeMemory.publish(text), offsets);
  }
}

export interface EmulatedRunStats extends ClifRunStats {
  /** NaN results that matched only up to payload/sign (any NaN where the canonical one was expected). */
  nanMatches: number;
}

/** The `.clif` run-test executor (`ClifRunExecutor`), in the emulator. */
export class EmulatedClifExecutor extends ClifRunExecutor<CodeMemory, EmulatedRunStats> {
  constructor(
    isa: AArch64Isa,
    text: string,
    readonly emulator: Aarch64Emulator = Aarch64Emulator.shared(),
  ) {
    super(isa, text, new FakeRuntime(emulator), { skips: new Map(), compiled: 0, nanMatches: 0 });
  }

  protected override cannotRun(f: Function): string | undefined {
    if (f.dfg.extFuncs.some((e) => e.name.kind === 'libcall')) return 'libcalls (their C implementations are x86-64 code, not callable from the emulator)';
    return undefined;
  }

  protected link(items: readonly LayoutItem[]): TestModule {
    return TestModule.link(items);
  }

  protected entry(mod: TextModule<CodeMemory>, key: string): EmulatedArrayCallEntry {
    return this.emulator.arrayCallEntry(mod.address(key), mod.memory);
  }

  equals = (expected: bigint, actual: bigint, type: Type): boolean => {
    if (expected === actual) return true;
    if (isFloat(type) && expected === CANONICAL_NAN[type]) {
      const b = typeBits(type);
      const expMask = b === 32 ? 0x7f80_0000n : 0x7ff0_0000_0000_0000n;
      const fracMask = b === 32 ? 0x007f_ffffn : 0x000f_ffff_ffff_ffffn;
      if ((actual & expMask) === expMask && (actual & fracMask) !== 0n) {
        this.stats.nanMatches++;
        return true;
      }
    }
    return false;
  };
}

/** The shared trampoline suite's executor (`@derrick/codegen/test-support`): AArch64 code run in `emulator`. */
export function emulatedTrampolineExecutor(isa: AArch64Isa, emulator: Aarch64Emulator = Aarch64Emulator.shared()): TrampolineExecutor<CodeMemory> {
  return {
    isa,
    resultRegisters: 'x0/x1/v0/v1',
    runtime: () => new FakeRuntime(emulator),
    link: (items) => TestModule.link(items),
    publish: (text, relocations = []) => CodeMemory.publish(text, { relocations }),
    arrayCallEntry: (code, offset) => emulator.arrayCallEntry(code.functionAddress(offset), code),
    registerHostCall,
    nativeView,
  };
}
