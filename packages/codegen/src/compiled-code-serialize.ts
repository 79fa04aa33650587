/**
 * The byte form of a `CompiledCodeStencil`: what the incremental cache
 * (mission M5, `@derrick/cache`) stores as an entry's payload.
 *
 * # The problem
 *
 * A cache hit must give back exactly the stencil a fresh compile would
 * produce — every field, including relocation targets in their stencil form
 * (`ExternalName.user(ref)`, never a resolved name) and relative source
 * locations — so that `stencil.apply(params)` of a cached stencil equals a
 * fresh compile's final code for any `FunctionParameters`. And it must be
 * cheap: a hit costs key + read + decode, and a warm compile has to be 20×
 * faster than a cold one.
 *
 * # The format (version `STENCIL_FORMAT_VERSION`)
 *
 * ```
 * magic "DCS" (3 bytes), version (1 byte)
 * frameSize, alignment                      uleb
 * code: length uleb, bytes
 * relocs: count, (offset uleb, kind u8 (index in RELOC_KINDS), addend sleb, name)*
 *   name = 0 ref uleb | 1 libcall uleb | 2 string          (user | libcall | testcase)
 * traps: count, (offset uleb, code uleb)*
 * callSites: count, (retAddr uleb)*
 * srclocs: count, (start uleb, end−start uleb, loc uleb)*
 * disasm: 0 | 1 string
 * string = UTF-16 code-unit count uleb, code units uleb       (lone surrogates survive)
 * ```
 *
 * The integrity of the bytes is not this format's job: the cache envelope
 * checksums the payload and binds it to its key. Malformed input still never
 * yields a wrong stencil silently: `deserializeCompiledCodeStencil` throws
 * `StencilFormatError` on a bad magic, version, enum value, overrun or
 * trailing bytes, and the compiler treats that as a miss.
 *
 * Invariants.
 * * (StencilRoundTrip) `deserialize(serialize(s))` has every field of `s`
 *   equal (deep, in order); `disasm` present iff it was.
 * * (StencilBytesDeterministic) the bytes depend only on the field values —
 *   no object-key or insertion order — so equal stencils serialize equally
 *   and check mode can compare bytes.
 */
import type { ExternalName, LibCall } from '@derrick/codegen-ir';
import { type CodeCallSite, type CodeSrcLoc, type CodeTrap, CompiledCodeStencil, type StencilReloc } from './compiled-code.js';
import type { Reloc } from './machbuffer.js';

/** Bump on any change to the layout above. */
export const STENCIL_FORMAT_VERSION = 1;

const MAGIC = [0x44, 0x43, 0x53] as const; // "DCS"

/** Relocation kinds by their byte; append only. */
const RELOC_KINDS: readonly Reloc[] = ['Abs4', 'Abs8', 'X86PCRel4', 'X86CallPCRel4', 'X86CallPLTRel4', 'X86GOTPCRel4', 'Arm64Call'];
const RELOC_INDEX: ReadonlyMap<Reloc, number> = new Map(RELOC_KINDS.map((k, i) => [k, i]));

export class StencilFormatError extends Error {
  override readonly name = 'StencilFormatError';
}

