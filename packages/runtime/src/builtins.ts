/**
 * The runtime builtins generated code calls through `vmctx.builtins`
 * (environ's `Builtin` enum): memory and table growth and the bulk-memory /
 * reference-types operations that are easier in TypeScript than in machine
 * code.
 *
 * Each builtin is one process-wide koffi callback (`registerNativeCallback`)
 * with the C signature the compiler calls it with (the compiler's
 * `BUILTIN_SIGNATURES`): the vmctx first, then `u32` indices (memory, table,
 * segment), then `u64` addresses, lengths and references (wasm `i32`s
 * zero-extended). The callback finds the instance from the vmctx address.
 * Their addresses fill one native array, shared by every vmctx.
 *
 * Semantics are the spec's (bulk memory, as merged into wasm 2.0): every
 * range is bounds-checked before anything is written, so a trapping
 * operation writes nothing; a dropped segment behaves as an empty one.
 * Trapping builtins return the `TrapCode` (non-zero) and the compiled code
 * traps; growth returns the old size or -1.
 *
 * Invariant (builtin-no-escape): a builtin never throws into koffi. A bug
 * inside one (an exception) returns `InternalError` (or -1 for the grows),
 * and `takeBuiltinError` hands the exception to the entry's caller, which
 * reports it instead of the trap.
 */
import { Builtin, TrapCode } from '@derrick/environ';
import { type NativeCallbackRegistration, NativeRegion, registerNativeCallback } from '@derrick/jit';
import { instanceOfVmctx } from './instance.js';

type Args = (number | bigint)[];

interface BuiltinDef {
  readonly id: Exclude<Builtin, Builtin.Count>;
  readonly result: 'int32_t' | 'int64_t';
  readonly params: readonly ('void *' | 'uint32_t' | 'uint64_t')[];
  readonly errorResult: number | bigint;
  readonly fn: (...args: Args) => number | bigint;
}

const OOB_MEMORY = TrapCode.MemoryOutOfBounds;
const OOB_TABLE = TrapCode.TableOutOfBounds;

/** `a + b > limit` for lengths that arrive as u64 bigints (no overflow, no precision loss). */
function outOfBounds(start: bigint, length: bigint, limit: number): boolean {
  return start + length > BigInt(limit);
}

