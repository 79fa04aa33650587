import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { collectUntil, mappingContaining } from '../test/process-state.js';
import { ABS8_LIBCALL_OFFSET, ADD_AND_STORE, TAIL_CALL_ABS8 } from '../test/x64-snippets.js';
import { CodeMemory, applyCodeRelocations } from './code-memory.js';
import { JitError } from './error.js';
import { pageSize } from './libc.js';
import { NativeRegion } from './native-region.js';

describe('CodeMemory', () => {
  it('publishes text as read-execute pages and runs it through an array-call entry', () => {
    const code = CodeMemory.publish(ADD_AND_STORE.bytes);
    const values = NativeRegion.allocate(16);
    try {
      expect(code.address % BigInt(pageSize())).toBe(0n);
      expect(code.textSize).toBe(ADD_AND_STORE.bytes.length);
      expect(code.mappedSize).toBe(pageSize());
      expect(mappingContaining(code.address)?.perms).toBe('r-xp');

      const words = new BigUint64Array(values.buffer);
      words[0] = 40n;
      const entry = code.arrayCallEntry(0);
      expect(entry.address).toBe(code.address);
      // values[1] = values[0] + count; returns vmctx
      expect(entry.call(0x1234n, 0n, values.address, 2)).toBe(0x1234n);
      expect(words[1]).toBe(42n);
    } finally {
      values.dispose();
      code.dispose();
    }
  });

  it('W^X: the mapping is never writable once published', () => {
    const code = CodeMemory.publish(ADD_AND_STORE.bytes);
    const perms = mappingContaining(code.address)!.perms;
    expect(perms).not.toContain('w');
    code.dispose();
  });

  it('pads the rest of the last page with int3', () => {
    const code = CodeMemory.publish(Uint8Array.of(0xc3));
    const region = koffi.view(code.address, code.mappedSize);
    const bytes = new Uint8Array(region);
    expect(bytes[0]).toBe(0xc3);
    expect(bytes.subarray(1).every((b) => b === 0xcc)).toBe(true);
    expect(code.readText()).toEqual(Uint8Array.of(0xc3));
    code.dispose();
  });

  it('applies Abs8 relocations before sealing: a tail call to a libc libcall (labs)', () => {
    const labs = koffi.load('libc.so.6').symbol('labs') as bigint;
    const code = CodeMemory.publish(TAIL_CALL_ABS8.bytes, {
      relocations: [{ kind: 'Abs8', offset: ABS8_LIBCALL_OFFSET, target: labs }],
    });
    const values = NativeRegion.allocate(8);
    try {
      const text = new DataView(code.readText().buffer);
      expect(text.getBigUint64(ABS8_LIBCALL_OFFSET, true)).toBe(labs);
      new BigInt64Array(values.buffer)[0] = -12345n;
      expect(code.arrayCallEntry(0).call(0n, 0n, values.address, 1)).toBe(12345n);
    } finally {
      values.dispose();
      code.dispose();
    }
  });

  it('adds the addend and wraps to 64 bits', () => {
    const code = CodeMemory.publish(new Uint8Array(16), {
      relocations: [
        { kind: 'Abs8', offset: 0, target: 0x1000n, addend: -0x10n },
        { kind: 'Abs8', offset: 8, target: 0n, addend: -1n },
      ],
    });
    const text = new DataView(code.readText().buffer);
    expect(text.getBigUint64(0, true)).toBe(0xff0n);
    expect(text.getBigUint64(8, true)).toBe(0xffff_ffff_ffff_ffffn);
    code.dispose();
  });

  it('applyCodeRelocations patches addresses outside the text and offsets into it against the text address', () => {
    const text = new Uint8Array(33).fill(0xaa);
    applyCodeRelocations(text.subarray(1), 0x7f00_0000_1000n, [
      { kind: 'Abs8', offset: 0, target: 0x1234n },
      { kind: 'Abs8', offset: 8, targetOffset: 0x40 },
      { kind: 'Abs8', offset: 16, targetOffset: 0, addend: -1n },
      { kind: 'Abs8', offset: 24, targetOffset: 8, addend: 2n },
    ]);
    const v = new DataView(text.buffer, 1);
    expect(text[0]).toBe(0xaa); // only the subarray is written, at its own offsets
    expect(v.getBigUint64(0, true)).toBe(0x1234n);
    expect(v.getBigUint64(8, true)).toBe(0x7f00_0000_1040n);
    expect(v.getBigUint64(16, true)).toBe(0x7f00_0000_0fffn);
    expect(v.getBigUint64(24, true)).toBe(0x7f00_0000_100an);
  });

  it('resolves a targetOffset relocation against the address the text is mapped at', () => {
    const code = CodeMemory.publish(new Uint8Array(24), {
      relocations: [
        { kind: 'Abs8', offset: 0, targetOffset: 16 },
        { kind: 'Abs8', offset: 8, targetOffset: 24, addend: -8n },
      ],
    });
    try {
      const text = new DataView(code.readText().buffer);
      expect(text.getBigUint64(0, true)).toBe(code.address + 16n);
      expect(text.getBigUint64(8, true)).toBe(code.address + 16n);
    } finally {
      code.dispose();
    }
  });

  it('rejects relocations that do not fit, before mapping anything', () => {
    const bad = [
      { kind: 'Abs8', offset: 9, target: 1n },
      { kind: 'Abs8', offset: -1, target: 1n },
      { kind: 'Abs8', offset: 0.5, target: 1n },
      { kind: 'Abs4', offset: 0, target: 1n },
      { kind: 'Abs8', offset: 0, target: 1 },
      { kind: 'Abs8', offset: 0, targetOffset: 17 },
      { kind: 'Abs8', offset: 0, targetOffset: -1 },
      { kind: 'Abs8', offset: 0, targetOffset: 0, target: 1n },
    ];
    for (const r of bad) {
      expect(() => CodeMemory.publish(new Uint8Array(16), { relocations: [r as never] })).toThrow(JitError);
    }
  });

  it('bounds-checks function offsets', () => {
    const code = CodeMemory.publish(ADD_AND_STORE.bytes);
    expect(code.functionAddress(3)).toBe(code.address + 3n);
    expect(() => code.functionAddress(ADD_AND_STORE.bytes.length)).toThrow(/outside the text/);
    expect(() => code.functionAddress(-1)).toThrow(JitError);
    code.dispose();
  });

  it('after dispose: unmapped, and entries refuse to run instead of jumping into nothing', () => {
    const code = CodeMemory.publish(ADD_AND_STORE.bytes);
    const entry = code.arrayCallEntry(0);
    const address = code.address;
    code.dispose();
    code.dispose();
    expect(code.disposed).toBe(true);
    expect(mappingContaining(address)).toBeUndefined();
    expect(() => entry.call(0n, 0n, 0n, 0)).toThrow(expect.objectContaining({ kind: 'disposed' }));
    expect(() => code.functionAddress(0)).toThrow(expect.objectContaining({ kind: 'disposed' }));
    expect(() => code.readText()).toThrow(expect.objectContaining({ kind: 'disposed' }));
  });

  it('an unreachable CodeMemory is unmapped by the finalizer; a live entry keeps it mapped', async () => {
    let dropped = 0n;
    let kept = 0n;
    let entry: ReturnType<CodeMemory['arrayCallEntry']> | undefined;
    (() => {
      dropped = CodeMemory.publish(ADD_AND_STORE.bytes).address;
      const code = CodeMemory.publish(ADD_AND_STORE.bytes);
      kept = code.address;
      entry = code.arrayCallEntry(0);
    })();
    expect(await collectUntil(() => mappingContaining(dropped) === undefined)).toBe(true);
    expect(mappingContaining(kept)?.perms).toBe('r-xp');
    const values = NativeRegion.allocate(16);
    expect(entry!.call(7n, 0n, values.address, 5)).toBe(7n);
    values.dispose();
    entry = undefined;
    expect(await collectUntil(() => mappingContaining(kept) === undefined)).toBe(true);
  });
});
