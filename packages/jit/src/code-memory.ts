/**
 * `CodeMemory`: a module's text section, published as executable memory.
 *
 * The problem. The compiler hands the runtime an image whose text section is
 * position-independent except for a few absolute references to code outside
 * it (libcalls such as `fmod`, runtime builtins): wasm-to-wasm calls were
 * already resolved as relative calls when the text was laid out
 * (`architecture.md`, step 4). (The one exception is the
 * `linkopt_absolute_calls_baseline` benchmark baseline, whose calls between
 * functions are absolute references *into* the text: `targetOffset`, whose
 * address is known only once the pages are mapped.) Running it needs pages that hold those bytes,
 * with the absolute references patched to real addresses, and that the CPU
 * may execute — without ever being writable at the same time.
 *
 * The approach, in the order `publish` does it (Wasmtime's `CodeMemory::publish`
 * does the same):
 *
 *   1. `mmap` fresh anonymous pages `read-write` (a `NativeRegion`);
 *   2. copy the text in through the region's zero-copy view, and fill the tail
 *      of the last page with `int3` (0xCC) so a stray jump past the end traps
 *      at once instead of running zeros (`add [rax], al`);
 *   3. apply the relocations (`applyCodeRelocations`): each `Abs8` writes
 *      `target + addend` — or `address + targetOffset + addend` for a
 *      reference into the text — as a little-endian u64 at its offset;
 *   4. `mprotect` the pages `read-execute`.
 *
 * On x86-64 no instruction-cache maintenance is needed after step 4 (the
 * caches are coherent and `mprotect` is a serializing system call); an
 * AArch64 host would need `__builtin___clear_cache` here, and this is where it
 * would go.
 *
 * Invariants:
 *
 * * (W^X) the text pages are never writable and executable at once: they are
 *   `read-write` from step 1 to step 4 and `read-execute` after, and no path
 *   makes them writable again (`NativeRegion`'s `Protection` has no W+X).
 * * (sealed-before-escape) no address inside the text leaves this class before
 *   step 4: `functionAddress` and `arrayCallEntry` exist only on a published
 *   object, and `publish` returns only after sealing.
 * * (unmap-once) inherited from `NativeRegion`: `dispose()` unmaps now and
 *   cancels the finalizer; a `CodeMemory` that becomes unreachable is unmapped
 *   by the finalizer. Addresses handed out as `bigint`s do not keep the code
 *   alive — whoever stores one (a vmctx, a function table) must also keep the
 *   `CodeMemory` reachable; an `ArrayCallEntry` does so by construction.
 */
import { ArrayCallEntry } from './array-call.js';
import { JitError, hex } from './error.js';
import { NativeRegion } from './native-region.js';

/**
 * An absolute reference from the text, resolved before the text is sealed.
 * `Abs8` (Cranelift's `Reloc::Abs8`): write `target + addend` as 8
 * little-endian bytes at `offset`. The referenced symbol is either outside
 * the text (`target`, an address) or inside it (`targetOffset`, resolved
 * against the address the text is mapped at) — exactly one of the two.
 */
export type CodeRelocation = {
  readonly kind: 'Abs8';
  /** Byte offset of the 8-byte field inside the text. */
  readonly offset: number;
  /** Added to the symbol's address; defaults to 0. */
  readonly addend?: bigint;
} & (
  | {
      /** Resolved address of the referenced symbol (a libcall, a builtin, a host callback). */
      readonly target: bigint;
      readonly targetOffset?: undefined;
    }
  | {
      /** Offset inside the text of the referenced symbol (a function of the module). */
      readonly targetOffset: number;
      readonly target?: undefined;
    }
);

export interface PublishOptions {
  readonly relocations?: readonly CodeRelocation[];
}

/** `int3`: what fills the mapped bytes past the end of the text. */
const INT3 = 0xcc;

export class CodeMemory {
  readonly #region: NativeRegion;
  /** Length of the text as published (the mapping may be longer: whole pages). */
  readonly textSize: number;

  private constructor(region: NativeRegion, textSize: number) {
    this.#region = region;
    this.textSize = textSize;
  }

  /**
   * Map `text` as executable code, after applying `relocations`. Validates the
   * relocations before mapping anything, so a bad list costs no memory.
   */
  static publish(text: Uint8Array, options: PublishOptions = {}): CodeMemory {
    const relocations = options.relocations ?? [];
    for (const r of relocations) checkRelocation(r, text.length);

    const region = NativeRegion.allocate(text.length, 'read-write');
    try {
      const bytes = region.bytes;
      bytes.set(text);
      bytes.fill(INT3, text.length);
      applyCodeRelocations(bytes, region.address, relocations);
      // Post-invariant (W^X): from here on the pages are read-execute, for good.
      region.protect('read-execute');
    } catch (error) {
      region.dispose();
      throw error;
    }
    // Post-invariant (sealed-before-escape): the object exists only once sealed.
    return new CodeMemory(region, text.length);
  }

