/**
 * Test support: hand-assembling wasm binaries byte by byte.
 *
 * The decoder's tests need exact control over every byte (overlong LEBs,
 * wrong sizes, misplaced sections), which a text-format assembler cannot
 * give, and environ has no dependencies. These helpers return plain `number[]`
 * fragments that compose by concatenation; `wasmModule` adds the header.
 * Not part of the public API.
 */

export type Bytes = number[];

/** Unsigned LEB128 (minimal encoding). */
export function u32(n: number): Bytes {
  const out: Bytes = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of an i32. */
export function s32(n: number): Bytes {
  return s64(BigInt(n | 0));
}

/** Signed LEB128 of an i64. */
export function s64(n: bigint): Bytes {
  const out: Bytes = [];
  let v = BigInt.asIntN(64, n);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Little-endian bytes of a u32 (f32 bit patterns). */
export function le32(bits: number): Bytes {
  return [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, (bits >>> 24) & 0xff];
}

/** Little-endian bytes of a u64 (f64 bit patterns). */
export function le64(bits: bigint): Bytes {
  const out: Bytes = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((bits >> (8n * i)) & 0xffn));
  return out;
}

/** A length-prefixed UTF-8 name. */
export function name(s: string): Bytes {
  const b = [...new TextEncoder().encode(s)];
  return [...u32(b.length), ...b];
}

/** A vector: count, then the items. */
export function vec(items: readonly Bytes[]): Bytes {
  return [...u32(items.length), ...items.flat()];
}

/** A section: id, size, payload. */
export function section(id: number, payload: Bytes): Bytes {
  return [id, ...u32(payload.length), ...payload];
}

export const HEADER: Bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Header plus the given byte fragments. */
export function wasmModule(...parts: Bytes[]): Uint8Array {
  return Uint8Array.from([...HEADER, ...parts.flat()]);
}

// Value types.
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;

export function funcType(params: readonly number[], results: readonly number[]): Bytes {
  return [0x60, ...u32(params.length), ...params, ...u32(results.length), ...results];
}

export const typeSection = (types: readonly Bytes[]): Bytes => section(1, vec(types));
export const importSection = (imports: readonly Bytes[]): Bytes => section(2, vec(imports));
export const funcSection = (typeIndices: readonly number[]): Bytes => section(3, vec(typeIndices.map(u32)));
export const tableSection = (tables: readonly Bytes[]): Bytes => section(4, vec(tables));
export const memorySection = (mems: readonly Bytes[]): Bytes => section(5, vec(mems));
export const globalSection = (globals: readonly Bytes[]): Bytes => section(6, vec(globals));
export const exportSection = (exports: readonly Bytes[]): Bytes => section(7, vec(exports));
export const startSection = (func: number): Bytes => section(8, u32(func));
export const elemSection = (segs: readonly Bytes[]): Bytes => section(9, vec(segs));
export const codeSection = (bodies: readonly Bytes[]): Bytes => section(10, vec(bodies));
export const dataSection = (segs: readonly Bytes[]): Bytes => section(11, vec(segs));
export const dataCountSection = (n: number): Bytes => section(12, u32(n));
export const customSection = (nm: string, payload: Bytes): Bytes => section(0, [...name(nm), ...payload]);

/** Limits: `min` only, or `min` and `max`. */
export function limits(min: number, max?: number): Bytes {
  return max === undefined ? [0x00, ...u32(min)] : [0x01, ...u32(min), ...u32(max)];
}

/** An import entry. `desc` is kind byte + descriptor. */
export function importEntry(module: string, field: string, desc: Bytes): Bytes {
  return [...name(module), ...name(field), ...desc];
}

export function exportEntry(nm: string, kind: number, index: number): Bytes {
  return [...name(nm), kind, ...u32(index)];
}

/** A global: type, mutability, init expression (without `end`; added here). */
export function global(type: number, mutable: boolean, init: Bytes): Bytes {
  return [type, mutable ? 1 : 0, ...init, END];
}

/** A function body: local runs and code; the final `end` is added here. */
export function body(locals: readonly (readonly [number, number])[], code: Bytes): Bytes {
  const content = [...vec(locals.map(([n, t]) => [...u32(n), t])), ...code, END];
  return [...u32(content.length), ...content];
}

/** A module of one type `[params] -> [results]`, one function with `code`, and the optional extra sections in their place. */
export function funcModule(
  params: readonly number[],
  results: readonly number[],
  code: Bytes,
  opts: { locals?: readonly (readonly [number, number])[]; memory?: boolean; before?: Bytes; after?: Bytes } = {},
): Uint8Array {
  return wasmModule(
    typeSection([funcType(params, results)]),
    funcSection([0]),
    opts.memory ? memorySection([limits(1)]) : [],
    opts.before ?? [],
    codeSection([body(opts.locals ?? [], code)]),
    opts.after ?? [],
  );
}

// A few instruction encodings used across tests.
export const END = 0x0b;
export const i32Const = (n: number): Bytes => [0x41, ...s32(n)];
export const i64Const = (n: bigint): Bytes => [0x42, ...s64(n)];
export const f32Const = (bits: number): Bytes => [0x43, ...le32(bits)];
export const f64Const = (bits: bigint): Bytes => [0x44, ...le64(bits)];
export const localGet = (i: number): Bytes => [0x20, ...u32(i)];
export const globalGet = (i: number): Bytes => [0x23, ...u32(i)];
export const refFunc = (i: number): Bytes => [0xd2, ...u32(i)];
export const refNull = (t: number): Bytes => [0xd0, t];
/** A 0xFD-prefixed instruction. */
export const simd = (sub: number, ...imm: Bytes): Bytes => [0xfd, ...u32(sub), ...imm];
/** A 0xFC-prefixed instruction. */
export const misc = (sub: number, ...imm: Bytes): Bytes => [0xfc, ...u32(sub), ...imm];