const DEFS: readonly BuiltinDef[] = [
  {
    id: Builtin.MemoryGrow,
    result: 'int64_t',
    params: ['void *', 'uint32_t', 'uint64_t'],
    errorResult: -1n,
    fn: (vmctx, mem, delta) => {
      const memory = instanceOfVmctx(vmctx as bigint).memories[mem as number]!;
      const d = delta as bigint;
      return BigInt(d > 0xffff_ffffn ? -1 : memory.grow(Number(d)));
    },
  },
  {
    id: Builtin.MemoryFill,
    result: 'int32_t',
    params: ['void *', 'uint32_t', 'uint64_t', 'uint32_t', 'uint64_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, mem, dst, val, len) => {
      const memory = instanceOfVmctx(vmctx as bigint).memories[mem as number]!;
      if (outOfBounds(dst as bigint, len as bigint, memory.byteLength)) return OOB_MEMORY;
      const d = Number(dst);
      memory.bytes().fill((val as number) & 0xff, d, d + Number(len));
      return 0;
    },
  },
  {
    id: Builtin.MemoryCopy,
    result: 'int32_t',
    params: ['void *', 'uint32_t', 'uint32_t', 'uint64_t', 'uint64_t', 'uint64_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, dstMem, srcMem, dst, src, len) => {
      const instance = instanceOfVmctx(vmctx as bigint);
      const to = instance.memories[dstMem as number]!;
      const from = instance.memories[srcMem as number]!;
      if (outOfBounds(dst as bigint, len as bigint, to.byteLength) || outOfBounds(src as bigint, len as bigint, from.byteLength)) return OOB_MEMORY;
      const [d, s, n] = [Number(dst), Number(src), Number(len)];
      if (to === from) to.bytes().copyWithin(d, s, s + n);
      else to.bytes().set(from.bytes().subarray(s, s + n), d);
      return 0;
    },
  },
  {
    id: Builtin.MemoryInit,
    result: 'int32_t',
    params: ['void *', 'uint32_t', 'uint32_t', 'uint64_t', 'uint64_t', 'uint64_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, mem, data, dst, src, len) => {
      const instance = instanceOfVmctx(vmctx as bigint);
      const memory = instance.memories[mem as number]!;
      const t = instance.module.translation;
      const segment = instance.droppedData[data as number] ? new Uint8Array(0) : t.dataBytes(t.data[data as number]!);
      if (outOfBounds(src as bigint, len as bigint, segment.length) || outOfBounds(dst as bigint, len as bigint, memory.byteLength)) return OOB_MEMORY;
      const s = Number(src);
      memory.bytes().set(segment.subarray(s, s + Number(len)), Number(dst));
      return 0;
    },
  },
  {
    id: Builtin.DataDrop,
    result: 'int32_t',
    params: ['void *', 'uint32_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, data) => {
      instanceOfVmctx(vmctx as bigint).droppedData[data as number] = 1;
      return 0;
    },
  },
  {
    id: Builtin.TableGrow,
    result: 'int64_t',
    params: ['void *', 'uint32_t', 'uint64_t', 'uint64_t'],
    errorResult: -1n,
    fn: (vmctx, table, init, delta) => {
      const t = instanceOfVmctx(vmctx as bigint).tables[table as number]!;
      const d = delta as bigint;
      return BigInt(d > 0xffff_ffffn ? -1 : t.grow(Number(d), init as bigint));
    },
  },
  {
    id: Builtin.TableFill,
    result: 'int32_t',
    params: ['void *', 'uint32_t', 'uint64_t', 'uint64_t', 'uint64_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, table, dst, val, len) => {
      const t = instanceOfVmctx(vmctx as bigint).tables[table as number]!;
      if (outOfBounds(dst as bigint, len as bigint, t.size)) return OOB_TABLE;
      const d = Number(dst);
      t.elements.fill(val as bigint, d, d + Number(len));
      return 0;
    },
  },
  {
    id: Builtin.TableCopy,
    result: 'int32_t',
    params: ['void *', 'uint32_t', 'uint32_t', 'uint64_t', 'uint64_t', 'uint64_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, dstTable, srcTable, dst, src, len) => {
      const instance = instanceOfVmctx(vmctx as bigint);
      const to = instance.tables[dstTable as number]!;
      const from = instance.tables[srcTable as number]!;
      if (outOfBounds(dst as bigint, len as bigint, to.size) || outOfBounds(src as bigint, len as bigint, from.size)) return OOB_TABLE;
      const [d, s, n] = [Number(dst), Number(src), Number(len)];
      if (to === from) to.elements.copyWithin(d, s, s + n);
      else to.elements.set(from.elements.subarray(s, s + n), d);
      return 0;
    },
  },
  {
    id: Builtin.TableInit,
    result: 'int32_t',
    params: ['void *', 'uint32_t', 'uint32_t', 'uint64_t', 'uint64_t', 'uint64_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, table, elem, dst, src, len) => {
      const instance = instanceOfVmctx(vmctx as bigint);
      const t = instance.tables[table as number]!;
      const items = instance.elements[elem as number] ?? new BigUint64Array(0);
      if (outOfBounds(src as bigint, len as bigint, items.length) || outOfBounds(dst as bigint, len as bigint, t.size)) return OOB_TABLE;
      const s = Number(src);
      t.elements.set(items.subarray(s, s + Number(len)), Number(dst));
      return 0;
    },
  },
  {
    id: Builtin.ElemDrop,
    result: 'int32_t',
    params: ['void *', 'uint32_t'],
    errorResult: TrapCode.InternalError,
    fn: (vmctx, elem) => {
      instanceOfVmctx(vmctx as bigint).elements[elem as number] = undefined;
      return 0;
    },
  },
];

let registrations: NativeCallbackRegistration[] | undefined;
let array: NativeRegion | undefined;

/** The native array of `Builtin.Count` function pointers every vmctx points to (created once, never freed). */
export function builtinsArrayAddress(): bigint {
  if (array === undefined) {
    const regs = DEFS.map((d) => registerNativeCallback({ result: d.result, params: d.params }, d.fn, { errorResult: d.errorResult }));
    const region = NativeRegion.allocate(Builtin.Count * 8);
    const pointers = new BigUint64Array(region.buffer, 0, Builtin.Count);
    DEFS.forEach((d, i) => {
      pointers[d.id] = regs[i]!.address;
    });
    registrations = regs;
    array = region;
  }
  return array.address;
}

/** An exception a builtin caught since the last call (taken: cleared), if any (builtin-no-escape). */
export function takeBuiltinError(): unknown {
  if (registrations === undefined) return undefined;
  for (const r of registrations) {
    const pending = r.takePendingException();
    if (pending !== undefined) return pending.error;
  }
  return undefined;
}

/** Call a builtin's implementation directly (tests; the same code generated code reaches). */
export function callBuiltin(id: Exclude<Builtin, Builtin.Count>, ...args: Args): number | bigint {
  const def = DEFS.find((d) => d.id === id)!;
  return def.fn(...args);
}
