/**
 * Reference interpreter: the executable specification of every opcode.
 *
 * Problem. Backends, the optimizer and the wasm translator need an oracle:
 * "what should this IR compute?". The interpreter answers it exactly, and
 * `.clif` run tests (runtest.ts) check both it and, later, native code.
 *
 * Data representation. Every value is a `bigint` holding its *bit pattern*,
 * unsigned and masked to the type's width (Invariant DataMasked). Integers of
 * all widths, and floats, share one representation, so NaN payloads survive
 * untouched through moves, selects, loads, stores, bitcasts and calls, and
 * run tests can compare results bitwise (as Cranelift's do).
 *
 * Semantics (Cranelift's, which for the wasm subset are WebAssembly's):
 *
 * * Integer arithmetic wraps. `sdiv`/`udiv`/`srem`/`urem` trap `int_divz` on
 *   a zero divisor; `sdiv` traps `int_ovf` on MIN / -1; `srem` of MIN by -1
 *   is 0. Shift and rotate amounts are taken modulo the width.
 * * `fcvt_to_sint`/`fcvt_to_uint` trap `bad_toint` on NaN and `int_ovf` when
 *   the truncated value does not fit; the `_sat` forms return 0 for NaN and
 *   clamp otherwise. `fcvt_from_*` round to nearest-even (exactly, also for
 *   64-bit integers to f32).
 * * `fmin`/`fmax`: NaN if either operand is NaN, and -0 < +0.
 * * NaN results. `fneg`, `fabs`, `fcopysign`, `bitcast`, `select` and memory
 *   operations are bitwise. Every other float operation that returns NaN
 *   returns the first NaN operand made quiet (payload kept; for
 *   `fpromote`/`fdemote` the payload is shifted into the new format) or, when
 *   no operand is NaN, the canonical NaN (positive, quiet, zero payload).
 *   WebAssembly accepts both ("arithmetic NaN"); this choice makes results
 *   deterministic.
 * * `nearest` rounds half to even; `ceil`/`floor`/`trunc` keep the sign of
 *   zero. `fma` rounds once.
 * * Memory is little-endian. An access outside any allocated region traps
 *   with the access's MemFlags trap code (`heap_oob` by default, also for
 *   `notrap` accesses, which are promises the interpreter cannot check);
 *   misaligned `aligned` accesses are not diagnosed.
 *
 * Machine model. `InterpreterMemory` is a set of byte regions in one 32-bit
 * address space (so i32 and i64 pointers both work): embedders allocate
 * regions (a wasm linear memory, a vmctx), each call frame allocates its
 * stack slots and frees them on return. Function addresses (`func_addr`,
 * `functionAddress`) live at 0xf000_0000 and up and are only callable through
 * `call_indirect`. Calls resolve by name among the interpreter's functions
 * (test-case names `%f`, user names `u0:3`), host functions, and libcalls.
 * Traps are returned as values (`{ trap: 'int_divz' }`); anything else that
 * goes wrong (unknown callee, step limit) throws `InterpreterError`.
 */
import { type FloatCC, IntCC, evalFloatCC } from './condcodes.js';
import type { DataFlowGraph } from './dfg.js';
import type { Block, Value } from './entities.js';
import { type ExternalName, LibCall, UserFuncName, formatUserExternalName, libCallName } from './extname.js';
import type { Function } from './function.js';
import { MemFlags } from './memflags.js';
import { OPCODE_INFO, Opcode, opcodeName } from './opcodes.js';
import { TrapCode, trapCodeName } from './trapcode.js';
import { F32, F64, type Type, isFloat, typeBits, typeBytes } from './types.js';
import { formatIeee32, formatIeee64 } from './immediates.js';

/** Raised for interpreter misuse or limits, never for IR traps. */
export class InterpreterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpreterError';
  }
}

class TrapSignal {
  constructor(readonly code: number) {}
}

/** Result of a call: returned values (bit patterns) or the trap that stopped it. */
export type CallResult = { readonly values: bigint[] } | { readonly trap: string };

export type HostFunction = (args: bigint[], interp: Interpreter) => bigint[];

export interface InterpreterOptions {
  /** Frames deeper than this trap with `stk_ovf` (default 2000). */
  maxCallDepth?: number;
  /** Abort with InterpreterError after this many executed instructions (default 100 million). */
  maxSteps?: number;
}

// ---------------------------------------------------------------------------
// Memory

interface Region {
  base: number;
  bytes: Uint8Array;
}

const MEM_BASE = 0x1_0000;
const FUNC_ADDR_BASE = 0xf000_0000;
const STACK_TOP = 0xe000_0000;

export class InterpreterMemory {
  /** Sorted by base. */
  private regions: Region[] = [];
  private top = MEM_BASE;

  /** Allocate `size` zeroed bytes aligned to `align`; returns the base address. */
  allocate(size: number, align = 16): number {
    const a = Math.max(align, 1);
    const base = Math.ceil(this.top / a) * a;
    const end = base + Math.max(size, 0);
    if (end + 16 > FUNC_ADDR_BASE) throw new InterpreterError('interpreter address space exhausted');
    this.regions.push({ base, bytes: new Uint8Array(Math.max(size, 0)) });
    this.top = end + 16; // a guard gap so that off-by-one accesses trap
    return base;
  }

