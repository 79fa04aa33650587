/**
 * What crosses the thread boundary in a parallel compile: one compiled
 * function as bytes.
 *
 * A result is `[u32 baseSrcLoc, u32 nameCount, (u32 namespace, u32 index)×n]`
 * followed by the `CompiledCodeStencil` in the incremental cache's encoding
 * (`serializeCompiledCodeStencil`), so exactly what the cache would store
 * and the `FunctionParameters` the text builder applies — nothing else of a
 * body is needed on the other side. Little-endian throughout.
 */
import { type CompiledCodeStencil, deserializeCompiledCodeStencil, serializeCompiledCodeStencil } from '@derrick/codegen';
import { FunctionParameters } from '@derrick/codegen-ir';

export function encodeCompiled(code: CompiledCodeStencil, params: FunctionParameters): Uint8Array {
  const names = params.userNamedFuncs();
  const stencil = serializeCompiledCodeStencil(code);
  const head = 8 + 8 * names.length;
  const out = new Uint8Array(head + stencil.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, params.baseSrcLoc >>> 0, true);
  view.setUint32(4, names.length, true);
  names.forEach((n, i) => {
    view.setUint32(8 + 8 * i, n.namespace, true);
    view.setUint32(12 + 8 * i, n.index, true);
  });
  out.set(stencil, head);
  return out;
}

export function decodeCompiled(bytes: Uint8Array): { code: CompiledCodeStencil; params: FunctionParameters } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const params = new FunctionParameters();
  params.baseSrcLoc = view.getUint32(0, true);
  const n = view.getUint32(4, true);
  for (let i = 0; i < n; i++) {
    const ref = params.ensureUserFuncName({ namespace: view.getUint32(8 + 8 * i, true), index: view.getUint32(12 + 8 * i, true) });
    // A table with the same name twice (after resetUserFuncName) cannot be rebuilt by ensure; refuse it.
    if (ref !== i) throw new Error(`compiled function's name table repeats a name at ${i}`);
  }
  return { code: deserializeCompiledCodeStencil(bytes.subarray(8 + 8 * n)), params };
}
