import { describe, expect, it } from 'vitest';
import { JitError } from './error.js';
import { pageSize } from './libc.js';
import { MAX_NATIVE_STACK_SIZE, nativeStackSize, setNativeStackSize } from './native-stack.js';

describe('native stack size', () => {
  it('reports koffi’s synchronous-call stack size (2 MiB by default)', () => {
    expect(nativeStackSize()).toBe(2 * 1024 * 1024);
  });

  it('cannot be changed once koffi has loaded a library, and says so', () => {
    pageSize(); // loads libc.so.6 through koffi
    try {
      setNativeStackSize(4 * 1024 * 1024);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JitError);
      expect((e as JitError).kind).toBe('koffi-failed');
      expect((e as JitError).message).toMatch(/once a library has been loaded.*before the first native-memory/);
    }
    expect(nativeStackSize()).toBe(2 * 1024 * 1024);
  });

  it('rejects sizes outside what koffi accepts', () => {
    for (const bad of [0, 1000, MAX_NATIVE_STACK_SIZE + 1, 1.5]) {
      expect(() => setNativeStackSize(bad)).toThrow(/native stack size must be/);
    }
  });
});