  /** Free the region starting at `base`. */
  free(base: number): void {
    const i = this.find(base);
    if (i < 0 || this.regions[i]!.base !== base) throw new InterpreterError(`free of unallocated address 0x${base.toString(16)}`);
    this.regions.splice(i, 1);
    if (i === this.regions.length) {
      // LIFO frees (stack frames) give the address space back.
      const last = this.regions[this.regions.length - 1];
      this.top = last === undefined ? MEM_BASE : last.base + last.bytes.length + 16;
    }
  }

  /** The bytes of the region starting at `base` (to initialize or inspect it). */
  regionBytes(base: number): Uint8Array {
    const i = this.find(base);
    if (i < 0 || this.regions[i]!.base !== base) throw new InterpreterError(`no region at 0x${base.toString(16)}`);
    return this.regions[i]!.bytes;
  }

  /** Index of the region containing `addr` (or starting at it, for empty regions), or -1. */
  private find(addr: number): number {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid]!;
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.base + Math.max(r.bytes.length, 1)) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  private span(addr: bigint, n: number): { bytes: Uint8Array; off: number } | undefined {
    if (addr < 0n || addr + BigInt(n) > 0xffff_ffffn) return undefined;
    const a = Number(addr);
    const i = this.find(a);
    if (i < 0) return undefined;
    const r = this.regions[i]!;
    const off = a - r.base;
    if (off + n > r.bytes.length) return undefined;
    return { bytes: r.bytes, off };
  }

  /** Little-endian read of `n` bytes; undefined if out of bounds. */
  read(addr: bigint, n: number): bigint | undefined {
    const s = this.span(addr, n);
    if (s === undefined) return undefined;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(s.bytes[s.off + i]!);
    return v;
  }

  /** Little-endian write of the low `n` bytes of `v`; false if out of bounds. */
  write(addr: bigint, n: number, v: bigint): boolean {
    const s = this.span(addr, n);
    if (s === undefined) return false;
    let x = v;
    for (let i = 0; i < n; i++) {
      s.bytes[s.off + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    return true;
  }
}

// ---------------------------------------------------------------------------
// Float helpers (bit patterns in, bit patterns out)

const SIGN32 = 0x8000_0000n;
const SIGN64 = 0x8000_0000_0000_0000n;
const CANON32 = 0x7fc0_0000n;
const CANON64 = 0x7ff8_0000_0000_0000n;
const QUIET32 = 0x0040_0000n;
const QUIET64 = 0x0008_0000_0000_0000n;

const scratch = new DataView(new ArrayBuffer(8));

function isNaNBits(bits: bigint, ty: Type): boolean {
  if (ty === F32) return (bits & 0x7f80_0000n) === 0x7f80_0000n && (bits & 0x7f_ffffn) !== 0n;
  return (bits & 0x7ff0_0000_0000_0000n) === 0x7ff0_0000_0000_0000n && (bits & 0xf_ffff_ffff_ffffn) !== 0n;
}

function toNum(bits: bigint, ty: Type): number {
  if (ty === F32) {
    scratch.setUint32(0, Number(bits), true);
    return scratch.getFloat32(0, true);
  }
  scratch.setBigUint64(0, bits, true);
  return scratch.getFloat64(0, true);
}

/** Bits of a non-NaN number in the given float type (rounding to f32 if needed). */
function fromNum(x: number, ty: Type): bigint {
  if (ty === F32) {
    scratch.setFloat32(0, x, true);
    return BigInt(scratch.getUint32(0, true));
  }
  scratch.setFloat64(0, x, true);
  return scratch.getBigUint64(0, true);
}

/** The NaN result of an arithmetic operation on `inputs` (see module comment). */
function nanResult(ty: Type, inputs: readonly bigint[]): bigint {
  for (const b of inputs) if (isNaNBits(b, ty)) return b | (ty === F32 ? QUIET32 : QUIET64);
  return ty === F32 ? CANON32 : CANON64;
}

/** Bits of `x` (the exact or correctly rounded result) with the NaN rule applied. */
function floatResult(x: number, ty: Type, inputs: readonly bigint[]): bigint {
  return Number.isNaN(x) ? nanResult(ty, inputs) : fromNum(x, ty);
}

function nearestEven(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const f = Math.floor(x);
  const d = x - f;
  let r: number;
  if (d < 0.5) r = f;
  else if (d > 0.5) r = f + 1;
  else r = f % 2 === 0 ? f : f + 1;
  return r === 0 ? (x < 0 ? -0 : 0) : r;
}

interface FloatFormat {
  mantBits: number;
  expBits: number;
}
const FMT32: FloatFormat = { mantBits: 23, expBits: 8 };
const FMT64: FloatFormat = { mantBits: 52, expBits: 11 };

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Round sign · mant · 2^exp to the nearest-even value of `fmt`; returns bits. */
function roundExact(negative: boolean, mant: bigint, exp: number, fmt: FloatFormat): bigint {
  const signBit = negative ? 1n << BigInt(fmt.mantBits + fmt.expBits) : 0n;
  if (mant === 0n) return signBit;
  const bias = (1 << (fmt.expBits - 1)) - 1;
  const emin = 1 - bias;
  const e = exp + bitLength(mant) - 1;
  let q = Math.max(e, emin) - fmt.mantBits;
  const shift = q - exp;
  let m: bigint;
  if (shift <= 0) {
    m = mant << BigInt(-shift);
  } else {
    const s = BigInt(shift);
    m = mant >> s;
    const rem = mant & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
  }
  const implicit = 1n << BigInt(fmt.mantBits);
  if (m >= implicit << 1n) {
    m >>= 1n;
    q += 1;
  }
  const maxBiased = (1 << fmt.expBits) - 1;
  if (m < implicit) return signBit | m; // subnormal
  const biased = q + fmt.mantBits + bias;
  if (biased >= maxBiased) return signBit | (BigInt(maxBiased) << BigInt(fmt.mantBits)); // infinity
  return signBit | (BigInt(biased) << BigInt(fmt.mantBits)) | (m - implicit);
}

/** Decompose finite float bits into (negative, mant, exp) with value = ±mant·2^exp. */
function decompose(bits: bigint, fmt: FloatFormat): { neg: boolean; mant: bigint; exp: number } {
  const mb = BigInt(fmt.mantBits);
  const neg = ((bits >> (mb + BigInt(fmt.expBits))) & 1n) === 1n;
  const ef = Number((bits >> mb) & ((1n << BigInt(fmt.expBits)) - 1n));
  const frac = bits & ((1n << mb) - 1n);
  const bias = (1 << (fmt.expBits - 1)) - 1;
  if (ef === 0) return { neg, mant: frac, exp: 1 - bias - fmt.mantBits };
  return { neg, mant: frac | (1n << mb), exp: ef - bias - fmt.mantBits };
}

function fmaBits(a: bigint, b: bigint, c: bigint, ty: Type): bigint {
  const x = toNum(a, ty);
  const y = toNum(b, ty);
  const z = toNum(c, ty);
  // A finite product is exact here, so it cannot overflow: finite + ±Inf = ±Inf
  // (computing x * y in doubles could overflow to Inf and give Inf - Inf = NaN).
  if (Number.isFinite(x) && Number.isFinite(y) && (z === Infinity || z === -Infinity)) return c;
  if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z) || x === 0 || y === 0) {
    // Non-finite and zero-product cases: the double computation is exact or
    // has the right special value.
    return floatResult(x * y + z, ty, [a, b, c]);
  }
  const fmt = ty === F32 ? FMT32 : FMT64;
  const dx = decompose(a, fmt);
  const dy = decompose(b, fmt);
  const dz = decompose(c, fmt);
  const pm = dx.mant * dy.mant;
  const pe = dx.exp + dy.exp;
  const pneg = dx.neg !== dy.neg;
  const e = Math.min(pe, dz.exp);
  const P = (pm << BigInt(pe - e)) * (pneg ? -1n : 1n);
  const Z = (dz.mant << BigInt(dz.exp - e)) * (dz.neg ? -1n : 1n);
  const S = P + Z;
  if (S === 0n) return 0n; // exact zero sum of non-zero terms is +0
  return roundExact(S < 0n, S < 0n ? -S : S, e, fmt);
}

