import { describe, expect, it } from 'vitest';
import { mappingContaining } from '../test/process-state.js';
import { CodeMemory } from './code-memory.js';
import { nativeStackSize } from './native-stack.js';
import { nativeStackBounds, nativeStackPointer } from './stack-pointer.js';

describe('nativeStackPointer / nativeStackBounds', () => {
  it("reports a stack pointer on koffi's stack, close to what an entry trampoline sees", () => {
    const sp = nativeStackPointer();
    const m = mappingContaining(sp);
    expect(m?.perms).toBe('rw-p');
    expect(m?.name).not.toBe('[stack]');
    // An entry trampoline called the same way sees the same stack pointer.
    const readRsp = CodeMemory.publish(Uint8Array.of(0x48, 0x89, 0xe0, 0xc3));
    try {
      const entrySp = readRsp.arrayCallEntry(0).call(0n, 0n, 0n, 0);
      const diff = entrySp > sp ? entrySp - sp : sp - entrySp;
      expect(diff).toBeLessThan(4096n);
    } finally {
      readRsp.dispose();
    }
    expect(nativeStackPointer()).toBe(sp); // same depth, same value
  });

  it('finds the bounds of that stack', () => {
    const { low, high } = nativeStackBounds();
    const sp = nativeStackPointer();
    expect(low <= sp && sp < high).toBe(true);
    expect(Number(high - low)).toBeGreaterThanOrEqual(nativeStackSize() / 2);
  });
});
