/**
 * The machine-independent half of the backends' execution test harnesses
 * (codegen-x64's `test/native-harness.ts`, codegen-aarch64's
 * `test/emulator-harness.ts`): the test runtime ABI, the fake runtime's
 * memory layout, the text-section layout, and the `.clif` preparation and
 * trap-code analysis both run-test executors do. What runs the code (koffi
 * natively, Unicorn emulated) stays in the backends, which pass in native
 * memory, the stack limit, linking and entering code: codegen may not depend
 * on `@derrick/jit` (see `trampolines.ts` for why this lives in codegen).
 *
 * `TEST_RUNTIME_ABI` uses the layout of environ's `VMOffsets` (store context
 * pointer at vmctx+8; stack_limit +0, entry_sp +8, trap_code +16, trap_pc
 * +24, trap_fp +32) and stores IR trap codes unchanged, so a trap reads back
 * as its IR name.
 */
import {
  type CallResult,
  F32,
  F64,
  type Function,
  I64,
  type Inst,
  Opcode,
  type RunTestExecutor,
  Signature,
  type Type,
  trapCodeName,
  typeBits,
  vmctxParam,
} from '@derrick/codegen-ir';
import { CodegenError, type CompiledCode, type CompiledCodeStencil, type FinalReloc, type RuntimeAbi, type TargetIsa } from '../src/index.js';

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

/** Zeroed read-write native memory (`NativeRegion` of @derrick/jit has this shape). */
export interface NativeMemory {
  readonly address: bigint;
  readonly buffer: ArrayBuffer;
  dispose(): void;
}

/** Native memory standing in for the runtime: a vmctx, its store context, and value slots. */
export class FakeRuntime {
  readonly store: NativeMemory;
  readonly vmctx: NativeMemory;
  readonly values: NativeMemory;
  readonly storeWords: BigUint64Array;
  readonly slots: BigUint64Array;

  /**
   * @param allocate maps zeroed native memory (also for `allocate` below).
   * @param stackLimit the stack_limit an entry starts with, computed afresh by each `resetStackLimit`.
   */
  constructor(
    readonly allocate: (bytes: number) => NativeMemory,
    private readonly stackLimit: () => bigint,
  ) {
    this.store = allocate(64);
    this.vmctx = allocate(64);
    this.values = allocate(16 * 64);
    this.storeWords = new BigUint64Array(this.store.buffer, 0, 8);
    this.slots = new BigUint64Array(this.values.buffer, 0, 2 * 64);
    new BigUint64Array(this.vmctx.buffer, 0, 8)[1] = this.store.address;
    this.resetStackLimit();
  }