/** Integer (as bigint) → float bits, rounded to nearest-even. */
function intToFloat(n: bigint, ty: Type): bigint {
  if (ty === F64) return fromNum(Number(n), F64); // Number(bigint) rounds to nearest-even
  const neg = n < 0n;
  const a = neg ? -n : n;
  return roundExact(neg, a, 0, FMT32);
}

function promoteBits(bits: bigint): bigint {
  if (isNaNBits(bits, F32)) {
    const sign = (bits & SIGN32) << 32n;
    const payload = (bits & 0x7f_ffffn) | QUIET32;
    return sign | 0x7ff0_0000_0000_0000n | (payload << 29n);
  }
  return fromNum(toNum(bits, F32), F64);
}

function demoteBits(bits: bigint): bigint {
  if (isNaNBits(bits, F64)) {
    const sign = (bits & SIGN64) >> 32n;
    const payload = ((bits & 0xf_ffff_ffff_ffffn) >> 29n) | QUIET32;
    return sign | 0x7f80_0000n | payload;
  }
  return fromNum(toNum(bits, F64), F32); // setFloat32 rounds to nearest-even
}

// ---------------------------------------------------------------------------
// Integer helpers

const sx = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);
const mask = (v: bigint, bits: number): bigint => BigInt.asUintN(bits, v);

function popcount(v: bigint): number {
  let n = 0;
  let x = v;
  while (x !== 0n) {
    x &= x - 1n;
    n++;
  }
  return n;
}

function evalIntCC(cc: IntCC, a: bigint, b: bigint, bits: number): boolean {
  switch (cc) {
    case IntCC.Equal:
      return a === b;
    case IntCC.NotEqual:
      return a !== b;
    case IntCC.SignedLessThan:
      return sx(a, bits) < sx(b, bits);
    case IntCC.SignedGreaterThanOrEqual:
      return sx(a, bits) >= sx(b, bits);
    case IntCC.SignedGreaterThan:
      return sx(a, bits) > sx(b, bits);
    case IntCC.SignedLessThanOrEqual:
      return sx(a, bits) <= sx(b, bits);
    case IntCC.UnsignedLessThan:
      return a < b;
    case IntCC.UnsignedGreaterThanOrEqual:
      return a >= b;
    case IntCC.UnsignedGreaterThan:
      return a > b;
    case IntCC.UnsignedLessThanOrEqual:
      return a <= b;
  }
}

/** Float → integer conversion; returns the value or a trap code. */
function fcvtToInt(bits: bigint, from: Type, to: number, signed: boolean, sat: boolean): bigint | TrapSignal {
  const x = toNum(bits, from);
  if (Number.isNaN(x)) return sat ? 0n : new TrapSignal(TrapCode.BAD_CONVERSION_TO_INTEGER);
  const t = Math.trunc(x);
  const lo = signed ? -(2 ** (to - 1)) : 0;
  const hiExcl = signed ? 2 ** (to - 1) : 2 ** to;
  if (t < lo || t >= hiExcl) {
    if (!sat) return new TrapSignal(TrapCode.INTEGER_OVERFLOW);
    return mask(t < lo ? BigInt(lo) : BigInt(hiExcl) - 1n, to);
  }
  return mask(BigInt(t), to);
}

