/**
 * Test-side machinery for running x64 code natively: a fake runtime (vmctx,
 * store context, value slots in native memory), a tiny text-section layout
 * that resolves the backend's relocations, and a `.clif` run-test executor.
 *
 * The runtime contract is the one `RuntimeAbi` describes; `TEST_RUNTIME_ABI`
 * uses the layout of environ's `VMOffsets` (store context pointer at vmctx+8;
 * stack_limit +0, entry_sp +8, trap_code +16, trap_pc +24, trap_fp +32) and
 * stores IR trap codes unchanged, so a trap reads back as its IR name.
 */
import { CodegenError, type CompiledCode, type CompiledCodeStencil, type RuntimeAbi } from '@derrick/codegen';
import {
  type CallResult,
  ExternalName,
  type Function,
  I64,
  type Inst,
  LibCall,
  Opcode,
  type RunTestExecutor,
  Signature,
  type Type,
  F32,
  F64,
  isFloat,
  trapCodeName,
  typeBits,
  vmctxParam,
} from '@derrick/codegen-ir';
import { type ArrayCallEntry, CodeMemory, type CodeRelocation, NativeRegion, nativeStackPointer, nativeStackSize } from '@derrick/jit';
import koffi from 'koffi';
import type { X64Isa } from '../src/index.js';

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

  constructor() {
    new BigUint64Array(this.vmctx.buffer, 0, 8)[1] = this.store.address;
    this.resetStackLimit();
  }

  /** stack_limit = (current native sp) − half the native stack. */
  resetStackLimit(): void {
    const budget = BigInt(Math.min(nativeStackSize() >> 1, 1 << 20));
    this.storeWords[0] = nativeStackPointer() - budget;
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

export interface LayoutItem {
  readonly key: string;
  readonly code: CompiledCode;
}

/** Function code laid out in one text section with its relocations resolved, published executable. */
export class TestModule {
  private constructor(
    readonly memory: CodeMemory,
    readonly offsets: ReadonlyMap<string, number>,
    readonly text: Uint8Array,
  ) {}

  /** Lay out `items` (16-byte aligned), resolve calls between them and libcalls, publish. */
  static link(items: readonly LayoutItem[]): TestModule {
    const offsets = new Map<string, number>();
    let size = 0;
    for (const it of items) {
      size = (size + 15) & ~15;
      offsets.set(it.key, size);
      size += it.code.code.length;
    }
    const text = new Uint8Array(size).fill(0xcc);
    const dv = new DataView(text.buffer);
    const relocations: CodeRelocation[] = [];
    for (const it of items) {
      const base = offsets.get(it.key)!;
      text.set(it.code.code, base);
      for (const r of it.code.relocs) {
        const at = base + r.offset;
        const t = r.target;
        if (t.kind === 'libcall') {
          if (r.kind !== 'Abs8') throw new Error(`libcall relocation of kind ${r.kind}`);
          relocations.push({ kind: 'Abs8', offset: at, target: libcallAddress(t.libcall), addend: BigInt(r.addend) });
          continue;
        }
        const key = t.kind === 'testcase' ? t.name : `u${t.namespace}:${t.index}`;
        const target = offsets.get(key);
        if (target === undefined) throw new Error(`relocation to ${key}, which is not in the module`);
        if (r.kind === 'X86CallPCRel4' || r.kind === 'X86PCRel4') dv.setInt32(at, target + r.addend - at, true);
        else throw new Error(`test layout: unsupported relocation ${r.kind} to ${key} (calls inside a module are colocated)`);
      }
    }
    return new TestModule(CodeMemory.publish(text, { relocations }), offsets, text);
  }

  address(key: string): bigint {
    const o = this.offsets.get(key);
    if (o === undefined) throw new Error(`no function ${key}`);
    return this.memory.functionAddress(o);
  }

  entry(key: string): ArrayCallEntry {
    return this.memory.arrayCallEntry(this.offsets.get(key)!);
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

/** The trap codes memory accesses of `f` would report (natively a fault, not a trap). */
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

function usesI32Pointers(f: Function): boolean {
  for (const b of f.layout.blockList()) {
    for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) {
      if (f.dfg.opcode(i) === Opcode.StackAddr && typeBits(f.dfg.ctrlType(i)) === 32) return true;
    }
  }
  return false;
}

const CANONICAL_NAN: Partial<Record<Type, bigint>> = { [F32]: 0x7fc0_0000n, [F64]: 0x7ff8_0000_0000_0000n };
const X86_DEFAULT_NAN: Partial<Record<Type, bigint>> = { [F32]: 0xffc0_0000n, [F64]: 0xfff8_0000_0000_0000n };

export interface NativeRunStats {
  /** Skipped commands by reason. */
  skips: Map<string, number>;
  /** Results that matched only because a generated NaN's sign differs (x86 default NaN is negative). */
  nanSignMatches: number;
  compiled: number;
}

/**
 * A `RunTestExecutor` running every command of a `.clif` file natively: all
 * functions compiled with `isa`, laid out in one module with one array-to-wasm
 * trampoline per function, called through the trampoline with a fake runtime.
 */
export class NativeClifExecutor implements RunTestExecutor {
  private module: TestModule | undefined;
  private readonly rt = new FakeRuntime();
  private readonly lines: string[];
  readonly stats: NativeRunStats = { skips: new Map(), nanSignMatches: 0, compiled: 0 };
  private readonly notRunnable = new Map<Function, string>();

  constructor(
    readonly isa: X64Isa,
    text: string,
  ) {
    this.lines = text.split('\n');
  }

  prepare(functions: readonly Function[]): void {
    const items: LayoutItem[] = [];
    for (const f of functions) {
      if (usesI32Pointers(f)) this.notRunnable.set(f, 'i32 pointers to native stack slots (the interpreter has a 32-bit address space)');
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
      return this.skip('an expected memory fault (no signal handlers: faults are not traps natively)');
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
    const status = mod.entry(`entry:${funcKey(func)}`).call(rt.vmctx.address, mod.address(funcKey(func)), rt.values.address, count);
    if (rt.entrySp !== 0n) throw new Error(`entry_sp not restored after a call (line ${line})`);
    if (status !== 0n) {
      if (status !== 1n) throw new Error(`entry trampoline returned status ${status}`);
      return { trap: trapCodeName(rt.trapCode) };
    }
    const values = func.signature.returns.map((r, k) => BigInt.asUintN(typeBits(r.type), rt.slots[2 * k]!));
    return { values };
  }

  equals = (expected: bigint, actual: bigint, type: Type): boolean => {
    if (expected === actual) return true;
    if (isFloat(type) && expected === CANONICAL_NAN[type] && actual === X86_DEFAULT_NAN[type]) {
      this.stats.nanSignMatches++;
      return true;
    }
    return false;
  };

  dispose(): void {
    this.module?.dispose();
    this.rt.dispose();
  }
}

/** Convenience for IR-built tests: the result type list of `f`. */
export function returnTypes(f: Function): Type[] {
  return f.signature.returns.map((r) => r.type);
}

export { ExternalName };