  /** Address of the first byte of the text. */
  get address(): bigint {
    return this.#region.address;
  }

  /** Bytes mapped: `textSize` rounded up to whole pages. */
  get mappedSize(): number {
    return this.#region.size;
  }

  get disposed(): boolean {
    return this.#region.disposed;
  }

  /** Address of the function starting `offset` bytes into the text. */
  functionAddress(offset: number): bigint {
    this.#checkLive('functionAddress');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.textSize) {
      throw new JitError('invalid-argument', `function offset ${offset} is outside the text of ${this.textSize} bytes`);
    }
    return this.#region.address + BigInt(offset);
  }

  /**
   * A callable array-call entry trampoline at `offset`; it keeps this code
   * memory alive while it is reachable and refuses to run after `dispose()`.
   */
  arrayCallEntry(offset: number): ArrayCallEntry {
    return new ArrayCallEntry(this.functionAddress(offset), this);
  }

  /** A copy of the published text (relocations applied), read back from the executable pages. */
  readText(): Uint8Array {
    this.#checkLive('readText');
    return this.#region.bytes.slice(0, this.textSize);
  }

  /**
   * Unmap the code now. Idempotent. The caller guarantees that no native
   * frame is executing it and no pointer into it will be called again.
   */
  dispose(): void {
    this.#region.dispose();
  }

  #checkLive(what: string): void {
    if (this.#region.disposed) {
      throw new JitError('disposed', `CodeMemory.${what}: the code at ${hex(this.#region.address)} was disposed`);
    }
  }
}

/**
 * Patch `relocations` (already checked) into `text`, the writable copy of a
 * text that lives at `textAddress`: each `Abs8` gets `target + addend`, or
 * `textAddress + targetOffset + addend`, as a little-endian u64 (wrapping to
 * 64 bits). Step 3 of `publish`; pure, so it is tested on plain bytes.
 */
export function applyCodeRelocations(text: Uint8Array, textAddress: bigint, relocations: readonly CodeRelocation[]): void {
  const view = new DataView(text.buffer, text.byteOffset, text.byteLength);
  const base = Number(textAddress);
  for (const r of relocations) {
    if (r.target === undefined) {
      // Into the text (the absolute-calls baseline has thousands): exact in
      // doubles below 2^53, which every user-space address is; two u32 writes
      // avoid a BigInt per relocation.
      const address = base + r.targetOffset + (r.addend === undefined ? 0 : Number(r.addend));
      if (address >= 0 && address < 2 ** 53) {
        const low = address % 2 ** 32;
        view.setUint32(r.offset, low, true);
        view.setUint32(r.offset + 4, (address - low) / 2 ** 32, true);
        continue;
      }
    }
    const symbol = r.target ?? textAddress + BigInt(r.targetOffset);
    view.setBigUint64(r.offset, BigInt.asUintN(64, symbol + (r.addend ?? 0n)), true);
  }
}

function checkRelocation(r: CodeRelocation, textSize: number): void {
  if (r.kind !== 'Abs8') {
    throw new JitError('invalid-argument', `unsupported relocation kind ${String(r.kind)} (only Abs8 is resolved at load time)`);
  }
  if (!Number.isSafeInteger(r.offset) || r.offset < 0 || r.offset + 8 > textSize) {
    throw new JitError(
      'invalid-argument',
      `Abs8 relocation at offset ${r.offset} does not fit in the text of ${textSize} bytes`,
    );
  }
  const { offset, target, targetOffset, addend } = r as { offset: number; target?: unknown; targetOffset?: unknown; addend?: unknown };
  if (targetOffset !== undefined) {
    if (target !== undefined || !Number.isSafeInteger(targetOffset) || (targetOffset as number) < 0 || (targetOffset as number) > textSize) {
      throw new JitError('invalid-argument', `Abs8 relocation at offset ${offset}: targetOffset must be an offset inside the text of ${textSize} bytes, and without a target`);
    }
  } else if (typeof target !== 'bigint') {
    throw new JitError('invalid-argument', `Abs8 relocation at offset ${offset}: target and addend must be bigints`);
  }
  if (addend !== undefined && typeof addend !== 'bigint') {
    throw new JitError('invalid-argument', `Abs8 relocation at offset ${offset}: target and addend must be bigints`);
  }
}