// ---------------------------------------------------------------------------
// The interpreter

interface Frame {
  func: Function;
  vals: bigint[];
  slotBase: number[];
}

export class Interpreter {
  readonly memory = new InterpreterMemory();
  private readonly byName = new Map<string, Function>();
  private readonly host = new Map<string, HostFunction>();
  private readonly funcAddrs: { key: string }[] = [];
  private readonly addrOfKey = new Map<string, number>();
  private readonly maxDepth: number;
  private readonly maxSteps: number;
  private depth = 0;
  private steps = 0;

  constructor(functions: Iterable<Function> = [], options: InterpreterOptions = {}) {
    this.maxDepth = options.maxCallDepth ?? 2000;
    this.maxSteps = options.maxSteps ?? 100_000_000;
    for (const f of functions) this.addFunction(f);
  }

  /** Make `func` callable by its name (`%name` → "name", user → "u0:3"). */
  addFunction(func: Function): void {
    this.byName.set(Interpreter.keyOf(func.name), func);
  }

  /** Provide a host implementation for a callee name ("name" for %name, "u0:3" for user names). */
  defineHostFunction(name: string, fn: HostFunction): void {
    this.host.set(name, fn);
  }

  static keyOf(name: UserFuncName): string {
    return name.kind === 'user' ? formatUserExternalName(name.name) : name.name;
  }

  getFunction(name: string): Function | undefined {
    return this.byName.get(name);
  }

  /** An address that `call_indirect` resolves to the function or host function called `name`. */
  functionAddress(name: string): bigint {
    let a = this.addrOfKey.get(name);
    if (a === undefined) {
      a = FUNC_ADDR_BASE + this.funcAddrs.length * 16;
      this.funcAddrs.push({ key: name });
      this.addrOfKey.set(name, a);
    }
    return BigInt(a);
  }

  /** Call a function by name with bit-pattern arguments. */
  call(name: string, args: readonly bigint[]): CallResult {
    const f = this.byName.get(name);
    if (f === undefined) throw new InterpreterError(`no function named ${name}`);
    return this.callFunction(f, args);
  }

  /** Call `func` with bit-pattern arguments (masked to the parameter types). */
  callFunction(func: Function, args: readonly bigint[]): CallResult {
    const params = func.signature.params;
    if (args.length !== params.length) {
      throw new InterpreterError(`${UserFuncName.toString(func.name)} takes ${params.length} arguments, got ${args.length}`);
    }
    const masked = args.map((a, i) => mask(a, typeBits(params[i]!.type)));
    // Re-entrant calls (a host function calling back in) keep the outer depth and step count.
    if (this.depth === 0) this.steps = 0;
    const depth = this.depth;
    try {
      return { values: this.run(func, masked) };
    } catch (e) {
      if (e instanceof TrapSignal) return { trap: trapCodeName(e.code) };
      if (e instanceof RangeError && /call stack/i.test(e.message)) return { trap: trapCodeName(TrapCode.STACK_OVERFLOW) };
      throw e;
    } finally {
      this.depth = depth;
    }
  }

  private resolveKey(caller: Function, name: ExternalName): string {
    switch (name.kind) {
      case 'user':
        return formatUserExternalName(caller.params.userNamedFunc(name.ref));
      case 'testcase':
        return name.name;
      case 'libcall':
        return `%${libCallName(name.libcall)}`;
    }
  }

  /** Call whatever `key` names: an IR function, a host function or a libcall. */
  private invoke(key: string, args: bigint[]): bigint[] {
    const f = this.byName.get(key);
    if (f !== undefined) return this.run(f, args);
    const h = this.host.get(key);
    if (h !== undefined) return h(args, this);
    if (key.startsWith('%')) return this.libcall(key.slice(1), args);
    throw new InterpreterError(`call to unknown function ${key}`);
  }

  private libcall(name: string, args: bigint[]): bigint[] {
    const un = (ty: Type, op: (x: number) => number): bigint[] => [floatResult(op(toNum(args[0]!, ty)), ty, args)];
    switch (name) {
      case libCallName(LibCall.CeilF32):
        return un(F32, Math.ceil);
      case libCallName(LibCall.CeilF64):
        return un(F64, Math.ceil);
      case libCallName(LibCall.FloorF32):
        return un(F32, Math.floor);
      case libCallName(LibCall.FloorF64):
        return un(F64, Math.floor);
      case libCallName(LibCall.TruncF32):
        return un(F32, Math.trunc);
      case libCallName(LibCall.TruncF64):
        return un(F64, Math.trunc);
      case libCallName(LibCall.NearestF32):
        return un(F32, nearestEven);
      case libCallName(LibCall.NearestF64):
        return un(F64, nearestEven);
      case libCallName(LibCall.Probestack):
        return [];
      case libCallName(LibCall.Memcpy):
      case libCallName(LibCall.Memmove): {
        const [dst, src, n] = args as [bigint, bigint, bigint];
        const bytes: bigint[] = [];
        for (let i = 0n; i < n; i++) bytes.push(this.mustRead(src + i, 1, TrapCode.HEAP_OUT_OF_BOUNDS));
        bytes.forEach((b, i) => this.mustWrite(dst + BigInt(i), 1, b, TrapCode.HEAP_OUT_OF_BOUNDS));
        return [];
      }
      case libCallName(LibCall.Memset): {
        const [dst, c, n] = args as [bigint, bigint, bigint];
        for (let i = 0n; i < n; i++) this.mustWrite(dst + i, 1, c & 0xffn, TrapCode.HEAP_OUT_OF_BOUNDS);
        return [];
      }
      case libCallName(LibCall.Memcmp): {
        const [a, b, n] = args as [bigint, bigint, bigint];
        for (let i = 0n; i < n; i++) {
          const x = this.mustRead(a + i, 1, TrapCode.HEAP_OUT_OF_BOUNDS);
          const y = this.mustRead(b + i, 1, TrapCode.HEAP_OUT_OF_BOUNDS);
          if (x !== y) return [mask(x < y ? -1n : 1n, 32)];
        }
        return [0n];
      }
      default:
        throw new InterpreterError(`call to unknown function %${name}`);
    }
  }