  resetStackLimit(): void {
    this.storeWords[0] = this.stackLimit();
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

/**
 * Lay out `items` in one text section, each 16-byte aligned (the gaps and
 * the rest filled with `fill`), and hand every relocation to `patch` with its
 * offset in the text, the text offset of its target function (`undefined`
 * for a libcall; a target that is not in `items` is an error), and the
 * target's key (for messages).
 */
export function layOutText(
  items: readonly LayoutItem[],
  fill: number,
  patch: (r: FinalReloc, at: number, target: number | undefined, dv: DataView, key: string) => void,
): { text: Uint8Array; offsets: Map<string, number> } {
  const offsets = new Map<string, number>();
  let size = 0;
  for (const it of items) {
    size = (size + 15) & ~15;
    offsets.set(it.key, size);
    size += it.code.code.length;
  }
  const text = new Uint8Array(size).fill(fill);
  const dv = new DataView(text.buffer);
  for (const it of items) {
    const base = offsets.get(it.key)!;
    text.set(it.code.code, base);
    for (const r of it.code.relocs) {
      const t = r.target;
      if (t.kind === 'libcall') {
        patch(r, base + r.offset, undefined, dv, `libcall ${t.libcall}`);
        continue;
      }
      const key = t.kind === 'testcase' ? t.name : `u${t.namespace}:${t.index}`;
      const target = offsets.get(key);
      if (target === undefined) throw new Error(`relocation to ${key}, which is not in the module`);
      patch(r, base + r.offset, target, dv, key);
    }
  }
  return { text, offsets };
}

/** Published executable code (`CodeMemory` of @derrick/jit has this shape). */
export interface CodeImage {
  functionAddress(offset: number): bigint;
  dispose(): void;
}

/** `int64_t entry(void *vmctx, void *callee, uint64_t *values, size_t count)`, callable from TypeScript. */
export interface ArrayEntry {
  call(vmctx: bigint, callee: bigint, values: bigint, count: number): bigint;
}

/** Functions laid out in one published text section (what the harnesses' `TestModule.link` returns). */
export class TextModule<C extends CodeImage> {
  constructor(
    readonly memory: C,
    readonly offsets: ReadonlyMap<string, number>,
  ) {}

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

function callsOf(f: Function): Inst[] {
  const out: Inst[] = [];
  for (const b of f.layout.blockList()) {
    for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) {
      const op = f.dfg.opcode(i);
      if (op === Opcode.Call || op === Opcode.CallIndirect) out.push(i);
    }
  }
  return out;
}

/**
 * Give a `.clif` function the runtime's vmctx as an extra *last* parameter,
 * and pass it along at every call to another function of the file (direct
 * or indirect). Calls to libcalls are left alone; direct callees in the file
 * become colocated (one text section, relative calls, as Wasmtime does).
 */
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
  for (const ext of f.dfg.extFuncs) {
    if (ext.name.kind !== 'libcall') ext.colocated = true;
  }
  for (const s of sigsToExtend) {
    const old = f.dfg.signatures[s]!;
    f.dfg.signatures[s] = new Signature(old.callConv, [...old.params, vmctxParam(I64)], old.returns.slice());
  }
  for (const i of callsOf(f)) {
    const s = f.dfg.opcode(i) === Opcode.CallIndirect ? f.dfg.sigRef(i) : f.dfg.extFuncs[f.dfg.funcRef(i)]!.signature;
    if (sigsToExtend.has(s)) f.dfg.setArgs(i, [...f.dfg.instArgs(i), vmctx]);
  }
}

/** The trap codes memory accesses of `f` would report (without signal handlers a fault, not a trap). */
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

/** Trap codes `f` raises explicitly (trap instructions, checked arithmetic, the stack check of calls). */
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

/**
 * Whether the run-test command on `commandLine` expects a trap that only a
 * memory access of `f` can raise — a fault the harnesses cannot turn into a
 * trap (no signal handlers).
 */
function expectsMemoryFault(f: Function, commandLine: string): boolean {
  const m = /==\s*trap\s+(\w+)/.exec(commandLine);
  if (m === null || !memoryTrapCodes(f).has(m[1]!)) return false;
  const explicit = explicitTrapCodes(f);
  return !explicit.has(m[1]!) && !explicit.has('*');
}

/** Whether `f` takes i32 addresses of stack slots (fine in the interpreter's 32-bit address space, not natively). */
function usesI32Pointers(f: Function): boolean {
  for (const b of f.layout.blockList()) {
    for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) {
      if (f.dfg.opcode(i) === Opcode.StackAddr && typeBits(f.dfg.ctrlType(i)) === 32) return true;
    }
  }
  return false;
}

/** The NaN the interpreter produces (quiet, zero payload, positive). */
export const CANONICAL_NAN: Partial<Record<Type, bigint>> = { [F32]: 0x7fc0_0000n, [F64]: 0x7ff8_0000_0000_0000n };

/** The part of a `TargetIsa` the harnesses compile with. */
export type CompilingIsa = Pick<TargetIsa, 'compileFunction' | 'emitArrayToWasmTrampoline' | 'emitWasmToArrayTrampoline'>;

export interface ClifRunStats {
  /** Skipped commands by reason. */
  skips: Map<string, number>;
  compiled: number;
}

