/**
 * Test-side machinery for running AArch64 code in the emulator
 * (`Aarch64Emulator`, libunicorn over host memory): a fake runtime (vmctx,
 * store context, value slots in native memory), a tiny text-section layout
 * that resolves the backend's relocations, and a `.clif` run-test executor —
 * the AArch64 twin of codegen-x64's native harness.
 *
 * `TEST_RUNTIME_ABI` uses the layout of environ's `VMOffsets` (store context
 * pointer at vmctx+8; stack_limit +0, entry_sp +8, trap_code +16, trap_pc
 * +24, trap_fp +32) and stores IR trap codes unchanged.
 */
import { CodegenError, type CompiledCode, type CompiledCodeStencil, type RuntimeAbi } from '@derrick/codegen';
import { type CallResult, type Function, I64, Opcode, type RunTestExecutor, Signature, type Type, F32, F64, isFloat, trapCodeName, typeBits, vmctxParam } from '@derrick/codegen-ir';
import { Aarch64Emulator, CodeMemory, NativeRegion } from '@derrick/jit';
import type { AArch64Isa } from '../src/index.js';

export const TEST_RUNTIME_ABI: RuntimeAbi = {
  vmctxStoreContextOffset: 8,
  storeStackLimit: 0,
  storeEntrySp: 8,
  storeTrapCode: 16,
  storeTrapPc: 24,
  storeTrapFp: 32,
  hostCtxHostCall: 8,
  hostCtxIndex: 16,
  hostCtxStoreContext: 24,
  trapCode: (c) => c,
};

/** Native memory standing in for the runtime: a vmctx, its store context, and value slots. */
export class FakeRuntime {
  readonly store = NativeRegion.allocate(64);
  readonly vmctx = NativeRegion.allocate(64);
  readonly values = NativeRegion.allocate(16 * 64);
  readonly storeWords = new BigUint64Array(this.store.buffer, 0, 8);
  readonly slots = new BigUint64Array(this.values.buffer, 0, 2 * 64);

  constructor(readonly emulator: Aarch64Emulator) {
    new BigUint64Array(this.vmctx.buffer, 0, 8)[1] = this.store.address;
    this.resetStackLimit();
  }

  /** stack_limit = the emulated sp an entry starts with − half the usable emulated stack (≤ 1 MiB). */
  resetStackLimit(): void {
    const sp = this.emulator.stackPointer();
    const room = sp - this.emulator.stackBounds.low;
    const budget = room / 2n < 1n << 20n ? room / 2n : 1n << 20n;
    this.storeWords[0] = sp - budget;
  }

  get entrySp(): bigint {
    return this.storeWords[1]!;
  }
  get trapCode(): number {
    return Number(this.storeWords[2]! & 0xffff_ffffn);
  }
  get trapPc(): bigint {
    return this.storeWords[3]!;
  }

  dispose(): void {
    this.store.dispose();
    this.vmctx.dispose();
    this.values.dispose();
  }
}

export interface LayoutItem {
  readonly key: string;
  readonly code: CompiledCode;
}

/** Function code laid out in one text section, relocations resolved, published executable. */
export class TestModule {
  private constructor(
    readonly memory: CodeMemory,
    readonly offsets: ReadonlyMap<string, number>,
  ) {}

  /**
   * Lay out `items` (16-byte aligned) and resolve calls between them:
   * `Arm64Call` patches the `bl`'s imm26, `X86PCRel4` (a colocated
   * `func_addr`'s data word) gets target − word. Libcalls are not
   * resolvable here (their code is x86-64), and are rejected earlier.
   */
  static link(items: readonly LayoutItem[]): TestModule {
    const offsets = new Map<string, number>();
    let size = 0;
    for (const it of items) {
      size = (size + 15) & ~15;
      offsets.set(it.key, size);
      size += it.code.code.length;
    }
    const text = new Uint8Array(size);
    const dv = new DataView(text.buffer);
    for (const it of items) {
      const base = offsets.get(it.key)!;
      text.set(it.code.code, base);
      for (const r of it.code.relocs) {
        const at = base + r.offset;
        const t = r.target;
        if (t.kind === 'libcall') throw new Error('libcall relocations cannot run in the emulator');
        const key = t.kind === 'testcase' ? t.name : `u${t.namespace}:${t.index}`;
        const target = offsets.get(key);
        if (target === undefined) throw new Error(`relocation to ${key}, which is not in the module`);
        if (r.kind === 'Arm64Call') {
          const d = (target + r.addend - at) >> 2;
          dv.setUint32(at, (dv.getUint32(at, true) & 0xfc00_0000) | (d & 0x03ff_ffff), true);
        } else if (r.kind === 'X86PCRel4') {
          dv.setInt32(at, target + r.addend - at, true);
        } else throw new Error(`test layout: unsupported relocation ${r.kind} to ${key}`);
      }
    }
    return new TestModule(CodeMemory.publish(text), offsets);
  }

