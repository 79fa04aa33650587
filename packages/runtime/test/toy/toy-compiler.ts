/**
 * The toy compiler: a test-only `CompilerBuilder` that turns a small subset of
 * WebAssembly into real x86-64 machine code, following exactly the
 * conventions the real compiler must follow (environ's `VMOffsets`,
 * `VMStoreContext`, `VMHostFuncContext`, the builtin table, 16-byte `ValRaw`
 * value arrays, the unwinding protocol of jit's README). It exists so the
 * runtime's whole execution path — compile → image → publish → instantiate →
 * call → host calls → builtins → traps → serialize — is tested today, and
 * so the runtime's side of the contract is pinned down independently of the
 * real compiler.
 *
 * Supported: functions of at most 5 integer/reference parameters and at most
 * one result; `unreachable nop drop end return local.get/set/tee
 * global.get/set i32.const i64.const i32.add/sub/mul/div_u i64.add/sub/mul
 * i32.load i64.load i32.store i64.store memory.size memory.grow call
 * call_indirect (table 0) table.get (table 0) table.set table.size ref.null
 * ref.func`, and the bulk operations through the runtime builtins
 * (`memory.fill/copy/init data.drop table.grow/fill/copy/init elem.drop`) —
 * no blocks, no floats. Anything else is `CompileError('unsupported')`.
 *
 * Code shape. Every function keeps its operands on the machine stack (push /
 * pop), `vmctx` at `[rbp-8]` and local `i` at `[rbp-16-8i]`, and checks the
 * stack limit in its prologue. Trap sites are `call raise` with the trap code
 * in esi; `raise` records the pc of that call and unwinds to the innermost
 * entry. Each text section starts with the shared `resume`/`raise` helper.
 *
 * `aarch64` targets are accepted and produce the same (x86-64) bytes under an
 * AArch64 ELF machine: such images are only ever loaded, never run — which
 * is what tests of non-executable modules need.
 */
import {
  Builtin,
  type CacheStore,
  type CompileStatistics,
  type CompiledBody,
  type CompiledText,
  CompileError,
  type Compiler,
  type CompilerBuilder,
  type FuncKey,
  type FuncType,
  type ModuleTranslation,
  Opcode,
  OperatorReader,
  type Setting,
  TrapCode,
  VMFuncRefOffsets,
  VMFunctionImportOffsets,
  VMHostFuncContextOffsets,
  VMMemoryDefinitionOffsets,
  VMOffsets,
  VMStoreContextOffsets,
  VMTableDefinitionOffsets,
  ValType,
  opcodeName,
} from '@derrick/environ';
import { Asm, Cond, R, mem } from './asm.js';

const NO_WASM_OFFSET = 0xffff_ffff;
const ARG_REGS = [R.rsi, R.rdx, R.rcx, R.r8, R.r9] as const;
const SC = VMStoreContextOffsets;

type Target = { kind: 'wasm'; defIndex: number } | { kind: 'resume' } | { kind: 'raise' };

interface ToyBody extends CompiledBody {
  readonly code: Uint8Array;
  readonly fixups: readonly { at: number; target: Target }[];
  readonly traps: readonly { offset: number; code: number }[];
  readonly srclocs: readonly { offset: number; wasmOffset: number }[];
}

/** A record of every builder call, for the config-idempotence tests. */
export type BuilderCall = readonly [method: string, ...args: string[]];

const SHARED_SETTINGS: Record<string, { kind: 'enum' | 'bool'; values?: string[]; default: string; description: string }> = {
  opt_level: { kind: 'enum', values: ['none', 'speed', 'speed_and_size'], default: 'speed', description: 'optimization level' },
  enable_simd: { kind: 'bool', default: 'true', description: 'enable the SIMD proposal' },
  preserve_frame_pointers: { kind: 'bool', default: 'true', description: 'keep frame pointers' },
  enable_verifier: { kind: 'bool', default: 'false', description: 'run the IR verifier' },
};
const ISA_SETTINGS = ['has_sse41', 'has_avx2'];
const PRESETS: Record<string, string[]> = { haswell: ['has_sse41', 'has_avx2'] };

