/**
 * Canonical byte encoding of a `FunctionStencil` — the input of the
 * incremental cache key (mission M5) and the definition of stencil equality.
 *
 * Requirements: deterministic (same stencil ⇒ same bytes, across processes),
 * complete (anything code generation can observe is encoded, so different
 * code ⇒ different bytes), and blind to storage accidents (free list-pool
 * slots, the numbering of `BlockCall`s, alias chains, instructions or blocks
 * not in the layout), which code generation cannot observe.
 *
 * Layout of the encoding (all integers LEB128; signed ones zig-zagged):
 *
 * ```
 *   version string
 *   signature
 *   stack slots            count, (kind, size, alignShift)*
 *   signatures             count, signature*
 *   imported functions     count, (name, sigref, colocated)*
 *   jump tables            count, (default blockcall, count, blockcall*)*
 *   blocks in layout order count, per block:
 *       block number, params (value, type)*,
 *       insts: count, per inst: opcode, ctrl type, args*, results (value, type)*,
 *              format-specific immediates, relative srcloc
 *   blockcall              block number, args*
 * ```
 *
 * Entity numbers (values, blocks) are encoded as they are, not renumbered:
 * a backend may derive virtual-register numbers from them, and the cache must
 * only return code that a fresh compile would produce (the
 * `enable_incremental_compilation_cache_checks` property). Value arguments are
 * encoded after alias resolution.
 */
import type { FunctionStencil } from './function.js';
import type { DataFlowGraph } from './dfg.js';
import { InstructionFormat } from './opcodes.js';
import type { Signature } from './signature.js';

class ByteWriter {
  buf = new Uint8Array(256);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** Unsigned LEB128 of a non-negative integer < 2^53. */
  u(v: number): void {
    this.ensure(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.len++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.len++] = x;
  }

  /** Zig-zag signed 32-bit. */
  s32(v: number): void {
    this.u(((v << 1) ^ (v >> 31)) >>> 0);
  }

  str(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.u(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const EXT: Record<string, number> = { none: 0, uext: 1, sext: 2 };
const PURPOSE: Record<string, number> = { normal: 0, vmctx: 1, sret: 2, stack_limit: 3 };

function writeSig(w: ByteWriter, sig: Signature): void {
  w.u(sig.callConv);
  w.u(sig.params.length);
  for (const p of sig.params) {
    w.u(p.type);
    w.u(EXT[p.extension] ?? 0);
    w.u(PURPOSE[p.purpose] ?? 0);
  }
  w.u(sig.returns.length);
  for (const p of sig.returns) {
    w.u(p.type);
    w.u(EXT[p.extension] ?? 0);
    w.u(PURPOSE[p.purpose] ?? 0);
  }
}

function writeBlockCall(w: ByteWriter, dfg: DataFlowGraph, bc: number): void {
  w.u(dfg.blockCallBlock(bc));
  const n = dfg.blockCallNumArgs(bc);
  w.u(n);
  for (let i = 0; i < n; i++) w.u(dfg.resolveAliases(dfg.blockCallArg(bc, i)));
}

export function encodeStencil(s: FunctionStencil): Uint8Array {
  const w = new ByteWriter();
  const dfg = s.dfg;
  const layout = s.layout;
  w.str(s.versionMarker);
  writeSig(w, s.signature);

  w.u(s.stackSlots.length);
  for (const ss of s.stackSlots) {
    w.u(0); // kind: explicit_slot
    w.u(ss.size);
    w.u(ss.alignShift);
  }

  w.u(dfg.signatures.length);
  for (const sig of dfg.signatures) writeSig(w, sig);

  w.u(dfg.extFuncs.length);
  for (const ext of dfg.extFuncs) {
    switch (ext.name.kind) {
      case 'user':
        w.u(0);
        w.u(ext.name.ref);
        break;
      case 'libcall':
        w.u(1);
        w.u(ext.name.libcall);
        break;
      case 'testcase':
        w.u(2);
        w.str(ext.name.name);
        break;
    }
    w.u(ext.signature);
    w.u(ext.colocated ? 1 : 0);
  }

  w.u(dfg.jumpTables.length);
  for (const jt of dfg.jumpTables) {
    writeBlockCall(w, dfg, jt.default);
    w.u(jt.entries.length);
    for (const e of jt.entries) writeBlockCall(w, dfg, e);
  }

  const blocks = layout.blockList();
  w.u(blocks.length);
  for (const b of blocks) {
    w.u(b);
    const np = dfg.numBlockParams(b);
    w.u(np);
    for (let i = 0; i < np; i++) {
      const v = dfg.blockParam(b, i);
      w.u(v);
      w.u(dfg.typeOf(v));
    }
    let count = 0;
    for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) count++;
    w.u(count);
    for (let i = layout.firstInst(b); i >= 0; i = layout.nextInst(i)) {
      w.u(dfg.opcode(i));
      w.u(dfg.ctrlType(i));
      const na = dfg.numArgs(i);
      w.u(na);
      for (let a = 0; a < na; a++) w.u(dfg.resolveAliases(dfg.arg(i, a)));
      const nr = dfg.numResults(i);
      w.u(nr);
      for (let r = 0; r < nr; r++) {
        const v = dfg.result(i, r);
        w.u(v);
        w.u(dfg.typeOf(v));
      }
      switch (dfg.format(i)) {
        case InstructionFormat.Jump:
          writeBlockCall(w, dfg, dfg.aux(i));
          break;
        case InstructionFormat.Brif:
          writeBlockCall(w, dfg, dfg.aux(i));
          writeBlockCall(w, dfg, dfg.aux2(i));
          break;
        default:
          w.s32(dfg.aux(i));
          w.s32(dfg.aux2(i));
          w.s32(dfg.immLo(i) | 0);
          w.s32(dfg.immHi(i) | 0);
      }
      w.u(s.relSrcLoc(i));
    }
  }
  return w.bytes();
}
