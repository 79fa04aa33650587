/**
 * The compile worker: one thread of a parallel compile (`pool.ts`).
 *
 * It rebuilds the main thread's compiler from its recipe (`workerData`: the
 * triple and every shared and ISA setting as strings, so the two compilers
 * are configured identically), decodes each module it is sent once, and
 * answers each job — a list of defined-function indices — with the encoded
 * results (`wire.ts`), transferring their buffers. A `CompileError` travels
 * back as its kind and message; the main thread rethrows it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CompileError, decodeModule, type ModuleTranslation } from '@derrick/environ';
import { DerrickCompilerBuilder } from '../builder.js';
import type { DerrickCompiler } from '../compiler.js';
import type { CompilerRecipe, ToMain, ToWorker } from './pool.js';
import { encodeCompiled } from './wire.js';

const recipe = workerData as CompilerRecipe;
const builder = new DerrickCompilerBuilder(recipe.triple);
for (const [name, value] of recipe.settings) builder.set(name, value);
const compiler = builder.build() as DerrickCompiler;

const modules = new Map<number, ModuleTranslation>();
const port = parentPort!;

port.on('message', (msg: ToWorker) => {
  let reply: ToMain;
  const transfer: ArrayBuffer[] = [];
  try {
    if (msg.bytes !== undefined) {
      modules.clear(); // one module at a time: the pool sends a new one's bytes first
      modules.set(msg.moduleId, decodeModule(msg.bytes));
    }
    const translation = modules.get(msg.moduleId);
    if (translation === undefined) throw new CompileError('codegen', `compile worker: module ${msg.moduleId} was never sent`);
    const results: Uint8Array[] = [];
    for (const i of msg.indices) {
      const { code, params } = compiler.compileFunctionParts(translation, i);
      const bytes = encodeCompiled(code, params);
      results.push(bytes);
      transfer.push(bytes.buffer as ArrayBuffer);
    }
    reply = { jobId: msg.jobId, results };
  } catch (e) {
    const kind = e instanceof CompileError ? e.kind : 'codegen';
    const message = e instanceof Error ? e.message : String(e);
    reply = { jobId: msg.jobId, error: { kind, message } };
    transfer.length = 0;
  }
  port.postMessage(reply, transfer);
});