/**
 * A `RunTestExecutor` running every command of a `.clif` file on a machine:
 * all functions compiled with `isa`, laid out in one module with one
 * array-to-wasm trampoline per function, called through the trampoline with
 * a fake runtime. The backends supply linking, entering the code, result
 * comparison and what their machine cannot run at all.
 */
export abstract class ClifRunExecutor<C extends CodeImage, S extends ClifRunStats> implements RunTestExecutor {
  private module: TextModule<C> | undefined;
  private readonly lines: string[];
  private readonly notRunnable = new Map<Function, string>();

  constructor(
    readonly isa: CompilingIsa,
    text: string,
    protected readonly rt: FakeRuntime,
    readonly stats: S,
  ) {
    this.lines = text.split('\n');
  }

  protected abstract link(items: readonly LayoutItem[]): TextModule<C>;
  protected abstract entry(mod: TextModule<C>, key: string): ArrayEntry;
  abstract equals: (expected: bigint, actual: bigint, type: Type) => boolean;

  /** Why `f` cannot run on this machine at all (it is then not compiled either), if it cannot. */
  protected cannotRun(_f: Function): string | undefined {
    return undefined;
  }

  prepare(functions: readonly Function[]): void {
    const items: LayoutItem[] = [];
    for (const f of functions) {
      if (usesI32Pointers(f)) this.notRunnable.set(f, 'i32 pointers to native stack slots (the interpreter has a 32-bit address space)');
      const why = this.cannotRun(f);
      if (why !== undefined) {
        this.notRunnable.set(f, why);
        continue;
      }
      addVmctxParam(f);
      let stencil: CompiledCodeStencil;
      try {
        stencil = this.isa.compileFunction(f.stencil, { runtimeAbi: TEST_RUNTIME_ABI });
      } catch (e) {
        if (e instanceof CodegenError && e.kind === 'unsupported') {
          this.notRunnable.set(f, `unsupported by this ISA configuration: ${e.message}`);
          continue;
        }
        throw e;
      }
      this.stats.compiled++;
      items.push({ key: funcKey(f), code: stencil.apply(f.params) });
      const tramp = this.isa.emitArrayToWasmTrampoline(f.signature, TEST_RUNTIME_ABI);
      items.push({ key: `entry:${funcKey(f)}`, code: tramp.apply(f.params) });
    }
    this.module = this.link(items);
  }

  private skip(reason: string): undefined {
    this.stats.skips.set(reason, (this.stats.skips.get(reason) ?? 0) + 1);
    return undefined;
  }

  call(func: Function, args: bigint[], line: number): CallResult | undefined {
    const why = this.notRunnable.get(func);
    if (why !== undefined) return this.skip(why);
    if (expectsMemoryFault(func, this.lines[line - 1] ?? '')) {
      return this.skip('an expected memory fault (no signal handlers: faults are not traps)');
    }
    const mod = this.module!;
    const rt = this.rt;
    const params = func.signature.params;
    // Arguments: every parameter but the (last) vmctx one, in 16-byte slots.
    for (let k = 0; k < args.length; k++) {
      rt.slots[2 * k] = BigInt.asUintN(64, args[k]!);
      rt.slots[2 * k + 1] = 0n;
    }
    rt.resetStackLimit();
    rt.storeWords[2] = 0n;
    const count = Math.max(params.length - 1, func.signature.returns.length);
    const status = this.entry(mod, `entry:${funcKey(func)}`).call(rt.vmctx.address, mod.address(funcKey(func)), rt.values.address, count);
    if (rt.entrySp !== 0n) throw new Error(`entry_sp not restored after a call (line ${line})`);
    if (status !== 0n) {
      if (status !== 1n) throw new Error(`entry trampoline returned status ${status}`);
      return { trap: trapCodeName(rt.trapCode) };
    }
    return { values: func.signature.returns.map((r, k) => BigInt.asUintN(typeBits(r.type), rt.slots[2 * k]!)) };
  }

  dispose(): void {
    this.module?.dispose();
    this.rt.dispose();
  }
}