  address(key: string): bigint {
    const o = this.offsets.get(key);
    if (o === undefined) throw new Error(`no function ${key}`);
    return this.memory.functionAddress(o);
  }

  dispose(): void {
    this.memory.dispose();
  }
}

export function funcKey(f: Function): string {
  return f.name.kind === 'testcase' ? f.name.name : `u${f.name.name.namespace}:${f.name.name.index}`;
}

function callsOf(f: Function): number[] {
  const out: number[] = [];
  for (const b of f.layout.blockList()) {
    for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) {
      const op = f.dfg.opcode(i);
      if (op === Opcode.Call || op === Opcode.CallIndirect) out.push(i);
    }
  }
  return out;
}

/** As in codegen-x64's harness: the runtime's vmctx as an extra last parameter, passed along at calls. */
export function addVmctxParam(f: Function): void {
  const sig = f.signature;
  f.signature = new Signature(sig.callConv, [...sig.params, vmctxParam(I64)], sig.returns.slice());
  const vmctx = f.dfg.appendBlockParam(f.layout.entryBlock(), I64);
  const sigsToExtend = new Set<number>();
  for (const i of callsOf(f)) {
    if (f.dfg.opcode(i) === Opcode.CallIndirect) sigsToExtend.add(f.dfg.sigRef(i));
    else {
      const ext = f.dfg.extFuncs[f.dfg.funcRef(i)]!;
      if (ext.name.kind !== 'libcall') sigsToExtend.add(ext.signature);
    }
  }
  for (const ext of f.dfg.extFuncs) if (ext.name.kind !== 'libcall') ext.colocated = true;
  for (const s of sigsToExtend) {
    const old = f.dfg.signatures[s]!;
    f.dfg.signatures[s] = new Signature(old.callConv, [...old.params, vmctxParam(I64)], old.returns.slice());
  }
  for (const i of callsOf(f)) {
    const s = f.dfg.opcode(i) === Opcode.CallIndirect ? f.dfg.sigRef(i) : f.dfg.extFuncs[f.dfg.funcRef(i)]!.signature;
    if (sigsToExtend.has(s)) f.dfg.setArgs(i, [...f.dfg.instArgs(i), vmctx]);
  }
}

function usesLibcalls(f: Function): boolean {
  return f.dfg.extFuncs.some((e) => e.name.kind === 'libcall');
}

function memoryTrapCodes(f: Function): Set<string> {
  const out = new Set<string>();
  for (const b of f.layout.blockList()) {
    for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) {
      const op = f.dfg.opcode(i);
      if (op >= Opcode.Load && op <= Opcode.Istore32) {
        const code = f.dfg.memFlags(i).trapCode;
        if (code !== undefined) out.add(trapCodeName(code));
      }
    }
  }
  return out;
}

function explicitTrapCodes(f: Function): Set<string> {
  const out = new Set<string>();
  for (const b of f.layout.blockList()) {
    for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) {
      const op = f.dfg.opcode(i);
      if (op === Opcode.Trap || op === Opcode.Trapz || op === Opcode.Trapnz || op === Opcode.UaddOverflowTrap) out.add(trapCodeName(f.dfg.trapCode(i)));
      if (op === Opcode.Call || op === Opcode.CallIndirect) out.add('*');
      if (op >= Opcode.Sdiv && op <= Opcode.Urem) ['int_divz', 'int_ovf'].forEach((c) => out.add(c));
      if (op >= Opcode.FcvtToSint && op <= Opcode.FcvtToUint) ['bad_toint', 'int_ovf'].forEach((c) => out.add(c));
    }
  }
  return out;
}

function usesI32Pointers(f: Function): boolean {
  for (const b of f.layout.blockList()) {
    for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) {
      if (f.dfg.opcode(i) === Opcode.StackAddr && typeBits(f.dfg.ctrlType(i)) === 32) return true;
    }
  }
  return false;
}

