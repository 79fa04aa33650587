/**
 * Where generated code runs: on koffi's own synchronous-call stack, not the
 * thread's stack, and a re-entrant call runs further down that same stack.
 * (README, "The stack generated code runs on".)
 */
import { describe, expect, it } from 'vitest';
import { CodeMemory, NativeRegion, nativeStackSize, registerHostCall } from '../src/index.js';
import { mappingContaining } from './process-state.js';
import { CALL_HOST_PLUS_ONE, READ_RSP } from './x64-snippets.js';

describe('the native stack', () => {
  it("generated code runs on koffi's stack, not the thread's [stack], and re-entrant code runs below it", () => {
    const readRsp = CodeMemory.publish(READ_RSP.bytes);
    const callHost = CodeMemory.publish(CALL_HOST_PLUS_ONE.bytes);
    const vmctx = NativeRegion.allocate(16);
    let innerRsp = 0n;
    const host = registerHostCall(() => {
      innerRsp = readRsp.arrayCallEntry(0).call(0n, 0n, 0n, 0);
      return 0n;
    });
    try {
      new BigUint64Array(vmctx.buffer)[0] = host.address;
      const outerRsp = readRsp.arrayCallEntry(0).call(0n, 0n, 0n, 0);
      const stack = mappingContaining(outerRsp);
      expect(stack).toBeDefined();
      expect(stack!.name).not.toBe('[stack]');
      expect(stack!.perms).toBe('rw-p');
      expect(Number(stack!.end - stack!.start)).toBeGreaterThanOrEqual(nativeStackSize());

      callHost.arrayCallEntry(0).call(vmctx.address, 0n, 0n, 0);
      expect(mappingContaining(innerRsp)?.start).toBe(stack!.start);
      expect(innerRsp).toBeLessThan(outerRsp);
    } finally {
      host.unregister();
      vmctx.dispose();
      callHost.dispose();
      readRsp.dispose();
    }
  });
});