  private mustRead(addr: bigint, n: number, code: number): bigint {
    const v = this.memory.read(addr, n);
    if (v === undefined) throw new TrapSignal(code);
    return v;
  }

  private mustWrite(addr: bigint, n: number, v: bigint, code: number): void {
    if (!this.memory.write(addr, n, v)) throw new TrapSignal(code);
  }

  private run(func: Function, args: readonly bigint[]): bigint[] {
    if (this.depth >= this.maxDepth) throw new TrapSignal(TrapCode.STACK_OVERFLOW);
    const dfg = func.dfg;
    const layout = func.layout;
    const entry = layout.entryBlock();
    if (entry < 0) throw new InterpreterError(`${UserFuncName.toString(func.name)} has no body`);
    const frame: Frame = { func, vals: new Array<bigint>(dfg.numValues), slotBase: [] };
    for (const ss of func.stackSlots) frame.slotBase.push(this.memory.allocate(ss.size, Math.max(1 << ss.alignShift, 16)));
    this.depth++;
    try {
      const np = dfg.numBlockParams(entry);
      if (np !== args.length) throw new InterpreterError('entry block parameters do not match the arguments');
      for (let i = 0; i < np; i++) frame.vals[dfg.blockParam(entry, i)] = args[i]!;
      let block: Block = entry;
      for (;;) {
        const next = this.runBlock(frame, block);
        if (typeof next === 'number') block = next;
        else return next;
      }
    } finally {
      this.depth--;
      for (let i = frame.slotBase.length - 1; i >= 0; i--) this.memory.free(frame.slotBase[i]!);
    }
  }

  private get(frame: Frame, v: Value): bigint {
    const dfg = frame.func.dfg;
    const r = dfg.resolveAliases(v);
    const x = frame.vals[r];
    if (x === undefined) throw new InterpreterError(`v${r} used before it has a value`);
    return x;
  }

  /** Evaluate a block call: assign arguments to the target's params in parallel; return the target. */
  private takeBlockCall(frame: Frame, bc: number): Block {
    const dfg = frame.func.dfg;
    const target = dfg.blockCallBlock(bc);
    const n = dfg.blockCallNumArgs(bc);
    const tmp: bigint[] = [];
    for (let i = 0; i < n; i++) tmp.push(this.get(frame, dfg.blockCallArg(bc, i)));
    for (let i = 0; i < n; i++) frame.vals[dfg.blockParam(target, i)] = tmp[i]!;
    return target;
  }