export interface ToyOptions {
  /** Receives every builder call, in order. */
  readonly log?: BuilderCall[];
}

export class ToyCompilerBuilder implements CompilerBuilder {
  #triple = 'x86_64-unknown-linux-gnu';
  readonly #shared = new Map(Object.entries(SHARED_SETTINGS).map(([k, v]) => [k, v.default]));
  readonly #isa = new Map(ISA_SETTINGS.map((k) => [k, 'false']));
  #cache: CacheStore | undefined;

  constructor(readonly options: ToyOptions = {}) {}

  target(triple: string): void {
    this.options.log?.push(['target', triple]);
    if (!/^(x86_64|aarch64)(-|$)/.test(triple)) throw new CompileError('target', `unknown target '${triple}'`);
    this.#triple = triple;
  }
  triple(): string {
    return this.#triple;
  }
  set(name: string, value: string): void {
    this.options.log?.push(['set', name, value]);
    const shared = SHARED_SETTINGS[name];
    if (shared !== undefined) {
      const ok = shared.kind === 'bool' ? value === 'true' || value === 'false' : shared.values!.includes(value);
      if (!ok) throw new CompileError('setting', `bad value '${value}' for setting '${name}'`);
      this.#shared.set(name, value);
    } else if (this.#isa.has(name)) {
      if (value !== 'true' && value !== 'false') throw new CompileError('setting', `bad value '${value}' for setting '${name}'`);
      this.#isa.set(name, value);
    } else {
      throw new CompileError('setting', `unknown setting '${name}'`);
    }
  }
  enable(name: string): void {
    this.options.log?.push(['enable', name]);
    const preset = PRESETS[name];
    if (preset !== undefined) for (const f of preset) this.#isa.set(f, 'true');
    else if (SHARED_SETTINGS[name]?.kind === 'bool') this.#shared.set(name, 'true');
    else if (this.#isa.has(name)) this.#isa.set(name, 'true');
    else throw new CompileError('setting', `unknown setting '${name}'`);
  }
  settings(): Setting[] {
    return [
      ...Object.entries(SHARED_SETTINGS).map(([name, s]) => ({
        name,
        description: s.description,
        kind: s.kind,
        ...(s.values ? { values: s.values } : {}),
        value: this.#shared.get(name)!,
        group: 'shared' as const,
      })),
      ...ISA_SETTINGS.map((name) => ({ name, description: name, kind: 'bool' as const, value: this.#isa.get(name)!, group: 'isa' as const })),
    ];
  }
  enableIncrementalCompilation(store: CacheStore): void {
    this.options.log?.push(['enableIncrementalCompilation']);
    this.#cache = store;
  }
  build(): Compiler {
    this.options.log?.push(['build']);
    return new ToyCompiler(this.#triple, Object.fromEntries(this.#shared), Object.fromEntries(this.#isa), this.#cache);
  }
}

/** A `CompilerBuilder` factory for `Config.compilerBuilder`. */
export function toyCompilerBuilder(options: ToyOptions = {}): () => CompilerBuilder {
  return () => new ToyCompilerBuilder(options);
}

function offsetsFor(t: ModuleTranslation): VMOffsets {
  return new VMOffsets({
    numTypes: t.types.length,
    numImportedFunctions: t.numImportedFuncs,
    numImportedTables: t.numImportedTables,
    numImportedMemories: t.numImportedMemories,
    numImportedGlobals: t.numImportedGlobals,
    numDefinedFunctions: t.numDefinedFuncs,
    numDefinedTables: t.tables.length - t.numImportedTables,
    numDefinedMemories: t.memories.length - t.numImportedMemories,
    numDefinedGlobals: t.globals.length - t.numImportedGlobals,
  });
}

function unsupported(what: string): never {
  throw new CompileError('unsupported', `toy compiler: ${what}`);
}

function checkSignature(ty: FuncType, what: string): void {
  if (ty.params.length > ARG_REGS.length) unsupported(`${what} has more than ${ARG_REGS.length} parameters`);
  if (ty.results.length > 1) unsupported(`${what} has more than one result`);
  for (const t of [...ty.params, ...ty.results]) {
    if (t === ValType.F32 || t === ValType.F64 || t === ValType.V128) unsupported(`${what} uses a ${ValType[t]} value`);
  }
}

export class ToyCompiler implements Compiler {
  #functions = 0;
  constructor(
    readonly targetTriple: string,
    readonly sharedFlags: Record<string, string>,
    readonly isa: Record<string, string>,
    readonly cache: CacheStore | undefined,
  ) {}

  triple(): string {
    return this.targetTriple;
  }
  machine(): 'x86_64' | 'aarch64' {
    return this.targetTriple.startsWith('aarch64') ? 'aarch64' : 'x86_64';
  }
  flags(): Record<string, string> {
    return { ...this.sharedFlags };
  }
  isaFlags(): Record<string, string> {
    return { ...this.isa };
  }
  statistics(): CompileStatistics {
    return { functions: this.#functions, cacheHits: 0, cacheMisses: this.#functions };
  }

  async compileFunction(t: ModuleTranslation, defIndex: number): Promise<CompiledBody> {
    await Promise.resolve(); // exercise the asynchronous path
    this.#functions++;
    return new FunctionCompiler(t, defIndex).compile();
  }

  compileTrampoline(_t: ModuleTranslation, key: FuncKey, ty: FuncType): CompiledBody {
    checkSignature(ty, funcKeyLabel(key));
    if (key.kind === 'array-to-wasm') return arrayToWasm(key, ty);
    if (key.kind === 'wasm-to-array') return wasmToArray(key, ty);
    throw new CompileError('codegen', `not a trampoline: ${key.kind}`);
  }

  buildText(_t: ModuleTranslation, bodies: readonly CompiledBody[]): CompiledText {
    const helper = helperBlob();
    const out: number[] = [...helper.code];
    const align = () => {
      while (out.length % 16 !== 0) out.push(0xcc);
    };
    const locations: CompiledText['locations'] = [];
    const wasmStart = new Map<number, number>();
    for (const b of bodies as readonly ToyBody[]) {
      align();
      locations.push({ key: b.key, offset: out.length, length: b.code.length });
      if (b.key.kind === 'wasm') wasmStart.set(b.key.defIndex, out.length);
      out.push(...b.code);
    }
    const text = Uint8Array.from(out);
    const view = new DataView(text.buffer);
    const traps: CompiledText['traps'] = [];
    const addressMap: CompiledText['addressMap'] = [];
    (bodies as readonly ToyBody[]).forEach((b, i) => {
      const base = locations[i]!.offset;
      for (const f of b.fixups) {
        const target =
          f.target.kind === 'wasm' ? wasmStart.get(f.target.defIndex)! : f.target.kind === 'resume' ? helper.resume : helper.raise;
        view.setInt32(base + f.at, target - (base + f.at + 4), true);
      }
      for (const tr of b.traps) traps.push({ offset: base + tr.offset, code: tr.code });
      for (const s of b.srclocs) {
        const last = addressMap[addressMap.length - 1];
        const entry = { codeOffset: base + s.offset, wasmOffset: s.wasmOffset };
        if (last !== undefined && last.codeOffset === entry.codeOffset) addressMap[addressMap.length - 1] = entry;
        else addressMap.push(entry);
      }
      addressMap.push({ codeOffset: base + b.code.length, wasmOffset: NO_WASM_OFFSET });
    });
    return { text, locations, traps, addressMap, relocations: [] };
  }
}

function funcKeyLabel(key: FuncKey): string {
  return key.kind === 'wasm' ? `function ${key.defIndex}` : `${key.kind} trampoline for type ${key.typeIndex}`;
}

// -----------------------------------------------------------------------------
// The shared helper: resume (the one epilogue of every entry) and raise.

function helperBlob(): { code: Uint8Array; resume: number; raise: number } {
  const a = new Asm();
  const resume = a.offset;
  a.addImm(R.rsp, 8); // pad
  a.pop(R.rcx); // previous entry_sp
  a.pop(R.rdx); // vmctx
  a.load64(R.rdx, mem(R.rdx, 8)); // store context
  a.store64(mem(R.rdx, SC.entrySp), R.rcx);
  for (const r of [R.r15, R.r14, R.r13, R.r12, R.rbx, R.rbp]) a.pop(r);
  a.ret();
  const raise = a.offset;
  // raise(rdi = vmctx, esi = trap code), reached by `call`: the return address is just past the trap site.
  a.load64(R.rax, mem(R.rdi, 8));
  a.store32(mem(R.rax, SC.trapCode), R.rsi);
  a.load64(R.rcx, mem(R.rsp, 0));
  a.subImm(R.rcx, 5);
  a.store64(mem(R.rax, SC.trapPc), R.rcx);
  a.load64(R.rsp, mem(R.rax, SC.entrySp));
  a.movRR32(R.rax, R.rsi);
  const j = a.jmpRel();
  a.patch(j, resume);
  return { code: a.finish(), resume, raise };
}

// -----------------------------------------------------------------------------
// Trampolines.

function arrayToWasm(key: FuncKey, ty: FuncType): ToyBody {
  const a = new Asm();
  const fixups: ToyBody['fixups'][number][] = [];
  a.push(R.rbp);
  a.movRR(R.rbp, R.rsp);
  for (const r of [R.rbx, R.r12, R.r13, R.r14, R.r15]) a.push(r);
  a.push(R.rdi); // vmctx
  a.load64(R.rax, mem(R.rdi, 8)); // store context
  a.pushMem(mem(R.rax, SC.entrySp)); // previous entry_sp
  a.subImm(R.rsp, 8); // pad: rsp ≡ 0 (mod 16)
  a.store64(mem(R.rax, SC.entrySp), R.rsp);
  a.movRR(R.r12, R.rdx); // values
  a.movRR(R.rax, R.rsi); // callee
  ty.params.forEach((_, i) => a.load64(ARG_REGS[i]!, mem(R.r12, 16 * i)));
  a.callReg(R.rax);
  if (ty.results.length === 1) a.store64(mem(R.r12, 0), R.rax);
  a.xor32(R.rax, R.rax);
  fixups.push({ at: a.jmpRel(), target: { kind: 'resume' } });
  return body(key, a, fixups, [], []);
}

function wasmToArray(key: FuncKey, ty: FuncType): ToyBody {
  const a = new Asm();
  const fixups: ToyBody['fixups'][number][] = [];
  const n = Math.max(ty.params.length, ty.results.length, 1);
  a.push(R.rbp);
  a.movRR(R.rbp, R.rsp);
  a.subImm(R.rsp, 16 * n);
  a.push(R.rdi); // the VMHostFuncContext, at [rsp+8]
  a.subImm(R.rsp, 8); // rsp ≡ 0; values at [rsp+16]
  ty.params.forEach((_, i) => a.store64(mem(R.rsp, 16 + 16 * i), ARG_REGS[i]!));
  a.lea(R.rdx, mem(R.rsp, 16));
  a.load32(R.rsi, mem(R.rdi, VMHostFuncContextOffsets.index));
  a.movImm32(R.rcx, n);
  a.callMem(mem(R.rdi, VMHostFuncContextOffsets.hostCall));
  a.test(R.rax, R.rax);
  const fail = a.jcc(Cond.ne);
  if (ty.results.length === 1) a.load64(R.rax, mem(R.rsp, 16));
  a.leave();
  a.ret();
  a.patch(fail, a.offset);
  a.load64(R.rdi, mem(R.rsp, 8));
  a.load64(R.rcx, mem(R.rdi, VMHostFuncContextOffsets.storeContext));
  a.load64(R.rsp, mem(R.rcx, SC.entrySp));
  fixups.push({ at: a.jmpRel(), target: { kind: 'resume' } }); // eax = the status
  return body(key, a, fixups, [], []);
}

function body(
  key: FuncKey,
  a: Asm,
  fixups: ToyBody['fixups'],
  traps: ToyBody['traps'],
  srclocs: ToyBody['srclocs'],
): ToyBody {
  const code = a.finish();
  return { key, codeSize: code.length, cacheHit: false, code, fixups, traps, srclocs };
}

// -----------------------------------------------------------------------------
// Functions.

class FunctionCompiler {
  readonly a = new Asm();
  readonly fixups: { at: number; target: Target }[] = [];
  readonly traps: { offset: number; code: number }[] = [];
  readonly srclocs: { offset: number; wasmOffset: number }[] = [];
  readonly o: VMOffsets;
  /** Slots below rbp: vmctx, parameters, locals. */
  readonly frameSlots: number;
  readonly localTypes: ValType[];
  depth = 0;

  constructor(
    readonly t: ModuleTranslation,
    readonly defIndex: number,
  ) {
    this.o = offsetsFor(t);
    const fb = t.functionBodies[defIndex]!;
    const ty = t.types[fb.typeIndex]!;
    checkSignature(ty, `function ${fb.funcIndex}`);
    this.localTypes = [...ty.params];
    for (const run of fb.locals) for (let i = 0; i < run.count; i++) this.localTypes.push(run.type);
    this.frameSlots = 1 + this.localTypes.length;
  }

  /** A trap site: `mov rdi, vmctx; mov esi, code; call raise` (vmctx is in rdi already when `inPrologue`). */
  trap(code: TrapCode, inPrologue = false): void {
    const a = this.a;
    if (!inPrologue) a.load64(R.rdi, mem(R.rbp, -8));
    a.movImm32(R.rsi, code);
    this.traps.push({ offset: a.offset, code });
    this.fixups.push({ at: a.callRel(), target: { kind: 'raise' } });
  }

  /** `if (!cond) trap(code)`: jump over an inline trap site when `okCond` holds. */
  trapUnless(okCond: Cond, code: TrapCode): void {
    const skip = this.a.jcc(okCond);
    this.trap(code);
    this.a.patch(skip, this.a.offset);
  }

  /** Call with the operand stack aligned: `emit` performs the call itself. */
  alignedCall(emit: () => void): void {
    const pad = (this.frameSlots + this.depth) % 2 === 1;
    if (pad) this.a.subImm(R.rsp, 8);
    emit();
    if (pad) this.a.addImm(R.rsp, 8);
  }

  popArgs(ty: FuncType): void {
    for (let i = ty.params.length - 1; i >= 0; i--) this.a.pop(ARG_REGS[i]!);
    this.depth -= ty.params.length;
  }

  push(r: R): void {
    this.a.push(r);
    this.depth++;
  }

  pop(r: R): void {
    this.a.pop(r);
    this.depth--;
  }

  local(i: number) {
    return mem(R.rbp, -16 - 8 * i);
  }

  /** rdx := the address of memory 0's VMMemoryDefinition. */
  memoryDefinition(into: R): void {
    const a = this.a;
    a.load64(into, mem(R.rbp, -8));
    if (this.t.numImportedMemories > 0) a.load64(into, mem(into, this.o.importedMemory(0)));
    else a.lea(into, mem(into, this.o.definedMemory(0)));
  }

  tableDefinition(into: R, table = 0): void {
    const a = this.a;
    a.load64(into, mem(R.rbp, -8));
    if (table < this.t.numImportedTables) a.load64(into, mem(into, this.o.importedTable(table)));
    else a.lea(into, mem(into, this.o.definedTable(table - this.t.numImportedTables)));
  }

  /**
   * Call builtin `id`: pop `operands` wasm operands into the registers after
   * the immediates (`immediates` go to esi, edx, … first), vmctx in rdi. A
   * trapping builtin's non-zero result traps with `trapCode`.
   */
  builtin(id: Builtin, immediates: readonly number[], operands: number, result: 'none' | 'push' | TrapCode): void {
    const a = this.a;
    const regs = ARG_REGS.slice(immediates.length, immediates.length + operands);
    for (let i = regs.length - 1; i >= 0; i--) this.pop(regs[i]!);
    immediates.forEach((imm, i) => a.movImm32(ARG_REGS[i]!, imm));
    a.load64(R.rdi, mem(R.rbp, -8));
    a.load64(R.rax, mem(R.rdi, this.o.builtins));
    this.alignedCall(() => a.callMem(mem(R.rax, 8 * id)));
    if (result === 'push') {
      a.movRR32(R.rax, R.rax);
      this.push(R.rax);
    } else if (result !== 'none') {
      a.test(R.rax, R.rax, false);
      this.trapUnless(Cond.e, result);
    }
  }

  /** into := the address of global `g`'s slot. */
  globalSlot(into: R, g: number): void {
    const a = this.a;
    a.load64(into, mem(R.rbp, -8));
    if (g < this.t.numImportedGlobals) a.load64(into, mem(into, this.o.importedGlobal(g)));
    else a.lea(into, mem(into, this.o.definedGlobal(g - this.t.numImportedGlobals)));
  }

  /** rax := the effective address of an access of `size` bytes at (popped addr + offset), bounds-checked. */
  address(offset: number, size: number): void {
    const a = this.a;
    this.pop(R.rax);
    a.movImm64(R.rcx, BigInt(offset + size));
    a.add(R.rax, R.rcx);
    this.memoryDefinition(R.rdx);
    a.cmpMem(R.rax, mem(R.rdx, VMMemoryDefinitionOffsets.currentLength));
    this.trapUnless(Cond.be, TrapCode.MemoryOutOfBounds);
    a.addMem(R.rax, mem(R.rdx, VMMemoryDefinitionOffsets.base));
  }

  compile(): ToyBody {
    const a = this.a;
    const t = this.t;
    const fb = t.functionBodies[this.defIndex]!;
    const ty = t.types[fb.typeIndex]!;
    // Prologue: stack check (vmctx still in rdi), frame, parameters, locals.
    a.load64(R.rax, mem(R.rdi, 8));
    a.cmpMem(R.rsp, mem(R.rax, SC.stackLimit));
    const ok = a.jcc(Cond.ae);
    this.trap(TrapCode.StackOverflow, true);
    a.patch(ok, a.offset);
    a.push(R.rbp);
    a.movRR(R.rbp, R.rsp);
    a.push(R.rdi);
    ty.params.forEach((_, i) => a.push(ARG_REGS[i]!));
    a.xor32(R.rax, R.rax);
    for (let i = ty.params.length; i < this.localTypes.length; i++) a.push(R.rax);

    const reader = new OperatorReader(t.bytes, fb.codeStart, fb.codeEnd);
    const epilogue = () => {
      if (ty.results.length === 1) this.pop(R.rax);
      a.leave();
      a.ret();
    };
    while (!reader.atEnd) {
      const op = reader.read();
      this.srclocs.push({ offset: a.offset, wasmOffset: reader.offset });
      switch (op) {
        case Opcode.Unreachable:
          this.trap(TrapCode.UnreachableCodeReached);
          break;
        case Opcode.Nop:
          break;
        case Opcode.Drop:
          this.pop(R.rax);
          break;
        case Opcode.End:
          if (!reader.atEnd) unsupported('blocks');
          epilogue();
          break;
        case Opcode.Return:
          epilogue();
          if (!reader.atEnd) unsupported('return before the end');
          break;
        case Opcode.LocalGet:
          a.pushMem(this.local(reader.index));
          this.depth++;
          break;
        case Opcode.LocalSet:
          this.pop(R.rax);
          a.store64(this.local(reader.index), R.rax);
          break;
        case Opcode.LocalTee:
          a.load64(R.rax, mem(R.rsp, 0));
          a.store64(this.local(reader.index), R.rax);
          break;
        case Opcode.GlobalGet: {
          const g = reader.index;
          this.globalSlot(R.rax, g);
          if (t.globals[g]!.valType === ValType.I32) a.load32(R.rax, mem(R.rax, 0));
          else a.load64(R.rax, mem(R.rax, 0));
          this.push(R.rax);
          break;
        }
        case Opcode.GlobalSet: {
          const g = reader.index;
          this.pop(R.rcx);
          this.globalSlot(R.rax, g);
          if (t.globals[g]!.valType === ValType.I32) a.store32(mem(R.rax, 0), R.rcx);
          else a.store64(mem(R.rax, 0), R.rcx);
          break;
        }
        case Opcode.I32Const:
          a.movImm32(R.rax, reader.value);
          this.push(R.rax);
          break;
        case Opcode.I64Const:
          a.movImm64(R.rax, reader.i64Value());
          this.push(R.rax);
          break;
        case Opcode.I32Add:
        case Opcode.I32Sub:
        case Opcode.I32Mul:
        case Opcode.I64Add:
        case Opcode.I64Sub:
        case Opcode.I64Mul: {
          const w = op === Opcode.I64Add || op === Opcode.I64Sub || op === Opcode.I64Mul;
          this.pop(R.rcx);
          this.pop(R.rax);
          if (op === Opcode.I32Add || op === Opcode.I64Add) a.add(R.rax, R.rcx, w);
          else if (op === Opcode.I32Sub || op === Opcode.I64Sub) a.sub(R.rax, R.rcx, w);
          else a.imul(R.rax, R.rcx, w);
          this.push(R.rax);
          break;
        }
        case Opcode.I32DivU:
          this.pop(R.rcx);
          this.pop(R.rax);
          a.test(R.rcx, R.rcx, false);
          this.trapUnless(Cond.ne, TrapCode.IntegerDivisionByZero);
          a.xor32(R.rdx, R.rdx);
          a.div32(R.rcx);
          this.push(R.rax);
          break;
        case Opcode.I32Load:
        case Opcode.I64Load: {
          const size = op === Opcode.I32Load ? 4 : 8;
          this.address(reader.memOffset, size);
          if (size === 4) a.load32(R.rax, mem(R.rax, -4));
          else a.load64(R.rax, mem(R.rax, -8));
          this.push(R.rax);
          break;
        }
        case Opcode.I32Store:
        case Opcode.I64Store: {
          const size = op === Opcode.I32Store ? 4 : 8;
          this.pop(R.r8);
          this.address(reader.memOffset, size);
          if (size === 4) a.store32(mem(R.rax, -4), R.r8);
          else a.store64(mem(R.rax, -8), R.r8);
          break;
        }
        case Opcode.MemorySize:
          this.memoryDefinition(R.rax);
          a.load64(R.rax, mem(R.rax, VMMemoryDefinitionOffsets.currentLength));
          a.shrImm(R.rax, 16);
          this.push(R.rax);
          break;
        case Opcode.MemoryGrow:
          this.builtin(Builtin.MemoryGrow, [0], 1, 'push');
          break;
        case Opcode.Call: {
          const f = reader.index;
          const callee = t.types[t.functions[f]!]!;
          checkSignature(callee, `the callee of function ${fb.funcIndex}`);
          this.popArgs(callee);
          if (f < t.numImportedFuncs) {
            a.load64(R.rax, mem(R.rbp, -8));
            a.load64(R.rdi, mem(R.rax, this.o.importedFunction(f) + VMFunctionImportOffsets.vmctx));
            this.alignedCall(() => a.callMem(mem(R.rax, this.o.importedFunction(f) + VMFunctionImportOffsets.code)));
          } else {
            a.load64(R.rdi, mem(R.rbp, -8));
            this.alignedCall(() => this.fixups.push({ at: a.callRel(), target: { kind: 'wasm', defIndex: f - t.numImportedFuncs } }));
          }
          if (callee.results.length === 1) this.push(R.rax);
          break;
        }
        case Opcode.CallIndirect: {
          const typeIndex = reader.index;
          if (reader.index2 !== 0) unsupported('call_indirect on a table other than 0');
          const callee = t.types[typeIndex]!;
          checkSignature(callee, `call_indirect in function ${fb.funcIndex}`);
          this.pop(R.r10);
          this.popArgs(callee);
          this.tableDefinition(R.r11);
          a.cmpMem(R.r10, mem(R.r11, VMTableDefinitionOffsets.currentElements));
          this.trapUnless(Cond.b, TrapCode.TableOutOfBounds);
          a.load64(R.r11, mem(R.r11, VMTableDefinitionOffsets.base));
          a.shlImm(R.r10, 3);
          a.add(R.r10, R.r11);
          a.load64(R.r10, mem(R.r10, 0));
          a.test(R.r10, R.r10);
          this.trapUnless(Cond.ne, TrapCode.IndirectCallToNull);
          a.load32(R.r11, mem(R.r10, VMFuncRefOffsets.typeId));
          a.load64(R.rax, mem(R.rbp, -8));
          a.load64(R.rax, mem(R.rax, this.o.typeIds));
          a.cmpMem(R.r11, mem(R.rax, 4 * typeIndex), false);
          this.trapUnless(Cond.e, TrapCode.BadSignature);
          a.load64(R.rdi, mem(R.r10, VMFuncRefOffsets.vmctx));
          this.alignedCall(() => a.callMem(mem(R.r10, VMFuncRefOffsets.code)));
          if (callee.results.length === 1) this.push(R.rax);
          break;
        }
        case Opcode.TableGet:
          if (reader.index !== 0) unsupported('table.get on a table other than 0');
          this.pop(R.rax);
          this.tableDefinition(R.r11);
          a.cmpMem(R.rax, mem(R.r11, VMTableDefinitionOffsets.currentElements));
          this.trapUnless(Cond.b, TrapCode.TableOutOfBounds);
          a.load64(R.r11, mem(R.r11, VMTableDefinitionOffsets.base));
          a.shlImm(R.rax, 3);
          a.add(R.rax, R.r11);
          a.pushMem(mem(R.rax, 0));
          this.depth++;
          break;
        case Opcode.TableSet:
          this.pop(R.rcx);
          this.pop(R.rax);
          this.tableDefinition(R.r11, reader.index);
          a.cmpMem(R.rax, mem(R.r11, VMTableDefinitionOffsets.currentElements));
          this.trapUnless(Cond.b, TrapCode.TableOutOfBounds);
          a.load64(R.r11, mem(R.r11, VMTableDefinitionOffsets.base));
          a.shlImm(R.rax, 3);
          a.add(R.rax, R.r11);
          a.store64(mem(R.rax, 0), R.rcx);
          break;
        case Opcode.TableSize:
          this.tableDefinition(R.rax, reader.index);
          a.load64(R.rax, mem(R.rax, VMTableDefinitionOffsets.currentElements));
          this.push(R.rax);
          break;
        case Opcode.MemoryFill:
          this.builtin(Builtin.MemoryFill, [0], 3, TrapCode.MemoryOutOfBounds);
          break;
        case Opcode.MemoryCopy:
          this.builtin(Builtin.MemoryCopy, [0, 0], 3, TrapCode.MemoryOutOfBounds);
          break;
        case Opcode.MemoryInit:
          this.builtin(Builtin.MemoryInit, [0, reader.index], 3, TrapCode.MemoryOutOfBounds);
          break;
        case Opcode.DataDrop:
          this.builtin(Builtin.DataDrop, [reader.index], 0, 'none');
          break;
        case Opcode.TableGrow:
          this.builtin(Builtin.TableGrow, [reader.index], 2, 'push');
          break;
        case Opcode.TableFill:
          this.builtin(Builtin.TableFill, [reader.index], 3, TrapCode.TableOutOfBounds);
          break;
        case Opcode.TableCopy:
          this.builtin(Builtin.TableCopy, [reader.index, reader.index2], 3, TrapCode.TableOutOfBounds);
          break;
        case Opcode.TableInit:
          this.builtin(Builtin.TableInit, [reader.index2, reader.index], 3, TrapCode.TableOutOfBounds);
          break;
        case Opcode.ElemDrop:
          this.builtin(Builtin.ElemDrop, [reader.index], 0, 'none');
          break;
        case Opcode.RefNull:
          a.xor32(R.rax, R.rax);
          this.push(R.rax);
          break;
        case Opcode.RefFunc:
          a.load64(R.rax, mem(R.rbp, -8));
          a.addImm(R.rax, this.o.funcRef(reader.index));
          this.push(R.rax);
          break;
        default:
          unsupported(`instruction ${opcodeName(op)}`);
      }
    }
    const code = a.finish();
    return { key: { kind: 'wasm', defIndex: this.defIndex }, codeSize: code.length, cacheHit: false, code, fixups: this.fixups, traps: this.traps, srclocs: this.srclocs };
  }
}