const CANONICAL_NAN: Partial<Record<Type, bigint>> = { [F32]: 0x7fc0_0000n, [F64]: 0x7ff8_0000_0000_0000n };

export interface EmulatedRunStats {
  skips: Map<string, number>;
  compiled: number;
  /** NaN results that matched only up to payload/sign (any NaN where the canonical one was expected). */
  nanMatches: number;
}

/**
 * A `RunTestExecutor` running every command of a `.clif` file in the
 * emulator: all functions compiled with `isa`, laid out in one module with
 * one array-to-wasm trampoline per function, called through the trampoline
 * with a fake runtime.
 */
export class EmulatedClifExecutor implements RunTestExecutor {
  private module: TestModule | undefined;
  private readonly rt: FakeRuntime;
  private readonly lines: string[];
  readonly stats: EmulatedRunStats = { skips: new Map(), compiled: 0, nanMatches: 0 };
  private readonly notRunnable = new Map<Function, string>();

  constructor(
    readonly isa: AArch64Isa,
    text: string,
    readonly emulator: Aarch64Emulator = Aarch64Emulator.shared(),
  ) {
    this.lines = text.split('\n');
    this.rt = new FakeRuntime(emulator);
  }

  prepare(functions: readonly Function[]): void {
    const items: LayoutItem[] = [];
    for (const f of functions) {
      if (usesI32Pointers(f)) this.notRunnable.set(f, 'i32 pointers to native stack slots (the interpreter has a 32-bit address space)');
      if (usesLibcalls(f)) {
        this.notRunnable.set(f, 'libcalls (their C implementations are x86-64 code, not callable from the emulator)');
        continue;
      }
      addVmctxParam(f);
      let stencil: CompiledCodeStencil;
      try {
        stencil = this.isa.compileFunction(f.stencil, { runtimeAbi: TEST_RUNTIME_ABI });
      } catch (e) {
        if (e instanceof CodegenError && e.kind === 'unsupported') {
          this.notRunnable.set(f, `unsupported: ${e.message}`);
          continue;
        }
        throw e;
      }
      this.stats.compiled++;
      items.push({ key: funcKey(f), code: stencil.apply(f.params) });
      const tramp = this.isa.emitArrayToWasmTrampoline(f.signature, TEST_RUNTIME_ABI);
      items.push({ key: `entry:${funcKey(f)}`, code: tramp.apply(f.params) });
    }
    this.module = TestModule.link(items);
  }

  private skip(reason: string): undefined {
    this.stats.skips.set(reason, (this.stats.skips.get(reason) ?? 0) + 1);
    return undefined;
  }

  call(func: Function, args: bigint[], line: number): CallResult | undefined {
    const why = this.notRunnable.get(func);
    if (why !== undefined) return this.skip(why);
    const m = /==\s*trap\s+(\w+)/.exec(this.lines[line - 1] ?? '');
    const explicit = m === null ? undefined : explicitTrapCodes(func);
    if (m !== null && memoryTrapCodes(func).has(m[1]!) && !explicit!.has(m[1]!) && !explicit!.has('*')) {
      return this.skip('an expected memory fault (no signal handlers: faults are not traps)');
    }
    const mod = this.module!;
    const rt = this.rt;
    const params = func.signature.params;
    for (let k = 0; k < args.length; k++) {
      rt.slots[2 * k] = BigInt.asUintN(64, args[k]!);
      rt.slots[2 * k + 1] = 0n;
    }
    rt.resetStackLimit();
    rt.storeWords[2] = 0n;
    const count = Math.max(params.length - 1, func.signature.returns.length);
    const entry = this.emulator.arrayCallEntry(mod.address(`entry:${funcKey(func)}`), mod.memory);
    const status = entry.call(rt.vmctx.address, mod.address(funcKey(func)), rt.values.address, count);
    if (rt.entrySp !== 0n) throw new Error(`entry_sp not restored after a call (line ${line})`);
    if (status !== 0n) {
      if (status !== 1n) throw new Error(`entry trampoline returned status ${status}`);
      return { trap: trapCodeName(rt.trapCode) };
    }
    return { values: func.signature.returns.map((r, k) => BigInt.asUintN(typeBits(r.type), rt.slots[2 * k]!)) };
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

  dispose(): void {
    this.module?.dispose();
    this.rt.dispose();
  }
}