  /** Execute one block; returns the next block or the returned values. */
  private runBlock(frame: Frame, block: Block): Block | bigint[] {
    const func = frame.func;
    const dfg: DataFlowGraph = func.dfg;
    const vals = frame.vals;
    // The helpers close over the loop variables (one closure each per block, not per instruction).
    let inst = func.layout.firstInst(block);
    let bits = 0;
    const arg = (i: number): bigint => this.get(frame, dfg.arg(inst, i));
    const set = (v: bigint): void => {
      vals[dfg.firstResult(inst)] = v;
    };
    const imm = (): bigint => mask(dfg.immBits(inst), bits);
    for (; inst >= 0; inst = func.layout.nextInst(inst)) {
      if (++this.steps > this.maxSteps) throw new InterpreterError(`step limit of ${this.maxSteps} instructions exceeded`);
      const op = dfg.opcode(inst) as Opcode;
      const ctrl = dfg.ctrlType(inst);
      bits = typeBits(ctrl);
      switch (op) {
        // --- constants
        case Opcode.Iconst:
          set(imm());
          break;
        case Opcode.F32const:
          set(BigInt(dfg.ieee32Bits(inst)));
          break;
        case Opcode.F64const:
          set(dfg.ieee64Bits(inst));
          break;
        case Opcode.Nop:
          break;

        // --- integer arithmetic
        case Opcode.Iadd:
          set(mask(arg(0) + arg(1), bits));
          break;
        case Opcode.Isub:
          set(mask(arg(0) - arg(1), bits));
          break;
        case Opcode.Imul:
          set(mask(arg(0) * arg(1), bits));
          break;
        case Opcode.Umulhi:
          set(mask((arg(0) * arg(1)) >> BigInt(bits), bits));
          break;
        case Opcode.Smulhi:
          set(mask((sx(arg(0), bits) * sx(arg(1), bits)) >> BigInt(bits), bits));
          break;
        case Opcode.Sdiv: {
          const a = sx(arg(0), bits);
          const b = sx(arg(1), bits);
          if (b === 0n) throw new TrapSignal(TrapCode.INTEGER_DIVISION_BY_ZERO);
          if (b === -1n && a === -(1n << BigInt(bits - 1))) throw new TrapSignal(TrapCode.INTEGER_OVERFLOW);
          set(mask(a / b, bits));
          break;
        }
        case Opcode.Udiv: {
          const b = arg(1);
          if (b === 0n) throw new TrapSignal(TrapCode.INTEGER_DIVISION_BY_ZERO);
          set(arg(0) / b);
          break;
        }
        case Opcode.Srem: {
          const b = sx(arg(1), bits);
          if (b === 0n) throw new TrapSignal(TrapCode.INTEGER_DIVISION_BY_ZERO);
          set(mask(sx(arg(0), bits) % b, bits));
          break;
        }
        case Opcode.Urem: {
          const b = arg(1);
          if (b === 0n) throw new TrapSignal(TrapCode.INTEGER_DIVISION_BY_ZERO);
          set(arg(0) % b);
          break;
        }
        case Opcode.Ineg:
          set(mask(-arg(0), bits));
          break;
        case Opcode.Iabs: {
          const a = sx(arg(0), bits);
          set(mask(a < 0n ? -a : a, bits));
          break;
        }
        case Opcode.Smin:
          set(sx(arg(0), bits) <= sx(arg(1), bits) ? arg(0) : arg(1));
          break;
        case Opcode.Smax:
          set(sx(arg(0), bits) >= sx(arg(1), bits) ? arg(0) : arg(1));
          break;
        case Opcode.Umin:
          set(arg(0) <= arg(1) ? arg(0) : arg(1));
          break;
        case Opcode.Umax:
          set(arg(0) >= arg(1) ? arg(0) : arg(1));
          break;

        // --- with immediates (imm masked to the width, Invariant ImmMasked)
        case Opcode.IaddImm:
          set(mask(arg(0) + imm(), bits));
          break;
        case Opcode.ImulImm:
          set(mask(arg(0) * imm(), bits));
          break;
        case Opcode.IrsubImm:
          set(mask(imm() - arg(0), bits));
          break;
        case Opcode.BandImm:
          set(arg(0) & imm());
          break;
        case Opcode.BorImm:
          set(arg(0) | imm());
          break;
        case Opcode.BxorImm:
          set(arg(0) ^ imm());
          break;
        case Opcode.IshlImm:
          set(mask(arg(0) << (imm() & BigInt(bits - 1)), bits));
          break;
        case Opcode.UshrImm:
          set(arg(0) >> (imm() & BigInt(bits - 1)));
          break;
        case Opcode.SshrImm:
          set(mask(sx(arg(0), bits) >> (imm() & BigInt(bits - 1)), bits));
          break;
        case Opcode.RotlImm:
          set(rotl(arg(0), imm(), bits));
          break;
        case Opcode.RotrImm:
          set(rotl(arg(0), BigInt(bits) - (imm() & BigInt(bits - 1)), bits));
          break;

        // --- bitwise (also on float bit patterns)
        case Opcode.Band:
          set(arg(0) & arg(1));
          break;
        case Opcode.Bor:
          set(arg(0) | arg(1));
          break;
        case Opcode.Bxor:
          set(arg(0) ^ arg(1));
          break;
        case Opcode.Bnot:
          set(mask(~arg(0), bits));
          break;
        case Opcode.BandNot:
          set(arg(0) & mask(~arg(1), bits));
          break;
        case Opcode.BorNot:
          set(arg(0) | mask(~arg(1), bits));
          break;
        case Opcode.BxorNot:
          set(arg(0) ^ mask(~arg(1), bits));
          break;
        case Opcode.Ishl:
          set(mask(arg(0) << (arg(1) & BigInt(bits - 1)), bits));
          break;
        case Opcode.Ushr:
          set(arg(0) >> (arg(1) & BigInt(bits - 1)));
          break;
        case Opcode.Sshr:
          set(mask(sx(arg(0), bits) >> (arg(1) & BigInt(bits - 1)), bits));
          break;
        case Opcode.Rotl:
          set(rotl(arg(0), arg(1), bits));
          break;
        case Opcode.Rotr:
          set(rotl(arg(0), BigInt(bits) - (arg(1) & BigInt(bits - 1)), bits));
          break;
        case Opcode.Clz:
          set(BigInt(bits - bitLength(arg(0))));
          break;
        case Opcode.Cls: {
          const a = arg(0);
          const neg = (a >> BigInt(bits - 1)) & 1n;
          const x = neg ? mask(~a, bits) : a;
          set(BigInt(bits - bitLength(x) - 1));
          break;
        }
        case Opcode.Ctz: {
          const a = arg(0);
          if (a === 0n) set(BigInt(bits));
          else set(BigInt(bitLength(a & -a) - 1));
          break;
        }
        case Opcode.Popcnt:
          set(BigInt(popcount(arg(0))));
          break;
        case Opcode.Bswap: {
          let a = arg(0);
          let r = 0n;
          for (let i = 0; i < bits / 8; i++) {
            r = (r << 8n) | (a & 0xffn);
            a >>= 8n;
          }
          set(r);
          break;
        }
        case Opcode.Bitrev: {
          let a = arg(0);
          let r = 0n;
          for (let i = 0; i < bits; i++) {
            r = (r << 1n) | (a & 1n);
            a >>= 1n;
          }
          set(r);
          break;
        }

        // --- comparisons
        case Opcode.Icmp:
          set(evalIntCC(dfg.aux(inst) as IntCC, arg(0), arg(1), bits) ? 1n : 0n);
          break;
        case Opcode.IcmpImm:
          set(evalIntCC(dfg.aux(inst) as IntCC, arg(0), imm(), bits) ? 1n : 0n);
          break;
        case Opcode.Fcmp:
          set(evalFloatCC(dfg.aux(inst) as FloatCC, toNum(arg(0), ctrl), toNum(arg(1), ctrl)) ? 1n : 0n);
          break;

        // --- floating point
        case Opcode.Fadd:
        case Opcode.Fsub:
        case Opcode.Fmul:
        case Opcode.Fdiv: {
          const a = arg(0);
          const b = arg(1);
          const x = toNum(a, ctrl);
          const y = toNum(b, ctrl);
          const r = op === Opcode.Fadd ? x + y : op === Opcode.Fsub ? x - y : op === Opcode.Fmul ? x * y : x / y;
          set(floatResult(r, ctrl, [a, b]));
          break;
        }
        case Opcode.Fma:
          set(fmaBits(arg(0), arg(1), arg(2), ctrl));
          break;
        case Opcode.Sqrt:
          set(floatResult(Math.sqrt(toNum(arg(0), ctrl)), ctrl, [arg(0)]));
          break;
        case Opcode.Fabs:
          set(arg(0) & ~(ctrl === F32 ? SIGN32 : SIGN64));
          break;
        case Opcode.Fneg:
          set(arg(0) ^ (ctrl === F32 ? SIGN32 : SIGN64));
          break;
        case Opcode.Fcopysign: {
          const s = ctrl === F32 ? SIGN32 : SIGN64;
          set((arg(0) & ~s) | (arg(1) & s));
          break;
        }
        case Opcode.Fmin:
        case Opcode.Fmax: {
          const a = arg(0);
          const b = arg(1);
          if (isNaNBits(a, ctrl) || isNaNBits(b, ctrl)) {
            set(nanResult(ctrl, [a, b]));
            break;
          }
          const x = toNum(a, ctrl);
          const y = toNum(b, ctrl);
          set(fromNum(op === Opcode.Fmin ? Math.min(x, y) : Math.max(x, y), ctrl));
          break;
        }
        case Opcode.Ceil:
          set(floatResult(Math.ceil(toNum(arg(0), ctrl)), ctrl, [arg(0)]));
          break;
        case Opcode.Floor:
          set(floatResult(Math.floor(toNum(arg(0), ctrl)), ctrl, [arg(0)]));
          break;
        case Opcode.Trunc:
          set(floatResult(Math.trunc(toNum(arg(0), ctrl)), ctrl, [arg(0)]));
          break;
        case Opcode.Nearest:
          set(floatResult(nearestEven(toNum(arg(0), ctrl)), ctrl, [arg(0)]));
          break;

        // --- conversions
        case Opcode.Uextend:
          set(arg(0));
          break;
        case Opcode.Sextend: {
          const from = typeBits(dfg.typeOf(dfg.arg(inst, 0)));
          set(mask(sx(arg(0), from), bits));
          break;
        }
        case Opcode.Ireduce:
          set(mask(arg(0), bits));
          break;
        case Opcode.Fpromote:
          set(promoteBits(arg(0)));
          break;
        case Opcode.Fdemote:
          set(demoteBits(arg(0)));
          break;
        case Opcode.FcvtToSint:
        case Opcode.FcvtToUint:
        case Opcode.FcvtToSintSat:
        case Opcode.FcvtToUintSat: {
          const from = dfg.typeOf(dfg.arg(inst, 0));
          const signed = op === Opcode.FcvtToSint || op === Opcode.FcvtToSintSat;
          const sat = op === Opcode.FcvtToSintSat || op === Opcode.FcvtToUintSat;
          const r = fcvtToInt(arg(0), from, bits, signed, sat);
          if (r instanceof TrapSignal) throw r;
          set(r);
          break;
        }
        case Opcode.FcvtFromSint: {
          const from = typeBits(dfg.typeOf(dfg.arg(inst, 0)));
          set(intToFloat(sx(arg(0), from), ctrl));
          break;
        }
        case Opcode.FcvtFromUint:
          set(intToFloat(arg(0), ctrl));
          break;
        case Opcode.Bitcast:
          set(arg(0));
          break;

        // --- selection
        case Opcode.Select:
        case Opcode.SelectSpectreGuard:
          set(arg(0) !== 0n ? arg(1) : arg(2));
          break;

        // --- memory
        case Opcode.Load:
        case Opcode.Uload8:
        case Opcode.Sload8:
        case Opcode.Uload16:
        case Opcode.Sload16:
        case Opcode.Uload32:
        case Opcode.Sload32: {
          const flags = MemFlags.fromBits(dfg.aux(inst));
          this.checkEndian(flags);
          const n = OPCODE_INFO[op]!.memBytes || typeBytes(ctrl);
          const addr = arg(0) + BigInt(dfg.aux2(inst));
          const raw = this.mustRead(addr, n, flags.trapCode ?? TrapCode.HEAP_OUT_OF_BOUNDS);
          const signed = op === Opcode.Sload8 || op === Opcode.Sload16 || op === Opcode.Sload32;
          set(signed ? mask(sx(raw, n * 8), bits) : raw);
          break;
        }
        case Opcode.Store:
        case Opcode.Istore8:
        case Opcode.Istore16:
        case Opcode.Istore32: {
          const flags = MemFlags.fromBits(dfg.aux(inst));
          this.checkEndian(flags);
          const n = OPCODE_INFO[op]!.memBytes || typeBytes(ctrl);
          const addr = arg(1) + BigInt(dfg.aux2(inst));
          this.mustWrite(addr, n, arg(0), flags.trapCode ?? TrapCode.HEAP_OUT_OF_BOUNDS);
          break;
        }
        case Opcode.StackLoad: {
          const addr = BigInt(frame.slotBase[dfg.aux(inst)]! + dfg.aux2(inst));
          set(this.mustRead(addr, typeBytes(ctrl), TrapCode.HEAP_OUT_OF_BOUNDS));
          break;
        }
        case Opcode.StackStore: {
          const addr = BigInt(frame.slotBase[dfg.aux(inst)]! + dfg.aux2(inst));
          this.mustWrite(addr, typeBytes(ctrl), arg(0), TrapCode.HEAP_OUT_OF_BOUNDS);
          break;
        }
        case Opcode.StackAddr:
          set(mask(BigInt(frame.slotBase[dfg.aux(inst)]! + dfg.aux2(inst)), bits));
          break;

        // --- traps
        case Opcode.UaddOverflowTrap: {
          const s = arg(0) + arg(1);
          if (s >> BigInt(bits) !== 0n) throw new TrapSignal(dfg.aux(inst));
          set(s);
          break;
        }
        case Opcode.Trap:
          throw new TrapSignal(dfg.aux(inst));
        case Opcode.Trapz:
          if (arg(0) === 0n) throw new TrapSignal(dfg.aux(inst));
          break;
        case Opcode.Trapnz:
          if (arg(0) !== 0n) throw new TrapSignal(dfg.aux(inst));
          break;

        // --- control flow
        case Opcode.Jump:
          return this.takeBlockCall(frame, dfg.aux(inst));
        case Opcode.Brif:
          return this.takeBlockCall(frame, arg(0) !== 0n ? dfg.aux(inst) : dfg.aux2(inst));
        case Opcode.BrTable: {
          const jt = dfg.jumpTables[dfg.aux(inst)]!;
          const idx = arg(0);
          const bc = idx < BigInt(jt.entries.length) ? jt.entries[Number(idx)]! : jt.default;
          return this.takeBlockCall(frame, bc);
        }
        case Opcode.Return: {
          const n = dfg.numArgs(inst);
          const out: bigint[] = [];
          for (let i = 0; i < n; i++) out.push(arg(i));
          return out;
        }

        // --- calls
        case Opcode.Call:
        case Opcode.CallIndirect: {
          const n = dfg.numArgs(inst);
          let key: string;
          let first = 0;
          if (op === Opcode.Call) {
            key = this.resolveKey(func, dfg.extFuncs[dfg.aux(inst)]!.name);
          } else {
            const addr = Number(arg(0));
            const entry = this.funcAddrs[(addr - FUNC_ADDR_BASE) / 16];
            if (addr < FUNC_ADDR_BASE || (addr - FUNC_ADDR_BASE) % 16 !== 0 || entry === undefined) {
              throw new InterpreterError(`call_indirect to 0x${addr.toString(16)}, which is not a function address`);
            }
            key = entry.key;
            first = 1;
          }
          const callArgs: bigint[] = [];
          for (let i = first; i < n; i++) callArgs.push(arg(i));
          const results = this.invoke(key, callArgs);
          const nr = dfg.numResults(inst);
          if (results.length !== nr) {
            throw new InterpreterError(`${key} returned ${results.length} values, the call expects ${nr}`);
          }
          for (let i = 0; i < nr; i++) {
            const r = dfg.result(inst, i);
            vals[r] = mask(results[i]!, typeBits(dfg.typeOf(r)));
          }
          break;
        }
        case Opcode.FuncAddr: {
          const key = this.resolveKey(func, dfg.extFuncs[dfg.aux(inst)]!.name);
          set(mask(this.functionAddress(key), bits));
          break;
        }
        case Opcode.GetStackPointer:
          set(mask(BigInt(STACK_TOP - this.depth * 0x1000), bits));
          break;
        default:
          throw new InterpreterError(`the interpreter does not implement ${opcodeName(op)}`);
      }
    }
    throw new InterpreterError(`block${block} fell off its end without a terminator`);
  }