class Writer {
  buf: Uint8Array;
  pos = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }
  #ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  byte(b: number): void {
    this.#ensure(1);
    this.buf[this.pos++] = b;
  }
  /** Unsigned LEB128 of a non-negative safe integer. */
  u(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new StencilFormatError(`cannot encode ${v} as an unsigned integer`);
    this.#ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  /** Signed, zig-zag mapped. */
  s(v: number): void {
    if (!Number.isSafeInteger(v)) throw new StencilFormatError(`cannot encode ${v} as an integer`);
    this.u(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    this.u(b.length);
    this.#ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  str(s: string): void {
    this.u(s.length);
    for (let i = 0; i < s.length; i++) this.u(s.charCodeAt(i));
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw new StencilFormatError(`truncated at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }
  u(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new StencilFormatError(`integer too long at byte ${this.pos}`);
    }
    return v;
  }
  s(): number {
    const z = this.u();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  count(): number {
    const n = this.u();
    // Every element takes at least one byte: a count beyond the rest is damage.
    if (n > this.buf.length - this.pos) throw new StencilFormatError(`count ${n} exceeds the remaining ${this.buf.length - this.pos} bytes`);
    return n;
  }
  bytes(): Uint8Array {
    const n = this.count();
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  str(): string {
    const n = this.count();
    const units = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const c = this.u();
      if (c > 0xffff) throw new StencilFormatError(`bad UTF-16 code unit ${c}`);
      units[i] = c;
    }
    let s = '';
    for (let i = 0; i < n; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
    return s;
  }
}

function writeName(w: Writer, n: ExternalName): void {
  switch (n.kind) {
    case 'user':
      w.byte(0);
      w.u(n.ref);
      return;
    case 'libcall':
      w.byte(1);
      w.u(n.libcall);
      return;
    case 'testcase':
      w.byte(2);
      w.str(n.name);
      return;
    default:
      throw new StencilFormatError(`unknown external name kind ${(n as { kind: string }).kind}`);
  }
}

function readName(r: Reader): ExternalName {
  const tag = r.byte();
  switch (tag) {
    case 0:
      return { kind: 'user', ref: r.u() };
    case 1:
      return { kind: 'libcall', libcall: r.u() as LibCall };
    case 2:
      return { kind: 'testcase', name: r.str() };
    default:
      throw new StencilFormatError(`unknown external name tag ${tag}`);
  }
}

/** The stencil as bytes (StencilBytesDeterministic). */
export function serializeCompiledCodeStencil(s: CompiledCodeStencil): Uint8Array {
  const w = new Writer(s.code.length + 16 + 8 * (s.relocs.length + s.traps.length + s.callSites.length) + 6 * s.srclocs.length);
  for (const b of MAGIC) w.byte(b);
  w.byte(STENCIL_FORMAT_VERSION);
  w.u(s.frameSize);
  w.u(s.alignment);
  w.bytes(s.code);
  w.u(s.relocs.length);
  for (const r of s.relocs) {
    const kind = RELOC_INDEX.get(r.kind);
    if (kind === undefined) throw new StencilFormatError(`unknown relocation kind ${r.kind}`);
    w.u(r.offset);
    w.byte(kind);
    w.s(r.addend);
    writeName(w, r.target);
  }
  w.u(s.traps.length);
  for (const t of s.traps) {
    w.u(t.offset);
    w.u(t.code);
  }
  w.u(s.callSites.length);
  for (const c of s.callSites) w.u(c.retAddr);
  w.u(s.srclocs.length);
  for (const l of s.srclocs) {
    w.u(l.start);
    w.s(l.end - l.start);
    w.u(l.loc);
  }
  if (s.disasm === undefined) w.byte(0);
  else {
    w.byte(1);
    w.str(s.disasm);
  }
  return w.finish();
}

/** The stencil back (StencilRoundTrip); throws `StencilFormatError` on anything malformed. */
export function deserializeCompiledCodeStencil(bytes: Uint8Array): CompiledCodeStencil {
  const r = new Reader(bytes);
  for (const b of MAGIC) if (r.byte() !== b) throw new StencilFormatError('not a serialized CompiledCodeStencil (bad magic)');
  const version = r.byte();
  if (version !== STENCIL_FORMAT_VERSION) throw new StencilFormatError(`stencil format version ${version}, expected ${STENCIL_FORMAT_VERSION}`);
  const frameSize = r.u();
  const alignment = r.u();
  const code = r.bytes();
  const relocs: StencilReloc[] = new Array(r.count());
  for (let i = 0; i < relocs.length; i++) {
    const offset = r.u();
    const kindByte = r.byte();
    const kind = RELOC_KINDS[kindByte];
    if (kind === undefined) throw new StencilFormatError(`unknown relocation kind byte ${kindByte}`);
    const addend = r.s();
    relocs[i] = { offset, kind, target: readName(r), addend };
  }
  const traps: CodeTrap[] = new Array(r.count());
  for (let i = 0; i < traps.length; i++) traps[i] = { offset: r.u(), code: r.u() };
  const callSites: CodeCallSite[] = new Array(r.count());
  for (let i = 0; i < callSites.length; i++) callSites[i] = { retAddr: r.u() };
  const srclocs: CodeSrcLoc[] = new Array(r.count());
  for (let i = 0; i < srclocs.length; i++) {
    const start = r.u();
    const end = start + r.s();
    srclocs[i] = { start, end, loc: r.u() };
  }
  const hasDisasm = r.byte();
  if (hasDisasm > 1) throw new StencilFormatError(`bad disassembly flag ${hasDisasm}`);
  const disasm = hasDisasm === 1 ? r.str() : undefined;
  if (r.pos !== bytes.length) throw new StencilFormatError(`${bytes.length - r.pos} trailing bytes`);
  return new CompiledCodeStencil({
    code,
    relocs,
    traps,
    callSites,
    srclocs,
    frameSize,
    alignment,
    ...(disasm === undefined ? {} : { disasm }),
  });
}