  private checkEndian(flags: MemFlags): void {
    if (flags.endianness === 'big') throw new InterpreterError('big-endian memory accesses are not supported');
  }
}

function rotl(x: bigint, amount: bigint, bits: number): bigint {
  const b = BigInt(bits);
  const k = amount & (b - 1n);
  if (k === 0n) return x;
  return mask((x << k) | (x >> (b - k)), bits);
}

/** Convert a float bit pattern to a JS number (for display). */
export function floatBitsToNumber(bits: bigint, ty: Type): number {
  return toNum(bits, ty);
}

/** Bits of `x` as a value of type `ty` (ints are masked; floats are converted). */
export function toDataValue(x: number | bigint, ty: Type): bigint {
  if (isFloat(ty)) {
    if (typeof x === 'bigint') return mask(x, typeBits(ty));
    return Number.isNaN(x) ? (ty === F32 ? CANON32 : CANON64) : fromNum(x, ty);
  }
  return mask(typeof x === 'bigint' ? x : BigInt(x), typeBits(ty));
}

/** Text of a value as run tests write it: signed decimal for ints, CLIF hex float for floats. */
export function describeValue(bits: bigint, ty: Type): string {
  if (ty === F32) return formatIeee32(Number(bits));
  if (ty === F64) return formatIeee64(bits);
  return `${sx(bits, typeBits(ty))}`;
}
